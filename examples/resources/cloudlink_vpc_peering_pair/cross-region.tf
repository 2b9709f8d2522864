# Cross-region, same account: set the accepter's region. The request carries PeerRegion and
# the accept, DNS option and routes of the accepter side are sent to that region.
resource "cloudlink_vpc_peering_pair" "us_to_eu" {
  requester {
    vpc_id          = "vpc-0a1b2c3d4e5f60718"
    route_table_ids = ["rtb-0a1b2c3d4e5f60718"]
  }

  accepter {
    region          = "eu-west-1"
    vpc_id          = "vpc-0d1e2f3a4b5c60718"
    route_table_ids = ["rtb-0d1e2f3a4b5c60718"]
  }

  tags = {
    Name = "us-to-eu"
  }
}
