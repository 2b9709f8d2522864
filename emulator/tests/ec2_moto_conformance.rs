//! The same EC2 + STS scenarios against moto (`python3 -m moto.server`) and against
//! cloudlink-emulator, with the real `aws-sdk-ec2` / `aws-sdk-sts` clients: VPCs and their
//! CIDR blocks, route tables and routes, customer gateways, VPN gateways and attachments,
//! VPC peering in one account and across accounts (STS AssumeRole credentials), and tags.
//!
//! Only what both servers do is asserted (moto's gaps: /work/shared/reference/moto-ec2.md):
//! moto has no pending states, so every state is awaited; it keeps deleted objects listed
//! and answers an unknown id in some describes with an empty list, so "gone" accepts
//! either; its not-found codes differ from AWS's in places (`...Id.NotFound`,
//! `InvalidVpnGatewayID.NotFound` for a route target), so those compare case-insensitively
//! or by the `.NotFound` suffix. Filters moto ignores (customer gateway tags, peering
//! filters) are not used.
//!
//! moto must be installed (`make test` does it); a missing moto fails the test, never skips.

use aws_credential_types::Credentials;
use aws_sdk_ec2::config::{BehaviorVersion, Region};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    Filter, GatewayType, PeeringConnectionOptionsRequest, ResourceType, Tag, TagSpecification,
};
use aws_sdk_ec2::Client;
use cloudlink_emulator::{profile::Profile, server, Emulator};
use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../../tests/spec/wire.rs"]
mod wire;

const REGION: &str = "us-east-1";
/// Not issued by either server, so both map it to their default account.
const KEY: &str = "AKIAEXAMPLEKEY";
const DEFAULT_ACCOUNT: &str = "123456789012";
const PEER_ACCOUNT: &str = "222222222222";

// ---------------------------------------------------------------- the two servers

/// One moto server shared by the tests that run at the same time; the last lease to end
/// kills it by PID.
static MOTO: Mutex<(usize, Option<(Child, u16)>)> = Mutex::new((0, None));

struct MotoLease {
    port: u16,
}

impl MotoLease {
    fn take() -> Self {
        let mut m = MOTO.lock().unwrap_or_else(|e| e.into_inner());
        if m.1.is_none() {
            m.1 = Some(start_moto());
        }
        m.0 += 1;
        MotoLease {
            port: m.1.as_ref().unwrap().1,
        }
    }
}

impl Drop for MotoLease {
    fn drop(&mut self) {
        let mut m = MOTO.lock().unwrap_or_else(|e| e.into_inner());
        m.0 -= 1;
        if m.0 == 0 {
            if let Some((mut child, _)) = m.1.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn start_moto() -> (Child, u16) {
    let probe = Command::new("python3")
        .args(["-c", "import moto.server"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        panic!(
            "moto is not installed, and these conformance tests run against it: install it with \
             `python3 -m pip install 'moto[server]'` (or run `make test`, which does). {probe:?}"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting python3 -m moto.server");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("moto.server exited with {s} before listening on {port}");
        }
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("moto.server did not listen on {port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// One server under test.
struct Target {
    name: &'static str,
    url: String,
}

/// The emulator under test; its answers are checked against botocore's models at the end.
async fn start_emulator() -> (wire::Checked, Target) {
    // Pending phases of 1 ms: short, but still there to be waited for.
    let emu = Arc::new(Emulator::new(Profile::named("fast", 0.05).unwrap(), 11));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = server::router(emu.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        wire::Checked::responses(emu),
        Target {
            name: "cloudlink-emulator",
            url,
        },
    )
}

/// Runs `scenario` against moto, then against cloudlink-emulator.
async fn on_both<F, Fut>(scenario: F)
where
    F: Fn(Target) -> Fut,
    Fut: Future<Output = ()>,
{
    let moto = MotoLease::take();
    let url = format!("http://127.0.0.1:{}", moto.port);
    println!("moto at {url}");
    scenario(Target { name: "moto", url }).await;
    let (emu, target) = start_emulator().await;
    println!("cloudlink-emulator at {}", target.url);
    scenario(target).await;
    assert!(
        emu.observe
            .counters()
            .get("ec2")
            .is_some_and(|c| !c.is_empty()),
        "the scenario never reached cloudlink-emulator"
    );
}

impl Target {
    fn ec2_with(&self, key: &str, secret: &str, token: Option<String>) -> Client {
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(key, secret, token, None, "test"))
            .build();
        Client::from_conf(conf)
    }

    fn ec2(&self) -> Client {
        self.ec2_with(KEY, "secret", None)
    }

    /// An EC2 client for `account` through STS AssumeRole credentials.
    async fn ec2_as(&self, account: &str) -> Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(KEY, "secret", None, None, "test"))
            .build();
        let sts = aws_sdk_sts::Client::from_conf(conf);
        let role = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/peer"))
            .role_session_name("conformance")
            .send()
            .await
            .unwrap_or_else(|e| panic!("[{}] AssumeRole: {e:?}", self.name));
        let c = role.credentials().expect("credentials");
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
                None,
                "test",
            ))
            .build();
        let me = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.account(),
            Some(account),
            "[{}] assumed identity",
            self.name
        );
        self.ec2_with(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
        )
    }
}

// ---------------------------------------------------------------- helpers

/// The error code of a call that must fail.
fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<T, SdkError<E, R>>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("no error code in {e:?}"))
            .to_string(),
    }
}

/// Polls `probe` until it gives a value (moto is immediate, the emulator has pending states).
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..250 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} never happened");
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn name_tag(rt: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

async fn create_vpc(c: &Client, cidr: &str) -> String {
    let id = c
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    vpc_available(c, &id).await;
    id
}

async fn vpc_available(c: &Client, id: &str) {
    eventually("VPC available", || async {
        let out = c.describe_vpcs().vpc_ids(id).send().await.unwrap();
        (out.vpcs()[0].state().map(|s| s.as_str()) == Some("available")).then_some(())
    })
    .await
}

async fn create_vgw(c: &Client, name: &str) -> String {
    let out = c
        .create_vpn_gateway()
        .r#type(GatewayType::Ipsec1)
        .amazon_side_asn(64_600)
        .tag_specifications(name_tag(ResourceType::VpnGateway, name))
        .send()
        .await
        .unwrap();
    let g = out.vpn_gateway().unwrap();
    assert_eq!(g.r#type(), Some(&GatewayType::Ipsec1));
    assert_eq!(g.amazon_side_asn(), Some(64_600));
    let id = g.vpn_gateway_id().unwrap().to_string();
    assert!(id.starts_with("vgw-"), "{id}");
    eventually("VGW available", || async {
        let out = c
            .describe_vpn_gateways()
            .vpn_gateway_ids(&id)
            .send()
            .await
            .unwrap();
        (out.vpn_gateways()[0].state().map(|s| s.as_str()) == Some("available")).then_some(())
    })
    .await;
    id
}

/// The VGW's attachment states, by VPC.
async fn attachments(c: &Client, vgw: &str) -> Vec<(String, String)> {
    let out = c
        .describe_vpn_gateways()
        .vpn_gateway_ids(vgw)
        .send()
        .await
        .unwrap();
    out.vpn_gateways()[0]
        .vpc_attachments()
        .iter()
        .map(|a| {
            (
                a.vpc_id().unwrap_or_default().to_string(),
                a.state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

async fn attach(c: &Client, vgw: &str, vpc: &str) {
    let out = c
        .attach_vpn_gateway()
        .vpn_gateway_id(vgw)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    assert_eq!(out.vpc_attachment().unwrap().vpc_id(), Some(vpc));
    eventually("VGW attached", || async {
        attachments(c, vgw)
            .await
            .iter()
            .any(|(v, s)| v == vpc && s == "attached")
            .then_some(())
    })
    .await;
}

async fn detach(c: &Client, vgw: &str, vpc: &str) {
    c.detach_vpn_gateway()
        .vpn_gateway_id(vgw)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    eventually("VGW detached", || async {
        (!attachments(c, vgw)
            .await
            .iter()
            .any(|(v, s)| v == vpc && (s == "attached" || s == "attaching" || s == "detaching")))
        .then_some(())
    })
    .await;
}

/// A peering's status code, `None` once it is not listed (or unknown).
async fn peering_status(c: &Client, pcx: &str) -> Option<String> {
    match c
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(pcx)
        .send()
        .await
    {
        Ok(out) => out.vpc_peering_connections().first().map(|p| {
            p.status()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_string())
                .unwrap_or_default()
        }),
        Err(e) => {
            let code = e.code().unwrap_or_default();
            assert!(
                code.eq_ignore_ascii_case("InvalidVpcPeeringConnectionID.NotFound"),
                "{e:?}"
            );
            None
        }
    }
}

async fn wait_peering(c: &Client, pcx: &str, want: &str) {
    eventually(&format!("peering {pcx} {want}"), || async {
        (peering_status(c, pcx).await.as_deref() == Some(want)).then_some(())
    })
    .await
}

fn assert_not_found(name: &str, what: &str, code: &str, expected: &str) {
    assert!(
        code.eq_ignore_ascii_case(expected),
        "[{name}] {what}: expected {expected}, got {code}"
    );
}

// ---------------------------------------------------------------- scenarios

#[tokio::test]
async fn vpc_create_describe_cidr_blocks_tag_filter_and_delete_agree_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let out = c
            .create_vpc()
            .cidr_block("10.20.0.0/16")
            .tag_specifications(name_tag(ResourceType::Vpc, "conformance-vpc"))
            .send()
            .await
            .unwrap();
        let v = out.vpc().unwrap();
        let id = v.vpc_id().unwrap().to_string();
        assert!(id.starts_with("vpc-"), "[{}] {id}", t.name);
        assert_eq!(v.cidr_block(), Some("10.20.0.0/16"));
        vpc_available(&c, &id).await;

        let out = c.describe_vpcs().vpc_ids(&id).send().await.unwrap();
        let v = &out.vpcs()[0];
        assert_eq!(v.owner_id(), Some(DEFAULT_ACCOUNT), "[{}]", t.name);
        assert_eq!(v.is_default(), Some(false));
        let blocks = v.cidr_block_association_set();
        assert_eq!(blocks.len(), 1, "[{}] {blocks:?}", t.name);
        assert_eq!(blocks[0].cidr_block(), Some("10.20.0.0/16"));
        assert_eq!(
            blocks[0]
                .cidr_block_state()
                .and_then(|s| s.state())
                .map(|s| s.as_str()),
            Some("associated")
        );
        assert!(v
            .tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("conformance-vpc")));

        // A secondary block.
        let assoc = c
            .associate_vpc_cidr_block()
            .vpc_id(&id)
            .cidr_block("10.21.0.0/16")
            .send()
            .await
            .unwrap();
        assert_eq!(
            assoc.cidr_block_association().and_then(|a| a.cidr_block()),
            Some("10.21.0.0/16")
        );
        eventually("secondary block associated", || async {
            let out = c.describe_vpcs().vpc_ids(&id).send().await.unwrap();
            out.vpcs()[0]
                .cidr_block_association_set()
                .iter()
                .any(|b| {
                    b.cidr_block() == Some("10.21.0.0/16")
                        && b.cidr_block_state()
                            .and_then(|s| s.state())
                            .map(|s| s.as_str())
                            == Some("associated")
                })
                .then_some(())
        })
        .await;

        // Tag filters find exactly ours.
        let found = c
            .describe_vpcs()
            .filters(filter("tag:Name", "conformance-vpc"))
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = found.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
        assert_eq!(ids, vec![id.as_str()], "[{}]", t.name);
        let none = c
            .describe_vpcs()
            .filters(filter("tag:Name", "no-such-name"))
            .send()
            .await
            .unwrap();
        assert!(none.vpcs().is_empty(), "[{}]", t.name);

        // Bad ranges and unknown ids.
        assert_eq!(
            code(c.create_vpc().cidr_block("10.0.0.0/8").send().await),
            "InvalidVpc.Range",
            "[{}]",
            t.name
        );
        assert_eq!(
            code(c.delete_vpc().vpc_id("vpc-0000000000000000f").send().await),
            "InvalidVpcID.NotFound",
            "[{}]",
            t.name
        );

        c.delete_vpc().vpc_id(&id).send().await.unwrap();
        assert_eq!(
            code(c.describe_vpcs().vpc_ids(&id).send().await),
            "InvalidVpcID.NotFound",
            "[{}] a deleted VPC",
            t.name
        );
    })
    .await;
}

#[tokio::test]
async fn route_tables_and_routes_to_a_vpn_gateway_agree_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let vpc = create_vpc(&c, "10.40.0.0/16").await;
        let vgw = create_vgw(&c, "rt-vgw").await;
        attach(&c, &vgw, &vpc).await;
        let rtb = c
            .create_route_table()
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_string();
        assert!(rtb.starts_with("rtb-"));
        let routes = |rtb: String| {
            let c = c.clone();
            async move {
                let out = c
                    .describe_route_tables()
                    .route_table_ids(rtb)
                    .send()
                    .await
                    .unwrap();
                out.route_tables()[0].routes().to_vec()
            }
        };
        let r = routes(rtb.clone()).await;
        assert!(
            r.iter()
                .any(|r| r.destination_cidr_block() == Some("10.40.0.0/16")
                    && r.gateway_id() == Some("local")),
            "[{}] local route: {r:?}",
            t.name
        );

        c.create_route()
            .route_table_id(&rtb)
            .destination_cidr_block("172.16.0.0/16")
            .gateway_id(&vgw)
            .send()
            .await
            .unwrap();
        let r = routes(rtb.clone()).await;
        let ours = r
            .iter()
            .find(|r| r.destination_cidr_block() == Some("172.16.0.0/16"))
            .unwrap_or_else(|| panic!("[{}] route missing: {r:?}", t.name));
        assert_eq!(ours.gateway_id(), Some(vgw.as_str()));
        assert_eq!(ours.state().map(|s| s.as_str()), Some("active"));
        assert_eq!(ours.origin().map(|s| s.as_str()), Some("CreateRoute"));

        let by_vpc = c
            .describe_route_tables()
            .filters(filter("vpc-id", &vpc))
            .send()
            .await
            .unwrap();
        assert!(by_vpc
            .route_tables()
            .iter()
            .any(|t| t.route_table_id() == Some(rtb.as_str())));

        assert_eq!(
            code(
                c.create_route()
                    .route_table_id(&rtb)
                    .destination_cidr_block("172.16.0.0/16")
                    .gateway_id(&vgw)
                    .send()
                    .await
            ),
            "RouteAlreadyExists",
            "[{}]",
            t.name
        );
        let e = code(
            c.create_route()
                .route_table_id(&rtb)
                .destination_cidr_block("172.17.0.0/16")
                .gateway_id("vgw-0000000000000000f")
                .send()
                .await,
        );
        assert!(e.ends_with(".NotFound"), "[{}] unknown VGW: {e}", t.name);
        assert_eq!(
            code(
                c.create_route()
                    .route_table_id("rtb-0000000000000000f")
                    .destination_cidr_block("172.17.0.0/16")
                    .gateway_id(&vgw)
                    .send()
                    .await
            ),
            "InvalidRouteTableID.NotFound",
            "[{}]",
            t.name
        );

        c.delete_route()
            .route_table_id(&rtb)
            .destination_cidr_block("172.16.0.0/16")
            .send()
            .await
            .unwrap();
        assert!(!routes(rtb.clone())
            .await
            .iter()
            .any(|r| r.destination_cidr_block() == Some("172.16.0.0/16")));
        assert_eq!(
            code(
                c.delete_route()
                    .route_table_id(&rtb)
                    .destination_cidr_block("172.16.0.0/16")
                    .send()
                    .await
            ),
            "InvalidRoute.NotFound",
            "[{}]",
            t.name
        );
        c.delete_route_table()
            .route_table_id(&rtb)
            .send()
            .await
            .unwrap();
        assert_eq!(
            code(c.describe_route_tables().route_table_ids(&rtb).send().await),
            "InvalidRouteTableID.NotFound",
            "[{}]",
            t.name
        );
        detach(&c, &vgw, &vpc).await;
        c.delete_vpn_gateway()
            .vpn_gateway_id(&vgw)
            .send()
            .await
            .unwrap();
        c.delete_vpc().vpc_id(&vpc).send().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn customer_gateways_create_describe_delete_agree_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let out = c
            .create_customer_gateway()
            .r#type(GatewayType::Ipsec1)
            .ip_address("198.51.100.44")
            .bgp_asn(65_010)
            .tag_specifications(name_tag(ResourceType::CustomerGateway, "cgw-conf"))
            .send()
            .await
            .unwrap();
        let g = out.customer_gateway().unwrap();
        let id = g.customer_gateway_id().unwrap().to_string();
        assert!(id.starts_with("cgw-"), "[{}] {id}", t.name);
        assert_eq!(g.r#type(), Some("ipsec.1"));
        assert_eq!(g.ip_address(), Some("198.51.100.44"));
        assert_eq!(g.bgp_asn(), Some("65010"));
        eventually("customer gateway available", || async {
            let out = c
                .describe_customer_gateways()
                .customer_gateway_ids(&id)
                .send()
                .await
                .unwrap();
            (out.customer_gateways()[0].state() == Some("available")).then_some(())
        })
        .await;

        for (name, value) in [
            ("customer-gateway-id", id.as_str()),
            ("ip-address", "198.51.100.44"),
            ("type", "ipsec.1"),
        ] {
            let out = c
                .describe_customer_gateways()
                .filters(filter(name, value))
                .send()
                .await
                .unwrap();
            assert!(
                out.customer_gateways()
                    .iter()
                    .any(|g| g.customer_gateway_id() == Some(id.as_str())),
                "[{}] filter {name}",
                t.name
            );
        }
        let other = c
            .describe_customer_gateways()
            .filters(filter("ip-address", "198.51.100.45"))
            .send()
            .await
            .unwrap();
        assert!(
            !other
                .customer_gateways()
                .iter()
                .any(|g| g.customer_gateway_id() == Some(id.as_str())),
            "[{}] ip-address filter must not match another address",
            t.name
        );

        c.delete_customer_gateway()
            .customer_gateway_id(&id)
            .send()
            .await
            .unwrap();
        eventually("customer gateway deleted", || async {
            let out = c
                .describe_customer_gateways()
                .customer_gateway_ids(&id)
                .send()
                .await;
            match out {
                Ok(o) => o
                    .customer_gateways()
                    .first()
                    .is_none_or(|g| g.state() == Some("deleted"))
                    .then_some(()),
                Err(e) => (e.code() == Some("InvalidCustomerGatewayID.NotFound")).then_some(()),
            }
        })
        .await;
        assert_eq!(
            code(
                c.delete_customer_gateway()
                    .customer_gateway_id("cgw-0000000000000000f")
                    .send()
                    .await
            ),
            "InvalidCustomerGatewayID.NotFound",
            "[{}]",
            t.name
        );
    })
    .await;
}

#[tokio::test]
async fn vpn_gateways_create_attach_detach_delete_agree_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let vpc = create_vpc(&c, "10.50.0.0/16").await;
        let vgw = create_vgw(&c, "vgw-conf").await;
        assert!(attachments(&c, &vgw)
            .await
            .iter()
            .all(|(_, s)| s != "attached"));
        attach(&c, &vgw, &vpc).await;

        for (name, value) in [
            ("attachment.vpc-id", vpc.as_str()),
            ("tag:Name", "vgw-conf"),
            ("tag-key", "Name"),
        ] {
            let out = c
                .describe_vpn_gateways()
                .filters(filter(name, value))
                .send()
                .await
                .unwrap();
            assert!(
                out.vpn_gateways()
                    .iter()
                    .any(|g| g.vpn_gateway_id() == Some(vgw.as_str())),
                "[{}] filter {name}={value}",
                t.name
            );
        }
        let none = c
            .describe_vpn_gateways()
            .filters(filter("tag:Name", "other"))
            .send()
            .await
            .unwrap();
        assert!(none.vpn_gateways().is_empty(), "[{}]", t.name);

        assert_eq!(
            code(
                c.attach_vpn_gateway()
                    .vpn_gateway_id(&vgw)
                    .vpc_id("vpc-0000000000000000f")
                    .send()
                    .await
            ),
            "InvalidVpcID.NotFound",
            "[{}]",
            t.name
        );
        assert_eq!(
            code(
                c.attach_vpn_gateway()
                    .vpn_gateway_id("vgw-0000000000000000f")
                    .vpc_id(&vpc)
                    .send()
                    .await
            ),
            "InvalidVpnGatewayID.NotFound",
            "[{}]",
            t.name
        );
        let other_vpc = create_vpc(&c, "10.51.0.0/16").await;
        assert_eq!(
            code(
                c.detach_vpn_gateway()
                    .vpn_gateway_id(&vgw)
                    .vpc_id(&other_vpc)
                    .send()
                    .await
            ),
            "InvalidVpnGatewayAttachment.NotFound",
            "[{}]",
            t.name
        );

        detach(&c, &vgw, &vpc).await;
        c.delete_vpn_gateway()
            .vpn_gateway_id(&vgw)
            .send()
            .await
            .unwrap();
        eventually("VGW deleted", || async {
            let out = c.describe_vpn_gateways().vpn_gateway_ids(&vgw).send().await;
            match out {
                Ok(o) => o
                    .vpn_gateways()
                    .first()
                    .is_none_or(|g| g.state().map(|s| s.as_str()) == Some("deleted"))
                    .then_some(()),
                Err(e) => (e.code() == Some("InvalidVpnGatewayID.NotFound")).then_some(()),
            }
        })
        .await;
        assert_eq!(
            code(
                c.delete_vpn_gateway()
                    .vpn_gateway_id("vgw-0000000000000000f")
                    .send()
                    .await
            ),
            "InvalidVpnGatewayID.NotFound",
            "[{}]",
            t.name
        );
        c.delete_vpc().vpc_id(&vpc).send().await.unwrap();
        c.delete_vpc().vpc_id(&other_vpc).send().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn peering_in_one_account_request_accept_modify_delete_agrees_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let va = create_vpc(&c, "10.60.0.0/16").await;
        let vb = create_vpc(&c, "10.61.0.0/16").await;
        let out = c
            .create_vpc_peering_connection()
            .vpc_id(&va)
            .peer_vpc_id(&vb)
            .send()
            .await
            .unwrap();
        let p = out.vpc_peering_connection().unwrap();
        let pcx = p.vpc_peering_connection_id().unwrap().to_string();
        assert!(pcx.starts_with("pcx-"), "[{}] {pcx}", t.name);
        assert_eq!(
            p.requester_vpc_info().and_then(|i| i.vpc_id()),
            Some(va.as_str())
        );
        assert_eq!(
            p.accepter_vpc_info().and_then(|i| i.vpc_id()),
            Some(vb.as_str())
        );
        wait_peering(&c, &pcx, "pending-acceptance").await;

        let d = c
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send()
            .await
            .unwrap();
        let p = &d.vpc_peering_connections()[0];
        let req = p.requester_vpc_info().unwrap();
        assert_eq!(req.owner_id(), Some(DEFAULT_ACCOUNT), "[{}]", t.name);
        assert_eq!(req.cidr_block(), Some("10.60.0.0/16"), "[{}]", t.name);
        assert_eq!(req.region(), Some(REGION), "[{}]", t.name);
        assert_eq!(
            p.accepter_vpc_info().and_then(|i| i.owner_id()),
            Some(DEFAULT_ACCOUNT)
        );

        let acc = c
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .unwrap();
        assert_eq!(
            acc.vpc_peering_connection()
                .and_then(|p| p.vpc_peering_connection_id()),
            Some(pcx.as_str())
        );
        wait_peering(&c, &pcx, "active").await;
        let d = c
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send()
            .await
            .unwrap();
        assert_eq!(
            d.vpc_peering_connections()[0]
                .accepter_vpc_info()
                .and_then(|i| i.cidr_block()),
            Some("10.61.0.0/16"),
            "[{}]",
            t.name
        );

        let m = c
            .modify_vpc_peering_connection_options()
            .vpc_peering_connection_id(&pcx)
            .accepter_peering_connection_options(
                PeeringConnectionOptionsRequest::builder()
                    .allow_dns_resolution_from_remote_vpc(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            m.accepter_peering_connection_options()
                .and_then(|o| o.allow_dns_resolution_from_remote_vpc()),
            Some(true),
            "[{}]",
            t.name
        );
        let d = c
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send()
            .await
            .unwrap();
        assert_eq!(
            d.vpc_peering_connections()[0]
                .accepter_vpc_info()
                .and_then(|i| i.peering_options())
                .and_then(|o| o.allow_dns_resolution_from_remote_vpc()),
            Some(true),
            "[{}] options read back",
            t.name
        );

        assert_eq!(
            code(
                c.accept_vpc_peering_connection()
                    .vpc_peering_connection_id(&pcx)
                    .send()
                    .await
            ),
            "InvalidStateTransition",
            "[{}] accepting an active peering",
            t.name
        );
        let del = c
            .delete_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .unwrap();
        assert_eq!(del.r#return(), Some(true));
        eventually("peering gone", || async {
            let s = peering_status(&c, &pcx).await;
            matches!(s.as_deref(), None | Some("deleted")).then_some(())
        })
        .await;
        assert_not_found(
            t.name,
            "deleting an unknown peering",
            &code(
                c.delete_vpc_peering_connection()
                    .vpc_peering_connection_id("pcx-0000000000000000f")
                    .send()
                    .await,
            ),
            "InvalidVpcPeeringConnectionID.NotFound",
        );
    })
    .await;
}

#[tokio::test]
async fn peering_across_accounts_with_assumed_role_credentials_agrees_with_moto() {
    on_both(|t| async move {
        let a = t.ec2();
        let b = t.ec2_as(PEER_ACCOUNT).await;
        let va = create_vpc(&a, "10.70.0.0/16").await;
        let vb = create_vpc(&b, "10.71.0.0/16").await;
        let owner = b.describe_vpcs().vpc_ids(&vb).send().await.unwrap().vpcs()[0]
            .owner_id()
            .map(str::to_string);
        assert_eq!(owner.as_deref(), Some(PEER_ACCOUNT), "[{}]", t.name);
        assert_eq!(
            code(a.describe_vpcs().vpc_ids(&vb).send().await),
            "InvalidVpcID.NotFound",
            "[{}] accounts are separate",
            t.name
        );

        let out = a
            .create_vpc_peering_connection()
            .vpc_id(&va)
            .peer_vpc_id(&vb)
            .peer_owner_id(PEER_ACCOUNT)
            .send()
            .await
            .unwrap();
        let pcx = out
            .vpc_peering_connection()
            .and_then(|p| p.vpc_peering_connection_id())
            .unwrap()
            .to_string();
        wait_peering(&a, &pcx, "pending-acceptance").await;
        wait_peering(&b, &pcx, "pending-acceptance").await;
        assert_eq!(
            code(
                a.accept_vpc_peering_connection()
                    .vpc_peering_connection_id(&pcx)
                    .send()
                    .await
            ),
            "OperationNotPermitted",
            "[{}] the requester cannot accept",
            t.name
        );
        b.accept_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .unwrap();
        wait_peering(&b, &pcx, "active").await;
        wait_peering(&a, &pcx, "active").await;
        let d = a
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send()
            .await
            .unwrap();
        let p = &d.vpc_peering_connections()[0];
        assert_eq!(
            p.requester_vpc_info().and_then(|i| i.owner_id()),
            Some(DEFAULT_ACCOUNT)
        );
        assert_eq!(
            p.accepter_vpc_info().and_then(|i| i.owner_id()),
            Some(PEER_ACCOUNT),
            "[{}]",
            t.name
        );
        assert_eq!(
            p.accepter_vpc_info().and_then(|i| i.vpc_id()),
            Some(vb.as_str())
        );

        b.delete_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .unwrap();
        for c in [&a, &b] {
            eventually("peering gone on both sides", || async {
                let s = peering_status(c, &pcx).await;
                matches!(s.as_deref(), None | Some("deleted")).then_some(())
            })
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn tags_create_describe_delete_and_filters_agree_with_moto() {
    on_both(|t| async move {
        let c = t.ec2();
        let vpc = create_vpc(&c, "10.80.0.0/16").await;
        let vgw = create_vgw(&c, "tagged").await;
        c.create_tags()
            .resources(&vpc)
            .resources(&vgw)
            .tags(Tag::builder().key("team").value("net").build())
            .tags(Tag::builder().key("env").value("conf").build())
            .send()
            .await
            .unwrap();
        let d = c
            .describe_tags()
            .filters(filter("resource-id", &vpc))
            .send()
            .await
            .unwrap();
        let mut got: Vec<(String, String, String)> = d
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                    t.resource_type()
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("env".into(), "conf".into(), "vpc".into()),
                ("team".into(), "net".into(), "vpc".into())
            ],
            "[{}]",
            t.name
        );
        let d = c
            .describe_tags()
            .filters(filter("resource-id", &vgw))
            .filters(filter("key", "team"))
            .send()
            .await
            .unwrap();
        assert_eq!(d.tags().len(), 1, "[{}] {:?}", t.name, d.tags());
        assert_eq!(
            d.tags()[0].resource_type().map(|r| r.as_str()),
            Some("vpn-gateway")
        );

        let by_tag = c
            .describe_vpcs()
            .filters(filter("tag:team", "net"))
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = by_tag.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
        assert_eq!(ids, vec![vpc.as_str()], "[{}]", t.name);
        let by_key = c
            .describe_vpn_gateways()
            .filters(filter("tag-key", "env"))
            .send()
            .await
            .unwrap();
        assert!(by_key
            .vpn_gateways()
            .iter()
            .any(|g| g.vpn_gateway_id() == Some(vgw.as_str())));

        c.delete_tags()
            .resources(&vpc)
            .tags(Tag::builder().key("team").build())
            .send()
            .await
            .unwrap();
        let d = c
            .describe_tags()
            .filters(filter("resource-id", &vpc))
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = d.tags().iter().filter_map(|t| t.key()).collect();
        assert_eq!(keys, vec!["env"], "[{}]", t.name);
        let gone = c
            .describe_vpcs()
            .filters(filter("tag:team", "net"))
            .send()
            .await
            .unwrap();
        assert!(gone.vpcs().is_empty(), "[{}]", t.name);

        c.delete_vpn_gateway()
            .vpn_gateway_id(&vgw)
            .send()
            .await
            .unwrap();
        c.delete_vpc().vpc_id(&vpc).send().await.unwrap();
    })
    .await;
}
