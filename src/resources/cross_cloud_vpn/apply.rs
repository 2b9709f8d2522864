//! Create and update as one converging step graph. Each step finds its sub-resource by
//! deterministic name (Azure) or ownership tags (AWS) and adopts it, else creates it, and
//! records the id in the checkpoint as soon as it exists. So create, a re-run after a crash,
//! the repair of a sub-resource deleted out of band, and an in-place update are the same walk:
//!
//! 1. Azure public IP(s) and the GatewaySubnet (seconds; Standard static IPs are known at once);
//! 2. the Azure gateway build (30-60 min) *while* the AWS side runs: customer gateway(s) with
//!    the Azure IPs, VPN gateway + attachment, VPN connection(s) with inside CIDRs and PSKs,
//!    static routes and route tables;
//! 3. local network gateways (one per AWS tunnel), then connections with the tunnel's PSK,
//!    one at a time per gateway (Azure serialises them; see `cloud::azure::gateway_queue`);
//! 4. a bounded wait for the tunnels, which stops early on a disagreement between the clouds.
//!
//! An update first rotates changed PSKs one tunnel at a time (AWS, then Azure) and removes
//! routes no longer wanted, then converges.

use super::read;
use super::schema::TYPE_NAME;
use super::sku;
use super::state::{Checkpoint, TunnelFacts};
use super::topology::{generate_psk, Desired, Policy};
use crate::cloud::aws::{
    ownership_tags, Ec2, RouteTarget, TunnelSpec, VpnConnectionSpec, VpnTarget,
};
use crate::cloud::azure::connection::{self, ConnectionSpec, CustomBgpAddress, IpsecPolicySpec};
use crate::cloud::azure::gateway::{self, GatewayIpConfigSpec, GatewaySpec, GatewayUpdate};
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::azure::local_gateway::{self, LocalGatewayBgp, LocalGatewaySpec};
use crate::cloud::azure::virtual_network::Subnet;
use crate::cloud::azure::{gateway_subnet, public_ip, tags as az_tags, Network};
use crate::cloud::wait::WaitConfig;
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::claim::{self, CreateJournal};
use crate::resources::default_tags;
use crate::tf::{AttributePath, Diagnostic, Value};
use anyhow::{anyhow, Context as _};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long the end of an apply waits for every tunnel to report up on both clouds before
/// handing back (the state then shows the status it saw; not an error).
pub const TUNNEL_UP_WAIT: Duration = Duration::from_secs(10 * 60);

/// Dead peer detection timeout of every Azure connection: 45 s, Azure's default
/// (`dpdTimeoutSeconds`, Microsoft "About VPN devices"), sent explicitly so the tunnels on
/// both clouds stay predictable. AWS's default DPD timeout is 30 s.
pub const AZURE_DPD_TIMEOUT_SECONDS: i32 = 45;

/// Everything the steps share: clients, the desired link, the deadline, the checkpoint and
/// the PSKs (memory only; never logged, never in state unless the user configured them).
pub struct Run {
    /// The desired link.
    pub d: Desired,
    /// EC2 of the link's AWS account.
    pub ec2: Ec2,
    /// ARM network client.
    pub net: Network,
    /// Longest poll interval.
    pub poll: Duration,
    /// When the operation's timeout ends.
    pub deadline: Instant,
    /// Ids created so far.
    pub cp: Mutex<Checkpoint>,
    /// PSK per tunnel once known.
    pub psks: Mutex<Vec<Option<String>>>,
    /// The claim of the state this run works for (see `resources::claim`).
    pub claim: String,
}

impl Run {
    /// Builds the shared context of one operation with limit `timeout`.
    pub async fn new(
        ctx: &ProviderContext,
        d: Desired,
        cp: Checkpoint,
        timeout: Duration,
    ) -> anyhow::Result<Run> {
        let account = ctx
            .aws_account(
                d.aws_account.as_deref(),
                AttributePath::root().attr("aws").attr("account"),
            )
            .map_err(|e| anyhow!("{}: {}", e.summary, e.detail))?;
        let ec2 = account.ec2().await.context("connecting to AWS")?;
        let net = ctx
            .azure
            .network()
            .await
            .context("connecting to Azure")?
            .clone();
        let n = d.tunnels;
        Ok(Run {
            claim: cp.claim.clone(),
            ec2: ec2.with_cancel(ctx.stop.clone()),
            net,
            poll: ctx.poll_interval,
            deadline: Instant::now() + timeout,
            cp: Mutex::new(cp),
            psks: Mutex::new(vec![None; n]),
            d,
        })
    }

    /// A wait bounded by the operation's deadline.
    pub fn wait(&self, cancel: &CancellationToken) -> WaitConfig {
        WaitConfig {
            timeout: self.deadline.saturating_duration_since(Instant::now()),
            initial_interval: Duration::from_millis(200).min(self.poll),
            max_interval: self.poll,
            cancel: cancel.clone(),
        }
    }

    /// EC2 whose calls stop with `cancel`.
    pub fn ec2(&self, cancel: &CancellationToken) -> Ec2 {
        self.ec2.with_cancel(cancel.clone())
    }

    /// Updates the checkpoint.
    pub fn record(&self, f: impl FnOnce(&mut Checkpoint)) {
        f(&mut self.cp.lock().unwrap())
    }

    /// A copy of the checkpoint.
    pub fn snapshot(&self) -> Checkpoint {
        self.cp.lock().unwrap().clone()
    }

    /// Azure tags of component `c`, with the run's claim.
    pub fn azure_tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = az_tags::ownership_tags(&self.d.owner(), c, &self.d.tags);
        if !self.claim.is_empty() {
            tags.insert(claim::AZURE_TAG.to_string(), self.claim.clone());
        }
        tags
    }

    /// AWS tags of component `c`, with the run's claim.
    pub fn aws_tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = ownership_tags(&self.d.owner(), c, &self.d.tags);
        if !self.claim.is_empty() {
            tags.insert(claim::AWS_TAG.to_string(), self.claim.clone());
        }
        tags
    }

    /// Whether this run may adopt, change or delete the Azure object tagged `tags`.
    pub fn owns_azure(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AZURE_TAG, &self.claim).adoptable()
    }

    /// Whether this run may adopt, change or delete the EC2 object tagged `tags`.
    pub fn owns_aws(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AWS_TAG, &self.claim).adoptable()
    }

    /// Fails unless this run may adopt the Azure object tagged `tags`.
    pub fn ensure_owns_azure(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns_azure(tags) {
            return Ok(());
        }
        let scope = format!("Azure resource group {}", self.d.resource_group);
        Err(anyhow!(claim::owned_by_another_state(&self.d.name, &scope)))
    }

    /// Fails unless this run may adopt the EC2 object tagged `tags`.
    pub fn ensure_owns_aws(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns_aws(tags) {
            return Ok(());
        }
        let scope = match &self.d.aws_account {
            Some(a) => format!("AWS region {} of account {a:?}", self.ec2.region()),
            None => format!("AWS region {}", self.ec2.region()),
        };
        Err(anyhow!(claim::owned_by_another_state(&self.d.name, &scope)))
    }

    /// ARM id of `Microsoft.Network/{kind}/{name}` in the link's resource group.
    pub fn arm_id(&self, kind: &str, name: &str) -> String {
        self.net.resource_id(&self.d.resource_group, kind, name)
    }
}

/// Fills what the plan may not have known: `aws_cidrs` / `azure_cidrs` from the VPC and
/// the VNet, the public IPs' zones, and the transit gateway's ASN.
pub async fn resolve_cidrs(
    run: &Run,
    ctx: &ProviderContext,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let d = &run.d;
    let aws = match &d.aws_cidrs {
        Some(c) => c.clone(),
        None => {
            let vpc = d
                .vpc_id
                .as_deref()
                .ok_or_else(|| anyhow!("aws_cidrs is required with a transit gateway"))?;
            run.ec2(cancel)
                .find_vpc_by_id(vpc)
                .await?
                .ok_or_else(|| anyhow!("AWS VPC {vpc} does not exist"))?
                .cidr_blocks
        }
    };
    let azure = match &d.azure_cidrs {
        Some(c) => c.clone(),
        None => {
            crate::cloud::azure::virtual_network::find_virtual_network(
                &run.net,
                &d.resource_group,
                &d.vnet,
                cancel,
            )
            .await?
            .ok_or_else(|| {
                anyhow!(
                    "Azure virtual network {}/{} does not exist",
                    d.resource_group,
                    d.vnet
                )
            })?
            .address_space
        }
    };
    let zones = resolve_zones(run, ctx, cancel).await?;
    let amazon_side_asn = match &d.transit_gateway_id {
        Some(tgw) => transit_gateway_asn(&run.ec2(cancel), tgw).await?,
        None => d.amazon_side_asn,
    };
    run.record(|cp| {
        cp.aws_cidrs = aws;
        cp.azure_cidrs = azure;
        cp.zones = zones;
        cp.amazon_side_asn = amazon_side_asn;
    });
    Ok(())
}

/// The ASN the Azure side must peer with on transit gateway `tgw`: its own `AmazonSideAsn`
/// (rule AWS-TGW-ASN), never the configuration's default.
pub async fn transit_gateway_asn(ec2: &Ec2, tgw: &str) -> anyhow::Result<i64> {
    let t = ec2
        .find_transit_gateway_by_id(tgw)
        .await?
        .ok_or_else(|| anyhow!("AWS transit gateway {tgw} does not exist"))?;
    t.amazon_side_asn
        .ok_or_else(|| anyhow!("AWS transit gateway {tgw} reports no AmazonSideAsn"))
}

/// The public IPs' zones: configured or planned, else those of the existing first public IP
/// (a state written before `zones` existed), else the region's default (rule
/// AZ-ZONES-OF-REGION: zone-redundant where the region has zones, none where it has not).
async fn resolve_zones(
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
    azure: &crate::cloud::azure::Azure,
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
async fn public_ips(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
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
async fn gateway_subnet_step(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
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
async fn azure_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
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

/// rule: AWS-CGW-IP-IMMUTABLE: a customer gateway whose IP is not the Azure IP is never
/// modified (AWS cannot); the plan replaces the link whenever the public IPs would change.
/// Step: one AWS customer gateway per Azure public IP, with the Azure ASN.
async fn customer_gateways(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let ec2 = run.ec2(&cancel);
    for i in 0..d.instances() {
        let tags = run.aws_tags(&Desired::customer_gateway_component(i));
        let ip = run.cp.lock().unwrap().public_ips[i].clone();
        let found = ec2.find_customer_gateway_by_tags(&tags).await?;
        if let Some(c) = &found {
            run.ensure_owns_aws(&c.tags)?;
        }
        let id = match found {
            Some(c) if c.ip_address == ip => {
                ec2.sync_tags(&c.id, &c.tags, &tags).await?;
                c.id
            }
            Some(c) => anyhow::bail!(
                "customer gateway {} points at {}, not the Azure public IP {ip}; replace the resource",
                c.id,
                c.ip_address
            ),
            None => {
                let id = ec2.create_customer_gateway(&ip, d.azure_asn, &tags).await?;
                run.record(|cp| cp.customer_gateway_ids[i] = id.clone());
                id
            }
        };
        run.record(|cp| cp.customer_gateway_ids[i] = id.clone());
        ec2.wait_customer_gateway_available(&id, &run.wait(&cancel))
            .await?;
    }
    Ok(())
}

/// rule: AWS-VGW-ONE-PER-VPC: AWS refuses a second attachment (`InvalidVpcState`); the
/// plan reports a VPC that already has another virtual private gateway attached.
/// Step: the virtual private gateway, attached to the VPC (nothing with a transit gateway).
async fn vpn_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let Some(vpc) = d.vpc_id.clone() else {
        return Ok(());
    };
    let ec2 = run.ec2(&cancel);
    let tags = run.aws_tags(Desired::VPN_GATEWAY_COMPONENT);
    let found = ec2.find_vpn_gateway_by_tags(&tags).await?;
    if let Some(g) = &found {
        run.ensure_owns_aws(&g.tags)?;
    }
    let id = match found {
        Some(g) => {
            ec2.sync_tags(&g.id, &g.tags, &tags).await?;
            g.id
        }
        None => {
            ec2.create_vpn_gateway(Some(d.amazon_side_asn), &tags)
                .await?
        }
    };
    run.record(|cp| cp.vpn_gateway_id = id.clone());
    let g = ec2
        .wait_vpn_gateway_available(&id, &run.wait(&cancel))
        .await?;
    match g.attachment_state(&vpc) {
        Some("attached") => {}
        Some("attaching") => {}
        _ => ec2.attach_vpn_gateway(&id, &vpc).await?,
    }
    ec2.wait_vpn_gateway_attached(&id, &vpc, &run.wait(&cancel))
        .await?;
    Ok(())
}

/// AWS phase-1/2 spelling of our neutral policy values.
fn aws_tunnel_policy(spec: &mut TunnelSpec, p: &Policy) {
    let enc = |s: &str| match s {
        "AES128" => "AES128",
        "GCMAES128" => "AES128-GCM-16",
        "GCMAES256" => "AES256-GCM-16",
        _ => "AES256",
    };
    let integ = |s: &str| match s {
        "SHA1" => "SHA1",
        "SHA384" => "SHA2-384",
        _ => "SHA2-256",
    };
    spec.phase1_encryption = vec![enc(&p.ike_encryption).into()];
    spec.phase1_integrity = vec![integ(&p.ike_integrity).into()];
    spec.phase1_dh_groups = vec![p.dh_group as i32];
    spec.phase2_encryption = vec![enc(&p.ipsec_encryption).into()];
    spec.phase2_integrity = vec![integ(if p.ipsec_integrity.starts_with("GCM") {
        "SHA256"
    } else {
        &p.ipsec_integrity
    })
    .into()];
    spec.phase2_dh_groups = vec![p.pfs_group as i32];
    spec.ike_versions = vec!["ikev2".into()];
    spec.phase2_lifetime_seconds = Some(p.sa_lifetime_seconds as i32);
}

/// Azure `ipsecPolicies[0]` for our neutral policy values (ARM enum spellings).
pub fn azure_policy(p: &Policy) -> IpsecPolicySpec {
    let dh = |g: i64| match g {
        2 => "DHGroup2",
        19 => "ECP256",
        20 => "ECP384",
        24 => "DHGroup24",
        _ => "DHGroup14",
    };
    let pfs = |g: i64| match g {
        2 => "PFS2",
        19 => "ECP256",
        20 => "ECP384",
        24 => "PFS24",
        _ => "PFS14",
    };
    IpsecPolicySpec {
        sa_life_time_seconds: p.sa_lifetime_seconds as i32,
        sa_data_size_kilobytes: AZURE_SA_DATA_SIZE_KB,
        ipsec_encryption: p.ipsec_encryption.clone(),
        ipsec_integrity: p.ipsec_integrity.clone(),
        ike_encryption: p.ike_encryption.clone(),
        ike_integrity: p.ike_integrity.clone(),
        dh_group: dh(p.dh_group).into(),
        pfs_group: pfs(p.pfs_group).into(),
    }
}

/// IPsec SA payload limit sent with a custom policy: 102,400,000 KB, the azurerm
/// `ipsec_policy.sa_datasize` default (AWS has no such limit, so the largest common value).
pub const AZURE_SA_DATA_SIZE_KB: i32 = 102_400_000;

/// Step: one VPN connection per customer gateway, both tunnels with inside CIDRs and PSKs;
/// static routes to the Azure prefixes when routing is static.
async fn vpn_connections(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let ec2 = run.ec2(&cancel);
    for i in 0..d.instances() {
        let tags = run.aws_tags(&Desired::vpn_connection_component(i));
        let ours = d.tunnels_of_vpn(i);
        let existing = ec2.find_vpn_connection_by_tags(&tags).await?;
        if let Some(v) = &existing {
            run.ensure_owns_aws(&v.tags)?;
        }
        let id = match existing {
            Some(v) => {
                ec2.sync_tags(&v.id, &v.tags, &tags).await?;
                v.id
            }
            None => {
                let (cgw, vgw) = {
                    let cp = run.cp.lock().unwrap();
                    (
                        cp.customer_gateway_ids[i].clone(),
                        cp.vpn_gateway_id.clone(),
                    )
                };
                let target = match &d.transit_gateway_id {
                    Some(t) => VpnTarget::TransitGateway(t.clone()),
                    None => VpnTarget::VpnGateway(vgw),
                };
                let tunnels = (0..2)
                    .map(|slot| {
                        let t = ours.iter().copied().find(|t| d.slot_of(*t) == slot);
                        let mut spec = TunnelSpec {
                            inside_cidr: t.map(|t| d.inside_cidr(t)),
                            psk: Some(
                                t.and_then(|t| d.psks.as_ref().and_then(|p| p.get(t).cloned()))
                                    .unwrap_or_else(generate_psk),
                            ),
                            ..Default::default()
                        };
                        if let Some(p) = &d.policy {
                            aws_tunnel_policy(&mut spec, p);
                        }
                        spec
                    })
                    .collect();
                let spec = VpnConnectionSpec {
                    customer_gateway_id: cgw,
                    target,
                    static_routes_only: !d.bgp,
                    tunnels,
                    tags: tags.clone(),
                };
                let id = ec2.create_vpn_connection(&spec).await?;
                run.record(|cp| cp.vpn_connection_ids[i] = id.clone());
                id
            }
        };
        run.record(|cp| cp.vpn_connection_ids[i] = id.clone());
        let mut v = ec2
            .wait_vpn_connection_available(&id, &run.wait(&cancel))
            .await?;
        // AWS creates the TGW attachment itself, untagged: give it our tags like the rest.
        if let Some(tgw) = &d.transit_gateway_id {
            let a = ec2
                .wait_transit_gateway_vpn_attachment_present(tgw, &id, &run.wait(&cancel))
                .await?;
            let want = run.aws_tags(&Desired::transit_gateway_attachment_component(i));
            ec2.sync_tags(&a.id, &a.tags, &want).await?;
        }
        // A configured PSK AWS does not have yet (adopted connection): rotate it there.
        for &t in &ours {
            let want = d.psks.as_ref().and_then(|p| p.get(t).cloned());
            let tunnel = v
                .tunnel_by_inside_cidr(&d.inside_cidr(t))
                .cloned()
                .ok_or_else(|| {
                    anyhow!(
                        "VPN connection {id} has no tunnel with inside CIDR {}",
                        d.inside_cidr(t)
                    )
                })?;
            if let Some(w) = want.filter(|w| tunnel.psk.as_deref() != Some(w)) {
                ec2.modify_vpn_tunnel_psk(&id, &tunnel.outside_ip, &w)
                    .await?;
                v = ec2
                    .wait_vpn_connection_updated(&id, &run.wait(&cancel))
                    .await?;
            }
        }
        for &t in &ours {
            let tunnel = v
                .tunnel_by_inside_cidr(&d.inside_cidr(t))
                .cloned()
                .unwrap_or_default();
            let (aws_bgp, azure_bgp) = d.bgp_addresses(t);
            run.psks.lock().unwrap()[t] = tunnel.psk.clone();
            run.record(|cp| {
                cp.tunnels.resize(d.tunnels, TunnelFacts::default());
                cp.tunnels[t] = TunnelFacts {
                    vpn_connection_id: id.clone(),
                    outside_ip: tunnel.outside_ip.clone(),
                    inside_cidr: d.inside_cidr(t),
                    aws_bgp_address: aws_bgp,
                    azure_bgp_address: azure_bgp,
                    ..Default::default()
                };
            });
        }
        if !d.bgp {
            let want = run.cp.lock().unwrap().azure_cidrs.clone();
            for c in want.iter().filter(|c| !v.routes.contains(c)) {
                ec2.create_vpn_connection_route(&id, c).await?;
                ec2.wait_vpn_connection_route_available(&id, c, &run.wait(&cancel))
                    .await?;
            }
            for c in v.routes.iter().filter(|c| !want.contains(c)) {
                ec2.delete_vpn_connection_route(&id, c).await?;
            }
        }
    }
    Ok(())
}

/// Step: the VPC route tables reach Azure through the VGW (propagation or static routes).
async fn aws_routes(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let (vgw, cidrs) = {
        let cp = run.cp.lock().unwrap();
        (cp.vpn_gateway_id.clone(), cp.azure_cidrs.clone())
    };
    if vgw.is_empty() {
        return Ok(());
    }
    let ec2 = run.ec2(&cancel);
    for rtb in &d.route_table_ids {
        if d.route_propagation {
            let t = ec2
                .find_route_table_by_id(rtb)
                .await?
                .ok_or_else(|| anyhow!("route table {rtb} does not exist"))?;
            if !t.propagating_vgws.contains(&vgw) {
                ec2.enable_vgw_route_propagation(rtb, &vgw).await?;
            }
        } else {
            for c in &cidrs {
                ec2.create_route(rtb, c, &RouteTarget::VpnGateway(vgw.clone()))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Step: one local network gateway per tunnel: the AWS outside IP, the AWS prefixes (static)
/// or the AWS inside address as BGP peer with the Amazon-side ASN.
async fn local_gateways(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let futs = (0..d.tunnels).map(|t| {
        let run = run.clone();
        let cancel = cancel.clone();
        async move {
            let d = &run.d;
            let name = d.local_gateway_name(t);
            let (ip, aws_cidrs) = {
                let cp = run.cp.lock().unwrap();
                (cp.tunnels[t].outside_ip.clone(), cp.aws_cidrs.clone())
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
                    asn: run.cp.lock().unwrap().amazon_side_asn as u32,
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
            anyhow::Ok(())
        }
    });
    for r in futures::future::join_all(futs).await {
        r?;
    }
    Ok(())
}

/// Step: one connection per tunnel with the tunnel's PSK (the same on both ends) and, with
/// BGP, `custom_bgp_addresses` for every gateway instance.
async fn connections(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let futs = (0..d.tunnels).map(|t| {
        let run = run.clone();
        let cancel = cancel.clone();
        async move {
            let d = &run.d;
            let name = d.connection_name(t);
            let rg = &d.resource_group;
            let id = run.arm_id("connections", &name);
            let gw = d.gateway_name();
            let names = d.ip_config_names();
            let psk = run.psks.lock().unwrap()[t].clone().ok_or_else(|| {
                anyhow!("AWS did not return the pre-shared key of tunnel {}", t + 1)
            })?;
            let spec = ConnectionSpec {
                location: d.location.clone(),
                virtual_network_gateway_id: run.arm_id("virtualNetworkGateways", &gw),
                local_network_gateway_id: run
                    .arm_id("localNetworkGateways", &d.local_gateway_name(t)),
                shared_key: psk,
                enable_bgp: d.bgp,
                custom_bgp_addresses: d
                    .custom_bgp_of_tunnel(t)
                    .into_iter()
                    .map(|(i, address)| CustomBgpAddress {
                        ip_configuration_id: gateway::ip_configuration_id(
                            &run.net, rg, &gw, names[i],
                        ),
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
                    let key = connection::get_shared_key(&run.net, rg, &name, &cancel).await?;
                    if key != spec.shared_key {
                        on_gateway(&run.net, rg, &gw, &cfg, || {
                            connection::set_shared_key(&run.net, rg, &name, &spec.shared_key, &cfg)
                        })
                        .await?;
                    }
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
            anyhow::Ok(())
        }
    });
    for r in futures::future::join_all(futs).await {
        r?;
    }
    Ok(())
}

/// Polls in a row that must see the same kind of disagreement before the wait gives up on
/// it: every sub-resource is converged by then, so a mismatch cannot heal by waiting.
pub const MISMATCH_POLLS: u32 = 3;

/// Longest sleep between two tunnel polls (the wait backs off from `poll_interval`).
pub const TUNNEL_POLL_MAX: Duration = Duration::from_secs(10);

/// Step: wait (bounded by [`TUNNEL_UP_WAIT`]) until every tunnel is up on both clouds. The
/// first sleep is the provider's poll interval and each next one doubles up to
/// [`TUNNEL_POLL_MAX`]; a disagreement between the clouds seen [`MISMATCH_POLLS`] times in a
/// row ends the wait with an error naming it.
async fn tunnels_up(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let until =
        Instant::now() + TUNNEL_UP_WAIT.min(run.deadline.saturating_duration_since(Instant::now()));
    let mut interval = run.poll;
    let mut disagreeing = 0;
    loop {
        let (facts, mismatches) = read::tunnel_status(&run, &cancel).await?;
        if mismatches.is_empty()
            && facts
                .iter()
                .all(|f| f.aws_status == "UP" && f.azure_status == "Connected")
        {
            return Ok(());
        }
        disagreeing = if mismatches.is_empty() {
            0
        } else {
            disagreeing + 1
        };
        if disagreeing >= MISMATCH_POLLS {
            anyhow::bail!(
                "the clouds disagree, and waiting cannot fix it: {}",
                mismatches.join("; ")
            );
        }
        if Instant::now() >= until {
            tracing::warn!(link = %run.d.name, "tunnels not all up yet; state records what was seen");
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = cancel.cancelled() => anyhow::bail!("cancelled"),
        }
        interval = (interval * 2).min(TUNNEL_POLL_MAX.max(run.poll));
    }
}

/// The converging graph: Azure IPs and subnet first, the AWS side concurrently with the
/// gateway build, local gateways and connections last.
pub fn converge_graph() -> Graph<Run> {
    Graph::new()
        .step("azure_public_ips", &[], public_ips)
        // After the IPs: the first one carries the subnet's claim before the subnet exists.
        .step(
            "azure_gateway_subnet",
            &["azure_public_ips"],
            gateway_subnet_step,
        )
        // After the IPs too: the first IP is the object that carries the link's claim before
        // anything else exists (see resources::claim), so a second state is refused there.
        .step("aws_vpn_gateway", &["azure_public_ips"], vpn_gateway)
        .step(
            "azure_gateway",
            &["azure_public_ips", "azure_gateway_subnet"],
            azure_gateway,
        )
        .step(
            "aws_customer_gateways",
            &["azure_public_ips"],
            customer_gateways,
        )
        .step(
            "aws_vpn_connections",
            &["aws_customer_gateways", "aws_vpn_gateway"],
            vpn_connections,
        )
        .step("aws_routes", &["aws_vpn_gateway"], aws_routes)
        .step(
            "azure_local_network_gateways",
            &["aws_vpn_connections"],
            local_gateways,
        )
        .step(
            "azure_connections",
            &["azure_gateway", "azure_local_network_gateways"],
            connections,
        )
        .step(
            "tunnels_up",
            &["azure_connections", "aws_routes"],
            tunnels_up,
        )
}

/// Which operation a converge runs, for its deadline and its error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A create: terraform taints the resource when it fails.
    Create,
    /// An update: a failure leaves the resource as it is in state.
    Update,
}

impl Operation {
    fn verb(self) -> &'static str {
        match self {
            Operation::Create => "Creating",
            Operation::Update => "Updating",
        }
    }

    fn timeout_attribute(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
        }
    }

    /// What the user can do after a failure, as exactly as we know it.
    fn resume_hint(self) -> &'static str {
        match self {
            // Terraform taints a resource whose create returned an error, and plans a
            // replacement for it: the partial build would be destroyed and started again.
            Operation::Create => "The state records every sub-resource created so far, and terraform marks the resource tainted, so a plain `terraform apply` would destroy them and build the link again. To finish this build instead (the gateway build keeps running in Azure), run `terraform untaint ADDRESS` (e.g. `terraform untaint cloudlink_cross_cloud_vpn.this`) and then `terraform apply`. `terraform destroy` removes them.",
            Operation::Update => "The state records every sub-resource; `terraform apply` resumes and `terraform destroy` removes them.",
        }
    }
}

/// Runs the converging graph, then refreshes; the state (partial on failure) comes back
/// with the error naming the failed step, and a timeout says so and names the limit.
pub async fn converge(
    run: Arc<Run>,
    ctx: &ProviderContext,
    base: &Value,
    op: Operation,
) -> ApplyResult {
    let verb = op.verb();
    let started = Instant::now();
    let cancel = ctx.stop.child_token();
    let limit = match op {
        Operation::Create => run.d.timeouts.create,
        Operation::Update => run.d.timeouts.update,
    };
    let deadline = Deadline::start(&cancel, run.deadline, limit);
    let mut result = resolve_cidrs(&run, ctx, &cancel).await;
    if result.is_ok() {
        let outcome = converge_graph().run(run.clone(), &cancel).await;
        for t in &outcome.timings {
            tracing::debug!(step = %t.name, start_ms = t.start.as_millis() as u64, end_ms = t.end.as_millis() as u64, "step timing");
        }
        result = outcome.into_result().map(|_| ());
    }
    let result = result.map_err(|e| deadline.explain(op.timeout_attribute(), e));
    drop(deadline);
    let mut result = result;
    if result.is_ok() {
        if let Err(e) = read::refresh_run(&run, &ctx.stop).await {
            result = Err(e);
        }
    }
    let state = run.snapshot().to_state(base, &run.d);
    tracing::info!(link = %run.d.name, elapsed_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "{verb} finished");
    match result {
        Ok(()) => ApplyResult::ok(state),
        Err(e) => ApplyResult::partial(
            Some(state),
            Diagnostic::error(
                format!("{verb} cross-cloud VPN {:?} failed", run.d.name),
                format!("{e:#}\n\n{}", op.resume_hint()),
            ),
        ),
    }
}

/// Create: converge from nothing.
pub async fn create(ctx: &ProviderContext, planned: &Value, config: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let d = Desired::from_value(planned, config.attr("tunnel_psks_wo"));
    // The claim of this working directory's interrupted or failed create of the link, else a
    // new one; journalled before the first cloud call, forgotten once the link is whole.
    let journal = CreateJournal::for_link(TYPE_NAME, &d.id());
    let mut cp = Checkpoint::empty(&d);
    cp.claim = journal.pending().unwrap_or_else(claim::new_claim);
    if let Err(e) = journal.begin(&cp.claim) {
        tracing::warn!(error = %format!("{e:#}"), "could not journal the create: a re-run after a crash will not adopt what it made");
    }
    let run = match Run::new(ctx, d.clone(), cp, d.timeouts.create).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            journal.finish();
            return ApplyResult::partial(
                None,
                Diagnostic::error("Cannot reach the clouds", format!("{e:#}")),
            );
        }
    };
    let result = converge(run, ctx, planned, Operation::Create).await;
    // A failed create leaves a tainted state under this claim, and terraform plans its
    // replacement as a fresh create that knows nothing of it: the entry stays until the
    // link is created or destroyed, so that create still recognises its own objects.
    if !result.diags.has_errors() {
        journal.finish();
    }
    result
}

/// Update: rotate changed PSKs one tunnel at a time, drop routes no longer wanted, converge.
pub async fn update(
    ctx: &ProviderContext,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let wo_changed = !prior
        .attr("tunnel_psks_wo_version")
        .equals(planned.attr("tunnel_psks_wo_version"));
    let wo = if wo_changed {
        config.attr("tunnel_psks_wo").clone()
    } else {
        Value::Null
    };
    let d = Desired::from_value(planned, &wo);
    let old = Desired::from_value(prior, &Value::Null);
    let mut cp = Checkpoint::from_state(prior, &d);
    cp.tunnels = Vec::new();
    if cp.claim.is_empty() {
        // A state written before claims existed: its objects are claimed now.
        cp.claim = claim::new_claim();
    }
    let run = match Run::new(ctx, d.clone(), cp, d.timeouts.update).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            return ApplyResult::partial(
                Some(prior.clone()),
                Diagnostic::error("Cannot reach the clouds", format!("{e:#}")),
            )
        }
    };
    if let Err(e) = before_converge(&run, &old, ctx).await {
        return ApplyResult::partial(
            Some(run.snapshot().to_state(prior, &old)),
            Diagnostic::error(
                format!("Updating cross-cloud VPN {:?} failed", d.name),
                format!("{e:#}"),
            ),
        );
    }
    converge(run, ctx, planned, Operation::Update).await
}

/// In-place changes that must precede the converge: PSK rotation (one tunnel at a time:
/// AWS ModifyVpnTunnelOptions, wait, then Azure set shared key), and removal of route table
/// routes or propagation no longer wanted.
async fn before_converge(
    run: &Arc<Run>,
    old: &Desired,
    ctx: &ProviderContext,
) -> anyhow::Result<()> {
    let d = &run.d;
    let cancel = ctx.stop.clone();
    let ec2 = run.ec2(&cancel);
    if let Some(new) = &d.psks {
        for (t, want) in new.iter().enumerate().take(d.tunnels) {
            let vpn = run
                .cp
                .lock()
                .unwrap()
                .vpn_connection_ids
                .get(d.vpn_of(t))
                .cloned()
                .unwrap_or_default();
            if vpn.is_empty() {
                continue;
            }
            let Some(v) = ec2.find_vpn_connection_by_id(&vpn).await? else {
                continue;
            };
            let Some(tunnel) = v.tunnel_by_inside_cidr(&d.inside_cidr(t)).cloned() else {
                continue;
            };
            if tunnel.psk.as_deref() == Some(want.as_str()) {
                continue;
            }
            tracing::info!(link = %d.name, tunnel = t + 1, "rotating pre-shared key");
            ec2.modify_vpn_tunnel_psk(&vpn, &tunnel.outside_ip, want)
                .await?;
            ec2.wait_vpn_connection_updated(&vpn, &run.wait(&cancel))
                .await?;
            let conn = d.connection_name(t);
            let rg = &d.resource_group;
            if connection::find_connection(&run.net, rg, &conn, &cancel)
                .await?
                .is_some()
            {
                let cfg = run.wait(&cancel);
                on_gateway(&run.net, rg, &d.gateway_name(), &cfg, || {
                    connection::set_shared_key(&run.net, rg, &conn, want, &cfg)
                })
                .await?;
            }
        }
    }
    let vgw = run.cp.lock().unwrap().vpn_gateway_id.clone();
    if vgw.is_empty() {
        return Ok(());
    }
    let old_cidrs: Vec<String> = old.azure_cidrs.clone().unwrap_or_default();
    let new_cidrs = d.azure_cidrs.clone();
    for rtb in &old.route_table_ids {
        let kept = d.route_table_ids.contains(rtb);
        if old.route_propagation && (!kept || !d.route_propagation) {
            ec2.disable_vgw_route_propagation(rtb, &vgw).await?;
        }
        if !old.route_propagation {
            for c in &old_cidrs {
                let still = kept
                    && !d.route_propagation
                    && new_cidrs.as_ref().is_none_or(|n| n.contains(c));
                if !still {
                    ec2.delete_route(rtb, c).await?;
                }
            }
        }
    }
    Ok(())
}
