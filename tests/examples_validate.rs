//! Every example a user may copy validates against the live schema: the provider example,
//! each resource example, the demo, and the module with its calling root.

mod support;

use std::path::Path;
use support::{Workdir, REQUIRED_PROVIDERS};

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
    for dir in std::fs::read_dir(root).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
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
