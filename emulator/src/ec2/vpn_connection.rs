//! Site-to-site VPN connections: two tunnels with outside IPs from TEST-NET-3, inside /30s
//! and pre-shared keys (validated or generated), static routes, tunnel modification, the
//! native customer gateway configuration, telemetry, and publishing every tunnel to the
//! cross-cloud link registry.

use super::errors::{Ec2Error, R};
use super::query::{self, Query};
use super::tags::{self, Tags};
use super::tunnel_logs::TunnelLogs;
use super::xml::Xml;
use super::{iso_time, transit_gateway, Ctx, Phase, State};
use crate::links::{AwsTunnel, Registry};
use crate::profile::Op;
use crate::Shared;
use ipnet::Ipv4Net;
use rand::Rng;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::sync::Mutex;

/// Scalar tunnel options: (request name, response locationName, AWS default). Defaults from
/// the EC2 API reference, VpnTunnelOptionsSpecification.
const SCALARS: &[(&str, &str, &str)] = &[
    ("Phase1LifetimeSeconds", "phase1LifetimeSeconds", "28800"),
    ("Phase2LifetimeSeconds", "phase2LifetimeSeconds", "3600"),
    ("RekeyMarginTimeSeconds", "rekeyMarginTimeSeconds", "270"),
    ("RekeyFuzzPercentage", "rekeyFuzzPercentage", "100"),
    ("ReplayWindowSize", "replayWindowSize", "1024"),
    ("DPDTimeoutSeconds", "dpdTimeoutSeconds", "40"),
    ("DPDTimeoutAction", "dpdTimeoutAction", "clear"),
    ("StartupAction", "startupAction", "add"),
    (
        "EnableTunnelLifecycleControl",
        "enableTunnelLifecycleControl",
        "false",
    ),
];

const ENC: &[&str] = &["AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"];
const INTEG: &[&str] = &["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"];
const DH1: &[&str] = &[
    "2", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24",
];
const DH2: &[&str] = &[
    "2", "5", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24",
];
const IKE: &[&str] = &["ikev1", "ikev2"];

/// List tunnel options: (request name, response locationName, default = every permitted
/// value, as AWS reports when none was chosen).
const LISTS: &[(&str, &str, &[&str])] = &[
    (
        "Phase1EncryptionAlgorithm",
        "phase1EncryptionAlgorithmSet",
        ENC,
    ),
    (
        "Phase2EncryptionAlgorithm",
        "phase2EncryptionAlgorithmSet",
        ENC,
    ),
    (
        "Phase1IntegrityAlgorithm",
        "phase1IntegrityAlgorithmSet",
        INTEG,
    ),
    (
        "Phase2IntegrityAlgorithm",
        "phase2IntegrityAlgorithmSet",
        INTEG,
    ),
    ("Phase1DHGroupNumber", "phase1DHGroupNumberSet", DH1),
    ("Phase2DHGroupNumber", "phase2DHGroupNumberSet", DH2),
    ("IKEVersion", "ikeVersionSet", IKE),
];

/// Inside /30s AWS reserves (EC2 API reference, VpnTunnelOptionsSpecification
/// `TunnelInsideCidr`; anchors.md section 6).
const RESERVED_INSIDE: &[&str] = &[
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
];

/// One tunnel of a VPN connection.
#[derive(Debug, Clone)]
pub struct Tunnel {
    /// AWS's public endpoint.
    pub outside_ip: Ipv4Addr,
    /// Inside /30 (AWS has the first host, the customer the second).
    pub inside_cidr: Ipv4Net,
    /// Pre-shared key.
    pub psk: String,
    /// Scalar options by response locationName.
    pub scalars: Vec<(&'static str, String)>,
    /// List options by response locationName.
    pub lists: Vec<(&'static str, Vec<String>)>,
    /// CloudWatch Logs settings of the tunnel's activity log.
    pub logs: TunnelLogs,
    /// The tunnel is down for modification until then.
    pub modifying_until: u64,
    /// Telemetry as last computed: `UP` or `DOWN`.
    pub status: &'static str,
    /// Why the tunnel is down (empty when up).
    pub status_message: String,
    /// When `status` last changed (emulator clock).
    pub changed_ms: u64,
}

/// A VPN connection.
#[derive(Debug, Clone)]
pub struct VpnConnection {
    /// `vpn-...`.
    pub id: String,
    /// `ipsec.1`.
    pub typ: String,
    /// The customer gateway.
    pub customer_gateway_id: String,
    /// Its IP (copied at create).
    pub cgw_ip: String,
    /// Its ASN (copied at create).
    pub cgw_asn: u64,
    /// VGW target.
    pub vpn_gateway_id: Option<String>,
    /// TGW target.
    pub transit_gateway_id: Option<String>,
    /// The TGW attachment created for a TGW target.
    pub tgw_attachment_id: Option<String>,
    /// The target's Amazon-side ASN.
    pub amazon_asn: u64,
    /// Static routing instead of BGP.
    pub static_routes_only: bool,
    /// Local (customer side) IPv4 traffic selector.
    pub local_cidr: String,
    /// Remote (AWS side) IPv4 traffic selector.
    pub remote_cidr: String,
    /// Accelerated VPN.
    pub enable_acceleration: bool,
    /// Exactly two tunnels.
    pub tunnels: Vec<Tunnel>,
    /// Static routes (CreateVpnConnectionRoute).
    pub routes: Vec<String>,
    /// pending -> available, modifying -> available, deleting -> deleted.
    pub phase: Phase,
    /// Creation time (emulator clock).
    pub created_ms: u64,
    /// Tags.
    pub tags: Tags,
}

impl VpnConnection {
    /// The native customer gateway configuration, consistent with the tunnels (shape of
    /// `api-data/aws/examples/customer-gateway-configuration-native.xml`).
    fn config(&self) -> String {
        let mut x = Xml::new();
        x.leaf("customer_gateway_id", &self.customer_gateway_id);
        match (&self.vpn_gateway_id, &self.transit_gateway_id) {
            (Some(v), _) => x.leaf("vpn_gateway_id", v),
            (None, Some(t)) => x.leaf("transit_gateway_id", t),
            _ => &mut x,
        };
        x.leaf("vpn_connection_type", &self.typ);
        for t in &self.tunnels {
            let hosts: Vec<Ipv4Addr> = t.inside_cidr.hosts().collect();
            let side = |x: &mut Xml, name: &str, outside: &str, inside: Ipv4Addr, asn: u64| {
                x.nest(name, |x| {
                    x.nest("tunnel_outside_address", |x| {
                        x.leaf("ip_address", outside);
                    })
                    .nest("tunnel_inside_address", |x| {
                        x.leaf("ip_address", inside)
                            .leaf("network_mask", "255.255.255.252")
                            .leaf("network_cidr", 30);
                    });
                    if !self.static_routes_only {
                        x.nest("bgp", |x| {
                            x.leaf("asn", asn).leaf("hold_time", 30);
                        });
                    }
                });
            };
            x.nest("ipsec_tunnel", |x| {
                side(x, "customer_gateway", &self.cgw_ip, hosts[1], self.cgw_asn);
                side(
                    x,
                    "vpn_gateway",
                    &t.outside_ip.to_string(),
                    hosts[0],
                    self.amazon_asn,
                );
                x.nest("ike", |x| {
                    x.leaf("authentication_protocol", "sha1")
                        .leaf("encryption_protocol", "aes-128-cbc")
                        .leaf("lifetime", 28800)
                        .leaf("perfect_forward_secrecy", "group2")
                        .leaf("mode", "main")
                        .leaf("pre_shared_key", &t.psk);
                })
                .nest("ipsec", |x| {
                    x.leaf("protocol", "esp")
                        .leaf("authentication_protocol", "hmac-sha1-96")
                        .leaf("encryption_protocol", "aes-128-cbc")
                        .leaf("lifetime", 3600)
                        .leaf("perfect_forward_secrecy", "group2")
                        .leaf("mode", "tunnel")
                        .leaf("clear_df_bit", true)
                        .leaf("fragmentation_before_encryption", true)
                        .leaf("tcp_mss_adjustment", 1379)
                        .nest("dead_peer_detection", |x| {
                            x.leaf("interval", 10).leaf("retries", 3);
                        });
                });
            });
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn_connection id=\"{}\">{}</vpn_connection>",
            self.id,
            x.as_str()
        )
    }

    fn write(&self, x: &mut Xml, now: u64) {
        let state = self.phase.get(now);
        x.leaf("vpnConnectionId", &self.id).leaf("state", state);
        if state != "deleted" {
            x.leaf("customerGatewayConfiguration", self.config());
        }
        x.leaf("customerGatewayId", &self.customer_gateway_id)
            .leaf("type", &self.typ)
            .opt("vpnGatewayId", self.vpn_gateway_id.as_ref())
            .opt("transitGatewayId", self.transit_gateway_id.as_ref())
            .leaf("category", "VPN")
            .leaf(
                "gatewayAssociationState",
                if state == "deleted" {
                    "not-associated"
                } else {
                    "associated"
                },
            );
        tags::write(x, &self.tags);
        x.nest("options", |x| {
            x.leaf("enableAcceleration", self.enable_acceleration)
                .leaf("staticRoutesOnly", self.static_routes_only)
                .leaf("localIpv4NetworkCidr", &self.local_cidr)
                .leaf("remoteIpv4NetworkCidr", &self.remote_cidr)
                .leaf("outsideIpAddressType", "PublicIpv4")
                .leaf("tunnelInsideIpVersion", "ipv4")
                .list("tunnelOptionSet", &self.tunnels, |x, t| {
                    x.leaf("outsideIpAddress", t.outside_ip)
                        .leaf("tunnelInsideCidr", t.inside_cidr)
                        .leaf("preSharedKey", &t.psk);
                    for (name, v) in &t.scalars {
                        x.leaf(name, v);
                    }
                    for (name, vs) in &t.lists {
                        x.list(name, vs, |x, v| {
                            x.leaf("value", v);
                        });
                    }
                    t.logs.write(x);
                });
        });
        x.list("routes", &self.routes, |x, r| {
            x.leaf("destinationCidrBlock", r)
                .leaf("source", "Static")
                .leaf("state", "available");
        });
        x.list("vgwTelemetry", &self.tunnels, |x, t| {
            let accepted = if t.status == "UP" && self.static_routes_only {
                self.routes.len()
            } else {
                0
            };
            x.leaf("outsideIpAddress", t.outside_ip)
                .leaf("status", t.status)
                .leaf("lastStatusChange", iso_time(now, t.changed_ms))
                .leaf("statusMessage", &t.status_message)
                .leaf("acceptedRouteCount", accepted);
        });
    }

    /// Dump form.
    pub fn dump(&self, now: u64) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "type": self.typ,
            "customer_gateway_id": self.customer_gateway_id, "vpn_gateway_id": self.vpn_gateway_id,
            "transit_gateway_id": self.transit_gateway_id, "transit_gateway_attachment_id": self.tgw_attachment_id,
            "static_routes_only": self.static_routes_only,
            "local_ipv4_network_cidr": self.local_cidr, "remote_ipv4_network_cidr": self.remote_cidr,
            "routes": self.routes.iter().map(|r| json!({"destination_cidr_block": r, "state": "available"})).collect::<Vec<_>>(),
            "tunnels": self.tunnels.iter().map(|t| json!({
                "outside_ip": t.outside_ip.to_string(), "inside_cidr": t.inside_cidr.to_string(), "psk": t.psk,
                "status": t.status, "status_message": t.status_message,
                "log_options": t.logs.dump(),
            })).collect::<Vec<_>>(),
            "tags": tags::json(&self.tags),
        })
    }
}

/// A tunnel inside CIDR must be a /30 in 169.254.0.0/16 outside the reserved blocks.
/// rule: AWS-INSIDE-CIDR (code `InvalidParameterValue` inferred; uniqueness per VGW is checked
/// by the callers).
pub fn check_inside_cidr(s: &str) -> R<Ipv4Net> {
    let bad =
        |why: &str| Ec2Error::invalid(format!("The tunnel inside CIDR '{s}' is invalid: {why}."));
    let net: Ipv4Net = s.parse().map_err(|_| bad("not a CIDR block"))?;
    let apipa: Ipv4Net = "169.254.0.0/16".parse().unwrap();
    if net.prefix_len() != 30 || net.trunc() != net || !apipa.contains(&net) {
        return Err(bad(
            "it must be a /30 CIDR block from the 169.254.0.0/16 range",
        ));
    }
    if RESERVED_INSIDE
        .iter()
        .any(|r| r.parse::<Ipv4Net>().unwrap() == net)
    {
        return Err(bad("it is a reserved CIDR block"));
    }
    Ok(net)
}

/// "Allowed characters are alphanumeric characters, periods (.), and underscores (_). Must be
/// between 8 and 64 characters in length and cannot start with zero (0)" (EC2 API
/// reference, VpnTunnelOptionsSpecification `PreSharedKey`). rule: AWS-PSK
pub fn check_psk(psk: &str) -> R<()> {
    let ok = (8..=64).contains(&psk.len())
        && !psk.starts_with('0')
        && psk
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(Ec2Error::invalid(
            "The pre-shared key is invalid. Allowed characters are alphanumeric characters, periods (.), and underscores (_). Must be between 8 and 64 characters in length and cannot start with zero (0).",
        ))
    }
}

fn generate_psk(st: &mut State) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";
    let rng = st.rng();
    let mut s = String::new();
    while s.len() < 32 {
        let c = ALPHABET[rng.gen_range(0..ALPHABET.len())] as char;
        if s.is_empty() && (c == '0' || c == '.' || c == '_') {
            continue;
        }
        s.push(c);
    }
    s
}

/// A free outside IP, seeded and unique, from 203.0.113.0/24 then 198.51.100.0/24
/// (documentation ranges, so nothing real is ever addressed).
fn allocate_outside_ip(st: &mut State) -> R<Ipv4Addr> {
    for prefix in [[203u8, 0, 113], [198, 51, 100]] {
        let free: Vec<Ipv4Addr> = (1u8..=254)
            .map(|h| Ipv4Addr::new(prefix[0], prefix[1], prefix[2], h))
            .filter(|ip| !st.used_outside_ips.contains(ip))
            .collect();
        if !free.is_empty() {
            let ip = free[st.rng().gen_range(0..free.len())];
            st.used_outside_ips.insert(ip);
            return Ok(ip);
        }
    }
    Err(Ec2Error::new(
        "VpnConnectionLimitExceeded",
        "No more tunnel outside addresses are available.",
    ))
}

/// Inside CIDRs already used by live connections on the same gateway.
fn used_inside(
    st: &State,
    cx: &Ctx,
    vgw: Option<&str>,
    tgw: Option<&str>,
    except: Option<(&str, usize)>,
) -> Vec<Ipv4Net> {
    let Some(r) = st.region_ref(cx.account(), cx.region_name()) else {
        return vec![];
    };
    r.vpn_connections
        .values()
        .filter(|c| c.phase.get(cx.now) != "deleted")
        .filter(|c| {
            (vgw.is_some() && c.vpn_gateway_id.as_deref() == vgw)
                || (tgw.is_some() && c.transit_gateway_id.as_deref() == tgw)
        })
        .flat_map(|c| {
            c.tunnels
                .iter()
                .enumerate()
                .filter(move |(i, _)| except != Some((c.id.as_str(), *i)))
                .map(|(_, t)| t.inside_cidr)
        })
        .collect()
}

fn random_inside(st: &mut State, used: &[Ipv4Net]) -> Ipv4Net {
    loop {
        let i: u32 = st.rng().gen_range(0..16384);
        let net = Ipv4Net::new(Ipv4Addr::from(0xA9FE_0000u32 + i * 4), 30).unwrap();
        if !used.contains(&net) && check_inside_cidr(&net.to_string()).is_ok() {
            return net;
        }
    }
}

/// Applies scalar and list options from a tunnel specification, after checking each value.
///
/// rule: AWS-TUNNEL-OPTIONS. Ranges and values from the EC2 API reference
/// (VpnTunnelOptionsSpecification, botocore 1.43.11 model text): Phase1LifetimeSeconds
/// 900-28,800; Phase2LifetimeSeconds 900-3,600 and less than phase 1; RekeyMarginTimeSeconds
/// 60 to half of phase 2; RekeyFuzzPercentage 0-100; ReplayWindowSize 64-2,048;
/// DPDTimeoutSeconds 30 or higher; DPDTimeoutAction clear|none|restart; StartupAction
/// add|start; the algorithm, DH group and IKE version lists as in `LISTS`. The code is the
/// generic `InvalidParameterValue` (inferred: EC2's code for a bad parameter value; the exact
/// messages are UNKNOWN).
fn apply_options(t: &mut Tunnel, q: &Query) -> R<()> {
    for (param, loc, _) in SCALARS {
        if let Some(v) = q.get(param) {
            if let Some(slot) = t.scalars.iter_mut().find(|(n, _)| n == loc) {
                slot.1 = v.to_string();
            }
        }
    }
    for (param, loc, allowed) in LISTS {
        let vals: Vec<String> = q
            .structs(param)
            .iter()
            .filter_map(|s| s.get("Value").map(String::from))
            .collect();
        if let Some(bad) = vals.iter().find(|v| !allowed.contains(&v.as_str())) {
            return Err(Ec2Error::invalid(format!(
                "Value ({bad}) for parameter {param} is invalid. Valid values are {}.",
                allowed.join(", ")
            )));
        }
        if !vals.is_empty() {
            if let Some(slot) = t.lists.iter_mut().find(|(n, _)| n == loc) {
                slot.1 = vals;
            }
        }
    }
    let get = |name: &str| {
        t.scalars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let num = |name: &str, param: &str| -> R<i64> {
        get(name).parse::<i64>().map_err(|_| {
            Ec2Error::invalid(format!(
                "Value ({}) for parameter {param} is invalid.",
                get(name)
            ))
        })
    };
    let range = |name: &str, param: &str, lo: i64, hi: i64| -> R<i64> {
        let v = num(name, param)?;
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter {param} is invalid. Valid range is {lo}-{hi}."
            )))
        }
    };
    let p1 = range(
        "phase1LifetimeSeconds",
        "Phase1LifetimeSeconds",
        900,
        28_800,
    )?;
    let p2 = range("phase2LifetimeSeconds", "Phase2LifetimeSeconds", 900, 3_600)?;
    if p2 >= p1 {
        return Err(Ec2Error::invalid(format!(
            "Phase2LifetimeSeconds ({p2}) must be less than Phase1LifetimeSeconds ({p1})."
        )));
    }
    range(
        "rekeyMarginTimeSeconds",
        "RekeyMarginTimeSeconds",
        60,
        p2 / 2,
    )?;
    range("rekeyFuzzPercentage", "RekeyFuzzPercentage", 0, 100)?;
    range("replayWindowSize", "ReplayWindowSize", 64, 2_048)?;
    range("dpdTimeoutSeconds", "DPDTimeoutSeconds", 30, i64::MAX)?;
    for (name, param, allowed) in [
        (
            "dpdTimeoutAction",
            "DPDTimeoutAction",
            &["clear", "none", "restart"][..],
        ),
        ("startupAction", "StartupAction", &["add", "start"][..]),
        (
            "enableTunnelLifecycleControl",
            "EnableTunnelLifecycleControl",
            &["true", "false"][..],
        ),
    ] {
        let v = get(name);
        if !allowed.contains(&v.as_str()) {
            return Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter {param} is invalid. Valid values are {}.",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn new_tunnel(outside_ip: Ipv4Addr, inside_cidr: Ipv4Net, psk: String, now: u64) -> Tunnel {
    Tunnel {
        outside_ip,
        inside_cidr,
        psk,
        scalars: SCALARS
            .iter()
            .map(|(_, loc, d)| (*loc, d.to_string()))
            .collect(),
        lists: LISTS
            .iter()
            .map(|(_, loc, d)| (*loc, d.iter().map(|s| s.to_string()).collect()))
            .collect(),
        logs: TunnelLogs::default(),
        modifying_until: 0,
        status: "DOWN",
        status_message: String::new(),
        changed_ms: now,
    }
}

fn find<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut VpnConnection> {
    st.region(cx.account(), cx.region_name())
        .vpn_connections
        .get_mut(id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpnConnectionID", "vpnConnection", id))
}

/// Republishes every tunnel once `at_ms` has passed, so the Azure side sees the connection
/// become available without any EC2 call in between.
fn sync_later(emu: &Shared, at_ms: u64) {
    let emu = emu.clone();
    let wait = at_ms.saturating_sub(emu.clock.now_ms()) + 1;
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            let mut st = emu.ec2.lock().unwrap();
            let now = emu.clock.now_ms();
            sync_links(&mut st, &emu.links, now);
        });
    }
}

/// Publishes every live tunnel to the link registry (removing deleted connections) and
/// caches each tunnel's telemetry: `UP` iff the registry says both ends agree.
pub fn sync_links(st: &mut State, links: &Mutex<Registry>, now: u64) {
    let mut reg = links.lock().unwrap();
    for r in st.regions.values_mut() {
        for c in r.vpn_connections.values_mut() {
            let state = c.phase.get(now);
            if matches!(state, "deleting" | "deleted") {
                reg.remove_aws(&c.id);
                for t in c.tunnels.iter_mut() {
                    if t.status != "DOWN" {
                        t.changed_ms = now;
                    }
                    t.status = "DOWN";
                    t.status_message = "VPN connection deleted".into();
                }
                continue;
            }
            for (i, t) in c.tunnels.iter().enumerate() {
                reg.publish_aws(AwsTunnel {
                    vpn_connection_id: c.id.clone(),
                    tunnel: i as u8 + 1,
                    outside_ip: t.outside_ip.to_string(),
                    customer_gateway_ip: c.cgw_ip.clone(),
                    customer_gateway_asn: c.cgw_asn as u32,
                    amazon_side_asn: c.amazon_asn as u32,
                    psk: t.psk.clone(),
                    inside_cidr: t.inside_cidr.to_string(),
                    static_routes_only: c.static_routes_only,
                    static_routes: c.routes.clone(),
                    ready: state != "pending" && now >= t.modifying_until,
                });
            }
            for (i, t) in c.tunnels.iter_mut().enumerate() {
                let (status, msg) = match reg.aws_tunnel_status(&c.id, i as u8 + 1) {
                    Ok(()) => ("UP", String::new()),
                    Err(e) => ("DOWN", e),
                };
                if status != t.status {
                    t.changed_ms = now;
                }
                t.status = status;
                t.status_message = msg;
            }
        }
    }
}

/// `CreateVpnConnection` on a VGW or a TGW.
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let q = &cx.q;
    let cgw_id = q.req("CustomerGatewayId")?.to_string();
    let typ = q.req("Type")?.to_string();
    if typ != "ipsec.1" {
        return Err(Ec2Error::invalid(format!(
            "Value ({typ}) for parameter type is invalid."
        )));
    }
    let vgw_id = q
        .get("VpnGatewayId")
        .filter(|s| !s.is_empty())
        .map(String::from);
    let tgw_id = q
        .get("TransitGatewayId")
        .filter(|s| !s.is_empty())
        .map(String::from);
    let opts = q.nested("Options");
    let tags = q.tag_specs("vpn-connection")?;
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    let cgw = r
        .customer_gateways
        .get(&cgw_id)
        .ok_or_else(|| Ec2Error::not_found("InvalidCustomerGatewayID", "customerGateway", &cgw_id))?
        .clone();
    if matches!(cgw.phase.get(now), "deleting" | "deleted") {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!(
                "The customer gateway '{cgw_id}' is in state {}.",
                cgw.phase.get(now)
            ),
        ));
    }
    let amazon_asn = match (&vgw_id, &tgw_id) {
        (Some(_), Some(_)) => {
            return Err(Ec2Error::invalid(
                "The VpnGatewayId and TransitGatewayId parameters cannot both be specified.",
            ))
        }
        (None, None) => return Err(Ec2Error::missing("VpnGatewayId or TransitGatewayId")),
        // rule: AWS-VPN-ON-DETACHED-VGW. The gateway must exist and not be going away;
        // whether it is attached to a VPC does not matter (the API reference asks for "an
        // existing virtual private gateway", nothing more).
        (Some(v), None) => {
            let g = r
                .vpn_gateways
                .get(v)
                .ok_or_else(|| Ec2Error::not_found("InvalidVpnGatewayID", "vpnGateway", v))?;
            if matches!(g.phase.get(now), "deleting" | "deleted") {
                return Err(Ec2Error::new(
                    "IncorrectState",
                    format!("The vpn gateway '{v}' is in state {}.", g.phase.get(now)),
                ));
            }
            g.asn
        }
        // rule: AWS-TGW-ASN. A VPN on a transit gateway peers (BGP) with the TGW's own
        // AmazonSideAsn, on a VGW with the VGW's; the tunnels publish it to the link registry,
        // which compares it with the Azure local network gateway's BGP ASN.
        (None, Some(t)) => transit_gateway::require_available(st, cx, t)?.asn,
    };
    let static_routes_only = opts.bool("StaticRoutesOnly")?.unwrap_or(false);
    let specs = opts.structs("TunnelOptions");
    if specs.len() > 2 {
        return Err(Ec2Error::invalid(
            "A VPN connection has two tunnels: at most 2 TunnelOptions may be given.",
        ));
    }
    let mut used = used_inside(st, cx, vgw_id.as_deref(), tgw_id.as_deref(), None);
    let mut tunnels = Vec::new();
    for i in 0..2 {
        let spec = specs.get(i).cloned().unwrap_or_default();
        let inside = match spec.get("TunnelInsideCidr").filter(|s| !s.is_empty()) {
            Some(c) => {
                let net = check_inside_cidr(c)?;
                // Unique per VGW; a TGW does not require it (AWS VPN user guide, "Tunnel
                // options"), but two tunnels of one connection never share a block.
                let clash = if vgw_id.is_some() {
                    used.contains(&net)
                } else {
                    tunnels
                        .iter()
                        .any(|(c, _, _): &(Ipv4Net, String, Query)| *c == net)
                };
                if clash {
                    return Err(Ec2Error::invalid(format!(
                        "The tunnel inside CIDR {net} is already in use by another VPN tunnel on this gateway."
                    )));
                }
                net
            }
            None => random_inside(st, &used),
        };
        used.push(inside);
        let psk = match spec.get("PreSharedKey").filter(|s| !s.is_empty()) {
            Some(p) => {
                check_psk(p)?;
                p.to_string()
            }
            None => generate_psk(st),
        };
        tunnels.push((inside, psk, spec));
    }
    let id = st.id("vpn");
    let mut built = Vec::new();
    for (inside, psk, spec) in tunnels {
        let ip = allocate_outside_ip(st)?;
        let mut t = new_tunnel(ip, inside, psk, now);
        apply_options(&mut t, &spec)?;
        t.logs.apply(&spec)?;
        built.push(t);
    }
    let ready = cx.done_at(Op::VpnConnectionCreate);
    let tgw_attachment_id = match &tgw_id {
        Some(t) => {
            let tgw = transit_gateway::require_available(st, cx, t)?;
            Some(transit_gateway::insert_attachment(
                st,
                cx,
                &tgw,
                "vpn",
                &id,
                vec![],
                ready,
            ))
        }
        None => None,
    };
    let c = VpnConnection {
        id: id.clone(),
        typ,
        customer_gateway_id: cgw_id,
        cgw_ip: cgw.ip.clone(),
        cgw_asn: cgw.bgp_asn,
        vpn_gateway_id: vgw_id,
        transit_gateway_id: tgw_id,
        tgw_attachment_id,
        amazon_asn,
        static_routes_only,
        local_cidr: opts
            .get("LocalIpv4NetworkCidr")
            .unwrap_or("0.0.0.0/0")
            .to_string(),
        remote_cidr: opts
            .get("RemoteIpv4NetworkCidr")
            .unwrap_or("0.0.0.0/0")
            .to_string(),
        enable_acceleration: opts.bool("EnableAcceleration")?.unwrap_or(false),
        tunnels: built,
        routes: vec![],
        phase: Phase::new("pending", "available", ready),
        created_ms: now,
        tags,
    };
    cx.record(&id, ready);
    sync_later(cx.emu, ready);
    let mut x = Xml::new();
    x.nest("vpnConnection", |x| c.write(x, now));
    st.region(cx.account(), cx.region_name())
        .vpn_connections
        .insert(id, c);
    Ok(x)
}

/// `DescribeVpnConnections`.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpnConnectionId");
    let filters = cx.q.filters();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.vpn_connections.contains_key(id) {
            return Err(Ec2Error::not_found(
                "InvalidVpnConnectionID",
                "vpnConnection",
                id,
            ));
        }
    }
    let mut out = Vec::new();
    for c in r.vpn_connections.values() {
        if !ids.is_empty() && !ids.contains(&c.id) {
            continue;
        }
        let ok = query::matches(&filters, &c.tags, |name| match name {
            "vpn-connection-id" => Some(vec![c.id.clone()]),
            "customer-gateway-id" => Some(vec![c.customer_gateway_id.clone()]),
            "vpn-gateway-id" => Some(c.vpn_gateway_id.clone().into_iter().collect()),
            "transit-gateway-id" => Some(c.transit_gateway_id.clone().into_iter().collect()),
            "state" => Some(vec![c.phase.get(now).to_string()]),
            "type" => Some(vec![c.typ.clone()]),
            "bgp-asn" => Some(vec![c.cgw_asn.to_string()]),
            "option.static-routes-only" => Some(vec![c.static_routes_only.to_string()]),
            "route.destination-cidr-block" => Some(c.routes.clone()),
            "customer-gateway-configuration" => Some(vec![c.config()]),
            _ => None,
        })?;
        if ok {
            out.push(c);
        }
    }
    let mut x = Xml::new();
    x.list("vpnConnectionSet", out, |x, c| c.write(x, now));
    Ok(x)
}

/// `DeleteVpnConnection`: deleting -> deleted; a TGW attachment goes with it.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let done = cx.done_at(Op::VpnConnectionDelete);
    let now = cx.now;
    let c = find(st, cx, &id)?;
    if !matches!(c.phase.get(now), "deleting" | "deleted") {
        c.phase = Phase::new("deleting", "deleted", done);
        cx.record(&id, done);
        if let Some(a) = c.tgw_attachment_id.clone() {
            if let Some(att) = st
                .region(cx.account(), cx.region_name())
                .tgw_attachments
                .get_mut(&a)
            {
                att.phase = Phase::new("deleting", "deleted", done);
            }
        }
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

fn live<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut VpnConnection> {
    let now = cx.now;
    let c = find(st, cx, id)?;
    let s = c.phase.get(now);
    if matches!(s, "deleting" | "deleted") {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("The VPN connection '{id}' is in state {s}."),
        ));
    }
    Ok(c)
}

/// `CreateVpnConnectionRoute` (static-routing connections only).
pub fn create_route(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let dest = super::vpc::parse_cidr(cx.q.req("DestinationCidrBlock")?, "destinationCidrBlock")?
        .to_string();
    let c = live(st, cx, &id)?;
    if !c.static_routes_only {
        return Err(Ec2Error::invalid(format!(
            "The VPN connection '{id}' uses dynamic routing; static routes need StaticRoutesOnly."
        )));
    }
    if c.routes.contains(&dest) {
        return Err(Ec2Error::new(
            "RouteAlreadyExists",
            format!("The route identified by {dest} already exists."),
        ));
    }
    c.routes.push(dest);
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DeleteVpnConnectionRoute`.
pub fn delete_route(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let dest = cx.q.req("DestinationCidrBlock")?.to_string();
    let c = find(st, cx, &id)?;
    let before = c.routes.len();
    c.routes.retain(|r| *r != dest);
    if c.routes.len() == before {
        return Err(Ec2Error::new(
            "InvalidRoute.NotFound",
            format!("The route identified by {dest} does not exist for VPN connection {id}."),
        ));
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

fn require_available(c: &VpnConnection, now: u64) -> R<()> {
    let s = c.phase.get(now);
    if s != "available" {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!(
                "The VPN connection '{}' is in state {s}; it can be modified only when available.",
                c.id
            ),
        ));
    }
    Ok(())
}

/// `ModifyVpnTunnelOptions`: the tunnel selected by its outside IP takes new options and is
/// down while AWS reconfigures it; the connection reads `modifying` meanwhile, the state the
/// Terraform AWS provider waits out after this call (`waitVPNConnectionUpdated`).
pub fn modify_tunnel(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let ip = cx.q.req("VpnTunnelOutsideIpAddress")?.to_string();
    let spec = cx.q.nested("TunnelOptions");
    let now = cx.now;
    let c = find(st, cx, &id)?.clone();
    require_available(&c, now)?;
    let idx = c
        .tunnels
        .iter()
        .position(|t| t.outside_ip.to_string() == ip)
        .ok_or_else(|| {
            Ec2Error::invalid(format!(
                "The VPN tunnel outside IP address {ip} does not belong to {id}."
            ))
        })?;
    let mut t = c.tunnels[idx].clone();
    if let Some(cidr) = spec.get("TunnelInsideCidr").filter(|s| !s.is_empty()) {
        let net = check_inside_cidr(cidr)?;
        let used = used_inside(
            st,
            cx,
            c.vpn_gateway_id.as_deref(),
            c.transit_gateway_id.as_deref(),
            Some((&id, idx)),
        );
        let clash = if c.vpn_gateway_id.is_some() {
            used.contains(&net)
        } else {
            c.tunnels[1 - idx].inside_cidr == net
        };
        if clash {
            return Err(Ec2Error::invalid(format!("The tunnel inside CIDR {net} is already in use by another VPN tunnel on this gateway.")));
        }
        t.inside_cidr = net;
    }
    if let Some(psk) = spec.get("PreSharedKey").filter(|s| !s.is_empty()) {
        check_psk(psk)?;
        t.psk = psk.to_string();
    }
    apply_options(&mut t, &spec)?;
    t.logs.apply(&spec)?;
    let done = cx.done_at(Op::VpnTunnelModify);
    t.modifying_until = done;
    let c = find(st, cx, &id)?;
    c.tunnels[idx] = t;
    c.phase = Phase::new("modifying", "available", done);
    cx.record(&id, done);
    sync_later(cx.emu, done);
    let c = c.clone();
    let mut x = Xml::new();
    x.nest("vpnConnection", |x| c.write(x, now));
    Ok(x)
}

/// `ModifyVpnConnectionOptions`: traffic selectors; both tunnels go down meanwhile
/// (anchors.md section 6, "Tunnel disruption on change").
pub fn modify_options(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnConnectionId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::VpnTunnelModify);
    let local =
        cx.q.get("LocalIpv4NetworkCidr")
            .map(|s| super::vpc::parse_cidr(s, "LocalIpv4NetworkCidr"))
            .transpose()?;
    let remote =
        cx.q.get("RemoteIpv4NetworkCidr")
            .map(|s| super::vpc::parse_cidr(s, "RemoteIpv4NetworkCidr"))
            .transpose()?;
    let c = find(st, cx, &id)?;
    require_available(c, now)?;
    if let Some(l) = local {
        c.local_cidr = l.to_string();
    }
    if let Some(r) = remote {
        c.remote_cidr = r.to_string();
    }
    for t in c.tunnels.iter_mut() {
        t.modifying_until = done;
    }
    c.phase = Phase::new("modifying", "available", done);
    cx.record(&id, done);
    sync_later(cx.emu, done);
    let c = c.clone();
    let mut x = Xml::new();
    x.nest("vpnConnection", |x| c.write(x, now));
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_cidrs_must_be_unreserved_link_local_slash_30s() {
        assert!(check_inside_cidr("169.254.21.0/30").is_ok());
        assert!(check_inside_cidr("169.254.0.0/30").is_err());
        assert!(check_inside_cidr("169.254.169.252/30").is_err());
        assert!(check_inside_cidr("169.254.21.0/29").is_err());
        assert!(check_inside_cidr("10.0.0.0/30").is_err());
        assert!(check_inside_cidr("169.254.21.1/30").is_err());
    }

    #[test]
    fn psks_follow_the_aws_alphabet() {
        assert!(check_psk("abc_def.123").is_ok());
        assert!(check_psk("0abcdefgh").is_err());
        assert!(check_psk("short").is_err());
        assert!(check_psk("has-dash-1").is_err());
        let mut st = State::new(1);
        for _ in 0..50 {
            assert!(check_psk(&generate_psk(&mut st)).is_ok());
        }
    }
}
