//! Azure public IP addresses for the VPN gateway: Standard SKU, Static allocation (so the
//! address is known in seconds, long before the gateway is up), optional zones.

use super::client::Network;
use super::convert::{opt_enum_str, str_enum};
use super::raw::get_json;
use super::sdk::models;
use super::tags;
use super::waiters::{
    delete_and_poll, put_and_poll, remaining, wait_absent, wait_succeeded, Provisioned,
};
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Default create timeout (azurerm `azurerm_public_ip`: create 30 min).
pub const PUBLIC_IP_CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default delete timeout (azurerm `azurerm_public_ip`: delete 30 min).
pub const PUBLIC_IP_DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct PublicIpSpec {
    /// Azure region, e.g. `westeurope`.
    pub location: String,
    /// Availability zones (`["1","2","3"]` for zone-redundant); empty = no zones.
    pub zones: Vec<String>,
    /// Tags, ownership tags included (see [`tags::ownership_tags`]).
    pub tags: BTreeMap<String, String>,
}

/// A public IP as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIp {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// The address; known once provisioning succeeded (Static allocation).
    pub ip_address: Option<String>,
    /// `Standard` or `Basic`.
    pub sku: String,
    /// `Static` or `Dynamic`.
    pub allocation_method: String,
    /// Zones.
    pub zones: Vec<String>,
    /// `ipConfiguration.id` of whatever uses the address (a gateway ip configuration).
    pub attached_to: Option<String>,
    /// ARM provisioning state.
    pub provisioning_state: String,
    /// All tags.
    pub tags: BTreeMap<String, String>,
}

impl Provisioned for PublicIp {
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}

fn from_model(m: models::PublicIpAddress) -> PublicIp {
    let props = m.properties.map(|b| *b).unwrap_or_default();
    PublicIp {
        id: m.resource.id.unwrap_or_default(),
        name: m.resource.name.unwrap_or_default(),
        location: m.resource.location.unwrap_or_default(),
        ip_address: props.ip_address,
        sku: m
            .sku
            .as_ref()
            .map(|s| opt_enum_str(s.name.as_ref()))
            .unwrap_or_default(),
        allocation_method: opt_enum_str(props.public_ip_allocation_method.as_ref()),
        zones: m.zones,
        attached_to: props.ip_configuration.and_then(|c| c.sub_resource.id),
        provisioning_state: opt_enum_str(props.provisioning_state.as_ref()),
        tags: tags::from_sdk(m.resource.tags.as_ref()),
    }
}

fn ctx(verb: &str, rg: &str, name: &str) -> String {
    format!("{verb} Azure public IP ({rg}/{name})")
}

/// Finds the public IP; `None` when it (or its resource group) does not exist.
pub async fn find_public_ip(
    net: &Network,
    rg: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<Option<PublicIp>> {
    let path = net.resource_id(rg, "publicIPAddresses", name);
    let found: Option<models::PublicIpAddress> =
        get_json(net, cancel, &ctx("reading", rg, name), &path).await?;
    Ok(found.map(from_model))
}

/// Waits for `Succeeded` (pending: `Updating`, absent; failure: `Failed`).
pub async fn wait_public_ip_succeeded(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<PublicIp> {
    wait_succeeded(
        &format!("Azure public IP ({rg}/{name}) to succeed"),
        cfg,
        || find_public_ip(net, rg, name, &cfg.cancel),
    )
    .await
}

/// Waits until the public IP is gone.
pub async fn wait_public_ip_deleted(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    wait_absent(
        &format!("Azure public IP ({rg}/{name}) to be deleted"),
        cfg,
        || find_public_ip(net, rg, name, &cfg.cancel),
    )
    .await
}

/// rules: AZ-PIP-STANDARD-STATIC (Standard SKU, Static), AZ-PIP-ZONES-IMMUTABLE (zones only
/// at creation; the resource plans a replacement for a zones change).
/// Creates (or updates tags/zones of) a Standard Static public IP and waits until it has
/// succeeded; returns it with its address.
pub async fn create_or_update_public_ip(
    net: &Network,
    rg: &str,
    name: &str,
    spec: &PublicIpSpec,
    cfg: &WaitConfig,
) -> Result<PublicIp> {
    let context = ctx("creating", rg, name);
    let start = Instant::now();
    let mut body = models::PublicIpAddress::default();
    body.resource.location = Some(spec.location.clone());
    body.resource.tags = tags::to_sdk(&spec.tags);
    body.sku = Some(models::PublicIpAddressSku {
        name: Some(str_enum("Standard")?),
        tier: Some(str_enum("Regional")?),
    });
    body.zones = spec.zones.clone();
    body.properties = Some(Box::new(models::PublicIpAddressPropertiesFormat {
        public_ip_allocation_method: Some(str_enum("Static")?),
        public_ip_address_version: Some(str_enum("IPv4")?),
        ..Default::default()
    }));
    let path = net.resource_id(rg, "publicIPAddresses", name);
    put_and_poll(net, &path, &body, &context, cfg).await?;
    wait_public_ip_succeeded(net, rg, name, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}

/// Deletes the public IP and waits until it is gone; already gone counts as success.
/// Fails with `PublicIPAddressCannotBeDeleted`-style errors while a gateway still uses it.
pub async fn delete_public_ip(net: &Network, rg: &str, name: &str, cfg: &WaitConfig) -> Result<()> {
    let context = ctx("deleting", rg, name);
    let start = Instant::now();
    let path = net.resource_id(rg, "publicIPAddresses", name);
    delete_and_poll(net, &path, &context, cfg).await?;
    wait_public_ip_deleted(net, rg, name, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}
