//! The ARM layer (`cloud::azure`) against the in-process emulator: credentials, every
//! network object through create / find / wait / update / delete, the raw connection GET
//! with id-only references, shared keys, our LRO poller for deletes and failed operations,
//! not-found as `None`, throttling retried to success and waiter timeouts.

use cloudlink_emulator::{profile::Profile, server, Emulator};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use terraform_provider_cloudlink::cloud::azure::connection::{
    create_or_update_connection, delete_connection, find_connection, get_shared_key,
    set_shared_key, ConnectionSpec, CustomBgpAddress, IpsecPolicySpec,
};
use terraform_provider_cloudlink::cloud::azure::gateway::{
    create_or_update_gateway, delete_gateway, find_gateway, ip_configuration_id, update_gateway,
    GatewayIpConfigSpec, GatewaySpec, GatewayUpdate,
};
use terraform_provider_cloudlink::cloud::azure::gateway_subnet::{
    create_gateway_subnet, delete_gateway_subnet, find_gateway_subnet,
};
use terraform_provider_cloudlink::cloud::azure::local_gateway::{
    create_or_update_local_gateway, delete_local_gateway, find_local_gateway, LocalGatewayBgp,
    LocalGatewaySpec,
};
use terraform_provider_cloudlink::cloud::azure::public_ip::{
    create_or_update_public_ip, delete_public_ip, find_public_ip, PublicIpSpec,
};
use terraform_provider_cloudlink::cloud::azure::raw::{get_connection, get_json};
use terraform_provider_cloudlink::cloud::azure::tags::{is_owned_by, ownership_tags};
use terraform_provider_cloudlink::cloud::azure::virtual_network::find_virtual_network;
use terraform_provider_cloudlink::cloud::azure::{Azure, AzureSettings};
use terraform_provider_cloudlink::cloud::retry::RetryPolicy;
use terraform_provider_cloudlink::cloud::wait::WaitConfig;
use terraform_provider_cloudlink::cloud::ErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

#[path = "spec/wire.rs"]
mod wire;

const SUB: &str = "00000000-0000-0000-0000-000000000000";
const RG: &str = "rg-link";
const VNET: &str = "vnet-hub";
const LOCATION: &str = "westeurope";
const COMPOSITE: &str = "vpn-main";

/// The emulator under test; every request our clients sent and every answer are checked
/// against the swagger when the test ends.
struct Emu {
    emu: wire::Checked,
    url: String,
}

async fn start(time_scale: f64) -> Emu {
    let emu = Arc::new(Emulator::new(
        Profile::named("fast", time_scale).unwrap(),
        7,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::router(emu.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Emu {
        emu: wire::Checked::all(emu),
        url: format!("http://{addr}"),
    }
}

impl Emu {
    /// A tiny HTTP/1.1 POST to the admin API (reqwest is not a dependency of the provider).
    async fn post(&self, path: &str, body: &Value) -> Value {
        let addr = self.url.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let body = body.to_string();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).await.unwrap();
        let (head, body) = resp.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}\n{body}");
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    /// Seeds the resource group and the hub VNet (no subnets).
    async fn seed(&self) {
        self.post(
            "/_emulator/fixtures",
            &json!({"azure": {
                "resource_groups": [{"name": RG, "location": LOCATION}],
                "virtual_networks": [{"resource_group": RG, "name": VNET, "location": LOCATION,
                                      "address_space": ["10.1.0.0/16"], "subnets": []}],
            }}),
        )
        .await;
    }

    fn settings(&self, secret: &str) -> AzureSettings {
        AzureSettings {
            subscription_id: Some(SUB.into()),
            tenant_id: Some("tenant-1".into()),
            client_id: Some("app-1".into()),
            client_secret: Some(secret.into()),
            use_cli: false,
            endpoint: Some(self.url.clone()),
            authority_host: None,
            ..Default::default()
        }
    }

    fn azure(&self) -> Azure {
        Azure::with_retry_policy(self.settings("emulator-secret"), fast_retry())
    }

    fn calls(&self, action: &str) -> u64 {
        self.emu
            .observe
            .counters()
            .get("arm")
            .and_then(|m| m.get(action))
            .copied()
            .unwrap_or(0)
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_secs(5),
        unreachable_budget: Duration::from_secs(1),
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

fn wait(timeout_ms: u64) -> WaitConfig {
    WaitConfig {
        timeout: Duration::from_millis(timeout_ms),
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(100),
        cancel: CancellationToken::new(),
    }
}

fn tags(component: &str) -> BTreeMap<String, String> {
    ownership_tags(
        COMPOSITE,
        component,
        &BTreeMap::from([("env".to_string(), "test".to_string())]),
    )
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_and_missing_credentials_say_what_is_missing() {
    let e = start(1.0).await;
    e.seed().await;
    let az = Azure::with_retry_policy(e.settings("not-the-secret"), fast_retry());
    // Building the client does no I/O; the token is fetched by the first call.
    let net = az.network().await.unwrap();
    let err = find_public_ip(net, RG, "pip", &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err}");
    assert!(err.to_string().contains("pip"), "{err}");
    assert!(
        err.to_string()
            .contains("authenticating with a client secret (ARM_CLIENT_SECRET)"),
        "{err}"
    );

    let az = Azure::new(AzureSettings {
        subscription_id: Some(SUB.into()),
        endpoint: Some(e.url.clone()),
        ..Default::default()
    });
    let err = az.network().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(
        err.to_string()
            .contains("azure: no credentials; configure one of: a client certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn active_active_bgp_link_builds_reads_rotates_keys_and_tears_down_in_reverse() {
    let e = start(1.0).await;
    e.seed().await;
    let az = e.azure();
    let net = az.network().await.unwrap();
    let cancel = CancellationToken::new();
    let cfg = wait(30_000);

    // The user's VNet.
    let vnet = find_virtual_network(net, RG, VNET, &cancel)
        .await
        .unwrap()
        .expect("seeded VNet");
    assert_eq!(vnet.address_space, vec!["10.1.0.0/16".to_string()]);
    assert!(vnet.subnets.is_empty());

    // GatewaySubnet: absent, then created, then adopted as-is.
    assert!(find_gateway_subnet(net, RG, VNET, &cancel)
        .await
        .unwrap()
        .is_none());
    let subnet = create_gateway_subnet(net, RG, VNET, "10.1.255.0/27", &cfg)
        .await
        .unwrap();
    assert_eq!(subnet.name, "GatewaySubnet");
    assert_eq!(subnet.prefix.as_deref(), Some("10.1.255.0/27"));
    let again = create_gateway_subnet(net, RG, VNET, "10.1.254.0/27", &cfg)
        .await
        .unwrap();
    assert_eq!(again.prefix.as_deref(), Some("10.1.255.0/27"));

    // Two zone-redundant Standard static public IPs (an AZ gateway refuses any other),
    // addresses known at once.
    let mut pips = Vec::new();
    for n in ["pip-0", "pip-1"] {
        let spec = PublicIpSpec {
            location: LOCATION.into(),
            zones: vec!["1".into(), "2".into(), "3".into()],
            tags: tags(n),
        };
        let pip = create_or_update_public_ip(net, RG, n, &spec, &cfg)
            .await
            .unwrap();
        assert_eq!(pip.provisioning_state, "Succeeded");
        assert_eq!(pip.sku, "Standard");
        assert_eq!(pip.allocation_method, "Static");
        assert!(pip.ip_address.is_some(), "{pip:?}");
        assert!(is_owned_by(&pip.tags, COMPOSITE, n));
        pips.push(pip);
    }
    let found = find_public_ip(net, RG, "pip-0", &cancel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.ip_address, pips[0].ip_address);

    // Active-active BGP gateway with custom APIPA addresses per instance, on an AZ SKU (Azure
    // no longer creates the non-AZ ones).
    let gw_spec = GatewaySpec {
        location: LOCATION.into(),
        sku: "VpnGw1AZ".into(),
        generation: Some("Generation1".into()),
        active_active: true,
        enable_bgp: true,
        asn: Some(65515),
        ip_configurations: vec![
            GatewayIpConfigSpec {
                name: "default".into(),
                subnet_id: subnet.id.clone(),
                public_ip_id: pips[0].id.clone(),
                apipa_addresses: vec!["169.254.21.2".into(), "169.254.22.2".into()],
            },
            GatewayIpConfigSpec {
                name: "activeActive".into(),
                subnet_id: subnet.id.clone(),
                public_ip_id: pips[1].id.clone(),
                apipa_addresses: vec!["169.254.21.6".into(), "169.254.22.6".into()],
            },
        ],
        tags: tags("virtual-network-gateway"),
    };
    let gw = create_or_update_gateway(net, RG, "vgw", &gw_spec, &cfg)
        .await
        .unwrap();
    assert_eq!(gw.provisioning_state, "Succeeded");
    assert_eq!(gw.sku, "VpnGw1AZ");
    assert!(gw.active_active && gw.enable_bgp);
    assert_eq!(gw.asn, Some(65515));
    assert_eq!(gw.public_ip_ids.len(), 2);
    let ipc0 = ip_configuration_id(net, RG, "vgw", "default");
    let peer0 = gw
        .bgp_peering_addresses
        .iter()
        .find(|b| b.ip_configuration_id.eq_ignore_ascii_case(&ipc0))
        .unwrap_or_else(|| panic!("no BGP peering address for {ipc0}: {gw:?}"));
    assert_eq!(peer0.custom_ips, vec!["169.254.21.2", "169.254.22.2"]);

    // In-place SKU resize within the generation.
    let gw = update_gateway(
        net,
        RG,
        "vgw",
        &GatewayUpdate {
            sku: Some("VpnGw2AZ".into()),
            ..Default::default()
        },
        &cfg,
    )
    .await
    .unwrap();
    assert_eq!(gw.sku, "VpnGw2AZ");
    assert_eq!(
        find_gateway(net, RG, "vgw", &cancel)
            .await
            .unwrap()
            .unwrap()
            .sku,
        "VpnGw2AZ"
    );

    // Local network gateway: create, then change the prefixes in one PUT.
    let mut lng_spec = LocalGatewaySpec {
        location: LOCATION.into(),
        gateway_ip_address: "203.0.113.10".into(),
        address_prefixes: vec!["172.16.0.0/16".into()],
        bgp: Some(LocalGatewayBgp {
            asn: 64512,
            peering_address: "169.254.21.1".into(),
        }),
        tags: tags("local-network-gateway-1"),
    };
    let lng = create_or_update_local_gateway(net, RG, "lng-1", &lng_spec, &cfg)
        .await
        .unwrap();
    assert_eq!(lng.gateway_ip_address.as_deref(), Some("203.0.113.10"));
    assert_eq!(lng.bgp.as_ref().unwrap().asn, 64512);
    lng_spec.address_prefixes = vec!["172.17.0.0/16".into(), "172.18.0.0/16".into()];
    let puts_before = e.calls("PUT localNetworkGateways");
    let lng = create_or_update_local_gateway(net, RG, "lng-1", &lng_spec, &cfg)
        .await
        .unwrap();
    assert_eq!(lng.address_prefixes, lng_spec.address_prefixes);
    assert_eq!(e.calls("PUT localNetworkGateways") - puts_before, 1);

    // Connection with the tunnel's key, BGP and a custom APIPA address per instance.
    let ipc1 = ip_configuration_id(net, RG, "vgw", "activeActive");
    let mut conn_spec = ConnectionSpec {
        location: LOCATION.into(),
        virtual_network_gateway_id: gw.id.clone(),
        local_network_gateway_id: lng.id.clone(),
        shared_key: "Initial_key_1".into(),
        enable_bgp: true,
        custom_bgp_addresses: vec![
            CustomBgpAddress {
                ip_configuration_id: ipc0.clone(),
                address: "169.254.21.2".into(),
            },
            CustomBgpAddress {
                ip_configuration_id: ipc1.clone(),
                address: "169.254.21.6".into(),
            },
        ],
        ipsec_policy: Some(IpsecPolicySpec {
            sa_life_time_seconds: 27000,
            sa_data_size_kilobytes: 102400000,
            ipsec_encryption: "GCMAES256".into(),
            ipsec_integrity: "GCMAES256".into(),
            ike_encryption: "AES256".into(),
            ike_integrity: "SHA256".into(),
            dh_group: "DHGroup14".into(),
            pfs_group: "PFS2048".into(),
        }),
        dpd_timeout_seconds: Some(45),
        use_policy_based_traffic_selectors: false,
        tags: tags("connection-1"),
    };
    let conn = create_or_update_connection(net, RG, "conn-1", &conn_spec, &cfg)
        .await
        .unwrap();
    assert_eq!(conn.provisioning_state, "Succeeded");
    assert!(conn.enable_bgp);
    assert!(
        conn.virtual_network_gateway_id.eq_ignore_ascii_case(&gw.id),
        "{conn:?}"
    );
    assert!(
        conn.local_network_gateway_id.eq_ignore_ascii_case(&lng.id),
        "{conn:?}"
    );
    assert_eq!(conn.connection_protocol, "IKEv2");
    assert_eq!(conn.custom_bgp_addresses.len(), 2);

    // The GET returns the gateway references id-only: the SDK model cannot read them,
    // our raw GET can.
    let path = net.resource_id(RG, "connections", "conn-1");
    let as_sdk_model = get_json::<
        azure_mgmt_network::package_2024_03::models::VirtualNetworkGatewayConnection,
    >(net, &cancel, "reading as the SDK model", &path)
    .await;
    assert!(
        as_sdk_model.is_err(),
        "the SDK model read an id-only reference; RawConnection may be unneeded"
    );
    let raw = get_connection(net, RG, "conn-1", &cancel)
        .await
        .unwrap()
        .unwrap();
    let r = raw.properties.virtual_network_gateway1.unwrap();
    assert!(r.id.unwrap().eq_ignore_ascii_case(&gw.id));

    // Shared key: read, set through /sharedkey, and changed by an update of the spec.
    assert_eq!(
        get_shared_key(net, RG, "conn-1", &cancel).await.unwrap(),
        "Initial_key_1"
    );
    set_shared_key(net, RG, "conn-1", "Rotated_key_2", &cfg)
        .await
        .unwrap();
    assert_eq!(
        get_shared_key(net, RG, "conn-1", &cancel).await.unwrap(),
        "Rotated_key_2"
    );
    conn_spec.shared_key = "Third_key_3".into();
    create_or_update_connection(net, RG, "conn-1", &conn_spec, &cfg)
        .await
        .unwrap();
    assert_eq!(
        get_shared_key(net, RG, "conn-1", &cancel).await.unwrap(),
        "Third_key_3"
    );

    // Teardown in reverse, each DELETE polled by our poller; deleting again is a no-op.
    delete_connection(net, RG, "conn-1", &cfg).await.unwrap();
    assert!(find_connection(net, RG, "conn-1", &cancel)
        .await
        .unwrap()
        .is_none());
    delete_connection(net, RG, "conn-1", &cfg).await.unwrap();
    delete_local_gateway(net, RG, "lng-1", &cfg).await.unwrap();
    assert!(find_local_gateway(net, RG, "lng-1", &cancel)
        .await
        .unwrap()
        .is_none());
    delete_gateway(net, RG, "vgw", &cfg).await.unwrap();
    assert!(find_gateway(net, RG, "vgw", &cancel)
        .await
        .unwrap()
        .is_none());
    for n in ["pip-0", "pip-1"] {
        delete_public_ip(net, RG, n, &cfg).await.unwrap();
        assert!(find_public_ip(net, RG, n, &cancel).await.unwrap().is_none());
    }
    delete_gateway_subnet(net, RG, VNET, &cfg).await.unwrap();
    assert!(find_gateway_subnet(net, RG, VNET, &cancel)
        .await
        .unwrap()
        .is_none());
    delete_gateway_subnet(net, RG, VNET, &cfg).await.unwrap();
}

#[tokio::test]
async fn unknown_names_and_groups_are_none_not_errors() {
    let e = start(1.0).await;
    e.seed().await;
    let az = e.azure();
    let net = az.network().await.unwrap();
    let c = CancellationToken::new();
    assert!(find_public_ip(net, RG, "nope", &c).await.unwrap().is_none());
    assert!(find_public_ip(net, "no-such-rg", "nope", &c)
        .await
        .unwrap()
        .is_none());
    assert!(find_gateway(net, RG, "nope", &c).await.unwrap().is_none());
    assert!(find_local_gateway(net, RG, "nope", &c)
        .await
        .unwrap()
        .is_none());
    assert!(find_connection(net, RG, "nope", &c)
        .await
        .unwrap()
        .is_none());
    assert!(find_virtual_network(net, RG, "nope", &c)
        .await
        .unwrap()
        .is_none());
    assert!(find_gateway_subnet(net, RG, "nope", &c)
        .await
        .unwrap()
        .is_none());
    let err = get_shared_key(net, RG, "nope", &c).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn throttled_puts_are_retried_to_success() {
    let e = start(1.0).await;
    e.seed().await;
    e.post(
        "/_emulator/faults",
        &json!({"spec": "arm:PUT publicIPAddresses=throttle,count=2"}),
    )
    .await;
    let az = e.azure();
    let net = az.network().await.unwrap();
    let spec = PublicIpSpec {
        location: LOCATION.into(),
        zones: vec![],
        tags: tags("public-ip-0"),
    };
    let pip = create_or_update_public_ip(net, RG, "pip-t", &spec, &wait(30_000))
        .await
        .unwrap();
    assert_eq!(pip.provisioning_state, "Succeeded");
    assert_eq!(e.calls("PUT publicIPAddresses"), 3);
}

#[tokio::test]
async fn waits_time_out_saying_what_they_saw_and_failed_operations_keep_their_code() {
    // Every operation lasts 20 ms x 100 = 2 s here.
    let e = start(100.0).await;
    e.seed().await;
    let az = e.azure();
    let net = az.network().await.unwrap();
    let spec = PublicIpSpec {
        location: LOCATION.into(),
        zones: vec![],
        tags: tags("public-ip-0"),
    };

    // A waiter that runs out of time.
    let err = create_or_update_public_ip(net, RG, "pip-slow", &spec, &wait(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    let s = err.to_string();
    assert!(
        s.contains("pip-slow") && s.contains("last state: InProgress"),
        "{s}"
    );

    // Cancellation stops a wait at once.
    let cfg = wait(30_000);
    let cancel = cfg.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let err = create_or_update_public_ip(net, RG, "pip-cancel", &spec, &cfg)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{err}");

    // Deleting the resource group cancels the running create: the async operation ends
    // `Failed`, and our poller keeps its ARM code and message (the SDK says only
    // "Long running operation failed").
    let az2 = e.azure();
    let spec2 = spec.clone();
    let create = tokio::spawn(async move {
        let net = az2.network().await.unwrap();
        create_or_update_public_ip(net, RG, "pip-doomed", &spec2, &wait(30_000)).await
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    net.raw(
        &CancellationToken::new(),
        "deleting the resource group",
        azure_core::Method::Delete,
        &format!("/subscriptions/{SUB}/resourcegroups/{RG}?api-version=2024-03-01"),
        None,
    )
    .await
    .unwrap();
    let err = create.await.unwrap().unwrap_err();
    assert_eq!(err.code.as_deref(), Some("Canceled"), "{err}");
    let s = err.to_string();
    assert!(
        s.contains("creating Azure public IP (rg-link/pip-doomed)") && s.contains("Canceled:"),
        "{s}"
    );
}

/// The ARM resource type a recorded request addressed (`sharedkey` for a connection's key).
fn resource_type_of(path: &str) -> &str {
    if path.ends_with("/sharedkey") {
        "sharedkey"
    } else if path.contains("/subnets/") {
        "subnets"
    } else {
        path.trim_end_matches('/').rsplit('/').nth(1).unwrap_or("")
    }
}

/// One VPN gateway (non-active-active, no BGP) on `vnet`'s new GatewaySubnet with its own
/// public IP, built without faults.
async fn gateway_on(
    net: &terraform_provider_cloudlink::cloud::azure::Network,
    vnet: &str,
    prefix: &str,
    name: &str,
    cfg: &WaitConfig,
) -> terraform_provider_cloudlink::cloud::azure::gateway::Gateway {
    let subnet = create_gateway_subnet(net, RG, vnet, prefix, cfg)
        .await
        .unwrap();
    let pip_spec = PublicIpSpec {
        location: LOCATION.into(),
        zones: vec!["1".into(), "2".into(), "3".into()],
        tags: tags(&format!("public-ip-{name}")),
    };
    let pip = create_or_update_public_ip(net, RG, &format!("pip-{name}"), &pip_spec, cfg)
        .await
        .unwrap();
    let spec = GatewaySpec {
        location: LOCATION.into(),
        sku: "VpnGw1AZ".into(),
        generation: Some("Generation1".into()),
        ip_configurations: vec![GatewayIpConfigSpec {
            name: "default".into(),
            subnet_id: subnet.id,
            public_ip_id: pip.id,
            apipa_addresses: vec![],
        }],
        tags: tags(&format!("virtual-network-gateway-{name}")),
        ..Default::default()
    };
    create_or_update_gateway(net, RG, name, &spec, cfg)
        .await
        .unwrap()
}

fn local_gateway_spec(ip: &str, prefix: &str, component: &str) -> LocalGatewaySpec {
    LocalGatewaySpec {
        location: LOCATION.into(),
        gateway_ip_address: ip.into(),
        address_prefixes: vec![prefix.into()],
        bgp: None,
        tags: tags(component),
    }
}

fn connection_spec(gateway_id: &str, local_gateway_id: &str, key: &str) -> ConnectionSpec {
    ConnectionSpec {
        location: LOCATION.into(),
        virtual_network_gateway_id: gateway_id.into(),
        local_network_gateway_id: local_gateway_id.into(),
        shared_key: key.into(),
        tags: tags("connection"),
        ..Default::default()
    }
}

/// Every ARM call cloudlink makes, on every object kind (public IP, GatewaySubnet, virtual
/// network gateway, local network gateway, connection and its shared key, and the VNet it
/// reads), answered once with `429 Retry-After: 3`: the emulator's record shows the same
/// request again no sooner than 3 s later, answered with success, and the call succeeds.
/// The kinds run concurrently (each on its own objects, writes on one gateway in turn), so
/// the whole test waits about three Retry-Afters, not eighteen.
#[tokio::test]
async fn every_kinds_throttled_get_put_and_delete_wait_their_retry_after() {
    let e = start(1.0).await;
    let vnets: Vec<Value> = [("vnet-a", 1), ("vnet-b", 2), ("vnet-c", 3), ("vnet-d", 4)]
        .iter()
        .map(|(name, n)| {
            json!({"resource_group": RG, "name": name, "location": LOCATION,
                   "address_space": [format!("10.{n}.0.0/16")], "subnets": []})
        })
        .collect();
    e.post(
        "/_emulator/fixtures",
        &json!({"azure": {
            "resource_groups": [{"name": RG, "location": LOCATION}],
            "virtual_networks": vnets,
        }}),
    )
    .await;
    let az = Azure::with_retry_policy(
        e.settings("emulator-secret"),
        RetryPolicy {
            budget: Duration::from_secs(20),
            ..fast_retry()
        },
    );
    let net = az.network().await.unwrap();
    let cfg = wait(60_000);
    let c = &cfg.cancel;

    // Without faults: gateway a with a connection (its reads and key), gateway b (updated,
    // then deleted), gateway c (gets a new connection, then loses it).
    let gw_a = gateway_on(net, "vnet-a", "10.1.255.0/27", "gw-a", &cfg).await;
    gateway_on(net, "vnet-b", "10.2.255.0/27", "gw-b", &cfg).await;
    let gw_c = gateway_on(net, "vnet-c", "10.3.255.0/27", "gw-c", &cfg).await;
    let lgw_a = create_or_update_local_gateway(
        net,
        RG,
        "lgw-a",
        &local_gateway_spec("203.0.113.1", "172.16.1.0/24", "local-network-gateway-a"),
        &cfg,
    )
    .await
    .unwrap();
    let lgw_c = create_or_update_local_gateway(
        net,
        RG,
        "lgw-c",
        &local_gateway_spec("203.0.113.3", "172.16.3.0/24", "local-network-gateway-c"),
        &cfg,
    )
    .await
    .unwrap();
    create_or_update_connection(
        net,
        RG,
        "conn-a",
        &connection_spec(&gw_a.id, &lgw_a.id, "First_key_1"),
        &cfg,
    )
    .await
    .unwrap();

    let throttled = [
        "GET virtualNetworks",
        "GET publicIPAddresses",
        "PUT publicIPAddresses",
        "DELETE publicIPAddresses",
        "GET subnets",
        "PUT subnets",
        "DELETE subnets",
        "GET localNetworkGateways",
        "PUT localNetworkGateways",
        "DELETE localNetworkGateways",
        "GET virtualNetworkGateways",
        "PUT virtualNetworkGateways",
        "DELETE virtualNetworkGateways",
        "GET connections",
        "PUT connections",
        "DELETE connections",
        "GET sharedkey",
        "PUT sharedkey",
    ];
    for action in throttled {
        e.post(
            "/_emulator/faults",
            &json!({"spec": format!("arm:{action}=throttle,count=1,retry_after_s=3")}),
        )
        .await;
    }

    let started = std::time::Instant::now();
    let pip_spec = PublicIpSpec {
        location: LOCATION.into(),
        zones: vec![],
        tags: tags("public-ip-new"),
    };
    let vnet = async {
        let v = find_virtual_network(net, RG, "vnet-a", c).await.unwrap();
        assert!(v.is_some());
    };
    let public_ip = async {
        assert!(find_public_ip(net, RG, "pip-gw-a", c)
            .await
            .unwrap()
            .is_some());
        create_or_update_public_ip(net, RG, "pip-new", &pip_spec, &cfg)
            .await
            .unwrap();
        delete_public_ip(net, RG, "pip-new", &cfg).await.unwrap();
    };
    let subnet = async {
        assert!(find_gateway_subnet(net, RG, "vnet-a", c)
            .await
            .unwrap()
            .is_some());
        create_gateway_subnet(net, RG, "vnet-d", "10.4.255.0/27", &cfg)
            .await
            .unwrap();
        delete_gateway_subnet(net, RG, "vnet-d", &cfg)
            .await
            .unwrap();
    };
    let local_gateway = async {
        assert!(find_local_gateway(net, RG, "lgw-a", c)
            .await
            .unwrap()
            .is_some());
        let spec = local_gateway_spec("203.0.113.9", "172.16.9.0/24", "local-network-gateway-n");
        create_or_update_local_gateway(net, RG, "lgw-new", &spec, &cfg)
            .await
            .unwrap();
        delete_local_gateway(net, RG, "lgw-new", &cfg)
            .await
            .unwrap();
    };
    let gateway = async {
        let update = GatewayUpdate {
            tags: Some(tags("virtual-network-gateway-b2")),
            ..Default::default()
        };
        update_gateway(net, RG, "gw-b", &update, &cfg)
            .await
            .unwrap();
        delete_gateway(net, RG, "gw-b", &cfg).await.unwrap();
    };
    let shared_key = async {
        assert!(find_connection(net, RG, "conn-a", c)
            .await
            .unwrap()
            .is_some());
        assert_eq!(
            get_shared_key(net, RG, "conn-a", c).await.unwrap(),
            "First_key_1"
        );
        set_shared_key(net, RG, "conn-a", "Second_key_2", &cfg)
            .await
            .unwrap();
    };
    let connection = async {
        let spec = connection_spec(&gw_c.id, &lgw_c.id, "Other_key_3");
        create_or_update_connection(net, RG, "conn-c", &spec, &cfg)
            .await
            .unwrap();
        delete_connection(net, RG, "conn-c", &cfg).await.unwrap();
    };
    tokio::join!(
        vnet,
        public_ip,
        subnet,
        local_gateway,
        gateway,
        shared_key,
        connection
    );
    let took = started.elapsed();

    let exchanges = e.emu.observe.exchanges();
    let mut seen = Vec::new();
    for x in exchanges.iter().filter(|x| x.status == 429) {
        let action = format!("{} {}", x.method, resource_type_of(&x.path));
        let retry = exchanges
            .iter()
            .find(|y| y.seq > x.seq && y.method == x.method && y.path == x.path)
            .unwrap_or_else(|| panic!("{action} {} was never retried", x.path));
        assert!(
            retry.at_ms - x.at_ms >= 3000,
            "{action} {} was retried {} ms after a 429 with Retry-After: 3",
            x.path,
            retry.at_ms - x.at_ms
        );
        assert!(
            (200..300).contains(&retry.status),
            "{action} {}: the retry got {}",
            x.path,
            retry.status
        );
        seen.push(action);
    }
    seen.sort();
    let mut expected: Vec<String> = throttled.iter().map(|a| a.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected, "one 429 per throttled action");
    assert!(
        took < Duration::from_secs(30),
        "the kinds did not wait out their Retry-Afters concurrently: {took:?}"
    );
    assert!(find_gateway(net, RG, "gw-b", c).await.unwrap().is_none());
    assert_eq!(
        get_shared_key(net, RG, "conn-a", c).await.unwrap(),
        "Second_key_2"
    );
}
