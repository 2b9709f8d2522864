//! Azure local network gateways: the Azure-side record of one AWS tunnel endpoint (its
//! outside IP, the AWS prefixes, and optionally its BGP ASN and inside address).
//!
//! Updates always send the whole desired state in ONE PUT. azurerm once cleared the
//! address space and re-added it, which fails with
//! `LocalNetworkGatewayCannotHaveEmptyAddressPrefixAndBgpSettings` (#15163) or drops every
//! prefix for ~20 min (#16327).

use super::client::Network;
use super::convert::opt_enum_str;
use super::object::{object_functions, ArmKind, Managed};
use super::sdk::models;
use super::states::{ProvisioningStates, NETWORK_STATES};
use super::tags;
use crate::cloud::error::Result;
use crate::cloud::wait::WaitConfig;
use std::collections::BTreeMap;
use std::time::Duration;

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
    /// All tags.
    pub tags: BTreeMap<String, String>,
    /// ARM provisioning state.
    pub provisioning_state: String,
}

impl LocalGateway {
    /// Whether the local network gateway already is `spec` and has provisioned, so a
    /// converge can skip the PUT.
    pub fn matches(&self, spec: &LocalGatewaySpec) -> bool {
        Self::STATES.is_target(&self.provisioning_state)
            && self.gateway_ip_address.as_deref() == Some(spec.gateway_ip_address.as_str())
            && self.address_prefixes == spec.address_prefixes
            && self.bgp == spec.bgp
            && self.tags == spec.tags
    }
}

impl Managed for LocalGateway {
    const STATES: ProvisioningStates = NETWORK_STATES;
    /// azurerm `azurerm_local_network_gateway`, Timeouts: create 30 min (update 30 min too)
    /// (hashicorp/terraform-provider-azurerm `website/docs/r/local_network_gateway.html.markdown`,
    /// read 2026-12-07).
    const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// azurerm `azurerm_local_network_gateway`, Timeouts: delete 30 min (same page).
    const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}

impl ArmKind for LocalGateway {
    type Wire = models::LocalNetworkGateway;
    const NOUN: &'static str = "local network gateway";
    const RESOURCE_TYPE: &'static str = "localNetworkGateways";
    fn from_wire(m: models::LocalNetworkGateway) -> LocalGateway {
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
}

/// The properties of `spec`, all of them: an update sends the whole desired state.
fn properties(spec: &LocalGatewaySpec) -> models::LocalNetworkGatewayPropertiesFormat {
    models::LocalNetworkGatewayPropertiesFormat {
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
    }
}

/// Creates or updates the local network gateway to exactly `spec` in one PUT and waits.
pub async fn create_or_update_local_gateway(
    net: &Network,
    rg: &str,
    name: &str,
    spec: &LocalGatewaySpec,
    cfg: &WaitConfig,
) -> Result<LocalGateway> {
    let mut body = models::LocalNetworkGateway::new(properties(spec));
    body.resource.location = Some(spec.location.clone());
    body.resource.tags = tags::to_sdk(&spec.tags);
    LocalGateway::at(net, rg, name)
        .put("creating", &body, cfg)
        .await
}

object_functions! {
    LocalGateway, name;
    /// Finds the local network gateway; `None` when it (or its resource group) is absent.
    find: find_local_gateway;
    /// Deletes the local network gateway and waits until it is gone; already gone counts
    /// as success. Its connections must be deleted first.
    delete: delete_local_gateway;
}
