//! Tags: the `tagSet` writer, `CreateTags`/`DeleteTags`/`DescribeTags` over every resource
//! the caller's account can see in its region.

use super::errors::{Ec2Error, R};
use super::query::{self, Query};
use super::xml::Xml;
use super::{Ctx, State};
use std::collections::BTreeMap;

/// A resource's tags, key -> value.
pub type Tags = BTreeMap<String, String>;

/// Writes `<tagSet><item><key/><value/></item>...</tagSet>`.
pub fn write(x: &mut Xml, tags: &Tags) {
    x.list("tagSet", tags, |x, (k, v)| {
        x.leaf("key", k).leaf("value", v);
    });
}

/// Tags as a JSON object for the dump.
pub fn json(tags: &Tags) -> serde_json::Value {
    serde_json::to_value(tags).unwrap_or_default()
}

/// rule: AWS-TAGS. Checks one resource's resulting tag set: at most 50 user tags, keys 1-128
/// and values up to 256 characters, the `aws:` key prefix reserved (Tagging your Amazon EC2
/// resources, "Tag restrictions"; long-standing published limits, not re-read in this session).
/// Codes: `TagLimitExceeded` for the count (an EC2 error code in the SDK error lists; that
/// it is used for this limit is inferred), `InvalidParameterValue` for the rest (inferred;
/// exact messages UNKNOWN).
pub fn check(tags: &Tags) -> R<()> {
    if tags.len() > 50 {
        return Err(Ec2Error::new(
            "TagLimitExceeded",
            format!(
                "The maximum number of tags (50) for a resource has been exceeded: {} tags.",
                tags.len()
            ),
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Ec2Error::invalid(format!(
                "Tag key '{k}' is invalid: a key has 1 to 128 characters."
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Ec2Error::invalid(format!(
                "Tag key '{k}' is invalid: tag keys starting with 'aws:' are reserved for internal use."
            )));
        }
        if v.chars().count() > 256 {
            return Err(Ec2Error::invalid(format!(
                "Tag value of '{k}' is invalid: a value has at most 256 characters."
            )));
        }
    }
    Ok(())
}

/// `Tag.N.Key` / `Tag.N.Value` pairs (value absent = any value, for DeleteTags).
fn tag_params(q: &Query) -> Vec<(String, Option<String>)> {
    q.structs("Tag")
        .into_iter()
        .filter_map(|t| Some((t.get("Key")?.to_string(), t.get("Value").map(String::from))))
        .collect()
}

/// The tags of resource `id` as seen by `account` in `region`.
fn tags_mut<'a>(st: &'a mut State, account: &str, region: &str, id: &str) -> R<&'a mut Tags> {
    if id.starts_with("pcx-") {
        return match st.peerings.get_mut(id) {
            Some(p) if p.visible_to(account, region) => Ok(&mut p.tags),
            _ => Err(Ec2Error::not_found_for_id(id)),
        };
    }
    let r = st.region(account, region);
    let found = if let Some(v) = r.vpcs.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.subnets.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.route_tables.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.customer_gateways.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.vpn_gateways.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.vpn_connections.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.transit_gateways.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.tgw_attachments.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.security_groups.get_mut(id) {
        Some(&mut v.tags)
    } else if let Some(v) = r.vpc_endpoints.get_mut(id) {
        Some(&mut v.tags)
    } else {
        None
    };
    found.ok_or_else(|| Ec2Error::not_found_for_id(id))
}

/// Every tagged resource the caller sees: (id, resource type, tags).
fn all(st: &State, account: &str, region: &str) -> Vec<(String, &'static str, Tags)> {
    let mut out = Vec::new();
    if let Some(r) = st.region_ref(account, region) {
        out.extend(
            r.vpcs
                .values()
                .map(|v| (v.id.clone(), "vpc", v.tags.clone())),
        );
        out.extend(
            r.subnets
                .values()
                .map(|v| (v.id.clone(), "subnet", v.tags.clone())),
        );
        out.extend(
            r.route_tables
                .values()
                .map(|v| (v.id.clone(), "route-table", v.tags.clone())),
        );
        out.extend(
            r.customer_gateways
                .values()
                .map(|v| (v.id.clone(), "customer-gateway", v.tags.clone())),
        );
        out.extend(
            r.vpn_gateways
                .values()
                .map(|v| (v.id.clone(), "vpn-gateway", v.tags.clone())),
        );
        out.extend(
            r.vpn_connections
                .values()
                .map(|v| (v.id.clone(), "vpn-connection", v.tags.clone())),
        );
        out.extend(
            r.transit_gateways
                .values()
                .map(|v| (v.id.clone(), "transit-gateway", v.tags.clone())),
        );
        out.extend(
            r.tgw_attachments
                .values()
                .map(|v| (v.id.clone(), "transit-gateway-attachment", v.tags.clone())),
        );
        out.extend(
            r.security_groups
                .values()
                .map(|v| (v.id.clone(), "security-group", v.tags.clone())),
        );
        out.extend(
            r.vpc_endpoints
                .values()
                .map(|v| (v.id.clone(), "vpc-endpoint", v.tags.clone())),
        );
    }
    out.extend(
        st.peerings
            .values()
            .filter(|p| p.visible_to(account, region))
            .map(|p| (p.id.clone(), "vpc-peering-connection", p.tags.clone())),
    );
    out
}

/// `CreateTags`: `ResourceId.N`, `Tag.N.Key`/`Tag.N.Value`.
pub fn create_tags(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("ResourceId");
    if ids.is_empty() {
        return Err(Ec2Error::missing("ResourceId"));
    }
    let tags = tag_params(&cx.q);
    // Check every id first: AWS applies none of the tags when one id is unknown.
    for id in &ids {
        let mut after = tags_mut(st, cx.account(), cx.region_name(), id)?.clone();
        for (k, v) in &tags {
            after.insert(k.clone(), v.clone().unwrap_or_default());
        }
        check(&after)?;
    }
    for id in &ids {
        let t = tags_mut(st, cx.account(), cx.region_name(), id)?;
        for (k, v) in &tags {
            t.insert(k.clone(), v.clone().unwrap_or_default());
        }
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DeleteTags`: a tag with a value is deleted only when the value matches; no tags at all
/// deletes every tag (EC2 API reference, DeleteTags).
pub fn delete_tags(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("ResourceId");
    if ids.is_empty() {
        return Err(Ec2Error::missing("ResourceId"));
    }
    let tags = tag_params(&cx.q);
    for id in &ids {
        let t = tags_mut(st, cx.account(), cx.region_name(), id)?;
        if tags.is_empty() {
            t.clear();
        }
        for (k, v) in &tags {
            if v.as_ref().is_none_or(|v| t.get(k) == Some(v)) {
                t.remove(k);
            }
        }
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `DescribeTags` with the `resource-id`, `resource-type`, `key`, `value` filters and paging.
pub fn describe_tags(st: &mut State, cx: &Ctx) -> R<Xml> {
    let filters = cx.q.filters();
    let mut rows = Vec::new();
    for (id, rtype, tags) in all(st, cx.account(), cx.region_name()) {
        for (k, v) in &tags {
            let ok = query::matches(&filters, &Tags::new(), |name| match name {
                "resource-id" => Some(vec![id.clone()]),
                "resource-type" => Some(vec![rtype.to_string()]),
                "key" => Some(vec![k.clone()]),
                "value" => Some(vec![v.clone()]),
                _ => None,
            })?;
            if ok {
                rows.push((id.clone(), rtype, k.clone(), v.clone()));
            }
        }
    }
    let (rows, next) = query::page(&cx.q, rows, 1000)?;
    let mut x = Xml::new();
    x.list("tagSet", rows, |x, (id, rtype, k, v)| {
        x.leaf("resourceId", id)
            .leaf("resourceType", rtype)
            .leaf("key", k)
            .leaf("value", v);
    });
    x.opt("nextToken", next);
    Ok(x)
}
