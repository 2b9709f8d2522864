//! Process control for the tests that crash or time terraform: a terraform run in its own
//! process group with its output in files, the cloudlink provider processes of that group,
//! SIGKILL of either, and a run with a time limit, for `reliability.rs` (which kills terraform
//! or the provider at chosen moments) and any other test that needs them.

use super::{Run, Workdir};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `terraform ARGS` in its own process group (so a group kill reaches terraform and
/// its providers and nothing else), stdout and stderr to `TAG.out` and `TAG.err` in the
/// workdir (a pipe nobody reads could block terraform).
pub fn spawn_logged(wd: &Workdir, args: &[&str], tag: &str) -> Child {
    let stdout = std::fs::File::create(wd.path().join(format!("{tag}.out"))).unwrap();
    let stderr = std::fs::File::create(wd.path().join(format!("{tag}.err"))).unwrap();
    wd.command(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting terraform {args:?}: {e}"))
}

/// What a run started by [`spawn_logged`] with `tag` printed (both streams), for failure
/// messages and error texts.
pub fn logged_output(wd: &Workdir, tag: &str) -> String {
    format!(
        "{}\n{}",
        std::fs::read_to_string(wd.path().join(format!("{tag}.out"))).unwrap_or_default(),
        std::fs::read_to_string(wd.path().join(format!("{tag}.err"))).unwrap_or_default()
    )
}

/// Runs `terraform ARGS` like [`Workdir::tf`], but SIGKILLs its process group once `limit`
/// has passed, so a hanging command fails the test instead of hanging it. Returns the run
/// (exit code -1 when it was killed), how long it took, and whether the limit killed it.
pub fn run_with_limit(
    wd: &Workdir,
    args: &[&str],
    tag: &str,
    limit: Duration,
) -> (Run, Duration, bool) {
    let t0 = Instant::now();
    let mut child = spawn_logged(wd, args, tag);
    let mut killed = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > limit {
            killed = true;
            sigkill_group(child.id());
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = t0.elapsed();
    let read = |ext: &str| {
        std::fs::read_to_string(wd.path().join(format!("{tag}.{ext}"))).unwrap_or_default()
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: read("out"),
        stderr: read("err"),
    };
    (run, took, killed)
}

/// The fields of `/proc/PID/stat` after the command name (which may hold spaces, so the
/// split is after the last `)`): state, ppid, pgrp, ...
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// Whether `pid` is a live (not zombie) cloudlink provider process.
pub fn is_provider(pid: u32) -> bool {
    let live = stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s != "Z"));
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    live && String::from_utf8_lossy(&cmdline).contains("terraform-provider-cloudlink")
}

/// Pids of live cloudlink provider processes in process group `pgid` (terraform started with
/// [`spawn_logged`] leads its own group, so `pgid` is terraform's pid).
pub fn providers_in_group(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let group = stat_fields(pid).and_then(|f| f.get(2).and_then(|p| p.parse::<u32>().ok()));
        if group == Some(pgid) && is_provider(pid) {
            out.push(pid);
        }
    }
    out
}

/// SIGKILLs one process (the test's own children only: terraform or its provider).
pub fn sigkill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// SIGKILLs every process of group `pgid` (terraform and its providers).
pub fn sigkill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
}

/// Waits until no provider process of group `pgid` is left, at most `limit`; returns the
/// pids still alive then (empty: all gone).
pub fn wait_providers_gone(pgid: u32, limit: Duration) -> Vec<u32> {
    let t0 = Instant::now();
    loop {
        let left = providers_in_group(pgid);
        if left.is_empty() || t0.elapsed() >= limit {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGKILLs terraform's whole process group (a crash: no StopProvider, no state write), reaps
/// terraform and waits until no provider process of that group is left; panics if there was
/// no provider to kill or one survives for 5 s.
pub fn crash(apply: &mut Child) {
    let pgid = apply.id();
    assert!(
        !providers_in_group(pgid).is_empty(),
        "no provider process in terraform's group {pgid}"
    );
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(status.success(), "kill -KILL failed");
    let code = apply.wait().unwrap();
    assert!(
        code.code().is_none(),
        "terraform was killed, not ended: {code:?}"
    );
    let left = wait_providers_gone(pgid, Duration::from_secs(5));
    assert!(
        left.is_empty(),
        "provider processes survived the kill: {left:?}"
    );
}
