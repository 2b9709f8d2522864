//! `cloudlink_cross_cloud_vpn` through the real terraform binary against cloudlink-emulator:
//! the three topologies (static/1, static/2, bgp/4) apply with every tunnel up on both
//! clouds and destroy to nothing; the apply follows the critical path (realistic profile);
//! plan-time refusals reach no mutating call; a failure half way leaves a destroyable partial
//! state; out-of-band deletion is repaired; PSKs never reach terraform's output or logs;
//! import reproduces the created state.

mod support;

use serde_json::{json, Value as Json};
use std::time::Instant;
use support::{provider_block, Emulator, Workdir, REQUIRED_PROVIDERS};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

struct Fixture {
    vpc: String,
    rtb: String,
}

fn fixture(emu: &Emulator) -> Fixture {
    let out = emu.fixtures(json!({
        "aws": {"vpcs": [{"cidr": "10.0.0.0/16", "route_tables": 1, "name": "app"}]},
        "azure": {
            "resource_groups": [{"name": "net-rg", "location": "westeurope"}],
            "virtual_networks": [{"resource_group": "net-rg", "name": "hub", "address_space": ["10.1.0.0/16"],
                                  "subnets": [{"name": "default", "prefix": "10.1.0.0/24"}]}],
        }
    }));
    Fixture {
        vpc: out["aws"]["vpcs"][0]["id"].as_str().unwrap().to_string(),
        rtb: out["aws"]["vpcs"][0]["route_table_ids"][0]
            .as_str()
            .unwrap()
            .to_string(),
    }
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

fn arm_of<'a>(dump: &'a Json, kind: &str) -> Vec<&'a Json> {
    dump["arm"]["resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| {
                    r["type"]
                        .as_str()
                        .is_some_and(|t| t.ends_with(&format!("/{kind}")))
                })
                .collect()
        })
        .unwrap_or_default()
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

/// Nothing of ours is left in either cloud (fixtures aside).
fn assert_empty(dump: &Json) {
    let aws = aws_region(dump);
    for k in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        assert!(live(&aws, k).is_empty(), "{k} left: {:?}", live(&aws, k));
    }
    for k in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        assert!(arm_of(dump, k).is_empty(), "{k} left");
    }
    let subnets = arm_of(dump, "subnets");
    assert!(
        subnets.iter().all(|s| s["name"] != "GatewaySubnet"),
        "GatewaySubnet left"
    );
    let rt = aws["route_tables"].as_array().unwrap();
    assert!(
        rt.iter().all(|t| t["propagating_vgws"]
            .as_array()
            .is_none_or(|a| a.is_empty())),
        "propagation left"
    );
}

fn mutating(counters: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for (cloud, actions) in counters.as_object().unwrap() {
        for (a, n) in actions.as_object().unwrap() {
            let read_only = a.starts_with("Describe")
                || a.starts_with("GET")
                || a.starts_with("Get")
                || a.contains("token")
                || a.starts_with("POST token");
            if !read_only && n.as_u64().unwrap_or(0) > 0 {
                out.push(format!("{cloud}:{a}"));
            }
        }
    }
    out
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
    assert_empty(&emu.dump());
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
    let before = mutating(&emu.counters());
    let cases = [
        (
            "static",
            1,
            "  tunnel_psks = [\"0abcdefgh1\"]",
            "Pre-shared key starts with 0",
            "tunnel_psks[0]",
        ),
        ("static", 4, "", "Four tunnels require BGP", "tunnels"),
        (
            "bgp",
            1,
            "  tunnel_inside_cidrs = [\"169.254.10.0/30\"]",
            "Inside CIDR outside the Azure APIPA range",
            "tunnel_inside_cidrs[0]",
        ),
        (
            "static",
            1,
            "  azure_cidrs = [\"10.0.128.0/17\"]",
            "Overlapping AWS and Azure CIDRs",
            "azure_cidrs",
        ),
    ];
    for (routing, tunnels, extra, summary, attr) in cases {
        let wd = Workdir::new();
        wd.write("main.tf", &config(&emu, &fx, routing, tunnels, extra));
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
    }
    assert_eq!(
        mutating(&emu.counters()),
        before,
        "no mutating call at plan"
    );
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
    assert_empty(&emu.dump());
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
    assert_empty(&emu.dump());
}

/// DELETE through ARM with the provider library's own Azure client (out of band).
fn reqwest_delete(emu: &Emulator, url: &str) -> u16 {
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
        let net = az.network().await.unwrap();
        let path = url.trim_start_matches(&emu.url);
        net.send_raw(azure_core::Method::Delete, path, None)
            .await
            .map(|r| r.status)
            .unwrap_or(599)
    })
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
    let hcl = config(&emu, &fx, "bgp", 4, "")
        .replace(&format!("    route_table_ids = [\"{}\"]\n", fx.rtb), "");
    wd.write("main.tf", &hcl);
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
    assert_empty(&emu.dump());
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
    let critical = dur(&gw) + dur(&lng) + dur(&conn);
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
