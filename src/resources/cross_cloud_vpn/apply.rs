//! Create and update as one converging step graph. Each step finds its sub-resource by
//! deterministic name (Azure) or ownership tags (AWS) and adopts it, else creates it, and
//! records the id in the checkpoint as soon as it exists. So create, a re-run after a crash,
//! the repair of a sub-resource deleted out of band, and an in-place update are the same walk:
//!
//! 1. Azure public IP(s) and the GatewaySubnet (seconds; Standard static IPs are known at once);
//! 2. the Azure gateway build (30-60 min) *while* the AWS branch runs
//!    (`aws_vpn::branch`): customer gateway(s) with the Azure IPs and the VPN gateway
//!    together, then the VPN connection(s) concurrently (inside CIDRs, PSKs, static routes)
//!    beside the gateway's VPC attachment, and the route tables once it is attached;
//! 3. local network gateways (one per AWS tunnel), then connections with the tunnel's PSK,
//!    one at a time per gateway (Azure serialises them; see `cloud::azure::gateway_queue`);
//! 4. a bounded wait for the tunnels, which stops early on a disagreement between the clouds.
//!
//! An update first rotates changed PSKs one tunnel at a time (`psk`) and removes routes no
//! longer wanted (`aws_vpn::steps::prune_routes`), then converges. This file holds only the
//! graph and the create/update entry points; the steps live in `azure_steps` and in the
//! shared AWS half (`crate::resources::aws_vpn::steps`, over `aws_side`), the
//! run context in `run`, the tunnel wait in `status`, and the deadline is `orchestrate`'s.

use super::aws_side;
use super::azure_steps::{self, resolve_zones};
use super::names;
use super::private_services;
use super::psk;
use super::run::Run;
use super::schema::TYPE_NAME;
use super::state::Checkpoint;
use super::status::{refresh_run, tunnels_up};
use super::topology::Desired;
use crate::cloud::azure::virtual_network::find_virtual_network;
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::aws_vpn::branch::{self, with_aws_branch};
use crate::resources::aws_vpn::psk as aws_psk;
use crate::resources::aws_vpn::steps as aws_steps;
use crate::resources::claim::{self, CreateJournal};
use crate::resources::default_tags;
use crate::resources::reachability::{attribute, REACHABILITY};
use crate::tf::{Diagnostic, Value};
use anyhow::anyhow;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

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
            find_virtual_network(&run.net, &d.resource_group, &d.vnet, cancel)
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
    let amazon_side_asn = aws_steps::amazon_side_asn(&run.aws, cancel).await?;
    run.record(|cp| {
        cp.aws_cidrs = aws;
        cp.azure_cidrs = azure;
        cp.zones = zones;
        cp.aws.amazon_side_asn = amazon_side_asn;
    });
    Ok(())
}

/// The converging graph: Azure IPs and subnet first, the AWS side concurrently with the
/// gateway build, local gateways and connections last.
pub fn converge_graph() -> Graph<Run> {
    let azure = Graph::<Run>::new()
        .step("azure_public_ips", &[], azure_steps::public_ips)
        // After the IPs: the first one carries the subnet's claim before the subnet exists.
        .step(
            "azure_gateway_subnet",
            &["azure_public_ips"],
            azure_steps::gateway_subnet_step,
        )
        .step(
            "azure_gateway",
            &["azure_public_ips", "azure_gateway_subnet"],
            azure_steps::azure_gateway,
        );
    // After the IPs too: the customer gateways need them, and the first IP is the object
    // that carries the link's claim before anything else exists (see resources::claim), so
    // a second state is refused there.
    with_aws_branch(azure, &["azure_public_ips"])
        // After the IPs, which carry the link's claim (see resources::claim).
        .step(
            "aws_private_services",
            &["azure_public_ips"],
            private_services::converge,
        )
        .step(
            "azure_local_network_gateways",
            &[branch::VPN_CONNECTIONS],
            azure_steps::local_gateways,
        )
        .step(
            "azure_connections",
            &["azure_gateway", "azure_local_network_gateways"],
            azure_steps::connections,
        )
        .step(
            "tunnels_up",
            &["azure_connections", branch::ROUTES],
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

    /// Its deadline: the `timeouts` attribute that limits it, from now.
    fn deadline(self, d: &Desired) -> Deadline {
        match self {
            Operation::Create => Deadline::new("create", d.timeouts.create),
            Operation::Update => Deadline::new("update", d.timeouts.update),
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
    let mut result = run
        .deadline()
        .enforce(&ctx.stop, |cancel| {
            let run = run.clone();
            async move {
                resolve_cidrs(&run, ctx, &cancel).await?;
                let outcome = converge_graph().run(run.clone(), &cancel).await;
                for t in &outcome.timings {
                    tracing::debug!(step = %t.name, start_ms = t.start.as_millis() as u64, end_ms = t.end.as_millis() as u64, "step timing");
                }
                outcome.into_result().map(|_| ())
            }
        })
        .await;
    if result.is_ok() {
        if let Err(e) = refresh_run(&run, &ctx.stop).await {
            result = Err(e);
        }
    }
    let snap = run.snapshot();
    let mut state = snap.to_state(base, &run.d);
    let mut diags = crate::tf::Diagnostics::default();
    let reach = match &result {
        Ok(()) => {
            let live = super::reachability::live(
                &run.ec2(&ctx.stop),
                &run.net,
                None,
                &run.d,
                base,
                &snap,
                &ctx.stop,
            )
            .await;
            attribute::applied(
                live,
                &format!("cross-cloud VPN {:?}", run.d.name),
                &mut diags,
            )
        }
        Err(_) => Value::list([]),
    };
    state.set_attr(REACHABILITY, reach);
    tracing::info!(link = %run.d.name, elapsed_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "{verb} finished");
    let mut out = match result {
        Ok(()) => ApplyResult::ok(state),
        Err(e) => ApplyResult::partial(
            Some(state),
            Diagnostic::error(
                format!("{verb} cross-cloud VPN {:?} failed", run.d.name),
                format!("{e:#}\n\n{}", op.resume_hint()),
            ),
        ),
    };
    out.diags.extend(diags);
    out
}

/// Create: converge from nothing.
pub async fn create(ctx: &ProviderContext, planned: &Value, config: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let d = Desired::from_value(planned, config.attr(names::TUNNEL_PSKS_WO));
    // The claim of this working directory's interrupted or failed create of the link, else a
    // new one; journalled before the first cloud call, forgotten once the link is whole.
    let journal = CreateJournal::for_link(TYPE_NAME, &d.id());
    let mut cp = Checkpoint::empty(&d);
    cp.claim = journal.pending().unwrap_or_else(claim::new_claim);
    if let Err(e) = journal.begin(&cp.claim) {
        tracing::warn!(error = %format!("{e:#}"), "could not journal the create: a re-run after a crash will not adopt what it made");
    }
    let deadline = Operation::Create.deadline(&d);
    let run = match Run::new(ctx, d.clone(), cp, deadline).await {
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
    let wo = aws_psk::write_only_keys_to_apply(
        prior,
        planned,
        config,
        names::TUNNEL_PSKS_WO_VERSION,
        names::TUNNEL_PSKS_WO,
    );
    let d = Desired::from_value(planned, &wo);
    let old = Desired::from_value(prior, &Value::Null);
    let mut cp = Checkpoint::from_state(prior, &d);
    cp.aws.tunnels = Vec::new();
    if cp.claim.is_empty() {
        // A state written before claims existed: its objects are claimed now.
        cp.claim = claim::new_claim();
    }
    let deadline = Operation::Update.deadline(&d);
    let run = match Run::new(ctx, d.clone(), cp, deadline).await {
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

/// In-place changes that must precede the converge: PSK rotation (see `psk::rotate`) and
/// removal of route table routes or propagation no longer wanted.
async fn before_converge(
    run: &Arc<Run>,
    old: &Desired,
    ctx: &ProviderContext,
) -> anyhow::Result<()> {
    let cancel = ctx.stop.clone();
    psk::rotate(run, &cancel).await?;
    let old_cidrs = old.azure_cidrs.clone().unwrap_or_default();
    aws_steps::prune_routes(
        run.as_ref(),
        &aws_side::of(old),
        &old_cidrs,
        run.d.azure_cidrs.as_deref(),
        &cancel,
    )
    .await
}
