# Import by peering id, read with the provider's default (requester) account:
#   PCX_ID[:REQUESTER_RTB,...[:ACCEPTER_RTB,...[:ACCOUNT_NAME]]]
# The route table lists name the tables whose routes through the peering the resource
# manages; ACCOUNT_NAME is the aws_account block whose credentials act for the accepter
# (needed for a cross-account peering). The accepter region is read from the peering.

# Peering only (no routes managed):
terraform import cloudlink_vpc_peering_pair.app_to_shared pcx-0123456789abcdef0

# With route tables on both sides (same account):
terraform import cloudlink_vpc_peering_pair.app_to_shared pcx-0123456789abcdef0:rtb-0a1b2c3d4e5f60718,rtb-0b1c2d3e4f5a60718:rtb-0f1e2d3c4b5a60718

# Cross-account, accepter credentials from aws_account "network":
terraform import cloudlink_vpc_peering_pair.app_to_network pcx-0123456789abcdef0:rtb-0a1b2c3d4e5f60718:rtb-0c1d2e3f4a5b60718:network
