//! The attribute and block names of `cloudlink_site_vpn`, written once: the schema declares
//! them, and the validators and the diagnostics' paths refer to them. The `aws {}` block's
//! attributes are those of `cloudlink_cross_cloud_vpn`, and `tunnel_logs {}` is shared too.

pub use crate::resources::aws_vpn_rules::names::TUNNEL_LOGS;
pub use crate::resources::cross_cloud_vpn::names::aws;

/// `id`.
pub const ID: &str = "id";
/// `name`.
pub const NAME: &str = "name";
/// The `peer` block.
pub const PEER: &str = "peer";
/// The `aws` block.
pub const AWS: &str = crate::resources::cross_cloud_vpn::names::AWS;
/// `routing`.
pub const ROUTING: &str = "routing";
/// `tunnel_inside_cidrs`.
pub const TUNNEL_INSIDE_CIDRS: &str = "tunnel_inside_cidrs";
/// `tunnel_psks`.
pub const TUNNEL_PSKS: &str = crate::resources::cross_cloud_vpn::names::TUNNEL_PSKS;
/// `tunnel_psks_wo`.
pub const TUNNEL_PSKS_WO: &str = crate::resources::cross_cloud_vpn::names::TUNNEL_PSKS_WO;
/// `tunnel_psks_wo_version`.
pub const TUNNEL_PSKS_WO_VERSION: &str =
    crate::resources::cross_cloud_vpn::names::TUNNEL_PSKS_WO_VERSION;
/// The `tunnel_options` block.
pub const TUNNEL_OPTIONS: &str = "tunnel_options";
/// The `device_type` block.
pub const DEVICE_TYPE: &str = "device_type";
/// `tags`.
pub const TAGS: &str = crate::resources::default_tags::TAGS;
/// `tags_all`.
pub const TAGS_ALL: &str = crate::resources::default_tags::TAGS_ALL;
/// `customer_gateway_id`.
pub const CUSTOMER_GATEWAY_ID: &str = "customer_gateway_id";
/// `vpn_gateway_id`.
pub const VPN_GATEWAY_ID: &str = "vpn_gateway_id";
/// `vpn_connection_id`.
pub const VPN_CONNECTION_ID: &str = "vpn_connection_id";
/// `tunnels` (computed, per tunnel).
pub const TUNNELS: &str = "tunnels";
/// `device_configuration` (computed, sensitive).
pub const DEVICE_CONFIGURATION: &str = "device_configuration";

/// Attributes of the `peer` block.
pub mod peer {
    /// `peer.ip_address`.
    pub const IP_ADDRESS: &str = "ip_address";
    /// `peer.bgp_asn`.
    pub const BGP_ASN: &str = "bgp_asn";
    /// `peer.cidrs`.
    pub const CIDRS: &str = "cidrs";
    /// `peer.device_name`.
    pub const DEVICE_NAME: &str = "device_name";
}

/// Attributes of the `device_type` block.
pub mod device_type {
    /// `device_type.id` (a `VpnConnectionDeviceTypeId`).
    pub const ID: &str = "id";
    /// `device_type.vendor`.
    pub const VENDOR: &str = "vendor";
    /// `device_type.platform`.
    pub const PLATFORM: &str = "platform";
    /// `device_type.software`.
    pub const SOFTWARE: &str = "software";
    /// `device_type.ike_version`.
    pub const IKE_VERSION: &str = "ike_version";
}

/// Attributes of each element of `tunnels`.
pub mod tunnel {
    /// AWS's public endpoint of the tunnel.
    pub const OUTSIDE_IP: &str = "outside_ip";
    /// The tunnel's /30.
    pub const INSIDE_CIDR: &str = "inside_cidr";
    /// AWS's inside address (first host), its BGP peer address.
    pub const AWS_BGP_ADDRESS: &str = "aws_bgp_address";
    /// The device's inside address (second host).
    pub const PEER_BGP_ADDRESS: &str = "peer_bgp_address";
    /// `UP` / `DOWN` from VGW telemetry.
    pub const STATUS: &str = "status";
    /// Telemetry status message.
    pub const STATUS_MESSAGE: &str = "status_message";
}
