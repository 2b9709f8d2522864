//! Destroy: remove every route through the peering from the listed route tables of both
//! sides (each with its side's credentials), then delete the peering itself with the
//! requester's credentials and wait until it is gone. A real delete, never a forget.

use super::apply::{adoptable, delete_routes, identity};
use super::read::observed_routes;
use super::schema::{DEFAULTS, TYPE_NAME};
use super::sides::{cloud_diag, Sides};
use super::state::PairState;
use crate::cloud::wait::WaitConfig;
use crate::provider::{ApplyResult, ProviderContext};
use crate::resources::claim::CreateJournal;
use crate::resources::timeouts;
use crate::tf::{Diagnostic, Value};

/// Deletes the pair in `prior`; on failure returns what is left.
pub async fn delete(ctx: &ProviderContext, prior: &Value) -> ApplyResult {
    let mut st = PairState::from_value(prior);
    let Some(id) = st.id.clone() else {
        return ApplyResult::default();
    };
    let wait = ctx.wait(timeouts::resolve(prior, DEFAULTS).delete);
    let sides = match Sides::of(ctx, &st).await {
        Ok(s) => s,
        Err(d) => return ApplyResult::partial(Some(prior.clone()), d),
    };
    let result = delete_link(&sides, &mut st, &id, &wait).await;
    match result {
        Ok(()) => {
            CreateJournal::for_link(TYPE_NAME, &identity(&st)).finish();
            ApplyResult::default()
        }
        Err(d) => ApplyResult::partial(Some(st.to_value()), d),
    }
}

/// Removes the peering `id` of `st` between `sides` (the delete every VPC peering resource
/// shares): every route through it in the listed route tables of both sides, then the peering,
/// waiting until it is gone. Another state's peering is left alone. `st.routes` records each
/// route removed, so on an error `st` names what is left.
pub async fn delete_link(
    sides: &Sides,
    st: &mut PairState,
    id: &str,
    wait: &WaitConfig,
) -> Result<(), Diagnostic> {
    // 0. Never another state's peering (see resources::claim): its routes are its own too.
    let found = sides
        .requester
        .status_vpc_peering_connection(id)
        .await
        .map_err(cloud_diag)?;
    if found.is_some_and(|p| !adoptable(st, &p.tags)) {
        tracing::warn!(%id, "left in place: another Terraform state owns it");
        return Ok(());
    }
    // 1. Routes on both sides (whatever points at the peering now, not only what state lists).
    let routes = observed_routes(sides, st, id).await?;
    delete_routes(sides, st, routes).await?;
    // 2. The peering, then wait until it is gone.
    sides
        .requester
        .delete_vpc_peering_connection(id)
        .await
        .map_err(cloud_diag)?;
    sides
        .requester
        .wait_vpc_peering_connection_deleted(id, wait)
        .await
        .map_err(cloud_diag)
}
