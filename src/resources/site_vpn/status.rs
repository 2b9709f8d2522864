//! What a site VPN reports back after an apply and at every refresh: each tunnel's facts
//! and telemetry status (`aws_vpn::status`), and the device configuration for the
//! configured device type, fetched again each time so that it follows a rotated key or a
//! changed tunnel.

use super::device;
use super::run::SiteRun;
use super::side::TUNNELS;
use crate::resources::aws_vpn::run::AwsVpnRun;
use crate::resources::aws_vpn::status::observe;
use anyhow::anyhow;
use tokio_util::sync::CancellationToken;

/// Reads the tunnels' facts and status into the checkpoint.
pub async fn refresh_tunnels(run: &SiteRun, cancel: &CancellationToken) -> anyhow::Result<()> {
    let side = &run.aws.side;
    let seen = observe(&run.aws, &run.aws_checkpoint(), cancel).await?;
    let facts: Vec<_> = (0..TUNNELS).map(|t| seen.tunnel_facts(side, t)).collect();
    let messages: Vec<String> = (0..TUNNELS)
        .map(|t| {
            seen.tunnel(side, t)
                .and_then(|x| x.status_message.clone())
                .unwrap_or_default()
        })
        .collect();
    run.record(|cp| {
        cp.aws.tunnels = facts;
        cp.status_messages = messages;
    });
    Ok(())
}

/// Fetches the device configuration for the configured device type into the checkpoint
/// (empty without a device type or a VPN connection).
pub async fn refresh_device_configuration(
    run: &SiteRun,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let vpn = run.snapshot().vpn_connection_id();
    let Some(wanted) = run.d.device_type.as_ref().filter(|_| !vpn.is_empty()) else {
        run.record(|cp| cp.device_configuration.clear());
        return Ok(());
    };
    let ec2 = run.aws.ec2(cancel);
    let types = ec2.get_vpn_connection_device_types().await?;
    let chosen = device::resolve(&types, wanted).map_err(|e| anyhow!(e))?;
    let config = ec2
        .get_vpn_connection_device_sample_configuration(
            &vpn,
            &chosen.id,
            run.d.device_ike_version.as_deref(),
        )
        .await?;
    run.record(|cp| cp.device_configuration = config.0);
    Ok(())
}

/// Both of the above.
pub async fn refresh(run: &SiteRun, cancel: &CancellationToken) -> anyhow::Result<()> {
    refresh_tunnels(run, cancel).await?;
    refresh_device_configuration(run, cancel).await
}
