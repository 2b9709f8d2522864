//! The link registry: each cloud publishes what it knows about its end of every VPN tunnel,
//! and either side asks whether a tunnel would come up. A tunnel is `UP` (AWS telemetry) and a
//! connection `Connected` (Azure) only when both ends agree, as a real IKE negotiation needs:
//! the Azure local network gateway points at the AWS tunnel outside IP, the AWS customer
//! gateway is one of the Azure gateway's public IPs, the pre-shared keys are equal, and either
//! both use BGP with matching ASNs and inside addresses or both route statically with
//! matching prefixes.
//!
//! A site VPN (customer gateway IP that is no Azure gateway's) has a simulated device instead
//! ([`crate::peer_device`]): its tunnels stay `DOWN` until a test registers the device, then
//! follow the device's agreement with each tunnel.

use crate::peer_device::PeerDevice;
use ipnet::Ipv4Net;
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// The AWS end of one tunnel of a VPN connection.
#[derive(Debug, Clone, Serialize)]
pub struct AwsTunnel {
    /// `vpn-...`.
    pub vpn_connection_id: String,
    /// 1 or 2.
    pub tunnel: u8,
    /// AWS's public endpoint of the tunnel.
    pub outside_ip: String,
    /// The customer gateway's IP (must be an Azure gateway public IP).
    pub customer_gateway_ip: String,
    /// The customer gateway's BGP ASN (must be the Azure gateway's ASN when BGP is used).
    pub customer_gateway_asn: u32,
    /// The VGW/TGW Amazon-side ASN.
    pub amazon_side_asn: u32,
    /// Pre-shared key.
    pub psk: String,
    /// Inside /30: AWS holds the first host, the customer side the second.
    pub inside_cidr: String,
    /// Static routing (true) or BGP (false).
    pub static_routes_only: bool,
    /// VPN connection static routes: the remote (Azure) prefixes.
    pub static_routes: Vec<String>,
    /// Whether the VPN connection is `available`.
    pub ready: bool,
}

/// The Azure end: one IPsec connection and what it references.
#[derive(Debug, Clone, Serialize)]
pub struct AzureConnection {
    /// ARM id of the connection.
    pub connection_id: String,
    /// Public IPs of the virtual network gateway (one per instance).
    pub gateway_public_ips: Vec<String>,
    /// The gateway's BGP ASN.
    pub gateway_asn: u32,
    /// BGP addresses the gateway (or the connection's custom BGP addresses) offer.
    pub gateway_bgp_ips: Vec<String>,
    /// The local network gateway's IP (must be the AWS tunnel outside IP).
    pub local_gateway_ip: String,
    /// The local network gateway's address prefixes (the AWS prefixes).
    pub local_address_prefixes: Vec<String>,
    /// The local network gateway's BGP peer: (ASN, peer IP).
    pub local_bgp_peer: Option<(u32, String)>,
    /// Whether BGP is enabled on the connection.
    pub enable_bgp: bool,
    /// Shared key of the connection.
    pub shared_key: String,
    /// Whether gateway, local gateway and connection all finished provisioning.
    pub ready: bool,
}

/// Both clouds' published ends.
#[derive(Debug, Default)]
pub struct Registry {
    aws: BTreeMap<(String, u8), AwsTunnel>,
    azure: BTreeMap<String, AzureConnection>,
    /// Simulated customer gateway devices by public IP.
    devices: BTreeMap<String, PeerDevice>,
}

impl Registry {
    /// Publishes (or replaces) the AWS end of a tunnel.
    pub fn publish_aws(&mut self, t: AwsTunnel) {
        self.aws.insert((t.vpn_connection_id.clone(), t.tunnel), t);
    }

    /// Removes both tunnels of a deleted VPN connection.
    pub fn remove_aws(&mut self, vpn_connection_id: &str) {
        self.aws.retain(|(id, _), _| id != vpn_connection_id);
    }

    /// Publishes (or replaces) the Azure end of a connection.
    pub fn publish_azure(&mut self, c: AzureConnection) {
        self.azure.insert(c.connection_id.clone(), c);
    }

    /// Removes a deleted Azure connection.
    pub fn remove_azure(&mut self, connection_id: &str) {
        self.azure.remove(connection_id);
    }

    /// Registers (or replaces) a simulated device at `d.customer_gateway_ip`.
    pub fn publish_device(&mut self, d: PeerDevice) {
        self.devices.insert(d.customer_gateway_ip.clone(), d);
    }

    /// Forgets the device at `ip`; whether there was one.
    pub fn remove_device(&mut self, ip: &str) -> bool {
        self.devices.remove(ip).is_some()
    }

    /// Every registered device, keys redacted.
    pub fn devices_redacted(&self) -> Vec<PeerDevice> {
        self.devices.values().map(PeerDevice::redacted).collect()
    }

    /// Whether `ip` is a public IP of a published Azure gateway (such a customer gateway is
    /// simulated by the ARM side, not by a peer device).
    pub fn is_azure_gateway_ip(&self, ip: &str) -> bool {
        self.azure
            .values()
            .any(|z| z.gateway_public_ips.iter().any(|g| g == ip))
    }

    /// Whether AWS tunnel `tunnel` of `vpn_connection_id` is up, and if not, why.
    pub fn aws_tunnel_status(&self, vpn_connection_id: &str, tunnel: u8) -> Result<(), String> {
        let t = self
            .aws
            .get(&(vpn_connection_id.to_string(), tunnel))
            .ok_or_else(|| "tunnel not published".to_string())?;
        if let Some(d) = self.devices.get(&t.customer_gateway_ip) {
            return d.agree(t);
        }
        let peers: Vec<_> = self
            .azure
            .values()
            .filter(|z| z.local_gateway_ip == t.outside_ip)
            .collect();
        if peers.is_empty() && !self.is_azure_gateway_ip(&t.customer_gateway_ip) {
            return Err(format!(
                "no IPSEC peer: nothing connects to this outside IP and no device is \
                 configured at customer gateway {} (a site VPN's simulated device is \
                 configured with POST /_emulator/peer-devices)",
                t.customer_gateway_ip
            ));
        }
        if peers.is_empty() {
            return Err("no IPSEC peer: nothing connects to this outside IP".into());
        }
        let mut last = String::new();
        for z in peers {
            match agree(t, z) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Whether the Azure connection is connected, and if not, why.
    pub fn azure_connection_status(&self, connection_id: &str) -> Result<(), String> {
        let z = self
            .azure
            .get(connection_id)
            .ok_or_else(|| "connection not published".to_string())?;
        let peers: Vec<_> = self
            .aws
            .values()
            .filter(|t| t.outside_ip == z.local_gateway_ip)
            .collect();
        if peers.is_empty() {
            return Err(format!(
                "no AWS tunnel has outside IP {}",
                z.local_gateway_ip
            ));
        }
        let mut last = String::new();
        for t in peers {
            match agree(t, z) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Everything published, for the admin dump.
    pub fn dump(&self) -> serde_json::Value {
        serde_json::json!({
            "aws_tunnels": self.aws.values().collect::<Vec<_>>().iter().map(|t| {
                let mut v = serde_json::to_value(t).unwrap();
                v["psk"] = serde_json::Value::String("<redacted>".into());
                v
            }).collect::<Vec<_>>(),
            "azure_connections": self.azure.values().map(|z| {
                let mut v = serde_json::to_value(z).unwrap();
                v["shared_key"] = serde_json::Value::String("<redacted>".into());
                v
            }).collect::<Vec<_>>(),
            "peer_devices": self.devices_redacted(),
        })
    }
}

/// The IKE/BGP agreement check between one AWS tunnel end and one Azure connection.
fn agree(t: &AwsTunnel, z: &AzureConnection) -> Result<(), String> {
    if !t.ready {
        return Err("AWS VPN connection is not available yet".into());
    }
    if !z.ready {
        return Err("Azure gateway or connection is still provisioning".into());
    }
    if !z.gateway_public_ips.contains(&t.customer_gateway_ip) {
        return Err(format!(
            "IKE peer mismatch: AWS customer gateway {} is not a public IP of the Azure gateway",
            t.customer_gateway_ip
        ));
    }
    if z.shared_key != t.psk {
        return Err("IKE authentication failed: pre-shared keys differ".into());
    }
    if t.static_routes_only {
        if z.enable_bgp {
            return Err("routing mismatch: AWS tunnel is static, Azure connection uses BGP".into());
        }
        if z.local_address_prefixes.is_empty() {
            return Err(
                "no traffic selectors: the local network gateway has no address prefixes".into(),
            );
        }
        return Ok(());
    }
    if !z.enable_bgp {
        return Err("routing mismatch: AWS tunnel uses BGP, Azure connection does not".into());
    }
    let inside: Ipv4Net = t
        .inside_cidr
        .parse()
        .map_err(|_| format!("bad inside CIDR {}", t.inside_cidr))?;
    let hosts: Vec<_> = inside.hosts().collect();
    let (aws_ip, azure_ip) = match hosts.as_slice() {
        [a, b, ..] => (a.to_string(), b.to_string()),
        _ => return Err(format!("inside CIDR {} has no two hosts", t.inside_cidr)),
    };
    // rule: AWS-TGW-ASN. The LNG must name the AWS side's real ASN: the TGW's AmazonSideAsn for
    // a VPN on a transit gateway, the VGW's for a VGW VPN (both copied into the tunnel at
    // CreateVpnConnection). A mismatch leaves BGP down, visible in telemetry and the dump.
    match &z.local_bgp_peer {
        Some((asn, ip)) if *asn == t.amazon_side_asn && *ip == aws_ip => {}
        Some((asn, ip)) => {
            return Err(format!(
                "BGP peer mismatch: local network gateway says AS{asn} at {ip}, AWS is AS{} at {aws_ip}",
                t.amazon_side_asn
            ))
        }
        None => return Err("BGP mismatch: the local network gateway has no BGP settings".into()),
    }
    if z.gateway_asn != t.customer_gateway_asn {
        return Err(format!(
            "BGP ASN mismatch: Azure gateway is AS{}, AWS customer gateway says AS{}",
            z.gateway_asn, t.customer_gateway_asn
        ));
    }
    let offered: BTreeSet<&String> = z.gateway_bgp_ips.iter().collect();
    if !offered.contains(&azure_ip) {
        return Err(format!(
            "BGP session down: Azure does not listen on {azure_ip} for this tunnel"
        ));
    }
    Ok(())
}
