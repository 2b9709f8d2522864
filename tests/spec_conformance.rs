//! The spec checker checks itself: runs the Python unit tests of `tests/spec/check_wire.py`
//! (each rule fires on a crafted bad exchange and stays quiet on a good one from the api-data
//! examples), so `make test` covers the checker that every e2e emulator relies on.

#[path = "spec/wire.rs"]
mod wire;

#[test]
fn the_wire_checker_passes_its_own_unit_tests() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec");
    let out = std::process::Command::new(wire::python())
        .args(["-m", "unittest", "-v", "test_check_wire"])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the spec checker needs Python 3 with botocore (`make tools`)",
                wire::python()
            )
        });
    assert!(
        out.status.success(),
        "tests/spec/test_check_wire.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
