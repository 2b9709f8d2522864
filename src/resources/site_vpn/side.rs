//! The site VPN as configured ([`Desired`]) and its AWS end as the shared AWS half reads it
//! ([`of`]): one customer gateway at the device's IP, one VPN connection with its two
//! tunnels, the device's ASN (65000 with static routing, as AWS records it), the tunnel
//! options and `tunnel_logs` on every tunnel.

use super::device::{self, Wanted};
use super::names::{self, aws, peer};
use super::schema::TIMEOUTS;
use crate::cloud::aws::{TunnelLogOptions, TunnelSpec};
use crate::resources::aws_vpn::side::{AwsSide, AwsTunnel, PeerWords};
use crate::resources::aws_vpn_rules;
use crate::resources::cross_cloud_vpn::topology::inside_hosts;
use crate::resources::default_tags;
use crate::resources::timeouts::{self, Timeouts};
use crate::tf::Value;
use std::collections::BTreeMap;

/// A site VPN has one VPN connection, hence two tunnels.
pub const TUNNELS: usize = 2;

/// The ASN AWS records on a customer gateway of a statically routed VPN.
pub const STATIC_PEER_ASN: i64 = 65000;

/// The Amazon-side ASN of a new virtual private gateway when none is configured.
pub const DEFAULT_AMAZON_SIDE_ASN: i64 = 64512;

/// How the AWS half's texts name the device.
pub const DEVICE_PEER: PeerWords = PeerWords {
    ip: "the device's IP address",
    asn_owner: "the device's",
    cidrs: "the device's prefixes",
};

/// The inside /30 of tunnel `t` when none is configured.
pub fn default_inside_cidr(t: usize) -> String {
    format!("169.254.{}.0/30", 40 + t)
}

/// The site VPN as configured (or as recorded in state).
#[derive(Clone)]
pub struct Desired {
    /// `name`: the ownership tag's value.
    pub name: String,
    /// The device's public IP.
    pub peer_ip: String,
    /// The device's ASN (65000 with static routing when not configured).
    pub peer_asn: i64,
    /// `peer.device_name`, recorded on the customer gateway.
    pub peer_device_name: Option<String>,
    /// Prefixes behind the device.
    pub peer_cidrs: Vec<String>,
    /// BGP (true) or static.
    pub bgp: bool,
    /// VPC of a new virtual private gateway.
    pub vpc_id: Option<String>,
    /// Existing transit gateway instead.
    pub transit_gateway_id: Option<String>,
    /// Route tables that reach the device's prefixes.
    pub route_table_ids: Vec<String>,
    /// Propagation or static routes.
    pub route_propagation: bool,
    /// ASN of a new virtual private gateway.
    pub amazon_side_asn: i64,
    /// Named AWS account, `None` for the default.
    pub account: Option<String>,
    /// Inside /30 per tunnel.
    pub inside_cidrs: Vec<String>,
    /// Configured keys (from `tunnel_psks`, or `tunnel_psks_wo` when rotating).
    pub psks: Option<Vec<String>>,
    /// The IKE/IPsec options of each tunnel (one `tunnel_options` block applies to both).
    pub tunnel_options: [TunnelSpec; TUNNELS],
    /// The tunnels' CloudWatch Logs options.
    pub tunnel_logs: Option<TunnelLogOptions>,
    /// The device type of `device_configuration`.
    pub device_type: Option<Wanted>,
    /// IKE version of `device_configuration`.
    pub device_ike_version: Option<String>,
    /// Tags on every AWS object (`tags_all` when known, else `tags`).
    pub tags: BTreeMap<String, String>,
    /// Operation limits.
    pub timeouts: Timeouts,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired")
            .field("name", &self.name)
            .field("peer_ip", &self.peer_ip)
            .field("bgp", &self.bgp)
            .field("psks", &self.psks.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string).filter(|x| !x.is_empty())
}

fn list(v: &Value) -> Option<Vec<String>> {
    if v.is_null() || !v.is_wholly_known() {
        None
    } else {
        v.as_string_vec()
    }
}

impl Desired {
    /// Reads a planned, prior or imported value; `write_only_psks` is `tunnel_psks_wo` from
    /// the configuration when the update rotates them (else null).
    pub fn from_value(v: &Value, write_only_psks: &Value) -> Desired {
        let p = v.attr(names::PEER);
        let a = v.attr(names::AWS);
        let bgp = v.attr(names::ROUTING).as_str() == Some("bgp");
        let tags = default_tags::tags_of(v.attr(names::TAGS_ALL))
            .or_else(|| default_tags::tags_of(v.attr(names::TAGS)))
            .unwrap_or_default();
        let dt = v.attr(names::DEVICE_TYPE);
        Desired {
            name: s(v.attr(names::NAME)).unwrap_or_default(),
            peer_ip: s(p.attr(peer::IP_ADDRESS)).unwrap_or_default(),
            peer_asn: p.attr(peer::BGP_ASN).as_i64().unwrap_or(STATIC_PEER_ASN),
            peer_device_name: s(p.attr(peer::DEVICE_NAME)),
            peer_cidrs: list(p.attr(peer::CIDRS)).unwrap_or_default(),
            bgp,
            vpc_id: s(a.attr(aws::VPC_ID)),
            transit_gateway_id: s(a.attr(aws::TRANSIT_GATEWAY_ID)),
            route_table_ids: list(a.attr(aws::ROUTE_TABLE_IDS)).unwrap_or_default(),
            route_propagation: a.attr(aws::ROUTE_PROPAGATION).as_bool().unwrap_or(true),
            amazon_side_asn: a
                .attr(aws::AMAZON_SIDE_ASN)
                .as_i64()
                .unwrap_or(DEFAULT_AMAZON_SIDE_ASN),
            account: s(a.attr(aws::ACCOUNT)),
            inside_cidrs: list(v.attr(names::TUNNEL_INSIDE_CIDRS))
                .filter(|l| l.len() == TUNNELS)
                .unwrap_or_else(|| (0..TUNNELS).map(default_inside_cidr).collect()),
            psks: list(v.attr(names::TUNNEL_PSKS)).or_else(|| list(write_only_psks)),
            tunnel_options: aws_vpn_rules::tunnel_option_specs(v.attr(names::TUNNEL_OPTIONS)),
            tunnel_logs: aws_vpn_rules::tunnel_logs(v.attr(names::TUNNEL_LOGS)),
            device_type: device::wanted(dt),
            device_ike_version: s(dt.attr(names::device_type::IKE_VERSION)),
            tags,
            timeouts: timeouts::resolve(v, TIMEOUTS),
        }
    }

    /// The options tunnel `t` is created with and converged to: its IKE/IPsec options and
    /// the shared `tunnel_logs`.
    pub fn tunnel_spec(&self, t: usize) -> TunnelSpec {
        TunnelSpec {
            log_options: self.tunnel_logs.clone(),
            ..self.tunnel_options[t].clone()
        }
    }

    /// The ownership tag's value of every AWS object.
    pub fn owner(&self) -> String {
        self.name.clone()
    }

    /// What identifies the VPN to its create journal: its name, and the AWS account.
    pub fn id(&self) -> String {
        match &self.account {
            Some(a) => format!("{}@{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The AWS end of site VPN `d`.
pub fn of(d: &Desired) -> AwsSide {
    AwsSide {
        vpc_id: d.vpc_id.clone(),
        transit_gateway_id: d.transit_gateway_id.clone(),
        amazon_side_asn: d.amazon_side_asn,
        peer_asn: d.peer_asn,
        peer_device_name: d.peer_device_name.clone(),
        bgp: d.bgp,
        vpn_connections: 1,
        tunnels: (0..TUNNELS)
            .map(|t| {
                let cidr = d.inside_cidrs[t].clone();
                let (aws_bgp_address, peer_bgp_address) = inside_hosts(&cidr).unwrap_or_default();
                AwsTunnel {
                    vpn_connection: 0,
                    slot: t,
                    inside_cidr: cidr,
                    psk: d.psks.as_ref().and_then(|p| p.get(t).cloned()),
                    aws_bgp_address,
                    peer_bgp_address,
                }
            })
            .collect(),
        tunnel_options: d.tunnel_spec(0),
        route_table_ids: d.route_table_ids.clone(),
        route_propagation: d.route_propagation,
        peer_words: DEVICE_PEER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_site_is_one_vpn_connection_whose_device_has_asn_65000() {
        let v = Value::object([
            ("name", Value::string("office")),
            ("routing", Value::string("static")),
            (
                names::PEER,
                Value::object([(peer::IP_ADDRESS, Value::string("192.0.2.10"))]),
            ),
        ]);
        let d = Desired::from_value(&v, &Value::Null);
        let side = of(&d);
        assert_eq!(side.vpn_connections, 1);
        assert_eq!(side.peer_asn, STATIC_PEER_ASN);
        assert_eq!(side.tunnels.len(), TUNNELS);
        assert_eq!(side.tunnels[1].slot, 1);
        assert_eq!(side.tunnels[0].inside_cidr, default_inside_cidr(0));
        assert_eq!(side.tunnels[0].aws_bgp_address, "169.254.40.1");
        assert_eq!(side.tunnels[0].peer_bgp_address, "169.254.40.2");
        assert_eq!(d.peer_ip, "192.0.2.10");
    }
}
