//! The provider foundation through the real terraform binary: terraform loads cloudlink over
//! AutoMTLS, reads its schema, validates and plans the provider example, points bad provider
//! arguments at their line, and every provider process exits promptly on Shutdown.

mod support;

use support::{Workdir, REQUIRED_PROVIDERS};

/// A resource that makes terraform configure the provider (with no resource, terraform
/// never decodes the provider block).
const ANY_RESOURCE: &str = r#"
resource "cloudlink_vpc_peering_pair" "x" {
  requester {
    vpc_id = "vpc-1"
  }
  accepter {
    vpc_id = "vpc-2"
  }
}
"#;

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn provider_example_validates_and_plans_over_tls() {
    let wd = Workdir::new();
    wd.write("main.tf", &example("provider/provider.tf"));
    wd.tf(&["validate", "-no-color"]).success();
    let plan = wd.tf(&["plan", "-no-color"]).success();
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
}

#[test]
fn providers_schema_json_shows_the_provider_block() {
    let wd = Workdir::new();
    wd.write("main.tf", &example("provider/provider.tf"));
    let out = wd.tf(&["providers", "schema", "-json"]).success();
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let p = &schema["provider_schemas"]["registry.terraform.io/cloudlink/cloudlink"]["provider"]
        ["block"];
    assert_eq!(
        p["block_types"]["aws"]["block"]["attributes"]["secret_key"]["sensitive"],
        true
    );
    assert_eq!(
        p["block_types"]["azure"]["block"]["attributes"]["client_secret"]["sensitive"],
        true
    );
    assert_eq!(p["block_types"]["aws_account"]["nesting_mode"], "map");
}

#[test]
fn numeric_region_is_an_error_on_its_line() {
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"cloudlink\" {{\n  aws {{\n    region = 42\n  }}\n}}\n{ANY_RESOURCE}"),
    );
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let err = plan.all();
    assert!(err.contains("Invalid AWS region"), "{err}");
    assert!(
        err.contains("main.tf line 10"),
        "diagnostic must point at the region line:\n{err}"
    );
}

#[test]
fn unknown_provider_block_is_an_error_on_its_line() {
    let wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"cloudlink\" {{\n  gcp {{\n    project = \"x\"\n  }}\n}}\n{ANY_RESOURCE}"),
    );
    let plan = wd.tf(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    let err = plan.all();
    assert!(
        err.contains("Unsupported block type") && err.contains("main.tf line 9"),
        "{err}"
    );
}

/// go-plugin gives a provider 2 s after Shutdown before it kills it; we must be gone long
/// before. Terraform's trace log records, per process, our "shutdown requested" line and the
/// moment it saw the process exit, both with millisecond timestamps.
#[test]
fn every_provider_process_exits_within_half_a_second_of_shutdown() {
    let mut wd = Workdir::new();
    wd.write("main.tf", &example("provider/provider.tf"));
    let log = wd.path().join("tf.log");
    wd.env("TF_LOG", "trace");
    wd.env("TF_LOG_PATH", &log.display().to_string());
    wd.tf(&["plan", "-no-color"]).success();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        !log.contains("plugin failed to exit gracefully"),
        "a provider was killed instead of exiting"
    );
    let mut shutdown_at = std::collections::HashMap::new();
    let mut measured = Vec::new();
    for line in log.lines() {
        let Some(ts) = line.get(..24).and_then(parse_ts) else {
            continue;
        };
        if line.contains("shutdown requested by terraform") {
            if let Some(pid) = field(line, "pid=") {
                shutdown_at.insert(pid, ts);
            }
        } else if line.contains("plugin process exited")
            && line.contains("terraform-provider-cloudlink")
        {
            // terraform names the process `id=PID` in this line.
            let pid = field(line, " id=").expect("pid in exit line");
            let start = shutdown_at
                .get(&pid)
                .unwrap_or_else(|| panic!("no shutdown line for pid {pid}"));
            measured.push((pid, ts - start));
        }
    }
    assert!(
        !measured.is_empty(),
        "no provider process exit found in the log"
    );
    for (pid, ms) in &measured {
        assert!(
            *ms < 500,
            "provider pid {pid} took {ms} ms to exit after Shutdown"
        );
    }
    eprintln!("shutdown-to-exit per provider process (ms): {measured:?}");
}

/// Milliseconds since midnight from `2026-11-25T13:00:00.123Z`.
fn parse_ts(s: &str) -> Option<i64> {
    let t = s.split('T').nth(1)?;
    let h: i64 = t.get(0..2)?.parse().ok()?;
    let m: i64 = t.get(3..5)?.parse().ok()?;
    let sec: i64 = t.get(6..8)?.parse().ok()?;
    let ms: i64 = t.get(9..12)?.parse().ok()?;
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

fn field(line: &str, key: &str) -> Option<String> {
    let rest = &line[line.find(key)? + key.len()..];
    Some(rest.chars().take_while(|c| c.is_ascii_digit()).collect())
}

/// Provider secrets (AWS secret key, Azure client secret) are sensitive: terraform never
/// shows them, and neither our logs nor terraform's trace log contain them.
#[test]
fn provider_secrets_never_reach_output_or_logs() {
    let emu = support::Emulator::start("fast", 1.0);
    let ids = emu.fixtures(serde_json::json!({"aws": {"vpcs": [
        {"cidr": "10.1.0.0/16", "route_tables": 1},
        {"cidr": "10.2.0.0/16", "route_tables": 1}
    ]}}));
    let vpc = |i: usize, k: &str| ids["aws"]["vpcs"][i][k].as_str().unwrap().to_string();
    let (aws_secret, azure_secret) = ("AwsSecretKeyValue9Qx", "AzureClientSecret7Zr");
    let mut wd = Workdir::new();
    wd.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "cloudlink" {{
  poll_interval = "100ms"
  aws {{
    region     = "us-east-1"
    access_key = "AKID123456789012EXAMPLE"
    secret_key = "{aws_secret}"
    endpoint   = "{url}"
  }}
  azure {{
    subscription_id = "00000000-0000-0000-0000-000000000000"
    tenant_id       = "11111111-1111-1111-1111-111111111111"
    client_id       = "22222222-2222-2222-2222-222222222222"
    client_secret   = "{azure_secret}"
    endpoint        = "{url}"
  }}
}}
resource "cloudlink_vpc_peering_pair" "p" {{
  requester {{
    vpc_id = "{a}"
  }}
  accepter {{
    vpc_id = "{b}"
  }}
}}
"#,
            url = emu.url,
            a = vpc(0, "id"),
            b = vpc(1, "id"),
        ),
    );
    let log = wd.path().join("trace.log");
    wd.env("TF_LOG", "trace");
    wd.env("TF_LOG_PATH", &log.display().to_string());
    let apply = wd.apply();
    let destroy = wd.destroy();
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap_or_default();
    let log = std::fs::read_to_string(&log).unwrap();
    for secret in [aws_secret, azure_secret] {
        assert!(!apply.all().contains(secret), "secret in apply output");
        assert!(!destroy.all().contains(secret), "secret in destroy output");
        assert!(!log.contains(secret), "secret in terraform's trace log");
        assert!(!state.contains(secret), "secret in state");
    }
    assert!(
        log.contains("provider.terraform-provider-cloudlink"),
        "the trace log holds no provider lines"
    );
}
