//! Pre-shared keys on the Azure side, and the rotation an update runs before it converges:
//! the shared AWS half (`aws_vpn::psk`) puts each changed key on its AWS tunnel, one tunnel
//! at a time, and this file puts the same key on that tunnel's Azure connection before the
//! next tunnel starts, so at most one tunnel is ever down for a key change. This is the only
//! place the resource sets an Azure shared key. Keys live in memory only: never logged,
//! never in a diagnostic, never in state unless the user configured them.

use super::run::Run;
use crate::cloud::azure::connection;
use crate::cloud::azure::gateway_queue::on_gateway;
use crate::cloud::wait::WaitConfig;
use crate::resources::aws_vpn::psk as aws_psk;
use tokio_util::sync::CancellationToken;

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
    let vpn_connection_ids = run.cp.lock().unwrap().aws.vpn_connection_ids.clone();
    aws_psk::rotate(&run.aws, &vpn_connection_ids, cancel, |t, key| async move {
        let rg = &run.d.resource_group;
        if connection::find_connection(&run.net, rg, &run.d.connection_name(t), cancel)
            .await?
            .is_some()
        {
            set_on_azure(run, t, &key, &run.wait(cancel)).await?;
        }
        Ok(())
    })
    .await
}
