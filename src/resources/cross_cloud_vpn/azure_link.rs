//! Azure local network gateways and gateway connections (with their shared keys), which
//! `cloud/azure` does not offer yet. Raw ARM JSON through [`Network::raw`] (with its retries)
//! and the shared LRO poller: connection GETs carry id-only gateway references that
//! azure_mgmt_network 0.21 cannot deserialize (azure-arm.md §1). Shared keys never reach a
//! log line or an error message.

use crate::cloud::azure::lro::{wait_operation, Operation};
use crate::cloud::azure::Network;
use crate::cloud::error::Result;
use crate::cloud::wait::{wait_for, Probe, WaitConfig};
use azure_core::Method;
use serde_json::{json, Value as Json};

/// ARM api-version of every call here (the SDK's package).
pub const API_VERSION: &str = "2024-03-01";

/// A local network gateway as we use it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalGateway {
    /// ARM id.
    pub id: String,
    /// The remote (AWS tunnel) address.
    pub ip: String,
    /// Address prefixes.
    pub prefixes: Vec<String>,
    /// BGP peer (ASN, address).
    pub bgp: Option<(i64, String)>,
    /// Provisioning state.
    pub provisioning_state: String,
}

/// A gateway connection as we use it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Connection {
    /// ARM id.
    pub id: String,
    /// `virtualNetworkGateway1.id`.
    pub gateway_id: String,
    /// `localNetworkGateway2.id`.
    pub local_gateway_id: String,
    /// BGP on the connection.
    pub enable_bgp: bool,
    /// (ip configuration id, address) pairs.
    pub custom_bgp: Vec<(String, String)>,
    /// `Connected`, `Connecting`, `NotConnected`, `Unknown`.
    pub status: String,
    /// Provisioning state.
    pub provisioning_state: String,
    /// The raw `ipsecPolicies`.
    pub ipsec_policies: Json,
}

/// What a local network gateway should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalGatewaySpec {
    /// Region.
    pub location: String,
    /// AWS tunnel outside IP.
    pub ip: String,
    /// AWS prefixes (static routing) or the BGP peer's /32.
    pub prefixes: Vec<String>,
    /// (Amazon-side ASN, AWS inside address) with BGP.
    pub bgp: Option<(i64, String)>,
    /// Tags.
    pub tags: std::collections::BTreeMap<String, String>,
}

/// What a connection should look like (the shared key travels separately).
#[derive(Clone, PartialEq)]
pub struct ConnectionSpec {
    /// Region.
    pub location: String,
    /// Gateway id.
    pub gateway_id: String,
    /// Local network gateway id.
    pub local_gateway_id: String,
    /// BGP on.
    pub enable_bgp: bool,
    /// (ip configuration id, APIPA address) for every gateway instance.
    pub custom_bgp: Vec<(String, String)>,
    /// One IPsec policy object in ARM form, or none.
    pub ipsec_policy: Option<Json>,
    /// Shared key (used on create only; see [`set_shared_key`]).
    pub shared_key: String,
    /// Tags.
    pub tags: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for ConnectionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSpec")
            .field("gateway_id", &self.gateway_id)
            .field("local_gateway_id", &self.local_gateway_id)
            .field("shared_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn url(id: &str) -> String {
    format!("{id}?api-version={API_VERSION}")
}

async fn get(net: &Network, id: &str, what: &str, cfg: &WaitConfig) -> Result<Option<Json>> {
    match net
        .raw(
            &cfg.cancel,
            &format!("reading {what}"),
            Method::Get,
            &url(id),
            None,
        )
        .await
    {
        Ok(r) => Ok(serde_json::from_slice(&r.body).ok()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

async fn put_and_poll(
    net: &Network,
    id: &str,
    what: &str,
    body: &Json,
    cfg: &WaitConfig,
) -> Result<()> {
    let ctx = format!("writing {what}");
    let r = net
        .raw(&cfg.cancel, &ctx, Method::Put, &url(id), Some(body))
        .await?;
    let op = Operation::from_headers(r.status, &r.headers);
    wait_operation(net, &ctx, &op, cfg).await
}

async fn delete_and_wait(net: &Network, id: &str, what: &str, cfg: &WaitConfig) -> Result<()> {
    let ctx = format!("deleting {what}");
    match net
        .raw(&cfg.cancel, &ctx, Method::Delete, &url(id), None)
        .await
    {
        Ok(r) => {
            let op = Operation::from_headers(r.status, &r.headers);
            wait_operation(net, &ctx, &op, cfg).await?;
        }
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    }
    wait_for(&format!("{what} to be deleted"), cfg, || async {
        Ok(match get(net, id, what, cfg).await? {
            None => Probe::Done(()),
            Some(_) => Probe::Pending("present".into()),
        })
    })
    .await
}

async fn wait_succeeded(net: &Network, id: &str, what: &str, cfg: &WaitConfig) -> Result<Json> {
    wait_for(&format!("{what} to succeed"), cfg, || async {
        Ok(match get(net, id, what, cfg).await? {
            None => Probe::Pending("absent".into()),
            Some(v) => match v["properties"]["provisioningState"].as_str().unwrap_or("") {
                "Succeeded" => Probe::Done(v),
                "Failed" | "Canceled" => Probe::Failed(format!(
                    "provisioningState {}",
                    v["properties"]["provisioningState"]
                )),
                s => Probe::Pending(s.to_string()),
            },
        })
    })
    .await
}

fn strs(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn local_gateway_from(v: &Json) -> LocalGateway {
    let p = &v["properties"];
    LocalGateway {
        id: v["id"].as_str().unwrap_or_default().to_string(),
        ip: p["gatewayIpAddress"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        prefixes: strs(&p["localNetworkAddressSpace"]["addressPrefixes"]),
        bgp: p["bgpSettings"]["asn"].as_i64().map(|a| {
            (
                a,
                p["bgpSettings"]["bgpPeeringAddress"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        }),
        provisioning_state: p["provisioningState"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}

fn connection_from(v: &Json) -> Connection {
    let p = &v["properties"];
    Connection {
        id: v["id"].as_str().unwrap_or_default().to_string(),
        gateway_id: p["virtualNetworkGateway1"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        local_gateway_id: p["localNetworkGateway2"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        enable_bgp: p["enableBgp"].as_bool().unwrap_or(false),
        custom_bgp: p["gatewayCustomBgpIpAddresses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["ipConfigurationId"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                            x["customBgpIpAddress"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        status: p["connectionStatus"]
            .as_str()
            .unwrap_or("Unknown")
            .to_string(),
        provisioning_state: p["provisioningState"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ipsec_policies: p["ipsecPolicies"].clone(),
    }
}

/// Finds local network gateway `id`; `None` when absent.
pub async fn find_local_gateway(
    net: &Network,
    id: &str,
    cfg: &WaitConfig,
) -> Result<Option<LocalGateway>> {
    Ok(
        get(net, id, &format!("Azure local network gateway ({id})"), cfg)
            .await?
            .map(|v| local_gateway_from(&v)),
    )
}

/// Whether an existing local network gateway already matches `spec`.
pub fn local_gateway_matches(l: &LocalGateway, spec: &LocalGatewaySpec) -> bool {
    l.ip == spec.ip
        && l.prefixes == spec.prefixes
        && l.bgp == spec.bgp
        && l.provisioning_state == "Succeeded"
}

/// Creates or updates local network gateway `id` and waits until it has succeeded.
pub async fn put_local_gateway(
    net: &Network,
    id: &str,
    spec: &LocalGatewaySpec,
    cfg: &WaitConfig,
) -> Result<LocalGateway> {
    let what = format!("Azure local network gateway ({id})");
    let mut props = json!({
        "gatewayIpAddress": spec.ip,
        "localNetworkAddressSpace": {"addressPrefixes": spec.prefixes},
    });
    if let Some((asn, addr)) = &spec.bgp {
        props["bgpSettings"] = json!({"asn": asn, "bgpPeeringAddress": addr, "peerWeight": 0});
    }
    let body = json!({"location": spec.location, "tags": spec.tags, "properties": props});
    put_and_poll(net, id, &what, &body, cfg).await?;
    Ok(local_gateway_from(
        &wait_succeeded(net, id, &what, cfg).await?,
    ))
}

/// Deletes local network gateway `id` and waits until it is gone (absent = success).
pub async fn delete_local_gateway(net: &Network, id: &str, cfg: &WaitConfig) -> Result<()> {
    delete_and_wait(net, id, &format!("Azure local network gateway ({id})"), cfg).await
}

/// Finds connection `id`; `None` when absent.
pub async fn find_connection(
    net: &Network,
    id: &str,
    cfg: &WaitConfig,
) -> Result<Option<Connection>> {
    Ok(get(net, id, &format!("Azure connection ({id})"), cfg)
        .await?
        .map(|v| connection_from(&v)))
}

/// Whether an existing connection already matches `spec` (shared key aside).
pub fn connection_matches(c: &Connection, spec: &ConnectionSpec) -> bool {
    let policies = match &spec.ipsec_policy {
        Some(p) => json!([p]),
        None => json!([]),
    };
    let same_policy =
        c.ipsec_policies == policies || (spec.ipsec_policy.is_none() && c.ipsec_policies.is_null());
    c.enable_bgp == spec.enable_bgp
        && c.custom_bgp.len() == spec.custom_bgp.len()
        && c.custom_bgp
            .iter()
            .zip(&spec.custom_bgp)
            .all(|(a, b)| a.0.eq_ignore_ascii_case(&b.0) && a.1 == b.1)
        && same_policy
        && c.provisioning_state == "Succeeded"
}

/// Creates or updates IPsec connection `id` and waits until it has succeeded. On an existing
/// connection ARM keeps the old key; change it with [`set_shared_key`].
pub async fn put_connection(
    net: &Network,
    id: &str,
    spec: &ConnectionSpec,
    cfg: &WaitConfig,
) -> Result<Connection> {
    let what = format!("Azure connection ({id})");
    let body = json!({
        "location": spec.location,
        "tags": spec.tags,
        "properties": {
            "connectionType": "IPsec",
            "connectionProtocol": "IKEv2",
            "virtualNetworkGateway1": {"id": spec.gateway_id},
            "localNetworkGateway2": {"id": spec.local_gateway_id},
            "enableBgp": spec.enable_bgp,
            "sharedKey": spec.shared_key,
            "gatewayCustomBgpIpAddresses": spec.custom_bgp.iter().map(|(i, a)| json!({"ipConfigurationId": i, "customBgpIpAddress": a})).collect::<Vec<_>>(),
            "ipsecPolicies": spec.ipsec_policy.iter().collect::<Vec<_>>(),
            "dpdTimeoutSeconds": 45,
        }
    });
    put_and_poll(net, id, &what, &body, cfg).await?;
    Ok(connection_from(&wait_succeeded(net, id, &what, cfg).await?))
}

/// Deletes connection `id` and waits until it is gone (absent = success).
pub async fn delete_connection(net: &Network, id: &str, cfg: &WaitConfig) -> Result<()> {
    delete_and_wait(net, id, &format!("Azure connection ({id})"), cfg).await
}

/// The connection's shared key (`GET .../sharedkey`); `None` when the connection is gone.
pub async fn get_shared_key(net: &Network, id: &str, cfg: &WaitConfig) -> Result<Option<String>> {
    let key_id = format!("{id}/sharedkey");
    Ok(get(
        net,
        &key_id,
        &format!("Azure connection ({id}) shared key"),
        cfg,
    )
    .await?
    .and_then(|v| v["value"].as_str().map(str::to_string)))
}

/// Sets the connection's shared key (`PUT .../sharedkey`, an LRO) and waits for it.
pub async fn set_shared_key(net: &Network, id: &str, key: &str, cfg: &WaitConfig) -> Result<()> {
    let key_id = format!("{id}/sharedkey");
    put_and_poll(
        net,
        &key_id,
        &format!("Azure connection ({id}) shared key"),
        &json!({"value": key}),
        cfg,
    )
    .await
}
