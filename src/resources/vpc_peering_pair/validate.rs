//! The checks that refuse a bad peering before anything is created: offline ones on the
//! configuration (attached to the schema: blocks present, self-peering, region syntax;
//! timeouts come with the `timeouts` block) and, at plan time
//! with read-only calls, unknown accounts, missing VPCs, overlapping CIDR blocks of the two
//! VPCs (all associated blocks) and route tables that are not in their side's VPC.

use super::names::{self, side as side_names};
use super::sides::{cloud_diag, Sides};
use super::state::{PairState, Side};
use crate::provider::validate::aws_region;
use crate::tf::validator::{self, BlockRule, Validator};
use crate::tf::{AttributePath, Diagnostic, Diagnostics};
use ipnet::Ipv4Net;
use std::sync::Arc;

fn path(side: Side, attr: &str) -> AttributePath {
    AttributePath::attrs([side.as_str(), attr])
}

/// The validator of `accepter.region`: an AWS region name.
pub fn region() -> Arc<dyn Validator> {
    validator::check("an AWS region name such as `us-east-1`.", |v, at| {
        aws_region(v, at).into_iter().collect()
    })
}

/// Rule `both_sides`: the `requester` and `accepter` blocks are both present.
pub fn both_sides() -> BlockRule {
    BlockRule::new(
        "both_sides",
        "Both the `requester` and the `accepter` block are set. Reported on the missing block.",
        |config, at| {
            let mut diags = Diagnostics::new();
            for side in [names::REQUESTER, names::ACCEPTER] {
                if config.attr(side).is_null() {
                    diags.push(
                        Diagnostic::error(
                            format!("Missing {side} block"),
                            format!(
                                "A cloudlink_vpc_peering_pair needs a `{side} {{ vpc_id = ... }}` block."
                            ),
                        )
                        .with_path(at.clone().attr(side)),
                    );
                }
            }
            diags
        },
    )
}

/// Rule `no_self_peering`: the same VPC on both sides in the same account and region (as
/// far as the configuration tells; the plan checks again once accounts and regions are
/// resolved).
pub fn no_self_peering() -> BlockRule {
    BlockRule::new(
        "no_self_peering",
        "`requester.vpc_id` and `accepter.vpc_id` differ when both sides are in the same account and region (checked again at plan with the resolved account and region). Reported on `accepter.vpc_id`.",
        |config, _| {
            let acc = config.attr(names::ACCEPTER);
            let (r, a) = (
                config.attr(names::REQUESTER).attr(side_names::VPC_ID).as_str(),
                acc.attr(side_names::VPC_ID).as_str(),
            );
            match (r, a) {
                (Some(r), Some(a))
                    if r == a
                        && acc.attr(side_names::ACCOUNT).is_null()
                        && acc.attr(side_names::REGION).is_null() =>
                {
                    self_peering(r).into()
                }
                _ => Diagnostics::new(),
            }
        },
    )
}

fn self_peering(vpc: &str) -> Diagnostic {
    Diagnostic::error(
        "A VPC cannot peer with itself",
        format!("requester.vpc_id and accepter.vpc_id are both {vpc} in the same account and region; AWS refuses a peering of a VPC with itself."),
    )
    .with_path(path(Side::Accepter, side_names::VPC_ID))
}

/// The first pair of overlapping blocks, one from each list.
/// rule: AWS-PEERING-CIDR-OVERLAP
pub fn overlapping(a: &[String], b: &[String]) -> Option<(String, String)> {
    for x in a {
        for y in b {
            if let (Ok(nx), Ok(ny)) = (x.parse::<Ipv4Net>(), y.parse::<Ipv4Net>()) {
                if nx.contains(&ny) || ny.contains(&nx) {
                    return Some((x.clone(), y.clone()));
                }
            }
        }
    }
    None
}

/// The plan-time checks with read-only calls (DescribeVpcs, DescribeRouteTables) on the
/// resolved `sides`. `check_vpcs` is false when the VPCs did not change since the peering was
/// created; `new_tables` limits the route table check to the tables not already in state.
pub async fn at_plan(
    sides: &Sides,
    planned: &PairState,
    check_vpcs: bool,
    new_tables: &(dyn Fn(Side, &str) -> bool + Sync),
    diags: &mut Diagnostics,
) {
    // Every read at once (and each coalesced with the other pairs' reads of this plan).
    let table_checks = [Side::Requester, Side::Accepter]
        .into_iter()
        .filter_map(|side| Some((side, planned.side(side).vpc_id.as_deref()?)))
        .flat_map(|(side, vpc)| {
            planned
                .side(side)
                .tables()
                .iter()
                .filter(move |rtb| new_tables(side, rtb))
                .map(move |rtb| (side, vpc, rtb.clone()))
                .collect::<Vec<_>>()
        })
        .map(|(side, vpc, rtb)| async move { check_route_table(sides, side, vpc, &rtb).await });
    let mut vpc_diags = Diagnostics::new();
    let vpc_check = async {
        if check_vpcs {
            check_vpc_pair(sides, planned, &mut vpc_diags).await;
        }
    };
    let ((), table_diags) = futures::join!(vpc_check, futures::future::join_all(table_checks));
    diags.extend(vpc_diags);
    diags.extend(table_diags.into_iter().flatten());
}

/// The route table `rtb` listed on `side` exists and belongs to that side's VPC `vpc`.
async fn check_route_table(sides: &Sides, side: Side, vpc: &str, rtb: &str) -> Option<Diagnostic> {
    match sides.ec2(side).find_route_table_by_id(rtb).await {
        Err(e) => Some(cloud_diag(e).with_path(path(side, side_names::ROUTE_TABLE_IDS))),
        Ok(None) => Some(
            Diagnostic::error(
                "Route table not found",
                format!(
                    "Route table {rtb} does not exist in account {} region {} (the {} side).",
                    sides.owner(side),
                    sides.ec2(side).region(),
                    side.as_str()
                ),
            )
            .with_path(path(side, side_names::ROUTE_TABLE_IDS)),
        ),
        Ok(Some(t)) if t.vpc_id != vpc => Some(
            Diagnostic::error(
                "Route table belongs to another VPC",
                format!(
                    "Route table {rtb} belongs to {}, not to the {} VPC {vpc}; only route tables of {vpc} can be listed in {}.route_table_ids.",
                    t.vpc_id,
                    side.as_str(),
                    side.as_str()
                ),
            )
            .with_path(path(side, side_names::ROUTE_TABLE_IDS)),
        ),
        Ok(Some(_)) => None,
    }
}

async fn check_vpc_pair(sides: &Sides, planned: &PairState, diags: &mut Diagnostics) {
    let (Some(rv), Some(av)) = (
        planned.requester.vpc_id.as_deref(),
        planned.accepter.vpc_id.as_deref(),
    ) else {
        return;
    };
    if rv == av && sides.same_place() {
        diags.push(self_peering(rv));
        return;
    }
    let mut blocks = Vec::new();
    let (req, acc) = futures::join!(
        sides.ec2(Side::Requester).find_vpc_by_id(rv),
        sides.ec2(Side::Accepter).find_vpc_by_id(av)
    );
    for ((side, vpc), found) in [(Side::Requester, rv), (Side::Accepter, av)]
        .into_iter()
        .zip([req, acc])
    {
        match found {
            Err(e) => diags.push(cloud_diag(e).with_path(path(side, side_names::VPC_ID))),
            Ok(None) => diags.push(
                Diagnostic::error(
                    "VPC not found",
                    format!(
                        "VPC {vpc} does not exist in account {} region {} (the {} side).",
                        sides.owner(side),
                        sides.ec2(side).region(),
                        side.as_str()
                    ),
                )
                .with_path(path(side, side_names::VPC_ID)),
            ),
            Ok(Some(v)) => blocks.push(v.cidr_blocks),
        }
    }
    if let [req, acc] = blocks.as_slice() {
        if let Some((x, y)) = overlapping(req, acc) {
            diags.push(
                Diagnostic::error(
                    "VPC CIDR blocks overlap",
                    format!("The requester VPC {rv} ({}) and the accepter VPC {av} ({}) have overlapping CIDR blocks ({x} and {y}). AWS cannot peer VPCs with overlapping IPv4 CIDR blocks (the request would end in `failed`).", req.join(", "), acc.join(", ")),
                )
                .with_path(path(Side::Accepter, side_names::VPC_ID)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_found_across_all_blocks() {
        let a = vec!["10.0.0.0/16".to_string(), "10.9.0.0/16".to_string()];
        let b = vec!["10.1.0.0/16".to_string(), "10.9.128.0/17".to_string()];
        assert_eq!(
            overlapping(&a, &b),
            Some(("10.9.0.0/16".into(), "10.9.128.0/17".into()))
        );
        assert_eq!(overlapping(&a[..1], &b[..1]), None);
    }
}
