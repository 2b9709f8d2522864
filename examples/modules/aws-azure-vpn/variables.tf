variable "name" {
  description = "Name of the link; every sub-resource in both clouds is named and tagged from it."
  type        = string
}

variable "high_availability" {
  description = "true: BGP over four tunnels with an active-active Azure gateway (the AWS/Microsoft reference topology). false: static routing over both tunnels of one AWS VPN connection."
  type        = bool
  default     = true
}

variable "aws_vpc_id" {
  description = "The AWS VPC to connect."
  type        = string
}

variable "aws_route_table_ids" {
  description = "Route tables of the VPC that should reach Azure."
  type        = list(string)
  default     = []
}

variable "azure_resource_group" {
  description = "Resource group of the Azure virtual network."
  type        = string
}

variable "azure_location" {
  description = "Azure region of the virtual network, e.g. westeurope."
  type        = string
}

variable "azure_virtual_network_name" {
  description = "The Azure virtual network to connect."
  type        = string
}

variable "azure_gateway_subnet_cidr" {
  description = "Prefix for the GatewaySubnet when the virtual network has none (/27 or larger recommended)."
  type        = string
  default     = null
}

variable "azure_sku" {
  description = "Azure VPN gateway SKU."
  type        = string
  default     = "VpnGw1AZ"
}

variable "tags" {
  description = "Tags applied to every sub-resource in both clouds."
  type        = map(string)
  default     = {}
}
