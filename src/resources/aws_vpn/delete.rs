//! The AWS delete steps, the converging steps backwards: the route tables' routes or
//! propagation, the VPN connections, then the customer gateways and the virtual private
//! gateway (detached first). Ids missing from the checkpoint are looked up by tags, so a
//! crash between a create call and its checkpoint orphans nothing; an object found is
//! deleted only when it carries this state's claim (or none), never another state's. Each
//! step clears the ids it removed, so a failure leaves a state naming what is left.

use super::checkpoint::AwsCheckpoint;
use super::run::{AwsRun, AwsVpnRun};
use super::side::{customer_gateway_component, vpn_connection_component, VPN_GATEWAY_COMPONENT};
use crate::cloud::aws::{Ec2, Tags};
use crate::resources::claim::ours_to_delete;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Step: removes the VGW's propagation or static routes from the route tables (routes to
/// another state's gateway are that state's; a gone gateway leaves ours behind).
pub async fn route_tables<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let Some((vgw, cidrs)) = run.routed_through_vgw() else {
        return Ok(());
    };
    let ec2 = aws.ec2(&cancel);
    if let Some(g) = ec2.find_vpn_gateway_by_id(&vgw).await? {
        if !ours_to_delete(Some(&g.tags), |t| aws.owns(t), &g.id) {
            return Ok(());
        }
    }
    for rtb in &aws.side.route_table_ids {
        if aws.side.route_propagation {
            ec2.disable_vgw_route_propagation(rtb, &vgw).await?;
        } else {
            for c in &cidrs {
                ec2.delete_route(rtb, c).await?;
            }
        }
    }
    Ok(())
}

/// The EC2 objects there is one of per VPN connection.
#[derive(Debug, Clone, Copy)]
enum PerVpnConnection {
    VpnConnection,
    CustomerGateway,
}

impl PerVpnConnection {
    /// Their recorded ids.
    fn ids(self, cp: &mut AwsCheckpoint) -> &mut Vec<String> {
        match self {
            PerVpnConnection::VpnConnection => &mut cp.vpn_connection_ids,
            PerVpnConnection::CustomerGateway => &mut cp.customer_gateway_ids,
        }
    }

    /// The one of VPN connection `i` (by its recorded `id`, else by tags), with its tags.
    async fn find(
        self,
        aws: &AwsRun,
        ec2: &Ec2,
        i: usize,
        id: &str,
    ) -> anyhow::Result<Option<(String, Tags)>> {
        Ok(match self {
            PerVpnConnection::VpnConnection => if id.is_empty() {
                ec2.find_vpn_connection_by_tags(&aws.tags(&vpn_connection_component(i)))
                    .await?
            } else {
                ec2.find_vpn_connection_by_id(id).await?
            }
            .map(|v| (v.id, v.tags)),
            PerVpnConnection::CustomerGateway => if id.is_empty() {
                ec2.find_customer_gateway_by_tags(&aws.tags(&customer_gateway_component(i)))
                    .await?
            } else {
                ec2.find_customer_gateway_by_id(id).await?
            }
            .map(|c| (c.id, c.tags)),
        })
    }

    /// Deletes `id` and waits until it is gone.
    async fn delete(
        self,
        aws: &AwsRun,
        ec2: &Ec2,
        id: &str,
        cancel: &CancellationToken,
    ) -> anyhow::Result<()> {
        match self {
            PerVpnConnection::VpnConnection => {
                ec2.delete_vpn_connection(id).await?;
                ec2.wait_vpn_connection_deleted(id, &aws.wait(cancel))
                    .await?;
            }
            PerVpnConnection::CustomerGateway => {
                ec2.delete_customer_gateway(id).await?;
                ec2.wait_customer_gateway_deleted(id, &aws.wait(cancel))
                    .await?;
            }
        }
        Ok(())
    }

    /// Deletes every one that is this state's and clears its id.
    async fn delete_all<R: AwsVpnRun>(
        self,
        run: &R,
        cancel: &CancellationToken,
    ) -> anyhow::Result<()> {
        let aws = run.aws();
        let ec2 = aws.ec2(cancel);
        for i in 0..aws.side.vpn_connections {
            let id = run.with_aws_checkpoint(|cp| self.ids(cp)[i].clone());
            let found = self.find(aws, &ec2, i, &id).await?;
            let ours = found
                .filter(|(id, tags)| ours_to_delete(Some(tags), |t| aws.owns(t), id))
                .map(|(id, _)| id);
            if let Some(id) = ours {
                self.delete(aws, &ec2, &id, cancel).await?;
            }
            run.with_aws_checkpoint(|cp| self.ids(cp)[i].clear());
        }
        Ok(())
    }
}

/// Step: deletes every VPN connection and waits until it is gone.
pub async fn vpn_connections<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    PerVpnConnection::VpnConnection
        .delete_all(run.as_ref(), &cancel)
        .await
}

/// Step: deletes every customer gateway (after the VPN connections that use them).
pub async fn customer_gateways<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    PerVpnConnection::CustomerGateway
        .delete_all(run.as_ref(), &cancel)
        .await
}

/// Step: detaches and deletes the virtual private gateway (nothing with a transit gateway).
pub async fn vpn_gateway<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let ec2 = aws.ec2(&cancel);
    let id = run.with_aws_checkpoint(|cp| cp.vpn_gateway_id.clone());
    let found = if !id.is_empty() {
        ec2.find_vpn_gateway_by_id(&id).await?
    } else if aws.side.vpc_id.is_some() {
        let tags = aws.tags(VPN_GATEWAY_COMPONENT);
        ec2.find_vpn_gateway_by_tags(&tags).await?
    } else {
        None
    };
    if let Some(g) = found.filter(|g| ours_to_delete(Some(&g.tags), |t| aws.owns(t), &g.id)) {
        let id = g.id.clone();
        for a in g
            .attachments
            .iter()
            .filter(|a| matches!(a.state.as_str(), "attached" | "attaching"))
        {
            ec2.detach_vpn_gateway(&id, &a.vpc_id).await?;
            ec2.wait_vpn_gateway_detached(&id, &a.vpc_id, &aws.wait(&cancel))
                .await?;
        }
        ec2.delete_vpn_gateway(&id).await?;
        ec2.wait_vpn_gateway_deleted(&id, &aws.wait(&cancel))
            .await?;
    }
    run.with_aws_checkpoint(|cp| cp.vpn_gateway_id.clear());
    Ok(())
}
