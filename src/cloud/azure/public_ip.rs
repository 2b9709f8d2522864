//! Azure public IP addresses for the VPN gateway: Standard SKU, Static allocation (so the
//! address is known in seconds, long before the gateway is up), optional zones.

use super::client::Network;
use super::convert::{opt_enum_str, str_enum};
use super::object::{object_functions, ArmKind, Managed};
use super::sdk::models;
use super::states::{ProvisioningStates, NETWORK_STATES};
use super::tags;
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::collections::BTreeMap;
use std::time::Duration;

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

impl ArmKind for PublicIp {
    type Wire = models::PublicIpAddress;
    const NOUN: &'static str = "public IP";
    const RESOURCE_TYPE: &'static str = "publicIPAddresses";
    fn from_wire(m: models::PublicIpAddress) -> PublicIp {
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
}

impl Managed for PublicIp {
    const STATES: ProvisioningStates = NETWORK_STATES;
    /// azurerm `azurerm_public_ip`, Timeouts: create 30 min (hashicorp/terraform-provider-azurerm
    /// `website/docs/r/public_ip.html.markdown`, read 2026-12-07).
    const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// azurerm `azurerm_public_ip`, Timeouts: delete 30 min (same page).
    const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
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
    PublicIp::at(net, rg, name)
        .put("creating", &body, cfg)
        .await
}

object_functions! {
    PublicIp, name;
    /// Finds the public IP; `None` when it (or its resource group) does not exist.
    find: find_public_ip;
    /// Deletes the public IP and waits until it is gone; already gone counts as success.
    /// Fails with `PublicIPAddressCannotBeDeleted`-style errors while a gateway still uses it.
    delete: delete_public_ip;
}
