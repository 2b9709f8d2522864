//! The offline checks of a mesh configuration, attached to the schema: at least two members,
//! no VPC in two members, quota settings within what AWS allows.

use super::names::{self, member};
use super::places::member_path;
use crate::tf::validator::{self, BlockRule, Validator};
use crate::tf::{Diagnostic, Diagnostics};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The validator of a quota setting: a whole number from 1 to `highest` (the most AWS raises
/// that quota to).
pub fn quota(highest: i64) -> Arc<dyn Validator> {
    validator::check(
        format!("a whole number from 1 to {highest} (the highest value AWS raises this quota to)."),
        move |v, at| {
            let mut d = Diagnostics::new();
            if v.is_null() || !v.is_wholly_known() {
                return d;
            }
            if !v.as_i64().is_some_and(|n| (1..=highest).contains(&n)) {
                d.push(
                    Diagnostic::error(
                        "Quota out of range",
                        format!("Expected a whole number from 1 to {highest}, the highest value AWS raises this quota to."),
                    )
                    .with_path(at.clone()),
                );
            }
            d
        },
    )
}

/// Rule `at_least_two_members`: a mesh needs two `member` blocks or more.
pub fn at_least_two_members() -> BlockRule {
    BlockRule::new(
        "at_least_two_members",
        "At least two `member` blocks. Reported on the resource.",
        |config, at| {
            let members = config.attr(names::MEMBER);
            match members.as_map() {
                Some(m) if m.len() < 2 => Diagnostic::error(
                    "A mesh needs at least two members",
                    format!(
                        "This mesh has {} member block(s); peering needs two VPCs or more. Use `member \"NAME\" {{ vpc_id = ... }}` blocks.",
                        m.len()
                    ),
                )
                .with_path(at.clone())
                .into(),
                None if members.is_null() => Diagnostic::error(
                    "A mesh needs at least two members",
                    "Add `member \"NAME\" { vpc_id = ... }` blocks, two or more.",
                )
                .with_path(at.clone())
                .into(),
                _ => Diagnostics::new(),
            }
        },
    )
}

/// Rule `distinct_vpcs`: no VPC in two members with the same account and region settings.
pub fn distinct_vpcs() -> BlockRule {
    BlockRule::new(
        "distinct_vpcs",
        "No two members name the same `vpc_id` with the same `account` and `region` (a VPC cannot peer with itself). Reported on the second member's `vpc_id`.",
        |config, _| {
            let mut seen: BTreeMap<(String, Option<String>, Option<String>), String> = BTreeMap::new();
            let mut diags = Diagnostics::new();
            for (name, m) in config.attr(names::MEMBER).as_map().into_iter().flatten() {
                let Some(vpc) = m.attr(member::VPC_ID).as_str() else {
                    continue;
                };
                let (account, region) = (m.attr(member::ACCOUNT), m.attr(member::REGION));
                if !account.is_wholly_known() || !region.is_wholly_known() {
                    continue;
                }
                let key = (
                    vpc.to_string(),
                    account.as_str().map(str::to_string),
                    region.as_str().map(str::to_string),
                );
                match seen.get(&key) {
                    Some(first) => diags.push(
                        Diagnostic::error(
                            "A VPC cannot peer with itself",
                            format!("Members {first:?} and {name:?} both name {vpc} in the same account and region; each VPC is one member."),
                        )
                        .with_path(member_path(name, member::VPC_ID)),
                    ),
                    None => {
                        seen.insert(key, name.clone());
                    }
                }
            }
            diags
        },
    )
}
