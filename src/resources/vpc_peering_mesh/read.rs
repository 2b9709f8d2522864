//! Refresh: each pair through the pair resource's refresh (peering status, DNS options,
//! routes in the listed route tables, both VPCs' CIDR blocks), all pairs at once. A pair
//! whose peering is gone (or another state's) leaves `pairs`, so the next plan shows it being
//! added back; the members' CIDR blocks follow the VPCs (a block associated later shows as
//! drift and the next apply routes it).

use super::places::{PlaceKey, Places};
use super::state::{MeshState, PairEntry};
use crate::provider::{ProviderContext, ReadResult};
use crate::resources::vpc_peering_pair::read::refresh_link;
use crate::resources::vpc_peering_pair::state::{PairState, Side};
use crate::tf::{Diagnostic, Diagnostics, Value};
use std::collections::BTreeMap;

/// Refreshes `state`.
pub async fn read(ctx: &ProviderContext, state: &Value) -> ReadResult {
    let mut st = MeshState::from_value(state);
    let entries = st.pairs.clone().unwrap_or_default();
    let mut places = Places::default();
    let mut diags = Diagnostics::default();
    if let Err(d) = places.of_entries(ctx, entries.values()).await {
        diags.push(d);
        return ReadResult {
            state: Some(state.clone()),
            diags,
        };
    }
    let reads = entries
        .iter()
        .map(|(key, entry)| refresh_pair(ctx, &places, &st, key, entry));
    let mut pairs = BTreeMap::new();
    for (key, result) in futures::future::join_all(reads).await {
        match result {
            Ok(Some((entry, ps))) => {
                learn_cidrs(&mut st, &entry, &ps);
                pairs.insert(key, entry);
            }
            Ok(None) => {}
            Err(d) => {
                diags.push(d);
                return ReadResult {
                    state: Some(state.clone()),
                    diags,
                };
            }
        }
    }
    st.pairs = Some(pairs);
    // Which members' subnets reach the others through the mesh (the mesh's own attribute).
    match super::reachability::live(ctx, &mut places, &st).await {
        Ok(r) => st.reachability = r,
        Err(d) => {
            diags.push(d);
            return ReadResult {
                state: Some(state.clone()),
                diags,
            };
        }
    }
    ReadResult {
        state: Some(st.to_value()),
        diags,
    }
}

fn place_key(entry: &PairEntry, side: Side) -> PlaceKey {
    let e = entry.end(side);
    (e.account.clone(), e.region.clone())
}

/// One pair refreshed: its entry and pair state, `None` when its peering is gone.
async fn refresh_pair(
    ctx: &ProviderContext,
    places: &Places,
    st: &MeshState,
    key: &str,
    entry: &PairEntry,
) -> (String, Result<Option<(PairEntry, PairState)>, Diagnostic>) {
    let live = st.live_pair(entry);
    let (Some(id), Some(sides)) = (
        live.id.clone(),
        places.sides(
            &place_key(entry, Side::Requester),
            &place_key(entry, Side::Accepter),
        ),
    ) else {
        return (key.to_string(), Ok(None));
    };
    let accounts = (
        live.requester.account.clone(),
        live.accepter.account.clone(),
    );
    let fresh = refresh_link(&sides, live, &id, &ctx.default_tags).await;
    let result = fresh.map(|found| {
        found.map(|mut ps| {
            // The pair's state keeps no account on the requester side; the mesh does.
            ps.requester.account = accounts.0;
            ps.accepter.account = accounts.1;
            (
                PairEntry::from_pair(&entry.requester, &entry.accepter, &ps),
                ps,
            )
        })
    });
    (key.to_string(), result)
}

/// Copies the VPCs' CIDR blocks (and owners) a refreshed pair saw into its members.
fn learn_cidrs(st: &mut MeshState, entry: &PairEntry, ps: &PairState) {
    for (name, side) in [
        (&entry.requester, Side::Requester),
        (&entry.accepter, Side::Accepter),
    ] {
        let s = ps.side(side);
        if let Some(m) = st.members.get_mut(name) {
            if m.vpc_id == s.vpc_id && s.cidr_blocks.is_some() {
                m.cidr_blocks = s.cidr_blocks.clone();
                m.owner_id = s.owner_id.clone().or(m.owner_id.take());
            }
        }
    }
}
