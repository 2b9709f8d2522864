//! The mesh's route reachability (see `resources::reachability`): each member's subnets
//! towards every other member's CIDR blocks, judged pair by pair with the pair resource's
//! own [`side_verdicts`], on one batched read per account and region (all the members there
//! in one DescribeSubnets and one DescribeRouteTables by `vpc-id` filter).

use super::places::{PlaceKey, Places};
use super::state::MeshState;
use crate::cloud::aws::Ec2;
use crate::provider::ProviderContext;
use crate::resources::reachability::{attribute, read_aws, AwsNetworks, Check, Verdict};
use crate::resources::vpc_peering_pair::reachability::side_verdicts;
use crate::resources::vpc_peering_pair::sides::cloud_diag;
use crate::resources::vpc_peering_pair::state::{PairState, Side};
use crate::tf::{Diagnostic, Diagnostics, Value};
use std::collections::BTreeMap;

/// Where a VPC is read: the account id and region.
type ReadAt = (String, String);

/// One pair to judge: its member names, its peering (or how the plan names it before it
/// exists) and the pair as the shared code sees it.
struct PairToJudge {
    requester: String,
    accepter: String,
    peering: String,
    st: PairState,
}

impl PairToJudge {
    fn ends(&self) -> [(Side, &String); 2] {
        [
            (Side::Requester, &self.requester),
            (Side::Accepter, &self.accepter),
        ]
    }
}

/// Where each end of `pairs` is read, and the VPCs to read at each place.
async fn read_places(
    ctx: &ProviderContext,
    places: &mut Places,
    pairs: &[PairToJudge],
) -> Result<(Vec<[ReadAt; 2]>, BTreeMap<ReadAt, (Ec2, Vec<String>)>), Diagnostic> {
    let mut at = Vec::new();
    let mut reads: BTreeMap<ReadAt, (Ec2, Vec<String>)> = BTreeMap::new();
    for p in pairs {
        let mut ends: [ReadAt; 2] = Default::default();
        for (i, (side, name)) in p.ends().into_iter().enumerate() {
            let s = p.st.side(side);
            let key: PlaceKey = (s.account.clone(), s.region.clone());
            let place = places.resolve(ctx, &key, name).await?;
            ends[i] = (place.owner.clone(), place.ec2.region().to_string());
            let entry = reads
                .entry(ends[i].clone())
                .or_insert_with(|| (place.ec2.clone(), Vec::new()));
            entry.1.extend(s.vpc_id.clone());
        }
        at.push(ends);
    }
    Ok((at, reads))
}

/// The verdicts of `pairs` by member name (a member's subnets towards every other
/// member's blocks); with `count_own_routes` each pair's routes in its members' listed
/// route tables count as present (the plan).
async fn evaluate(
    ctx: &ProviderContext,
    places: &mut Places,
    pairs: &[PairToJudge],
    count_own_routes: bool,
) -> Result<BTreeMap<String, Vec<Verdict>>, Diagnostic> {
    let (at, reads) = read_places(ctx, places, pairs).await?;
    let networks: BTreeMap<ReadAt, AwsNetworks> =
        futures::future::try_join_all(reads.into_iter().map(|(key, (ec2, vpcs))| async move {
            read_aws(&ec2, &vpcs).await.map(|n| (key, n))
        }))
        .await
        .map_err(cloud_diag)?
        .into_iter()
        .collect();
    let mut out: BTreeMap<String, Vec<Verdict>> = BTreeMap::new();
    for (p, ends) in pairs.iter().zip(&at) {
        for ((side, name), read_at) in p.ends().into_iter().zip(ends) {
            let judged = networks
                .get(read_at)
                .and_then(|net| side_verdicts(&p.st, side, &p.peering, count_own_routes, net));
            out.entry(name.clone())
                .or_default()
                .extend(judged.unwrap_or_default());
        }
    }
    Ok(out)
}

/// The attribute value of verdicts by member.
fn to_value(by_member: &BTreeMap<String, Vec<Verdict>>) -> Value {
    Value::map(
        by_member
            .iter()
            .map(|(name, v)| (name.clone(), attribute::to_value(v))),
    )
}

/// How the plan's diagnostic names member `name` of `st`.
fn member_link(st: &MeshState, name: &str) -> String {
    let vpc = st
        .members
        .get(name)
        .and_then(|m| m.vpc_id.as_deref())
        .unwrap_or("?");
    format!("VPC peering mesh member {name:?} (VPC {vpc})")
}

/// One diagnostic per member with subnets left unreachable.
fn report(
    check: Check,
    st: &MeshState,
    by_member: &BTreeMap<String, Vec<Verdict>>,
    diags: &mut Diagnostics,
) {
    for (name, verdicts) in by_member {
        attribute::report_into(check, &member_link(st, name), verdicts, diags);
    }
}

/// The live `reachability` of a refreshed or applied mesh: every pair with a peering
/// (empty when the check is off).
pub async fn live(
    ctx: &ProviderContext,
    places: &mut Places,
    st: &MeshState,
) -> Result<Value, Diagnostic> {
    if Check::of(&st.to_value()) == Check::Off {
        return Ok(Value::Map(Default::default()));
    }
    let pairs: Vec<PairToJudge> = st
        .pairs
        .iter()
        .flatten()
        .filter_map(|(_, e)| {
            Some(PairToJudge {
                requester: e.requester.clone(),
                accepter: e.accepter.clone(),
                peering: e.id.clone()?,
                st: st.live_pair(e),
            })
        })
        .collect();
    Ok(to_value(&evaluate(ctx, places, &pairs, false).await?))
}

/// At plan: what the configuration will leave (each pair's routes in its members' listed
/// route tables count as present), reported per member as `check_reachability` says.
/// `cidrs` holds the members' blocks the plan checks read (a new member's are not in the
/// plan yet). A planned `reachability` still known is the refreshed state's (nothing that
/// decides it changed): it is reported without reads.
pub async fn plan(
    ctx: &ProviderContext,
    places: &mut Places,
    cidrs: &BTreeMap<String, Vec<String>>,
    planned: &mut Value,
    diags: &mut Diagnostics,
) {
    let mut st = MeshState::from_value(planned);
    let check = Check::of(planned);
    if check == Check::Off {
        planned.set_attr(attribute::REACHABILITY, Value::Map(Default::default()));
        return;
    }
    let stored = planned.attr(attribute::REACHABILITY);
    if stored.is_wholly_known() && !stored.is_null() {
        let by_member = stored
            .as_map()
            .map(|m| {
                m.iter()
                    .map(|(name, v)| (name.clone(), attribute::from_value(v)))
                    .collect()
            })
            .unwrap_or_default();
        return report(check, &st, &by_member, diags);
    }
    for (name, m) in st.members.iter_mut() {
        if m.cidr_blocks.is_none() {
            m.cidr_blocks = cidrs.get(name).cloned();
        }
    }
    let pairs: Vec<PairToJudge> = st
        .wanted_pairs()
        .into_iter()
        .map(|(key, a, b)| PairToJudge {
            peering: st
                .pairs
                .as_ref()
                .and_then(|p| p.get(&key))
                .and_then(|e| e.id.clone())
                .unwrap_or_else(|| format!("the peering of members {a} and {b}")),
            st: st.wanted_pair(&a, &b),
            requester: a,
            accepter: b,
        })
        .collect();
    match evaluate(ctx, places, &pairs, true).await {
        Ok(by_member) => report(check, &st, &by_member, diags),
        Err(d) => diags.push(d),
    }
}
