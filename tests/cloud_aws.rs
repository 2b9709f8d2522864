//! The EC2 layer (`cloud::aws`) against the in-process emulator: every object through
//! create / find / wait / delete, several accounts (static keys, assume-role), regions,
//! not-found as `None`, throttling retried to success and waiter timeouts that say what
//! they saw.
// The long async test bodies exceed clippy's default query depth.
#![recursion_limit = "256"]

use cloudlink_emulator::{profile::Profile, server, Emulator};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use terraform_provider_cloudlink::cloud::aws::{
    ownership_tags, AssumeRole, AwsAccount, AwsSettings, Ec2, RouteTarget, Tags, TunnelLogOptions,
    TunnelSpec, VpnConnectionSpec, VpnTarget,
};
use terraform_provider_cloudlink::cloud::retry::RetryPolicy;
use terraform_provider_cloudlink::cloud::wait::WaitConfig;
use terraform_provider_cloudlink::cloud::ErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

#[path = "spec/wire.rs"]
mod wire;

const REGION: &str = "us-east-1";
const DEFAULT_ACCOUNT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECOND_ACCOUNT_KEY: &str = "AKID111111111111EXAMPLE";

/// The emulator under test; every request our clients sent and every answer are checked
/// against botocore's EC2/STS models when the test ends.
struct Emu {
    emu: wire::Checked,
    url: String,
}

async fn start() -> Emu {
    let emu = Arc::new(Emulator::new(Profile::named("fast", 1.0).unwrap(), 7));
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
    /// A tiny HTTP/1.1 POST (reqwest is not a dependency of the provider).
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

    /// Creates VPCs; returns (vpc id, route table ids) per spec.
    async fn vpcs(&self, specs: Value) -> Vec<(String, Vec<String>)> {
        let out = self
            .post("/_emulator/fixtures", &json!({"aws": {"vpcs": specs}}))
            .await;
        out["aws"]["vpcs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let rtbs = v["route_table_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect();
                (v["id"].as_str().unwrap().to_string(), rtbs)
            })
            .collect()
    }

    fn settings(&self, key: &str, region: &str) -> AwsSettings {
        AwsSettings {
            region: Some(region.into()),
            access_key: Some(key.into()),
            secret_key: Some("secret".into()),
            endpoint: Some(self.url.clone()),
            ..Default::default()
        }
    }

    fn account(&self, name: &str, key: &str) -> AwsAccount {
        AwsAccount::new(name, self.settings(key, REGION)).with_retry_policy(fast_retry())
    }

    async fn ec2(&self) -> Ec2 {
        self.account("default", DEFAULT_ACCOUNT_KEY)
            .ec2()
            .await
            .unwrap()
    }

    fn calls(&self, action: &str) -> u64 {
        self.emu
            .observe
            .counters()
            .get("ec2")
            .and_then(|m| m.get(action))
            .copied()
            .unwrap_or(0)
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_secs(1),
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

fn tags(component: &str) -> Tags {
    let mut user = Tags::new();
    user.insert("env".into(), "test".into());
    ownership_tags("link-1", component, &user)
}

#[tokio::test]
async fn customer_gateway_create_find_adopt_wait_delete() {
    let e = start().await;
    let ec2 = e.ec2().await;
    let t = tags("customer-gateway-0");
    let id = ec2
        .create_customer_gateway("20.30.40.50", 65515, None, &t)
        .await
        .unwrap();
    let cgw = ec2
        .wait_customer_gateway_available(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(
        (cgw.ip_address.as_str(), cgw.bgp_asn, cgw.state.as_str()),
        ("20.30.40.50", 65515, "available")
    );
    assert_eq!(cgw.tags["Name"], "link-1-customer-gateway-0");
    assert_eq!(cgw.tags["env"], "test");

    // A re-run after a crash finds it by its ownership tags instead of creating another.
    let adopted = ec2
        .find_customer_gateway_by_tags(&t)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(adopted.id, id);
    assert!(ec2
        .find_customer_gateway_by_tags(&tags("customer-gateway-1"))
        .await
        .unwrap()
        .is_none());

    ec2.delete_customer_gateway(&id).await.unwrap();
    ec2.wait_customer_gateway_deleted(&id, &wait(10_000))
        .await
        .unwrap();
    assert!(ec2
        .find_customer_gateway_by_id(&id)
        .await
        .unwrap()
        .is_none());
    // Deleting again is not an error.
    ec2.delete_customer_gateway(&id).await.unwrap();
    assert!(ec2
        .find_customer_gateway_by_tags(&t)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn unknown_ids_are_none_not_errors() {
    let e = start().await;
    let ec2 = e.ec2().await;
    assert!(ec2
        .find_vpc_by_id("vpc-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_route_table_by_id("rtb-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_customer_gateway_by_id("cgw-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_vpn_gateway_by_id("vgw-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_vpn_connection_by_id("vpn-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_transit_gateway_by_id("tgw-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    assert!(ec2
        .find_vpc_peering_connection_by_id("pcx-0123456789abcdef0")
        .await
        .unwrap()
        .is_none());
    ec2.delete_vpn_connection("vpn-0123456789abcdef0")
        .await
        .unwrap();
    ec2.delete_vpn_gateway("vgw-0123456789abcdef0")
        .await
        .unwrap();
    ec2.delete_vpc_peering_connection("pcx-0123456789abcdef0")
        .await
        .unwrap();
}

#[tokio::test]
async fn throttled_create_is_retried_to_success() {
    let e = start().await;
    let ec2 = e.ec2().await;
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:CreateCustomerGateway=throttle,count=2"}),
    )
    .await;
    let id = ec2
        .create_customer_gateway("20.30.40.51", 65000, None, &tags("customer-gateway-0"))
        .await
        .unwrap();
    assert!(id.starts_with("cgw-"));
    assert_eq!(e.calls("CreateCustomerGateway"), 3);
}

#[tokio::test]
async fn throttling_beyond_the_policy_fails_with_context() {
    let e = start().await;
    let ec2 = e.ec2().await;
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:CreateCustomerGateway=throttle"}),
    )
    .await;
    let started = std::time::Instant::now();
    let err = ec2
        .create_customer_gateway("20.30.40.52", 65000, None, &Tags::new())
        .await
        .unwrap_err();
    // The policy's budget (1 s here), not an attempt count, ended the retries.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind, ErrorKind::Throttling);
    let s = err.to_string();
    assert!(
        s.starts_with("creating EC2 customer gateway (20.30.40.52"),
        "{s}"
    );
    assert!(s.contains("RequestLimitExceeded"), "{s}");
    assert!(s.contains("gave up after"), "{s}");
    assert!(
        e.calls("CreateCustomerGateway") >= 3,
        "{}",
        e.calls("CreateCustomerGateway")
    );
}

#[tokio::test]
async fn vpc_reads_owner_and_cidrs_in_one_call() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16", "extra_cidrs": ["10.2.0.0/16"], "route_tables": 1}]))
        .await;
    let ec2 = e.ec2().await;
    let vpc = ec2.find_vpc_by_id(&v[0].0).await.unwrap().unwrap();
    assert_eq!(vpc.cidr_blocks, vec!["10.1.0.0/16", "10.2.0.0/16"]);
    assert_eq!(vpc.owner_id, "123456789012");
    assert_eq!(e.calls("DescribeVpcs"), 1);
    assert_eq!(
        e.calls("DescribeVpcAttribute"),
        0,
        "nothing reads the DNS attributes"
    );
}

#[tokio::test]
async fn vpn_gateway_attach_detach_delete_and_routes() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16", "route_tables": 1}]))
        .await;
    let (vpc, rtb) = (&v[0].0, &v[0].1[0]);
    let ec2 = e.ec2().await;
    let t = tags("vpn-gateway");
    let vgw = ec2.create_vpn_gateway(Some(64512), &t).await.unwrap();
    let g = ec2
        .wait_vpn_gateway_available(&vgw, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(g.amazon_side_asn, Some(64512));
    assert_eq!(
        ec2.find_vpn_gateway_by_tags(&t).await.unwrap().unwrap().id,
        vgw
    );

    ec2.attach_vpn_gateway(&vgw, vpc).await.unwrap();
    ec2.wait_vpn_gateway_attached(&vgw, vpc, &wait(10_000))
        .await
        .unwrap();

    // Routes: create, repeat (RouteAlreadyExists with the same target is fine), read, delete twice.
    let target = RouteTarget::VpnGateway(vgw.clone());
    ec2.create_route(rtb, "172.16.0.0/16", &target)
        .await
        .unwrap();
    ec2.create_route(rtb, "172.16.0.0/16", &target)
        .await
        .unwrap();
    let table = ec2.find_route_table_by_id(rtb).await.unwrap().unwrap();
    assert_eq!(table.vpc_id, *vpc);
    let r = table.route("172.16.0.0/16").unwrap();
    assert_eq!(r.gateway_id.as_deref(), Some(vgw.as_str()));
    let other = RouteTarget::VpcPeering("pcx-0123456789abcdef0".into());
    assert!(ec2
        .create_route(rtb, "172.16.0.0/16", &other)
        .await
        .is_err());
    ec2.delete_route(rtb, "172.16.0.0/16").await.unwrap();
    ec2.delete_route(rtb, "172.16.0.0/16").await.unwrap();

    ec2.enable_vgw_route_propagation(rtb, &vgw).await.unwrap();
    let table = ec2.find_route_table_by_id(rtb).await.unwrap().unwrap();
    assert_eq!(table.propagating_vgws, vec![vgw.clone()]);
    ec2.disable_vgw_route_propagation(rtb, &vgw).await.unwrap();
    let table = ec2.find_route_table_by_id(rtb).await.unwrap().unwrap();
    assert!(table.propagating_vgws.is_empty());

    ec2.detach_vpn_gateway(&vgw, vpc).await.unwrap();
    ec2.wait_vpn_gateway_detached(&vgw, vpc, &wait(10_000))
        .await
        .unwrap();
    ec2.delete_vpn_gateway(&vgw).await.unwrap();
    ec2.wait_vpn_gateway_deleted(&vgw, &wait(10_000))
        .await
        .unwrap();
    assert!(ec2.find_vpn_gateway_by_id(&vgw).await.unwrap().is_none());
}

#[tokio::test]
async fn waiter_timeout_says_what_it_saw() {
    let e = start().await;
    let v = e.vpcs(json!([{"cidr": "10.1.0.0/16"}])).await;
    let ec2 = e.ec2().await;
    let vgw = ec2.create_vpn_gateway(None, &Tags::new()).await.unwrap();
    ec2.wait_vpn_gateway_available(&vgw, &wait(10_000))
        .await
        .unwrap();
    ec2.attach_vpn_gateway(&vgw, &v[0].0).await.unwrap();
    ec2.wait_vpn_gateway_attached(&vgw, &v[0].0, &wait(10_000))
        .await
        .unwrap();
    // Never detached, so the detach waiter can only time out.
    let err = ec2
        .wait_vpn_gateway_detached(&vgw, &v[0].0, &wait(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    let s = err.to_string();
    assert!(
        s.contains(&format!("waiting for EC2 VPN gateway ({vgw}) to detach")),
        "{s}"
    );
    assert!(
        s.contains("last state: attached") && s.contains("probes"),
        "{s}"
    );
}

#[tokio::test]
async fn vpn_connection_tunnels_routes_psk_rotation_and_delete() {
    let e = start().await;
    let v = e.vpcs(json!([{"cidr": "10.1.0.0/16"}])).await;
    let ec2 = e.ec2().await;
    let cgw = ec2
        .create_customer_gateway("20.30.40.60", 65515, None, &tags("customer-gateway-0"))
        .await
        .unwrap();
    ec2.wait_customer_gateway_available(&cgw, &wait(10_000))
        .await
        .unwrap();
    let vgw = ec2
        .create_vpn_gateway(Some(64512), &tags("vpn-gateway"))
        .await
        .unwrap();
    ec2.wait_vpn_gateway_available(&vgw, &wait(10_000))
        .await
        .unwrap();
    ec2.attach_vpn_gateway(&vgw, &v[0].0).await.unwrap();
    ec2.wait_vpn_gateway_attached(&vgw, &v[0].0, &wait(10_000))
        .await
        .unwrap();

    let t = tags("vpn-connection-0");
    let spec = VpnConnectionSpec {
        customer_gateway_id: cgw.clone(),
        target: VpnTarget::VpnGateway(vgw.clone()),
        static_routes_only: true,
        tunnels: vec![
            TunnelSpec {
                inside_cidr: Some("169.254.21.0/30".into()),
                psk: Some("Tunnel1_key.abcdef".into()),
                phase1_encryption: vec!["AES256".into()],
                phase1_integrity: vec!["SHA2-256".into()],
                phase1_dh_groups: vec![14],
                ike_versions: vec!["ikev2".into()],
                ..Default::default()
            },
            TunnelSpec {
                inside_cidr: Some("169.254.22.0/30".into()),
                psk: Some("Tunnel2_key.abcdef".into()),
                ..Default::default()
            },
        ],
        tags: t.clone(),
    };
    let id = ec2.create_vpn_connection(&spec).await.unwrap();
    let vpn = ec2
        .wait_vpn_connection_available(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(vpn.customer_gateway_id, cgw);
    assert_eq!(vpn.vpn_gateway_id.as_deref(), Some(vgw.as_str()));
    assert!(vpn.static_routes_only);
    assert_eq!(vpn.tunnels.len(), 2);
    let t1 = vpn
        .tunnel_by_inside_cidr("169.254.21.0/30")
        .unwrap()
        .clone();
    let t2 = vpn
        .tunnel_by_inside_cidr("169.254.22.0/30")
        .unwrap()
        .clone();
    assert_eq!(t1.psk.as_deref(), Some("Tunnel1_key.abcdef"));
    assert_eq!(t2.psk.as_deref(), Some("Tunnel2_key.abcdef"));
    assert_ne!(t1.outside_ip, t2.outside_ip);
    assert!(
        !format!("{vpn:?}").contains("Tunnel1_key"),
        "PSKs must not appear in Debug"
    );
    assert_eq!(
        ec2.find_vpn_connection_by_tags(&t)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );

    // Static routes.
    ec2.create_vpn_connection_route(&id, "10.50.0.0/16")
        .await
        .unwrap();
    ec2.wait_vpn_connection_route_available(&id, "10.50.0.0/16", &wait(10_000))
        .await
        .unwrap();
    assert_eq!(
        ec2.find_vpn_connection_by_id(&id)
            .await
            .unwrap()
            .unwrap()
            .routes,
        vec!["10.50.0.0/16"]
    );
    ec2.delete_vpn_connection_route(&id, "10.50.0.0/16")
        .await
        .unwrap();
    ec2.wait_vpn_connection_route_deleted(&id, "10.50.0.0/16", &wait(10_000))
        .await
        .unwrap();
    assert!(ec2
        .find_vpn_connection_by_id(&id)
        .await
        .unwrap()
        .unwrap()
        .routes
        .is_empty());

    // PSK rotation, one tunnel at a time; the other tunnel keeps its key.
    ec2.modify_vpn_tunnel_psk(&id, &t2.outside_ip, "Rotated_key.123456")
        .await
        .unwrap();
    let vpn = ec2
        .wait_vpn_connection_available(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(
        vpn.tunnel_by_outside_ip(&t2.outside_ip)
            .unwrap()
            .psk
            .as_deref(),
        Some("Rotated_key.123456")
    );
    assert_eq!(
        vpn.tunnel_by_outside_ip(&t1.outside_ip)
            .unwrap()
            .psk
            .as_deref(),
        Some("Tunnel1_key.abcdef")
    );

    ec2.delete_vpn_connection(&id).await.unwrap();
    ec2.wait_vpn_connection_deleted(&id, &wait(10_000))
        .await
        .unwrap();
    assert!(ec2.find_vpn_connection_by_id(&id).await.unwrap().is_none());
    assert!(ec2.find_vpn_connection_by_tags(&t).await.unwrap().is_none());
    ec2.delete_vpn_connection(&id).await.unwrap();
}

#[tokio::test]
async fn vpn_connection_to_a_transit_gateway_has_an_attachment() {
    let e = start().await;
    let out = e
        .post(
            "/_emulator/fixtures",
            &json!({"aws": {"transit_gateways": [{"amazon_side_asn": 64600, "name": "hub"}]}}),
        )
        .await;
    let tgw = out["aws"]["transit_gateways"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ec2 = e.ec2().await;
    let found = ec2.find_transit_gateway_by_id(&tgw).await.unwrap().unwrap();
    assert_eq!(found.amazon_side_asn, Some(64600));
    let cgw = ec2
        .create_customer_gateway("20.30.40.61", 65515, None, &Tags::new())
        .await
        .unwrap();
    ec2.wait_customer_gateway_available(&cgw, &wait(10_000))
        .await
        .unwrap();
    let id = ec2
        .create_vpn_connection(&VpnConnectionSpec {
            customer_gateway_id: cgw,
            target: VpnTarget::TransitGateway(tgw.clone()),
            static_routes_only: false,
            tunnels: vec![],
            tags: Tags::new(),
        })
        .await
        .unwrap();
    let vpn = ec2
        .wait_vpn_connection_available(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(vpn.transit_gateway_id.as_deref(), Some(tgw.as_str()));
    assert_eq!(vpn.tunnels.len(), 2);
    assert!(vpn
        .tunnels
        .iter()
        .all(|t| t.psk.is_some() && t.inside_cidr.starts_with("169.254.")));
    let att = ec2
        .find_transit_gateway_vpn_attachment(&tgw, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(att.resource_id, id);
}

#[tokio::test]
async fn peering_same_account_same_region_with_dns_and_delete() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16", "route_tables": 1}, {"cidr": "10.2.0.0/16", "extra_cidrs": ["10.3.0.0/16"]}]))
        .await;
    let ec2 = e.ec2().await;
    let t = tags("peering");
    let id = ec2
        .create_vpc_peering_connection(&v[0].0, &v[1].0, None, None, &t)
        .await
        .unwrap();
    let p = ec2
        .wait_vpc_peering_connection_pending_acceptance_or_active(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(p.status, "pending-acceptance");
    assert_eq!(
        ec2.find_vpc_peering_connection_by_tags(&t)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    ec2.accept_vpc_peering_connection(&id).await.unwrap();
    let p = ec2
        .wait_vpc_peering_connection_active(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(p.requester.vpc_id, v[0].0);
    assert_eq!(p.accepter.cidr_blocks, vec!["10.2.0.0/16", "10.3.0.0/16"]);

    ec2.set_vpc_peering_dns_resolution(&id, true, true)
        .await
        .unwrap();
    ec2.set_vpc_peering_dns_resolution(&id, false, true)
        .await
        .unwrap();
    let p = ec2
        .find_vpc_peering_connection_by_id(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(p.requester.allow_dns && p.accepter.allow_dns);

    let rtb = &v[0].1[0];
    ec2.create_route(rtb, "10.2.0.0/16", &RouteTarget::VpcPeering(id.clone()))
        .await
        .unwrap();
    let table = ec2.find_route_table_by_id(rtb).await.unwrap().unwrap();
    assert_eq!(
        table
            .route("10.2.0.0/16")
            .unwrap()
            .vpc_peering_connection_id
            .as_deref(),
        Some(id.as_str())
    );
    ec2.delete_route(rtb, "10.2.0.0/16").await.unwrap();

    ec2.delete_vpc_peering_connection(&id).await.unwrap();
    ec2.wait_vpc_peering_connection_deleted(&id, &wait(10_000))
        .await
        .unwrap();
    assert!(ec2
        .find_vpc_peering_connection_by_id(&id)
        .await
        .unwrap()
        .is_none());
    ec2.delete_vpc_peering_connection(&id).await.unwrap();
}

#[tokio::test]
async fn overlapping_peering_fails_with_the_reason() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16"}, {"cidr": "10.1.0.0/16"}]))
        .await;
    let ec2 = e.ec2().await;
    let id = ec2
        .create_vpc_peering_connection(&v[0].0, &v[1].0, None, None, &Tags::new())
        .await
        .unwrap();
    let err = ec2
        .wait_vpc_peering_connection_pending_acceptance_or_active(&id, &wait(10_000))
        .await
        .unwrap_err();
    let s = err.to_string();
    assert!(
        s.contains("failed") && s.to_lowercase().contains("overlapping"),
        "{s}"
    );
    // The by-id finder hides the failed peering; the status finder tells why.
    assert!(ec2
        .find_vpc_peering_connection_by_id(&id)
        .await
        .unwrap()
        .is_none());
    let p = ec2
        .status_vpc_peering_connection(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "failed");
}

#[tokio::test]
async fn peering_cross_account_with_static_keys() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16"}, {"cidr": "10.2.0.0/16", "account": "111111111111"}]))
        .await;
    let requester = e.account("default", DEFAULT_ACCOUNT_KEY);
    let accepter = e.account("network", SECOND_ACCOUNT_KEY);
    assert_eq!(accepter.account_id().await.unwrap(), "111111111111");
    assert_eq!(requester.account_id().await.unwrap(), "123456789012");
    let (req, acc) = (
        requester.ec2().await.unwrap(),
        accepter.ec2().await.unwrap(),
    );
    let id = req
        .create_vpc_peering_connection(&v[0].0, &v[1].0, Some("111111111111"), None, &Tags::new())
        .await
        .unwrap();
    acc.wait_vpc_peering_connection_pending_acceptance_or_active(&id, &wait(10_000))
        .await
        .unwrap();
    acc.accept_vpc_peering_connection(&id).await.unwrap();
    let p = req
        .wait_vpc_peering_connection_active(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(p.accepter.owner_id, "111111111111");
    // Each side sets its own options with its own credentials.
    req.set_vpc_peering_dns_resolution(&id, true, true)
        .await
        .unwrap();
    acc.set_vpc_peering_dns_resolution(&id, false, true)
        .await
        .unwrap();
    acc.delete_vpc_peering_connection(&id).await.unwrap();
    req.wait_vpc_peering_connection_deleted(&id, &wait(10_000))
        .await
        .unwrap();
}

#[tokio::test]
async fn peering_cross_region_accepts_in_the_peer_region() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16"}, {"cidr": "10.2.0.0/16", "region": "eu-west-1"}]))
        .await;
    let account = e.account("default", DEFAULT_ACCOUNT_KEY);
    let peer = account.for_region("eu-west-1");
    assert_eq!(peer.region().await.unwrap(), "eu-west-1");
    let (here, there) = (account.ec2().await.unwrap(), peer.ec2().await.unwrap());
    let id = here
        .create_vpc_peering_connection(&v[0].0, &v[1].0, None, Some("eu-west-1"), &Tags::new())
        .await
        .unwrap();
    there
        .wait_vpc_peering_connection_pending_acceptance_or_active(&id, &wait(10_000))
        .await
        .unwrap();
    there.accept_vpc_peering_connection(&id).await.unwrap();
    let p = there
        .wait_vpc_peering_connection_active(&id, &wait(10_000))
        .await
        .unwrap();
    assert_eq!(
        (p.requester.region.as_str(), p.accepter.region.as_str()),
        (REGION, "eu-west-1")
    );
    here.delete_vpc_peering_connection(&id).await.unwrap();
    here.wait_vpc_peering_connection_deleted(&id, &wait(10_000))
        .await
        .unwrap();
}

#[tokio::test]
async fn assume_role_acts_in_the_role_account() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.9.0.0/16", "account": "222222222222"}]))
        .await;
    let mut s = e.settings(DEFAULT_ACCOUNT_KEY, REGION);
    s.assume_role = Some(AssumeRole::arn_only(
        "arn:aws:iam::222222222222:role/peering",
    ));
    let account = AwsAccount::new("network", s).with_retry_policy(fast_retry());
    assert_eq!(account.account_id().await.unwrap(), "222222222222");
    let ec2 = account.ec2().await.unwrap();
    let vpc = ec2.find_vpc_by_id(&v[0].0).await.unwrap().unwrap();
    assert_eq!(vpc.owner_id, "222222222222");
}

#[tokio::test]
async fn building_an_account_touches_nothing_and_missing_pieces_name_the_account() {
    // No credentials anywhere: no keys, no profile files, no IMDS.
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/cloudlink/config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/cloudlink/credentials",
    );
    let account = AwsAccount::new(
        "network",
        AwsSettings {
            region: Some(REGION.into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        },
    );
    assert_eq!(account.name(), "network");
    let err = account.ec2().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err}");
    let s = err.to_string();
    assert!(
        s.starts_with("aws account \"network\": no credentials found: set access_key/secret_key"),
        "{s}"
    );

    let e = start().await;
    let mut s = e.settings(DEFAULT_ACCOUNT_KEY, REGION);
    s.region = None;
    std::env::remove_var("AWS_REGION");
    std::env::remove_var("AWS_DEFAULT_REGION");
    let err = AwsAccount::new("default", s).ec2().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Client);
    assert!(
        err.to_string()
            .contains("aws account \"default\": no region"),
        "{err}"
    );
}

#[tokio::test]
async fn cancellation_stops_retries() {
    let e = start().await;
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:DescribeVpcs=throttle"}),
    )
    .await;
    let cancel = CancellationToken::new();
    let ec2 = AwsAccount::new("default", e.settings(DEFAULT_ACCOUNT_KEY, REGION))
        .with_retry_policy(RetryPolicy {
            budget: Duration::from_secs(600),
            unreachable_budget: Duration::from_secs(600),
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(50),
        })
        .with_cancel(cancel.clone())
        .ec2()
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let err = ec2
        .find_vpc_by_id("vpc-0123456789abcdef0")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled);
}

#[tokio::test]
async fn dropped_connections_and_server_errors_are_retried() {
    let e = start().await;
    let v = e.vpcs(json!([{"cidr": "10.1.0.0/16"}])).await;
    let ec2 = e.ec2().await;
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:DescribeVpcs=drop,count=1"}),
    )
    .await;
    let vpc = ec2.find_vpc_by_id(&v[0].0).await.unwrap().unwrap();
    assert_eq!(vpc.id, v[0].0);
    assert_eq!(e.calls("DescribeVpcs"), 2);
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:DescribeVpcs=server_error,count=1"}),
    )
    .await;
    let vpc = ec2.find_vpc_by_id(&v[0].0).await.unwrap().unwrap();
    assert_eq!(vpc.id, v[0].0);
    assert_eq!(e.calls("DescribeVpcs"), 4);
}

#[tokio::test]
async fn tags_update_in_place_and_peerings_are_found_by_vpc_pair() {
    let e = start().await;
    let v = e
        .vpcs(json!([{"cidr": "10.1.0.0/16"}, {"cidr": "10.2.0.0/16"}]))
        .await;
    let ec2 = e.ec2().await;
    let id = ec2
        .create_vpc_peering_connection(&v[0].0, &v[1].0, None, None, &Tags::new())
        .await
        .unwrap();
    ec2.wait_vpc_peering_connection_pending_acceptance_or_active(&id, &wait(10_000))
        .await
        .unwrap();
    // Found from either end, even without tags (adoption fallback).
    let found = ec2
        .find_vpc_peering_connections_by_vpcs(&v[1].0, &v[0].0)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec![id.as_str()]
    );

    let t = tags("peering");
    ec2.create_tags(&id, &t).await.unwrap();
    assert_eq!(
        ec2.find_vpc_peering_connection_by_tags(&t)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    ec2.delete_tags(&id, &["env".to_string()]).await.unwrap();
    let p = ec2
        .find_vpc_peering_connection_by_id(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(!p.tags.contains_key("env"));
    assert_eq!(p.tags["cloudlink:component"], "peering");
}

#[tokio::test]
async fn a_retried_create_adopts_what_an_earlier_attempt_made() {
    // The emulator cannot lose a response after creating, so stand in for the lost first
    // attempt with an object that already carries the tags, then fail the next attempt.
    let e = start().await;
    let ec2 = e.ec2().await;
    let t = tags("vpn-gateway");
    let first = ec2.create_vpn_gateway(Some(64512), &t).await.unwrap();
    e.post(
        "/_emulator/faults",
        &json!({"spec": "ec2:CreateVpnGateway=server_error,count=1"}),
    )
    .await;
    let second = ec2.create_vpn_gateway(Some(64512), &t).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(
        e.calls("CreateVpnGateway"),
        2,
        "the retry adopted instead of creating"
    );
    // Without ownership tags nothing is adopted (a tag lookup would match everything).
    assert!(ec2
        .find_vpn_gateway_by_tags(&Tags::new())
        .await
        .unwrap()
        .is_none());
}

/// The device types AWS can configure, in full.
#[tokio::test]
async fn device_types_are_listed_with_vendor_platform_and_software() {
    let e = start().await;
    let ec2 = e.ec2().await;
    let types = ec2.get_vpn_connection_device_types().await.unwrap();
    let cisco = types.iter().find(|t| t.id == "7b2d4e61").unwrap();
    assert_eq!(cisco.vendor, "Cisco Systems, Inc.");
    assert_eq!(cisco.platform, "ISR Series Routers");
    assert_eq!(cisco.software, "IOS 12.4+");
    assert!(types
        .iter()
        .any(|t| t.vendor == "Strongswan" && t.id == "e6f3a2b8"));
    assert_eq!(types.len(), 5, "{types:?}");
}

/// A site VPN to a device at a TEST-NET-1 address: the device configuration carries the
/// connection's own PSKs and outside IPs, the tunnels go UP once the simulated device is
/// configured, and tunnel logs are set at create, switched on and off in place.
#[tokio::test]
async fn site_vpn_device_configuration_and_tunnel_logs() {
    let e = start().await;
    let v = e.vpcs(json!([{"cidr": "10.2.0.0/16"}])).await;
    let ec2 = e.ec2().await;
    let cgw = ec2
        .create_customer_gateway("192.0.2.10", 65010, None, &tags("customer-gateway-0"))
        .await
        .unwrap();
    ec2.wait_customer_gateway_available(&cgw, &wait(10_000))
        .await
        .unwrap();
    let vgw = ec2
        .create_vpn_gateway(Some(64512), &tags("vpn-gateway"))
        .await
        .unwrap();
    ec2.wait_vpn_gateway_available(&vgw, &wait(10_000))
        .await
        .unwrap();
    ec2.attach_vpn_gateway(&vgw, &v[0].0).await.unwrap();
    ec2.wait_vpn_gateway_attached(&vgw, &v[0].0, &wait(10_000))
        .await
        .unwrap();

    let logs = TunnelLogOptions {
        log_group_arn: "arn:aws:logs:us-east-1:123456789012:log-group:/vpn/office".into(),
        output_format: "json".into(),
    };
    let spec = VpnConnectionSpec {
        customer_gateway_id: cgw.clone(),
        target: VpnTarget::VpnGateway(vgw.clone()),
        static_routes_only: true,
        tunnels: vec![
            TunnelSpec {
                inside_cidr: Some("169.254.31.0/30".into()),
                psk: Some("Office_key.one111".into()),
                log_options: Some(logs.clone()),
                ike_versions: vec!["ikev2".into()],
                phase1_lifetime_seconds: Some(14_400),
                dpd_timeout_seconds: Some(45),
                dpd_timeout_action: Some("restart".into()),
                startup_action: Some("start".into()),
                ..Default::default()
            },
            TunnelSpec {
                inside_cidr: Some("169.254.32.0/30".into()),
                psk: Some("Office_key.two222".into()),
                ..Default::default()
            },
        ],
        tags: tags("vpn-connection-0"),
    };
    let id = ec2.create_vpn_connection(&spec).await.unwrap();
    let vpn = ec2
        .wait_vpn_connection_available(&id, &wait(10_000))
        .await
        .unwrap();
    let t1 = vpn
        .tunnel_by_inside_cidr("169.254.31.0/30")
        .unwrap()
        .clone();
    let t2 = vpn
        .tunnel_by_inside_cidr("169.254.32.0/30")
        .unwrap()
        .clone();
    assert_eq!(t1.log_options.as_ref(), Some(&logs));
    assert_eq!(t2.log_options, None);
    assert_eq!(t1.options.ike_versions, vec!["ikev2"]);
    assert_eq!(t1.options.phase1_lifetime_seconds, Some(14_400));
    assert_eq!(t1.options.dpd_timeout_seconds, Some(45));
    assert_eq!(t1.options.dpd_timeout_action.as_deref(), Some("restart"));
    assert_eq!(t1.options.startup_action.as_deref(), Some("start"));
    assert_eq!(t2.options.startup_action.as_deref(), Some("add"));
    assert!(vpn
        .tunnels
        .iter()
        .all(|t| t.status.as_deref() == Some("DOWN")));

    // The device configuration is the connection's own, and never shows in Debug or errors.
    let config = ec2
        .get_vpn_connection_device_sample_configuration(&id, "7b2d4e61", Some("ikev2"))
        .await
        .unwrap();
    for needle in [
        "Office_key.one111",
        "Office_key.two222",
        t1.outside_ip.as_str(),
        t2.outside_ip.as_str(),
    ] {
        assert!(config.0.contains(needle), "configuration lacks {needle}");
    }
    assert!(!format!("{config:?}").contains("Office_key"));
    let err = ec2
        .get_vpn_connection_device_sample_configuration(&id, "00000000", None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&id) && err.contains("00000000") && !err.contains("Office_key"),
        "{err}"
    );

    // The simulated device, configured with the same IPs and keys, brings both tunnels up.
    e.post(
        "/_emulator/peer-devices",
        &json!({"customer_gateway_ip": "192.0.2.10", "tunnels": [
            {"outside_ip": t1.outside_ip, "psk": "Office_key.one111"},
            {"outside_ip": t2.outside_ip, "psk": "Office_key.two222"},
        ]}),
    )
    .await;
    let vpn = ec2.find_vpn_connection_by_id(&id).await.unwrap().unwrap();
    assert!(
        vpn.tunnels
            .iter()
            .all(|t| t.status.as_deref() == Some("UP")),
        "{:?}",
        vpn.tunnels
    );

    // Logs on for tunnel 2 (text), off for tunnel 1, in place: keys and status stay.
    let text = TunnelLogOptions {
        output_format: "text".into(),
        ..logs.clone()
    };
    ec2.modify_vpn_tunnel_log_options(&id, &t2.outside_ip, Some(&text))
        .await
        .unwrap();
    ec2.wait_vpn_connection_updated(&id, &wait(10_000))
        .await
        .unwrap();
    ec2.modify_vpn_tunnel_log_options(&id, &t1.outside_ip, None)
        .await
        .unwrap();
    let vpn = ec2
        .wait_vpn_connection_updated(&id, &wait(10_000))
        .await
        .unwrap();
    let t1 = vpn.tunnel_by_outside_ip(&t1.outside_ip).unwrap();
    let t2 = vpn.tunnel_by_outside_ip(&t2.outside_ip).unwrap();
    assert_eq!(t1.log_options, None);
    assert_eq!(t2.log_options.as_ref(), Some(&text));
    assert_eq!(t1.psk.as_deref(), Some("Office_key.one111"));
    assert_eq!(t2.psk.as_deref(), Some("Office_key.two222"));
    assert!(vpn
        .tunnels
        .iter()
        .all(|t| t.status.as_deref() == Some("UP")));

    // IKE/IPsec options of tunnel 2 only; its key, logs and the other tunnel stay.
    let options = TunnelSpec {
        phase1_encryption: vec!["AES256-GCM-16".into()],
        phase1_dh_groups: vec![20],
        dpd_timeout_action: Some("restart".into()),
        ..Default::default()
    };
    ec2.modify_vpn_tunnel_ike_ipsec_options(&id, &t2.outside_ip, &options)
        .await
        .unwrap();
    let vpn = ec2
        .wait_vpn_connection_updated(&id, &wait(10_000))
        .await
        .unwrap();
    let t1 = vpn.tunnel_by_outside_ip(&t1.outside_ip).unwrap();
    let t2 = vpn.tunnel_by_outside_ip(&t2.outside_ip).unwrap();
    assert_eq!(t2.options.phase1_encryption, vec!["AES256-GCM-16"]);
    assert_eq!(t2.options.phase1_dh_groups, vec![20]);
    assert_eq!(t2.options.dpd_timeout_action.as_deref(), Some("restart"));
    assert_eq!(t2.psk.as_deref(), Some("Office_key.two222"));
    assert_eq!(t2.log_options.as_ref(), Some(&text));
    assert_eq!(t1.options.startup_action.as_deref(), Some("start"));
    assert!(t1.options.phase1_encryption.len() > 1, "{:?}", t1.options);
}
