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
//! - the AWS branch (customer gateways, VGW and attachment, VPN connections, routes): how long
//!   it took from its first create to the provider seeing its last operation finish, against
//!   its own critical path (`support::aws_branch`); the same for a `cloudlink_site_vpn`
//!   create, where no Azure gateway hides the branch.
//!
//! Medians over the runs (`BENCH_APPLY_RUNS`, default 5) and their ratios go to
//! `target/bench/apply.md`, which scripts/bench.sh puts into BENCHMARKS.md. Not part of
//! `make test`: the machines are shared and noisy, so timing targets live here, not in tests.

mod support;

use std::time::Instant;
use support::aws_branch::AwsBranch;
use support::{provider_block, vpn_fixture, Emulator, Workdir, REQUIRED_PROVIDERS};

const TIME_SCALE: f64 = 0.01;

fn runs() -> usize {
    std::env::var("BENCH_APPLY_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

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

/// One 4-tunnel create: wall, critical path and sum (s), and the AWS branch's span / its
/// critical path.
fn one_run() -> (f64, f64, f64, f64) {
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
    let branch = AwsBranch::of(&emu);
    wd.destroy();
    (
        wall,
        critical as f64 / 1000.0,
        sum as f64 / 1000.0,
        branch.span_ms() as f64 / branch.critical_path_ms() as f64,
    )
}

/// One static `cloudlink_site_vpn` create: the AWS branch's span / its critical path.
fn one_site_run() -> f64 {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let fx = vpn_fixture(&emu, "net-rg", "hub");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}{provider}
resource "cloudlink_site_vpn" "bench" {{
  name    = "office"
  routing = "static"
  peer {{
    ip_address = "192.0.2.10"
    cidrs      = ["10.50.0.0/16"]
  }}
  aws {{
    vpc_id          = "{vpc}"
    route_table_ids = ["{rtb}"]
  }}
}}
"#,
            provider = provider_block(&emu),
            vpc = fx.vpc,
            rtb = fx.rtb,
        ),
    );
    wd.apply();
    let branch = AwsBranch::of(&emu);
    wd.destroy();
    branch.span_ms() as f64 / branch.critical_path_ms() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore = "a benchmark: run with `make bench`"]
fn apply_wall_time_against_critical_path() {
    let n = runs();
    let runs: Vec<_> = (0..n).map(|_| one_run()).collect();
    let site: Vec<f64> = (0..n).map(|_| one_site_run()).collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let critical = median(runs.iter().map(|r| r.1).collect());
    let sum = median(runs.iter().map(|r| r.2).collect());
    let branch = median(runs.iter().map(|r| r.3).collect());
    let site_branch = median(site.clone());
    let rows: Vec<String> = runs
        .iter()
        .zip(&site)
        .enumerate()
        .map(|(i, (r, s))| {
            format!(
                "| {} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} |",
                i + 1,
                r.0,
                r.1,
                r.2,
                r.0 / r.1,
                r.3,
                s
            )
        })
        .collect();
    let verdict = if branch <= 1.1 { "PASS" } else { "FAIL" };
    let report = format!(
        "## cloudlink_cross_cloud_vpn apply, BGP, 4 tunnels\n\n\
         cloudlink-emulator, realistic profile at time scale {TIME_SCALE} (a 40-minute Azure gateway build takes \
         {:.0} s). Critical path = Azure gateway build + slowest local network gateway + the connections one after another (Azure runs one operation at a time per gateway), from \
         the emulator's timeline. Sum = every long cloud operation back to back (a sequential tool). Wall = \
         `terraform apply` including terraform's own start-up, plan and refresh.\n\n\
         AWS branch = first AWS create to the provider's first describe after its last operation finished (or its last route call), \
         over the branch's own critical path: max(slower of VGW and customer gateways + longest VPN connection, VGW + attachment), \
         all from the emulator's timeline and recorded calls. Site VPN = the same for a static `cloudlink_site_vpn` create (one VPN connection), \
         where nothing hides the branch.\n\n\
         | run | wall (s) | critical path (s) | sum of operations (s) | wall / critical | AWS branch / its critical path | site VPN branch / its critical path |\n|---|---|---|---|---|---|---|\n{}\n\n\
         Medians over {n} runs: wall {wall:.1} s, critical path {critical:.1} s, sum {sum:.1} s; \
         wall / critical = {:.2}, wall / sum = {:.2}; AWS branch / its critical path = {branch:.2} (4-tunnel), {site_branch:.2} (site VPN).\n\n\
         - {verdict}: the AWS branch of a 4-tunnel create takes <= 1.1x its own critical path: {branch:.2}x\n",
        2400.0 * TIME_SCALE,
        rows.join("\n"),
        wall / critical,
        wall / sum,
    );
    println!("{report}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/apply.md"), report).unwrap();
}
