//! Customer gateway device types and their sample configurations:
//! `GetVpnConnectionDeviceTypes` and `GetVpnConnectionDeviceSampleConfiguration`.
//!
//! Sources (read 2026-12-07): EC2 API reference, GetVpnConnectionDeviceTypes (MaxResults
//! 200-1000, NextToken; without MaxResults every type is returned) and
//! GetVpnConnectionDeviceSampleConfiguration (VpnConnectionId, VpnConnectionDeviceTypeId,
//! InternetKeyExchangeVersion `ikev1` | `ikev2`, SampleType); botocore 1.43.11 EC2 model
//! (response `vpnConnectionDeviceTypeSet/item/{vpnConnectionDeviceTypeId, vendor, platform,
//! software}`, `nextToken`, `vpnConnectionDeviceSampleConfiguration`); AWS Site-to-Site VPN
//! User Guide, "Download the configuration file" (your-cgw.html / SetUpVPNConnections.html:
//! the file is per device vendor, platform and software and carries the connection's tunnel
//! addresses, keys and BGP settings).
//!
//! The vendor, platform and software names are ones AWS lists; the ids are the emulator's
//! own (8 hex digits, the shape of AWS's ids, which are not published). The configuration
//! texts are written here with the structure of AWS's files for the device (generic: IKE,
//! IPsec, tunnel interface and BGP or static sections per tunnel; Cisco IOS: keyring, ISAKMP
//! or IKEv2 policy, transform set, `interface TunnelN`, `router bgp`; strongSwan:
//! `ipsec.conf` + `ipsec.secrets`; FortiGate: phase1/phase2 interfaces, tunnel interface,
//! `router bgp`) and every value is the connection's own.
//!
//! Error codes: an unknown connection is `InvalidVpnConnectionID.NotFound` (EC2's code for
//! an unknown `vpn-` id). UNKNOWN, the emulator's own choices (`rule: EMU-DEVICE-CONFIG`):
//! an unknown device type id, a bad IKE version, a bad SampleType and MaxResults outside
//! 200-1000 are `InvalidParameterValue`; `SampleType=recommended` with IKEv1 is
//! `UnsupportedOperation` (the model says it "throws UnsupportedOperationException"); a
//! deleting or deleted connection is `IncorrectState`. The IKE version defaults to `ikev1`
//! when not given (AWS's default is not documented).

use super::errors::{Ec2Error, R};
use super::vpn_connection::{Tunnel, VpnConnection};
use super::xml::Xml;
use super::{Ctx, State};
use ipnet::Ipv4Net;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// The configuration dialect a device type gets.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dialect {
    Generic,
    CiscoIos,
    StrongSwan,
    FortiGate,
}

/// One device type: (id, vendor, platform, software, dialect).
type DeviceType = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Dialect,
);

/// The device types served, in AWS's listing order (by vendor).
const DEVICE_TYPES: &[DeviceType] = &[
    (
        "7b2d4e61",
        "Cisco Systems, Inc.",
        "ISR Series Routers",
        "IOS 12.4+",
        Dialect::CiscoIos,
    ),
    (
        "a41e9d53",
        "Fortinet",
        "Fortigate 40+ Series",
        "FortiOS 6.4.4+ (GUI)",
        Dialect::FortiGate,
    ),
    (
        "3f1c9b0e",
        "Generic",
        "Generic",
        "Vendor Agnostic",
        Dialect::Generic,
    ),
    (
        "5c8a0f27",
        "Openswan",
        "Openswan",
        "Openswan 2.6.38+",
        Dialect::StrongSwan,
    ),
    (
        "e6f3a2b8",
        "Strongswan",
        "Ubuntu 16.04",
        "Strongswan 5.5.1+",
        Dialect::StrongSwan,
    ),
];

/// `GetVpnConnectionDeviceTypes`: every type, or pages of `MaxResults` (200-1000).
pub fn device_types(_st: &mut State, cx: &Ctx) -> R<Xml> {
    let max = match cx.q.num::<usize>("MaxResults")? {
        None => None,
        Some(n) if (200..=1000).contains(&n) => Some(n),
        // rule: EMU-DEVICE-CONFIG (range from the model; code is the emulator's choice).
        Some(n) => {
            return Err(Ec2Error::invalid(format!(
                "Value ( {n} ) for parameter maxResults is invalid. Expecting a value between 200 and 1000."
            )))
        }
    };
    let (items, next) = page(DEVICE_TYPES, cx.q.get("NextToken"), max)?;
    let mut x = Xml::new();
    x.list(
        "vpnConnectionDeviceTypeSet",
        items,
        |x, (id, vendor, platform, software, _)| {
            x.leaf("vpnConnectionDeviceTypeId", id)
                .leaf("vendor", vendor)
                .leaf("platform", platform)
                .leaf("software", software);
        },
    );
    x.opt("nextToken", next);
    Ok(x)
}

/// The page of `all` starting at `token` (`dt-<offset>`, opaque to clients) of at most `max`
/// items, and the token of the next page if any.
fn page<T: Copy>(
    all: &[T],
    token: Option<&str>,
    max: Option<usize>,
) -> R<(Vec<T>, Option<String>)> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("dt-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= all.len())
            .ok_or_else(|| {
                Ec2Error::new("InvalidNextToken", "The token is invalid or has expired.")
            })?,
    };
    let limit = max.unwrap_or(all.len());
    let items: Vec<T> = all.iter().skip(start).take(limit).copied().collect();
    let next = (start + limit < all.len()).then(|| format!("dt-{}", start + limit));
    Ok((items, next))
}

/// `GetVpnConnectionDeviceSampleConfiguration`: the device's configuration for the
/// connection's tunnels, keys, addresses and ASNs.
/// rule: AWS-VPN-DEVICE-CONFIG (the connection's own values; unknown ids refused).
pub fn sample_configuration(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let type_id = cx.q.req("VpnConnectionDeviceTypeId")?.to_string();
    let ike = match cx.q.get("InternetKeyExchangeVersion").filter(|s| !s.is_empty()) {
        None | Some("ikev1") => "ikev1",
        Some("ikev2") => "ikev2",
        // rule: EMU-DEVICE-CONFIG
        Some(v) => {
            return Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter InternetKeyExchangeVersion is invalid. Valid values are ikev1, ikev2."
            )))
        }
    };
    match cx.q.get("SampleType").filter(|s| !s.is_empty()) {
        None | Some("compatibility") => {}
        Some("recommended") if ike == "ikev1" => {
            // rule: EMU-DEVICE-CONFIG
            return Err(Ec2Error::new(
                "UnsupportedOperation",
                "The recommended sample configuration does not support IKEv1; use ikev2 or SampleType compatibility.",
            ));
        }
        Some("recommended") => {}
        Some(v) => {
            return Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter SampleType is invalid. Valid values are compatibility, recommended."
            )))
        }
    }
    let now = cx.now;
    let c = st
        .region(cx.account(), cx.region_name())
        .vpn_connections
        .get(&id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpnConnectionID", "vpnConnection", &id))?;
    let state = c.phase.get(now);
    if matches!(state, "deleting" | "deleted") {
        // rule: EMU-DEVICE-CONFIG
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("The VPN connection '{id}' is in state {state}."),
        ));
    }
    let Some(&(_, vendor, platform, software, dialect)) =
        DEVICE_TYPES.iter().find(|d| d.0 == type_id)
    else {
        // rule: EMU-DEVICE-CONFIG
        return Err(Ec2Error::invalid(format!(
            "The VPN connection device type ID '{type_id}' is invalid. GetVpnConnectionDeviceTypes lists the valid ids."
        )));
    };
    let header = format!("{vendor} / {platform} / {software}");
    let text = render(dialect, &Sample::of(c, ike), &header);
    let mut x = Xml::new();
    x.leaf("vpnConnectionDeviceSampleConfiguration", text);
    Ok(x)
}

/// Everything a configuration needs, taken from one connection.
struct Sample {
    vpn_id: String,
    cgw_id: String,
    gateway: String,
    cgw_ip: String,
    cgw_asn: u64,
    amazon_asn: u64,
    bgp: bool,
    ike: &'static str,
    local_cidr: String,
    remote_cidr: String,
    tunnels: Vec<SampleTunnel>,
}

/// One tunnel's values.
struct SampleTunnel {
    outside_ip: Ipv4Addr,
    psk: String,
    cidr: Ipv4Net,
    aws_inside: Ipv4Addr,
    cgw_inside: Ipv4Addr,
    enc: String,
    integ: String,
    dh: String,
    phase1_lifetime: String,
    phase2_lifetime: String,
    dpd_timeout: String,
}

impl Sample {
    fn of(c: &VpnConnection, ike: &'static str) -> Self {
        let gateway = match (&c.vpn_gateway_id, &c.transit_gateway_id) {
            (Some(v), _) => format!("Virtual Private Gateway {v}"),
            (None, Some(t)) => format!("Transit Gateway {t}"),
            _ => String::new(),
        };
        Sample {
            vpn_id: c.id.clone(),
            cgw_id: c.customer_gateway_id.clone(),
            gateway,
            cgw_ip: c.cgw_ip.clone(),
            cgw_asn: c.cgw_asn,
            amazon_asn: c.amazon_asn,
            bgp: !c.static_routes_only,
            ike,
            local_cidr: c.local_cidr.clone(),
            remote_cidr: c.remote_cidr.clone(),
            tunnels: c.tunnels.iter().map(SampleTunnel::of).collect(),
        }
    }
}

impl SampleTunnel {
    fn of(t: &Tunnel) -> Self {
        let hosts: Vec<Ipv4Addr> = t.inside_cidr.hosts().collect();
        let first = |name: &str| {
            t.lists
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.first().cloned())
                .unwrap_or_default()
        };
        let scalar = |name: &str| {
            t.scalars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        SampleTunnel {
            outside_ip: t.outside_ip,
            psk: t.psk.clone(),
            cidr: t.inside_cidr,
            aws_inside: hosts[0],
            cgw_inside: hosts[1],
            enc: first("phase1EncryptionAlgorithmSet"),
            integ: first("phase1IntegrityAlgorithmSet"),
            dh: first("phase1DHGroupNumberSet"),
            phase1_lifetime: scalar("phase1LifetimeSeconds"),
            phase2_lifetime: scalar("phase2LifetimeSeconds"),
            dpd_timeout: scalar("dpdTimeoutSeconds"),
        }
    }

    /// AES key size in bits ("AES256-GCM-16" -> 256).
    fn aes_bits(&self) -> &str {
        if self.enc.starts_with("AES256") {
            "256"
        } else {
            "128"
        }
    }

    /// strongSwan's name of the DH group (RFC 3526 / RFC 5903 / RFC 5114 groups).
    fn strongswan_dh(&self) -> &str {
        match self.dh.as_str() {
            "2" => "modp1024",
            "5" => "modp1536",
            "14" => "modp2048",
            "15" => "modp3072",
            "16" => "modp4096",
            "17" => "modp6144",
            "18" => "modp8192",
            "19" => "ecp256",
            "20" => "ecp384",
            "21" => "ecp521",
            "22" => "modp1024s160",
            "23" => "modp2048s224",
            _ => "modp2048s256",
        }
    }

    /// strongSwan's name of the integrity algorithm.
    fn strongswan_integ(&self) -> String {
        self.integ.to_lowercase().replace("sha2-", "sha")
    }
}

fn render(dialect: Dialect, s: &Sample, device: &str) -> String {
    match dialect {
        Dialect::Generic => generic(s, device),
        Dialect::CiscoIos => cisco_ios(s, device),
        Dialect::StrongSwan => strongswan(s, device),
        Dialect::FortiGate => fortigate(s, device),
    }
}

/// The vendor-agnostic text: identifiers, then per tunnel the IKE, IPsec, tunnel interface
/// and BGP or static routing sections.
fn generic(s: &Sample, device: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Amazon Web Services");
    let _ = writeln!(o, "Virtual Private Cloud");
    let _ = writeln!(o);
    let _ = writeln!(o, "VPN Connection Configuration ({device})");
    let _ = writeln!(
        o,
        "Generated by cloudlink-emulator for a test; not AWS's file."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "  VPN Connection ID      : {}", s.vpn_id);
    let _ = writeln!(o, "  Gateway                : {}", s.gateway);
    let _ = writeln!(o, "  Customer Gateway ID    : {}", s.cgw_id);
    for (i, t) in s.tunnels.iter().enumerate() {
        let n = i + 1;
        let _ = writeln!(o);
        let _ = writeln!(o, "IPSec Tunnel #{n}");
        let _ = writeln!(o, "{}", "=".repeat(72));
        let _ = writeln!(o, "#1: Internet Key Exchange Configuration");
        let _ = writeln!(o, "  - IKE Version              : {}", s.ike);
        let _ = writeln!(o, "  - Authentication Method    : Pre-Shared Key");
        let _ = writeln!(o, "  - Pre-Shared Key           : {}", t.psk);
        let _ = writeln!(o, "  - Authentication Algorithm : {}", t.integ);
        let _ = writeln!(o, "  - Encryption Algorithm     : {}", t.enc);
        let _ = writeln!(
            o,
            "  - Lifetime                 : {} seconds",
            t.phase1_lifetime
        );
        let _ = writeln!(o, "  - Diffie-Hellman           : Group {}", t.dh);
        let _ = writeln!(o);
        let _ = writeln!(o, "#2: IPSec Configuration");
        let _ = writeln!(o, "  - Protocol                 : esp");
        let _ = writeln!(o, "  - Authentication Algorithm : {}", t.integ);
        let _ = writeln!(o, "  - Encryption Algorithm     : {}", t.enc);
        let _ = writeln!(
            o,
            "  - Lifetime                 : {} seconds",
            t.phase2_lifetime
        );
        let _ = writeln!(o, "  - Mode                     : tunnel");
        let _ = writeln!(
            o,
            "  - Perfect Forward Secrecy  : Diffie-Hellman Group {}",
            t.dh
        );
        let _ = writeln!(
            o,
            "  - DPD Timeout              : {} seconds",
            t.dpd_timeout
        );
        let _ = writeln!(o, "  - TCP MSS Adjustment       : 1379 bytes");
        let _ = writeln!(o, "  - Clear Don't Fragment Bit : enabled");
        let _ = writeln!(o);
        let _ = writeln!(o, "#3: Tunnel Interface Configuration");
        let _ = writeln!(o, "Outside IP Addresses:");
        let _ = writeln!(o, "  - Customer Gateway         : {}", s.cgw_ip);
        let _ = writeln!(o, "  - Virtual Private Gateway  : {}", t.outside_ip);
        let _ = writeln!(o, "Inside IP Addresses:");
        let _ = writeln!(o, "  - Customer Gateway         : {}/30", t.cgw_inside);
        let _ = writeln!(o, "  - Virtual Private Gateway  : {}/30", t.aws_inside);
        let _ = writeln!(o);
        if s.bgp {
            let _ = writeln!(o, "#4: Border Gateway Protocol (BGP) Configuration");
            let _ = writeln!(o, "  - Customer Gateway ASN        : {}", s.cgw_asn);
            let _ = writeln!(o, "  - Virtual Private Gateway ASN : {}", s.amazon_asn);
            let _ = writeln!(o, "  - Neighbor IP Address         : {}", t.aws_inside);
            let _ = writeln!(o, "  - Neighbor Hold Time          : 30");
        } else {
            let _ = writeln!(o, "#4: Static Routing Configuration");
            let _ = writeln!(o, "  - Next Hop                    : {}", t.aws_inside);
            let _ = writeln!(o, "  - Local Traffic Selector      : {}", s.local_cidr);
            let _ = writeln!(o, "  - Remote Traffic Selector     : {}", s.remote_cidr);
        }
    }
    o
}

/// Cisco IOS: keyring, ISAKMP (IKEv1) or IKEv2 policy, IPsec transform set and profile, a
/// `Tunnel` interface per tunnel, then `router bgp` or static routes.
fn cisco_ios(s: &Sample, device: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "! Amazon Web Services - Virtual Private Cloud");
    let _ = writeln!(o, "! {device}, {} for {}", s.ike, s.vpn_id);
    let _ = writeln!(
        o,
        "! Generated by cloudlink-emulator for a test; not AWS's file."
    );
    let _ = writeln!(o, "! {}, customer gateway {}", s.gateway, s.cgw_id);
    for (i, t) in s.tunnels.iter().enumerate() {
        let n = i + 1;
        let tag = format!("{}-{}", s.vpn_id, i);
        let bits = t.aes_bits();
        let hash = if t.integ == "SHA1" { "sha" } else { "sha256" };
        let _ = writeln!(o, "!");
        let _ = writeln!(o, "! IPSec Tunnel #{n}");
        if s.ike == "ikev2" {
            let _ = writeln!(o, "crypto ikev2 proposal PROPOSAL-{tag}");
            let _ = writeln!(o, "  encryption aes-cbc-{bits}");
            let _ = writeln!(o, "  integrity {hash}");
            let _ = writeln!(o, "  group {}", t.dh);
            let _ = writeln!(o, "exit");
            let _ = writeln!(o, "crypto ikev2 policy POLICY-{tag}");
            let _ = writeln!(o, "  proposal PROPOSAL-{tag}");
            let _ = writeln!(o, "exit");
            let _ = writeln!(o, "crypto ikev2 keyring keyring-{tag}");
            let _ = writeln!(o, "  peer {}", t.outside_ip);
            let _ = writeln!(o, "    address {}", t.outside_ip);
            let _ = writeln!(o, "    pre-shared-key {}", t.psk);
            let _ = writeln!(o, "  exit");
            let _ = writeln!(o, "exit");
            let _ = writeln!(o, "crypto ikev2 profile ikev2-{tag}");
            let _ = writeln!(o, "  match address local {}", s.cgw_ip);
            let _ = writeln!(
                o,
                "  match identity remote address {} 255.255.255.255",
                t.outside_ip
            );
            let _ = writeln!(o, "  authentication remote pre-share");
            let _ = writeln!(o, "  authentication local pre-share");
            let _ = writeln!(o, "  keyring local keyring-{tag}");
            let _ = writeln!(o, "  lifetime {}", t.phase1_lifetime);
            let _ = writeln!(o, "  dpd 10 10 on-demand");
            let _ = writeln!(o, "exit");
        } else {
            let _ = writeln!(o, "crypto keyring keyring-{tag}");
            let _ = writeln!(o, "  local-address {}", s.cgw_ip);
            let _ = writeln!(o, "  pre-shared-key address {} key {}", t.outside_ip, t.psk);
            let _ = writeln!(o, "exit");
            let _ = writeln!(o, "crypto isakmp policy {}", 200 + i);
            let _ = writeln!(o, "  encryption aes {bits}");
            let _ = writeln!(o, "  authentication pre-share");
            let _ = writeln!(o, "  group {}", t.dh);
            let _ = writeln!(o, "  lifetime {}", t.phase1_lifetime);
            let _ = writeln!(o, "  hash {hash}");
            let _ = writeln!(o, "exit");
            let _ = writeln!(o, "crypto isakmp profile isakmp-{tag}");
            let _ = writeln!(o, "  local-address {}", s.cgw_ip);
            let _ = writeln!(
                o,
                "  match identity address {} 255.255.255.255",
                t.outside_ip
            );
            let _ = writeln!(o, "  keyring keyring-{tag}");
            let _ = writeln!(o, "exit");
        }
        let _ = writeln!(
            o,
            "crypto ipsec transform-set ipsec-prop-{tag} esp-aes {bits} esp-{hash}-hmac"
        );
        let _ = writeln!(o, "  mode tunnel");
        let _ = writeln!(o, "exit");
        let _ = writeln!(o, "crypto ipsec profile ipsec-{tag}");
        let _ = writeln!(o, "  set pfs group{}", t.dh);
        let _ = writeln!(
            o,
            "  set security-association lifetime seconds {}",
            t.phase2_lifetime
        );
        let _ = writeln!(o, "  set transform-set ipsec-prop-{tag}");
        if s.ike == "ikev2" {
            let _ = writeln!(o, "  set ikev2-profile ikev2-{tag}");
        }
        let _ = writeln!(o, "exit");
        let _ = writeln!(o, "interface Tunnel{n}");
        let _ = writeln!(o, "  ip address {} 255.255.255.252", t.cgw_inside);
        let _ = writeln!(o, "  ip virtual-reassembly");
        let _ = writeln!(o, "  tunnel source {}", s.cgw_ip);
        let _ = writeln!(o, "  tunnel destination {}", t.outside_ip);
        let _ = writeln!(o, "  tunnel mode ipsec ipv4");
        let _ = writeln!(o, "  tunnel protection ipsec profile ipsec-{tag}");
        let _ = writeln!(o, "  ip tcp adjust-mss 1379");
        let _ = writeln!(o, "  no shutdown");
        let _ = writeln!(o, "exit");
    }
    let _ = writeln!(o, "!");
    if s.bgp {
        let _ = writeln!(o, "router bgp {}", s.cgw_asn);
        for t in &s.tunnels {
            let _ = writeln!(o, "  neighbor {} remote-as {}", t.aws_inside, s.amazon_asn);
            let _ = writeln!(o, "  neighbor {} timers 10 30 30", t.aws_inside);
        }
        let _ = writeln!(o, "  address-family ipv4 unicast");
        for t in &s.tunnels {
            let _ = writeln!(o, "    neighbor {} activate", t.aws_inside);
            let _ = writeln!(
                o,
                "    neighbor {} soft-reconfiguration inbound",
                t.aws_inside
            );
        }
        let _ = writeln!(o, "  exit");
        let _ = writeln!(o, "exit");
    } else {
        let (net, mask) = network_and_mask(&s.remote_cidr);
        for n in 1..=s.tunnels.len() {
            let _ = writeln!(o, "ip route {net} {mask} Tunnel{n} track {}", 100 + n);
        }
    }
    o
}

/// strongSwan: `/etc/ipsec.conf` (one `conn` per tunnel, route-based with marks) and
/// `/etc/ipsec.secrets`, plus a bgpd section for BGP.
fn strongswan(s: &Sample, device: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Amazon Web Services - Virtual Private Cloud");
    let _ = writeln!(o, "# {device}, {} for {}", s.ike, s.vpn_id);
    let _ = writeln!(
        o,
        "# Generated by cloudlink-emulator for a test; not AWS's file."
    );
    let _ = writeln!(o, "#");
    let _ = writeln!(o, "# ---- /etc/ipsec.conf ----");
    let _ = writeln!(o, "config setup");
    let _ = writeln!(o, "\tuniqueids = no");
    for (i, t) in s.tunnels.iter().enumerate() {
        let n = i + 1;
        let bits = t.aes_bits();
        let integ = t.strongswan_integ();
        let dh = t.strongswan_dh();
        let _ = writeln!(o);
        let _ = writeln!(o, "conn Tunnel{n}");
        let _ = writeln!(o, "\tauto=start");
        let _ = writeln!(o, "\tleft=%defaultroute");
        let _ = writeln!(o, "\tleftid={}", s.cgw_ip);
        let _ = writeln!(o, "\tright={}", t.outside_ip);
        let _ = writeln!(o, "\ttype=tunnel");
        let _ = writeln!(o, "\tleftauth=psk");
        let _ = writeln!(o, "\trightauth=psk");
        let _ = writeln!(o, "\tkeyexchange={}", s.ike);
        let _ = writeln!(o, "\tike=aes{bits}-{integ}-{dh}");
        let _ = writeln!(o, "\tikelifetime={}s", t.phase1_lifetime);
        let _ = writeln!(o, "\tesp=aes{bits}-{integ}-{dh}");
        let _ = writeln!(o, "\tlifetime={}s", t.phase2_lifetime);
        let _ = writeln!(o, "\tkeyingtries=%forever");
        let _ = writeln!(o, "\tleftsubnet={}", s.local_cidr);
        let _ = writeln!(o, "\trightsubnet={}", s.remote_cidr);
        let _ = writeln!(o, "\tdpddelay=10s");
        let _ = writeln!(o, "\tdpdtimeout={}s", t.dpd_timeout);
        let _ = writeln!(o, "\tdpdaction=restart");
        let _ = writeln!(o, "\tmark={}", 100 + n);
        let _ = writeln!(
            o,
            "\t# tunnel interface Tunnel{n}: local {}/30, remote {}/30 (network {})",
            t.cgw_inside, t.aws_inside, t.cidr
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "# ---- /etc/ipsec.secrets ----");
    for t in &s.tunnels {
        let _ = writeln!(o, "{} {} : PSK \"{}\"", s.cgw_ip, t.outside_ip, t.psk);
    }
    if s.bgp {
        let _ = writeln!(o);
        let _ = writeln!(o, "# ---- bgpd (Quagga / FRR) ----");
        let _ = writeln!(o, "router bgp {}", s.cgw_asn);
        for t in &s.tunnels {
            let _ = writeln!(o, " neighbor {} remote-as {}", t.aws_inside, s.amazon_asn);
            let _ = writeln!(o, " neighbor {} timers 10 30", t.aws_inside);
        }
    }
    o
}

/// FortiGate CLI: phase 1 and phase 2 interfaces, the tunnel interface addresses, then
/// `router bgp` or static routes.
fn fortigate(s: &Sample, device: &str) -> String {
    let mut o = String::new();
    let ike = if s.ike == "ikev2" { 2 } else { 1 };
    let _ = writeln!(o, "# Amazon Web Services - Virtual Private Cloud");
    let _ = writeln!(o, "# {device}, {} for {}", s.ike, s.vpn_id);
    let _ = writeln!(
        o,
        "# Generated by cloudlink-emulator for a test; not AWS's file."
    );
    for (i, t) in s.tunnels.iter().enumerate() {
        let name = format!("{}-{}", s.vpn_id, i);
        let proposal = format!(
            "aes{}-{}",
            t.aes_bits(),
            t.integ.to_lowercase().replace("sha2-", "sha")
        );
        let _ = writeln!(o, "# IPSec Tunnel #{}", i + 1);
        let _ = writeln!(o, "config vpn ipsec phase1-interface");
        let _ = writeln!(o, "  edit \"{name}\"");
        let _ = writeln!(o, "    set interface \"wan1\"");
        let _ = writeln!(o, "    set ike-version {ike}");
        let _ = writeln!(o, "    set local-gw {}", s.cgw_ip);
        let _ = writeln!(o, "    set keylife {}", t.phase1_lifetime);
        let _ = writeln!(o, "    set proposal {proposal}");
        let _ = writeln!(o, "    set dhgrp {}", t.dh);
        let _ = writeln!(o, "    set remote-gw {}", t.outside_ip);
        let _ = writeln!(o, "    set psksecret {}", t.psk);
        let _ = writeln!(o, "    set dpd-retryinterval 10");
        let _ = writeln!(o, "  next");
        let _ = writeln!(o, "end");
        let _ = writeln!(o, "config vpn ipsec phase2-interface");
        let _ = writeln!(o, "  edit \"{name}\"");
        let _ = writeln!(o, "    set phase1name \"{name}\"");
        let _ = writeln!(o, "    set proposal {proposal}");
        let _ = writeln!(o, "    set dhgrp {}", t.dh);
        let _ = writeln!(o, "    set pfs enable");
        let _ = writeln!(o, "    set keylifeseconds {}", t.phase2_lifetime);
        let _ = writeln!(o, "  next");
        let _ = writeln!(o, "end");
        let _ = writeln!(o, "config system interface");
        let _ = writeln!(o, "  edit \"{name}\"");
        let _ = writeln!(o, "    set ip {} 255.255.255.255", t.cgw_inside);
        let _ = writeln!(o, "    set remote-ip {} 255.255.255.252", t.aws_inside);
        let _ = writeln!(o, "    set type tunnel");
        let _ = writeln!(o, "    set tcp-mss 1379");
        let _ = writeln!(o, "    set interface \"wan1\"");
        let _ = writeln!(o, "  next");
        let _ = writeln!(o, "end");
    }
    if s.bgp {
        let _ = writeln!(o, "config router bgp");
        let _ = writeln!(o, "  set as {}", s.cgw_asn);
        let _ = writeln!(o, "  config neighbor");
        for t in &s.tunnels {
            let _ = writeln!(o, "    edit {}", t.aws_inside);
            let _ = writeln!(o, "      set remote-as {}", s.amazon_asn);
            let _ = writeln!(o, "    next");
        }
        let _ = writeln!(o, "  end");
        let _ = writeln!(o, "end");
    } else {
        let _ = writeln!(o, "config router static");
        for (i, _) in s.tunnels.iter().enumerate() {
            let _ = writeln!(o, "  edit 0");
            let _ = writeln!(o, "    set dst {}", s.remote_cidr);
            let _ = writeln!(o, "    set device \"{}-{}\"", s.vpn_id, i);
            let _ = writeln!(o, "  next");
        }
        let _ = writeln!(o, "end");
    }
    o
}

/// `10.0.0.0/16` -> (`10.0.0.0`, `255.255.0.0`); anything unparsable is all-zero.
fn network_and_mask(cidr: &str) -> (String, String) {
    match cidr.parse::<Ipv4Net>() {
        Ok(n) => (n.network().to_string(), n.netmask().to_string()),
        Err(_) => ("0.0.0.0".into(), "0.0.0.0".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_type_ids_are_unique_and_paging_walks_the_list() {
        let mut ids: Vec<&str> = DEVICE_TYPES.iter().map(|d| d.0).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), DEVICE_TYPES.len());
        let (first, next) = page(DEVICE_TYPES, None, Some(2)).unwrap();
        assert_eq!(first.len(), 2);
        let (rest, last) = page(DEVICE_TYPES, next.as_deref(), Some(10)).unwrap();
        assert_eq!(first.len() + rest.len(), DEVICE_TYPES.len());
        assert!(last.is_none());
        assert!(page(DEVICE_TYPES, Some("bogus"), None).is_err());
        assert!(page(DEVICE_TYPES, Some("dt-99"), None).is_err());
    }
}
