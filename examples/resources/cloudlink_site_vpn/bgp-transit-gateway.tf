# A data-centre firewall running strongSwan, peering over BGP with an existing transit
# gateway: the transit gateway learns the data centre's prefixes from the device, so there are
# no static routes. The tunnel options pin IKEv2 with AES-256-GCM and DH group 20 on both
# tunnels, and AWS starts IKE itself (`startup_action = "start"`).
resource "cloudlink_site_vpn" "datacenter" {
  name    = "dc-frankfurt"
  routing = "bgp"

  peer {
    ip_address = "198.51.100.20"
    bgp_asn    = 65010
  }

  aws {
    transit_gateway_id = "tgw-0123456789abcdef0"
  }

  tunnel_inside_cidrs = ["169.254.100.0/30", "169.254.100.4/30"]

  tunnel_options {
    ike_versions                 = ["ikev2"]
    phase1_encryption_algorithms = ["AES256-GCM-16"]
    phase1_integrity_algorithms  = ["SHA2-256"]
    phase1_dh_group_numbers      = [20]
    phase2_encryption_algorithms = ["AES256-GCM-16"]
    phase2_integrity_algorithms  = ["SHA2-256"]
    phase2_dh_group_numbers      = [20]
    dpd_timeout_action           = "restart"
    startup_action               = "start"
  }

  device_type {
    vendor      = "Strongswan"
    platform    = "Ubuntu 16.04"
    software    = "Strongswan 5.5.1+"
    ike_version = "ikev2"
  }

  tags = {
    env = "prod"
  }
}

output "datacenter_tunnels" {
  value = cloudlink_site_vpn.datacenter.tunnels
}
