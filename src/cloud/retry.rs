//! Retries with exponential backoff and full jitter for throttling and transient failures,
//! honouring the service's `Retry-After`. Time comes from tokio, so tests with a paused
//! clock run instantly.

use super::error::{CloudError, ErrorKind, Result};
use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How hard to retry one call.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt (doubles each time, capped by `max_delay`).
    pub initial_delay: Duration,
    /// Cap of one backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Eight attempts from 200 ms up to 20 s apart: about the smithy-rs standard mode,
    /// a little more patient because composite applies run for an hour.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// Runs `call` until it succeeds, fails for good, runs out of attempts, or `cancel` fires.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    cancel: &CancellationToken,
    mut call: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        let result = tokio::select! {
            r = call() => r,
            _ = cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
        };
        match result {
            Ok(v) => return Ok(v),
            Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                let backoff = backoff(policy, attempt);
                let delay = e.retry_after.map_or(backoff, |ra| ra.max(backoff));
                tracing::debug!(attempt, ?delay, error = %e, "retrying cloud call");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Full jitter: a random delay between 0 and the exponential bound.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let bound = policy
        .initial_delay
        .saturating_mul(1 << attempt.min(16))
        .min(policy.max_delay);
    let ms = bound.as_millis().max(1) as u64;
    Duration::from_millis(rand::thread_rng().gen_range(ms / 2..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn throttled_twice_then_success() {
        let calls = AtomicU32::new(0);
        let r = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(CloudError::from_code(
                        Some(503),
                        Some("RequestLimitExceeded"),
                        "slow down",
                    ))
                } else {
                    Ok(7)
                }
            },
        )
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn client_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let r: Result<()> = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(CloudError::from_code(
                    Some(400),
                    Some("InvalidParameterValue"),
                    "bad",
                ))
            },
        )
        .await;
        assert_eq!(r.unwrap_err().kind, ErrorKind::Client);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy {
            max_attempts: 3,
            ..Default::default()
        };
        let r: Result<()> = with_retry(&policy, &CancellationToken::new(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CloudError::from_code(Some(500), None, "boom"))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
