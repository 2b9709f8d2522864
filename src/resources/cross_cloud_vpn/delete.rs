//! Delete: the create graph backwards. Azure connections, then local network gateways and
//! the AWS routes; VPN connections, then customer gateways and the VGW (detached first);
//! the Azure gateway once its connections are gone, then its public IPs and the
//! GatewaySubnet (only if cloudlink created it). Ids missing from state are looked up by
//! name/tags, so a crash between a create call and its checkpoint orphans nothing; an object
//! found that way is deleted only when it carries this state's claim (or none), never
//! another state's (`resources::claim`). Each step clears the ids it removed; a failure
//! returns what is left.

use super::run::Run;
use super::schema::TYPE_NAME;
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::azure::{connection, gateway, gateway_subnet, local_gateway, public_ip};
use crate::orchestrate::{Deadline, Graph};
use crate::provider::context::ProviderContext;
use crate::provider::resource::ApplyResult;
use crate::resources::claim::CreateJournal;
use crate::tf::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Whether an object found for deletion (tagged `tags`, `None` when absent) is this state's
/// to delete, `owns` judging its claim: an absent one is nothing to do, another state's is
/// left alone (see `resources::claim`).
fn ours(
    tags: Option<&BTreeMap<String, String>>,
    owns: impl Fn(&BTreeMap<String, String>) -> bool,
    name: &str,
) -> bool {
    match tags {
        None => false,
        Some(t) if owns(t) => true,
        Some(_) => {
            tracing::warn!(object = %name, "left in place: another Terraform state owns it");
            false
        }
    }
}

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
    if ours(
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
        if ours(
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

async fn aws_routes(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let Some((vgw, cidrs)) = run.routed_through_vgw() else {
        return Ok(());
    };
    let ec2 = run.ec2(&cancel);
    // Routes to another state's gateway are that state's (a gone gateway leaves ours behind).
    if let Some(g) = ec2.find_vpn_gateway_by_id(&vgw).await? {
        if !ours(Some(&g.tags), |t| run.owns_aws(t), &g.id) {
            return Ok(());
        }
    }
    for rtb in &d.route_table_ids {
        if d.route_propagation {
            ec2.disable_vgw_route_propagation(rtb, &vgw).await?;
        } else {
            for c in &cidrs {
                ec2.delete_route(rtb, c).await?;
            }
        }
    }
    Ok(())
}

async fn vpn_connections(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(&cancel);
    for i in 0..run.d.instances() {
        let id = run.cp.lock().unwrap().vpn_connection_ids[i].clone();
        let found = if id.is_empty() {
            let tags = run.aws_tags(&Desired::vpn_connection_component(i));
            ec2.find_vpn_connection_by_tags(&tags).await?
        } else {
            ec2.find_vpn_connection_by_id(&id).await?
        };
        let id = found
            .map(|v| (v.id, v.tags))
            .filter(|(id, tags)| ours(Some(tags), |t| run.owns_aws(t), id))
            .map(|(id, _)| id);
        if let Some(id) = id {
            ec2.delete_vpn_connection(&id).await?;
            ec2.wait_vpn_connection_deleted(&id, &run.wait(&cancel))
                .await?;
        }
        run.record(|cp| cp.vpn_connection_ids[i].clear());
    }
    Ok(())
}

async fn customer_gateways(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(&cancel);
    for i in 0..run.d.instances() {
        let id = run.cp.lock().unwrap().customer_gateway_ids[i].clone();
        let found = if id.is_empty() {
            let tags = run.aws_tags(&Desired::customer_gateway_component(i));
            ec2.find_customer_gateway_by_tags(&tags).await?
        } else {
            ec2.find_customer_gateway_by_id(&id).await?
        };
        let id = found
            .map(|c| (c.id, c.tags))
            .filter(|(id, tags)| ours(Some(tags), |t| run.owns_aws(t), id))
            .map(|(id, _)| id);
        if let Some(id) = id {
            ec2.delete_customer_gateway(&id).await?;
            ec2.wait_customer_gateway_deleted(&id, &run.wait(&cancel))
                .await?;
        }
        run.record(|cp| cp.customer_gateway_ids[i].clear());
    }
    Ok(())
}

async fn vpn_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(&cancel);
    let id = run.cp.lock().unwrap().vpn_gateway_id.clone();
    let found = if !id.is_empty() {
        ec2.find_vpn_gateway_by_id(&id).await?
    } else if run.d.vpc_id.is_some() {
        let tags = run.aws_tags(Desired::VPN_GATEWAY_COMPONENT);
        ec2.find_vpn_gateway_by_tags(&tags).await?
    } else {
        None
    };
    if let Some(g) = found.filter(|g| ours(Some(&g.tags), |t| run.owns_aws(t), &g.id)) {
        let id = g.id.clone();
        for a in g
            .attachments
            .iter()
            .filter(|a| matches!(a.state.as_str(), "attached" | "attaching"))
        {
            ec2.detach_vpn_gateway(&id, &a.vpc_id).await?;
            ec2.wait_vpn_gateway_detached(&id, &a.vpc_id, &run.wait(&cancel))
                .await?;
        }
        ec2.delete_vpn_gateway(&id).await?;
        ec2.wait_vpn_gateway_deleted(&id, &run.wait(&cancel))
            .await?;
    }
    run.record(|cp| cp.vpn_gateway_id.clear());
    Ok(())
}

async fn azure_gateway(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let d = &run.d;
    let (rg, name, cfg) = (&d.resource_group, d.gateway_name(), run.wait(&cancel));
    let found = gateway::find_gateway(&run.net, rg, &name, &cancel).await?;
    if ours(
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
        if ours(
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

/// The delete graph (the create graph reversed).
pub fn delete_graph() -> Graph<Run> {
    Graph::new()
        .step("azure_connections", &[], connections)
        .step("aws_routes", &[], aws_routes)
        .step(
            "azure_local_network_gateways",
            &["azure_connections"],
            local_gateways,
        )
        .step("azure_gateway", &["azure_connections"], azure_gateway)
        .step(
            "aws_vpn_connections",
            &["azure_connections"],
            vpn_connections,
        )
        .step(
            "aws_customer_gateways",
            &["aws_vpn_connections"],
            customer_gateways,
        )
        .step(
            "aws_vpn_gateway",
            &["aws_vpn_connections", "aws_routes"],
            vpn_gateway,
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
        .run_within(run.clone(), &ctx.stop, &run.deadline)
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
            left.tunnels = Vec::new();
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
