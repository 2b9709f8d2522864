# The seeds' topology: static routing, one tunnel (tunnel 1 of one AWS VPN connection),
# active-standby Azure gateway. cloudlink creates the GatewaySubnet, the public IP, the
# gateway, the customer gateway, the VPN gateway + attachment, the VPN connection, the
# local network gateway and the connection, with a generated PSK (never stored in state).
resource "cloudlink_cross_cloud_vpn" "seed" {
  name    = "seed-link"
  routing = "static"
  tunnels = 1

  aws {
    vpc_id          = "vpc-0123456789abcdef0"
    route_table_ids = ["rtb-0123456789abcdef0"]
  }

  azure {
    resource_group       = "network-rg"
    location             = "westeurope"
    virtual_network_name = "hub-vnet"
    gateway_subnet_cidr  = "10.1.255.0/27"
  }

  tags = {
    env = "dev"
  }
}
