//! The generic pieces every per-object file instantiates: wait for `provisioningState`
//! `Succeeded`, wait for absence, and the send-then-poll recipes for PUT and DELETE.
//! `orchestrate/` composes the named waiters of the object files; it never polls itself.

use super::client::Network;
use super::convert::{classify_state, StateClass};
use super::lro::{wait_operation, Operation};
use crate::cloud::error::Result;
use crate::cloud::wait::{wait_for, Probe, WaitConfig};
use std::future::Future;

/// An object with an ARM `provisioningState`.
pub trait Provisioned {
    /// The state as ARM spells it (`Succeeded`, `Updating`, `Failed`, ...).
    fn provisioning_state(&self) -> &str;
}

/// Waits until `find` returns the object in state `Succeeded`.
/// Pending: `Updating`, `Creating`, `Accepted`, absent (eventual consistency right after a
/// PUT). Failure: `Failed`, `Canceled`.
pub async fn wait_succeeded<T, F, Fut>(what: &str, cfg: &WaitConfig, mut find: F) -> Result<T>
where
    T: Provisioned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    wait_for(what, cfg, || {
        let fut = find();
        async move {
            Ok(match fut.await? {
                None => Probe::Pending("absent".into()),
                Some(v) => match classify_state(v.provisioning_state()) {
                    StateClass::Ready => Probe::Done(v),
                    StateClass::Failed => {
                        Probe::Failed(format!("provisioningState {}", v.provisioning_state()))
                    }
                    StateClass::Pending => Probe::Pending(v.provisioning_state().to_string()),
                },
            })
        }
    })
    .await
}

/// Waits until `find` returns `None`. Pending: any state (`Deleting`, `Succeeded` while the
/// DELETE has not been processed yet).
pub async fn wait_absent<T, F, Fut>(what: &str, cfg: &WaitConfig, mut find: F) -> Result<()>
where
    T: Provisioned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    wait_for(what, cfg, || {
        let fut = find();
        async move {
            Ok(match fut.await? {
                None => Probe::Done(()),
                Some(v) => Probe::Pending(match v.provisioning_state() {
                    "" => "present".to_string(),
                    s => s.to_string(),
                }),
            })
        }
    })
    .await
}

/// Sends a PUT/POST with [`Network::call`] (retried), then polls its operation with our
/// poller so a failed operation keeps its ARM code. `context` reads
/// `creating Azure public IP (rg/name)`.
pub async fn send_and_poll<F, Fut>(
    net: &Network,
    context: &str,
    cfg: &WaitConfig,
    send: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = azure_core::Result<azure_core::Response>>,
{
    let rsp = net.call(&cfg.cancel, context, send).await?;
    let op = Operation::from_response(&rsp);
    wait_operation(net, "the operation to finish", &op, cfg)
        .await
        .map_err(|e| e.context(context))
}

/// Sends a DELETE (retried) and polls its operation. A 404 on the DELETE counts as success
/// (already gone). The caller still waits for absence with its finder.
pub async fn delete_and_poll<F, Fut>(
    net: &Network,
    context: &str,
    cfg: &WaitConfig,
    send: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = azure_core::Result<azure_core::Response>>,
{
    match net.call(&cfg.cancel, context, send).await {
        Ok(rsp) => {
            let op = Operation::from_response(&rsp);
            wait_operation(net, "the deletion to finish", &op, cfg)
                .await
                .map_err(|e| e.context(context))
        }
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// `cfg` with the time left of its budget since `start`, so a multi-stage call (PUT, poll
/// the operation, wait for `Succeeded`) honours one overall timeout.
pub fn remaining(cfg: &WaitConfig, start: tokio::time::Instant) -> WaitConfig {
    let mut c = cfg.clone();
    c.timeout = cfg.timeout.saturating_sub(start.elapsed());
    c
}
