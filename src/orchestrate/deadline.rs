//! The operation's deadline: one timer that cancels the run's token when the resource's
//! `timeouts` limit is reached, and remembers that it did, so the error can say "timed out"
//! and name the attribute to raise instead of the bare "cancelled" every waiter reports.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A running deadline; dropping it stops the timer.
pub struct Deadline {
    fired: Arc<AtomicBool>,
    limit: Duration,
    timer: tokio::task::JoinHandle<()>,
}

impl Deadline {
    /// Cancels `cancel` at `at`; `limit` is the configured length, for messages.
    pub fn start(cancel: &CancellationToken, at: Instant, limit: Duration) -> Deadline {
        let fired = Arc::new(AtomicBool::new(false));
        let timer = {
            let (cancel, fired) = (cancel.clone(), fired.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                fired.store(true, Ordering::SeqCst);
                cancel.cancel();
            })
        };
        Deadline {
            fired,
            limit,
            timer,
        }
    }

    /// Whether the deadline was reached (and so caused any cancellation that followed).
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// `error` as the user should read it: when the deadline fired, "timed out after L"
    /// first, naming `timeouts.{op}` as the limit to raise; otherwise unchanged.
    pub fn explain(&self, op: &str, error: anyhow::Error) -> anyhow::Error {
        if !self.fired() {
            return error;
        }
        anyhow::anyhow!(
            "timed out after {} (the `timeouts.{op}` limit) while {error:#}\n\nIf the clouds are just slow, raise it: `timeouts {{ {op} = \"...\" }}` in the resource block.",
            format_duration(self.limit)
        )
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

/// `90m`, `1h30m`, `45s`: the Go-duration spelling the `timeouts` block takes.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_timeouts_block() {
        assert_eq!(format_duration(Duration::from_secs(90 * 60)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fired_deadline_names_the_attribute() {
        let cancel = CancellationToken::new();
        let d = Deadline::start(
            &cancel,
            Instant::now() + Duration::from_secs(5),
            Duration::from_secs(5),
        );
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert!(cancel.is_cancelled() && d.fired());
        let e = d.explain(
            "create",
            anyhow::anyhow!("waiting for the gateway: cancelled"),
        );
        let text = format!("{e:#}");
        assert!(
            text.starts_with(
                "timed out after 5s (the `timeouts.create` limit) while waiting for the gateway"
            ),
            "{text}"
        );
    }

    #[tokio::test]
    async fn an_unfired_deadline_leaves_the_error_alone() {
        let cancel = CancellationToken::new();
        let d = Deadline::start(
            &cancel,
            Instant::now() + Duration::from_secs(3600),
            Duration::from_secs(3600),
        );
        let e = d.explain("delete", anyhow::anyhow!("boom"));
        assert_eq!(format!("{e:#}"), "boom");
    }
}
