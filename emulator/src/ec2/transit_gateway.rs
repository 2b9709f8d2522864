//! Transit gateways and their attachments (VPC attachments created by the caller, VPN
//! attachments created with a VPN connection on the TGW).

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::vpn_gateway::check_amazon_asn;
use super::xml::Xml;
use super::{iso_time, Ctx, Phase, State};
use crate::profile::Op;
use serde_json::{json, Value};

/// A transit gateway.
#[derive(Debug, Clone)]
pub struct TransitGateway {
    /// `tgw-...`.
    pub id: String,
    /// Owning account.
    pub owner: String,
    /// Region (for the ARN).
    pub region: String,
    /// Amazon-side ASN.
    pub asn: u64,
    /// Description.
    pub description: Option<String>,
    /// `enable`/`disable` options as given (defaults as AWS documents them).
    pub options: Vec<(&'static str, String)>,
    /// pending -> available, later deleting -> deleted.
    pub phase: Phase,
    /// Creation time on the emulator clock.
    pub created_ms: u64,
    /// Default route table id.
    pub route_table_id: String,
    /// Tags.
    pub tags: Tags,
}

impl TransitGateway {
    fn write(&self, x: &mut Xml, now: u64) {
        x.leaf("transitGatewayId", &self.id)
            .leaf(
                "transitGatewayArn",
                format!(
                    "arn:aws:ec2:{}:{}:transit-gateway/{}",
                    self.region, self.owner, self.id
                ),
            )
            .leaf("state", self.phase.get(now))
            .leaf("ownerId", &self.owner)
            .opt("description", self.description.as_ref())
            .leaf("creationTime", iso_time(now, self.created_ms))
            .nest("options", |x| {
                x.leaf("amazonSideAsn", self.asn);
                for (k, v) in &self.options {
                    x.leaf(k, v);
                }
                x.leaf("associationDefaultRouteTableId", &self.route_table_id)
                    .leaf("propagationDefaultRouteTableId", &self.route_table_id);
            });
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self, now: u64) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "owner_id": self.owner, "amazon_side_asn": self.asn,
            "description": self.description, "tags": tags::json(&self.tags),
        })
    }
}

/// A transit gateway attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// `tgw-attach-...`.
    pub id: String,
    /// The transit gateway.
    pub tgw_id: String,
    /// Owner of the transit gateway.
    pub tgw_owner: String,
    /// `vpc` or `vpn`.
    pub resource_type: &'static str,
    /// VPC or VPN connection id.
    pub resource_id: String,
    /// Owner of the resource.
    pub resource_owner: String,
    /// Subnets (VPC attachments).
    pub subnet_ids: Vec<String>,
    /// pending -> available, later deleting -> deleted.
    pub phase: Phase,
    /// Creation time on the emulator clock.
    pub created_ms: u64,
    /// Tags.
    pub tags: Tags,
}

impl Attachment {
    fn write_generic(&self, x: &mut Xml, now: u64) {
        x.leaf("transitGatewayAttachmentId", &self.id)
            .leaf("transitGatewayId", &self.tgw_id)
            .leaf("transitGatewayOwnerId", &self.tgw_owner)
            .leaf("resourceOwnerId", &self.resource_owner)
            .leaf("resourceType", self.resource_type)
            .leaf("resourceId", &self.resource_id)
            .leaf("state", self.phase.get(now))
            .leaf("creationTime", iso_time(now, self.created_ms));
        tags::write(x, &self.tags);
    }

    fn write_vpc(&self, x: &mut Xml, now: u64) {
        x.leaf("transitGatewayAttachmentId", &self.id)
            .leaf("transitGatewayId", &self.tgw_id)
            .leaf("vpcId", &self.resource_id)
            .leaf("vpcOwnerId", &self.resource_owner)
            .leaf("state", self.phase.get(now))
            .list("subnetIds", &self.subnet_ids, |x, s| {
                x.text(s);
            })
            .leaf("creationTime", iso_time(now, self.created_ms))
            .nest("options", |x| {
                x.leaf("dnsSupport", "enable")
                    .leaf("securityGroupReferencingSupport", "disable")
                    .leaf("applianceModeSupport", "disable");
            });
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self, now: u64) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "transit_gateway_id": self.tgw_id,
            "resource_type": self.resource_type, "resource_id": self.resource_id,
            "resource_owner_id": self.resource_owner, "subnet_ids": self.subnet_ids, "tags": tags::json(&self.tags),
        })
    }
}

/// Creates a transit gateway that becomes available at `ready_ms`; returns its id.
pub fn insert(
    st: &mut State,
    account: &str,
    region: &str,
    asn: u64,
    tags: Tags,
    ready_ms: u64,
) -> R<String> {
    check_amazon_asn(asn)?;
    let id = st.id("tgw");
    let rtb = st.id("tgw-rtb");
    // Defaults from the EC2 API reference, TransitGatewayRequestOptions.
    let options = vec![
        ("autoAcceptSharedAttachments", "disable".to_string()),
        ("defaultRouteTableAssociation", "enable".to_string()),
        ("defaultRouteTablePropagation", "enable".to_string()),
        ("vpnEcmpSupport", "enable".to_string()),
        ("dnsSupport", "enable".to_string()),
        ("securityGroupReferencingSupport", "disable".to_string()),
        ("multicastSupport", "disable".to_string()),
    ];
    let t = TransitGateway {
        id: id.clone(),
        owner: account.to_string(),
        region: region.to_string(),
        asn,
        description: None,
        options,
        phase: Phase::new("pending", "available", ready_ms),
        created_ms: ready_ms.saturating_sub(1),
        route_table_id: rtb,
        tags,
    };
    st.region(account, region)
        .transit_gateways
        .insert(id.clone(), t);
    Ok(id)
}

/// `CreateTransitGateway`.
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let o = cx.q.nested("Options");
    let asn = o.num::<u64>("AmazonSideAsn")?.unwrap_or(64512);
    let tags = cx.q.tag_specs("transit-gateway")?;
    let ready = cx.done_at(Op::TransitGatewayCreate);
    let id = insert(st, cx.account(), cx.region_name(), asn, tags, ready)?;
    let t = st
        .region(cx.account(), cx.region_name())
        .transit_gateways
        .get_mut(&id)
        .unwrap();
    t.created_ms = cx.now;
    t.description = cx.q.get("Description").map(String::from);
    for (k, v) in t.options.iter_mut() {
        let mut key = k.to_string();
        key[..1].make_ascii_uppercase();
        if let Some(given) = o.get(&key) {
            *v = given.to_string();
        }
    }
    cx.record(&id, ready);
    let t = t.clone();
    let mut x = Xml::new();
    x.nest("transitGateway", |x| t.write(x, cx.now));
    Ok(x)
}

/// `DescribeTransitGateways` with filters and paging.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("TransitGatewayIds");
    let filters = cx.q.filters();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.transit_gateways.contains_key(id) {
            return Err(Ec2Error::new(
                "InvalidTransitGatewayID.NotFound",
                format!("Transit Gateway {id} was deleted or does not exist."),
            ));
        }
    }
    let mut out = Vec::new();
    for t in r.transit_gateways.values() {
        if !ids.is_empty() && !ids.contains(&t.id) {
            continue;
        }
        let ok = query::matches(&filters, &t.tags, |name| match name {
            "transit-gateway-id" => Some(vec![t.id.clone()]),
            "state" => Some(vec![t.phase.get(now).to_string()]),
            "owner-id" => Some(vec![t.owner.clone()]),
            "options.amazon-side-asn" => Some(vec![t.asn.to_string()]),
            _ => None,
        })?;
        if ok {
            out.push(t.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("transitGatewaySet", out, |x, t| t.write(x, now));
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteTransitGateway`: `IncorrectState` while attachments that are not deleted remain.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("TransitGatewayId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::TransitGatewayCreate);
    let r = st.region(cx.account(), cx.region_name());
    if !r.transit_gateways.contains_key(&id) {
        return Err(Ec2Error::new(
            "InvalidTransitGatewayID.NotFound",
            format!("Transit Gateway {id} was deleted or does not exist."),
        ));
    }
    if r.tgw_attachments
        .values()
        .any(|a| a.tgw_id == id && a.phase.get(now) != "deleted")
    {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("{id} has non-deleted Transit Gateway Attachments"),
        ));
    }
    let t = r.transit_gateways.get_mut(&id).unwrap();
    if !matches!(t.phase.get(now), "deleting" | "deleted") {
        t.phase = Phase::new("deleting", "deleted", done);
        cx.record(&id, done);
    }
    let t = t.clone();
    let mut x = Xml::new();
    x.nest("transitGateway", |x| t.write(x, now));
    Ok(x)
}

/// The transit gateway `id` in the caller's region, which must be `available`.
pub fn require_available(st: &mut State, cx: &Ctx, id: &str) -> R<TransitGateway> {
    let t = st
        .region(cx.account(), cx.region_name())
        .transit_gateways
        .get(id)
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidTransitGatewayID.NotFound",
                format!("Transit Gateway {id} was deleted or does not exist."),
            )
        })?;
    if t.phase.get(cx.now) != "available" {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("{id} is in invalid state"),
        ));
    }
    Ok(t.clone())
}

/// Adds an attachment record; returns its id.
pub fn insert_attachment(
    st: &mut State,
    cx: &Ctx,
    tgw: &TransitGateway,
    kind: &'static str,
    resource_id: &str,
    subnets: Vec<String>,
    ready: u64,
) -> String {
    let id = st.id("tgw-attach");
    let a = Attachment {
        id: id.clone(),
        tgw_id: tgw.id.clone(),
        tgw_owner: tgw.owner.clone(),
        resource_type: kind,
        resource_id: resource_id.to_string(),
        resource_owner: cx.account().to_string(),
        subnet_ids: subnets,
        phase: Phase::new("pending", "available", ready),
        created_ms: cx.now,
        tags: Tags::new(),
    };
    st.region(cx.account(), cx.region_name())
        .tgw_attachments
        .insert(id.clone(), a);
    id
}

/// `CreateTransitGatewayVpcAttachment`.
pub fn create_vpc_attachment(st: &mut State, cx: &Ctx) -> R<Xml> {
    let tgw_id = cx.q.req("TransitGatewayId")?.to_string();
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let subnets = cx.q.list("SubnetIds");
    if subnets.is_empty() {
        return Err(Ec2Error::missing("SubnetIds"));
    }
    let tags = cx.q.tag_specs("transit-gateway-attachment")?;
    super::vpc::find(st, cx, &vpc_id)?;
    {
        let r = st.region(cx.account(), cx.region_name());
        for s in &subnets {
            match r.subnets.get(s) {
                Some(sub) if sub.vpc_id == vpc_id => {}
                Some(_) => {
                    return Err(Ec2Error::invalid(format!(
                        "Subnet {s} does not belong to {vpc_id}"
                    )))
                }
                None => return Err(Ec2Error::not_found("InvalidSubnetID", "subnet", s)),
            }
        }
        if r.tgw_attachments.values().any(|a| {
            a.tgw_id == tgw_id && a.resource_id == vpc_id && a.phase.get(cx.now) != "deleted"
        }) {
            return Err(Ec2Error::new(
                "DuplicateTransitGatewayAttachment",
                format!("{tgw_id} has non-deleted Transit Gateway Attachments with same VPC ID."),
            ));
        }
    }
    let tgw = require_available(st, cx, &tgw_id)?;
    let ready = cx.done_at(Op::VpnGatewayAttach);
    let id = insert_attachment(st, cx, &tgw, "vpc", &vpc_id, subnets, ready);
    cx.record(&id, ready);
    let a = st
        .region(cx.account(), cx.region_name())
        .tgw_attachments
        .get_mut(&id)
        .unwrap();
    a.tags = tags;
    let a = a.clone();
    let mut x = Xml::new();
    x.nest("transitGatewayVpcAttachment", |x| a.write_vpc(x, cx.now));
    Ok(x)
}

fn select_attachments(
    st: &mut State,
    cx: &Ctx,
    ids_param: &str,
    only_vpc: bool,
) -> R<(Vec<Attachment>, Option<String>)> {
    let ids = cx.q.list(ids_param);
    let filters = cx.q.filters();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.tgw_attachments.contains_key(id) {
            return Err(Ec2Error::new(
                "InvalidTransitGatewayAttachmentID.NotFound",
                format!("Transit Gateway Attachment {id} was deleted or does not exist."),
            ));
        }
    }
    let mut out = Vec::new();
    for a in r.tgw_attachments.values() {
        if (!ids.is_empty() && !ids.contains(&a.id)) || (only_vpc && a.resource_type != "vpc") {
            continue;
        }
        let ok = query::matches(&filters, &a.tags, |name| match name {
            "transit-gateway-attachment-id" => Some(vec![a.id.clone()]),
            "transit-gateway-id" => Some(vec![a.tgw_id.clone()]),
            "resource-type" => Some(vec![a.resource_type.to_string()]),
            "resource-id" => Some(vec![a.resource_id.clone()]),
            "resource-owner-id" => Some(vec![a.resource_owner.clone()]),
            "vpc-id" => Some(vec![a.resource_id.clone()]),
            "state" => Some(vec![a.phase.get(now).to_string()]),
            _ => None,
        })?;
        if ok {
            out.push(a.clone());
        }
    }
    query::page(&cx.q, out, 1000)
}

/// `DescribeTransitGatewayAttachments` (all resource types).
pub fn describe_attachments(st: &mut State, cx: &Ctx) -> R<Xml> {
    let (out, next) = select_attachments(st, cx, "TransitGatewayAttachmentIds", false)?;
    let mut x = Xml::new();
    x.list("transitGatewayAttachments", out, |x, a| {
        a.write_generic(x, cx.now)
    });
    x.opt("nextToken", next);
    Ok(x)
}

/// `DescribeTransitGatewayVpcAttachments`.
pub fn describe_vpc_attachments(st: &mut State, cx: &Ctx) -> R<Xml> {
    let (out, next) = select_attachments(st, cx, "TransitGatewayAttachmentIds", true)?;
    let mut x = Xml::new();
    x.list("transitGatewayVpcAttachments", out, |x, a| {
        a.write_vpc(x, cx.now)
    });
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteTransitGatewayVpcAttachment`: deleting -> deleted.
pub fn delete_vpc_attachment(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("TransitGatewayAttachmentId")?.to_string();
    let done = cx.done_at(Op::VpnGatewayDetach);
    let now = cx.now;
    let a = st
        .region(cx.account(), cx.region_name())
        .tgw_attachments
        .get_mut(&id)
        .filter(|a| a.resource_type == "vpc")
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidTransitGatewayAttachmentID.NotFound",
                format!("Transit Gateway Attachment {id} was deleted or does not exist."),
            )
        })?;
    if !matches!(a.phase.get(now), "deleting" | "deleted") {
        a.phase = Phase::new("deleting", "deleted", done);
        cx.record(&id, done);
    }
    let a = a.clone();
    let mut x = Xml::new();
    x.nest("transitGatewayVpcAttachment", |x| a.write_vpc(x, now));
    Ok(x)
}
