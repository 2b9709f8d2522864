//! The VNet's `GatewaySubnet`: find it, create it with a prefix when absent, delete it
//! (after the gateway is gone; ARM refuses with `InUseSubnetCannotBeDeleted` before).

use super::client::Network;
use super::raw::get_json;
use super::sdk::models;
use super::virtual_network::{subnet_from_model, Subnet};
use super::waiters::{delete_and_poll, put_and_poll, remaining, wait_absent, wait_succeeded};
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The only subnet name a VPN gateway accepts (azurerm `IsGatewaySubnet`).
pub const GATEWAY_SUBNET_NAME: &str = "GatewaySubnet";

/// Default create timeout (azurerm `azurerm_subnet`: create 30 min).
pub const GATEWAY_SUBNET_CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default delete timeout (azurerm `azurerm_subnet`: delete 30 min).
pub const GATEWAY_SUBNET_DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn subnet_path(net: &Network, rg: &str, vnet: &str) -> String {
    net.resource_id(
        rg,
        "virtualNetworks",
        &format!("{vnet}/subnets/{GATEWAY_SUBNET_NAME}"),
    )
}

fn ctx(verb: &str, rg: &str, vnet: &str) -> String {
    format!("{verb} Azure subnet ({rg}/{vnet}/{GATEWAY_SUBNET_NAME})")
}

/// Finds the GatewaySubnet of `vnet`; `None` when it, the VNet or the resource group is
/// absent.
pub async fn find_gateway_subnet(
    net: &Network,
    rg: &str,
    vnet: &str,
    cancel: &CancellationToken,
) -> Result<Option<Subnet>> {
    let found: Option<models::Subnet> = get_json(
        net,
        cancel,
        &ctx("reading", rg, vnet),
        &subnet_path(net, rg, vnet),
    )
    .await?;
    Ok(found.map(subnet_from_model))
}

/// Waits for `Succeeded` (pending: `Updating`, absent; failure: `Failed`).
pub async fn wait_gateway_subnet_succeeded(
    net: &Network,
    rg: &str,
    vnet: &str,
    cfg: &WaitConfig,
) -> Result<Subnet> {
    wait_succeeded(
        &format!("Azure subnet ({rg}/{vnet}/{GATEWAY_SUBNET_NAME}) to succeed"),
        cfg,
        || find_gateway_subnet(net, rg, vnet, &cfg.cancel),
    )
    .await
}

/// Waits until the GatewaySubnet is gone.
pub async fn wait_gateway_subnet_deleted(
    net: &Network,
    rg: &str,
    vnet: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    wait_absent(
        &format!("Azure subnet ({rg}/{vnet}/{GATEWAY_SUBNET_NAME}) to be deleted"),
        cfg,
        || find_gateway_subnet(net, rg, vnet, &cfg.cancel),
    )
    .await
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
    let start = Instant::now();
    if find_gateway_subnet(net, rg, vnet, &cfg.cancel)
        .await?
        .is_some()
    {
        return wait_gateway_subnet_succeeded(net, rg, vnet, &remaining(cfg, start)).await;
    }
    let context = ctx("creating", rg, vnet);
    let body = models::Subnet {
        name: Some(GATEWAY_SUBNET_NAME.to_string()),
        properties: Some(models::SubnetPropertiesFormat {
            address_prefix: Some(prefix.to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    put_and_poll(net, &subnet_path(net, rg, vnet), &body, &context, cfg).await?;
    wait_gateway_subnet_succeeded(net, rg, vnet, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}

/// Deletes the GatewaySubnet and waits until it is gone; already gone counts as success.
pub async fn delete_gateway_subnet(
    net: &Network,
    rg: &str,
    vnet: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    let context = ctx("deleting", rg, vnet);
    let start = Instant::now();
    delete_and_poll(net, &subnet_path(net, rg, vnet), &context, cfg).await?;
    wait_gateway_subnet_deleted(net, rg, vnet, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}
