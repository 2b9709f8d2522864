//! Reads a subnet's route table (user-defined routes and whether gateway routes propagate
//! into it). cloudlink never writes route tables; the reachability check reads them.

use super::convert::{enum_str, id_name, same_id};
use super::object::{list_in_group, ArmKind, ArmObject};
use super::sdk::models;
use super::Network;
use crate::cloud::error::Result;
use tokio_util::sync::CancellationToken;

/// A route table (`Microsoft.Network/routeTables`) as we use it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteTable {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its user-defined routes.
    pub routes: Vec<Route>,
    /// `disableBgpRoutePropagation`: the virtual network gateway's routes do not reach the
    /// subnets using this table.
    pub disable_gateway_route_propagation: bool,
}

/// One user-defined route.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// Name.
    pub name: String,
    /// Destination prefix (`10.0.0.0/16`).
    pub address_prefix: String,
    /// `VirtualNetworkGateway`, `VnetLocal`, `Internet`, `VirtualAppliance` or `None`.
    pub next_hop_type: String,
    /// The appliance's address (`VirtualAppliance` only).
    pub next_hop_ip_address: Option<String>,
}

/// Read only: cloudlink never creates or changes a route table.
impl ArmKind for RouteTable {
    type Wire = models::RouteTable;
    const NOUN: &'static str = "route table";
    const RESOURCE_TYPE: &'static str = "routeTables";
    fn from_wire(m: models::RouteTable) -> RouteTable {
        let props = m.properties.unwrap_or_default();
        RouteTable {
            id: m.resource.id.unwrap_or_default(),
            name: m.resource.name.unwrap_or_default(),
            routes: props
                .routes
                .into_iter()
                .filter_map(|r| {
                    let p = r.properties?;
                    Some(Route {
                        name: r.name.unwrap_or_default(),
                        address_prefix: p.address_prefix.unwrap_or_default(),
                        next_hop_type: enum_str(&p.next_hop_type),
                        next_hop_ip_address: p.next_hop_ip_address,
                    })
                })
                .collect(),
            disable_gateway_route_propagation: props.disable_bgp_route_propagation == Some(true),
        }
    }
}

/// The route table with ARM id `id` (a subnet may use one of another resource group);
/// `None` when it is gone.
pub async fn find_route_table_by_id(
    net: &Network,
    id: &str,
    cancel: &CancellationToken,
) -> Result<Option<RouteTable>> {
    ArmObject::<RouteTable>::new(net, id.to_string(), id_name(id).to_string())
        .find(cancel)
        .await
}

/// The resource group of ARM id `id` when it is in `net`'s subscription.
fn group_in_subscription<'a>(net: &Network, id: &'a str) -> Option<&'a str> {
    let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        [s, sub, r, rg, ..]
            if s.eq_ignore_ascii_case("subscriptions")
                && r.eq_ignore_ascii_case("resourceGroups")
                && sub.eq_ignore_ascii_case(net.subscription_id()) =>
        {
            Some(rg)
        }
        _ => None,
    }
}

/// The route tables `ids` that exist (a gone one is absent from the answer). Each resource
/// group's tables are listed once for every link of the run that asks within the batch
/// window (`cloud::batch`; the list items carry routes and `disableBgpRoutePropagation`,
/// rule: AZ-LIST-ITEMS), so the tables shared by many links are read once per group; a
/// table outside the client's subscription is read by its own GET.
pub async fn find_route_tables_by_ids(
    net: &Network,
    ids: &[String],
    cancel: &CancellationToken,
) -> Result<Vec<RouteTable>> {
    let mut groups: Vec<&str> = ids
        .iter()
        .filter_map(|id| group_in_subscription(net, id))
        .collect();
    groups.sort_by_key(|g| g.to_ascii_lowercase());
    groups.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let others = ids
        .iter()
        .filter(|id| group_in_subscription(net, id).is_none());
    let (listed, read) = futures::future::try_join(
        futures::future::try_join_all(
            groups
                .iter()
                .map(|rg| list_in_group::<RouteTable>(net, rg, cancel)),
        ),
        futures::future::try_join_all(others.map(|id| find_route_table_by_id(net, id, cancel))),
    )
    .await?;
    let mut out: Vec<RouteTable> = listed
        .iter()
        .flat_map(|all| all.iter())
        .filter(|t| ids.iter().any(|id| same_id(id, &t.id)))
        .cloned()
        .collect();
    out.extend(read.into_iter().flatten());
    Ok(out)
}
