//! One operation at a time per virtual network gateway (rule AZ-GW-ONE-OPERATION). Azure
//! serialises every write on a gateway and its connections (the gateway's own update, a
//! connection PUT or DELETE, a shared-key set or reset) and answers a second one with
//! `409 AnotherOperationInProgress`. So cloudlink queues them per gateway in the provider
//! process, the next starting as soon as the previous one finished, and waits out a 409
//! that still comes (another process, or Azure's own maintenance) by polling the gateway
//! until it is idle instead of treating it as throttling.

use super::client::Network;
use super::gateway::wait_gateway_settled;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::WaitConfig;
use std::future::Future;
use tokio::time::Instant;

/// Runs `op` (one write on gateway `rg/gateway` or one of its connections, including its
/// wait for completion) in the gateway's turn. A `409 AnotherOperationInProgress` is waited
/// out: poll the gateway until no operation runs, then try again, until `cfg.timeout`.
pub async fn on_gateway<T, F, Fut>(
    net: &Network,
    rg: &str,
    gateway: &str,
    cfg: &WaitConfig,
    mut op: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = Instant::now();
    let id = net.resource_id(rg, "virtualNetworkGateways", gateway);
    let _turn = tokio::select! {
        t = net.gateway_queue().turn(&id) => t,
        _ = cfg.cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled while waiting for the gateway's previous operation")),
    };
    loop {
        match op().await {
            Err(e) if e.kind == ErrorKind::Busy => {
                let left = cfg.timeout.saturating_sub(start.elapsed());
                if left.is_zero() {
                    return Err(CloudError::new(
                        ErrorKind::Timeout,
                        format!("timed out after {:?} waiting for another operation on Azure virtual network gateway {rg}/{gateway} to finish: {e}", cfg.timeout),
                    ));
                }
                tracing::info!(gateway = %gateway, "another operation runs on the gateway; waiting until it is idle");
                let wait = WaitConfig {
                    timeout: left,
                    ..cfg.clone()
                };
                wait_gateway_settled(net, rg, gateway, &wait).await?;
                // The gateway may look idle while one of its connections is still busy.
                tokio::select! {
                    _ = tokio::time::sleep(cfg.max_interval) => {}
                    _ = cfg.cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
                }
            }
            r => return r,
        }
    }
}
