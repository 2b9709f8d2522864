//! The retry policy end to end, through the real `terraform`: a throttled ARM PUT waits
//! the `Retry-After` it was given, a stalled endpoint fails the apply naming the call
//! instead of hanging, and a plan against an endpoint that is not there fails fast naming
//! it. Times come from the emulator's own record of when each request arrived.

mod support;

use std::time::{Duration, Instant};
use support::{
    arm_of, provider_block, static_link_config, static_link_config_with, Emulator, Workdir,
};

/// When each recorded request to a path containing `fragment` with `method` arrived, and
/// the status it got, in arrival order.
fn arrivals(emu: &Emulator, method: &str, fragment: &str) -> Vec<(u64, u16)> {
    emu.emu
        .observe
        .exchanges()
        .iter()
        .filter(|x| x.method == method && x.path.contains(fragment))
        .map(|x| (x.at_ms, x.status))
        .collect()
}

#[test]
fn a_throttled_arm_put_is_retried_no_sooner_than_its_retry_after() {
    let emu = Emulator::start("fast", 1.0);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    emu.inject("arm:PUT publicIPAddresses=throttle,count=1,retry_after_s=5");
    wd.apply().success();

    let puts = arrivals(&emu, "PUT", "/publicIPAddresses/");
    assert!(puts.len() >= 2, "{puts:?}");
    let (throttled_at, status) = puts[0];
    assert_eq!(status, 429, "{puts:?}");
    let (retried_at, status) = puts[1];
    assert!((200..300).contains(&status), "{puts:?}");
    assert!(
        retried_at - throttled_at >= 5000,
        "the PUT was retried {} ms after a 429 with Retry-After: 5",
        retried_at - throttled_at
    );
    wd.destroy().success();
    assert!(arm_of(&emu.dump(), "publicIPAddresses").is_empty());
}

#[test]
fn a_stalled_arm_endpoint_fails_the_apply_within_two_minutes_naming_the_call() {
    let emu = Emulator::start("fast", 1.0);
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config(&emu));
    // Accepts the connection, then says nothing for ten minutes.
    emu.inject("arm:PUT publicIPAddresses=slow,delay_ms=600000");
    let started = Instant::now();
    let run = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    let took = started.elapsed();
    assert_ne!(run.code, 0, "{}", run.all());
    let out = run.all();
    assert!(
        out.contains("creating Azure public IP"),
        "the error does not name the call:\n{out}"
    );
    assert!(out.contains("gave up after"), "{out}");
    assert!(
        took < Duration::from_secs(120),
        "the stalled apply took {took:?}"
    );
}

#[test]
fn a_plan_against_an_unreachable_endpoint_fails_within_30_seconds_naming_it() {
    let emu = Emulator::start("fast", 1.0);
    // A port that was free a moment ago and has no listener now.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let provider = provider_block(&emu).replace(&emu.url, &format!("http://{dead}"));
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config_with(&emu, &provider));
    let started = Instant::now();
    let run = wd.tf(&["plan", "-no-color", "-input=false"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(
        out.contains(&dead.to_string()),
        "the endpoint is not named:\n{out}"
    );
    assert!(out.contains("Error:"), "{out}");
    assert!(took < Duration::from_secs(30), "the plan took {took:?}");
}

#[test]
fn a_create_timeout_names_its_limit_and_untaint_then_apply_finishes_with_one_gateway_build() {
    // Realistic latencies at 1/100: the gateway build takes about 24 s.
    let emu = Emulator::start("realistic", 0.01);
    let config = static_link_config(&emu);
    let short = config.replacen(
        "  routing = \"static\"\n",
        "  routing = \"static\"\n  timeouts {\n    create = \"8s\"\n  }\n",
        1,
    );
    assert_ne!(short, config);
    let wd = Workdir::new();
    wd.write("main.tf", &short);
    let run = wd.tf(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all());
    let out = run.all().replace('\n', " ");
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "timed out after 8s",
        "`timeouts.create`",
        "terraform untaint",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
    }

    // The documented resume path: untaint, then apply (here with the default limit).
    wd.tf(&["untaint", "-no-color", "cloudlink_cross_cloud_vpn.this"])
        .success();
    wd.write("main.tf", &config);
    wd.apply();
    assert_eq!(emu.counter("arm", "PUT virtualNetworkGateways"), 1);
    for action in [
        "CreateCustomerGateway",
        "CreateVpnGateway",
        "CreateVpnConnection",
    ] {
        assert_eq!(emu.counter("ec2", action), 1, "{action} ran again");
    }
    let st = wd.state_values("cloudlink_cross_cloud_vpn.this");
    assert_eq!(st["consistent"], true, "{st}");
    wd.destroy();
    assert!(arm_of(&emu.dump(), "virtualNetworkGateways").is_empty());
}
