//! `make bench`: how plans and refreshes scale (issue 15). Every figure is a ratio measured
//! side by side in one run: the cloudlink configuration and the same number of builtin
//! `terraform_data` resources, planned in alternation, `BENCH_ROUNDS` times (medians), against
//! one in-process cloudlink-emulator whose counters give the cloud calls per resource:
//! - plan `-refresh=false` of N new pairs and N new 4-tunnel VPNs (`BENCH_PLAN_N`, default
//!   "1 50 200"; N = 800 adds about 7 minutes), fast emulator, and with the emulator's `slow`
//!   fault at 50 ms per call for N = 200;
//! - refresh (`terraform plan`) of 50 applied pairs and 20 applied 4-tunnel VPNs, calls per
//!   resource by action, fast and at 50 ms per call;
//! - STS calls per plan of cross-account pairs (accepter through `assume_role`), N = 10 vs 50;
//! - the plan floor (`tools/plan_floor.rs`, built by `make bench`): the same plan of N = 200
//!   pairs served by a provider that does no work, and a `terraform_data`-shaped resource of
//!   an external provider, so the report separates terraform's own cost from cloudlink's;
//! - the provider's peak RSS (VmHWM of terraform's provider child, every plan) and its
//!   plugin handshake.
//!
//! Writes its section to `target/bench/scale-PROFILE.md` (`debug` or `release`: the build of
//! the provider terraform runs, which is this test's own build); scripts/bench.sh runs it in
//! both and assembles BENCHMARKS.md.
//! The issue's must-show thresholds are printed there as pass/fail lines, never asserted:
//! the machines are shared and noisy, so timing targets live here, not in `make test`.

mod support;

use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::procs::{logged_output, providers_in_group, spawn_logged};
use support::{provider_block, Emulator, Workdir, REQUIRED_PROVIDERS};

/// Calls per cloud action (`cloud:Action`).
type Calls = BTreeMap<String, u64>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split([' ', ',']).filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn rounds() -> usize {
    env_usize("BENCH_ROUNDS", 5).max(1)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn calls(emu: &Emulator) -> Calls {
    emu.emu
        .observe
        .counters()
        .into_iter()
        .flat_map(|(cloud, actions)| {
            actions
                .into_iter()
                .map(move |(a, n)| (format!("{cloud}:{a}"), n))
        })
        .collect()
}

fn delta(after: &Calls, before: &Calls) -> Calls {
    after
        .iter()
        .map(|(k, n)| (k.clone(), n - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn total(c: &Calls) -> u64 {
    c.values().sum()
}

/// STS calls (`GetCallerIdentity`, `AssumeRole`) among `c`.
fn sts(c: &Calls) -> u64 {
    c.iter()
        .filter(|(k, _)| k.ends_with(":AssumeRole") || k.ends_with(":GetCallerIdentity"))
        .map(|(_, n)| n)
        .sum()
}

/// A benchmarked configuration: its workdir and how many resources it holds.
struct Subject {
    wd: Workdir,
    n: usize,
}

impl Subject {
    fn new(n: usize, hcl: String) -> Subject {
        let wd = Workdir::new();
        wd.write("main.tf", &hcl);
        Subject { wd, n }
    }

    /// `terraform plan ARGS`: wall seconds, the cloud calls it made and the provider's peak
    /// RSS in kB (0 for a configuration without provider).
    fn plan(&self, emu: &Emulator, args: &[&str]) -> (f64, Calls, u64) {
        let before = calls(emu);
        let mut all = vec!["plan", "-no-color", "-lock=false"];
        all.extend_from_slice(args);
        let t0 = Instant::now();
        let rss = run_watching_rss(&self.wd, &all);
        (t0.elapsed().as_secs_f64(), delta(&calls(emu), &before), rss)
    }
}

/// `n` builtin `terraform_data` resources (no provider at all: the baseline).
fn data_hcl(n: usize) -> String {
    format!(
        "resource \"terraform_data\" \"d\" {{\n  count = {n}\n  input = \"item-${{count.index}}\"\n}}\n"
    )
}

fn hcl_list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// VPC ids and their route tables created by a fixture call.
fn vpcs_of(out: &Json) -> (Vec<String>, Vec<String>) {
    let v = out["aws"]["vpcs"].as_array().unwrap();
    (
        v.iter().map(|x| x["id"].as_str().unwrap().into()).collect(),
        v.iter()
            .map(|x| x["route_table_ids"][0].as_str().unwrap().into())
            .collect(),
    )
}

/// The /24 number `j` of block `base` (a /16 index into 10.0.0.0/8).
fn cidr(base: usize, j: usize) -> String {
    format!("10.{}.{}.0/24", base + j / 256, j % 256)
}

/// `n` same-account pairs between new VPCs (fixtures created now); `accepter_extra` goes into
/// each accepter block (e.g. `account = "peer"`), `account` is where the accepter VPCs live.
fn pairs_hcl(emu: &Emulator, n: usize, base: usize, account: (&str, &str), extra: &str) -> String {
    let vpc = |acct: &str, region: &str, c: String| json!({"account": acct, "region": region, "cidr": c, "route_tables": 1});
    let req: Vec<Json> = (0..n)
        .map(|j| vpc("123456789012", "us-east-1", cidr(base, 2 * j)))
        .collect();
    let acc: Vec<Json> = (0..n)
        .map(|j| vpc(account.0, account.1, cidr(base, 2 * j + 1)))
        .collect();
    let (rv, rr) = vpcs_of(&emu.fixtures(json!({"aws": {"vpcs": req}})));
    let (av, ar) = vpcs_of(&emu.fixtures(json!({"aws": {"vpcs": acc}})));
    format!(
        r#"locals {{
  req_vpc = {}
  req_rtb = {}
  acc_vpc = {}
  acc_rtb = {}
}}
resource "cloudlink_vpc_peering_pair" "p" {{
  count = {n}
  requester {{
    vpc_id          = local.req_vpc[count.index]
    route_table_ids = [local.req_rtb[count.index]]
  }}
  accepter {{
    vpc_id          = local.acc_vpc[count.index]
    route_table_ids = [local.acc_rtb[count.index]]
    {extra}
  }}
}}
"#,
        hcl_list(&rv),
        hcl_list(&rr),
        hcl_list(&av),
        hcl_list(&ar)
    )
}

/// `n` BGP 4-tunnel cross-cloud VPNs, each between its own new VPC and VNet.
fn vpns_hcl(emu: &Emulator, n: usize, base: usize, prefix: &str) -> String {
    let vpcs: Vec<Json> = (0..n)
        .map(|j| json!({"cidr": cidr(base, 2 * j), "route_tables": 1}))
        .collect();
    let vnets: Vec<Json> = (0..n)
        .map(|j| {
            json!({"resource_group": "bench-rg", "name": format!("{prefix}-vnet-{j}"), "location": "westeurope",
                   "address_space": [cidr(base, 2 * j + 1)], "subnets": []})
        })
        .collect();
    let (v, r) = vpcs_of(&emu.fixtures(json!({"aws": {"vpcs": vpcs}})));
    emu.fixtures(json!({"azure": {
        "resource_groups": [{"name": "bench-rg", "location": "westeurope"}],
        "virtual_networks": vnets,
    }}));
    let gw: Vec<String> = (0..n)
        .map(|j| {
            format!(
                "10.{}.{}.224/27",
                base + (2 * j + 1) / 256,
                (2 * j + 1) % 256
            )
        })
        .collect();
    format!(
        r#"locals {{
  vpc = {}
  rtb = {}
  gw  = {}
}}
resource "cloudlink_cross_cloud_vpn" "v" {{
  count   = {n}
  name    = "{prefix}-${{count.index}}"
  routing = "bgp"
  tunnels = 4
  aws {{
    vpc_id          = local.vpc[count.index]
    route_table_ids = [local.rtb[count.index]]
  }}
  azure {{
    resource_group       = "bench-rg"
    location             = "westeurope"
    virtual_network_name = "{prefix}-vnet-${{count.index}}"
    gateway_subnet_cidr  = local.gw[count.index]
    sku                  = "VpnGw2AZ"
  }}
}}
"#,
        hcl_list(&v),
        hcl_list(&r),
        hcl_list(&gw)
    )
}

/// A fast emulator whose traffic is not spec-checked (thousands of exchanges per run; the
/// e2e suite checks the same calls).
fn emulator() -> Emulator {
    let mut emu = Emulator::start("fast", 1.0);
    emu.exempt_from_spec_check("a benchmark; the e2e suite checks the same calls");
    emu
}

/// 50 ms per call on every action of both clouds (the `slow` fault), or none.
fn slow(emu: &Emulator, on: bool) {
    emu.emu.faults.clear();
    if on {
        emu.inject("*:*=slow,delay_ms=50");
    }
}

/// One comparison: medians of the wall times, the median per-round ratio, calls per resource.
struct Compared {
    base_wall: f64,
    wall: f64,
    ratio: f64,
    calls_per_resource: f64,
    calls: Calls,
    /// Median peak RSS of the provider (MiB).
    rss_mib: f64,
}

/// Plans `subject` and `baseline` alternately, `rounds()` times.
fn compare(emu: &Emulator, subject: &Subject, baseline: &Subject, args: &[&str]) -> Compared {
    let (mut base, mut own, mut ratios, mut rss) = (vec![], vec![], vec![], vec![]);
    let mut last = Calls::new();
    for _ in 0..rounds() {
        let (b, _, _) = baseline.plan(emu, args);
        let (s, c, r) = subject.plan(emu, args);
        base.push(b);
        own.push(s);
        ratios.push(s / b);
        rss.push(r as f64 / 1024.0);
        last = c;
    }
    Compared {
        base_wall: median(base),
        wall: median(own),
        ratio: median(ratios),
        calls_per_resource: total(&last) as f64 / subject.n as f64,
        calls: last,
        rss_mib: median(rss),
    }
}

/// `row`, also printed at once (a full run takes minutes).
fn progress(row: String) -> String {
    eprintln!("{row}");
    row
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

/// The must-show line "no `DescribeVpcAttribute` in `what`" for the calls `c` it made.
fn no_vpc_attribute(c: &Calls, what: &str) -> String {
    let n = c.get("ec2:DescribeVpcAttribute").copied().unwrap_or(0);
    format!(
        "- {}: no DescribeVpcAttribute in {what}: {n} calls",
        pass(n == 0)
    )
}

/// Calls per resource by action, as `Action x.xx` pairs, most frequent first.
fn by_action(c: &Calls, n: usize) -> String {
    let mut v: Vec<(&String, &u64)> = c.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, m)| format!("{k} {:.2}", **m as f64 / n as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `terraform ARGS` in `wd` (panics unless it succeeds) and returns the provider's peak
/// RSS (kB): the VmHWM of terraform's provider children, polled until terraform exits.
fn run_watching_rss(wd: &Workdir, args: &[&str]) -> u64 {
    let mut child = spawn_logged(wd, args, "bench");
    let pgid = child.id();
    let mut peak = 0;
    let status = loop {
        for pid in providers_in_group(pgid) {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "terraform {args:?} failed:\n{}",
        logged_output(wd, "bench")
    );
    peak
}

/// Exec to handshake line of the provider binary, as terraform starts it (ms).
fn handshake_ms() -> f64 {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-cloudlink"))
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", pem)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    assert!(line.starts_with("1|6|tcp|"), "handshake line: {line}");
    let _ = child.kill();
    let _ = child.wait();
    ms
}

/// The plan floor binary (`cargo build --example plan_floor`), installed in a directory of
/// its own under the provider's name, for a dev_overrides CLI config.
struct Floor {
    dir: tempfile::TempDir,
}

impl Floor {
    fn install() -> Floor {
        let built = support::provider_dir().join("examples/plan_floor");
        assert!(
            built.exists(),
            "{} is missing: run `cargo build{} --example plan_floor` (make bench does)",
            built.display(),
            if profile() == "release" {
                " --release"
            } else {
                ""
            }
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(&built, dir.path().join("terraform-provider-cloudlink")).unwrap();
        Floor { dir }
    }

    /// A configuration planned with the floor provider instead of cloudlink.
    fn subject(&self, n: usize, hcl: String) -> Subject {
        let s = Subject::new(n, hcl);
        s.wd.write(
            "terraform.rc",
            &format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/cloudlink/cloudlink\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                self.dir.path().display()
            ),
        );
        s
    }
}

/// `n` resources of the floor provider shaped like `terraform_data`.
fn floor_data_hcl(n: usize) -> String {
    format!(
        "resource \"cloudlink_floor_data\" \"d\" {{\n  count = {n}\n  input = \"item-${{count.index}}\"\n}}\n"
    )
}

/// What terraform itself spends: N = 200 `terraform_data`, the same number of a
/// `terraform_data`-shaped resource of an external provider and of pairs served by the plan
/// floor (no cloud call, no check), and the pairs served by cloudlink, in alternation.
fn floor_section(out: &mut Vec<String>, checks: &mut Vec<String>) {
    let n = env_usize("BENCH_FLOOR_N", 200);
    let emu = emulator();
    let floor = Floor::install();
    let head = format!("{REQUIRED_PROVIDERS}{}", provider_block(&emu));
    let pairs = pairs_hcl(&emu, n, 0, ("123456789012", "us-east-1"), "");
    let subjects = [
        ("`terraform_data` (builtin)", Subject::new(n, data_hcl(n))),
        (
            "`cloudlink_floor_data` (external, terraform_data's shape), plan floor",
            floor.subject(n, format!("{head}{}", floor_data_hcl(n))),
        ),
        (
            "`cloudlink_vpc_peering_pair`, plan floor",
            floor.subject(n, format!("{head}{pairs}")),
        ),
        (
            "`cloudlink_vpc_peering_pair`, cloudlink",
            Subject::new(n, format!("{head}{pairs}")),
        ),
    ];
    let mut walls = vec![vec![]; subjects.len()];
    for _ in 0..rounds() {
        for (i, (_, s)) in subjects.iter().enumerate() {
            walls[i].push(s.plan(&emu, &["-refresh=false"]).0);
        }
    }
    // Per-round ratios against `base`, then their median.
    let ratio = |i: usize, base: usize| {
        median(
            walls[i]
                .iter()
                .zip(&walls[base])
                .map(|(a, b)| a / b)
                .collect(),
        )
    };
    out.push(
        "## the plan floor: terraform's own cost
"
        .into(),
    );
    out.push(format!(
        "`terraform plan -refresh=false` of {n} new resources, fast emulator, medians of {} alternating rounds. The plan floor (`tools/plan_floor.rs`) serves cloudlink's schema and validation and answers every plan with the generic plan alone (defaults, unknown computed values): no configuration, no cloud call, no check. What it costs is terraform's own work for resources of that schema (two RPCs per resource, value checks, graph, rendering, three provider start-ups), which no provider can go below.\n",
        rounds()
    ));
    out.push("| configuration | wall (s) | ratio to terraform_data | ratio to the pairs' floor |\n|---|---|---|---|".into());
    for (i, (name, _)) in subjects.iter().enumerate() {
        out.push(progress(format!(
            "| {name} | {:.2} | {:.2} | {} |",
            median(walls[i].clone()),
            ratio(i, 0),
            if i >= 2 {
                format!("{:.2}", ratio(i, 2))
            } else {
                "".into()
            }
        )));
    }
    checks.push(format!(
        "- FLOOR: the plan of {n} pairs with a provider that does no work is {:.2}x terraform_data (a terraform_data-shaped external resource {:.2}x); cloudlink's plan is {:.2}x that floor",
        ratio(2, 0),
        ratio(1, 0),
        ratio(3, 2)
    ));
    out.push(String::new());
}

/// Plan `-refresh=false` of N new pairs and VPNs against N `terraform_data`.
fn plan_section(out: &mut Vec<String>, checks: &mut Vec<String>) {
    out.push("## plan -refresh=false of new resources vs terraform_data\n".into());
    out.push(format!(
        "Fast emulator; the slow rows inject the emulator's `slow` fault (50 ms on every call). Medians of {} alternating rounds; ratio = median of the per-round ratios cloudlink / terraform_data (which starts no provider). Calls = all cloud calls of one plan / N.\n",
        rounds()
    ));
    let mut plan_calls = vec![];
    out.push("| N | resource | emulator | terraform_data (s) | cloudlink (s) | ratio | calls per resource | provider peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|".into());
    for n in env_list("BENCH_PLAN_N", &[1, 50, 200]) {
        let emu = emulator();
        let data = Subject::new(n, data_hcl(n));
        let head = format!("{REQUIRED_PROVIDERS}{}", provider_block(&emu));
        let pairs = Subject::new(
            n,
            format!(
                "{head}{}",
                pairs_hcl(&emu, n, 0, ("123456789012", "us-east-1"), "")
            ),
        );
        let vpns = Subject::new(n, format!("{head}{}", vpns_hcl(&emu, n, 64, "plan")));
        let slow_too = n == 200;
        for (name, s) in [
            ("cloudlink_vpc_peering_pair", &pairs),
            ("cloudlink_cross_cloud_vpn", &vpns),
        ] {
            for slowed in [false, true] {
                if slowed && !slow_too {
                    continue;
                }
                slow(&emu, slowed);
                let c = compare(&emu, s, &data, &["-refresh=false"]);
                let label = if slowed { "50 ms/call" } else { "fast" };
                out.push(progress(format!(
                    "| {n} | {name} | {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
                    c.base_wall, c.wall, c.ratio, c.calls_per_resource, c.rss_mib
                )));
                if n == 200 && !slowed {
                    plan_calls.push(format!("- {name}: {}", by_action(&c.calls, n)));
                    checks.push(no_vpc_attribute(
                        &c.calls,
                        &format!("a plan of 200 new {name}"),
                    ));
                }
                if n == 200 && name == "cloudlink_vpc_peering_pair" {
                    if slowed {
                        checks.push(format!("- {}: plan of 200 pairs at 50 ms per call <= 4x terraform_data: {:.2}x", pass(c.ratio <= 4.0), c.ratio));
                    } else {
                        checks.push(format!(
                            "- {}: plan of 200 pairs, cloud calls per resource <= 1: {:.2}",
                            pass(c.calls_per_resource <= 1.0),
                            c.calls_per_resource
                        ));
                        checks.push(format!(
                            "- {}: plan of 200 pairs <= 3x terraform_data: {:.2}x",
                            pass(c.ratio <= 3.0),
                            c.ratio
                        ));
                    }
                }
            }
        }
        slow(&emu, false);
    }
    if !plan_calls.is_empty() {
        out.push("\nCalls per resource by action, plan of 200 (fast emulator, one plan):\n".into());
        out.extend(plan_calls);
    }
    out.push(String::new());
}

/// Refresh (`terraform plan`) of applied pairs and VPNs, calls per resource by action.
fn refresh_section(out: &mut Vec<String>, checks: &mut Vec<String>) {
    let n_pairs = env_usize("BENCH_REFRESH_PAIRS", 50);
    let n_vpns = env_usize("BENCH_REFRESH_VPNS", 20);
    out.push("## refresh of applied resources vs terraform_data\n".into());
    out.push(format!(
        "`terraform plan` (with refresh) of {n_pairs} applied pairs and {n_vpns} applied 4-tunnel BGP VPNs, against as many applied `terraform_data`; medians of {} alternating rounds.\n",
        rounds()
    ));
    out.push("| resource | N | emulator | terraform_data (s) | cloudlink (s) | ratio | calls per resource | provider peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|".into());
    let emu = emulator();
    let head = format!("{REQUIRED_PROVIDERS}{}", provider_block(&emu));
    let pairs = Subject::new(
        n_pairs,
        format!(
            "{head}{}",
            pairs_hcl(&emu, n_pairs, 0, ("123456789012", "us-east-1"), "")
        ),
    );
    let vpns = Subject::new(
        n_vpns,
        format!("{head}{}", vpns_hcl(&emu, n_vpns, 64, "refresh")),
    );
    let mut details = vec![];
    for (name, s) in [
        ("cloudlink_vpc_peering_pair", &pairs),
        ("cloudlink_cross_cloud_vpn", &vpns),
    ] {
        s.wd.apply();
        let data = Subject::new(s.n, data_hcl(s.n));
        data.wd.apply();
        for slowed in [false, true] {
            slow(&emu, slowed);
            let c = compare(&emu, s, &data, &[]);
            let label = if slowed { "50 ms/call" } else { "fast" };
            out.push(progress(format!(
                "| {name} | {} | {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
                s.n, c.base_wall, c.wall, c.ratio, c.calls_per_resource, c.rss_mib
            )));
            if !slowed {
                details.push(format!("- {name}: {}", by_action(&c.calls, s.n)));
                checks.push(no_vpc_attribute(&c.calls, &format!("a refresh of {name}")));
                let (limit, what) = if name == "cloudlink_cross_cloud_vpn" {
                    (12.0, "composite")
                } else {
                    (3.0, "pair")
                };
                checks.push(format!(
                    "- {}: refresh of {} {name}, calls per {what} <= {limit}: {:.2}",
                    pass(c.calls_per_resource <= limit),
                    s.n,
                    c.calls_per_resource
                ));
            }
        }
        slow(&emu, false);
    }
    out.push("\nCalls per resource by action (fast emulator, one refresh):\n".into());
    out.extend(details);
    out.push(String::new());
}

/// STS calls per plan of cross-account pairs whose accepter is reached through a role.
fn sts_section(out: &mut Vec<String>, checks: &mut Vec<String>) {
    out.push("## cross-account pairs: STS calls per plan\n".into());
    out.push("Accepter in another account through `assume_role`; `terraform plan` (with refresh) of applied pairs. STS = `AssumeRole` + `GetCallerIdentity`.\n".into());
    out.push(
        "| N | STS calls per plan | per pair | all calls per pair |\n|---|---|---|---|".into(),
    );
    let mut per_plan = vec![];
    for n in env_list("BENCH_STS_N", &[10, 50]) {
        let emu = emulator();
        // The harness's provider, its peer account reached through a role of the default one.
        let peer_key = "    access_key = \"AKID210987654321EXAMPLE\"\n";
        let head = provider_block(&emu);
        assert!(head.contains(peer_key), "provider_block changed: {head}");
        let provider = head.replacen(
            peer_key,
            "    access_key = \"AKID123456789012EXAMPLE\"\n    assume_role {\n      role_arn = \"arn:aws:iam::210987654321:role/network-peering\"\n    }\n",
            1,
        );
        let s = Subject::new(
            n,
            format!(
                "{REQUIRED_PROVIDERS}{provider}{}",
                pairs_hcl(
                    &emu,
                    n,
                    0,
                    ("210987654321", "us-west-2"),
                    "account = \"peer\""
                )
            ),
        );
        s.wd.apply();
        let mut sts_calls = vec![];
        let mut all = vec![];
        for _ in 0..rounds() {
            let (_, c, _) = s.plan(&emu, &[]);
            sts_calls.push(sts(&c) as f64);
            all.push(total(&c) as f64);
        }
        let m = median(sts_calls);
        per_plan.push(m);
        out.push(progress(format!(
            "| {n} | {m:.0} | {:.2} | {:.2} |",
            m / n as f64,
            median(all) / n as f64
        )));
    }
    if let (Some(first), Some(last)) = (per_plan.first(), per_plan.last()) {
        checks.push(format!(
            "- {}: STS calls per plan of cross-account pairs independent of N: {first:.0} vs {last:.0}",
            pass(first == last)
        ));
    }
    out.push(String::new());
}

/// The build this benchmark and the provider it runs were made with.
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The provider's plugin handshake time and binary size.
fn process_section(out: &mut Vec<String>) {
    let n = rounds().max(5);
    let hs = median((0..n).map(|_| handshake_ms()).collect());
    let binary = env!("CARGO_BIN_EXE_terraform-provider-cloudlink");
    let size = std::fs::metadata(binary).map_or(0, |m| m.len());
    out.push("## provider process\n".into());
    out.push(format!(
        "- binary: {:.1} MB ({} build{}).",
        size as f64 / 1e6,
        profile(),
        if profile() == "release" {
            ", stripped"
        } else {
            ", line tables only"
        }
    ));
    out.push("- peak RSS: the VmHWM of terraform's provider child in each plan above (column \"provider peak RSS\").".into());
    out.push(format!(
        "- plugin handshake (exec to the go-plugin handshake line on stdout, as terraform starts it): {hs:.1} ms (median of {n}).\n"
    ));
}

#[test]
#[ignore = "a benchmark: run with `make bench`"]
fn plans_and_refreshes_scale() {
    let t0 = Instant::now();
    let mut out = vec![];
    let mut checks = vec![];
    floor_section(&mut out, &mut checks);
    plan_section(&mut out, &mut checks);
    refresh_section(&mut out, &mut checks);
    sts_section(&mut out, &mut checks);
    process_section(&mut out);
    let report = format!(
        "# Scaling, {p} build\n\nThe provider terraform runs here is the {p} build (`cargo test{flag} --test bench_scale`), as is the in-process emulator.\n\n## issue 15 must-show, {p} build (from this run; see also the AWS branch line above)\n\n{}\n\n{}\nThis section took {:.0} s.\n",
        checks.join("\n"),
        out.join("\n"),
        t0.elapsed().as_secs_f64(),
        p = profile(),
        flag = if profile() == "release" { " --release" } else { "" },
    );
    println!("{report}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/scale-{}.md", profile()), report).unwrap();
}
