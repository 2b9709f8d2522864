//! The `cloudlink-emulator` binary as a user runs it: `--help` documents ports, profiles,
//! time scale, seed and the admin API; `--port 0` prints the chosen address within a second
//! and serves the admin health check.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_cloudlink-emulator");

/// Kills the emulator by PID however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn help_documents_ports_profiles_time_scale_seed_and_the_admin_api() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--port",
        "127.0.0.1",
        "--port-file",
        "--profile",
        "fast",
        "realistic",
        "--time-scale",
        "--seed",
        "--fault",
        "--azure-client-secret",
        "--reference-style-full",
        "/_emulator/health",
        "/_emulator/config",
        "/_emulator/dump",
        "/_emulator/reset",
        "/_emulator/counters",
        "/_emulator/timeline",
        "/_emulator/peer-devices",
        "/_emulator/faults",
        "/_emulator/fixtures",
        "/_emulator/requests",
        "\"regions\"",
        "\"public_ip_addresses\"",
        "\"virtual_network_gateways\"",
        "\"migrate_gateways\"",
    ] {
        assert!(
            help.contains(needle),
            "--help does not mention {needle}:\n{help}"
        );
    }
}

#[test]
fn port_zero_prints_the_chosen_port_within_a_second_and_serves_health() {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let emu = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(1))
        .expect("no `listening on` line within 1 s");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no listening address in {line:?}"));
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .parse()
        .unwrap_or_else(|e| panic!("bad port in {line:?}: {e}"));
    assert_ne!(port, 0);

    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut rsp = String::new();
    s.read_to_string(&mut rsp).unwrap();
    assert!(rsp.starts_with("HTTP/1.1 200"), "{rsp}");
    assert!(rsp.contains(r#""status":"ok""#), "{rsp}");

    let pid = emu.0.id();
    drop(emu);
    assert!(
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_err(),
        "emulator {pid} still running after kill"
    );
}
