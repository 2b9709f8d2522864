//! `cloudlink_site_vpn` through the real terraform binary against cloudlink-emulator: a
//! static site VPN on a new virtual private gateway and a BGP one on a transit gateway apply,
//! plan empty and destroy to nothing; the tunnels stay DOWN until the simulated device is
//! configured from the state and `device_configuration`, then read UP; a new device IP plans
//! a replacement; rotating one key is in place, changes only that tunnel on AWS and the
//! device configuration follows; per-tunnel options and `tunnel_logs` change in place; import
//! by VPN connection id rebuilds the created state. Keys never reach terraform's output.

mod support;

use serde_json::{json, Value as Json};
use support::aws_branch::{assert_aws_branch_is_a_graph, AwsBranch};
use support::{
    assert_nothing_left, aws_live, block_on, emu_ec2, provider_block, vpn_fixture, Emulator,
    Workdir, ACCOUNT, REGION, REQUIRED_PROVIDERS,
};

const ADDRESS: &str = "cloudlink_site_vpn.this";
const KEY_1: &str = "Tunnel1Key.abcdefgh";
const KEY_2: &str = "Tunnel2Key_ijklmnop";
const KEY_2_ROTATED: &str = "Tunnel2Rotated_qrstuv";
const DEVICE_IP: &str = "192.0.2.10";

/// A static site VPN to the office router at `ip` on a new VGW in the fixture's VPC.
fn static_config(emu: &Emulator, vpc: &str, rtb: &str, ip: &str, psks: [&str; 2]) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_site_vpn" "this" {{
  name        = "office"
  routing     = "static"
  tunnel_psks = ["{k1}", "{k2}"]
  peer {{
    ip_address  = "{ip}"
    cidrs       = ["10.50.0.0/16"]
    device_name = "office-isr"
  }}
  aws {{
    vpc_id          = "{vpc}"
    route_table_ids = ["{rtb}"]
  }}
  device_type {{
    vendor   = "Cisco Systems, Inc."
    platform = "ISR Series Routers"
    software = "IOS 12.4+"
  }}
}}

output "device_configuration" {{
  value     = cloudlink_site_vpn.this.device_configuration
  sensitive = true
}}
"#,
        provider = provider_block(emu),
        k1 = psks[0],
        k2 = psks[1],
    )
}

/// A workdir holding [`static_config`] on a new fixture VPC, to the device at `DEVICE_IP`.
fn static_site(emu: &Emulator) -> Workdir {
    let fx = vpn_fixture(emu, "net-rg", "hub");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &static_config(emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]),
    );
    wd
}

/// Tells the emulator the device at `ip` is configured with these tunnels.
fn configure_device(emu: &Emulator, device: Json) {
    let url = format!("{}/_emulator/peer-devices", emu.url);
    let status = block_on(async {
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(device.to_string())
            .send()
            .await
            .expect("posting the peer device")
            .status()
    });
    assert!(status.is_success(), "peer device refused: {status}");
}

/// `(AWS outside IP, key)` of every `pre-shared-key address IP key KEY` line of a Cisco IOS
/// (IKEv1) device configuration.
fn cisco_keyring(config: &str) -> Vec<(String, String)> {
    config
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pre-shared-key address ")?;
            let (ip, key) = rest.split_once(" key ")?;
            Some((ip.to_string(), key.to_string()))
        })
        .collect()
}

fn tunnels(values: &Json) -> Vec<Json> {
    values["tunnels"].as_array().cloned().unwrap_or_default()
}

fn device_configuration(wd: &Workdir) -> String {
    wd.tf(&["output", "-raw", "device_configuration"])
        .success()
        .stdout
}

fn live_vpn_tunnels(emu: &Emulator) -> Vec<Json> {
    let dump = emu.dump();
    let vpns = aws_live(&dump, ACCOUNT, REGION, "vpn_connections");
    assert_eq!(vpns.len(), 1, "{vpns:?}");
    vpns[0]["tunnels"].as_array().cloned().unwrap_or_default()
}

/// With no Azure gateway to hide it, the AWS branch is the whole create: the VPN connection
/// starts as soon as the customer gateway and the VGW exist, while the VGW attaches, and the
/// routes follow the attachment (issue 15).
#[test]
fn realistic_create_does_not_wait_for_the_vgw_attachment() {
    let emu = Emulator::start("realistic", 0.01);
    let wd = static_site(&emu);
    wd.apply();
    assert_aws_branch_is_a_graph(&AwsBranch::of(&emu), 1);
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn static_vgw_tunnels_come_up_once_the_device_is_configured_then_destroy_leaves_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]),
    );
    let applied = wd.apply();
    for key in [KEY_1, KEY_2] {
        assert!(!applied.all().contains(key), "a key reached the output");
    }
    let cgws = aws_live(&emu.dump(), ACCOUNT, REGION, "customer_gateways")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(cgws.len(), 1, "{cgws:?}");
    assert_eq!(
        cgws[0]["device_name"], "office-isr",
        "peer.device_name reaches AWS"
    );
    let v = wd.state_values(ADDRESS);
    for (attr, prefix) in [
        ("customer_gateway_id", "cgw-"),
        ("vpn_gateway_id", "vgw-"),
        ("vpn_connection_id", "vpn-"),
        ("id", "vpn-"),
    ] {
        let id = v[attr].as_str().unwrap_or_default();
        assert!(id.starts_with(prefix), "{attr} = {id:?}");
    }
    let ts = tunnels(&v);
    assert_eq!(ts.len(), 2, "{v}");
    for t in &ts {
        assert!(
            !t["outside_ip"].as_str().unwrap_or_default().is_empty(),
            "{t}"
        );
        assert_eq!(t["status"], "DOWN", "no device yet: {t}");
    }
    let config = device_configuration(&wd);
    assert!(
        config.contains(DEVICE_IP),
        "the customer gateway IP: {config}"
    );
    for t in &ts {
        assert!(config.contains(t["outside_ip"].as_str().unwrap()));
    }
    // The device is configured from the downloaded configuration itself, as a network
    // engineer would type it in: each IKEv1 keyring line names a tunnel's AWS outside IP and
    // its key.
    let keyring = cisco_keyring(&config);
    assert_eq!(keyring.len(), 2, "two keyring entries: {config}");
    let mut keys: Vec<&str> = keyring.iter().map(|(_, k)| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, {
        let mut want = vec![KEY_1, KEY_2];
        want.sort();
        want
    });
    let device_tunnels: Vec<Json> = keyring
        .iter()
        .map(|(ip, key)| json!({"outside_ip": ip, "psk": key}))
        .collect();
    configure_device(
        &emu,
        json!({"customer_gateway_ip": DEVICE_IP, "tunnels": device_tunnels}),
    );
    wd.tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .success();
    let v = wd.state_values(ADDRESS);
    for t in tunnels(&v) {
        assert_eq!(t["status"], "UP", "device configured: {t}");
    }
    assert_eq!(wd.plan_exit_code().code, 0, "second plan is empty");
    // A new device IP: AWS cannot change a customer gateway's IP, so the VPN is replaced.
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, "192.0.2.11", [KEY_1, KEY_2]),
    );
    let plan = wd.tf(&["plan", "-no-color"]).success();
    assert!(
        plan.stdout.contains("# forces replacement") && plan.stdout.contains("192.0.2.11"),
        "{}",
        plan.stdout
    );
    assert_eq!(wd.planned_actions(ADDRESS), vec!["delete", "create"]);
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]),
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn rotating_one_key_is_in_place_changes_only_that_tunnel_and_the_device_configuration() {
    let emu = Emulator::start("fast", 1.0);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]),
    );
    wd.apply();
    let before = device_configuration(&wd);
    assert!(
        before.contains(KEY_2),
        "the device's key is in its configuration"
    );
    let tunnels_before = live_vpn_tunnels(&emu);
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2_ROTATED]),
    );
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    let modifies = emu.counter("ec2", "ModifyVpnTunnelOptions");
    let applied = wd.apply();
    for key in [KEY_1, KEY_2, KEY_2_ROTATED] {
        assert!(!applied.all().contains(key), "a key reached the output");
    }
    assert_eq!(
        emu.counter("ec2", "ModifyVpnTunnelOptions") - modifies,
        1,
        "one tunnel rekeyed"
    );
    let tunnels_after = live_vpn_tunnels(&emu);
    let key_of = |ts: &[Json], cidr: &str| {
        ts.iter()
            .find(|t| t["inside_cidr"] == cidr)
            .map(|t| t["psk"].clone())
            .unwrap_or_else(|| panic!("no tunnel {cidr}: {ts:?}"))
    };
    let cidrs = wd.state_values(ADDRESS)["tunnel_inside_cidrs"].clone();
    let (c1, c2) = (cidrs[0].as_str().unwrap(), cidrs[1].as_str().unwrap());
    assert_eq!(key_of(&tunnels_before, c1), KEY_1);
    assert_eq!(key_of(&tunnels_after, c1), KEY_1, "tunnel 1 untouched");
    assert_eq!(key_of(&tunnels_before, c2), KEY_2);
    assert_eq!(key_of(&tunnels_after, c2), KEY_2_ROTATED);
    let after = device_configuration(&wd);
    assert!(
        after.contains(KEY_2_ROTATED) && !after.contains(KEY_2),
        "configuration follows the key"
    );
    assert_eq!(wd.plan_exit_code().code, 0, "plan empty after the rotation");
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

/// Phase 1 DH groups and startup action of each tunnel of the one VPN connection, in the
/// order of their inside CIDRs, as DescribeVpnConnections reports them.
fn tunnel_options_on_aws(emu: &Emulator) -> Vec<(Vec<i32>, Option<String>)> {
    let ec2 = emu_ec2(emu, ACCOUNT, REGION);
    let out = block_on(ec2.describe_vpn_connections().send()).expect("describing");
    let v = out
        .vpn_connections()
        .iter()
        .find(|v| v.state().map(|s| s.as_str()) != Some("deleted"))
        .expect("a VPN connection");
    let mut tunnels: Vec<_> = v
        .options()
        .map(|o| o.tunnel_options().to_vec())
        .unwrap_or_default();
    tunnels.sort_by_key(|t| t.tunnel_inside_cidr().unwrap_or_default().to_string());
    tunnels
        .iter()
        .map(|t| {
            (
                t.phase1_dh_group_numbers()
                    .iter()
                    .filter_map(|g| g.value())
                    .collect(),
                t.startup_action().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn bgp_on_a_transit_gateway_applies_plans_empty_and_destroys_to_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let out = emu.fixtures(json!({
        "aws": {"transit_gateways": [{"amazon_side_asn": 64600, "name": "tgw"}]},
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
resource "cloudlink_site_vpn" "this" {{
  name                = "datacenter"
  routing             = "bgp"
  tunnel_inside_cidrs = ["169.254.100.0/30", "169.254.100.4/30"]
  peer {{
    ip_address = "192.0.2.20"
    bgp_asn    = 65010
  }}
  aws {{
    transit_gateway_id = "{tgw}"
  }}
  tunnel_options {{
    ike_versions            = ["ikev2"]
    phase1_dh_group_numbers = [20]
    startup_action          = "start"
  }}
  tunnel_options {{
    ike_versions            = ["ikev2"]
    phase1_dh_group_numbers = [DH2]
  }}
}}
"#,
            provider = provider_block(&emu),
        ),
    );
    let config = std::fs::read_to_string(wd.path().join("main.tf")).unwrap();
    wd.write("main.tf", &config.replace("DH2", "21"));
    wd.apply();
    assert_eq!(
        tunnel_options_on_aws(&emu),
        vec![
            (vec![20], Some("start".to_string())),
            (vec![21], Some("add".to_string()))
        ],
        "each tunnel its own options"
    );
    let v = wd.state_values(ADDRESS);
    assert_eq!(v["vpn_gateway_id"], "", "no VGW with a transit gateway");
    assert_eq!(v["aws"]["amazon_side_asn"], 64600, "the TGW's own ASN: {v}");
    let ts = tunnels(&v);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0]["aws_bgp_address"], "169.254.100.1");
    assert_eq!(ts[0]["peer_bgp_address"], "169.254.100.2");
    assert_eq!(ts[1]["aws_bgp_address"], "169.254.100.5");
    let dump = emu.dump();
    let vpns = aws_live(&dump, ACCOUNT, REGION, "vpn_connections");
    assert_eq!(vpns.len(), 1);
    assert_eq!(vpns[0]["transit_gateway_id"], tgw.as_str());
    let keys: Vec<Json> = vpns[0]["tunnels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!({"outside_ip": t["outside_ip"], "psk": t["psk"], "inside_cidr": t["inside_cidr"]}))
        .collect();
    configure_device(
        &emu,
        json!({"customer_gateway_ip": "192.0.2.20", "tunnels": keys, "bgp_asn": 65010, "amazon_side_asn": 64600}),
    );
    wd.tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .success();
    for t in tunnels(&wd.state_values(ADDRESS)) {
        assert_eq!(t["status"], "UP", "BGP device configured: {t}");
    }
    assert_eq!(wd.plan_exit_code().code, 0, "second plan is empty");
    // The second tunnel's DH group changes in place; the first tunnel is left alone.
    wd.write("main.tf", &config.replace("DH2", "24"));
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    wd.apply();
    assert_eq!(
        tunnel_options_on_aws(&emu),
        vec![
            (vec![20], Some("start".to_string())),
            (vec![24], Some("add".to_string()))
        ]
    );
    assert_eq!(wd.plan_exit_code().code, 0, "plan empty after the change");
    wd.destroy();
    let dump = emu.dump();
    assert_nothing_left(&dump);
    let attachments: Vec<&Json> = aws_live(&dump, ACCOUNT, REGION, "transit_gateway_attachments")
        .into_iter()
        .filter(|a| a["resource_type"] == "vpn")
        .collect();
    assert!(attachments.is_empty(), "{attachments:?}");
}

#[test]
fn import_by_vpn_connection_id_rebuilds_the_created_state() {
    let emu = Emulator::start("fast", 1.0);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]),
    );
    wd.apply();
    let created = wd.state_values(ADDRESS);
    let vpn = created["vpn_connection_id"].as_str().unwrap().to_string();
    wd.tf(&["state", "rm", ADDRESS]).success();
    wd.tf(&["import", "-no-color", ADDRESS, &vpn]).success();
    let imported = wd.state_values(ADDRESS);
    for attr in [
        "id",
        "name",
        "claim_id",
        "routing",
        "customer_gateway_id",
        "vpn_gateway_id",
        "vpn_connection_id",
        "tunnel_inside_cidrs",
        "peer",
        "aws",
        "tunnels",
    ] {
        assert_eq!(imported[attr], created[attr], "{attr}");
    }
    // Keys and the device type are not discoverable: the configuration supplies them in place.
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    wd.apply();
    assert_eq!(
        wd.plan_exit_code().code,
        0,
        "plan empty after the import's apply"
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn tunnel_logs_reach_both_tunnels_and_switch_off_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vpn/office";
    let plain = static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]);
    let logs = format!(
        "  tunnel_logs {{\n    log_group_arn = \"{arn}\"\n    output_format = \"json\"\n  }}\n  device_type {{"
    );
    wd.write("main.tf", &plain.replacen("  device_type {", &logs, 1));
    wd.apply();
    let seen: Vec<Json> = live_vpn_tunnels(&emu)
        .iter()
        .map(|t| t["log_options"].clone())
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for t in &seen {
        assert_eq!(t["log_enabled"], true, "{seen:?}");
        assert_eq!(t["log_group_arn"], arn, "{seen:?}");
        assert_eq!(t["log_output_format"], "json", "{seen:?}");
    }
    assert_eq!(wd.plan_exit_code().code, 0, "second plan is empty");
    wd.write("main.tf", &plain);
    assert_eq!(
        wd.planned_actions(ADDRESS),
        vec!["update"],
        "switching tunnel logs off is an in-place update"
    );
    wd.apply();
    assert!(
        live_vpn_tunnels(&emu)
            .iter()
            .all(|t| t["log_options"]["log_enabled"] != true),
        "logging off on both tunnels"
    );
    assert_eq!(
        wd.plan_exit_code().code,
        0,
        "plan empty after switching off"
    );
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn a_device_type_the_region_does_not_list_is_refused_at_plan_naming_what_is_offered() {
    let emu = Emulator::start("fast", 1.0);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    let config = static_config(&emu, &fx.vpc, &fx.rtb, DEVICE_IP, [KEY_1, KEY_2]);
    wd.write(
        "main.tf",
        &config.replace("ISR Series Routers", "ASR Series Routers"),
    );
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let out = plan.all();
    assert!(
        out.contains("Device type not offered") && out.contains("ISR Series Routers"),
        "{out}"
    );
    assert_eq!(emu.counter("ec2", "CreateCustomerGateway"), 0);
}
