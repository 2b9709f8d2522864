//! Offline validation of `cloudlink_site_vpn`. The AWS rules are those of
//! `cloudlink_cross_cloud_vpn` (pre-shared keys, reserved inside CIDRs, CIDR lists, the
//! `aws {}` anchor) and of `aws_vpn_rules` (inside CIDR range, Amazon-side ASN, tunnel
//! options and logs), called, not copied; this file adds what only a device peer has (its
//! public IP and ASN) and the resource's named cross-attribute rules, [`rules`]. Unknown
//! values are skipped. Diagnostics never quote a pre-shared key.

use super::names::{self, aws as aws_names, device_type, peer};
use crate::resources::aws_vpn_rules;
use crate::resources::cross_cloud_vpn::validate as shared;
use crate::tf::validator::{self, BlockRule, Validator};
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The number of tunnels of an AWS VPN connection, so of a site VPN.
pub const TUNNEL_COUNT: usize = 2;

/// AWS's default Amazon-side ASN of a new virtual private gateway.
pub const DEFAULT_AMAZON_SIDE_ASN: i64 = 64512;

fn err(path: AttributePath, summary: &str, detail: String) -> Option<Diagnostic> {
    Some(Diagnostic::error(summary, detail).with_path(path))
}

fn one(
    description: impl Into<String>,
    f: fn(&Value, &AttributePath) -> Option<Diagnostic>,
) -> Arc<dyn Validator> {
    validator::check(description, move |v, at| f(v, at).into_iter().collect())
}

fn known_list(v: &Value) -> Option<Vec<String>> {
    (!v.is_null() && v.is_wholly_known())
        .then(|| v.as_string_vec())
        .flatten()
}

fn at(parts: &[&str]) -> AttributePath {
    AttributePath::attrs(parts.iter().copied())
}

/// `name`: the `Name` tag of every object and the claim's key: 1-200 characters of letters,
/// digits, `_`, `.`, `-`, starting with a letter or digit (room under AWS's 256-character
/// tag value for cloudlink's suffixes).
pub fn site_name(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let name = v.as_str()?;
    let ok = (1..=200).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        return None;
    }
    err(path.clone(), "Invalid site VPN name", "name must be 1-200 characters of letters, digits, '_', '.' and '-', starting with a letter or digit.".into())
}

/// `peer.ip_address`: a public IPv4 address (a customer gateway needs one that AWS can
/// reach; private, loopback, link-local, shared (100.64.0.0/10), multicast and broadcast
/// addresses are refused). The documentation ranges (192.0.2.0/24, ...) are accepted, so the
/// examples can use them.
pub fn public_ipv4(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = v.as_str()?;
    let Ok(ip) = s.parse::<Ipv4Addr>() else {
        return err(
            path.clone(),
            "Invalid IP address",
            format!("{s:?} is not an IPv4 address."),
        );
    };
    let o = ip.octets();
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    if ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || shared
        || o[0] >= 240
    {
        return err(path.clone(), "Not a public IP address", format!("{s} is not a public IPv4 address; the device must be reachable from AWS at its public (or NAT) address."));
    }
    None
}

/// `peer.bgp_asn`: the customer gateway's ASN, 1-4294967295 (`BgpAsn` up to 2147483647,
/// `BgpAsnExtended` above).
/// rule: AWS-CGW-ASN
pub fn peer_asn(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let asn = v.as_i64()?;
    if (1..=4_294_967_295).contains(&asn) {
        return None;
    }
    err(
        path.clone(),
        "Invalid peer ASN",
        format!("{asn} is not a BGP ASN AWS accepts for a customer gateway (1-4294967295)."),
    )
}

/// One tunnel inside CIDR: a /30 of 169.254.0.0/16 that AWS does not reserve.
fn inside_cidr(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let c = v.as_str()?;
    shared::inside_cidr_not_aws_reserved(c, path.clone())
        .or_else(|| aws_vpn_rules::inside_cidr_in_aws_range(c, path))
}

/// The validators the schema attaches to single attributes.
pub mod attribute {
    use super::*;

    /// `name`.
    pub fn name() -> Arc<dyn Validator> {
        one("1-200 characters of letters, digits, `_`, `.` and `-`, starting with a letter or digit.", site_name)
    }

    /// `peer.ip_address`.
    pub fn ip_address() -> Arc<dyn Validator> {
        one("a public IPv4 address (not private, loopback, link-local, shared, multicast or broadcast).", public_ipv4)
    }

    /// `peer.bgp_asn`.
    pub fn bgp_asn() -> Arc<dyn Validator> {
        one("1-4294967295.", peer_asn)
    }

    /// `tunnel_inside_cidrs`.
    pub fn inside_cidrs() -> Arc<dyn Validator> {
        validator::each_element(one("a /30 inside 169.254.0.0/16, not one AWS reserves (169.254.0.0/30-169.254.5.0/30, 169.254.169.252/30).", inside_cidr))
    }

    /// `aws.amazon_side_asn`.
    pub fn amazon_side_asn() -> Arc<dyn Validator> {
        one("64512-65534 or 4200000000-4294967294.", |v, at| {
            aws_vpn_rules::amazon_side_asn_range(v.as_i64()?, at)
        })
    }

    /// `device_type.ike_version`.
    pub fn ike_version() -> Arc<dyn Validator> {
        aws_vpn_rules::one_of(
            "IKE version",
            aws_vpn_rules::tunnel_option_values::IKE_VERSIONS,
        )
    }
}

/// BGP routing needs the device's ASN (reported on `peer.bgp_asn`).
pub fn bgp_needs_peer_asn(config: &Value) -> Option<Diagnostic> {
    let p = config.attr(names::PEER);
    if config.attr(names::ROUTING).as_str() != Some("bgp") || p.is_null() || p.is_unknown() {
        return None;
    }
    if !p.attr(peer::BGP_ASN).is_null() {
        return None;
    }
    err(
        at(&[names::PEER, peer::BGP_ASN]),
        "BGP needs the device's ASN",
        "routing = \"bgp\" needs peer.bgp_asn, the ASN the device speaks BGP with.".into(),
    )
}

/// Static routing needs the prefixes behind the device (reported on `peer.cidrs`).
pub fn static_needs_peer_cidrs(config: &Value) -> Option<Diagnostic> {
    let p = config.attr(names::PEER);
    if config.attr(names::ROUTING).as_str() != Some("static") || p.is_null() || p.is_unknown() {
        return None;
    }
    if !p.attr(peer::CIDRS).is_null() {
        return None;
    }
    err(at(&[names::PEER, peer::CIDRS]), "Static routing needs the device's prefixes", "routing = \"static\" needs peer.cidrs, the prefixes behind the device that AWS routes into the tunnels.".into())
}

/// The device's ASN differs from the Amazon side's (eBGP); an unset `aws.amazon_side_asn`
/// with a VPC is AWS's default 64512. With a transit gateway the ASN is read at plan.
pub fn asns_differ(config: &Value) -> Option<Diagnostic> {
    let peer_asn = config.attr(names::PEER).attr(peer::BGP_ASN).as_i64()?;
    let aws = config.attr(names::AWS);
    let amazon = match aws.attr(aws_names::AMAZON_SIDE_ASN) {
        v if v.is_unknown() => return None,
        v if v.is_null() && !aws.attr(aws_names::VPC_ID).is_null() => DEFAULT_AMAZON_SIDE_ASN,
        v => v.as_i64()?,
    };
    if peer_asn != amazon {
        return None;
    }
    err(at(&[names::PEER, peer::BGP_ASN]), "Both sides use the same ASN", format!("peer.bgp_asn and the Amazon-side ASN are both {amazon}; BGP between them needs two ASNs."))
}

/// `tunnel_inside_cidrs`: one distinct /30 per tunnel (two).
pub fn inside_cidr_count(config: &Value) -> Option<Diagnostic> {
    let cidrs = known_list(config.attr(names::TUNNEL_INSIDE_CIDRS))?;
    shared::inside_cidr_layout(&cidrs, TUNNEL_COUNT, at(&[names::TUNNEL_INSIDE_CIDRS]))
}

/// `tunnel_psks` / `tunnel_psks_wo`: one key per tunnel (two). The keys are not quoted.
pub fn psk_count(config: &Value, name: &str) -> Option<Diagnostic> {
    let list = known_list(config.attr(name))?;
    (list.len() != TUNNEL_COUNT).then(|| {
        Diagnostic::error(
            "Wrong number of pre-shared keys",
            format!(
                "{name} needs one key per tunnel ({TUNNEL_COUNT}), got {}.",
                list.len()
            ),
        )
        .with_path(at(&[name]))
    })
}

/// `device_type` names one device type: its `id`, or `vendor`, `platform` and `software`
/// together (reported on `device_type`).
pub fn device_type_named_once(config: &Value) -> Option<Diagnostic> {
    let d = config.attr(names::DEVICE_TYPE);
    if d.is_null() || !d.is_wholly_known() {
        return None;
    }
    let id = !d.attr(device_type::ID).is_null();
    let triple = [
        device_type::VENDOR,
        device_type::PLATFORM,
        device_type::SOFTWARE,
    ]
    .map(|a| !d.attr(a).is_null());
    let path = at(&[names::DEVICE_TYPE]);
    match (id, triple) {
        (true, [false, false, false]) | (false, [true, true, true]) => None,
        (true, _) => err(path, "Device type named twice", "Set device_type.id, or vendor, platform and software, not both.".into()),
        (false, _) => err(path, "Device type incomplete", "Set device_type.id, or all three of vendor, platform and software (as GetVpnConnectionDeviceTypes lists them, e.g. \"Cisco Systems, Inc.\", \"ISR Series Routers\", \"IOS 12.4+\").".into()),
    }
}

/// Two `tunnel_options` blocks (one per tunnel) need `tunnel_inside_cidrs`: a tunnel is
/// told apart by its inside CIDR, never by its position in AWS's answers (reported on
/// `tunnel_options`).
pub fn per_tunnel_options_need_inside_cidrs(config: &Value) -> Option<Diagnostic> {
    let blocks = config.attr(names::TUNNEL_OPTIONS);
    let n = blocks.as_list().map(|l| l.len())?;
    let cidrs = config.attr(names::TUNNEL_INSIDE_CIDRS);
    if n < 2 || !cidrs.is_null() {
        return None;
    }
    err(at(&[names::TUNNEL_OPTIONS]), "Per-tunnel options need inside CIDRs", "Two tunnel_options blocks apply one per tunnel, in the order of tunnel_inside_cidrs: set tunnel_inside_cidrs, or use one block for both tunnels.".into())
}

/// The resource-level rules over several attributes, each named, in the order they run.
pub fn rules() -> Vec<BlockRule> {
    vec![
        BlockRule::new(
            "bgp_needs_peer_asn",
            "`routing = \"bgp\"` needs `peer.bgp_asn`. Reported on `peer.bgp_asn`.",
            |c, _| bgp_needs_peer_asn(c).into_iter().collect(),
        ),
        BlockRule::new(
            "static_needs_peer_cidrs",
            "`routing = \"static\"` needs `peer.cidrs`. Reported on `peer.cidrs`.",
            |c, _| static_needs_peer_cidrs(c).into_iter().collect(),
        ),
        BlockRule::new(
            "asns_differ",
            "`peer.bgp_asn` differs from `aws.amazon_side_asn` (64512 when unset with `aws.vpc_id`). Reported on `peer.bgp_asn`.",
            |c, _| asns_differ(c).into_iter().collect(),
        ),
        BlockRule::new(
            "aws_target",
            "Exactly one of `aws.vpc_id` and `aws.transit_gateway_id`; `aws.route_table_ids` only with `aws.vpc_id`.",
            |c, _| {
                let b = c.attr(names::AWS);
                if b.is_null() {
                    return Diagnostics::new();
                }
                shared::aws_anchor(b).into_iter().collect()
            },
        ),
        BlockRule::new(
            "inside_cidr_layout",
            "`tunnel_inside_cidrs` holds two distinct /30s, one per tunnel.",
            |c, _| inside_cidr_count(c).into_iter().collect(),
        ),
        BlockRule::new(
            "psks_per_tunnel",
            "`tunnel_psks` and `tunnel_psks_wo` hold two keys, one per tunnel.",
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
            |c, _| shared::psks_conflict(c).into_iter().collect(),
        ),
        BlockRule::new(
            "per_tunnel_options_need_inside_cidrs",
            "Two `tunnel_options` blocks (one per tunnel, in the order of `tunnel_inside_cidrs`) need `tunnel_inside_cidrs`. Reported on `tunnel_options`.",
            |c, _| per_tunnel_options_need_inside_cidrs(c).into_iter().collect(),
        ),
        BlockRule::new(
            "device_type_named_once",
            "`device_type` sets `id`, or all of `vendor`, `platform` and `software`. Reported on `device_type`.",
            |c, _| device_type_named_once(c).into_iter().collect(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Value {
        Value::object([
            ("name", Value::string("office")),
            ("routing", Value::string("static")),
            (
                "peer",
                Value::object([
                    ("ip_address", Value::string("192.0.2.10")),
                    ("cidrs", Value::string_list(["10.50.0.0/16"])),
                ]),
            ),
            ("aws", Value::object([("vpc_id", Value::string("vpc-1"))])),
        ])
    }

    /// (path, summary) of every diagnostic the schema walk reports for `config`.
    fn found(config: &Value) -> Vec<(String, String)> {
        let block = super::super::schema::schema().block;
        crate::tf::validate_config(&block, config)
            .iter()
            .map(|d| (d.path.as_ref().unwrap().to_string(), d.summary.clone()))
            .collect()
    }

    fn with(mut c: Value, path: &[&str], v: Value) -> Value {
        match path {
            [a] => c.set_attr(a, v),
            [a, b] => {
                let mut inner = c.attr(a).clone();
                if inner.is_null() {
                    inner = Value::object(Vec::<(&str, Value)>::new());
                }
                inner.set_attr(b, v);
                c.set_attr(a, inner);
            }
            _ => unreachable!(),
        }
        c
    }

    fn one_error(c: &Value, path: &str, summary: &str) {
        assert_eq!(
            found(c),
            vec![(path.to_string(), summary.to_string())],
            "{c:?}"
        );
    }

    #[test]
    fn a_valid_static_vgw_config_has_no_diagnostics() {
        assert_eq!(found(&valid()), vec![]);
    }

    #[test]
    fn attribute_validators_report_on_their_path() {
        let c = with(valid(), &["peer", "ip_address"], Value::string("10.0.0.1"));
        one_error(&c, "peer.ip_address", "Not a public IP address");
        let c = with(valid(), &["peer", "ip_address"], Value::string("nope"));
        one_error(&c, "peer.ip_address", "Invalid IP address");
        let c = with(
            valid(),
            &["peer", "cidrs"],
            Value::string_list(["10.50.0.1/16"]),
        );
        one_error(&c, "peer.cidrs[0]", "Invalid CIDR");
        let c = with(valid(), &["name"], Value::string("-x"));
        one_error(&c, "name", "Invalid site VPN name");
        let c = with(
            valid(),
            &["tunnel_inside_cidrs"],
            Value::string_list(["169.254.100.0/30", "169.254.169.252/30"]),
        );
        one_error(&c, "tunnel_inside_cidrs[1]", "Inside CIDR reserved by AWS");
        let c = with(
            valid(),
            &["tunnel_inside_cidrs"],
            Value::string_list(["169.254.100.0/30", "10.0.0.0/30"]),
        );
        one_error(
            &c,
            "tunnel_inside_cidrs[1]",
            "Inside CIDR outside AWS's range",
        );
        let c = with(
            valid(),
            &["tunnel_psks"],
            Value::string_list(["Abcdefgh1", "0SecretKey1"]),
        );
        one_error(&c, "tunnel_psks[1]", "Pre-shared key starts with 0");
        let c = with(valid(), &["aws", "amazon_side_asn"], Value::int(65535));
        one_error(&c, "aws.amazon_side_asn", "Invalid Amazon-side ASN");
        let c = with(valid(), &["peer", "bgp_asn"], Value::int(0));
        one_error(&c, "peer.bgp_asn", "Invalid peer ASN");
        let c = with(
            valid(),
            &["tunnel_logs"],
            Value::object([
                ("log_group_arn", Value::string("arn:aws:s3:::bucket")),
                ("output_format", Value::string("json")),
            ]),
        );
        one_error(
            &c,
            "tunnel_logs.log_group_arn",
            "Invalid CloudWatch Logs log group ARN",
        );
        let c = with(
            valid(),
            &["tunnel_logs"],
            Value::object([
                (
                    "log_group_arn",
                    Value::string("arn:aws:logs:us-east-1:123456789012:log-group:/vpn/office"),
                ),
                ("output_format", Value::string("xml")),
            ]),
        );
        one_error(&c, "tunnel_logs.output_format", "Value not accepted by AWS");
        let c = with(
            valid(),
            &["device_type"],
            Value::object([
                ("id", Value::string("7b2d4e61")),
                ("ike_version", Value::string("ikev3")),
            ]),
        );
        one_error(&c, "device_type.ike_version", "Value not accepted by AWS");
    }

    #[test]
    fn tunnel_options_take_aws_values_only() {
        let opts = |pairs: Vec<(&str, Value)>| {
            with(
                valid(),
                &["tunnel_options"],
                Value::list(vec![Value::object(pairs)]),
            )
        };
        let c = opts(vec![(
            "phase1_encryption_algorithms",
            Value::string_list(["AES256", "3DES"]),
        )]);
        one_error(
            &c,
            "tunnel_options[0].phase1_encryption_algorithms[1]",
            "Value not accepted by AWS",
        );
        let c = opts(vec![(
            "phase2_dh_group_numbers",
            Value::list(vec![Value::int(5), Value::int(1)]),
        )]);
        one_error(
            &c,
            "tunnel_options[0].phase2_dh_group_numbers[1]",
            "Value not accepted by AWS",
        );
        let c = opts(vec![(
            "phase1_dh_group_numbers",
            Value::list(vec![Value::int(5)]),
        )]);
        one_error(
            &c,
            "tunnel_options[0].phase1_dh_group_numbers[0]",
            "Value not accepted by AWS",
        );
        let c = opts(vec![("dpd_timeout_seconds", Value::int(10))]);
        one_error(
            &c,
            "tunnel_options[0].dpd_timeout_seconds",
            "Value out of AWS's range",
        );
        let c = opts(vec![("dpd_timeout_action", Value::string("reboot"))]);
        one_error(
            &c,
            "tunnel_options[0].dpd_timeout_action",
            "Value not accepted by AWS",
        );
        let c = opts(vec![("startup_action", Value::string("later"))]);
        one_error(
            &c,
            "tunnel_options[0].startup_action",
            "Value not accepted by AWS",
        );
        let c = opts(vec![
            ("phase1_lifetime_seconds", Value::int(3600)),
            ("phase2_lifetime_seconds", Value::int(3600)),
        ]);
        one_error(
            &c,
            "tunnel_options[0].phase2_lifetime_seconds",
            "Phase 2 lifetime not below phase 1",
        );
        let c = opts(vec![
            ("ike_versions", Value::string_list(["ikev2"])),
            (
                "phase2_integrity_algorithms",
                Value::string_list(["SHA2-512"]),
            ),
            ("phase2_lifetime_seconds", Value::int(3600)),
        ]);
        assert_eq!(found(&c), vec![]);
    }

    #[test]
    fn named_rules_report_on_their_path() {
        let bgp = with(valid(), &["routing"], Value::string("bgp"));
        one_error(&bgp, "peer.bgp_asn", "BGP needs the device's ASN");
        let c = with(valid(), &["peer", "cidrs"], Value::Null);
        one_error(
            &c,
            "peer.cidrs",
            "Static routing needs the device's prefixes",
        );
        let c = with(bgp.clone(), &["peer", "bgp_asn"], Value::int(64512));
        one_error(&c, "peer.bgp_asn", "Both sides use the same ASN");
        let c = with(bgp.clone(), &["peer", "bgp_asn"], Value::int(65010));
        assert_eq!(found(&c), vec![]);
        let c = with(
            valid(),
            &["aws", "transit_gateway_id"],
            Value::string("tgw-1"),
        );
        one_error(&c, "aws.transit_gateway_id", "Conflicting AWS targets");
        let c = with(valid(), &["aws", "vpc_id"], Value::Null);
        one_error(&c, "aws.vpc_id", "Missing AWS target");
        let c = with(
            valid(),
            &["tunnel_inside_cidrs"],
            Value::string_list(["169.254.100.0/30", "169.254.100.0/30"]),
        );
        one_error(&c, "tunnel_inside_cidrs[1]", "Duplicate inside CIDR");
        let c = with(
            valid(),
            &["tunnel_inside_cidrs"],
            Value::string_list(["169.254.100.0/30"]),
        );
        one_error(&c, "tunnel_inside_cidrs", "Wrong number of inside CIDRs");
        let c = with(valid(), &["tunnel_psks"], Value::string_list(["Abcdefgh1"]));
        one_error(&c, "tunnel_psks", "Wrong number of pre-shared keys");
        let keys = Value::string_list(["Abcdefgh1", "Abcdefgh2"]);
        let c = with(
            with(valid(), &["tunnel_psks"], keys.clone()),
            &["tunnel_psks_wo"],
            keys,
        );
        one_error(&c, "tunnel_psks_wo", "Conflicting pre-shared keys");
        let c = with(
            valid(),
            &["device_type"],
            Value::object([("vendor", Value::string("Cisco Systems, Inc."))]),
        );
        one_error(&c, "device_type", "Device type incomplete");
        let c = with(
            valid(),
            &["device_type"],
            Value::object([
                ("id", Value::string("7b2d4e61")),
                ("vendor", Value::string("Fortinet")),
            ]),
        );
        one_error(&c, "device_type", "Device type named twice");
    }

    #[test]
    fn two_tunnel_options_blocks_are_per_tunnel_and_need_inside_cidrs() {
        let block = |action: &str| Value::object([("dpd_timeout_action", Value::string(action))]);
        let two = with(
            valid(),
            &["tunnel_options"],
            Value::list(vec![block("clear"), block("reboot")]),
        );
        assert_eq!(
            found(&two),
            vec![
                (
                    "tunnel_options[1].dpd_timeout_action".to_string(),
                    "Value not accepted by AWS".to_string()
                ),
                (
                    "tunnel_options".to_string(),
                    "Per-tunnel options need inside CIDRs".to_string()
                ),
            ]
        );
        let ok = with(
            with(
                valid(),
                &["tunnel_options"],
                Value::list(vec![block("clear"), block("restart")]),
            ),
            &["tunnel_inside_cidrs"],
            Value::string_list(["169.254.100.0/30", "169.254.100.4/30"]),
        );
        assert_eq!(found(&ok), vec![]);
    }

    #[test]
    fn unknown_values_leave_the_rules_silent() {
        let c = with(valid(), &["routing"], Value::unknown());
        assert_eq!(found(&c), vec![]);
        let c = with(valid(), &["peer"], Value::unknown());
        assert_eq!(found(&c), vec![]);
    }

    #[test]
    fn psk_diagnostics_never_quote_the_key() {
        let c = with(
            valid(),
            &["tunnel_psks"],
            Value::string_list(["Abcdefgh1", "0SecretKey1", "Abcdefgh3"]),
        );
        let block = super::super::schema::schema().block;
        let d = crate::tf::validate_config(&block, &c);
        assert_eq!(d.len(), 2);
        assert!(d
            .iter()
            .all(|x| !x.detail.contains("0SecretKey1") && !x.summary.contains("0SecretKey1")));
    }

    #[test]
    fn schema_shape_sensitivity_and_replacement() {
        let s = super::super::schema::schema().block;
        let peer = &s.nested_block("peer").unwrap().block;
        let ip = peer.attribute("ip_address").unwrap();
        assert!(ip
            .markdown_description()
            .contains("customer gateway's IP address"));
        assert!(s.attribute("device_configuration").unwrap().sensitive);
        assert!(s.attribute("tunnel_psks").unwrap().sensitive);
        assert!(s.attribute("tunnel_psks_wo").unwrap().write_only);
        for computed in [
            "customer_gateway_id",
            "vpn_gateway_id",
            "vpn_connection_id",
            "tunnels",
            "tags_all",
            "claim_id",
        ] {
            assert!(s.attribute(computed).unwrap().computed, "{computed}");
        }
        for block in [
            "peer",
            "aws",
            "tunnel_options",
            "tunnel_logs",
            "device_type",
            "timeouts",
        ] {
            assert!(s.nested_block(block).is_some(), "{block}");
        }
    }
}
