# The demo topology, applied by `make demo` against cloudlink-emulator: the seeds' AWS<->Azure
# site-to-site VPN (static routing, one tunnel) plus a VPC peering between two AWS VPCs.
# The VPCs, route tables, resource group and VNet already exist (the demo creates them through
# the emulator's fixtures API, the way they would already exist in a real account).

terraform {
  required_providers {
    cloudlink = {
      source = "cloudlink/cloudlink"
    }
  }
}

variable "endpoint" {
  description = "cloudlink-emulator URL (serves both EC2 and Azure Resource Manager)."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "route_table_id" {
  type = string
}

variable "shared_vpc_id" {
  type = string
}

variable "shared_route_table_id" {
  type = string
}

provider "cloudlink" {
  poll_interval = "200ms"

  aws {
    region     = "us-east-1"
    access_key = "AKID123456789012DEMO"
    secret_key = "emulator"
    endpoint   = var.endpoint
  }

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000"
    tenant_id       = "11111111-1111-1111-1111-111111111111"
    client_id       = "22222222-2222-2222-2222-222222222222"
    client_secret   = "emulator-secret"
    endpoint        = var.endpoint
  }
}

resource "cloudlink_cross_cloud_vpn" "demo" {
  name    = "demo"
  routing = "static"
  tunnels = 1

  aws {
    vpc_id          = var.vpc_id
    route_table_ids = [var.route_table_id]
  }

  azure {
    resource_group       = "demo-rg"
    location             = "westeurope"
    virtual_network_name = "demo-vnet"
    gateway_subnet_cidr  = "10.30.255.0/27"
  }

  tags = {
    project = "cloudlink-demo"
  }
}

resource "cloudlink_vpc_peering_pair" "demo" {
  requester {
    vpc_id          = var.vpc_id
    route_table_ids = [var.route_table_id]
  }

  accepter {
    vpc_id          = var.shared_vpc_id
    route_table_ids = [var.shared_route_table_id]
  }

  tags = {
    project = "cloudlink-demo"
  }
}

output "tunnels" {
  description = "Per tunnel: outside IP, inside CIDR and status as each cloud reports it."
  value       = cloudlink_cross_cloud_vpn.demo.tunnel_details
}

output "azure_public_ips" {
  value = cloudlink_cross_cloud_vpn.demo.azure.public_ips
}

output "azure_gateway" {
  description = "The gateway's SKU and its public IPs' zones (zone-redundant where the region has zones)."
  value = {
    sku   = cloudlink_cross_cloud_vpn.demo.azure.sku
    zones = cloudlink_cross_cloud_vpn.demo.azure.zones
  }
}

output "consistent" {
  description = "Both clouds agree on IPs, pre-shared keys, CIDRs and ASNs."
  value       = cloudlink_cross_cloud_vpn.demo.consistent
}

output "peering" {
  value = {
    id     = cloudlink_vpc_peering_pair.demo.id
    status = cloudlink_vpc_peering_pair.demo.status
  }
}
