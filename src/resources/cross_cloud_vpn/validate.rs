//! Offline validation: one small named validator per cross-cloud rule (anchors.md §6). The
//! schema attaches the one-attribute rules to their attribute (so the walk in
//! `tf::schema::validate_config` reports each on the path it found the value at) and lists
//! the rules over several attributes, [`rules`], on the resource. Unknown values are skipped
//! (checked again at plan). Diagnostics never quote a pre-shared key.

pub use super::ipsec::ipsec_policy;
use super::names::{self, aws as aws_names, azure as azure_names};
use super::sku;
use crate::tf::validator::{self, BlockRule, Validator};
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};
use ipnet::Ipv4Net;
use std::sync::Arc;

fn azure(a: &str) -> AttributePath {
    AttributePath::root().attr(names::AZURE).attr(a)
}

fn err(path: AttributePath, summary: &str, detail: String) -> Option<Diagnostic> {
    Some(Diagnostic::error(summary, detail).with_path(path))
}

fn known_list(v: &Value) -> Option<Vec<String>> {
    (!v.is_null() && v.is_wholly_known())
        .then(|| v.as_string_vec())
        .flatten()
}

/// An attribute validator from a description and a check returning at most one error.
fn one(
    description: impl Into<String>,
    f: fn(&Value, &AttributePath) -> Option<Diagnostic>,
) -> Arc<dyn Validator> {
    validator::check(description, move |v, at| f(v, at).into_iter().collect())
}

/// `routing` is `static` or `bgp`.
pub fn routing_mode(routing: &Value, path: &AttributePath) -> Option<Diagnostic> {
    match routing.as_str() {
        None | Some("static") | Some("bgp") => None,
        Some(o) => err(
            path.clone(),
            "Invalid routing mode",
            format!("routing must be \"static\" or \"bgp\", not {o:?}."),
        ),
    }
}

/// `tunnels` is 1, 2 or 4.
pub fn tunnel_count(tunnels: &Value, path: &AttributePath) -> Option<Diagnostic> {
    match tunnels.as_i64() {
        None if tunnels.is_null() || tunnels.is_unknown() => None,
        Some(1 | 2 | 4) => None,
        _ => err(
            path.clone(),
            "Invalid tunnel count",
            "tunnels must be 1, 2 (both tunnels of one AWS VPN connection) or 4 (active-active with BGP).".into(),
        ),
    }
}

/// Four tunnels need BGP: the active-active gateway balances over BGP, and without BGP only
/// one of two connections carries traffic (MicrosoftDocs/azure-docs#104928).
pub fn four_tunnels_need_bgp(tunnels: &Value, routing: &Value) -> Option<Diagnostic> {
    if tunnels.as_i64() == Some(4) && routing.as_str() == Some("static") {
        return err(
            AttributePath::attrs([names::TUNNELS]),
            "Four tunnels require BGP",
            "tunnels = 4 builds the active-active reference topology, which needs routing = \"bgp\".".into(),
        );
    }
    None
}

/// BGP with two tunnels would need two custom APIPA addresses on an active-standby gateway,
/// which supports only one (MS "How to configure BGP": active-standby, one custom address).
pub fn two_tunnels_bgp_needs_active_active(tunnels: &Value, routing: &Value) -> Option<Diagnostic> {
    if tunnels.as_i64() == Some(2) && routing.as_str() == Some("bgp") {
        return err(
            AttributePath::attrs([names::TUNNELS]),
            "Two BGP tunnels need an active-active gateway",
            "An active-standby Azure gateway accepts only one custom APIPA BGP address, so BGP works with tunnels = 1 or tunnels = 4 (active-active).".into(),
        );
    }
    None
}

/// Exactly one of `aws.vpc_id` and `aws.transit_gateway_id`; route tables only with a VPC;
/// `aws_cidrs` must be given with a transit gateway (there is no VPC to default from).
pub fn aws_target(aws_block: &Value, aws_cidrs: &Value) -> Option<Diagnostic> {
    let vpc = aws_block.attr(aws_names::VPC_ID);
    let tgw = aws_block.attr(aws_names::TRANSIT_GATEWAY_ID);
    if vpc.is_unknown() || tgw.is_unknown() {
        return None;
    }
    if let Some(d) = aws_anchor(aws_block) {
        return Some(d);
    }
    if vpc.is_null() && aws_cidrs.is_null() {
        return err(AttributePath::attrs([names::AWS_CIDRS]), "AWS CIDRs required with a transit gateway", "With aws.transit_gateway_id there is no VPC to take the advertised prefixes from: set aws_cidrs.".into());
    }
    None
}

/// The part of [`aws_target`] every VPN resource with an `aws {}` block shares: exactly one
/// of `aws.vpc_id` and `aws.transit_gateway_id`, and route tables only with a VPC.
pub fn aws_anchor(aws_block: &Value) -> Option<Diagnostic> {
    let vpc = aws_block.attr(aws_names::VPC_ID);
    let tgw = aws_block.attr(aws_names::TRANSIT_GATEWAY_ID);
    if vpc.is_unknown() || tgw.is_unknown() {
        return None;
    }
    let aws = |a: &str| AttributePath::attrs([names::AWS, a]);
    match (vpc.is_null(), tgw.is_null()) {
        (true, true) => err(aws(aws_names::VPC_ID), "Missing AWS target", "Set aws.vpc_id (a new virtual private gateway is attached to it) or aws.transit_gateway_id.".into()),
        (false, false) => err(aws(aws_names::TRANSIT_GATEWAY_ID), "Conflicting AWS targets", "Set only one of aws.vpc_id and aws.transit_gateway_id.".into()),
        (true, false) if !aws_block.attr(aws_names::ROUTE_TABLE_IDS).is_null() => err(aws(aws_names::ROUTE_TABLE_IDS), "Route tables need a VPC", "aws.route_table_ids is only used with aws.vpc_id; with a transit gateway, manage its route tables yourself.".into()),
        _ => None,
    }
}

/// At most one of `tunnel_psks` and `tunnel_psks_wo` (reported on `tunnel_psks_wo`).
pub fn psks_conflict(config: &Value) -> Option<Diagnostic> {
    if config.attr(names::TUNNEL_PSKS).is_null() || config.attr(names::TUNNEL_PSKS_WO).is_null() {
        return None;
    }
    Some(
        Diagnostic::error(
            "Conflicting pre-shared keys",
            "Set tunnel_psks or tunnel_psks_wo, not both.",
        )
        .with_path(AttributePath::attrs([names::TUNNEL_PSKS_WO])),
    )
}

/// Every entry of a CIDR list is an IPv4 network in canonical form; a bad entry is reported
/// on its element.
pub fn cidr_list(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let list = known_list(v)?;
    if list.is_empty() {
        return err(
            path.clone(),
            "Empty CIDR list",
            "Give at least one prefix, or omit the attribute to use the network's address space."
                .into(),
        );
    }
    for (i, c) in list.iter().enumerate() {
        match c.parse::<Ipv4Net>() {
            Ok(n) if n.trunc() == n => {}
            _ => {
                return err(
                    path.clone().index(i as i64),
                    "Invalid CIDR",
                    format!("{c:?} is not an IPv4 network in CIDR form (e.g. 10.0.0.0/16)."),
                )
            }
        }
    }
    None
}

/// The indexes of the first overlapping pair of prefixes, one from each list.
fn first_overlap(a: &[String], b: &[String]) -> Option<(usize, usize)> {
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let (Ok(x), Ok(y)) = (x.parse::<Ipv4Net>(), y.parse::<Ipv4Net>()) else {
                continue;
            };
            if x.contains(&y.network()) || y.contains(&x.network()) {
                return Some((i, j));
            }
        }
    }
    None
}

/// The two sides' prefixes must not overlap (traffic could not be routed).
pub fn cidrs_disjoint(
    aws_cidrs: &[String],
    azure_cidrs: &[String],
    path: AttributePath,
) -> Option<Diagnostic> {
    let (i, j) = first_overlap(aws_cidrs, azure_cidrs)?;
    let (a, b) = (&aws_cidrs[i], &azure_cidrs[j]);
    err(
        path,
        "Overlapping AWS and Azure CIDRs",
        format!("AWS prefix {a} overlaps Azure prefix {b}; the two networks must be disjoint."),
    )
}

/// [`cidrs_disjoint`] reported on the overlapping element of the Azure list at `path` (for
/// a list the user wrote, so terraform highlights the very prefix).
pub fn cidrs_disjoint_on_element(
    aws_cidrs: &[String],
    azure_cidrs: &[String],
    path: AttributePath,
) -> Option<Diagnostic> {
    let (_, j) = first_overlap(aws_cidrs, azure_cidrs)?;
    cidrs_disjoint(aws_cidrs, azure_cidrs, path.index(j as i64))
}

/// An inside CIDR is a /30 in Azure's custom APIPA range 169.254.21.0-169.254.22.255 (the
/// only range both clouds accept: AWS requires 169.254.0.0/16, Azure custom BGP addresses
/// must be in 169.254.21.0/24-169.254.22.0/24).
/// rule: AZ-BGP-APIPA
pub fn inside_cidr_in_apipa(cidr: &str, path: AttributePath) -> Option<Diagnostic> {
    let ok = cidr
        .parse::<Ipv4Net>()
        .ok()
        .filter(|n| n.prefix_len() == 30 && n.trunc() == *n)
        .is_some_and(|n| {
            let o = n.network().octets();
            o[0] == 169 && o[1] == 254 && (o[2] == 21 || o[2] == 22)
        });
    if ok {
        None
    } else {
        err(path, "Inside CIDR outside the Azure APIPA range", format!("{cidr:?} must be a /30 inside 169.254.21.0/24 or 169.254.22.0/24 (Azure's custom APIPA range; AWS uses the first host, Azure the second)."))
    }
}

/// AWS refuses these inside CIDRs (provider `validVPNConnectionTunnelInsideCIDR`).
pub const AWS_RESERVED_INSIDE: [&str; 7] = [
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
];

/// An inside CIDR is not one AWS reserves.
/// rule: AWS-INSIDE-CIDR
pub fn inside_cidr_not_aws_reserved(cidr: &str, path: AttributePath) -> Option<Diagnostic> {
    if AWS_RESERVED_INSIDE.contains(&cidr) {
        return err(
            path,
            "Inside CIDR reserved by AWS",
            format!("AWS reserves {cidr} for its own use."),
        );
    }
    None
}

/// One inside CIDR is usable by both clouds: not reserved by AWS, then in the APIPA range.
fn inside_cidr(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let c = v.as_str()?;
    inside_cidr_not_aws_reserved(c, path.clone()).or_else(|| inside_cidr_in_apipa(c, path.clone()))
}

/// One inside CIDR per tunnel, all distinct; with 4 tunnels, the canonical mapping: tunnels
/// 1/3 in 169.254.21.0/24 and 2/4 in 169.254.22.0/24 at the same offset per VPN connection,
/// so each Azure instance's two APIPA addresses pair with one AWS VPN connection.
pub fn inside_cidr_layout(
    cidrs: &[String],
    tunnels: usize,
    path: AttributePath,
) -> Option<Diagnostic> {
    if cidrs.len() != tunnels {
        return err(
            path,
            "Wrong number of inside CIDRs",
            format!(
                "tunnel_inside_cidrs needs one /30 per tunnel ({tunnels}), got {}.",
                cidrs.len()
            ),
        );
    }
    for (i, c) in cidrs.iter().enumerate() {
        if cidrs[..i].contains(c) {
            return err(
                path.index(i as i64),
                "Duplicate inside CIDR",
                format!(
                    "{c} is used by two tunnels; AWS requires unique inside CIDRs per gateway."
                ),
            );
        }
    }
    if tunnels == 4 {
        let third = |c: &str| c.split('.').nth(2).map(str::to_string);
        let fourth = |c: &str| {
            c.split('.')
                .nth(3)
                .and_then(|x| x.split('/').next())
                .map(str::to_string)
        };
        for vpn in 0..2 {
            let (a, b) = (&cidrs[2 * vpn], &cidrs[2 * vpn + 1]);
            if third(a).as_deref() != Some("21")
                || third(b).as_deref() != Some("22")
                || fourth(a) != fourth(b)
            {
                return err(path.index(2 * vpn as i64), "Inside CIDRs break the canonical 4-tunnel mapping", format!("VPN connection {} must use 169.254.21.X/30 for its tunnel 1 and 169.254.22.X/30 (same X) for its tunnel 2 (MS/AWS reference table), got {a} and {b}.", vpn + 1));
            }
        }
    }
    None
}

/// A pre-shared key: 8-64 characters of `[A-Za-z0-9_.]`, not starting with `0` (AWS, the
/// stricter side). The key itself never appears in the message.
/// rules: AWS-PSK, AZ-PSK (the AWS alphabet is a subset of what Azure accepts).
pub fn psk(k: &str, path: AttributePath) -> Option<Diagnostic> {
    if !(8..=64).contains(&k.len()) {
        return err(
            path,
            "Invalid pre-shared key length",
            format!(
                "A pre-shared key must have 8 to 64 characters (this one has {}).",
                k.len()
            ),
        );
    }
    if !k
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        return err(
            path,
            "Invalid pre-shared key character",
            "A pre-shared key may contain only letters, digits, underscores and dots (AWS rule)."
                .into(),
        );
    }
    if k.starts_with('0') {
        return err(
            path,
            "Pre-shared key starts with 0",
            "AWS rejects pre-shared keys that start with the digit 0.".into(),
        );
    }
    None
}

/// One PSK per tunnel in the list `name` (`tunnel_psks` or `tunnel_psks_wo`) of `config`,
/// when both the list and a valid tunnel count are known.
pub fn psk_count(config: &Value, name: &str) -> Option<Diagnostic> {
    let list = known_list(config.attr(name))?;
    let n = valid_tunnel_count(config)?;
    (list.len() as i64 != n).then(|| {
        Diagnostic::error(
            "Wrong number of pre-shared keys",
            format!("{name} needs one key per tunnel ({n}), got {}.", list.len()),
        )
        .with_path(AttributePath::attrs([name]))
    })
}

fn valid_tunnel_count(config: &Value) -> Option<i64> {
    config
        .attr(names::TUNNELS)
        .as_i64()
        .filter(|n| [1, 2, 4].contains(n))
}

/// Azure-reserved ASNs (MS BGP FAQ): public 8074, 8075, 12076; private 65515, 65517-65520;
/// IANA 23456, 64496-64511, 65535-65551.
/// rule: AZ-BGP-ASN-RESERVED
pub fn azure_reserved_asn(asn: i64) -> bool {
    matches!(asn, 8074 | 8075 | 12076 | 65515 | 65517..=65520 | 23456 | 64496..=64511 | 65535..=65551)
}

/// The AWS Amazon-side ASN: a private ASN AWS accepts for a virtual private gateway
/// (64512-65534 or 4200000000-4294967294) and not one Azure reserves, since Azure's local
/// network gateways peer with it (Azure takes 32-bit peer ASNs: VPN Gateway FAQ, 2026-06-04).
/// rule: AWS-AMAZON-ASN
pub fn amazon_side_asn(asn: i64, path: &AttributePath) -> Option<Diagnostic> {
    if let Some(d) = crate::resources::aws_vpn_rules::amazon_side_asn_range(asn, path) {
        return Some(d);
    }
    if azure_reserved_asn(asn) {
        return err(path.clone(), "ASN reserved by Azure", format!("Azure reserves ASN {asn} and refuses it for a BGP peer (65515, 65517-65520 are used by Azure gateways)."));
    }
    None
}

/// The Azure gateway ASN: 1-65534 and not reserved (65515, Azure's default, is allowed).
/// rule: AWS-CGW-ASN (the Azure ASN is the customer gateways' ASN), AZ-BGP-ASN-RESERVED
pub fn azure_asn(asn: i64, path: &AttributePath) -> Option<Diagnostic> {
    if !(1..=65534).contains(&asn) || (asn != 65515 && azure_reserved_asn(asn)) {
        return err(path.clone(), "Invalid Azure ASN", format!("{asn} is out of range or reserved by Azure (8074, 8075, 12076, 23456, 64496-64511, 65517-65520, 65535+)."));
    }
    None
}

/// The two sides' ASNs differ (eBGP).
pub fn asns_differ(amazon: i64, azure_asn: i64) -> Option<Diagnostic> {
    if amazon == azure_asn {
        return err(azure(azure_names::ASN), "Both sides use the same ASN", format!("The Azure ASN and the Amazon-side ASN are both {amazon}; BGP between them needs two ASNs."));
    }
    None
}

/// A new gateway's SKU is one Azure still creates (rules AZ-GW-SKU-NONAZ-RETIRED,
/// AZ-GW-SKU-LEGACY-RETIRED, AZ-GW-SKU-BASIC); the message says why and what to use.
/// rules: AZ-GW-SKU-NONAZ-RETIRED, AZ-GW-SKU-LEGACY-RETIRED, AZ-GW-SKU-BASIC
pub fn sku_creatable(sku: &str, path: &AttributePath) -> Option<Diagnostic> {
    let why = sku::refusal(sku)?;
    err(path.clone(), "Gateway SKU not available", why)
}

/// Zones are distinct entries of `1`, `2`, `3` (rule AZ-PIP-ZONES-UNSUPPORTED decides at
/// plan whether the region has any).
/// rule: AZ-ZONES-OF-REGION (values)
pub fn zone_list(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let zones = known_list(v)?;
    let mut seen = Vec::new();
    for z in &zones {
        if !["1", "2", "3"].contains(&z.as_str()) || seen.contains(z) {
            return err(
                path.clone(),
                "Invalid availability zones",
                format!(
                    "zones must be distinct values among \"1\", \"2\" and \"3\"; got {zones:?}."
                ),
            );
        }
        seen.push(z.clone());
    }
    None
}

/// The longest suffix cloudlink appends to `name` for an Azure resource (`-conn-4`).
const LONGEST_AZURE_SUFFIX: usize = "-conn-4".len();
/// Azure's limit for the names of public IPs, gateways, local network gateways and
/// connections (rule AZ-NAME: 1-80 characters).
const AZURE_NAME_MAX: usize = 80;

/// `name` yields valid Azure names once suffixed (rule AZ-NAME: 1-80 characters of
/// letters, digits, `_`, `.`, `-`, starting with a letter or digit, ending with a letter,
/// digit or `_`; cloudlink's suffixes end with a digit or letter).
/// rule: AZ-NAME
pub fn link_name(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let name = v.as_str()?;
    let max = AZURE_NAME_MAX - LONGEST_AZURE_SUFFIX;
    let bad = name.is_empty()
        || name.len() > max
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if bad {
        return err(
            path.clone(),
            "Invalid link name",
            format!("name must be 1-{max} characters of letters, digits, '_', '.' and '-', starting with a letter or digit: cloudlink derives Azure names such as \"{name}-conn-4\" from it, and Azure allows 80 characters of that alphabet."),
        );
    }
    None
}

/// The GatewaySubnet prefix is a network of /29 or larger (MS: "as small as /29", /27
/// recommended).
/// rule: AZ-GW-SUBNET
pub fn gateway_subnet_size(cidr: &str, path: &AttributePath) -> Option<Diagnostic> {
    match cidr.parse::<Ipv4Net>() {
        Ok(n) if n.trunc() == n && n.prefix_len() <= 29 => None,
        Ok(n) if n.trunc() == n => err(
            path.clone(),
            "GatewaySubnet too small",
            format!(
                "{cidr} is a /{}; a GatewaySubnet must be /29 or larger (/27 recommended).",
                n.prefix_len()
            ),
        ),
        _ => err(
            path.clone(),
            "Invalid GatewaySubnet prefix",
            format!("{cidr:?} is not an IPv4 network in CIDR form."),
        ),
    }
}

/// The GatewaySubnet prefix lies inside one of the VNet's address prefixes.
pub fn gateway_subnet_inside(cidr: &str, space: &[String]) -> Option<Diagnostic> {
    let n: Ipv4Net = cidr.parse().ok()?;
    if space
        .iter()
        .filter_map(|s| s.parse::<Ipv4Net>().ok())
        .any(|s| s.contains(&n))
    {
        return None;
    }
    err(
        azure("gateway_subnet_cidr"),
        "GatewaySubnet outside the virtual network",
        format!(
            "{cidr} is not inside the virtual network's address space ({}).",
            space.join(", ")
        ),
    )
}

/// The validators the schema attaches to single attributes; each reports on the path the
/// schema walk found the value at.
pub mod attribute {
    use super::*;

    /// `name`.
    pub fn name() -> Arc<dyn Validator> {
        one("1-73 characters of letters, digits, `_`, `.` and `-`, starting with a letter or digit (the derived Azure names, up to `<name>-conn-4`, must fit Azure's 80).", link_name)
    }

    /// `routing`.
    pub fn routing() -> Arc<dyn Validator> {
        one("`static` or `bgp`.", routing_mode)
    }

    /// `tunnels`.
    pub fn tunnels() -> Arc<dyn Validator> {
        one("1, 2 or 4.", tunnel_count)
    }

    /// `aws_cidrs` and `azure_cidrs`.
    pub fn cidrs() -> Arc<dyn Validator> {
        one(
            "at least one prefix; each an IPv4 network in canonical CIDR form.",
            cidr_list,
        )
    }

    /// `tunnel_inside_cidrs`.
    pub fn inside_cidrs() -> Arc<dyn Validator> {
        validator::each_element(one("a /30 inside 169.254.21.0/24 or 169.254.22.0/24, not one AWS reserves (169.254.0.0/30-169.254.5.0/30, 169.254.169.252/30).", inside_cidr))
    }

    /// `tunnel_psks` and `tunnel_psks_wo`. The key never appears in a diagnostic.
    pub fn psks() -> Arc<dyn Validator> {
        validator::each_element(one(
            "8-64 characters of `A-Za-z0-9_.`, not starting with `0`.",
            |v, at| psk(v.as_str()?, at.clone()),
        ))
    }

    /// `aws.amazon_side_asn`.
    pub fn amazon_side_asn() -> Arc<dyn Validator> {
        one(
            "64512-65534 or 4200000000-4294967294, and not an ASN Azure reserves.",
            |v, at| super::amazon_side_asn(v.as_i64()?, at),
        )
    }

    /// `azure.asn`.
    pub fn azure_asn() -> Arc<dyn Validator> {
        one(
            "1-65534, not one Azure reserves (8074, 8075, 12076, 23456, 64496-64511, 65517-65520).",
            |v, at| super::azure_asn(v.as_i64()?, at),
        )
    }

    /// `azure.sku`.
    pub fn sku() -> Arc<dyn Validator> {
        let names: Vec<String> = sku::creatable_names()
            .iter()
            .map(|s| format!("`{s}`"))
            .collect();
        one(
            format!("a SKU Azure still creates: {}.", names.join(", ")),
            |v, at| sku_creatable(v.as_str()?, at),
        )
    }

    /// `azure.zones`.
    pub fn zones() -> Arc<dyn Validator> {
        one(
            "distinct values among `\"1\"`, `\"2\"` and `\"3\"`.",
            zone_list,
        )
    }

    /// `azure.gateway_subnet_cidr`.
    pub fn gateway_subnet_cidr() -> Arc<dyn Validator> {
        one("an IPv4 network of /29 or larger.", |v, at| {
            gateway_subnet_size(v.as_str()?, at)
        })
    }
}

/// The resource-level rules over several attributes, each named, in the order they run.
pub fn rules() -> Vec<BlockRule> {
    vec![
        BlockRule::new(
            "four_tunnels_need_bgp",
            "`tunnels = 4` (the active-active reference topology) needs `routing = \"bgp\"`. Reported on `tunnels`.",
            |c, _| four_tunnels_need_bgp(c.attr(names::TUNNELS), c.attr(names::ROUTING)).into_iter().collect(),
        ),
        BlockRule::new(
            "two_bgp_tunnels_need_active_active",
            "BGP works with `tunnels = 1` or `tunnels = 4`: an active-standby Azure gateway (`tunnels = 2`) takes only one custom APIPA BGP address. Reported on `tunnels`.",
            |c, _| two_tunnels_bgp_needs_active_active(c.attr(names::TUNNELS), c.attr(names::ROUTING)).into_iter().collect(),
        ),
        BlockRule::new(
            "aws_target",
            "Exactly one of `aws.vpc_id` and `aws.transit_gateway_id`; `aws.route_table_ids` only with `aws.vpc_id`; `aws_cidrs` is required with `aws.transit_gateway_id`.",
            |c, _| {
                let b = c.attr(names::AWS);
                if b.is_null() {
                    return Diagnostics::new();
                }
                aws_target(b, c.attr(names::AWS_CIDRS)).into_iter().collect()
            },
        ),
        BlockRule::new(
            "cidrs_disjoint",
            "No prefix of `aws_cidrs` overlaps one of `azure_cidrs`. Reported on the overlapping element of `azure_cidrs`.",
            |c, _| {
                let (Some(a), Some(b)) = (known_list(c.attr(names::AWS_CIDRS)), known_list(c.attr(names::AZURE_CIDRS))) else {
                    return Diagnostics::new();
                };
                let at = AttributePath::attrs([names::AZURE_CIDRS]);
                cidrs_disjoint_on_element(&a, &b, at).into_iter().collect()
            },
        ),
        BlockRule::new(
            "inside_cidr_layout",
            "`tunnel_inside_cidrs` holds one distinct /30 per tunnel; with `tunnels = 4`, VPN connection N uses 169.254.21.X/30 for its tunnel 1 and 169.254.22.X/30 (same X) for its tunnel 2.",
            |c, _| {
                let (Some(cidrs), Some(n)) = (known_list(c.attr(names::TUNNEL_INSIDE_CIDRS)), valid_tunnel_count(c)) else {
                    return Diagnostics::new();
                };
                inside_cidr_layout(&cidrs, n as usize, AttributePath::attrs([names::TUNNEL_INSIDE_CIDRS])).into_iter().collect()
            },
        ),
        BlockRule::new(
            "psks_per_tunnel",
            "`tunnel_psks` and `tunnel_psks_wo` hold one key per tunnel.",
            |c, _| {
                [names::TUNNEL_PSKS, names::TUNNEL_PSKS_WO]
                    .into_iter()
                    .filter_map(|n| psk_count(c, n))
                    .collect()
            },
        ),
        BlockRule::new(
            "psks_conflict",
            "At most one of `tunnel_psks` and `tunnel_psks_wo`. Reported on `tunnel_psks_wo`.",
            |c, _| psks_conflict(c).into_iter().collect(),
        ),
        BlockRule::new(
            "asns_differ",
            "`azure.asn` differs from `aws.amazon_side_asn` (eBGP between two ASNs). Reported on `azure.asn`.",
            |c, _| {
                let a = c.attr(names::AWS).attr(aws_names::AMAZON_SIDE_ASN).as_i64();
                let z = c.attr(names::AZURE).attr(azure_names::ASN).as_i64();
                let (Some(a), Some(z)) = (a, z) else {
                    return Diagnostics::new();
                };
                asns_differ(a, z).into_iter().collect()
            },
        ),
        BlockRule::new(
            "ipsec_policy",
            super::ipsec::policy_description(),
            |c, _| ipsec_policy(c.attr(names::IPSEC_POLICY)).into_iter().collect(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> AttributePath {
        AttributePath::attrs(["x"])
    }

    #[test]
    fn routing_and_tunnel_shape() {
        assert!(routing_mode(&Value::string("ospf"), &p()).is_some());
        assert!(routing_mode(&Value::string("bgp"), &p()).is_none());
        assert!(tunnel_count(&Value::int(3), &p()).is_some());
        assert!(tunnel_count(&Value::int(4), &p()).is_none());
        assert!(four_tunnels_need_bgp(&Value::int(4), &Value::string("static")).is_some());
        assert!(four_tunnels_need_bgp(&Value::int(4), &Value::string("bgp")).is_none());
        assert!(
            two_tunnels_bgp_needs_active_active(&Value::int(2), &Value::string("bgp")).is_some()
        );
        assert!(
            two_tunnels_bgp_needs_active_active(&Value::int(2), &Value::string("static")).is_none()
        );
    }

    #[test]
    fn aws_target_needs_exactly_one() {
        let b = |vpc: Value, tgw: Value| {
            Value::object([
                ("vpc_id", vpc),
                ("transit_gateway_id", tgw),
                ("route_table_ids", Value::Null),
            ])
        };
        assert!(aws_target(&b(Value::Null, Value::Null), &Value::Null).is_some());
        assert!(aws_target(
            &b(Value::string("vpc-1"), Value::string("tgw-1")),
            &Value::Null
        )
        .is_some());
        assert!(aws_target(&b(Value::string("vpc-1"), Value::Null), &Value::Null).is_none());
        assert!(aws_target(&b(Value::Null, Value::string("tgw-1")), &Value::Null).is_some());
        assert!(aws_target(
            &b(Value::Null, Value::string("tgw-1")),
            &Value::string_list(["10.0.0.0/16"])
        )
        .is_none());
    }

    #[test]
    fn cidrs_are_valid_and_disjoint() {
        assert!(cidr_list(&Value::string_list(["10.0.0.1/16"]), &p()).is_some());
        assert!(cidr_list(&Value::string_list(["10.0.0.0/16"]), &p()).is_none());
        let bad = cidr_list(&Value::string_list(["10.0.0.0/16", "10.1.0.1/16"]), &p()).unwrap();
        assert_eq!(bad.path.unwrap().to_string(), "x[1]");
        let a = vec!["10.0.0.0/16".to_string()];
        assert!(cidrs_disjoint(&a, &["10.0.128.0/17".into()], p()).is_some());
        assert!(cidrs_disjoint(&a, &["10.1.0.0/16".into()], p()).is_none());
        assert_eq!(
            first_overlap(&a, &["10.1.0.0/16".into(), "10.0.128.0/17".into()]),
            Some((0, 1))
        );
    }

    #[test]
    fn inside_cidrs_in_apipa_not_reserved_and_canonical() {
        assert!(inside_cidr_in_apipa("169.254.21.0/30", p()).is_none());
        assert!(inside_cidr_in_apipa("169.254.10.0/30", p()).is_some());
        assert!(inside_cidr_in_apipa("169.254.21.0/29", p()).is_some());
        assert!(inside_cidr_not_aws_reserved("169.254.169.252/30", p()).is_some());
        assert!(inside_cidr_not_aws_reserved("169.254.21.0/30", p()).is_none());
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(inside_cidr_layout(
            &v(&[
                "169.254.21.0/30",
                "169.254.22.0/30",
                "169.254.21.4/30",
                "169.254.22.4/30"
            ]),
            4,
            p()
        )
        .is_none());
        assert!(inside_cidr_layout(
            &v(&[
                "169.254.21.0/30",
                "169.254.21.4/30",
                "169.254.22.0/30",
                "169.254.22.4/30"
            ]),
            4,
            p()
        )
        .is_some());
        assert!(inside_cidr_layout(&v(&["169.254.21.0/30", "169.254.21.0/30"]), 2, p()).is_some());
        assert!(inside_cidr_layout(&v(&["169.254.21.0/30"]), 2, p()).is_some());
    }

    #[test]
    fn psk_rules_never_quote_the_key() {
        assert!(psk("Abcdefgh_1.", p()).is_none());
        assert!(psk("short", p()).is_some());
        let d = psk("0SecretKey1", p()).unwrap();
        assert!(!d.detail.contains("0SecretKey1"));
        assert!(psk("Secret+Key1", p()).is_some());
        let c = Value::object([
            ("tunnels", Value::int(2)),
            ("tunnel_psks", Value::string_list(["Abcdefgh1"])),
        ]);
        assert!(psk_count(&c, "tunnel_psks").is_some());
        let d = attribute::psks().validate(
            &Value::string_list(["Abcdefgh1", "0SecretKey1"]),
            &AttributePath::attrs(["tunnel_psks"]),
        );
        assert_eq!(d.len(), 1);
        let d = d.iter().next().unwrap();
        assert_eq!(d.path.as_ref().unwrap().to_string(), "tunnel_psks[1]");
        assert!(!d.detail.contains("0SecretKey1") && !d.summary.contains("0SecretKey1"));
    }

    #[test]
    fn asn_rules() {
        assert!(amazon_side_asn(64512, &p()).is_none());
        assert!(amazon_side_asn(65515, &p()).is_some());
        assert!(amazon_side_asn(4_200_000_000, &p()).is_none());
        assert!(amazon_side_asn(70_000, &p()).is_some());
        assert!(azure_asn(65515, &p()).is_none());
        assert!(azure_asn(65518, &p()).is_some());
        assert!(asns_differ(65000, 65000).is_some());
    }

    #[test]
    fn names_fit_azure() {
        assert!(link_name(&Value::string("hub-to-azure"), &p()).is_none());
        assert!(link_name(&Value::string("-x"), &p()).is_some());
        assert!(link_name(&Value::string("a b"), &p()).is_some());
        assert!(link_name(&Value::string("a".repeat(74)), &p()).is_some());
        assert!(link_name(&Value::string("a".repeat(73)), &p()).is_none());
    }

    #[test]
    fn sku_and_gateway_subnet_rules() {
        assert!(sku_creatable("Basic", &p()).is_some());
        assert!(sku_creatable("VpnGw1", &p()).is_some());
        assert!(sku_creatable("Standard", &p()).is_some());
        assert!(sku_creatable("VpnGw9", &p()).is_some());
        assert!(sku_creatable("VpnGw1AZ", &p()).is_none());
        assert!(zone_list(&Value::string_list(["1", "2", "3"]), &p()).is_none());
        assert!(zone_list(&Value::string_list(["1", "1"]), &p()).is_some());
        assert!(zone_list(&Value::string_list(["4"]), &p()).is_some());
        assert!(gateway_subnet_size("10.1.255.0/27", &p()).is_none());
        assert!(gateway_subnet_size("10.1.255.0/30", &p()).is_some());
        assert!(gateway_subnet_inside("10.1.255.0/27", &["10.1.0.0/16".into()]).is_none());
        assert!(gateway_subnet_inside("10.2.255.0/27", &["10.1.0.0/16".into()]).is_some());
    }

    #[test]
    fn the_schema_walk_reports_each_rule_on_its_path() {
        let block = super::super::schema::schema().block;
        let c = Value::object([
            ("name", Value::string("link")),
            ("routing", Value::string("static")),
            ("tunnels", Value::int(4)),
            (
                "tunnel_psks",
                Value::string_list(["Abcdefgh1", "0Secretkey", "Abcdefgh3", "Abcdefgh4"]),
            ),
            ("aws_cidrs", Value::string_list(["10.0.0.0/16"])),
            (
                "azure_cidrs",
                Value::string_list(["10.1.0.0/16", "10.0.1.0/24"]),
            ),
            ("aws", Value::object([("vpc_id", Value::string("vpc-1"))])),
            (
                "azure",
                Value::object([("asn", Value::int(65518)), ("zones", Value::unknown())]),
            ),
            (
                "timeouts",
                Value::object([("create", Value::string("soon"))]),
            ),
        ]);
        let d = crate::tf::validate_config(&block, &c);
        let found: Vec<(String, String)> = d
            .iter()
            .map(|x| (x.path.as_ref().unwrap().to_string(), x.summary.clone()))
            .collect();
        let want = [
            ("tunnel_psks[1]", "Pre-shared key starts with 0"),
            ("azure.asn", "Invalid Azure ASN"),
            ("timeouts.create", "Invalid duration"),
            ("tunnels", "Four tunnels require BGP"),
            ("azure_cidrs[1]", "Overlapping AWS and Azure CIDRs"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .collect();
        assert_eq!(found, want);
        assert!(d.iter().all(|x| !x.detail.contains("0Secretkey")));
        // An unknown tunnel count leaves the rules that need it silent.
        let mut c = c;
        c.set_attr("tunnels", Value::unknown());
        let d = crate::tf::validate_config(&block, &c);
        assert!(d.iter().all(|x| x.summary != "Four tunnels require BGP"));
    }

    #[test]
    fn policy_values_both_clouds_accept() {
        let pol = Value::object([
            ("ike_encryption", Value::string("AES256")),
            ("ike_integrity", Value::string("MD5")),
            ("dh_group", Value::int(5)),
            ("ipsec_encryption", Value::string("AES256")),
            ("ipsec_integrity", Value::string("SHA256")),
            ("pfs_group", Value::int(14)),
            ("sa_lifetime_seconds", Value::int(3600)),
        ]);
        assert_eq!(ipsec_policy(&pol).len(), 2);
    }
}
