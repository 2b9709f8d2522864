//! Create and update as one converging step graph: the shared AWS branch
//! (`aws_vpn::branch`: the customer gateway and the virtual private gateway together, the
//! VPN connection once both exist, beside the gateway's VPC attachment, the route tables once
//! it is attached), then each tunnel's IKE/IPsec options once the connection exists; then the tunnels'
//! status and the device configuration are read back. Each step adopts what it finds by
//! ownership tags, so a create, a re-run after a crash, a repair and an in-place update are
//! the same walk. An update first rotates changed keys one tunnel at a time and drops the
//! routes no longer wanted.

use super::names;
use super::run::SiteRun;
use super::schema::TYPE_NAME;
use super::side::{self, Desired};
use super::state::Checkpoint;
use super::status;
use super::tunnel_options;
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::aws_vpn::branch::{self, with_aws_branch};
use crate::resources::aws_vpn::psk as aws_psk;
use crate::resources::aws_vpn::psk;
use crate::resources::aws_vpn::steps as aws_steps;
use crate::resources::claim::{self, CreateJournal};
use crate::resources::default_tags;
use crate::resources::reachability::{attribute, REACHABILITY};
use crate::tf::{Diagnostic, Value};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The converging graph.
pub fn converge_graph() -> Graph<SiteRun> {
    with_aws_branch(Graph::<SiteRun>::new(), &[]).step(
        "tunnel_options",
        &[branch::VPN_CONNECTIONS],
        tunnel_options::converge,
    )
}

/// Which operation a converge runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Update,
}

impl Operation {
    fn verb(self) -> &'static str {
        match self {
            Operation::Create => "Creating",
            Operation::Update => "Updating",
        }
    }

    fn deadline(self, d: &Desired) -> Deadline {
        match self {
            Operation::Create => Deadline::new("create", d.timeouts.create),
            Operation::Update => Deadline::new("update", d.timeouts.update),
        }
    }
}

/// The state a failed operation leaves, and what the user can do next.
fn failed(verb: &str, name: &str, state: Option<Value>, e: &anyhow::Error) -> ApplyResult {
    ApplyResult::partial(
        state,
        Diagnostic::error(
            format!("{verb} site VPN {name:?} failed"),
            format!("{e:#}\n\nThe state records every AWS object created so far; `terraform apply` resumes and `terraform destroy` removes them."),
        ),
    )
}

/// Resolves the Amazon-side ASN, runs the graph, then reads the tunnels and the device
/// configuration back; the state (partial on failure) comes back with the error.
async fn converge(
    run: Arc<SiteRun>,
    ctx: &ProviderContext,
    base: &Value,
    op: Operation,
) -> ApplyResult {
    let result = run
        .deadline()
        .enforce(&ctx.stop, |cancel| {
            let run = run.clone();
            async move {
                let asn = aws_steps::amazon_side_asn(&run.aws, &cancel).await?;
                run.record(|cp| cp.aws.amazon_side_asn = asn);
                converge_graph()
                    .run(run.clone(), &cancel)
                    .await
                    .into_result()?;
                status::refresh(&run, &cancel).await
            }
        })
        .await;
    let snap = run.snapshot();
    let mut state = snap.to_state(base, &run.d);
    let mut warnings = crate::tf::Diagnostics::default();
    let reach = match &result {
        Ok(()) => {
            let ec2 = run.aws.ec2(&ctx.stop);
            let live =
                super::reachability::live(&ec2, &run.d, base, &snap.aws.vpn_gateway_id).await;
            attribute::applied(live, &format!("site VPN {:?}", run.d.name), &mut warnings)
        }
        Err(_) => Value::list([]),
    };
    state.set_attr(REACHABILITY, reach);
    let mut out = match result {
        Ok(()) => ApplyResult::ok(state),
        Err(e) => failed(op.verb(), &run.d.name, Some(state), &e),
    };
    out.diags.extend(warnings);
    out
}

/// Create: converge from nothing, under a claim journalled before the first cloud call.
pub async fn create(ctx: &ProviderContext, planned: &Value, config: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let d = Desired::from_value(planned, config.attr(names::TUNNEL_PSKS_WO));
    let journal = CreateJournal::for_link(TYPE_NAME, &d.id());
    let cp = Checkpoint::empty(journal.pending().unwrap_or_else(claim::new_claim));
    if let Err(e) = journal.begin(&cp.claim) {
        tracing::warn!(error = %format!("{e:#}"), "could not journal the create: a re-run after a crash will not adopt what it made");
    }
    let deadline = Operation::Create.deadline(&d);
    let run = match SiteRun::new(ctx, d, cp, deadline).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            journal.finish();
            return ApplyResult::partial(
                None,
                Diagnostic::error("Cannot reach AWS", format!("{e:#}")),
            );
        }
    };
    let result = converge(run, ctx, planned, Operation::Create).await;
    if !result.diags.has_errors() {
        journal.finish();
    }
    result
}

/// Update: rotate changed keys one tunnel at a time, drop routes no longer wanted, converge.
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
    if cp.claim.is_empty() {
        cp.claim = claim::new_claim();
    }
    let deadline = Operation::Update.deadline(&d);
    let run = match SiteRun::new(ctx, d, cp, deadline).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            return ApplyResult::partial(
                Some(prior.clone()),
                Diagnostic::error("Cannot reach AWS", format!("{e:#}")),
            )
        }
    };
    if let Err(e) = before_converge(&run, &old, &ctx.stop).await {
        let state = run.snapshot().to_state(prior, &old);
        return failed("Updating", &run.d.name, Some(state), &e);
    }
    converge(run, ctx, planned, Operation::Update).await
}

/// Key rotation, one tunnel at a time (the device keeps the other tunnel while one is
/// rekeyed), then the removal of route table routes or propagation no longer wanted.
async fn before_converge(
    run: &Arc<SiteRun>,
    old: &Desired,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let vpns = run.snapshot().aws.vpn_connection_ids;
    psk::rotate(&run.aws, &vpns, cancel, |t, key| {
        run.aws.remember_psk(t, Some(key));
        async { Ok(()) }
    })
    .await?;
    aws_steps::prune_routes(
        run.as_ref(),
        &side::of(old),
        &old.peer_cidrs,
        Some(&run.d.peer_cidrs),
        cancel,
    )
    .await
}
