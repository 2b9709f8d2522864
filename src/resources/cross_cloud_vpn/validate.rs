//! Offline validation: one small named validator per cross-cloud rule (anchors.md §6), each
//! reporting on the offending attribute. Unknown values are skipped (checked again at plan).
//! Diagnostics never quote a pre-shared key.

pub use super::ipsec::ipsec_policy;
use super::sku;
use crate::resources::default_tags::tag_map_at;
use crate::resources::timeouts;
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};
use ipnet::Ipv4Net;

fn root(a: &str) -> AttributePath {
    AttributePath::root().attr(a)
}

fn aws(a: &str) -> AttributePath {
    AttributePath::root().attr("aws").attr(a)
}

fn azure(a: &str) -> AttributePath {
    AttributePath::root().attr("azure").attr(a)
}

fn err(path: AttributePath, summary: &str, detail: String) -> Option<Diagnostic> {
    Some(Diagnostic::error(summary, detail).with_path(path))
}

fn known_list(v: &Value) -> Option<Vec<String>> {
    (!v.is_null() && v.is_wholly_known())
        .then(|| v.as_string_vec())
        .flatten()
}

/// `routing` is `static` or `bgp`.
pub fn routing_mode(routing: &Value) -> Option<Diagnostic> {
    match routing.as_str() {
        None | Some("static") | Some("bgp") => None,
        Some(o) => err(
            root("routing"),
            "Invalid routing mode",
            format!("routing must be \"static\" or \"bgp\", not {o:?}."),
        ),
    }
}

/// `tunnels` is 1, 2 or 4.
pub fn tunnel_count(tunnels: &Value) -> Option<Diagnostic> {
    match tunnels.as_i64() {
        None if tunnels.is_null() || tunnels.is_unknown() => None,
        Some(1 | 2 | 4) => None,
        _ => err(
            root("tunnels"),
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
            root("tunnels"),
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
            root("tunnels"),
            "Two BGP tunnels need an active-active gateway",
            "An active-standby Azure gateway accepts only one custom APIPA BGP address, so BGP works with tunnels = 1 or tunnels = 4 (active-active).".into(),
        );
    }
    None
}

/// Exactly one of `aws.vpc_id` and `aws.transit_gateway_id`; route tables only with a VPC;
/// `aws_cidrs` must be given with a transit gateway (there is no VPC to default from).
pub fn aws_target(aws_block: &Value, aws_cidrs: &Value) -> Option<Diagnostic> {
    let vpc = aws_block.attr("vpc_id");
    let tgw = aws_block.attr("transit_gateway_id");
    if vpc.is_unknown() || tgw.is_unknown() {
        return None;
    }
    match (vpc.is_null(), tgw.is_null()) {
        (true, true) => err(aws("vpc_id"), "Missing AWS target", "Set aws.vpc_id (a new virtual private gateway is attached to it) or aws.transit_gateway_id.".into()),
        (false, false) => err(aws("transit_gateway_id"), "Conflicting AWS targets", "Set only one of aws.vpc_id and aws.transit_gateway_id.".into()),
        (true, false) if !aws_block.attr("route_table_ids").is_null() => err(aws("route_table_ids"), "Route tables need a VPC", "aws.route_table_ids is only used with aws.vpc_id; with a transit gateway, manage its route tables yourself.".into()),
        (true, false) if aws_cidrs.is_null() => err(root("aws_cidrs"), "AWS CIDRs required with a transit gateway", "With aws.transit_gateway_id there is no VPC to take the advertised prefixes from: set aws_cidrs.".into()),
        _ => None,
    }
}

/// Every entry of a CIDR list is an IPv4 network in canonical form.
pub fn cidr_list(v: &Value, path: AttributePath) -> Option<Diagnostic> {
    let list = known_list(v)?;
    if list.is_empty() {
        return err(
            path,
            "Empty CIDR list",
            "Give at least one prefix, or omit the attribute to use the network's address space."
                .into(),
        );
    }
    for c in list {
        match c.parse::<Ipv4Net>() {
            Ok(n) if n.trunc() == n => {}
            _ => {
                return err(
                    path,
                    "Invalid CIDR",
                    format!("{c:?} is not an IPv4 network in CIDR form (e.g. 10.0.0.0/16)."),
                )
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
    for a in aws_cidrs {
        for b in azure_cidrs {
            let (Ok(x), Ok(y)) = (a.parse::<Ipv4Net>(), b.parse::<Ipv4Net>()) else {
                continue;
            };
            if x.contains(&y.network()) || y.contains(&x.network()) {
                return err(path, "Overlapping AWS and Azure CIDRs", format!("AWS prefix {a} overlaps Azure prefix {b}; the two networks must be disjoint."));
            }
        }
    }
    None
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

/// One PSK per tunnel in `tunnel_psks` / `tunnel_psks_wo`, each valid; not both lists.
pub fn psk_list(v: &Value, name: &str, tunnels: Option<i64>) -> Vec<Diagnostic> {
    let Some(list) = known_list(v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(n) = tunnels {
        if list.len() as i64 != n {
            out.push(
                Diagnostic::error(
                    "Wrong number of pre-shared keys",
                    format!("{name} needs one key per tunnel ({n}), got {}.", list.len()),
                )
                .with_path(root(name)),
            );
        }
    }
    for (i, k) in list.iter().enumerate() {
        out.extend(psk(k, root(name).index(i as i64)));
    }
    out
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
pub fn amazon_side_asn(asn: i64) -> Option<Diagnostic> {
    if !(64512..=65534).contains(&asn) && !(4_200_000_000..=4_294_967_294).contains(&asn) {
        return err(aws("amazon_side_asn"), "Invalid Amazon-side ASN", format!("{asn} is not a private ASN AWS accepts for a virtual private gateway (64512-65534 or 4200000000-4294967294)."));
    }
    if azure_reserved_asn(asn) {
        return err(aws("amazon_side_asn"), "ASN reserved by Azure", format!("Azure reserves ASN {asn} and refuses it for a BGP peer (65515, 65517-65520 are used by Azure gateways)."));
    }
    None
}

/// The Azure gateway ASN: 1-65534 and not reserved (65515, Azure's default, is allowed).
/// rule: AWS-CGW-ASN (the Azure ASN is the customer gateways' ASN), AZ-BGP-ASN-RESERVED
pub fn azure_asn(asn: i64) -> Option<Diagnostic> {
    if !(1..=65534).contains(&asn) || (asn != 65515 && azure_reserved_asn(asn)) {
        return err(azure("asn"), "Invalid Azure ASN", format!("{asn} is out of range or reserved by Azure (8074, 8075, 12076, 23456, 64496-64511, 65517-65520, 65535+)."));
    }
    None
}

/// The two sides' ASNs differ (eBGP).
pub fn asns_differ(amazon: i64, azure_asn: i64) -> Option<Diagnostic> {
    if amazon == azure_asn {
        return err(azure("asn"), "Both sides use the same ASN", format!("The Azure ASN and the Amazon-side ASN are both {amazon}; BGP between them needs two ASNs."));
    }
    None
}

/// A new gateway's SKU is one Azure still creates (rules AZ-GW-SKU-NONAZ-RETIRED,
/// AZ-GW-SKU-LEGACY-RETIRED, AZ-GW-SKU-BASIC); the message says why and what to use.
/// rules: AZ-GW-SKU-NONAZ-RETIRED, AZ-GW-SKU-LEGACY-RETIRED, AZ-GW-SKU-BASIC
pub fn sku_creatable(sku: &str) -> Option<Diagnostic> {
    let why = sku::refusal(sku)?;
    err(azure("sku"), "Gateway SKU not available", why)
}

/// Zones are distinct entries of `1`, `2`, `3` (rule AZ-PIP-ZONES-UNSUPPORTED decides at
/// plan whether the region has any).
/// rule: AZ-ZONES-OF-REGION (values)
pub fn zone_list(v: &Value) -> Option<Diagnostic> {
    let zones = known_list(v)?;
    let mut seen = Vec::new();
    for z in &zones {
        if !["1", "2", "3"].contains(&z.as_str()) || seen.contains(z) {
            return err(
                azure("zones"),
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
pub fn link_name(v: &Value) -> Option<Diagnostic> {
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
            root("name"),
            "Invalid link name",
            format!("name must be 1-{max} characters of letters, digits, '_', '.' and '-', starting with a letter or digit: cloudlink derives Azure names such as \"{name}-conn-4\" from it, and Azure allows 80 characters of that alphabet."),
        );
    }
    None
}

/// User tags fit both clouds' rules (AWS-TAGS, AZ-TAGS): at most 50 tags with cloudlink's
/// own, keys 1-128 characters (AWS's limit; Azure allows 512) without Azure's forbidden
/// `<>%&\?/`, values up to 256 characters, no `aws:` prefix (AWS reserves it) and no
/// `cloudlink` prefix (ours: the ownership tags).
/// rules: AWS-TAGS, AZ-TAGS
pub fn tag_map(v: &Value) -> Vec<Diagnostic> {
    tag_map_at(v, &root("tags"))
}

/// The GatewaySubnet prefix is a network of /29 or larger (MS: "as small as /29", /27
/// recommended).
/// rule: AZ-GW-SUBNET
pub fn gateway_subnet_size(cidr: &str) -> Option<Diagnostic> {
    match cidr.parse::<Ipv4Net>() {
        Ok(n) if n.trunc() == n && n.prefix_len() <= 29 => None,
        Ok(n) if n.trunc() == n => err(
            azure("gateway_subnet_cidr"),
            "GatewaySubnet too small",
            format!(
                "{cidr} is a /{}; a GatewaySubnet must be /29 or larger (/27 recommended).",
                n.prefix_len()
            ),
        ),
        _ => err(
            azure("gateway_subnet_cidr"),
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

/// Every offline rule over a configuration.
pub fn validate_config(c: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    let routing = c.attr("routing");
    let tunnels = c.attr("tunnels");
    let aws_block = c.attr("aws");
    let az = c.attr("azure");
    let mut push = |x: Option<Diagnostic>| d.extend(x);
    push(routing_mode(routing));
    push(tunnel_count(tunnels));
    push(four_tunnels_need_bgp(tunnels, routing));
    push(two_tunnels_bgp_needs_active_active(tunnels, routing));
    if !aws_block.is_null() {
        push(aws_target(aws_block, c.attr("aws_cidrs")));
    }
    push(cidr_list(c.attr("aws_cidrs"), root("aws_cidrs")));
    push(cidr_list(c.attr("azure_cidrs"), root("azure_cidrs")));
    if let (Some(a), Some(b)) = (
        known_list(c.attr("aws_cidrs")),
        known_list(c.attr("azure_cidrs")),
    ) {
        push(cidrs_disjoint(&a, &b, root("azure_cidrs")));
    }
    let n = tunnels.as_i64().filter(|n| [1, 2, 4].contains(n));
    if let Some(cidrs) = known_list(c.attr("tunnel_inside_cidrs")) {
        for (i, x) in cidrs.iter().enumerate() {
            let p = root("tunnel_inside_cidrs").index(i as i64);
            push(inside_cidr_not_aws_reserved(x, p.clone()).or_else(|| inside_cidr_in_apipa(x, p)));
        }
        if let Some(n) = n {
            push(inside_cidr_layout(
                &cidrs,
                n as usize,
                root("tunnel_inside_cidrs"),
            ));
        }
    }
    let mut d2 = Diagnostics::default();
    d2.extend(psk_list(c.attr("tunnel_psks"), "tunnel_psks", n));
    d2.extend(psk_list(c.attr("tunnel_psks_wo"), "tunnel_psks_wo", n));
    if !c.attr("tunnel_psks").is_null() && !c.attr("tunnel_psks_wo").is_null() {
        d2.push(
            Diagnostic::error(
                "Conflicting pre-shared keys",
                "Set tunnel_psks or tunnel_psks_wo, not both.",
            )
            .with_path(root("tunnel_psks_wo")),
        );
    }
    d.extend(d2);
    if let Some(a) = aws_block.attr("amazon_side_asn").as_i64() {
        d.extend(amazon_side_asn(a));
        if let Some(z) = az.attr("asn").as_i64() {
            d.extend(asns_differ(a, z));
        }
    }
    if let Some(z) = az.attr("asn").as_i64() {
        d.extend(azure_asn(z));
    }
    if let Some(sku) = az.attr("sku").as_str() {
        d.extend(sku_creatable(sku));
    }
    d.extend(zone_list(az.attr("zones")));
    d.extend(link_name(c.attr("name")));
    d.extend(tag_map(c.attr("tags")));
    if let Some(g) = az.attr("gateway_subnet_cidr").as_str() {
        d.extend(gateway_subnet_size(g));
    }
    d.extend(ipsec_policy(c.attr("ipsec_policy")));
    d.extend(timeouts::validate(c));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> AttributePath {
        root("x")
    }

    #[test]
    fn routing_and_tunnel_shape() {
        assert!(routing_mode(&Value::string("ospf")).is_some());
        assert!(routing_mode(&Value::string("bgp")).is_none());
        assert!(tunnel_count(&Value::int(3)).is_some());
        assert!(tunnel_count(&Value::int(4)).is_none());
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
        assert!(cidr_list(&Value::string_list(["10.0.0.1/16"]), p()).is_some());
        assert!(cidr_list(&Value::string_list(["10.0.0.0/16"]), p()).is_none());
        let a = vec!["10.0.0.0/16".to_string()];
        assert!(cidrs_disjoint(&a, &["10.0.128.0/17".into()], p()).is_some());
        assert!(cidrs_disjoint(&a, &["10.1.0.0/16".into()], p()).is_none());
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
        assert_eq!(
            psk_list(&Value::string_list(["Abcdefgh1"]), "tunnel_psks", Some(2)).len(),
            1
        );
    }

    #[test]
    fn asn_rules() {
        assert!(amazon_side_asn(64512).is_none());
        assert!(amazon_side_asn(65515).is_some());
        assert!(amazon_side_asn(4_200_000_000).is_none());
        assert!(amazon_side_asn(70_000).is_some());
        assert!(azure_asn(65515).is_none());
        assert!(azure_asn(65518).is_some());
        assert!(asns_differ(65000, 65000).is_some());
    }

    #[test]
    fn names_and_tags_fit_both_clouds() {
        assert!(link_name(&Value::string("hub-to-azure")).is_none());
        assert!(link_name(&Value::string("-x")).is_some());
        assert!(link_name(&Value::string("a b")).is_some());
        assert!(link_name(&Value::string("a".repeat(74))).is_some());
        assert!(link_name(&Value::string("a".repeat(73))).is_none());
        let tags = |k: &str, v: &str| Value::map([(k.to_string(), Value::string(v))]);
        assert!(tag_map(&tags("team", "net")).is_empty());
        assert!(!tag_map(&tags("aws:x", "1")).is_empty());
        assert!(!tag_map(&tags("a/b", "1")).is_empty());
        assert!(!tag_map(&tags("cloudlink:resource", "1")).is_empty());
        assert!(!tag_map(&tags("k", &"v".repeat(257))).is_empty());
    }

    #[test]
    fn sku_and_gateway_subnet_rules() {
        assert!(sku_creatable("Basic").is_some());
        assert!(sku_creatable("VpnGw1").is_some());
        assert!(sku_creatable("Standard").is_some());
        assert!(sku_creatable("VpnGw9").is_some());
        assert!(sku_creatable("VpnGw1AZ").is_none());
        assert!(zone_list(&Value::string_list(["1", "2", "3"])).is_none());
        assert!(zone_list(&Value::string_list(["1", "1"])).is_some());
        assert!(zone_list(&Value::string_list(["4"])).is_some());
        assert!(gateway_subnet_size("10.1.255.0/27").is_none());
        assert!(gateway_subnet_size("10.1.255.0/30").is_some());
        assert!(gateway_subnet_inside("10.1.255.0/27", &["10.1.0.0/16".into()]).is_none());
        assert!(gateway_subnet_inside("10.2.255.0/27", &["10.1.0.0/16".into()]).is_some());
    }
}
