//! Import by composite id `<azure resource group>/<name>[@<aws account>]`: every
//! sub-resource is found by its deterministic name (Azure) or ownership tags (AWS), and the
//! configuration is rebuilt from what they say, so the state equals the one a create writes.
//! `aws.route_table_ids` and `aws.route_propagation` come from the VPC's route tables (those
//! the VGW propagates into, else those with a static route to it for every Azure CIDR).
//! Not discoverable (left null; set them in configuration): `tunnel_psks`,
//! `tunnel_psks_wo_version`, `ipsec_policy`, `timeouts`.

use super::names;
use super::read;
use super::run::Run;
use super::schema::schema;
use super::state::Checkpoint;
use super::status::refresh_run;
use super::topology::{canonical_inside_cidrs, Desired};
use crate::cloud::aws::Tags;
use crate::cloud::azure::{gateway, local_gateway, public_ip, tags as az_tags, virtual_network};
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::import as aws_import;
use crate::resources::aws_vpn::route_tables;
use crate::resources::reachability::{CHECK_REACHABILITY, DEFAULT_CHECK};
use crate::resources::{claim, default_tags};
use crate::tf::{Block, Diagnostics, Value};
use anyhow::anyhow;
use std::sync::Arc;

/// Splits an import id into (resource group, name, account).
pub fn parse_id(id: &str) -> Option<(String, String, Option<String>)> {
    let (main, account) = match id.split_once('@') {
        Some((m, a)) if !a.is_empty() => (m, Some(a.to_string())),
        Some(_) => return None,
        None => (id, None),
    };
    let (rg, name) = main.split_once('/')?;
    (!rg.is_empty() && !name.is_empty() && !name.contains('/'))
        .then(|| (rg.to_string(), name.to_string(), account))
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
            "Cannot import cross-cloud VPN",
            format!("{e:#}\n\nExpected id: <azure resource group>/<name>[@<aws account>]."),
        );
        d
    };
    let (rg, name, account) = parse_id(id).ok_or_else(|| {
        fail(anyhow!(
            "{id:?} is not <resource group>/<name>[@<aws account>]"
        ))
    })?;
    discover(ctx, &rg, &name, account).await.map_err(fail)
}

async fn discover(
    ctx: &ProviderContext,
    rg: &str,
    name: &str,
    account: Option<String>,
) -> anyhow::Result<Value> {
    let sch = schema();
    let block = &sch.block;
    let aws_block = &block.nested_block("aws").expect("aws block").block;
    let az_block = &block.nested_block("azure").expect("azure block").block;
    let mut v = skeleton(block);
    v.set_attr(names::NAME, Value::string(name));
    // The attribute's default, as a created link records it.
    v.set_attr(CHECK_REACHABILITY, Value::string(DEFAULT_CHECK));
    let mut aws = skeleton(aws_block);
    aws.set_attr(
        names::aws::ACCOUNT,
        account.clone().map(Value::string).unwrap_or(Value::Null),
    );
    let mut az = skeleton(az_block);
    az.set_attr(names::azure::RESOURCE_GROUP, Value::string(rg));
    v.set_attr(names::AWS, aws.clone());
    v.set_attr(names::AZURE, az.clone());
    // A provisional desired link, enough to name things and reach the clouds.
    let mut d = Desired::from_value(&v, &Value::Null);
    d.tunnels = 4;
    // An import has no limit of its own; its few waits are bounded by the create limit.
    let deadline = Deadline::new("create", d.timeouts.create);
    let run = Run::new(ctx, d.clone(), Checkpoint::empty(&d), deadline).await?;
    let cancel = ctx.stop.clone();
    let g = gateway::find_gateway(&run.net, rg, &d.gateway_name(), &cancel)
        .await?
        .ok_or_else(|| anyhow!("no Azure virtual network gateway {rg}/{}", d.gateway_name()))?;
    let mut tunnels = 0;
    for t in 0..4 {
        if local_gateway::find_local_gateway(&run.net, rg, &d.local_gateway_name(t), &cancel)
            .await?
            .is_some()
        {
            tunnels = t + 1;
        }
    }
    anyhow::ensure!(
        tunnels > 0,
        "no local network gateways named {name}-lng-N in {rg}"
    );
    let subnet_id = g
        .ip_configurations
        .first()
        .and_then(|c| c.subnet_id.clone())
        .unwrap_or_default();
    let vnet_name = subnet_id
        .split("/virtualNetworks/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_default()
        .to_string();
    let ec2 = run.ec2(&cancel);
    let found = aws_import::discover(&run.aws, &cancel).await?;
    let (vgw, vpn0, vpc_id) = (
        &found.vpn_gateway,
        &found.first_vpn_connection,
        &found.vpc_id,
    );
    // Configuration facts.
    v.set_attr(
        names::ROUTING,
        Value::string(if g.enable_bgp { "bgp" } else { "static" }),
    );
    v.set_attr(names::TUNNELS, Value::int(tunnels as i64));
    v.set_attr(
        names::TUNNEL_INSIDE_CIDRS,
        Value::string_list(canonical_inside_cidrs(tunnels)),
    );
    let tags_all = az_tags::user_tags(&g.tags);
    let user_tags = default_tags::refreshed_tags(&Tags::new(), &tags_all, &ctx.default_tags);
    v.set_attr(
        names::TAGS,
        if user_tags.is_empty() {
            Value::Null
        } else {
            default_tags::tags_value(&user_tags)
        },
    );
    v.set_attr(names::TAGS_ALL, default_tags::tags_value(&tags_all));
    aws.set_attr(
        names::aws::VPC_ID,
        vpc_id.clone().map(Value::string).unwrap_or(Value::Null),
    );
    aws.set_attr(
        names::aws::TRANSIT_GATEWAY_ID,
        vpn0.transit_gateway_id
            .clone()
            .map(Value::string)
            .unwrap_or(Value::Null),
    );
    aws.set_attr(names::aws::ROUTE_PROPAGATION, Value::bool(true));
    aws.set_attr(
        names::aws::AMAZON_SIDE_ASN,
        Value::int(found.amazon_side_asn),
    );
    // The public IPs' zones (they never change after creation).
    let pip0 = public_ip::find_public_ip(&run.net, rg, &d.public_ip_name(0), &cancel).await?;
    let pip0_tags = pip0.as_ref().map(|p| p.tags.clone()).unwrap_or_default();
    az.set_attr(
        names::azure::ZONES,
        Value::string_list(pip0.map(|p| p.zones).unwrap_or_default()),
    );
    az.set_attr(names::azure::LOCATION, Value::string(&g.location));
    az.set_attr(
        names::azure::VIRTUAL_NETWORK_NAME,
        Value::string(&vnet_name),
    );
    // A gateway Azure still runs as non-AZ is recorded as its AZ twin, the SKU a
    // configuration may name (rule AZ-GW-SKU-NONAZ-RETIRED); the plan then changes nothing.
    az.set_attr(
        names::azure::SKU,
        Value::string(super::sku::az_twin(&g.sku).unwrap_or(&g.sku)),
    );
    az.set_attr(names::azure::ASN, Value::int(g.asn.unwrap_or(65515) as i64));
    v.set_attr(names::AWS, aws);
    v.set_attr(names::AZURE, az);
    // CIDRs: static links carry them on the local gateways and VPN routes.
    let vnet = virtual_network::find_virtual_network(&run.net, rg, &vnet_name, &cancel).await?;
    let lng0 =
        local_gateway::find_local_gateway(&run.net, rg, &d.local_gateway_name(0), &cancel).await?;
    let aws_cidrs = match (&lng0, g.enable_bgp, vpc_id) {
        (Some(l), false, _) => l.address_prefixes.clone(),
        (_, _, Some(vpc)) => ec2
            .find_vpc_by_id(vpc)
            .await?
            .map(|x| x.cidr_blocks)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let azure_cidrs = if g.enable_bgp {
        vnet.map(|x| x.address_space).unwrap_or_default()
    } else {
        vpn0.routes.clone()
    };
    // Routing: the tables the VGW propagates into, else those with static routes to it.
    let routing = match (vgw, vpc_id) {
        (Some(g), Some(vpc)) => {
            route_tables::discover_routing(&ec2, vpc, &g.id, &azure_cidrs).await?
        }
        _ => None,
    };
    if let Some((propagation, tables)) = routing {
        let mut aws = v.attr(names::AWS).clone();
        aws.set_attr(names::aws::ROUTE_PROPAGATION, Value::bool(propagation));
        aws.set_attr(names::aws::ROUTE_TABLE_IDS, Value::string_list(tables));
        v.set_attr(names::AWS, aws);
    }
    v.set_attr(names::AWS_CIDRS, Value::string_list(aws_cidrs));
    v.set_attr(names::AZURE_CIDRS, Value::string_list(azure_cidrs));
    // Ids: found by name/tags, then the regular existence check and refresh.
    let d = Desired::from_value(&v, &Value::Null);
    let mut cp = Checkpoint::empty(&d);
    // The importing state takes over the link's claim (see resources::claim): the state it
    // came from, if it still exists, should forget it (`terraform state rm`).
    cp.claim = g.tags.get(claim::AZURE_TAG).cloned().unwrap_or_default();
    aws_import::record_ids(&run.aws, &found, &mut cp.aws, &cancel).await?;
    for t in 0..d.tunnels {
        cp.local_gateway_ids[t] = run.arm_id("localNetworkGateways", &d.local_gateway_name(t));
        cp.connection_ids[t] = run.arm_id("connections", &d.connection_name(t));
    }
    cp.gateway_id = g.id.clone();
    cp.gateway_subnet_id = subnet_id;
    // cloudlink created the GatewaySubnet when the link's first public IP claims its prefix
    // (written before the subnet is created); a link made before that claim existed is
    // assumed to own it when no other gateway uses the VNet (the usual case).
    let prefix = vnet_subnet_prefix(&run, rg, &vnet_name, &cancel).await?;
    cp.gateway_subnet_created = match pip0_tags.get(az_tags::TAG_GATEWAY_SUBNET) {
        Some(claimed) => prefix.as_ref() == Some(claimed),
        None => true,
    };
    let mut az = v.attr(names::AZURE).clone();
    az.set_attr(
        names::azure::GATEWAY_SUBNET_CIDR,
        prefix.map(Value::string).unwrap_or(Value::Null),
    );
    v.set_attr(names::AZURE, az);
    let state = cp.to_state(&v, &d);
    let run = Arc::new(
        Run::new(
            ctx,
            d.clone(),
            Checkpoint::from_state(&state, &d),
            Deadline::new("create", d.timeouts.create),
        )
        .await?
        .reading_once(),
    );
    let found = read::existing(&run, &cancel).await?;
    run.record(|c| *c = found);
    refresh_run(&run, &cancel).await?;
    Ok(run.snapshot().to_state(&v, &d))
}

/// The GatewaySubnet's prefix (what `azure.gateway_subnet_cidr` created it with).
async fn vnet_subnet_prefix(
    run: &Run,
    rg: &str,
    vnet: &str,
    cancel: &tokio_util::sync::CancellationToken,
) -> anyhow::Result<Option<String>> {
    Ok(
        crate::cloud::azure::gateway_subnet::find_gateway_subnet(&run.net, rg, vnet, cancel)
            .await?
            .and_then(|s| s.prefix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_id("rg/link"),
            Some(("rg".into(), "link".into(), None))
        );
        assert_eq!(
            parse_id("rg/link@peer"),
            Some(("rg".into(), "link".into(), Some("peer".into())))
        );
        assert_eq!(parse_id("link"), None);
        assert_eq!(parse_id("rg/a/b"), None);
        assert_eq!(parse_id("rg/link@"), None);
    }
}
