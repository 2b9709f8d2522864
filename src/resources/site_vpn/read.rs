//! Read: refresh from AWS. A recorded object deleted out of band (or now under another
//! state's claim) loses its id, so the plan repairs it; when nothing is left the site VPN is
//! gone from state. The tunnels' status comes from AWS's telemetry and the device
//! configuration is fetched again. A route table no longer reaching the device drops out of
//! `aws.route_table_ids`, so the plan shows it and the apply routes it again.

use super::names::{self, aws};
use super::run::SiteRun;
use super::side::Desired;
use super::state::Checkpoint;
use super::status;
use crate::cloud::read_once::ReadOnce;
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::provider::resource::ReadResult;
use crate::resources::aws_vpn::read as aws_read;
use crate::resources::aws_vpn::route_tables;
use crate::resources::reachability::REACHABILITY;
use crate::tf::{Diagnostic, Value};
use tokio_util::sync::CancellationToken;

/// Which recorded objects still exist and are ours; tag drift as (object, user tags).
async fn existing(
    run: &SiteRun,
    cancel: &CancellationToken,
) -> anyhow::Result<(Checkpoint, Vec<aws_read::TagDrift>)> {
    let mut cp = run.snapshot();
    let mut drift = Vec::new();
    aws_read::existing_of_vpn_connection(&run.aws, &mut cp.aws, 0, &mut drift, cancel).await?;
    aws_read::existing_vpn_gateway(&run.aws, &mut cp.aws, &mut drift, cancel).await?;
    Ok((cp, drift))
}

/// Read: `None` when every AWS object is gone.
pub async fn read(ctx: &ProviderContext, state: &Value) -> ReadResult {
    let d = Desired::from_value(state, &Value::Null);
    let failed = format!("Reading site VPN {:?} failed", d.name);
    // A read has no limit of its own; its few calls are bounded by the create limit.
    let deadline = Deadline::new("create", d.timeouts.create);
    let run = match SiteRun::new(ctx, d.clone(), Checkpoint::from_state(state, &d), deadline).await
    {
        Ok(mut r) => {
            // Existence, tags and status come from one read of each object.
            r.aws.reads = Some(ReadOnce::default());
            r
        }
        Err(e) => return error(state, "Cannot reach AWS", e),
    };
    let cancel = ctx.stop.clone();
    let (cp, drift) = match existing(&run, &cancel).await {
        Ok(x) => x,
        Err(e) => return error(state, &failed, e),
    };
    if cp.is_empty() {
        return ReadResult {
            state: None,
            diags: Default::default(),
        };
    }
    run.record(|c| *c = cp.clone());
    if let Err(e) = status::refresh(&run, &cancel).await {
        return error(state, &failed, e);
    }
    // Tags changed out of band: `tags_all` shows what the object carries, so the plan
    // offers the in-place update that stamps them again.
    let mut observed = d.clone();
    if let Some((object, user)) = drift.first() {
        tracing::info!(object = %object, "tags changed out of band");
        observed.tags = user.clone();
    }
    let snap = run.snapshot();
    let mut new_state = snap.to_state(state, &observed);
    if !snap.aws.vpn_gateway_id.is_empty() && !d.route_table_ids.is_empty() {
        let routed = route_tables::route_tables_in_place(
            &run.aws.ec2(&cancel),
            &d.route_table_ids,
            &snap.aws.vpn_gateway_id,
            d.route_propagation,
            &d.peer_cidrs,
        )
        .await;
        match routed {
            Ok(kept) if kept != d.route_table_ids => {
                let mut a = new_state.attr(names::AWS).clone();
                a.set_attr(aws::ROUTE_TABLE_IDS, Value::string_list(kept));
                new_state.set_attr(names::AWS, a);
            }
            Ok(_) => {}
            Err(e) => return error(state, &failed, e),
        }
    }
    match super::reachability::live(&run.aws.ec2(&cancel), &d, state, &snap.aws.vpn_gateway_id)
        .await
    {
        Ok(v) => new_state.set_attr(REACHABILITY, v),
        Err(e) => return error(state, &failed, e),
    }
    ReadResult {
        state: Some(new_state),
        diags: Default::default(),
    }
}

fn error(state: &Value, summary: &str, e: anyhow::Error) -> ReadResult {
    let mut diags = crate::tf::Diagnostics::default();
    diags.push(Diagnostic::error(summary, format!("{e:#}")));
    ReadResult {
        state: Some(state.clone()),
        diags,
    }
}
