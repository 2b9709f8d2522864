//! Pre-shared keys, in one place: the key a new AWS tunnel starts with, putting a configured
//! key on an AWS tunnel, putting a tunnel's key on its Azure connection (the only place the
//! resource sets an Azure shared key), and the rotation an update runs before it converges
//! (one tunnel at a time, AWS first, so at most one tunnel is ever down for a key change).
//! Keys live in memory only: never logged, never in a diagnostic, never in state unless
//! the user configured them.

use super::aws_side::AwsTunnel;
use super::run::Run;
use super::topology::generate_psk;
use crate::cloud::aws::VpnConnection;
use crate::cloud::azure::connection;
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::wait::WaitConfig;
use anyhow::anyhow;
use tokio_util::sync::CancellationToken;

/// The key a new AWS tunnel is created with: the configured one, else a fresh one.
pub fn initial_key(tunnel: Option<&AwsTunnel>) -> String {
    tunnel
        .and_then(|t| t.psk.clone())
        .unwrap_or_else(generate_psk)
}

/// Puts `key` on the tunnel of VPN connection `vpn` whose outside IP is `outside_ip`, and
/// waits until AWS has applied it; the connection as it is afterwards.
async fn set_on_aws(
    run: &Run,
    vpn: &str,
    outside_ip: &str,
    key: &str,
    cancel: &CancellationToken,
) -> anyhow::Result<VpnConnection> {
    let ec2 = run.ec2(cancel);
    ec2.modify_vpn_tunnel_psk(vpn, outside_ip, key).await?;
    Ok(ec2
        .wait_vpn_connection_updated(vpn, &run.wait(cancel))
        .await?)
}

/// Puts the configured keys of `tunnels` on VPN connection `v` (an adopted one may not have
/// them yet); the connection as it is afterwards.
pub async fn configured_keys_on_aws(
    run: &Run,
    mut v: VpnConnection,
    tunnels: &[&AwsTunnel],
    cancel: &CancellationToken,
) -> anyhow::Result<VpnConnection> {
    for want in tunnels {
        let tunnel = v
            .tunnel_by_inside_cidr(&want.inside_cidr)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "VPN connection {} has no tunnel with inside CIDR {}",
                    v.id,
                    want.inside_cidr
                )
            })?;
        if let Some(w) = want
            .psk
            .as_ref()
            .filter(|w| tunnel.psk.as_ref() != Some(*w))
        {
            v = set_on_aws(run, &v.id.clone(), &tunnel.outside_ip, w, cancel).await?;
        }
    }
    Ok(v)
}

/// Sets the shared key of tunnel `t`'s Azure connection to `key`, in the gateway's queue
/// (Azure runs one operation per gateway at a time).
async fn set_on_azure(run: &Run, t: usize, key: &str, cfg: &WaitConfig) -> anyhow::Result<()> {
    let (rg, name) = (&run.d.resource_group, run.d.connection_name(t));
    on_gateway(&run.net, rg, &run.d.gateway_name(), cfg, || {
        connection::set_shared_key(&run.net, rg, &name, key, cfg)
    })
    .await?;
    Ok(())
}

/// Gives tunnel `t`'s existing Azure connection the key `key` when it has another one.
pub async fn align_azure(run: &Run, t: usize, key: &str, cfg: &WaitConfig) -> anyhow::Result<()> {
    let (rg, name) = (&run.d.resource_group, run.d.connection_name(t));
    let now = connection::get_shared_key(&run.net, rg, &name, &cfg.cancel).await?;
    if now != key {
        set_on_azure(run, t, key, cfg).await?;
    }
    Ok(())
}

/// An update's rotation: every tunnel whose configured key AWS does not have yet gets it,
/// one tunnel at a time: AWS `ModifyVpnTunnelOptions`, the wait until it is applied, then the
/// Azure connection's shared key. Tunnels not built yet are left to the converge.
pub async fn rotate(run: &Run, cancel: &CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(cancel);
    for (t, want) in run.aws.tunnels.iter().enumerate() {
        let Some(key) = &want.psk else {
            continue;
        };
        let vpn = run
            .cp
            .lock()
            .unwrap()
            .vpn_connection_ids
            .get(want.vpn_connection)
            .cloned()
            .unwrap_or_default();
        if vpn.is_empty() {
            continue;
        }
        let Some(v) = ec2.find_vpn_connection_by_id(&vpn).await? else {
            continue;
        };
        let Some(tunnel) = v.tunnel_by_inside_cidr(&want.inside_cidr).cloned() else {
            continue;
        };
        if tunnel.psk.as_deref() == Some(key.as_str()) {
            continue;
        }
        tracing::info!(link = %run.d.name, tunnel = t + 1, "rotating pre-shared key");
        set_on_aws(run, &vpn, &tunnel.outside_ip, key, cancel).await?;
        let rg = &run.d.resource_group;
        if connection::find_connection(&run.net, rg, &run.d.connection_name(t), cancel)
            .await?
            .is_some()
        {
            set_on_azure(run, t, key, &run.wait(cancel)).await?;
        }
    }
    Ok(())
}
