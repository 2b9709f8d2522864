# A 3-VPC mesh across two accounts: two VPCs of the provider's default account (one of them in
# another region) and one of the "network" account, reached by assuming a role there. Each
# pair gets one peering, accepted with the accepter's credentials, and every listed route
# table routes every other member's CIDR blocks through it (3 peerings, 6 route sets).
provider "cloudlink" {
  aws {
    region = "us-east-1"
  }
  aws_account "network" {
    region          = "us-east-1"
    assume_role_arn = "arn:aws:iam::222222222222:role/peering"
  }
}

resource "cloudlink_vpc_peering_mesh" "core" {
  member "app" {
    vpc_id          = "vpc-0a1b2c3d4e5f60718"
    route_table_ids = ["rtb-0a1b2c3d4e5f60718", "rtb-0b1c2d3e4f5a60718"]
  }

  member "data" {
    vpc_id          = "vpc-0d1e2f3a4b5c60718"
    region          = "eu-west-1"
    route_table_ids = ["rtb-0d1e2f3a4b5c60718"]
  }

  member "shared" {
    account                         = "network"
    vpc_id                          = "vpc-0c1d2e3f4a5b60718"
    route_table_ids                 = ["rtb-0c1d2e3f4a5b60718"]
    allow_remote_vpc_dns_resolution = true
  }

  tags = {
    Name = "core-mesh"
  }
}

# The peering of each pair, keyed "A:B" with the member names sorted.
output "peering_ids" {
  value = { for k, p in cloudlink_vpc_peering_mesh.core.pairs : k => p.id }
}
