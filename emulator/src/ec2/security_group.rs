//! VPC security groups: create (with AWS's default allow-all egress rule), ingress rules
//! authorized and revoked one permission at a time, describe with filters, and delete, which
//! AWS refuses while a network interface (here: a VPC endpoint that is not deleted) uses the
//! group.

use super::errors::{Ec2Error, R};
use super::query::{self, Query};
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{Ctx, State};
use serde_json::{json, Value};

/// One rule: protocol, port range and IPv4 source (or destination, for egress).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `sgr-...`.
    pub id: String,
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: String,
    /// First port (absent for `-1`).
    pub from_port: Option<i64>,
    /// Last port (absent for `-1`).
    pub to_port: Option<i64>,
    /// The IPv4 CIDR.
    pub cidr: String,
    /// Optional description.
    pub description: Option<String>,
}

impl Rule {
    /// Whether `self` and `other` are the same permission (ids and descriptions aside).
    fn same(&self, other: &Rule) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.cidr == other.cidr
    }

    /// AWS's wording of a rule in `InvalidPermission.*` messages.
    fn spell(&self) -> String {
        format!(
            "peer: {}, {}, from port: {}, to port: {}, ALLOW",
            self.cidr,
            self.protocol.to_uppercase(),
            self.from_port.unwrap_or(-1),
            self.to_port.unwrap_or(-1)
        )
    }
}

/// A security group of a VPC.
#[derive(Debug, Clone)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Owning account.
    pub owner: String,
    /// Name (unique per VPC).
    pub name: String,
    /// Description.
    pub description: String,
    /// Inbound rules.
    pub ingress: Vec<Rule>,
    /// Outbound rules.
    pub egress: Vec<Rule>,
    /// Tags.
    pub tags: Tags,
}

/// Rules sharing one protocol and port range: one `IpPermission` with several ranges.
type Permission<'a> = (&'a str, Option<i64>, Option<i64>, Vec<&'a Rule>);

/// Writes rules as `IpPermission` items: one per (protocol, ports), each with its ranges.
fn write_permissions(x: &mut Xml, name: &str, rules: &[Rule]) {
    let mut groups: Vec<Permission> = Vec::new();
    for r in rules {
        match groups
            .iter_mut()
            .find(|g| g.0 == r.protocol && g.1 == r.from_port && g.2 == r.to_port)
        {
            Some(g) => g.3.push(r),
            None => groups.push((&r.protocol, r.from_port, r.to_port, vec![r])),
        }
    }
    x.list(name, groups, |x, (protocol, from, to, ranges)| {
        x.leaf("ipProtocol", protocol)
            .opt("fromPort", from)
            .opt("toPort", to)
            .nest("groups", |_| {})
            .list("ipRanges", ranges, |x, r| {
                x.leaf("cidrIp", &r.cidr)
                    .opt("description", r.description.as_ref());
            })
            .nest("ipv6Ranges", |_| {})
            .nest("prefixListIds", |_| {});
    });
}

impl SecurityGroup {
    fn write(&self, x: &mut Xml) {
        x.leaf("ownerId", &self.owner)
            .leaf("groupId", &self.id)
            .leaf("groupName", &self.name)
            .leaf("groupDescription", &self.description)
            .leaf("vpcId", &self.vpc_id);
        write_permissions(x, "ipPermissions", &self.ingress);
        write_permissions(x, "ipPermissionsEgress", &self.egress);
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self) -> Value {
        let rules = |v: &[Rule]| {
            v.iter()
                .map(|r| json!({"id": r.id, "protocol": r.protocol, "from_port": r.from_port, "to_port": r.to_port, "cidr": r.cidr, "description": r.description}))
                .collect::<Vec<_>>()
        };
        json!({
            "id": self.id, "vpc_id": self.vpc_id, "name": self.name, "description": self.description,
            "ingress": rules(&self.ingress), "egress": rules(&self.egress), "tags": tags::json(&self.tags),
        })
    }
}

fn not_found(id: &str) -> Ec2Error {
    // EC2 API reference, "Error codes": InvalidGroup.NotFound, "The specified security group
    // does not exist".
    Ec2Error::new(
        "InvalidGroup.NotFound",
        format!("The security group '{id}' does not exist"),
    )
}

/// `CreateSecurityGroup` (VPC groups only; EC2-Classic is retired).
///
/// rule: AWS-SG-NAME. EC2 API reference, CreateSecurityGroup: the name is unique within the
/// VPC (`InvalidGroup.Duplicate`), up to 255 characters and cannot start with `sg-`.
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let name = cx.q.req("GroupName")?.to_string();
    let description = cx.q.req("GroupDescription")?.to_string();
    let vpc_id = cx.q.req("VpcId")?.to_string();
    if name.len() > 255 || name.to_ascii_lowercase().starts_with("sg-") {
        return Err(Ec2Error::invalid(format!(
            "Group names may not be in the format sg-* and have at most 255 characters: {name}"
        )));
    }
    let tags = cx.q.tag_specs("security-group")?;
    super::vpc::find(st, cx, &vpc_id)?;
    let r = st.region(cx.account(), cx.region_name());
    if r.security_groups
        .values()
        .any(|g| g.vpc_id == vpc_id && g.name == name)
    {
        return Err(Ec2Error::new(
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ));
    }
    let id = st.id("sg");
    let egress_id = st.id("sgr");
    // A new VPC security group allows all outbound traffic (VPC user guide, "Security
    // groups": "Default rules for a new security group").
    let g = SecurityGroup {
        id: id.clone(),
        vpc_id,
        owner: cx.account().to_string(),
        name,
        description,
        ingress: Vec::new(),
        egress: vec![Rule {
            id: egress_id,
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            cidr: "0.0.0.0/0".into(),
            description: None,
        }],
        tags,
    };
    let mut x = Xml::new();
    x.leaf("groupId", &id);
    tags::write(&mut x, &g.tags);
    st.region(cx.account(), cx.region_name())
        .security_groups
        .insert(id, g);
    Ok(x)
}

/// The rules of `IpPermissions.N` (`IpRanges.M.CidrIp`), or of the top-level `IpProtocol`,
/// `FromPort`, `ToPort`, `CidrIp` form; ids are filled in by the caller.
fn requested_rules(q: &Query) -> R<Vec<Rule>> {
    let mut out = Vec::new();
    let mut one = |p: &Query, cidr: String, description: Option<String>| -> R<()> {
        let protocol = p.req("IpProtocol")?.to_ascii_lowercase();
        let protocol = match protocol.as_str() {
            "6" => "tcp".to_string(),
            "17" => "udp".to_string(),
            "1" => "icmp".to_string(),
            _ => protocol,
        };
        let (from_port, to_port) = if protocol == "-1" {
            (None, None)
        } else {
            (p.num("FromPort")?, p.num("ToPort")?)
        };
        if protocol != "-1" && (from_port.is_none() || to_port.is_none()) {
            return Err(Ec2Error::missing("FromPort/ToPort"));
        }
        cidr.parse::<ipnet::Ipv4Net>()
            .map_err(|_| Ec2Error::invalid(format!("CIDR block {cidr} is malformed")))?;
        out.push(Rule {
            id: String::new(),
            protocol,
            from_port,
            to_port,
            cidr,
            description,
        });
        Ok(())
    };
    if let Some(cidr) = q.get("CidrIp") {
        one(q, cidr.to_string(), None)?;
    }
    for p in q.structs("IpPermissions") {
        for r in p.structs("IpRanges") {
            let cidr = r.req("CidrIp")?.to_string();
            one(&p, cidr, r.get("Description").map(String::from))?;
        }
    }
    Ok(out)
}

fn group_mut<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut SecurityGroup> {
    st.region(cx.account(), cx.region_name())
        .security_groups
        .get_mut(id)
        .ok_or_else(|| not_found(id))
}

/// `AuthorizeSecurityGroupIngress`.
///
/// rule: AWS-SG-RULE-DUPLICATE. EC2 API reference, "Error codes": a rule that already
/// exists is refused with `InvalidPermission.Duplicate`, and nothing of the request is added.
pub fn authorize_ingress(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("GroupId")?.to_string();
    let mut rules = requested_rules(&cx.q)?;
    for r in &mut rules {
        r.id = st.id("sgr");
    }
    let g = group_mut(st, cx, &id)?;
    if let Some(dup) = rules
        .iter()
        .find(|r| g.ingress.iter().any(|have| have.same(r)))
    {
        return Err(Ec2Error::new(
            "InvalidPermission.Duplicate",
            format!("the specified rule \"{}\" already exists", dup.spell()),
        ));
    }
    g.ingress.extend(rules.iter().cloned());
    let mut x = Xml::new();
    x.leaf("return", true);
    x.list("securityGroupRuleSet", &rules, |x, r| {
        x.leaf("securityGroupRuleId", &r.id)
            .leaf("groupId", &id)
            .leaf("groupOwnerId", cx.account())
            .leaf("isEgress", false)
            .leaf("ipProtocol", &r.protocol)
            .leaf("fromPort", r.from_port.unwrap_or(-1))
            .leaf("toPort", r.to_port.unwrap_or(-1))
            .leaf("cidrIpv4", &r.cidr)
            .opt("description", r.description.as_ref());
    });
    Ok(x)
}

/// `RevokeSecurityGroupIngress`: by permission or by `SecurityGroupRuleId.N`.
///
/// rule: AWS-SG-RULE-NOT-FOUND. A VPC group answers a rule it does not have with
/// `InvalidPermission.NotFound` (EC2 API reference, "Error codes"), removing nothing.
pub fn revoke_ingress(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("GroupId")?.to_string();
    let rules = requested_rules(&cx.q)?;
    let rule_ids = cx.q.list("SecurityGroupRuleId");
    let g = group_mut(st, cx, &id)?;
    for r in &rules {
        if !g.ingress.iter().any(|have| have.same(r)) {
            return Err(Ec2Error::new(
                "InvalidPermission.NotFound",
                format!(
                    "The specified rule does not exist in this security group: {}",
                    r.spell()
                ),
            ));
        }
    }
    if let Some(missing) = rule_ids
        .iter()
        .find(|rid| !g.ingress.iter().any(|have| &&have.id == rid))
    {
        return Err(Ec2Error::new(
            "InvalidSecurityGroupRuleId.NotFound",
            format!("The security group rule ID '{missing}' does not exist"),
        ));
    }
    g.ingress
        .retain(|have| !rules.iter().any(|r| have.same(r)) && !rule_ids.contains(&have.id));
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DescribeSecurityGroups`: `GroupId.N`, `GroupName.N`, filters `group-id`, `group-name`,
/// `vpc-id`, `description`, `tag:*`.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("GroupId");
    let names = cx.q.list("GroupName");
    let filters = cx.q.filters();
    let r = st.region(cx.account(), cx.region_name());
    if let Some(missing) = ids.iter().find(|id| !r.security_groups.contains_key(*id)) {
        return Err(not_found(missing));
    }
    let mut out = Vec::new();
    for g in r.security_groups.values() {
        if (!ids.is_empty() && !ids.contains(&g.id))
            || (!names.is_empty() && !names.contains(&g.name))
        {
            continue;
        }
        let ok = query::matches(&filters, &g.tags, |name| match name {
            "group-id" => Some(vec![g.id.clone()]),
            "group-name" => Some(vec![g.name.clone()]),
            "vpc-id" => Some(vec![g.vpc_id.clone()]),
            "description" => Some(vec![g.description.clone()]),
            "owner-id" => Some(vec![g.owner.clone()]),
            _ => None,
        })?;
        if ok {
            out.push(g);
        }
    }
    let (out, next) = query::page(&cx.q, out, 1000)?;
    let mut x = Xml::new();
    x.list("securityGroupInfo", out, |x, g| g.write(x));
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteSecurityGroup`.
///
/// rule: AWS-SG-IN-USE. A group that a network interface still uses cannot be deleted:
/// `DependencyViolation` ("resource sg-... has a dependent object"; EC2 API reference,
/// DeleteSecurityGroup, and the message terraform-provider-aws retries on). Here the
/// interfaces are those of every VPC endpoint that is not deleted yet.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("GroupId")?.to_string();
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    if !r.security_groups.contains_key(&id) {
        return Err(not_found(&id));
    }
    if r.vpc_endpoints
        .values()
        .any(|e| e.group_ids.contains(&id) && e.phase.get(now) != "deleted")
    {
        return Err(Ec2Error::new(
            "DependencyViolation",
            format!("resource {id} has a dependent object"),
        ));
    }
    r.security_groups.remove(&id);
    let mut x = Xml::new();
    x.leaf("return", true).leaf("groupId", &id);
    Ok(x)
}
