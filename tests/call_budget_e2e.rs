//! Call budgets of plan and refresh (issue 15), counted by action from the emulator's
//! counters while the real terraform binary plans and refreshes, with the route
//! reachability check on (its default, `warn`): a plan of new pairs costs at most two cloud
//! calls per pair, a refresh of pairs at most three per pair and of four-tunnel VPNs at most
//! fifteen per VPN, a cross-account plan's STS calls do not grow with the number of pairs,
//! neither plan nor refresh asks for a VPC attribute, and the reachability reads are shared:
//! fewer `DescribeSubnets` than links, at most one VNet read and one route table read per VPN.
//! Counts, not times, so a regression fails `make test` on any machine. Coalescing is by a
//! short time window, so a loaded machine splits some batches: the budgets here keep a margin
//! over the quiet-machine counts (plan of 10 pairs: 7 calls; refresh of 3 VPNs: 36) and stay
//! far below what per-resource reads cost (61 and 108 calls before issue 15). The issue's
//! must-show figures (at N = 200 pairs and 20 VPNs) are measured by `make bench`.

mod support;

use serde_json::json;
use std::collections::BTreeMap;
use support::{provider_block, Emulator, Workdir, REQUIRED_PROVIDERS};

const DEFAULT_ACCOUNT: &str = "123456789012";
const PEER_ACCOUNT: &str = "210987654321";
/// The actions STS answers (the emulator counts them under `ec2`, on the same endpoint).
const STS_ACTIONS: [&str; 2] = ["GetCallerIdentity", "AssumeRole"];

/// Calls per `cloud/Action` so far.
fn calls(emu: &Emulator) -> BTreeMap<String, u64> {
    emu.emu
        .observe
        .counters()
        .into_iter()
        .flat_map(|(cloud, actions)| {
            actions
                .into_iter()
                .map(move |(a, n)| (format!("{cloud}/{a}"), n))
        })
        .collect()
}

/// The calls made while `f` ran, by `cloud/Action`.
fn calls_during(emu: &Emulator, f: impl FnOnce()) -> BTreeMap<String, u64> {
    let before = calls(emu);
    f();
    calls(emu)
        .into_iter()
        .map(|(k, n)| (k.clone(), n - before.get(&k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn total(c: &BTreeMap<String, u64>) -> u64 {
    c.values().sum()
}

fn sts(c: &BTreeMap<String, u64>) -> u64 {
    STS_ACTIONS
        .iter()
        .map(|a| c.get(&format!("ec2/{a}")).copied().unwrap_or(0))
        .sum()
}

/// Calls of `cloud/Action` in `c`.
fn of(c: &BTreeMap<String, u64>, action: &str) -> u64 {
    c.get(action).copied().unwrap_or(0)
}

/// Fails unless `c` has at most `budget` calls of `action`.
fn assert_at_most(what: &str, c: &BTreeMap<String, u64>, action: &str, budget: u64) {
    assert!(
        of(c, action) <= budget,
        "{what} made {} {action} calls (budget: {budget}): {c:?}",
        of(c, action)
    );
}

/// Fails unless every resource of the applied state lists at least `min` reachability
/// verdicts (so the budgets above were measured with the check reading the clouds).
fn assert_reachability_read(wd: &Workdir, min: usize) {
    let show = wd.show_json();
    let resources = show["values"]["root_module"]["resources"]
        .as_array()
        .expect("resources in state");
    assert!(!resources.is_empty());
    for r in resources {
        let verdicts = r["values"]["reachability"].as_array().map_or(0, Vec::len);
        assert!(
            verdicts >= min,
            "{} has {verdicts} reachability verdicts, expected at least {min}",
            r["address"]
        );
    }
}

fn assert_no_vpc_attribute_reads(what: &str, c: &BTreeMap<String, u64>) {
    assert!(
        !c.contains_key("ec2/DescribeVpcAttribute"),
        "{what} read VPC attributes: {c:?}"
    );
}

/// `n` pairs of VPCs with one route table each, the requester in the default
/// account and region, the accepter in `account`/`region`; returns
/// (requester vpc, requester rtb, accepter vpc, accepter rtb) per pair.
fn pair_fixtures(
    emu: &Emulator,
    n: usize,
    account: &str,
    region: &str,
) -> Vec<(String, String, String, String)> {
    let mut vpcs = Vec::new();
    for i in 0..n {
        vpcs.push(json!({"account": DEFAULT_ACCOUNT, "region": "us-east-1",
            "cidr": format!("10.{i}.0.0/16"), "name": format!("req-{i}"), "route_tables": 1,
            "subnets": [format!("10.{i}.1.0/24")]}));
        vpcs.push(json!({"account": account, "region": region,
            "cidr": format!("10.{}.0.0/16", 100 + i), "name": format!("acc-{i}"), "route_tables": 1,
            "subnets": [format!("10.{}.1.0/24", 100 + i)]}));
    }
    let out = emu.fixtures(json!({"aws": {"vpcs": vpcs}}));
    let v = out["aws"]["vpcs"].as_array().unwrap();
    let id = |x: &serde_json::Value| x["id"].as_str().unwrap().to_string();
    let rtb = |x: &serde_json::Value| x["route_table_ids"][0].as_str().unwrap().to_string();
    v.chunks(2)
        .map(|p| (id(&p[0]), rtb(&p[0]), id(&p[1]), rtb(&p[1])))
        .collect()
}

fn pairs_hcl(pairs: &[(String, String, String, String)], accepter_extra: &str) -> String {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (rv, rr, av, ar))| {
            format!(
                r#"
resource "cloudlink_vpc_peering_pair" "p{i}" {{
  requester {{
    vpc_id          = "{rv}"
    route_table_ids = ["{rr}"]
  }}
  accepter {{
    vpc_id          = "{av}"
    route_table_ids = ["{ar}"]
    {accepter_extra}
  }}
}}
"#
            )
        })
        .collect()
}

/// Ten same-account pairs, reachability on: the plan of the new pairs makes at most two
/// cloud calls per pair, the refresh of the created pairs at most three, neither reads a VPC
/// attribute, and the subnets of both sides' VPCs are read in fewer `DescribeSubnets` than
/// there are pairs (coalesced across pairs: one call per side per pair without it).
#[test]
fn pair_plan_and_refresh_stay_within_their_call_budgets() {
    const N: u64 = 10;
    let emu = Emulator::start("fast", 1.0);
    let wd = same_account_pairs(&emu, N as usize);
    let plan = calls_during(&emu, || {
        wd.tf(&["plan", "-refresh=false", "-input=false"]).success();
    });
    eprintln!("plan -refresh=false of {N} new pairs: {plan:?}");
    wd.apply();
    // One subnet per VPC, one remote prefix per side: two verdicts per pair.
    assert_reachability_read(&wd, 2);
    let refresh = calls_during(&emu, || {
        wd.tf(&["plan", "-refresh-only", "-input=false"]).success();
    });
    eprintln!("refresh of {N} pairs: {refresh:?}");
    assert_no_vpc_attribute_reads("plan", &plan);
    for (what, c) in [("plan", &plan), ("refresh", &refresh)] {
        assert!(
            of(c, "ec2/DescribeSubnets") >= 1,
            "{what} did not read subnets"
        );
        assert_at_most(what, c, "ec2/DescribeSubnets", N - 1);
        assert_at_most(what, c, "ec2/DescribeRouteTables", N - 1);
    }
    assert!(
        total(&plan) <= 2 * N,
        "plan of {N} new pairs made {} cloud calls (budget: 2 per pair): {plan:?}",
        total(&plan)
    );
    assert_no_vpc_attribute_reads("refresh", &refresh);
    assert!(
        total(&refresh) <= 3 * N,
        "refresh of {N} pairs made {} cloud calls (budget: 3 per pair): {refresh:?}",
        total(&refresh)
    );
    wd.destroy();
}

/// A workdir with `n` new same-account pairs between fixture VPCs of `emu`.
fn same_account_pairs(emu: &Emulator, n: usize) -> Workdir {
    let pairs = pair_fixtures(emu, n, DEFAULT_ACCOUNT, "us-east-1");
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\n{}\n{}",
            provider_block(emu),
            pairs_hcl(&pairs, "")
        ),
    );
    wd
}

/// A plan of `n` new pairs: its calls by action, and the request bodies of its
/// DescribeRouteTables calls.
fn plan_of_pairs(n: usize) -> (BTreeMap<String, u64>, Vec<String>) {
    let emu = Emulator::start("fast", 1.0);
    let wd = same_account_pairs(&emu, n);
    let seen = emu.emu.observe.exchanges().len();
    let calls = calls_during(&emu, || {
        wd.tf(&["plan", "-refresh=false", "-input=false"]).success();
    });
    let route_table_reads = emu.emu.observe.exchanges()[seen..]
        .iter()
        .map(|x| x.request_body.clone())
        .filter(|b| b.contains("Action=DescribeRouteTables"))
        .collect();
    (calls, route_table_reads)
}

/// A plan of many pairs reads each kind of object a bounded number of times, whatever the
/// number of pairs: after the first reads of a kind (batched), the region's listing of that
/// kind answers the rest of the plan (`cloud::listing`). Quiet-machine counts: 2-4 calls per
/// action; terraform plans ten resources at a time, so without the listing each action costs
/// about one call per ten pairs.
#[test]
fn a_plan_of_many_pairs_reads_each_kind_a_bounded_number_of_times() {
    const FEW: usize = 20;
    const MANY: usize = 120;
    /// Ten first reads batched (one call each on the most loaded machine), then one listing
    /// of at most two pages at this size.
    const PER_ACTION: u64 = 12;
    let ((few, _), (many, route_table_reads)) = (plan_of_pairs(FEW), plan_of_pairs(MANY));
    eprintln!("plan of {FEW} pairs: {few:?}\nplan of {MANY} pairs: {many:?}");
    for action in [
        "ec2/DescribeVpcs",
        "ec2/DescribeRouteTables",
        "ec2/DescribeSubnets",
        "ec2/DescribeVpcPeeringConnections",
    ] {
        assert!(
            of(&many, action) >= 1,
            "the plan made no {action}: {many:?}"
        );
        assert_at_most(&format!("plan of {MANY} pairs"), &many, action, PER_ACTION);
    }
    assert_no_vpc_attribute_reads("plan", &many);
    // The region's 480 route tables (5 pages of 100 listed whole) are read by groups of VPCs,
    // several groups at once: no call waits for another's page token.
    assert!(
        route_table_reads
            .iter()
            .all(|body| !body.contains("NextToken=")),
        "the route tables were read as a chain of pages: {route_table_reads:#?}"
    );
    assert!(
        total(&many) <= total(&few) + 12,
        "a plan of {MANY} pairs made {} calls where one of {FEW} made {}: {many:?}",
        total(&many),
        total(&few)
    );
}

/// Cross-account pairs whose accepter account is reached through `assume_role` and whose
/// accepter region is named (as every state names it after apply): the STS calls of a plan are the same for two pairs and for six (one identity per account and one
/// role session per process, not per pair).
#[test]
fn cross_account_sts_calls_per_plan_do_not_grow_with_pairs() {
    let emu = Emulator::start("fast", 1.0);
    let provider = support::provider_block_with_peer_role(
        &emu,
        &format!(r#"      role_arn = "arn:aws:iam::{PEER_ACCOUNT}:role/network-peering""#),
    );
    let all = pair_fixtures(&emu, 6, PEER_ACCOUNT, "us-west-2");
    let mut per_plan = Vec::new();
    for n in [2, 6] {
        let wd = Workdir::new();
        wd.write(
            "main.tf",
            &format!(
                "{REQUIRED_PROVIDERS}\n{provider}\n{}",
                pairs_hcl(&all[..n], "account = \"peer\"\n    region  = \"us-west-2\"")
            ),
        );
        let plan = calls_during(&emu, || {
            wd.tf(&["plan", "-refresh=false", "-input=false"]).success();
        });
        eprintln!("plan -refresh=false of {n} cross-account pairs: {plan:?}");
        assert_no_vpc_attribute_reads("plan", &plan);
        per_plan.push(sts(&plan));
    }
    assert_eq!(
        per_plan[0], per_plan[1],
        "STS calls per plan for 2 and 6 cross-account pairs"
    );
    assert!(
        per_plan[1] <= 3,
        "STS calls per plan: {per_plan:?} (one identity per account, one role session)"
    );
}

/// Three four-tunnel BGP VPNs in one resource group (three VNets whose subnets share one
/// route table), reachability on: the refresh makes at most twelve cloud calls per VPN (nine
/// kinds of object exist) and reads no VPC attribute; plan and refresh read each VNet at
/// most once per VPN (a create plan's checks and its reachability share the read), the
/// shared route table and the VPCs' subnets fewer times than there are VPNs.
#[test]
fn four_tunnel_vpn_refresh_stays_within_its_call_budget() {
    const N: u64 = 3;
    let emu = Emulator::start("fast", 1.0);
    let mut vpcs = Vec::new();
    let mut vnets = Vec::new();
    let groups = vec![json!({"name": "net-rg", "location": "westeurope"})];
    let tables = vec![json!({"resource_group": "net-rg", "name": "shared"})];
    for i in 0..N {
        vpcs.push(
            json!({"cidr": format!("10.{i}.0.0/16"), "route_tables": 1, "name": format!("app-{i}"),
            "subnets": [format!("10.{i}.1.0/24")]}),
        );
        vnets.push(
            json!({"resource_group": "net-rg", "name": format!("hub-{i}"),
            "address_space": [format!("10.{}.0.0/16", 100 + i)],
            "subnets": [{"name": "default", "prefix": format!("10.{}.0.0/24", 100 + i),
                         "route_table": "shared"}]}),
        );
    }
    let out = emu.fixtures(json!({
        "aws": {"vpcs": vpcs},
        "azure": {"resource_groups": groups, "route_tables": tables, "virtual_networks": vnets},
    }));
    let v = out["aws"]["vpcs"].as_array().unwrap();
    let vpns: String = (0..N as usize)
        .map(|i| {
            format!(
                r#"
resource "cloudlink_cross_cloud_vpn" "v{i}" {{
  name    = "link-{i}"
  routing = "bgp"
  tunnels = 4
  aws {{
    vpc_id          = "{vpc}"
    route_table_ids = ["{rtb}"]
  }}
  azure {{
    resource_group       = "net-rg"
    location             = "westeurope"
    virtual_network_name = "hub-{i}"
    gateway_subnet_cidr  = "10.{net}.255.0/27"
  }}
}}
"#,
                vpc = v[i]["id"].as_str().unwrap(),
                rtb = v[i]["route_table_ids"][0].as_str().unwrap(),
                net = 100 + i,
            )
        })
        .collect();
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}\n{vpns}", provider_block(&emu)),
    );
    let plan = calls_during(&emu, || {
        wd.tf(&["plan", "-refresh=false", "-input=false"]).success();
    });
    eprintln!("plan -refresh=false of {N} new VPNs: {plan:?}");
    assert_no_vpc_attribute_reads("plan", &plan);
    wd.apply();
    // One AWS subnet and one Azure subnet (but the GatewaySubnet), one remote prefix each.
    assert_reachability_read(&wd, 2);
    let refresh = calls_during(&emu, || {
        wd.tf(&["plan", "-refresh-only", "-input=false"]).success();
    });
    eprintln!("refresh of {N} four-tunnel VPNs: {refresh:?}");
    assert_no_vpc_attribute_reads("refresh", &refresh);
    for (what, c) in [("plan", &plan), ("refresh", &refresh)] {
        for action in [
            "ec2/DescribeSubnets",
            "arm/GET virtualNetworks",
            "arm/GET routeTables",
        ] {
            assert!(of(c, action) >= 1, "{what} made no {action}: {c:?}");
        }
        assert_at_most(what, c, "arm/GET virtualNetworks", N);
        assert_at_most(what, c, "arm/GET routeTables", N - 1);
        assert_at_most(what, c, "ec2/DescribeSubnets", N - 1);
    }
    assert!(
        total(&refresh) <= 15 * N,
        "refresh of {N} four-tunnel VPNs made {} cloud calls (budget: 15 per VPN): {refresh:?}",
        total(&refresh)
    );
    wd.destroy();
}
