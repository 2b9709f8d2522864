//! The AWS end of a site-to-site VPN, described without its peer's cloud: the VPC or transit
//! gateway, the ASNs, the VPN connections and their tunnels (inside CIDR, configured PSK, BGP
//! addresses), the IPsec policy and the route tables. The AWS steps read only this (and the
//! run context), never the Azure half of [`Desired`], so a resource whose peer is any IPsec
//! device (`cloudlink_site_vpn`, issue 13) can build the same description and reuse them.

use super::topology::{Desired, Policy};

/// One AWS tunnel of the link.
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
    /// BGP (true) or static routes.
    pub bgp: bool,
    /// VPN connections, one per customer gateway (peer public IP).
    pub vpn_connections: usize,
    /// Every tunnel the link uses, in tunnel order.
    pub tunnels: Vec<AwsTunnel>,
    /// Custom IKE/IPsec policy of every tunnel.
    pub policy: Option<Policy>,
    /// Route tables that reach the peer's prefixes.
    pub route_table_ids: Vec<String>,
    /// Propagation (true) or static routes in those tables.
    pub route_propagation: bool,
}

impl AwsSide {
    /// The AWS end of the cross-cloud link `d` (the peer is the Azure gateway).
    pub fn of(d: &Desired) -> AwsSide {
        AwsSide {
            vpc_id: d.vpc_id.clone(),
            transit_gateway_id: d.transit_gateway_id.clone(),
            amazon_side_asn: d.amazon_side_asn,
            peer_asn: d.azure_asn,
            bgp: d.bgp,
            vpn_connections: d.instances(),
            tunnels: (0..d.tunnels)
                .map(|t| {
                    let (aws_bgp_address, peer_bgp_address) = d.bgp_addresses(t);
                    AwsTunnel {
                        vpn_connection: d.vpn_of(t),
                        slot: d.slot_of(t),
                        inside_cidr: d.inside_cidr(t),
                        psk: d.psks.as_ref().and_then(|p| p.get(t).cloned()),
                        aws_bgp_address,
                        peer_bgp_address,
                    }
                })
                .collect(),
            policy: d.policy.clone(),
            route_table_ids: d.route_table_ids.clone(),
            route_propagation: d.route_propagation,
        }
    }

    /// The tunnels (index, tunnel) of VPN connection `vpn`.
    pub fn tunnels_of(&self, vpn: usize) -> impl Iterator<Item = (usize, &AwsTunnel)> {
        self.tunnels
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.vpn_connection == vpn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::Value;

    #[test]
    fn four_tunnels_pair_two_per_vpn_connection_with_their_bgp_hosts() {
        let v = Value::object([
            ("name", Value::string("l")),
            ("routing", Value::string("bgp")),
            ("tunnels", Value::int(4)),
        ]);
        let d = Desired::from_value(&v, &Value::Null);
        let aws = AwsSide::of(&d);
        assert_eq!(aws.vpn_connections, 2);
        let of_second: Vec<usize> = aws.tunnels_of(1).map(|(t, _)| t).collect();
        assert_eq!(of_second, vec![2, 3]);
        assert_eq!(aws.tunnels[1].slot, 1);
        assert_eq!(aws.tunnels[0].inside_cidr, "169.254.21.0/30");
        assert_eq!(aws.tunnels[0].aws_bgp_address, "169.254.21.1");
        assert_eq!(aws.tunnels[0].peer_bgp_address, "169.254.21.2");
        assert_eq!(aws.peer_asn, d.azure_asn);
    }
}
