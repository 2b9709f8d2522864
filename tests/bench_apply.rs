//! `make bench`: how close a cross-cloud VPN apply gets to its critical path. The emulator runs
//! the realistic latency profile at a time scale; each run applies the 4-tunnel BGP topology
//! through the real terraform, then reads the emulator's timeline to compute, side by side in
//! the same run:
//! - the critical path: Azure gateway build, then the slowest local network gateway, then the
//!   four connections one after another (Azure serialises the operations on one gateway, so
//!   that is what nothing can beat);
//! - the sum of every long cloud operation (what a strictly sequential tool would pay);
//! - terraform apply's wall time.
//!
//! Medians over the runs and their ratios go to BENCHMARKS.md. Not part of `make test`: the
//! machines are shared and noisy, so timing targets live here, not in tests.

mod support;

use std::time::Instant;
use support::{provider_block, Emulator, Workdir, REQUIRED_PROVIDERS};

const RUNS: usize = 3;
const TIME_SCALE: f64 = 0.01;

fn span(tl: &[serde_json::Value], action: &str) -> Vec<(u64, u64)> {
    tl.iter()
        .filter(|e| e["action"] == action)
        .map(|e| {
            (
                e["start_ms"].as_u64().unwrap(),
                e["end_ms"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn one_run() -> (f64, f64, f64) {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let ids = emu.fixtures(serde_json::json!({
        "aws": {"vpcs": [{"cidr": "10.10.0.0/16", "name": "app", "route_tables": 1}]},
        "azure": {
            "resource_groups": [{"name": "rg", "location": "westeurope"}],
            "virtual_networks": [{"resource_group": "rg", "name": "vnet", "location": "westeurope", "address_space": ["10.30.0.0/16"], "subnets": []}]
        }
    }));
    let vpc = &ids["aws"]["vpcs"][0];
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}{provider}
resource "cloudlink_cross_cloud_vpn" "bench" {{
  name    = "bench"
  routing = "bgp"
  tunnels = 4
  aws {{
    vpc_id          = "{vpc_id}"
    route_table_ids = ["{rtb}"]
  }}
  azure {{
    resource_group       = "rg"
    location             = "westeurope"
    virtual_network_name = "vnet"
    gateway_subnet_cidr  = "10.30.255.0/27"
    sku                  = "VpnGw2AZ"
  }}
}}
"#,
            provider = provider_block(&emu),
            vpc_id = vpc["id"].as_str().unwrap(),
            rtb = vpc["route_table_ids"][0].as_str().unwrap(),
        ),
    );
    let t0 = Instant::now();
    wd.apply();
    let wall = t0.elapsed().as_secs_f64();
    let tl: Vec<serde_json::Value> = emu
        .emu
        .observe
        .timeline()
        .into_iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let gw = span(&tl, "PUT virtualNetworkGateways");
    let lng_end = span(&tl, "PUT localNetworkGateways")
        .iter()
        .map(|s| s.1 - s.0)
        .max()
        .unwrap_or(0);
    // Azure runs one operation at a time per gateway: the connections add up.
    let conn_end: u64 = span(&tl, "PUT connections").iter().map(|s| s.1 - s.0).sum();
    let critical = gw.iter().map(|s| s.1 - s.0).max().unwrap_or(0) + lng_end + conn_end;
    let sum: u64 = tl
        .iter()
        .map(|e| e["end_ms"].as_u64().unwrap() - e["start_ms"].as_u64().unwrap())
        .sum();
    wd.destroy();
    (wall, critical as f64 / 1000.0, sum as f64 / 1000.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore = "a benchmark: run with `make bench`"]
fn apply_wall_time_against_critical_path() {
    let runs: Vec<_> = (0..RUNS).map(|_| one_run()).collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let critical = median(runs.iter().map(|r| r.1).collect());
    let sum = median(runs.iter().map(|r| r.2).collect());
    let rows: Vec<String> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "| {} | {:.1} | {:.1} | {:.1} | {:.2} |",
                i + 1,
                r.0,
                r.1,
                r.2,
                r.0 / r.1
            )
        })
        .collect();
    let report = format!(
        "# Benchmarks\n\n\
         Produced by `make bench` (tests/bench_apply.rs); numbers from one run on the machine that ran it.\n\n\
         ## cloudlink_cross_cloud_vpn apply, BGP, 4 tunnels\n\n\
         cloudlink-emulator, realistic profile at time scale {TIME_SCALE} (a 40-minute Azure gateway build takes \
         {:.0} s). Critical path = Azure gateway build + slowest local network gateway + the connections one after another (Azure runs one operation at a time per gateway), from \
         the emulator's timeline. Sum = every long cloud operation back to back (a sequential tool). Wall = \
         `terraform apply` including terraform's own start-up, plan and refresh.\n\n\
         | run | wall (s) | critical path (s) | sum of operations (s) | wall / critical |\n|---|---|---|---|---|\n{}\n\n\
         Medians over {RUNS} runs: wall {wall:.1} s, critical path {critical:.1} s, sum {sum:.1} s; \
         wall / critical = {:.2}, wall / sum = {:.2}.\n",
        2400.0 * TIME_SCALE,
        rows.join("\n"),
        wall / critical,
        wall / sum,
    );
    println!("{report}");
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md"),
        report,
    )
    .unwrap();
}
