//! `cloudlink_vpc_peering_mesh` through the real terraform binary against cloudlink-emulator:
//! a mesh of VPCs in two accounts and three regions grows and shrinks in place, one peering
//! per pair with routes both ways; overlapping CIDR blocks, a VPC over the per-VPC peering
//! quota and a route table over the route quota are refused at plan with no mutating call;
//! the emulator itself refuses an acceptance over the peering quota.

mod support;

use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use support::{
    assert_error_at, line_number, provider_block, the_error, Emulator, PlanDiagnostic, Workdir,
    REQUIRED_PROVIDERS,
};

const DEFAULT_ACCOUNT: &str = "123456789012";
const PEER_ACCOUNT: &str = "210987654321";
const ADDRESS: &str = "cloudlink_vpc_peering_mesh.this";

/// A fixture VPC and how the HCL places it.
#[derive(Clone)]
struct Vpc {
    name: &'static str,
    account: &'static str,
    region: &'static str,
    cidrs: Vec<&'static str>,
    hcl_extra: &'static str,
    id: String,
    rtb: String,
}

fn vpc(
    name: &'static str,
    account: &'static str,
    region: &'static str,
    cidrs: &[&'static str],
    hcl_extra: &'static str,
) -> Vpc {
    Vpc {
        name,
        account,
        region,
        cidrs: cidrs.to_vec(),
        hcl_extra,
        id: String::new(),
        rtb: String::new(),
    }
}

/// Creates the VPCs (one route table each) and fills in their ids.
fn create(emu: &Emulator, vpcs: &mut [Vpc]) {
    let spec: Vec<Json> = vpcs
        .iter()
        .map(|v| {
            json!({"account": v.account, "region": v.region, "cidr": v.cidrs[0],
                   "extra_cidrs": v.cidrs[1..], "name": v.name, "route_tables": 1})
        })
        .collect();
    let out = emu.fixtures(json!({"aws": {"vpcs": spec}}));
    for (v, o) in vpcs.iter_mut().zip(out["aws"]["vpcs"].as_array().unwrap()) {
        v.id = o["id"].as_str().unwrap().into();
        v.rtb = o["route_table_ids"][0].as_str().unwrap().into();
    }
}

fn mesh_hcl(emu: &Emulator, members: &[&Vpc], extra: &str) -> String {
    let mut body = String::new();
    for v in members {
        body.push_str(&format!(
            "  member \"{}\" {{\n    vpc_id          = \"{}\"\n    route_table_ids = [\"{}\"]\n    {}\n  }}\n",
            v.name, v.id, v.rtb, v.hcl_extra
        ));
    }
    format!(
        "{REQUIRED_PROVIDERS}{}\nresource \"cloudlink_vpc_peering_mesh\" \"this\" {{\n{extra}\n{body}}}\n",
        provider_block(emu)
    )
}

/// Every peering in the emulator not `deleted`, once each (a cross-region peering is listed
/// in both regions).
fn live_peerings(emu: &Emulator) -> BTreeMap<String, Json> {
    let dump = emu.dump();
    let mut out = BTreeMap::new();
    for (_, regions) in dump["ec2"]["accounts"].as_object().unwrap() {
        for (_, r) in regions.as_object().unwrap() {
            for p in r["vpc_peering_connections"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if p["status"] != "deleted" {
                    out.insert(p["id"].as_str().unwrap().to_string(), p.clone());
                }
            }
        }
    }
    out
}

/// The destinations of the routes through any peering in `v`'s route table.
fn peering_routes(emu: &Emulator, v: &Vpc) -> BTreeSet<String> {
    let dump = emu.dump();
    dump["ec2"]["accounts"][v.account][v.region]["route_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == v.rtb)
        .unwrap_or_else(|| panic!("route table {} not in dump", v.rtb))["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["vpc_peering_connection_id"].is_string())
        .map(|r| r["destination_cidr_block"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts the mesh of `members` is whole: one active peering per pair (and no other), and
/// every member's table routes every other member's CIDR blocks.
fn assert_mesh(emu: &Emulator, wd: &Workdir, members: &[&Vpc]) {
    let n = members.len();
    let live = live_peerings(emu);
    assert_eq!(live.len(), n * (n - 1) / 2, "{live:#?}");
    assert!(live.values().all(|p| p["status"] == "active"), "{live:#?}");
    for v in members {
        let want: BTreeSet<String> = members
            .iter()
            .filter(|o| o.name != v.name)
            .flat_map(|o| o.cidrs.iter().map(|c| c.to_string()))
            .collect();
        assert_eq!(peering_routes(emu, v), want, "routes of member {}", v.name);
    }
    let st = wd.state_values(ADDRESS);
    let pairs = st["pairs"].as_object().unwrap();
    assert_eq!(pairs.len(), n * (n - 1) / 2, "{st:#}");
    for (key, p) in pairs {
        let id = p["id"].as_str().unwrap();
        assert!(live.contains_key(id), "pair {key}: {id} is not live");
        assert_eq!(p["status"], "active");
        assert_eq!(
            key,
            &format!(
                "{}:{}",
                p["requester"].as_str().unwrap(),
                p["accepter"].as_str().unwrap()
            )
        );
    }
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
}

/// `terraform plan -json` of `main` in a new working directory: it fails, reaches only reads,
/// creates no peering; its diagnostics.
fn refused_at_plan(emu: &Emulator, main: &str) -> Vec<PlanDiagnostic> {
    let peerings_before = live_peerings(emu).len();
    let wd = Workdir::new();
    wd.write("main.tf", main);
    let (run, diags) = wd.plan_json_diagnostics();
    assert_ne!(run.code, 0, "the plan must fail: {diags:#?}");
    emu.assert_only_reads();
    assert_eq!(live_peerings(emu).len(), peerings_before);
    diags
}

/// Four VPCs in two accounts and three regions: 6 peerings; a fifth member adds exactly 4
/// in place; removing one removes exactly its 4; destroy leaves nothing.
#[test]
fn mesh_grows_and_shrinks_in_place_and_destroy_leaves_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let mut vpcs = vec![
        vpc("alpha", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc(
            "bravo",
            DEFAULT_ACCOUNT,
            "us-east-1",
            &["10.2.0.0/16", "10.12.0.0/16"],
            "",
        ),
        vpc(
            "charlie",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.3.0.0/16"],
            "account = \"peer\"",
        ),
        vpc(
            "delta",
            DEFAULT_ACCOUNT,
            "eu-west-1",
            &["10.4.0.0/16"],
            "region = \"eu-west-1\"",
        ),
        vpc(
            "echo",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.5.0.0/16"],
            "account = \"peer\"\n    allow_remote_vpc_dns_resolution = true",
        ),
    ];
    create(&emu, &mut vpcs);
    let (a, b, c, d, e) = (&vpcs[0], &vpcs[1], &vpcs[2], &vpcs[3], &vpcs[4]);
    let wd = Workdir::new();
    let tags = "  tags = { env = \"mesh\" }\n";

    // 1. Four members: 6 peerings, routes both ways.
    wd.write("main.tf", &mesh_hcl(&emu, &[a, b, c, d], tags));
    wd.apply();
    assert_mesh(&emu, &wd, &[a, b, c, d]);
    assert_eq!(emu.counter("ec2", "CreateVpcPeeringConnection"), 6);
    let before: BTreeMap<String, Json> = wd.state_values(ADDRESS)["pairs"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    assert!(live_peerings(&emu)
        .values()
        .all(|p| p["tags"]["env"] == "mesh"));

    // 2. A fifth member: an in-place update that adds exactly its 4 peerings.
    wd.write("main.tf", &mesh_hcl(&emu, &[a, b, c, d, e], tags));
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    let plan = wd.tf(&["plan", "-no-color"]);
    let out = plan.all().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(out.contains("Mesh pairs change"), "{out}");
    assert!(
        out.contains("+ \"alpha:echo\" = (known after apply)"),
        "{out}"
    );
    assert!(
        out.contains("alpha:echo, bravo:echo, charlie:echo, delta:echo"),
        "{out}"
    );
    wd.apply();
    assert_eq!(emu.counter("ec2", "CreateVpcPeeringConnection"), 10);
    assert_eq!(emu.counter("ec2", "DeleteVpcPeeringConnection"), 0);
    assert_mesh(&emu, &wd, &[a, b, c, d, e]);
    let grown = wd.state_values(ADDRESS)["pairs"].clone();
    for (k, p) in &before {
        assert_eq!(grown[k]["id"], p["id"], "pair {k} kept its peering");
    }
    let echo_peering = &live_peerings(&emu)[grown["charlie:echo"]["id"].as_str().unwrap()];
    assert_eq!(
        echo_peering["accepter"]["allow_dns_resolution_from_remote_vpc"],
        true
    );

    // 3. Remove bravo: exactly its 4 peerings and their routes go, in place.
    wd.write("main.tf", &mesh_hcl(&emu, &[a, c, d, e], tags));
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    wd.apply();
    assert_eq!(emu.counter("ec2", "DeleteVpcPeeringConnection"), 4);
    assert_eq!(emu.counter("ec2", "CreateVpcPeeringConnection"), 10);
    assert!(peering_routes(&emu, b).is_empty(), "bravo's routes left");
    assert_mesh(&emu, &wd, &[a, c, d, e]);

    // 4. Destroy: no peering, no route through one.
    wd.destroy();
    assert!(live_peerings(&emu).is_empty(), "{:#?}", live_peerings(&emu));
    for v in &vpcs {
        assert!(
            peering_routes(&emu, v).is_empty(),
            "routes of {} left",
            v.name
        );
    }
    support::assert_nothing_left(&emu.dump());
}

/// A member whose CIDR block overlaps another's is refused at plan, on that member's
/// `vpc_id`, naming both members; nothing mutating reaches the emulator.
#[test]
fn overlapping_member_is_refused_at_plan_with_no_mutating_call() {
    let emu = Emulator::start("fast", 1.0);
    let mut vpcs = vec![
        vpc("hub", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc(
            "spoke",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.2.0.0/16"],
            "account = \"peer\"",
        ),
        vpc(
            "twin",
            DEFAULT_ACCOUNT,
            "eu-west-1",
            &["10.3.0.0/16", "10.1.128.0/17"],
            "region = \"eu-west-1\"",
        ),
    ];
    create(&emu, &mut vpcs);
    let refs: Vec<&Vpc> = vpcs.iter().collect();
    let main = mesh_hcl(&emu, &refs, "");
    let diags = refused_at_plan(&emu, &main);
    assert_error_at(
        &diags,
        "VPC CIDR blocks overlap",
        ADDRESS,
        &main,
        line_number(&main, "member \"twin\"", "vpc_id"),
        &format!("\"{}\"", vpcs[2].id),
    );
    let d = the_error(&diags, "VPC CIDR blocks overlap");
    assert!(
        d.detail.contains("\"twin\"") && d.detail.contains("\"hub\""),
        "{d:#?}"
    );
    assert!(d.detail.contains("10.1.128.0/17"), "{d:#?}");
}

/// A VPC with peerings outside the mesh would exceed the per-VPC peering quota: refused at
/// plan on that member, nothing mutating. With the setting raised past the emulator's
/// quota, the plan passes and the emulator refuses the acceptance with AWS's code; the
/// partial state names what was made and destroy removes it.
#[test]
fn vpc_over_the_peering_limit_is_refused_at_plan_with_no_mutating_call() {
    let emu = Emulator::start("fast", 1.0);
    emu.emu.ec2.lock().unwrap().quotas.active_peerings_per_vpc = 3;
    let mut vpcs = vec![
        vpc("busy", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc("b", DEFAULT_ACCOUNT, "us-east-1", &["10.2.0.0/16"], ""),
        vpc(
            "c",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.3.0.0/16"],
            "account = \"peer\"",
        ),
        vpc(
            "outside1",
            DEFAULT_ACCOUNT,
            "us-east-1",
            &["10.8.0.0/16"],
            "",
        ),
        vpc("outside2", PEER_ACCOUNT, "us-west-2", &["10.9.0.0/16"], ""),
    ];
    create(&emu, &mut vpcs);
    // busy already has 2 active peerings; the mesh would add 2 more: 4 > 3.
    emu.fixtures(json!({"aws": {"peerings": [
        {"requester_vpc": vpcs[0].id, "accepter_vpc": vpcs[3].id},
        {"requester_vpc": vpcs[4].id, "accepter_vpc": vpcs[0].id},
    ]}}));
    let members: Vec<&Vpc> = vpcs[..3].iter().collect();
    let main = mesh_hcl(&emu, &members, "  max_active_peerings_per_vpc = 3\n");
    let diags = refused_at_plan(&emu, &main);
    assert_error_at(
        &diags,
        "VPC peering limit exceeded",
        ADDRESS,
        &main,
        line_number(&main, "member \"busy\"", "vpc_id"),
        &format!("\"{}\"", vpcs[0].id),
    );
    let d = the_error(&diags, "VPC peering limit exceeded");
    assert!(
        d.detail.contains("would have 4") && d.detail.contains("L-7E9ECCDB"),
        "{d:#?}"
    );
    assert_eq!(
        diags.iter().filter(|d| d.severity == "error").count(),
        1,
        "only busy is over the limit: {diags:#?}"
    );
    assert_eq!(live_peerings(&emu).len(), 2);

    // The emulator enforces the quota itself: with the setting at AWS's default the plan
    // passes, and the acceptance that would make busy's fourth active peering fails.
    let wd = Workdir::new();
    wd.write("main.tf", &mesh_hcl(&emu, &members, ""));
    let apply = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0);
    assert!(
        apply
            .all()
            .contains("ActiveVpcPeeringConnectionPerVpcLimitExceeded"),
        "{}",
        apply.all()
    );
    let st = wd.state_values(ADDRESS);
    let made = st["pairs"].as_object().unwrap();
    assert!(
        !made.is_empty(),
        "the partial state names the peerings made: {st:#}"
    );
    wd.destroy();
    assert_eq!(
        live_peerings(&emu).len(),
        2,
        "only the fixtures' peerings are left"
    );
}

/// A route table that would hold more routes than the route quota is refused at plan on
/// that member's `route_table_ids`, nothing mutating.
#[test]
fn route_table_over_the_route_limit_is_refused_at_plan_with_no_mutating_call() {
    let emu = Emulator::start("fast", 1.0);
    emu.emu.ec2.lock().unwrap().quotas.routes_per_route_table = 2;
    let mut vpcs = vec![
        vpc("small", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc(
            "wide",
            DEFAULT_ACCOUNT,
            "us-east-1",
            &["10.2.0.0/16", "10.12.0.0/16"],
            "",
        ),
        vpc(
            "far",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.3.0.0/16"],
            "account = \"peer\"",
        ),
    ];
    create(&emu, &mut vpcs);
    let refs: Vec<&Vpc> = vpcs.iter().collect();
    let main = mesh_hcl(&emu, &refs, "  max_routes_per_route_table = 2\n");
    let diags = refused_at_plan(&emu, &main);
    // small and far each need 3 routes (wide has two blocks); wide needs 2.
    for name in ["small", "far"] {
        let line = line_number(&main, &format!("member \"{name}\""), "route_table_ids");
        let found = diags.iter().any(|d| {
            d.summary == "Route table route limit exceeded"
                && d.detail.contains(&format!("\"{name}\""))
                && d.range.as_ref().is_some_and(|r| r.start_line == line)
        });
        assert!(
            found,
            "no route limit error on {name}'s route_table_ids: {diags:#?}"
        );
    }
    assert!(
        !diags
            .iter()
            .any(|d| d.detail.contains("\"wide\"")
                && d.summary == "Route table route limit exceeded"),
        "{diags:#?}"
    );
}

/// A member's new `vpc_id` replaces only that member's pairs, in place: the other pair keeps
/// its peering, the old VPC's peerings and routes are gone, the new VPC is routed.
#[test]
fn a_members_new_vpc_replaces_only_its_pairs_in_place() {
    let emu = Emulator::start("fast", 1.0);
    let mut vpcs = vec![
        vpc("one", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc(
            "two",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.2.0.0/16"],
            "account = \"peer\"",
        ),
        vpc(
            "three",
            DEFAULT_ACCOUNT,
            "eu-west-1",
            &["10.3.0.0/16"],
            "region = \"eu-west-1\"",
        ),
        vpc(
            "three",
            DEFAULT_ACCOUNT,
            "eu-west-1",
            &["10.4.0.0/16"],
            "region = \"eu-west-1\"",
        ),
    ];
    create(&emu, &mut vpcs);
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &mesh_hcl(&emu, &[&vpcs[0], &vpcs[1], &vpcs[2]], ""),
    );
    wd.apply();
    assert_mesh(&emu, &wd, &[&vpcs[0], &vpcs[1], &vpcs[2]]);
    let before = wd.state_values(ADDRESS)["pairs"].clone();

    wd.write(
        "main.tf",
        &mesh_hcl(&emu, &[&vpcs[0], &vpcs[1], &vpcs[3]], ""),
    );
    assert_eq!(wd.planned_actions(ADDRESS), vec!["update"]);
    let out = wd.tf(&["plan", "-no-color"]).success().all();
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        out.contains("pairs one:three, three:two and deletes those of pairs one:three, three:two"),
        "{out}"
    );
    wd.apply();
    assert_eq!(emu.counter("ec2", "DeleteVpcPeeringConnection"), 2);
    assert!(
        peering_routes(&emu, &vpcs[2]).is_empty(),
        "the old VPC's routes left"
    );
    assert_mesh(&emu, &wd, &[&vpcs[0], &vpcs[1], &vpcs[3]]);
    let after = wd.state_values(ADDRESS)["pairs"].clone();
    assert_eq!(after["one:two"]["id"], before["one:two"]["id"]);
    for k in ["one:three", "three:two"] {
        assert_ne!(after[k]["id"], before[k]["id"], "{k} has a new peering");
        let vpcs_of_pair = [&after[k]["requester_vpc_id"], &after[k]["accepter_vpc_id"]];
        assert!(
            vpcs_of_pair.contains(&&json!(vpcs[3].id)),
            "{k}: {}",
            after[k]
        );
    }
    wd.destroy();
    assert!(live_peerings(&emu).is_empty());
}

/// A second state declaring a mesh of the same VPCs is refused at plan (the peerings carry
/// the first state's claim) and never touches them.
#[test]
fn a_second_state_never_takes_over_the_meshs_peerings() {
    let emu = Emulator::start("fast", 1.0);
    let mut vpcs = vec![
        vpc("left", DEFAULT_ACCOUNT, "us-east-1", &["10.1.0.0/16"], ""),
        vpc(
            "right",
            PEER_ACCOUNT,
            "us-west-2",
            &["10.2.0.0/16"],
            "account = \"peer\"",
        ),
    ];
    create(&emu, &mut vpcs);
    let refs: Vec<&Vpc> = vpcs.iter().collect();
    let main = mesh_hcl(&emu, &refs, "");
    let first = Workdir::new();
    first.write("main.tf", &main);
    first.apply();
    let live = live_peerings(&emu);
    assert_eq!(live.len(), 1);
    let creates = emu.counter("ec2", "CreateVpcPeeringConnection");

    let second = Workdir::new();
    second.write("main.tf", &main);
    let (run, diags) = second.plan_json_diagnostics();
    assert_ne!(run.code, 0);
    let d = the_error(&diags, "Peering owned by another state");
    assert!(d.detail.contains("members left and right"), "{d:#?}");
    assert_eq!(emu.counter("ec2", "CreateVpcPeeringConnection"), creates);
    assert_eq!(live_peerings(&emu), live);

    first.destroy();
    assert!(live_peerings(&emu).is_empty());
}

/// Reachability: three members (two in one account and region, one in the peer account),
/// each subnet explicitly associated with a route table; alpha's second subnet is on a table
/// the mesh does not list. The plan warns once, on alpha, naming that subnet and table, with
/// one DescribeSubnets per account and region; `"error"` fails the plan with no mutating
/// call; `"off"` reads no subnets; after apply `reachability` lists every subnet's verdict
/// per member; a plan without changes stays empty and still warns.
#[test]
fn mesh_warns_for_the_member_subnet_on_an_unlisted_route_table() {
    const SUMMARY: &str = "Subnets that will not reach the other side";
    let emu = Emulator::start("fast", 1.0);
    let out = emu.fixtures(json!({"aws": {"vpcs": [
        {"cidr": "10.1.0.0/16", "route_tables": 2, "name": "alpha",
         "subnets": ["10.1.1.0/24", "10.1.2.0/24"]},
        {"cidr": "10.2.0.0/16", "route_tables": 1, "name": "bravo", "subnets": ["10.2.1.0/24"]},
        {"account": PEER_ACCOUNT, "region": "us-west-2", "cidr": "10.3.0.0/16",
         "route_tables": 1, "name": "charlie", "subnets": ["10.3.1.0/24"]},
    ]}}));
    let at =
        |i: usize, k: &str, j: usize| out["aws"]["vpcs"][i][k][j].as_str().unwrap().to_string();
    let places = [
        (DEFAULT_ACCOUNT, "us-east-1"),
        (DEFAULT_ACCOUNT, "us-east-1"),
        (PEER_ACCOUNT, "us-west-2"),
    ];
    // Every subnet on an explicitly associated table: alpha's second on its unlisted one.
    let mut subnets = Vec::new();
    for (i, (account, region)) in places.iter().enumerate() {
        let ec2 = support::emu_ec2(&emu, account, region);
        let count = out["aws"]["vpcs"][i]["subnet_ids"]
            .as_array()
            .unwrap()
            .len();
        for j in 0..count {
            let (subnet, rtb) = (at(i, "subnet_ids", j), at(i, "route_table_ids", j));
            support::block_on(
                ec2.associate_route_table()
                    .route_table_id(&rtb)
                    .subnet_id(&subnet)
                    .send(),
            )
            .unwrap();
            subnets.push(subnet);
        }
    }
    let (alpha_listed, alpha_unlisted) = (&subnets[0], &subnets[1]);
    let unlisted_rtb = at(0, "route_table_ids", 1);
    let member = |name: &str, i: usize, extra: &str| {
        format!(
            "  member \"{name}\" {{\n    vpc_id          = \"{}\"\n    route_table_ids = [\"{}\"]\n    {extra}\n  }}\n",
            out["aws"]["vpcs"][i]["id"].as_str().unwrap(),
            at(i, "route_table_ids", 0)
        )
    };
    let hcl = |check: &str| {
        format!(
            "{REQUIRED_PROVIDERS}{}\nresource \"cloudlink_vpc_peering_mesh\" \"this\" {{\n{check}\n{}{}{}}}\n",
            provider_block(&emu),
            member("alpha", 0, ""),
            member("bravo", 1, ""),
            member("charlie", 2, "account = \"peer\"")
        )
    };
    let reach_diags = |wd: &Workdir| {
        let (run, diags) = wd.plan_json_diagnostics();
        let found: Vec<PlanDiagnostic> =
            diags.into_iter().filter(|d| d.summary == SUMMARY).collect();
        (run, found)
    };
    // The mutating calls so far, by count (the fixture's associations are among them).
    let writes = || -> u64 {
        emu.mutating_calls()
            .iter()
            .map(|c| {
                let (cloud, action) = c.split_once(':').unwrap();
                emu.counter(cloud, action)
            })
            .sum()
    };
    let setup_writes = writes();
    let wd = Workdir::new();

    // 1. warn (the default): one warning, on alpha, naming the subnet and its table.
    wd.write("main.tf", &hcl(""));
    let subnet_reads = emu.counter("ec2", "DescribeSubnets");
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].severity, "warning");
    let detail = &diags[0].detail;
    assert!(
        detail.contains("VPC peering mesh member \"alpha\""),
        "{detail}"
    );
    for prefix in ["10.2.0.0/16", "10.3.0.0/16"] {
        assert!(
            detail.contains(&format!(
                "aws subnet {alpha_unlisted} (route table {unlisted_rtb}) -> {prefix}"
            )),
            "{detail}"
        );
    }
    for reached in subnets.iter().filter(|s| *s != alpha_unlisted) {
        assert!(!detail.contains(reached.as_str()), "{detail}");
    }
    // One batched read per account and region, for all the members there.
    assert_eq!(emu.counter("ec2", "DescribeSubnets") - subnet_reads, 2);
    assert_eq!(writes(), setup_writes);

    // 2. error: the plan fails, nothing mutating was called.
    wd.write("main.tf", &hcl("  check_reachability = \"error\""));
    let (run, diags) = reach_diags(&wd);
    assert_ne!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].severity, "error");
    assert!(diags[0].detail.contains(alpha_unlisted.as_str()));
    assert_eq!(writes(), setup_writes, "{:?}", emu.mutating_calls());

    // 3. off: no check, no subnet read.
    wd.write("main.tf", &hcl("  check_reachability = \"off\""));
    let subnet_reads = emu.counter("ec2", "DescribeSubnets");
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(emu.counter("ec2", "DescribeSubnets"), subnet_reads);

    // 4. Applied with warn: every member's verdicts.
    wd.write("main.tf", &hcl(""));
    wd.apply();
    let st = wd.state_values(ADDRESS);
    let pcx = |key: &str| st["pairs"][key]["id"].as_str().unwrap().to_string();
    let verdicts = |name: &str| st["reachability"][name].as_array().unwrap().clone();
    let alpha = verdicts("alpha");
    assert_eq!(alpha.len(), 4, "2 subnets x 2 prefixes: {alpha:#?}");
    for v in &alpha {
        let listed = v["subnet_id"] == alpha_listed.as_str();
        assert_eq!(v["reaches"], listed, "{v}");
        if listed {
            let via = if v["prefix"] == "10.2.0.0/16" {
                "alpha:bravo"
            } else {
                "alpha:charlie"
            };
            assert!(v["reason"].as_str().unwrap().contains(&pcx(via)), "{v}");
        } else {
            assert_eq!(v["route_table_id"], unlisted_rtb.as_str(), "{v}");
            assert!(
                v["reason"].as_str().unwrap().contains("has no route"),
                "{v}"
            );
        }
    }
    for (name, own_prefix) in [("bravo", "10.2."), ("charlie", "10.3.")] {
        let vs = verdicts(name);
        assert_eq!(vs.len(), 2, "{name}: {vs:#?}");
        assert!(vs.iter().all(|v| v["reaches"] == true), "{name}: {vs:#?}");
        assert!(vs
            .iter()
            .all(|v| !v["prefix"].as_str().unwrap().starts_with(own_prefix)));
    }
    // A plan without changes is empty and still warns, from the refreshed state.
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
    let (_, diags) = reach_diags(&wd);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    wd.destroy();
    assert!(live_peerings(&emu).is_empty(), "{:#?}", live_peerings(&emu));
}
