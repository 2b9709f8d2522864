//! The link's shape, derived from configuration: how many Azure instances, customer gateways
//! and VPN connections; which AWS tunnel lands on which Azure instance; the canonical APIPA
//! mapping (MS "Create a VPN connection between Azure and AWS" with BGP); deterministic names
//! and ownership tags; PSK generation in the AWS alphabet.

use crate::resources::aws_vpn;
use crate::resources::default_tags;
use crate::resources::timeouts::{self, Timeouts};
use crate::tf::Value;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub use super::ipsec::Policy;
use super::names;
use super::schema::TIMEOUTS;
use super::sku;
use crate::cloud::aws::TunnelLogOptions;
use crate::resources::aws_vpn_rules;

/// Name of the first gateway ip configuration.
pub const IP_CONFIG_PRIMARY: &str = "default";
/// Name of the second (active-active) gateway ip configuration.
pub const IP_CONFIG_SECONDARY: &str = "activeActive";

/// Everything the configuration (or a planned value) says about the link.
#[derive(Clone)]
pub struct Desired {
    /// The link's name.
    pub name: String,
    /// BGP (true) or static routing.
    pub bgp: bool,
    /// 1, 2 or 4.
    pub tunnels: usize,
    /// Named AWS account, `None` = the default one.
    pub aws_account: Option<String>,
    /// VPC to attach a VGW to.
    pub vpc_id: Option<String>,
    /// Existing TGW instead of a VGW.
    pub transit_gateway_id: Option<String>,
    /// Route tables to reach Azure from.
    pub route_table_ids: Vec<String>,
    /// Propagation (true) or static routes in the route tables.
    pub route_propagation: bool,
    /// VGW ASN.
    pub amazon_side_asn: i64,
    /// Azure resource group.
    pub resource_group: String,
    /// Azure region.
    pub location: String,
    /// Azure virtual network.
    pub vnet: String,
    /// GatewaySubnet prefix to create if absent.
    pub gateway_subnet_cidr: Option<String>,
    /// Gateway SKU.
    pub sku: String,
    /// Availability zones of the public IPs (`None` until resolved from the region).
    pub zones: Option<Vec<String>>,
    /// Azure ASN.
    pub azure_asn: i64,
    /// AWS prefixes (resolved, or `None` when not known yet).
    pub aws_cidrs: Option<Vec<String>>,
    /// Azure prefixes (resolved, or `None` when not known yet).
    pub azure_cidrs: Option<Vec<String>>,
    /// One /30 per tunnel.
    pub inside_cidrs: Vec<String>,
    /// User PSKs (`tunnel_psks` or `tunnel_psks_wo`), one per tunnel.
    pub psks: Option<Vec<String>>,
    /// Custom IKE/IPsec policy.
    pub policy: Option<Policy>,
    /// Where every AWS tunnel logs (`tunnel_logs {}`); `None` = logging off.
    pub tunnel_logs: Option<TunnelLogOptions>,
    /// The tags of every sub-resource besides the ownership tags: `tags_all` (the provider's
    /// `default_tags` merged with `tags`) when known, else `tags`.
    pub tags: BTreeMap<String, String>,
    /// Operation limits.
    pub timeouts: Timeouts,
    /// AWS services reached privately from Azure (`aws.private_services`, short names).
    pub private_services: Vec<String>,
    /// Subnets of their interface endpoints (`aws.private_service_subnet_ids`).
    pub private_service_subnet_ids: Vec<String>,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired")
            .field("name", &self.name)
            .field("bgp", &self.bgp)
            .field("tunnels", &self.tunnels)
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

/// The canonical inside CIDR of tunnel `t` (0-based): VPN connection `t / 2`, AWS tunnel
/// slot `t % 2` -> `169.254.{21 + slot}.{4 * connection}/30` (the MS tutorial's table).
pub fn canonical_inside_cidr(t: usize) -> String {
    format!("169.254.{}.{}/30", 21 + t % 2, 4 * (t / 2))
}

/// The canonical inside CIDRs of a link with `n` tunnels.
pub fn canonical_inside_cidrs(n: usize) -> Vec<String> {
    (0..n).map(canonical_inside_cidr).collect()
}

/// The first (AWS) and second (Azure) host of an inside /30.
pub fn inside_hosts(cidr: &str) -> Option<(String, String)> {
    let (ip, len) = cidr.split_once('/')?;
    if len != "30" {
        return None;
    }
    let base = u32::from(ip.parse::<Ipv4Addr>().ok()?) & !3;
    Some((
        Ipv4Addr::from(base + 1).to_string(),
        Ipv4Addr::from(base + 2).to_string(),
    ))
}

impl Desired {
    /// Reads a configuration or planned value. Unknown or null optional values fall back to
    /// their defaults; unresolved CIDR lists stay `None`.
    pub fn from_value(v: &Value, write_only_psks: &Value) -> Desired {
        let aws = v.attr(names::AWS);
        let az = v.attr(names::AZURE);
        let tunnels = v.attr(names::TUNNELS).as_i64().unwrap_or(1).clamp(1, 4) as usize;
        let inside_cidrs = list(v.attr(names::TUNNEL_INSIDE_CIDRS))
            .unwrap_or_else(|| canonical_inside_cidrs(tunnels));
        let psks = list(v.attr(names::TUNNEL_PSKS)).or_else(|| list(write_only_psks));
        let pol = v.attr(names::IPSEC_POLICY);
        let policy = (!pol.is_null() && pol.is_wholly_known()).then(|| Policy {
            ike_encryption: s(pol.attr(names::ipsec_policy::IKE_ENCRYPTION)).unwrap_or_default(),
            ike_integrity: s(pol.attr(names::ipsec_policy::IKE_INTEGRITY)).unwrap_or_default(),
            dh_group: pol
                .attr(names::ipsec_policy::DH_GROUP)
                .as_i64()
                .unwrap_or(14),
            ipsec_encryption: s(pol.attr(names::ipsec_policy::IPSEC_ENCRYPTION))
                .unwrap_or_default(),
            ipsec_integrity: s(pol.attr(names::ipsec_policy::IPSEC_INTEGRITY)).unwrap_or_default(),
            pfs_group: pol
                .attr(names::ipsec_policy::PFS_GROUP)
                .as_i64()
                .unwrap_or(14),
            sa_lifetime_seconds: pol
                .attr(names::ipsec_policy::SA_LIFETIME_SECONDS)
                .as_i64()
                .unwrap_or(3600),
        });
        let tags = default_tags::tags_of(v.attr(names::TAGS_ALL))
            .or_else(|| default_tags::tags_of(v.attr(names::TAGS)))
            .unwrap_or_default();
        Desired {
            name: s(v.attr(names::NAME)).unwrap_or_default(),
            bgp: v.attr(names::ROUTING).as_str() == Some("bgp"),
            tunnels,
            aws_account: s(aws.attr(names::aws::ACCOUNT)),
            vpc_id: s(aws.attr(names::aws::VPC_ID)),
            transit_gateway_id: s(aws.attr(names::aws::TRANSIT_GATEWAY_ID)),
            route_table_ids: list(aws.attr(names::aws::ROUTE_TABLE_IDS)).unwrap_or_default(),
            route_propagation: aws
                .attr(names::aws::ROUTE_PROPAGATION)
                .as_bool()
                .unwrap_or(true),
            amazon_side_asn: aws
                .attr(names::aws::AMAZON_SIDE_ASN)
                .as_i64()
                .unwrap_or(64512),
            resource_group: s(az.attr(names::azure::RESOURCE_GROUP)).unwrap_or_default(),
            location: s(az.attr(names::azure::LOCATION)).unwrap_or_default(),
            vnet: s(az.attr(names::azure::VIRTUAL_NETWORK_NAME)).unwrap_or_default(),
            gateway_subnet_cidr: s(az.attr(names::azure::GATEWAY_SUBNET_CIDR)),
            sku: s(az.attr(names::azure::SKU)).unwrap_or_else(|| sku::DEFAULT_SKU.into()),
            zones: list(az.attr(names::azure::ZONES)),
            azure_asn: az.attr(names::azure::ASN).as_i64().unwrap_or(65515),
            aws_cidrs: list(v.attr(names::AWS_CIDRS)),
            azure_cidrs: list(v.attr(names::AZURE_CIDRS)),
            inside_cidrs,
            psks,
            policy,
            tunnel_logs: aws_vpn_rules::tunnel_logs(v.attr(aws_vpn_rules::names::TUNNEL_LOGS)),
            tags,
            timeouts: timeouts::resolve(v, TIMEOUTS),
            private_services: list(aws.attr(names::aws::PRIVATE_SERVICES)).unwrap_or_default(),
            private_service_subnet_ids: list(aws.attr(names::aws::PRIVATE_SERVICE_SUBNET_IDS))
                .unwrap_or_default(),
        }
    }

    /// Azure gateway instances (= public IPs = AWS customer gateways = VPN connections).
    pub fn instances(&self) -> usize {
        if self.tunnels == 4 {
            2
        } else {
            1
        }
    }

    /// rule: AZ-GW-ACTIVE-ACTIVE (two ip configurations, two public IPs).
    /// Active-active gateway.
    pub fn active_active(&self) -> bool {
        self.instances() == 2
    }

    /// The VPN connection carrying tunnel `t`.
    pub fn vpn_of(&self, t: usize) -> usize {
        t / 2
    }

    /// The AWS tunnel slot (0 or 1) of tunnel `t` within its VPN connection.
    pub fn slot_of(&self, t: usize) -> usize {
        t % 2
    }

    /// The Azure instance (ip configuration) tunnel `t` terminates on: VPN connection `i`
    /// uses customer gateway `i`, which is the public IP of instance `i`.
    pub fn instance_of(&self, t: usize) -> usize {
        if self.active_active() {
            t / 2
        } else {
            0
        }
    }

    /// Tunnels of VPN connection `vpn`.
    pub fn tunnels_of_vpn(&self, vpn: usize) -> Vec<usize> {
        (0..self.tunnels)
            .filter(|t| self.vpn_of(*t) == vpn)
            .collect()
    }

    /// The ip configuration names, one per instance.
    pub fn ip_config_names(&self) -> Vec<&'static str> {
        [IP_CONFIG_PRIMARY, IP_CONFIG_SECONDARY][..self.instances()].to_vec()
    }

    /// Inside CIDR of tunnel `t`.
    pub fn inside_cidr(&self, t: usize) -> String {
        self.inside_cidrs
            .get(t)
            .cloned()
            .unwrap_or_else(|| canonical_inside_cidr(t))
    }

    /// (AWS BGP address, Azure APIPA address) of tunnel `t`.
    pub fn bgp_addresses(&self, t: usize) -> (String, String) {
        inside_hosts(&self.inside_cidr(t)).unwrap_or_default()
    }

    /// Custom APIPA addresses of instance `i` (BGP only): the Azure host of every tunnel on it.
    pub fn apipa_of_instance(&self, i: usize) -> Vec<String> {
        if !self.bgp {
            return Vec::new();
        }
        (0..self.tunnels)
            .filter(|t| self.instance_of(*t) == i)
            .map(|t| self.bgp_addresses(t).1)
            .collect()
    }

    /// `custom_bgp_addresses` of the Azure connection of tunnel `t`: one per instance. The
    /// own instance gets the tunnel's address; the other slot gets the address of the tunnel
    /// with the same AWS slot on the other instance (it must be valid, MS says it is unused).
    pub fn custom_bgp_of_tunnel(&self, t: usize) -> Vec<(usize, String)> {
        if !self.bgp {
            return Vec::new();
        }
        (0..self.instances())
            .map(|i| {
                let peer = (0..self.tunnels)
                    .find(|u| self.instance_of(*u) == i && self.slot_of(*u) == self.slot_of(t))
                    .unwrap_or(t);
                let pick = if self.instance_of(t) == i { t } else { peer };
                (i, self.bgp_addresses(pick).1)
            })
            .collect()
    }

    /// Value of the ownership tags' resource key, shared by both clouds.
    pub fn owner(&self) -> String {
        self.name.clone()
    }

    /// Azure public IP name of instance `i`.
    pub fn public_ip_name(&self, i: usize) -> String {
        format!("{}-pip-{}", self.name, i + 1)
    }

    /// Azure virtual network gateway name.
    pub fn gateway_name(&self) -> String {
        format!("{}-vng", self.name)
    }

    /// Azure local network gateway name of tunnel `t`.
    pub fn local_gateway_name(&self, t: usize) -> String {
        format!("{}-lng-{}", self.name, t + 1)
    }

    /// Azure connection name of tunnel `t`.
    pub fn connection_name(&self, t: usize) -> String {
        format!("{}-conn-{}", self.name, t + 1)
    }

    /// AWS component name of the VGW (the shared AWS half's, see `aws_vpn::side`).
    pub const VPN_GATEWAY_COMPONENT: &'static str = aws_vpn::side::VPN_GATEWAY_COMPONENT;

    /// The composite id (and import id).
    pub fn id(&self) -> String {
        match &self.aws_account {
            Some(a) => format!("{}/{}@{a}", self.resource_group, self.name),
            None => format!("{}/{}", self.resource_group, self.name),
        }
    }

    /// The generation a new gateway of the desired SKU is built in.
    pub fn generation(&self) -> Option<&'static str> {
        sku::generation_for_new(&self.sku).map(sku::Generation::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(tunnels: usize, bgp: bool) -> Desired {
        let mut d = Desired::from_value(&Value::Null, &Value::Null);
        d.name = "l".into();
        d.tunnels = tunnels;
        d.bgp = bgp;
        d.inside_cidrs = canonical_inside_cidrs(tunnels);
        d
    }

    #[test]
    fn four_tunnels_follow_the_microsoft_table() {
        let d = desired(4, true);
        assert_eq!(
            d.inside_cidrs,
            [
                "169.254.21.0/30",
                "169.254.22.0/30",
                "169.254.21.4/30",
                "169.254.22.4/30"
            ]
        );
        assert_eq!(d.apipa_of_instance(0), ["169.254.21.2", "169.254.22.2"]);
        assert_eq!(d.apipa_of_instance(1), ["169.254.21.6", "169.254.22.6"]);
        assert_eq!(
            d.bgp_addresses(2),
            ("169.254.21.5".into(), "169.254.21.6".into())
        );
        // Tunnel 3 (connection 2, AWS tunnel 1) lands on instance 1; both slots are filled.
        assert_eq!(
            d.custom_bgp_of_tunnel(2),
            [
                (0, "169.254.21.2".to_string()),
                (1, "169.254.21.6".to_string())
            ]
        );
        assert_eq!(
            d.custom_bgp_of_tunnel(1),
            [
                (0, "169.254.22.2".to_string()),
                (1, "169.254.22.6".to_string())
            ]
        );
        assert_eq!(d.instance_of(3), 1);
        assert_eq!(d.tunnels_of_vpn(1), [2, 3]);
    }

    #[test]
    fn one_and_two_tunnels_use_one_instance_and_one_vpn_connection() {
        let d = desired(2, false);
        assert_eq!(d.instances(), 1);
        assert_eq!(d.tunnels_of_vpn(0), [0, 1]);
        assert!(d.apipa_of_instance(0).is_empty());
        assert_eq!(d.local_gateway_name(1), "l-lng-2");
    }
}
