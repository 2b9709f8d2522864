# A root module calling the reusable aws-azure-vpn module, as a module-registry consumer would.

terraform {
  required_providers {
    cloudlink = {
      source = "cloudlink/cloudlink"
    }
  }
}

provider "cloudlink" {
  aws {
    region = "eu-west-1"
  }
  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000"
  }
}

module "vpn" {
  source = "../modules/aws-azure-vpn"

  name                       = "hub-to-azure"
  aws_vpc_id                 = "vpc-0a1b2c3d4e5f67890"
  aws_route_table_ids        = ["rtb-0a1b2c3d4e5f67890"]
  azure_resource_group       = "network-rg"
  azure_location             = "westeurope"
  azure_virtual_network_name = "hub-vnet"
  azure_gateway_subnet_cidr  = "10.30.255.0/27"
  tags = {
    owner = "platform-team"
  }
}

output "tunnels" {
  value = module.vpn.tunnels
}
