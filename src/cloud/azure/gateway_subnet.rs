//! The VNet's `GatewaySubnet`: find it, create it with a prefix when absent, delete it
//! (after the gateway is gone; ARM refuses with `InUseSubnetCannotBeDeleted` before).

use super::client::Network;
use super::object::{object_functions, ArmKind, ArmObject, Managed};
use super::sdk::models;
use super::states::{ProvisioningStates, NETWORK_STATES};
use super::virtual_network::{subnet_from_model, Subnet};
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::time::Duration;

/// The only subnet name a VPN gateway accepts (azurerm `IsGatewaySubnet`).
pub const GATEWAY_SUBNET_NAME: &str = "GatewaySubnet";

/// A subnet is a child of its VNet: [`ArmKind::at`] takes the VNet's name and gives its
/// GatewaySubnet, the only subnet cloudlink writes.
impl ArmKind for Subnet {
    type Wire = models::Subnet;
    const NOUN: &'static str = "subnet";
    const RESOURCE_TYPE: &'static str = "virtualNetworks";
    fn from_wire(m: models::Subnet) -> Subnet {
        subnet_from_model(m)
    }

    fn at<'a>(net: &'a Network, rg: &str, vnet: &str) -> ArmObject<'a, Subnet> {
        let child = format!("{vnet}/subnets/{GATEWAY_SUBNET_NAME}");
        let path = net.resource_id(rg, Self::RESOURCE_TYPE, &child);
        ArmObject::new(net, path, format!("{rg}/{child}"))
    }
}

object_functions! {
    Subnet, vnet;
    /// Finds the GatewaySubnet of `vnet`; `None` when it, the VNet or the resource group
    /// is absent.
    find: find_gateway_subnet;
    /// Deletes the GatewaySubnet and waits until it is gone; already gone counts as
    /// success.
    delete: delete_gateway_subnet;
}

/// Creates the GatewaySubnet with `prefix` and waits for it. An existing GatewaySubnet is
/// returned as it is (never rewritten: it may carry the user's settings); the caller
/// compares its prefix.
pub async fn create_gateway_subnet(
    net: &Network,
    rg: &str,
    vnet: &str,
    prefix: &str,
    cfg: &WaitConfig,
) -> Result<Subnet> {
    let body = models::Subnet {
        name: Some(GATEWAY_SUBNET_NAME.to_string()),
        properties: Some(models::SubnetPropertiesFormat {
            address_prefix: Some(prefix.to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let subnet = Subnet::at(net, rg, vnet);
    subnet
        .within("create", Subnet::CREATE_TIMEOUT, cfg, |cfg| async {
            match subnet.find(&cfg.cancel).await? {
                Some(_) => subnet.wait_created(&cfg).await,
                None => subnet.put_unbounded("creating", &body, cfg).await,
            }
        })
        .await
}

impl Managed for Subnet {
    const STATES: ProvisioningStates = NETWORK_STATES;
    /// azurerm `azurerm_subnet`, Timeouts: create 30 min (hashicorp/terraform-provider-azurerm
    /// `website/docs/r/subnet.html.markdown`, read 2026-12-07).
    const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// azurerm `azurerm_subnet`, Timeouts: delete 30 min (same page).
    const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}
