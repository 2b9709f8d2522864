//! Conformance of the EC2 + STS emulator against the real `aws-sdk-ec2` / `aws-sdk-sts`
//! clients: every action the provider uses, its errors, pending states, cross-account and
//! cross-region peering, paging, tag filters, fault injection and VPN telemetry.

use aws_credential_types::Credentials;
use aws_sdk_ec2::config::{BehaviorVersion, Region};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, CloudWatchLogOptionsSpecification, Filter, GatewayType,
    ModifyVpnTunnelOptionsSpecification, PeeringConnectionOptionsRequest,
    Phase1EncryptionAlgorithmsRequestListValue, ResourceType, Tag, TagSpecification,
    TransitGatewayRequestOptions, VpcAttributeName, VpnConnectionOptionsSpecification,
    VpnTunnelLogOptionsSpecification, VpnTunnelOptionsSpecification,
};
use cloudlink_emulator::faults::FaultRule;
use cloudlink_emulator::links::AzureConnection;
use cloudlink_emulator::{profile::Profile, server, Emulator};
use std::sync::Arc;
use std::time::Duration;

#[path = "../../tests/spec/wire.rs"]
mod wire;

const SETTLE: Duration = Duration::from_millis(80);

/// An emulator on a loopback port; its answers are checked against botocore's models when
/// the test ends (the requests break the specs on purpose in places).
async fn start() -> (wire::Checked, String) {
    let emu = Arc::new(Emulator::new(Profile::named("fast", 1.0).unwrap(), 7));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = server::router(emu.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (wire::Checked::responses(emu), url)
}

fn ec2_with(
    url: &str,
    key: &str,
    secret: &str,
    token: Option<String>,
    region: &str,
) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(key, secret, token, None, "test"))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn ec2(url: &str) -> aws_sdk_ec2::Client {
    ec2_with(url, "AKIAEXAMPLEKEY", "secret", None, "us-east-1")
}

fn sts(url: &str, key: &str) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(key, "secret", None, None, "test"))
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

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

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn name_tag(rt: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

async fn vpc(c: &aws_sdk_ec2::Client, cidr: &str) -> String {
    c.create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string()
}

async fn cgw(c: &aws_sdk_ec2::Client, ip: &str, asn: i32) -> String {
    let out = c
        .create_customer_gateway()
        .r#type(GatewayType::Ipsec1)
        .ip_address(ip)
        .bgp_asn(asn)
        .send()
        .await
        .unwrap();
    out.customer_gateway()
        .unwrap()
        .customer_gateway_id()
        .unwrap()
        .to_string()
}

async fn vgw(c: &aws_sdk_ec2::Client) -> String {
    let out = c
        .create_vpn_gateway()
        .r#type(GatewayType::Ipsec1)
        .send()
        .await
        .unwrap();
    out.vpn_gateway()
        .unwrap()
        .vpn_gateway_id()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn vpc_lifecycle_covers_cidr_blocks_dns_attributes_subnets_and_the_main_route_table() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let out = c
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(name_tag(ResourceType::Vpc, "main"))
        .send()
        .await
        .unwrap();
    let v = out.vpc().unwrap();
    let id = v.vpc_id().unwrap().to_string();
    assert_eq!(v.cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(v.tags()[0].value(), Some("main"));

    let assoc = c
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.2.0.0/16")
        .send()
        .await
        .unwrap();
    let assoc_id = assoc
        .cidr_block_association()
        .unwrap()
        .association_id()
        .unwrap()
        .to_string();
    assert_eq!(
        code(
            c.associate_vpc_cidr_block()
                .vpc_id(&id)
                .cidr_block("10.2.0.0/24")
                .send()
                .await
        ),
        "InvalidVpc.Range"
    );
    let d = c.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    assert_eq!(d.vpcs()[0].cidr_block_association_set().len(), 2);

    let tables = c
        .describe_route_tables()
        .filters(filter("vpc-id", &id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .unwrap();
    let main = &tables.route_tables()[0];
    let locals: Vec<_> = main
        .routes()
        .iter()
        .filter(|r| r.gateway_id() == Some("local"))
        .collect();
    assert_eq!(locals.len(), 2, "one local route per CIDR block");

    c.modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let a = c
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(a.enable_dns_hostnames().and_then(|v| v.value()), Some(true));
    let a = c
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsSupport)
        .send()
        .await
        .unwrap();
    assert_eq!(a.enable_dns_support().and_then(|v| v.value()), Some(true));

    let s = c
        .create_subnet()
        .vpc_id(&id)
        .cidr_block("10.2.1.0/24")
        .send()
        .await
        .unwrap();
    let subnet = s.subnet().unwrap().subnet_id().unwrap().to_string();
    assert_eq!(
        code(
            c.create_subnet()
                .vpc_id(&id)
                .cidr_block("10.9.0.0/24")
                .send()
                .await
        ),
        "InvalidSubnet.Range"
    );
    assert_eq!(
        code(
            c.disassociate_vpc_cidr_block()
                .association_id(&assoc_id)
                .send()
                .await
        ),
        "DependencyViolation"
    );
    let rt = c
        .create_route_table()
        .vpc_id(&id)
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    let ra = c
        .associate_route_table()
        .route_table_id(&rt)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(c.delete_vpc().vpc_id(&id).send().await),
        "DependencyViolation"
    );
    assert_eq!(
        code(c.delete_route_table().route_table_id(&rt).send().await),
        "DependencyViolation"
    );
    c.disassociate_route_table()
        .association_id(ra.association_id().unwrap())
        .send()
        .await
        .unwrap();
    c.delete_route_table()
        .route_table_id(&rt)
        .send()
        .await
        .unwrap();
    c.delete_subnet().subnet_id(&subnet).send().await.unwrap();
    c.disassociate_vpc_cidr_block()
        .association_id(&assoc_id)
        .send()
        .await
        .unwrap();
    c.delete_vpc().vpc_id(&id).send().await.unwrap();
    assert_eq!(
        code(c.describe_vpcs().vpc_ids(&id).send().await),
        "InvalidVpcID.NotFound"
    );
}

#[tokio::test]
async fn vpc_cidr_outside_16_to_28_is_rejected() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    assert_eq!(
        code(c.create_vpc().cidr_block("10.0.0.0/8").send().await),
        "InvalidVpc.Range"
    );
    assert_eq!(
        code(c.create_vpc().cidr_block("10.0.0.0/29").send().await),
        "InvalidVpc.Range"
    );
    assert_eq!(code(c.create_vpc().send().await), "MissingParameter");
}

#[tokio::test]
async fn describing_unknown_ids_returns_the_not_found_codes() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    assert_eq!(
        code(c.describe_vpcs().vpc_ids("vpc-0123").send().await),
        "InvalidVpcID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_route_tables()
                .route_table_ids("rtb-0123")
                .send()
                .await
        ),
        "InvalidRouteTableID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_customer_gateways()
                .customer_gateway_ids("cgw-0123")
                .send()
                .await
        ),
        "InvalidCustomerGatewayID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_vpn_gateways()
                .vpn_gateway_ids("vgw-0123")
                .send()
                .await
        ),
        "InvalidVpnGatewayID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_vpn_connections()
                .vpn_connection_ids("vpn-0123")
                .send()
                .await
        ),
        "InvalidVpnConnectionID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_vpc_peering_connections()
                .vpc_peering_connection_ids("pcx-0123")
                .send()
                .await
        ),
        "InvalidVpcPeeringConnectionID.NotFound"
    );
    assert_eq!(
        code(
            c.describe_transit_gateways()
                .transit_gateway_ids("tgw-0123")
                .send()
                .await
        ),
        "InvalidTransitGatewayID.NotFound"
    );
    vpc(&c, "10.0.0.0/16").await;
    assert_eq!(
        code(
            c.describe_vpcs()
                .filters(filter("no-such-filter", "x"))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    let ok = c.describe_vpcs().send().await.unwrap();
    assert!(
        ok.request_id().is_some(),
        "the SDK reads the request id from x-amzn-RequestId"
    );
}

#[tokio::test]
async fn an_unknown_action_is_invalid_action() {
    let (_emu, url) = start().await;
    let resp = reqwest_like_post(&url, "Action=DescribeInstances&Version=2016-11-15").await;
    assert!(resp.contains("<Code>InvalidAction</Code>"), "{resp}");
    assert!(resp.contains("<RequestID>"), "{resp}");
}

/// A bare HTTP/1.1 POST, to reach actions the SDK has no builder for in this test.
async fn reqwest_like_post(url: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn customer_gateway_with_private_ip_is_rejected() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    for ip in [
        "10.0.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.0.1",
        "100.64.1.1",
        "224.0.0.1",
        "0.0.0.1",
        "255.255.255.255",
    ] {
        let r = c
            .create_customer_gateway()
            .r#type(GatewayType::Ipsec1)
            .ip_address(ip)
            .bgp_asn(65000)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterValue", "{ip}");
    }
    let r = c
        .create_customer_gateway()
        .r#type(GatewayType::Ipsec1)
        .ip_address("203.0.113.5")
        .bgp_asn(0)
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterValue");
}

#[tokio::test]
async fn customer_gateway_is_pending_then_available_and_identical_creates_return_it() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let out = c
        .create_customer_gateway()
        .r#type(GatewayType::Ipsec1)
        .ip_address("198.51.100.7")
        .bgp_asn(65010)
        .send()
        .await
        .unwrap();
    let g = out.customer_gateway().unwrap();
    assert_eq!(g.state(), Some("pending"));
    assert_eq!(g.bgp_asn(), Some("65010"));
    let id = g.customer_gateway_id().unwrap().to_string();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_customer_gateways()
        .filters(filter("ip-address", "198.51.100.7"))
        .filters(filter("bgp-asn", "65010"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.customer_gateways()[0].state(), Some("available"));
    assert_eq!(
        cgw(&c, "198.51.100.7", 65010).await,
        id,
        "same IP + ASN + type returns the existing gateway"
    );
    assert!(emu
        .observe
        .timeline()
        .iter()
        .any(|t| t.action == "CreateCustomerGateway" && t.resource == id));
    c.delete_customer_gateway()
        .customer_gateway_id(&id)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_customer_gateways()
        .customer_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.customer_gateways()[0].state(),
        Some("deleted"),
        "deleted gateways stay visible"
    );
}

#[tokio::test]
async fn vpn_gateway_asn_is_validated_and_defaults_to_64512() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    assert_eq!(
        code(
            c.create_vpn_gateway()
                .r#type(GatewayType::Ipsec1)
                .amazon_side_asn(1)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            c.create_vpn_gateway()
                .r#type(GatewayType::Ipsec1)
                .amazon_side_asn(65535)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    let g = c
        .create_vpn_gateway()
        .r#type(GatewayType::Ipsec1)
        .amazon_side_asn(4_200_000_001)
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.vpn_gateway().unwrap().amazon_side_asn(),
        Some(4_200_000_001)
    );
    let g = c
        .create_vpn_gateway()
        .r#type(GatewayType::Ipsec1)
        .send()
        .await
        .unwrap();
    let g = g.vpn_gateway().unwrap();
    assert_eq!(g.amazon_side_asn(), Some(64512));
    assert_eq!(g.state().map(|s| s.as_str()), Some("pending"));
}

#[tokio::test]
async fn vpn_gateway_attaches_to_one_vpc_at_a_time_and_detaches() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (v1, v2) = (vpc(&c, "10.0.0.0/16").await, vpc(&c, "10.1.0.0/16").await);
    let g = vgw(&c).await;
    let a = c
        .attach_vpn_gateway()
        .vpn_gateway_id(&g)
        .vpc_id(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        a.vpc_attachment().unwrap().state().map(|s| s.as_str()),
        Some("attaching")
    );
    assert_eq!(
        code(
            c.attach_vpn_gateway()
                .vpn_gateway_id(&g)
                .vpc_id(&v2)
                .send()
                .await
        ),
        "VpnGatewayAttachmentLimitExceeded"
    );
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_gateways()
        .filters(filter("attachment.vpc-id", &v1))
        .filters(filter("attachment.state", "attached"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.vpn_gateways().len(), 1);
    assert_eq!(
        d.vpn_gateways()[0].state().map(|s| s.as_str()),
        Some("available")
    );
    assert_eq!(
        code(c.delete_vpn_gateway().vpn_gateway_id(&g).send().await),
        "IncorrectState"
    );
    assert_eq!(
        code(c.delete_vpc().vpc_id(&v1).send().await),
        "DependencyViolation"
    );
    assert_eq!(
        code(
            c.detach_vpn_gateway()
                .vpn_gateway_id(&g)
                .vpc_id(&v2)
                .send()
                .await
        ),
        "InvalidVpnGatewayAttachment.NotFound"
    );
    c.detach_vpn_gateway()
        .vpn_gateway_id(&g)
        .vpc_id(&v1)
        .send()
        .await
        .unwrap();
    let d = c
        .describe_vpn_gateways()
        .vpn_gateway_ids(&g)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpn_gateways()[0].vpc_attachments()[0]
            .state()
            .map(|s| s.as_str()),
        Some("detaching")
    );
    tokio::time::sleep(SETTLE).await;
    c.delete_vpn_gateway()
        .vpn_gateway_id(&g)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_gateways()
        .vpn_gateway_ids(&g)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpn_gateways()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
}

async fn vpn_setup(c: &aws_sdk_ec2::Client) -> (String, String, String) {
    let v = vpc(c, "10.0.0.0/16").await;
    let g = vgw(c).await;
    c.attach_vpn_gateway()
        .vpn_gateway_id(&g)
        .vpc_id(&v)
        .send()
        .await
        .unwrap();
    let cg = cgw(c, "198.51.100.20", 65515).await;
    tokio::time::sleep(SETTLE).await;
    (v, g, cg)
}

fn tunnel(cidr: &str, psk: &str) -> VpnTunnelOptionsSpecification {
    VpnTunnelOptionsSpecification::builder()
        .tunnel_inside_cidr(cidr)
        .pre_shared_key(psk)
        .build()
}

#[tokio::test]
async fn vpn_connection_reports_tunnels_options_routes_and_a_consistent_configuration() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let (_v, g, cg) = vpn_setup(&c).await;
    let opts = VpnConnectionOptionsSpecification::builder()
        .static_routes_only(true)
        .tunnel_options(
            VpnTunnelOptionsSpecification::builder()
                .tunnel_inside_cidr("169.254.21.0/30")
                .pre_shared_key("first_key.123")
                .phase1_encryption_algorithms(
                    Phase1EncryptionAlgorithmsRequestListValue::builder()
                        .value("AES256")
                        .build(),
                )
                .build(),
        )
        .tunnel_options(tunnel("169.254.22.0/30", "second_key.456"))
        .build();
    let out = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .vpn_gateway_id(&g)
        .r#type("ipsec.1")
        .options(opts)
        .tag_specifications(name_tag(ResourceType::VpnConnection, "link"))
        .send()
        .await
        .unwrap();
    let vpn = out.vpn_connection().unwrap();
    let id = vpn.vpn_connection_id().unwrap().to_string();
    assert_eq!(vpn.state().map(|s| s.as_str()), Some("pending"));
    assert_eq!(vpn.category(), Some("VPN"));
    let t = vpn.options().unwrap().tunnel_options();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].tunnel_inside_cidr(), Some("169.254.21.0/30"));
    assert_eq!(t[0].pre_shared_key(), Some("first_key.123"));
    assert_eq!(
        t[0].phase1_encryption_algorithms()[0].value(),
        Some("AES256")
    );
    let (ip1, ip2) = (
        t[0].outside_ip_address().unwrap().to_string(),
        t[1].outside_ip_address().unwrap().to_string(),
    );
    assert!(ip1.starts_with("203.0.113.") && ip2.starts_with("203.0.113.") && ip1 != ip2);
    let cfg = vpn.customer_gateway_configuration().unwrap();
    for needle in [
        ip1.as_str(),
        ip2.as_str(),
        "first_key.123",
        "second_key.456",
        "169.254.21.1",
        "169.254.21.2",
        "198.51.100.20",
    ] {
        assert!(cfg.contains(needle), "configuration lacks {needle}");
    }

    c.create_vpn_connection_route()
        .vpn_connection_id(&id)
        .destination_cidr_block("172.16.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.create_vpn_connection_route()
                .vpn_connection_id(&id)
                .destination_cidr_block("172.16.0.0/16")
                .send()
                .await
        ),
        "RouteAlreadyExists"
    );
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_connections()
        .filters(filter("vpn-gateway-id", &g))
        .filters(filter("tag:Name", "link"))
        .send()
        .await
        .unwrap();
    let vpn = &d.vpn_connections()[0];
    assert_eq!(vpn.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(
        vpn.routes()[0].destination_cidr_block(),
        Some("172.16.0.0/16")
    );
    assert_eq!(vpn.vgw_telemetry().len(), 2);
    let dump = emu.ec2.lock().unwrap().dump(emu.clock.now_ms());
    let dv = &dump["accounts"]["123456789012"]["us-east-1"]["vpn_connections"][0];
    assert_eq!(dv["tunnels"][1]["psk"], "second_key.456");
    assert_eq!(dv["static_routes_only"], true);

    c.delete_vpn_connection_route()
        .vpn_connection_id(&id)
        .destination_cidr_block("172.16.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.delete_vpn_connection_route()
                .vpn_connection_id(&id)
                .destination_cidr_block("172.16.0.0/16")
                .send()
                .await
        ),
        "InvalidRoute.NotFound"
    );
    assert_eq!(
        code(
            c.delete_customer_gateway()
                .customer_gateway_id(&cg)
                .send()
                .await
        ),
        "IncorrectState"
    );
    c.delete_vpn_connection()
        .vpn_connection_id(&id)
        .send()
        .await
        .unwrap();
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpn_connections()[0].state().map(|s| s.as_str()),
        Some("deleting")
    );
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpn_connections()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
    c.delete_customer_gateway()
        .customer_gateway_id(&cg)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn vpn_connection_rejects_bad_keys_reserved_and_reused_inside_cidrs() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (_v, g, cg) = vpn_setup(&c).await;
    let create = |t: VpnTunnelOptionsSpecification| {
        c.create_vpn_connection()
            .customer_gateway_id(&cg)
            .vpn_gateway_id(&g)
            .r#type("ipsec.1")
            .options(
                VpnConnectionOptionsSpecification::builder()
                    .tunnel_options(t)
                    .build(),
            )
            .send()
    };
    assert_eq!(
        code(create(tunnel("169.254.21.0/30", "0startswithzero")).await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(create(tunnel("169.254.21.0/30", "short")).await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(create(tunnel("169.254.21.0/30", "has-a-dash-1")).await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(create(tunnel("169.254.169.252/30", "goodkey_1")).await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(create(tunnel("169.254.21.0/29", "goodkey_1")).await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(create(tunnel("10.0.0.0/30", "goodkey_1")).await),
        "InvalidParameterValue"
    );
    let first = create(tunnel("169.254.21.0/30", "goodkey_1"))
        .await
        .unwrap();
    let psk2 = first
        .vpn_connection()
        .unwrap()
        .options()
        .unwrap()
        .tunnel_options()[1]
        .pre_shared_key()
        .unwrap()
        .to_string();
    assert_eq!(psk2.len(), 32, "generated keys are 32 characters");
    assert!(!psk2.starts_with('0'));
    assert_eq!(
        code(create(tunnel("169.254.21.0/30", "goodkey_2")).await),
        "InvalidParameterValue",
        "inside CIDRs are unique per VGW"
    );
    assert_eq!(
        code(
            c.create_vpn_connection()
                .customer_gateway_id("cgw-0nope")
                .vpn_gateway_id(&g)
                .r#type("ipsec.1")
                .send()
                .await
        ),
        "InvalidCustomerGatewayID.NotFound"
    );
}

#[tokio::test]
async fn vgw_telemetry_is_down_without_an_azure_peer_and_up_with_a_matching_one() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let (_v, g, cg) = vpn_setup(&c).await;
    let opts = VpnConnectionOptionsSpecification::builder()
        .static_routes_only(true)
        .tunnel_options(tunnel("169.254.21.0/30", "shared_key_1"))
        .tunnel_options(tunnel("169.254.22.0/30", "shared_key_2"))
        .build();
    let out = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .vpn_gateway_id(&g)
        .r#type("ipsec.1")
        .options(opts)
        .send()
        .await
        .unwrap();
    let id = out
        .vpn_connection()
        .unwrap()
        .vpn_connection_id()
        .unwrap()
        .to_string();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    let vpn = &d.vpn_connections()[0];
    let tel = vpn.vgw_telemetry();
    assert!(tel
        .iter()
        .all(|t| t.status().map(|s| s.as_str()) == Some("DOWN")));
    assert!(
        tel[0].status_message().unwrap().contains("no IPSEC peer"),
        "{:?}",
        tel[0].status_message()
    );
    let ip1 = vpn.options().unwrap().tunnel_options()[0]
        .outside_ip_address()
        .unwrap()
        .to_string();

    emu.links.lock().unwrap().publish_azure(AzureConnection {
        connection_id:
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/c1".into(),
        gateway_public_ips: vec!["198.51.100.20".into()],
        gateway_asn: 65515,
        gateway_bgp_ips: vec![],
        local_gateway_ip: ip1.clone(),
        local_address_prefixes: vec!["10.0.0.0/16".into()],
        local_bgp_peer: None,
        enable_bgp: false,
        shared_key: "shared_key_1".into(),
        ready: true,
    });
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    let tel = d.vpn_connections()[0].vgw_telemetry();
    assert_eq!(tel[0].outside_ip_address(), Some(ip1.as_str()));
    assert_eq!(tel[0].status().map(|s| s.as_str()), Some("UP"));
    assert_eq!(tel[1].status().map(|s| s.as_str()), Some("DOWN"));
    assert!(emu
        .links
        .lock()
        .unwrap()
        .azure_connection_status(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/c1"
        )
        .is_ok());

    // Changing the PSK on AWS only takes the tunnel down; it reads `modifying` meanwhile.
    let m = c
        .modify_vpn_tunnel_options()
        .vpn_connection_id(&id)
        .vpn_tunnel_outside_ip_address(&ip1)
        .tunnel_options(
            ModifyVpnTunnelOptionsSpecification::builder()
                .pre_shared_key("another_key_9")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        m.vpn_connection().unwrap().state().map(|s| s.as_str()),
        Some("modifying")
    );
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    let vpn = &d.vpn_connections()[0];
    assert_eq!(vpn.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(
        vpn.options().unwrap().tunnel_options()[0].pre_shared_key(),
        Some("another_key_9")
    );
    assert_eq!(
        vpn.vgw_telemetry()[0].status().map(|s| s.as_str()),
        Some("DOWN")
    );
    assert!(vpn.vgw_telemetry()[0]
        .status_message()
        .unwrap()
        .contains("pre-shared keys differ"));
    assert!(emu
        .observe
        .timeline()
        .iter()
        .any(|t| t.action == "ModifyVpnTunnelOptions"));
}

#[tokio::test]
async fn route_propagation_shows_the_vpn_static_routes() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (v, g, cg) = vpn_setup(&c).await;
    let out = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .vpn_gateway_id(&g)
        .r#type("ipsec.1")
        .options(
            VpnConnectionOptionsSpecification::builder()
                .static_routes_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = out
        .vpn_connection()
        .unwrap()
        .vpn_connection_id()
        .unwrap()
        .to_string();
    c.create_vpn_connection_route()
        .vpn_connection_id(&id)
        .destination_cidr_block("192.0.2.0/24")
        .send()
        .await
        .unwrap();
    let rt = c
        .describe_route_tables()
        .filters(filter("vpc-id", &v))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    c.enable_vgw_route_propagation()
        .route_table_id(&rt)
        .gateway_id(&g)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let t = c
        .describe_route_tables()
        .route_table_ids(&rt)
        .send()
        .await
        .unwrap();
    let t = &t.route_tables()[0];
    assert_eq!(t.propagating_vgws()[0].gateway_id(), Some(g.as_str()));
    let r = t
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("192.0.2.0/24"))
        .expect("propagated route");
    assert_eq!(
        r.origin().map(|o| o.as_str()),
        Some("EnableVgwRoutePropagation")
    );
    assert_eq!(r.gateway_id(), Some(g.as_str()));
    c.disable_vgw_route_propagation()
        .route_table_id(&rt)
        .gateway_id(&g)
        .send()
        .await
        .unwrap();
    let t = c
        .describe_route_tables()
        .route_table_ids(&rt)
        .send()
        .await
        .unwrap();
    assert!(t.route_tables()[0].propagating_vgws().is_empty());
    assert_eq!(
        t.route_tables()[0].routes().len(),
        1,
        "only the local route is left"
    );
}

#[tokio::test]
async fn sts_identifies_callers_and_assume_role_issues_keys_for_the_role_account() {
    let (_emu, url) = start().await;
    let s = sts(&url, "AKID111111111111EXAMPLE");
    let me = s.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("111111111111"));
    let other = sts(&url, "SOMEKEY")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(other.account(), Some("123456789012"));
    let role = s
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/peer")
        .role_session_name("tf")
        .send()
        .await
        .unwrap();
    let cred = role.credentials().unwrap();
    assert!(cred.access_key_id().starts_with("ASIA222222222222"));
    let secs = cred.expiration().secs()
        - std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
    assert!(
        (3500..=3700).contains(&secs),
        "expires in an hour, got {secs}s"
    );
    let assumed = sts(&url, cred.access_key_id())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(assumed.account(), Some("222222222222"));
    assert_eq!(
        assumed.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/peer/tf")
    );
    assert_eq!(
        code(
            s.assume_role()
                .role_arn("not-an-arn")
                .role_session_name("tf")
                .send()
                .await
        ),
        "ValidationError"
    );
}

/// STS's input constraints (botocore's STS model): what the real service refuses with
/// `ValidationError`, the emulator refuses too; what it accepts, it records on the session.
#[tokio::test]
async fn assume_role_enforces_the_sts_input_constraints() {
    let (emu, url) = start().await;
    let s = sts(&url, "AKID111111111111EXAMPLE");
    let arn = "arn:aws:iam::222222222222:role/peer";
    let refused = [
        s.assume_role().role_arn(arn).role_session_name("x"),
        s.assume_role().role_arn(arn).role_session_name("has space"),
        s.assume_role()
            .role_arn(arn)
            .role_session_name("tf")
            .duration_seconds(899),
        s.assume_role()
            .role_arn(arn)
            .role_session_name("tf")
            .duration_seconds(43_201),
        s.assume_role()
            .role_arn(arn)
            .role_session_name("tf")
            .external_id("e"),
    ];
    for call in refused {
        assert_eq!(code(call.send().await), "ValidationError");
    }
    s.assume_role()
        .role_arn(arn)
        .role_session_name("ci@run-1")
        .duration_seconds(43_200)
        .external_id("ext:42/a")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("team")
                .value("net")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let dump = emu.ec2.lock().unwrap().dump(emu.clock.now_ms());
    let sessions = dump["role_sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["session"], "ci@run-1");
    assert_eq!(sessions[0]["external_id"], "ext:42/a");
    assert_eq!(sessions[0]["tags"]["team"], "net");
}

#[tokio::test]
async fn cross_account_cross_region_peering_follows_the_accept_rules() {
    let (emu, url) = start().await;
    let a = ec2(&url);
    let role = sts(&url, "AKIAEXAMPLEKEY")
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/x")
        .role_session_name("peer")
        .send()
        .await
        .unwrap();
    let cred = role.credentials().unwrap();
    let b_eu = ec2_with(
        &url,
        cred.access_key_id(),
        cred.secret_access_key(),
        Some(cred.session_token().to_string()),
        "eu-west-1",
    );
    let b_us = ec2_with(&url, "AKID222222222222X", "s", None, "us-east-1");
    let va = vpc(&a, "10.0.0.0/16").await;
    let vb = vpc(&b_eu, "10.1.0.0/16").await;
    assert!(
        b_us.describe_vpcs().send().await.unwrap().vpcs().is_empty(),
        "regions are separate"
    );

    assert_eq!(
        code(
            a.create_vpc_peering_connection()
                .vpc_id(&va)
                .peer_vpc_id(&vb)
                .peer_owner_id("222222222222")
                .send()
                .await
        ),
        "InvalidVpcID.NotFound",
        "the peer VPC is looked up in the peer region"
    );
    assert_eq!(
        code(
            a.create_vpc_peering_connection()
                .vpc_id(&va)
                .peer_vpc_id(&va)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    let out = a
        .create_vpc_peering_connection()
        .vpc_id(&va)
        .peer_vpc_id(&vb)
        .peer_owner_id("222222222222")
        .peer_region("eu-west-1")
        .send()
        .await
        .unwrap();
    let p = out.vpc_peering_connection().unwrap();
    let pcx = p.vpc_peering_connection_id().unwrap().to_string();
    assert_eq!(
        p.status().unwrap().code().map(|c| c.as_str()),
        Some("initiating-request")
    );

    let rt = a
        .describe_route_tables()
        .filters(filter("vpc-id", &va))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    a.create_route()
        .route_table_id(&rt)
        .destination_cidr_block("10.1.0.0/16")
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            a.create_route()
                .route_table_id(&rt)
                .destination_cidr_block("10.1.0.0/16")
                .vpc_peering_connection_id(&pcx)
                .send()
                .await
        ),
        "RouteAlreadyExists"
    );
    let route_state =
        |t: &aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput| {
            t.route_tables()[0]
                .routes()
                .iter()
                .find(|r| r.vpc_peering_connection_id().is_some())
                .unwrap()
                .state()
                .unwrap()
                .as_str()
                .to_string()
        };
    assert_eq!(
        route_state(
            &a.describe_route_tables()
                .route_table_ids(&rt)
                .send()
                .await
                .unwrap()
        ),
        "blackhole"
    );

    tokio::time::sleep(SETTLE).await;
    let seen = b_eu
        .describe_vpc_peering_connections()
        .filters(filter("status-code", "pending-acceptance"))
        .filters(filter("accepter-vpc-info.vpc-id", &vb))
        .send()
        .await
        .unwrap();
    assert_eq!(
        seen.vpc_peering_connections()[0].vpc_peering_connection_id(),
        Some(pcx.as_str())
    );
    assert_eq!(
        code(
            a.accept_vpc_peering_connection()
                .vpc_peering_connection_id(&pcx)
                .send()
                .await
        ),
        "OperationNotPermitted"
    );
    assert_eq!(
        code(
            b_us.accept_vpc_peering_connection()
                .vpc_peering_connection_id(&pcx)
                .send()
                .await
        ),
        "InvalidVpcPeeringConnectionID.NotFound",
        "the wrong region of the accepter does not see the peering"
    );
    assert_eq!(
        code(
            a.modify_vpc_peering_connection_options()
                .vpc_peering_connection_id(&pcx)
                .requester_peering_connection_options(
                    PeeringConnectionOptionsRequest::builder()
                        .allow_dns_resolution_from_remote_vpc(true)
                        .build()
                )
                .send()
                .await
        ),
        "OperationNotPermitted",
        "options need an active peering"
    );
    let acc = b_eu
        .accept_vpc_peering_connection()
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        acc.vpc_peering_connection()
            .unwrap()
            .status()
            .unwrap()
            .code()
            .map(|c| c.as_str()),
        Some("provisioning")
    );
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        route_state(
            &a.describe_route_tables()
                .route_table_ids(&rt)
                .send()
                .await
                .unwrap()
        ),
        "active"
    );

    assert_eq!(
        code(
            a.modify_vpc_peering_connection_options()
                .vpc_peering_connection_id(&pcx)
                .accepter_peering_connection_options(
                    PeeringConnectionOptionsRequest::builder()
                        .allow_dns_resolution_from_remote_vpc(true)
                        .build()
                )
                .send()
                .await
        ),
        "OperationNotPermitted"
    );
    a.modify_vpc_peering_connection_options()
        .vpc_peering_connection_id(&pcx)
        .requester_peering_connection_options(
            PeeringConnectionOptionsRequest::builder()
                .allow_dns_resolution_from_remote_vpc(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let d = a
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    let p = &d.vpc_peering_connections()[0];
    assert_eq!(
        p.status().unwrap().code().map(|c| c.as_str()),
        Some("active")
    );
    assert_eq!(
        p.requester_vpc_info()
            .unwrap()
            .peering_options()
            .unwrap()
            .allow_dns_resolution_from_remote_vpc(),
        Some(true)
    );
    assert_eq!(p.accepter_vpc_info().unwrap().region(), Some("eu-west-1"));
    assert_eq!(
        p.accepter_vpc_info().unwrap().owner_id(),
        Some("222222222222")
    );

    let dump = emu.ec2.lock().unwrap().dump(emu.clock.now_ms());
    let dp = &dump["accounts"]["123456789012"]["us-east-1"]["vpc_peering_connections"][0];
    assert_eq!(dp["status"], "active");
    assert_eq!(dp["accepter"]["account"], "222222222222");
    assert_eq!(
        dp["requester"]["allow_dns_resolution_from_remote_vpc"],
        true
    );
    assert_eq!(
        dump["accounts"]["222222222222"]["eu-west-1"]["vpc_peering_connections"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "listed once"
    );

    b_eu.delete_vpc_peering_connection()
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let d = a
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpc_peering_connections()[0]
            .status()
            .unwrap()
            .code()
            .map(|c| c.as_str()),
        Some("deleted")
    );
    assert_eq!(
        route_state(
            &a.describe_route_tables()
                .route_table_ids(&rt)
                .send()
                .await
                .unwrap()
        ),
        "blackhole"
    );
    a.delete_route()
        .route_table_id(&rt)
        .destination_cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            a.delete_route()
                .route_table_id(&rt)
                .destination_cidr_block("10.1.0.0/16")
                .send()
                .await
        ),
        "InvalidRoute.NotFound"
    );
    assert_eq!(
        code(
            a.delete_route()
                .route_table_id(&rt)
                .destination_cidr_block("10.0.0.0/16")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn peering_overlapping_cidrs_fails_and_rejection_is_for_the_accepter() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (v1, v2, v3) = (
        vpc(&c, "10.0.0.0/16").await,
        vpc(&c, "10.0.0.0/20").await,
        vpc(&c, "10.5.0.0/16").await,
    );
    let p = c
        .create_vpc_peering_connection()
        .vpc_id(&v1)
        .peer_vpc_id(&v2)
        .send()
        .await
        .unwrap();
    let pcx = p
        .vpc_peering_connection()
        .unwrap()
        .vpc_peering_connection_id()
        .unwrap()
        .to_string();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vpc_peering_connections()[0]
            .status()
            .unwrap()
            .code()
            .map(|c| c.as_str()),
        Some("failed")
    );
    let p = c
        .create_vpc_peering_connection()
        .vpc_id(&v1)
        .peer_vpc_id(&v3)
        .send()
        .await
        .unwrap();
    let pcx = p
        .vpc_peering_connection()
        .unwrap()
        .vpc_peering_connection_id()
        .unwrap()
        .to_string();
    tokio::time::sleep(SETTLE).await;
    c.reject_vpc_peering_connection()
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.accept_vpc_peering_connection()
                .vpc_peering_connection_id(&pcx)
                .send()
                .await
        ),
        "InvalidStateTransition"
    );
}

#[tokio::test]
async fn routes_need_a_known_target_and_replace_changes_it() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let v = vpc(&c, "10.0.0.0/16").await;
    let g = vgw(&c).await;
    let rt = c
        .create_route_table()
        .vpc_id(&v)
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    assert_eq!(
        code(
            c.create_route()
                .route_table_id("rtb-0nope")
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id(&g)
                .send()
                .await
        ),
        "InvalidRouteTableID.NotFound"
    );
    assert_eq!(
        code(
            c.create_route()
                .route_table_id(&rt)
                .destination_cidr_block("0.0.0.0/0")
                .vpc_peering_connection_id("pcx-0nope")
                .send()
                .await
        ),
        "InvalidVpcPeeringConnectionID.NotFound"
    );
    c.create_route()
        .route_table_id(&rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id("igw-0abc")
        .send()
        .await
        .unwrap();
    c.replace_route()
        .route_table_id(&rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&g)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.replace_route()
                .route_table_id(&rt)
                .destination_cidr_block("1.0.0.0/8")
                .gateway_id(&g)
                .send()
                .await
        ),
        "InvalidRoute.NotFound"
    );
    let t = c
        .describe_route_tables()
        .filters(filter("route.gateway-id", &g))
        .send()
        .await
        .unwrap();
    assert_eq!(t.route_tables()[0].route_table_id(), Some(rt.as_str()));
    assert_eq!(
        code(
            c.enable_vgw_route_propagation()
                .route_table_id(&rt)
                .gateway_id("vgw-0nope")
                .send()
                .await
        ),
        "InvalidVpnGatewayID.NotFound"
    );
}

#[tokio::test]
async fn transit_gateway_hosts_vpc_and_vpn_attachments() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let t = c
        .create_transit_gateway()
        .options(
            TransitGatewayRequestOptions::builder()
                .amazon_side_asn(64700)
                .build(),
        )
        .tag_specifications(name_tag(ResourceType::TransitGateway, "hub"))
        .send()
        .await
        .unwrap();
    let tgw = t.transit_gateway().unwrap();
    let tgw_id = tgw.transit_gateway_id().unwrap().to_string();
    assert_eq!(tgw.state().map(|s| s.as_str()), Some("pending"));
    assert_eq!(tgw.options().unwrap().amazon_side_asn(), Some(64700));
    let v = vpc(&c, "10.0.0.0/16").await;
    let s = c
        .create_subnet()
        .vpc_id(&v)
        .cidr_block("10.0.1.0/24")
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string();
    assert_eq!(
        code(
            c.create_transit_gateway_vpc_attachment()
                .transit_gateway_id(&tgw_id)
                .vpc_id(&v)
                .subnet_ids(&s)
                .send()
                .await
        ),
        "IncorrectState"
    );
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_transit_gateways()
        .filters(filter("tag:Name", "hub"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.transit_gateways()[0].state().map(|s| s.as_str()),
        Some("available")
    );
    let a = c
        .create_transit_gateway_vpc_attachment()
        .transit_gateway_id(&tgw_id)
        .vpc_id(&v)
        .subnet_ids(&s)
        .send()
        .await
        .unwrap();
    let att = a
        .transit_gateway_vpc_attachment()
        .unwrap()
        .transit_gateway_attachment_id()
        .unwrap()
        .to_string();
    let cg = cgw(&c, "198.51.100.30", 65000).await;
    let vpn = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .transit_gateway_id(&tgw_id)
        .r#type("ipsec.1")
        .send()
        .await
        .unwrap();
    let vpn_id = vpn
        .vpn_connection()
        .unwrap()
        .vpn_connection_id()
        .unwrap()
        .to_string();
    assert_eq!(
        vpn.vpn_connection().unwrap().transit_gateway_id(),
        Some(tgw_id.as_str())
    );
    tokio::time::sleep(SETTLE).await;
    let all = c
        .describe_transit_gateway_attachments()
        .filters(filter("transit-gateway-id", &tgw_id))
        .send()
        .await
        .unwrap();
    assert_eq!(all.transit_gateway_attachments().len(), 2);
    let vpn_att = c
        .describe_transit_gateway_attachments()
        .filters(filter("resource-type", "vpn"))
        .send()
        .await
        .unwrap();
    let vpn_att = &vpn_att.transit_gateway_attachments()[0];
    assert_eq!(vpn_att.resource_id(), Some(vpn_id.as_str()));
    assert_eq!(vpn_att.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(
        code(
            c.delete_transit_gateway()
                .transit_gateway_id(&tgw_id)
                .send()
                .await
        ),
        "IncorrectState"
    );
    c.delete_transit_gateway_vpc_attachment()
        .transit_gateway_attachment_id(&att)
        .send()
        .await
        .unwrap();
    c.delete_vpn_connection()
        .vpn_connection_id(&vpn_id)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    c.delete_transit_gateway()
        .transit_gateway_id(&tgw_id)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_transit_gateways()
        .transit_gateway_ids(&tgw_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.transit_gateways()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
}

#[tokio::test]
async fn tags_can_be_added_removed_described_and_filtered_on() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let v1 = vpc(&c, "10.0.0.0/16").await;
    let _v2 = vpc(&c, "10.1.0.0/16").await;
    c.create_tags()
        .resources(&v1)
        .tags(Tag::builder().key("env").value("test").build())
        .tags(Tag::builder().key("Name").value("one").build())
        .send()
        .await
        .unwrap();
    let d = c
        .describe_vpcs()
        .filters(filter("tag:env", "test"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.vpcs().len(), 1);
    let d = c
        .describe_vpcs()
        .filters(filter("tag-key", "Name"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.vpcs()[0].vpc_id(), Some(v1.as_str()));
    let d = c
        .describe_vpcs()
        .filters(filter("tag:Name", "o*"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.vpcs().len(), 1, "filter values take wildcards");
    let t = c
        .describe_tags()
        .filters(filter("resource-id", &v1))
        .send()
        .await
        .unwrap();
    assert_eq!(t.tags().len(), 2);
    assert_eq!(t.tags()[0].resource_type().map(|r| r.as_str()), Some("vpc"));
    c.delete_tags()
        .resources(&v1)
        .tags(Tag::builder().key("env").value("other").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        c.describe_vpcs()
            .filters(filter("tag:env", "test"))
            .send()
            .await
            .unwrap()
            .vpcs()
            .len(),
        1,
        "a value that differs keeps the tag"
    );
    c.delete_tags()
        .resources(&v1)
        .tags(Tag::builder().key("env").build())
        .send()
        .await
        .unwrap();
    assert!(c
        .describe_vpcs()
        .filters(filter("tag:env", "test"))
        .send()
        .await
        .unwrap()
        .vpcs()
        .is_empty());
    assert_eq!(
        code(
            c.create_tags()
                .resources("vpc-0nope")
                .tags(Tag::builder().key("a").value("b").build())
                .send()
                .await
        ),
        "InvalidVpcID.NotFound"
    );
}

#[tokio::test]
async fn describe_vpcs_pages_with_max_results_and_next_token() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    for i in 0..7 {
        vpc(&c, &format!("10.{i}.0.0/16")).await;
    }
    let first = c.describe_vpcs().max_results(5).send().await.unwrap();
    assert_eq!(first.vpcs().len(), 5);
    let token = first.next_token().expect("a second page").to_string();
    let second = c
        .describe_vpcs()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.vpcs().len(), 2);
    assert!(second.next_token().is_none());
    let all: Vec<_> = c
        .describe_vpcs()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(
        code(c.describe_vpcs().max_results(2).send().await),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn throttled_calls_are_retried_by_the_sdk_and_counted() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    emu.faults
        .add(FaultRule::parse("ec2:DescribeVpcs=throttle,count=2").unwrap());
    c.describe_vpcs().send().await.unwrap();
    assert_eq!(emu.observe.counters()["ec2"]["DescribeVpcs"], 3);
}

#[tokio::test]
async fn server_errors_and_error_rules_surface_in_ec2_form() {
    let (emu, url) = start().await;
    let no_retry = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(Credentials::new("AKIAX", "s", None, None, "test"))
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .build();
    let c = aws_sdk_ec2::Client::from_conf(no_retry);
    emu.faults
        .add(FaultRule::parse("ec2:CreateVpc=server_error,count=1").unwrap());
    assert_eq!(
        code(c.create_vpc().cidr_block("10.0.0.0/16").send().await),
        "InternalError"
    );
    emu.faults.add(
        FaultRule::parse(
            "ec2:CreateVpc=error,count=1,status=400,code=VpcLimitExceeded,message=too many",
        )
        .unwrap(),
    );
    let e = c
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("VpcLimitExceeded"));
    assert_eq!(e.message(), Some("too many"));
    emu.faults
        .add(FaultRule::parse("ec2:DescribeVpcs=drop,count=1").unwrap());
    let e = c.describe_vpcs().send().await.unwrap_err();
    assert!(
        e.code().is_none(),
        "a dropped connection is not an API error: {e:?}"
    );
    c.create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn fixtures_are_available_at_once_and_show_in_the_dump() {
    let (emu, url) = start().await;
    let spec = serde_json::json!({
        "vpcs": [{"cidr": "10.0.0.0/16", "extra_cidrs": ["10.2.0.0/16"], "name": "fx", "route_tables": 1, "subnets": ["10.0.1.0/24"]},
                 {"account": "222222222222", "region": "eu-west-1", "cidr": "10.1.0.0/16"}],
        "transit_gateways": [{"amazon_side_asn": 64600, "name": "hub"}]
    });
    let out = cloudlink_emulator::ec2::fixtures(&emu, &spec).unwrap();
    let v = &out["vpcs"][0];
    assert_eq!(v["route_table_ids"].as_array().unwrap().len(), 1);
    let c = ec2(&url);
    let d = c
        .describe_vpcs()
        .filters(filter("tag:Name", "fx"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.vpcs()[0].vpc_id(), v["id"].as_str());
    let t = c.describe_transit_gateways().send().await.unwrap();
    assert_eq!(
        t.transit_gateways()[0].state().map(|s| s.as_str()),
        Some("available")
    );
    let dump = emu.ec2.lock().unwrap().dump(emu.clock.now_ms());
    let dv = &dump["accounts"]["123456789012"]["us-east-1"];
    assert_eq!(
        dv["vpcs"][0]["cidr_blocks"],
        serde_json::json!(["10.0.0.0/16", "10.2.0.0/16"])
    );
    assert_eq!(dv["vpcs"][0]["tags"]["Name"], "fx");
    assert_eq!(dv["route_tables"].as_array().unwrap().len(), 2);
    assert_eq!(dv["subnets"][0]["cidr_block"], "10.0.1.0/24");
    assert_eq!(
        dump["accounts"]["222222222222"]["eu-west-1"]["vpcs"][0]["state"],
        "available"
    );
}

#[tokio::test]
async fn create_tags_on_a_missing_resource_fails_with_its_not_found_code_and_tags_nothing() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let tag = || Tag::builder().key("env").value("test").build();
    let cases = [
        ("vpc-0123456789abcdef0", "InvalidVpcID.NotFound"),
        ("subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"),
        ("rtb-0123456789abcdef0", "InvalidRouteTableID.NotFound"),
        ("cgw-0123456789abcdef0", "InvalidCustomerGatewayID.NotFound"),
        ("vgw-0123456789abcdef0", "InvalidVpnGatewayID.NotFound"),
        ("vpn-0123456789abcdef0", "InvalidVpnConnectionID.NotFound"),
        (
            "pcx-0123456789abcdef0",
            "InvalidVpcPeeringConnectionID.NotFound",
        ),
        ("tgw-0123456789abcdef0", "InvalidTransitGatewayID.NotFound"),
        (
            "tgw-attach-0123456789abcdef0",
            "InvalidTransitGatewayAttachmentID.NotFound",
        ),
    ];
    for (id, want) in cases {
        let got = code(c.create_tags().resources(id).tags(tag()).send().await);
        assert_eq!(got, want, "CreateTags on {id}");
    }

    // One unknown id among known ones: the call fails and tags none of them (AWS checks
    // every id first).
    let v = vpc(&c, "10.0.0.0/16").await;
    assert_eq!(
        code(
            c.create_tags()
                .resources(&v)
                .resources("vpn-0123456789abcdef0")
                .tags(tag())
                .send()
                .await
        ),
        "InvalidVpnConnectionID.NotFound"
    );
    let t = c
        .describe_tags()
        .filters(filter("resource-id", &v))
        .send()
        .await
        .unwrap();
    assert!(t.tags().is_empty(), "no tag applied: {:?}", t.tags());

    // A VPC of another account, or of another region, is missing for this caller.
    let other_account = ec2_with(&url, "AKID210987654321EXAMPLE", "secret", None, "us-east-1");
    let other_region = ec2_with(&url, "AKIAEXAMPLEKEY", "secret", None, "us-west-2");
    for (who, client) in [("account", &other_account), ("region", &other_region)] {
        assert_eq!(
            code(client.create_tags().resources(&v).tags(tag()).send().await),
            "InvalidVpcID.NotFound",
            "CreateTags from another {who}"
        );
    }
}

/// rule: AWS-TGW-ASN. A VPN on a transit gateway peers with the TGW's own AmazonSideAsn: the
/// Azure local network gateway must name that ASN, or BGP stays down (telemetry says why).
#[tokio::test]
async fn a_tgw_vpn_peers_with_the_tgw_asn_and_a_wrong_lng_asn_keeps_bgp_down() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    // A fixture TGW keeps its 32-bit ASN; a created one its Options.AmazonSideAsn.
    let fx = cloudlink_emulator::ec2::fixtures(
        &emu,
        &serde_json::json!({"transit_gateways": [{"amazon_side_asn": 4200000001u64, "name": "fx"}]}),
    )
    .unwrap();
    let fx_id = fx["transit_gateways"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = c
        .create_transit_gateway()
        .options(
            TransitGatewayRequestOptions::builder()
                .amazon_side_asn(64700)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tgw = t
        .transit_gateway()
        .unwrap()
        .transit_gateway_id()
        .unwrap()
        .to_string();
    tokio::time::sleep(SETTLE).await;
    let d = c.describe_transit_gateways().send().await.unwrap();
    let asn_of = |id: &str| {
        d.transit_gateways()
            .iter()
            .find(|t| t.transit_gateway_id() == Some(id))
            .and_then(|t| t.options())
            .and_then(|o| o.amazon_side_asn())
    };
    assert_eq!(asn_of(&tgw), Some(64700));
    assert_eq!(asn_of(&fx_id), Some(4200000001));

    let cg = cgw(&c, "198.51.100.20", 65515).await;
    let opts = VpnConnectionOptionsSpecification::builder()
        .static_routes_only(false)
        .tunnel_options(tunnel("169.254.21.0/30", "shared_key_1"))
        .tunnel_options(tunnel("169.254.22.0/30", "shared_key_2"))
        .build();
    let out = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .transit_gateway_id(&tgw)
        .r#type("ipsec.1")
        .options(opts)
        .send()
        .await
        .unwrap();
    let vpn = out.vpn_connection().unwrap();
    let id = vpn.vpn_connection_id().unwrap().to_string();
    tokio::time::sleep(SETTLE).await;
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(&id)
        .send()
        .await
        .unwrap();
    let ip1 = d.vpn_connections()[0].options().unwrap().tunnel_options()[0]
        .outside_ip_address()
        .unwrap()
        .to_string();
    let azure = |lng_asn: u32| AzureConnection {
        connection_id:
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/c1".into(),
        gateway_public_ips: vec!["198.51.100.20".into()],
        gateway_asn: 65515,
        gateway_bgp_ips: vec!["169.254.21.2".into()],
        local_gateway_ip: ip1.clone(),
        local_address_prefixes: vec![],
        local_bgp_peer: Some((lng_asn, "169.254.21.1".into())),
        enable_bgp: true,
        shared_key: "shared_key_1".into(),
        ready: true,
    };
    let tunnel1 = |c: &aws_sdk_ec2::Client| {
        let c = c.clone();
        let id = id.clone();
        async move {
            let d = c
                .describe_vpn_connections()
                .vpn_connection_ids(&id)
                .send()
                .await
                .unwrap();
            let t = d.vpn_connections()[0].vgw_telemetry()[0].clone();
            (
                t.status().map(|s| s.as_str().to_string()),
                t.status_message().unwrap_or_default().to_string(),
            )
        }
    };
    // The Azure side assumes the default 64512, but the TGW is AS64700.
    emu.links.lock().unwrap().publish_azure(azure(64512));
    let (status, msg) = tunnel1(&c).await;
    assert_eq!(status.as_deref(), Some("DOWN"));
    assert!(
        msg.contains("BGP peer mismatch") && msg.contains("AS64512") && msg.contains("AS64700"),
        "{msg}"
    );
    let dump: serde_json::Value = reqwest_free_dump(&emu);
    assert!(dump.to_string().contains("AS64700"), "{dump}");
    // With the TGW's real ASN the tunnel comes up.
    emu.links.lock().unwrap().publish_azure(azure(64700));
    let (status, _) = tunnel1(&c).await;
    assert_eq!(status.as_deref(), Some("UP"));
}

/// The EC2 part of the admin dump (tunnel status messages included), read in-process.
fn reqwest_free_dump(emu: &Emulator) -> serde_json::Value {
    emu.ec2.lock().unwrap().dump(emu.clock.now_ms())
}

/// rule: AWS-TUNNEL-OPTIONS. Values outside the EC2 API ranges are InvalidParameterValue.
#[tokio::test]
async fn tunnel_options_outside_the_documented_ranges_are_refused() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (_v, g, cg) = vpn_setup(&c).await;
    let bad = [
        VpnTunnelOptionsSpecification::builder()
            .phase1_lifetime_seconds(100)
            .build(),
        VpnTunnelOptionsSpecification::builder()
            .phase2_lifetime_seconds(3601)
            .build(),
        VpnTunnelOptionsSpecification::builder()
            .dpd_timeout_seconds(10)
            .build(),
        VpnTunnelOptionsSpecification::builder()
            .phase1_encryption_algorithms(
                Phase1EncryptionAlgorithmsRequestListValue::builder()
                    .value("DES")
                    .build(),
            )
            .build(),
    ];
    for t in bad {
        let opts = VpnConnectionOptionsSpecification::builder()
            .tunnel_options(t.clone())
            .build();
        assert_eq!(
            code(
                c.create_vpn_connection()
                    .customer_gateway_id(&cg)
                    .vpn_gateway_id(&g)
                    .r#type("ipsec.1")
                    .options(opts)
                    .send()
                    .await
            ),
            "InvalidParameterValue",
            "{t:?}"
        );
    }
}

/// rule: AWS-VGW-ONE-PER-VPC. A VPC with a VGW attached refuses a second one.
#[tokio::test]
async fn a_vpc_takes_one_virtual_private_gateway() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (v, _g, _cg) = vpn_setup(&c).await;
    let g2 = vgw(&c).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        code(
            c.attach_vpn_gateway()
                .vpn_gateway_id(&g2)
                .vpc_id(&v)
                .send()
                .await
        ),
        "InvalidVpcState"
    );
}

/// rule: AWS-TAGS and AWS-RTB-IN-VPC.
#[tokio::test]
async fn reserved_tag_keys_tag_limits_and_propagation_into_another_vpc_are_refused() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (_v, g, _cg) = vpn_setup(&c).await;
    let other = vpc(&c, "10.9.0.0/16").await;
    let aws_key = c
        .create_tags()
        .resources(&other)
        .tags(Tag::builder().key("aws:owner").value("x").build())
        .send()
        .await;
    assert_eq!(code(aws_key), "InvalidParameterValue");
    let mut many = c.create_tags().resources(&other);
    for i in 0..51 {
        many = many.tags(Tag::builder().key(format!("k{i}")).value("v").build());
    }
    assert_eq!(code(many.send().await), "TagLimitExceeded");
    let rt = c
        .describe_route_tables()
        .filters(filter("vpc-id", &other))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    assert_eq!(
        code(
            c.enable_vgw_route_propagation()
                .route_table_id(&rt)
                .gateway_id(&g)
                .send()
                .await
        ),
        "Gateway.NotAttached"
    );
}

/// A bare HTTP/1.1 call to the admin API: (status, JSON body).
async fn admin(
    url: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} /_emulator{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status: u16 = out.split_whitespace().nth(1).unwrap().parse().unwrap();
    let json = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// A VPN connection from the customer gateway at `cgw_ip` (ASN 65010) to a fresh VGW
/// (AS64512), static or BGP, with the given tunnel CIDRs and keys; answers its id once
/// available, and the tunnels' outside IPs.
async fn site_vpn(
    c: &aws_sdk_ec2::Client,
    cgw_ip: &str,
    static_only: bool,
    tunnels: [VpnTunnelOptionsSpecification; 2],
) -> (String, Vec<String>) {
    let v = vpc(c, "10.0.0.0/16").await;
    let g = vgw(c).await;
    c.attach_vpn_gateway()
        .vpn_gateway_id(&g)
        .vpc_id(&v)
        .send()
        .await
        .unwrap();
    let cg = cgw(c, cgw_ip, 65010).await;
    tokio::time::sleep(SETTLE).await;
    let [t1, t2] = tunnels;
    let out = c
        .create_vpn_connection()
        .customer_gateway_id(&cg)
        .vpn_gateway_id(&g)
        .r#type("ipsec.1")
        .options(
            VpnConnectionOptionsSpecification::builder()
                .static_routes_only(static_only)
                .tunnel_options(t1)
                .tunnel_options(t2)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let vpn = out.vpn_connection().unwrap();
    let id = vpn.vpn_connection_id().unwrap().to_string();
    let ips = vpn
        .options()
        .unwrap()
        .tunnel_options()
        .iter()
        .map(|t| t.outside_ip_address().unwrap().to_string())
        .collect();
    tokio::time::sleep(SETTLE).await;
    (id, ips)
}

/// (status, status message) of both tunnels.
async fn telemetry(c: &aws_sdk_ec2::Client, id: &str) -> Vec<(String, String)> {
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(id)
        .send()
        .await
        .unwrap();
    d.vpn_connections()[0]
        .vgw_telemetry()
        .iter()
        .map(|t| {
            (
                t.status().unwrap().as_str().to_string(),
                t.status_message().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The id of the device type `vendor` lists first.
async fn device_type(c: &aws_sdk_ec2::Client, vendor: &str) -> String {
    let out = c.get_vpn_connection_device_types().send().await.unwrap();
    out.vpn_connection_device_types()
        .iter()
        .find(|d| d.vendor() == Some(vendor))
        .and_then(|d| d.vpn_connection_device_type_id())
        .unwrap_or_else(|| panic!("no device type of {vendor}"))
        .to_string()
}

async fn sample(c: &aws_sdk_ec2::Client, id: &str, type_id: &str, ike: Option<&str>) -> String {
    c.get_vpn_connection_device_sample_configuration()
        .vpn_connection_id(id)
        .vpn_connection_device_type_id(type_id)
        .set_internet_key_exchange_version(ike.map(String::from))
        .send()
        .await
        .unwrap()
        .vpn_connection_device_sample_configuration()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn device_types_list_real_devices_and_page_within_the_model_limits() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let all = c.get_vpn_connection_device_types().send().await.unwrap();
    let types = all.vpn_connection_device_types();
    assert!(all.next_token().is_none());
    let row = |vendor: &str| {
        types
            .iter()
            .find(|d| d.vendor() == Some(vendor))
            .map(|d| {
                (
                    d.vpn_connection_device_type_id().unwrap().to_string(),
                    d.platform().unwrap().to_string(),
                    d.software().unwrap().to_string(),
                )
            })
            .unwrap_or_else(|| panic!("{vendor} missing from {types:?}"))
    };
    assert_eq!(
        row("Cisco Systems, Inc."),
        (
            "7b2d4e61".into(),
            "ISR Series Routers".into(),
            "IOS 12.4+".into()
        )
    );
    assert_eq!(
        row("Generic"),
        (
            "3f1c9b0e".into(),
            "Generic".into(),
            "Vendor Agnostic".into()
        )
    );
    assert_eq!(row("Strongswan").0, "e6f3a2b8");
    assert_eq!(row("Fortinet").0, "a41e9d53");

    // MaxResults is 200-1000 (model limits): a page of 200 holds every type.
    let page = c
        .get_vpn_connection_device_types()
        .max_results(200)
        .send()
        .await
        .unwrap();
    assert_eq!(page.vpn_connection_device_types().len(), types.len());
    assert!(page.next_token().is_none());
    for bad in [100, 1001] {
        let r = c
            .get_vpn_connection_device_types()
            .max_results(bad)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterValue", "MaxResults {bad}");
    }
    let r = c
        .get_vpn_connection_device_types()
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(r), "InvalidNextToken");
}

#[tokio::test]
async fn sample_configuration_carries_the_connections_own_tunnels_keys_and_asns() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let (id, ips) = site_vpn(
        &c,
        "192.0.2.10",
        false,
        [
            tunnel("169.254.21.0/30", "first_key_1"),
            tunnel("169.254.22.0/30", "second_key_2"),
        ],
    )
    .await;
    let generic = sample(&c, &id, &device_type(&c, "Generic").await, None).await;
    for want in [
        "Amazon Web Services",
        "Virtual Private Cloud",
        &id,
        "192.0.2.10",
        &ips[0],
        &ips[1],
        "first_key_1",
        "second_key_2",
        "169.254.21.2/30",
        "169.254.21.1/30",
        "169.254.22.2/30",
        "169.254.22.1/30",
        "Customer Gateway ASN        : 65010",
        "Virtual Private Gateway ASN : 64512",
        "IPSec Tunnel #2",
    ] {
        assert!(generic.contains(want), "{want:?} missing from\n{generic}");
    }

    let cisco_id = device_type(&c, "Cisco Systems, Inc.").await;
    let cisco = sample(&c, &id, &cisco_id, Some("ikev1")).await;
    for want in [
        "crypto keyring",
        &format!("pre-shared-key address {} key first_key_1", ips[0]),
        "crypto isakmp policy",
        "crypto ipsec transform-set",
        "interface Tunnel1",
        "interface Tunnel2",
        "ip address 169.254.21.2 255.255.255.252",
        &format!("tunnel destination {}", ips[1]),
        "router bgp 65010",
        "neighbor 169.254.22.1 remote-as 64512",
    ] {
        assert!(cisco.contains(want), "{want:?} missing from\n{cisco}");
    }
    let cisco2 = sample(&c, &id, &cisco_id, Some("ikev2")).await;
    assert!(cisco2.contains("crypto ikev2 keyring"), "{cisco2}");
    assert!(!cisco2.contains("crypto isakmp"), "{cisco2}");

    let swan = sample(&c, &id, &device_type(&c, "Strongswan").await, None).await;
    for want in [
        "/etc/ipsec.conf",
        "/etc/ipsec.secrets",
        &format!("right={}", ips[0]),
        &format!("192.0.2.10 {} : PSK \"second_key_2\"", ips[1]),
        "router bgp 65010",
    ] {
        assert!(swan.contains(want), "{want:?} missing from\n{swan}");
    }
    let forti = sample(&c, &id, &device_type(&c, "Fortinet").await, None).await;
    assert!(forti.contains("set psksecret first_key_1"), "{forti}");
    assert!(forti.contains("set remote-as 64512"), "{forti}");

    // Rotating tunnel 1's key changes the configuration, and only that key.
    c.modify_vpn_tunnel_options()
        .vpn_connection_id(&id)
        .vpn_tunnel_outside_ip_address(&ips[0])
        .tunnel_options(
            ModifyVpnTunnelOptionsSpecification::builder()
                .pre_shared_key("rotated_key_3")
                .build(),
        )
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let after = sample(&c, &id, &cisco_id, None).await;
    assert!(
        after.contains("rotated_key_3") && !after.contains("first_key_1"),
        "{after}"
    );
    assert!(after.contains("second_key_2"), "{after}");

    // Unknown ids, bad IKE versions.
    let r = c
        .get_vpn_connection_device_sample_configuration()
        .vpn_connection_id("vpn-0000000000000000f")
        .vpn_connection_device_type_id(&cisco_id)
        .send()
        .await;
    assert_eq!(code(r), "InvalidVpnConnectionID.NotFound");
    let r = c
        .get_vpn_connection_device_sample_configuration()
        .vpn_connection_id(&id)
        .vpn_connection_device_type_id("ffffffff")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterValue");
    let r = c
        .get_vpn_connection_device_sample_configuration()
        .vpn_connection_id(&id)
        .vpn_connection_device_type_id(&cisco_id)
        .internet_key_exchange_version("ikev3")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterValue");
    // The recorded wire traffic never holds the keys the configurations carry.
    let recorded = serde_json::to_string(&emu.observe.exchanges()).unwrap();
    assert!(recorded.contains("GetVpnConnectionDeviceSampleConfiguration"));
    for key in ["first_key_1", "second_key_2", "rotated_key_3"] {
        assert!(!recorded.contains(key), "{key} recorded");
    }
}

#[tokio::test]
async fn a_static_sample_configuration_routes_statically_without_bgp() {
    let (_emu, url) = start().await;
    let c = ec2(&url);
    let (id, _) = site_vpn(
        &c,
        "192.0.2.11",
        true,
        [
            tunnel("169.254.31.0/30", "static_key_1"),
            tunnel("169.254.32.0/30", "static_key_2"),
        ],
    )
    .await;
    let generic = sample(&c, &id, "3f1c9b0e", None).await;
    assert!(generic.contains("Static Routing"), "{generic}");
    assert!(!generic.contains("Border Gateway Protocol"), "{generic}");
    let cisco = sample(&c, &id, "7b2d4e61", None).await;
    assert!(!cisco.contains("router bgp"), "{cisco}");
    assert!(cisco.contains("ip route "), "{cisco}");
}

fn logs(
    enabled: Option<bool>,
    arn: Option<&str>,
    format: Option<&str>,
) -> VpnTunnelLogOptionsSpecification {
    VpnTunnelLogOptionsSpecification::builder()
        .cloud_watch_log_options(
            CloudWatchLogOptionsSpecification::builder()
                .set_log_enabled(enabled)
                .set_log_group_arn(arn.map(String::from))
                .set_log_output_format(format.map(String::from))
                .build(),
        )
        .build()
}

/// (logEnabled, logGroupArn, logOutputFormat) of both tunnels as DescribeVpnConnections shows them.
async fn log_options(
    c: &aws_sdk_ec2::Client,
    id: &str,
) -> Vec<(Option<bool>, Option<String>, Option<String>)> {
    let d = c
        .describe_vpn_connections()
        .vpn_connection_ids(id)
        .send()
        .await
        .unwrap();
    d.vpn_connections()[0]
        .options()
        .unwrap()
        .tunnel_options()
        .iter()
        .map(|t| {
            let cw = t
                .log_options()
                .and_then(|l| l.cloud_watch_log_options())
                .expect("logOptions/cloudWatchLogOptions");
            (
                cw.log_enabled(),
                cw.log_group_arn().map(String::from),
                cw.log_output_format().map(String::from),
            )
        })
        .collect()
}

#[tokio::test]
async fn tunnel_log_options_round_trip_and_switch_off_in_place() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let group = "arn:aws:logs:us-east-1:123456789012:log-group:/vpn/office";
    let with_logs = |cidr: &str, psk: &str, format: Option<&str>| {
        VpnTunnelOptionsSpecification::builder()
            .tunnel_inside_cidr(cidr)
            .pre_shared_key(psk)
            .log_options(logs(Some(true), Some(group), format))
            .build()
    };
    let (id, ips) = site_vpn(
        &c,
        "192.0.2.12",
        true,
        [
            with_logs("169.254.41.0/30", "log_key_1", None),
            with_logs("169.254.42.0/30", "log_key_2", Some("text")),
        ],
    )
    .await;
    assert_eq!(
        log_options(&c, &id).await,
        vec![
            (
                Some(true),
                Some(group.to_string()),
                Some("json".to_string())
            ),
            (
                Some(true),
                Some(group.to_string()),
                Some("text".to_string())
            ),
        ]
    );
    let dump = reqwest_free_dump(&emu);
    let tunnels = &dump["accounts"]["123456789012"]["us-east-1"]["vpn_connections"][0]["tunnels"];
    assert_eq!(tunnels[0]["log_options"]["log_enabled"], true);
    assert_eq!(tunnels[0]["log_options"]["log_group_arn"], group);
    assert_eq!(tunnels[1]["log_options"]["log_output_format"], "text");

    // Switched off in place on tunnel 1; tunnel 2 keeps logging.
    c.modify_vpn_tunnel_options()
        .vpn_connection_id(&id)
        .vpn_tunnel_outside_ip_address(&ips[0])
        .tunnel_options(
            ModifyVpnTunnelOptionsSpecification::builder()
                .log_options(logs(Some(false), None, None))
                .build(),
        )
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let now = log_options(&c, &id).await;
    assert_eq!(now[0], (Some(false), None, None));
    assert_eq!(now[1].0, Some(true));
    let dump = reqwest_free_dump(&emu);
    let vpn = &dump["accounts"]["123456789012"]["us-east-1"]["vpn_connections"][0];
    assert_eq!(vpn["id"], id.as_str());
    assert_eq!(vpn["tunnels"][0]["log_options"]["log_enabled"], false);

    // Refused values: a format other than json|text, an ARN that is no log group, no ARN.
    for (spec, what) in [
        (logs(Some(true), Some(group), Some("xml")), "format xml"),
        (
            logs(Some(true), Some("arn:aws:s3:::vpn-logs"), None),
            "an S3 ARN",
        ),
        (logs(Some(true), None, None), "no ARN"),
    ] {
        let r = c
            .modify_vpn_tunnel_options()
            .vpn_connection_id(&id)
            .vpn_tunnel_outside_ip_address(&ips[0])
            .tunnel_options(
                ModifyVpnTunnelOptionsSpecification::builder()
                    .log_options(spec)
                    .build(),
            )
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterValue", "{what}");
    }
    assert_eq!(log_options(&c, &id).await[0], (Some(false), None, None));
}

#[tokio::test]
async fn a_site_vpn_tunnel_is_up_only_while_the_simulated_device_matches() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let (id, ips) = site_vpn(
        &c,
        "192.0.2.20",
        true,
        [
            tunnel("169.254.51.0/30", "device_key_1"),
            tunnel("169.254.52.0/30", "device_key_2"),
        ],
    )
    .await;
    for (status, msg) in telemetry(&c, &id).await {
        assert_eq!(status, "DOWN");
        assert!(
            msg.contains("no IPSEC peer") && msg.contains("192.0.2.20"),
            "{msg}"
        );
        assert!(msg.contains("/_emulator/peer-devices"), "{msg}");
    }

    // Tunnel 1 configured right, tunnel 2 with a wrong key.
    let device = |k1: &str, k2: &str| {
        serde_json::json!({
            "customer_gateway_ip": "192.0.2.20",
            "tunnels": [
                {"outside_ip": ips[0], "psk": k1},
                {"outside_ip": ips[1], "psk": k2},
            ],
        })
    };
    let (status, body) = admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device("device_key_1", "typo_key_2")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tunnels"][0]["psk"], "<redacted>");
    let tel = telemetry(&c, &id).await;
    assert_eq!(tel[0].0, "UP", "{tel:?}");
    assert_eq!(tel[1].0, "DOWN");
    assert!(tel[1].1.contains("pre-shared keys differ"), "{tel:?}");
    assert!(!tel[1].1.contains("typo_key_2") && !tel[1].1.contains("device_key_2"));
    let (_, listed) = admin(&url, "GET", "/peer-devices", None).await;
    assert_eq!(listed[0]["customer_gateway_ip"], "192.0.2.20");
    assert!(!listed.to_string().contains("device_key_1"), "{listed}");
    let dump = emu.links.lock().unwrap().dump();
    assert!(!dump.to_string().contains("device_key_1"), "{dump}");

    // Reconfigured: both up.
    admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device("device_key_1", "device_key_2")),
    )
    .await;
    let tel = telemetry(&c, &id).await;
    assert!(tel.iter().all(|t| t.0 == "UP"), "{tel:?}");

    // Rotating tunnel 2's key on AWS takes it down until the device has the new key.
    c.modify_vpn_tunnel_options()
        .vpn_connection_id(&id)
        .vpn_tunnel_outside_ip_address(&ips[1])
        .tunnel_options(
            ModifyVpnTunnelOptionsSpecification::builder()
                .pre_shared_key("device_key_9")
                .build(),
        )
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let tel = telemetry(&c, &id).await;
    assert_eq!(tel[0].0, "UP");
    assert_eq!(tel[1].0, "DOWN");
    assert!(tel[1].1.contains("pre-shared keys differ"), "{tel:?}");
    admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device("device_key_1", "device_key_9")),
    )
    .await;
    assert!(telemetry(&c, &id).await.iter().all(|t| t.0 == "UP"));

    // Forgetting the device takes both down; an unknown device is 404.
    let (status, _) = admin(&url, "DELETE", "/peer-devices/192.0.2.20", None).await;
    assert_eq!(status, 200);
    assert!(telemetry(&c, &id).await.iter().all(|t| t.0 == "DOWN"));
    let (status, _) = admin(&url, "DELETE", "/peer-devices/192.0.2.20", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_bgp_site_vpn_needs_the_device_inside_cidr_and_asn_and_bad_devices_are_refused() {
    let (emu, url) = start().await;
    let c = ec2(&url);
    let (id, ips) = site_vpn(
        &c,
        "192.0.2.30",
        false,
        [
            tunnel("169.254.61.0/30", "bgp_key_1"),
            tunnel("169.254.62.0/30", "bgp_key_2"),
        ],
    )
    .await;
    let device = |asn: u32, cidr1: &str| {
        serde_json::json!({
            "customer_gateway_ip": "192.0.2.30",
            "bgp_asn": asn,
            "amazon_side_asn": 64512,
            "tunnels": [
                {"outside_ip": ips[0], "psk": "bgp_key_1", "inside_cidr": cidr1},
                {"outside_ip": ips[1], "psk": "bgp_key_2", "inside_cidr": "169.254.62.2/30"},
            ],
        })
    };
    admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device(65010, "169.254.99.0/30")),
    )
    .await;
    let tel = telemetry(&c, &id).await;
    assert_eq!(tel[0].0, "DOWN");
    assert!(
        tel[0].1.contains("169.254.99.0/30") && tel[0].1.contains("169.254.61.0/30"),
        "{tel:?}"
    );
    assert_eq!(tel[1].0, "UP", "{tel:?}");
    admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device(65099, "169.254.61.0/30")),
    )
    .await;
    let tel = telemetry(&c, &id).await;
    assert!(
        tel.iter().all(|t| t.0 == "DOWN" && t.1.contains("AS65099")),
        "{tel:?}"
    );
    admin(
        &url,
        "POST",
        "/peer-devices",
        Some(device(65010, "169.254.61.0/30")),
    )
    .await;
    assert!(telemetry(&c, &id).await.iter().all(|t| t.0 == "UP"));

    // Bad bodies are 400 naming the field; an Azure gateway's IP is 409.
    let (status, body) = admin(
        &url,
        "POST",
        "/peer-devices",
        Some(serde_json::json!({"customer_gateway_ip": "nope", "tunnels": [{"outside_ip": ips[0], "psk": "k"}]})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("customer_gateway_ip"),
        "{body}"
    );
    let (status, _) = admin(
        &url,
        "POST",
        "/peer-devices",
        Some(serde_json::json!({"customer_gateway_ip": "192.0.2.31", "tunnels": [], "colour": 1})),
    )
    .await;
    assert_eq!(status, 400);
    emu.links.lock().unwrap().publish_azure(AzureConnection {
        connection_id:
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/az".into(),
        gateway_public_ips: vec!["198.51.100.77".into()],
        gateway_asn: 65515,
        gateway_bgp_ips: vec![],
        local_gateway_ip: "203.0.113.250".into(),
        local_address_prefixes: vec!["10.0.0.0/16".into()],
        local_bgp_peer: None,
        enable_bgp: false,
        shared_key: "azure_key_1".into(),
        ready: true,
    });
    let (status, body) = admin(
        &url,
        "POST",
        "/peer-devices",
        Some(serde_json::json!({"customer_gateway_ip": "198.51.100.77", "tunnels": [{"outside_ip": ips[0], "psk": "bgp_key_1"}]})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
}

/// The quotas "Active VPC peering connections per VPC" and "Routes per route table" are
/// enforced with AWS's codes, settable through the admin API, kept across a reset, and a bad
/// value is refused.
#[tokio::test]
async fn peering_and_route_quotas_are_enforced_settable_and_survive_a_reset() {
    let (_checked, url) = start().await;
    let c = ec2(&url);
    let (status, cfg) = admin(&url, "GET", "/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(cfg["ec2_active_peerings_per_vpc"], 50);
    assert_eq!(cfg["ec2_routes_per_route_table"], 500);
    for bad in [
        serde_json::json!({"ec2_active_peerings_per_vpc": 0}),
        serde_json::json!({"ec2_routes_per_route_table": "5"}),
    ] {
        let (status, _) = admin(&url, "POST", "/config", Some(bad)).await;
        assert_eq!(status, 400);
    }
    let (status, _) = admin(
        &url,
        "POST",
        "/config",
        Some(
            serde_json::json!({"ec2_active_peerings_per_vpc": 1, "ec2_routes_per_route_table": 1}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = admin(&url, "POST", "/reset", None).await;
    assert_eq!(status, 200);

    let hub = vpc(&c, "10.0.0.0/16").await;
    let spokes = [vpc(&c, "10.1.0.0/16").await, vpc(&c, "10.2.0.0/16").await];
    let mut ids = Vec::new();
    for s in &spokes {
        let out = c
            .create_vpc_peering_connection()
            .vpc_id(&hub)
            .peer_vpc_id(s)
            .send()
            .await
            .unwrap();
        ids.push(
            out.vpc_peering_connection()
                .unwrap()
                .vpc_peering_connection_id()
                .unwrap()
                .to_string(),
        );
    }
    tokio::time::sleep(SETTLE).await;
    c.accept_vpc_peering_connection()
        .vpc_peering_connection_id(&ids[0])
        .send()
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        code(
            c.accept_vpc_peering_connection()
                .vpc_peering_connection_id(&ids[1])
                .send()
                .await
        ),
        "ActiveVpcPeeringConnectionPerVpcLimitExceeded",
        "the hub already has its one active peering"
    );

    let rtb = c
        .create_route_table()
        .vpc_id(&hub)
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    for (dest, want) in [
        ("10.1.0.0/16", None),
        ("10.2.0.0/16", Some("RouteLimitExceeded")),
    ] {
        let r = c
            .create_route()
            .route_table_id(&rtb)
            .destination_cidr_block(dest)
            .vpc_peering_connection_id(&ids[0])
            .send()
            .await;
        match want {
            None => {
                r.unwrap();
            }
            Some(w) => assert_eq!(code(r), w),
        }
    }
}
