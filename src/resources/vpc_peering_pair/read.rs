//! Refresh: the peering as the requester sees it (gone, rejected, expired or failed means
//! the resource is gone and the next plan recreates it), both VPCs' CIDR blocks, each side's
//! DNS option, the tags, and the routes through the peering in the listed route tables.

use super::apply::{adoptable, identity, COMPONENT};
use super::sides::{cloud_diag, Sides};
use super::state::{PairState, RouteState, Side};
use crate::cloud::aws::{Peering, Tags, TAG_CLAIM, TAG_COMPONENT, TAG_NAME, TAG_RESOURCE};
use crate::provider::{ProviderContext, ReadResult};
use crate::resources::default_tags;
use crate::tf::{Diagnostics, Value};

/// Statuses in which the peering no longer carries traffic and cannot come back.
const GONE: [&str; 5] = ["deleted", "deleting", "rejected", "expired", "failed"];

/// Refreshes `state`.
pub async fn read(ctx: &ProviderContext, state: &Value) -> ReadResult {
    let st = PairState::from_value(state);
    let Some(id) = st.id.clone() else {
        return ReadResult::default();
    };
    let sides = match Sides::of(ctx, &st).await {
        Ok(s) => s,
        Err(d) => return unchanged(state, d),
    };
    match refresh(&sides, st, &id, &ctx.default_tags).await {
        Ok(state) => ReadResult {
            state,
            diags: Diagnostics::default(),
        },
        Err(d) => unchanged(state, d),
    }
}

fn unchanged(state: &Value, d: crate::tf::Diagnostic) -> ReadResult {
    let mut diags = Diagnostics::default();
    diags.push(d);
    ReadResult {
        state: Some(state.clone()),
        diags,
    }
}

/// The refreshed state of peering `id`, or `None` when it is gone (`defaults`: the
/// provider's `default_tags`).
pub async fn refresh(
    sides: &Sides,
    st: PairState,
    id: &str,
    defaults: &Tags,
) -> Result<Option<Value>, crate::tf::Diagnostic> {
    Ok(refresh_link(sides, st, id, defaults)
        .await?
        .map(|st| st.to_value()))
}

/// The refresh every VPC peering resource shares: `st` as peering `id` between `sides` is
/// now, or `None` when it is gone (or another state's).
pub async fn refresh_link(
    sides: &Sides,
    mut st: PairState,
    id: &str,
    defaults: &Tags,
) -> Result<Option<PairState>, crate::tf::Diagnostic> {
    // 1. The peering itself.
    let Some(p) = sides
        .requester
        .status_vpc_peering_connection(id)
        .await
        .map_err(cloud_diag)?
    else {
        tracing::warn!(%id, "VPC peering connection not found; removing from state");
        return Ok(None);
    };
    if GONE.contains(&p.status.as_str()) {
        tracing::warn!(%id, status = %p.describe_status(), "VPC peering connection is gone; removing from state");
        return Ok(None);
    }
    if !adoptable(&st, &p.tags) {
        tracing::warn!(%id, "VPC peering connection carries another state's claim; removing from state");
        return Ok(None);
    }
    st.status = Some(p.status.clone());
    apply_peering(&mut st, &p, defaults);

    // 2. Both VPCs' CIDR blocks as they are now (blocks associated later appear here).
    for side in [Side::Requester, Side::Accepter] {
        let vpc_id = st.side(side).vpc_id.clone().unwrap_or_default();
        if let Some(v) = sides
            .ec2(side)
            .find_vpc_by_id(&vpc_id)
            .await
            .map_err(cloud_diag)?
        {
            st.side_mut(side).cidr_blocks = Some(v.cidr_blocks);
        }
    }

    // 3. The routes through this peering in the listed route tables.
    st.routes = Some(observed_routes(sides, &st, id).await?);
    Ok(Some(st))
}

/// Copies what the peering reports into `st`: owners, regions, DNS options (only reported
/// once active), `tags_all` (the tags besides the ownership tags) and the user's `tags`
/// (without the tags that only come from `defaults`, the provider's `default_tags`).
pub fn apply_peering(st: &mut PairState, p: &Peering, defaults: &Tags) {
    for (side, info) in [
        (Side::Requester, &p.requester),
        (Side::Accepter, &p.accepter),
    ] {
        let s = st.side_mut(side);
        s.vpc_id = Some(info.vpc_id.clone());
        s.owner_id = Some(info.owner_id.clone());
        s.region = Some(info.region.clone());
        if p.status == "active" {
            s.allow_dns = Some(info.allow_dns);
        }
        if s.cidr_blocks.is_none() && !info.cidr_blocks.is_empty() {
            s.cidr_blocks = Some(info.cidr_blocks.clone());
        }
    }
    let all = cloud_user_tags(st, &p.tags);
    let written = st.tags.clone().unwrap_or_default();
    let user = default_tags::refreshed_tags(&written, &all, defaults);
    // An empty result keeps the distinction between no `tags` and `tags = {}`.
    if !(user.is_empty() && st.tags.is_none()) {
        st.tags = Some(user);
    }
    st.tags_all = Some(all);
}

/// The tags on the peering that are not cloudlink's: everything but the ownership tags (and
/// the derived `Name`).
fn cloud_user_tags(st: &PairState, have: &Tags) -> Tags {
    let derived_name = format!("{}-{COMPONENT}", identity(st));
    have.iter()
        .filter(|(k, v)| {
            k.as_str() != TAG_RESOURCE
                && k.as_str() != TAG_COMPONENT
                && k.as_str() != TAG_CLAIM
                && !(k.as_str() == TAG_NAME && **v == derived_name)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Every route in the listed route tables of both sides that points at peering `id`.
pub async fn observed_routes(
    sides: &Sides,
    st: &PairState,
    id: &str,
) -> Result<Vec<RouteState>, crate::tf::Diagnostic> {
    let mut out = Vec::new();
    for side in [Side::Requester, Side::Accepter] {
        for rtb in st.side(side).tables() {
            let Some(table) = sides
                .ec2(side)
                .find_route_table_by_id(rtb)
                .await
                .map_err(cloud_diag)?
            else {
                continue;
            };
            for r in &table.routes {
                if r.vpc_peering_connection_id.as_deref() == Some(id) {
                    out.push(RouteState {
                        side,
                        route_table_id: rtb.clone(),
                        destination: r.destination.clone(),
                    });
                }
            }
        }
    }
    out.sort();
    Ok(out)
}
