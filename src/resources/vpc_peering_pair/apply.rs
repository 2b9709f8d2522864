//! Create and update, as the steps a person would take in the console. Create: look at both
//! VPCs, request the peering (or adopt the one a crashed run left), wait until the accepter
//! can see it, accept it with the accepter's credentials, wait for `active`, set each side's
//! DNS option with that side's credentials, tag the accepter's side, and add the routes on
//! both sides. Every step after the request records its progress, so a failure returns the
//! partial state and `terraform destroy` removes it.

use super::names;
use super::schema::{DEFAULTS, TYPE_NAME};
use super::sides::{cloud_diag, Sides};
use super::state::{PairState, RouteState, Side};
use crate::cloud::aws::{ownership_tags, Peering, RouteTarget, Tags, TAG_NAME};
use crate::cloud::wait::WaitConfig;
use crate::provider::{ApplyResult, ProviderContext};
use crate::resources::claim::{self, CreateJournal};
use crate::resources::{default_tags, timeouts};
use crate::tf::{AttributePath, Diagnostic, Value};

/// `cloudlink:component` of the peering connection.
pub const COMPONENT: &str = "peering";

/// The deterministic identity of a pair: the two VPCs, requester first.
pub fn identity(st: &PairState) -> String {
    format!(
        "vpc-peering-pair-{}-{}",
        st.requester.vpc_id.as_deref().unwrap_or("?"),
        st.accepter.vpc_id.as_deref().unwrap_or("?")
    )
}

/// The tags the peering carries: the user's tags merged with the provider's default tags,
/// plus the ownership tags (a user `Name` wins over the derived one).
pub fn peering_tags(st: &PairState) -> Tags {
    let user = st.merged_tags();
    let mut tags = ownership_tags(&identity(st), COMPONENT, &user);
    if let Some(name) = user.get(TAG_NAME) {
        tags.insert(TAG_NAME.to_string(), name.clone());
    }
    if let Some(c) = &st.claim {
        tags.insert(claim::AWS_TAG.to_string(), c.clone());
    }
    tags
}

/// The refusal for a peering of this pair that another state owns.
pub fn owned_by_another_state(sides: &Sides, st: &PairState) -> Diagnostic {
    let scope = format!(
        "AWS region {} of account {}",
        sides.requester.region(),
        sides.requester_owner
    );
    Diagnostic::error(
        "Peering owned by another state",
        format!(
            "{}. cloudlink never adopts another state's objects.",
            claim::owned_by_another_state(&identity(st), &scope)
        ),
    )
    .with_path(
        AttributePath::root()
            .attr(names::REQUESTER)
            .attr(names::side::VPC_ID),
    )
}

/// Whether a peering tagged `tags` may be adopted by the run holding `st`'s claim.
pub fn adoptable(st: &PairState, tags: &Tags) -> bool {
    claim::ownership(
        tags,
        claim::AWS_TAG,
        st.claim.as_deref().unwrap_or_default(),
    )
    .adoptable()
}

/// Creates the pair described by `planned`.
pub async fn create(ctx: &ProviderContext, planned: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let mut st = PairState::from_value(planned);
    // This working directory's interrupted or failed create of the pair, else a new claim
    // (see resources::claim); forgotten once the pair is whole.
    let journal = CreateJournal::for_link(TYPE_NAME, &identity(&st));
    let own = journal.pending().unwrap_or_else(claim::new_claim);
    st.claim = Some(own.clone());
    if let Err(e) = journal.begin(&own) {
        tracing::warn!(error = %format!("{e:#}"), "could not journal the create: a re-run after a crash will not adopt what it made");
    }
    let wait = ctx.wait(timeouts::resolve(planned, DEFAULTS).create);

    // 1. Who acts for each side.
    let sides = match Sides::of(ctx, &st).await {
        Ok(s) => s,
        Err(d) => return ApplyResult::partial(None, d),
    };

    // 2-7. The link itself; a failure after the request keeps the partial state.
    match create_link(&sides, &mut st, &wait).await {
        Ok(()) => {
            journal.finish();
            ApplyResult::ok(st.to_value())
        }
        Err(d) if st.id.is_none() => ApplyResult::partial(None, d),
        Err(d) => ApplyResult::partial(Some(st.to_value()), d),
    }
}

/// Creates the peering `st` describes between `sides`, the steps every VPC peering resource
/// shares (the pair's create and each new pair of a mesh): look at both VPCs, request the
/// peering (or adopt this claim's own), accept, wait for `active`, DNS, tags, routes. `st`
/// records the progress: on an error, `st.id` is `None` when nothing was created yet, and
/// otherwise `st` names everything that exists (the partial state).
pub async fn create_link(
    sides: &Sides,
    st: &mut PairState,
    wait: &WaitConfig,
) -> Result<(), Diagnostic> {
    let want_dns = (
        st.requester.allow_dns.unwrap_or(false),
        st.accepter.allow_dns.unwrap_or(false),
    );
    // 1. What the two VPCs look like now.
    describe_vpcs(sides, st).await?;

    // 2. Request the peering, or adopt the one an interrupted run requested.
    let id = request_or_adopt(sides, st).await?;
    st.id = Some(id);
    st.status = Some("initiating-request".into());
    st.routes = Some(Vec::new());
    st.requester.allow_dns = Some(false);
    st.accepter.allow_dns = Some(false);

    // 3-7. Handshake, DNS, tags, routes.
    finish_create(sides, st, want_dns, wait).await
}

/// Records both VPCs' owners, regions and CIDR blocks.
async fn describe_vpcs(sides: &Sides, st: &mut PairState) -> Result<(), Diagnostic> {
    for side in [Side::Requester, Side::Accepter] {
        let ec2 = sides.ec2(side);
        let vpc_id = st.side(side).vpc_id.clone().unwrap_or_default();
        let vpc = ec2
            .find_vpc_by_id(&vpc_id)
            .await
            .map_err(cloud_diag)?
            .ok_or_else(|| {
                Diagnostic::error(
                    "VPC not found",
                    format!(
                        "the {} VPC {vpc_id} does not exist in account {} region {}",
                        side.as_str(),
                        sides.owner(side),
                        ec2.region()
                    ),
                )
            })?;
        let s = st.side_mut(side);
        s.owner_id = Some(sides.owner(side).to_string());
        s.region = Some(ec2.region().to_string());
        s.cidr_blocks = Some(vpc.cidr_blocks);
    }
    Ok(())
}

/// The live peering of this pair: by its ownership tags, else by the VPC pair (AWS keeps one
/// active peering per pair, so one made by hand or by a run that died before tagging is it).
pub async fn existing_peering(
    sides: &Sides,
    st: &PairState,
) -> Result<Option<Peering>, Diagnostic> {
    let by_tags = sides
        .requester
        .find_vpc_peering_connection_by_tags(&peering_tags(st))
        .await
        .map_err(cloud_diag)?;
    if by_tags.is_some() {
        return Ok(by_tags);
    }
    let req_vpc = st.requester.vpc_id.clone().unwrap_or_default();
    let acc_vpc = st.accepter.vpc_id.clone().unwrap_or_default();
    let by_pair = sides
        .requester
        .find_vpc_peering_connections_by_vpcs(&req_vpc, &acc_vpc)
        .await
        .map_err(cloud_diag)?;
    Ok(by_pair.into_iter().find(|p| {
        p.requester.vpc_id == req_vpc
            && p.accepter.vpc_id == acc_vpc
            && p.accepter.owner_id == sides.accepter_owner
    }))
}

/// Adopts the live peering of this pair when it is this state's (or unclaimed), or requests
/// one with the requester's credentials (PeerOwnerId / PeerRegion when the accepter is
/// elsewhere).
async fn request_or_adopt(sides: &Sides, st: &PairState) -> Result<String, Diagnostic> {
    let tags = peering_tags(st);
    if let Some(p) = existing_peering(sides, st).await? {
        if !adoptable(st, &p.tags) {
            return Err(owned_by_another_state(sides, st));
        }
        tracing::info!(id = %p.id, "adopting the live VPC peering connection of this pair");
        sides
            .requester
            .create_tags(&p.id, &tags)
            .await
            .map_err(cloud_diag)?;
        return Ok(p.id);
    }
    let req_vpc = st.requester.vpc_id.clone().unwrap_or_default();
    let acc_vpc = st.accepter.vpc_id.clone().unwrap_or_default();
    let peer_owner =
        (sides.accepter_owner != sides.requester_owner).then_some(sides.accepter_owner.as_str());
    let peer_region =
        (sides.accepter.region() != sides.requester.region()).then_some(sides.accepter.region());
    sides
        .requester
        .create_vpc_peering_connection(&req_vpc, &acc_vpc, peer_owner, peer_region, &tags)
        .await
        .map_err(cloud_diag)
}

async fn finish_create(
    sides: &Sides,
    st: &mut PairState,
    want_dns: (bool, bool),
    wait: &WaitConfig,
) -> Result<(), Diagnostic> {
    let id = st.id.clone().unwrap_or_default();

    // 3. Wait until the accepter can see the request.
    let p = sides
        .requester
        .wait_vpc_peering_connection_pending_acceptance_or_active(&id, wait)
        .await
        .map_err(cloud_diag)?;
    st.status = Some(p.status.clone());

    // 4. Accept with the accepter's credentials, in the accepter's region; wait for active.
    if p.status != "active" {
        sides
            .accepter
            .accept_vpc_peering_connection(&id)
            .await
            .map_err(cloud_diag)?;
    }
    let p = sides
        .requester
        .wait_vpc_peering_connection_active(&id, wait)
        .await
        .map_err(cloud_diag)?;
    st.status = Some(p.status.clone());
    st.requester.allow_dns = Some(p.requester.allow_dns);
    st.accepter.allow_dns = Some(p.accepter.allow_dns);

    // 5. DNS resolution, each side with its own credentials.
    set_dns(sides, st, Side::Requester, want_dns.0).await?;
    set_dns(sides, st, Side::Accepter, want_dns.1).await?;

    // 6. The accepter's account keeps its own tags on a cross-account peering.
    if sides.accepter_owner != sides.requester_owner {
        sides
            .accepter
            .create_tags(&id, &peering_tags(st))
            .await
            .map_err(cloud_diag)?;
    }

    // 7. Routes on both sides to every CIDR block of the other VPC.
    let desired = st.desired_routes().unwrap_or_default();
    add_routes(sides, st, &desired).await
}

/// Sets `AllowDnsResolutionFromRemoteVpc` on `side` when it differs from `want`.
async fn set_dns(
    sides: &Sides,
    st: &mut PairState,
    side: Side,
    want: bool,
) -> Result<(), Diagnostic> {
    if st.side(side).allow_dns == Some(want) {
        return Ok(());
    }
    let id = st.id.clone().unwrap_or_default();
    sides
        .ec2(side)
        .set_vpc_peering_dns_resolution(&id, side == Side::Requester, want)
        .await
        .map_err(cloud_diag)?;
    st.side_mut(side).allow_dns = Some(want);
    Ok(())
}

/// Creates every route of `wanted` that `st.routes` does not hold yet, recording each. A
/// route already pointing at this peering is adopted; a blackhole route left by a peering
/// deleted out of band is replaced; a route to another live target is an error.
async fn add_routes(
    sides: &Sides,
    st: &mut PairState,
    wanted: &[RouteState],
) -> Result<(), Diagnostic> {
    let id = st.id.clone().unwrap_or_default();
    let target = RouteTarget::VpcPeering(id.clone());
    let missing: Vec<RouteState> = wanted
        .iter()
        .filter(|r| !st.routes.iter().flatten().any(|x| x == *r))
        .cloned()
        .collect();
    let mut tables = std::collections::BTreeMap::new();
    for r in missing {
        let ec2 = sides.ec2(r.side);
        let key = (r.side, r.route_table_id.clone());
        if !tables.contains_key(&key) {
            let t = ec2
                .find_route_table_by_id(&r.route_table_id)
                .await
                .map_err(cloud_diag)?;
            tables.insert(key.clone(), t);
        }
        let existing = tables[&key].as_ref().and_then(|t| t.route(&r.destination));
        match existing {
            Some(x) if target.matches(x) => {}
            Some(x) if x.state == "blackhole" && x.vpc_peering_connection_id.is_some() => {
                tracing::warn!(route_table = %r.route_table_id, destination = %r.destination,
                    stale = ?x.vpc_peering_connection_id, "replacing a blackhole route of a deleted peering");
                ec2.delete_route(&r.route_table_id, &r.destination)
                    .await
                    .map_err(cloud_diag)?;
                ec2.create_route(&r.route_table_id, &r.destination, &target)
                    .await
                    .map_err(cloud_diag)?;
            }
            _ => ec2
                .create_route(&r.route_table_id, &r.destination, &target)
                .await
                .map_err(cloud_diag)?,
        }
        st.routes.get_or_insert_with(Vec::new).push(r);
    }
    if let Some(routes) = st.routes.as_mut() {
        routes.sort();
    }
    Ok(())
}

/// Deletes every route of `st.routes` that is not in `wanted`, recording each.
async fn remove_routes(
    sides: &Sides,
    st: &mut PairState,
    wanted: &[RouteState],
) -> Result<(), Diagnostic> {
    let unwanted: Vec<RouteState> = st
        .routes
        .iter()
        .flatten()
        .filter(|r| !wanted.contains(r))
        .cloned()
        .collect();
    delete_routes(sides, st, unwanted).await
}

/// Deletes `routes` (each with its side's credentials), removing each from `st.routes` as it
/// goes, so on an error `st` names the routes left.
pub async fn delete_routes(
    sides: &Sides,
    st: &mut PairState,
    routes: Vec<RouteState>,
) -> Result<(), Diagnostic> {
    for r in routes {
        sides
            .ec2(r.side)
            .delete_route(&r.route_table_id, &r.destination)
            .await
            .map_err(cloud_diag)?;
        if let Some(routes) = st.routes.as_mut() {
            routes.retain(|x| *x != r);
        }
    }
    Ok(())
}

/// Applies in-place changes: tags, DNS options, then routes (removed first, then added).
pub async fn update(ctx: &ProviderContext, prior: &Value, planned: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let old = PairState::from_value(prior);
    let new = PairState::from_value(planned);
    // The state as it is now; each step below moves one part of it to `new`.
    let mut st = old.clone();
    // A state written before claims existed: its peering is claimed now.
    let claiming = st.claim.is_none();
    if claiming {
        st.claim = Some(claim::new_claim());
    }
    st.timeouts = new.timeouts.clone();
    st.requester.route_table_ids = new.requester.route_table_ids.clone();
    st.accepter.route_table_ids = new.accepter.route_table_ids.clone();
    let sides = match Sides::of(ctx, &old).await {
        Ok(s) => s,
        Err(d) => return ApplyResult::partial(Some(old.to_value()), d),
    };
    match update_steps(&sides, &mut st, &new, claiming).await {
        Ok(()) => ApplyResult::ok(st.to_value()),
        Err(d) => ApplyResult::partial(Some(st.to_value()), d),
    }
}

/// Moves the live pair `st` to `new` in place (tags, DNS options, routes): the update every
/// VPC peering resource shares. `claiming`: the peering gets `st.claim` now.
pub async fn update_steps(
    sides: &Sides,
    st: &mut PairState,
    new: &PairState,
    claiming: bool,
) -> Result<(), Diagnostic> {
    let id = st.id.clone().unwrap_or_default();

    // 1. Tags, on each account that holds the peering.
    if claiming || st.tags != new.tags || st.merged_tags() != new.merged_tags() {
        let mut before = peering_tags(st);
        let mut target = st.clone();
        if claiming {
            // Not on the peering yet, so not among the tags to remove or compare.
            before.remove(claim::AWS_TAG);
        }
        target.tags = new.tags.clone();
        target.tags_all = new.tags_all.clone();
        let after = peering_tags(&target);
        let removed: Vec<String> = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        let mut clients = vec![&sides.requester];
        if sides.accepter_owner != sides.requester_owner {
            clients.push(&sides.accepter);
        }
        for ec2 in clients {
            ec2.delete_tags(&id, &removed).await.map_err(cloud_diag)?;
            ec2.create_tags(&id, &after).await.map_err(cloud_diag)?;
        }
        st.tags = new.tags.clone();
        st.tags_all = new.tags_all.clone();
    }

    // 2. DNS options, each side with its own credentials.
    for side in [Side::Requester, Side::Accepter] {
        set_dns(sides, st, side, new.side(side).allow_dns.unwrap_or(false)).await?;
    }

    // 3. Routes: the planned set (or, if it was unknown at plan time, what the route tables
    //    and current CIDR blocks call for).
    if new.routes.is_none() {
        describe_vpcs(sides, st).await?;
    }
    let wanted = match &new.routes {
        Some(r) => r.clone(),
        None => st.desired_routes().unwrap_or_default(),
    };
    remove_routes(sides, st, &wanted).await?;
    add_routes(sides, st, &wanted).await
}
