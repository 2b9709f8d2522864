//! Plan refinements: the `pairs` map planned key by key (a pair whose members stay keeps its
//! peering, with the routes and DNS options the configuration asks for; a new pair is known
//! after apply; a pair of a removed member is gone), a member whose VPC, account or region
//! changed loses what was learnt about it, a warning names the pairs added and removed, and
//! when the members or limits change the read-only checks of [`super::checks`] run.

use super::apply::journal;
use super::checks;
use super::names::{self, member};
use super::places::Places;
use super::reachability;
use super::state::{MeshState, PairEntry};
use crate::provider::{PlanRequest, PlanResponse, ProviderContext};
use crate::resources::claim;
use crate::resources::default_tags;
use crate::resources::reachability::{CHECK_REACHABILITY, REACHABILITY};
use crate::tf::{Diagnostic, Value};
use std::collections::BTreeMap;

/// Refines `plan` for `req`.
pub async fn modify(ctx: Option<&ProviderContext>, req: &PlanRequest, plan: &mut PlanResponse) {
    if plan.planned.is_null() {
        return;
    }
    default_tags::plan_tags_all(ctx, &mut plan.planned, &mut plan.diags);
    let creating = req.prior.is_null();
    let prior = MeshState::from_value(&req.prior);
    forget_moved_members(req, &prior, &mut plan.planned);
    let planned = MeshState::from_value(&plan.planned);
    let (pairs, added, removed) = plan_pairs(&prior, &planned);
    plan.planned.set_attr(names::PAIRS, pairs);
    if !creating && (!added.is_empty() || !removed.is_empty()) {
        plan.diags.push(pairs_change_warning(&added, &removed));
    }
    let check_changed = !plan
        .planned
        .attr(CHECK_REACHABILITY)
        .equals(req.prior.attr(CHECK_REACHABILITY));
    if creating || check_changed || !members_unchanged(req, &plan.planned) {
        // What decides the verdicts changed: judged again (at plan, then at apply).
        plan.planned.set_attr(REACHABILITY, Value::unknown());
    }
    let Some(ctx) = ctx else {
        return;
    };
    if plan.diags.has_errors() {
        return;
    }
    let limits_changed = [
        names::MAX_ACTIVE_PEERINGS_PER_VPC,
        names::MAX_ROUTES_PER_ROUTE_TABLE,
    ]
    .iter()
    .any(|a| !plan.planned.attr(a).equals(req.prior.attr(a)));
    let members_changed = !members_unchanged(req, &plan.planned);
    let mut places = Places::default();
    let mut cidrs = BTreeMap::new();
    if creating || members_changed || limits_changed {
        let own = claim::own_at_plan(req, || journal(&planned));
        cidrs = checks::at_plan(
            ctx,
            &mut places,
            &prior,
            &planned,
            own.as_deref(),
            &mut plan.diags,
        )
        .await;
    }
    if !plan.diags.has_errors() {
        reachability::plan(ctx, &mut places, &cidrs, &mut plan.planned, &mut plan.diags).await;
    }
    plan.planned_private = claim::planned_private(req);
}

/// Whether the planned members are the prior state's.
fn members_unchanged(req: &PlanRequest, planned: &Value) -> bool {
    planned
        .attr(names::MEMBER)
        .equals(req.prior.attr(names::MEMBER))
}

/// Whether member `m` (planned) is still where `p` (prior) was: same VPC and account, and the
/// same region when one is configured.
fn same_place(
    p: &crate::resources::vpc_peering_pair::state::SideState,
    m: &crate::resources::vpc_peering_pair::state::SideState,
    region_configured: bool,
) -> bool {
    p.vpc_id == m.vpc_id && p.account == m.account && (!region_configured || p.region == m.region)
}

/// A member whose VPC, account or region changed: its owner, CIDR blocks (and the region, if
/// not configured) are known after apply again.
fn forget_moved_members(req: &PlanRequest, prior: &MeshState, planned: &mut Value) {
    let now = MeshState::from_value(planned);
    let config = req.config.attr(names::MEMBER);
    let Some(Value::Map(members)) = planned.attr_mut(names::MEMBER) else {
        return;
    };
    for (name, m) in now.members.iter() {
        let Some(p) = prior.members.get(name) else {
            continue;
        };
        let region_configured = config
            .as_map()
            .and_then(|c| c.get(name))
            .is_some_and(|c| !c.attr(member::REGION).is_null());
        if same_place(p, m, region_configured) {
            continue;
        }
        if let Some(v) = members.get_mut(name) {
            v.set_attr(member::OWNER_ID, Value::unknown());
            v.set_attr(member::CIDR_BLOCKS, Value::unknown());
            if !region_configured {
                v.set_attr(member::REGION, Value::unknown());
            }
        }
    }
}

/// The planned `pairs`, and the keys added and removed.
fn plan_pairs(prior: &MeshState, planned: &MeshState) -> (Value, Vec<String>, Vec<String>) {
    let old = prior.pairs.clone().unwrap_or_default();
    let mut out = std::collections::BTreeMap::new();
    let mut added = Vec::new();
    let wanted = planned.wanted_pairs();
    for (key, a, b) in &wanted {
        let kept = old.get(key).filter(|e| {
            [(&e.requester, 0), (&e.accepter, 1)].iter().all(|(n, i)| {
                let (Some(p), Some(m)) = (prior.members.get(*n), planned.members.get(*n)) else {
                    return false;
                };
                let end = &e.ends[*i];
                m.vpc_id == end.vpc_id
                    && m.account == end.account
                    && m.region
                        .as_ref()
                        .is_some_and(|r| Some(r) == end.region.as_ref())
                    && p.vpc_id == m.vpc_id
            })
        });
        match kept {
            Some(e) => {
                let mut e: PairEntry = e.clone();
                let want = planned.wanted_pair(a, b);
                e.ends[0].dns = want.requester.allow_dns;
                e.ends[1].dns = want.accepter.allow_dns;
                let mut v = e.to_value();
                v.set_attr(
                    names::pair::ROUTES,
                    want.desired_routes().map_or_else(Value::unknown, |r| {
                        crate::resources::vpc_peering_pair::state::routes_value(&r)
                    }),
                );
                out.insert(key.clone(), v);
            }
            None => {
                added.push(key.clone());
                out.insert(key.clone(), Value::unknown());
            }
        }
    }
    // A pair not wanted any more, or replaced because a member moved.
    let removed = old
        .keys()
        .filter(|k| !matches!(out.get(*k), Some(v) if !v.is_unknown()))
        .cloned()
        .collect();
    (Value::Map(out), added, removed)
}

fn pairs_change_warning(added: &[String], removed: &[String]) -> Diagnostic {
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    Diagnostic::warning(
        "Mesh pairs change",
        format!(
            "This plan creates the peerings (and routes) of pairs {} and deletes those of pairs {}. The other pairs keep their peerings.",
            list(added),
            list(removed)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::vpc_peering_pair::state::SideState;

    fn member(vpc: &str, cidr: &str) -> SideState {
        SideState {
            vpc_id: Some(vpc.into()),
            route_table_ids: Some(vec![format!("rtb-{vpc}")]),
            allow_dns: Some(false),
            region: Some("us-east-1".into()),
            owner_id: Some("123456789012".into()),
            cidr_blocks: Some(vec![cidr.into()]),
            ..SideState::default()
        }
    }

    fn mesh(members: &[(&str, &str, &str)]) -> MeshState {
        let mut st = MeshState::from_value(&Value::Null);
        for (name, vpc, cidr) in members {
            st.members.insert(name.to_string(), member(vpc, cidr));
        }
        st
    }

    fn with_pairs(mut st: MeshState) -> MeshState {
        let mut pairs = std::collections::BTreeMap::new();
        for (key, a, b) in st.wanted_pairs() {
            let mut ps = st.wanted_pair(&a, &b);
            ps.id = Some(format!("pcx-{key}"));
            ps.status = Some("active".into());
            ps.routes = ps.desired_routes();
            pairs.insert(key, PairEntry::from_pair(&a, &b, &ps));
        }
        st.pairs = Some(pairs);
        st
    }

    #[test]
    fn a_new_member_adds_only_its_pairs_and_a_removed_one_drops_only_its_own() {
        let prior = with_pairs(mesh(&[
            ("a", "vpc-a", "10.1.0.0/16"),
            ("b", "vpc-b", "10.2.0.0/16"),
        ]));
        let grown = mesh(&[
            ("a", "vpc-a", "10.1.0.0/16"),
            ("b", "vpc-b", "10.2.0.0/16"),
            ("c", "vpc-c", "10.3.0.0/16"),
        ]);
        let (pairs, added, removed) = plan_pairs(&prior, &grown);
        assert_eq!(added, vec!["a:c", "b:c"]);
        assert!(removed.is_empty());
        let m = pairs.as_map().unwrap();
        assert_eq!(m["a:b"], prior.pairs.as_ref().unwrap()["a:b"].to_value());
        assert!(m["a:c"].is_unknown() && m["b:c"].is_unknown());

        let shrunk = mesh(&[("a", "vpc-a", "10.1.0.0/16")]);
        let (pairs, added, removed) = plan_pairs(&prior, &shrunk);
        assert!(added.is_empty());
        assert_eq!(removed, vec!["a:b"]);
        assert!(pairs.as_map().unwrap().is_empty());
    }

    #[test]
    fn a_member_with_another_vpc_replaces_only_its_pairs() {
        let prior = with_pairs(mesh(&[
            ("a", "vpc-a", "10.1.0.0/16"),
            ("b", "vpc-b", "10.2.0.0/16"),
            ("c", "vpc-c", "10.3.0.0/16"),
        ]));
        let moved = mesh(&[
            ("a", "vpc-a", "10.1.0.0/16"),
            ("b", "vpc-b", "10.2.0.0/16"),
            ("c", "vpc-d", "10.4.0.0/16"),
        ]);
        let (pairs, added, removed) = plan_pairs(&prior, &moved);
        assert_eq!(added, vec!["a:c", "b:c"]);
        assert_eq!(removed, vec!["a:c", "b:c"]);
        assert!(!pairs.as_map().unwrap()["a:b"].is_unknown());
    }
}
