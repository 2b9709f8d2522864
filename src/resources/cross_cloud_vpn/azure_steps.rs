//! The Azure steps of the converging graph: the public IPs, the GatewaySubnet and its claim,
//! the virtual network gateway, the local network gateways (one per AWS tunnel) and the
//! connections. Each finds its object by deterministic name, adopts it when this state's
//! claim allows, else creates it, and records the id at once; operations on one gateway go
//! through its queue (Azure runs one at a time). They are apart from the AWS steps so each
//! side can change, or be reused, without the other; what they need from AWS (tunnel
//! endpoints, prefixes, the Amazon-side ASN, the keys) comes through the run context.

use super::ipsec::azure_policy;
use super::psk;
use super::run::Run;
use super::sku;
use crate::cloud::azure::connection::{self, ConnectionSpec, CustomBgpAddress};
use crate::cloud::azure::gateway::{self, GatewayIpConfigSpec, GatewaySpec, GatewayUpdate};
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::azure::local_gateway::{self, LocalGatewayBgp, LocalGatewaySpec};
use crate::cloud::azure::virtual_network::Subnet;
use crate::cloud::azure::{gateway_subnet, public_ip, tags as az_tags, Azure};
use crate::cloud::wait::WaitConfig;
use crate::provider::context::ProviderContext;
use anyhow::anyhow;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Dead peer detection timeout of every Azure connection: 45 s, Azure's default
/// (`dpdTimeoutSeconds`, Microsoft "About VPN devices"), sent explicitly so the tunnels on
/// both clouds stay predictable. AWS's default DPD timeout is 30 s.
pub const AZURE_DPD_TIMEOUT_SECONDS: i32 = 45;

/// The public IPs' zones: configured or planned, else those of the existing first public IP
/// (a state written before `zones` existed), else the region's default (rule
/// AZ-ZONES-OF-REGION: zone-redundant where the region has zones, none where it has not).
pub async fn resolve_zones(
    run: &Run,
    ctx: &ProviderContext,
    cancel: &CancellationToken,
) -> anyhow::Result<Vec<String>> {
    let d = &run.d;
    if let Some(z) = &d.zones {
        return Ok(z.clone());
    }
    if let Some(p) =
        public_ip::find_public_ip(&run.net, &d.resource_group, &d.public_ip_name(0), cancel).await?
    {
        return Ok(p.zones);
    }
    region_default_zones(&ctx.azure, &d.location, cancel).await
}

/// Zone-redundant (`["1","2","3"]`, or every zone the region has) where the region has
/// availability zones, none where it has not. An unknown region is an error.
pub async fn region_default_zones(
    azure: &Azure,
    location: &str,
    cancel: &CancellationToken,
) -> anyhow::Result<Vec<String>> {
    let region = azure
        .region(location, cancel)
        .await?
        .ok_or_else(|| anyhow!("the subscription has no Azure region {location:?}"))?;
    Ok(region.zones)
}

/// Step: one Standard static public IP per gateway instance (its address becomes an AWS
/// customer gateway IP, so it is known in seconds, long before the gateway exists).
pub async fn public_ips(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    for i in 0..d.instances() {
        let name = d.public_ip_name(i);
        let cfg = run.wait(&cancel);
        let mut tags = run.azure_tags(&format!("public-ip-{}", i + 1));
        let found = public_ip::find_public_ip(&run.net, &d.resource_group, &name, &cancel).await?;
        if let Some(p) = &found {
            run.ensure_owns_azure(&p.tags)?;
        }
        // The GatewaySubnet claim stays as long as the IP (see gateway_subnet_step).
        if let Some(claim) = found
            .as_ref()
            .and_then(|p| p.tags.get(az_tags::TAG_GATEWAY_SUBNET))
        {
            tags.insert(az_tags::TAG_GATEWAY_SUBNET.to_string(), claim.clone());
        }
        let pip = match found {
            Some(p)
                if p.ip_address.is_some()
                    && p.provisioning_state == "Succeeded"
                    && p.tags == tags =>
            {
                p
            }
            found => {
                // Absent, not provisioned, or its tags changed: one PUT (the address of
                // an existing Static IP is kept).
                let id = run.arm_id("publicIPAddresses", &name);
                run.record(|cp| cp.public_ip_ids[i] = id);
                // Zones are fixed at creation (rule AZ-PIP-ZONES-IMMUTABLE): an existing
                // IP keeps its own; a new one gets the resolved zones.
                let zones = match found {
                    Some(p) => p.zones,
                    None => run.cp.lock().unwrap().zones.clone(),
                };
                let spec = public_ip::PublicIpSpec {
                    location: d.location.clone(),
                    zones,
                    tags,
                };
                public_ip::create_or_update_public_ip(
                    &run.net,
                    &d.resource_group,
                    &name,
                    &spec,
                    &cfg,
                )
                .await?
            }
        };
        let ip = pip
            .ip_address
            .clone()
            .ok_or_else(|| anyhow!("Azure public IP {name} has no address"))?;
        run.record(|cp| {
            cp.public_ip_ids[i] = pip.id.clone();
            cp.public_ips[i] = ip;
        });
    }
    Ok(())
}

/// Step: the VNet's `GatewaySubnet`, created from `azure.gateway_subnet_cidr` when absent.
pub async fn gateway_subnet_step(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let cfg = run.wait(&cancel);
    let subnet = match gateway_subnet::find_gateway_subnet(
        &run.net,
        &d.resource_group,
        &d.vnet,
        &cancel,
    )
    .await?
    {
        Some(s) => {
            if run.cp.lock().unwrap().gateway_subnet_id.is_empty()
                && (claimed_by_our_public_ip(&run, &s, &cancel).await?
                    || created_by_crashed_run(&run, &s, &cancel).await?)
            {
                tracing::info!(id = %s.id, "adopting the GatewaySubnet an interrupted run created");
                run.record(|cp| cp.gateway_subnet_created = true);
            }
            s
        }
        None => {
            let prefix = d.gateway_subnet_cidr.as_deref().ok_or_else(|| {
                anyhow!("virtual network {} has no GatewaySubnet and azure.gateway_subnet_cidr is not set", d.vnet)
            })?;
            claim_gateway_subnet(&run, prefix, &cfg).await?;
            run.record(|cp| cp.gateway_subnet_created = true);
            gateway_subnet::create_gateway_subnet(
                &run.net,
                &d.resource_group,
                &d.vnet,
                prefix,
                &cfg,
            )
            .await?
        }
    };
    run.record(|cp| cp.gateway_subnet_id = subnet.id);
    Ok(())
}

/// Writes the GatewaySubnet claim ([`az_tags::TAG_GATEWAY_SUBNET`]) on the link's first
/// public IP before the subnet is created, so that no crash window leaves a subnet that
/// neither the state nor the clouds say is ours. Runs after the public IPs step.
async fn claim_gateway_subnet(run: &Run, prefix: &str, cfg: &WaitConfig) -> anyhow::Result<()> {
    let d = &run.d;
    let name = d.public_ip_name(0);
    let pip = public_ip::find_public_ip(&run.net, &d.resource_group, &name, &cfg.cancel)
        .await?
        .ok_or_else(|| anyhow!("Azure public IP {name} vanished before the GatewaySubnet claim"))?;
    if pip
        .tags
        .get(az_tags::TAG_GATEWAY_SUBNET)
        .map(String::as_str)
        == Some(prefix)
    {
        return Ok(());
    }
    let mut tags = pip.tags.clone();
    tags.insert(az_tags::TAG_GATEWAY_SUBNET.to_string(), prefix.to_string());
    let spec = public_ip::PublicIpSpec {
        location: d.location.clone(),
        zones: pip.zones,
        tags,
    };
    public_ip::create_or_update_public_ip(&run.net, &d.resource_group, &name, &spec, cfg).await?;
    Ok(())
}

/// Whether the link's own first public IP claims `subnet` (its prefix in the
/// [`az_tags::TAG_GATEWAY_SUBNET`] tag): a run of this resource created it.
async fn claimed_by_our_public_ip(
    run: &Run,
    subnet: &Subnet,
    cancel: &CancellationToken,
) -> anyhow::Result<bool> {
    let d = &run.d;
    let Some(pip) =
        public_ip::find_public_ip(&run.net, &d.resource_group, &d.public_ip_name(0), cancel)
            .await?
    else {
        return Ok(false);
    };
    Ok(az_tags::is_owned_by(&pip.tags, &d.owner(), "public-ip-1")
        && run.owns_azure(&pip.tags)
        && subnet.prefix.is_some()
        && pip.tags.get(az_tags::TAG_GATEWAY_SUBNET) == subnet.prefix.as_ref())
}

/// Whether an existing GatewaySubnet that no state records is the one a crashed run of this
/// resource created, so that it is deleted with the rest. Subnets carry no tags, so the sign
/// is indirect: it has exactly the configured `gateway_subnet_cidr` and is used only by our
/// own gateway (deterministic name, ownership tags), which that run went on to build. A
/// GatewaySubnet the run created but left unused is not claimed, and stays on destroy.
async fn created_by_crashed_run(
    run: &Run,
    subnet: &Subnet,
    cancel: &CancellationToken,
) -> anyhow::Result<bool> {
    let d = &run.d;
    if d.gateway_subnet_cidr.is_none() || subnet.prefix != d.gateway_subnet_cidr {
        return Ok(false);
    }
    let ours = format!(
        "{}/ipconfigurations/",
        run.arm_id("virtualNetworkGateways", &d.gateway_name())
            .to_lowercase()
    );
    if subnet.used_by.is_empty()
        || !subnet
            .used_by
            .iter()
            .all(|c| c.to_lowercase().starts_with(&ours))
    {
        return Ok(false);
    }
    let gw = gateway::find_gateway(&run.net, &d.resource_group, &d.gateway_name(), cancel).await?;
    Ok(gw.is_some_and(|g| {
        az_tags::is_owned_by(&g.tags, &d.owner(), "virtual-network-gateway")
            && run.owns_azure(&g.tags)
    }))
}

/// Step: the virtual network gateway (route-based; active-active with 4 tunnels; custom APIPA
/// addresses per instance with BGP). An existing one is adopted and resized in place.
pub async fn azure_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let name = d.gateway_name();
    let cfg = run.wait(&cancel);
    let id = run.arm_id("virtualNetworkGateways", &name);
    let tags = run.azure_tags("virtual-network-gateway");
    let found = gateway::find_gateway(&run.net, &d.resource_group, &name, &cancel).await?;
    if let Some(g) = &found {
        run.ensure_owns_azure(&g.tags)?;
    }
    run.record(|cp| cp.gateway_id = id);
    if let Some(g) = found {
        let g = if g.provisioning_state == "Succeeded" {
            g
        } else {
            gateway::wait_gateway_succeeded(&run.net, &d.resource_group, &name, &cfg).await?
        };
        let mut update = GatewayUpdate::default();
        // The non-AZ twin Azure migrates to the AZ SKU is the same size: leave it alone.
        if !sku::same_size(&g.sku, &d.sku) {
            update.sku = Some(d.sku.clone());
        }
        if g.tags != tags {
            update.tags = Some(tags);
        }
        if update != GatewayUpdate::default() {
            on_gateway(&run.net, &d.resource_group, &name, &cfg, || {
                gateway::update_gateway(&run.net, &d.resource_group, &name, &update, &cfg)
            })
            .await?;
        }
        return Ok(());
    }
    let (subnet_id, pips) = {
        let cp = run.cp.lock().unwrap();
        (cp.gateway_subnet_id.clone(), cp.public_ip_ids.clone())
    };
    let spec = GatewaySpec {
        location: d.location.clone(),
        sku: d.sku.clone(),
        generation: d.generation().map(str::to_string),
        active_active: d.active_active(),
        enable_bgp: d.bgp,
        asn: Some(d.azure_asn as u32),
        ip_configurations: d
            .ip_config_names()
            .iter()
            .enumerate()
            .map(|(i, n)| GatewayIpConfigSpec {
                name: n.to_string(),
                subnet_id: subnet_id.clone(),
                public_ip_id: pips[i].clone(),
                apipa_addresses: d.apipa_of_instance(i),
            })
            .collect(),
        tags,
    };
    gateway::create_or_update_gateway(&run.net, &d.resource_group, &name, &spec, &cfg).await?;
    Ok(())
}

/// Step: one local network gateway per tunnel: the AWS outside IP, the AWS prefixes (static)
/// or the AWS inside address as BGP peer with the Amazon-side ASN.
pub async fn local_gateways(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    run.per_tunnel(&cancel, local_gateway).await
}

/// The local network gateway of tunnel `t`.
async fn local_gateway(run: Arc<Run>, t: usize, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let name = d.local_gateway_name(t);
    let (ip, aws_cidrs) = {
        let cp = run.cp.lock().unwrap();
        (cp.aws.tunnels[t].outside_ip.clone(), cp.aws_cidrs.clone())
    };
    let (aws_bgp, _) = d.bgp_addresses(t);
    let spec = LocalGatewaySpec {
        location: d.location.clone(),
        gateway_ip_address: ip,
        address_prefixes: if d.bgp {
            vec![format!("{aws_bgp}/32")]
        } else {
            aws_cidrs
        },
        bgp: d.bgp.then_some(LocalGatewayBgp {
            asn: run.cp.lock().unwrap().aws.amazon_side_asn as u32,
            peering_address: aws_bgp,
        }),
        tags: run.azure_tags(&format!("local-network-gateway-{}", t + 1)),
    };
    let rg = &d.resource_group;
    let id = run.arm_id("localNetworkGateways", &name);
    let existing = local_gateway::find_local_gateway(&run.net, rg, &name, &cancel).await?;
    if let Some(l) = &existing {
        run.ensure_owns_azure(&l.tags)?;
    }
    if !existing.is_some_and(|l| l.matches(&spec)) {
        run.record(|cp| cp.local_gateway_ids[t] = id.clone());
        local_gateway::create_or_update_local_gateway(
            &run.net,
            rg,
            &name,
            &spec,
            &run.wait(&cancel),
        )
        .await?;
    }
    run.record(|cp| cp.local_gateway_ids[t] = id);
    Ok(())
}

/// Step: one connection per tunnel with the tunnel's PSK (the same on both ends) and, with
/// BGP, `custom_bgp_addresses` for every gateway instance.
pub async fn connections(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    run.per_tunnel(&cancel, connection_of_tunnel).await
}

/// The connection of tunnel `t`, with its key.
async fn connection_of_tunnel(
    run: Arc<Run>,
    t: usize,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let d = &run.d;
    let name = d.connection_name(t);
    let rg = &d.resource_group;
    let id = run.arm_id("connections", &name);
    let gw = d.gateway_name();
    let names = d.ip_config_names();
    let psk = run
        .aws
        .psk(t)
        .ok_or_else(|| anyhow!("AWS did not return the pre-shared key of tunnel {}", t + 1))?;
    let spec = ConnectionSpec {
        location: d.location.clone(),
        virtual_network_gateway_id: run.arm_id("virtualNetworkGateways", &gw),
        local_network_gateway_id: run.arm_id("localNetworkGateways", &d.local_gateway_name(t)),
        shared_key: psk,
        enable_bgp: d.bgp,
        custom_bgp_addresses: d
            .custom_bgp_of_tunnel(t)
            .into_iter()
            .map(|(i, address)| CustomBgpAddress {
                ip_configuration_id: gateway::ip_configuration_id(&run.net, rg, &gw, names[i]),
                address,
            })
            .collect(),
        ipsec_policy: d.policy.as_ref().map(azure_policy),
        dpd_timeout_seconds: Some(AZURE_DPD_TIMEOUT_SECONDS),
        use_policy_based_traffic_selectors: false,
        tags: run.azure_tags(&format!("connection-{}", t + 1)),
    };
    let cfg = run.wait(&cancel);
    let existing = connection::find_connection(&run.net, rg, &name, &cancel).await?;
    if let Some(c) = &existing {
        run.ensure_owns_azure(&c.tags)?;
    }
    match existing {
        Some(c) if c.matches(&spec) => {
            // Nothing else differs; the key alone goes through /sharedkey.
            psk::align_azure(&run, t, &spec.shared_key, &cfg).await?;
        }
        _ => {
            run.record(|cp| cp.connection_ids[t] = id.clone());
            // Sets the key through /sharedkey too when an existing one differs.
            on_gateway(&run.net, rg, &gw, &cfg, || {
                connection::create_or_update_connection(&run.net, rg, &name, &spec, &cfg)
            })
            .await?;
        }
    }
    run.record(|cp| cp.connection_ids[t] = id);
    Ok(())
}
