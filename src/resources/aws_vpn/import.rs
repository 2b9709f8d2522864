//! Import of the AWS half: an existing VPN's AWS objects found by their ownership tags (the
//! resource's name is the tag's value), and what they say about the configuration: the VPC
//! the virtual private gateway is attached to, the transit gateway, the Amazon-side ASN.

use super::checkpoint::AwsCheckpoint;
use super::run::AwsRun;
use super::side::{customer_gateway_component, vpn_connection_component, VPN_GATEWAY_COMPONENT};
use super::steps::transit_gateway_asn;
use crate::cloud::aws::{VpnConnection, VpnGateway};
use anyhow::anyhow;
use tokio_util::sync::CancellationToken;

/// The ASN AWS gives a virtual private gateway created without one.
pub const DEFAULT_AMAZON_SIDE_ASN: i64 = 64512;

/// What the AWS objects of an existing VPN say about its configuration.
#[derive(Debug, Clone)]
pub struct DiscoveredAws {
    /// The virtual private gateway (none with a transit gateway).
    pub vpn_gateway: Option<VpnGateway>,
    /// The first VPN connection (its routes, its transit gateway).
    pub first_vpn_connection: VpnConnection,
    /// The VPC the gateway is attached to.
    pub vpc_id: Option<String>,
    /// The Amazon-side ASN: the transit gateway's, else the gateway's.
    pub amazon_side_asn: i64,
}

/// Finds the VPN's gateway and first VPN connection by tags; fails when there is no VPN
/// connection at all.
pub async fn discover(aws: &AwsRun, cancel: &CancellationToken) -> anyhow::Result<DiscoveredAws> {
    let ec2 = aws.ec2(cancel);
    let vpn_gateway = ec2
        .find_vpn_gateway_by_tags(&aws.tags(VPN_GATEWAY_COMPONENT))
        .await?;
    let first_vpn_connection = ec2
        .find_vpn_connection_by_tags(&aws.tags(&vpn_connection_component(0)))
        .await?
        .ok_or_else(|| anyhow!("no AWS VPN connection tagged for {}", aws.owner))?;
    let vpc_id = vpn_gateway.as_ref().and_then(|g| {
        g.attachments
            .iter()
            .find(|a| a.state == "attached")
            .map(|a| a.vpc_id.clone())
    });
    let amazon_side_asn = match &first_vpn_connection.transit_gateway_id {
        Some(tgw) => transit_gateway_asn(&ec2, tgw).await?,
        None => vpn_gateway
            .as_ref()
            .and_then(|g| g.amazon_side_asn)
            .unwrap_or(DEFAULT_AMAZON_SIDE_ASN),
    };
    Ok(DiscoveredAws {
        vpn_gateway,
        first_vpn_connection,
        vpc_id,
        amazon_side_asn,
    })
}

/// Records in `cp` the ids of the gateway `found` and of the customer gateways and VPN
/// connections found by tags (empty when absent), for every VPN connection `cp` is sized
/// for (the discovered configuration's, which may differ from the run's provisional one).
pub async fn record_ids(
    aws: &AwsRun,
    found: &DiscoveredAws,
    cp: &mut AwsCheckpoint,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let ec2 = aws.ec2(cancel);
    cp.vpn_gateway_id = found
        .vpn_gateway
        .as_ref()
        .map(|g| g.id.clone())
        .unwrap_or_default();
    for i in 0..cp.vpn_connection_ids.len() {
        cp.customer_gateway_ids[i] = ec2
            .find_customer_gateway_by_tags(&aws.tags(&customer_gateway_component(i)))
            .await?
            .map(|c| c.id)
            .unwrap_or_default();
        cp.vpn_connection_ids[i] = ec2
            .find_vpn_connection_by_tags(&aws.tags(&vpn_connection_component(i)))
            .await?
            .map(|c| c.id)
            .unwrap_or_default();
    }
    Ok(())
}
