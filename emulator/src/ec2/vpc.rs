//! VPCs (with secondary CIDR blocks and DNS attributes) and subnets.

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{route_table, Ctx, State};
use ipnet::Ipv4Net;
use serde_json::{json, Value};

/// One IPv4 CIDR block of a VPC.
#[derive(Debug, Clone)]
pub struct CidrAssociation {
    /// `vpc-cidr-assoc-...`.
    pub id: String,
    /// The block.
    pub cidr: Ipv4Net,
}

/// A VPC.
#[derive(Debug, Clone)]
pub struct Vpc {
    /// `vpc-...`.
    pub id: String,
    /// Owning account.
    pub owner: String,
    /// CIDR blocks; the first is the primary one.
    pub cidrs: Vec<CidrAssociation>,
    /// `enableDnsSupport` (AWS default true).
    pub dns_support: bool,
    /// `enableDnsHostnames` (AWS default false for non-default VPCs).
    pub dns_hostnames: bool,
    /// The main route table created with the VPC.
    pub main_route_table: String,
    /// Tags.
    pub tags: Tags,
}

impl Vpc {
    /// The CIDR blocks as strings.
    pub fn cidr_strings(&self) -> Vec<String> {
        self.cidrs.iter().map(|c| c.cidr.to_string()).collect()
    }

    fn write(&self, x: &mut Xml) {
        x.leaf("vpcId", &self.id)
            .leaf("ownerId", &self.owner)
            .leaf("state", "available")
            .leaf("cidrBlock", self.cidrs[0].cidr)
            .list("cidrBlockAssociationSet", &self.cidrs, |x, c| {
                x.leaf("associationId", &c.id)
                    .leaf("cidrBlock", c.cidr)
                    .nest("cidrBlockState", |x| {
                        x.leaf("state", "associated");
                    });
            })
            .leaf("dhcpOptionsId", "default")
            .leaf("instanceTenancy", "default")
            .leaf("isDefault", false);
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self) -> Value {
        json!({
            "id": self.id, "state": "available", "owner_id": self.owner,
            "cidr_blocks": self.cidr_strings(),
            "enable_dns_support": self.dns_support, "enable_dns_hostnames": self.dns_hostnames,
            "main_route_table_id": self.main_route_table, "tags": tags::json(&self.tags),
        })
    }
}

/// A subnet.
#[derive(Debug, Clone)]
pub struct Subnet {
    /// `subnet-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Owning account.
    pub owner: String,
    /// The block.
    pub cidr: Ipv4Net,
    /// Availability zone.
    pub az: String,
    /// Tags.
    pub tags: Tags,
}

impl Subnet {
    fn write(&self, x: &mut Xml, region: &str) {
        // AWS reserves five addresses in every subnet (VPC user guide, "Subnet CIDR blocks").
        let free = (1u64 << (32 - self.cidr.prefix_len())).saturating_sub(5);
        x.leaf("subnetId", &self.id)
            .leaf(
                "subnetArn",
                format!("arn:aws:ec2:{region}:{}:subnet/{}", self.owner, self.id),
            )
            .leaf("ownerId", &self.owner)
            .leaf("state", "available")
            .leaf("vpcId", &self.vpc_id)
            .leaf("cidrBlock", self.cidr)
            .leaf("availableIpAddressCount", free)
            .leaf("availabilityZone", &self.az)
            .leaf(
                "availabilityZoneId",
                format!(
                    "use1-az{}",
                    1 + (self.az.bytes().last().unwrap_or(b'a') - b'a')
                ),
            )
            .leaf("defaultForAz", false)
            .leaf("mapPublicIpOnLaunch", false);
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self) -> Value {
        json!({
            "id": self.id, "state": "available", "vpc_id": self.vpc_id, "cidr_block": self.cidr.to_string(),
            "availability_zone": self.az, "tags": tags::json(&self.tags),
        })
    }
}

/// Parses an IPv4 CIDR, rejecting host bits like AWS does.
pub fn parse_cidr(s: &str, param: &str) -> R<Ipv4Net> {
    let net: Ipv4Net = s.parse().map_err(|_| {
        Ec2Error::invalid(format!(
            "Value ({s}) for parameter {param} is invalid. This is not a valid CIDR block."
        ))
    })?;
    if net.trunc() != net {
        return Err(Ec2Error::invalid(format!(
            "Value ({s}) for parameter {param} is invalid. This is not a valid CIDR block."
        )));
    }
    Ok(net)
}

/// VPC blocks must be /16 to /28: "InvalidVpc.Range: The specified CIDR block range is not
/// valid. The block range must be between a /28 netmask and /16 netmask" (EC2 error codes).
fn check_vpc_range(net: &Ipv4Net) -> R<()> {
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(Ec2Error::new(
            "InvalidVpc.Range",
            format!("The CIDR '{net}' is invalid."),
        ));
    }
    Ok(())
}

/// Creates a VPC and its main route table; returns (vpc id, main route table id).
pub fn insert_vpc(
    st: &mut State,
    account: &str,
    region: &str,
    cidr: &str,
    extra: &[String],
    tags: Tags,
) -> R<(String, String)> {
    let net = parse_cidr(cidr, "cidrBlock")?;
    check_vpc_range(&net)?;
    let mut cidrs = vec![CidrAssociation {
        id: st.id("vpc-cidr-assoc"),
        cidr: net,
    }];
    for e in extra {
        let n = parse_cidr(e, "cidrBlock")?;
        check_vpc_range(&n)?;
        cidrs.push(CidrAssociation {
            id: st.id("vpc-cidr-assoc"),
            cidr: n,
        });
    }
    let id = st.id("vpc");
    let vpc = Vpc {
        id: id.clone(),
        owner: account.to_string(),
        cidrs,
        dns_support: true,
        dns_hostnames: false,
        main_route_table: String::new(),
        tags,
    };
    st.region(account, region).vpcs.insert(id.clone(), vpc);
    let rtb = route_table::insert(st, account, region, &id, true, Tags::new());
    st.region(account, region)
        .vpcs
        .get_mut(&id)
        .unwrap()
        .main_route_table = rtb.clone();
    Ok((id, rtb))
}

/// Looks a VPC up in the caller's region.
pub fn find<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut Vpc> {
    st.region(cx.account(), cx.region_name())
        .vpcs
        .get_mut(id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpcID", "vpc", id))
}

/// `CreateVpc`.
pub fn create_vpc(st: &mut State, cx: &Ctx) -> R<Xml> {
    let cidr = cx.q.req("CidrBlock")?.to_string();
    let tags = cx.q.tag_specs("vpc")?;
    let (id, _) = insert_vpc(st, cx.account(), cx.region_name(), &cidr, &[], tags)?;
    let mut x = Xml::new();
    let vpc = find(st, cx, &id)?.clone();
    x.nest("vpc", |x| vpc.write(x));
    Ok(x)
}

/// `DescribeVpcs` with id lookup, filters and paging.
pub fn describe_vpcs(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("VpcId");
    let filters = cx.q.filters();
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.vpcs.contains_key(id) {
            return Err(Ec2Error::not_found("InvalidVpcID", "vpc", id));
        }
    }
    let mut out = Vec::new();
    for v in r.vpcs.values() {
        if !ids.is_empty() && !ids.contains(&v.id) {
            continue;
        }
        let ok = query::matches(&filters, &v.tags, |name| match name {
            "vpc-id" => Some(vec![v.id.clone()]),
            "state" => Some(vec!["available".into()]),
            "cidr" | "cidr-block-association.cidr-block" => Some(v.cidr_strings()),
            "cidr-block-association.association-id" => {
                Some(v.cidrs.iter().map(|c| c.id.clone()).collect())
            }
            "cidr-block-association.state" => Some(vec!["associated".into()]),
            "owner-id" => Some(vec![v.owner.clone()]),
            "is-default" => Some(vec!["false".into()]),
            "dhcp-options-id" => Some(vec!["default".into()]),
            _ => None,
        })?;
        if ok {
            out.push(v.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("vpcSet", out, |x, v| v.write(x));
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteVpc`: `DependencyViolation` while subnets, non-main route tables, an attached VGW,
/// a live transit gateway attachment, a security group or a live VPC endpoint remain (EC2 API
/// reference, DeleteVpc).
pub fn delete_vpc(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcId")?.to_string();
    find(st, cx, &id)?;
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    let busy = r.subnets.values().any(|s| s.vpc_id == id)
        || r.route_tables.values().any(|t| t.vpc_id == id && !t.main)
        || r.vpn_gateways
            .values()
            .any(|g| g.attached_vpc(now).as_deref() == Some(id.as_str()))
        || r.tgw_attachments
            .values()
            .any(|a| a.resource_id == id && a.phase.get(now) != "deleted")
        || r.security_groups.values().any(|g| g.vpc_id == id)
        || r.vpc_endpoints
            .values()
            .any(|e| e.vpc_id == id && e.phase.get(now) != "deleted");
    if busy {
        return Err(Ec2Error::new(
            "DependencyViolation",
            format!("The vpc '{id}' has dependencies and cannot be deleted."),
        ));
    }
    let vpc = r.vpcs.remove(&id).unwrap();
    r.route_tables.remove(&vpc.main_route_table);
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `AssociateVpcCidrBlock` (IPv4 only).
pub fn associate_cidr(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcId")?.to_string();
    let net = parse_cidr(cx.q.req("CidrBlock")?, "cidrBlock")?;
    check_vpc_range(&net)?;
    let assoc = st.id("vpc-cidr-assoc");
    let vpc = find(st, cx, &id)?;
    if vpc
        .cidrs
        .iter()
        .any(|c| c.cidr.contains(&net) || net.contains(&c.cidr))
    {
        return Err(Ec2Error::new(
            "InvalidVpc.Range",
            format!("The CIDR '{net}' conflicts with another CIDR block of the VPC."),
        ));
    }
    // AWS allows up to 5 IPv4 CIDR blocks per VPC by default (VPC quotas page).
    if vpc.cidrs.len() >= 5 {
        return Err(Ec2Error::new(
            "CidrLimitExceeded",
            "This network has reached its limit of 5 IPv4 CIDR blocks.",
        ));
    }
    vpc.cidrs.push(CidrAssociation {
        id: assoc.clone(),
        cidr: net,
    });
    let mut x = Xml::new();
    x.leaf("vpcId", &id).nest("cidrBlockAssociation", |x| {
        x.leaf("associationId", &assoc)
            .leaf("cidrBlock", net)
            .nest("cidrBlockState", |x| {
                x.leaf("state", "associating");
            });
    });
    Ok(x)
}

/// `DisassociateVpcCidrBlock`: not the primary block, and not while subnets use it.
pub fn disassociate_cidr(st: &mut State, cx: &Ctx) -> R<Xml> {
    let assoc = cx.q.req("AssociationId")?.to_string();
    let r = st.region(cx.account(), cx.region_name());
    let (vpc_id, idx) = r
        .vpcs
        .values()
        .find_map(|v| {
            v.cidrs
                .iter()
                .position(|c| c.id == assoc)
                .map(|i| (v.id.clone(), i))
        })
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidVpcCidrBlockAssociationID.NotFound",
                format!("The vpc CIDR block association ID '{assoc}' does not exist"),
            )
        })?;
    if idx == 0 {
        return Err(Ec2Error::new(
            "OperationNotPermitted",
            format!("The vpc CIDR block with association ID {assoc} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"),
        ));
    }
    let net = r.vpcs[&vpc_id].cidrs[idx].cidr;
    if r.subnets
        .values()
        .any(|s| s.vpc_id == vpc_id && net.contains(&s.cidr))
    {
        return Err(Ec2Error::new(
            "DependencyViolation",
            format!("The vpc CIDR block '{net}' has dependencies and cannot be disassociated."),
        ));
    }
    r.vpcs.get_mut(&vpc_id).unwrap().cidrs.remove(idx);
    let mut x = Xml::new();
    x.leaf("vpcId", &vpc_id).nest("cidrBlockAssociation", |x| {
        x.leaf("associationId", &assoc)
            .leaf("cidrBlock", net)
            .nest("cidrBlockState", |x| {
                x.leaf("state", "disassociating");
            });
    });
    Ok(x)
}

/// `ModifyVpcAttribute`: one attribute per call (EC2 API reference, ModifyVpcAttribute).
pub fn modify_attribute(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcId")?.to_string();
    let support = cx.q.bool("EnableDnsSupport.Value")?;
    let hostnames = cx.q.bool("EnableDnsHostnames.Value")?;
    let vpc = find(st, cx, &id)?;
    match (support, hostnames) {
        (Some(_), Some(_)) => return Err(Ec2Error::new(
            "InvalidParameterCombination",
            "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames",
        )),
        (Some(s), None) => vpc.dns_support = s,
        (None, Some(h)) => vpc.dns_hostnames = h,
        (None, None) => return Err(Ec2Error::missing("EnableDnsSupport or EnableDnsHostnames")),
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DescribeVpcAttribute` for `enableDnsSupport` / `enableDnsHostnames`.
pub fn describe_attribute(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("VpcId")?.to_string();
    let attr = cx.q.req("Attribute")?.to_string();
    let vpc = find(st, cx, &id)?;
    let v = match attr.as_str() {
        "enableDnsSupport" => vpc.dns_support,
        "enableDnsHostnames" => vpc.dns_hostnames,
        "enableNetworkAddressUsageMetrics" => false,
        other => {
            return Err(Ec2Error::invalid(format!(
                "Value ({other}) for parameter attribute is invalid."
            )))
        }
    };
    let mut x = Xml::new();
    x.leaf("vpcId", &id).nest(&attr, |x| {
        x.leaf("value", v);
    });
    Ok(x)
}

/// Creates a subnet after the AWS checks: inside one VPC block, /16../28, no overlap.
pub fn insert_subnet(
    st: &mut State,
    account: &str,
    region: &str,
    vpc_id: &str,
    cidr: &str,
    az: Option<&str>,
    tags: Tags,
) -> R<String> {
    let net = parse_cidr(cidr, "cidrBlock")?;
    let id = st.id("subnet");
    let r = st.region(account, region);
    let vpc = r
        .vpcs
        .get(vpc_id)
        .ok_or_else(|| Ec2Error::not_found("InvalidVpcID", "vpc", vpc_id))?;
    // EC2 error codes: InvalidSubnet.Range ("The CIDR 'x' is invalid") and
    // InvalidSubnet.Conflict ("The CIDR 'x' conflicts with another subnet").
    if !(16..=28).contains(&net.prefix_len()) || !vpc.cidrs.iter().any(|c| c.cidr.contains(&net)) {
        return Err(Ec2Error::new(
            "InvalidSubnet.Range",
            format!("The CIDR '{net}' is invalid."),
        ));
    }
    if r.subnets
        .values()
        .any(|s| s.vpc_id == vpc_id && (s.cidr.contains(&net) || net.contains(&s.cidr)))
    {
        return Err(Ec2Error::new(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{net}' conflicts with another subnet"),
        ));
    }
    let subnet = Subnet {
        id: id.clone(),
        vpc_id: vpc_id.to_string(),
        owner: account.to_string(),
        cidr: net,
        az: az.map(String::from).unwrap_or_else(|| format!("{region}a")),
        tags,
    };
    r.subnets.insert(id.clone(), subnet);
    Ok(id)
}

/// `CreateSubnet`.
pub fn create_subnet(st: &mut State, cx: &Ctx) -> R<Xml> {
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let cidr = cx.q.req("CidrBlock")?.to_string();
    let tags = cx.q.tag_specs("subnet")?;
    let az = cx.q.get("AvailabilityZone").map(String::from);
    let id = insert_subnet(
        st,
        cx.account(),
        cx.region_name(),
        &vpc_id,
        &cidr,
        az.as_deref(),
        tags,
    )?;
    let s = st.region(cx.account(), cx.region_name()).subnets[&id].clone();
    let mut x = Xml::new();
    x.nest("subnet", |x| s.write(x, cx.region_name()));
    Ok(x)
}

/// `DescribeSubnets`.
pub fn describe_subnets(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("SubnetId");
    let filters = cx.q.filters();
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.subnets.contains_key(id) {
            return Err(Ec2Error::not_found("InvalidSubnetID", "subnet", id));
        }
    }
    let mut out = Vec::new();
    for s in r.subnets.values() {
        if !ids.is_empty() && !ids.contains(&s.id) {
            continue;
        }
        let ok = query::matches(&filters, &s.tags, |name| match name {
            "subnet-id" => Some(vec![s.id.clone()]),
            "vpc-id" => Some(vec![s.vpc_id.clone()]),
            "cidr-block" | "cidr" | "cidrBlock" => Some(vec![s.cidr.to_string()]),
            "state" => Some(vec!["available".into()]),
            "availability-zone" | "availabilityZone" => Some(vec![s.az.clone()]),
            "owner-id" => Some(vec![s.owner.clone()]),
            _ => None,
        })?;
        if ok {
            out.push(s.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("subnetSet", out, |x, s| s.write(x, cx.region_name()));
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteSubnet`: its route table associations go with it.
pub fn delete_subnet(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("SubnetId")?.to_string();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    if !r.subnets.contains_key(&id) {
        return Err(Ec2Error::not_found("InvalidSubnetID", "subnet", &id));
    }
    if r.tgw_attachments
        .values()
        .any(|a| a.subnet_ids.contains(&id) && a.phase.get(now) != "deleted")
        || r.vpc_endpoints
            .values()
            .any(|e| e.subnet_ids.contains(&id) && e.phase.get(now) != "deleted")
    {
        return Err(Ec2Error::new(
            "DependencyViolation",
            format!("The subnet '{id}' has dependencies and cannot be deleted."),
        ));
    }
    r.subnets.remove(&id);
    for t in r.route_tables.values_mut() {
        t.associations
            .retain(|a| a.subnet_id.as_deref() != Some(id.as_str()));
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}
