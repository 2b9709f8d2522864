//! `cloudlink_cross_cloud_vpn` through the real terraform binary against cloudlink-emulator:
//! the three topologies (static/1, static/2, bgp/4) apply with every tunnel up on both
//! clouds and destroy to nothing; the apply follows the critical path (realistic profile);
//! plan-time refusals reach no mutating call; a failure half way leaves a destroyable partial
//! state; out-of-band deletion is repaired; PSKs never reach terraform's output or logs;
//! import reproduces the created state.

mod support;

use serde_json::{json, Value as Json};
use std::time::Instant;
use support::aws_branch::{assert_aws_branch_is_a_graph, AwsBranch};
use support::{
    arm_of, assert_error_at, assert_nothing_left, assert_secret_only_in_quoted_source, aws_live,
    line_number, provider_block, vpn_fixture, with_default_tags, Emulator, VpnFixture as Fixture,
    Workdir, REQUIRED_PROVIDERS,
};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// The suite's infrastructure: `net-rg`/`hub` in Azure, one VPC in AWS.
fn fixture(emu: &Emulator) -> Fixture {
    vpn_fixture(emu, "net-rg", "hub")
}

fn config(emu: &Emulator, fx: &Fixture, routing: &str, tunnels: u32, extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_cross_cloud_vpn" "this" {{
  name     = "link"
  routing  = "{routing}"
  tunnels  = {tunnels}
  aws {{
    vpc_id          = "{vpc}"
    route_table_ids = ["{rtb}"]
  }}
  azure {{
    resource_group       = "net-rg"
    location             = "westeurope"
    virtual_network_name = "hub"
    gateway_subnet_cidr  = "10.1.255.0/27"
  }}
{extra}
}}
"#,
        provider = provider_block(emu),
        vpc = fx.vpc,
        rtb = fx.rtb,
    )
}

fn live<'a>(items: &'a Json, key: &str) -> Vec<&'a Json> {
    items[key]
        .as_array()
        .map(|a| a.iter().filter(|x| x["state"] != "deleted").collect())
        .unwrap_or_default()
}

fn aws_region(dump: &Json) -> Json {
    dump["ec2"]["accounts"][ACCOUNT][REGION].clone()
}

/// The dump shows exactly the expected sub-resources, every wired tunnel up on both ends, and
/// IPs and PSKs matching across the clouds.
fn assert_link(dump: &Json, tunnels: usize) {
    let instances = if tunnels == 4 { 2 } else { 1 };
    let aws = aws_region(dump);
    let cgws = live(&aws, "customer_gateways");
    let vgws = live(&aws, "vpn_gateways");
    let vpns = live(&aws, "vpn_connections");
    assert_eq!(cgws.len(), instances, "customer gateways: {cgws:?}");
    assert_eq!(vgws.len(), 1, "VPN gateways: {vgws:?}");
    assert_eq!(vpns.len(), instances, "VPN connections");
    let pips = arm_of(dump, "publicIPAddresses");
    let gws = arm_of(dump, "virtualNetworkGateways");
    let lngs = arm_of(dump, "localNetworkGateways");
    let conns = arm_of(dump, "connections");
    assert_eq!(pips.len(), instances);
    assert_eq!(gws.len(), 1);
    assert_eq!(lngs.len(), tunnels);
    assert_eq!(conns.len(), tunnels);
    assert_eq!(gws[0]["properties"]["activeActive"], json!(tunnels == 4));
    let pip_ips: Vec<&str> = pips
        .iter()
        .map(|p| p["properties"]["ipAddress"].as_str().unwrap())
        .collect();
    for c in &cgws {
        assert!(
            pip_ips.contains(&c["ip_address"].as_str().unwrap()),
            "CGW IP is an Azure public IP"
        );
    }
    let aws_tunnels: Vec<&Json> = vpns
        .iter()
        .flat_map(|v| v["tunnels"].as_array().unwrap().iter())
        .collect();
    for c in &conns {
        assert_eq!(
            c["properties"]["connectionStatus"], "Connected",
            "connection {}",
            c["name"]
        );
        let lng_id = c["properties"]["localNetworkGateway2"]["id"]
            .as_str()
            .unwrap()
            .to_lowercase();
        let lng = lngs
            .iter()
            .find(|l| l["id"].as_str().unwrap().to_lowercase() == lng_id)
            .unwrap();
        let ip = lng["properties"]["gatewayIpAddress"].as_str().unwrap();
        let t = aws_tunnels
            .iter()
            .find(|t| t["outside_ip"] == ip)
            .expect("LNG IP is an AWS tunnel outside IP");
        assert_eq!(
            t["status"], "UP",
            "AWS tunnel {ip}: {}",
            t["status_message"]
        );
        assert_eq!(
            t["psk"], c["properties"]["sharedKey"],
            "PSKs match across clouds"
        );
        if tunnels == 4 {
            assert_eq!(
                c["properties"]["gatewayCustomBgpIpAddresses"]
                    .as_array()
                    .unwrap()
                    .len(),
                2
            );
        }
    }
    let up = aws_tunnels.iter().filter(|t| t["status"] == "UP").count();
    assert_eq!(up, tunnels, "exactly the wired tunnels are up");
}

fn scenario(routing: &str, tunnels: u32) {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, routing, tunnels, ""));
    wd.apply();
    assert_link(&emu.dump(), tunnels as usize);
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    assert_eq!(
        st["tunnel_details"].as_array().unwrap().len(),
        tunnels as usize
    );
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn static_one_tunnel_apply_then_destroy_leaves_nothing() {
    scenario("static", 1);
}

#[test]
fn static_two_tunnels_apply_then_destroy_leaves_nothing() {
    scenario("static", 2);
}

#[test]
fn bgp_four_tunnels_apply_then_destroy_leaves_nothing() {
    scenario("bgp", 4);
}

#[test]
fn validation_errors_fail_at_plan_on_the_attribute_without_mutating_calls() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let before = emu.mutating_calls();
    // (routing, tunnels, extra HCL, summary, attribute path, the line terraform points at,
    // the expression it highlights there).
    let cases = [
        (
            "static",
            1,
            "  tunnel_psks = [\"0abcdefgh1\"]",
            "Pre-shared key starts with 0",
            "tunnel_psks[0]",
            "tunnel_psks",
            "\"0abcdefgh1\"",
        ),
        (
            "static",
            4,
            "",
            "Four tunnels require BGP",
            "tunnels",
            "tunnels ",
            "4",
        ),
        (
            "bgp",
            1,
            "  tunnel_inside_cidrs = [\"169.254.10.0/30\"]",
            "Inside CIDR outside the Azure APIPA range",
            "tunnel_inside_cidrs[0]",
            "tunnel_inside_cidrs",
            "\"169.254.10.0/30\"",
        ),
        (
            // The overlap is reported on the overlapping element (before: on the list).
            "static",
            1,
            "  azure_cidrs = [\"10.0.128.0/17\"]",
            "Overlapping AWS and Azure CIDRs",
            "azure_cidrs[0]",
            "azure_cidrs",
            "\"10.0.128.0/17\"",
        ),
    ];
    for (routing, tunnels, extra, summary, attr, line, highlight) in cases {
        let wd = Workdir::new();
        let main = config(&emu, &fx, routing, tunnels, extra);
        wd.write("main.tf", &main);
        let plan = wd.tf(&["plan", "-no-color"]);
        assert_ne!(plan.code, 0, "{summary}");
        let out = plan.all();
        assert!(out.contains(summary), "expected {summary:?}:\n{out}");
        let attr_line = attr.split('[').next().unwrap();
        assert!(
            out.contains(attr_line),
            "diagnostic must name {attr}:\n{out}"
        );
        // Terraform quotes the offending source line; our diagnostic itself never holds the key.
        assert_eq!(
            out.matches("0abcdefgh1").count(),
            out.matches("tunnel_psks = [\"0abcdefgh1\"]").count(),
            "a PSK reached the output outside the quoted source line:\n{out}"
        );
        // The machine-readable UI: terraform resolved the diagnostic's attribute path (`attr`)
        // to this expression of main.tf.
        let (json, diags) = wd.plan_json_diagnostics();
        assert_ne!(json.code, 0, "{summary}");
        assert_error_at(
            &diags,
            summary,
            "cloudlink_cross_cloud_vpn.this",
            &main,
            line_number(&main, "resource \"cloudlink_cross_cloud_vpn\"", line),
            highlight,
        );
        assert_secret_only_in_quoted_source(&json.all(), "0abcdefgh1");
    }
    assert_eq!(emu.mutating_calls(), before, "no mutating call at plan");
}

#[test]
fn failure_half_way_leaves_partial_state_and_destroy_removes_everything() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, "static", 2, ""));
    emu.inject("arm:PUT connections=error,status=400,code=InjectedFailure,message=boom");
    let run = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all().contains("InjectedFailure") || run.all().contains("boom"),
        "{}",
        run.all()
    );
    emu.emu.faults.clear();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert!(
        st["aws"]["vpn_gateway_id"]
            .as_str()
            .unwrap()
            .starts_with("vgw-"),
        "{st}"
    );
    assert!(st["aws"]["vpn_connection_ids"][0]
        .as_str()
        .unwrap()
        .starts_with("vpn-"));
    assert!(st["azure"]["gateway_id"]
        .as_str()
        .unwrap()
        .contains("virtualNetworkGateways"));
    assert_eq!(
        st["azure"]["local_network_gateway_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn azure_connection_deleted_out_of_band_is_repaired_by_the_next_apply() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, "static", 2, ""));
    wd.apply();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    let conn = st["azure"]["connection_ids"][1]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{}{conn}?api-version=2024-03-01", emu.url);
    let token = reqwest_delete(&emu, &url);
    assert!(token < 300, "out-of-band delete answered {token}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 2, "drift must show:\n{}", plan.all());
    assert!(plan.all().contains("tunnel(s) 2"), "{}", plan.all());
    wd.apply();
    assert_link(&emu.dump(), 2);
    assert_eq!(wd.plan_exit_code().code, 0);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

/// Runs `f` with the provider library's own Azure client pointed at `emu` (out-of-band
/// changes, as another tool would make them).
fn with_library_azure<T>(
    emu: &Emulator,
    f: impl AsyncFnOnce(&terraform_provider_cloudlink::cloud::azure::Network) -> T,
) -> T {
    use terraform_provider_cloudlink::cloud::azure::{Azure, AzureSettings};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let az = Azure::new(AzureSettings {
            subscription_id: Some("00000000-0000-0000-0000-000000000000".into()),
            tenant_id: Some("11111111-1111-1111-1111-111111111111".into()),
            client_id: Some("22222222-2222-2222-2222-222222222222".into()),
            client_secret: Some("emulator-secret".into()),
            endpoint: Some(emu.url.clone()),
            ..Default::default()
        });
        f(az.network().await.unwrap()).await
    })
}

/// DELETE through ARM with the provider library's own Azure client (out of band).
fn reqwest_delete(emu: &Emulator, url: &str) -> u16 {
    let path = url.trim_start_matches(&emu.url).to_string();
    with_library_azure(emu, async |net| {
        net.send_raw(azure_core::Method::Delete, &path, None)
            .await
            .map(|r| r.status)
            .unwrap_or(599)
    })
}

/// Sets the BGP ASN of Azure gateway `name` in `net-rg` through ARM with the provider
/// library's own client (out of band, as another tool would).
fn set_gateway_asn_out_of_band(emu: &Emulator, name: &str, asn: u32) {
    use terraform_provider_cloudlink::cloud::azure::gateway;
    use terraform_provider_cloudlink::cloud::wait::WaitConfig;
    with_library_azure(emu, async |net| {
        let update = gateway::GatewayUpdate {
            asn: Some(asn),
            ..Default::default()
        };
        let cfg = WaitConfig::with_timeout(
            std::time::Duration::from_secs(60),
            tokio_util::sync::CancellationToken::new(),
        );
        gateway::update_gateway(net, "net-rg", name, &update, &cfg)
            .await
            .unwrap();
    })
}

#[test]
fn changing_zones_forces_replacement_of_the_public_ips_and_customer_gateways() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    // westeurope has availability zones: the default is zone-redundant.
    wd.write("main.tf", &config_with(&emu, &fx, "static", 1, "", "", ""));
    wd.apply();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["azure"]["zones"], json!(["1", "2", "3"]), "{st}");
    assert_eq!(st["azure"]["sku"], "VpnGw1AZ", "{st}");
    let dump = emu.dump();
    for p in arm_of(&dump, "publicIPAddresses") {
        assert_eq!(p["zones"], json!(["1", "2", "3"]), "{p}");
    }
    let cgw = st["aws"]["customer_gateway_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_plan_empty(&wd);
    // Zonal instead: the public IP, so the customer gateway's IP, must change.
    let before = emu.mutating_calls();
    wd.write(
        "main.tf",
        &config_with(&emu, &fx, "static", 1, "", "    zones = [\"1\"]", ""),
    );
    let plan = wd.tf(&["plan", "-no-color", "-out=tfplan"]).success();
    let text = plan.all();
    let zones_line = text
        .lines()
        .find(|l| l.contains("zones"))
        .unwrap_or_else(|| panic!("no zones line:\n{text}"));
    assert!(zones_line.contains("# forces replacement"), "{text}");
    assert!(text.contains("must be replaced"), "{text}");
    let show = wd.tf(&["show", "-json", "tfplan"]).success();
    let plan_json: Json = serde_json::from_str(&show.stdout).unwrap();
    let change = plan_json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "cloudlink_cross_cloud_vpn.this")
        .unwrap();
    assert_eq!(
        change["change"]["actions"],
        json!(["delete", "create"]),
        "{change}"
    );
    assert!(
        change["change"]["replace_paths"]
            .as_array()
            .unwrap()
            .contains(&json!(["azure", "zones"])),
        "{change}"
    );
    assert_eq!(emu.mutating_calls(), before, "plan mutates nothing");
    wd.apply();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["azure"]["zones"], json!(["1"]));
    let dump = emu.dump();
    let aws = aws_region(&dump);
    let cgws = live(&aws, "customer_gateways");
    assert_eq!(cgws.len(), 1);
    assert_eq!(
        cgws[0]["ip_address"], st["azure"]["public_ips"][0],
        "{}",
        cgws[0]
    );
    assert_ne!(
        st["aws"]["customer_gateway_ids"][0],
        cgw.as_str(),
        "a new customer gateway for the new public IP"
    );
    assert_link(&dump, 1);
    // Zones where the region has none are refused at plan, on the attribute.
    wd.write(
        "main.tf",
        &config_with(&emu, &fx, "static", 1, "", "    zones = []", ""),
    );
    let r = wd.plan_exit_code();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("Zones required in this region"),
        "{}",
        r.all()
    );
    wd.write(
        "main.tf",
        &config_with(&emu, &fx, "static", 1, "", "    zones = [\"1\"]", ""),
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn psks_never_reach_terraform_output_or_logs() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let mut wd = Workdir::new();
    let psk = "Sekr3tKey_abc.XYZ";
    wd.write(
        "main.tf",
        &config(
            &emu,
            &fx,
            "static",
            1,
            &format!("  tunnel_psks = [\"{psk}\"]"),
        ),
    );
    let log = wd.path().join("tf.log");
    wd.env("TF_LOG", "trace");
    wd.env("TF_LOG_PATH", &log.display().to_string());
    let apply = wd.apply();
    let plan = wd.plan_exit_code();
    let destroy = wd.destroy();
    let dump = emu.dump();
    let _ = dump;
    for out in [apply.all(), plan.all(), destroy.all()] {
        assert!(!out.contains(psk), "PSK in terraform output");
    }
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.len() > 1000, "trace log written");
    assert!(!log.contains(psk), "PSK in TF_LOG=trace log");
}

#[test]
fn import_yields_the_created_state() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, "bgp", 4, ""));
    wd.apply();
    let created = wd.state_values("cloudlink_cross_cloud_vpn.this");
    wd.tf(&["state", "rm", "cloudlink_cross_cloud_vpn.this"])
        .success();
    let imp = wd
        .tf(&[
            "import",
            "-no-color",
            "cloudlink_cross_cloud_vpn.this",
            "net-rg/link",
        ])
        .success();
    let _ = imp;
    let imported = wd.state_values("cloudlink_cross_cloud_vpn.this");
    let mut a = created.clone();
    let mut b = imported.clone();
    for v in [&mut a, &mut b] {
        v["timeouts"] = Json::Null;
    }
    assert_eq!(a, b, "imported state differs from created");
    assert_eq!(wd.plan_exit_code().code, 0);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn realistic_apply_follows_the_critical_path() {
    let emu = Emulator::start("realistic", 0.02);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, "static", 1, ""));
    // Plan first so that provider start-up and refresh are outside the measured apply.
    wd.tf(&["plan", "-out=tfplan", "-no-color"]).success();
    emu.emu.observe.clear();
    let t0 = Instant::now();
    wd.tf(&["apply", "-no-color", "tfplan"]).success();
    let wall = t0.elapsed().as_secs_f64();
    let tl = emu.emu.observe.timeline();
    let find = |pred: &dyn Fn(&str) -> bool| -> Vec<(u64, u64)> {
        tl.iter()
            .filter(|e| pred(&e.action))
            .map(|e| (e.start_ms, e.end_ms))
            .collect()
    };
    let gw = find(&|a| a.contains("virtualNetworkGateways") && a.starts_with("PUT"));
    let lng = find(&|a| a.contains("localNetworkGateways") && a.starts_with("PUT"));
    let conn = find(&|a| a.contains("connections") && a.starts_with("PUT"));
    let vpn = find(&|a| a == "CreateVpnConnection");
    assert!(
        !gw.is_empty() && !conn.is_empty() && !vpn.is_empty() && !lng.is_empty(),
        "timeline: {tl:?}"
    );
    let dur = |v: &[(u64, u64)]| v.iter().map(|(s, e)| e - s).max().unwrap_or(0) as f64 / 1000.0;
    // The gateway's connections run one after another (Azure serialises them).
    let critical = dur(&gw)
        + dur(&lng)
        + conn
            .iter()
            .map(|(s, e)| (e - s) as f64 / 1000.0)
            .sum::<f64>();
    let sum: f64 = tl
        .iter()
        .map(|e| (e.end_ms - e.start_ms) as f64 / 1000.0)
        .sum();
    println!("apply wall time {wall:.2} s; critical path (gateway + local gateway + connection) {critical:.2} s; sum of all steps {sum:.2} s");
    assert!(
        (wall - critical).abs() <= critical * 0.10,
        "apply {wall:.2} s is not within 10% of the critical path {critical:.2} s"
    );
    let (gs, ge) = gw[0];
    let (vs, ve) = vpn[0];
    assert!(
        vs < ge && ve > gs,
        "the AWS VPN connection must be created while the gateway builds"
    );
    wd.destroy();
}

/// Also the AWS branch of the 4-tunnel create (issue 15): its two VPN connections overlap
/// and do not wait for the gateway's VPC attachment.
#[test]
fn four_tunnel_connections_run_one_at_a_time_on_the_gateway() {
    // Azure serialises the writes on one gateway; the emulator answers a second one with
    // 409 AnotherOperationInProgress, so this apply only succeeds if cloudlink queues them.
    let emu = Emulator::start("realistic", 0.01);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write("main.tf", &config(&emu, &fx, "bgp", 4, ""));
    wd.apply();
    let mut conns: Vec<(u64, u64)> = emu
        .emu
        .observe
        .timeline()
        .iter()
        .filter(|e| e.action == "PUT connections")
        .map(|e| (e.start_ms, e.end_ms))
        .collect();
    conns.sort();
    assert_eq!(conns.len(), 4, "{conns:?}");
    for w in conns.windows(2) {
        assert!(
            w[1].0 >= w[0].1,
            "connection PUTs overlap on one gateway: {conns:?}"
        );
    }
    assert_eq!(
        wd.state_values("cloudlink_cross_cloud_vpn.this")["consistent"],
        true
    );
    assert_aws_branch_is_a_graph(&AwsBranch::of(&emu), 2);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

// ---- In-place updates -------------------------------------------------------------------

/// Like [`config`], with the `aws` block's body (`vpc_id` aside) and extra `azure` lines given.
fn config_with(
    emu: &Emulator,
    fx: &Fixture,
    routing: &str,
    tunnels: u32,
    aws: &str,
    azure: &str,
    extra: &str,
) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_cross_cloud_vpn" "this" {{
  name     = "link"
  routing  = "{routing}"
  tunnels  = {tunnels}
  aws {{
    vpc_id = "{vpc}"
{aws}
  }}
  azure {{
    resource_group       = "net-rg"
    location             = "westeurope"
    virtual_network_name = "hub"
    gateway_subnet_cidr  = "10.1.255.0/27"
{azure}
  }}
{extra}
}}
"#,
        provider = provider_block(emu),
        vpc = fx.vpc,
    )
}

/// `terraform plan` shows exactly an update in place (nothing replaced); returns its output.
fn assert_plan_in_place(wd: &Workdir) -> String {
    let plan = wd.plan_exit_code();
    let out = plan.all();
    assert_eq!(plan.code, 2, "a change must show:\n{out}");
    assert!(
        out.contains("will be updated in-place"),
        "expected an in-place update:\n{out}"
    );
    assert!(
        !out.contains("forces replacement") && !out.contains("must be replaced"),
        "nothing may be replaced:\n{out}"
    );
    out
}

/// The second plan after an apply is empty.
fn assert_plan_empty(wd: &Workdir) {
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
}

/// The AWS tunnel with inside CIDR `cidr`.
fn aws_tunnel(dump: &Json, cidr: &str) -> Json {
    live(&aws_region(dump), "vpn_connections")
        .iter()
        .flat_map(|v| v["tunnels"].as_array().unwrap().iter())
        .find(|t| t["inside_cidr"] == cidr)
        .unwrap_or_else(|| panic!("no AWS tunnel {cidr}"))
        .clone()
}

/// The Azure connection named `name`.
fn azure_connection<'a>(dump: &'a Json, name: &str) -> &'a Json {
    arm_of(dump, "connections")
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no Azure connection {name}"))
}

fn psk_list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Both ends of tunnel `t` (0-based, canonical inside CIDRs) hold `key`.
fn assert_tunnel_key(dump: &Json, t: usize, key: &str) {
    let cidr = ["169.254.21.0/30", "169.254.22.0/30"][t];
    assert_eq!(aws_tunnel(dump, cidr)["psk"], key, "AWS tunnel {}", t + 1);
    assert_eq!(
        azure_connection(dump, &format!("link-conn-{}", t + 1))["properties"]["sharedKey"],
        key,
        "Azure connection {}",
        t + 1
    );
}

#[test]
fn psk_rotation_on_two_static_tunnels_goes_one_tunnel_at_a_time() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let old = ["Alpha_key_one1", "Alpha_key_two2"];
    let new = ["Beta.key_one11", "Beta.key_two22"];
    let hcl = |keys: &[&str]| {
        config(
            &emu,
            &fx,
            "static",
            2,
            &format!("  tunnel_psks = [{}]", psk_list(keys)),
        )
    };
    wd.write("main.tf", &hcl(&old));
    wd.apply();
    let dump = emu.dump();
    assert_tunnel_key(&dump, 0, old[0]);
    assert_tunnel_key(&dump, 1, old[1]);
    wd.write("main.tf", &hcl(&new));
    let plan = assert_plan_in_place(&wd);
    assert!(plan.contains("Pre-shared keys rotate"), "{plan}");
    emu.emu.observe.clear();
    wd.apply();
    let dump = emu.dump();
    assert_link(&dump, 2);
    assert_tunnel_key(&dump, 0, new[0]);
    assert_tunnel_key(&dump, 1, new[1]);
    let tl = emu.emu.observe.timeline();
    let modify: Vec<_> = tl
        .iter()
        .filter(|e| e.action == "ModifyVpnTunnelOptions")
        .collect();
    let set_key = |conn: &str| {
        tl.iter()
            .filter(|e| e.action == "PUT sharedkey" && e.resource.ends_with(conn))
            .collect::<Vec<_>>()
    };
    let (key1, key2) = (set_key("/link-conn-1"), set_key("/link-conn-2"));
    assert_eq!(modify.len(), 2, "one AWS modification per tunnel: {tl:?}");
    assert_eq!(key1.len(), 1, "one Azure key write for tunnel 1: {tl:?}");
    assert_eq!(key2.len(), 1, "one Azure key write for tunnel 2: {tl:?}");
    assert!(
        modify[0].end_ms <= key1[0].start_ms,
        "tunnel 1: AWS first, then Azure: {tl:?}"
    );
    assert!(
        key1[0].end_ms <= modify[1].start_ms,
        "tunnel 1 is done on both clouds before tunnel 2 is touched: {tl:?}"
    );
    assert!(modify[1].end_ms <= key2[0].start_ms, "{tl:?}");
    let counters = emu.counters();
    assert_eq!(counters["ec2"]["ModifyVpnTunnelOptions"], 2, "{counters}");
    assert_eq!(counters["arm"]["PUT sharedkey"], 2, "{counters}");
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    assert!(st["tunnel_details"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["aws_status"] == "UP" && t["azure_status"] == "Connected"));
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn write_only_psks_rotate_on_version_bump_and_never_reach_state() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let old = ["WoAlpha_key_1", "WoAlpha_key_2"];
    let new = ["WoBeta_key_11", "WoBeta_key_22"];
    let hcl = |keys: &[&str], version: u32| {
        config(
            &emu,
            &fx,
            "static",
            2,
            &format!(
                "  tunnel_psks_wo         = [{}]\n  tunnel_psks_wo_version = {version}",
                psk_list(keys)
            ),
        )
    };
    wd.write("main.tf", &hcl(&old, 1));
    wd.apply();
    let dump = emu.dump();
    assert_tunnel_key(&dump, 0, old[0]);
    assert_tunnel_key(&dump, 1, old[1]);
    wd.write("main.tf", &hcl(&new, 2));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_link(&dump, 2);
    assert_tunnel_key(&dump, 0, new[0]);
    assert_tunnel_key(&dump, 1, new[1]);
    let show = wd.tf(&["show", "-json"]).success().stdout;
    let state_file = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    for k in old.iter().chain(&new) {
        assert!(!show.contains(k), "a write-only key is in `show -json`");
        assert!(
            !state_file.contains(k),
            "a write-only key is in the state file"
        );
    }
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert!(st["tunnel_psks_wo"].is_null(), "{st}");
    assert_eq!(st["tunnel_psks_wo_version"], 2);
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

fn sorted(v: &Json) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Static routes (not propagated ones) of route table `rtb` pointing at a VPN gateway.
fn vgw_routes(dump: &Json, rtb: &str) -> Vec<String> {
    let aws = aws_region(dump);
    let t = aws["route_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == rtb)
        .unwrap()
        .clone();
    let mut out: Vec<String> = t["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["origin"] == "CreateRoute"
                && r["gateway_id"]
                    .as_str()
                    .is_some_and(|g| g.starts_with("vgw-"))
        })
        .map(|r| r["destination_cidr_block"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn propagating(dump: &Json, rtb: &str) -> Vec<String> {
    let aws = aws_region(dump);
    sorted(
        &aws["route_tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == rtb)
            .unwrap()["propagating_vgws"],
    )
}

#[test]
fn cidr_changes_update_vpn_routes_local_gateways_and_route_tables_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let hcl = |aws: &str, azure: &str| {
        config_with(
            &emu,
            &fx,
            "static",
            2,
            &format!(
                "    route_table_ids   = [\"{}\"]\n    route_propagation = false",
                fx.rtb
            ),
            "",
            &format!("  aws_cidrs   = [{aws}]\n  azure_cidrs = [{azure}]"),
        )
    };
    wd.write("main.tf", &hcl("\"10.0.0.0/16\"", "\"10.1.0.0/16\""));
    wd.apply();
    let dump = emu.dump();
    assert_eq!(vgw_routes(&dump, &fx.rtb), ["10.1.0.0/16"]);
    wd.write(
        "main.tf",
        &hcl(
            "\"10.0.0.0/17\", \"10.0.128.0/17\"",
            "\"10.1.0.0/17\", \"10.2.0.0/16\"",
        ),
    );
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_link(&dump, 2);
    let want_azure = ["10.1.0.0/17", "10.2.0.0/16"];
    for v in live(&aws_region(&dump), "vpn_connections") {
        let routes: Vec<String> = {
            let mut r: Vec<String> = v["routes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["destination_cidr_block"].as_str().unwrap().to_string())
                .collect();
            r.sort();
            r
        };
        assert_eq!(routes, want_azure, "VPN static routes follow azure_cidrs");
    }
    for l in arm_of(&dump, "localNetworkGateways") {
        assert_eq!(
            sorted(&l["properties"]["localNetworkAddressSpace"]["addressPrefixes"]),
            ["10.0.0.0/17", "10.0.128.0/17"],
            "LNG prefixes follow aws_cidrs"
        );
    }
    assert_eq!(
        vgw_routes(&dump, &fx.rtb),
        want_azure,
        "route table routes follow azure_cidrs"
    );
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    assert_plan_empty(&wd);
    wd.destroy();
    let dump = emu.dump();
    assert_nothing_left(&dump);
    assert!(vgw_routes(&dump, &fx.rtb).is_empty(), "routes left");
}

#[test]
fn route_tables_and_propagation_change_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let out = emu.fixtures(json!({
        "aws": {"vpcs": [{"cidr": "10.0.0.0/16", "route_tables": 2, "name": "app"}]},
        "azure": {
            "resource_groups": [{"name": "net-rg", "location": "westeurope"}],
            "virtual_networks": [{"resource_group": "net-rg", "name": "hub", "address_space": ["10.1.0.0/16"],
                                  "subnets": [{"name": "default", "prefix": "10.1.0.0/24"}]}],
        }
    }));
    let rtbs: Vec<String> = out["aws"]["vpcs"][0]["route_table_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert!(rtbs.len() >= 2, "{out}");
    let fx = Fixture {
        vpc: out["aws"]["vpcs"][0]["id"].as_str().unwrap().to_string(),
        rtb: rtbs[0].clone(),
    };
    let wd = Workdir::new();
    let hcl = |tables: &[&String], propagation: bool| {
        config_with(
            &emu,
            &fx,
            "static",
            1,
            &format!(
                "    route_table_ids   = [{}]\n    route_propagation = {propagation}",
                tables
                    .iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "",
            "",
        )
    };
    wd.write("main.tf", &hcl(&[&rtbs[0]], true));
    wd.apply();
    let vgw = wd.state_values("cloudlink_cross_cloud_vpn.this")["aws"]["vpn_gateway_id"]
        .as_str()
        .unwrap()
        .to_string();
    let dump = emu.dump();
    assert_eq!(propagating(&dump, &rtbs[0]), [vgw.as_str()]);
    assert!(propagating(&dump, &rtbs[1]).is_empty());
    // Add a table.
    wd.write("main.tf", &hcl(&[&rtbs[0], &rtbs[1]], true));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_eq!(propagating(&dump, &rtbs[0]), [vgw.as_str()]);
    assert_eq!(propagating(&dump, &rtbs[1]), [vgw.as_str()]);
    assert_plan_empty(&wd);
    // Remove the first one.
    wd.write("main.tf", &hcl(&[&rtbs[1]], true));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert!(
        propagating(&dump, &rtbs[0]).is_empty(),
        "propagation removed"
    );
    assert_eq!(propagating(&dump, &rtbs[1]), [vgw.as_str()]);
    assert_plan_empty(&wd);
    // Propagation off: static routes instead.
    wd.write("main.tf", &hcl(&[&rtbs[1]], false));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert!(propagating(&dump, &rtbs[1]).is_empty(), "propagation off");
    assert_eq!(vgw_routes(&dump, &rtbs[1]), ["10.1.0.0/16"]);
    assert!(vgw_routes(&dump, &rtbs[0]).is_empty());
    assert_plan_empty(&wd);
    // And on again: the static routes go.
    wd.write("main.tf", &hcl(&[&rtbs[1]], true));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_eq!(propagating(&dump, &rtbs[1]), [vgw.as_str()]);
    assert!(
        vgw_routes(&dump, &rtbs[1]).is_empty(),
        "static routes removed"
    );
    assert_link(&dump, 1);
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn sku_upgrade_in_place_downgrade_and_generation_change_replace_retired_skus_refused() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let hcl = |sku: &str| {
        config_with(
            &emu,
            &fx,
            "static",
            1,
            "",
            &format!("    sku = \"{sku}\""),
            "",
        )
    };
    // VpnGw1AZ exists only in Generation1, so this gateway is Generation1 for good.
    wd.write("main.tf", &hcl("VpnGw1AZ"));
    wd.apply();
    let gw_id = wd.state_values("cloudlink_cross_cloud_vpn.this")["azure"]["gateway_id"].clone();
    wd.write("main.tf", &hcl("VpnGw2AZ"));
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    let gws = arm_of(&dump, "virtualNetworkGateways");
    assert_eq!(gws.len(), 1);
    assert_eq!(
        gws[0]["properties"]["sku"]["name"], "VpnGw2AZ",
        "{}",
        gws[0]
    );
    assert_link(&dump, 1);
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["azure"]["gateway_id"], gw_id, "same gateway");
    assert_eq!(st["azure"]["sku"], "VpnGw2AZ");
    assert_plan_empty(&wd);
    let before = emu.mutating_calls();
    // A downgrade, and VpnGw5AZ (Generation2 only) on a Generation1 gateway: new gateway.
    for (other, why) in [
        ("VpnGw1AZ", "does not downgrade"),
        ("VpnGw5AZ", "Generation1"),
    ] {
        wd.write("main.tf", &hcl(other));
        let plan = wd.plan_exit_code();
        let out = plan.all();
        assert_eq!(plan.code, 2, "{other}:\n{out}");
        assert!(
            out.contains("forces replacement")
                && out.contains("must be replaced")
                && out.contains(why),
            "VpnGw2AZ -> {other} must replace, saying why ({why}):\n{out}"
        );
    }
    // Retired and refused SKUs fail at validate on the attribute, saying what to use.
    for (other, hint) in [
        ("VpnGw2", "VpnGw2AZ"),
        ("Standard", "2023-12-01"),
        ("Basic", "VpnGw1AZ"),
    ] {
        wd.write("main.tf", &hcl(other));
        let r = wd.tf(&["validate", "-json"]);
        assert_ne!(r.code, 0, "{other} must be refused:\n{}", r.all());
        let v: Json = serde_json::from_str(&r.stdout).unwrap();
        let diag = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["summary"] == "Gateway SKU not available")
            .unwrap_or_else(|| panic!("{other}: {v}"));
        assert!(diag["detail"].as_str().unwrap().contains(hint), "{diag}");
        // On the attribute: the snippet is the `sku = ...` line.
        assert!(
            diag["snippet"]["code"]
                .as_str()
                .unwrap_or_default()
                .contains("sku"),
            "{diag}"
        );
    }
    assert_eq!(emu.mutating_calls(), before, "plan mutates nothing");
    wd.write("main.tf", &hcl("VpnGw2AZ"));
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn a_state_from_before_the_sku_consolidation_plans_no_change_once_azure_migrated_the_gateway() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &config_with(&emu, &fx, "static", 1, "", "    sku = \"VpnGw2AZ\"", ""),
    );
    wd.apply();
    // The state an earlier cloudlink wrote for a VpnGw2 gateway, which Azure has since
    // migrated to VpnGw2AZ in place (the gateway in the emulator is VpnGw2AZ).
    let pulled = wd.tf(&["state", "pull"]).success();
    let mut st: Json = serde_json::from_str(&pulled.stdout).unwrap();
    st["serial"] = json!(st["serial"].as_i64().unwrap() + 1);
    st["resources"][0]["instances"][0]["attributes"]["azure"]["sku"] = json!("VpnGw2");
    wd.write("old.tfstate", &st.to_string());
    wd.tf(&["state", "push", "old.tfstate"]).success();
    let before = emu.mutating_calls();
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "no change, no replacement:\n{}", plan.all());
    assert_eq!(emu.mutating_calls(), before, "plan mutates nothing");
    wd.apply();
    assert_eq!(
        wd.state_values("cloudlink_cross_cloud_vpn.this")["azure"]["sku"],
        "VpnGw2AZ"
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

/// Every sub-resource of a `tunnels`-tunnel (1 or 2) link in both clouds carries `want` and
/// none of `gone`.
fn assert_tags_everywhere(dump: &Json, tunnels: usize, want: &[(&str, &str)], gone: &[&str]) {
    let aws = aws_region(dump);
    let mut objects: Vec<(String, Json)> = Vec::new();
    for k in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        for o in live(&aws, k) {
            objects.push((format!("{k} {}", o["id"]), o["tags"].clone()));
        }
    }
    for k in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        for o in arm_of(dump, k) {
            objects.push((format!("{k} {}", o["name"]), o["tags"].clone()));
        }
    }
    assert_eq!(objects.len(), 3 + 2 + 2 * tunnels, "{objects:?}");
    for (what, tags) in &objects {
        // EC2 dumps tags as a map or as [{key, value}].
        let get = |k: &str| -> Option<String> {
            match tags {
                Json::Object(m) => m.get(k).and_then(|v| v.as_str()).map(str::to_string),
                Json::Array(a) => a
                    .iter()
                    .find(|t| t["key"] == k || t["Key"] == k)
                    .and_then(|t| t.get("value").or(t.get("Value")))
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                _ => None,
            }
        };
        for (k, v) in want {
            assert_eq!(get(k).as_deref(), Some(*v), "{what}: tag {k} in {tags}");
        }
        for k in gone {
            assert_eq!(get(k), None, "{what}: tag {k} must be gone from {tags}");
        }
    }
}

#[test]
fn tags_change_reaches_every_sub_resource_in_both_clouds_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &config(
            &emu,
            &fx,
            "static",
            2,
            "  tags = { env = \"dev\", old = \"x\" }",
        ),
    );
    wd.apply();
    assert_tags_everywhere(&emu.dump(), 2, &[("env", "dev"), ("old", "x")], &[]);
    let ids = wd.state_values("cloudlink_cross_cloud_vpn.this");
    wd.write(
        "main.tf",
        &config(
            &emu,
            &fx,
            "static",
            2,
            "  tags = { env = \"prod\", team = \"net\" }",
        ),
    );
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_tags_everywhere(&dump, 2, &[("env", "prod"), ("team", "net")], &["old"]);
    assert_link(&dump, 2);
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["aws"], ids["aws"], "no AWS sub-resource replaced");
    assert_eq!(st["azure"], ids["azure"], "no Azure sub-resource replaced");
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn default_tags_merge_under_resource_tags_everywhere_and_change_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let base = config(&emu, &fx, "static", 1, "  tags = { env = \"prod\" }");
    wd.write(
        "main.tf",
        &with_default_tags(&base, "{ team = \"net\", env = \"dev\" }"),
    );
    wd.apply();
    let dump = emu.dump();
    assert_tags_everywhere(&dump, 1, &[("team", "net"), ("env", "prod")], &[]);
    // cloudlink's ownership tags stay on every object.
    for k in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        for o in live(&aws_region(&dump), k) {
            let tags = o["tags"].to_string();
            assert!(tags.contains("cloudlink:resource"), "{k}: {tags}");
        }
    }
    for k in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        for o in arm_of(&dump, k) {
            assert_eq!(o["tags"]["cloudlink-resource"], "link", "{k}: {o}");
        }
    }
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["tags"], json!({"env": "prod"}), "tags stay as written");
    assert_eq!(st["tags_all"], json!({"env": "prod", "team": "net"}));
    assert_plan_empty(&wd);

    wd.write(
        "main.tf",
        &with_default_tags(&base, "{ team = \"platform\", env = \"dev\" }"),
    );
    assert_eq!(
        wd.planned_actions("cloudlink_cross_cloud_vpn.this"),
        ["update"],
        "a default_tags change is an in-place update"
    );
    assert_plan_in_place(&wd);
    wd.apply();
    let dump = emu.dump();
    assert_tags_everywhere(&dump, 1, &[("team", "platform"), ("env", "prod")], &[]);
    assert_link(&dump, 1);
    let after = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(after["aws"], st["aws"], "no AWS sub-resource replaced");
    assert_eq!(
        after["azure"], st["azure"],
        "no Azure sub-resource replaced"
    );
    assert_eq!(
        after["tags_all"],
        json!({"env": "prod", "team": "platform"})
    );
    assert_plan_empty(&wd);

    // An import splits the cloud tags back into the written `tags` and the defaults.
    wd.tf(&["state", "rm", "cloudlink_cross_cloud_vpn.this"])
        .success();
    wd.tf(&[
        "import",
        "-no-color",
        "cloudlink_cross_cloud_vpn.this",
        "net-rg/link",
    ])
    .success();
    let imported = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(imported["tags"], json!({"env": "prod"}), "{imported}");
    assert_eq!(imported["tags_all"], after["tags_all"]);
    // (Import cannot know `route_table_ids`, so the plan after it is not empty here; see
    // import_yields_the_created_state. It must not touch the tags.)
    let plan = wd.plan_exit_code().all();
    assert!(
        !plan.contains("~ tags") && !plan.contains("tags_all"),
        "import left a tag diff:\n{plan}"
    );
    // Record the route tables again, so destroy removes their propagation.
    wd.apply();
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

// ---- Transit gateway target and IPsec policy --------------------------------------------

#[test]
fn transit_gateway_bgp_four_tunnels_peer_with_the_tgw_asn_then_destroy_leaves_nothing() {
    let emu = Emulator::start("fast", 1.0);
    // Not the VGW default 64512: the Azure side must learn this ASN from the TGW itself.
    let out = emu.fixtures(json!({
        "aws": {"transit_gateways": [{"amazon_side_asn": 64600, "name": "tgw"}]},
        "azure": {
            "resource_groups": [{"name": "net-rg", "location": "westeurope"}],
            "virtual_networks": [{"resource_group": "net-rg", "name": "hub", "address_space": ["10.1.0.0/16"],
                                  "subnets": [{"name": "default", "prefix": "10.1.0.0/24"}]}],
        }
    }));
    let tgw = out["aws"]["transit_gateways"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_cross_cloud_vpn" "this" {{
  name      = "link"
  routing   = "bgp"
  tunnels   = 4
  aws_cidrs = ["10.0.0.0/16"]
  tags      = {{ env = "tgw" }}
  aws {{
    transit_gateway_id = "{tgw}"
  }}
  azure {{
    resource_group       = "net-rg"
    location             = "westeurope"
    virtual_network_name = "hub"
    gateway_subnet_cidr  = "10.1.255.0/27"
  }}
}}
"#,
            provider = provider_block(&emu),
        ),
    );
    wd.apply();
    let dump = emu.dump();
    let aws = aws_region(&dump);
    assert!(live(&aws, "vpn_gateways").is_empty(), "no VGW with a TGW");
    let vpns = live(&aws, "vpn_connections");
    assert_eq!(vpns.len(), 2);
    let attachments: Vec<&Json> = live(&aws, "transit_gateway_attachments")
        .into_iter()
        .filter(|a| a["resource_type"] == "vpn")
        .collect();
    for v in &vpns {
        assert_eq!(v["transit_gateway_id"], tgw.as_str(), "{v}");
        let a = attachments
            .iter()
            .find(|a| a["resource_id"] == v["id"])
            .unwrap_or_else(|| panic!("no TGW attachment for {}: {attachments:?}", v["id"]));
        assert_eq!(a["transit_gateway_id"], tgw.as_str());
        assert_eq!(a["state"], "available", "{a}");
        // AWS creates the attachment untagged; it gets the tags of every other sub-resource.
        let component = v["tags"]["cloudlink:component"]
            .as_str()
            .unwrap_or_else(|| panic!("{v}"))
            .replace("vpn-connection-", "transit-gateway-attachment-");
        assert_eq!(a["tags"]["cloudlink:resource"], "link", "{a}");
        assert_eq!(a["tags"]["cloudlink:component"], component.as_str(), "{a}");
        assert_eq!(
            a["tags"]["Name"],
            format!("link-{component}").as_str(),
            "{a}"
        );
        assert_eq!(a["tags"]["env"], "tgw", "user tags too: {a}");
        for t in v["tunnels"].as_array().unwrap() {
            assert_eq!(t["status"], "UP", "{t}");
        }
    }
    let conns = arm_of(&dump, "connections");
    assert_eq!(conns.len(), 4);
    for c in &conns {
        assert_eq!(c["properties"]["connectionStatus"], "Connected", "{c}");
    }
    for l in arm_of(&dump, "localNetworkGateways") {
        assert_eq!(l["properties"]["bgpSettings"]["asn"], 64600, "{l}");
    }
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    assert_eq!(st["aws"]["vpn_gateway_id"], "");
    assert_eq!(st["aws"]["amazon_side_asn"], 64600, "{st}");
    assert_plan_empty(&wd);
    // An amazon_side_asn that is not the TGW's is refused at plan, on the attribute.
    let main = std::fs::read_to_string(wd.path().join("main.tf")).unwrap();
    wd.write(
        "main.tf",
        &main.replace(
            &format!("transit_gateway_id = \"{tgw}\""),
            &format!("transit_gateway_id = \"{tgw}\"\n    amazon_side_asn = 64512"),
        ),
    );
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.all().contains("differs from the transit gateway") && plan.all().contains("64600"),
        "{}",
        plan.all()
    );
    wd.write("main.tf", &main);
    // Break the link out of band where cloudlink does not converge it (the Azure gateway's
    // ASN): the refresh says consistent = false and an apply stops after a bounded number of
    // polls with an error naming the mismatch.
    set_gateway_asn_out_of_band(&emu, "link-vng", 65010);
    let r = wd
        .tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .success();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], false, "{}\n{st}", r.all());
    let polls_before = emu.counter("arm", "GET virtualNetworkGateways");
    let r = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.all().contains("waiting cannot fix it") && r.all().contains("ASN 65010"),
        "{}",
        r.all()
    );
    let polls = emu.counter("arm", "GET virtualNetworkGateways") - polls_before;
    assert!(polls < 20, "bounded polling: {polls} gateway reads");
    set_gateway_asn_out_of_band(&emu, "link-vng", 65515);
    wd.destroy();
    let dump = emu.dump();
    assert_nothing_left(&dump);
    let aws = aws_region(&dump);
    let left: Vec<&Json> = live(&aws, "transit_gateway_attachments")
        .into_iter()
        .filter(|a| a["resource_type"] == "vpn")
        .collect();
    assert!(left.is_empty(), "TGW VPN attachments left: {left:?}");
    let tgws = live(&aws, "transit_gateways");
    assert_eq!(tgws.len(), 1, "the fixture TGW stays");
}

#[test]
fn ipsec_policy_is_the_same_on_every_aws_tunnel_and_azure_connection() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &config(
            &emu,
            &fx,
            "bgp",
            4,
            r#"  ipsec_policy {
    ike_encryption      = "AES128"
    ike_integrity       = "SHA384"
    dh_group            = 20
    ipsec_encryption    = "GCMAES256"
    ipsec_integrity     = "GCMAES256"
    pfs_group           = 19
    sa_lifetime_seconds = 3000
  }"#,
        ),
    );
    wd.apply();
    let dump = emu.dump();
    assert_link(&dump, 4);
    for c in arm_of(&dump, "connections") {
        let p = &c["properties"]["ipsecPolicies"];
        assert_eq!(p.as_array().map(Vec::len), Some(1), "{}: {p}", c["name"]);
        let p = &p[0];
        assert_eq!(p["ikeEncryption"], "AES128", "{p}");
        assert_eq!(p["ikeIntegrity"], "SHA384", "{p}");
        assert_eq!(p["dhGroup"], "ECP384", "{p}");
        assert_eq!(p["ipsecEncryption"], "GCMAES256", "{p}");
        assert_eq!(p["ipsecIntegrity"], "GCMAES256", "{p}");
        assert_eq!(p["pfsGroup"], "ECP256", "{p}");
        assert_eq!(p["saLifeTimeSeconds"], 3000, "{p}");
    }
    // The dump leaves tunnel options out; read them from the emulator's EC2 state.
    let ec2 = emu.emu.ec2.lock().unwrap();
    let region = &ec2.regions[&(ACCOUNT.to_string(), REGION.to_string())];
    let mut tunnels = 0;
    for v in region.vpn_connections.values() {
        for t in &v.tunnels {
            tunnels += 1;
            let list = |name: &str| -> Vec<String> {
                t.lists
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let scalar = |name: &str| -> String {
                t.scalars
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let at = &t.outside_ip;
            assert_eq!(list("phase1EncryptionAlgorithmSet"), ["AES128"], "{at}");
            assert_eq!(list("phase1IntegrityAlgorithmSet"), ["SHA2-384"], "{at}");
            assert_eq!(list("phase1DHGroupNumberSet"), ["20"], "{at}");
            assert_eq!(
                list("phase2EncryptionAlgorithmSet"),
                ["AES256-GCM-16"],
                "{at}"
            );
            assert_eq!(list("phase2DHGroupNumberSet"), ["19"], "{at}");
            assert_eq!(list("ikeVersionSet"), ["ikev2"], "{at}");
            assert_eq!(scalar("phase2LifetimeSeconds"), "3000", "{at}");
        }
    }
    drop(ec2);
    assert_eq!(tunnels, 4, "two VPN connections, two tunnels each");
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

/// The log options AWS reports for every tunnel of every live VPN connection.
fn tunnel_log_options(dump: &Json) -> Vec<Json> {
    aws_live(dump, ACCOUNT, REGION, "vpn_connections")
        .iter()
        .flat_map(|v| v["tunnels"].as_array().cloned().unwrap_or_default())
        .map(|t| t["log_options"].clone())
        .collect()
}

#[test]
fn tunnel_logs_reach_both_tunnels_and_switch_off_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let wd = Workdir::new();
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vpn/link";
    let logs = format!(
        "  tunnel_logs {{\n    log_group_arn = \"{arn}\"\n    output_format = \"text\"\n  }}"
    );
    wd.write("main.tf", &config(&emu, &fx, "static", 2, &logs));
    wd.apply();
    let seen = tunnel_log_options(&emu.dump());
    assert_eq!(seen.len(), 2, "{seen:?}");
    for t in &seen {
        assert_eq!(t["log_enabled"], true, "{seen:?}");
        assert_eq!(t["log_group_arn"], arn, "{seen:?}");
        assert_eq!(t["log_output_format"], "text", "{seen:?}");
    }
    assert_plan_empty(&wd);

    wd.write("main.tf", &config(&emu, &fx, "static", 2, ""));
    assert_eq!(
        wd.planned_actions("cloudlink_cross_cloud_vpn.this"),
        ["update"],
        "switching tunnel logs off is an in-place update"
    );
    wd.apply();
    let seen = tunnel_log_options(&emu.dump());
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter().all(|t| t["log_enabled"] != true),
        "logging must be off on both tunnels: {seen:?}"
    );
    assert_plan_empty(&wd);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}
