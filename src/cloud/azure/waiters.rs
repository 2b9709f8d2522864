//! The generic pieces every per-object file instantiates: wait for `provisioningState`
//! `Succeeded`, wait for absence, and the send-then-poll recipes for PUT and DELETE, all
//! on the one raw ARM path ([`Network::raw`]).
//! `orchestrate/` composes the named waiters of the object files; it never polls itself.

use super::client::Network;
use super::convert::{classify_state, StateClass};
use super::lro::{wait_operation, Operation};
use super::raw::with_api_version;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::{wait_for, Probe, WaitConfig};
use azure_core::Method;
use serde::Serialize;
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

/// PUTs `body` (an SDK model or JSON) to the ARM object at `path` (`/subscriptions/..`,
/// api-version added) through [`Network::raw`] (retried with `Retry-After`, never logged),
/// then polls the operation it started, so a failed operation keeps its ARM code.
/// `context` reads `creating Azure public IP (rg/name)`.
pub async fn put_and_poll<B: Serialize>(
    net: &Network,
    path: &str,
    body: &B,
    context: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    let body = serde_json::to_value(body).map_err(|e| {
        CloudError::new(ErrorKind::Client, format!("encoding request: {e}")).context(context)
    })?;
    let rsp = net
        .raw(
            &cfg.cancel,
            context,
            Method::Put,
            &with_api_version(path),
            Some(&body),
        )
        .await?;
    let op = Operation::from_headers(rsp.status, &rsp.headers);
    wait_operation(net, "the operation to finish", &op, cfg)
        .await
        .map_err(|e| e.context(context))
}

/// DELETEs the ARM object at `path` (retried) and polls its operation. A 404 counts as
/// success (already gone). The caller still waits for absence with its finder.
pub async fn delete_and_poll(
    net: &Network,
    path: &str,
    context: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    match net
        .raw(
            &cfg.cancel,
            context,
            Method::Delete,
            &with_api_version(path),
            None,
        )
        .await
    {
        Ok(rsp) => {
            let op = Operation::from_headers(rsp.status, &rsp.headers);
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
