//! The stored shape of every emulated Microsoft.Network resource, resource group and
//! long-running operation.

use serde_json::Value;

/// The Microsoft.Network resource types the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// `publicIPAddresses`.
    PublicIp,
    /// `virtualNetworks`.
    VirtualNetwork,
    /// `virtualNetworks/{v}/subnets`.
    Subnet,
    /// `virtualNetworkGateways`.
    Gateway,
    /// `localNetworkGateways`.
    LocalGateway,
    /// `connections`.
    Connection,
    /// `routeTables`.
    RouteTable,
}

impl Kind {
    /// Canonical collection segment, as in the swagger paths.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::PublicIp => "publicIPAddresses",
            Kind::VirtualNetwork => "virtualNetworks",
            Kind::Subnet => "subnets",
            Kind::Gateway => "virtualNetworkGateways",
            Kind::LocalGateway => "localNetworkGateways",
            Kind::Connection => "connections",
            Kind::RouteTable => "routeTables",
        }
    }

    /// The `type` property of the resource.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::PublicIp => "Microsoft.Network/publicIPAddresses",
            Kind::VirtualNetwork => "Microsoft.Network/virtualNetworks",
            Kind::Subnet => "Microsoft.Network/virtualNetworks/subnets",
            Kind::Gateway => "Microsoft.Network/virtualNetworkGateways",
            Kind::LocalGateway => "Microsoft.Network/localNetworkGateways",
            Kind::Connection => "Microsoft.Network/connections",
            Kind::RouteTable => "Microsoft.Network/routeTables",
        }
    }

    /// Parses a lower-cased collection segment.
    pub fn from_segment(s: &str) -> Option<Kind> {
        Some(match s {
            "publicipaddresses" => Kind::PublicIp,
            "virtualnetworks" => Kind::VirtualNetwork,
            "subnets" => Kind::Subnet,
            "virtualnetworkgateways" => Kind::Gateway,
            "localnetworkgateways" => Kind::LocalGateway,
            "connections" => Kind::Connection,
            "routetables" => Kind::RouteTable,
            _ => return None,
        })
    }
}

/// A resource group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub sub: String,
    pub name: String,
    pub location: String,
    pub tags: Option<Value>,
    /// `(operation id, done_at_ms)` while a delete runs.
    pub deleting: Option<(String, u64)>,
}

/// A pending operation on a resource: it is `Updating` (or `Deleting`) until `done_at`.
#[derive(Debug, Clone)]
pub(crate) struct Busy {
    pub op: String,
    pub delete: bool,
    pub done_at: u64,
}

/// One Microsoft.Network resource.
#[derive(Debug, Clone)]
pub(crate) struct Res {
    pub id: String,
    pub kind: Kind,
    pub sub: String,
    pub rg: String,
    pub name: String,
    /// Lower-cased id of the parent VNet (subnets only).
    pub parent: Option<String>,
    pub location: String,
    pub tags: Option<Value>,
    pub etag: String,
    pub guid: String,
    pub busy: Option<Busy>,
    pub props: Props,
}

impl Res {
    /// Whether an operation on it is still running at `now`.
    pub fn busy_at(&self, now: u64) -> Option<&Busy> {
        self.busy.as_ref().filter(|b| now < b.done_at)
    }

    /// `Updating`/`Deleting` while an operation runs, else `Succeeded`.
    pub fn provisioning_state(&self, now: u64) -> &'static str {
        match self.busy_at(now) {
            Some(b) if b.delete => "Deleting",
            Some(_) => "Updating",
            None => "Succeeded",
        }
    }

    /// Whether it is being deleted (even if the delete already finished but is not settled).
    pub fn deleting(&self) -> bool {
        self.busy.as_ref().is_some_and(|b| b.delete)
    }
}

/// Per-type stored properties (normalized input plus server-assigned values).
#[derive(Debug, Clone)]
pub(crate) enum Props {
    PublicIp(PublicIp),
    VirtualNetwork(VirtualNetwork),
    Subnet(Subnet),
    Gateway(Gateway),
    LocalGateway(LocalGateway),
    Connection(Connection),
    RouteTable(RouteTable),
}

/// A Standard static public IP.
#[derive(Debug, Clone)]
pub(crate) struct PublicIp {
    pub ip: String,
    pub tier: String,
    pub idle_timeout: i64,
    pub zones: Vec<String>,
    pub dns: Option<Value>,
}

/// A virtual network (its subnets are separate [`Res`] entries).
#[derive(Debug, Clone)]
pub(crate) struct VirtualNetwork {
    pub prefixes: Vec<String>,
    pub dhcp: Option<Value>,
}

/// A subnet.
#[derive(Debug, Clone)]
pub(crate) struct Subnet {
    pub prefix: String,
    /// Canonical id of its route table, if any.
    pub route_table: Option<String>,
}

/// A route table.
#[derive(Debug, Clone)]
pub(crate) struct RouteTable {
    pub routes: Vec<UserRoute>,
    pub disable_bgp_route_propagation: bool,
}

/// One user-defined route.
#[derive(Debug, Clone)]
pub(crate) struct UserRoute {
    pub name: String,
    pub prefix: String,
    pub next_hop_type: String,
    pub next_hop_ip: Option<String>,
}

/// One ipConfiguration of a gateway.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IpConfig {
    pub name: String,
    /// Canonical id of the subnet.
    pub subnet: String,
    /// Canonical id of the public IP.
    pub public_ip: String,
}

/// A virtual network gateway.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    pub vpn_type: String,
    pub generation: String,
    pub sku: String,
    pub active_active: bool,
    pub enable_bgp: bool,
    pub ip_configs: Vec<IpConfig>,
    pub asn: u32,
    pub peer_weight: i64,
    /// Custom (APIPA) BGP addresses per ipConfiguration name.
    pub custom_bgp: Vec<(String, Vec<String>)>,
}

/// A local network gateway.
#[derive(Debug, Clone)]
pub(crate) struct LocalGateway {
    pub ip: Option<String>,
    pub fqdn: Option<String>,
    pub prefixes: Option<Vec<String>>,
    /// `(asn, bgpPeeringAddress, peerWeight)`.
    pub bgp: Option<(u32, String, i64)>,
}

/// An IPsec connection.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// Canonical id of virtualNetworkGateway1.
    pub gateway: String,
    /// Canonical id of localNetworkGateway2.
    pub local_gateway: String,
    pub protocol: String,
    pub routing_weight: i64,
    pub shared_key: String,
    pub enable_bgp: bool,
    pub policy_selectors: bool,
    pub ipsec_policies: Vec<Value>,
    pub dpd_timeout: i64,
    /// `(ipConfigurationId, customBgpIpAddress)`.
    pub custom_bgp: Vec<(String, String)>,
    pub mode: String,
    pub local_azure_ip: bool,
    /// keyLength of the last reset (served by the SDK's final GET after a reset).
    pub reset_length: Option<i64>,
}

/// A long-running operation, polled through `Azure-AsyncOperation` or `Location`.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub id: String,
    pub done_at: u64,
    /// Set when the operation ends `Failed`.
    pub error: Option<super::errors::ArmError>,
    /// Deletes answer the final Location poll with 204; other operations with 200.
    pub delete: bool,
    /// The body of the final Location poll, the operation's own response (e.g. a reset's
    /// `{"keyLength": n}`); `None` answers 200 without a body.
    pub result: Option<Value>,
}

/// The id of a resource from its parts, in ARM's canonical casing.
pub(crate) fn resource_id(
    sub: &str,
    rg: &str,
    kind: Kind,
    name: &str,
    vnet: Option<&str>,
) -> String {
    match vnet {
        Some(v) => format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{name}"),
        None => format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{}/{name}", kind.segment()),
    }
}

/// The map key of an id: ARM ids compare case-insensitively.
pub(crate) fn key(id: &str) -> String {
    id.trim_end_matches('/').to_ascii_lowercase()
}
