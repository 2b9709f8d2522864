//! A fresh clone compiles the dependency graph once: `make demo` builds the binaries and
//! `make test` then builds the tests, and any crate the two resolve with different features
//! is compiled twice (with the SDKs above it, minutes on a 2-core machine). The
//! dev-dependencies must therefore add no feature to a crate the binaries use; the feature
//! pins in Cargo.toml make up for the ones they do add.

use std::collections::BTreeMap;
use std::process::Command;

/// `package version -> features` of every target-side dependency, as `cargo tree` resolves
/// them with the given edge kinds.
fn resolved_features(edges: &str) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--workspace", "--offline", "--prefix", "none"])
        .args(["-e", edges, "-f", "{p}|{f}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim_end_matches(" (*)").split_once('|'))
        .map(|(p, f)| (p.trim().to_string(), f.trim().to_string()))
        .collect()
}

#[test]
fn the_tests_resolve_the_same_features_as_the_binaries() {
    let build = resolved_features("normal");
    let test = resolved_features("normal,dev");
    let differ: Vec<String> = build
        .iter()
        .filter_map(|(p, f)| {
            let t = test.get(p)?;
            (t != f).then(|| format!("{p}: build [{f}] vs test [{t}]"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the dev-dependencies change features of crates the binaries use, so `make test` \
         would recompile them after `make demo`; pin these features in Cargo.toml:\n{}",
        differ.join("\n")
    );
}
