//! Status of the AWS half: the recorded VPN connections and customer gateways as AWS sees
//! them now, every tunnel's facts from them (outside IP, BGP addresses, `VgwTelemetry`
//! status), and where the AWS side disagrees with what the peer says of itself (its IP, its
//! ASN, its prefixes), in words that name both (`AwsSide::peer_words`). The resource adds its own peer's checks.

use super::checkpoint::{AwsCheckpoint, AwsTunnelFacts};
use super::run::AwsRun;
use super::side::AwsSide;
use crate::cloud::aws::{CustomerGateway, Tunnel, VpnConnection};
use tokio_util::sync::CancellationToken;

/// What the peer says of itself, for the AWS side to be compared with.
#[derive(Debug, Clone)]
pub struct Peer<'a> {
    /// Public IP per VPN connection.
    pub ips: &'a [String],
    /// Its BGP ASN.
    pub asn: i64,
    /// The prefixes behind it.
    pub cidrs: &'a [String],
}

/// The recorded AWS objects as AWS sees them now (`None`: not recorded, or gone).
#[derive(Debug, Clone, Default)]
pub struct AwsObserved {
    /// VPN connection per index.
    pub vpn_connections: Vec<Option<VpnConnection>>,
    /// Customer gateway per index.
    pub customer_gateways: Vec<Option<CustomerGateway>>,
}

/// Looks up every VPN connection and customer gateway `cp` records.
pub async fn observe(
    aws: &AwsRun,
    cp: &AwsCheckpoint,
    cancel: &CancellationToken,
) -> anyhow::Result<AwsObserved> {
    let mut seen = AwsObserved::default();
    for i in 0..aws.side.vpn_connections {
        let id = &cp.vpn_connection_ids[i];
        seen.vpn_connections.push(if id.is_empty() {
            None
        } else {
            aws.vpn_connection(id, cancel).await?
        });
        let cgw_id = &cp.customer_gateway_ids[i];
        seen.customer_gateways.push(if cgw_id.is_empty() {
            None
        } else {
            aws.customer_gateway(cgw_id, cancel).await?
        });
    }
    Ok(seen)
}

impl AwsObserved {
    /// Where the customer gateways and VPN connections disagree with `peer`, or are missing.
    pub fn mismatches(&self, side: &AwsSide, peer: &Peer) -> Vec<String> {
        let w = side.peer_words;
        let mut out = Vec::new();
        for i in 0..side.vpn_connections {
            let ip = peer.ips.get(i).map(String::as_str).unwrap_or_default();
            match &self.customer_gateways[i] {
                Some(c) if c.ip_address != ip => out.push(format!(
                    "AWS customer gateway {} points at {}, but {} is {ip}",
                    c.id, c.ip_address, w.ip
                )),
                Some(c) if c.bgp_asn != peer.asn => out.push(format!(
                    "AWS customer gateway {} has ASN {}, but {} is {}",
                    c.id, c.bgp_asn, w.asn_owner, peer.asn
                )),
                Some(_) => {}
                None => out.push(format!("AWS customer gateway {} is missing", i + 1)),
            }
            match &self.vpn_connections[i] {
                Some(v) if !side.bgp => {
                    let mut have = v.routes.clone();
                    let mut want = peer.cidrs.to_vec();
                    have.sort();
                    want.sort();
                    if have != want {
                        out.push(format!(
                            "AWS VPN connection {} routes {have:?}, but {} are {want:?}",
                            v.id, w.cidrs
                        ));
                    }
                }
                Some(_) => {}
                None => out.push(format!("AWS VPN connection {} is missing", i + 1)),
            }
        }
        out
    }

    /// AWS's tunnel `t` of `side` (found by its inside CIDR), when it exists.
    pub fn tunnel(&self, side: &AwsSide, t: usize) -> Option<&Tunnel> {
        let want = &side.tunnels[t];
        self.vpn_connections[want.vpn_connection]
            .as_ref()
            .and_then(|v| v.tunnel_by_inside_cidr(&want.inside_cidr))
    }

    /// The facts of tunnel `t` of `side`: its VPN connection, outside IP, BGP addresses
    /// (with BGP routing) and telemetry status (`DOWN` when AWS reports none).
    pub fn tunnel_facts(&self, side: &AwsSide, t: usize) -> AwsTunnelFacts {
        let want = &side.tunnels[t];
        let tunnel = self.tunnel(side, t);
        let bgp = |a: &String| if side.bgp { a.clone() } else { String::new() };
        AwsTunnelFacts {
            vpn_connection_id: self.vpn_connections[want.vpn_connection]
                .as_ref()
                .map(|v| v.id.clone())
                .unwrap_or_default(),
            outside_ip: tunnel.map(|x| x.outside_ip.clone()).unwrap_or_default(),
            inside_cidr: want.inside_cidr.clone(),
            aws_bgp_address: bgp(&want.aws_bgp_address),
            peer_bgp_address: bgp(&want.peer_bgp_address),
            status: tunnel
                .and_then(|x| x.status.clone())
                .unwrap_or_else(|| "DOWN".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::aws::TunnelSpec;
    use crate::resources::aws_vpn::side::{AwsTunnel, PeerWords};

    fn side(bgp: bool) -> AwsSide {
        AwsSide {
            vpc_id: Some("vpc-1".into()),
            transit_gateway_id: None,
            amazon_side_asn: 64512,
            peer_asn: 65000,
            peer_device_name: None,
            bgp,
            vpn_connections: 1,
            tunnels: vec![AwsTunnel {
                vpn_connection: 0,
                slot: 0,
                inside_cidr: "169.254.21.0/30".into(),
                psk: None,
                aws_bgp_address: "169.254.21.1".into(),
                peer_bgp_address: "169.254.21.2".into(),
            }],
            tunnel_options: TunnelSpec::default(),
            route_table_ids: vec![],
            route_propagation: true,
            peer_words: WORDS,
        }
    }

    fn seen(cgw_ip: &str, routes: &[&str]) -> AwsObserved {
        AwsObserved {
            vpn_connections: vec![Some(VpnConnection {
                id: "vpn-1".into(),
                state: "available".into(),
                customer_gateway_id: "cgw-1".into(),
                vpn_gateway_id: Some("vgw-1".into()),
                transit_gateway_id: None,
                static_routes_only: true,
                routes: routes.iter().map(|r| r.to_string()).collect(),
                tunnels: vec![Tunnel {
                    outside_ip: "3.3.3.3".into(),
                    inside_cidr: "169.254.21.0/30".into(),
                    status: Some("UP".into()),
                    ..Tunnel::default()
                }],
                tags: Default::default(),
            })],
            customer_gateways: vec![Some(CustomerGateway {
                id: "cgw-1".into(),
                ip_address: cgw_ip.into(),
                bgp_asn: 65000,
                state: "available".into(),
                device_name: None,
                tags: Default::default(),
            })],
        }
    }

    const WORDS: PeerWords = PeerWords {
        ip: "the device's IP",
        asn_owner: "the device's",
        cidrs: "the device's prefixes",
    };

    #[test]
    fn a_customer_gateway_on_another_ip_and_missing_routes_are_named_in_the_peers_words() {
        let ips = ["1.1.1.1".to_string()];
        let cidrs = ["10.9.0.0/16".to_string()];
        let peer = Peer {
            ips: &ips,
            asn: 65000,
            cidrs: &cidrs,
        };
        let found = seen("2.2.2.2", &[]).mismatches(&side(false), &peer);
        assert_eq!(
            found,
            vec![
                "AWS customer gateway cgw-1 points at 2.2.2.2, but the device's IP is 1.1.1.1"
                    .to_string(),
                "AWS VPN connection vpn-1 routes [], but the device's prefixes are [\"10.9.0.0/16\"]"
                    .to_string(),
            ]
        );
        assert!(seen("1.1.1.1", &["10.9.0.0/16"])
            .mismatches(&side(false), &peer)
            .is_empty());
    }

    #[test]
    fn tunnel_facts_carry_telemetry_and_bgp_addresses_only_with_bgp() {
        let facts = seen("1.1.1.1", &[]).tunnel_facts(&side(true), 0);
        assert_eq!(facts.vpn_connection_id, "vpn-1");
        assert_eq!(facts.outside_ip, "3.3.3.3");
        assert_eq!(facts.status, "UP");
        assert_eq!(facts.peer_bgp_address, "169.254.21.2");
        let static_facts = seen("1.1.1.1", &[]).tunnel_facts(&side(false), 0);
        assert_eq!(static_facts.aws_bgp_address, "");
        let gone = AwsObserved {
            vpn_connections: vec![None],
            customer_gateways: vec![None],
        };
        assert_eq!(gone.tunnel_facts(&side(false), 0).status, "DOWN");
    }
}
