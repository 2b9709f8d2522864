//! Import by VPN connection id `vpn-...[@<aws account>]`: the connection names the rest (its
//! customer gateway: the device's IP and ASN; its virtual private gateway and that gateway's
//! VPC, or its transit gateway), and its tags name the site VPN (`cloudlink:resource`), its
//! claim and the user's tags. Routing, the device's prefixes (static routes), the inside
//! CIDRs and the route tables (those the gateway propagates into, else those with a static
//! route to it for every prefix) are rebuilt from AWS; terraform's read then fills the
//! tunnels and ids. Not discoverable (left null; set them in configuration): `tunnel_psks`,
//! `tunnel_psks_wo_version`, `tunnel_options`, `tunnel_logs`, `device_type`, `timeouts`.

use super::names::{self, aws, peer};
use super::run::SiteRun;
use super::schema::schema;
use super::side::{Desired, STATIC_PEER_ASN};
use super::state::Checkpoint;
use crate::cloud::aws::{TAG_CLAIM, TAG_COMPONENT, TAG_NAME, TAG_RESOURCE};
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::import::DEFAULT_AMAZON_SIDE_ASN;
use crate::resources::aws_vpn::route_tables;
use crate::resources::aws_vpn::steps::transit_gateway_asn;
use crate::resources::reachability::{CHECK_REACHABILITY, DEFAULT_CHECK};
use crate::resources::{claim, default_tags};
use crate::tf::{Block, Diagnostics, Value};
use anyhow::anyhow;
use std::collections::BTreeMap;

/// Splits an import id into (VPN connection id, account).
pub fn parse_id(id: &str) -> Option<(String, Option<String>)> {
    let (vpn, account) = match id.split_once('@') {
        Some((v, a)) if !a.is_empty() => (v, Some(a.to_string())),
        Some(_) => return None,
        None => (id, None),
    };
    (vpn.starts_with("vpn-") && vpn.len() > 4).then(|| (vpn.to_string(), account))
}

/// An object of `block` with every attribute and nested block null.
fn skeleton(block: &Block) -> Value {
    Value::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .chain(block.blocks.iter().map(|b| (b.name.clone(), Value::Null))),
    )
}

/// Import: discover, then build the state a create would have written.
pub async fn import(ctx: &ProviderContext, id: &str) -> Result<Value, Diagnostics> {
    let fail = |e: anyhow::Error| {
        let mut d = Diagnostics::default();
        d.error(
            "Cannot import site VPN",
            format!("{e:#}\n\nExpected id: <VPN connection id>[@<aws account>], e.g. vpn-0123456789abcdef0."),
        );
        d
    };
    let (vpn, account) =
        parse_id(id).ok_or_else(|| fail(anyhow!("{id:?} is not vpn-...[@<aws account>]")))?;
    discover(ctx, &vpn, account).await.map_err(fail)
}

async fn discover(
    ctx: &ProviderContext,
    vpn: &str,
    account: Option<String>,
) -> anyhow::Result<Value> {
    let sch = schema();
    let block = &sch.block;
    let mut v = skeleton(block);
    // The attribute's default, as a created VPN records it.
    v.set_attr(CHECK_REACHABILITY, Value::string(DEFAULT_CHECK));
    let mut a = skeleton(&block.nested_block(names::AWS).expect("aws block").block);
    a.set_attr(
        aws::ACCOUNT,
        account.clone().map(Value::string).unwrap_or(Value::Null),
    );
    v.set_attr(names::AWS, a.clone());
    let d = Desired::from_value(&v, &Value::Null);
    let deadline = Deadline::new("create", d.timeouts.create);
    let run = SiteRun::new(ctx, d, Checkpoint::empty(String::new()), deadline).await?;
    let ec2 = run.aws.ec2(&ctx.stop);
    let conn = ec2
        .find_vpn_connection_by_id(vpn)
        .await?
        .ok_or_else(|| anyhow!("AWS VPN connection {vpn} does not exist"))?;
    let name = conn.tags.get(TAG_RESOURCE).cloned().ok_or_else(|| {
        anyhow!(
            "AWS VPN connection {vpn} carries no {TAG_RESOURCE} tag: cloudlink did not create it"
        )
    })?;
    let cgw = ec2
        .find_customer_gateway_by_id(&conn.customer_gateway_id)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "the customer gateway {} of {vpn} does not exist",
                conn.customer_gateway_id
            )
        })?;
    let vgw = match &conn.vpn_gateway_id {
        Some(g) if !g.is_empty() => ec2.find_vpn_gateway_by_id(g).await?,
        _ => None,
    };
    let vpc_id = vgw.as_ref().and_then(|g| {
        g.attachments
            .iter()
            .find(|x| x.state == "attached")
            .map(|x| x.vpc_id.clone())
    });
    let amazon_side_asn = match &conn.transit_gateway_id {
        Some(tgw) => transit_gateway_asn(&ec2, tgw).await?,
        None => vgw
            .as_ref()
            .and_then(|g| g.amazon_side_asn)
            .unwrap_or(DEFAULT_AMAZON_SIDE_ASN),
    };
    let bgp = !conn.static_routes_only;
    let mut p = skeleton(&block.nested_block(names::PEER).expect("peer block").block);
    p.set_attr(peer::IP_ADDRESS, Value::string(&cgw.ip_address));
    if let Some(name) = &cgw.device_name {
        p.set_attr(peer::DEVICE_NAME, Value::string(name));
    }
    if bgp || cgw.bgp_asn != STATIC_PEER_ASN {
        p.set_attr(peer::BGP_ASN, Value::int(cgw.bgp_asn));
    }
    let mut cidrs = conn.routes.clone();
    cidrs.sort();
    if !cidrs.is_empty() {
        p.set_attr(peer::CIDRS, Value::string_list(cidrs.clone()));
    }
    a.set_attr(
        aws::VPC_ID,
        vpc_id.clone().map(Value::string).unwrap_or(Value::Null),
    );
    a.set_attr(
        aws::TRANSIT_GATEWAY_ID,
        conn.transit_gateway_id
            .clone()
            .map(Value::string)
            .unwrap_or(Value::Null),
    );
    a.set_attr(aws::AMAZON_SIDE_ASN, Value::int(amazon_side_asn));
    a.set_attr(aws::ROUTE_PROPAGATION, Value::bool(true));
    if let (Some(vpc), Some(g)) = (&vpc_id, &vgw) {
        if let Some((propagation, tables)) =
            route_tables::discover_routing(&ec2, vpc, &g.id, &cidrs).await?
        {
            a.set_attr(aws::ROUTE_PROPAGATION, Value::bool(propagation));
            a.set_attr(aws::ROUTE_TABLE_IDS, Value::string_list(tables));
        }
    }
    let user: BTreeMap<String, String> = conn
        .tags
        .iter()
        .filter(|(k, _)| {
            ![TAG_RESOURCE, TAG_COMPONENT, TAG_NAME, TAG_CLAIM].contains(&k.as_str())
                && !k.starts_with("aws:")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    v.set_attr(names::NAME, Value::string(&name));
    v.set_attr(names::ID, Value::string(&conn.id));
    v.set_attr(
        claim::ATTRIBUTE,
        Value::string(conn.tags.get(TAG_CLAIM).cloned().unwrap_or_default()),
    );
    v.set_attr(
        names::ROUTING,
        Value::string(if bgp { "bgp" } else { "static" }),
    );
    v.set_attr(
        names::TUNNEL_INSIDE_CIDRS,
        Value::string_list(conn.tunnels.iter().map(|t| t.inside_cidr.clone())),
    );
    if !user.is_empty() {
        v.set_attr(names::TAGS, default_tags::tags_value(&user));
    }
    v.set_attr(names::TAGS_ALL, default_tags::tags_value(&user));
    v.set_attr(names::PEER, p);
    v.set_attr(names::AWS, a);
    v.set_attr(names::CUSTOMER_GATEWAY_ID, Value::string(&cgw.id));
    v.set_attr(
        names::VPN_GATEWAY_ID,
        Value::string(vgw.map(|g| g.id).unwrap_or_default()),
    );
    v.set_attr(names::VPN_CONNECTION_ID, Value::string(&conn.id));
    v.set_attr(names::TUNNELS, Value::list([]));
    v.set_attr(names::DEVICE_CONFIGURATION, Value::string(""));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_are_a_vpn_connection_with_an_optional_account() {
        assert_eq!(parse_id("vpn-0abc"), Some(("vpn-0abc".into(), None)));
        assert_eq!(
            parse_id("vpn-0abc@prod"),
            Some(("vpn-0abc".into(), Some("prod".into())))
        );
        assert_eq!(parse_id("vpn-0abc@"), None);
        assert_eq!(parse_id("office"), None);
    }
}
