//! Our own poller for ARM long-running operations, which the SDK half lacks: DELETE has no
//! poller at all, and a failed PUT loses its ARM error code ("Long running operation
//! failed"). After `.send()`, [`Operation::from_response`] reads the `Azure-AsyncOperation`
//! / `Location` headers and [`wait_operation`] polls them through [`wait_for`], so the
//! caller's timeout and cancellation apply and `Retry-After` is honoured.

use super::client::Network;
use super::errors::{parse_error_body, retry_after};
use super::states::{StateClass, OPERATION_STATES};
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::{wait_for, Probe, WaitConfig};
use azure_core::headers::{HeaderName, Headers};
use azure_core::Method;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Longest `Retry-After` we honour; a larger value is capped so a misbehaving server
/// cannot stall a wait beyond the caller's cadence by much.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// What the first response of a PUT/DELETE/POST said about the asynchronous work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// HTTP status of the first response (200, 201, 202, 204).
    pub status: u16,
    /// `Azure-AsyncOperation`: a status monitor returning `{"status": ..}`.
    pub async_operation: Option<String>,
    /// `Location`: returns 202 while running, then 200/204 (or the error).
    pub location: Option<String>,
    /// How long the service asked us to wait before the first poll.
    pub retry_after: Option<Duration>,
}

impl Operation {
    /// Reads the operation headers of a first response.
    pub fn from_headers(status: u16, headers: &Headers) -> Self {
        let get = |n: &'static str| {
            headers
                .get_optional_str(&HeaderName::from_static(n))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        Operation {
            status,
            async_operation: get("azure-asyncoperation"),
            location: get("location"),
            retry_after: retry_after(headers),
        }
    }

    /// Reads the operation headers of an SDK response (`builder.send().await?`).
    pub fn from_response(rsp: &azure_core::Response) -> Self {
        Self::from_headers(u16::from(rsp.status()), rsp.headers())
    }

    /// Whether there is anything to poll (a 200/201/204 without monitors is already done
    /// as far as the operation goes; the resource's own state may still say `Updating`).
    pub fn is_pending(&self) -> bool {
        self.async_operation.is_some() || (self.status == 202 && self.location.is_some())
    }
}

/// Polls `op` until it succeeds (`Ok`), fails (`Err` carrying the ARM `error.code` and
/// `message` of the operation), the deadline passes, or the wait is cancelled. `what`
/// names the operation in errors: `Azure public IP (rg/pip) deletion`.
///
/// Prefers `Azure-AsyncOperation`, falls back to `Location`. Each poll is retried on
/// throttling and transient errors; the poll cadence is the larger of the wait's own
/// interval and the service's `Retry-After` (capped by [`MAX_RETRY_AFTER`]).
pub async fn wait_operation(
    net: &Network,
    what: &str,
    op: &Operation,
    cfg: &WaitConfig,
) -> Result<()> {
    if !op.is_pending() {
        return Ok(());
    }
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let not_before = Arc::new(Mutex::new(
        start + op.retry_after.unwrap_or_default().min(MAX_RETRY_AFTER),
    ));
    let outcome: Result<Result<()>> = wait_for(what, cfg, || {
        let not_before = not_before.clone();
        async move {
            // Honour the service's Retry-After beyond the waiter's own interval.
            let until = (*not_before.lock().unwrap()).min(deadline);
            let now = Instant::now();
            if until > now {
                tokio::select! {
                    _ = tokio::time::sleep(until - now) => {}
                    _ = cfg.cancel.cancelled() => {
                        return Err(CloudError::new(ErrorKind::Cancelled, "cancelled"));
                    }
                }
            }
            let (probe, ra) = poll_once(net, op, cfg).await?;
            *not_before.lock().unwrap() =
                Instant::now() + ra.unwrap_or_default().min(MAX_RETRY_AFTER);
            Ok(probe)
        }
    })
    .await;
    outcome?.map_err(|e| e.context(format!("waiting for {what}")))
}

/// One poll: the probe result (a finished operation carries its own `Result`) and the
/// `Retry-After` of the poll response.
async fn poll_once(
    net: &Network,
    op: &Operation,
    cfg: &WaitConfig,
) -> Result<(Probe<Result<()>>, Option<Duration>)> {
    if let Some(url) = &op.async_operation {
        let rsp = net
            .raw(
                &cfg.cancel,
                "polling the async operation",
                Method::Get,
                url,
                None,
            )
            .await?;
        let ra = retry_after(&rsp.headers);
        let v: serde_json::Value = serde_json::from_slice(&rsp.body).map_err(|e| {
            CloudError::new(
                ErrorKind::Client,
                format!("unexpected async operation body: {e}"),
            )
        })?;
        let status = v.get("status").and_then(|s| s.as_str()).unwrap_or("");
        if status.is_empty() {
            return Err(CloudError::new(
                ErrorKind::Client,
                "async operation body has no status",
            ));
        }
        let probe = match OPERATION_STATES.classify(status) {
            StateClass::Ready => Probe::Done(Ok(())),
            StateClass::Failed => Probe::Done(Err(operation_error(status, &rsp.body))),
            StateClass::Pending | StateClass::Unlisted => Probe::Pending(status.to_string()),
        };
        return Ok((probe, ra));
    }
    let url = op.location.as_deref().unwrap_or_default();
    match net
        .raw(
            &cfg.cancel,
            "polling the operation location",
            Method::Get,
            url,
            None,
        )
        .await
    {
        Ok(rsp) if rsp.status == 202 => Ok((
            Probe::Pending("InProgress (202)".into()),
            retry_after(&rsp.headers),
        )),
        Ok(_) => Ok((Probe::Done(Ok(())), None)),
        // A Location monitor reports the operation's failure as its own error response.
        Err(e) if !e.is_retryable() && e.kind != ErrorKind::Cancelled => {
            Ok((Probe::Done(Err(e)), None))
        }
        Err(e) => Err(e),
    }
}

/// The error of a `Failed`/`Canceled` async operation, keeping its ARM code and message.
fn operation_error(status: &str, body: &[u8]) -> CloudError {
    let (code, message) = parse_error_body(body);
    let message = message.unwrap_or_else(|| format!("operation {status}"));
    let mut e = CloudError::from_code(Some(400), code.as_deref(), message);
    // A failed operation is final; only a code that says "try again later" stays retryable.
    if e.kind == ErrorKind::NotFound {
        e.kind = ErrorKind::Client;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_headers_are_read() {
        let mut h = Headers::new();
        h.insert("azure-asyncoperation", "http://x/op/1");
        h.insert("location", "http://x/res/1");
        h.insert("retry-after", "2");
        let op = Operation::from_headers(202, &h);
        assert!(op.is_pending());
        assert_eq!(op.retry_after, Some(Duration::from_secs(2)));
        assert!(!Operation::from_headers(204, &Headers::new()).is_pending());
    }

    #[test]
    fn failed_operation_keeps_its_code() {
        let e = operation_error(
            "Failed",
            br#"{"status":"Failed","error":{"code":"InUseSubnetCannotBeDeleted","message":"in use"}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("InUseSubnetCannotBeDeleted"));
        assert!(e.to_string().contains("InUseSubnetCannotBeDeleted: in use"));
        assert_eq!(e.kind, ErrorKind::Client);
    }
}
