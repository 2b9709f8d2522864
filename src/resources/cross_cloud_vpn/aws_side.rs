//! The AWS end of the cross-cloud link as the shared AWS half reads it
//! ([`crate::resources::aws_vpn::side::AwsSide`]): the peer is the Azure gateway, whose ASN
//! the customer gateways carry, and the link's IPsec policy and `tunnel_logs` become every
//! tunnel's options.

use super::ipsec::aws_tunnel_policy;
use super::topology::Desired;
use crate::cloud::aws::TunnelSpec;
use crate::resources::aws_vpn::side::{AwsSide, AwsTunnel, PeerWords};

/// How the AWS half's texts name the Azure end of the link.
pub const AZURE_PEER: PeerWords = PeerWords {
    ip: "the Azure public IP",
    asn_owner: "the Azure gateway's",
    cidrs: "the Azure prefixes",
};

/// The AWS end of the cross-cloud link `d`.
pub fn of(d: &Desired) -> AwsSide {
    let mut tunnel_options = TunnelSpec {
        log_options: d.tunnel_logs.clone(),
        ..TunnelSpec::default()
    };
    if let Some(p) = &d.policy {
        aws_tunnel_policy(&mut tunnel_options, p);
    }
    AwsSide {
        vpc_id: d.vpc_id.clone(),
        transit_gateway_id: d.transit_gateway_id.clone(),
        amazon_side_asn: d.amazon_side_asn,
        peer_asn: d.azure_asn,
        peer_device_name: None,
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
        tunnel_options,
        route_table_ids: d.route_table_ids.clone(),
        route_propagation: d.route_propagation,
        peer_words: AZURE_PEER,
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
        let aws = of(&d);
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
