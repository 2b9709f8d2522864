//! The reads the analysis needs, few and batched: for the AWS side every subnet and route
//! table of a list of VPCs (one DescribeSubnets and one DescribeRouteTables, each with a
//! `vpc-id` filter naming all the VPCs, run concurrently, coalesced with the other links'
//! reads of the run); for the Azure side the virtual network (which lists its subnets with
//! their route table ids) and its route tables, one list per resource group shared by the
//! links of the run.

use super::verdict::{AwsLink, Verdict};
use crate::cloud::aws::{Ec2, RouteTable, Subnet};
use crate::cloud::azure::route_table::{find_route_tables_by_ids, RouteTable as AzureRouteTable};
use crate::cloud::azure::virtual_network::VirtualNetwork;
use crate::cloud::azure::Network;
use crate::cloud::error::Result;
use tokio_util::sync::CancellationToken;

/// Every subnet and route table of some VPCs (one read serves every link over them).
#[derive(Debug, Clone, Default)]
pub struct AwsNetworks {
    /// Their subnets.
    pub subnets: Vec<Subnet>,
    /// Their route tables, with associations.
    pub tables: Vec<RouteTable>,
}

/// Reads [`AwsNetworks`] of `vpc_ids` (two calls per 200 VPCs, concurrently).
pub async fn read_aws(ec2: &Ec2, vpc_ids: &[String]) -> Result<AwsNetworks> {
    let mut ids = vpc_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(AwsNetworks::default());
    }
    let (subnets, tables) = tokio::try_join!(
        ec2.find_subnets_of_vpcs(&ids),
        ec2.find_route_tables_of_vpcs(&ids)
    )?;
    Ok(AwsNetworks { subnets, tables })
}

/// The verdicts of one AWS link end, its VPC read (two calls); the routes the link adds in
/// `own_route_tables` count as present (at plan), none otherwise (live).
pub async fn aws_verdicts(
    ec2: &Ec2,
    link: &AwsLink,
    own_route_tables: &[String],
) -> Result<Vec<Verdict>> {
    let net = read_aws(ec2, std::slice::from_ref(&link.vpc_id)).await?;
    let tables = link.with_own_routes(&net.tables, own_route_tables);
    Ok(link.verdicts(&net.subnets, &tables))
}

/// The route tables the subnets of `vnet` use (see [`find_route_tables_by_ids`]).
pub async fn read_azure_tables(
    net: &Network,
    vnet: &VirtualNetwork,
    cancel: &CancellationToken,
) -> Result<Vec<AzureRouteTable>> {
    let mut ids: Vec<String> = vnet
        .subnets
        .iter()
        .filter_map(|s| s.route_table_id.clone())
        .collect();
    ids.sort_by_key(|i| i.to_ascii_lowercase());
    ids.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    find_route_tables_by_ids(net, &ids, cancel).await
}
