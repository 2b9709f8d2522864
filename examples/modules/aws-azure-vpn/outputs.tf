output "id" {
  description = "Id of the link (also its import id)."
  value       = cloudlink_cross_cloud_vpn.this.id
}

output "tunnels" {
  description = "Per tunnel: AWS outside IP, inside CIDR, BGP addresses and status from both clouds."
  value       = cloudlink_cross_cloud_vpn.this.tunnel_details
}

output "azure_public_ips" {
  description = "Public IPs of the Azure gateway (the AWS customer gateway IPs)."
  value       = cloudlink_cross_cloud_vpn.this.azure.public_ips
}

output "consistent" {
  description = "Whether both clouds agree on IPs, pre-shared keys, CIDRs and ASNs."
  value       = cloudlink_cross_cloud_vpn.this.consistent
}
