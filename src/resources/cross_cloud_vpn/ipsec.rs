//! The custom IKE/IPsec policy: one table per parameter listing the values both clouds
//! accept, each with its AWS and Azure spelling. The same table feeds the `ipsec_policy`
//! validator (the allowed values), the attribute's documentation ([`description`]) and the
//! mapping onto each cloud ([`aws_tunnel_policy`], [`azure_policy`]), so a value cannot be
//! allowed without a mapping or documented without being allowed.
//! rules: AZ-IPSEC-POLICY, AWS-TUNNEL-OPTIONS (only values both clouds accept).

use super::names;
use crate::cloud::aws::TunnelSpec;
use crate::cloud::azure::connection::IpsecPolicySpec;
use crate::tf::{AttributePath, Diagnostic, Value};
use std::fmt::Display;
use std::ops::RangeInclusive;

/// The custom IKE/IPsec policy, in our neutral spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `AES128`, `AES256`, `GCMAES128`, `GCMAES256`.
    pub ike_encryption: String,
    /// `SHA1`, `SHA256`, `SHA384`.
    pub ike_integrity: String,
    /// 2, 14, 19, 20, 24.
    pub dh_group: i64,
    /// `AES128`, `AES256`, `GCMAES128`, `GCMAES256`.
    pub ipsec_encryption: String,
    /// `SHA1`, `SHA256`, `GCMAES128`, `GCMAES256`.
    pub ipsec_integrity: String,
    /// 2, 14, 19, 20, 24.
    pub pfs_group: i64,
    /// IPsec SA lifetime.
    pub sa_lifetime_seconds: i64,
}

/// One value of a parameter: ours (the configuration's), AWS's and Azure's spelling.
#[derive(Debug)]
pub struct Choice<T: 'static, A: 'static> {
    /// The configuration's value.
    pub ours: T,
    /// AWS's spelling (tunnel options).
    pub aws: A,
    /// Azure's spelling (`ipsecPolicies[0]`).
    pub azure: &'static str,
    /// How the documentation lists it; empty when the parameter's note covers it.
    pub doc: &'static str,
}

/// One parameter of the `ipsec_policy` block.
#[derive(Debug)]
pub struct Param<T: 'static, A: 'static> {
    /// The attribute name.
    pub name: &'static str,
    /// What it is, for the documentation.
    pub what: &'static str,
    /// The values both clouds accept, in documentation order.
    pub choices: &'static [Choice<T, A>],
    /// Appended to the documented list (e.g. a hint on combinations).
    pub note: &'static str,
}

impl<T: Display, A: Copy> Param<T, A> {
    fn find<Q>(&self, ours: &Q) -> Option<&Choice<T, A>>
    where
        T: PartialEq<Q>,
    {
        self.choices.iter().find(|c| c.ours.eq(ours))
    }

    /// The allowed values as the validator lists them.
    fn allowed(&self) -> Vec<String> {
        self.choices.iter().map(|c| c.ours.to_string()).collect()
    }

    /// AWS's spelling of `ours`, `fallback` for a value outside the table.
    fn aws<Q>(&self, ours: &Q, fallback: A) -> A
    where
        T: PartialEq<Q>,
    {
        self.find(ours).map_or(fallback, |c| c.aws)
    }
}

/// A table row: ours, AWS's and Azure's spelling, and how the documentation lists it.
const fn row<T, A>(ours: T, aws: A, azure: &'static str, doc: &'static str) -> Choice<T, A> {
    Choice {
        ours,
        aws,
        azure,
        doc,
    }
}

/// Phase 1 and phase 2 encryption share the table: both clouds offer the same ciphers.
const ENCRYPTION: &[Choice<&str, &str>] = &[
    row("AES128", "AES128", "AES128", "`AES128`"),
    row("AES256", "AES256", "AES256", "`AES256`"),
    row("GCMAES128", "AES128-GCM-16", "GCMAES128", "`GCMAES128`"),
    row("GCMAES256", "AES256-GCM-16", "GCMAES256", "`GCMAES256`"),
];

/// SHA1 integrity, which phase 1 and phase 2 share.
const SHA1: Choice<&str, &str> = row("SHA1", "SHA1", "SHA1", "`SHA1`");
/// SHA256 integrity, which phase 1 and phase 2 share.
const SHA256: Choice<&str, &str> = row("SHA256", "SHA2-256", "SHA256", "`SHA256`");

/// `ike_encryption`.
pub const IKE_ENCRYPTION: Param<&str, &str> = Param {
    name: names::ipsec_policy::IKE_ENCRYPTION,
    what: "IKE (phase 1) encryption",
    choices: ENCRYPTION,
    note: "",
};

/// `ike_integrity`.
pub const IKE_INTEGRITY: Param<&str, &str> = Param {
    name: names::ipsec_policy::IKE_INTEGRITY,
    what: "IKE integrity",
    choices: &[
        SHA1,
        SHA256,
        row("SHA384", "SHA2-384", "SHA384", "`SHA384`"),
    ],
    note: "",
};

/// `ipsec_encryption`.
pub const IPSEC_ENCRYPTION: Param<&str, &str> = Param {
    name: names::ipsec_policy::IPSEC_ENCRYPTION,
    what: "IPsec (phase 2) encryption",
    choices: ENCRYPTION,
    note: "",
};

/// `ipsec_integrity`. A GCM cipher carries its own integrity on Azure (`GCMAES*`); AWS
/// still takes a phase 2 integrity algorithm, so it gets SHA2-256 there.
pub const IPSEC_INTEGRITY: Param<&str, &str> = Param {
    name: names::ipsec_policy::IPSEC_INTEGRITY,
    what: "IPsec integrity",
    choices: &[
        SHA1,
        SHA256,
        row("GCMAES128", "SHA2-256", "GCMAES128", ""),
        row("GCMAES256", "SHA2-256", "GCMAES256", ""),
    ],
    note: " (with GCM ciphers use the matching `GCMAES*`)",
};

/// `dh_group`: AWS takes the group number itself.
pub const DH_GROUP: Param<i64, i64> = Param {
    name: names::ipsec_policy::DH_GROUP,
    what: "IKE Diffie-Hellman group",
    choices: &[
        row(2, 2, "DHGroup2", "2"),
        row(14, 14, "DHGroup14", "14"),
        row(19, 19, "ECP256", "19 (ECP256)"),
        row(20, 20, "ECP384", "20 (ECP384)"),
        row(24, 24, "DHGroup24", "24"),
    ],
    note: "",
};

/// `pfs_group`: AWS takes the group number itself.
pub const PFS_GROUP: Param<i64, i64> = Param {
    name: names::ipsec_policy::PFS_GROUP,
    what: "IPsec PFS group",
    choices: &[
        row(2, 2, "PFS2", "2"),
        row(14, 14, "PFS14", "14"),
        row(19, 19, "ECP256", "19"),
        row(20, 20, "ECP384", "20"),
        row(24, 24, "PFS24", "24"),
    ],
    note: "",
};

/// `sa_lifetime_seconds`: the AWS phase 2 range, which Azure accepts too.
pub const SA_LIFETIME_SECONDS: RangeInclusive<i64> = 900..=3600;

/// IPsec SA payload limit sent with a custom policy: 102,400,000 KB, the azurerm
/// `ipsec_policy.sa_datasize` default (AWS has no such limit, so the largest common value).
pub const AZURE_SA_DATA_SIZE_KB: i32 = 102_400_000;

/// The documentation of a string parameter: "what: `A`, `B`{note}.".
pub fn description(p: &Param<&str, &str>) -> String {
    let listed: Vec<&str> = p
        .choices
        .iter()
        .map(|c| c.doc)
        .filter(|d| !d.is_empty())
        .collect();
    format!("{}: {}{}.", p.what, listed.join(", "), p.note)
}

/// The documentation of a group parameter: "what: 2, 14 or 24.".
pub fn group_description(p: &Param<i64, i64>) -> String {
    let docs: Vec<&str> = p.choices.iter().map(|c| c.doc).collect();
    format!("{}: {}{}.", p.what, or_list(&docs), p.note)
}

/// The documentation of `sa_lifetime_seconds`.
pub fn sa_lifetime_description() -> String {
    format!(
        "IPsec SA lifetime ({}-{} s, the range both clouds accept).",
        SA_LIFETIME_SECONDS.start(),
        SA_LIFETIME_SECONDS.end()
    )
}

/// The documentation of the whole policy rule: every parameter's allowed values, from the
/// same tables the validator and the mappings use.
pub fn policy_description() -> String {
    let strings = [
        &IKE_ENCRYPTION,
        &IKE_INTEGRITY,
        &IPSEC_ENCRYPTION,
        &IPSEC_INTEGRITY,
    ]
    .map(description);
    let groups = [&DH_GROUP, &PFS_GROUP].map(group_description);
    format!(
        "The `ipsec_policy` values are ones both clouds accept. {} {} {} Reported on the offending attribute.",
        strings.join(" "),
        groups.join(" "),
        sa_lifetime_description()
    )
}

/// `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The custom IPsec policy uses values both clouds accept.
/// rules: AZ-IPSEC-POLICY, AWS-TUNNEL-OPTIONS (only values both clouds accept).
pub fn ipsec_policy(p: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if p.is_null() || !p.is_wholly_known() {
        return out;
    }
    let at = |a: &str| AttributePath::root().attr(names::IPSEC_POLICY).attr(a);
    for param in [
        &IKE_ENCRYPTION,
        &IKE_INTEGRITY,
        &IPSEC_ENCRYPTION,
        &IPSEC_INTEGRITY,
    ] {
        let a = param.name;
        if let Some(v) = p.attr(a).as_str() {
            if param.find(&v).is_none() {
                out.push(
                    Diagnostic::error(
                        "Unsupported IPsec policy value",
                        format!(
                            "{a} must be one of {}, not {v:?}.",
                            param.allowed().join(", ")
                        ),
                    )
                    .with_path(at(a)),
                );
            }
        }
    }
    for param in [&DH_GROUP, &PFS_GROUP] {
        let g = param.name;
        if let Some(n) = p.attr(g).as_i64() {
            if param.find(&n).is_none() {
                let allowed = param.allowed();
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                out.push(
                    Diagnostic::error(
                        "Unsupported Diffie-Hellman group",
                        format!(
                            "{g} must be {} (groups both clouds offer), not {n}.",
                            or_list(&allowed)
                        ),
                    )
                    .with_path(at(g)),
                );
            }
        }
    }
    if let Some(n) = p.attr(names::ipsec_policy::SA_LIFETIME_SECONDS).as_i64() {
        if !SA_LIFETIME_SECONDS.contains(&n) {
            out.push(
                Diagnostic::error(
                    "Unsupported SA lifetime",
                    format!(
                        "sa_lifetime_seconds must be {}-{} (AWS phase 2 range), not {n}.",
                        SA_LIFETIME_SECONDS.start(),
                        SA_LIFETIME_SECONDS.end()
                    ),
                )
                .with_path(at(names::ipsec_policy::SA_LIFETIME_SECONDS)),
            );
        }
    }
    out
}

/// AWS phase-1/2 spelling of our neutral policy values (IKEv2 only). A value outside the
/// tables (refused at validate) falls back to AES256 / SHA2-256.
pub fn aws_tunnel_policy(spec: &mut TunnelSpec, p: &Policy) {
    let ike_enc = IKE_ENCRYPTION.aws(&p.ike_encryption.as_str(), "AES256");
    let ipsec_enc = IPSEC_ENCRYPTION.aws(&p.ipsec_encryption.as_str(), "AES256");
    spec.phase1_encryption = vec![ike_enc.into()];
    spec.phase1_integrity = vec![IKE_INTEGRITY
        .aws(&p.ike_integrity.as_str(), "SHA2-256")
        .into()];
    spec.phase1_dh_groups = vec![DH_GROUP.aws(&p.dh_group, p.dh_group) as i32];
    spec.phase2_encryption = vec![ipsec_enc.into()];
    spec.phase2_integrity = vec![IPSEC_INTEGRITY
        .aws(&p.ipsec_integrity.as_str(), "SHA2-256")
        .into()];
    spec.phase2_dh_groups = vec![PFS_GROUP.aws(&p.pfs_group, p.pfs_group) as i32];
    spec.ike_versions = vec!["ikev2".into()];
    spec.phase2_lifetime_seconds = Some(p.sa_lifetime_seconds as i32);
}

/// Azure `ipsecPolicies[0]` for our neutral policy values (ARM enum spellings). Ciphers and
/// integrity outside the tables pass through; a group outside them becomes group 14.
pub fn azure_policy(p: &Policy) -> IpsecPolicySpec {
    let text = |param: &Param<&str, &str>, v: &str| -> String {
        param.find(&v).map_or(v, |c| c.azure).to_string()
    };
    let group = |param: &Param<i64, i64>, g: i64, fallback: &str| -> String {
        param.find(&g).map_or(fallback, |c| c.azure).to_string()
    };
    IpsecPolicySpec {
        sa_life_time_seconds: p.sa_lifetime_seconds as i32,
        sa_data_size_kilobytes: AZURE_SA_DATA_SIZE_KB,
        ipsec_encryption: text(&IPSEC_ENCRYPTION, &p.ipsec_encryption),
        ipsec_integrity: text(&IPSEC_INTEGRITY, &p.ipsec_integrity),
        ike_encryption: text(&IKE_ENCRYPTION, &p.ike_encryption),
        ike_integrity: text(&IKE_INTEGRITY, &p.ike_integrity),
        dh_group: group(&DH_GROUP, p.dh_group, "DHGroup14"),
        pfs_group: group(&PFS_GROUP, p.pfs_group, "PFS14"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            ike_encryption: "GCMAES256".into(),
            ike_integrity: "SHA384".into(),
            dh_group: 20,
            ipsec_encryption: "AES128".into(),
            ipsec_integrity: "GCMAES128".into(),
            pfs_group: 24,
            sa_lifetime_seconds: 1800,
        }
    }

    #[test]
    fn every_parameter_maps_onto_both_clouds() {
        let mut spec = TunnelSpec::default();
        aws_tunnel_policy(&mut spec, &policy());
        assert_eq!(spec.phase1_encryption, ["AES256-GCM-16"]);
        assert_eq!(spec.phase1_integrity, ["SHA2-384"]);
        assert_eq!(spec.phase1_dh_groups, [20]);
        assert_eq!(spec.phase2_encryption, ["AES128"]);
        assert_eq!(spec.phase2_integrity, ["SHA2-256"]);
        assert_eq!(spec.phase2_dh_groups, [24]);
        assert_eq!(spec.ike_versions, ["ikev2"]);
        assert_eq!(spec.phase2_lifetime_seconds, Some(1800));
        let az = azure_policy(&policy());
        assert_eq!(
            (az.dh_group.as_str(), az.pfs_group.as_str()),
            ("ECP384", "PFS24")
        );
        assert_eq!(az.ike_encryption, "GCMAES256");
        assert_eq!(az.ipsec_integrity, "GCMAES128");
        assert_eq!(az.sa_data_size_kilobytes, AZURE_SA_DATA_SIZE_KB);
        assert_eq!(az.sa_life_time_seconds, 1800);
    }

    /// An `ipsec_policy` block: (ike enc, ike integ, dh, ipsec enc, ipsec integ, pfs, life).
    fn block(v: (&str, &str, i64, &str, &str, i64, i64)) -> Value {
        Value::object([
            ("ike_encryption", Value::string(v.0)),
            ("ike_integrity", Value::string(v.1)),
            ("dh_group", Value::int(v.2)),
            ("ipsec_encryption", Value::string(v.3)),
            ("ipsec_integrity", Value::string(v.4)),
            ("pfs_group", Value::int(v.5)),
            ("sa_lifetime_seconds", Value::int(v.6)),
        ])
    }

    #[test]
    fn every_allowed_value_passes_the_validator() {
        for (e, i, g) in [("AES128", "SHA1", 2), ("GCMAES256", "GCMAES256", 24)] {
            let pol = block((e, "SHA384", g, e, i, g, 900));
            assert!(ipsec_policy(&pol).is_empty(), "{e} {i} {g}");
        }
    }

    #[test]
    fn policy_values_both_clouds_accept() {
        let pol = block(("AES256", "MD5", 5, "AES256", "SHA256", 14, 3600));
        assert_eq!(ipsec_policy(&pol).len(), 2);
    }

    #[test]
    fn refusals_list_the_table_and_name_the_attribute() {
        let pol = block(("DES", "SHA256", 14, "AES256", "SHA256", 5, 4000));
        let diags = ipsec_policy(&pol);
        let text: Vec<String> = diags.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(
            text,
            [
                "ike_encryption must be one of AES128, AES256, GCMAES128, GCMAES256, not \"DES\".",
                "pfs_group must be 2, 14, 19, 20 or 24 (groups both clouds offer), not 5.",
                "sa_lifetime_seconds must be 900-3600 (AWS phase 2 range), not 4000.",
            ]
        );
        let at = |a: &str| Some(AttributePath::root().attr("ipsec_policy").attr(a));
        let paths: Vec<_> = diags.iter().map(|d| d.path.clone()).collect();
        assert_eq!(
            paths,
            [
                at("ike_encryption"),
                at("pfs_group"),
                at("sa_lifetime_seconds")
            ]
        );
    }
}
