//! StopProvider through the real terraform binary: an interrupt during a long
//! `cloudlink_cross_cloud_vpn` apply (the Azure gateway is still building) makes terraform
//! exit within seconds, with the sub-resources created so far in state, no provider process
//! left behind, and a later `destroy` that leaves nothing in either cloud. And a terraform
//! that is SIGKILLed (no StopProvider, no Shutdown) leaves no provider running either.
//!
//! The interrupt goes to terraform's whole process group, as Ctrl-C in a terminal does: the
//! provider receives SIGINT too and must ignore it (go-plugin servers do), so that terraform's
//! StopProvider is what ends the work and the partial state still reaches terraform.

mod support;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{assert_nothing_left, static_link_config, Emulator, Workdir};

/// Realistic latencies at this scale: the 40-minute gateway build takes 60 s, its 15-minute
/// delete 22.5 s.
const TIME_SCALE: f64 = 0.025;

/// Direct children of `pid` whose command line names the cloudlink provider.
fn provider_children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`: comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) && is_provider(child) {
            out.push(child);
        }
    }
    out
}

/// Whether `pid` is a live (not zombie) cloudlink provider process.
fn is_provider(pid: u32) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let zombie = state
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        == Some("Z");
    !zombie && String::from_utf8_lossy(&cmdline).contains("terraform-provider-cloudlink")
}

#[test]
fn interrupt_during_gateway_build_stops_quickly_and_destroy_leaves_nothing() {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    let stdout = std::fs::File::create(wd.path().join("apply.out")).unwrap();
    let stderr = std::fs::File::create(wd.path().join("apply.err")).unwrap();
    let mut apply = wd
        .command(&["apply", "-auto-approve", "-no-color"])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so the interrupt reaches terraform and its providers the
        // way a terminal's Ctrl-C does, and nothing else.
        .process_group(0)
        .spawn()
        .expect("starting terraform apply");
    let tf_pid = apply.id();

    let t0 = Instant::now();
    while emu.counter("arm", "PUT virtualNetworkGateways") == 0 {
        assert!(
            apply.try_wait().unwrap().is_none(),
            "terraform apply ended before the gateway PUT: {}",
            std::fs::read_to_string(wd.path().join("apply.out")).unwrap_or_default()
        );
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no gateway PUT within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let the AWS side get going in parallel, still far from the end of the 60 s build.
    std::thread::sleep(Duration::from_secs(2));
    let providers = provider_children(tf_pid);
    assert!(
        !providers.is_empty(),
        "no provider child of terraform {tf_pid}"
    );

    let status = Command::new("kill")
        .args(["-INT", "--", &format!("-{tf_pid}")])
        .status()
        .unwrap();
    assert!(status.success(), "kill -INT failed");
    let signalled = Instant::now();
    let code = loop {
        if let Some(s) = apply.try_wait().unwrap() {
            break s.code();
        }
        if signalled.elapsed() > Duration::from_secs(30) {
            let _ = apply.kill();
            panic!("terraform still running 30 s after the interrupt");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stop_to_exit = signalled.elapsed();
    let out = format!(
        "{}\n{}",
        std::fs::read_to_string(wd.path().join("apply.out")).unwrap_or_default(),
        std::fs::read_to_string(wd.path().join("apply.err")).unwrap_or_default()
    );
    let gateway_left = emu
        .emu
        .observe
        .timeline()
        .iter()
        .filter(|e| e.action == "PUT virtualNetworkGateways")
        .map(|e| e.end_ms)
        .max()
        .unwrap_or(0)
        .saturating_sub(emu.emu.clock.now_ms());
    println!(
        "interrupt to terraform exit: {:.2} s (gateway build still had {:.1} s to go); exit code {code:?}",
        stop_to_exit.as_secs_f64(),
        gateway_left as f64 / 1000.0
    );
    assert_ne!(code, Some(0), "an interrupted apply must fail:\n{out}");
    assert!(
        !out.contains("failed to respond") && !out.contains("plugin exited"),
        "the provider died instead of answering StopProvider:\n{out}"
    );
    assert!(
        stop_to_exit < Duration::from_secs(5),
        "terraform took {stop_to_exit:?} to exit after the interrupt:\n{out}"
    );
    assert!(
        gateway_left > 20_000,
        "the gateway build was nearly done ({gateway_left} ms left), so the stop proved nothing"
    );

    // No provider process outlives terraform (go-plugin would have SIGKILLed it after 2 s,
    // so check right away and once more after that grace).
    for _ in 0..2 {
        let alive: Vec<u32> = providers
            .iter()
            .copied()
            .filter(|p| is_provider(*p))
            .collect();
        assert!(
            alive.is_empty(),
            "provider processes left running: {alive:?}"
        );
        std::thread::sleep(Duration::from_millis(1500));
    }

    // The partial state names what exists.
    let show = wd.show_json();
    let res = show["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|r| r["address"] == "cloudlink_cross_cloud_vpn.this")
        })
        .unwrap_or_else(|| panic!("no partial state after the interrupt:\n{show}\n{out}"));
    let st = &res["values"];
    println!("partial state: {st}");
    let pips = st["azure"]["public_ip_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        pips.iter()
            .any(|p| p.as_str().is_some_and(|s| s.contains("publicIPAddresses"))),
        "the Azure public IP is in state: {st}"
    );
    let gw_recorded = st["azure"]["gateway_id"]
        .as_str()
        .is_some_and(|s| s.contains("virtualNetworkGateways"));
    let vgw_recorded = st["aws"]["vpn_gateway_id"]
        .as_str()
        .is_some_and(|s| s.starts_with("vgw-"));
    assert!(
        gw_recorded || vgw_recorded,
        "neither the Azure gateway nor the AWS VGW is in state: {st}"
    );

    // Destroy with the emulator still running removes everything (the gateway finishes its
    // build, then is deleted).
    let t1 = Instant::now();
    wd.destroy();
    println!("destroy took {:.1} s", t1.elapsed().as_secs_f64());
    assert_nothing_left(&emu.dump());
}

#[test]
fn a_sigkilled_terraform_leaves_no_provider_running() {
    let emu = Emulator::start("realistic", TIME_SCALE);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    let mut apply = wd
        .command(&["apply", "-auto-approve", "-no-color"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting terraform apply");
    let tf_pid = apply.id();
    let t0 = Instant::now();
    while emu.counter("arm", "PUT virtualNetworkGateways") == 0 {
        assert!(
            apply.try_wait().unwrap().is_none(),
            "terraform apply ended early"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no gateway PUT within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let providers = provider_children(tf_pid);
    assert!(
        !providers.is_empty(),
        "no provider child of terraform {tf_pid}"
    );

    apply.kill().unwrap(); // SIGKILL: terraform can neither stop nor shut down its plugins
    apply.wait().unwrap();
    let killed = Instant::now();
    loop {
        let alive: Vec<u32> = providers
            .iter()
            .copied()
            .filter(|p| is_provider(*p))
            .collect();
        if alive.is_empty() {
            println!(
                "provider gone {:.2} s after terraform was killed",
                killed.elapsed().as_secs_f64()
            );
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "provider processes still running 5 s after terraform was killed: {alive:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
