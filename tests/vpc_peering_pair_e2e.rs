//! `cloudlink_vpc_peering_pair` through the real terraform binary, against cloudlink-emulator
//! and against moto: same account and region, cross-account, cross-region; plan-time refusals
//! that reach no mutating EC2 call; an accepter-side failure that leaves a destroyable
//! partial state; drift (a route or the whole peering removed out of band); import.

mod support;

use aws_sdk_ec2::config::Credentials;
use serde_json::{json, Value as Json};
use support::{
    assert_error_at, block_on, ec2, emu_ec2, line_number, provider_block, with_default_tags,
    Emulator, Workdir, REQUIRED_PROVIDERS,
};

const DEFAULT_ACCOUNT: &str = "123456789012";
const PEER_ACCOUNT: &str = "210987654321";

/// One side of a scenario: where its VPC lives and how the HCL names its credentials.
struct SideSpec {
    account: &'static str,
    region: &'static str,
    hcl_extra: &'static str,
}

struct Fixture {
    req_vpc: String,
    req_rtb: String,
    acc_vpc: String,
    acc_rtb: String,
}

const REQ_CIDRS: [&str; 2] = ["10.10.0.0/16", "10.11.0.0/16"];
const ACC_CIDRS: [&str; 2] = ["10.20.0.0/16", "10.21.0.0/16"];

fn emulator_fixture(emu: &Emulator, acc: &SideSpec, acc_cidrs: [&str; 2]) -> Fixture {
    let out = emu.fixtures(json!({"aws": {"vpcs": [
        {"account": DEFAULT_ACCOUNT, "region": "us-east-1", "cidr": REQ_CIDRS[0],
         "extra_cidrs": [REQ_CIDRS[1]], "name": "requester", "route_tables": 1},
        {"account": acc.account, "region": acc.region, "cidr": acc_cidrs[0],
         "extra_cidrs": [acc_cidrs[1]], "name": "accepter", "route_tables": 1},
    ]}}));
    let v = &out["aws"]["vpcs"];
    Fixture {
        req_vpc: v[0]["id"].as_str().unwrap().into(),
        req_rtb: v[0]["route_table_ids"][0].as_str().unwrap().into(),
        acc_vpc: v[1]["id"].as_str().unwrap().into(),
        acc_rtb: v[1]["route_table_ids"][0].as_str().unwrap().into(),
    }
}

fn pair_hcl(f: &Fixture, acc: &SideSpec, tags: &str) -> String {
    format!(
        r#"
resource "cloudlink_vpc_peering_pair" "this" {{
  requester {{
    vpc_id                          = "{}"
    route_table_ids                 = ["{}"]
    allow_remote_vpc_dns_resolution = true
  }}
  accepter {{
    vpc_id                          = "{}"
    route_table_ids                 = ["{}"]
    allow_remote_vpc_dns_resolution = true
    {}
  }}
  tags = {{ {tags} }}
}}
"#,
        f.req_vpc, f.req_rtb, f.acc_vpc, f.acc_rtb, acc.hcl_extra
    )
}

fn region_dump<'a>(dump: &'a Json, account: &str, region: &str) -> &'a Json {
    &dump["ec2"]["accounts"][account][region]
}

fn table<'a>(dump: &'a Json, account: &str, region: &str, id: &str) -> &'a Json {
    region_dump(dump, account, region)["route_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("route table {id} not in dump"))
}

fn peering_routes(t: &Json, pcx: &str) -> Vec<String> {
    let mut v: Vec<String> = t["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["vpc_peering_connection_id"] == pcx)
        .map(|r| r["destination_cidr_block"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn peerings(dump: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    for (_, regions) in dump["ec2"]["accounts"].as_object().unwrap() {
        for (_, r) in regions.as_object().unwrap() {
            out.extend(
                r["vpc_peering_connections"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    out
}

fn live_peerings(dump: &Json) -> Vec<Json> {
    peerings(dump)
        .into_iter()
        .filter(|p| p["status"] != "deleted")
        .collect()
}

/// Apply, check both sides in the emulator, plan is empty, destroy leaves nothing.
fn emulator_round_trip(acc: SideSpec) {
    let emu = Emulator::start("fast", 1.0);
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider_block(&emu),
            pair_hcl(&f, &acc, "env = \"test\"")
        ),
    );
    wd.apply();
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    let pcx = st["id"].as_str().unwrap().to_string();
    assert!(pcx.starts_with("pcx-"), "{st}");
    assert_eq!(st["status"], "active");
    assert_eq!(st["accepter"]["owner_id"], acc.account);
    assert_eq!(st["accepter"]["region"], acc.region);
    assert_eq!(st["requester"]["owner_id"], DEFAULT_ACCOUNT);
    assert_eq!(st["routes"].as_array().unwrap().len(), 4, "{st}");

    let dump = emu.dump();
    let req_t = table(&dump, DEFAULT_ACCOUNT, "us-east-1", &f.req_rtb);
    let acc_t = table(&dump, acc.account, acc.region, &f.acc_rtb);
    assert_eq!(peering_routes(req_t, &pcx), ACC_CIDRS.to_vec());
    assert_eq!(peering_routes(acc_t, &pcx), REQ_CIDRS.to_vec());
    let live = live_peerings(&dump);
    assert_eq!(live.len(), 1, "{live:?}");
    let p = &live[0];
    assert_eq!(p["status"], "active");
    assert_eq!(p["requester"]["allow_dns_resolution_from_remote_vpc"], true);
    assert_eq!(p["accepter"]["allow_dns_resolution_from_remote_vpc"], true);
    assert_eq!(p["tags"]["env"], "test", "{p}");

    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());

    wd.destroy();
    let dump = emu.dump();
    assert!(live_peerings(&dump).is_empty(), "{:?}", peerings(&dump));
    assert!(
        peering_routes(table(&dump, DEFAULT_ACCOUNT, "us-east-1", &f.req_rtb), &pcx).is_empty()
    );
    assert!(peering_routes(table(&dump, acc.account, acc.region, &f.acc_rtb), &pcx).is_empty());
}

#[test]
fn same_account_same_region_apply_plan_empty_destroy_leaves_nothing() {
    emulator_round_trip(SideSpec {
        account: DEFAULT_ACCOUNT,
        region: "us-east-1",
        hcl_extra: "",
    });
}

#[test]
fn cross_account_apply_plan_empty_destroy_leaves_nothing() {
    emulator_round_trip(SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    });
}

#[test]
fn cross_region_apply_plan_empty_destroy_leaves_nothing() {
    emulator_round_trip(SideSpec {
        account: DEFAULT_ACCOUNT,
        region: "eu-west-1",
        hcl_extra: "region = \"eu-west-1\"",
    });
}

/// The accepter account reached through an `assume_role {}` block: every argument of the
/// block reaches STS (the emulator records the session), and the peering is accepted in the
/// role's account.
#[test]
fn assume_role_block_reaches_sts_with_every_argument() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let provider = |duration: &str| {
        support::provider_block_with_peer_role(
            &emu,
            &format!(
                r#"      role_arn     = "arn:aws:iam::{PEER_ACCOUNT}:role/network-peering"
      external_id  = "cloudlink-ext-42"
      session_name = "ci-run-42"
      duration     = "{duration}"
      tags         = {{ team = "net", pipeline = "peering" }}"#
            ),
        )
    };
    let wd = Workdir::new();
    // A duration STS would refuse is an error on the attribute at validate, before any call.
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider("13h"),
            pair_hcl(&f, &acc, "")
        ),
    );
    let run = wd.tf(&["validate", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.all().contains("Invalid session duration") && run.all().contains("15m to 12h"),
        "{}",
        run.all()
    );
    assert_eq!(emu.counter("ec2", "AssumeRole"), 0);

    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider("30m"),
            pair_hcl(&f, &acc, "")
        ),
    );
    wd.apply();
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    assert_eq!(st["status"], "active");
    assert_eq!(st["accepter"]["owner_id"], PEER_ACCOUNT);
    let dump = emu.dump();
    let sessions = dump["ec2"]["role_sessions"].as_array().unwrap();
    assert!(!sessions.is_empty(), "{dump}");
    for s in sessions {
        assert_eq!(s["account"], PEER_ACCOUNT, "{s}");
        assert_eq!(s["role"], "network-peering", "{s}");
        assert_eq!(s["session"], "ci-run-42", "{s}");
        assert_eq!(s["external_id"], "cloudlink-ext-42", "{s}");
        assert_eq!(
            s["tags"],
            json!({"team": "net", "pipeline": "peering"}),
            "{s}"
        );
    }
    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}

#[test]
fn overlapping_cidrs_fail_at_plan_with_no_mutating_call() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: DEFAULT_ACCOUNT,
        region: "us-east-1",
        hcl_extra: "",
    };
    // The accepter's second block overlaps the requester's second block.
    let f = emulator_fixture(&emu, &acc, ["10.30.0.0/16", "10.11.128.0/17"]);
    let wd = Workdir::new();
    let main = format!(
        "{REQUIRED_PROVIDERS}{}{}",
        provider_block(&emu),
        pair_hcl(&f, &acc, "")
    );
    wd.write("main.tf", &main);
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let out = plan.all();
    assert!(out.contains("VPC CIDR blocks overlap"), "{out}");
    assert!(out.contains("10.11.128.0/17"), "{out}");
    assert!(
        out.contains("accepter.vpc_id") || out.contains("vpc_id"),
        "{out}"
    );
    // Terraform resolved the diagnostic's path, accepter.vpc_id, to the accepter's VPC id.
    let (json, diags) = wd.plan_json_diagnostics();
    assert_ne!(json.code, 0);
    assert_error_at(
        &diags,
        "VPC CIDR blocks overlap",
        "cloudlink_vpc_peering_pair.this",
        &main,
        line_number(&main, "accepter {", "vpc_id"),
        &format!("\"{}\"", f.acc_vpc),
    );
    emu.assert_only_reads();
    assert!(peerings(&emu.dump()).is_empty());
}

#[test]
fn self_peering_fails_at_plan_with_no_mutating_call() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: DEFAULT_ACCOUNT,
        region: "us-east-1",
        hcl_extra: "",
    };
    let mut f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    f.acc_vpc = f.req_vpc.clone();
    f.acc_rtb = f.req_rtb.clone();
    let wd = Workdir::new();
    let main = format!(
        "{REQUIRED_PROVIDERS}{}{}",
        provider_block(&emu),
        pair_hcl(&f, &acc, "")
    );
    wd.write("main.tf", &main);
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let out = plan.all();
    assert!(out.contains("A VPC cannot peer with itself"), "{out}");
    // Reported on accepter.vpc_id (the rule no_self_peering), not on the requester's line.
    let (json, diags) = wd.plan_json_diagnostics();
    assert_ne!(json.code, 0);
    assert_error_at(
        &diags,
        "A VPC cannot peer with itself",
        "cloudlink_vpc_peering_pair.this",
        &main,
        line_number(&main, "accepter {", "vpc_id"),
        &format!("\"{}\"", f.acc_vpc),
    );
    emu.assert_only_reads();
    assert!(peerings(&emu.dump()).is_empty());
}

#[test]
fn unknown_account_and_foreign_route_table_fail_at_plan() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: DEFAULT_ACCOUNT,
        region: "us-east-1",
        hcl_extra: "account = \"nope\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider_block(&emu),
            pair_hcl(&f, &acc, "")
        ),
    );
    let out = wd.tf(&["plan", "-no-color"]).all();
    assert!(out.contains("Unknown AWS account"), "{out}");

    let acc = SideSpec {
        hcl_extra: "",
        ..acc
    };
    let mut swapped = emulator_fixture(&emu, &acc, ["10.40.0.0/16", "10.41.0.0/16"]);
    std::mem::swap(&mut swapped.req_rtb, &mut swapped.acc_rtb);
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider_block(&emu),
            pair_hcl(&swapped, &acc, "")
        ),
    );
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let out = plan.all();
    assert!(out.contains("Route table belongs to another VPC"), "{out}");
    emu.assert_only_reads();
}

#[test]
fn accepter_failure_leaves_pending_peering_in_state_and_destroy_deletes_it() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider_block(&emu),
            pair_hcl(&f, &acc, "")
        ),
    );
    emu.inject(
        "ec2:AcceptVpcPeeringConnection=error,status=400,code=OperationNotPermitted,count=1",
    );
    let run = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("OperationNotPermitted"), "{}", run.all());
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    let pcx = st["id"].as_str().unwrap().to_string();
    assert_eq!(st["status"], "pending-acceptance", "{st}");
    let live = live_peerings(&emu.dump());
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], pcx.as_str());
    assert_eq!(live[0]["status"], "pending-acceptance");

    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}

#[test]
fn drift_route_removed_is_readded_and_deleted_peering_is_recreated() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{}{}",
            provider_block(&emu),
            pair_hcl(&f, &acc, "")
        ),
    );
    wd.apply();
    let pcx = wd.state_values("cloudlink_vpc_peering_pair.this")["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A route removed on the accepter side, out of band.
    let peer = emu_ec2(&emu, PEER_ACCOUNT, "us-west-2");
    block_on(
        peer.delete_route()
            .route_table_id(&f.acc_rtb)
            .destination_cidr_block(REQ_CIDRS[1])
            .send(),
    )
    .unwrap();
    assert_eq!(wd.plan_exit_code().code, 2);
    wd.apply();
    let dump = emu.dump();
    assert_eq!(
        peering_routes(table(&dump, PEER_ACCOUNT, "us-west-2", &f.acc_rtb), &pcx),
        REQ_CIDRS.to_vec()
    );
    assert_eq!(wd.plan_exit_code().code, 0);

    // The whole peering deleted out of band: the next apply creates a new one.
    let me = emu_ec2(&emu, DEFAULT_ACCOUNT, "us-east-1");
    block_on(
        me.delete_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send(),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    wd.apply();
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    let new_pcx = st["id"].as_str().unwrap().to_string();
    assert_ne!(new_pcx, pcx);
    assert_eq!(st["status"], "active");
    let dump = emu.dump();
    assert_eq!(
        peering_routes(
            table(&dump, DEFAULT_ACCOUNT, "us-east-1", &f.req_rtb),
            &new_pcx
        ),
        ACC_CIDRS.to_vec()
    );
    assert_eq!(
        peering_routes(
            table(&dump, PEER_ACCOUNT, "us-west-2", &f.acc_rtb),
            &new_pcx
        ),
        REQ_CIDRS.to_vec()
    );
    assert_eq!(wd.plan_exit_code().code, 0);
    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}

/// Applies a pair whose accepter is `acc`, forgets it, imports it by
/// `PCX:REQUESTER_RTB:ACCEPTER_RTB[:account]` and asserts the state is the created one and the
/// next plan is empty.
fn assert_import_plans_no_change(acc: SideSpec, account_name: &str) {
    let emu = Emulator::start("fast", 1.0);
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    let hcl = format!(
        "{REQUIRED_PROVIDERS}{}{}",
        provider_block(&emu),
        pair_hcl(&f, &acc, "env = \"test\"")
    );
    wd.write("main.tf", &hcl);
    wd.apply();
    let created = wd.state_values("cloudlink_vpc_peering_pair.this");
    let pcx = created["id"].as_str().unwrap().to_string();
    wd.tf(&["state", "rm", "cloudlink_vpc_peering_pair.this"])
        .success();
    let mut id = format!("{pcx}:{}:{}", f.req_rtb, f.acc_rtb);
    if !account_name.is_empty() {
        id = format!("{id}:{account_name}");
    }
    wd.tf(&[
        "import",
        "-no-color",
        "cloudlink_vpc_peering_pair.this",
        &id,
    ])
    .success();
    let imported = wd.state_values("cloudlink_vpc_peering_pair.this");
    for k in ["id", "status", "requester", "accepter", "routes", "tags"] {
        assert_eq!(imported[k], created[k], "{k} differs after import");
    }
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "{}", plan.all());
    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}

#[test]
fn import_by_pcx_with_route_tables_and_accepter_account_gives_an_empty_plan() {
    assert_import_plans_no_change(
        SideSpec {
            account: PEER_ACCOUNT,
            region: "us-west-2",
            hcl_extra: "account = \"peer\"",
        },
        "peer",
    );
}

#[test]
fn import_of_a_same_account_pair_gives_an_empty_plan() {
    assert_import_plans_no_change(
        SideSpec {
            account: DEFAULT_ACCOUNT,
            region: "us-east-1",
            hcl_extra: "",
        },
        "",
    );
}

#[test]
fn import_of_a_cross_region_pair_gives_an_empty_plan() {
    assert_import_plans_no_change(
        SideSpec {
            account: DEFAULT_ACCOUNT,
            region: "eu-west-1",
            hcl_extra: "region = \"eu-west-1\"",
        },
        "",
    );
}

// ---------------------------------------------------------------------------------------
// moto

/// moto_server on a free loopback port, killed (by its PID) when dropped.
struct Moto {
    child: std::process::Child,
    url: String,
}

impl Moto {
    fn start() -> Moto {
        let ok = std::process::Command::new("python3")
            .args(["-c", "import moto.server"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "moto is not installed: these conformance tests run the same scenarios against moto. \
             Fix: python3 -m pip install 'moto[server]>=5,<6' (or run `make test`, which installs it)."
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting moto_server");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto did not start on {url}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Moto { child, url }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const MOTO_PEER_ACCOUNT: &str = "111111111111";
const MOTO_ROLE: &str = "arn:aws:iam::111111111111:role/peering";

fn moto_creds() -> Credentials {
    Credentials::new("testing", "testing", None, None, "test")
}

/// Credentials of the peer account: STS AssumeRole against moto (moto gives the role's account).
fn moto_peer_creds(url: &str) -> Credentials {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(moto_creds())
            .build(),
    );
    let out = block_on(
        sts.assume_role()
            .role_arn(MOTO_ROLE)
            .role_session_name("test")
            .send(),
    )
    .unwrap();
    let c = out.credentials().unwrap();
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "test",
    )
}

/// A VPC with two CIDR blocks and one route table; returns (vpc, rtb).
fn moto_vpc(c: &aws_sdk_ec2::Client, cidrs: [&str; 2]) -> (String, String) {
    block_on(async {
        let vpc = c.create_vpc().cidr_block(cidrs[0]).send().await.unwrap();
        let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
        c.associate_vpc_cidr_block()
            .vpc_id(&vpc_id)
            .cidr_block(cidrs[1])
            .send()
            .await
            .unwrap();
        let rtb = c.create_route_table().vpc_id(&vpc_id).send().await.unwrap();
        let rtb_id = rtb
            .route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_string();
        (vpc_id, rtb_id)
    })
}

fn moto_peering_routes(c: &aws_sdk_ec2::Client, rtb: &str) -> Vec<(String, String)> {
    let out = block_on(c.describe_route_tables().route_table_ids(rtb).send()).unwrap();
    let mut v: Vec<(String, String)> = out.route_tables()[0]
        .routes()
        .iter()
        .filter_map(|r| {
            Some((
                r.destination_cidr_block()?.to_string(),
                r.vpc_peering_connection_id()?.to_string(),
            ))
        })
        .collect();
    v.sort();
    v
}

fn moto_round_trip(cross_account: bool) {
    let moto = Moto::start();
    let me = ec2(&moto.url, "us-east-1", moto_creds());
    let peer = if cross_account {
        ec2(&moto.url, "us-east-1", moto_peer_creds(&moto.url))
    } else {
        me.clone()
    };
    let (req_vpc, req_rtb) = moto_vpc(&me, REQ_CIDRS);
    let (acc_vpc, acc_rtb) = moto_vpc(&peer, ACC_CIDRS);
    let f = Fixture {
        req_vpc,
        req_rtb,
        acc_vpc,
        acc_rtb,
    };
    let acc = SideSpec {
        account: if cross_account {
            MOTO_PEER_ACCOUNT
        } else {
            DEFAULT_ACCOUNT
        },
        region: "us-east-1",
        hcl_extra: if cross_account {
            "account = \"peer\""
        } else {
            ""
        },
    };
    let provider = format!(
        r#"
provider "cloudlink" {{
  poll_interval = "100ms"
  aws {{
    region     = "us-east-1"
    access_key = "testing"
    secret_key = "testing"
    endpoint   = "{url}"
  }}
  aws_account "peer" {{
    region          = "us-east-1"
    access_key      = "testing"
    secret_key      = "testing"
    endpoint        = "{url}"
    assume_role_arn = "{MOTO_ROLE}"
  }}
}}
"#,
        url = moto.url
    );
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{provider}{}",
            pair_hcl(&f, &acc, "env = \"moto\"")
        ),
    );
    wd.apply();
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    let pcx = st["id"].as_str().unwrap().to_string();
    assert_eq!(st["status"], "active");
    assert_eq!(st["accepter"]["owner_id"], acc.account);
    let want = |cidrs: [&str; 2]| -> Vec<(String, String)> {
        cidrs.iter().map(|c| (c.to_string(), pcx.clone())).collect()
    };
    assert_eq!(moto_peering_routes(&me, &f.req_rtb), want(ACC_CIDRS));
    assert_eq!(moto_peering_routes(&peer, &f.acc_rtb), want(REQ_CIDRS));
    let p = block_on(
        me.describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send(),
    )
    .unwrap();
    let p = &p.vpc_peering_connections()[0];
    let dns = |i: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>| {
        i.and_then(|i| i.peering_options())
            .and_then(|o| o.allow_dns_resolution_from_remote_vpc())
    };
    assert_eq!(dns(p.requester_vpc_info()), Some(true));
    assert_eq!(dns(p.accepter_vpc_info()), Some(true));

    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());

    wd.destroy();
    assert!(moto_peering_routes(&me, &f.req_rtb).is_empty());
    assert!(moto_peering_routes(&peer, &f.acc_rtb).is_empty());
    let p = block_on(
        me.describe_vpc_peering_connections()
            .vpc_peering_connection_ids(&pcx)
            .send(),
    )
    .unwrap();
    for p in p.vpc_peering_connections() {
        if p.vpc_peering_connection_id() == Some(pcx.as_str()) {
            let code = p
                .status()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_string());
            assert_eq!(code.as_deref(), Some("deleted"));
        }
    }
}

#[test]
fn moto_same_account_apply_plan_empty_destroy_leaves_nothing() {
    moto_round_trip(false);
}

#[test]
fn moto_cross_account_apply_plan_empty_destroy_leaves_nothing() {
    moto_round_trip(true);
}

#[test]
fn in_place_updates_and_a_cidr_block_associated_later_add_routes_without_replacement() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    let hcl = format!(
        "{REQUIRED_PROVIDERS}{}{}",
        provider_block(&emu),
        pair_hcl(&f, &acc, "env = \"test\"")
    );
    wd.write("main.tf", &hcl);
    wd.apply();
    let pcx = wd.state_values("cloudlink_vpc_peering_pair.this")["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Tags, DNS and the accepter's route tables change in place.
    let changed = hcl
        .replacen(
            "allow_remote_vpc_dns_resolution = true",
            "allow_remote_vpc_dns_resolution = false",
            1,
        )
        .replace(
            &format!("route_table_ids                 = [\"{}\"]", f.acc_rtb),
            "route_table_ids = []",
        )
        .replace("env = \"test\"", "env = \"prod\"");
    wd.write("main.tf", &changed);
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply();
    let dump = emu.dump();
    let p = &live_peerings(&dump)[0];
    assert_eq!(p["id"], pcx.as_str());
    assert_eq!(
        p["requester"]["allow_dns_resolution_from_remote_vpc"],
        false
    );
    assert_eq!(p["accepter"]["allow_dns_resolution_from_remote_vpc"], true);
    assert_eq!(p["tags"]["env"], "prod");
    assert!(peering_routes(table(&dump, PEER_ACCOUNT, "us-west-2", &f.acc_rtb), &pcx).is_empty());
    assert_eq!(wd.plan_exit_code().code, 0);

    // A third CIDR block associated to the accepter VPC later: drift, then its route.
    let peer = emu_ec2(&emu, PEER_ACCOUNT, "us-west-2");
    block_on(
        peer.associate_vpc_cidr_block()
            .vpc_id(&f.acc_vpc)
            .cidr_block("10.22.0.0/16")
            .send(),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 2, "{}", plan.all());
    wd.apply();
    let dump = emu.dump();
    assert_eq!(
        peering_routes(table(&dump, DEFAULT_ACCOUNT, "us-east-1", &f.req_rtb), &pcx),
        vec!["10.20.0.0/16", "10.21.0.0/16", "10.22.0.0/16"]
    );
    assert_eq!(wd.plan_exit_code().code, 0);
    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}

/// Every account's copy of the live peering carries `want` and cloudlink's ownership tags.
fn assert_peering_tags(dump: &Json, want: &[(&str, &str)]) {
    let live = live_peerings(dump);
    assert!(!live.is_empty(), "no live peering in {dump}");
    for p in &live {
        for (k, v) in want {
            assert_eq!(p["tags"][*k], *v, "tag {k} in {p}");
        }
        assert!(p["tags"]["cloudlink:resource"].is_string(), "{p}");
        assert_eq!(p["tags"]["cloudlink:component"], "peering", "{p}");
    }
}

#[test]
fn default_tags_merge_under_resource_tags_on_both_sides_and_change_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let acc = SideSpec {
        account: PEER_ACCOUNT,
        region: "us-west-2",
        hcl_extra: "account = \"peer\"",
    };
    let f = emulator_fixture(&emu, &acc, ACC_CIDRS);
    let wd = Workdir::new();
    let base = format!(
        "{REQUIRED_PROVIDERS}{}{}",
        provider_block(&emu),
        pair_hcl(&f, &acc, "env = \"prod\"")
    );
    wd.write(
        "main.tf",
        &with_default_tags(&base, "{ team = \"net\", env = \"dev\" }"),
    );
    wd.apply();
    assert_peering_tags(&emu.dump(), &[("team", "net"), ("env", "prod")]);
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    assert_eq!(st["tags"], json!({"env": "prod"}), "tags stay as written");
    assert_eq!(st["tags_all"], json!({"env": "prod", "team": "net"}));
    assert_eq!(wd.plan_exit_code().code, 0, "second plan must be empty");

    wd.write(
        "main.tf",
        &with_default_tags(&base, "{ team = \"platform\", env = \"dev\" }"),
    );
    assert_eq!(
        wd.planned_actions("cloudlink_vpc_peering_pair.this"),
        ["update"],
        "a default_tags change is an in-place update"
    );
    wd.apply();
    assert_peering_tags(&emu.dump(), &[("team", "platform"), ("env", "prod")]);
    let after = wd.state_values("cloudlink_vpc_peering_pair.this");
    assert_eq!(after["id"], st["id"], "the peering is not replaced");
    assert_eq!(
        after["tags_all"],
        json!({"env": "prod", "team": "platform"})
    );
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
    wd.destroy();
    assert!(live_peerings(&emu.dump()).is_empty());
}
