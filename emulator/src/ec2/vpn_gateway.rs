//! Virtual private gateways: Amazon-side ASN validation, one VPC attachment at a time with
//! attaching/detaching phases, and the in-use checks on delete.

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{Ctx, Phase, State};
use crate::profile::Op;
use serde_json::{json, Value};

/// One VPC attachment of a VGW.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The VPC.
    pub vpc_id: String,
    /// attaching -> attached, or detaching -> detached.
    pub phase: Phase,
}

/// A virtual private gateway.
#[derive(Debug, Clone)]
pub struct VpnGateway {
    /// `vgw-...`.
    pub id: String,
    /// `ipsec.1`.
    pub typ: String,
    /// Amazon-side BGP ASN.
    pub asn: u64,
    /// pending -> available, later deleting -> deleted.
    pub phase: Phase,
    /// Current and past attachments (past ones stay listed as `detached`).
    pub attachments: Vec<Attachment>,
    /// Tags.
    pub tags: Tags,
}

impl VpnGateway {
    /// The VPC this VGW is attaching or attached to at `now`.
    pub fn attached_vpc(&self, now: u64) -> Option<String> {
        self.attachments
            .iter()
            .find(|a| matches!(a.phase.get(now), "attaching" | "attached"))
            .map(|a| a.vpc_id.clone())
    }

    /// Whether any attachment is not yet `detached`.
    fn has_live_attachment(&self, now: u64) -> bool {
        self.attachments
            .iter()
            .any(|a| a.phase.get(now) != "detached")
    }

    fn write(&self, x: &mut Xml, now: u64) {
        x.leaf("vpnGatewayId", &self.id)
            .leaf("state", self.phase.get(now))
            .leaf("type", &self.typ)
            .list("attachments", &self.attachments, |x, a| {
                x.leaf("vpcId", &a.vpc_id).leaf("state", a.phase.get(now));
            })
            .leaf("amazonSideAsn", self.asn);
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self, now: u64) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "type": self.typ, "amazon_side_asn": self.asn,
            "attachments": self.attachments.iter().map(|a| json!({"vpc_id": a.vpc_id, "state": a.phase.get(now)})).collect::<Vec<_>>(),
            "tags": tags::json(&self.tags),
        })
    }
}

/// rule: AWS-AMAZON-ASN. Amazon-side ASNs: "a private ASN in the 64512 to 65534 range or 4200000000 to 4294967294"
/// (EC2 API reference, CreateVpnGateway `AmazonSideAsn`; same range for transit gateways).
pub fn check_amazon_asn(asn: u64) -> R<()> {
    if (64512..=65534).contains(&asn) || (4_200_000_000..=4_294_967_294).contains(&asn) {
        Ok(())
    } else {
        Err(Ec2Error::invalid(format!(
            "The private ASN {asn} is invalid. Valid ranges are 64512-65534 and 4200000000-4294967294."
        )))
    }
}

fn find<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut VpnGateway> {
    st.region(cx.account(), cx.region_name())
        .vpn_gateways
        .get_mut(id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpnGatewayID", "vpnGateway", id))
}

/// `CreateVpnGateway` (default ASN 64512).
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let typ = cx.q.req("Type")?.to_string();
    if typ != "ipsec.1" {
        return Err(Ec2Error::invalid(format!(
            "Value ({typ}) for parameter type is invalid."
        )));
    }
    let asn = cx.q.num::<u64>("AmazonSideAsn")?.unwrap_or(64512);
    check_amazon_asn(asn)?;
    let tags = cx.q.tag_specs("vpn-gateway")?;
    let id = st.id("vgw");
    let ready = cx.done_at(Op::VpnGatewayCreate);
    let g = VpnGateway {
        id: id.clone(),
        typ,
        asn,
        phase: Phase::new("pending", "available", ready),
        attachments: vec![],
        tags,
    };
    cx.record(&id, ready);
    let mut x = Xml::new();
    x.nest("vpnGateway", |x| g.write(x, cx.now));
    st.region(cx.account(), cx.region_name())
        .vpn_gateways
        .insert(id, g);
    Ok(x)
}

/// `DescribeVpnGateways`.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpnGatewayId");
    let filters = cx.q.filters();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.vpn_gateways.contains_key(id) {
            return Err(Ec2Error::not_found("InvalidVpnGatewayID", "vpnGateway", id));
        }
    }
    let mut out = Vec::new();
    for g in r.vpn_gateways.values() {
        if !ids.is_empty() && !ids.contains(&g.id) {
            continue;
        }
        let ok = query::matches(&filters, &g.tags, |name| match name {
            "vpn-gateway-id" => Some(vec![g.id.clone()]),
            "state" => Some(vec![g.phase.get(now).to_string()]),
            "type" => Some(vec![g.typ.clone()]),
            "amazon-side-asn" => Some(vec![g.asn.to_string()]),
            "attachment.vpc-id" => Some(g.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
            "attachment.state" => Some(
                g.attachments
                    .iter()
                    .map(|a| a.phase.get(now).to_string())
                    .collect(),
            ),
            _ => None,
        })?;
        if ok {
            out.push(g);
        }
    }
    let mut x = Xml::new();
    x.list("vpnGatewaySet", out, |x, g| g.write(x, now));
    Ok(x)
}

/// `AttachVpnGateway`: one VPC per VGW (`VpnGatewayAttachmentLimitExceeded`, EC2 error codes)
/// and one VGW per VPC (`InvalidVpcState` "VPC vpc-*** is currently attached to the Virtual
/// Private Gateway.", user report cloudposse/terraform-aws-vpn-connection#22, 2022; "You can
/// attach one virtual private gateway to one VPC at a time", AttachVpnGateway reference).
/// rule: AWS-VGW-ONE-PER-VPC
pub fn attach(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnGatewayId")?.to_string();
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let now = cx.now;
    super::vpc::find(st, cx, &vpc_id)?;
    let g = find(st, cx, &id)?;
    if matches!(g.phase.get(now), "deleting" | "deleted") {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("The vpn gateway '{id}' is in state {}.", g.phase.get(now)),
        ));
    }
    match g.attached_vpc(now) {
        Some(v) if v == vpc_id => {
            let a = g.attachments.iter().find(|a| a.vpc_id == vpc_id && a.phase.get(now) != "detached").unwrap().clone();
            let mut x = Xml::new();
            x.nest("attachment", |x| {
                x.leaf("vpcId", &a.vpc_id).leaf("state", a.phase.get(now));
            });
            return Ok(x);
        }
        Some(_) => {
            return Err(Ec2Error::new(
                "VpnGatewayAttachmentLimitExceeded",
                format!("The maximum number of attachments for the vpn gateway '{id}' has been reached: it is already attached to a VPC."),
            ))
        }
        None => {}
    }
    let r = st.region(cx.account(), cx.region_name());
    if r.vpn_gateways
        .values()
        .any(|o| o.id != id && o.attached_vpc(now).as_deref() == Some(vpc_id.as_str()))
    {
        return Err(Ec2Error::new(
            "InvalidVpcState",
            format!("VPC {vpc_id} is currently attached to the Virtual Private Gateway."),
        ));
    }
    let ready = cx.done_at(Op::VpnGatewayAttach);
    let g = r.vpn_gateways.get_mut(&id).unwrap();
    g.attachments.retain(|a| a.phase.get(now) != "detached");
    g.attachments.push(Attachment {
        vpc_id: vpc_id.clone(),
        phase: Phase::new("attaching", "attached", ready),
    });
    cx.record(&id, ready);
    let mut x = Xml::new();
    x.nest("attachment", |x| {
        x.leaf("vpcId", &vpc_id).leaf("state", "attaching");
    });
    Ok(x)
}

/// `DetachVpnGateway`: detaching -> detached.
pub fn detach(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnGatewayId")?.to_string();
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::VpnGatewayDetach);
    let g = find(st, cx, &id)?;
    let a = g
        .attachments
        .iter_mut()
        .find(|a| a.vpc_id == vpc_id && matches!(a.phase.get(now), "attaching" | "attached"))
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidVpnGatewayAttachment.NotFound",
                format!("The attachment with vpn gateway ID '{id}' and vpc ID '{vpc_id}' does not exist"),
            )
        })?;
    a.phase = Phase::new("detaching", "detached", done);
    cx.record(&id, done);
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DeleteVpnGateway`: `IncorrectState` while attached or used by a VPN connection.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpnGatewayId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::VpnGatewayDetach);
    let r = st.region(cx.account(), cx.region_name());
    let g = r
        .vpn_gateways
        .get(&id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpnGatewayID", "vpnGateway", &id))?;
    if g.has_live_attachment(now) {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!("The vpn gateway '{id}' is attached to a VPC and cannot be deleted."),
        ));
    }
    if r.vpn_connections
        .values()
        .any(|v| v.vpn_gateway_id.as_deref() == Some(id.as_str()) && v.phase.get(now) != "deleted")
    {
        return Err(Ec2Error::new(
            "IncorrectState",
            "The vpn gateway is in use.",
        ));
    }
    let g = r.vpn_gateways.get_mut(&id).unwrap();
    if !matches!(g.phase.get(now), "deleting" | "deleted") {
        g.phase = Phase::new("deleting", "deleted", done);
        cx.record(&id, done);
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}
