//! The AWS branch of a VPN as its own graph, wired once for every VPN resource: the
//! customer gateways and the virtual private gateway start together; the VPN connections
//! (created concurrently) need both to exist but not the gateway's VPC attachment (rule
//! AWS-VPN-ON-DETACHED-VGW), which runs beside them; only the route tables wait for the
//! attachment. So the branch lasts about max(gateway, customer gateways) + one VPN
//! connection, where one after another it was gateway + attachment + every connection.

use super::run::AwsVpnRun;
use super::steps;
use crate::orchestrate::Graph;

/// The step that creates the VPN connections: what the peer's later steps wait for.
pub const VPN_CONNECTIONS: &str = "aws_vpn_connections";
/// The step that makes the VPC route tables reach the peer: the branch's last.
pub const ROUTES: &str = "aws_routes";
/// The step that builds the virtual private gateway.
const VPN_GATEWAY: &str = "aws_vpn_gateway";
/// The step that attaches the virtual private gateway to the VPC.
const VPN_GATEWAY_ATTACHMENT: &str = "aws_vpn_gateway_attachment";
/// The step that builds the customer gateways.
const CUSTOMER_GATEWAYS: &str = "aws_customer_gateways";

/// `graph` with the AWS branch added; its first steps start once every step of `after` is
/// done (what the branch needs from the peer, e.g. the public IPs of the customer gateways).
pub fn with_aws_branch<R: AwsVpnRun>(graph: Graph<R>, after: &[&str]) -> Graph<R> {
    graph
        .step(CUSTOMER_GATEWAYS, after, steps::customer_gateways)
        .step(VPN_GATEWAY, after, steps::vpn_gateway)
        .step(
            VPN_GATEWAY_ATTACHMENT,
            &[VPN_GATEWAY],
            steps::vpn_gateway_attachment,
        )
        .step(
            VPN_CONNECTIONS,
            &[CUSTOMER_GATEWAYS, VPN_GATEWAY],
            steps::vpn_connections,
        )
        .step(ROUTES, &[VPN_GATEWAY_ATTACHMENT], steps::route_tables)
}
