//! Route reachability through the real terraform binary against cloudlink-emulator: a VPN
//! whose VPC has a subnet on the main route table without a route to Azure is warned about
//! at plan (naming the subnet and the table), refused with `check_reachability = "error"`
//! before anything is created, and clear once the table is listed; after apply the
//! `reachability` attribute shows every subnet's verdict and follows routes changed out of
//! band. An Azure subnet whose route table sends the AWS prefix to an appliance, or
//! disables gateway route propagation, is warned naming the route table; a peering pair
//! warns for the subnet whose table it does not route.

mod support;

use serde_json::{json, Value as Json};
use support::{
    assert_nothing_left, block_on, emu_ec2, provider_block, Emulator, PlanDiagnostic, Workdir,
    ACCOUNT, REGION, REQUIRED_PROVIDERS,
};

const SUMMARY: &str = "Subnets that will not reach the other side";

/// What the VPN tests link: a VPC (10.0.0.0/16) with two subnets, its main table and one
/// more table; a VNet (10.1.0.0/16) whose subnets use the given route tables.
struct Net {
    vpc: String,
    main_rtb: String,
    rtb: String,
    subnets: Vec<String>,
    azure_subnets: Vec<String>,
}

fn network(emu: &Emulator, aws_subnets: Json, route_tables: Json, azure_subnets: Json) -> Net {
    let out = emu.fixtures(json!({
        "aws": {"vpcs": [{"cidr": "10.0.0.0/16", "route_tables": 1, "name": "app",
                          "subnets": aws_subnets}]},
        "azure": {
            "resource_groups": [{"name": "net-rg", "location": "westeurope"}],
            "route_tables": route_tables,
            "virtual_networks": [{"resource_group": "net-rg", "name": "hub",
                                  "address_space": ["10.1.0.0/16"], "subnets": azure_subnets}],
        }
    }));
    let v = &out["aws"]["vpcs"][0];
    let strings = |x: &Json| -> Vec<String> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Net {
        vpc: v["id"].as_str().unwrap().into(),
        main_rtb: v["main_route_table_id"].as_str().unwrap().into(),
        rtb: v["route_table_ids"][0].as_str().unwrap().into(),
        subnets: strings(&v["subnet_ids"]),
        azure_subnets: strings(&out["azure"]["virtual_networks"][0]["subnet_ids"]),
    }
}

fn vpn_config(emu: &Emulator, net: &Net, tables: &[&str], extra: &str) -> String {
    let tables = tables
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_cross_cloud_vpn" "this" {{
  name    = "link"
  routing = "static"
  tunnels = 1
{extra}
  aws {{
    vpc_id          = "{vpc}"
    route_table_ids = [{tables}]
  }}
  azure {{
    resource_group       = "net-rg"
    location             = "westeurope"
    virtual_network_name = "hub"
    gateway_subnet_cidr  = "10.1.255.0/27"
  }}
}}
"#,
        provider = provider_block(emu),
        vpc = net.vpc,
    )
}

/// The reachability diagnostics of a `terraform plan -json` (and the run).
fn reach_diags(wd: &Workdir) -> (support::Run, Vec<PlanDiagnostic>) {
    let (run, diags) = wd.plan_json_diagnostics();
    let found = diags.into_iter().filter(|d| d.summary == SUMMARY).collect();
    (run, found)
}

/// The `reachability` entry of `subnet` (exactly one expected).
fn verdict<'a>(st: &'a Json, subnet: &str) -> &'a Json {
    let found: Vec<&Json> = st["reachability"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["subnet_id"] == subnet)
        .collect();
    assert_eq!(found.len(), 1, "one verdict for {subnet} in {st:#}");
    found[0]
}

#[test]
fn vpn_main_table_subnet_is_warned_refused_with_error_and_clear_once_routed() {
    let emu = Emulator::start("fast", 1.0);
    let net = network(
        &emu,
        json!(["10.0.1.0/24", "10.0.2.0/24"]),
        json!([]),
        json!([{"name": "default", "prefix": "10.1.0.0/24"}]),
    );
    let (on_main, explicit) = (&net.subnets[0], &net.subnets[1]);
    let ec2 = emu_ec2(&emu, ACCOUNT, REGION);
    block_on(
        ec2.associate_route_table()
            .route_table_id(&net.rtb)
            .subnet_id(explicit)
            .send(),
    )
    .unwrap();
    let wd = Workdir::new();

    // 1. The subnet on the main table is warned about, naming it and the table; the
    //    explicitly associated one (its table is listed) is not.
    wd.write("main.tf", &vpn_config(&emu, &net, &[&net.rtb], ""));
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.severity, "warning");
    assert!(
        d.detail.contains(&format!(
            "aws subnet {on_main} (route table {})",
            net.main_rtb
        )),
        "{}",
        d.detail
    );
    assert!(
        d.detail.contains("the VPC's main route table"),
        "{}",
        d.detail
    );
    assert!(
        d.detail
            .contains("route propagation from the VPN's virtual private gateway is off"),
        "{}",
        d.detail
    );
    assert!(!d.detail.contains(explicit.as_str()), "{}", d.detail);
    // Two batched reads for the AWS side, whatever the number of subnets and tables.
    assert_eq!(emu.counter("ec2", "DescribeSubnets"), 1);

    // 2. check_reachability = "error": the plan fails, nothing is created.
    let before = emu.mutating_calls();
    wd.write(
        "main.tf",
        &vpn_config(&emu, &net, &[&net.rtb], "  check_reachability = \"error\""),
    );
    let (run, diags) = reach_diags(&wd);
    assert_ne!(run.code, 0, "the plan must fail:\n{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].severity, "error");
    assert!(diags[0].detail.contains(on_main.as_str()));
    assert_eq!(
        emu.mutating_calls(),
        before,
        "a refused plan makes no mutating call"
    );

    // 3. An invalid value is refused on the attribute.
    wd.write(
        "main.tf",
        &vpn_config(&emu, &net, &[&net.rtb], "  check_reachability = \"loud\""),
    );
    let (run, diags) = wd.plan_json_diagnostics();
    assert_ne!(run.code, 0);
    assert!(
        diags
            .iter()
            .any(|d| d.summary == "Invalid check_reachability"),
        "{diags:#?}"
    );

    // 4. The main table listed: no warning; apply; every subnet reaches.
    wd.write(
        "main.tf",
        &vpn_config(&emu, &net, &[&net.rtb, &net.main_rtb], ""),
    );
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(diags.is_empty(), "{diags:#?}");
    wd.apply();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    let vgw = st["aws"]["vpn_gateway_id"].as_str().unwrap().to_string();
    assert_eq!(st["reachability"].as_array().unwrap().len(), 3, "{st:#}");
    for (subnet, table) in [(on_main, &net.main_rtb), (explicit, &net.rtb)] {
        let v = verdict(&st, subnet);
        assert_eq!(v["side"], "aws");
        assert_eq!(v["route_table_id"], table.as_str());
        assert_eq!(v["prefix"], "10.1.0.0/16");
        assert_eq!(v["reaches"], true, "{v}");
        assert!(v["reason"].as_str().unwrap().contains(&vgw), "{v}");
    }
    let az = verdict(&st, &net.azure_subnets[0]);
    assert_eq!(az["side"], "azure");
    assert_eq!(az["prefix"], "10.0.0.0/16");
    assert_eq!(az["reaches"], true, "{az}");
    assert_eq!(az["route_table_id"], "");
    assert_eq!(wd.plan_exit_code().code, 0, "second plan must be empty");

    // 5. Out of band, the subnet moves to a new table without a route: refresh shows it and
    //    the plan warns naming that table.
    let new_rtb = block_on(ec2.create_route_table().vpc_id(&net.vpc).send())
        .unwrap()
        .route_table
        .unwrap()
        .route_table_id
        .unwrap();
    let assoc = block_on(
        ec2.associate_route_table()
            .route_table_id(&new_rtb)
            .subnet_id(on_main)
            .send(),
    )
    .unwrap()
    .association_id
    .unwrap();
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0]
            .detail
            .contains(&format!("aws subnet {on_main} (route table {new_rtb})")),
        "{}",
        diags[0].detail
    );
    assert!(
        diags[0].detail.contains("has no route to 10.1.0.0/16"),
        "{}",
        diags[0].detail
    );

    // 6. The route added out of band: the warning is gone and the verdict follows.
    block_on(
        ec2.create_route()
            .route_table_id(&new_rtb)
            .destination_cidr_block("10.1.0.0/16")
            .gateway_id(&vgw)
            .send(),
    )
    .unwrap();
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(diags.is_empty(), "{diags:#?}");
    wd.tf(&["refresh"]).success();
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    let v = verdict(&st, on_main);
    assert_eq!(v["route_table_id"], new_rtb.as_str());
    assert_eq!(v["reaches"], true, "{v}");

    // Clean up what the test made out of band, then destroy leaves nothing.
    block_on(
        ec2.delete_route()
            .route_table_id(&new_rtb)
            .destination_cidr_block("10.1.0.0/16")
            .send(),
    )
    .unwrap();
    block_on(ec2.disassociate_route_table().association_id(assoc).send()).unwrap();
    wd.destroy();
    assert_nothing_left(&emu.dump());
}

#[test]
fn azure_route_tables_sending_the_aws_prefix_elsewhere_are_warned_by_name() {
    let emu = Emulator::start("fast", 1.0);
    let net = network(
        &emu,
        json!([]),
        json!([
            {"resource_group": "net-rg", "name": "fw",
             "routes": [{"name": "to-aws", "address_prefix": "10.0.0.0/16",
                         "next_hop_type": "VirtualAppliance", "next_hop_ip_address": "10.1.9.4"}]},
            {"resource_group": "net-rg", "name": "spoke", "disable_bgp_route_propagation": true},
            {"resource_group": "net-rg", "name": "edge",
             "routes": [{"name": "default", "address_prefix": "0.0.0.0/0",
                         "next_hop_type": "VirtualAppliance", "next_hop_ip_address": "10.1.9.4"}]},
        ]),
        json!([
            {"name": "default", "prefix": "10.1.0.0/24"},
            {"name": "app", "prefix": "10.1.1.0/24", "route_table": "fw"},
            {"name": "spk", "prefix": "10.1.2.0/24", "route_table": "spoke"},
            {"name": "web", "prefix": "10.1.3.0/24", "route_table": "edge"},
        ]),
    );
    let id = |name: &str| {
        net.azure_subnets
            .iter()
            .find(|s| s.ends_with(&format!("/subnets/{name}")))
            .unwrap()
            .clone()
    };
    let table = |name: &str| {
        format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg/providers/Microsoft.Network/routeTables/{name}")
    };
    let wd = Workdir::new();
    wd.write("main.tf", &vpn_config(&emu, &net, &[&net.rtb], ""));
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let detail = &diags[0].detail;
    assert!(
        detail.contains(&format!(
            "azure subnet {} (route table {})",
            id("app"),
            table("fw")
        )),
        "{detail}"
    );
    assert!(
        detail.contains("route table fw: route to-aws (10.0.0.0/16 -> VirtualAppliance 10.1.9.4) takes 10.0.0.0/16 elsewhere"),
        "{detail}"
    );
    assert!(
        detail.contains(&format!(
            "azure subnet {} (route table {})",
            id("spk"),
            table("spoke")
        )),
        "{detail}"
    );
    assert!(
        detail.contains("route table spoke disables gateway route propagation"),
        "{detail}"
    );
    // A default route to an appliance loses to the gateway's longer route; a subnet
    // without a table reaches through the gateway.
    assert!(!detail.contains(&id("web")), "{detail}");
    assert!(!detail.contains(&id("default")), "{detail}");
    // The VNet lists its subnets' tables; the three tables of one resource group come from
    // one list of the group's route tables, and the VNet is read once.
    assert_eq!(
        emu.counter("arm", "GET virtualNetworks"),
        1,
        "{}",
        emu.counters()
    );
    assert_eq!(
        emu.counter("arm", "GET routeTables"),
        1,
        "{}",
        emu.counters()
    );
    assert!(
        emu.mutating_calls().is_empty(),
        "{:?}",
        emu.mutating_calls()
    );
}

#[test]
fn peering_pair_warns_for_the_subnet_whose_table_it_does_not_route() {
    let emu = Emulator::start("fast", 1.0);
    let out = emu.fixtures(json!({"aws": {"vpcs": [
        {"cidr": "10.10.0.0/16", "route_tables": 1, "name": "requester", "subnets": ["10.10.1.0/24"]},
        {"cidr": "10.20.0.0/16", "route_tables": 1, "name": "accepter", "subnets": ["10.20.1.0/24"]},
    ]}}));
    let s = |i: usize, k: &str| out["aws"]["vpcs"][i][k].as_str().unwrap().to_string();
    let first = |i: usize, k: &str| out["aws"]["vpcs"][i][k][0].as_str().unwrap().to_string();
    let (req_vpc, req_rtb, req_subnet) = (
        s(0, "id"),
        first(0, "route_table_ids"),
        first(0, "subnet_ids"),
    );
    let (acc_vpc, acc_rtb, acc_main, acc_subnet) = (
        s(1, "id"),
        first(1, "route_table_ids"),
        s(1, "main_route_table_id"),
        first(1, "subnet_ids"),
    );
    let ec2 = emu_ec2(&emu, ACCOUNT, REGION);
    block_on(
        ec2.associate_route_table()
            .route_table_id(&req_rtb)
            .subnet_id(&req_subnet)
            .send(),
    )
    .unwrap();
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}{provider}
resource "cloudlink_vpc_peering_pair" "this" {{
  requester {{
    vpc_id          = "{req_vpc}"
    route_table_ids = ["{req_rtb}"]
  }}
  accepter {{
    vpc_id          = "{acc_vpc}"
    route_table_ids = ["{acc_rtb}"]
  }}
}}
"#,
            provider = provider_block(&emu)
        ),
    );
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let detail = &diags[0].detail;
    assert!(
        detail.contains(&format!("aws subnet {acc_subnet} (route table {acc_main})")),
        "{detail}"
    );
    assert!(detail.contains("-> 10.10.0.0/16"), "{detail}");
    assert!(!detail.contains(req_subnet.as_str()), "{detail}");
    wd.apply();
    let st = wd.state_values("cloudlink_vpc_peering_pair.this");
    let pcx = st["id"].as_str().unwrap();
    let req = verdict(&st, &req_subnet);
    assert_eq!(req["reaches"], true, "{req}");
    assert_eq!(req["prefix"], "10.20.0.0/16");
    assert!(req["reason"].as_str().unwrap().contains(pcx), "{req}");
    let acc = verdict(&st, &acc_subnet);
    assert_eq!(acc["reaches"], false, "{acc}");
    assert_eq!(acc["route_table_id"], acc_main.as_str());
    assert!(
        acc["reason"]
            .as_str()
            .unwrap()
            .contains("has no route to 10.10.0.0/16"),
        "{acc}"
    );
    // The state's verdicts carry the warning into a plan without changes (no new reads).
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    wd.destroy();
}

#[test]
fn site_vpn_warns_for_a_subnet_whose_table_does_not_route_to_the_site() {
    let emu = Emulator::start("fast", 1.0);
    let net = network(&emu, json!(["10.0.1.0/24"]), json!([]), json!([]));
    let site = |tables: &str| {
        format!(
            r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_site_vpn" "this" {{
  name    = "office"
  routing = "static"
  peer {{
    ip_address = "192.0.2.10"
    cidrs      = ["10.50.0.0/16"]
  }}
  aws {{
    vpc_id             = "{vpc}"
    route_table_ids    = [{tables}]
    route_propagation  = false
  }}
}}
"#,
            provider = provider_block(&emu),
            vpc = net.vpc,
        )
    };
    let wd = Workdir::new();
    wd.write("main.tf", &site(&format!("\"{}\"", net.rtb)));
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let detail = &diags[0].detail;
    assert!(
        detail.contains(&format!(
            "aws subnet {} (route table {}) -> 10.50.0.0/16",
            net.subnets[0], net.main_rtb
        )),
        "{detail}"
    );
    // Static routes (no propagation): the reason is the missing route, not propagation.
    assert!(detail.contains("has no route to 10.50.0.0/16"), "{detail}");
    assert!(!detail.contains("propagation"), "{detail}");
    wd.write(
        "main.tf",
        &site(&format!("\"{}\", \"{}\"", net.rtb, net.main_rtb)),
    );
    let (run, diags) = reach_diags(&wd);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(diags.is_empty(), "{diags:#?}");
}
