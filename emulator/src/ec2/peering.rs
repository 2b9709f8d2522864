//! VPC peering across accounts and regions: one object seen from both sides, the
//! request/accept handshake with AWS's permission checks, and per-side options.

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{iso_time, Ctx, Phase, State};
use crate::profile::Op;
use serde_json::{json, Value};

/// One end of a peering.
#[derive(Debug, Clone)]
pub struct Side {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// VPC.
    pub vpc_id: String,
    /// The VPC's CIDR blocks when last seen (kept if the VPC goes away).
    pub cidrs: Vec<String>,
    /// `allowDnsResolutionFromRemoteVpc`.
    pub allow_dns: bool,
}

/// A VPC peering connection.
#[derive(Debug, Clone)]
pub struct Peering {
    /// `pcx-...`.
    pub id: String,
    /// Requester side.
    pub requester: Side,
    /// Accepter side.
    pub accepter: Side,
    /// Status code over time.
    pub phase: Phase,
    /// Account that deleted or rejected it (for the status message).
    pub actor: Option<String>,
    /// Creation time (pending requests expire after 7 days).
    pub created_ms: u64,
    /// Tags.
    pub tags: Tags,
}

impl Peering {
    /// Both the requester's and the accepter's account/region see the peering.
    pub fn visible_to(&self, account: &str, region: &str) -> bool {
        (self.requester.account == account && self.requester.region == region)
            || (self.accepter.account == account && self.accepter.region == region)
    }

    /// The status code at `now`.
    pub fn status(&self, now: u64) -> &'static str {
        self.phase.get(now)
    }

    /// The status message AWS pairs with each code.
    fn message(&self, now: u64) -> String {
        let by = self.actor.clone().unwrap_or_default();
        match self.status(now) {
            "initiating-request" => format!("Initiating Request to {}", self.accepter.account),
            "pending-acceptance" => format!("Pending Acceptance by {}", self.accepter.account),
            "provisioning" => "Provisioning".into(),
            "active" => "Active".into(),
            "deleting" => "Deleting".into(),
            "deleted" => format!("Deleted by {by}"),
            "rejected" => format!("Rejected by {by}"),
            "failed" => {
                "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range".into()
            }
            other => other.to_string(),
        }
    }

    fn side_cidrs(st: &State, s: &Side) -> Vec<String> {
        st.region_ref(&s.account, &s.region)
            .and_then(|r| r.vpcs.get(&s.vpc_id))
            .map(|v| v.cidr_strings())
            .unwrap_or_else(|| s.cidrs.clone())
    }

    fn write_side(x: &mut Xml, st: &State, s: &Side, name: &str, active: bool) {
        let cidrs = Self::side_cidrs(st, s);
        x.nest(name, |x| {
            x.opt("cidrBlock", cidrs.first())
                .list("cidrBlockSet", &cidrs, |x, c| {
                    x.leaf("cidrBlock", c);
                })
                .leaf("ownerId", &s.account);
            // Peering options are reported once the peering is active (AcceptVpcPeeringConnection example).
            if active {
                x.nest("peeringOptions", |x| {
                    x.leaf("allowDnsResolutionFromRemoteVpc", s.allow_dns)
                        .leaf("allowEgressFromLocalClassicLinkToRemoteVpc", false)
                        .leaf("allowEgressFromLocalVpcToRemoteClassicLink", false);
                });
            }
            x.leaf("vpcId", &s.vpc_id).leaf("region", &s.region);
        });
    }

    fn write(&self, x: &mut Xml, st: &State, now: u64) {
        let status = self.status(now);
        let active = status == "active";
        Self::write_side(x, st, &self.accepter, "accepterVpcInfo", active);
        if matches!(status, "initiating-request" | "pending-acceptance") {
            x.leaf(
                "expirationTime",
                iso_time(now, self.created_ms + 7 * 24 * 3600 * 1000),
            );
        }
        Self::write_side(x, st, &self.requester, "requesterVpcInfo", active);
        x.nest("status", |x| {
            x.leaf("code", status).leaf("message", self.message(now));
        });
        tags::write(x, &self.tags);
        x.leaf("vpcPeeringConnectionId", &self.id);
    }

    /// Dump form.
    pub fn dump(&self, st: &State, now: u64) -> Value {
        let side = |s: &Side| {
            json!({
                "account": s.account, "region": s.region, "vpc_id": s.vpc_id,
                "cidr_blocks": Self::side_cidrs(st, s), "allow_dns_resolution_from_remote_vpc": s.allow_dns,
            })
        };
        json!({
            "id": self.id, "status": self.status(now), "state": self.status(now), "status_message": self.message(now),
            "requester": side(&self.requester), "accepter": side(&self.accepter), "tags": tags::json(&self.tags),
        })
    }
}

fn overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| {
        b.iter().any(
            |y| match (x.parse::<ipnet::Ipv4Net>(), y.parse::<ipnet::Ipv4Net>()) {
                (Ok(x), Ok(y)) => x.contains(&y) || y.contains(&x),
                _ => false,
            },
        )
    })
}

fn find_visible<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut Peering> {
    match st.peerings.get_mut(id) {
        Some(p) if p.visible_to(cx.account(), cx.region_name()) => Ok(p),
        _ => Err(Ec2Error::not_found(
            "InvalidVpcPeeringConnectionID",
            "vpcPeeringConnection",
            id,
        )),
    }
}

fn write_one(st: &State, p: &Peering, now: u64) -> Xml {
    let mut x = Xml::new();
    x.nest("vpcPeeringConnection", |x| p.write(x, st, now));
    x
}

/// `CreateVpcPeeringConnection`. The request starts in `initiating-request`; then
/// rule: AWS-PEERING-CIDR-OVERLAP.
/// `pending-acceptance`, or `failed` when the CIDR blocks overlap: "If the VPCs have
/// overlapping CIDR blocks ... the VPC peering connection status goes to failed" (VPC
/// Peering guide, "VPC peering connection lifecycle").
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let peer_vpc = cx.q.req("PeerVpcId")?.to_string();
    let peer_account =
        cx.q.get("PeerOwnerId")
            .filter(|s| !s.is_empty())
            .unwrap_or(cx.account())
            .to_string();
    let peer_region =
        cx.q.get("PeerRegion")
            .filter(|s| !s.is_empty())
            .unwrap_or(cx.region_name())
            .to_string();
    let tags = cx.q.tag_specs("vpc-peering-connection")?;
    let now = cx.now;
    let req_cidrs = super::vpc::find(st, cx, &vpc_id)?.cidr_strings();
    if vpc_id == peer_vpc && peer_account == cx.account() && peer_region == cx.region_name() {
        return Err(Ec2Error::invalid(format!(
            "The requester VPC {vpc_id} and the accepter VPC cannot be the same."
        )));
    }
    let acc_cidrs = st
        .region_ref(&peer_account, &peer_region)
        .and_then(|r| r.vpcs.get(&peer_vpc))
        .map(|v| v.cidr_strings())
        .ok_or_else(|| Ec2Error::not_found("InvalidVpcID", "vpc", &peer_vpc))?;
    // A duplicate request for the same pair returns the existing peering (anchors.md s6).
    let same_pair = |p: &Peering| {
        let ends = [
            (&p.requester.vpc_id, &p.accepter.vpc_id),
            (&p.accepter.vpc_id, &p.requester.vpc_id),
        ];
        ends.contains(&(&vpc_id, &peer_vpc))
            && matches!(
                p.status(now),
                "initiating-request" | "pending-acceptance" | "provisioning" | "active"
            )
    };
    if let Some(p) = st.peerings.values().find(|p| same_pair(p)).cloned() {
        return Ok(write_one(st, &p, now));
    }
    let id = st.id("pcx");
    let at = cx.done_at(Op::PeeringRequest);
    let phase = if overlap(&req_cidrs, &acc_cidrs) {
        Phase::new("initiating-request", "failed", at)
    } else {
        Phase::new("initiating-request", "pending-acceptance", at)
    };
    let p = Peering {
        id: id.clone(),
        requester: Side {
            account: cx.account().into(),
            region: cx.region_name().into(),
            vpc_id,
            cidrs: req_cidrs,
            allow_dns: false,
        },
        accepter: Side {
            account: peer_account,
            region: peer_region,
            vpc_id: peer_vpc,
            cidrs: acc_cidrs,
            allow_dns: false,
        },
        phase,
        actor: None,
        created_ms: now,
        tags,
    };
    cx.record(&id, at);
    st.peerings.insert(id, p.clone());
    Ok(write_one(st, &p, now))
}

/// `AcceptVpcPeeringConnection`: only from the accepter's account and region (messages as
/// AWS words them), only while `pending-acceptance`; then provisioning -> active.
pub fn accept(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcPeeringConnectionId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::PeeringAccept);
    let p = find_visible(st, cx, &id)?;
    if p.accepter.account != cx.account() {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!("User {} cannot accept peering {id}", cx.account()),
        ));
    }
    if p.accepter.region != cx.region_name() {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!(
                "Incorrect region ({}) specified for this request. VPC peering connection {id} must be accepted in region {}",
                cx.region_name(),
                p.accepter.region
            ),
        ));
    }
    let status = p.status(now);
    if status != "pending-acceptance" {
        return Err(Ec2Error::new(
            "InvalidStateTransition",
            format!("Invalid state transition for {id}, attempted to transition from {status} to active"),
        ));
    }
    let ends = [p.requester.clone(), p.accepter.clone()];
    check_active_limit(st, &id, &ends, now)?;
    let p = find_visible(st, cx, &id)?;
    p.phase = Phase::new("provisioning", "active", done);
    cx.record(&id, done);
    let p = p.clone();
    Ok(write_one(st, &p, now))
}

/// rule: AWS-PEERINGS-PER-VPC. Accepting makes the peering active, so it is refused when
/// either VPC already has as many active (or provisioning) peerings as the quota
/// "Active VPC peering connections per VPC" allows: `ActiveVpcPeeringConnectionPerVpcLimitExceeded`
/// ("You've reached the limit on the number of active VPC peering connections you can have
/// for the specified VPC", EC2 error codes). The message is the emulator's own.
fn check_active_limit(st: &State, id: &str, ends: &[Side; 2], now: u64) -> R<()> {
    let limit = st.quotas.active_peerings_per_vpc;
    for end in ends {
        let holds = |s: &Side| s.account == end.account && s.vpc_id == end.vpc_id;
        let active = st
            .peerings
            .values()
            .filter(|p| p.id != id && (holds(&p.requester) || holds(&p.accepter)))
            .filter(|p| matches!(p.status(now), "active" | "provisioning"))
            .count();
        if active >= limit {
            return Err(Ec2Error::new(
                "ActiveVpcPeeringConnectionPerVpcLimitExceeded",
                format!(
                    "VPC {} already has {active} active VPC peering connections, the limit for this VPC ({limit}); cannot accept {id}.",
                    end.vpc_id
                ),
            ));
        }
    }
    Ok(())
}

/// `RejectVpcPeeringConnection`: the accepter only, while `pending-acceptance`.
pub fn reject(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcPeeringConnectionId")?.to_string();
    let now = cx.now;
    let p = find_visible(st, cx, &id)?;
    if p.accepter.account != cx.account() || p.accepter.region != cx.region_name() {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!("User {} cannot reject peering {id}", cx.account()),
        ));
    }
    let status = p.status(now);
    if status != "pending-acceptance" {
        return Err(Ec2Error::new(
            "InvalidStateTransition",
            format!("Invalid state transition for {id}, attempted to transition from {status} to rejected"),
        ));
    }
    p.phase = Phase::settled("rejected");
    p.actor = Some(cx.account().to_string());
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DeleteVpcPeeringConnection`: either side; deleting -> deleted, still listed afterwards.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcPeeringConnectionId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::PeeringRequest);
    let p = find_visible(st, cx, &id)?;
    if !matches!(p.status(now), "deleting" | "deleted") {
        p.phase = Phase::new("deleting", "deleted", done);
        p.actor = Some(cx.account().to_string());
        cx.record(&id, done);
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DescribeVpcPeeringConnections` with filters and paging.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpcPeeringConnectionId");
    let filters = cx.q.filters();
    let now = cx.now;
    for id in &ids {
        find_visible(st, cx, id)?;
    }
    let mut out = Vec::new();
    for p in st
        .peerings
        .values()
        .filter(|p| p.visible_to(cx.account(), cx.region_name()))
    {
        if !ids.is_empty() && !ids.contains(&p.id) {
            continue;
        }
        let ok = query::matches(&filters, &p.tags, |name| match name {
            "vpc-peering-connection-id" => Some(vec![p.id.clone()]),
            "status-code" => Some(vec![p.status(now).to_string()]),
            "status-message" => Some(vec![p.message(now)]),
            "requester-vpc-info.vpc-id" => Some(vec![p.requester.vpc_id.clone()]),
            "accepter-vpc-info.vpc-id" => Some(vec![p.accepter.vpc_id.clone()]),
            "requester-vpc-info.owner-id" => Some(vec![p.requester.account.clone()]),
            "accepter-vpc-info.owner-id" => Some(vec![p.accepter.account.clone()]),
            "requester-vpc-info.cidr-block" => Some(Peering::side_cidrs(st, &p.requester)),
            "accepter-vpc-info.cidr-block" => Some(Peering::side_cidrs(st, &p.accepter)),
            _ => None,
        })?;
        if ok {
            out.push(p.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("vpcPeeringConnectionSet", out, |x, p| p.write(x, st, now));
    x.opt("nextToken", next);
    Ok(x)
}

/// `ModifyVpcPeeringConnectionOptions`: only on an active peering ("Peering options can be
/// added only to active peerings", anchors.md s6), each side only with that side's
/// credentials.
pub fn modify_options(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcPeeringConnectionId")?.to_string();
    let now = cx.now;
    let req_dns =
        cx.q.nested("RequesterPeeringConnectionOptions")
            .bool("AllowDnsResolutionFromRemoteVpc")?;
    let acc_dns =
        cx.q.nested("AccepterPeeringConnectionOptions")
            .bool("AllowDnsResolutionFromRemoteVpc")?;
    let req_given = cx.q.has_nested("RequesterPeeringConnectionOptions");
    let acc_given = cx.q.has_nested("AccepterPeeringConnectionOptions");
    let p = find_visible(st, cx, &id)?;
    if p.status(now) != "active" {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!(
                "Peering {id} is not active. Peering options can be added only to active peerings."
            ),
        ));
    }
    let is = |s: &Side| s.account == cx.account() && s.region == cx.region_name();
    if req_given && !is(&p.requester) {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!(
                "User ({}) does not have permission to modify the requester side peering options.",
                cx.account()
            ),
        ));
    }
    if acc_given && !is(&p.accepter) {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!(
                "User ({}) does not have permission to modify the accepter side peering options.",
                cx.account()
            ),
        ));
    }
    if let Some(v) = req_dns {
        p.requester.allow_dns = v;
    }
    if let Some(v) = acc_dns {
        p.accepter.allow_dns = v;
    }
    let p = p.clone();
    let opts = |x: &mut Xml, s: &Side| {
        x.leaf("allowDnsResolutionFromRemoteVpc", s.allow_dns)
            .leaf("allowEgressFromLocalClassicLinkToRemoteVpc", false)
            .leaf("allowEgressFromLocalVpcToRemoteClassicLink", false);
    };
    let mut x = Xml::new();
    if acc_given {
        x.nest("accepterPeeringConnectionOptions", |x| opts(x, &p.accepter));
    }
    if req_given {
        x.nest("requesterPeeringConnectionOptions", |x| {
            opts(x, &p.requester)
        });
    }
    Ok(x)
}
