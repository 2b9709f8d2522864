//! Delete: the create graph backwards. Azure connections, then local network gateways and
//! the AWS routes; VPN connections, then customer gateways and the VGW (detached first);
//! the Azure gateway once its connections are gone, then its public IPs and the
//! GatewaySubnet (only if cloudlink created it). Ids missing from state are looked up by
//! name/tags, so a crash between a create call and its checkpoint orphans nothing; an object
//! found that way is deleted only when it carries this state's claim (or none), never
//! another state's (`resources::claim`). Each step clears the ids it removed; a failure
//! returns what is left.

use super::private_services;
use super::run::Run;
use super::schema::TYPE_NAME;
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::azure::{connection, gateway, gateway_subnet, local_gateway, public_ip};
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::aws_vpn::delete as aws_delete;
use crate::resources::claim::{ours_to_delete, CreateJournal};
use crate::tf::{Diagnostic, Value};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

async fn connections(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    run.per_tunnel(&cancel, delete_connection).await
}

/// Deletes the connection of tunnel `t` when it is ours.
async fn delete_connection(
    run: Arc<Run>,
    t: usize,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let (rg, name, cfg) = (
        &run.d.resource_group,
        run.d.connection_name(t),
        run.wait(&cancel),
    );
    let found = connection::find_connection(&run.net, rg, &name, &cancel).await?;
    if ours_to_delete(
        found.as_ref().map(|c| &c.tags),
        |t| run.owns_azure(t),
        &name,
    ) {
        on_gateway(&run.net, rg, &run.d.gateway_name(), &cfg, || {
            connection::delete_connection(&run.net, rg, &name, &cfg)
        })
        .await?;
    }
    run.record(|cp| cp.connection_ids[t].clear());
    Ok(())
}

async fn local_gateways(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    for t in 0..run.d.tunnels {
        let (rg, name) = (&run.d.resource_group, run.d.local_gateway_name(t));
        let found = local_gateway::find_local_gateway(&run.net, rg, &name, &cancel).await?;
        if ours_to_delete(
            found.as_ref().map(|l| &l.tags),
            |t| run.owns_azure(t),
            &name,
        ) {
            local_gateway::delete_local_gateway(&run.net, rg, &name, &run.wait(&cancel)).await?;
        }
        run.record(|cp| cp.local_gateway_ids[t].clear());
    }
    Ok(())
}

async fn azure_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let (rg, name, cfg) = (&d.resource_group, d.gateway_name(), run.wait(&cancel));
    let found = gateway::find_gateway(&run.net, rg, &name, &cancel).await?;
    if ours_to_delete(
        found.as_ref().map(|g| &g.tags),
        |t| run.owns_azure(t),
        &name,
    ) {
        on_gateway(&run.net, rg, &name, &cfg, || {
            gateway::delete_gateway(&run.net, rg, &name, &cfg)
        })
        .await?;
    }
    if found.is_some_and(|g| !run.owns_azure(&g.tags)) {
        // The GatewaySubnet serves another state's gateway: it is not ours to delete.
        run.record(|cp| cp.gateway_subnet_created = false);
    }
    run.record(|cp| cp.gateway_id.clear());
    Ok(())
}

async fn public_ips(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    for i in 0..d.instances() {
        let (rg, name) = (&d.resource_group, d.public_ip_name(i));
        let found = public_ip::find_public_ip(&run.net, rg, &name, &cancel).await?;
        if ours_to_delete(
            found.as_ref().map(|p| &p.tags),
            |t| run.owns_azure(t),
            &name,
        ) {
            public_ip::delete_public_ip(&run.net, rg, &name, &run.wait(&cancel)).await?;
        }
        run.record(|cp| {
            cp.public_ip_ids[i].clear();
            cp.public_ips[i].clear();
        });
    }
    Ok(())
}

async fn gateway_subnet_step(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    if run.cp.lock().unwrap().gateway_subnet_created {
        gateway_subnet::delete_gateway_subnet(
            &run.net,
            &d.resource_group,
            &d.vnet,
            &run.wait(&cancel),
        )
        .await?;
        run.record(|cp| {
            cp.gateway_subnet_id.clear();
            cp.gateway_subnet_created = false;
        });
    }
    Ok(())
}

/// The delete graph (the create graph reversed); the AWS steps are the shared AWS half's.
pub fn delete_graph() -> Graph<Run> {
    Graph::new()
        .step("azure_connections", &[], connections)
        .step("aws_routes", &[], aws_delete::route_tables)
        .step("aws_private_services", &[], private_services::delete)
        .step(
            "azure_local_network_gateways",
            &["azure_connections"],
            local_gateways,
        )
        .step("azure_gateway", &["azure_connections"], azure_gateway)
        .step(
            "aws_vpn_connections",
            &["azure_connections"],
            aws_delete::vpn_connections,
        )
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
        .step("azure_public_ips", &["azure_gateway"], public_ips)
        .step(
            "azure_gateway_subnet",
            &["azure_gateway"],
            gateway_subnet_step,
        )
}

/// Delete everything the state names (and anything found by name/tags).
pub async fn delete(ctx: &ProviderContext, prior: &Value) -> ApplyResult {
    let d = Desired::from_value(prior, &Value::Null);
    let cp = Checkpoint::from_state(prior, &d);
    let deadline = Deadline::new("delete", d.timeouts.delete);
    let run = match Run::new(ctx, d.clone(), cp, deadline).await {
        Ok(r) => Arc::new(r),
        Err(e) => {
            return ApplyResult::partial(
                Some(prior.clone()),
                Diagnostic::error("Cannot reach the clouds", format!("{e:#}")),
            )
        }
    };
    let outcome = delete_graph()
        .run_within(run.clone(), &ctx.stop, run.deadline())
        .await;
    match outcome {
        Ok(_) => {
            // Nothing of the link is left: neither is any create of it in progress.
            CreateJournal::for_link(TYPE_NAME, &d.id()).finish();
            ApplyResult {
                state: None,
                diags: Default::default(),
            }
        }
        Err(e) => {
            let mut left = run.snapshot();
            left.aws.tunnels = Vec::new();
            left.azure_statuses = Vec::new();
            ApplyResult::partial(
                Some(left.to_state(prior, &d)),
                Diagnostic::error(
                    format!("Deleting cross-cloud VPN {:?} failed", d.name),
                    format!(
                        "{e:#}\n\nThe state keeps what is left; run `terraform destroy` again."
                    ),
                ),
            )
        }
    }
}
