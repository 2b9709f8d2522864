//! What the AWS half of a VPN builds, described without its peer: the VPC or transit
//! gateway, the ASNs, the VPN connections and their tunnels (inside CIDR, configured PSK,
//! BGP addresses), the tunnel options and the route tables; and the tag component of each
//! AWS object, by which the steps find it again. A resource turns its own configuration
//! into an [`AwsSide`]; the shared steps read only this.

use crate::cloud::aws::TunnelSpec;

/// How the texts about the AWS side name the peer's values, e.g. "the Azure public IP"
/// (errors and status mismatches say what the AWS object disagrees with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerWords {
    /// The peer's public IP ("the Azure public IP").
    pub ip: &'static str,
    /// Whose ASN the peer's is ("the Azure gateway's").
    pub asn_owner: &'static str,
    /// The peer's prefixes ("the Azure prefixes").
    pub cidrs: &'static str,
}

/// One AWS tunnel the VPN uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTunnel {
    /// The VPN connection (= customer gateway = peer IP) carrying it.
    pub vpn_connection: usize,
    /// Its tunnel slot (0 or 1) within that VPN connection.
    pub slot: usize,
    /// The inside /30.
    pub inside_cidr: String,
    /// The configured pre-shared key; `None` lets AWS's key stand (generated on create).
    pub psk: Option<String>,
    /// AWS's BGP address in the inside /30 (its first host).
    pub aws_bgp_address: String,
    /// The peer's BGP address in the inside /30 (its second host).
    pub peer_bgp_address: String,
}

/// What the AWS steps build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSide {
    /// VPC to attach a virtual private gateway to (`None` with a transit gateway).
    pub vpc_id: Option<String>,
    /// Existing transit gateway the VPN connections attach to instead.
    pub transit_gateway_id: Option<String>,
    /// ASN of a new virtual private gateway.
    pub amazon_side_asn: i64,
    /// The peer's BGP ASN: that of every customer gateway.
    pub peer_asn: i64,
    /// The peer device's name, recorded on its customer gateway (`DeviceName`); `None` for
    /// a peer that is not a device (an Azure gateway).
    pub peer_device_name: Option<String>,
    /// BGP (true) or static routes.
    pub bgp: bool,
    /// VPN connections, one per customer gateway (peer public IP).
    pub vpn_connections: usize,
    /// Every tunnel the VPN uses, in tunnel order.
    pub tunnels: Vec<AwsTunnel>,
    /// The IKE/IPsec options every tunnel is created with (its inside CIDR and key are set
    /// per tunnel); the default leaves AWS's own.
    pub tunnel_options: TunnelSpec,
    /// Route tables that reach the peer's prefixes.
    pub route_table_ids: Vec<String>,
    /// Propagation (true) or static routes in those tables.
    pub route_propagation: bool,
    /// How texts name the peer.
    pub peer_words: PeerWords,
}

impl AwsSide {
    /// The tunnels (index, tunnel) of VPN connection `vpn`.
    pub fn tunnels_of(&self, vpn: usize) -> impl Iterator<Item = (usize, &AwsTunnel)> {
        self.tunnels
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.vpn_connection == vpn)
    }
}

/// Tag component of customer gateway `i`.
pub fn customer_gateway_component(i: usize) -> String {
    format!("customer-gateway-{}", i + 1)
}

/// Tag component of the virtual private gateway.
pub const VPN_GATEWAY_COMPONENT: &str = "vpn-gateway";

/// Tag component of VPN connection `i`.
pub fn vpn_connection_component(i: usize) -> String {
    format!("vpn-connection-{}", i + 1)
}

/// Tag component of the transit gateway attachment of VPN connection `i`.
pub fn transit_gateway_attachment_component(i: usize) -> String {
    format!("transit-gateway-attachment-{}", i + 1)
}
