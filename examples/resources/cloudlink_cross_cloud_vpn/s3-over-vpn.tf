# S3 reached privately from Azure over the VPN: an interface VPC endpoint for S3 in two
# subnets (one per availability zone) of the VPC, behind a security group cloudlink creates
# that admits exactly the Azure prefixes (azure_cidrs, here the VNet's address space) on
# TCP 443. Azure clients cannot use the VPC's Route 53 private DNS, so they use the
# endpoint-specific names of private_service_dns, which resolve to the endpoint's private
# addresses; the traffic then takes the VPN.
resource "cloudlink_cross_cloud_vpn" "s3" {
  name    = "s3-link"
  routing = "static"
  tunnels = 2

  aws {
    vpc_id          = "vpc-0123456789abcdef0"
    route_table_ids = ["rtb-0123456789abcdef0"]

    private_services           = ["s3"]
    private_service_subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  }

  azure {
    resource_group       = "network-rg"
    location             = "westeurope"
    virtual_network_name = "hub-vnet"
    gateway_subnet_cidr  = "10.1.255.0/27"
  }
}

# The regional endpoint-specific name, e.g.
# "*.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com"; then one per zone.
output "s3_endpoint_dns" {
  value = cloudlink_cross_cloud_vpn.s3.private_service_dns["s3"]
}

# What an Azure VM runs to list a bucket through the endpoint: `*` becomes `bucket`.
output "s3_ls_from_azure" {
  value = "aws s3 ls s3://my-bucket --region us-east-1 --endpoint-url https://${replace(cloudlink_cross_cloud_vpn.s3.private_service_dns["s3"][0], "*.", "bucket.")}"
}
