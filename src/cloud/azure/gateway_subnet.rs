//! The VNet's `GatewaySubnet`: find it, create it with a prefix when absent, delete it
//! (after the gateway is gone; ARM refuses with `InUseSubnetCannotBeDeleted` before).

use super::client::Network;
use super::object::{ArmKind, ArmObject, Managed};
use super::sdk::models;
use super::states::{ProvisioningStates, NETWORK_STATES};
use super::virtual_network::{subnet_from_model, Subnet};
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The only subnet name a VPN gateway accepts (azurerm `IsGatewaySubnet`).
pub const GATEWAY_SUBNET_NAME: &str = "GatewaySubnet";

impl ArmKind for Subnet {
    type Wire = models::Subnet;
    const NOUN: &'static str = "subnet";
    fn from_wire(m: models::Subnet) -> Subnet {
        subnet_from_model(m)
    }
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

/// The GatewaySubnet of `vnet` in `rg`: a child of the VNet, not a top-level object.
fn gateway_subnet<'a>(net: &'a Network, rg: &str, vnet: &str) -> ArmObject<'a, Subnet> {
    let child = format!("{vnet}/subnets/{GATEWAY_SUBNET_NAME}");
    ArmObject::new(
        net,
        net.resource_id(rg, "virtualNetworks", &child),
        format!("{rg}/{child}"),
    )
}

/// Finds the GatewaySubnet of `vnet`; `None` when it, the VNet or the resource group is
/// absent.
pub async fn find_gateway_subnet(
    net: &Network,
    rg: &str,
    vnet: &str,
    cancel: &CancellationToken,
) -> Result<Option<Subnet>> {
    gateway_subnet(net, rg, vnet).find(cancel).await
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
    let subnet = gateway_subnet(net, rg, vnet);
    subnet
        .within("create", Subnet::CREATE_TIMEOUT, cfg, |cfg| async {
            if subnet.find(&cfg.cancel).await?.is_some() {
                return subnet.wait_created(&cfg).await;
            }
            let body = models::Subnet {
                name: Some(GATEWAY_SUBNET_NAME.to_string()),
                properties: Some(models::SubnetPropertiesFormat {
                    address_prefix: Some(prefix.to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            subnet.put_unbounded("creating", &body, cfg).await
        })
        .await
}

/// Deletes the GatewaySubnet and waits until it is gone; already gone counts as success.
pub async fn delete_gateway_subnet(
    net: &Network,
    rg: &str,
    vnet: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    gateway_subnet(net, rg, vnet).delete(cfg).await
}
