//! Azure local network gateways: the Azure-side record of one AWS tunnel endpoint (its
//! outside IP, the AWS prefixes, and optionally its BGP ASN and inside address).
//!
//! Updates always send the whole desired state in ONE PUT. azurerm once cleared the
//! address space and re-added it, which fails with
//! `LocalNetworkGatewayCannotHaveEmptyAddressPrefixAndBgpSettings` (#15163) or drops every
//! prefix for ~20 min (#16327).

use super::client::Network;
use super::convert::opt_enum_str;
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

/// Default create/update timeout (azurerm `azurerm_local_network_gateway`: 30 min).
pub const LOCAL_GATEWAY_CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default delete timeout (azurerm `azurerm_local_network_gateway`: 30 min).
pub const LOCAL_GATEWAY_DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// BGP settings of the remote (AWS) side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalGatewayBgp {
    /// The AWS side's ASN (the VGW/TGW amazon-side ASN).
    pub asn: u32,
    /// The AWS side's BGP address (its tunnel inside IP, e.g. `169.254.21.1`).
    pub peering_address: String,
}

/// The desired state of a local network gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalGatewaySpec {
    /// Region.
    pub location: String,
    /// The AWS tunnel's outside IP.
    pub gateway_ip_address: String,
    /// AWS-side prefixes reachable through it (may be empty with BGP).
    pub address_prefixes: Vec<String>,
    /// BGP peer, if BGP.
    pub bgp: Option<LocalGatewayBgp>,
    /// Tags, ownership tags included.
    pub tags: BTreeMap<String, String>,
}

/// A local network gateway as we use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalGateway {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// Remote outside IP.
    pub gateway_ip_address: Option<String>,
    /// Remote prefixes.
    pub address_prefixes: Vec<String>,
    /// Remote BGP peer.
    pub bgp: Option<LocalGatewayBgp>,
    /// ARM provisioning state.
    pub provisioning_state: String,
    /// All tags.
    pub tags: BTreeMap<String, String>,
}

impl LocalGateway {
    /// Whether the local network gateway already is `spec` and has provisioned, so a
    /// converge can skip the PUT.
    pub fn matches(&self, spec: &LocalGatewaySpec) -> bool {
        self.provisioning_state == "Succeeded"
            && self.gateway_ip_address.as_deref() == Some(spec.gateway_ip_address.as_str())
            && self.address_prefixes == spec.address_prefixes
            && self.bgp == spec.bgp
            && self.tags == spec.tags
    }
}

impl Provisioned for LocalGateway {
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}

fn from_model(m: models::LocalNetworkGateway) -> LocalGateway {
    let p = m.properties;
    LocalGateway {
        id: m.resource.id.unwrap_or_default(),
        name: m.resource.name.unwrap_or_default(),
        location: m.resource.location.unwrap_or_default(),
        gateway_ip_address: p.gateway_ip_address,
        address_prefixes: p
            .local_network_address_space
            .map(|a| a.address_prefixes)
            .unwrap_or_default(),
        bgp: p.bgp_settings.and_then(|b| {
            Some(LocalGatewayBgp {
                asn: u32::try_from(b.asn?).ok()?,
                peering_address: b.bgp_peering_address.unwrap_or_default(),
            })
        }),
        provisioning_state: opt_enum_str(p.provisioning_state.as_ref()),
        tags: tags::from_sdk(m.resource.tags.as_ref()),
    }
}

fn ctx(verb: &str, rg: &str, name: &str) -> String {
    format!("{verb} Azure local network gateway ({rg}/{name})")
}

/// Finds the local network gateway; `None` when it (or its resource group) is absent.
pub async fn find_local_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<Option<LocalGateway>> {
    let path = net.resource_id(rg, "localNetworkGateways", name);
    let found: Option<models::LocalNetworkGateway> =
        get_json(net, cancel, &ctx("reading", rg, name), &path).await?;
    Ok(found.map(from_model))
}

/// Waits for `Succeeded` (pending: `Updating`, absent; failure: `Failed`).
pub async fn wait_local_gateway_succeeded(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<LocalGateway> {
    wait_succeeded(
        &format!("Azure local network gateway ({rg}/{name}) to succeed"),
        cfg,
        || find_local_gateway(net, rg, name, &cfg.cancel),
    )
    .await
}

/// Waits until the local network gateway is gone.
pub async fn wait_local_gateway_deleted(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    wait_absent(
        &format!("Azure local network gateway ({rg}/{name}) to be deleted"),
        cfg,
        || find_local_gateway(net, rg, name, &cfg.cancel),
    )
    .await
}

/// Creates or updates the local network gateway to exactly `spec` in one PUT and waits.
pub async fn create_or_update_local_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    spec: &LocalGatewaySpec,
    cfg: &WaitConfig,
) -> Result<LocalGateway> {
    let context = ctx("creating", rg, name);
    let start = Instant::now();
    let props = models::LocalNetworkGatewayPropertiesFormat {
        gateway_ip_address: Some(spec.gateway_ip_address.clone()),
        local_network_address_space: Some(models::AddressSpace {
            address_prefixes: spec.address_prefixes.clone(),
        }),
        bgp_settings: spec.bgp.as_ref().map(|b| models::BgpSettings {
            asn: Some(i64::from(b.asn)),
            bgp_peering_address: Some(b.peering_address.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut body = models::LocalNetworkGateway::new(props);
    body.resource.location = Some(spec.location.clone());
    body.resource.tags = tags::to_sdk(&spec.tags);
    let path = net.resource_id(rg, "localNetworkGateways", name);
    put_and_poll(net, &path, &body, &context, cfg).await?;
    wait_local_gateway_succeeded(net, rg, name, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}

/// Deletes the local network gateway and waits until it is gone; already gone counts as
/// success. Its connections must be deleted first.
pub async fn delete_local_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    let context = ctx("deleting", rg, name);
    let start = Instant::now();
    let path = net.resource_id(rg, "localNetworkGateways", name);
    delete_and_poll(net, &path, &context, cfg).await?;
    wait_local_gateway_deleted(net, rg, name, &remaining(cfg, start))
        .await
        .map_err(|e| e.context(context))
}
