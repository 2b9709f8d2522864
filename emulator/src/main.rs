//! `cloudlink-emulator`: serves the EC2 + STS query API, Entra ID's token endpoint and the
//! Azure Resource Manager network API on one loopback port.

use clap::Parser;
use cloudlink_emulator::{faults::FaultRule, profile::Profile, server, Emulator};
use std::io::Write;
use std::sync::Arc;

/// A local AWS EC2 + Azure Resource Manager for cloudlink's VPN and peering APIs.
///
/// Everything is served on http://127.0.0.1:PORT (--port; 0 picks a free port, and the
/// chosen one is printed as "listening on http://127.0.0.1:PORT" and written to --port-file):
///   POST /                                   EC2 and STS query API (aws endpoint)
///   POST /{tenant}/oauth2/v2.0/token         Entra ID client-credentials tokens (client
///                                            secret, certificate or federated assertion)
///   GET  /metadata/identity/oauth2/token     IMDS managed-identity tokens (Metadata: true)
///   /subscriptions/...                       Azure Resource Manager (azure endpoint)
///   /_emulator/...                           admin API
///
/// Profiles (--profile) and time scale (--time-scale):
///   fast        every pending phase lasts ~20 ms (unit and conformance tests)
///   realistic   the documented magnitudes: Azure gateway build ~40 min, delete ~15 min,
///               AWS VPN connection ~6 min, VGW attach ~90 s, ...
///   --time-scale multiplies every latency: realistic at 0.002 builds a gateway in ~5 s.
///
/// Seed (--seed): ids, generated keys, addresses and probabilistic faults derive from it, so
/// two runs with the same seed and the same calls give the same answers.
///
/// Admin API (JSON):
///   GET  /_emulator/health            {"status": "ok"}
///   GET  /_emulator/config            profile, time scale, seed, reference_style_full and
///                                     the EC2 quotas
///   POST /_emulator/config            change settings: {"reference_style_full": true},
///                                     {"ec2_active_peerings_per_vpc": 3} (default 50),
///                                     {"ec2_routes_per_route_table": 5} (default 500)
///   GET  /_emulator/dump              every resource in both clouds (secrets included)
///   GET  /_emulator/counters          calls per cloud and action
///   GET  /_emulator/timeline          start and end of every long operation
///   GET  /_emulator/requests          every request/response pair served (secrets redacted,
///                                     dropped connections marked "aborted"), as
///                                     {"dropped": n, "exchanges": [...]}: check it against
///                                     the specs with tests/spec/check_wire.py
///   GET  /_emulator/faults            the fault rules
///   POST /_emulator/faults            add a rule: {"spec": "ec2:CreateVpc=throttle,count=2"}
///   DELETE /_emulator/faults          remove every rule
///   POST /_emulator/reset             forget resources, faults, counters, timeline, requests
///                                     (settings such as reference_style_full and the quotas
///                                     stay)
///   POST /_emulator/fixtures          create existing VPCs / VNets: {"aws": {...}, "azure": {...}}
///                                     aws also takes "peerings" (active peerings between
///                                     fixture VPCs: {"requester_vpc", "accepter_vpc"})
///                                     azure also takes "client_certificates" and
///                                     "federated_credentials" (client assertions)
///   POST /_emulator/peer-devices      configure the simulated device of a site VPN (customer
///                                     gateway IP that is no Azure gateway's); its tunnels stay
///                                     DOWN until then: {"customer_gateway_ip": ip, "tunnels":
///                                     [{"outside_ip", "psk", "inside_cidr"}], "bgp_asn": n}
///   GET  /_emulator/peer-devices      the configured devices (keys redacted)
///   DELETE /_emulator/peer-devices/IP forget a device (its tunnels go DOWN)
///   GET  /_emulator/github/id-token   GitHub Actions ID tokens (bearer
///                                     emulator-github-request-token)
///                                     azure also takes "regions" (add a region, with or
///                                     without zones), "public_ip_addresses",
///                                     "virtual_network_gateways" (e.g. a pre-2025 VpnGw2)
///                                     and "migrate_gateways" (VpnGw2 -> VpnGw2AZ in place)
///
/// Azure regions: GET /subscriptions/{s}/locations lists the built-in table (Microsoft Learn
/// regions list) with availabilityZoneMappings for the regions that have zones.
///
/// AWS accounts come from the access key id: AKID<12 digits>... means that account, any
/// other key the default account 123456789012; STS AssumeRole hands out keys for the role's
/// account. Azure accepts any tenant and client id, with client secret "emulator-secret"
/// unless --azure-client-secret says otherwise.
///
/// Stop it with Ctrl-C (SIGINT) or by killing its PID.
#[derive(Parser, Debug)]
#[command(name = "cloudlink-emulator", version, verbatim_doc_comment)]
struct Args {
    /// TCP port on 127.0.0.1 (0 picks a free one; the chosen port is printed).
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// Latency profile: `fast` (every pending phase ~20 ms) or `realistic` (documented
    /// magnitudes: Azure gateway ~40 min, AWS VPN connection ~6 min, ...).
    #[arg(long, default_value = "fast")]
    profile: String,
    /// Multiplies every latency: 0.002 turns a 40-minute gateway build into ~5 s.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Seed for ids, generated keys, addresses and probabilistic faults.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Inject a fault: CLOUD:ACTION=KIND[,count=N][,p=F][,delay_ms=N][,status=N][,code=S]
    /// with CLOUD ec2|arm|*, ACTION an EC2 action, `METHOD resourceType` or *, KIND
    /// throttle|server_error|slow|drop|error. Repeatable.
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// The client secret the token endpoint accepts.
    #[arg(long, default_value = "emulator-secret")]
    azure_client_secret: String,
    /// Write the chosen port to this file once listening.
    #[arg(long)]
    port_file: Option<std::path::PathBuf>,
    /// Serve a connection's `virtualNetworkGateway1`/`localNetworkGateway2` as
    /// {"id":..,"properties":{}}, the shape azure_mgmt_network 0.21 can deserialize, instead
    /// of the {"id":..} real Azure sends. Also settable at run time via POST /_emulator/config.
    #[arg(long)]
    reference_style_full: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EMULATOR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let profile = Profile::named(&args.profile, args.time_scale).map_err(anyhow::Error::msg)?;
    let emu = Emulator::new(profile, args.seed);
    {
        let mut arm = emu.arm.lock().unwrap();
        arm.client_secret = args.azure_client_secret.clone();
        arm.reference_style_full = args.reference_style_full;
    }
    for spec in &args.faults {
        emu.faults
            .add(FaultRule::parse(spec).map_err(anyhow::Error::msg)?);
    }
    let emu = Arc::new(emu);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let addr = listener.local_addr()?;
    if let Some(p) = &args.port_file {
        std::fs::write(p, addr.port().to_string())?;
    }
    println!(
        "cloudlink-emulator listening on http://{addr} (profile {}, time scale {}, seed {})",
        args.profile, args.time_scale, args.seed
    );
    std::io::stdout().flush()?;
    axum::serve(listener, server::router(emu))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
