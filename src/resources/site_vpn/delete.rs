//! Delete: the create graph backwards, all of it the shared AWS half's delete steps: the
//! route tables' routes and the VPN connection first, then the customer gateway, and the
//! virtual private gateway (detached first) once nothing uses it. Ids missing from state are
//! looked up by tags, and only objects carrying this state's claim (or none) are deleted.

use super::run::SiteRun;
use super::schema::TYPE_NAME;
use super::side::Desired;
use super::state::Checkpoint;
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::aws_vpn::delete as aws_delete;
use crate::resources::claim::CreateJournal;
use crate::tf::{Diagnostic, Value};
use std::sync::Arc;

/// The delete graph.
pub fn delete_graph() -> Graph<SiteRun> {
    Graph::new()
        .step("aws_routes", &[], aws_delete::route_tables)
        .step("aws_vpn_connections", &[], aws_delete::vpn_connections)
        .step(
            "aws_customer_gateways",
            &["aws_vpn_connections"],
            aws_delete::customer_gateways,
        )
        .step(
            "aws_vpn_gateway",
            &["aws_vpn_connections", "aws_routes"],
            aws_delete::vpn_gateway,
        )
}

/// Deletes everything the state names (and anything found by tags under its claim).
pub async fn delete(ctx: &ProviderContext, prior: &Value) -> ApplyResult {
    let d = Desired::from_value(prior, &Value::Null);
    let cp = Checkpoint::from_state(prior, &d);
    let deadline = Deadline::new("delete", d.timeouts.delete);
    let run = match SiteRun::new(ctx, d.clone(), cp, deadline).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            return ApplyResult::partial(
                Some(prior.clone()),
                Diagnostic::error("Cannot reach AWS", format!("{e:#}")),
            )
        }
    };
    match delete_graph()
        .run_within(run.clone(), &ctx.stop, run.deadline())
        .await
    {
        Ok(_) => {
            CreateJournal::for_link(TYPE_NAME, &d.id()).finish();
            ApplyResult {
                state: None,
                diags: Default::default(),
            }
        }
        Err(e) => {
            let mut left = run.snapshot();
            left.aws.tunnels = Vec::new();
            ApplyResult::partial(
                Some(left.to_state(prior, &d)),
                Diagnostic::error(
                    format!("Deleting site VPN {:?} failed", d.name),
                    format!(
                        "{e:#}\n\nThe state keeps what is left; run `terraform destroy` again."
                    ),
                ),
            )
        }
    }
}
