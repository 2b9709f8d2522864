//! Plan: the generic plan plus what needs the link's knowledge. Known defaults are filled
//! (canonical inside CIDRs; the VPC's and VNet's address spaces), the rules that need the
//! clouds run read-only (VPC and VNet exist, GatewaySubnet present or its prefix inside the
//! VNet, no overlap between the two sides), a SKU change across generations forces
//! replacement, and an update that rebuilds sub-resources (drift repair) shows their ids
//! unknown with a warning naming the tunnels that go down. No mutating call happens here.

use super::schema::schema;
use super::topology::{canonical_inside_cidrs, resizable_in_place, sku_generation, Desired};
use super::validate;
use crate::cloud::azure::{gateway, gateway_subnet, virtual_network};
use crate::provider::context::ProviderContext;
use crate::provider::resource::{PlanRequest, PlanResponse};
use crate::tf::{mark_computed_unknown, AttributePath, Diagnostic, Value};

fn azure_path(a: &str) -> AttributePath {
    AttributePath::root().attr("azure").attr(a)
}

/// Computed id attributes per block that a repair may recreate.
const AWS_IDS: [&str; 3] = [
    "vpn_gateway_id",
    "customer_gateway_ids",
    "vpn_connection_ids",
];
const AZURE_IDS: [&str; 6] = [
    "gateway_subnet_id",
    "public_ip_ids",
    "public_ips",
    "gateway_id",
    "local_network_gateway_ids",
    "connection_ids",
];

fn has_gap(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.iter().any(|x| x.as_str() == Some("")),
        _ => false,
    }
}

/// Refines the plan; see the module doc.
pub async fn modify_plan(
    ctx: Option<&ProviderContext>,
    req: &PlanRequest,
    plan: &mut PlanResponse,
) {
    if plan.planned.is_null() {
        return;
    }
    let creating = req.prior.is_null();
    // A SKU change across generations cannot be done in place.
    if !creating {
        let (old, new) = (
            req.prior.attr("azure").attr("sku"),
            plan.planned.attr("azure").attr("sku"),
        );
        if let (Some(o), Some(n)) = (old.as_str(), new.as_str()) {
            let generation = if o != n {
                gateway_generation(ctx, &req.prior).await
            } else {
                None
            };
            if o != n && !resizable_in_place(generation.as_deref(), o, n) {
                plan.requires_replace.push(azure_path("sku"));
                plan.planned = mark_computed_unknown(
                    &schema().block,
                    &req.config,
                    &Value::Null,
                    plan.planned.clone(),
                );
            }
        }
    }
    let replacing = !plan.requires_replace.is_empty();
    fill_defaults(&mut plan.planned);
    if let Some(ctx) = ctx {
        if creating || replacing {
            cloud_checks(ctx, &mut plan.planned, &mut plan.diags).await;
        }
    }
    if creating {
        return;
    }
    if replacing {
        plan.diags.push(Diagnostic::warning(
            "Every tunnel goes down",
            "This change replaces the whole link: all tunnels go down until the new one is built (the Azure gateway takes 30-60 minutes).",
        ));
        return;
    }
    update_plan(req, plan);
}

/// The generation of the existing gateway (read-only ARM GET), else the one its SKU implies
/// (`None` when neither tells).
async fn gateway_generation(ctx: Option<&ProviderContext>, prior: &Value) -> Option<String> {
    let d = Desired::from_value(prior, &Value::Null);
    if let Some(ctx) = ctx {
        if let Ok(net) = ctx.azure.network().await {
            if let Ok(Some(g)) =
                gateway::find_gateway(net, &d.resource_group, &d.gateway_name(), &ctx.stop).await
            {
                if !g.generation.is_empty() {
                    return Some(g.generation);
                }
            }
        }
    }
    sku_generation(&d.sku).map(str::to_string)
}

/// Canonical inside CIDRs when not configured (deterministic, so known at plan).
fn fill_defaults(planned: &mut Value) {
    if planned.attr("tunnel_inside_cidrs").is_unknown() {
        if let Some(n) = planned.attr("tunnels").as_i64() {
            planned.set_attr(
                "tunnel_inside_cidrs",
                Value::string_list(canonical_inside_cidrs(n.clamp(1, 4) as usize)),
            );
        }
    }
}

/// Read-only checks against the clouds; also resolves defaulted CIDR lists.
async fn cloud_checks(
    ctx: &ProviderContext,
    planned: &mut Value,
    diags: &mut crate::tf::Diagnostics,
) {
    if !planned.is_wholly_known() && planned.attr("azure").attr("resource_group").is_unknown() {
        return;
    }
    let d = Desired::from_value(planned, &Value::Null);
    let mut aws_cidrs = d.aws_cidrs.clone();
    if let (None, Some(vpc)) = (&aws_cidrs, &d.vpc_id) {
        let found = match ctx.aws_account(
            d.aws_account.as_deref(),
            AttributePath::root().attr("aws").attr("account"),
        ) {
            Ok(a) => match a.ec2().await {
                Ok(ec2) => ec2.with_cancel(ctx.stop.clone()).find_vpc_by_id(vpc).await,
                Err(e) => Err(e),
            },
            Err(diag) => {
                diags.push(diag);
                return;
            }
        };
        match found {
            Ok(Some(v)) => aws_cidrs = Some(v.cidr_blocks),
            Ok(None) => {
                diags.push(
                    Diagnostic::error("VPC not found", format!("AWS VPC {vpc} does not exist."))
                        .with_path(AttributePath::root().attr("aws").attr("vpc_id")),
                );
                return;
            }
            Err(e) => {
                diags.push(Diagnostic::warning(
                    "Could not read the VPC at plan time",
                    format!("{e}"),
                ));
            }
        }
        if let Some(c) = &aws_cidrs {
            if planned.attr("aws_cidrs").is_unknown() {
                planned.set_attr("aws_cidrs", Value::string_list(c.clone()));
            }
        }
    }
    let Ok(net) = ctx.azure.network().await else {
        return;
    };
    let vnet =
        match virtual_network::find_virtual_network(net, &d.resource_group, &d.vnet, &ctx.stop)
            .await
        {
            Ok(Some(v)) => v,
            Ok(None) => {
                diags.push(
                    Diagnostic::error(
                        "Virtual network not found",
                        format!(
                            "Azure virtual network {}/{} does not exist.",
                            d.resource_group, d.vnet
                        ),
                    )
                    .with_path(azure_path("virtual_network_name")),
                );
                return;
            }
            Err(e) => {
                diags.push(Diagnostic::warning(
                    "Could not read the virtual network at plan time",
                    format!("{e}"),
                ));
                return;
            }
        };
    let mut azure_cidrs = d.azure_cidrs.clone();
    if azure_cidrs.is_none() {
        azure_cidrs = Some(vnet.address_space.clone());
        if planned.attr("azure_cidrs").is_unknown() {
            planned.set_attr(
                "azure_cidrs",
                Value::string_list(vnet.address_space.clone()),
            );
        }
    }
    let has_subnet = matches!(
        gateway_subnet::find_gateway_subnet(net, &d.resource_group, &d.vnet, &ctx.stop).await,
        Ok(Some(_))
    );
    match (&d.gateway_subnet_cidr, has_subnet) {
        (None, false) => diags.push(Diagnostic::error("GatewaySubnet missing", format!("Virtual network {} has no GatewaySubnet: set azure.gateway_subnet_cidr (a /27 inside {}) so cloudlink creates it.", d.vnet, vnet.address_space.join(", "))).with_path(azure_path("gateway_subnet_cidr"))),
        (Some(c), false) => {
            diags.extend(validate::gateway_subnet_inside(c, &vnet.address_space));
            for s in vnet.subnets.iter().filter_map(|s| s.prefix.clone()) {
                diags.extend(validate::cidrs_disjoint(std::slice::from_ref(c), std::slice::from_ref(&s), azure_path("gateway_subnet_cidr")).map(|mut x| {
                    x.summary = "GatewaySubnet overlaps an existing subnet".into();
                    x
                }));
            }
        }
        _ => {}
    }
    if let (Some(a), Some(z)) = (&aws_cidrs, &azure_cidrs) {
        diags.extend(validate::cidrs_disjoint(
            a,
            z,
            AttributePath::root().attr("azure_cidrs"),
        ));
    }
}

/// In-place update planning: repairs, status refresh, PSK-rotation warnings.
fn update_plan(req: &PlanRequest, plan: &mut PlanResponse) {
    let prior = &req.prior;
    let d = Desired::from_value(prior, &Value::Null);
    let mut planned = plan.planned.clone();
    let mut down: Vec<usize> = Vec::new();
    for (block, ids) in [("aws", &AWS_IDS[..]), ("azure", &AZURE_IDS[..])] {
        let mut b = planned.attr(block).clone();
        for id in ids {
            let pv = prior.attr(block).attr(id);
            if id == &"gateway_subnet_id"
                && !prior
                    .attr("azure")
                    .attr("gateway_subnet_created")
                    .as_bool()
                    .unwrap_or(false)
            {
                continue;
            }
            if id == &"vpn_gateway_id" && d.vpc_id.is_none() {
                continue;
            }
            if has_gap(pv) {
                b.set_attr(id, Value::unknown());
                match pv {
                    Value::List(l) if l.len() == d.tunnels => down.extend(
                        l.iter()
                            .enumerate()
                            .filter(|(_, x)| x.as_str() == Some(""))
                            .map(|(t, _)| t),
                    ),
                    Value::List(l) => {
                        for (i, x) in l.iter().enumerate() {
                            if x.as_str() == Some("") {
                                down.extend((0..d.tunnels).filter(|t| d.vpn_of(*t) == i));
                            }
                        }
                    }
                    _ => down.extend(0..d.tunnels),
                }
            }
        }
        planned.set_attr(block, b);
    }
    let psk_change = !prior
        .attr("tunnel_psks")
        .equals(planned.attr("tunnel_psks"))
        || !prior
            .attr("tunnel_psks_wo_version")
            .equals(planned.attr("tunnel_psks_wo_version"));
    let inconsistent = prior.attr("consistent").as_bool() == Some(false);
    if !planned.equals(prior) || inconsistent || !down.is_empty() {
        planned.set_attr("tunnel_details", Value::unknown());
        planned.set_attr("consistent", Value::unknown());
    }
    down.sort();
    down.dedup();
    if !down.is_empty() {
        plan.diags.push(Diagnostic::warning(
            "Sub-resources will be rebuilt",
            format!(
                "Some sub-resources of this link no longer exist and will be recreated; tunnel(s) {} stay down until then.",
                down.iter().map(|t| (t + 1).to_string()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if psk_change {
        plan.diags.push(Diagnostic::warning(
            "Pre-shared keys rotate",
            format!(
                "Keys are rotated one tunnel at a time (AWS, then Azure); each of tunnel(s) {} goes down briefly while its two ends differ.",
                (1..=d.tunnels).map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    plan.planned = planned;
}
