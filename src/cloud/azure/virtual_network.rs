//! Reads the user's existing virtual network (cloudlink never creates or changes it; it
//! only adds the GatewaySubnet, which the `gateway_subnet` module writes).

use super::convert::opt_enum_str;
use super::object::{find_in_group, object_functions, ArmKind};
use super::sdk::models;
use super::Network;
use crate::cloud::error::Result;
use crate::cloud::read_once::{maybe_once, ReadOnce};
use tokio_util::sync::CancellationToken;

/// A virtual network as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualNetwork {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// Address prefixes of the VNet (`10.0.0.0/16`).
    pub address_space: Vec<String>,
    /// Its subnets.
    pub subnets: Vec<Subnet>,
    /// ARM provisioning state.
    pub provisioning_state: String,
}

/// A subnet as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    /// ARM id.
    pub id: String,
    /// Name (`GatewaySubnet` for the gateway's).
    pub name: String,
    /// Its prefix (`addressPrefix`, else the first of `addressPrefixes`).
    pub prefix: Option<String>,
    /// Ids of the ip configurations using it (a gateway's, for the GatewaySubnet).
    pub used_by: Vec<String>,
    /// ARM provisioning state.
    pub provisioning_state: String,
    /// The ARM id of its route table, if it has one.
    pub route_table_id: Option<String>,
}

/// Our subnet from the SDK model.
pub(crate) fn subnet_from_model(m: models::Subnet) -> Subnet {
    let props = m.properties.unwrap_or_default();
    Subnet {
        id: m.sub_resource.id.unwrap_or_default(),
        name: m.name.unwrap_or_default(),
        prefix: props
            .address_prefix
            .or_else(|| props.address_prefixes.first().cloned()),
        used_by: props
            .ip_configurations
            .into_iter()
            .filter_map(|c| c.sub_resource.id)
            .collect(),
        provisioning_state: opt_enum_str(props.provisioning_state.as_ref()),
        route_table_id: props.route_table.and_then(|t| t.resource.id),
    }
}

/// Read only: a VNet has no waits and no writes here, so it is an [`ArmKind`] and not a
/// `Managed` one.
impl ArmKind for VirtualNetwork {
    type Wire = models::VirtualNetwork;
    const NOUN: &'static str = "virtual network";
    const RESOURCE_TYPE: &'static str = "virtualNetworks";
    fn from_wire(m: models::VirtualNetwork) -> VirtualNetwork {
        let props = m.properties.unwrap_or_default();
        VirtualNetwork {
            id: m.resource.id.unwrap_or_default(),
            name: m.resource.name.unwrap_or_default(),
            location: m.resource.location.unwrap_or_default(),
            address_space: props
                .address_space
                .map(|a| a.address_prefixes)
                .unwrap_or_default(),
            subnets: props.subnets.into_iter().map(subnet_from_model).collect(),
            provisioning_state: opt_enum_str(props.provisioning_state.as_ref()),
        }
    }
}

object_functions! {
    VirtualNetwork, name;
    /// Finds the virtual network; `None` when it (or its resource group) does not exist.
    find: find_virtual_network;
}

/// The virtual network `name` of resource group `rg`, from the group's list of virtual
/// networks (each item carries its subnets with their route table ids, rule: AZ-LIST-ITEMS),
/// so the plan-time checks and reachability of every link of the run in that group share one
/// call (`cloud::batch`); with `memo`, one operation reads it once. `None` when it (or its
/// resource group) does not exist.
pub async fn find_virtual_network_listed(
    memo: Option<&ReadOnce>,
    net: &Network,
    rg: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<Option<VirtualNetwork>> {
    let key = format!(
        "virtualNetworks/{}/{}",
        rg.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    );
    maybe_once(memo, key, || {
        find_in_group(net, rg, name, |v: &VirtualNetwork| &v.name, cancel)
    })
    .await
}
