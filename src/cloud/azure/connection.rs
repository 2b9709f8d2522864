//! Azure virtual network gateway connections (IPsec, one per AWS tunnel): create with the
//! tunnel's shared key, BGP and custom APIPA addresses per gateway instance, optional
//! IPsec policy; read through a raw GET (id-only gateway references, see [`super::raw`]);
//! shared key get/set; delete.
//!
//! A connection PUT never changes the key of an existing connection (azurerm #11673, fixed
//! by PR #11742); [`create_or_update_connection`] therefore sets it through `/sharedkey`
//! when it differs. Shared keys are never logged: [`ConnectionSpec`]'s `Debug` redacts it,
//! no returned struct carries it, and every request or response holding one goes through
//! [`Network::raw`] rather than the SDK pipeline, whose transport policy logs whole
//! requests (bodies included) at debug level and whose retry policy logs them at trace.

use super::client::Network;
use super::convert::str_enum;
use super::object::{object_functions, put_and_poll, remaining, ArmKind, Managed};
use super::raw::{get_json, RawConnection};
use super::sdk::models;
use super::states::{ProvisioningStates, NETWORK_STATES};
use super::tags;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::WaitConfig;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The APIPA address one gateway instance uses for this connection
/// (`gatewayCustomBgpIpAddresses`). Set one per gateway ip configuration, or every
/// connection falls back to the first APIPA address (Microsoft docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomBgpAddress {
    /// `{gateway}/ipConfigurations/{name}`.
    pub ip_configuration_id: String,
    /// APIPA address (169.254.21.0-169.254.22.255).
    pub address: String,
}

/// A custom IPsec/IKE policy; values are ARM's spellings (`AES256`, `SHA256`, `DHGroup14`,
/// `PFS2048`, `GCMAES256`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpsecPolicySpec {
    /// IPsec SA lifetime in seconds.
    pub sa_life_time_seconds: i32,
    /// IPsec SA payload size in KB.
    pub sa_data_size_kilobytes: i32,
    /// IPsec (phase 2) encryption.
    pub ipsec_encryption: String,
    /// IPsec (phase 2) integrity.
    pub ipsec_integrity: String,
    /// IKE (phase 1) encryption.
    pub ike_encryption: String,
    /// IKE (phase 1) integrity.
    pub ike_integrity: String,
    /// IKE DH group.
    pub dh_group: String,
    /// PFS group.
    pub pfs_group: String,
}

/// The desired state of a connection.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectionSpec {
    /// Region (the gateway's).
    pub location: String,
    /// The Azure virtual network gateway.
    pub virtual_network_gateway_id: String,
    /// The local network gateway of the AWS tunnel.
    pub local_network_gateway_id: String,
    /// The tunnel's pre-shared key. Secret: redacted from `Debug`.
    pub shared_key: String,
    /// BGP over this tunnel.
    pub enable_bgp: bool,
    /// Custom APIPA address per gateway instance.
    pub custom_bgp_addresses: Vec<CustomBgpAddress>,
    /// Custom IPsec/IKE policy; `None` = Azure defaults.
    pub ipsec_policy: Option<IpsecPolicySpec>,
    /// Dead peer detection timeout in seconds; `None` = Azure's default (45).
    pub dpd_timeout_seconds: Option<i32>,
    /// Policy-based traffic selectors.
    pub use_policy_based_traffic_selectors: bool,
    /// Tags, ownership tags included.
    pub tags: BTreeMap<String, String>,
}

impl fmt::Debug for ConnectionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionSpec")
            .field("location", &self.location)
            .field(
                "virtual_network_gateway_id",
                &self.virtual_network_gateway_id,
            )
            .field("local_network_gateway_id", &self.local_network_gateway_id)
            .field("shared_key", &"<redacted>")
            .field("enable_bgp", &self.enable_bgp)
            .field("custom_bgp_addresses", &self.custom_bgp_addresses)
            .field("ipsec_policy", &self.ipsec_policy)
            .field("dpd_timeout_seconds", &self.dpd_timeout_seconds)
            .field(
                "use_policy_based_traffic_selectors",
                &self.use_policy_based_traffic_selectors,
            )
            .field("tags", &self.tags)
            .finish()
    }
}

/// A connection as we use it (never carries the shared key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// ARM provisioning state.
    pub provisioning_state: String,
    /// `Unknown`, `Connecting`, `Connected`, `NotConnected`.
    pub connection_status: String,
    /// `IKEv2`/`IKEv1`.
    pub connection_protocol: String,
    /// BGP on this connection.
    pub enable_bgp: bool,
    /// The Azure gateway.
    pub virtual_network_gateway_id: String,
    /// The local network gateway.
    pub local_network_gateway_id: String,
    /// Custom APIPA addresses per gateway instance.
    pub custom_bgp_addresses: Vec<CustomBgpAddress>,
    /// DPD timeout.
    pub dpd_timeout_seconds: Option<i32>,
    /// Custom IPsec/IKE policies (empty = Azure defaults).
    pub ipsec_policies: Vec<IpsecPolicySpec>,
    /// All tags.
    pub tags: BTreeMap<String, String>,
}

impl Connection {
    /// Whether the connection already is `spec` (the shared key aside: it is only readable
    /// through [`get_shared_key`]) and has provisioned, so a converge can skip the PUT.
    /// ARM ids compare case-insensitively (ARM may change their casing).
    pub fn matches(&self, spec: &ConnectionSpec) -> bool {
        let same_id = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let same_bgp = self.custom_bgp_addresses.len() == spec.custom_bgp_addresses.len()
            && self
                .custom_bgp_addresses
                .iter()
                .zip(&spec.custom_bgp_addresses)
                .all(|(a, b)| {
                    same_id(&a.ip_configuration_id, &b.ip_configuration_id)
                        && a.address == b.address
                });
        let same_dpd = spec.dpd_timeout_seconds.is_none()
            || self.dpd_timeout_seconds == spec.dpd_timeout_seconds;
        Self::STATES.is_target(&self.provisioning_state)
            && same_id(
                &self.virtual_network_gateway_id,
                &spec.virtual_network_gateway_id,
            )
            && same_id(
                &self.local_network_gateway_id,
                &spec.local_network_gateway_id,
            )
            && self.enable_bgp == spec.enable_bgp
            && same_bgp
            && self.ipsec_policies == spec.ipsec_policy.iter().cloned().collect::<Vec<_>>()
            && same_dpd
            && self.tags == spec.tags
    }
}

/// One ARM `ipsecPolicies` entry read back (missing fields read as empty / 0).
fn policy_from_json(v: &serde_json::Value) -> IpsecPolicySpec {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let n = |k: &str| {
        v[k].as_i64()
            .and_then(|x| i32::try_from(x).ok())
            .unwrap_or_default()
    };
    IpsecPolicySpec {
        sa_life_time_seconds: n("saLifeTimeSeconds"),
        sa_data_size_kilobytes: n("saDataSizeKilobytes"),
        ipsec_encryption: s("ipsecEncryption"),
        ipsec_integrity: s("ipsecIntegrity"),
        ike_encryption: s("ikeEncryption"),
        ike_integrity: s("ikeIntegrity"),
        dh_group: s("dhGroup"),
        pfs_group: s("pfsGroup"),
    }
}

impl Managed for Connection {
    const STATES: ProvisioningStates = NETWORK_STATES;
    /// azurerm `azurerm_virtual_network_gateway_connection`, Timeouts: create 30 min (update
    /// 30 min too) (hashicorp/terraform-provider-azurerm
    /// `website/docs/r/virtual_network_gateway_connection.html.markdown`, read 2026-12-07).
    const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// azurerm `azurerm_virtual_network_gateway_connection`, Timeouts: delete 30 min (same
    /// page).
    const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    fn provisioning_state(&self) -> &str {
        &self.provisioning_state
    }
}

/// Read through our own [`RawConnection`]: the SDK's model requires `properties` in the
/// gateway references, which real ARM sends as `{"id": ..}` only.
impl ArmKind for Connection {
    type Wire = RawConnection;
    const NOUN: &'static str = "connection";
    const RESOURCE_TYPE: &'static str = "connections";
    fn from_wire(r: RawConnection) -> Connection {
        from_raw(r)
    }
}

fn from_raw(r: RawConnection) -> Connection {
    let p = r.properties;
    Connection {
        id: r.id.unwrap_or_default(),
        name: r.name.unwrap_or_default(),
        location: r.location.unwrap_or_default(),
        connection_status: p.connection_status.unwrap_or_default(),
        provisioning_state: p.provisioning_state.unwrap_or_default(),
        connection_protocol: p.connection_protocol.unwrap_or_default(),
        enable_bgp: p.enable_bgp.unwrap_or(false),
        virtual_network_gateway_id: p
            .virtual_network_gateway1
            .and_then(|g| g.id)
            .unwrap_or_default(),
        local_network_gateway_id: p
            .local_network_gateway2
            .and_then(|g| g.id)
            .unwrap_or_default(),
        custom_bgp_addresses: p
            .gateway_custom_bgp_ip_addresses
            .into_iter()
            .map(|c| CustomBgpAddress {
                ip_configuration_id: c.ip_configuration_id,
                address: c.custom_bgp_ip_address,
            })
            .collect(),
        dpd_timeout_seconds: p.dpd_timeout_seconds,
        ipsec_policies: p.ipsec_policies.iter().map(policy_from_json).collect(),
        tags: r.tags.unwrap_or_default(),
    }
}

fn ipsec_policy(p: &IpsecPolicySpec) -> Result<models::IpsecPolicy> {
    Ok(models::IpsecPolicy {
        sa_life_time_seconds: p.sa_life_time_seconds,
        sa_data_size_kilobytes: p.sa_data_size_kilobytes,
        ipsec_encryption: str_enum(&p.ipsec_encryption)?,
        ipsec_integrity: str_enum(&p.ipsec_integrity)?,
        ike_encryption: str_enum(&p.ike_encryption)?,
        ike_integrity: str_enum(&p.ike_integrity)?,
        dh_group: str_enum(&p.dh_group)?,
        pfs_group: str_enum(&p.pfs_group)?,
    })
}

fn body(spec: &ConnectionSpec) -> Result<models::VirtualNetworkGatewayConnection> {
    let mut gw = models::VirtualNetworkGateway::new(Default::default());
    gw.resource.id = Some(spec.virtual_network_gateway_id.clone());
    let mut lng = models::LocalNetworkGateway::new(Default::default());
    lng.resource.id = Some(spec.local_network_gateway_id.clone());
    let mut props =
        models::VirtualNetworkGatewayConnectionPropertiesFormat::new(gw, str_enum("IPsec")?);
    props.local_network_gateway2 = Some(lng);
    props.shared_key = Some(spec.shared_key.clone());
    props.connection_protocol = Some(str_enum("IKEv2")?);
    props.enable_bgp = Some(spec.enable_bgp);
    props.use_policy_based_traffic_selectors = Some(spec.use_policy_based_traffic_selectors);
    props.dpd_timeout_seconds = spec.dpd_timeout_seconds;
    props.gateway_custom_bgp_ip_addresses = spec
        .custom_bgp_addresses
        .iter()
        .map(|c| {
            models::GatewayCustomBgpIpAddressIpConfiguration::new(
                c.ip_configuration_id.clone(),
                c.address.clone(),
            )
        })
        .collect();
    props.ipsec_policies = spec
        .ipsec_policy
        .iter()
        .map(ipsec_policy)
        .collect::<Result<_>>()?;
    let mut b = models::VirtualNetworkGatewayConnection::new(props);
    b.resource.location = Some(spec.location.clone());
    b.resource.tags = tags::to_sdk(&spec.tags);
    Ok(b)
}

/// Creates or updates the connection to `spec` and waits for it. For an existing
/// connection whose key differs, the key is then set through `/sharedkey` (the PUT ignores
/// it, azurerm #11673).
pub async fn create_or_update_connection(
    net: &Network,
    rg: &str,
    name: &str,
    spec: &ConnectionSpec,
    cfg: &WaitConfig,
) -> Result<Connection> {
    let conn = &Connection::at(net, rg, name);
    let context = conn.context("creating");
    let body = body(spec).map_err(|e| e.context(context.clone()))?;
    conn.within(
        "create",
        Connection::CREATE_TIMEOUT,
        cfg,
        |cfg| async move {
            let start = Instant::now();
            let existed = conn.find(&cfg.cancel).await?.is_some();
            let made = conn.put_unbounded("creating", &body, cfg.clone()).await?;
            if !existed || get_shared_key(net, rg, name, &cfg.cancel).await? == spec.shared_key {
                return Ok(made);
            }
            set_shared_key(net, rg, name, &spec.shared_key, &remaining(&cfg, start)).await?;
            conn.wait_created(&remaining(&cfg, start))
                .await
                .map_err(|e| e.context(context))
        },
    )
    .await
}

/// Reads the connection's shared key (`GET .../sharedkey`). Fails with
/// [`crate::cloud::ErrorKind::NotFound`] when the connection does not exist.
pub async fn get_shared_key(
    net: &Network,
    rg: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<String> {
    let conn = Connection::at(net, rg, name);
    let context = conn.context("reading the shared key of");
    let path = format!("{}/sharedkey", conn.path());
    let k: Option<models::ConnectionSharedKey> = get_json(net, cancel, &context, &path).await?;
    k.map(|k| k.value).ok_or_else(|| {
        CloudError::new(ErrorKind::NotFound, "the connection does not exist").context(context)
    })
}

/// Sets the connection's shared key (`PUT .../sharedkey`) and waits for the operation.
pub async fn set_shared_key(
    net: &Network,
    rg: &str,
    name: &str,
    key: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    let conn = Connection::at(net, rg, name);
    let context = conn.context("setting the shared key of");
    let path = format!("{}/sharedkey", conn.path());
    put_and_poll(
        net,
        &path,
        &serde_json::json!({ "value": key }),
        &context,
        cfg,
    )
    .await
}

object_functions! {
    Connection, name;
    /// Finds the connection (raw GET, tolerant of id-only references); `None` when it (or
    /// its resource group) does not exist.
    find: find_connection;
    /// Deletes the connection and waits until it is gone; already gone counts as success.
    delete: delete_connection;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_shared_key() {
        let s = ConnectionSpec {
            shared_key: "Sup3rSecretKey".into(),
            ..Default::default()
        };
        assert!(!format!("{s:?}").contains("Sup3rSecretKey"));
    }

    #[test]
    fn body_references_gateways_by_id_and_sends_custom_bgp_addresses() {
        let spec = ConnectionSpec {
            location: "westeurope".into(),
            virtual_network_gateway_id: "/gw".into(),
            local_network_gateway_id: "/lng".into(),
            shared_key: "k".into(),
            enable_bgp: true,
            custom_bgp_addresses: vec![CustomBgpAddress {
                ip_configuration_id: "/gw/ipConfigurations/default".into(),
                address: "169.254.21.2".into(),
            }],
            ..Default::default()
        };
        let v = serde_json::to_value(body(&spec).unwrap()).unwrap();
        let p = &v["properties"];
        assert_eq!(p["virtualNetworkGateway1"]["id"], "/gw");
        assert_eq!(p["localNetworkGateway2"]["id"], "/lng");
        assert_eq!(p["connectionType"], "IPsec");
        assert_eq!(p["connectionProtocol"], "IKEv2");
        assert_eq!(
            p["gatewayCustomBgpIpAddresses"][0]["customBgpIpAddress"],
            "169.254.21.2"
        );
    }
}
