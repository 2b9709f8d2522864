# Cross-account: the accepter's credentials come from a named aws_account of the provider
# block (here by assuming a role in the other account). The accepter region defaults to the
# region of that account.
provider "cloudlink" {
  aws {
    region = "us-east-1"
  }
  aws_account "network" {
    region          = "us-east-1"
    assume_role_arn = "arn:aws:iam::222222222222:role/peering"
  }
}

resource "cloudlink_vpc_peering_pair" "app_to_network" {
  requester {
    vpc_id                          = "vpc-0a1b2c3d4e5f60718"
    route_table_ids                 = ["rtb-0a1b2c3d4e5f60718"]
    allow_remote_vpc_dns_resolution = true
  }

  accepter {
    account                         = "network"
    vpc_id                          = "vpc-0c1d2e3f4a5b60718"
    route_table_ids                 = ["rtb-0c1d2e3f4a5b60718"]
    allow_remote_vpc_dns_resolution = true
  }

  tags = {
    Name = "app-to-network"
  }

  timeouts {
    create = "15m"
  }
}
