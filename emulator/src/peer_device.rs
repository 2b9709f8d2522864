//! Simulated customer gateway devices: the on-premises router, firewall or Linux box at the
//! other end of a site-to-site VPN whose customer gateway IP is not an Azure gateway in this
//! emulator. Nothing negotiates IKE here; a test says how the device is configured (admin API
//! `POST /_emulator/peer-devices`, see [`crate::admin`]) and the link registry compares that
//! with the AWS end of each tunnel, as the device's IKE/BGP daemons would.
//!
//! A tunnel is `UP` only when the device has a tunnel whose peer is the AWS outside IP, with
//! the same pre-shared key, and, for BGP, the same inside /30 and ASNs. A mismatch keeps the
//! tunnel `DOWN` with a message naming what differs; keys are never printed.

use crate::links::AwsTunnel;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// One tunnel as configured on the device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceTunnel {
    /// The IKE peer the device points at: AWS's outside IP of the tunnel.
    pub outside_ip: String,
    /// The pre-shared key typed into the device.
    pub psk: String,
    /// The tunnel interface's /30 (the network, e.g. `169.254.21.0/30`, or the device's own
    /// address in it, e.g. `169.254.21.2/30`). Compared only for BGP, where the session runs
    /// between the two inside addresses; a static tunnel comes up whatever the interface
    /// addressing, as IPsec does not look at it.
    #[serde(default)]
    pub inside_cidr: Option<String>,
}

/// A configured device, identified by its public IP (the customer gateway IP on AWS).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeerDevice {
    /// The device's public IP.
    pub customer_gateway_ip: String,
    /// The tunnels configured on it (usually the two of one VPN connection).
    pub tunnels: Vec<DeviceTunnel>,
    /// The device's own BGP ASN when it runs BGP; absent for static routing.
    #[serde(default)]
    pub bgp_asn: Option<u32>,
    /// The neighbour ASN the device expects (AWS's side). Optional: when absent, only the
    /// device's own ASN is compared.
    #[serde(default)]
    pub amazon_side_asn: Option<u32>,
}

impl PeerDevice {
    /// Checks the request body's values: IPv4 addresses, /30 inside CIDRs, at least one
    /// tunnel and no outside IP twice. Says which field is wrong.
    pub fn validate(&self) -> Result<(), String> {
        self.customer_gateway_ip
            .parse::<std::net::Ipv4Addr>()
            .map_err(|_| {
                format!(
                    "customer_gateway_ip {:?} is not an IPv4 address",
                    self.customer_gateway_ip
                )
            })?;
        if self.tunnels.is_empty() {
            return Err("tunnels must list at least one tunnel".into());
        }
        for (i, t) in self.tunnels.iter().enumerate() {
            t.outside_ip.parse::<std::net::Ipv4Addr>().map_err(|_| {
                format!(
                    "tunnels[{i}].outside_ip {:?} is not an IPv4 address",
                    t.outside_ip
                )
            })?;
            if let Some(c) = &t.inside_cidr {
                let net: Ipv4Net = c
                    .parse()
                    .map_err(|_| format!("tunnels[{i}].inside_cidr {c:?} is not a CIDR block"))?;
                if net.prefix_len() != 30 {
                    return Err(format!("tunnels[{i}].inside_cidr {c:?} is not a /30"));
                }
            }
            if self.tunnels[..i]
                .iter()
                .any(|o| o.outside_ip == t.outside_ip)
            {
                return Err(format!(
                    "tunnels[{i}].outside_ip {} appears twice",
                    t.outside_ip
                ));
            }
        }
        Ok(())
    }

    /// The same device with every pre-shared key replaced, for listings and the dump.
    pub fn redacted(&self) -> PeerDevice {
        let mut d = self.clone();
        for t in d.tunnels.iter_mut() {
            t.psk = "<redacted>".into();
        }
        d
    }

    /// Whether AWS tunnel `t` (whose customer gateway IP is this device) would come up, and
    /// if not, why.
    pub fn agree(&self, t: &AwsTunnel) -> Result<(), String> {
        if !t.ready {
            return Err("AWS VPN connection is not available yet".into());
        }
        let Some(d) = self.tunnels.iter().find(|d| d.outside_ip == t.outside_ip) else {
            return Err(format!(
                "no IPSEC peer: the device at {} has no tunnel to outside IP {}",
                self.customer_gateway_ip, t.outside_ip
            ));
        };
        if d.psk != t.psk {
            return Err("IKE authentication failed: pre-shared keys differ".into());
        }
        match (t.static_routes_only, self.bgp_asn) {
            (true, None) => return Ok(()),
            (true, Some(_)) => {
                return Err("routing mismatch: AWS tunnel is static, the device runs BGP".into())
            }
            (false, None) => {
                return Err(
                    "routing mismatch: AWS tunnel uses BGP, the device has no bgp_asn".into(),
                )
            }
            (false, Some(asn)) if asn != t.customer_gateway_asn => {
                return Err(format!(
                    "BGP ASN mismatch: the device is AS{asn}, the AWS customer gateway says AS{}",
                    t.customer_gateway_asn
                ))
            }
            (false, Some(_)) => {}
        }
        if let Some(expected) = self.amazon_side_asn {
            if expected != t.amazon_side_asn {
                return Err(format!(
                    "BGP peer mismatch: the device expects AS{expected}, AWS is AS{}",
                    t.amazon_side_asn
                ));
            }
        }
        let aws: Ipv4Net = t
            .inside_cidr
            .parse()
            .map_err(|_| format!("bad AWS inside CIDR {}", t.inside_cidr))?;
        let device = d
            .inside_cidr
            .as_deref()
            .and_then(|c| c.parse::<Ipv4Net>().ok())
            .map(|n| n.trunc());
        match device {
            Some(n) if n == aws.trunc() => Ok(()),
            Some(n) => Err(format!(
                "BGP session down: the device's tunnel interface is in {n}, AWS uses {aws}"
            )),
            None => Err(format!(
                "BGP session down: the device's tunnel to {} has no inside_cidr",
                t.outside_ip
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(static_only: bool) -> AwsTunnel {
        AwsTunnel {
            vpn_connection_id: "vpn-1".into(),
            tunnel: 1,
            outside_ip: "203.0.113.5".into(),
            customer_gateway_ip: "192.0.2.10".into(),
            customer_gateway_asn: 65010,
            amazon_side_asn: 64512,
            psk: "secret_key_1".into(),
            inside_cidr: "169.254.21.0/30".into(),
            static_routes_only: static_only,
            static_routes: vec![],
            ready: true,
        }
    }

    fn device(psk: &str, inside: Option<&str>, asn: Option<u32>) -> PeerDevice {
        PeerDevice {
            customer_gateway_ip: "192.0.2.10".into(),
            tunnels: vec![DeviceTunnel {
                outside_ip: "203.0.113.5".into(),
                psk: psk.into(),
                inside_cidr: inside.map(String::from),
            }],
            bgp_asn: asn,
            amazon_side_asn: None,
        }
    }

    #[test]
    fn a_static_tunnel_needs_the_peer_and_the_key() {
        assert!(device("secret_key_1", None, None).agree(&aws(true)).is_ok());
        let e = device("other_key_1", None, None)
            .agree(&aws(true))
            .unwrap_err();
        assert!(e.contains("pre-shared keys differ"), "{e}");
        assert!(!e.contains("secret_key_1") && !e.contains("other_key_1"));
        let e = device("secret_key_1", None, Some(65010))
            .agree(&aws(true))
            .unwrap_err();
        assert!(e.contains("routing mismatch"), "{e}");
    }

    #[test]
    fn a_bgp_tunnel_also_needs_the_inside_cidr_and_the_asn() {
        let ok = device("secret_key_1", Some("169.254.21.2/30"), Some(65010));
        assert!(ok.agree(&aws(false)).is_ok());
        let e = device("secret_key_1", Some("169.254.22.0/30"), Some(65010))
            .agree(&aws(false))
            .unwrap_err();
        assert!(e.contains("169.254.22.0/30"), "{e}");
        let e = device("secret_key_1", Some("169.254.21.0/30"), Some(65011))
            .agree(&aws(false))
            .unwrap_err();
        assert!(e.contains("AS65011"), "{e}");
    }

    #[test]
    fn validation_names_the_bad_field() {
        let mut d = device("k", Some("169.254.21.0/29"), None);
        assert!(d.validate().unwrap_err().contains("inside_cidr"));
        d.tunnels[0].inside_cidr = None;
        d.customer_gateway_ip = "nope".into();
        assert!(d.validate().unwrap_err().contains("customer_gateway_ip"));
    }
}
