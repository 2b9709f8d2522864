//! `aws.private_services` of `cloudlink_cross_cloud_vpn` through the real terraform binary
//! against cloudlink-emulator: S3 over the VPN applies with one interface endpoint whose
//! security group admits exactly the Azure prefixes on TCP 443 (read back with
//! DescribeSecurityGroups), `private_service_dns` holds the endpoint's DNS entries, a second
//! plan is empty; subnets and services change in place; destroy leaves no endpoint and no
//! group; an unknown service is refused at plan on its element with no mutating call.

mod support;

use serde_json::Value as Json;
use support::{
    assert_error_at, assert_nothing_left, aws_live, block_on, emu_ec2, line_number,
    static_link_config, Emulator, Workdir, ACCOUNT, REGION,
};

const ADDRESS: &str = "cloudlink_cross_cloud_vpn.this";
/// The VNet's address space: the default `azure_cidrs`.
const AZURE_CIDR: &str = "10.1.0.0/16";

/// The static one-tunnel link of the harness (`static_link_config`: its VPC, VNet and HCL)
/// plus two subnets of the VPC in two availability zones (through the EC2 API, as
/// `CreateSubnet` with `AvailabilityZone`).
struct Fixture {
    base: String,
    subnets: [String; 2],
}

fn fixture(emu: &Emulator) -> Fixture {
    let base = static_link_config(emu);
    let dump = emu.dump();
    let vpc = dump["ec2"]["accounts"][ACCOUNT][REGION]["vpcs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ec2 = emu_ec2(emu, ACCOUNT, REGION);
    let subnet = |cidr: &str, az: &str| {
        block_on(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(az)
                .send(),
        )
        .expect("creating a subnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string()
    };
    Fixture {
        subnets: [
            subnet("10.0.1.0/24", "us-east-1a"),
            subnet("10.0.2.0/24", "us-east-1b"),
        ],
        base,
    }
}

fn hcl_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The link with `services` in `subnets`, and an output of `private_service_dns`.
fn config(fx: &Fixture, services: &[&str], subnets: &[&str]) -> String {
    let private = format!(
        "    private_services = {}\n    private_service_subnet_ids = {}\n    route_table_ids",
        hcl_list(services),
        hcl_list(subnets)
    );
    format!(
        "{}\noutput \"private_service_dns\" {{\n  value = cloudlink_cross_cloud_vpn.this.private_service_dns\n}}\n",
        fx.base.replacen("    route_table_ids", &private, 1)
    )
}

/// The actions called since `before` (a `counters()` snapshot) that are not reads.
fn writes_since(emu: &Emulator, before: &Json) -> Vec<String> {
    let after = emu.counters();
    let mut out = Vec::new();
    for (cloud, actions) in after.as_object().unwrap() {
        for (action, n) in actions.as_object().unwrap() {
            let was = before[cloud][action].as_u64().unwrap_or(0);
            let read = ["Describe", "Get", "GET"]
                .iter()
                .any(|p| action.starts_with(p))
                || action.contains("token");
            if n.as_u64().unwrap_or(0) > was && !read {
                out.push(format!("{cloud}:{action}"));
            }
        }
    }
    out
}

/// The inbound rules of group `id` as (protocol, from, to, CIDR), read with
/// DescribeSecurityGroups.
fn ingress(emu: &Emulator, id: &str) -> Vec<(String, i32, i32, String)> {
    let out = block_on(
        emu_ec2(emu, ACCOUNT, REGION)
            .describe_security_groups()
            .group_ids(id)
            .send(),
    )
    .expect("describing the security group");
    let g = &out.security_groups()[0];
    let mut rules = Vec::new();
    for p in g.ip_permissions() {
        for r in p.ip_ranges() {
            rules.push((
                p.ip_protocol().unwrap_or_default().to_string(),
                p.from_port().unwrap_or(-1),
                p.to_port().unwrap_or(-1),
                r.cidr_ip().unwrap_or_default().to_string(),
            ));
        }
        assert!(
            p.user_id_group_pairs().is_empty() && p.prefix_list_ids().is_empty(),
            "only CIDR sources: {p:?}"
        );
    }
    rules
}

/// The endpoint `id` as DescribeVpcEndpoints answers it: (state, subnets, groups, DNS names).
fn endpoint(emu: &Emulator, id: &str) -> (String, Vec<String>, Vec<String>, Vec<String>) {
    let out = block_on(
        emu_ec2(emu, ACCOUNT, REGION)
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send(),
    )
    .expect("describing the endpoint");
    let e = &out.vpc_endpoints()[0];
    let mut subnets = e.subnet_ids().to_vec();
    subnets.sort();
    (
        e.state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        subnets,
        e.groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        e.dns_entries()
            .iter()
            .filter_map(|d| d.dns_name().map(str::to_string))
            .collect(),
    )
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list expected: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn endpoint_id(st: &Json, service: &str) -> String {
    st["aws"]["private_service_endpoint_ids"][service]
        .as_str()
        .unwrap_or_else(|| panic!("no endpoint for {service} in {st}"))
        .to_string()
}

fn assert_second_plan_empty(wd: &Workdir) {
    let plan = wd.plan_exit_code();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());
}

#[test]
fn s3_over_the_vpn_admits_exactly_azure_on_443_changes_in_place_and_destroys_to_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let [a, b] = [fx.subnets[0].as_str(), fx.subnets[1].as_str()];
    let wd = Workdir::new();
    wd.write("main.tf", &config(&fx, &["s3"], &[a]));
    wd.apply();

    let st = wd.state_values(ADDRESS);
    let sg = st["aws"]["private_service_security_group_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sg.starts_with("sg-"), "{st}");
    assert_eq!(
        ingress(&emu, &sg),
        vec![("tcp".to_string(), 443, 443, AZURE_CIDR.to_string())],
        "the group admits exactly the Azure prefixes on 443"
    );
    let s3 = endpoint_id(&st, "s3");
    let (state, subnets, groups, dns) = endpoint(&emu, &s3);
    assert_eq!(state, "available");
    assert_eq!(subnets, vec![a.to_string()]);
    assert_eq!(groups, vec![sg.clone()]);
    let state_dns = strings(&st["private_service_dns"]["s3"]);
    assert!(!state_dns.is_empty());
    assert_eq!(
        state_dns, dns,
        "private_service_dns is the endpoint's DNS entries"
    );
    assert!(
        state_dns[0].starts_with(&format!("*.{s3}-"))
            && state_dns[0].ends_with(".s3.us-east-1.vpce.amazonaws.com"),
        "S3's endpoint-specific regional name: {state_dns:?}"
    );
    let outputs = wd.tf(&["output", "-json", "private_service_dns"]).success();
    let out: Json = serde_json::from_str(&outputs.stdout).unwrap();
    assert_eq!(strings(&out["s3"]), state_dns, "the output shows the names");
    assert_second_plan_empty(&wd);

    // A second subnet (another zone): the same endpoint, changed in place.
    wd.write("main.tf", &config(&fx, &["s3"], &[a, b]));
    assert_eq!(wd.planned_actions(ADDRESS), ["update"]);
    wd.apply();
    let st = wd.state_values(ADDRESS);
    assert_eq!(endpoint_id(&st, "s3"), s3, "the endpoint is kept");
    let (_, subnets, _, dns) = endpoint(&emu, &s3);
    let mut both = vec![a.to_string(), b.to_string()];
    both.sort();
    assert_eq!(subnets, both);
    assert_eq!(dns.len(), 3, "regional name and one per zone: {dns:?}");
    assert_eq!(strings(&st["private_service_dns"]["s3"]), dns);
    assert_second_plan_empty(&wd);

    // Another service in place, then S3 removed in place: its endpoint goes, STS's stays.
    wd.write("main.tf", &config(&fx, &["s3", "sts"], &[a, b]));
    wd.apply();
    let sts = endpoint_id(&wd.state_values(ADDRESS), "sts");
    wd.write("main.tf", &config(&fx, &["sts"], &[a, b]));
    assert_eq!(wd.planned_actions(ADDRESS), ["update"]);
    wd.apply();
    let st = wd.state_values(ADDRESS);
    assert_eq!(endpoint_id(&st, "sts"), sts);
    assert!(
        st["aws"]["private_service_endpoint_ids"]["s3"].is_null(),
        "{st}"
    );
    assert!(st["private_service_dns"]["s3"].is_null(), "{st}");
    let dump = emu.dump();
    let live: Vec<&Json> = aws_live(&dump, ACCOUNT, REGION, "vpc_endpoints");
    assert_eq!(live.len(), 1, "only STS's endpoint is left: {live:?}");
    assert_eq!(live[0]["id"], sts.as_str());
    assert_eq!(
        ingress(&emu, &sg),
        vec![("tcp".to_string(), 443, 443, AZURE_CIDR.to_string())]
    );
    assert_second_plan_empty(&wd);

    // STS's endpoint deleted out of band: the next plan repairs it in place.
    block_on(
        emu_ec2(&emu, ACCOUNT, REGION)
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(&sts)
            .send(),
    )
    .expect("deleting the endpoint out of band");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(wd.planned_actions(ADDRESS), ["update"]);
    wd.apply();
    let repaired = endpoint_id(&wd.state_values(ADDRESS), "sts");
    assert_ne!(repaired, sts, "a new endpoint replaces the deleted one");
    assert_eq!(endpoint(&emu, &repaired).0, "available");
    assert_second_plan_empty(&wd);

    wd.destroy();
    let dump = emu.dump();
    assert_nothing_left(&dump);
    let endpoints = aws_live(&dump, ACCOUNT, REGION, "vpc_endpoints");
    assert!(endpoints.is_empty(), "endpoints left: {endpoints:?}");
    let groups = &dump["ec2"]["accounts"][ACCOUNT][REGION]["security_groups"];
    assert_eq!(
        groups.as_array().map(Vec::len),
        Some(0),
        "groups left: {groups}"
    );
}

#[test]
fn an_unknown_service_is_refused_at_plan_on_its_element_without_mutating_calls() {
    let emu = Emulator::start("fast", 1.0);
    let fx = fixture(&emu);
    let before = emu.counters();
    let wd = Workdir::new();
    let cfg = config(&fx, &["s3", "no-such-service"], &[&fx.subnets[0]]);
    wd.write("main.tf", &cfg);
    let (run, diags) = wd.plan_json_diagnostics();
    assert_ne!(run.code, 0, "the plan fails");
    let line = line_number(&cfg, "aws {", "private_services");
    assert_error_at(
        &diags,
        "AWS service not offered in this region",
        ADDRESS,
        &cfg,
        line,
        "\"no-such-service\"",
    );
    assert_eq!(
        writes_since(&emu, &before),
        Vec::<String>::new(),
        "no mutating call at plan"
    );
    assert!(emu.counter("ec2", "DescribeVpcEndpointServices") >= 1);
}
