resource "cloudlink_cross_cloud_vpn" "this" {
  name    = var.name
  routing = var.high_availability ? "bgp" : "static"
  tunnels = var.high_availability ? 4 : 2

  aws {
    vpc_id          = var.aws_vpc_id
    route_table_ids = var.aws_route_table_ids
  }

  azure {
    resource_group       = var.azure_resource_group
    location             = var.azure_location
    virtual_network_name = var.azure_virtual_network_name
    gateway_subnet_cidr  = var.azure_gateway_subnet_cidr
    sku                  = var.azure_sku
  }

  tags = var.tags
}
