//! Plan refinements on top of the generic plan: on an in-place update the `routes` are
//! planned as exactly the routes the configuration asks for (so a route deleted out of band,
//! a route table added or a CIDR block associated later all show as a change), and when the
//! provider is configured the read-only checks of [`super::validate::at_plan`] run.

use super::apply::{adoptable, existing_peering, identity, owned_by_another_state};
use super::names;
use super::schema::TYPE_NAME;
use super::sides::Sides;
use super::state::{routes_value, PairState, Side};
use super::validate;
use crate::provider::{PlanRequest, PlanResponse, ProviderContext};
use crate::resources::claim::{self, CreateJournal};
use crate::resources::default_tags;
use crate::tf::{Diagnostics, Value};

/// Refines `plan` for `req`.
pub async fn modify(ctx: Option<&ProviderContext>, req: &PlanRequest, plan: &mut PlanResponse) {
    if !plan.planned.is_null() {
        default_tags::plan_tags_all(ctx, &mut plan.planned, &mut plan.diags);
    }
    let planned = PairState::from_value(&plan.planned);
    let prior = PairState::from_value(&req.prior);
    let creating = req.prior.is_null() || !plan.requires_replace.is_empty();
    if !creating && prior.claim.is_none() {
        // A state written before claims existed gets one at its next apply.
        plan.planned.set_attr(claim::ATTRIBUTE, Value::unknown());
    }
    if !creating {
        let routes = planned
            .desired_routes()
            .map_or_else(Value::unknown, |r| routes_value(&r));
        plan.planned.set_attr(names::ROUTES, routes);
    }
    let Some(ctx) = ctx else {
        return;
    };
    if plan.diags.has_errors() {
        return;
    }
    let new_table =
        |side: Side, rtb: &str| creating || !prior.side(side).tables().iter().any(|t| t == rtb);
    let sides = match Sides::of(ctx, &planned).await {
        Ok(s) => s,
        Err(d) => return plan.diags.push(d),
    };
    // The checks, the claim check and the reachability reads run at once, so the listings
    // they need (VPCs and route tables, peerings, subnets) are read side by side. The claim
    // and reachability are reported only when the checks pass, reachability only when the
    // claim holds.
    let (mut check_diags, mut claim_diags, mut reach_diags) =
        (Diagnostics::new(), Diagnostics::new(), Diagnostics::new());
    let checks = validate::at_plan(&sides, &planned, creating, &new_table, &mut check_diags);
    let claim = async {
        let own = claim::own_at_plan(req, || {
            CreateJournal::for_link(TYPE_NAME, &identity(&planned))
        });
        claim_check(&sides, &planned, own, &mut claim_diags).await;
    };
    let reach = super::reachability::plan(&sides, &mut plan.planned, &mut reach_diags);
    futures::join!(checks, claim, reach);
    plan.diags.extend(check_diags);
    if plan.diags.has_errors() {
        return;
    }
    plan.planned_private = claim::planned_private(req);
    let claimed = !claim_diags.has_errors();
    plan.diags.extend(claim_diags);
    if claimed {
        plan.diags.extend(reach_diags);
    }
}

/// A pair must not take over another state's peering of the same VPCs (see
/// `resources::claim`): the live peering of the pair is refused when it carries a claim other
/// than `own`.
async fn claim_check(
    sides: &Sides,
    planned: &PairState,
    own: Option<String>,
    diags: &mut Diagnostics,
) {
    if planned.requester.vpc_id.is_none() || planned.accepter.vpc_id.is_none() {
        return;
    }
    let mut st = planned.clone();
    st.claim = own;
    match existing_peering(sides, &st).await {
        Ok(Some(p)) if !adoptable(&st, &p.tags) => diags.push(owned_by_another_state(sides, &st)),
        Ok(_) => {}
        Err(d) => diags.push(d),
    }
}
