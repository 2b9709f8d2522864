//! VPC endpoints to AWS services (interface endpoints: one network interface per subnet, each
//! in its own availability zone, guarded by security groups; gateway endpoints for S3 and
//! DynamoDB are listed by `DescribeVpcEndpointServices` but not created here), the service
//! catalog, and the endpoint-specific DNS names AWS gives an interface endpoint.
//! pending -> available on create and on a subnet change, deleting -> deleted on delete.

use super::errors::{Ec2Error, R};
use super::query::{self, Query};
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{Ctx, Phase, State};
use crate::profile::Op;
use rand::Rng;
use serde_json::{json, Value};

/// The AWS services this emulator offers endpoints for, with the endpoint types each
/// supports (emulator's own catalog: the real list differs by region and grows; S3 and
/// DynamoDB have both gateway and interface endpoints, "AWS services that integrate with AWS
/// PrivateLink", AWS PrivateLink guide, read 2026-12-07).
const CATALOG: &[(&str, &[&str])] = &[
    ("s3", &["Gateway", "Interface"]),
    ("dynamodb", &["Gateway", "Interface"]),
    ("sts", &["Interface"]),
    ("ssm", &["Interface"]),
    ("ec2", &["Interface"]),
    ("kms", &["Interface"]),
    ("logs", &["Interface"]),
    ("secretsmanager", &["Interface"]),
    ("sqs", &["Interface"]),
    ("sns", &["Interface"]),
    ("ecr.api", &["Interface"]),
    ("ecr.dkr", &["Interface"]),
    ("execute-api", &["Interface"]),
];

/// Availability zones of every region (the emulator's subnets default to `<region>a`).
const ZONES: &[&str] = &["a", "b", "c"];

/// The short name (`s3`) of `com.amazonaws.<region>.<short>` in `region`, if the catalog has it.
fn short_name<'a>(service_name: &'a str, region: &str) -> Option<&'a str> {
    let short = service_name.strip_prefix(&format!("com.amazonaws.{region}."))?;
    CATALOG.iter().any(|(s, _)| *s == short).then_some(short)
}

/// rule: AWS-VPCE-SERVICE. An unknown service name is refused with `InvalidServiceName`
/// ("The Vpc Endpoint Service '...' does not exist"; the code terraform-provider-aws users
/// report from CreateVpcEndpoint and DescribeVpcEndpointServices).
fn unknown_service(name: &str) -> Ec2Error {
    Ec2Error::new(
        "InvalidServiceName",
        format!("The Vpc Endpoint Service '{name}' does not exist"),
    )
}

/// A VPC endpoint.
#[derive(Debug, Clone)]
pub struct VpcEndpoint {
    /// `vpce-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Owning account.
    pub owner: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    /// `<service>`.
    pub service: String,
    /// `Interface`.
    pub typ: String,
    /// One network interface per subnet.
    pub subnet_ids: Vec<String>,
    /// The availability zone of each subnet (same order).
    pub zones: Vec<String>,
    /// Security groups of the interfaces.
    pub group_ids: Vec<String>,
    /// Private DNS (the service's default name resolves to the endpoint inside the VPC).
    pub private_dns: bool,
    /// The random part of the endpoint's DNS names (`vpce-<id>-<dns_suffix>`).
    pub dns_suffix: String,
    /// pending -> available, deleting -> deleted.
    pub phase: Phase,
    /// Network interface ids, one per subnet.
    pub eni_ids: Vec<String>,
    /// When it was created (emulator clock).
    pub created_ms: u64,
    /// Tags.
    pub tags: Tags,
}

impl VpcEndpoint {
    /// The endpoint-specific DNS names: the regional one, then one per zone
    /// (`vpce-<id>-<suffix>[-<zone>].<service>.<region>.vpce.amazonaws.com`, S3's with a
    /// leading `*.` that a client replaces by `bucket`, `accesspoint` or `control`; S3 user
    /// guide, "AWS PrivateLink for Amazon S3", read 2026-12-07). The hosted zone id is the
    /// emulator's own.
    pub fn dns_names(&self, region: &str) -> Vec<String> {
        let star = if self.service == "s3" { "*." } else { "" };
        let base = format!("{}-{}", self.id, self.dns_suffix);
        let domain = format!("{}.{region}.vpce.amazonaws.com", self.service);
        std::iter::once(format!("{star}{base}.{domain}"))
            .chain(
                self.zones
                    .iter()
                    .map(|z| format!("{star}{base}-{z}.{domain}")),
            )
            .collect()
    }

    fn write(&self, x: &mut Xml, cx: &Ctx) {
        let state = self.phase.get(cx.now);
        x.leaf("vpcEndpointId", &self.id)
            .leaf("vpcEndpointType", &self.typ)
            .leaf("vpcId", &self.vpc_id)
            .leaf("serviceName", &self.service_name)
            .leaf("state", state)
            .nest("routeTableIdSet", |_| {})
            .list("subnetIdSet", &self.subnet_ids, |x, s| {
                x.text(s);
            })
            .list("groupSet", &self.group_ids, |x, g| {
                x.leaf("groupId", g);
            })
            .leaf("ipAddressType", "ipv4")
            .nest("dnsOptions", |x| {
                x.leaf("dnsRecordIpType", "ipv4");
            })
            .leaf("privateDnsEnabled", self.private_dns)
            .leaf("requesterManaged", false)
            .list("networkInterfaceIdSet", &self.eni_ids, |x, e| {
                x.text(e);
            });
        let dns = if state == "deleted" {
            Vec::new()
        } else {
            self.dns_names(cx.region_name())
        };
        x.list("dnsEntrySet", dns, |x, name| {
            x.leaf("dnsName", name)
                .leaf("hostedZoneId", hosted_zone(cx.region_name()));
        })
        .leaf(
            "creationTimestamp",
            super::iso_time(cx.now, self.created_ms),
        );
        tags::write(x, &self.tags);
        x.leaf("ownerId", &self.owner);
    }

    /// Dump form.
    pub fn dump(&self, now: u64, region: &str) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "vpc_id": self.vpc_id,
            "service_name": self.service_name, "type": self.typ, "subnet_ids": self.subnet_ids,
            "security_group_ids": self.group_ids, "private_dns_enabled": self.private_dns,
            "dns_names": self.dns_names(region), "tags": tags::json(&self.tags),
        })
    }
}

/// The Route 53 zone id of a region's `vpce.amazonaws.com` names (emulator's own value).
fn hosted_zone(region: &str) -> String {
    let h = region
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    format!("Z{:012X}", h & 0xFFFF_FFFF_FFFF)
}

/// Checks `subnet_ids` belong to `vpc_id` and sit in distinct zones; their zones.
///
/// rule: AWS-VPCE-ONE-SUBNET-PER-AZ. An interface endpoint takes at most one subnet per
/// availability zone: `DuplicateSubnetsInSameZone` (the code AWS answers, quoted in
/// terraform-provider-aws issues; AWS PrivateLink guide, "Create an interface endpoint":
/// "You can select one subnet per Availability Zone", read 2026-12-07).
fn subnet_zones(st: &mut State, cx: &Ctx, vpc_id: &str, subnet_ids: &[String]) -> R<Vec<String>> {
    let r = st.region(cx.account(), cx.region_name());
    let mut zones: Vec<String> = Vec::new();
    for id in subnet_ids {
        let s = r
            .subnets
            .get(id)
            .ok_or_else(|| Ec2Error::not_found("InvalidSubnetID", "subnet", id))?;
        if s.vpc_id != vpc_id {
            // The emulator's own code and wording: the real answer is UNKNOWN.
            return Err(Ec2Error::new(
                "InvalidParameter",
                format!("The subnet ID '{id}' does not belong to VPC '{vpc_id}'."),
            ));
        }
        if zones.contains(&s.az) {
            return Err(Ec2Error::new(
                "DuplicateSubnetsInSameZone",
                format!("Found another VPC endpoint subnet in the availability zone of {id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service."),
            ));
        }
        zones.push(s.az.clone());
    }
    Ok(zones)
}

/// Checks the security groups exist and belong to `vpc_id`.
fn check_groups(st: &mut State, cx: &Ctx, vpc_id: &str, group_ids: &[String]) -> R<()> {
    let r = st.region(cx.account(), cx.region_name());
    for g in group_ids {
        match r.security_groups.get(g) {
            None => {
                return Err(Ec2Error::new(
                    "InvalidGroup.NotFound",
                    format!("The security group '{g}' does not exist"),
                ))
            }
            // The emulator's own code and wording: the real answer is UNKNOWN.
            Some(sg) if sg.vpc_id != vpc_id => {
                return Err(Ec2Error::new(
                    "InvalidParameter",
                    format!("Security group {g} and VPC {vpc_id} belong to different networks."),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn eni_ids(st: &mut State, n: usize) -> Vec<String> {
    (0..n).map(|_| st.id("eni")).collect()
}

/// `CreateVpcEndpoint` (type `Interface`).
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let service_name = cx.q.req("ServiceName")?.to_string();
    let typ = cx.q.get("VpcEndpointType").unwrap_or("Gateway").to_string();
    super::vpc::find(st, cx, &vpc_id)?;
    let service = short_name(&service_name, cx.region_name())
        .ok_or_else(|| unknown_service(&service_name))?
        .to_string();
    if typ != "Interface" {
        // The emulator's own refusal: it serves interface endpoints only.
        return Err(Ec2Error::invalid(format!(
            "The emulator creates Interface endpoints only, not {typ}."
        )));
    }
    let supports = CATALOG
        .iter()
        .any(|(s, types)| *s == service && types.contains(&"Interface"));
    if !supports {
        return Err(Ec2Error::invalid(format!(
            "The Vpc Endpoint Service '{service_name}' does not support the Interface endpoint type."
        )));
    }
    let subnet_ids = cx.q.list("SubnetId");
    let group_ids = cx.q.list("SecurityGroupId");
    let zones = subnet_zones(st, cx, &vpc_id, &subnet_ids)?;
    check_groups(st, cx, &vpc_id, &group_ids)?;
    let tags = cx.q.tag_specs("vpc-endpoint")?;
    let id = st.id("vpce");
    let dns_suffix: String = {
        let rng = st.rng();
        (0..8)
            .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
            .collect()
    };
    let enis = eni_ids(st, subnet_ids.len());
    let ready = cx.done_at(Op::VpcEndpointCreate);
    let e = VpcEndpoint {
        id: id.clone(),
        vpc_id,
        owner: cx.account().to_string(),
        service_name,
        service,
        typ,
        subnet_ids,
        zones,
        group_ids,
        private_dns: cx.q.bool("PrivateDnsEnabled")?.unwrap_or(false),
        dns_suffix,
        phase: Phase::new("pending", "available", ready),
        eni_ids: enis,
        created_ms: cx.now,
        tags,
    };
    cx.record(&id, ready);
    let mut x = Xml::new();
    x.nest("vpcEndpoint", |x| e.write(x, cx));
    if let Some(t) = cx.q.get("ClientToken") {
        x.leaf("clientToken", t);
    }
    st.region(cx.account(), cx.region_name())
        .vpc_endpoints
        .insert(id, e);
    Ok(x)
}

fn not_found(id: &str) -> Ec2Error {
    // EC2 API reference, "Error codes": InvalidVpcEndpointId.NotFound.
    Ec2Error::new(
        "InvalidVpcEndpointId.NotFound",
        format!("The VpcEndpoint Id '{id}' does not exist"),
    )
}

/// `DescribeVpcEndpoints`: `VpcEndpointId.N`, filters `vpc-endpoint-id`, `vpc-id`,
/// `service-name`, `vpc-endpoint-state`, `vpc-endpoint-type`, `tag:*`.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpcEndpointId");
    let filters = cx.q.filters();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    if let Some(missing) = ids.iter().find(|id| !r.vpc_endpoints.contains_key(*id)) {
        return Err(not_found(missing));
    }
    let mut out = Vec::new();
    for e in r.vpc_endpoints.values() {
        if !ids.is_empty() && !ids.contains(&e.id) {
            continue;
        }
        let ok = query::matches(&filters, &e.tags, |name| match name {
            "vpc-endpoint-id" => Some(vec![e.id.clone()]),
            "vpc-id" => Some(vec![e.vpc_id.clone()]),
            "service-name" => Some(vec![e.service_name.clone()]),
            "vpc-endpoint-state" => Some(vec![e.phase.get(now).to_string()]),
            "vpc-endpoint-type" => Some(vec![e.typ.clone()]),
            _ => None,
        })?;
        if ok {
            out.push(e.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("vpcEndpointSet", out, |x, e| e.write(x, cx));
    x.opt("nextToken", next);
    Ok(x)
}

/// `ModifyVpcEndpoint`: subnets and security groups added or removed; the endpoint is
/// `pending` while its interfaces change.
pub fn modify(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcEndpointId")?.to_string();
    let now = cx.now;
    let (vpc_id, mut subnets, mut groups) = {
        let r = st.region(cx.account(), cx.region_name());
        let e = r.vpc_endpoints.get(&id).ok_or_else(|| not_found(&id))?;
        if e.phase.get(now) != "available" {
            // The emulator's own refusal: AWS's answer while an endpoint is pending is UNKNOWN.
            return Err(Ec2Error::new(
                "IncorrectState",
                format!("VPC endpoint {id} is {}.", e.phase.get(now)),
            ));
        }
        (e.vpc_id.clone(), e.subnet_ids.clone(), e.group_ids.clone())
    };
    let edit = |have: &mut Vec<String>, q: &Query, add: &str, remove: &str| {
        let gone = q.list(remove);
        have.retain(|s| !gone.contains(s));
        for s in q.list(add) {
            if !have.contains(&s) {
                have.push(s);
            }
        }
    };
    edit(&mut subnets, &cx.q, "AddSubnetId", "RemoveSubnetId");
    edit(
        &mut groups,
        &cx.q,
        "AddSecurityGroupId",
        "RemoveSecurityGroupId",
    );
    let zones = subnet_zones(st, cx, &vpc_id, &subnets)?;
    check_groups(st, cx, &vpc_id, &groups)?;
    let enis = eni_ids(st, subnets.len());
    let ready = cx.done_at(Op::VpcEndpointCreate);
    let r = st.region(cx.account(), cx.region_name());
    let e = r.vpc_endpoints.get_mut(&id).expect("checked above");
    if e.subnet_ids != subnets {
        e.eni_ids = enis;
        e.phase = Phase::new("pending", "available", ready);
        cx.record(&id, ready);
    }
    e.subnet_ids = subnets;
    e.zones = zones;
    e.group_ids = groups;
    if let Some(p) = cx.q.bool("PrivateDnsEnabled")? {
        e.private_dns = p;
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DeleteVpcEndpoints`: deleting -> deleted, still listed like AWS does for a while. An id
/// that cannot be deleted comes back in `unsuccessful` (the call itself succeeds), an
/// unknown one with `InvalidVpcEndpoint.NotFound` (the code terraform-provider-aws treats
/// as already gone in resourceVPCEndpointDelete).
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpcEndpointId");
    if ids.is_empty() {
        return Err(Ec2Error::missing("VpcEndpointId"));
    }
    let now = cx.now;
    let done = cx.done_at(Op::VpcEndpointDelete);
    let mut unsuccessful = Vec::new();
    for id in &ids {
        let r = st.region(cx.account(), cx.region_name());
        match r.vpc_endpoints.get_mut(id) {
            None => unsuccessful.push((
                id.clone(),
                "InvalidVpcEndpoint.NotFound",
                format!("The VpcEndpoint Id '{id}' does not exist"),
            )),
            Some(e) => {
                if !matches!(e.phase.get(now), "deleting" | "deleted") {
                    e.phase = Phase::new("deleting", "deleted", done);
                    cx.record(id, done);
                }
            }
        }
    }
    let mut x = Xml::new();
    x.list("unsuccessful", unsuccessful, |x, (id, code, message)| {
        x.nest("error", |x| {
            x.leaf("code", code).leaf("message", message);
        })
        .leaf("resourceId", id);
    });
    Ok(x)
}

/// `DescribeVpcEndpointServices`: the catalog, by `ServiceName.N` (an unknown name fails the
/// call with `InvalidServiceName`) or filters `service-name`, `service-type`.
pub fn describe_services(_st: &mut State, cx: &Ctx) -> R<Xml> {
    let region = cx.region_name();
    let asked = cx.q.list("ServiceName");
    if let Some(bad) = asked.iter().find(|n| short_name(n, region).is_none()) {
        return Err(unknown_service(bad));
    }
    let filters = cx.q.filters();
    let none = Tags::new();
    let mut out = Vec::new();
    for (short, types) in CATALOG {
        let name = format!("com.amazonaws.{region}.{short}");
        if !asked.is_empty() && !asked.contains(&name) {
            continue;
        }
        let ok = query::matches(&filters, &none, |f| match f {
            "service-name" => Some(vec![name.clone()]),
            "service-type" => Some(types.iter().map(|t| t.to_string()).collect()),
            _ => None,
        })?;
        if ok {
            out.push((name, *short, *types));
        }
    }
    let mut x = Xml::new();
    x.list("serviceNameSet", &out, |x, (name, _, _)| {
        x.text(name);
    });
    x.list("serviceDetailSet", &out, |x, (name, short, types)| {
        x.leaf("serviceName", name)
            .leaf(
                "serviceId",
                format!("vpce-svc-{}", hosted_zone(name).to_lowercase()),
            )
            .list("serviceType", types.iter(), |x, t| {
                x.leaf("serviceType", t);
            })
            .list("availabilityZoneSet", ZONES, |x, z| {
                x.text(format!("{region}{z}"));
            })
            .leaf("owner", "amazon")
            .list(
                "baseEndpointDnsNameSet",
                [format!("{short}.{region}.vpce.amazonaws.com")],
                |x, n| {
                    x.text(n);
                },
            )
            .leaf("privateDnsName", format!("{short}.{region}.amazonaws.com"))
            .leaf("vpcEndpointPolicySupported", true)
            .leaf("acceptanceRequired", false)
            .leaf("managesVpcEndpoints", false);
    });
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_names_carry_the_wildcard_and_one_per_zone() {
        let e = VpcEndpoint {
            id: "vpce-0abc".into(),
            vpc_id: "vpc-1".into(),
            owner: "1".into(),
            service_name: "com.amazonaws.us-east-1.s3".into(),
            service: "s3".into(),
            typ: "Interface".into(),
            subnet_ids: vec!["subnet-1".into()],
            zones: vec!["us-east-1a".into()],
            group_ids: vec![],
            private_dns: false,
            dns_suffix: "abcdefgh".into(),
            phase: Phase::settled("available"),
            eni_ids: vec![],
            created_ms: 0,
            tags: Tags::new(),
        };
        assert_eq!(
            e.dns_names("us-east-1"),
            vec![
                "*.vpce-0abc-abcdefgh.s3.us-east-1.vpce.amazonaws.com",
                "*.vpce-0abc-abcdefgh-us-east-1a.s3.us-east-1.vpce.amazonaws.com"
            ]
        );
        assert_eq!(
            short_name("com.amazonaws.us-east-1.s3", "us-east-1"),
            Some("s3")
        );
        assert_eq!(
            short_name("com.amazonaws.us-east-1.nope", "us-east-1"),
            None
        );
    }
}
