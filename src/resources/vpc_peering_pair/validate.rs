//! The checks that refuse a bad peering before anything is created: offline ones on the
//! configuration (blocks present, self-peering, region syntax, timeouts) and, at plan time
//! with read-only calls, unknown accounts, missing VPCs, overlapping CIDR blocks of the two
//! VPCs (all associated blocks) and route tables that are not in their side's VPC.

use super::sides::{cloud_diag, Sides};
use super::state::{PairState, Side};
use crate::provider::validate::aws_region;
use crate::resources::timeouts;
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};
use ipnet::Ipv4Net;

fn path(side: Side, attr: &str) -> AttributePath {
    AttributePath::attrs([side.as_str(), attr])
}

/// Offline checks of a configuration (unknown values pass).
pub fn config(config: &Value) -> Diagnostics {
    let mut diags = timeouts::validate(config);
    for side in [Side::Requester, Side::Accepter] {
        if config.attr(side.as_str()).is_null() {
            diags.push(
                Diagnostic::error(
                    format!("Missing {} block", side.as_str()),
                    format!(
                        "A cloudlink_vpc_peering_pair needs a `{} {{ vpc_id = ... }}` block.",
                        side.as_str()
                    ),
                )
                .with_path(AttributePath::root().attr(side.as_str())),
            );
        }
    }
    let acc = config.attr("accepter");
    diags.extend(aws_region(
        acc.attr("region"),
        &path(Side::Accepter, "region"),
    ));
    let (r, a) = (
        config.attr("requester").attr("vpc_id").as_str(),
        acc.attr("vpc_id").as_str(),
    );
    if let (Some(r), Some(a)) = (r, a) {
        if r == a && acc.attr("account").is_null() && acc.attr("region").is_null() {
            diags.push(self_peering(r));
        }
    }
    diags
}

fn self_peering(vpc: &str) -> Diagnostic {
    Diagnostic::error(
        "A VPC cannot peer with itself",
        format!("requester.vpc_id and accepter.vpc_id are both {vpc} in the same account and region; AWS refuses a peering of a VPC with itself."),
    )
    .with_path(path(Side::Accepter, "vpc_id"))
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

/// What the plan-time checks found out, for the plan to use.
#[derive(Debug, Default)]
pub struct Checked {
    /// Both sides resolved (credentials, regions, account ids).
    pub sides: Option<Sides>,
}

/// The plan-time checks with read-only calls (DescribeVpcs, DescribeRouteTables,
/// GetCallerIdentity). `check_vpcs` is false when the VPCs did not
/// change since the peering was created; `new_tables` limits the route table check to the
/// tables not already in state.
pub async fn at_plan(
    ctx: &crate::provider::ProviderContext,
    planned: &PairState,
    check_vpcs: bool,
    new_tables: &(dyn Fn(Side, &str) -> bool + Sync),
    diags: &mut Diagnostics,
) -> Checked {
    let sides = match Sides::of(ctx, planned).await {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return Checked::default();
        }
    };
    if check_vpcs {
        check_vpc_pair(&sides, planned, diags).await;
    }
    for side in [Side::Requester, Side::Accepter] {
        let Some(vpc) = planned.side(side).vpc_id.as_deref() else {
            continue;
        };
        for rtb in planned.side(side).tables() {
            if !new_tables(side, rtb) {
                continue;
            }
            match sides.ec2(side).find_route_table_by_id(rtb).await {
                Err(e) => diags.push(cloud_diag(e).with_path(path(side, "route_table_ids"))),
                Ok(None) => diags.push(
                    Diagnostic::error(
                        "Route table not found",
                        format!(
                            "Route table {rtb} does not exist in account {} region {} (the {} side).",
                            sides.owner(side),
                            sides.ec2(side).region(),
                            side.as_str()
                        ),
                    )
                    .with_path(path(side, "route_table_ids")),
                ),
                Ok(Some(t)) if t.vpc_id != vpc => diags.push(
                    Diagnostic::error(
                        "Route table belongs to another VPC",
                        format!(
                            "Route table {rtb} belongs to {}, not to the {} VPC {vpc}; only route tables of {vpc} can be listed in {}.route_table_ids.",
                            t.vpc_id,
                            side.as_str(),
                            side.as_str()
                        ),
                    )
                    .with_path(path(side, "route_table_ids")),
                ),
                Ok(Some(_)) => {}
            }
        }
    }
    Checked { sides: Some(sides) }
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
    for (side, vpc) in [(Side::Requester, rv), (Side::Accepter, av)] {
        match sides.ec2(side).find_vpc_by_id(vpc).await {
            Err(e) => diags.push(cloud_diag(e).with_path(path(side, "vpc_id"))),
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
                .with_path(path(side, "vpc_id")),
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
                .with_path(path(Side::Accepter, "vpc_id")),
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
