//! Ownership through the real terraform binary: two working directories (two states) that
//! declare the same `cloudlink_cross_cloud_vpn` (same name, VPC and VNet). The first one to
//! create it owns it; the second is refused with "owned by another state", creates nothing,
//! changes nothing, and its destroy deletes nothing of the first's link. Checked one after the
//! other, with the second applying a plan made before the first created anything, and with
//! the two racing while the first's gateway builds. The same for `cloudlink_vpc_peering_pair`
//! (two states peering the same two VPCs).

mod support;

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use support::{
    arm_of, assert_nothing_left, aws_live, crash_output, provider_block, spawn_apply,
    static_link_config, wait_for, Emulator, Workdir, ACCOUNT, REGION, REQUIRED_PROVIDERS,
};

const ADDRESS: &str = "cloudlink_cross_cloud_vpn.this";

/// The sentence every refusal carries, for the link `link` in the fixtures' resource group.
const REFUSAL: &str = "a link named \"link\" already exists in Azure resource group net-rg, owned by another state: import it or choose another name";

/// The number of the next exchange the emulator will record, to look at what came after.
fn next_seq(emu: &Emulator) -> u64 {
    emu.emu
        .observe
        .exchanges()
        .last()
        .map(|x| x.seq + 1)
        .unwrap_or(0)
}

/// Every request from exchange `since` on that could change something in a cloud: ARM
/// PUT/PATCH/POST/DELETE (the token request aside) and EC2 actions other than reads.
fn mutating_since(emu: &Emulator, since: u64) -> Vec<String> {
    emu.emu
        .observe
        .exchanges()
        .into_iter()
        .filter(|x| x.seq >= since)
        .filter_map(|x| {
            let action = x
                .request_body
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .map(str::to_string);
            match action {
                Some(a) if a.starts_with("Describe") || a.starts_with("Get") => None,
                Some(a) => Some(a),
                None if x.method == "GET" || x.path.contains("/oauth2/") => None,
                None => Some(format!("{} {}", x.method, x.path)),
            }
        })
        .collect()
}

/// Every claim any request wrote: the `cloudlink-claim` tag of ARM bodies and the
/// `cloudlink:claim` tag of EC2 form requests.
fn claims_written(emu: &Emulator) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for x in emu.emu.observe.exchanges() {
        if let Ok(body) = serde_json::from_str::<Json>(&x.request_body) {
            if let Some(c) = body["tags"]["cloudlink-claim"].as_str() {
                out.insert(c.to_string());
            }
            continue;
        }
        let form: BTreeMap<String, String> = form_urlencoded::parse(x.request_body.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (k, v) in &form {
            if v == "cloudlink:claim" {
                if let Some(value) = k
                    .strip_suffix(".Key")
                    .and_then(|p| form.get(&format!("{p}.Value")))
                {
                    out.insert(value.clone());
                }
            }
        }
    }
    out
}

/// The claim tag of every cloudlink object of the link, ARM and EC2, as `kind: claim`.
fn claims(dump: &Json) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kind in [
        "publicIPAddresses",
        "virtualNetworkGateways",
        "localNetworkGateways",
        "connections",
    ] {
        for r in arm_of(dump, kind) {
            let claim = r["tags"]["cloudlink-claim"].as_str().unwrap_or("");
            out.push((kind.to_string(), claim.to_string()));
        }
    }
    for kind in ["customer_gateways", "vpn_gateways", "vpn_connections"] {
        for o in aws_live(dump, ACCOUNT, REGION, kind) {
            let claim = o["tags"]["cloudlink:claim"].as_str().unwrap_or("");
            out.push((kind.to_string(), claim.to_string()));
        }
    }
    out
}

/// Asserts the link is whole, one object of each kind (one tunnel, static), every object
/// carrying `claim`, and the GatewaySubnet in place.
fn assert_link_owned_by(dump: &Json, claim: &str) {
    let found = claims(dump);
    let kinds: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "publicIPAddresses",
            "virtualNetworkGateways",
            "localNetworkGateways",
            "connections",
            "customer_gateways",
            "vpn_gateways",
            "vpn_connections"
        ],
        "one object of each kind: {found:?}"
    );
    for (kind, c) in &found {
        assert_eq!(c, claim, "{kind} carries another claim");
    }
    assert!(
        arm_of(dump, "subnets")
            .iter()
            .any(|s| s["name"] == "GatewaySubnet"),
        "the GatewaySubnet is gone"
    );
}

/// The claim resource `address` holds in `wd`'s state.
fn claim_of(wd: &Workdir, address: &str) -> String {
    wd.state_values(address)["claim_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Writes `from`'s state into `to` with another claim (a copied state file), and returns it.
fn copy_state_under_another_claim(from: &Workdir, to: &Workdir) -> String {
    let text = std::fs::read_to_string(from.path().join("terraform.tfstate")).unwrap();
    let mut st: Json = serde_json::from_str(&text).unwrap();
    st["resources"][0]["instances"][0]["attributes"]["claim_id"] =
        Json::from("0123456789abcdef0123456789abcdef");
    let copied = st.to_string();
    to.write("terraform.tfstate", &copied);
    copied
}

/// Applies `config` in a new working directory: the first state, and the claim it holds.
fn create_link(config: &str) -> (Workdir, String) {
    let first = Workdir::new();
    first.write("main.tf", config);
    first.apply();
    let claim = claim_of(&first, ADDRESS);
    (first, claim)
}

/// Asserts the first state's link is whole under its claim and plans no change, then
/// destroys it and asserts nothing is left.
fn assert_first_link_whole_then_destroy(emu: &Emulator, first: &Workdir, claim: &str) {
    assert_link_owned_by(&emu.dump(), claim);
    assert_eq!(
        first.plan_exit_code().code,
        0,
        "the first state plans no change"
    );
    first.destroy();
    assert_nothing_left(&emu.dump());
}

/// `text` with every run of whitespace as one space (terraform wraps long details).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error diagnostics of `terraform plan -json` (one JSON object per line).
fn plan_error_diagnostics(wd: &Workdir) -> (i32, Vec<Json>) {
    let run = wd.tf(&["plan", "-json", "-no-color"]);
    let diags = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == "error")
        .map(|m| m["diagnostic"].clone())
        .collect();
    (run.code, diags)
}

/// Asserts a plan in `wd` is refused with the ownership error on the `name` attribute.
fn assert_plan_refused_on_name(wd: &Workdir) {
    let (code, diags) = plan_error_diagnostics(wd);
    assert_eq!(code, 1, "the plan must fail: {diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["summary"], "Link owned by another state", "{d}");
    assert!(d["detail"].as_str().unwrap().contains(REFUSAL), "{d}");
    assert_eq!(d["address"], ADDRESS, "{d}");
    let code_line = d["snippet"]["code"].as_str().unwrap_or("");
    assert!(
        code_line.trim_start().starts_with("name"),
        "the diagnostic points at `name`: {d}"
    );
}

#[test]
fn a_second_state_with_the_same_link_name_is_refused_at_plan_and_touches_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let config = static_link_config(&emu);
    let (first, claim) = create_link(&config);
    assert_eq!(claim.len(), 32, "a 128-bit claim id in state: {claim}");
    assert_link_owned_by(&emu.dump(), &claim);

    let second = Workdir::new();
    second.write("main.tf", &config);
    let before = next_seq(&emu);
    assert_plan_refused_on_name(&second);
    let run = second.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("owned by another state"),
        "{}",
        run.all()
    );
    assert_eq!(mutating_since(&emu, before), Vec::<String>::new());
    // The refused create left no state, so the second's destroy has nothing to do.
    second.destroy();
    assert_eq!(mutating_since(&emu, before), Vec::<String>::new());

    assert_first_link_whole_then_destroy(&emu, &first, &claim);
}

#[test]
fn a_plan_made_before_the_other_state_created_the_link_is_refused_when_applied() {
    let emu = Emulator::start("fast", 1.0);
    let config = static_link_config(&emu);
    let second = Workdir::new();
    second.write("main.tf", &config);
    // Planned while nothing exists: nothing to refuse yet.
    second.tf(&["plan", "-out=tfplan", "-no-color"]).success();

    let (first, claim) = create_link(&config);

    let before = next_seq(&emu);
    let run = second.tf(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(flat(&run.all()).contains(REFUSAL), "{}", run.all());
    assert_eq!(
        mutating_since(&emu, before),
        Vec::<String>::new(),
        "the refused apply changed something"
    );
    assert_first_link_whole_then_destroy(&emu, &first, &claim);
}

#[test]
fn a_copy_of_another_states_link_under_its_own_claim_deletes_nothing_and_cannot_take_it_over() {
    let emu = Emulator::start("fast", 1.0);
    let config = static_link_config(&emu);
    let (first, claim) = create_link(&config);

    // A second state naming every object of the first's link by id, under another claim
    // (a copied state file): its destroy must leave the first's link whole.
    let second = Workdir::new();
    second.write("main.tf", &config);
    let copied = copy_state_under_another_claim(&first, &second);
    let before = next_seq(&emu);
    second
        .tf(&["destroy", "-auto-approve", "-refresh=false", "-no-color"])
        .success();
    assert_eq!(
        mutating_since(&emu, before),
        Vec::<String>::new(),
        "the second's destroy changed something"
    );
    assert_link_owned_by(&emu.dump(), &claim);

    // Nor can it adopt the link: refreshed, its copy is gone, and creating it is refused.
    second.write("terraform.tfstate", &copied);
    assert_plan_refused_on_name(&second);
    assert_eq!(mutating_since(&emu, before), Vec::<String>::new());
    assert_first_link_whole_then_destroy(&emu, &first, &claim);
}

/// Whether the gateway PUT was accepted and its build is still running.
fn gateway_building(emu: &Emulator) -> bool {
    emu.counter("arm", "PUT virtualNetworkGateways") > 0
        && arm_of(&emu.dump(), "virtualNetworkGateways")
            .iter()
            .any(|g| g["properties"]["provisioningState"] != "Succeeded")
}

#[test]
fn a_second_state_racing_a_create_in_progress_is_refused_and_the_first_completes() {
    // Realistic latencies at 1%: the 40-minute gateway build takes 24 s.
    let emu = Emulator::start("realistic", 0.01);
    let config = static_link_config(&emu);
    let first = Workdir::new();
    first.write("main.tf", &config);
    let mut apply = spawn_apply(&first);
    wait_for(
        &first,
        &mut apply,
        std::time::Duration::from_secs(120),
        "the gateway build",
        || gateway_building(&emu),
    );

    let second = Workdir::new();
    second.write("main.tf", &config);
    assert_plan_refused_on_name(&second);
    let run = second.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(flat(&run.all()).contains(REFUSAL), "{}", run.all());
    assert!(
        gateway_building(&emu),
        "the race must happen while the gateway builds"
    );

    let status = apply.wait().unwrap();
    assert!(status.success(), "{}", crash_output(&first));
    let claim = claim_of(&first, ADDRESS);
    assert_link_owned_by(&emu.dump(), &claim);
    // Every object written during the race (ARM bodies, EC2 tag specifications) carried the
    // first's claim: the second wrote nothing of its own.
    assert_eq!(claims_written(&emu), BTreeSet::from([claim.clone()]));
    first.destroy();
    assert_nothing_left(&emu.dump());
}

// ---- cloudlink_vpc_peering_pair ----------------------------------------------------------

const PAIR: &str = "cloudlink_vpc_peering_pair.this";

/// Two VPCs of the default account and region, and the HCL of a pair `this` between them.
fn pair_config(emu: &Emulator) -> String {
    let out = emu.fixtures(serde_json::json!({"aws": {"vpcs": [
        {"cidr": "10.10.0.0/16", "name": "requester", "route_tables": 1},
        {"cidr": "10.20.0.0/16", "name": "accepter", "route_tables": 1},
    ]}}));
    let v = &out["aws"]["vpcs"];
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "cloudlink_vpc_peering_pair" "this" {{
  requester {{
    vpc_id          = "{}"
    route_table_ids = ["{}"]
  }}
  accepter {{
    vpc_id          = "{}"
    route_table_ids = ["{}"]
  }}
}}
"#,
        v[0]["id"].as_str().unwrap(),
        v[0]["route_table_ids"][0].as_str().unwrap(),
        v[1]["id"].as_str().unwrap(),
        v[1]["route_table_ids"][0].as_str().unwrap(),
        provider = provider_block(emu),
    )
}

/// The live peerings, each with its claim tag.
fn peering_claims(emu: &Emulator) -> Vec<String> {
    aws_live(&emu.dump(), ACCOUNT, REGION, "vpc_peering_connections")
        .iter()
        .filter(|p| p["status"] == "active")
        .map(|p| {
            p["tags"]["cloudlink:claim"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn a_second_state_peering_the_same_vpcs_is_refused_and_a_copied_state_deletes_nothing() {
    let emu = Emulator::start("fast", 1.0);
    let config = pair_config(&emu);
    let first = Workdir::new();
    first.write("main.tf", &config);
    first.apply();
    let claim = claim_of(&first, PAIR);
    assert_eq!(peering_claims(&emu), std::slice::from_ref(&claim));

    // Refused at plan, on the requester's VPC, with nothing written.
    let second = Workdir::new();
    second.write("main.tf", &config);
    let before = next_seq(&emu);
    let (code, diags) = plan_error_diagnostics(&second);
    assert_eq!(code, 1, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        diags[0]["summary"], "Peering owned by another state",
        "{diags:?}"
    );
    let detail = diags[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("owned by another state: import it or choose another name"),
        "{detail}"
    );
    assert!(
        diags[0]["snippet"]["code"]
            .as_str()
            .unwrap_or("")
            .trim_start()
            .starts_with("vpc_id"),
        "{diags:?}"
    );
    assert_eq!(mutating_since(&emu, before), Vec::<String>::new());

    // A copy of the first's state under another claim: its destroy leaves the peering.
    copy_state_under_another_claim(&first, &second);
    second
        .tf(&["destroy", "-auto-approve", "-refresh=false", "-no-color"])
        .success();
    assert_eq!(mutating_since(&emu, before), Vec::<String>::new());
    assert_eq!(peering_claims(&emu), [claim]);

    assert_eq!(
        first.plan_exit_code().code,
        0,
        "the first state plans no change"
    );
    first.destroy();
    assert_eq!(peering_claims(&emu), Vec::<String>::new());
}
