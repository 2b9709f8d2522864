//! Every example a user may copy validates against the live schema: the provider example,
//! each resource example, the demo, and the module with its calling root.

mod support;

use std::path::Path;
use support::{Workdir, REQUIRED_PROVIDERS};

/// Example folders of resources written ahead of their registration (the schema exists, the
/// apply lands with a later merge). Skipped until then; once such a resource is registered,
/// [`every_resource_example_validates`] fails until its entry is removed here.
const PENDING_REGISTRATION: &[&str] = &[];

fn validate(main_tf: &str) -> support::Run {
    let wd = Workdir::new();
    wd.write("main.tf", main_tf);
    wd.tf(&["validate", "-no-color"])
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn every_resource_example_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/resources");
    let mut checked = 0;
    let registered: Vec<String> = terraform_provider_cloudlink::resources::registry()
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    for pending in PENDING_REGISTRATION {
        assert!(
            !registered.iter().any(|r| r == pending),
            "{pending} is registered now: remove it from PENDING_REGISTRATION"
        );
    }
    for dir in std::fs::read_dir(root).unwrap() {
        let dir = dir.unwrap();
        if PENDING_REGISTRATION.contains(&dir.file_name().to_string_lossy().as_ref()) {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "tf") {
                let body = std::fs::read_to_string(&path).unwrap();
                let provider = if body.contains("provider \"cloudlink\"") {
                    ""
                } else {
                    "provider \"cloudlink\" {}\n"
                };
                let run = validate(&format!("{REQUIRED_PROVIDERS}{provider}{body}"));
                assert_eq!(
                    run.code,
                    0,
                    "{} does not validate:\n{}",
                    path.display(),
                    run.all()
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5,
        "expected the resource examples, found {checked}"
    );
}

#[test]
fn provider_and_demo_examples_validate() {
    for rel in ["examples/provider/provider.tf", "examples/demo/main.tf"] {
        let run = validate(&read(rel));
        assert_eq!(run.code, 0, "{rel} does not validate:\n{}", run.all());
    }
}

#[test]
fn module_and_its_caller_validate() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path().join("root")).unwrap();
    std::fs::create_dir_all(wd.path().join("modules/aws-azure-vpn")).unwrap();
    wd.write("root/main.tf", &read("examples/module-usage/main.tf"));
    for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
        wd.write(
            &format!("modules/aws-azure-vpn/{f}"),
            &read(&format!("examples/modules/aws-azure-vpn/{f}")),
        );
    }
    // `terraform get` installs the local module without looking up providers (the provider
    // comes from dev_overrides), so this needs no network.
    let get = wd.tf(&["-chdir=root", "get", "-no-color"]);
    assert_eq!(get.code, 0, "terraform get failed:\n{}", get.all());
    let run = wd.tf(&["-chdir=root", "validate", "-no-color"]);
    assert_eq!(
        run.code,
        0,
        "module example does not validate:\n{}",
        run.all()
    );
}

/// The planned `azure` block of the `cloudlink_cross_cloud_vpn` in a saved plan.
fn planned_azure(wd: &Workdir) -> serde_json::Value {
    let show = wd.tf(&["show", "-json", "tfplan"]).success();
    let plan: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "cloudlink_cross_cloud_vpn")
        .map(|c| c["change"]["after"]["azure"].clone())
        .unwrap_or_else(|| panic!("no VPN in the plan: {plan}"))
}

/// In a region with availability zones (westeurope), every VPN example and the demo plan an
/// AZ SKU on zone-redundant public IPs: what Azure builds today (docs/cloud-rules.md,
/// AZ-GW-SKU-NONAZ-RETIRED, AZ-GW-ZONES-REQUIRED).
#[test]
fn every_vpn_example_and_the_demo_plan_an_az_sku_on_zoned_public_ips() {
    let emu = support::Emulator::start("fast", 1.0);
    let fx = emu.fixtures(serde_json::json!({
        "aws": {"vpcs": [{"cidr": "10.0.0.0/16", "route_tables": 1, "name": "app"},
                         {"cidr": "10.20.0.0/16", "route_tables": 1, "name": "shared"}]},
        "azure": {
            "resource_groups": [{"name": "network-rg", "location": "westeurope"},
                                {"name": "demo-rg", "location": "westeurope"}],
            "virtual_networks": [
                {"resource_group": "network-rg", "name": "hub-vnet", "address_space": ["10.1.0.0/16"], "subnets": []},
                {"resource_group": "demo-rg", "name": "demo-vnet", "address_space": ["10.30.0.0/16"], "subnets": []}],
        }
    }));
    let id = |i: usize, k: &str| -> String {
        let v = &fx["aws"]["vpcs"][i];
        match k {
            "vpc" => v["id"].as_str().unwrap().to_string(),
            _ => v["route_table_ids"][0].as_str().unwrap().to_string(),
        }
    };
    let provider = support::provider_block(&emu);
    let mut checked = 0;
    for rel in [
        "examples/resources/cloudlink_cross_cloud_vpn/resource.tf",
        "examples/resources/cloudlink_cross_cloud_vpn/ha-bgp.tf",
    ] {
        let body = read(rel)
            .replace("vpc-0123456789abcdef0", &id(0, "vpc"))
            .replace("rtb-0123456789abcdef0", &id(0, "rtb"));
        let wd = Workdir::new();
        wd.write("main.tf", &format!("{REQUIRED_PROVIDERS}{provider}{body}"));
        let mut args = vec!["plan", "-no-color", "-out=tfplan"];
        let psks: Vec<String> = (1..=4)
            .map(|i| format!("psk{i}=Key{i}forTheExample.x"))
            .collect();
        if body.contains("var.psk1") {
            for p in &psks {
                args.extend(["-var", p.as_str()]);
            }
        }
        wd.tf(&args).success();
        let az = planned_azure(&wd);
        assert!(az["sku"].as_str().unwrap().ends_with("AZ"), "{rel}: {az}");
        assert_eq!(
            az["zones"],
            serde_json::json!(["1", "2", "3"]),
            "{rel}: {az}"
        );
        checked += 1;
    }
    let wd = Workdir::new();
    wd.write("main.tf", &read("examples/demo/main.tf"));
    let vars = [
        format!("endpoint={}", emu.url),
        format!("vpc_id={}", id(0, "vpc")),
        format!("route_table_id={}", id(0, "rtb")),
        format!("shared_vpc_id={}", id(1, "vpc")),
        format!("shared_route_table_id={}", id(1, "rtb")),
    ];
    let mut args = vec!["plan", "-no-color", "-out=tfplan"];
    for v in &vars {
        args.extend(["-var", v.as_str()]);
    }
    wd.tf(&args).success();
    let az = planned_azure(&wd);
    assert_eq!(az["sku"], "VpnGw1AZ", "demo: {az}");
    assert_eq!(
        az["zones"],
        serde_json::json!(["1", "2", "3"]),
        "demo: {az}"
    );
    assert_eq!(checked, 2);
}
