//! EC2 site-to-site VPN connections: create with per-tunnel options, find (by id or tags),
//! wait, delete, static routes, and one-tunnel-at-a-time changes of a tunnel's PSK, IKE/IPsec
//! options and CloudWatch Logs options (each read back per tunnel).
//!
//! Tunnels are identified by outside IP and inside CIDR, never by position: the
//! `CustomerGatewayConfiguration` XML may list them in another order than the options
//! (terraform-provider-aws #5809, #13487, #16928, #19079). PSKs never reach the logs:
//! [`Tunnel`] and [`TunnelSpec`] redact them in `Debug`, and no tracing field carries one.

use super::account::Ec2;
use super::coalesce::Keys;
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::Result;
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use aws_sdk_ec2::types::{
    CloudWatchLogOptionsSpecification, Filter, IkeVersionsRequestListValue,
    ModifyVpnTunnelOptionsSpecification, Phase1DhGroupNumbersRequestListValue,
    Phase1EncryptionAlgorithmsRequestListValue, Phase1IntegrityAlgorithmsRequestListValue,
    Phase2DhGroupNumbersRequestListValue, Phase2EncryptionAlgorithmsRequestListValue,
    Phase2IntegrityAlgorithmsRequestListValue, ResourceType, VpnConnectionOptionsSpecification,
    VpnTunnelLogOptionsSpecification, VpnTunnelOptionsSpecification,
};
use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

/// [`Ec2::wait_vpn_connection_available`] after a create: pending `pending`, `modifying`
/// (terraform-provider-aws `vpnStateModifying`), target `available`; `deleting` and
/// `deleted` fail, as botocore's VpnConnectionAvailable. Limit: terraform-provider-aws
/// `vpnConnectionCreatedTimeout` (40 min, `internal/service/ec2/wait.go`).
pub const VPN_CONNECTION_AVAILABLE: StateWait = StateWait {
    pending: &["pending", "modifying"],
    target: &["available"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(40 * 60),
    limit_source: "terraform-provider-aws vpnConnectionCreatedTimeout",
};

/// [`Ec2::wait_vpn_connection_updated`] after a tunnel change: the states of
/// [`VPN_CONNECTION_AVAILABLE`], but the object must still exist. Limit:
/// terraform-provider-aws `vpnConnectionUpdatedTimeout` (30 min).
pub const VPN_CONNECTION_UPDATED: StateWait = StateWait {
    absent: Absent::Failure,
    default_limit: Duration::from_secs(30 * 60),
    limit_source: "terraform-provider-aws vpnConnectionUpdatedTimeout",
    ..VPN_CONNECTION_AVAILABLE
};

/// Where a tunnel's activity log goes (`TunnelOptions.LogOptions.CloudWatchLogOptions`
/// with `LogEnabled` true). `None` in [`TunnelSpec`], [`Tunnel`] and
/// [`Ec2::modify_vpn_tunnel_log_options`] means logging is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelLogOptions {
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`.
    pub log_group_arn: String,
    /// `json` or `text` (AWS's `LogOutputFormat`).
    pub output_format: String,
}

impl TunnelLogOptions {
    /// The request shape; `None` switches logging off (`LogEnabled` false).
    fn to_sdk(options: Option<&TunnelLogOptions>) -> VpnTunnelLogOptionsSpecification {
        let cw = match options {
            Some(o) => CloudWatchLogOptionsSpecification::builder()
                .log_enabled(true)
                .log_group_arn(&o.log_group_arn)
                .log_output_format(&o.output_format),
            None => CloudWatchLogOptionsSpecification::builder().log_enabled(false),
        };
        VpnTunnelLogOptionsSpecification::builder()
            .cloud_watch_log_options(cw.build())
            .build()
    }

    /// The read-back shape; logging that is off (or has no log group) is `None`.
    fn from_sdk(options: Option<&aws_sdk_ec2::types::VpnTunnelLogOptions>) -> Option<Self> {
        let cw = options?.cloud_watch_log_options()?;
        if cw.log_enabled() != Some(true) {
            return None;
        }
        Some(TunnelLogOptions {
            log_group_arn: cw.log_group_arn().filter(|a| !a.is_empty())?.to_string(),
            output_format: cw.log_output_format().unwrap_or("json").to_string(),
        })
    }
}

/// [`Ec2::wait_vpn_connection_deleted`]: pending `available`, `modifying`, `deleting`;
/// target `deleted` or absent. Limit: terraform-provider-aws `vpnConnectionDeletedTimeout`
/// (30 min).
pub const VPN_CONNECTION_DELETED: StateWait = StateWait {
    pending: &["available", "modifying", "deleting"],
    target: &["deleted"],
    absent: Absent::Target,
    default_limit: Duration::from_secs(30 * 60),
    limit_source: "terraform-provider-aws vpnConnectionDeletedTimeout",
};

/// Our limit for a static route's state change. terraform-provider-aws allows 15 s
/// (`vpnConnectionRouteCreatedTimeout` / `...DeletedTimeout`); we allow 5 min because the
/// pending phase of real AWS and of the emulator's slow profiles varies.
const VPN_CONNECTION_ROUTE_LIMIT: Duration = Duration::from_secs(5 * 60);

/// [`Ec2::wait_vpn_connection_route_available`]: pending `pending` (or not listed yet),
/// target `available`.
pub const VPN_CONNECTION_ROUTE_AVAILABLE: StateWait = StateWait {
    pending: &["pending"],
    target: &["available"],
    absent: Absent::Pending,
    default_limit: VPN_CONNECTION_ROUTE_LIMIT,
    limit_source: "cloudlink's route limit; terraform-provider-aws allows 15 s",
};

/// [`Ec2::wait_vpn_connection_route_deleted`]: pending `available`, `pending`, `deleting`;
/// target `deleted` or not listed.
pub const VPN_CONNECTION_ROUTE_DELETED: StateWait = StateWait {
    pending: &["available", "pending", "deleting"],
    target: &["deleted"],
    absent: Absent::Target,
    default_limit: VPN_CONNECTION_ROUTE_LIMIT,
    limit_source: "cloudlink's route limit; terraform-provider-aws allows 15 s",
};

impl Stateful for VpnConnection {
    fn state(&self) -> &str {
        &self.state
    }
}

/// Where a VPN connection terminates on the AWS side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpnTarget {
    /// A virtual private gateway (`vgw-...`).
    VpnGateway(String),
    /// A transit gateway (`tgw-...`).
    TransitGateway(String),
}

/// Options of one tunnel at create time. Empty lists leave AWS's defaults.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TunnelSpec {
    /// `169.254.x.y/30`; AWS picks one when absent.
    pub inside_cidr: Option<String>,
    /// Pre-shared key; AWS generates one when absent.
    pub psk: Option<String>,
    /// e.g. `AES256`, `AES256-GCM-16`.
    pub phase1_encryption: Vec<String>,
    /// e.g. `AES256`.
    pub phase2_encryption: Vec<String>,
    /// e.g. `SHA2-256`.
    pub phase1_integrity: Vec<String>,
    /// e.g. `SHA2-256`.
    pub phase2_integrity: Vec<String>,
    /// e.g. 14, 24.
    pub phase1_dh_groups: Vec<i32>,
    /// e.g. 14, 24.
    pub phase2_dh_groups: Vec<i32>,
    /// `ikev1`, `ikev2`.
    pub ike_versions: Vec<String>,
    /// IPsec (phase 2) SA lifetime in seconds (900-3600); `None` = AWS's 3600.
    pub phase2_lifetime_seconds: Option<i32>,
    /// IKE (phase 1) SA lifetime in seconds (900-28800); `None` = AWS's 28800.
    pub phase1_lifetime_seconds: Option<i32>,
    /// Dead peer detection timeout in seconds (at least 30); `None` = AWS's default.
    pub dpd_timeout_seconds: Option<i32>,
    /// After a DPD timeout: `clear`, `none` or `restart`; `None` = AWS's `clear`.
    pub dpd_timeout_action: Option<String>,
    /// `add` (the device starts IKE) or `start` (AWS does); `None` = AWS's `add`.
    pub startup_action: Option<String>,
    /// CloudWatch Logs destination of the tunnel's activity log; `None` = off.
    pub log_options: Option<TunnelLogOptions>,
}

impl fmt::Debug for TunnelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TunnelSpec")
            .field("inside_cidr", &self.inside_cidr)
            .field("psk", &self.psk.as_ref().map(|_| "<redacted>"))
            .field("phase1_encryption", &self.phase1_encryption)
            .field("phase2_encryption", &self.phase2_encryption)
            .field("phase1_integrity", &self.phase1_integrity)
            .field("phase2_integrity", &self.phase2_integrity)
            .field("phase1_dh_groups", &self.phase1_dh_groups)
            .field("phase2_dh_groups", &self.phase2_dh_groups)
            .field("ike_versions", &self.ike_versions)
            .field("phase2_lifetime_seconds", &self.phase2_lifetime_seconds)
            .field("phase1_lifetime_seconds", &self.phase1_lifetime_seconds)
            .field("dpd_timeout_seconds", &self.dpd_timeout_seconds)
            .field("dpd_timeout_action", &self.dpd_timeout_action)
            .field("startup_action", &self.startup_action)
            .field("log_options", &self.log_options)
            .finish()
    }
}

/// Everything needed to create a VPN connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpnConnectionSpec {
    /// The customer gateway (`cgw-...`).
    pub customer_gateway_id: String,
    /// VGW or TGW.
    pub target: VpnTarget,
    /// Static routing (true) or BGP (false).
    pub static_routes_only: bool,
    /// Up to two tunnel specs, in AWS's tunnel order.
    pub tunnels: Vec<TunnelSpec>,
    /// Ownership and user tags.
    pub tags: Tags,
}

/// One tunnel as read back.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tunnel {
    /// AWS endpoint's public IP.
    pub outside_ip: String,
    /// Inside CIDR (`169.254.21.0/30`); AWS uses the first host, the peer the second.
    pub inside_cidr: String,
    /// Pre-shared key; `None` when AWS does not return it (e.g. Secrets Manager storage).
    pub psk: Option<String>,
    /// `UP` or `DOWN` from VGW telemetry, matched by outside IP.
    pub status: Option<String>,
    /// Telemetry status message.
    pub status_message: Option<String>,
    /// Where the tunnel's activity log goes; `None` when logging is off.
    pub log_options: Option<TunnelLogOptions>,
    /// The tunnel's IKE/IPsec options as AWS reports them (lists, lifetimes, DPD, startup
    /// action; AWS lists every permitted value when none was chosen), in the shape of a
    /// [`TunnelSpec`] so a plan can compare them with the desired ones. Its `inside_cidr`,
    /// `psk` and `log_options` are always `None` (they are this struct's own fields).
    pub options: TunnelSpec,
}

impl fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tunnel")
            .field("outside_ip", &self.outside_ip)
            .field("inside_cidr", &self.inside_cidr)
            .field("psk", &self.psk.as_ref().map(|_| "<redacted>"))
            .field("status", &self.status)
            .field("status_message", &self.status_message)
            .field("log_options", &self.log_options)
            .field("options", &self.options)
            .finish()
    }
}

/// The IKE/IPsec options of a tunnel as read back.
fn read_options(t: &aws_sdk_ec2::types::TunnelOption) -> TunnelSpec {
    let strings = |v: Vec<Option<&str>>| v.into_iter().flatten().map(str::to_string).collect();
    TunnelSpec {
        phase1_encryption: strings(
            t.phase1_encryption_algorithms()
                .iter()
                .map(|v| v.value())
                .collect(),
        ),
        phase2_encryption: strings(
            t.phase2_encryption_algorithms()
                .iter()
                .map(|v| v.value())
                .collect(),
        ),
        phase1_integrity: strings(
            t.phase1_integrity_algorithms()
                .iter()
                .map(|v| v.value())
                .collect(),
        ),
        phase2_integrity: strings(
            t.phase2_integrity_algorithms()
                .iter()
                .map(|v| v.value())
                .collect(),
        ),
        phase1_dh_groups: t
            .phase1_dh_group_numbers()
            .iter()
            .filter_map(|v| v.value())
            .collect(),
        phase2_dh_groups: t
            .phase2_dh_group_numbers()
            .iter()
            .filter_map(|v| v.value())
            .collect(),
        ike_versions: strings(t.ike_versions().iter().map(|v| v.value()).collect()),
        phase1_lifetime_seconds: t.phase1_lifetime_seconds(),
        phase2_lifetime_seconds: t.phase2_lifetime_seconds(),
        dpd_timeout_seconds: t.dpd_timeout_seconds(),
        dpd_timeout_action: t.dpd_timeout_action().map(str::to_string),
        startup_action: t.startup_action().map(str::to_string),
        ..Default::default()
    }
}

/// A VPN connection as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpnConnection {
    /// `vpn-...`.
    pub id: String,
    /// `pending`, `available`, `deleting` or `deleted`.
    pub state: String,
    /// The customer gateway.
    pub customer_gateway_id: String,
    /// The VGW, if the target is one.
    pub vpn_gateway_id: Option<String>,
    /// The TGW, if the target is one.
    pub transit_gateway_id: Option<String>,
    /// Static routing.
    pub static_routes_only: bool,
    /// Static route CIDRs (not deleted).
    pub routes: Vec<String>,
    /// Tunnels sorted by outside IP; look them up with [`VpnConnection::tunnel_by_inside_cidr`]
    /// or [`VpnConnection::tunnel_by_outside_ip`], never by index.
    pub tunnels: Vec<Tunnel>,
    /// All tags.
    pub tags: Tags,
}

impl VpnConnection {
    /// The tunnel with this inside CIDR.
    pub fn tunnel_by_inside_cidr(&self, cidr: &str) -> Option<&Tunnel> {
        self.tunnels.iter().find(|t| t.inside_cidr == cidr)
    }

    /// The tunnel with this outside IP.
    pub fn tunnel_by_outside_ip(&self, ip: &str) -> Option<&Tunnel> {
        self.tunnels.iter().find(|t| t.outside_ip == ip)
    }
}

/// One `<ipsec_tunnel>` of the customer gateway configuration XML.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct XmlTunnel {
    /// `vpn_gateway/tunnel_outside_address/ip_address`.
    pub outside_ip: String,
    /// Network of `vpn_gateway/tunnel_inside_address` (`ip_address` + `network_cidr`).
    pub inside_cidr: String,
    /// `ike/pre_shared_key`.
    pub psk: Option<String>,
}

impl fmt::Debug for XmlTunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlTunnel")
            .field("outside_ip", &self.outside_ip)
            .field("inside_cidr", &self.inside_cidr)
            .field("psk", &self.psk.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Inner text of every `<tag ...>...</tag>` in `xml` (no nesting of the same tag).
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<tag>` or `<tag attr=...>`, not `<tag_other>`.
        match after.chars().next() {
            Some('>') | Some(' ') | Some('\t') | Some('\n') | Some('\r') | Some('/') => {}
            _ => {
                rest = after;
                continue;
            }
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push("");
            rest = &after[gt + 1..];
            continue;
        }
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end + close.len()..];
    }
    out
}

/// Inner text of the first element along `path` (`vpn_gateway/tunnel_outside_address/ip_address`).
fn element_path<'a>(xml: &'a str, path: &str) -> Option<&'a str> {
    let mut cur = xml;
    for tag in path.split('/') {
        cur = elements(cur, tag).into_iter().next()?;
    }
    Some(cur)
}

fn unescape(s: &str) -> String {
    s.trim()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Parses the tunnels of a `CustomerGatewayConfiguration` document, in document order
/// (which is *not* a tunnel identity; see [`match_tunnels`]).
pub fn parse_customer_gateway_configuration(xml: &str) -> Vec<XmlTunnel> {
    elements(xml, "ipsec_tunnel")
        .into_iter()
        .map(|t| {
            let outside_ip = element_path(t, "vpn_gateway/tunnel_outside_address/ip_address")
                .map(unescape)
                .unwrap_or_default();
            let inside_ip =
                element_path(t, "vpn_gateway/tunnel_inside_address/ip_address").map(unescape);
            let prefix = element_path(t, "vpn_gateway/tunnel_inside_address/network_cidr")
                .and_then(|p| unescape(p).parse::<u8>().ok())
                .unwrap_or(30);
            let inside_cidr = inside_ip
                .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
                .and_then(|ip| ipnet::Ipv4Net::new(ip, prefix).ok())
                .map(|n| n.trunc().to_string())
                .unwrap_or_default();
            let psk = element_path(t, "ike/pre_shared_key")
                .map(unescape)
                .filter(|p| !p.is_empty());
            XmlTunnel {
                outside_ip,
                inside_cidr,
                psk,
            }
        })
        .collect()
}

/// Combines the tunnels of `options.tunnelOptions` (authoritative for outside IP, inside
/// CIDR and, when present, PSK) with those of the XML (fallback PSK, and everything when
/// the options are missing). XML tunnels are matched by outside IP, then by inside CIDR,
/// never by position. The result is sorted by outside IP.
pub fn match_tunnels(options: &[Tunnel], xml: &[XmlTunnel]) -> Vec<Tunnel> {
    let mut used = vec![false; xml.len()];
    let mut out: Vec<Tunnel> = Vec::new();
    for o in options {
        let idx = xml
            .iter()
            .enumerate()
            .position(|(i, x)| !used[i] && !o.outside_ip.is_empty() && x.outside_ip == o.outside_ip)
            .or_else(|| {
                xml.iter().enumerate().position(|(i, x)| {
                    !used[i] && !o.inside_cidr.is_empty() && x.inside_cidr == o.inside_cidr
                })
            });
        let mut t = o.clone();
        if let Some(i) = idx {
            used[i] = true;
            let x = &xml[i];
            if t.psk.is_none() {
                t.psk = x.psk.clone();
            }
            if t.inside_cidr.is_empty() {
                t.inside_cidr = x.inside_cidr.clone();
            }
            if t.outside_ip.is_empty() {
                t.outside_ip = x.outside_ip.clone();
            }
        }
        out.push(t);
    }
    if options.is_empty() {
        for x in xml {
            out.push(Tunnel {
                outside_ip: x.outside_ip.clone(),
                inside_cidr: x.inside_cidr.clone(),
                psk: x.psk.clone(),
                ..Default::default()
            });
        }
    }
    out.sort_by_key(|t| {
        t.outside_ip
            .parse::<Ipv4Addr>()
            .map(u32::from)
            .unwrap_or(u32::MAX)
    });
    out
}

impl From<&aws_sdk_ec2::types::VpnConnection> for VpnConnection {
    fn from(v: &aws_sdk_ec2::types::VpnConnection) -> Self {
        let opts = v.options();
        let option_tunnels: Vec<Tunnel> = opts
            .map(|o| o.tunnel_options())
            .unwrap_or_default()
            .iter()
            .map(|t| Tunnel {
                outside_ip: t.outside_ip_address().unwrap_or_default().to_string(),
                inside_cidr: t.tunnel_inside_cidr().unwrap_or_default().to_string(),
                psk: t
                    .pre_shared_key()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
                status: None,
                status_message: None,
                log_options: TunnelLogOptions::from_sdk(t.log_options()),
                options: read_options(t),
            })
            .collect();
        let xml = v
            .customer_gateway_configuration()
            .map(parse_customer_gateway_configuration)
            .unwrap_or_default();
        let mut tunnels = match_tunnels(&option_tunnels, &xml);
        for t in &mut tunnels {
            if let Some(tel) = v
                .vgw_telemetry()
                .iter()
                .find(|tel| tel.outside_ip_address() == Some(t.outside_ip.as_str()))
            {
                t.status = tel.status().map(|s| s.as_str().to_string());
                t.status_message = tel.status_message().map(str::to_string);
            }
        }
        VpnConnection {
            id: v.vpn_connection_id().unwrap_or_default().to_string(),
            state: v
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            customer_gateway_id: v.customer_gateway_id().unwrap_or_default().to_string(),
            vpn_gateway_id: v
                .vpn_gateway_id()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string),
            transit_gateway_id: v
                .transit_gateway_id()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            static_routes_only: opts.and_then(|o| o.static_routes_only()).unwrap_or(false),
            routes: v
                .routes()
                .iter()
                .filter(|r| !matches!(r.state().map(|s| s.as_str()), Some("deleted" | "deleting")))
                .filter_map(|r| r.destination_cidr_block().map(str::to_string))
                .collect(),
            tunnels,
            tags: tags::from_sdk(v.tags()),
        }
    }
}

/// Sets the IKE/IPsec options of `$t` (a [`TunnelSpec`]) on `$b`, a builder of either
/// `VpnTunnelOptionsSpecification` (create) or `ModifyVpnTunnelOptionsSpecification`
/// (modify): the two SDK shapes have the same members under different types. Empty lists and
/// `None`s are not sent, so AWS keeps its default (create) or the current value (modify).
macro_rules! with_ike_ipsec_options {
    ($b:expr, $t:expr) => {{
        let t: &TunnelSpec = $t;
        let mut b = $b
            .set_phase1_lifetime_seconds(t.phase1_lifetime_seconds)
            .set_phase2_lifetime_seconds(t.phase2_lifetime_seconds)
            .set_dpd_timeout_seconds(t.dpd_timeout_seconds)
            .set_dpd_timeout_action(t.dpd_timeout_action.clone())
            .set_startup_action(t.startup_action.clone());
        for v in &t.phase1_encryption {
            b = b.phase1_encryption_algorithms(
                Phase1EncryptionAlgorithmsRequestListValue::builder()
                    .value(v)
                    .build(),
            );
        }
        for v in &t.phase2_encryption {
            b = b.phase2_encryption_algorithms(
                Phase2EncryptionAlgorithmsRequestListValue::builder()
                    .value(v)
                    .build(),
            );
        }
        for v in &t.phase1_integrity {
            b = b.phase1_integrity_algorithms(
                Phase1IntegrityAlgorithmsRequestListValue::builder()
                    .value(v)
                    .build(),
            );
        }
        for v in &t.phase2_integrity {
            b = b.phase2_integrity_algorithms(
                Phase2IntegrityAlgorithmsRequestListValue::builder()
                    .value(v)
                    .build(),
            );
        }
        for v in &t.phase1_dh_groups {
            b = b.phase1_dh_group_numbers(
                Phase1DhGroupNumbersRequestListValue::builder()
                    .value(*v)
                    .build(),
            );
        }
        for v in &t.phase2_dh_groups {
            b = b.phase2_dh_group_numbers(
                Phase2DhGroupNumbersRequestListValue::builder()
                    .value(*v)
                    .build(),
            );
        }
        for v in &t.ike_versions {
            b = b.ike_versions(IkeVersionsRequestListValue::builder().value(v).build());
        }
        b
    }};
}

fn tunnel_options(t: &TunnelSpec) -> VpnTunnelOptionsSpecification {
    let b = VpnTunnelOptionsSpecification::builder()
        .set_tunnel_inside_cidr(t.inside_cidr.clone())
        .set_pre_shared_key(t.psk.clone())
        .set_log_options(
            t.log_options
                .as_ref()
                .map(|o| TunnelLogOptions::to_sdk(Some(o))),
        );
    with_ike_ipsec_options!(b, t).build()
}

impl Ec2 {
    /// Creates an `ipsec.1` VPN connection; returns its id. Wait with
    /// [`Ec2::wait_vpn_connection_available`].
    pub async fn create_vpn_connection(&self, spec: &VpnConnectionSpec) -> Result<String> {
        let options = VpnConnectionOptionsSpecification::builder()
            .static_routes_only(spec.static_routes_only)
            .set_tunnel_options(Some(spec.tunnels.iter().map(tunnel_options).collect()))
            .build();
        let mut req = self
            .client
            .create_vpn_connection()
            .r#type("ipsec.1")
            .customer_gateway_id(&spec.customer_gateway_id)
            .options(options)
            .tag_specifications(tags::tag_specification(
                ResourceType::VpnConnection,
                &spec.tags,
            ));
        let target = match &spec.target {
            VpnTarget::VpnGateway(id) => {
                req = req.vpn_gateway_id(id);
                id
            }
            VpnTarget::TransitGateway(id) => {
                req = req.transit_gateway_id(id);
                id
            }
        };
        let cgw = &spec.customer_gateway_id;
        let ctx = || format!("creating EC2 VPN connection ({cgw} -> {target})");
        let secrets: Vec<&str> = spec
            .tunnels
            .iter()
            .filter_map(|t| t.psk.as_deref())
            .collect();
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out
                    .vpn_connection()
                    .and_then(|v| v.vpn_connection_id())
                    .unwrap_or_default()
                    .to_string())
            }
        };
        let adopt = move || async move {
            Ok(self
                .find_vpn_connection_by_tags(&spec.tags)
                .await?
                .map(|v| v.id))
        };
        let id = self.create_adopting(ctx, &secrets, create, adopt).await?;
        tracing::info!(%id, customer_gateway_id = %cgw, %target, "created EC2 VPN connection");
        Ok(id)
    }

    async fn find_vpn_connections(
        &self,
        ids: &[&str],
        filters: Vec<Filter>,
    ) -> Result<Vec<VpnConnection>> {
        let req = self
            .client
            .describe_vpn_connections()
            .set_vpn_connection_ids(
                (!ids.is_empty()).then(|| ids.iter().map(|s| s.to_string()).collect()),
            )
            .set_filters((!filters.is_empty()).then_some(filters));
        not_found_as_empty(
            self.send(
                || format!("reading EC2 VPN connections {ids:?}"),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.vpn_connections()
                    .iter()
                    .map(VpnConnection::from)
                    .collect()
            }),
        )
    }

    /// Status finder: the connection `id` in any state (also `deleted`), or `None`. Coalesced with the
    /// other resources' reads of this run (one DescribeVpnConnections with a `vpn-connection-id` filter,
    /// which unlike the id list does not fail the whole call for one deleted id).
    pub async fn status_vpn_connection(&self, id: &str) -> Result<Option<VpnConnection>> {
        let all = self
            .coalesced(
                "DescribeVpnConnections",
                &[id],
                Keys::Ids(|v: &VpnConnection| &v.id),
                |ec2, select| async move {
                    ec2.find_vpn_connections(&[], select.filters("vpn-connection-id"))
                        .await
                },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 VPN connection ({id})")))?;
        let found: Vec<_> = all.iter().filter(|x| x.id == id).cloned().collect();
        at_most_one("VPN connections", found)
    }

    /// The connection `id`; `deleted` counts as absent.
    pub async fn find_vpn_connection_by_id(&self, id: &str) -> Result<Option<VpnConnection>> {
        Ok(self
            .status_vpn_connection(id)
            .await?
            .filter(|v| v.state != "deleted"))
    }

    /// The live connection carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_vpn_connection_by_tags(&self, tags: &Tags) -> Result<Option<VpnConnection>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let mut filters = tags::ownership_filters(tags);
        filters.push(tags::filter(
            "state",
            &["pending", "available", "modifying"],
        ));
        let found: Vec<_> = self
            .find_vpn_connections(&[], filters)
            .await?
            .into_iter()
            .filter(|v| {
                matches!(v.state.as_str(), "pending" | "available" | "modifying")
                    && tags::owned_by(&v.tags, tags)
            })
            .collect();
        at_most_one("VPN connections with these cloudlink tags", found)
    }

    /// Waits until a new connection `id` is `available` ([`VPN_CONNECTION_AVAILABLE`]).
    pub async fn wait_vpn_connection_available(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<VpnConnection> {
        let what = format!("EC2 VPN connection ({id}) to become available");
        VPN_CONNECTION_AVAILABLE
            .wait_present(&what, cfg, || self.status_vpn_connection(id))
            .await
    }

    /// Waits until connection `id` is `available` again after a tunnel change
    /// ([`VPN_CONNECTION_UPDATED`]).
    pub async fn wait_vpn_connection_updated(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<VpnConnection> {
        let what = format!("EC2 VPN connection ({id}) to finish its tunnel change");
        VPN_CONNECTION_UPDATED
            .wait_present(&what, cfg, || self.status_vpn_connection(id))
            .await
    }

    /// Deletes `id`; already gone counts as success.
    pub async fn delete_vpn_connection(&self, id: &str) -> Result<()> {
        let req = self.client.delete_vpn_connection().vpn_connection_id(id);
        match self
            .send(
                || format!("deleting EC2 VPN connection ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits until `id` is gone ([`VPN_CONNECTION_DELETED`]).
    pub async fn wait_vpn_connection_deleted(&self, id: &str, cfg: &WaitConfig) -> Result<()> {
        let what = format!("EC2 VPN connection ({id}) to be deleted");
        VPN_CONNECTION_DELETED
            .wait_gone(&what, cfg, || self.status_vpn_connection(id))
            .await
    }

    /// Adds static route `cidr` to VPN connection `id`.
    pub async fn create_vpn_connection_route(&self, id: &str, cidr: &str) -> Result<()> {
        let req = self
            .client
            .create_vpn_connection_route()
            .vpn_connection_id(id)
            .destination_cidr_block(cidr);
        self.send(
            || format!("creating EC2 VPN connection route ({id}: {cidr})"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Removes static route `cidr`; a missing route or connection counts as success.
    pub async fn delete_vpn_connection_route(&self, id: &str, cidr: &str) -> Result<()> {
        let req = self
            .client
            .delete_vpn_connection_route()
            .vpn_connection_id(id)
            .destination_cidr_block(cidr);
        match self
            .send(
                || format!("deleting EC2 VPN connection route ({id}: {cidr})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits until static route `cidr` of `id` is `available`
    /// ([`VPN_CONNECTION_ROUTE_AVAILABLE`]).
    pub async fn wait_vpn_connection_route_available(
        &self,
        id: &str,
        cidr: &str,
        cfg: &WaitConfig,
    ) -> Result<()> {
        let what = format!("EC2 VPN connection route ({id}: {cidr}) to be created");
        VPN_CONNECTION_ROUTE_AVAILABLE
            .wait_present(&what, cfg, || self.vpn_connection_route_state(id, cidr))
            .await
            .map(|_| ())
    }

    /// Waits until static route `cidr` of `id` is gone ([`VPN_CONNECTION_ROUTE_DELETED`]).
    pub async fn wait_vpn_connection_route_deleted(
        &self,
        id: &str,
        cidr: &str,
        cfg: &WaitConfig,
    ) -> Result<()> {
        let what = format!("EC2 VPN connection route ({id}: {cidr}) to be deleted");
        VPN_CONNECTION_ROUTE_DELETED
            .wait_gone(&what, cfg, || self.vpn_connection_route_state(id, cidr))
            .await
    }

    /// The state of static route `cidr` of connection `id`; `None` when the route (or the
    /// connection) is not listed.
    async fn vpn_connection_route_state(&self, id: &str, cidr: &str) -> Result<Option<String>> {
        let req = self
            .client
            .describe_vpn_connections()
            .vpn_connection_ids(id);
        let out = self
            .send(
                || format!("reading EC2 VPN connection ({id}) routes"),
                || req.clone().send(),
            )
            .await;
        match out {
            Ok(o) => Ok(o
                .vpn_connections()
                .iter()
                .flat_map(|v| v.routes())
                .find(|r| r.destination_cidr_block() == Some(cidr))
                .map(|r| {
                    r.state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default()
                })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Rotates the PSK of the one tunnel whose outside IP is `outside_ip`; only that tunnel
    /// goes down. Follow with [`Ec2::wait_vpn_connection_available`] before the next tunnel.
    pub async fn modify_vpn_tunnel_psk(&self, id: &str, outside_ip: &str, psk: &str) -> Result<()> {
        let req = self
            .client
            .modify_vpn_tunnel_options()
            .vpn_connection_id(id)
            .vpn_tunnel_outside_ip_address(outside_ip)
            .tunnel_options(
                ModifyVpnTunnelOptionsSpecification::builder()
                    .pre_shared_key(psk)
                    .build(),
            );
        self.send_secret(
            || format!("modifying EC2 VPN connection ({id}) tunnel ({outside_ip}) pre-shared key"),
            &[psk],
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Sets (or with `None` switches off) the CloudWatch Logs options of the one tunnel whose
    /// outside IP is `outside_ip`; its key and options stay. Follow with
    /// [`Ec2::wait_vpn_connection_updated`] before changing the next tunnel.
    pub async fn modify_vpn_tunnel_log_options(
        &self,
        id: &str,
        outside_ip: &str,
        options: Option<&TunnelLogOptions>,
    ) -> Result<()> {
        let req = self
            .client
            .modify_vpn_tunnel_options()
            .vpn_connection_id(id)
            .vpn_tunnel_outside_ip_address(outside_ip)
            .tunnel_options(
                ModifyVpnTunnelOptionsSpecification::builder()
                    .log_options(TunnelLogOptions::to_sdk(options))
                    .build(),
            );
        let what = match options {
            Some(o) => format!("on, to {}", o.log_group_arn),
            None => "off".to_string(),
        };
        self.send(
            || format!("switching EC2 VPN connection ({id}) tunnel ({outside_ip}) logs {what}"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Changes the IKE/IPsec options (algorithms, DH groups, IKE versions, lifetimes, DPD,
    /// startup action) of the one tunnel whose outside IP is `outside_ip` to those of
    /// `options`; its inside CIDR, key and logs are left as they are (those have their own
    /// calls), and so are the options `options` leaves empty. The tunnel renegotiates
    /// meanwhile: follow with [`Ec2::wait_vpn_connection_updated`] before the next tunnel.
    pub async fn modify_vpn_tunnel_ike_ipsec_options(
        &self,
        id: &str,
        outside_ip: &str,
        options: &TunnelSpec,
    ) -> Result<()> {
        let spec = with_ike_ipsec_options!(ModifyVpnTunnelOptionsSpecification::builder(), options)
            .build();
        let req = self
            .client
            .modify_vpn_tunnel_options()
            .vpn_connection_id(id)
            .vpn_tunnel_outside_ip_address(outside_ip)
            .tunnel_options(spec);
        self.send(
            || {
                format!(
                    "modifying EC2 VPN connection ({id}) tunnel ({outside_ip}) IKE/IPsec options"
                )
            },
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shape of AWS's document (two tunnels; note the XML lists tunnel B first).
    const XML: &str = r#"
<?xml version="1.0" encoding="UTF-8"?>
<vpn_connection id="vpn-0abc">
  <customer_gateway_id>cgw-1</customer_gateway_id>
  <vpn_gateway_id> vgw-2 </vpn_gateway_id>
  <vpn_connection_type>ipsec.1</vpn_connection_type>
  <ipsec_tunnel>
    <customer_gateway>
      <tunnel_outside_address><ip_address>20.1.2.3</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>169.254.22.2</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address>
    </customer_gateway>
    <vpn_gateway>
      <tunnel_outside_address><ip_address>52.0.0.20</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>169.254.22.1</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address>
      <bgp><asn>64512</asn><hold_time>30</hold_time></bgp>
    </vpn_gateway>
    <ike><authentication_protocol>sha1</authentication_protocol><pre_shared_key>Key_B.second</pre_shared_key><mode>main</mode></ike>
    <ipsec><protocol>esp</protocol></ipsec>
  </ipsec_tunnel>
  <ipsec_tunnel>
    <customer_gateway>
      <tunnel_outside_address><ip_address>20.1.2.3</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>169.254.21.2</ip_address><network_cidr>30</network_cidr></tunnel_inside_address>
    </customer_gateway>
    <vpn_gateway>
      <tunnel_outside_address><ip_address>52.0.0.3</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>169.254.21.1</ip_address><network_cidr>30</network_cidr></tunnel_inside_address>
    </vpn_gateway>
    <ike><pre_shared_key>Key_A&amp;first</pre_shared_key></ike>
  </ipsec_tunnel>
</vpn_connection>"#;

    #[test]
    fn xml_fallback_reads_outside_ip_inside_cidr_and_psk() {
        let t = parse_customer_gateway_configuration(XML);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].outside_ip, "52.0.0.20");
        assert_eq!(t[0].inside_cidr, "169.254.22.0/30");
        assert_eq!(t[0].psk.as_deref(), Some("Key_B.second"));
        assert_eq!(t[1].outside_ip, "52.0.0.3");
        assert_eq!(t[1].inside_cidr, "169.254.21.0/30");
        assert_eq!(t[1].psk.as_deref(), Some("Key_A&first"));
    }

    #[test]
    fn xml_scanner_ignores_similar_tag_names_and_garbage() {
        assert!(parse_customer_gateway_configuration("not xml at all").is_empty());
        assert_eq!(elements("<a_b>x</a_b><a>y</a>", "a"), vec!["y"]);
        assert_eq!(element_path("<a><b>1</b></a>", "a/b"), Some("1"));
        assert_eq!(element_path("<a><b>1</b></a>", "a/c"), None);
    }

    fn opt(ip: &str, cidr: &str, psk: Option<&str>) -> Tunnel {
        Tunnel {
            outside_ip: ip.into(),
            inside_cidr: cidr.into(),
            psk: psk.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn psk_comes_from_the_matching_xml_tunnel_not_the_same_position() {
        let xml = parse_customer_gateway_configuration(XML);
        // Options in AWS's tunnel order (A then B), no PSKs; XML lists B first.
        let options = vec![
            opt("52.0.0.3", "169.254.21.0/30", None),
            opt("52.0.0.20", "169.254.22.0/30", None),
        ];
        let t = match_tunnels(&options, &xml);
        let by_cidr = |c: &str| t.iter().find(|x| x.inside_cidr == c).unwrap().psk.clone();
        assert_eq!(by_cidr("169.254.21.0/30").as_deref(), Some("Key_A&first"));
        assert_eq!(by_cidr("169.254.22.0/30").as_deref(), Some("Key_B.second"));
        // Sorted numerically by outside IP: 52.0.0.3 before 52.0.0.20.
        assert_eq!(t[0].outside_ip, "52.0.0.3");
    }

    #[test]
    fn options_psk_wins_and_inside_cidr_matches_when_outside_ip_is_missing() {
        let xml = parse_customer_gateway_configuration(XML);
        let options = vec![
            opt("", "169.254.22.0/30", None),
            opt("52.0.0.3", "169.254.21.0/30", Some("FromOptions1")),
        ];
        let t = match_tunnels(&options, &xml);
        let b = t
            .iter()
            .find(|x| x.inside_cidr == "169.254.22.0/30")
            .unwrap();
        assert_eq!(b.outside_ip, "52.0.0.20");
        assert_eq!(b.psk.as_deref(), Some("Key_B.second"));
        let a = t
            .iter()
            .find(|x| x.inside_cidr == "169.254.21.0/30")
            .unwrap();
        assert_eq!(a.psk.as_deref(), Some("FromOptions1"));
    }

    #[test]
    fn without_options_the_xml_tunnels_are_used() {
        let xml = parse_customer_gateway_configuration(XML);
        let t = match_tunnels(&[], &xml);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].outside_ip, "52.0.0.3");
    }

    #[test]
    fn debug_output_never_contains_psks() {
        let t = opt("1.2.3.4", "169.254.21.0/30", Some("SuperSecret_1"));
        let s = TunnelSpec {
            psk: Some("SuperSecret_2".into()),
            ..Default::default()
        };
        let x = parse_customer_gateway_configuration(XML);
        let d = format!("{t:?} {s:?} {x:?}");
        assert!(!d.contains("SuperSecret") && !d.contains("Key_"), "{d}");
    }
}
