# Import by <azure resource group>/<name>; append @<aws account> when the link uses a
# named aws_account block of the provider. Every sub-resource is found by its deterministic
# name (Azure) or cloudlink ownership tags (AWS).
terraform import cloudlink_cross_cloud_vpn.seed network-rg/seed-link
terraform import cloudlink_cross_cloud_vpn.ha network-rg/ha-link@network
