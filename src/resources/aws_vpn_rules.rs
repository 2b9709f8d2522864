//! Rules of the AWS end of a site-to-site VPN that both VPN resources share
//! (`cloudlink_cross_cloud_vpn` and `cloudlink_site_vpn`): the `tunnel_logs {}` block and its
//! log-group ARN check, AWS's full tunnel-option value lists (for `tunnel_options {}`), the
//! AWS tunnel inside-CIDR range and the Amazon-side ASN range. Each is written once here and
//! attached by each resource's schema, so the two resources cannot drift apart. This module
//! imports no resource: a resource's `validate` may call it without an import cycle.

use crate::cloud::aws::{TunnelLogOptions, TunnelSpec};
use crate::tf::validator::{self, BlockRule, Validator};
use crate::tf::Value;
use crate::tf::{Attribute, AttributePath, Block, Diagnostic, Diagnostics, NestedBlock, Type};
use ipnet::Ipv4Net;
use std::sync::Arc;

/// The `tunnel_logs` block and its attributes.
pub mod names {
    /// The `tunnel_logs` block.
    pub const TUNNEL_LOGS: &str = "tunnel_logs";
    /// `tunnel_logs.log_group_arn`.
    pub const LOG_GROUP_ARN: &str = "log_group_arn";
    /// `tunnel_logs.output_format`.
    pub const OUTPUT_FORMAT: &str = "output_format";
}

fn err(path: &AttributePath, summary: &str, detail: String) -> Option<Diagnostic> {
    Some(Diagnostic::error(summary, detail).with_path(path.clone()))
}

fn one(
    description: impl Into<String>,
    f: fn(&Value, &AttributePath) -> Option<Diagnostic>,
) -> Arc<dyn Validator> {
    validator::check(description, move |v, at| f(v, at).into_iter().collect())
}

/// A CloudWatch Logs log-group ARN:
/// `arn:<partition>:logs:<region>:<12-digit account>:log-group:<name>[:*]`, the name 1-512
/// characters of `[A-Za-z0-9._/#-]` (CloudWatch Logs API reference, CreateLogGroup
/// `logGroupName`; EC2 API reference, CloudWatchLogOptionsSpecification `LogGroupArn`; read
/// 2026-12-07). Whether the log group must be in the VPN's region is not documented and not
/// checked.
/// rule: AWS-TUNNEL-LOG-ARN
pub fn log_group_arn(arn: &str, path: &AttributePath) -> Option<Diagnostic> {
    let why = log_group_arn_problem(arn)?;
    err(
        path,
        "Invalid CloudWatch Logs log group ARN",
        format!("{arn:?} is not a log group ARN ({why}); expected arn:aws:logs:REGION:ACCOUNT:log-group:NAME (an optional trailing :* is allowed)."),
    )
}

/// What is wrong with `arn`, or `None`.
fn log_group_arn_problem(arn: &str) -> Option<&'static str> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [prefix, partition, service, region, account, kind, name] = parts[..] else {
        return Some("too few `:`-separated parts");
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    if prefix != "arn" || !partition_ok {
        return Some("it does not start with arn:aws");
    }
    if service != "logs" || kind != "log-group" {
        return Some("it does not name a CloudWatch Logs log group");
    }
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !region_ok {
        return Some("the region is missing or malformed");
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some("the account is not 12 digits");
    }
    let name = name.strip_suffix(":*").unwrap_or(name);
    let name_ok = (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'#' | b'-'));
    (!name_ok).then_some("the log group name is not 1-512 characters of `A-Za-z0-9._/#-`")
}

/// AWS's `LogOutputFormat` values (EC2 API reference, CloudWatchLogOptionsSpecification,
/// read 2026-12-07).
pub const LOG_OUTPUT_FORMATS: &[&str] = &["json", "text"];

/// The `tunnel_logs {}` block: both tunnels log to one group; changed in place (a missing
/// block switches logging off).
pub fn tunnel_logs_block() -> NestedBlock {
    NestedBlock::single(
        names::TUNNEL_LOGS,
        Block::new("Tunnel activity logs (IKE, IPsec, DPD) of every AWS tunnel, sent to a CloudWatch Logs log group. Changed in place, one tunnel at a time; remove the block to switch logging off. The principal applying needs the CloudWatch Logs log-delivery permissions listed on this page.")
            .attr(Attribute::required(names::LOG_GROUP_ARN, Type::String, "ARN of the log group, `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`.").validator(one("`arn:<partition>:logs:<region>:<12-digit account>:log-group:<name>`, the name 1-512 characters of `A-Za-z0-9._/#-`, optionally ending in `:*`.", |v, at| log_group_arn(v.as_str()?, at))))
            .attr(Attribute::optional(names::OUTPUT_FORMAT, Type::String, "`json` or `text`.").default_value(Value::string("json")).validator(one_of("output format", LOG_OUTPUT_FORMATS))),
    )
    .max(1)
}

/// The `tunnel_logs` block of a configuration as the EC2 layer takes it; `None` when the
/// block is absent (logging off) or not yet known.
pub fn tunnel_logs(block: &Value) -> Option<TunnelLogOptions> {
    if block.is_null() || !block.is_wholly_known() {
        return None;
    }
    Some(TunnelLogOptions {
        log_group_arn: block.attr(names::LOG_GROUP_ARN).as_str()?.to_string(),
        output_format: block
            .attr(names::OUTPUT_FORMAT)
            .as_str()
            .unwrap_or("json")
            .to_string(),
    })
}

/// A string attribute (or each element of a list) is one of `allowed`.
pub fn one_of(what: &'static str, allowed: &'static [&'static str]) -> Arc<dyn Validator> {
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    validator::check(format!("one of {list}."), move |v, at| {
        let mut out = Diagnostics::new();
        let mut check = |s: &str, path: AttributePath| {
            if !allowed.contains(&s) {
                out.extend(err(
                    &path,
                    "Value not accepted by AWS",
                    format!(
                        "{s:?} is not an {what} AWS accepts; use one of {}.",
                        allowed.join(", ")
                    ),
                ));
            }
        };
        match v.as_str() {
            Some(s) => check(s, at.clone()),
            None => {
                for (i, x) in v.as_list().unwrap_or_default().iter().enumerate() {
                    if let Some(s) = x.as_str() {
                        check(s, at.clone().index(i as i64));
                    }
                }
            }
        }
        out
    })
}

/// Each number of a list is one of `allowed`.
pub fn each_number_one_of(what: &'static str, allowed: &'static [i64]) -> Arc<dyn Validator> {
    let list = allowed
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    validator::check(format!("each one of {list}."), move |v, at| {
        let mut out = Diagnostics::new();
        for (i, x) in v.as_list().unwrap_or_default().iter().enumerate() {
            if let Some(n) = x.as_i64() {
                if !allowed.contains(&n) {
                    out.extend(err(
                        &at.clone().index(i as i64),
                        "Value not accepted by AWS",
                        format!(
                            "{n} is not a {what} AWS accepts; use one of {}.",
                            allowed
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        out
    })
}

/// A number in `lo..=hi`.
pub fn in_range(what: &'static str, lo: i64, hi: i64) -> Arc<dyn Validator> {
    let description = if hi == i64::MAX {
        format!("at least {lo}.")
    } else {
        format!("{lo}-{hi}.")
    };
    validator::check(description, move |v, at| {
        let Some(n) = v.as_i64() else {
            return Diagnostics::new();
        };
        if (lo..=hi).contains(&n) {
            return Diagnostics::new();
        }
        let range = if hi == i64::MAX {
            format!("at least {lo}")
        } else {
            format!("{lo}-{hi}")
        };
        err(
            at,
            "Value out of AWS's range",
            format!("{what} must be {range}, not {n}."),
        )
        .into_iter()
        .collect()
    })
}

/// AWS's tunnel option values: EC2 API reference, VpnTunnelOptionsSpecification
/// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnTunnelOptionsSpecification.html,
/// read 2026-12-07), the same lists as botocore's EC2 model.
/// rule: AWS-TUNNEL-OPTIONS
pub mod tunnel_option_values {
    /// `IKEVersions`.
    pub const IKE_VERSIONS: &[&str] = &["ikev1", "ikev2"];
    /// `Phase1EncryptionAlgorithms` and `Phase2EncryptionAlgorithms`.
    pub const ENCRYPTION: &[&str] = &["AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"];
    /// `Phase1IntegrityAlgorithms` and `Phase2IntegrityAlgorithms`.
    pub const INTEGRITY: &[&str] = &["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"];
    /// `Phase1DHGroupNumbers`.
    pub const PHASE1_DH_GROUPS: &[i64] = &[2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
    /// `Phase2DHGroupNumbers` (phase 2 also takes group 5).
    pub const PHASE2_DH_GROUPS: &[i64] = &[2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
    /// `Phase1LifetimeSeconds`: 900-28800, default 28800.
    pub const PHASE1_LIFETIME: (i64, i64) = (900, 28_800);
    /// `Phase2LifetimeSeconds`: 900-3600, default 3600, less than phase 1's.
    pub const PHASE2_LIFETIME: (i64, i64) = (900, 3_600);
    /// `DPDTimeoutSeconds`: at least 30.
    pub const DPD_TIMEOUT_MIN: i64 = 30;
    /// `DPDTimeoutAction`.
    pub const DPD_TIMEOUT_ACTIONS: &[&str] = &["clear", "none", "restart"];
    /// `StartupAction`.
    pub const STARTUP_ACTIONS: &[&str] = &["add", "start"];
}

/// The attributes of the `tunnel_options` block.
pub mod tunnel_option_names {
    /// `ike_versions`.
    pub const IKE_VERSIONS: &str = "ike_versions";
    /// `phase1_encryption_algorithms`.
    pub const PHASE1_ENCRYPTION: &str = "phase1_encryption_algorithms";
    /// `phase2_encryption_algorithms`.
    pub const PHASE2_ENCRYPTION: &str = "phase2_encryption_algorithms";
    /// `phase1_integrity_algorithms`.
    pub const PHASE1_INTEGRITY: &str = "phase1_integrity_algorithms";
    /// `phase2_integrity_algorithms`.
    pub const PHASE2_INTEGRITY: &str = "phase2_integrity_algorithms";
    /// `phase1_dh_group_numbers`.
    pub const PHASE1_DH_GROUPS: &str = "phase1_dh_group_numbers";
    /// `phase2_dh_group_numbers`.
    pub const PHASE2_DH_GROUPS: &str = "phase2_dh_group_numbers";
    /// `phase1_lifetime_seconds`.
    pub const PHASE1_LIFETIME: &str = "phase1_lifetime_seconds";
    /// `phase2_lifetime_seconds`.
    pub const PHASE2_LIFETIME: &str = "phase2_lifetime_seconds";
    /// `dpd_timeout_seconds`.
    pub const DPD_TIMEOUT: &str = "dpd_timeout_seconds";
    /// `dpd_timeout_action`.
    pub const DPD_TIMEOUT_ACTION: &str = "dpd_timeout_action";
    /// `startup_action`.
    pub const STARTUP_ACTION: &str = "startup_action";
}

/// The `tunnel_options {}` blocks (AWS's own values, not only those Azure shares): one block
/// applies to both tunnels, two apply per tunnel (the first to the tunnel of the first inside
/// CIDR); every attribute left out keeps AWS's default.
pub fn tunnel_options_block(name: &'static str) -> NestedBlock {
    use tunnel_option_names as n;
    use tunnel_option_values as v;
    let strings = || Type::list(Type::String);
    let numbers = || Type::list(Type::Number);
    NestedBlock::list(
        name,
        Block::new("IKE/IPsec options of the AWS tunnels, validated against AWS's documented values (EC2 API reference, VpnTunnelOptionsSpecification): one block for both tunnels, or two blocks, the first for the tunnel of the first `tunnel_inside_cidrs` entry and the second for the other (tunnels are told apart by inside CIDR, never by position). Every attribute left out keeps AWS's default. Changed in place, one tunnel at a time.")
            .attr(Attribute::optional(n::IKE_VERSIONS, strings(), "Permitted IKE versions.").validator(one_of("IKE version", v::IKE_VERSIONS)))
            .attr(Attribute::optional(n::PHASE1_ENCRYPTION, strings(), "Permitted phase 1 encryption algorithms.").validator(one_of("encryption algorithm", v::ENCRYPTION)))
            .attr(Attribute::optional(n::PHASE2_ENCRYPTION, strings(), "Permitted phase 2 encryption algorithms.").validator(one_of("encryption algorithm", v::ENCRYPTION)))
            .attr(Attribute::optional(n::PHASE1_INTEGRITY, strings(), "Permitted phase 1 integrity algorithms.").validator(one_of("integrity algorithm", v::INTEGRITY)))
            .attr(Attribute::optional(n::PHASE2_INTEGRITY, strings(), "Permitted phase 2 integrity algorithms.").validator(one_of("integrity algorithm", v::INTEGRITY)))
            .attr(Attribute::optional(n::PHASE1_DH_GROUPS, numbers(), "Permitted phase 1 Diffie-Hellman groups.").validator(each_number_one_of("phase 1 DH group", v::PHASE1_DH_GROUPS)))
            .attr(Attribute::optional(n::PHASE2_DH_GROUPS, numbers(), "Permitted phase 2 Diffie-Hellman groups.").validator(each_number_one_of("phase 2 DH group", v::PHASE2_DH_GROUPS)))
            .attr(Attribute::optional(n::PHASE1_LIFETIME, Type::Number, "Phase 1 (IKE SA) lifetime in seconds; AWS's default 28800.").validator(in_range("phase1_lifetime_seconds", v::PHASE1_LIFETIME.0, v::PHASE1_LIFETIME.1)))
            .attr(Attribute::optional(n::PHASE2_LIFETIME, Type::Number, "Phase 2 (IPsec SA) lifetime in seconds, less than phase 1's; AWS's default 3600.").validator(in_range("phase2_lifetime_seconds", v::PHASE2_LIFETIME.0, v::PHASE2_LIFETIME.1)))
            .attr(Attribute::optional(n::DPD_TIMEOUT, Type::Number, "Seconds without dead peer detection answers before the DPD action; AWS's default 40.").validator(in_range("dpd_timeout_seconds", v::DPD_TIMEOUT_MIN, i64::MAX)))
            .attr(Attribute::optional(n::DPD_TIMEOUT_ACTION, Type::String, "After a DPD timeout: `clear` (end the IKE session, AWS's default), `none` or `restart`.").validator(one_of("DPD timeout action", v::DPD_TIMEOUT_ACTIONS)))
            .attr(Attribute::optional(n::STARTUP_ACTION, Type::String, "`add` (the device starts IKE, AWS's default) or `start` (AWS starts IKE).").validator(one_of("startup action", v::STARTUP_ACTIONS)))
            .rule(BlockRule::new(
                "phase2_lifetime_below_phase1",
                "`phase2_lifetime_seconds` is less than `phase1_lifetime_seconds` (AWS's default 28800 when unset). Reported on `phase2_lifetime_seconds`.",
                |b, at| {
                    let Some(p2) = b.attr(n::PHASE2_LIFETIME).as_i64() else {
                        return Diagnostics::new();
                    };
                    let p1 = b.attr(n::PHASE1_LIFETIME);
                    if p1.is_unknown() {
                        return Diagnostics::new();
                    }
                    let p1 = p1.as_i64().unwrap_or(v::PHASE1_LIFETIME.1);
                    if p2 < p1 {
                        return Diagnostics::new();
                    }
                    err(&at.clone().attr(n::PHASE2_LIFETIME), "Phase 2 lifetime not below phase 1", format!("phase2_lifetime_seconds ({p2}) must be less than phase1_lifetime_seconds ({p1}).")).into_iter().collect()
                },
            )),
    )
    .max(2)
}

/// One `tunnel_options` block as the EC2 layer takes it: only the IKE/IPsec fields of the
/// [`TunnelSpec`] are set (inside CIDR, key and logs come from their own attributes); an
/// attribute left out stays empty, so AWS keeps its default. Unknown values count as unset.
pub fn tunnel_option_spec(block: &Value) -> TunnelSpec {
    use tunnel_option_names as n;
    let strings = |a: &str| block.attr(a).as_string_vec().unwrap_or_default();
    let numbers = |a: &str| -> Vec<i32> {
        block
            .attr(a)
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_i64().and_then(|n| i32::try_from(n).ok()))
            .collect()
    };
    let number = |a: &str| block.attr(a).as_i64().and_then(|n| i32::try_from(n).ok());
    let string = |a: &str| block.attr(a).as_str().map(str::to_string);
    TunnelSpec {
        ike_versions: strings(n::IKE_VERSIONS),
        phase1_encryption: strings(n::PHASE1_ENCRYPTION),
        phase2_encryption: strings(n::PHASE2_ENCRYPTION),
        phase1_integrity: strings(n::PHASE1_INTEGRITY),
        phase2_integrity: strings(n::PHASE2_INTEGRITY),
        phase1_dh_groups: numbers(n::PHASE1_DH_GROUPS),
        phase2_dh_groups: numbers(n::PHASE2_DH_GROUPS),
        phase1_lifetime_seconds: number(n::PHASE1_LIFETIME),
        phase2_lifetime_seconds: number(n::PHASE2_LIFETIME),
        dpd_timeout_seconds: number(n::DPD_TIMEOUT),
        dpd_timeout_action: string(n::DPD_TIMEOUT_ACTION),
        startup_action: string(n::STARTUP_ACTION),
        ..Default::default()
    }
}

/// The IKE/IPsec options of each of the two tunnels, in the order of the inside CIDRs: no
/// block leaves AWS's defaults, one block applies to both, two apply one per tunnel.
pub fn tunnel_option_specs(blocks: &Value) -> [TunnelSpec; 2] {
    let list = blocks.as_list().unwrap_or_default();
    match list {
        [] => Default::default(),
        [both] => {
            let t = tunnel_option_spec(both);
            [t.clone(), t]
        }
        [first, second, ..] => [tunnel_option_spec(first), tunnel_option_spec(second)],
    }
}

/// A tunnel inside CIDR AWS accepts: a /30 network inside 169.254.0.0/16 (EC2 API
/// reference, VpnTunnelOptionsSpecification `TunnelInsideCidr`, read 2026-12-07). The
/// reserved /30s are checked by the caller's reserved-CIDR rule.
/// rule: AWS-INSIDE-CIDR
pub fn inside_cidr_in_aws_range(cidr: &str, path: &AttributePath) -> Option<Diagnostic> {
    let ok = cidr
        .parse::<Ipv4Net>()
        .ok()
        .filter(|n| n.prefix_len() == 30 && n.trunc() == *n)
        .is_some_and(|n| n.network().octets()[..2] == [169, 254]);
    if ok {
        return None;
    }
    err(path, "Inside CIDR outside AWS's range", format!("{cidr:?} must be a /30 network inside 169.254.0.0/16 (AWS uses the first host, the device the second)."))
}

/// An Amazon-side ASN AWS accepts for a virtual private gateway: 64512-65534 or
/// 4200000000-4294967294.
/// rule: AWS-AMAZON-ASN
pub fn amazon_side_asn_range(asn: i64, path: &AttributePath) -> Option<Diagnostic> {
    if (64512..=65534).contains(&asn) || (4_200_000_000..=4_294_967_294).contains(&asn) {
        return None;
    }
    err(path, "Invalid Amazon-side ASN", format!("{asn} is not a private ASN AWS accepts for a virtual private gateway (64512-65534 or 4200000000-4294967294)."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> AttributePath {
        AttributePath::attrs(["x"])
    }

    #[test]
    fn log_group_arns() {
        for ok in [
            "arn:aws:logs:us-east-1:123456789012:log-group:/vpn/office",
            "arn:aws:logs:eu-west-1:123456789012:log-group:vpn:*",
            "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:a#b_c.d-e",
        ] {
            assert!(log_group_arn(ok, &p()).is_none(), "{ok}");
        }
        for bad in [
            "/vpn/office",
            "arn:aws:s3:::bucket",
            "arn:aws:logs:us-east-1:1234:log-group:x",
            "arn:aws:logs:us-east-1:123456789012:destination:x",
            "arn:aws:logs::123456789012:log-group:x",
            "arn:aws:logs:us-east-1:123456789012:log-group:",
            "arn:aws:logs:us-east-1:123456789012:log-group:a b",
            "arn:azure:logs:us-east-1:123456789012:log-group:x",
        ] {
            assert!(log_group_arn(bad, &p()).is_some(), "{bad}");
        }
    }

    #[test]
    fn tunnel_logs_read_from_the_block() {
        let b = Value::object([
            (
                names::LOG_GROUP_ARN,
                Value::string("arn:aws:logs:us-east-1:123456789012:log-group:g"),
            ),
            (names::OUTPUT_FORMAT, Value::string("text")),
        ]);
        let t = tunnel_logs(&b).unwrap();
        assert_eq!(t.output_format, "text");
        assert!(tunnel_logs(&Value::Null).is_none());
    }

    #[test]
    fn option_blocks_become_tunnel_specs_shared_or_per_tunnel() {
        let block = |action: &str| {
            Value::object([
                ("ike_versions", Value::string_list(["ikev2"])),
                ("phase1_dh_group_numbers", Value::list(vec![Value::int(20)])),
                ("phase1_lifetime_seconds", Value::int(14_400)),
                ("dpd_timeout_action", Value::string(action)),
                ("startup_action", Value::Null),
            ])
        };
        let t = tunnel_option_spec(&block("restart"));
        assert_eq!(t.ike_versions, vec!["ikev2"]);
        assert_eq!(t.phase1_dh_groups, vec![20]);
        assert_eq!(t.phase1_lifetime_seconds, Some(14_400));
        assert_eq!(t.dpd_timeout_action.as_deref(), Some("restart"));
        assert_eq!(t.startup_action, None);
        assert!(t.psk.is_none() && t.inside_cidr.is_none() && t.log_options.is_none());
        let [a, b] = tunnel_option_specs(&Value::list(vec![block("clear")]));
        assert_eq!(a, b);
        let [a, b] = tunnel_option_specs(&Value::list(vec![block("clear"), block("none")]));
        assert_eq!(a.dpd_timeout_action.as_deref(), Some("clear"));
        assert_eq!(b.dpd_timeout_action.as_deref(), Some("none"));
        let [a, b] = tunnel_option_specs(&Value::Null);
        assert_eq!((a, b), (TunnelSpec::default(), TunnelSpec::default()));
    }

    #[test]
    fn option_values_and_ranges() {
        let d = one_of("x", tunnel_option_values::ENCRYPTION)
            .validate(&Value::string_list(["AES256", "DES"]), &p());
        assert_eq!(
            d.iter().next().unwrap().path.as_ref().unwrap().to_string(),
            "x[1]"
        );
        assert!(
            in_range("x", 30, i64::MAX)
                .validate(&Value::int(29), &p())
                .len()
                == 1
        );
        assert!(in_range("x", 30, i64::MAX)
            .validate(&Value::int(30), &p())
            .is_empty());
        assert!(inside_cidr_in_aws_range("169.254.100.0/30", &p()).is_none());
        assert!(inside_cidr_in_aws_range("169.253.100.0/30", &p()).is_some());
        assert!(inside_cidr_in_aws_range("169.254.100.1/30", &p()).is_some());
        assert!(amazon_side_asn_range(65515, &p()).is_none());
        assert!(amazon_side_asn_range(65535, &p()).is_some());
    }
}
