//! `cloudlink-emulator`: serves the EC2 + STS query API, Entra ID's token endpoint and the
//! Azure Resource Manager network API on one loopback port.

use clap::Parser;
use cloudlink_emulator::{faults::FaultRule, profile::Profile, server, Emulator};
use std::io::Write;
use std::sync::Arc;

/// A local AWS EC2 + Azure Resource Manager for cloudlink's VPN and peering APIs.
///
/// Everything is served on 127.0.0.1:PORT:
///   POST /                                   EC2 and STS query API (aws endpoint)
///   POST /{tenant}/oauth2/v2.0/token         Entra ID client-credentials tokens
///   /subscriptions/...                       Azure Resource Manager (azure endpoint)
///   /_emulator/...                           admin API
///
/// Admin API (JSON):
///   GET  /_emulator/health | /config | /dump | /counters | /timeline | /faults
///   POST /_emulator/reset             forget everything
///   POST /_emulator/faults            add a rule: {"spec": "ec2:CreateVpc=throttle,count=2"}
///   DELETE /_emulator/faults          remove every rule
///   POST /_emulator/fixtures          create existing VPCs / VNets: {"aws": {...}, "azure": {...}}
///
/// AWS accounts come from the access key id: AKID<12 digits>... means that account, any
/// other key the default account 123456789012; STS AssumeRole hands out keys for the role's
/// account. Azure accepts any tenant and client id, with client secret "emulator-secret"
/// unless --azure-client-secret says otherwise.
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
    emu.arm.lock().unwrap().client_secret = args.azure_client_secret.clone();
    for spec in &args.faults {
        emu.faults.add(FaultRule::parse(spec).map_err(anyhow::Error::msg)?);
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
