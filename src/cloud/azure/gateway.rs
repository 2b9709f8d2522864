//! The Azure virtual network gateway (route-based VPN): create with 1 or 2 ip
//! configurations (active-active), BGP with custom APIPA addresses per ip configuration,
//! in-place SKU/BGP updates, find, wait, delete. Gateways take 30-60+ minutes.

use super::client::Network;
use super::convert::{id_name, opt_enum_str, str_enum};
use super::object::{object_functions, remaining, ArmKind, Managed};
use super::sdk::models;
use super::states::{ProvisioningStates, StateClass, DELETING, NETWORK_STATES};
use super::tags;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::{wait_for, Probe, WaitConfig};
use std::collections::BTreeMap;
use std::time::Duration;

/// One ip configuration of a new gateway (two for active-active).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayIpConfigSpec {
    /// Name (e.g. `default`, `activeActive`); the id becomes `{gateway}/ipConfigurations/{name}`.
    pub name: String,
    /// Id of the VNet's `GatewaySubnet`.
    pub subnet_id: String,
    /// Id of the Standard public IP of this instance.
    pub public_ip_id: String,
    /// Custom APIPA BGP addresses of this instance (169.254.21.0-169.254.22.255); empty = none.
    pub apipa_addresses: Vec<String>,
}

/// What to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewaySpec {
    /// Region (that of the VNet).
    pub location: String,
    /// SKU name: `VpnGw1`, `VpnGw2AZ`, ... (tier = name).
    pub sku: String,
    /// `Generation1` / `Generation2`; `None` = ARM's default.
    pub generation: Option<String>,
    /// Active-active (needs exactly two ip configurations).
    pub active_active: bool,
    /// BGP on.
    pub enable_bgp: bool,
    /// Azure-side ASN; `None` = ARM's default 65515.
    pub asn: Option<u32>,
    /// One or two ip configurations.
    pub ip_configurations: Vec<GatewayIpConfigSpec>,
    /// Tags, ownership tags included.
    pub tags: BTreeMap<String, String>,
}

/// An in-place change; `None` fields are kept as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayUpdate {
    /// New SKU within the same generation (`VpnGw1` -> `VpnGw2`).
    pub sku: Option<String>,
    /// BGP on/off.
    pub enable_bgp: Option<bool>,
    /// New ASN.
    pub asn: Option<u32>,
    /// Custom APIPA addresses per ip configuration name.
    pub apipa_addresses: Option<BTreeMap<String, Vec<String>>>,
    /// New tags (ownership tags included).
    pub tags: Option<BTreeMap<String, String>>,
}

/// BGP peering addresses of one gateway instance (read-only facts from ARM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BgpPeeringAddress {
    /// `{gateway}/ipConfigurations/{name}`.
    pub ip_configuration_id: String,
    /// Azure's default BGP address(es) in the GatewaySubnet.
    pub default_ips: Vec<String>,
    /// Custom APIPA addresses in use.
    pub custom_ips: Vec<String>,
    /// The instance's public (tunnel) address(es).
    pub tunnel_ips: Vec<String>,
}

/// One ip configuration of an existing gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayIpConfiguration {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Subnet id.
    pub subnet_id: Option<String>,
    /// Public IP id.
    pub public_ip_id: Option<String>,
}

/// A virtual network gateway as we use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gateway {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// Ip configurations.
    pub ip_configurations: Vec<GatewayIpConfiguration>,
    /// Public IP ids of the ip configurations, in order.
    pub public_ip_ids: Vec<String>,
    /// SKU name.
    pub sku: String,
    /// `Generation1`/`Generation2`/`None`.
    pub generation: String,
    /// `RouteBased`/`PolicyBased`.
    pub vpn_type: String,
    /// Active-active.
    pub active_active: bool,
    /// BGP on.
    pub enable_bgp: bool,
    /// Azure-side ASN.
    pub asn: Option<u32>,
    /// Per-instance BGP addresses.
    pub bgp_peering_addresses: Vec<BgpPeeringAddress>,
    /// ARM provisioning state.
    pub provisioning_state: String,
    /// All tags.
    pub tags: BTreeMap<String, String>,
}

/// azurerm `azurerm_virtual_network_gateway`, Timeouts (hashicorp/terraform-provider-azurerm
/// `website/docs/r/virtual_network_gateway.html.markdown` and the resource's
/// `pluginsdk.ResourceTimeout`, read 2026-12-07): create 90 min, update 60 min, delete
/// 60 min. Microsoft: "Creating a gateway can often take 45 minutes or more".
impl Managed for Gateway {
    const STATES: ProvisioningStates = NETWORK_STATES;
    /// Create: 90 min (azurerm, raised from 60 by hashicorp/terraform-provider-azurerm#23003).
    const CREATE_TIMEOUT: Duration = Duration::from_secs(90 * 60);
    /// Delete: 60 min (azurerm).
    const DELETE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}

impl Gateway {
    /// In-place update (SKU resize, BGP, APIPA, tags): 60 min (azurerm's update default).
    pub const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
}

impl ArmKind for Gateway {
    type Wire = models::VirtualNetworkGateway;
    const NOUN: &'static str = "virtual network gateway";
    const RESOURCE_TYPE: &'static str = "virtualNetworkGateways";
    fn from_wire(m: models::VirtualNetworkGateway) -> Gateway {
        gateway_from_model(m)
    }
}

fn gateway_from_model(m: models::VirtualNetworkGateway) -> Gateway {
    let p = m.properties;
    let ip_configurations: Vec<GatewayIpConfiguration> = p
        .ip_configurations
        .into_iter()
        .map(|c| {
            let props = c.properties.unwrap_or_default();
            GatewayIpConfiguration {
                id: c.sub_resource.id.unwrap_or_default(),
                name: c.name.unwrap_or_default(),
                subnet_id: props.subnet.and_then(|s| s.id),
                public_ip_id: props.public_ip_address.and_then(|s| s.id),
            }
        })
        .collect();
    let bgp = p.bgp_settings.unwrap_or_default();
    Gateway {
        id: m.resource.id.unwrap_or_default(),
        name: m.resource.name.unwrap_or_default(),
        location: m.resource.location.unwrap_or_default(),
        sku: p
            .sku
            .as_ref()
            .map(|s| opt_enum_str(s.name.as_ref()))
            .unwrap_or_default(),
        generation: opt_enum_str(p.vpn_gateway_generation.as_ref()),
        vpn_type: opt_enum_str(p.vpn_type.as_ref()),
        active_active: p.active_active.unwrap_or(false),
        enable_bgp: p.enable_bgp.unwrap_or(false),
        asn: bgp.asn.and_then(|a| u32::try_from(a).ok()),
        bgp_peering_addresses: bgp
            .bgp_peering_addresses
            .into_iter()
            .map(|b| BgpPeeringAddress {
                ip_configuration_id: b.ipconfiguration_id.unwrap_or_default(),
                default_ips: b.default_bgp_ip_addresses,
                custom_ips: b.custom_bgp_ip_addresses,
                tunnel_ips: b.tunnel_ip_addresses,
            })
            .collect(),
        public_ip_ids: ip_configurations
            .iter()
            .filter_map(|c| c.public_ip_id.clone())
            .collect(),
        ip_configurations,
        provisioning_state: opt_enum_str(p.provisioning_state.as_ref()),
        tags: tags::from_sdk(m.resource.tags.as_ref()),
    }
}

/// The id of ip configuration `ip_config` of gateway `name`.
pub fn ip_configuration_id(net: &Network, rg: &str, name: &str, ip_config: &str) -> String {
    format!(
        "{}/ipConfigurations/{ip_config}",
        net.resource_id(rg, Gateway::RESOURCE_TYPE, name)
    )
}

object_functions! {
    Gateway, name;
    /// Finds the gateway; `None` when it (or its resource group) does not exist.
    find: find_gateway;
    /// Waits for the gateway's target state (see [`Managed::STATES`]).
    wait_created: wait_gateway_succeeded;
}

/// Waits until no create or update runs on the gateway: a terminal provisioning state,
/// `Deleting`, or gone. ARM refuses a DELETE during a build (`AnotherOperationInProgress`),
/// and a build is where an apply interrupted by StopProvider leaves the gateway.
pub async fn wait_gateway_settled(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    wait_for(
        &format!("Azure virtual network gateway ({rg}/{name}) to finish its running operation"),
        cfg,
        || {
            let found = find_gateway(net, rg, name, &cfg.cancel);
            async move {
                let Some(g) = found.await? else {
                    return Ok(Probe::Done(()));
                };
                Ok(match Gateway::STATES.classify(&g.provisioning_state) {
                    StateClass::Ready | StateClass::Failed => Probe::Done(()),
                    _ if g.provisioning_state.eq_ignore_ascii_case(DELETING) => Probe::Done(()),
                    StateClass::Pending | StateClass::Unlisted => {
                        Probe::Pending(g.provisioning_state)
                    }
                })
            }
        },
    )
    .await
}

fn bgp_settings(
    net: &Network,
    rg: &str,
    name: &str,
    asn: Option<u32>,
    apipa: &[(String, Vec<String>)],
) -> Option<models::BgpSettings> {
    let peering: Vec<models::IpConfigurationBgpPeeringAddress> = apipa
        .iter()
        .filter(|(_, ips)| !ips.is_empty())
        .map(|(cfg_name, ips)| models::IpConfigurationBgpPeeringAddress {
            ipconfiguration_id: Some(ip_configuration_id(net, rg, name, cfg_name)),
            custom_bgp_ip_addresses: ips.clone(),
            ..Default::default()
        })
        .collect();
    if asn.is_none() && peering.is_empty() {
        return None;
    }
    Some(models::BgpSettings {
        asn: asn.map(i64::from),
        bgp_peering_addresses: peering,
        ..Default::default()
    })
}

fn sku(name: &str) -> Result<models::VirtualNetworkGatewaySku> {
    Ok(models::VirtualNetworkGatewaySku {
        name: Some(str_enum(name)?),
        tier: Some(str_enum(name)?),
        capacity: None,
    })
}

/// Creates (or overwrites with `spec`) a route-based VPN gateway and waits until it has
/// succeeded, within the gateway's create timeout (see [`Managed::CREATE_TIMEOUT`]).
pub async fn create_or_update_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    spec: &GatewaySpec,
    cfg: &WaitConfig,
) -> Result<Gateway> {
    let gw = Gateway::at(net, rg, name);
    let context = gw.context("creating");
    if spec.ip_configurations.is_empty() || spec.ip_configurations.len() > 2 {
        return Err(CloudError::new(
            ErrorKind::Client,
            format!(
                "a VPN gateway needs 1 or 2 ip configurations, got {}",
                spec.ip_configurations.len()
            ),
        )
        .context(context));
    }
    let ip_configurations = spec
        .ip_configurations
        .iter()
        .map(|c| {
            Ok(models::VirtualNetworkGatewayIpConfiguration {
                name: Some(c.name.clone()),
                properties: Some(
                    models::VirtualNetworkGatewayIpConfigurationPropertiesFormat {
                        private_ip_allocation_method: Some(str_enum("Dynamic")?),
                        subnet: Some(models::SubResource {
                            id: Some(c.subnet_id.clone()),
                        }),
                        public_ip_address: Some(models::SubResource {
                            id: Some(c.public_ip_id.clone()),
                        }),
                        ..Default::default()
                    },
                ),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>>>()
        .map_err(|e| e.context(context.clone()))?;
    let apipa: Vec<(String, Vec<String>)> = spec
        .ip_configurations
        .iter()
        .map(|c| (c.name.clone(), c.apipa_addresses.clone()))
        .collect();
    let props = models::VirtualNetworkGatewayPropertiesFormat {
        ip_configurations,
        gateway_type: Some(str_enum("Vpn")?),
        vpn_type: Some(str_enum("RouteBased")?),
        vpn_gateway_generation: spec.generation.as_deref().map(str_enum).transpose()?,
        enable_bgp: Some(spec.enable_bgp),
        active_active: Some(spec.active_active),
        sku: Some(sku(&spec.sku)?),
        bgp_settings: bgp_settings(net, rg, name, spec.asn, &apipa),
        ..Default::default()
    };
    let mut body = models::VirtualNetworkGateway::new(props);
    body.resource.location = Some(spec.location.clone());
    body.resource.tags = tags::to_sdk(&spec.tags);
    gw.put("creating", &body, cfg).await
}

/// Changes SKU, BGP, APIPA addresses or tags in place: reads the gateway, changes only the
/// given fields, PUTs it back and waits, within [`Gateway::UPDATE_TIMEOUT`] and `cfg`. Ip
/// configuration changes are not possible in place (azurerm PR #27828); resources replace
/// the gateway.
pub async fn update_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    update: &GatewayUpdate,
    cfg: &WaitConfig,
) -> Result<Gateway> {
    let gw = Gateway::at(net, rg, name);
    let context = gw.context("updating");
    let mut m = gw.find_wire(&cfg.cancel).await?.ok_or_else(|| {
        CloudError::new(ErrorKind::NotFound, "the gateway does not exist").context(context.clone())
    })?;
    // Read-only fields (swagger 2024-03-01) the GET returned: ARM ignores them on input, but
    // a well-formed request does not send them back.
    m.properties.provisioning_state = None;
    m.properties.resource_guid = None;
    m.etag = None;
    m.resource.name = None;
    m.resource.type_ = None;
    if let Some(s) = &mut m.properties.sku {
        s.capacity = None;
    }
    for c in &mut m.properties.ip_configurations {
        c.etag = None;
        if let Some(p) = &mut c.properties {
            p.provisioning_state = None;
            p.private_ip_address = None;
        }
    }
    if let Some(s) = &update.sku {
        m.properties.sku = Some(sku(s)?);
    }
    if let Some(b) = update.enable_bgp {
        m.properties.enable_bgp = Some(b);
    }
    if update.asn.is_some() || update.apipa_addresses.is_some() {
        let mut bgp = m.properties.bgp_settings.take().unwrap_or_default();
        if let Some(a) = update.asn {
            bgp.asn = Some(i64::from(a));
        }
        if let Some(apipa) = &update.apipa_addresses {
            bgp.bgp_peering_addresses = m
                .properties
                .ip_configurations
                .iter()
                .filter_map(|c| c.name.clone())
                .map(|n| models::IpConfigurationBgpPeeringAddress {
                    ipconfiguration_id: Some(ip_configuration_id(net, rg, name, &n)),
                    custom_bgp_ip_addresses: apipa.get(&n).cloned().unwrap_or_default(),
                    ..Default::default()
                })
                .collect();
        }
        m.properties.bgp_settings = Some(bgp);
    }
    if let Some(bgp) = &mut m.properties.bgp_settings {
        for b in &mut bgp.bgp_peering_addresses {
            b.default_bgp_ip_addresses.clear();
            b.tunnel_ip_addresses.clear();
        }
    }
    if let Some(t) = &update.tags {
        m.resource.tags = tags::to_sdk(t);
    }
    gw.within("update", Gateway::UPDATE_TIMEOUT, cfg, |cfg| {
        gw.put_unbounded("updating", &m, cfg)
    })
    .await
}

/// Deletes the gateway and waits until it is gone, within its delete timeout (see
/// [`Managed::DELETE_TIMEOUT`]); already gone counts as success. Connections must be
/// deleted first. A gateway still building is waited for first (see
/// [`wait_gateway_settled`]), within the same bound.
pub async fn delete_gateway(net: &Network, rg: &str, name: &str, cfg: &WaitConfig) -> Result<()> {
    let gw = &Gateway::at(net, rg, name);
    gw.within("delete", Gateway::DELETE_TIMEOUT, cfg, |cfg| async move {
        let start = tokio::time::Instant::now();
        wait_gateway_settled(net, rg, name, &cfg)
            .await
            .map_err(|e| e.context(gw.context("deleting")))?;
        gw.delete_unbounded(remaining(&cfg, start)).await
    })
    .await
}

/// The name part of an ip configuration id (`.../ipConfigurations/default` -> `default`).
pub fn ip_configuration_name(id: &str) -> &str {
    id_name(id)
}
