//! ARM reads: [`get_json`] parses any GET into a type (an SDK model where it matches the
//! wire), and our own structs stand in where the SDK models cannot deserialize the real
//! answer: real Azure returns a connection's `virtualNetworkGateway1` /
//! `localNetworkGateway2` as `{"id": ..}` without `properties`, and the SDK's
//! `VirtualNetworkGateway`/`LocalNetworkGateway` require `properties` (azure-arm.md §1,
//! azure-rest-api-specs#755).

use super::client::Network;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use azure_core::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

/// The api-version of every raw call (the SDK's `package-2024-03`).
pub const API_VERSION: &str = "2024-03-01";

/// An id-only reference (`{"id": ..}`, any other fields ignored).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct IdRef {
    /// The referenced ARM id.
    #[serde(default)]
    pub id: Option<String>,
}

/// One `gatewayCustomBgpIpAddresses` entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RawCustomBgpAddress {
    /// `{gateway}/ipConfigurations/{name}`.
    #[serde(default)]
    pub ip_configuration_id: String,
    /// The APIPA address used on that instance for this connection.
    #[serde(default)]
    pub custom_bgp_ip_address: String,
}

/// The properties of a connection we read. The shared key is deliberately absent: it is
/// read only through `/sharedkey`, so it never lands in a struct that may be logged.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RawConnectionProperties {
    /// `Succeeded`, `Updating`, ...
    #[serde(default)]
    pub provisioning_state: Option<String>,
    /// `Unknown`, `Connecting`, `Connected`, `NotConnected`.
    #[serde(default)]
    pub connection_status: Option<String>,
    /// `IPsec`, `Vnet2Vnet`, ...
    #[serde(default)]
    pub connection_type: Option<String>,
    /// `IKEv2` / `IKEv1`.
    #[serde(default)]
    pub connection_protocol: Option<String>,
    /// BGP on this connection.
    #[serde(default)]
    pub enable_bgp: Option<bool>,
    /// DPD timeout.
    #[serde(default)]
    pub dpd_timeout_seconds: Option<i32>,
    /// Policy-based traffic selectors.
    #[serde(default)]
    pub use_policy_based_traffic_selectors: Option<bool>,
    /// The Azure gateway (id only, maybe with properties).
    #[serde(default, rename = "virtualNetworkGateway1")]
    pub virtual_network_gateway1: Option<IdRef>,
    /// The local network gateway (id only, maybe with properties).
    #[serde(default, rename = "localNetworkGateway2")]
    pub local_network_gateway2: Option<IdRef>,
    /// Custom APIPA addresses per gateway instance.
    #[serde(default)]
    pub gateway_custom_bgp_ip_addresses: Vec<RawCustomBgpAddress>,
    /// IPsec policies, as sent (kept as JSON; we only compare them).
    #[serde(default)]
    pub ipsec_policies: Vec<serde_json::Value>,
}

/// A connection as ARM returns it on GET.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RawConnection {
    /// ARM id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Region.
    #[serde(default)]
    pub location: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    /// Properties.
    #[serde(default)]
    pub properties: RawConnectionProperties,
}

/// `path` with our `api-version` unless it has one already.
pub fn with_api_version(path: &str) -> String {
    if path.contains("api-version=") {
        path.to_string()
    } else if path.contains('?') {
        format!("{path}&api-version={API_VERSION}")
    } else {
        format!("{path}?api-version={API_VERSION}")
    }
}

/// GETs `path` (`/subscriptions/...`, api-version added) and parses it as `T`; `None` on
/// 404 (`ResourceNotFound`, `ResourceGroupNotFound`). Retried like every call.
pub async fn get_json<T: DeserializeOwned>(
    net: &Network,
    cancel: &CancellationToken,
    context: &str,
    path: &str,
) -> Result<Option<T>> {
    match net
        .raw(cancel, context, Method::Get, &with_api_version(path), None)
        .await
    {
        Ok(rsp) => serde_json::from_slice(&rsp.body).map(Some).map_err(|e| {
            CloudError::new(
                ErrorKind::Client,
                format!("unexpected response from ARM: {e}"),
            )
            .context(context)
        }),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Raw GET of a connection, tolerant of id-only gateway references.
pub async fn get_connection(
    net: &Network,
    rg: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<Option<RawConnection>> {
    let path = net.resource_id(rg, "connections", name);
    get_json(
        net,
        cancel,
        &format!("reading Azure connection ({rg}/{name})"),
        &path,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_only_references_parse() {
        let body = br#"{"id":"/c/1","name":"c1","location":"westeurope","properties":{
            "provisioningState":"Succeeded","connectionStatus":"Connecting","enableBgp":true,
            "virtualNetworkGateway1":{"id":"/gw"},"localNetworkGateway2":{"id":"/lng"},
            "sharedKey":"never-kept","gatewayCustomBgpIpAddresses":[
              {"ipConfigurationId":"/gw/ipConfigurations/default","customBgpIpAddress":"169.254.21.2"}]}}"#;
        let c: RawConnection = serde_json::from_slice(body).unwrap();
        assert!(!format!("{:?}", c.properties).contains("never-kept"));
        assert_eq!(
            c.properties.virtual_network_gateway1.unwrap().id.as_deref(),
            Some("/gw")
        );
        assert_eq!(
            c.properties.local_network_gateway2.unwrap().id.as_deref(),
            Some("/lng")
        );
        assert_eq!(c.properties.gateway_custom_bgp_ip_addresses.len(), 1);
    }
}
