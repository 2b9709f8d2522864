# Same account, same region: two VPCs of the provider's default account.
resource "cloudlink_vpc_peering_pair" "app_to_shared" {
  requester {
    vpc_id                          = "vpc-0a1b2c3d4e5f60718"
    route_table_ids                 = ["rtb-0a1b2c3d4e5f60718", "rtb-0b1c2d3e4f5a60718"]
    allow_remote_vpc_dns_resolution = true
  }

  accepter {
    vpc_id                          = "vpc-0f1e2d3c4b5a60718"
    route_table_ids                 = ["rtb-0f1e2d3c4b5a60718"]
    allow_remote_vpc_dns_resolution = true
  }

  tags = {
    Name = "app-to-shared"
    team = "network"
  }
}
