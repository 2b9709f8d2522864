//! ARM conformance: the real `azure_identity` 0.21 `ClientSecretCredential` and
//! `azure_mgmt_network` 0.21 client against the in-process emulator, plus raw requests where
//! the SDK cannot look (headers, status codes, the id-only reference shape).

use azure_core::{
    auth::TokenCredential,
    headers::{HeaderName, Headers},
    Method, Request, StatusCode, Url,
};
use azure_identity::ClientSecretCredential;
use azure_mgmt_network::{models, Client};
use cloudlink_emulator::{links::AwsTunnel, profile::Profile, server, Emulator};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const RG: &str = "rg-link";
const SCOPE: &str = "https://management.azure.com/.default";
const SECRET: &str = "emulator-secret";

#[path = "../../tests/spec/wire.rs"]
mod wire;

/// The harness: an emulator whose answers are checked against the swagger when the test
/// ends (the requests break the specs on purpose in places), and clients for it.
struct H {
    emu: wire::Checked,
    url: String,
    cred: Arc<ClientSecretCredential>,
    client: Client,
}

async fn start_scaled(scale: f64) -> H {
    let emu = Arc::new(Emulator::new(Profile::named("fast", scale).unwrap(), 7));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = server::router(emu.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let cred = Arc::new(ClientSecretCredential::new(
        azure_core::new_http_client(),
        Url::parse(&url).unwrap(),
        "tenant-1".into(),
        "client-1".into(),
        SECRET.into(),
    ));
    let client = Client::builder(cred.clone())
        .endpoint(Url::parse(&url).unwrap())
        .scopes(&[SCOPE])
        .build()
        .unwrap();
    H {
        emu: wire::Checked::responses(emu),
        url,
        cred,
        client,
    }
}

async fn start() -> H {
    start_scaled(1.0).await
}

/// The raw answer of the emulator.
struct Raw {
    status: StatusCode,
    headers: Headers,
    body: Value,
}

impl Raw {
    fn header(&self, name: &'static str) -> Option<String> {
        self.headers
            .get_optional_string(&HeaderName::from_static(name))
    }
}

impl H {
    fn id(&self, kind: &str, name: &str) -> String {
        format!(
            "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/{kind}/{name}"
        )
    }

    async fn raw(&self, method: Method, path_or_url: &str, body: Option<Value>) -> Raw {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else if path_or_url.contains("api-version") {
            format!("{}{path_or_url}", self.url)
        } else {
            format!("{}{path_or_url}?api-version=2024-03-01", self.url)
        };
        let mut req = Request::new(Url::parse(&url).unwrap(), method);
        let token = self.cred.get_token(&[SCOPE]).await.unwrap();
        req.insert_header("authorization", format!("Bearer {}", token.token.secret()));
        if let Some(b) = body {
            req.insert_header("content-type", "application/json");
            req.set_body(b.to_string());
        }
        let rsp = azure_core::new_http_client()
            .execute_request(&req)
            .await
            .unwrap();
        let (status, headers, body) = rsp.deconstruct();
        let bytes = body.collect().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Raw {
            status,
            headers,
            body,
        }
    }

    async fn resource_group(&self) {
        let r = self
            .raw(
                Method::Put,
                &format!("/subscriptions/{SUB}/resourcegroups/{RG}?api-version=2021-04-01"),
                Some(json!({"location": "westeurope"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    }

    async fn vnet(&self, name: &str, gateway_subnet: &str) -> models::VirtualNetwork {
        let body: models::VirtualNetwork = serde_json::from_value(json!({
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [
                    {"name": "GatewaySubnet", "properties": {"addressPrefix": gateway_subnet}},
                    {"name": "workload", "properties": {"addressPrefix": "10.1.1.0/24"}},
                ]
            }
        }))
        .unwrap();
        self.client
            .virtual_networks_client()
            .create_or_update(RG, name, body, SUB)
            .await
            .unwrap()
    }

    async fn pip(&self, name: &str) -> models::PublicIpAddress {
        let body: models::PublicIpAddress = serde_json::from_value(json!({
            "location": "westeurope",
            "sku": {"name": "Standard"},
            "zones": ["1", "2", "3"],
            "properties": {"publicIPAllocationMethod": "Static"}
        }))
        .unwrap();
        self.client
            .public_ip_addresses_client()
            .create_or_update(RG, name, body, SUB)
            .await
            .unwrap()
    }

    fn gateway_body(&self, vnet: &str, pips: &[&str], sku: &str) -> models::VirtualNetworkGateway {
        let ipcs: Vec<Value> = pips
            .iter()
            .enumerate()
            .map(|(i, p)| {
                json!({"name": format!("ipconfig{i}"), "properties": {
                    "subnet": {"id": format!("{}/subnets/GatewaySubnet", self.id("virtualNetworks", vnet))},
                    "publicIPAddress": {"id": self.id("publicIPAddresses", p)},
                }})
            })
            .collect();
        let peering: Vec<Value> = (0..pips.len())
            .map(|i| {
                json!({
                    "ipconfigurationId": format!("{}/ipConfigurations/ipconfig{i}", self.id("virtualNetworkGateways", "vng")),
                    "customBgpIpAddresses": [format!("169.254.21.{}", 2 + 4 * i), format!("169.254.22.{}", 2 + 4 * i)],
                })
            })
            .collect();
        serde_json::from_value(json!({
            "location": "westeurope",
            "properties": {
                "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
                "activeActive": pips.len() == 2, "enableBgp": true,
                "bgpSettings": {"asn": 65010, "bgpPeeringAddresses": peering},
                "ipConfigurations": ipcs,
            }
        }))
        .unwrap()
    }

    async fn lng(&self, name: &str, ip: &str) -> models::LocalNetworkGateway {
        let body: models::LocalNetworkGateway = serde_json::from_value(json!({
            "location": "westeurope",
            "properties": {
                "gatewayIpAddress": ip,
                "localNetworkAddressSpace": {"addressPrefixes": ["172.16.0.0/16"]},
                "bgpSettings": {"asn": 64512, "bgpPeeringAddress": "169.254.21.1"}
            }
        }))
        .unwrap();
        self.client
            .local_network_gateways_client()
            .create_or_update(RG, name, body, SUB)
            .await
            .unwrap()
    }

    fn connection_body(
        &self,
        lng: &str,
        key: Option<&str>,
    ) -> models::VirtualNetworkGatewayConnection {
        let mut v = json!({
            "location": "westeurope",
            "properties": {
                "connectionType": "IPsec",
                "virtualNetworkGateway1": {"id": self.id("virtualNetworkGateways", "vng"), "properties": {}},
                "localNetworkGateway2": {"id": self.id("localNetworkGateways", lng), "properties": {}},
                "enableBgp": true,
                "connectionProtocol": "IKEv2",
                "dpdTimeoutSeconds": 30,
                "gatewayCustomBgpIpAddresses": [
                    {"ipConfigurationId": format!("{}/ipConfigurations/ipconfig0", self.id("virtualNetworkGateways", "vng")), "customBgpIpAddress": "169.254.21.2"},
                ],
            }
        });
        if let Some(k) = key {
            v["properties"]["sharedKey"] = json!(k);
        }
        serde_json::from_value(v).unwrap()
    }

    /// RG, VNet, one public IP, an active-standby BGP gateway (built through the SDK).
    async fn gateway_stack(&self) -> models::VirtualNetworkGateway {
        self.resource_group().await;
        self.vnet("vnet", "10.1.255.0/27").await;
        self.pip("pip0").await;
        let body = self.gateway_body("vnet", &["pip0"], "VpnGw1AZ");
        self.client
            .virtual_network_gateways_client()
            .create_or_update(RG, "vng", body, SUB)
            .await
            .unwrap()
    }

    /// Polls a delete's `Location` until it stops answering 202.
    async fn wait_location(&self, location: &str) -> StatusCode {
        self.wait_location_result(location).await.status
    }

    /// Polls an operation's `Location` until it stops answering 202; returns the final answer.
    async fn wait_location_result(&self, location: &str) -> Raw {
        for _ in 0..200 {
            let r = self.raw(Method::Get, location, None).await;
            assert!(r.header("retry-after").is_some() && r.header("retry-after-ms").is_some());
            if r.status != StatusCode::Accepted {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("operation never finished");
    }

    fn counter(&self, action: &str) -> u64 {
        self.emu
            .observe
            .counters()
            .get("arm")
            .and_then(|m| m.get(action))
            .copied()
            .unwrap_or(0)
    }
}

fn code(e: &azure_core::Error) -> (u16, String) {
    let h = e
        .as_http_error()
        .unwrap_or_else(|| panic!("not an HTTP error: {e}"));
    (
        u16::from(h.status()),
        h.error_code().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_and_calls_without_our_token_get_401() {
    let h = start().await;
    let bad = ClientSecretCredential::new(
        azure_core::new_http_client(),
        Url::parse(&h.url).unwrap(),
        "tenant-1".into(),
        "client-1".into(),
        "wrong".into(),
    );
    let err = bad.get_token(&[SCOPE]).await.unwrap_err();
    assert!(format!("{err:?}").contains("AADSTS7000215"), "{err:?}");
    assert!(h.cred.get_token(&[SCOPE]).await.is_ok());

    let mut req = Request::new(
        Url::parse(&format!(
            "{}/subscriptions/{SUB}/resourcegroups/{RG}?api-version=2021-04-01",
            h.url
        ))
        .unwrap(),
        Method::Get,
    );
    let rsp = azure_core::new_http_client()
        .execute_request(&req)
        .await
        .unwrap();
    assert_eq!(rsp.status(), StatusCode::Unauthorized);
    req.insert_header("authorization", "Bearer forged.token.value");
    let rsp = azure_core::new_http_client()
        .execute_request(&req)
        .await
        .unwrap();
    assert_eq!(rsp.status(), StatusCode::Unauthorized);
    assert_eq!(
        rsp.headers()
            .get_optional_string(&HeaderName::from_static("x-ms-error-code"))
            .as_deref(),
        Some("InvalidAuthenticationToken")
    );
}

#[tokio::test]
async fn a_public_ip_gets_its_address_at_once_and_a_gateway_goes_from_updating_to_succeeded() {
    let h = start_scaled(10.0).await;
    h.resource_group().await;
    let vnet = h.vnet("vnet", "10.1.255.0/27").await;
    let subnets = vnet.properties.unwrap().subnets;
    assert_eq!(subnets.len(), 2);
    let pip = h.pip("pip0").await;
    let ip = pip.properties.unwrap().ip_address.unwrap();
    assert!(ip.starts_with("198.51.100."), "{ip}");

    let body = h.gateway_body("vnet", &["pip0"], "VpnGw1AZ");
    let client = h.client.clone();
    let task = tokio::spawn(async move {
        client
            .virtual_network_gateways_client()
            .create_or_update(RG, "vng", body, SUB)
            .await
    });
    let mut seen_updating = false;
    for _ in 0..100 {
        let r = h
            .raw(Method::Get, &h.id("virtualNetworkGateways", "vng"), None)
            .await;
        if r.status == StatusCode::Ok {
            seen_updating = r.body["properties"]["provisioningState"] == "Updating";
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(seen_updating, "the gateway was never seen pending");
    let gw = task.await.unwrap().unwrap();
    assert_eq!(
        format!("{:?}", gw.properties.provisioning_state.unwrap()),
        "Succeeded"
    );
    let bgp = gw.properties.bgp_settings.unwrap();
    assert_eq!(bgp.asn, Some(65010));
    assert_eq!(bgp.bgp_peering_address.as_deref(), Some("10.1.255.30"));
    let timeline = h.emu.observe.timeline();
    let entry = timeline
        .iter()
        .find(|t| t.action == "PUT virtualNetworkGateways")
        .unwrap();
    assert!(entry.end_ms >= entry.start_ms + 150);

    // The first PUT response itself: 200 on update, Updating, LRO headers.
    let r = h
        .raw(
            Method::Put,
            &h.id("virtualNetworkGateways", "vng"),
            Some(serde_json::to_value(h.gateway_body("vnet", &["pip0"], "VpnGw2AZ")).unwrap()),
        )
        .await;
    assert_eq!(r.status, StatusCode::Ok, "{}", r.body);
    assert_eq!(r.body["properties"]["provisioningState"], "Updating");
    assert!(r
        .header("azure-asyncoperation")
        .unwrap()
        .contains("/providers/Microsoft.Network/locations/westeurope/operations/"));
    assert!(r.header("retry-after").is_some() && r.header("retry-after-ms").is_some());
    assert!(r.body["etag"].as_str().unwrap().starts_with("W/\""));
    let op = h
        .raw(
            Method::Get,
            &r.header("azure-asyncoperation").unwrap(),
            None,
        )
        .await;
    assert_eq!(op.body["status"], "InProgress");
}

#[tokio::test]
async fn a_connection_gets_a_generated_key_that_only_the_sharedkey_endpoints_change() {
    let h = start().await;
    h.emu.arm.lock().unwrap().reference_style_full = true;
    h.gateway_stack().await;
    h.lng("lng0", "203.0.113.10").await;
    let conns = h.client.virtual_network_gateway_connections_client();
    let c = conns
        .create_or_update(RG, "conn0", h.connection_body("lng0", None), SUB)
        .await
        .unwrap();
    assert_eq!(
        format!("{:?}", c.properties.connection_status.unwrap()),
        "NotConnected"
    );
    let key = conns.get_shared_key(RG, "conn0", SUB).await.unwrap().value;
    assert_eq!(key.len(), 32);
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));

    // azurerm #11673: a PUT with another sharedKey leaves the key alone.
    conns
        .create_or_update(
            RG,
            "conn0",
            h.connection_body("lng0", Some("SomethingElse123")),
            SUB,
        )
        .await
        .unwrap();
    assert_eq!(
        conns.get_shared_key(RG, "conn0", SUB).await.unwrap().value,
        key
    );

    let set: models::ConnectionSharedKey =
        serde_json::from_value(json!({"value": "NewKey_123.abc"})).unwrap();
    let got = conns.set_shared_key(RG, "conn0", set, SUB).await.unwrap();
    assert_eq!(got.value, "NewKey_123.abc");
    assert_eq!(
        conns.get_shared_key(RG, "conn0", SUB).await.unwrap().value,
        "NewKey_123.abc"
    );

    // The SDK's generated Location poller wants a `status` in each poll body, which ARM
    // does not send: start the reset with `send()` and follow its Location by hand.
    let started = conns
        .reset_shared_key(
            RG,
            "conn0",
            models::ConnectionResetSharedKey { key_length: 64 },
            SUB,
        )
        .send()
        .await
        .unwrap()
        .into_raw_response();
    assert_eq!(started.status(), StatusCode::Accepted);
    let location = started
        .headers()
        .get_optional_string(&HeaderName::from_static("location"))
        .unwrap();
    let first = h.raw(Method::Get, &location, None).await;
    if first.status == StatusCode::Accepted {
        assert_eq!(
            first.body,
            Value::Null,
            "a running Location poll has no body"
        );
        assert_eq!(first.header("location").as_deref(), Some(location.as_str()));
    }
    let done = h.wait_location_result(&location).await;
    assert_eq!(done.status, StatusCode::Ok);
    assert_eq!(done.body, json!({"keyLength": 64}));
    let after = conns.get_shared_key(RG, "conn0", SUB).await.unwrap().value;
    assert_eq!(after.len(), 64);
    let bad = conns
        .reset_shared_key(
            RG,
            "conn0",
            models::ConnectionResetSharedKey { key_length: 129 },
            SUB,
        )
        .await
        .unwrap_err();
    assert_eq!(code(&bad).0, 400);
    assert_eq!(h.counter("POST reset"), 2);
    assert!(h.counter("PUT sharedkey") >= 1);

    // The dump carries the key and the exact GET body.
    let dump = h.emu.arm.lock().unwrap().dump(h.emu.clock.now_ms());
    let conn = dump["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/connections")
        .unwrap();
    assert_eq!(conn["properties"]["sharedKey"], after.as_str());
    assert_eq!(dump["resource_groups"][0]["name"], RG);
}

#[tokio::test]
async fn a_connection_get_with_id_only_references_breaks_the_sdk_but_a_raw_get_works() {
    let h = start().await;
    h.emu.arm.lock().unwrap().reference_style_full = true;
    h.gateway_stack().await;
    h.lng("lng0", "203.0.113.10").await;
    let conns = h.client.virtual_network_gateway_connections_client();
    conns
        .create_or_update(RG, "conn0", h.connection_body("lng0", None), SUB)
        .await
        .unwrap();
    assert!(conns.get(RG, "conn0", SUB).await.is_ok());

    h.emu.arm.lock().unwrap().reference_style_full = false;
    let err = conns.get(RG, "conn0", SUB).await.unwrap_err();
    assert_eq!(
        *err.kind(),
        azure_core::error::ErrorKind::DataConversion,
        "{err:?}"
    );
    let raw = h
        .raw(Method::Get, &h.id("connections", "conn0"), None)
        .await;
    assert_eq!(raw.status, StatusCode::Ok);
    assert_eq!(
        raw.body["properties"]["virtualNetworkGateway1"],
        json!({"id": h.id("virtualNetworkGateways", "vng")})
    );
    assert!(raw.body["properties"].get("sharedKey").is_none());
    assert_eq!(raw.body["properties"]["connectionStatus"], "NotConnected");
}

#[tokio::test]
async fn deletes_answer_202_with_location_and_async_operation_then_204_once_gone() {
    let h = start().await;
    h.resource_group().await;
    h.pip("pip0").await;
    let rsp = h
        .client
        .public_ip_addresses_client()
        .delete(RG, "pip0", SUB)
        .send()
        .await
        .unwrap()
        .into_raw_response();
    assert_eq!(rsp.status(), StatusCode::Accepted);
    let location = rsp
        .headers()
        .get_optional_string(&HeaderName::from_static("location"))
        .unwrap();
    assert!(location.contains("/operationResults/"));
    let async_op = rsp
        .headers()
        .get_optional_string(&HeaderName::from_static("azure-asyncoperation"))
        .unwrap();
    let during = h
        .raw(Method::Get, &h.id("publicIPAddresses", "pip0"), None)
        .await;
    assert_eq!(during.body["properties"]["provisioningState"], "Deleting");
    assert_eq!(h.wait_location(&location).await, StatusCode::NoContent);
    assert_eq!(
        h.raw(Method::Get, &async_op, None).await.body["status"],
        "Succeeded"
    );
    let err = h
        .client
        .public_ip_addresses_client()
        .get(RG, "pip0", SUB)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (404, "ResourceNotFound".into()));
    let again = h
        .client
        .public_ip_addresses_client()
        .delete(RG, "pip0", SUB)
        .send()
        .await
        .unwrap();
    assert_eq!(again.as_raw_response().status(), StatusCode::NoContent);

    // A resource-group delete takes what is inside.
    h.pip("pip1").await;
    let r = h
        .raw(
            Method::Delete,
            &format!("/subscriptions/{SUB}/resourcegroups/{RG}?api-version=2021-04-01"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::Accepted);
    h.wait_location(&r.header("location").unwrap()).await;
    let err = h
        .client
        .public_ip_addresses_client()
        .get(RG, "pip1", SUB)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (404, "ResourceGroupNotFound".into()));
}

#[tokio::test]
async fn missing_things_answer_resource_not_found_or_resource_group_not_found() {
    let h = start().await;
    let err = h
        .client
        .virtual_network_gateways_client()
        .get("nope", "vng", SUB)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (404, "ResourceGroupNotFound".into()));
    h.resource_group().await;
    let err = h
        .client
        .virtual_network_gateways_client()
        .get(RG, "vng", SUB)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (404, "ResourceNotFound".into()));
    let msg = err
        .as_http_error()
        .unwrap()
        .error_message()
        .unwrap()
        .to_string();
    assert!(msg.contains("'Microsoft.Network/virtualNetworkGateways/vng' under resource group 'rg-link' was not found"), "{msg}");
    // Case-insensitive paths, other api-versions refused.
    let r = h.raw(Method::Get, &format!("/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-LINK/providers/microsoft.network/VIRTUALNETWORKS/x?api-version=2024-03-01"), None).await;
    assert_eq!(r.body["error"]["code"], "ResourceNotFound");
    let r = h.raw(Method::Get, &format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/x?api-version=2023-09-01"), None).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (StatusCode::BadRequest, Some("NoRegisteredProviderFound"))
    );
    assert!(r.header("x-ms-request-id").is_some());
}

#[tokio::test]
async fn validation_errors_use_the_network_resource_provider_codes() {
    let h = start().await;
    h.gateway_stack().await;
    let pips = h.client.public_ip_addresses_client();
    let basic: models::PublicIpAddress =
        serde_json::from_value(json!({"location": "westeurope", "sku": {"name": "Basic"}}))
            .unwrap();
    assert_eq!(
        code(
            &pips
                .create_or_update(RG, "basic", basic, SUB)
                .await
                .unwrap_err()
        )
        .1,
        "IPv4BasicSkuPublicIpCountLimitReached"
    );

    let vnets = h.client.virtual_networks_client();
    let put_vnet = |subnets: Value| -> models::VirtualNetwork {
        serde_json::from_value(json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}, "subnets": subnets}})).unwrap()
    };
    let cases = [
        (
            json!([{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.2.255.0/30"}}]),
            "GatewaySubnetTooSmall",
        ),
        (
            json!([{"name": "a", "properties": {"addressPrefix": "10.9.0.0/24"}}]),
            "NetcfgSubnetRangeOutsideVnet",
        ),
        (
            json!([{"name": "a", "properties": {"addressPrefix": "10.2.0.0/24"}}, {"name": "b", "properties": {"addressPrefix": "10.2.0.128/25"}}]),
            "NetcfgSubnetRangesOverlap",
        ),
        (
            json!([{"name": "a", "properties": {"addressPrefix": "10.2.0.1/24"}}]),
            "NetcfgInvalidSubnet",
        ),
    ];
    for (subnets, want) in cases {
        let e = vnets
            .create_or_update(RG, "vnet2", put_vnet(subnets), SUB)
            .await
            .unwrap_err();
        assert_eq!(code(&e), (400, want.to_string()));
    }
    // The gateway uses GatewaySubnet and pip0.
    let e = h
        .client
        .subnets_client()
        .delete(RG, "vnet", "GatewaySubnet", SUB)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).1, "InUseSubnetCannotBeDeleted");
    let no_gw_subnet: models::VirtualNetwork = serde_json::from_value(json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": [{"name": "workload", "properties": {"addressPrefix": "10.1.1.0/24"}}]}})).unwrap();
    assert_eq!(
        code(
            &vnets
                .create_or_update(RG, "vnet", no_gw_subnet, SUB)
                .await
                .unwrap_err()
        )
        .1,
        "InUseSubnetCannotBeDeleted"
    );
    assert_eq!(
        code(&pips.delete(RG, "pip0", SUB).send().await.unwrap_err()).1,
        "PublicIPAddressCannotBeDeleted"
    );

    let gws = h.client.virtual_network_gateways_client();
    let mut aa = h.gateway_body("vnet", &["pip0"], "VpnGw1AZ");
    aa.properties.active_active = Some(true);
    assert_eq!(
        code(&gws.create_or_update(RG, "vng", aa, SUB).await.unwrap_err()).1,
        "ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations"
    );
    // Generation1 VpnGw1AZ -> Generation2 VpnGw4AZ is "Migrate Only" (Upgrade a VPN Gateway
    // SKU, 2026-03-03); VpnGw1 -> VpnGw1AZ, which this test used to refuse, is an in-place
    // upgrade in today's Azure.
    let resize = h.gateway_body("vnet", &["pip0"], "VpnGw4AZ");
    assert_eq!(
        code(
            &gws.create_or_update(RG, "vng", resize, SUB)
                .await
                .unwrap_err()
        )
        .1,
        "CrossSeriesOrCrossGatewayGenenrationResizeNotSupported"
    );
    let mut bad_apipa = h.gateway_body("vnet", &["pip0"], "VpnGw1AZ");
    bad_apipa
        .properties
        .bgp_settings
        .as_mut()
        .unwrap()
        .bgp_peering_addresses[0]
        .custom_bgp_ip_addresses = vec!["169.254.30.1".into()];
    assert_eq!(
        code(
            &gws.create_or_update(RG, "vng", bad_apipa, SUB)
                .await
                .unwrap_err()
        )
        .0,
        400
    );
    let mut basic_bgp = h.gateway_body("vnet", &["pip0"], "Basic");
    basic_bgp.properties.bgp_settings = None;
    assert_eq!(
        code(
            &gws.create_or_update(RG, "vng2", basic_bgp, SUB)
                .await
                .unwrap_err()
        )
        .0,
        400
    );

    let lngs = h.client.local_network_gateways_client();
    let empty: models::LocalNetworkGateway = serde_json::from_value(json!({"location": "westeurope", "properties": {"gatewayIpAddress": "203.0.113.9", "localNetworkAddressSpace": {"addressPrefixes": []}}})).unwrap();
    assert_eq!(
        code(
            &lngs
                .create_or_update(RG, "lng-empty", empty, SUB)
                .await
                .unwrap_err()
        )
        .1,
        "LocalNetworkGatewayCannotHaveEmptyAddressPrefixAndBgpSettings"
    );

    // IPsec needs localNetworkGateway2; gateways in use cannot be deleted.
    let conns = h.client.virtual_network_gateway_connections_client();
    let mut no_lng = h.connection_body("lng0", None);
    no_lng.properties.local_network_gateway2 = None;
    assert_eq!(
        code(
            &conns
                .create_or_update(RG, "c", no_lng, SUB)
                .await
                .unwrap_err()
        )
        .0,
        400
    );
    h.lng("lng0", "203.0.113.10").await;
    let r = h
        .raw(
            Method::Put,
            &h.id("connections", "conn0"),
            Some(serde_json::to_value(h.connection_body("lng0", None)).unwrap()),
        )
        .await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert_eq!(
        code(&gws.delete(RG, "vng", SUB).send().await.unwrap_err()).0,
        400
    );
    assert_eq!(
        code(&lngs.delete(RG, "lng0", SUB).send().await.unwrap_err()).0,
        400
    );
}

#[tokio::test]
async fn writes_during_a_gateway_operation_get_another_operation_in_progress() {
    let h = start_scaled(25.0).await; // every operation lasts 500 ms
    h.resource_group().await;
    h.vnet("vnet", "10.1.255.0/27").await;
    h.pip("pip0").await;
    h.lng("lng0", "203.0.113.10").await;
    let gws = h.client.virtual_network_gateways_client();
    let first = gws
        .create_or_update(
            RG,
            "vng",
            h.gateway_body("vnet", &["pip0"], "VpnGw1AZ"),
            SUB,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(first.as_raw_response().status(), StatusCode::Created);
    let e = gws
        .create_or_update(
            RG,
            "vng",
            h.gateway_body("vnet", &["pip0"], "VpnGw1AZ"),
            SUB,
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), (409, "AnotherOperationInProgress".into()));
    let r = h
        .raw(
            Method::Put,
            &h.id("connections", "conn0"),
            Some(serde_json::to_value(h.connection_body("lng0", None)).unwrap()),
        )
        .await;
    assert_eq!(
        (r.status, r.header("x-ms-error-code").as_deref()),
        (StatusCode::Conflict, Some("AnotherOperationInProgress"))
    );
    assert_eq!(
        code(&gws.delete(RG, "vng", SUB).send().await.unwrap_err()).1,
        "AnotherOperationInProgress"
    );
}

#[tokio::test]
async fn throttled_calls_are_retried_by_the_sdk_and_counted() {
    let h = start().await;
    h.resource_group().await;
    h.emu.faults.add(
        cloudlink_emulator::faults::FaultRule::parse(
            "arm:GET virtualNetworks=throttle,count=1,retry_after_s=1",
        )
        .unwrap(),
    );
    h.vnet("vnet", "10.1.255.0/27").await; // PUT + polls + final GET (throttled once)
    let before = h.counter("GET virtualNetworks");
    let got = h
        .client
        .virtual_networks_client()
        .get(RG, "vnet", SUB)
        .await
        .unwrap();
    assert_eq!(got.resource.name.as_deref(), Some("vnet"));
    assert_eq!(h.counter("GET virtualNetworks"), before + 1);
    assert_eq!(
        before, 2,
        "the throttled final GET and its retry are both counted"
    );
}

#[tokio::test]
async fn connection_status_is_connected_only_when_a_matching_aws_tunnel_is_published() {
    let h = start().await;
    h.emu.arm.lock().unwrap().reference_style_full = true;
    let gw = h.gateway_stack().await;
    let pip = h
        .client
        .public_ip_addresses_client()
        .get(RG, "pip0", SUB)
        .await
        .unwrap();
    let gw_ip = pip.properties.unwrap().ip_address.unwrap();
    assert_eq!(
        gw.properties.bgp_settings.unwrap().bgp_peering_addresses[0].tunnel_ip_addresses,
        vec![gw_ip.clone()]
    );
    h.lng("lng0", "203.0.113.10").await;
    let conns = h.client.virtual_network_gateway_connections_client();
    conns
        .create_or_update(
            RG,
            "conn0",
            h.connection_body("lng0", Some("SharedKey_1234")),
            SUB,
        )
        .await
        .unwrap();
    let status = |c: models::VirtualNetworkGatewayConnection| {
        format!("{:?}", c.properties.connection_status.unwrap())
    };
    assert_eq!(
        status(conns.get(RG, "conn0", SUB).await.unwrap()),
        "NotConnected"
    );

    h.emu.links.lock().unwrap().publish_aws(AwsTunnel {
        vpn_connection_id: "vpn-1".into(),
        tunnel: 1,
        outside_ip: "203.0.113.10".into(),
        customer_gateway_ip: gw_ip,
        customer_gateway_asn: 65010,
        amazon_side_asn: 64512,
        psk: "SharedKey_1234".into(),
        inside_cidr: "169.254.21.0/30".into(),
        static_routes_only: false,
        static_routes: vec![],
        ready: true,
    });
    assert_eq!(
        status(conns.get(RG, "conn0", SUB).await.unwrap()),
        "Connected"
    );
    let set: models::ConnectionSharedKey =
        serde_json::from_value(json!({"value": "Different_999"})).unwrap();
    conns.set_shared_key(RG, "conn0", set, SUB).await.unwrap();
    assert_eq!(
        status(conns.get(RG, "conn0", SUB).await.unwrap()),
        "NotConnected"
    );
    let rsp = conns.delete(RG, "conn0", SUB).send().await.unwrap();
    let loc = rsp
        .as_raw_response()
        .headers()
        .get_optional_string(&HeaderName::from_static("location"))
        .unwrap();
    h.wait_location(&loc).await;
    assert!(h
        .emu
        .links
        .lock()
        .unwrap()
        .azure_connection_status(&h.id("connections", "conn0"))
        .is_err());
}

#[tokio::test]
async fn fixtures_exist_at_once_and_the_sdk_lists_them() {
    let h = start().await;
    let out = cloudlink_emulator::arm::fixtures(
        &h.emu,
        &json!({
            "resource_groups": [{"subscription": SUB, "name": RG, "location": "westeurope"}],
            "virtual_networks": [{"subscription": SUB, "resource_group": RG, "name": "hub", "location": "westeurope",
                "address_space": ["10.1.0.0/16"], "subnets": [{"name": "GatewaySubnet", "prefix": "10.1.255.0/27"}]}]
        }),
    )
    .unwrap();
    assert_eq!(
        out["virtual_networks"][0]["subnet_ids"][0],
        format!("{}/subnets/GatewaySubnet", h.id("virtualNetworks", "hub"))
    );
    let vnet = h
        .client
        .virtual_networks_client()
        .get(RG, "hub", SUB)
        .await
        .unwrap();
    assert_eq!(
        format!("{:?}", vnet.properties.unwrap().provisioning_state.unwrap()),
        "Succeeded"
    );
    use futures::StreamExt;
    let mut pages = h
        .client
        .virtual_networks_client()
        .list(RG, SUB)
        .into_stream();
    let page = pages.next().await.unwrap().unwrap();
    assert_eq!(page.value.len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_an_io_error_the_sdk_retries() {
    let h = start().await;
    h.resource_group().await;
    h.vnet("vnet", "10.1.255.0/27").await;
    h.emu.faults.add(
        cloudlink_emulator::faults::FaultRule::parse("arm:GET virtualNetworks=drop,count=1")
            .unwrap(),
    );
    let before = h.counter("GET virtualNetworks");
    let got = h
        .client
        .virtual_networks_client()
        .get(RG, "vnet", SUB)
        .await
        .unwrap();
    assert_eq!(got.resource.name.as_deref(), Some("vnet"));
    assert_eq!(h.counter("GET virtualNetworks"), before + 2);
    // The recording keeps both attempts and marks the dropped one, so a checker skips it.
    let gets: Vec<bool> = h
        .emu
        .observe
        .exchanges()
        .into_iter()
        .filter(|e| e.method == "GET" && e.path.ends_with("/virtualNetworks/vnet"))
        .map(|e| e.aborted)
        .collect();
    assert_eq!(
        gets.iter().rev().take(2).collect::<Vec<_>>(),
        [&false, &true]
    );
}

#[tokio::test]
async fn patch_tags_replaces_the_tag_set_through_the_sdk_update_tags_calls() {
    let h = start().await;
    h.gateway_stack().await;
    h.lng("lng0", "203.0.113.10").await;
    h.emu.arm.lock().unwrap().reference_style_full = true;
    let conns = h.client.virtual_network_gateway_connections_client();
    conns
        .create_or_update(RG, "conn0", h.connection_body("lng0", None), SUB)
        .await
        .unwrap();
    let tags = |v: Value| models::TagsObject { tags: Some(v) };

    // Synchronous UpdateTags calls return the resource.
    let pip = h
        .client
        .public_ip_addresses_client()
        .update_tags(RG, "pip0", tags(json!({"env": "test"})), SUB)
        .await
        .unwrap();
    assert_eq!(pip.resource.tags, Some(json!({"env": "test"})));
    let lng = h
        .client
        .local_network_gateways_client()
        .update_tags(RG, "lng0", tags(json!({"a": "1", "b": "2"})), SUB)
        .await
        .unwrap();
    assert_eq!(lng.resource.tags, Some(json!({"a": "1", "b": "2"})));
    let vnet = h
        .client
        .virtual_networks_client()
        .update_tags(RG, "vnet", tags(json!({"owner": "net"})), SUB)
        .await
        .unwrap();
    assert_eq!(vnet.resource.tags, Some(json!({"owner": "net"})));

    // Gateways and connections (long-running in the spec) answer 200 with Succeeded.
    let before = h
        .raw(Method::Get, &h.id("virtualNetworkGateways", "vng"), None)
        .await;
    let rsp = h
        .client
        .virtual_network_gateways_client()
        .update_tags(RG, "vng", tags(json!({"tier": "gold"})), SUB)
        .send()
        .await
        .unwrap()
        .into_raw_response();
    assert_eq!(rsp.status(), StatusCode::Ok);
    let gw = h
        .raw(Method::Get, &h.id("virtualNetworkGateways", "vng"), None)
        .await;
    assert_eq!(gw.body["tags"], json!({"tier": "gold"}));
    assert_eq!(gw.body["properties"]["provisioningState"], "Succeeded");
    assert_ne!(
        gw.body["etag"], before.body["etag"],
        "a tag change is a new etag"
    );
    let rsp = conns
        .update_tags(RG, "conn0", tags(json!({"k": "v"})), SUB)
        .send()
        .await
        .unwrap()
        .into_raw_response();
    assert_eq!(rsp.status(), StatusCode::Ok);
    assert_eq!(
        conns.get(RG, "conn0", SUB).await.unwrap().resource.tags,
        Some(json!({"k": "v"}))
    );

    // The next PATCH replaces the set rather than merging.
    let pip = h
        .client
        .public_ip_addresses_client()
        .update_tags(RG, "pip0", tags(json!({"other": "x"})), SUB)
        .await
        .unwrap();
    assert_eq!(pip.resource.tags, Some(json!({"other": "x"})));

    // Errors: a missing resource, a non-string tag value, a subnet (no UpdateTags).
    let e = h
        .client
        .public_ip_addresses_client()
        .update_tags(RG, "nope", tags(json!({"a": "b"})), SUB)
        .await
        .unwrap_err();
    assert_eq!(code(&e), (404, "ResourceNotFound".into()));
    let r = h
        .raw(
            Method::Patch,
            &h.id("publicIPAddresses", "pip0"),
            Some(json!({"tags": {"n": 1}})),
        )
        .await;
    assert_eq!(
        (r.status, r.header("x-ms-error-code").as_deref()),
        (StatusCode::BadRequest, Some("InvalidRequestFormat"))
    );
    let r = h
        .raw(
            Method::Patch,
            &format!("{}/subnets/GatewaySubnet", h.id("virtualNetworks", "vnet")),
            Some(json!({"tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::MethodNotAllowed);
}

#[tokio::test]
async fn admin_config_switches_the_connection_reference_shape_and_reset_keeps_it() {
    let h = start().await;
    let admin = |path: &str| format!("{}/_emulator/{path}", h.url);
    let cfg = h.raw(Method::Get, &admin("config"), None).await;
    assert_eq!(cfg.body["reference_style_full"], false);

    let set = h
        .raw(
            Method::Post,
            &admin("config"),
            Some(json!({"reference_style_full": true})),
        )
        .await;
    assert_eq!(set.status, StatusCode::Ok, "{}", set.body);
    assert_eq!(set.body["reference_style_full"], true);
    h.gateway_stack().await;
    h.lng("lng0", "203.0.113.10").await;
    let conns = h.client.virtual_network_gateway_connections_client();
    conns
        .create_or_update(RG, "conn0", h.connection_body("lng0", None), SUB)
        .await
        .unwrap();
    let got = conns.get(RG, "conn0", SUB).await;
    assert!(
        got.is_ok(),
        "the SDK reads the full reference shape: {got:?}"
    );

    // Reset forgets resources, not settings.
    let r = h.raw(Method::Post, &admin("reset"), None).await;
    assert_eq!(r.status, StatusCode::Ok);
    assert!(h.emu.arm.lock().unwrap().reference_style_full);
    let cfg = h.raw(Method::Get, &admin("config"), None).await;
    assert_eq!(cfg.body["reference_style_full"], true);

    // Typos and wrong types are refused; nothing changes.
    for bad in [
        json!({"reference_style": true}),
        json!({"reference_style_full": "yes"}),
        json!([true]),
    ] {
        let r = h
            .raw(Method::Post, &admin("config"), Some(bad.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BadRequest, "{bad}");
        assert!(r.body["error"].is_string(), "{}", r.body);
    }
    let set = h
        .raw(
            Method::Post,
            &admin("config"),
            Some(json!({"reference_style_full": false})),
        )
        .await;
    assert_eq!(set.body["reference_style_full"], false);
    assert!(!h.emu.arm.lock().unwrap().reference_style_full);
}

// ---- regions, zones, SKUs and one operation per gateway (cloud rules of 2026) ----

impl H {
    async fn put(&self, kind: &str, name: &str, body: Value) -> Raw {
        self.raw(Method::Put, &self.id(kind, name), Some(body))
            .await
    }

    /// Waits until the resource's provisioningState is Succeeded.
    async fn wait_succeeded(&self, kind: &str, name: &str) {
        for _ in 0..400 {
            let r = self.raw(Method::Get, &self.id(kind, name), None).await;
            if r.body["properties"]["provisioningState"] == "Succeeded" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{kind}/{name} never reached Succeeded");
    }

    fn pip_body(location: &str, zones: &[&str]) -> Value {
        json!({"location": location, "sku": {"name": "Standard"}, "zones": zones,
               "properties": {"publicIPAllocationMethod": "Static"}})
    }

    fn vnet_body(location: &str) -> Value {
        json!({"location": location, "properties": {
            "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.1.255.0/27"}}]}})
    }

    fn raw_gateway_body(&self, location: &str, vnet: &str, pip: &str, sku: &str) -> Value {
        json!({"location": location, "properties": {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
            "activeActive": false, "enableBgp": false,
            "ipConfigurations": [{"name": "ipconfig0", "properties": {
                "subnet": {"id": format!("{}/subnets/GatewaySubnet", self.id("virtualNetworks", vnet))},
                "publicIPAddress": {"id": self.id("publicIPAddresses", pip)}}}]}})
    }
}

fn err(r: &Raw) -> (u16, String) {
    (
        u16::from(r.status),
        r.body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn the_locations_endpoint_lists_regions_with_zone_mappings_only_where_zones_exist() {
    let h = start().await;
    let r = h
        .raw(
            Method::Get,
            &format!("/subscriptions/{SUB}/locations?api-version=2022-12-01"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::Ok, "{}", r.body);
    let value = r.body["value"].as_array().unwrap();
    let find = |n: &str| value.iter().find(|l| l["name"] == n).unwrap().clone();
    let we = find("westeurope");
    assert_eq!(
        we["id"],
        format!("/subscriptions/{SUB}/locations/westeurope")
    );
    assert_eq!(we["type"], "Region");
    assert_eq!(we["displayName"], "West Europe");
    assert_eq!(we["regionalDisplayName"], "(Europe) West Europe");
    assert_eq!(we["metadata"]["regionType"], "Physical");
    assert_eq!(we["metadata"]["regionCategory"], "Recommended");
    assert_eq!(we["metadata"]["pairedRegion"][0]["name"], "northeurope");
    let zones = we["availabilityZoneMappings"].as_array().unwrap();
    let logical: Vec<&str> = zones
        .iter()
        .map(|z| z["logicalZone"].as_str().unwrap())
        .collect();
    assert_eq!(logical, ["1", "2", "3"]);
    assert!(zones.iter().all(|z| z["physicalZone"]
        .as_str()
        .unwrap()
        .starts_with("westeurope-az")));
    for zoned in ["northeurope", "eastus", "eastus2", "westus2", "uksouth"] {
        assert!(
            find(zoned).get("availabilityZoneMappings").is_some(),
            "{zoned}"
        );
    }
    for flat in ["westcentralus", "northcentralus", "ukwest", "francesouth"] {
        assert!(
            find(flat).get("availabilityZoneMappings").is_none(),
            "{flat}"
        );
    }
    // Only GET; the api-version must be well formed.
    let r = h
        .raw(
            Method::Get,
            &format!("/subscriptions/{SUB}/locations?api-version=latest"),
            None,
        )
        .await;
    assert_eq!(err(&r).1, "InvalidApiVersionParameter");
}

#[tokio::test]
async fn public_ip_zones_follow_the_region_and_never_change() {
    let h = start().await;
    h.resource_group().await;
    // Zones where the region has none.
    let r = h
        .put(
            "publicIPAddresses",
            "flat",
            H::pip_body("westcentralus", &["1", "2", "3"]),
        )
        .await;
    assert_eq!(err(&r), (400, "LocationNotSupportAvailabilityZones".into()));
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not support availability zones at location 'westcentralus'"));
    // A zone that does not exist.
    let r = h
        .put("publicIPAddresses", "z4", H::pip_body("westeurope", &["4"]))
        .await;
    assert_eq!(err(&r), (400, "InvalidAvailabilityZone".into()));
    // An unknown region.
    let r = h
        .put("publicIPAddresses", "mars", H::pip_body("marsnorth", &[]))
        .await;
    assert_eq!(err(&r), (400, "LocationNotAvailableForResourceType".into()));
    // Zone-redundant, rendered as Azure does, then immutable.
    let r = h
        .put(
            "publicIPAddresses",
            "zr",
            H::pip_body("westeurope", &["1", "2", "3"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    assert_eq!(r.body["zones"], json!(["1", "2", "3"]));
    h.wait_succeeded("publicIPAddresses", "zr").await;
    let r = h
        .put("publicIPAddresses", "zr", H::pip_body("westeurope", &[]))
        .await;
    assert_eq!(
        err(&r),
        (400, "ResourceAvailabilityZonesCannotBeModified".into())
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("constraint 1,2,3 and the request has availability zone constraint NoZone"));
    // Same set, other order: accepted.
    let r = h
        .put(
            "publicIPAddresses",
            "zr",
            H::pip_body("westeurope", &["3", "1", "2"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::Ok, "{}", r.body);
    // A zone-less address in a zone-less region is fine.
    let r = h
        .put(
            "publicIPAddresses",
            "flat",
            H::pip_body("westcentralus", &[]),
        )
        .await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    assert!(r.body.get("zones").is_none());
}

#[tokio::test]
async fn new_gateways_need_az_skus_and_in_zoned_regions_zoned_public_ips() {
    let h = start().await;
    h.resource_group().await;
    h.put("virtualNetworks", "vnet", H::vnet_body("westeurope"))
        .await;
    h.put("publicIPAddresses", "flat", H::pip_body("westeurope", &[]))
        .await;
    h.put(
        "publicIPAddresses",
        "zr",
        H::pip_body("westeurope", &["1", "2", "3"]),
    )
    .await;
    h.wait_succeeded("virtualNetworks", "vnet").await;
    // Non-AZ SKUs cannot be created any more.
    for sku in ["VpnGw1", "VpnGw2", "VpnGw5"] {
        let r = h
            .put(
                "virtualNetworkGateways",
                "vng",
                h.raw_gateway_body("westeurope", "vnet", "zr", sku),
            )
            .await;
        assert_eq!(
            err(&r),
            (400, "NonAzSkusNotAllowedForVPNGateway".into()),
            "{sku}"
        );
    }
    // Legacy SKUs neither (best-known code).
    for sku in ["Standard", "HighPerformance"] {
        let r = h
            .put(
                "virtualNetworkGateways",
                "vng",
                h.raw_gateway_body("westeurope", "vnet", "zr", sku),
            )
            .await;
        assert_eq!(err(&r), (400, "InvalidGatewaySize".into()), "{sku}");
    }
    // An AZ SKU on a zone-less address in a zoned region.
    let r = h
        .put(
            "virtualNetworkGateways",
            "vng",
            h.raw_gateway_body("westeurope", "vnet", "flat", "VpnGw1AZ"),
        )
        .await;
    assert_eq!(
        err(&r),
        (400, "VmssVpnGatewayPublicIpsMustHaveZonesConfigured".into())
    );
    assert_eq!(
        r.body["error"]["message"],
        "Standard Public IPs associated with VPN Gateways with AZ VPN skus must have zones configured."
    );
    // Generation mismatch uses Azure's code.
    let mut gen2 = h.raw_gateway_body("westeurope", "vnet", "zr", "VpnGw1AZ");
    gen2["properties"]["vpnGatewayGeneration"] = json!("Generation2");
    let r = h.put("virtualNetworkGateways", "vng", gen2).await;
    assert_eq!(
        err(&r).1,
        "VirtualNetworkGatewaySkuCannotBeCreatedForSpecifiedVmGeneration"
    );
    // A public IP in another region is not a valid reference.
    h.put(
        "publicIPAddresses",
        "ne",
        H::pip_body("northeurope", &["1", "2", "3"]),
    )
    .await;
    let r = h
        .put(
            "virtualNetworkGateways",
            "vng",
            h.raw_gateway_body("westeurope", "vnet", "ne", "VpnGw1AZ"),
        )
        .await;
    assert_eq!(err(&r), (400, "InvalidResourceReference".into()));
    // The right combination works.
    let r = h
        .put(
            "virtualNetworkGateways",
            "vng",
            h.raw_gateway_body("westeurope", "vnet", "zr", "VpnGw1AZ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);

    // In a region without zones an AZ SKU on a zone-less address is created (regional).
    h.put(
        "virtualNetworks",
        "vnet-wcus",
        H::vnet_body("westcentralus"),
    )
    .await;
    h.put(
        "publicIPAddresses",
        "wcus",
        H::pip_body("westcentralus", &[]),
    )
    .await;
    h.wait_succeeded("virtualNetworks", "vnet-wcus").await;
    let r = h
        .put(
            "virtualNetworkGateways",
            "vng-wcus",
            h.raw_gateway_body("westcentralus", "vnet-wcus", "wcus", "VpnGw2AZ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    // Names follow the Microsoft.Network rules.
    let r = h
        .put("publicIPAddresses", "-bad", H::pip_body("westeurope", &[]))
        .await;
    assert_eq!(err(&r), (400, "InvalidResourceName".into()));
    // Tag names with reserved characters.
    let mut tagged = H::pip_body("westeurope", &[]);
    tagged["tags"] = json!({"a/b": "x"});
    let r = h.put("publicIPAddresses", "tagged", tagged).await;
    assert_eq!(err(&r), (400, "InvalidTagNameCharacters".into()));
}

#[tokio::test]
async fn gateway_skus_change_only_upward_within_a_generation_and_old_non_az_gateways_migrate() {
    let h = start().await;
    h.resource_group().await;
    h.put("virtualNetworks", "vnet", H::vnet_body("westeurope"))
        .await;
    h.wait_succeeded("virtualNetworks", "vnet").await;
    // A gateway built before 2025 (VpnGw2, zone-less address), as a fixture.
    let fx = cloudlink_emulator::arm::fixtures(
        &h.emu,
        &json!({
            "public_ip_addresses": [{"subscription": SUB, "resource_group": RG, "name": "old-pip"}],
            "virtual_network_gateways": [{"subscription": SUB, "resource_group": RG, "name": "old",
                "virtual_network": "vnet", "sku": "VpnGw2", "public_ip_addresses": ["old-pip"]}],
        }),
    )
    .unwrap();
    let old_id = fx["virtual_network_gateways"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h.raw(Method::Get, &old_id, None).await;
    assert_eq!(r.body["properties"]["sku"]["name"], "VpnGw2");
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    // Today it refuses configuration changes while it keeps its non-AZ SKU...
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw2"),
        )
        .await;
    assert_eq!(err(&r), (400, "NonAzSkusNotAllowedForVPNGateway".into()));
    // ...and cannot go down or to another non-AZ SKU.
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw1AZ"),
        )
        .await;
    assert_eq!(
        err(&r),
        (400, "VirtualNetworkGatewaySkuDowngradeNotSupported".into())
    );
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw3"),
        )
        .await;
    assert_eq!(err(&r), (400, "NonAzSkusNotAllowedForVPNGateway".into()));
    // Its AZ twin is the in-place upgrade path (the address keeps no zones).
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw2AZ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::Ok, "{}", r.body);
    h.wait_succeeded("virtualNetworkGateways", "old").await;
    // Up within Generation1 works, down does not, and Generation2 SKUs are migrate-only.
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw3AZ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::Ok, "{}", r.body);
    h.wait_succeeded("virtualNetworkGateways", "old").await;
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw2AZ"),
        )
        .await;
    assert_eq!(
        err(&r),
        (400, "VirtualNetworkGatewaySkuDowngradeNotSupported".into())
    );
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "VpnGw4AZ"),
        )
        .await;
    assert_eq!(
        err(&r),
        (
            400,
            "CrossSeriesOrCrossGatewayGenenrationResizeNotSupported".into()
        )
    );
    let r = h
        .put(
            "virtualNetworkGateways",
            "old",
            h.raw_gateway_body("westeurope", "vnet", "old-pip", "Basic"),
        )
        .await;
    assert_eq!(
        err(&r),
        (
            400,
            "CrossSeriesOrCrossGatewayGenenrationResizeNotSupported".into()
        )
    );

    // Microsoft's own migration, modelled by the fixture action.
    h.put("virtualNetworks", "vnet2", {
        let mut b = H::vnet_body("westeurope");
        b["properties"]["addressSpace"]["addressPrefixes"] = json!(["10.2.0.0/16"]);
        b["properties"]["subnets"][0]["properties"]["addressPrefix"] = json!("10.2.255.0/27");
        b
    })
    .await;
    h.wait_succeeded("virtualNetworks", "vnet2").await;
    let fx = cloudlink_emulator::arm::fixtures(
        &h.emu,
        &json!({
            "public_ip_addresses": [{"subscription": SUB, "resource_group": RG, "name": "pip1"}],
            "virtual_network_gateways": [{"subscription": SUB, "resource_group": RG, "name": "gw1",
                "virtual_network": "vnet2", "sku": "VpnGw1", "public_ip_addresses": ["pip1"]}],
        }),
    )
    .unwrap();
    let gw1 = fx["virtual_network_gateways"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out =
        cloudlink_emulator::arm::fixtures(&h.emu, &json!({"migrate_gateways": [gw1]})).unwrap();
    assert_eq!(out["migrated_gateways"][0]["from"], "VpnGw1");
    assert_eq!(out["migrated_gateways"][0]["to"], "VpnGw1AZ");
    let r = h.raw(Method::Get, &gw1, None).await;
    assert_eq!(r.body["properties"]["sku"]["name"], "VpnGw1AZ");
}

#[tokio::test]
async fn a_second_connection_put_on_a_gateway_waits_for_the_first() {
    let h = start_scaled(25.0).await; // every operation lasts 500 ms
    h.gateway_stack().await;
    for i in 0..2 {
        h.lng(&format!("lng{i}"), &format!("203.0.113.{}", 10 + i))
            .await;
    }
    let body = |lng: &str| serde_json::to_value(h.connection_body(lng, None)).unwrap();
    let r = h.put("connections", "conn0", body("lng0")).await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    // Another connection on the same gateway while the first one is being created.
    let r = h.put("connections", "conn1", body("lng1")).await;
    assert_eq!(err(&r), (409, "AnotherOperationInProgress".into()));
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ")
            && msg.contains("/providers/Microsoft.Network/locations/westeurope/operations/"),
        "{msg}"
    );
    assert_eq!(r.body["error"]["details"], json!([]));
    // The gateway itself is busy too.
    let r = h
        .put(
            "virtualNetworkGateways",
            "vng",
            serde_json::to_value(h.gateway_body("vnet", &["pip0"], "VpnGw2AZ")).unwrap(),
        )
        .await;
    assert_eq!(err(&r).1, "AnotherOperationInProgress");
    h.wait_succeeded("connections", "conn0").await;
    let r = h.put("connections", "conn1", body("lng1")).await;
    assert_eq!(r.status, StatusCode::Created, "{}", r.body);
    // A shared-key set on conn0 while conn1 is being created waits as well.
    let r = h
        .raw(
            Method::Put,
            &format!("{}/sharedkey", h.id("connections", "conn0")),
            Some(json!({"value": "Abcdefgh1234"})),
        )
        .await;
    assert_eq!(err(&r).1, "AnotherOperationInProgress");
    h.wait_succeeded("connections", "conn1").await;
    // The timeline shows the two connection PUTs one after the other.
    let puts: Vec<_> = h
        .emu
        .observe
        .timeline()
        .into_iter()
        .filter(|e| e.action == "PUT connections")
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts[1].start_ms >= puts[0].end_ms, "{puts:?}");
}

#[tokio::test]
async fn route_tables_carry_routes_and_propagation_serve_their_subnets_and_stay_while_used() {
    let h = start().await;
    h.resource_group().await;
    h.vnet("hub", "10.1.255.0/27").await;
    let table: models::RouteTable = serde_json::from_value(json!({
        "location": "westeurope",
        "properties": {
            "disableBgpRoutePropagation": true,
            "routes": [{"name": "to-aws", "properties": {
                "addressPrefix": "10.0.0.0/16", "nextHopType": "VirtualAppliance",
                "nextHopIpAddress": "10.1.9.4"}}],
        }
    }))
    .unwrap();
    h.client
        .route_tables_client()
        .create_or_update(RG, "fw", table, SUB)
        .await
        .unwrap();
    // A route to an appliance needs its address.
    let bad = h
        .raw(
            Method::Put,
            &h.id("routeTables", "bad"),
            Some(json!({"location": "westeurope", "properties": {"routes": [
                {"name": "r", "properties": {"addressPrefix": "10.0.0.0/16", "nextHopType": "VirtualAppliance"}}]}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BadRequest);
    assert_eq!(bad.body["error"]["code"], "InvalidRouteNextHopIpAddress");
    // A subnet may reference only an existing table.
    let subnet = |table: &str| {
        json!({"properties": {"addressPrefix": "10.1.1.0/24",
                              "routeTable": {"id": h.id("routeTables", table)}}})
    };
    let workload = format!("{}/subnets/workload", h.id("virtualNetworks", "hub"));
    let missing = h.raw(Method::Put, &workload, Some(subnet("nope"))).await;
    assert_eq!(missing.status, StatusCode::BadRequest);
    assert_eq!(missing.body["error"]["code"], "InvalidResourceReference");
    let body: models::Subnet = serde_json::from_value(subnet("fw")).unwrap();
    h.client
        .subnets_client()
        .create_or_update(RG, "hub", "workload", body, SUB)
        .await
        .unwrap();
    let got = h
        .client
        .route_tables_client()
        .get(RG, "fw", SUB)
        .await
        .unwrap();
    let props = got.properties.unwrap();
    assert_eq!(props.disable_bgp_route_propagation, Some(true));
    assert_eq!(props.routes.len(), 1);
    assert_eq!(
        props.subnets[0]
            .sub_resource
            .id
            .as_deref()
            .map(str::to_ascii_lowercase),
        Some(workload.to_ascii_lowercase())
    );
    let vnet = h
        .raw(Method::Get, &h.id("virtualNetworks", "hub"), None)
        .await;
    let listed = vnet.body["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "workload")
        .unwrap()
        .clone();
    assert_eq!(
        listed["properties"]["routeTable"]["id"],
        h.id("routeTables", "fw")
    );
    // In use: the delete is refused.
    let del = h
        .raw(Method::Delete, &h.id("routeTables", "fw"), None)
        .await;
    assert_eq!(del.status, StatusCode::BadRequest);
    assert_eq!(del.body["error"]["code"], "InUseRouteTableCannotBeDeleted");
}
