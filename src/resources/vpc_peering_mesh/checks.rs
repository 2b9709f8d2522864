//! The plan-time checks of a mesh, with read-only calls only (GetCallerIdentity, DescribeVpcs,
//! DescribeVpcPeeringConnections, DescribeRouteTables), each failure an error on the member
//! concerned: unknown accounts, missing VPCs, overlapping CIDR blocks between any two members
//! (the pair's overlap rule), a VPC that would hold more peerings than the per-VPC quota
//! (counting the peerings it already has outside the mesh), a peering of two members that
//! another state owns, and a listed route table that is missing, in another VPC, or would
//! hold more routes than the route quota. Reads take all VPCs (or route tables) of one
//! account and region at once.

use super::names::member;
use super::places::{member_path, PlaceKey, Places};
use super::schema::{DEFAULT_MAX_ACTIVE_PEERINGS_PER_VPC, DEFAULT_MAX_ROUTES_PER_ROUTE_TABLE};
use super::state::MeshState;
use crate::cloud::aws::{Peering, TAG_CLAIM};
use crate::provider::ProviderContext;
use crate::resources::claim;
use crate::resources::vpc_peering_pair::sides::cloud_diag;
use crate::resources::vpc_peering_pair::validate::overlapping;
use crate::tf::{Diagnostic, Diagnostics};
use std::collections::{BTreeMap, BTreeSet};

/// What the checks know of one member once its account and VPC are resolved.
struct Resolved {
    place: PlaceKey,
    vpc_id: String,
    owner: String,
    region: String,
    cidrs: Vec<String>,
}

/// Runs every check of `planned` (against `prior`, whose peerings are the mesh's own;
/// `own_claim` is the claim this run may adopt), pushing errors into `diags`; returns the
/// CIDR blocks of the members whose VPCs it found (the reachability check judges them),
/// and leaves the places it resolved in `places`.
pub async fn at_plan(
    ctx: &ProviderContext,
    places: &mut Places,
    prior: &MeshState,
    planned: &MeshState,
    own_claim: Option<&str>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Vec<String>> {
    // Where each member acts, then one DescribeVpcs per account and region.
    let mut wanted: BTreeMap<PlaceKey, Vec<(&String, &str)>> = BTreeMap::new();
    for (name, m) in &planned.members {
        let Some(vpc_id) = m.vpc_id.as_deref() else {
            continue;
        };
        let key = (m.account.clone(), m.region.clone());
        match places.resolve(ctx, &key, name).await {
            Ok(_) => wanted.entry(key).or_default().push((name, vpc_id)),
            Err(d) => diags.push(d),
        }
    }
    let mut resolved: BTreeMap<String, Resolved> = BTreeMap::new();
    for (key, members) in &wanted {
        let Some(place) = places.get(key) else {
            continue;
        };
        let ids: Vec<&str> = members.iter().map(|(_, v)| *v).collect();
        let found = match place.ec2.find_vpcs_by_ids(&ids).await {
            Ok(f) => f,
            Err(e) => {
                diags.push(cloud_diag(e));
                continue;
            }
        };
        for (name, vpc_id) in members {
            let Some(v) = found.iter().find(|v| v.id == *vpc_id) else {
                diags.push(
                    Diagnostic::error(
                        "VPC not found",
                        format!(
                            "VPC {vpc_id} of member {name:?} does not exist in account {} region {}.",
                            place.owner,
                            place.ec2.region()
                        ),
                    )
                    .with_path(member_path(name, member::VPC_ID)),
                );
                continue;
            };
            resolved.insert(
                (*name).clone(),
                Resolved {
                    place: key.clone(),
                    vpc_id: vpc_id.to_string(),
                    owner: place.owner.clone(),
                    region: place.ec2.region().to_string(),
                    cidrs: v.cidr_blocks.clone(),
                },
            );
        }
    }
    check_pairs(&resolved, diags);
    if !diags.has_errors() {
        check_peering_limit(prior, planned, own_claim, places, &resolved, diags).await;
        check_route_tables(planned, places, &resolved, diags).await;
    }
    resolved
        .into_iter()
        .map(|(name, r)| (name, r.cidrs))
        .collect()
}

/// Every two members: not the same VPC, no overlapping CIDR blocks (reported on the second
/// member by name).
/// rule: AWS-PEERING-CIDR-OVERLAP
fn check_pairs(resolved: &BTreeMap<String, Resolved>, diags: &mut Diagnostics) {
    let names: Vec<&String> = resolved.keys().collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (ra, rb) = (&resolved[*a], &resolved[*b]);
            if ra.vpc_id == rb.vpc_id && ra.owner == rb.owner && ra.region == rb.region {
                diags.push(
                    Diagnostic::error(
                        "A VPC cannot peer with itself",
                        format!(
                            "Members {a:?} and {b:?} are both VPC {} in account {} region {}.",
                            ra.vpc_id, ra.owner, ra.region
                        ),
                    )
                    .with_path(member_path(b, member::VPC_ID)),
                );
                continue;
            }
            if let Some((x, y)) = overlapping(&ra.cidrs, &rb.cidrs) {
                diags.push(
                    Diagnostic::error(
                        "VPC CIDR blocks overlap",
                        format!(
                            "Member {b:?} (VPC {}, {}) overlaps member {a:?} (VPC {}, {}): {y} and {x}. AWS cannot peer VPCs with overlapping IPv4 CIDR blocks (the request would end in `failed`), so this member cannot join the mesh.",
                            rb.vpc_id,
                            rb.cidrs.join(", "),
                            ra.vpc_id,
                            ra.cidrs.join(", ")
                        ),
                    )
                    .with_path(member_path(b, member::VPC_ID)),
                );
            }
        }
    }
}

/// Whether `p` has `r`'s VPC at either end.
fn touches(p: &Peering, r: &Resolved) -> bool {
    (p.requester.vpc_id == r.vpc_id && p.requester.owner_id == r.owner)
        || (p.accepter.vpc_id == r.vpc_id && p.accepter.owner_id == r.owner)
}

/// The per-VPC peering quota: the peerings each member's VPC has outside the mesh, plus one
/// per other member, must not exceed `max_active_peerings_per_vpc`. A peering of two members
/// that another state owns is refused here too (the mesh would otherwise adopt it).
/// rule: AWS-PEERINGS-PER-VPC
async fn check_peering_limit(
    prior: &MeshState,
    planned: &MeshState,
    own_claim: Option<&str>,
    places: &Places,
    resolved: &BTreeMap<String, Resolved>,
    diags: &mut Diagnostics,
) {
    let max = planned
        .max_peerings
        .unwrap_or(DEFAULT_MAX_ACTIVE_PEERINGS_PER_VPC);
    let ours: BTreeSet<String> = prior
        .pairs
        .iter()
        .flatten()
        .filter_map(|(_, e)| e.id.clone())
        .collect();
    // One read per account and region (both ends), for all the members there.
    let mut by_place: BTreeMap<&PlaceKey, Vec<&str>> = BTreeMap::new();
    for r in resolved.values() {
        by_place.entry(&r.place).or_default().push(&r.vpc_id);
    }
    let mut peerings: BTreeMap<String, Peering> = BTreeMap::new();
    for (key, vpcs) in by_place {
        let Some(place) = places.get(key) else {
            continue;
        };
        match place.ec2.find_peerings_holding_quota_of_vpcs(&vpcs).await {
            Ok(found) => peerings.extend(found.into_iter().map(|p| (p.id.clone(), p))),
            Err(e) => return diags.push(cloud_diag(e)),
        }
    }
    let others = resolved.len().saturating_sub(1);
    for (name, r) in resolved {
        let mut outside = Vec::new();
        for p in peerings.values().filter(|p| touches(p, r)) {
            if ours.contains(&p.id) {
                continue;
            }
            let other = resolved
                .iter()
                .find(|(n, o)| *n != name && touches(p, o))
                .map(|(n, _)| n);
            match other {
                // A peering of two members: the mesh adopts it if it may, else refuses.
                Some(other) => {
                    let owner = claim::ownership(&p.tags, TAG_CLAIM, own_claim.unwrap_or_default());
                    if !owner.adoptable() && name < other {
                        diags.push(
                            Diagnostic::error(
                                "Peering owned by another state",
                                format!(
                                    "{}. cloudlink never adopts another state's objects.",
                                    claim::owned_by_another_state(
                                        &format!("peering {} of members {name} and {other}", p.id),
                                        &format!("AWS account {} region {}", r.owner, r.region)
                                    )
                                ),
                            )
                            .with_path(member_path(other, member::VPC_ID)),
                        );
                    }
                }
                None => outside.push(p.id.clone()),
            }
        }
        let total = outside.len() + others;
        if total as i64 > max {
            diags.push(
                Diagnostic::error(
                    "VPC peering limit exceeded",
                    format!(
                        "Member {name:?} (VPC {}) would have {total} active VPC peering connections: {} it already has outside this mesh ({}) and {others} with the other members. The quota \"Active VPC peering connections per VPC\" is {max} here (max_active_peerings_per_vpc). Remove members or peerings, or raise the quota in Service Quotas (code L-7E9ECCDB, at most {}) and set max_active_peerings_per_vpc to the new value.",
                        r.vpc_id,
                        outside.len(),
                        if outside.is_empty() { "none".to_string() } else { outside.join(", ") },
                        super::schema::HIGHEST_MAX_ACTIVE_PEERINGS_PER_VPC,
                    ),
                )
                .with_path(member_path(name, member::VPC_ID)),
            );
        }
    }
}

/// Each listed route table exists, belongs to its member's VPC, and has room for a route to
/// every CIDR block of every other member it lacks. The routes it has count unless
/// propagated or `local` (as in the emulator; whether AWS counts `local` is UNKNOWN).
/// rule: AWS-ROUTES-PER-TABLE
async fn check_route_tables(
    planned: &MeshState,
    places: &Places,
    resolved: &BTreeMap<String, Resolved>,
    diags: &mut Diagnostics,
) {
    let max = planned
        .max_routes
        .unwrap_or(DEFAULT_MAX_ROUTES_PER_ROUTE_TABLE);
    let mut by_place: BTreeMap<&PlaceKey, Vec<&str>> = BTreeMap::new();
    for (name, r) in resolved {
        let tables = planned.members[name].tables();
        by_place
            .entry(&r.place)
            .or_default()
            .extend(tables.iter().map(String::as_str));
    }
    let mut tables = BTreeMap::new();
    for (key, ids) in by_place {
        let Some(place) = places.get(key) else {
            continue;
        };
        match place.ec2.find_route_tables_by_ids(&ids).await {
            Ok(found) => tables.extend(found.into_iter().map(|t| ((key.clone(), t.id.clone()), t))),
            Err(e) => return diags.push(cloud_diag(e)),
        }
    }
    for (name, r) in resolved {
        let path = member_path(name, member::ROUTE_TABLE_IDS);
        let remote: Vec<&String> = resolved
            .iter()
            .filter(|(n, _)| *n != name)
            .flat_map(|(_, o)| &o.cidrs)
            .collect();
        for rtb in planned.members[name].tables() {
            let Some(t) = tables.get(&(r.place.clone(), rtb.clone())) else {
                diags.push(
                    Diagnostic::error(
                        "Route table not found",
                        format!("Route table {rtb} of member {name:?} does not exist in account {} region {}.", r.owner, r.region),
                    )
                    .with_path(path.clone()),
                );
                continue;
            };
            if t.vpc_id != r.vpc_id {
                diags.push(
                    Diagnostic::error(
                        "Route table belongs to another VPC",
                        format!(
                            "Route table {rtb} belongs to {}, not to member {name:?}'s VPC {}.",
                            t.vpc_id, r.vpc_id
                        ),
                    )
                    .with_path(path.clone()),
                );
                continue;
            }
            let have = t
                .routes
                .iter()
                .filter(|x| {
                    x.origin != "EnableVgwRoutePropagation" && x.origin != "CreateRouteTable"
                })
                .count();
            let adding = remote.iter().filter(|c| t.route(c).is_none()).count();
            if (have + adding) as i64 > max {
                diags.push(
                    Diagnostic::error(
                        "Route table route limit exceeded",
                        format!(
                            "Route table {rtb} of member {name:?} holds {have} routes and the mesh would add {adding} (one per CIDR block of the other members): {} in all, over the quota \"Routes per route table\" of {max} here (max_routes_per_route_table). Remove members or routes, or raise the quota in Service Quotas (code L-93826ACB, at most {}) and set max_routes_per_route_table to the new value.",
                            have + adding,
                            super::schema::HIGHEST_MAX_ROUTES_PER_ROUTE_TABLE,
                        ),
                    )
                    .with_path(path.clone()),
                );
            }
        }
    }
}
