//! The attribute and block names of `cloudlink_cross_cloud_vpn`, written once: the schema
//! declares them, and the validators, the plan and the diagnostics' paths refer to them.

/// `id`.
pub const ID: &str = "id";
/// `name`.
pub const NAME: &str = "name";
/// `routing`.
pub const ROUTING: &str = "routing";
/// `tunnels`.
pub const TUNNELS: &str = "tunnels";
/// `aws_cidrs`.
pub const AWS_CIDRS: &str = "aws_cidrs";
/// `azure_cidrs`.
pub const AZURE_CIDRS: &str = "azure_cidrs";
/// `tunnel_inside_cidrs`.
pub const TUNNEL_INSIDE_CIDRS: &str = "tunnel_inside_cidrs";
/// `tunnel_psks`.
pub const TUNNEL_PSKS: &str = "tunnel_psks";
/// `tunnel_psks_wo`.
pub const TUNNEL_PSKS_WO: &str = "tunnel_psks_wo";
/// `tunnel_psks_wo_version`.
pub const TUNNEL_PSKS_WO_VERSION: &str = "tunnel_psks_wo_version";
/// `tags`.
pub const TAGS: &str = crate::resources::default_tags::TAGS;
/// `tags_all`.
pub const TAGS_ALL: &str = crate::resources::default_tags::TAGS_ALL;
/// `tunnel_details`.
pub const TUNNEL_DETAILS: &str = "tunnel_details";
/// `consistent`.
pub const CONSISTENT: &str = "consistent";
/// `private_service_dns`.
pub const PRIVATE_SERVICE_DNS: &str = "private_service_dns";
/// The `aws` block.
pub const AWS: &str = "aws";
/// The `azure` block.
pub const AZURE: &str = "azure";
/// The `ipsec_policy` block.
pub const IPSEC_POLICY: &str = "ipsec_policy";

/// Attributes of the `aws` block.
pub mod aws {
    /// `aws.vpc_id`.
    pub const VPC_ID: &str = "vpc_id";
    /// `aws.transit_gateway_id`.
    pub const TRANSIT_GATEWAY_ID: &str = "transit_gateway_id";
    /// `aws.route_table_ids`.
    pub const ROUTE_TABLE_IDS: &str = "route_table_ids";
    /// `aws.route_propagation`.
    pub const ROUTE_PROPAGATION: &str = "route_propagation";
    /// `aws.amazon_side_asn`.
    pub const AMAZON_SIDE_ASN: &str = "amazon_side_asn";
    /// `aws.account`.
    pub const ACCOUNT: &str = "account";
    /// `aws.vpn_gateway_id`.
    pub const VPN_GATEWAY_ID: &str = "vpn_gateway_id";
    /// `aws.customer_gateway_ids`.
    pub const CUSTOMER_GATEWAY_IDS: &str = "customer_gateway_ids";
    /// `aws.vpn_connection_ids`.
    pub const VPN_CONNECTION_IDS: &str = "vpn_connection_ids";
    /// `aws.private_services`.
    pub const PRIVATE_SERVICES: &str = "private_services";
    /// `aws.private_service_subnet_ids`.
    pub const PRIVATE_SERVICE_SUBNET_IDS: &str = "private_service_subnet_ids";
    /// `aws.private_service_security_group_id`.
    pub const PRIVATE_SERVICE_SECURITY_GROUP_ID: &str = "private_service_security_group_id";
    /// `aws.private_service_endpoint_ids`.
    pub const PRIVATE_SERVICE_ENDPOINT_IDS: &str = "private_service_endpoint_ids";
}

/// Attributes of the `azure` block.
pub mod azure {
    /// `azure.resource_group`.
    pub const RESOURCE_GROUP: &str = "resource_group";
    /// `azure.location`.
    pub const LOCATION: &str = "location";
    /// `azure.virtual_network_name`.
    pub const VIRTUAL_NETWORK_NAME: &str = "virtual_network_name";
    /// `azure.gateway_subnet_cidr`.
    pub const GATEWAY_SUBNET_CIDR: &str = "gateway_subnet_cidr";
    /// `azure.sku`.
    pub const SKU: &str = "sku";
    /// `azure.zones`.
    pub const ZONES: &str = "zones";
    /// `azure.asn`.
    pub const ASN: &str = "asn";
    /// `azure.gateway_subnet_id`.
    pub const GATEWAY_SUBNET_ID: &str = "gateway_subnet_id";
    /// `azure.gateway_subnet_created`.
    pub const GATEWAY_SUBNET_CREATED: &str = "gateway_subnet_created";
    /// `azure.public_ip_ids`.
    pub const PUBLIC_IP_IDS: &str = "public_ip_ids";
    /// `azure.public_ips`.
    pub const PUBLIC_IPS: &str = "public_ips";
    /// `azure.gateway_id`.
    pub const GATEWAY_ID: &str = "gateway_id";
    /// `azure.local_network_gateway_ids`.
    pub const LOCAL_NETWORK_GATEWAY_IDS: &str = "local_network_gateway_ids";
    /// `azure.connection_ids`.
    pub const CONNECTION_IDS: &str = "connection_ids";
}

/// Attributes of the `ipsec_policy` block.
pub mod ipsec_policy {
    /// `ipsec_policy.ike_encryption`.
    pub const IKE_ENCRYPTION: &str = "ike_encryption";
    /// `ipsec_policy.ike_integrity`.
    pub const IKE_INTEGRITY: &str = "ike_integrity";
    /// `ipsec_policy.dh_group`.
    pub const DH_GROUP: &str = "dh_group";
    /// `ipsec_policy.ipsec_encryption`.
    pub const IPSEC_ENCRYPTION: &str = "ipsec_encryption";
    /// `ipsec_policy.ipsec_integrity`.
    pub const IPSEC_INTEGRITY: &str = "ipsec_integrity";
    /// `ipsec_policy.pfs_group`.
    pub const PFS_GROUP: &str = "pfs_group";
    /// `ipsec_policy.sa_lifetime_seconds`.
    pub const SA_LIFETIME_SECONDS: &str = "sa_lifetime_seconds";
}

/// The fields of each `tunnel_details` element.
pub mod tunnel_details {
    /// `number`.
    pub const NUMBER: &str = "number";
    /// `aws_vpn_connection_id`.
    pub const AWS_VPN_CONNECTION_ID: &str = "aws_vpn_connection_id";
    /// `outside_ip`.
    pub const OUTSIDE_IP: &str = "outside_ip";
    /// `inside_cidr`.
    pub const INSIDE_CIDR: &str = "inside_cidr";
    /// `aws_bgp_address`.
    pub const AWS_BGP_ADDRESS: &str = "aws_bgp_address";
    /// `azure_bgp_address`.
    pub const AZURE_BGP_ADDRESS: &str = "azure_bgp_address";
    /// `aws_status`.
    pub const AWS_STATUS: &str = "aws_status";
    /// `azure_status`.
    pub const AZURE_STATUS: &str = "azure_status";
}
