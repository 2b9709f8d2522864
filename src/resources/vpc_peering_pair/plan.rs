//! Plan refinements on top of the generic plan: on an in-place update the `routes` are
//! planned as exactly the routes the configuration asks for (so a route deleted out of band,
//! a route table added or a CIDR block associated later all show as a change), and when the
//! provider is configured the read-only checks of [`super::validate::at_plan`] run.

use super::state::{routes_value, PairState, Side};
use super::validate;
use crate::provider::{PlanRequest, PlanResponse, ProviderContext};
use crate::resources::default_tags;
use crate::tf::Value;

/// Refines `plan` for `req`.
pub async fn modify(ctx: Option<&ProviderContext>, req: &PlanRequest, plan: &mut PlanResponse) {
    if !plan.planned.is_null() {
        default_tags::plan_tags_all(ctx, &mut plan.planned, &mut plan.diags);
    }
    let planned = PairState::from_value(&plan.planned);
    let prior = PairState::from_value(&req.prior);
    let creating = req.prior.is_null() || !plan.requires_replace.is_empty();
    if !creating {
        let routes = planned
            .desired_routes()
            .map_or_else(Value::unknown, |r| routes_value(&r));
        plan.planned.set_attr("routes", routes);
    }
    let Some(ctx) = ctx else {
        return;
    };
    if plan.diags.has_errors() {
        return;
    }
    let new_table =
        |side: Side, rtb: &str| creating || !prior.side(side).tables().iter().any(|t| t == rtb);
    validate::at_plan(ctx, &planned, creating, &new_table, &mut plan.diags).await;
}
