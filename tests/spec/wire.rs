//! Spec conformance of recorded wire traffic: hands an emulator's recorded exchanges to
//! `tests/spec/check_wire.py`, which checks every request and response against the Azure
//! swagger and botocore's EC2/STS models, and panics with its findings on any violation.
//!
//! Shared by the e2e harness (`tests/support`, on every `Emulator` drop) and any test with
//! its own in-process emulator: `#[path = "spec/wire.rs"] mod wire;` then
//! `wire::assert_conforms(&emu, "label")`. Tests that send bad input on purpose (the emulator
//! crate's conformance tests: `#[path = "../../tests/spec/wire.rs"]`) use
//! [`assert_responses_conform`], which judges only the emulator's answers. [`Checked`] runs
//! either check when a test's emulator is dropped.
#![allow(dead_code)]

use cloudlink_emulator::Emulator;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The checker script, found from the crate root (the provider's, or the emulator's one
/// level below it) so it works from any test binary of the workspace.
pub fn checker() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let here = root.join("tests/spec/check_wire.py");
    if here.is_file() {
        here
    } else {
        root.join("../tests/spec/check_wire.py")
    }
}

/// The Python interpreter: `CLOUDLINK_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("CLOUDLINK_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Fails (never skips) when python3 or botocore is missing, saying how to fix it.
fn run_checker(file: &std::path::Path, responses_only: bool) -> std::process::Output {
    let mut cmd = Command::new(python());
    cmd.arg(checker());
    if responses_only {
        cmd.arg("--responses-only");
    }
    cmd.arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "spec conformance: cannot run {} ({e}). The wire check needs Python 3 with \
                 botocore: run `make tools`, or set CLOUDLINK_PYTHON to an interpreter that has it.",
                python()
            )
        })
}

/// Checks every exchange `emu` recorded; panics with the violations (each names its rule,
/// the request and what is wrong) or with the set-up problem. `label` names the recording
/// (the test) in the message and the kept file.
pub fn assert_conforms(emu: &Emulator, label: &str) {
    check(emu, label, false)
}

/// Like [`assert_conforms`], but judges only the emulator's answers (status codes, bodies,
/// error envelopes), for tests whose requests break the specs on purpose.
pub fn assert_responses_conform(emu: &Emulator, label: &str) {
    check(emu, label, true)
}

/// An in-process emulator whose recording is checked when it is dropped (not while the
/// test is already panicking: its own failure is the news), labelled with the test's name.
/// Derefs to the `Arc<Emulator>`, so a test's harness can hand it out in place of the Arc.
pub struct Checked {
    emu: Arc<Emulator>,
    responses_only: bool,
}

impl Checked {
    /// Checks requests and responses ([`assert_conforms`]).
    pub fn all(emu: Arc<Emulator>) -> Self {
        Checked {
            emu,
            responses_only: false,
        }
    }

    /// Checks only the emulator's answers ([`assert_responses_conform`]).
    pub fn responses(emu: Arc<Emulator>) -> Self {
        Checked {
            emu,
            responses_only: true,
        }
    }
}

impl std::ops::Deref for Checked {
    type Target = Arc<Emulator>;

    fn deref(&self) -> &Arc<Emulator> {
        &self.emu
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let label = std::thread::current()
            .name()
            .unwrap_or("unnamed test")
            .to_string();
        check(&self.emu, &label, self.responses_only);
    }
}

fn check(emu: &Emulator, label: &str, responses_only: bool) {
    let exchanges = emu.observe.exchanges();
    let dropped = emu.observe.exchanges_dropped();
    assert_eq!(
        dropped, 0,
        "spec conformance ({label}): {dropped} exchanges did not fit the recording \
         (observe::MAX_EXCHANGES); the rest cannot be checked"
    );
    if exchanges.is_empty() {
        return;
    }
    static N: AtomicU64 = AtomicU64::new(0);
    let safe: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = std::env::temp_dir().join(format!(
        "cloudlink-wire-{}-{}-{safe}.jsonl",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for ex in &exchanges {
            serde_json::to_writer(&mut f, ex).unwrap();
            f.write_all(b"\n").unwrap();
        }
        f.flush().unwrap();
    }
    let out = run_checker(&path, responses_only);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {
            // CLOUDLINK_WIRE_KEEP=1 keeps passing recordings too and shows the summary
            // (`--nocapture` to see it), to inspect what was checked and what was skipped.
            if std::env::var_os("CLOUDLINK_WIRE_KEEP").is_some() {
                eprintln!("spec conformance ({label}): {}{stderr}", path.display());
            } else {
                let _ = std::fs::remove_file(&path);
            }
        }
        Some(1) => {
            let shown: Vec<&str> = stdout.lines().take(40).collect();
            panic!(
                "spec conformance ({label}): the wire traffic breaks the official specs \
                 ({} violation(s); recording kept at {}):\n{}\n{}",
                stdout.lines().count(),
                path.display(),
                shown.join("\n"),
                stderr
            );
        }
        _ => panic!(
            "spec conformance ({label}): the checker could not run: {stderr}{stdout}\n\
             Fix: `make tools` installs botocore; the swagger must be at \
             ../shared/reference/api-data/azure/swagger or in CLOUDLINK_SWAGGER_DIR."
        ),
    }
}
