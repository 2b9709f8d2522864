//! Plan: the generic plan plus what needs the link's knowledge. Known defaults are filled
//! (canonical inside CIDRs; the VPC's and VNet's address spaces; the public IPs' zones from
//! the region; the Amazon-side ASN, the transit gateway's own when there is one), the rules
//! that need the clouds run read-only (VPC, route tables, transit gateway and VNet exist and
//! belong together, one VGW per VPC, the VNet's region, zones the region allows,
//! GatewaySubnet present or its prefix inside the VNet, no overlap between the two sides), a
//! SKU change follows Microsoft's resize table, and an update that rebuilds sub-resources
//! (drift repair) shows their ids unknown with a warning naming the tunnels that go down. No
//! mutating call happens here. Rule ids refer to `docs/cloud-rules.md`.

use super::names::{self, aws, azure};
use super::private_services;
use super::schema::schema;
use super::schema::TYPE_NAME;
use super::sku;
use super::topology::{canonical_inside_cidrs, Desired};
use super::validate;
use crate::cloud::azure::gateway::Gateway;
use crate::cloud::azure::object::find_in_group;
use crate::cloud::azure::public_ip::PublicIp;
use crate::cloud::azure::{gateway_subnet, virtual_network};
use crate::cloud::error::CloudError;
use crate::cloud::read_once::ReadOnce;
use crate::provider::context::ProviderContext;
use crate::provider::resource::{PlanRequest, PlanResponse};
use crate::resources::claim::{self, CreateJournal};
use crate::resources::default_tags;
use crate::tf::{mark_computed_unknown, AttributePath, Diagnostic, Value};

fn azure_path(a: &str) -> AttributePath {
    AttributePath::attrs([names::AZURE, a])
}

/// Computed id attributes per block that a repair may recreate.
const AWS_IDS: [&str; 3] = [
    aws::VPN_GATEWAY_ID,
    aws::CUSTOMER_GATEWAY_IDS,
    aws::VPN_CONNECTION_IDS,
];
const AZURE_IDS: [&str; 6] = [
    azure::GATEWAY_SUBNET_ID,
    azure::PUBLIC_IP_IDS,
    azure::PUBLIC_IPS,
    azure::GATEWAY_ID,
    azure::LOCAL_NETWORK_GATEWAY_IDS,
    azure::CONNECTION_IDS,
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
    if !creating {
        plan_sku_change(ctx, req, plan).await;
    }
    let replacing = !plan.requires_replace.is_empty();
    fill_defaults(&mut plan.planned);
    default_tags::plan_tags_all(ctx, &mut plan.planned, &mut plan.diags);
    if let Some(ctx) = ctx {
        let reads = ReadOnce::default();
        if creating || replacing {
            cloud_checks(ctx, &reads, &mut plan.planned, &mut plan.diags).await;
        }
        if !plan.diags.has_errors() {
            let own = claim::own_at_plan(req, || {
                let d = Desired::from_value(&plan.planned, &Value::Null);
                CreateJournal::for_link(TYPE_NAME, &d.id())
            });
            claim_check(ctx, &plan.planned, own.as_deref(), &mut plan.diags).await;
            plan.planned_private = claim::planned_private(req);
        }
        if !plan.diags.has_errors() {
            private_services::plan_check(ctx, &req.prior, &plan.planned, &mut plan.diags).await;
            super::reachability::plan(ctx, &reads, &req.prior, &mut plan.planned, &mut plan.diags)
                .await;
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
    private_services::plan_update(&req.prior, &mut plan.planned);
}

/// A SKU change follows Microsoft's resize table (rule AZ-GW-RESIZE): in place where Azure
/// resizes, a replacement with the reason otherwise; the non-AZ twin Azure migrated to (or
/// from) is no change at all.
async fn plan_sku_change(
    ctx: Option<&ProviderContext>,
    req: &PlanRequest,
    plan: &mut PlanResponse,
) {
    let (Some(old), Some(new)) = (
        req.prior.attr(names::AZURE).attr(azure::SKU).as_str(),
        plan.planned.attr(names::AZURE).attr(azure::SKU).as_str(),
    ) else {
        return;
    };
    let existing = existing_gateway(ctx, &req.prior).await;
    let running = existing.as_ref().map(|g| g.sku.as_str()).unwrap_or(old);
    if running != new && sku::same_size(running, new) {
        plan.diags.push(Diagnostic::warning(
            "Gateway runs the non-AZ twin of its SKU",
            format!("Azure runs this gateway as {running} and the configuration says {new}: Azure's SKU consolidation migrates non-AZ gateways to the AZ SKU of the same size, so cloudlink changes nothing. Keep {new} in the configuration."),
        ).with_path(azure_path(azure::SKU)));
    }
    let generation = existing
        .as_ref()
        .and_then(|g| sku::Generation::parse(&g.generation));
    if let sku::SkuChange::Replace(why) = sku::change(generation, running, new) {
        plan.requires_replace.push(azure_path(azure::SKU));
        plan.planned = mark_computed_unknown(
            &schema().block,
            &req.config,
            &Value::Null,
            plan.planned.clone(),
        );
        plan.diags.push(
            Diagnostic::warning("The gateway SKU change replaces the link", why)
                .with_path(azure_path(azure::SKU)),
        );
    }
}

/// The existing gateway, from its group's list (rule: AZ-LIST-ITEMS) that the plans of the
/// walk share; `None` when it cannot be read.
async fn existing_gateway(ctx: Option<&ProviderContext>, prior: &Value) -> Option<Gateway> {
    let d = Desired::from_value(prior, &Value::Null);
    let ctx = ctx?;
    let net = ctx.azure.network().await.ok()?;
    let (name, name_of): (_, fn(&Gateway) -> &str) = (d.gateway_name(), |g| &g.name);
    let listed = find_in_group(net, &d.resource_group, &name, name_of, &ctx.stop);
    listed.await.ok().flatten()
}

/// Canonical inside CIDRs when not configured (deterministic, so known at plan).
fn fill_defaults(planned: &mut Value) {
    if planned.attr(names::TUNNEL_INSIDE_CIDRS).is_unknown() {
        if let Some(n) = planned.attr(names::TUNNELS).as_i64() {
            planned.set_attr(
                names::TUNNEL_INSIDE_CIDRS,
                Value::string_list(canonical_inside_cidrs(n.clamp(1, 4) as usize)),
            );
        }
    }
}

/// Read-only checks against the clouds; also resolves defaulted CIDR lists. The VNet read
/// is kept in `reads` for the plan's reachability check.
async fn cloud_checks(
    ctx: &ProviderContext,
    reads: &ReadOnce,
    planned: &mut Value,
    diags: &mut crate::tf::Diagnostics,
) {
    if !planned.is_wholly_known()
        && planned
            .attr(names::AZURE)
            .attr(azure::RESOURCE_GROUP)
            .is_unknown()
    {
        return;
    }
    let d = Desired::from_value(planned, &Value::Null);
    let mut aws_cidrs = d.aws_cidrs.clone();
    if let (None, Some(vpc)) = (&aws_cidrs, &d.vpc_id) {
        let found = match ctx.aws_account(d.aws_account.as_deref(), aws_path(aws::ACCOUNT)) {
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
                        .with_path(aws_path(aws::VPC_ID)),
                );
                return;
            }
            Err(e) => {
                diags.push(plan_read_failed("Could not read the VPC at plan time", &e));
                return;
            }
        }
        if let Some(c) = &aws_cidrs {
            if planned.attr(names::AWS_CIDRS).is_unknown() {
                planned.set_attr(names::AWS_CIDRS, Value::string_list(c.clone()));
            }
        }
    }
    if !aws_target_checks(ctx, &d, planned, diags).await {
        return;
    }
    let Some(net) = plan_network(ctx, diags).await else {
        return;
    };
    let vnet = match virtual_network::find_virtual_network_listed(
        Some(reads),
        net,
        &d.resource_group,
        &d.vnet,
        &ctx.stop,
    )
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
                .with_path(azure_path(azure::VIRTUAL_NETWORK_NAME)),
            );
            return;
        }
        Err(e) => {
            diags.push(plan_read_failed(
                "Could not read the virtual network at plan time",
                &e,
            ));
            return;
        }
    };
    // rule: AZ-SAME-LOCATION (the gateway, its IPs, local gateways and connections live in
    // the VNet's region).
    if !vnet.location.is_empty() && !vnet.location.eq_ignore_ascii_case(&d.location) {
        diags.push(
            Diagnostic::error(
                "Location differs from the virtual network's",
                format!(
                    "Virtual network {} is in {}, not {}: Azure builds a VPN gateway and its public IPs, local network gateways and connections only in the virtual network's region.",
                    d.vnet, vnet.location, d.location
                ),
            )
            .with_path(azure_path(azure::LOCATION)),
        );
        return;
    }
    zone_checks(ctx, &d, planned, diags).await;
    let mut azure_cidrs = d.azure_cidrs.clone();
    if azure_cidrs.is_none() {
        azure_cidrs = Some(vnet.address_space.clone());
        if planned.attr(names::AZURE_CIDRS).is_unknown() {
            planned.set_attr(
                names::AZURE_CIDRS,
                Value::string_list(vnet.address_space.clone()),
            );
        }
    }
    // The VNet's GET lists its subnets: no second read for the GatewaySubnet.
    let has_subnet = vnet.subnets.iter().any(|s| {
        s.name
            .eq_ignore_ascii_case(gateway_subnet::GATEWAY_SUBNET_NAME)
    });
    match (&d.gateway_subnet_cidr, has_subnet) {
        (None, false) => diags.push(Diagnostic::error("GatewaySubnet missing", format!("Virtual network {} has no GatewaySubnet: set azure.gateway_subnet_cidr (a /27 inside {}) so cloudlink creates it.", d.vnet, vnet.address_space.join(", "))).with_path(azure_path(azure::GATEWAY_SUBNET_CIDR))),
        (Some(c), false) => {
            diags.extend(validate::gateway_subnet_inside(c, &vnet.address_space));
            for s in vnet.subnets.iter().filter_map(|s| s.prefix.clone()) {
                diags.extend(validate::cidrs_disjoint(std::slice::from_ref(c), std::slice::from_ref(&s), azure_path(azure::GATEWAY_SUBNET_CIDR)).map(|mut x| {
                    x.summary = "GatewaySubnet overlaps an existing subnet".into();
                    x
                }));
            }
        }
        _ => {}
    }
    if let (Some(a), Some(z)) = (&aws_cidrs, &azure_cidrs) {
        let at = AttributePath::attrs([names::AZURE_CIDRS]);
        // A configured list is reported on the overlapping prefix; the virtual network's
        // address space (the default) has no element in the configuration to point at.
        diags.extend(if d.azure_cidrs.is_some() {
            validate::cidrs_disjoint_on_element(a, z, at)
        } else {
            validate::cidrs_disjoint(a, z, at)
        });
    }
}

/// A link must not take over another state's link of the same name (see
/// `resources::claim`): its first public IP, the first object every create makes, is read
/// and refused when it carries a claim other than `own` (the state's, or the one this
/// working directory's interrupted create journalled).
async fn claim_check(
    ctx: &ProviderContext,
    planned: &Value,
    own: Option<&str>,
    diags: &mut crate::tf::Diagnostics,
) {
    let d = Desired::from_value(planned, &Value::Null);
    if planned.attr(names::NAME).is_unknown()
        || planned
            .attr(names::AZURE)
            .attr(azure::RESOURCE_GROUP)
            .is_unknown()
    {
        return;
    }
    let Some(net) = plan_network(ctx, diags).await else {
        return;
    };
    // From the group's list (rule: AZ-LIST-ITEMS), shared by the plans of the walk.
    let first_ip = d.public_ip_name(0);
    let name_of: fn(&PublicIp) -> &str = |p| &p.name;
    let listed = find_in_group(net, &d.resource_group, &first_ip, name_of, &ctx.stop);
    let pip = match listed.await {
        Ok(p) => p,
        Err(e) => {
            diags.push(plan_read_failed(
                "Could not read the link's public IP at plan time",
                &e,
            ));
            return;
        }
    };
    let Some(found) = pip.as_ref().and_then(|p| p.tags.get(claim::AZURE_TAG)) else {
        return;
    };
    if own != Some(found.as_str()) {
        let scope = format!("Azure resource group {}", d.resource_group);
        diags.push(
            Diagnostic::error(
                "Link owned by another state",
                format!(
                    "{}. Its public IP {} carries the claim of another Terraform state; cloudlink never adopts another state's objects.",
                    claim::owned_by_another_state(&d.name, &scope),
                    d.public_ip_name(0)
                ),
            )
            .with_path(AttributePath::attrs([names::NAME])),
        );
    }
}

/// The public IPs' zones against the region (rules AZ-ZONES-OF-REGION, AZ-GW-ZONES-REQUIRED,
/// AZ-PIP-ZONES-UNSUPPORTED): the default is zone-redundant where the region has zones and
/// none where it has not; a configured value must fit the region.
async fn zone_checks(
    ctx: &ProviderContext,
    d: &Desired,
    planned: &mut Value,
    diags: &mut crate::tf::Diagnostics,
) {
    let region = match ctx.azure.region(&d.location, &ctx.stop).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            diags.push(
                Diagnostic::error(
                    "Unknown Azure region",
                    format!("The subscription has no Azure region {:?}.", d.location),
                )
                .with_path(azure_path(azure::LOCATION)),
            );
            return;
        }
        Err(e) => {
            diags.push(plan_read_failed(
                "Could not read the Azure regions at plan time",
                &e,
            ));
            return;
        }
    };
    match &d.zones {
        None => {
            let mut az = planned.attr(names::AZURE).clone();
            az.set_attr(azure::ZONES, Value::string_list(region.zones.clone()));
            planned.set_attr(names::AZURE, az);
        }
        Some(z) if region.zones.is_empty() && !z.is_empty() => diags.push(
            Diagnostic::error(
                "Region has no availability zones",
                format!("{} has no availability zones, and Azure refuses zones on its public IPs (LocationNotSupportAvailabilityZones): omit azure.zones or set it to [].", d.location),
            )
            .with_path(azure_path(azure::ZONES)),
        ),
        Some(z) if !region.zones.is_empty() && z.is_empty() => diags.push(
            Diagnostic::error(
                "Zones required in this region",
                format!("{} has availability zones: Azure builds an AZ gateway there only on zonal or zone-redundant public IPs (VmssVpnGatewayPublicIpsMustHaveZonesConfigured). Omit azure.zones for zone-redundant {:?}.", d.location, region.zones),
            )
            .with_path(azure_path(azure::ZONES)),
        ),
        Some(z) => {
            if let Some(bad) = z.iter().find(|x| !region.zones.contains(x)) {
                diags.push(
                    Diagnostic::error(
                        "Zone not in this region",
                        format!("{} has zones {:?}; zone {bad} does not exist there.", d.location, region.zones),
                    )
                    .with_path(azure_path(azure::ZONES)),
                );
            }
        }
    }
}

/// The AWS end as the user named it: route tables of the VPC (rule AWS-RTB-IN-VPC), or the
/// transit gateway, whose own ASN the Azure side must peer with (rule AWS-TGW-ASN).
/// Returns `false` when a read failed (the error is in `diags`; nothing more can be checked).
async fn aws_target_checks(
    ctx: &ProviderContext,
    d: &Desired,
    planned: &mut Value,
    diags: &mut crate::tf::Diagnostics,
) -> bool {
    let Ok(account) = ctx.aws_account(d.aws_account.as_deref(), aws_path(aws::ACCOUNT)) else {
        return true;
    };
    let ec2 = match account.ec2().await {
        Ok(e) => e.with_cancel(ctx.stop.clone()),
        Err(e) => {
            diags.push(plan_read_failed("Could not reach AWS at plan time", &e));
            return false;
        }
    };
    if let Some(vpc) = &d.vpc_id {
        for (i, rtb) in d.route_table_ids.iter().enumerate() {
            let at = aws_path(aws::ROUTE_TABLE_IDS).index(i as i64);
            match ec2.find_route_table_by_id(rtb).await {
                Ok(Some(t)) if &t.vpc_id != vpc => diags.push(
                    Diagnostic::error(
                        "Route table of another VPC",
                        format!("Route table {rtb} belongs to {}, not {vpc}: only the VPC's own route tables can route to its virtual private gateway.", t.vpc_id),
                    )
                    .with_path(at),
                ),
                Ok(Some(_)) => {}
                Ok(None) => diags.push(
                    Diagnostic::error("Route table not found", format!("AWS route table {rtb} does not exist."))
                        .with_path(at),
                ),
                Err(e) => {
                    diags.push(plan_read_failed("Could not read a route table at plan time", &e));
                    return false;
                }
            }
        }
        if planned
            .attr(names::AWS)
            .attr(aws::AMAZON_SIDE_ASN)
            .is_unknown()
        {
            set_amazon_side_asn(planned, d.amazon_side_asn, diags);
        }
        // rule: AWS-VGW-ONE-PER-VPC (only at create: an existing link's own VGW is there).
        if planned.attr(names::ID).is_unknown() {
            let owner = crate::cloud::aws::ownership_tags(
                &d.owner(),
                Desired::VPN_GATEWAY_COMPONENT,
                &d.tags,
            );
            let found = match ec2.find_vpn_gateways_attached_to(vpc).await {
                Ok(found) => found,
                Err(e) => {
                    diags.push(plan_read_failed(
                        "Could not read the VPC's virtual private gateways at plan time",
                        &e,
                    ));
                    return false;
                }
            };
            if let Some(other) = found
                .iter()
                .find(|g| !crate::cloud::aws::tags::owned_by(&g.tags, &owner))
            {
                diags.push(
                    Diagnostic::error(
                        "VPC already has a virtual private gateway",
                        format!("VPC {vpc} already has {} attached, and AWS attaches one virtual private gateway per VPC (InvalidVpcState). Use that VPC's existing gateway through a transit gateway, or detach it first.", other.id),
                    )
                    .with_path(aws_path(aws::VPC_ID)),
                );
            }
        }
        return true;
    }
    let Some(tgw) = &d.transit_gateway_id else {
        return true;
    };
    let t = match ec2.find_transit_gateway_by_id(tgw).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            diags.push(
                Diagnostic::error(
                    "Transit gateway not found",
                    format!("AWS transit gateway {tgw} does not exist."),
                )
                .with_path(aws_path(aws::TRANSIT_GATEWAY_ID)),
            );
            return true;
        }
        Err(e) => {
            diags.push(plan_read_failed(
                "Could not read the transit gateway at plan time",
                &e,
            ));
            return false;
        }
    };
    let Some(asn) = t.amazon_side_asn else {
        return true;
    };
    let configured = planned.attr(names::AWS).attr(aws::AMAZON_SIDE_ASN).as_i64();
    match configured {
        Some(c) if c != asn => diags.push(
            Diagnostic::error(
                "Amazon-side ASN differs from the transit gateway's",
                format!("Transit gateway {tgw} has ASN {asn}; its VPN connections peer with that ASN, so amazon_side_asn = {c} would never bring BGP up. Omit amazon_side_asn (cloudlink reads it) or set it to {asn}."),
            )
            .with_path(aws_path(aws::AMAZON_SIDE_ASN)),
        ),
        Some(_) => {}
        None => set_amazon_side_asn(planned, asn, diags),
    }
    let off = |o: &Option<String>| o.as_deref() == Some("disable");
    if off(&t.default_route_table_association) || off(&t.default_route_table_propagation) {
        diags.push(
            Diagnostic::warning(
                "Transit gateway routes are yours to manage",
                format!("Transit gateway {tgw} does not associate new attachments with, or propagate them into, its default route table: the VPN attachments cloudlink creates reach no VPC until you associate them and add routes in the transit gateway route tables."),
            )
            .with_path(aws_path(aws::TRANSIT_GATEWAY_ID)),
        );
    }
    if d.bgp && d.tunnels == 4 && off(&t.vpn_ecmp_support) {
        diags.push(
            Diagnostic::warning(
                "Transit gateway without VPN ECMP",
                format!("Transit gateway {tgw} has VpnEcmpSupport disabled: of the four BGP tunnels only one carries traffic from AWS at a time."),
            )
            .with_path(aws_path(aws::TRANSIT_GATEWAY_ID)),
        );
    }
    true
}

fn aws_path(a: &str) -> AttributePath {
    AttributePath::attrs([names::AWS, a])
}

/// Records the resolved Amazon-side ASN in the plan; it must differ from the Azure side's
/// (eBGP between two ASNs).
fn set_amazon_side_asn(planned: &mut Value, asn: i64, diags: &mut crate::tf::Diagnostics) {
    if let Some(azure) = planned.attr(names::AZURE).attr(azure::ASN).as_i64() {
        diags.extend(validate::asns_differ(asn, azure));
    }
    let mut block = planned.attr(names::AWS).clone();
    block.set_attr(aws::AMAZON_SIDE_ASN, Value::int(asn));
    planned.set_attr(names::AWS, block);
}

/// In-place update planning: repairs, status refresh, PSK-rotation warnings.
fn update_plan(req: &PlanRequest, plan: &mut PlanResponse) {
    let prior = &req.prior;
    let d = Desired::from_value(prior, &Value::Null);
    let mut planned = plan.planned.clone();
    let mut down: Vec<usize> = Vec::new();
    for (block, ids) in [(names::AWS, &AWS_IDS[..]), (names::AZURE, &AZURE_IDS[..])] {
        let mut b = planned.attr(block).clone();
        for id in ids {
            let pv = prior.attr(block).attr(id);
            if id == &azure::GATEWAY_SUBNET_ID
                && !prior
                    .attr(names::AZURE)
                    .attr(azure::GATEWAY_SUBNET_CREATED)
                    .as_bool()
                    .unwrap_or(false)
            {
                continue;
            }
            if id == &aws::VPN_GATEWAY_ID && d.vpc_id.is_none() {
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
    // A state written before claims existed gets one at its next apply (see resources::claim).
    if prior
        .attr(claim::ATTRIBUTE)
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        planned.set_attr(claim::ATTRIBUTE, Value::unknown());
    }
    let psk_change = !prior
        .attr(names::TUNNEL_PSKS)
        .equals(planned.attr(names::TUNNEL_PSKS))
        || !prior
            .attr(names::TUNNEL_PSKS_WO_VERSION)
            .equals(planned.attr(names::TUNNEL_PSKS_WO_VERSION));
    let inconsistent = prior.attr(names::CONSISTENT).as_bool() == Some(false);
    if !planned.equals(prior) || inconsistent || !down.is_empty() {
        planned.set_attr(names::TUNNEL_DETAILS, Value::unknown());
        planned.set_attr(names::CONSISTENT, Value::unknown());
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

/// The Azure network client for plan-time reads; `None` (with the error diagnostic) when
/// Azure is not usable.
async fn plan_network<'a>(
    ctx: &'a ProviderContext,
    diags: &mut crate::tf::Diagnostics,
) -> Option<&'a crate::cloud::azure::Network> {
    match ctx.azure.network().await {
        Ok(net) => Some(net),
        Err(e) => {
            diags.push(plan_read_failed("Azure is not usable", &e));
            None
        }
    }
}

/// The diagnostic of a read at plan time that failed: always an error. The read was already
/// retried under the retry policy, so what is left is an outage, a wrong endpoint or refused
/// credentials, and a plan built without the value would either hide it until apply or
/// turn a known value unknown (which terraform then rejects as an inconsistent plan).
fn plan_read_failed(summary: &str, e: &CloudError) -> Diagnostic {
    Diagnostic::error(summary, format!("{e}"))
}
