//! EC2 route tables: read routes, add/remove one route (idempotently), and switch VGW
//! route propagation on or off.

use super::account::Ec2;
use super::coalesce::{
    as_strs, selected_pages, Keys, Select, LISTING_MAX_PAGES, MAX_FILTER_VALUES,
};
use super::errors::at_most_one;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::listing;
use futures::{StreamExt, TryStreamExt};

/// One route of a route table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// Destination IPv4 CIDR.
    pub destination: String,
    /// `vgw-...`, `igw-...` or `local`.
    pub gateway_id: Option<String>,
    /// `pcx-...`.
    pub vpc_peering_connection_id: Option<String>,
    /// `tgw-...`.
    pub transit_gateway_id: Option<String>,
    /// Any other target (NAT gateway, network interface, instance, VPC endpoint, ...).
    pub other_target: Option<String>,
    /// `CreateRoute`, `CreateRouteTable` or `EnableVgwRoutePropagation`.
    pub origin: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// Where a route we create points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// A virtual private gateway (`vgw-...`).
    VpnGateway(String),
    /// A VPC peering connection (`pcx-...`).
    VpcPeering(String),
    /// A transit gateway (`tgw-...`).
    TransitGateway(String),
}

impl RouteTarget {
    /// The target's id.
    pub fn id(&self) -> &str {
        match self {
            RouteTarget::VpnGateway(id)
            | RouteTarget::VpcPeering(id)
            | RouteTarget::TransitGateway(id) => id,
        }
    }

    /// Whether `route` points at this target.
    pub fn matches(&self, route: &Route) -> bool {
        match self {
            RouteTarget::VpnGateway(id) => route.gateway_id.as_deref() == Some(id),
            RouteTarget::VpcPeering(id) => route.vpc_peering_connection_id.as_deref() == Some(id),
            RouteTarget::TransitGateway(id) => route.transit_gateway_id.as_deref() == Some(id),
        }
    }
}

/// One association of a route table: a subnet's, or the VPC's main one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Association {
    /// The subnet, `None` for the main association.
    pub subnet_id: Option<String>,
    /// Whether this makes the table the VPC's main route table (used by every subnet
    /// without an explicit association).
    pub main: bool,
}

/// A route table as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteTable {
    /// `rtb-...`.
    pub id: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Every IPv4 route.
    pub routes: Vec<Route>,
    /// VGWs propagating routes into this table.
    pub propagating_vgws: Vec<String>,
    /// Its subnet and main associations (state `associated`).
    pub associations: Vec<Association>,
}

impl RouteTable {
    /// The route to `destination`, if any.
    pub fn route(&self, destination: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.destination == destination)
    }
}

/// Largest page DescribeRouteTables returns (botocore ec2 2016-11-15
/// `DescribeRouteTablesMaxResults`, 5-100).
const MAX_RESULTS: i32 = 100;

/// VPCs per call of a region's route table listing by groups (a VPC has a main table and
/// usually one to three more, so a group's tables fit in one page or two).
const VPCS_PER_GROUP: usize = 40;

/// Calls of one route table listing in flight at once: all its groups (at most
/// [`LISTING_MAX_PAGES`]), so the listing costs one round trip after the VPC listing. EC2
/// throttles each action of an account and region with its own token bucket; a non-mutating
/// action's holds 100 tokens and refills 20 per second ("Request throttling for the Amazon EC2
/// API", EC2 developer guide, read 2026-12-07), so one listing takes at most a fifth of it, once
/// per walk, and the bucket refills within a second. rule: AWS-EC2-REQUEST-THROTTLING
const LISTING_CONCURRENCY: usize = LISTING_MAX_PAGES;

impl Ec2 {
    /// The route table `id`, or `None` if it does not exist. Coalesced with the other
    /// resources' route table reads of this run (one DescribeRouteTables with a
    /// `route-table-id` filter for all of them).
    pub async fn find_route_table_by_id(&self, id: &str) -> Result<Option<RouteTable>> {
        let all = self
            .coalesced(
                "DescribeRouteTables",
                &[id],
                Keys::Ids(|t: &RouteTable| &t.id),
                |ec2, select| async move { ec2.find_route_tables("route-table-id", &select).await },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 route table ({id})")))?;
        let found: Vec<_> = all.iter().filter(|t| t.id == id).cloned().collect();
        at_most_one("route tables", found)
    }

    /// The route tables `ids` that exist (a missing one is simply absent from the answer),
    /// for plan-time checks; coalesced like [`Ec2::find_route_table_by_id`].
    pub async fn find_route_tables_by_ids(&self, ids: &[&str]) -> Result<Vec<RouteTable>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let all = self
            .coalesced(
                "DescribeRouteTables",
                ids,
                Keys::Ids(|t: &RouteTable| &t.id),
                |ec2, select| async move { ec2.find_route_tables("route-table-id", &select).await },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 route tables ({})", ids.join(", "))))?;
        Ok(all
            .iter()
            .filter(|t| ids.contains(&t.id.as_str()))
            .cloned()
            .collect())
    }

    /// The route tables that `select` names by filter `name` (every page); the region's
    /// listing by groups of VPCs when the walk lists VPCs.
    async fn find_route_tables(&self, name: &str, select: &Select) -> Result<Vec<RouteTable>> {
        if let Select::Everything = select {
            if let Some(vpcs) = self.listed_vpc_ids().await {
                return self.list_route_tables_by_vpc_groups(vpcs?).await;
            }
        }
        self.find_route_table_pages(name, select).await
    }

    /// Every route table of the region, read as route tables of groups of its VPCs (`vpcs`,
    /// the walk's VPC listing), every group at once. DescribeRouteTables pages by 100 and
    /// each page needs the previous page's token, so a region of 1,200 tables listed whole
    /// costs 12 round trips one after another; by groups it costs the VPC listing (1,000 per
    /// page) and one round of concurrent calls (two when a group's tables exceed a page).
    /// Every route table belongs to a VPC, so the groups together hold them all (a VPC
    /// created since the VPC listing is missing, and a read by id the listing cannot answer
    /// goes to the cloud, as with any listing).
    async fn list_route_tables_by_vpc_groups(&self, vpcs: Vec<String>) -> Result<Vec<RouteTable>> {
        let per_group = vpcs
            .len()
            .div_ceil(LISTING_MAX_PAGES)
            .clamp(VPCS_PER_GROUP, MAX_FILTER_VALUES);
        let groups: Vec<Select> = vpcs
            .chunks(per_group)
            .map(|g| Select::Values(g.to_vec()))
            .collect();
        if groups.len() > LISTING_MAX_PAGES {
            return Err(listing::too_large(format!(
                "{} VPCs: more than {LISTING_MAX_PAGES} groups of {per_group}",
                vpcs.len()
            )));
        }
        let pages: Vec<Vec<RouteTable>> = futures::stream::iter(groups)
            .map(|group| async move { self.find_route_table_pages("vpc-id", &group).await })
            .buffer_unordered(LISTING_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }

    /// The route tables that `select` names by filter `name`, page after page.
    async fn find_route_table_pages(&self, name: &str, select: &Select) -> Result<Vec<RouteTable>> {
        selected_pages(select, |next| {
            let req = self
                .client
                .describe_route_tables()
                .set_filters(Some(select.filters(name)))
                .max_results(MAX_RESULTS)
                .set_next_token(next);
            async move {
                let page = self
                    .send(
                        || format!("reading EC2 route tables ({name}: {})", select.describe()),
                        || req.clone().send(),
                    )
                    .await?;
                let items = page
                    .route_tables()
                    .iter()
                    .map(route_table_from_sdk)
                    .collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }

    /// Every route table of VPC `vpc_id` (what an import searches for the link's routes).
    pub async fn find_route_tables_of_vpc(&self, vpc_id: &str) -> Result<Vec<RouteTable>> {
        self.find_route_tables_of_vpcs(&[vpc_id.to_string()]).await
    }

    /// Every route table of the VPCs `vpc_ids`, with their associations. Coalesced like
    /// [`Ec2::find_route_table_by_id`], over a `vpc-id` filter naming many VPCs, so a plan
    /// reads many links' tables in a few calls.
    pub async fn find_route_tables_of_vpcs(&self, vpc_ids: &[String]) -> Result<Vec<RouteTable>> {
        let all = self
            .coalesced(
                "DescribeRouteTables/vpc-id",
                &as_strs(vpc_ids),
                Keys::Parents,
                |ec2, select| async move { ec2.find_route_tables("vpc-id", &select).await },
            )
            .await
            .map_err(|e| {
                e.context(format!(
                    "listing the route tables of EC2 VPCs ({})",
                    vpc_ids.join(", ")
                ))
            })?;
        // Client-side too, in case an endpoint ignores the filter.
        Ok(all
            .iter()
            .filter(|t| vpc_ids.contains(&t.vpc_id))
            .cloned()
            .collect())
    }

    /// Adds `destination -> target` to `route_table_id`. An existing route with the same
    /// target counts as success (`RouteAlreadyExists`); one with another target is an error.
    pub async fn create_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> Result<()> {
        let mut req = self
            .client
            .create_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination);
        req = match target {
            RouteTarget::VpnGateway(id) => req.gateway_id(id),
            RouteTarget::VpcPeering(id) => req.vpc_peering_connection_id(id),
            RouteTarget::TransitGateway(id) => req.transit_gateway_id(id),
        };
        let ctx = || {
            format!(
                "creating EC2 route ({route_table_id}: {destination} -> {})",
                target.id()
            )
        };
        match self.send(ctx, || req.clone().send()).await {
            Ok(_) => Ok(()),
            Err(e) if e.code.as_deref() == Some("RouteAlreadyExists") => {
                let table = self.find_route_table_by_id(route_table_id).await?;
                match table.as_ref().and_then(|t| t.route(destination)) {
                    Some(r) if target.matches(r) => Ok(()),
                    Some(r) => Err(CloudError::new(
                        ErrorKind::Client,
                        format!(
                            "RouteAlreadyExists: a route to {destination} already exists with another target ({})",
                            r.gateway_id
                                .as_deref()
                                .or(r.vpc_peering_connection_id.as_deref())
                                .or(r.transit_gateway_id.as_deref())
                                .unwrap_or("unknown")
                        ),
                    )
                    .context(ctx())),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Removes the route to `destination`; a missing route or table counts as success.
    pub async fn delete_route(&self, route_table_id: &str, destination: &str) -> Result<()> {
        let req = self
            .client
            .delete_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination);
        match self
            .send(
                || format!("deleting EC2 route ({route_table_id}: {destination})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Propagates the routes VGW `vgw_id` learns into `route_table_id`.
    pub async fn enable_vgw_route_propagation(
        &self,
        route_table_id: &str,
        vgw_id: &str,
    ) -> Result<()> {
        let req = self
            .client
            .enable_vgw_route_propagation()
            .route_table_id(route_table_id)
            .gateway_id(vgw_id);
        self.send(
            || format!("enabling EC2 route propagation ({route_table_id} <- {vgw_id})"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Stops propagation from `vgw_id`; a table or gateway that is gone counts as success.
    pub async fn disable_vgw_route_propagation(
        &self,
        route_table_id: &str,
        vgw_id: &str,
    ) -> Result<()> {
        let req = self
            .client
            .disable_vgw_route_propagation()
            .route_table_id(route_table_id)
            .gateway_id(vgw_id);
        match self
            .send(
                || format!("disabling EC2 route propagation ({route_table_id} <- {vgw_id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Our view of one SDK route table (IPv4 routes only).
fn route_table_from_sdk(t: &aws_sdk_ec2::types::RouteTable) -> RouteTable {
    RouteTable {
        id: t.route_table_id().unwrap_or_default().to_string(),
        vpc_id: t.vpc_id().unwrap_or_default().to_string(),
        routes: t
            .routes()
            .iter()
            .filter_map(|r| {
                Some(Route {
                    destination: r.destination_cidr_block()?.to_string(),
                    gateway_id: r.gateway_id().map(str::to_string),
                    vpc_peering_connection_id: r.vpc_peering_connection_id().map(str::to_string),
                    transit_gateway_id: r.transit_gateway_id().map(str::to_string),
                    other_target: r
                        .nat_gateway_id()
                        .or(r.network_interface_id())
                        .or(r.instance_id())
                        .or(r.local_gateway_id())
                        .or(r.carrier_gateway_id())
                        .or(r.core_network_arn())
                        .map(str::to_string),
                    origin: r
                        .origin()
                        .map(|o| o.as_str().to_string())
                        .unwrap_or_default(),
                    state: r
                        .state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                })
            })
            .collect(),
        propagating_vgws: t
            .propagating_vgws()
            .iter()
            .filter_map(|p| p.gateway_id().map(str::to_string))
            .collect(),
        associations: t
            .associations()
            .iter()
            .filter(|a| {
                a.association_state()
                    .and_then(|s| s.state())
                    .is_none_or(|s| s.as_str() == "associated")
            })
            .filter(|a| a.main().unwrap_or(false) || a.subnet_id().is_some())
            .map(|a| Association {
                subnet_id: a.subnet_id().map(str::to_string),
                main: a.main().unwrap_or(false),
            })
            .collect(),
    }
}
