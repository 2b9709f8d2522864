# An office router (a Cisco ISR) at a fixed public IP, reached with static routes through a
# new virtual private gateway on the VPC. cloudlink creates the customer gateway, the virtual
# private gateway and its attachment, the VPN connection with two tunnels, the static route to
# the office prefix and route propagation into the route table, and writes the router's
# configuration (IKE, IPsec, tunnel interfaces) into `device_configuration`.
resource "cloudlink_site_vpn" "office" {
  name    = "office-hq"
  routing = "static"

  peer {
    ip_address  = "192.0.2.10"
    cidrs       = ["10.50.0.0/16"]
    device_name = "hq-isr4331"
  }

  aws {
    vpc_id          = "vpc-0123456789abcdef0"
    route_table_ids = ["rtb-0123456789abcdef0"]
  }

  device_type {
    vendor   = "Cisco Systems, Inc."
    platform = "ISR Series Routers"
    software = "IOS 12.4+"
  }

  tunnel_logs {
    log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/vpn/office-hq"
    output_format = "json"
  }

  tags = {
    env = "prod"
  }
}

# The router's configuration, with the tunnels' pre-shared keys: sensitive.
#   terraform output -raw office_router_config > office-hq-isr.cfg
output "office_router_config" {
  value     = cloudlink_site_vpn.office.device_configuration
  sensitive = true
}
