# The Microsoft/AWS reference HA topology: BGP, 4 tunnels. Active-active Azure gateway
# (2 public IPs), 2 customer gateways, 2 VPN connections, 4 local network gateways and
# 4 connections, with the canonical APIPA mapping (169.254.21.0/30, 169.254.22.0/30,
# 169.254.21.4/30, 169.254.22.4/30) and custom BGP addresses on every Azure connection.
resource "cloudlink_cross_cloud_vpn" "ha" {
  name    = "ha-link"
  routing = "bgp"
  tunnels = 4

  aws {
    vpc_id          = "vpc-0123456789abcdef0"
    route_table_ids = ["rtb-0123456789abcdef0"]
    amazon_side_asn = 64512
  }

  azure {
    resource_group       = "network-rg"
    location             = "westeurope"
    virtual_network_name = "hub-vnet"
    gateway_subnet_cidr  = "10.1.255.0/27"
    sku                  = "VpnGw2AZ"
    asn                  = 65515
  }

  # Keys stay out of plan and state; bump the version to rotate them (one tunnel at a time).
  tunnel_psks_wo         = [var.psk1, var.psk2, var.psk3, var.psk4]
  tunnel_psks_wo_version = 1

  timeouts {
    create = "90m"
    delete = "120m"
  }
}

variable "psk1" {
  type      = string
  sensitive = true
}
variable "psk2" {
  type      = string
  sensitive = true
}
variable "psk3" {
  type      = string
  sensitive = true
}
variable "psk4" {
  type      = string
  sensitive = true
}
