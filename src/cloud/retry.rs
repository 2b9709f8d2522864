//! The one retry policy of every cloud call (EC2, STS, ARM, the Entra ID token endpoint):
//! exponential backoff with full jitter, the server's `Retry-After` always honoured, and a
//! time budget per call instead of a fixed attempt count, so a throttling storm is waited
//! out while a dead endpoint fails in seconds. Time comes from tokio, so tests with a paused
//! clock run instantly.

use super::error::{CloudError, ErrorKind, Result};
use rand::Rng;
use std::future::Future;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long one call may keep retrying, by what went wrong.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Time one call may spend retrying throttling, 5xx answers, dropped connections and
    /// requests that got no answer. The operation's own deadline (its cancellation token)
    /// still ends it sooner.
    pub budget: Duration,
    /// Time one call may spend retrying when the endpoint cannot be reached at all
    /// (connection refused, no route, DNS): a wrong endpoint or a network outage, which a
    /// long wait does not fix, so the user hears about it within seconds.
    pub unreachable_budget: Duration,
    /// Backoff bound before the second attempt (doubles each time, capped by `max_delay`).
    pub initial_delay: Duration,
    /// Cap of one backoff (a `Retry-After` may ask for longer and is honoured).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 90 s of retries from 200 ms up to 20 s apart (about the smithy-rs standard mode's
    /// spacing, with time instead of 3 attempts as the bound, because a composite apply
    /// cannot restart cheaply); 15 s when the endpoint is unreachable.
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(90),
            unreachable_budget: Duration::from_secs(15),
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    fn budget_for(&self, kind: ErrorKind) -> Duration {
        if kind == ErrorKind::Unreachable {
            self.unreachable_budget
        } else {
            self.budget
        }
    }

    /// Full jitter: a random delay between half and all of the exponential bound.
    fn backoff(&self, attempt: u32) -> Duration {
        let bound = self
            .initial_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay);
        let ms = bound.as_millis().max(1) as u64;
        Duration::from_millis(rand::thread_rng().gen_range(ms / 2..=ms))
    }
}

/// Runs `call` (described by `what`, e.g. `creating Azure public IP (rg/pip)`) until it
/// succeeds, fails for good, exhausts the policy's budget, or `cancel` fires. Each retry is
/// logged at INFO with the call, the cause and the delay, so a stall shows in `TF_LOG=info`.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    cancel: &CancellationToken,
    what: &str,
    mut call: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = Instant::now();
    let mut attempt = 1;
    loop {
        let result = tokio::select! {
            r = call() => r,
            _ = cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
        };
        let e = match result {
            Ok(v) => return Ok(v),
            Err(e) if e.is_retryable() => e,
            Err(e) => return Err(e),
        };
        // The server's `Retry-After` is its pacing: waited in full and not stretched by our
        // backoff (the Azure SDKs' rule: Retry-After when given, exponential backoff
        // otherwise; core-rest-pipeline's throttlingRetryStrategy, msgraph-sdk-design
        // RetryHandler.md); at least the first backoff, so `0` is no busy loop.
        let delay = match e.retry_after {
            Some(asked) => asked.max(policy.initial_delay),
            None => policy.backoff(attempt),
        };
        let spent = start.elapsed();
        if spent + delay > policy.budget_for(e.kind) {
            return Err(gave_up(e, attempt, spent));
        }
        tracing::info!(
            call = what,
            attempt,
            delay_ms = delay.as_millis() as u64,
            asked_ms = e.retry_after.map(|d| d.as_millis() as u64),
            "retrying {what} in {delay:?}: {e}"
        );
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = cancel.cancelled() => return Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
        }
        attempt += 1;
    }
}

/// The last error, saying how long it was retried (when it was).
fn gave_up(mut e: CloudError, attempts: u32, spent: Duration) -> CloudError {
    if attempts > 1 {
        e.message = format!(
            "{} (gave up after {attempts} attempts in {}s)",
            e.message,
            spent.as_secs()
        );
    }
    e
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date
/// in the past means "now".
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn throttled() -> CloudError {
        CloudError::from_code(Some(503), Some("RequestLimitExceeded"), "slow down")
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_twice_then_success() {
        let calls = AtomicU32::new(0);
        let r = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            "test call",
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(throttled())
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
            "test call",
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
    async fn retry_after_is_the_pace_not_a_floor_under_a_growing_backoff() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            "test call",
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 8 {
                    let mut e = CloudError::from_code(Some(429), None, "too many");
                    e.retry_after = Some(Duration::from_secs(2));
                    Err(e)
                } else {
                    Ok(())
                }
            },
        )
        .await;
        assert!(r.is_ok(), "{r:?}");
        // Eight waits of exactly 2 s; exponential backoff would have reached 20 s apart.
        assert_eq!(start.elapsed().as_secs(), 16, "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_waited_in_full_and_eight_throttles_are_survived() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            "test call",
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 8 {
                    let mut e = CloudError::from_code(Some(429), None, "too many");
                    e.retry_after = Some(Duration::from_secs(5));
                    Err(e)
                } else {
                    Ok(())
                }
            },
        )
        .await;
        assert!(r.is_ok(), "{r:?}");
        assert!(
            start.elapsed() >= Duration::from_secs(40),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_not_a_count_ends_the_retries() {
        let start = Instant::now();
        let r: Result<()> = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            "test call",
            || async { Err(CloudError::from_code(Some(500), None, "boom")) },
        )
        .await;
        let e = r.unwrap_err();
        assert!(e.message.contains("gave up after"), "{e}");
        assert!(
            start.elapsed() <= Duration::from_secs(90),
            "{:?}",
            start.elapsed()
        );
        assert!(
            start.elapsed() >= Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_endpoint_fails_within_its_short_budget() {
        let start = Instant::now();
        let r: Result<()> = with_retry(
            &RetryPolicy::default(),
            &CancellationToken::new(),
            "test call",
            || async {
                Err(CloudError::new(
                    ErrorKind::Unreachable,
                    "connection refused",
                ))
            },
        )
        .await;
        assert_eq!(r.unwrap_err().kind, ErrorKind::Unreachable);
        assert!(
            start.elapsed() <= Duration::from_secs(15),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        assert_eq!(parse_retry_after(" 5 "), Some(Duration::from_secs(5)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
