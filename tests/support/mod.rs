//! End-to-end test harness: runs the real `terraform` binary against the provider built by
//! cargo (through `dev_overrides` in a CLI config written to a temp dir, so no `init` and no
//! network), with cloudlink-emulator serving both clouds in-process on 127.0.0.1.
//!
//! Every [`Emulator`] checks its recorded wire traffic against the official specs when it is
//! dropped (see `tests/spec/wire.rs`), so each e2e scenario is also a conformance test.
#![allow(dead_code)]

#[path = "../spec/wire.rs"]
pub mod wire;

use cloudlink_emulator::{profile::Profile, server, Emulator as Emu};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// The terraform binary: `TF_ACC_TERRAFORM_PATH`, else `terraform` on PATH, else
/// `/usr/local/bin/terraform`. Panics with how to fix it when none exists: an e2e test never
/// skips silently.
pub fn terraform_bin() -> PathBuf {
    if let Ok(p) = std::env::var("TF_ACC_TERRAFORM_PATH") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "TF_ACC_TERRAFORM_PATH={} does not exist",
            p.display()
        );
        return p;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("terraform"))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    on_path
        .or_else(|| Some(PathBuf::from("/usr/local/bin/terraform")).filter(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "terraform not found: the end-to-end tests drive the real terraform binary. \
                 Install terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) and put it on PATH, \
                 or set TF_ACC_TERRAFORM_PATH to its location."
            )
        })
}

/// Directory holding the provider binary cargo built for this test run.
pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-cloudlink"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A cloudlink-emulator running in this test process on 127.0.0.1.
pub struct Emulator {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Direct access to the emulator's state.
    pub emu: Arc<Emu>,
    /// Why this test's traffic is exempt from the spec check (`None`: it is checked).
    spec_exempt: Option<&'static str>,
}

impl Drop for Emulator {
    /// Checks every request the emulator served and every answer it gave against the
    /// official specs; a violation fails the test with the request and the rule. Not while
    /// the test is already panicking (its own failure is the news).
    fn drop(&mut self) {
        if std::thread::panicking() || self.spec_exempt.is_some() {
            return;
        }
        let label = std::thread::current()
            .name()
            .unwrap_or("unnamed test")
            .to_string();
        wire::assert_conforms(&self.emu, &label);
    }
}

impl Emulator {
    /// Starts an emulator with `profile` (`fast` or `realistic`) and `time_scale`.
    pub fn start(profile: &str, time_scale: f64) -> Self {
        Self::start_seeded(profile, time_scale, 7)
    }

    /// [`Emulator::start`] with another seed for the emulator's ids, keys and fault draws,
    /// so the reliability suite can vary (and replay) the faults that fire from one run to
    /// the next.
    pub fn start_seeded(profile: &str, time_scale: f64, seed: u64) -> Self {
        let emu = Arc::new(Emu::new(Profile::named(profile, time_scale).unwrap(), seed));
        let (tx, rx) = std::sync::mpsc::channel();
        let served = emu.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, server::router(served)).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        Emulator {
            url: format!("http://{addr}"),
            emu,
            spec_exempt: None,
        }
    }

    /// Exempts this emulator's traffic from the spec check, for a test that deliberately
    /// sends the emulator input the specs forbid from outside the provider. `reason` says why;
    /// faults injected by the emulator itself still have to match the specs, so they need
    /// no exemption.
    pub fn exempt_from_spec_check(&mut self, reason: &'static str) {
        self.spec_exempt = Some(reason);
    }

    /// Runs the spec check now on what was recorded so far (the drop runs it again on
    /// everything), for a test that wants the failure at a precise step.
    pub fn assert_wire_conforms(&self) {
        wire::assert_conforms(&self.emu, "explicit check");
    }

    /// Everything in both clouds, as `GET /_emulator/dump` returns it.
    pub fn dump(&self) -> Json {
        let now = self.emu.clock.now_ms();
        serde_json::json!({
            "ec2": self.emu.ec2.lock().unwrap().dump(now),
            "arm": self.emu.arm.lock().unwrap().dump(now),
        })
    }

    /// Creates pre-existing infrastructure (`POST /_emulator/fixtures`).
    pub fn fixtures(&self, spec: Json) -> Json {
        let mut out = serde_json::json!({});
        if let Some(aws) = spec.get("aws") {
            out["aws"] = cloudlink_emulator::ec2::fixtures(&self.emu, aws).expect("aws fixtures");
        }
        if let Some(az) = spec.get("azure") {
            out["azure"] =
                cloudlink_emulator::arm::fixtures(&self.emu, az).expect("azure fixtures");
        }
        out
    }

    /// Calls per cloud and action.
    pub fn counters(&self) -> Json {
        serde_json::json!(self.emu.observe.counters())
    }

    /// How many times `action` was called on `cloud` (`ec2` or `arm`).
    pub fn counter(&self, cloud: &str, action: &str) -> u64 {
        self.emu
            .observe
            .counters()
            .get(cloud)
            .and_then(|a| a.get(action).copied())
            .unwrap_or(0)
    }

    /// The `cloud:action`s that changed something so far (every call but Describe*, Get*,
    /// GET and token requests), for "refused at plan, nothing created" checks.
    pub fn mutating_calls(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (cloud, actions) in self.emu.observe.counters() {
            for (a, n) in actions {
                let read_only = a.starts_with("Describe")
                    || a.starts_with("GET")
                    || a.starts_with("Get")
                    || a.contains("token");
                if !read_only && n > 0 {
                    out.push(format!("{cloud}:{a}"));
                }
            }
        }
        out
    }

    /// Asserts that only reads (`Describe*`, `GetCallerIdentity`) reached the emulator so
    /// far: what a plan-time refusal must leave behind.
    pub fn assert_only_reads(&self) {
        let counters = self.counters();
        for (_, actions) in counters.as_object().unwrap() {
            for (action, _) in actions.as_object().unwrap() {
                assert!(
                    action.starts_with("Describe") || action == "GetCallerIdentity",
                    "a mutating call reached the emulator at plan time: {action} ({counters})"
                );
            }
        }
    }

    /// Adds a fault rule in the CLI form.
    pub fn inject(&self, spec: &str) {
        self.emu
            .faults
            .add(cloudlink_emulator::faults::FaultRule::parse(spec).unwrap());
    }
}

/// Terraform runs in their own process group, the provider processes of a run, SIGKILL of
/// either, and runs with a time limit (crash and reliability tests).
pub mod aws_branch;
pub mod procs;

/// A terraform working directory with a dev_overrides CLI config.
pub struct Workdir {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// What one terraform run did.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics with terraform's output unless it exited 0.
    pub fn success(self) -> Self {
        assert_eq!(
            self.code, 0,
            "terraform failed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
    /// Both streams, for searching.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Workdir {
    /// A fresh temp dir whose CLI config points terraform at the cargo-built provider.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cli = dir.path().join("terraform.rc");
        std::fs::write(
            &cli,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/cloudlink/cloudlink\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir().display()
            ),
        )
        .unwrap();
        let env = vec![
            ("TF_CLI_CONFIG_FILE".into(), cli.display().to_string()),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            (
                "TF_DATA_DIR".into(),
                dir.path().join(".terraform").display().to_string(),
            ),
        ];
        Workdir { dir, env }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf` (or any file).
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.path().join(name), content).unwrap();
    }

    /// Sets an environment variable for every later run.
    pub fn env(&mut self, k: &str, v: &str) {
        self.env.push((k.into(), v.into()));
    }

    /// Runs `terraform ARGS` here.
    pub fn tf(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(terraform_bin());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("running terraform").into()
    }

    /// `terraform apply -auto-approve`, asserting success.
    pub fn apply(&self) -> Run {
        self.tf(&["apply", "-auto-approve", "-no-color"]).success()
    }

    /// `terraform destroy -auto-approve`, asserting success.
    pub fn destroy(&self) -> Run {
        self.tf(&["destroy", "-auto-approve", "-no-color"])
            .success()
    }

    /// `terraform plan -detailed-exitcode` exit code (0 = no changes, 2 = changes).
    pub fn plan_exit_code(&self) -> Run {
        self.tf(&["plan", "-detailed-exitcode", "-no-color"])
    }

    /// `terraform show -json` of the state.
    pub fn show_json(&self) -> Json {
        let r = self.tf(&["show", "-json"]).success();
        serde_json::from_str(&r.stdout).expect("show -json output")
    }

    /// The actions (`["update"]`, `["delete", "create"]`, ...) a saved plan holds for
    /// resource `address`: `terraform plan -out`, then `terraform show -json` of that plan.
    pub fn planned_actions(&self, address: &str) -> Vec<String> {
        self.tf(&["plan", "-out=tfplan", "-no-color"]).success();
        let r = self.tf(&["show", "-json", "tfplan"]).success();
        let plan: Json = serde_json::from_str(&r.stdout).expect("show -json plan output");
        plan["resource_changes"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .and_then(|r| r["change"]["actions"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| panic!("{address} not in the plan: {plan}"))
    }

    /// The state's values of resource `address` (e.g. `cloudlink_cross_cloud_vpn.this`).
    pub fn state_values(&self, address: &str) -> Json {
        let show = self.show_json();
        show["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state: {show}"))
    }
}

/// `required_providers` block every test configuration starts with.
pub const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    cloudlink = { source = "cloudlink/cloudlink" }
  }
}
"#;

/// The provider's `aws {}` block for the emulator's default account (123456789012) in
/// us-east-1, two-space indented, as every provider block of the tests writes it.
pub fn default_aws_block(emulator: &Emulator) -> String {
    format!(
        "  aws {{\n    region     = \"us-east-1\"\n    access_key = \"AKID123456789012EXAMPLE\"\n    secret_key = \"emulator\"\n    endpoint   = \"{}\"\n  }}\n",
        emulator.url
    )
}

/// A provider block whose `peer` account is reached by assuming a role of account
/// 210987654321 from the default account's keys; `assume_role` is the lines inside the
/// peer's `assume_role {}` block (at least `role_arn`).
pub fn provider_block_with_peer_role(emulator: &Emulator, assume_role: &str) -> String {
    format!(
        r#"
provider "cloudlink" {{
  poll_interval = "100ms"
{aws}  aws_account "peer" {{
    region     = "us-west-2"
    access_key = "AKID123456789012EXAMPLE"
    secret_key = "emulator"
    endpoint   = "{url}"
    assume_role {{
{assume_role}
    }}
  }}
}}
"#,
        url = emulator.url,
        aws = default_aws_block(emulator)
    )
}

/// A provider block pointing both clouds at `emulator`.
pub fn provider_block(emulator: &Emulator) -> String {
    format!(
        r#"
provider "cloudlink" {{
  poll_interval = "100ms"
{aws}  aws_account "peer" {{
    region     = "us-west-2"
    access_key = "AKID210987654321EXAMPLE"
    secret_key = "emulator"
    endpoint   = "{url}"
  }}
  azure {{
    subscription_id = "00000000-0000-0000-0000-000000000000"
    tenant_id       = "11111111-1111-1111-1111-111111111111"
    client_id       = "22222222-2222-2222-2222-222222222222"
    client_secret   = "emulator-secret"
    endpoint        = "{url}"
  }}
}}
"#,
        url = emulator.url,
        aws = default_aws_block(emulator)
    )
}

/// `config` (built on [`provider_block`]) with a `default_tags { tags = TAGS }` block in the
/// provider block; `tags_hcl` is an HCL map such as `{ team = "net" }`.
pub fn with_default_tags(config: &str, tags_hcl: &str) -> String {
    let anchor = "  poll_interval = \"100ms\"\n";
    assert!(config.contains(anchor), "not a provider_block config");
    config.replacen(
        anchor,
        &format!("{anchor}  default_tags {{\n    tags = {tags_hcl}\n  }}\n"),
        1,
    )
}

impl Workdir {
    /// `terraform ARGS` here as an unstarted [`Command`] with the same environment as
    /// [`Workdir::tf`], for tests that must signal or time the running process.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(terraform_bin());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// ARM resources of one type in a dump (`kind` is the last type segment, e.g.
/// `virtualNetworkGateways`).
pub fn arm_of<'a>(dump: &'a Json, kind: &str) -> Vec<&'a Json> {
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

/// EC2 objects of one kind (`vpn_connections`, ...) in a dump, leaving out those in state
/// `deleted` (AWS keeps them visible for a while).
pub fn aws_live<'a>(dump: &'a Json, account: &str, region: &str, kind: &str) -> Vec<&'a Json> {
    dump["ec2"]["accounts"][account][region][kind]
        .as_array()
        .map(|a| a.iter().filter(|x| x["state"] != "deleted").collect())
        .unwrap_or_default()
}

/// What a VPN test links: a VPC (10.0.0.0/16) with one route table, and a resource group
/// in westeurope with a VNet (10.1.0.0/16) holding one subnet but no GatewaySubnet.
pub struct VpnFixture {
    /// `vpc-...`.
    pub vpc: String,
    /// The VPC's route table.
    pub rtb: String,
}

/// Creates the [`VpnFixture`] infrastructure, the resource group and VNet named `rg`, `vnet`.
pub fn vpn_fixture(emu: &Emulator, rg: &str, vnet: &str) -> VpnFixture {
    let out = emu.fixtures(serde_json::json!({
        "aws": {"vpcs": [{"cidr": "10.0.0.0/16", "route_tables": 1, "name": "app"}]},
        "azure": {
            "resource_groups": [{"name": rg, "location": "westeurope"}],
            "virtual_networks": [{"resource_group": rg, "name": vnet, "address_space": ["10.1.0.0/16"],
                                  "subnets": [{"name": "default", "prefix": "10.1.0.0/24"}]}],
        }
    }));
    VpnFixture {
        vpc: out["aws"]["vpcs"][0]["id"].as_str().unwrap().to_string(),
        rtb: out["aws"]["vpcs"][0]["route_table_ids"][0]
            .as_str()
            .unwrap()
            .to_string(),
    }
}

/// Pre-existing infrastructure ([`vpn_fixture`] as `net-rg`/`hub`) and the HCL of a static
/// one-tunnel `cloudlink_cross_cloud_vpn` `this` between them, named `link`.
pub fn static_link_config(emu: &Emulator) -> String {
    static_link_config_with(emu, &provider_block(emu))
}

/// [`static_link_config`] with another provider block (e.g. one whose `azure {}` holds no
/// credential, so the `ARM_*` variables decide).
pub fn static_link_config_with(emu: &Emulator, provider: &str) -> String {
    let VpnFixture { vpc, rtb } = vpn_fixture(emu, "net-rg", "hub");
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_cross_cloud_vpn" "this" {{
  name    = "link"
  routing = "static"
  tunnels = 1
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
}}
"#,
    )
}

/// The default account and region of the emulator's EC2 (what [`provider_block`] uses).
pub const ACCOUNT: &str = "123456789012";
/// See [`ACCOUNT`].
pub const REGION: &str = "us-east-1";

/// What a destroyed `cloudlink_cross_cloud_vpn` must not leave in the default account and
/// region or in ARM (fixtures aside): customer gateways, virtual private gateways, VPN
/// connections, route propagation, public IPs, virtual network gateways, local network
/// gateways, connections, a GatewaySubnet. Panics naming what is left.
pub fn assert_nothing_left(dump: &Json) {
    for k in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        let left = aws_live(dump, ACCOUNT, REGION, k);
        assert!(left.is_empty(), "{k} left: {left:?}");
    }
    for k in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        let left = arm_of(dump, k);
        assert!(left.is_empty(), "{k} left: {left:?}");
    }
    let subnets = arm_of(dump, "subnets");
    assert!(
        subnets.iter().all(|s| s["name"] != "GatewaySubnet"),
        "GatewaySubnet left"
    );
    let tables = dump["ec2"]["accounts"][ACCOUNT][REGION]["route_tables"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        tables.iter().all(|t| t["propagating_vgws"]
            .as_array()
            .is_none_or(|a| a.is_empty())),
        "route propagation left: {tables:?}"
    );
}

/// Starts `terraform apply` in its own process group (so a test can kill the whole group
/// like a crash would), output to `crash.out` / `crash.err` in the workdir.
pub fn spawn_apply(wd: &Workdir) -> std::process::Child {
    procs::spawn_logged(wd, &["apply", "-auto-approve", "-no-color"], "crash")
}

/// What the apply started by [`spawn_apply`] printed, for failure messages.
pub fn crash_output(wd: &Workdir) -> String {
    procs::logged_output(wd, "crash")
}

/// Polls `ready` every 50 ms until it holds, failing if the spawned apply ends first or
/// after `limit`.
pub fn wait_for(
    wd: &Workdir,
    apply: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
    ready: impl Fn() -> bool,
) {
    let t0 = std::time::Instant::now();
    while !ready() {
        assert!(
            apply.try_wait().unwrap().is_none(),
            "terraform apply ended before {what}:\n{}",
            crash_output(wd)
        );
        assert!(t0.elapsed() < limit, "no {what} within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Runs `f` to completion on a fresh current-thread runtime (tests are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A plain EC2 client (the test's own, not the provider's) for out-of-band changes.
pub fn ec2(
    url: &str,
    region: &str,
    creds: aws_sdk_ec2::config::Credentials,
) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new(region.to_string()))
            .endpoint_url(url)
            .credentials_provider(creds)
            .build(),
    )
}

/// [`ec2`] against `emu` as `account` (the emulator maps `AKID<account>EXAMPLE` keys to it).
pub fn emu_ec2(emu: &Emulator, account: &str, region: &str) -> aws_sdk_ec2::Client {
    ec2(
        &emu.url,
        region,
        aws_sdk_ec2::config::Credentials::new(
            format!("AKID{account}EXAMPLE"),
            "emulator",
            None,
            None,
            "test",
        ),
    )
}

/// Where in the configuration terraform placed a diagnostic: the file, the start and end of
/// the highlighted source, and that source itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRange {
    /// File name relative to the working directory (`main.tf`).
    pub filename: String,
    /// 1-based line of the first highlighted character.
    pub start_line: u64,
    /// 1-based column of the first highlighted character.
    pub start_column: u64,
    /// 1-based line just past the highlight.
    pub end_line: u64,
    /// 1-based column just past the highlight.
    pub end_column: u64,
    /// The whole source line(s) of the snippet (`snippet.code`).
    pub code: String,
    /// The highlighted part of `code`: the expression terraform resolved the diagnostic's
    /// attribute path to.
    pub highlight: String,
}

/// One diagnostic of terraform's machine-readable UI (`terraform plan -json`).
#[derive(Debug, Clone)]
pub struct PlanDiagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// The summary line.
    pub summary: String,
    /// The detail.
    pub detail: String,
    /// The resource address (`cloudlink_cross_cloud_vpn.this`), when terraform gives one.
    pub address: Option<String>,
    /// The source range terraform resolved the attribute path to, when it gives one.
    pub range: Option<SourceRange>,
}

impl PlanDiagnostic {
    fn from_json(d: &Json) -> Self {
        let s = |v: &Json| v.as_str().unwrap_or_default().to_string();
        let n = |v: &Json| v.as_u64().unwrap_or_default();
        let range = d.get("range").map(|r| {
            let snippet = &d["snippet"];
            let code = s(&snippet["code"]);
            let (from, to) = (
                n(&snippet["highlight_start_offset"]) as usize,
                n(&snippet["highlight_end_offset"]) as usize,
            );
            SourceRange {
                filename: s(&r["filename"]),
                start_line: n(&r["start"]["line"]),
                start_column: n(&r["start"]["column"]),
                end_line: n(&r["end"]["line"]),
                end_column: n(&r["end"]["column"]),
                highlight: code.get(from..to).unwrap_or_default().to_string(),
                code,
            }
        });
        PlanDiagnostic {
            severity: s(&d["severity"]),
            summary: s(&d["summary"]),
            detail: s(&d["detail"]),
            address: d.get("address").and_then(Json::as_str).map(str::to_string),
            range,
        }
    }
}

impl Workdir {
    /// `terraform plan -json`: the run (for its exit code and raw output) and every
    /// diagnostic of its machine-readable UI stream, in order.
    pub fn plan_json_diagnostics(&self) -> (Run, Vec<PlanDiagnostic>) {
        let run = self.tf(&["plan", "-json"]);
        let diags = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Json>(l).ok())
            .filter(|m| m["type"] == "diagnostic")
            .map(|m| PlanDiagnostic::from_json(&m["diagnostic"]))
            .collect();
        (run, diags)
    }
}

/// The one error diagnostic called `summary` among `diags`, panicking with all of them when
/// there is none or more than one.
pub fn the_error<'a>(diags: &'a [PlanDiagnostic], summary: &str) -> &'a PlanDiagnostic {
    let found: Vec<&PlanDiagnostic> = diags
        .iter()
        .filter(|d| d.severity == "error" && d.summary == summary)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one error {summary:?} expected in {diags:#?}"
    );
    found[0]
}

/// The 1-based number of the first line of `config` whose trimmed text starts with `line`,
/// looking only after the first line that contains `after` (e.g. `accepter {`).
pub fn line_number(config: &str, after: &str, line: &str) -> u64 {
    let lines: Vec<&str> = config.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.contains(after))
        .unwrap_or_else(|| panic!("no line containing {after:?} in:\n{config}"));
    let at = lines[from..]
        .iter()
        .position(|l| l.trim_start().starts_with(line))
        .unwrap_or_else(|| panic!("no line {line:?} after {after:?} in:\n{config}"));
    (from + at + 1) as u64
}

/// Asserts that `diags` holds exactly one error `summary`, on resource `address`, that
/// terraform placed on the expression `highlight` of line `line` of `main.tf` (whose text
/// is `config`'s line): the attribute path the provider reported, resolved by terraform.
pub fn assert_error_at(
    diags: &[PlanDiagnostic],
    summary: &str,
    address: &str,
    config: &str,
    line: u64,
    highlight: &str,
) {
    let d = the_error(diags, summary);
    assert_eq!(d.address.as_deref(), Some(address), "{d:#?}");
    let r = d
        .range
        .as_ref()
        .unwrap_or_else(|| panic!("{summary:?} has no source range: {d:#?}"));
    let text = config.lines().nth(line as usize - 1).unwrap_or_default();
    let column = text
        .find(highlight)
        .unwrap_or_else(|| panic!("{highlight:?} is not on line {line}: {text:?}"))
        + 1;
    assert_eq!(
        (
            r.filename.as_str(),
            r.code.as_str(),
            r.highlight.as_str(),
            r.start_line,
            r.start_column
        ),
        ("main.tf", text, highlight, line, column as u64),
        "{summary:?} is not on {highlight:?} at main.tf:{line}: {d:#?}"
    );
}

/// Asserts that no message of a `terraform ... -json` stream holds `secret` outside the
/// source terraform quotes (`diagnostic.snippet`), so the provider's own words never carry
/// it.
pub fn assert_secret_only_in_quoted_source(json_stream: &str, secret: &str) {
    for line in json_stream.lines() {
        let Ok(mut m) = serde_json::from_str::<Json>(line) else {
            assert!(!line.contains(secret), "a secret outside JSON: {line}");
            continue;
        };
        if let Some(d) = m.get_mut("diagnostic").and_then(Json::as_object_mut) {
            d.remove("snippet");
        }
        assert!(
            !m.to_string().contains(secret),
            "a secret reached terraform's output outside the quoted source: {line}"
        );
    }
}
