//! Crash adoption through the real terraform binary: terraform (and with it the provider) is
//! SIGKILLed in the middle of an apply, so no StopProvider runs and no state is written for
//! what was created; the next `terraform apply` must find every sub-resource by its
//! deterministic name (Azure) or ownership tags (AWS) and adopt it, leaving exactly one of
//! each in the clouds, and `destroy` must then leave nothing.

mod support;

use serde_json::{json, Value as Json};
use std::time::{Duration, Instant};
use support::procs::crash;
use support::{
    arm_of, assert_nothing_left, aws_live, provider_block, spawn_apply, static_link_config,
    wait_for, Emulator, Workdir, ACCOUNT, REGION, REQUIRED_PROVIDERS,
};

/// Realistic latencies at this scale: the 40-minute gateway build takes 24 s, long enough to
/// kill terraform while it runs.
const TIME_SCALE: f64 = 0.01;

// ---- cloudlink_cross_cloud_vpn -----------------------------------------------------------

/// Whether the gateway PUT was accepted and its build is still running.
fn gateway_building(emu: &Emulator) -> bool {
    emu.counter("arm", "PUT virtualNetworkGateways") > 0
        && arm_of(&emu.dump(), "virtualNetworkGateways")
            .iter()
            .any(|g| g["properties"]["provisioningState"] != "Succeeded")
}

/// Whether AWS holds a VPN connection (any state but deleted).
fn vpn_connection_created(emu: &Emulator) -> bool {
    !aws_live(&emu.dump(), ACCOUNT, REGION, "vpn_connections").is_empty()
}

#[test]
fn vpn_apply_killed_during_gateway_build_is_adopted_by_the_next_apply_without_duplicates() {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    let mut apply = spawn_apply(&wd);
    wait_for(
        &wd,
        &mut apply,
        Duration::from_secs(60),
        "the gateway PUT and the AWS VPN connection",
        || gateway_building(&emu) && vpn_connection_created(&emu),
    );
    assert!(
        gateway_building(&emu),
        "the gateway build must still run at the kill"
    );
    crash(&mut apply);
    let before = emu.dump();
    println!(
        "at the kill: {} public IP(s), {} gateway(s), {} VPN connection(s)",
        arm_of(&before, "publicIPAddresses").len(),
        arm_of(&before, "virtualNetworkGateways").len(),
        aws_live(&before, ACCOUNT, REGION, "vpn_connections").len()
    );

    let t0 = Instant::now();
    wd.apply();
    println!("re-apply took {:.1} s", t0.elapsed().as_secs_f64());
    let dump = emu.dump();
    for (k, n) in [
        ("customer_gateways", 1),
        ("vpn_gateways", 1),
        ("vpn_connections", 1),
    ] {
        let live = aws_live(&dump, ACCOUNT, REGION, k);
        assert_eq!(live.len(), n, "{k}: {live:?}");
    }
    for k in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        let live = arm_of(&dump, k);
        assert_eq!(live.len(), 1, "{k}: {live:?}");
    }
    // The adopted ones are the ones the killed run created.
    for k in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        let then: Vec<&Json> = aws_live(&before, ACCOUNT, REGION, k)
            .iter()
            .map(|o| &o["id"])
            .collect();
        let now = &aws_live(&dump, ACCOUNT, REGION, k)[0]["id"];
        if !then.is_empty() {
            assert_eq!(then, vec![now], "{k} was replaced instead of adopted");
        }
    }
    let vpn = aws_live(&dump, ACCOUNT, REGION, "vpn_connections")[0];
    let up: Vec<&Json> = vpn["tunnels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "UP")
        .collect();
    assert_eq!(up.len(), 1, "exactly the wired tunnel is up: {vpn}");
    let conn = arm_of(&dump, "connections")[0];
    assert_eq!(
        conn["properties"]["connectionStatus"], "Connected",
        "{conn}"
    );
    assert_eq!(
        up[0]["psk"], conn["properties"]["sharedKey"],
        "PSKs match across clouds"
    );
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    let plan = wd.plan_exit_code();
    assert_eq!(
        plan.code,
        0,
        "plan after adoption must be empty:\n{}",
        plan.all()
    );

    wd.destroy();
    assert_nothing_left(&emu.dump());
}

/// Whether the VNet has a GatewaySubnet.
fn has_gateway_subnet(dump: &Json) -> bool {
    arm_of(dump, "subnets")
        .iter()
        .any(|s| s["name"] == "GatewaySubnet")
}

#[test]
fn vpn_apply_killed_between_the_gateway_subnet_and_the_gateway_leaves_no_orphan_subnet() {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    // The gateway PUT is held unanswered, so the kill falls after the GatewaySubnet exists
    // and before any gateway does (subnets take no tags; only the claim can tell).
    emu.inject("arm:PUT virtualNetworkGateways=slow,delay_ms=600000,count=1");
    let mut apply = spawn_apply(&wd);
    wait_for(
        &wd,
        &mut apply,
        Duration::from_secs(60),
        "the gateway PUT",
        || emu.counter("arm", "PUT virtualNetworkGateways") > 0,
    );
    crash(&mut apply);
    let before = emu.dump();
    assert!(
        has_gateway_subnet(&before),
        "the subnet was not created yet"
    );
    assert!(arm_of(&before, "virtualNetworkGateways").is_empty());

    wd.apply();
    let after = emu.dump();
    let gateway_subnets: Vec<&Json> = arm_of(&after, "subnets")
        .into_iter()
        .filter(|s| s["name"] == "GatewaySubnet")
        .collect();
    assert_eq!(gateway_subnets.len(), 1, "{gateway_subnets:?}");
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(
        st["azure"]["gateway_subnet_created"], true,
        "the re-apply did not adopt the subnet it had created: {st}"
    );

    wd.destroy();
    assert!(
        !has_gateway_subnet(&emu.dump()),
        "the GatewaySubnet the crashed run created was left behind"
    );
}

// ---- cloudlink_vpc_peering_pair ----------------------------------------------------------

fn live_peerings(dump: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    for (_, regions) in dump["ec2"]["accounts"].as_object().unwrap() {
        for (_, r) in regions.as_object().unwrap() {
            for p in r["vpc_peering_connections"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                if p["status"] != "deleted" {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[test]
fn peering_apply_killed_before_acceptance_is_adopted_by_the_next_apply() {
    let emu = Emulator::start("fast", 1.0);
    let out = emu.fixtures(json!({"aws": {"vpcs": [
        {"account": ACCOUNT, "region": REGION, "cidr": "10.10.0.0/16", "name": "requester", "route_tables": 1},
        {"account": "210987654321", "region": "us-west-2", "cidr": "10.20.0.0/16", "name": "accepter", "route_tables": 1},
    ]}}));
    let v = &out["aws"]["vpcs"];
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}{provider}
resource "cloudlink_vpc_peering_pair" "this" {{
  requester {{
    vpc_id          = "{}"
    route_table_ids = ["{}"]
  }}
  accepter {{
    vpc_id          = "{}"
    route_table_ids = ["{}"]
    account         = "peer"
  }}
  tags = {{ env = "test" }}
}}
"#,
            v[0]["id"].as_str().unwrap(),
            v[0]["route_table_ids"][0].as_str().unwrap(),
            v[1]["id"].as_str().unwrap(),
            v[1]["route_table_ids"][0].as_str().unwrap(),
            provider = provider_block(&emu),
        ),
    );
    // A window between the request and the acceptance.
    emu.inject("ec2:AcceptVpcPeeringConnection=slow,delay_ms=5000,count=1");
    let mut apply = spawn_apply(&wd);
    wait_for(
        &wd,
        &mut apply,
        Duration::from_secs(30),
        "the peering request",
        || {
            emu.counter("ec2", "CreateVpcPeeringConnection") > 0
                && !live_peerings(&emu.dump()).is_empty()
        },
    );
    crash(&mut apply);
    let before = live_peerings(&emu.dump());
    assert_eq!(before.len(), 1, "{before:?}");
    let pcx = before[0]["id"].as_str().unwrap().to_string();

    wd.apply();
    let live = live_peerings(&emu.dump());
    assert_eq!(
        live.len(),
        1,
        "exactly one peering after the re-run: {live:?}"
    );
    assert_eq!(
        live[0]["id"],
        pcx.as_str(),
        "the killed run's peering is adopted"
    );
    assert_eq!(live[0]["status"], "active", "{}", live[0]);
    assert_eq!(
        emu.counter("ec2", "CreateVpcPeeringConnection"),
        1,
        "the re-run requested no second peering"
    );
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    assert_eq!(st["id"], pcx.as_str(), "{st}");
    assert_eq!(st["status"], "active", "{st}");
    let plan = wd.plan_exit_code();
    assert_eq!(
        plan.code,
        0,
        "plan after adoption must be empty:\n{}",
        plan.all()
    );

    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}
