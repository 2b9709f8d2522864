//! The operation's deadline. A resource names its operation and the `timeouts` limit once
//! ([`Deadline::new`]); orchestrate owns the one timer that enforces it
//! ([`Deadline::enforce`], used by [`super::Graph::run_within`]): the timer cancels the
//! run's token when the limit is reached and remembers that it did, so the error says
//! "timed out after L (the `timeouts.OP` limit)" instead of the bare "cancelled" every
//! waiter reports, and the user knows which deadline fired and what to raise.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// One operation's time limit, counted from when it was made. Cheap to clone: the run
/// context keeps one so every wait can be bounded by what is left of it.
#[derive(Debug, Clone)]
pub struct Deadline {
    operation: &'static str,
    limit: Duration,
    at: Instant,
}

impl Deadline {
    /// The deadline of `operation` (`create`, `update`, `delete`: the `timeouts` attribute
    /// that sets it), `limit` from now.
    pub fn new(operation: &'static str, limit: Duration) -> Deadline {
        Deadline {
            operation,
            limit,
            at: Instant::now() + limit,
        }
    }

    /// What is left of the limit (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The configured length.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The operation whose `timeouts` attribute sets this deadline.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Runs `work` with a child of `parent` that this deadline cancels when it passes (the
    /// one timer); an error after the deadline fired comes back explained by
    /// [`Deadline::explain`]. The timer stops when `work` ends.
    pub async fn enforce<T, F, Fut>(&self, parent: &CancellationToken, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = anyhow::Result<T>>,
    {
        let cancel = parent.child_token();
        let timer = Timer::start(&cancel, self.at);
        let result = work(cancel).await;
        let fired = timer.fired();
        drop(timer);
        result.map_err(|e| if fired { self.explain(e) } else { e })
    }

    /// `error` as the user should read it once the deadline fired: "timed out after L"
    /// first, naming `timeouts.{operation}` as the limit to raise.
    fn explain(&self, error: anyhow::Error) -> anyhow::Error {
        let op = self.operation;
        anyhow::anyhow!(
            "timed out after {} (the `timeouts.{op}` limit) while {error:#}\n\nIf the clouds are just slow, raise it: `timeouts {{ {op} = \"...\" }}` in the resource block.",
            format_duration(self.limit)
        )
    }
}

/// The running timer of one [`Deadline::enforce`]; dropping it stops the timer.
struct Timer {
    fired: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<()>,
}

impl Timer {
    /// Cancels `cancel` at `at`.
    fn start(cancel: &CancellationToken, at: Instant) -> Timer {
        let fired = Arc::new(AtomicBool::new(false));
        let handle = {
            let (cancel, fired) = (cancel.clone(), fired.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                fired.store(true, Ordering::SeqCst);
                cancel.cancel();
            })
        };
        Timer { fired, handle }
    }

    /// Whether the deadline was reached (and so caused any cancellation that followed).
    fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.handle.abort();
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
        let parent = CancellationToken::new();
        let d = Deadline::new("create", Duration::from_secs(5));
        let e = d
            .enforce(&parent, |cancel| async move {
                cancel.cancelled().await;
                anyhow::Result::<()>::Err(anyhow::anyhow!("waiting for the gateway: cancelled"))
            })
            .await
            .unwrap_err();
        assert!(
            !parent.is_cancelled(),
            "only the operation's own token is cancelled"
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
        let d = Deadline::new("delete", Duration::from_secs(3600));
        let e = d
            .enforce(&CancellationToken::new(), |_| async {
                anyhow::Result::<()>::Err(anyhow::anyhow!("boom"))
            })
            .await
            .unwrap_err();
        assert_eq!(format!("{e:#}"), "boom");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_is_not_reported_as_a_timeout() {
        let parent = CancellationToken::new();
        let d = Deadline::new("update", Duration::from_secs(3600));
        parent.cancel();
        let e = d
            .enforce(&parent, |cancel| async move {
                cancel.cancelled().await;
                anyhow::Result::<()>::Err(anyhow::anyhow!("cancelled"))
            })
            .await
            .unwrap_err();
        assert_eq!(format!("{e:#}"), "cancelled");
    }

    #[test]
    fn the_deadline_counts_from_its_creation() {
        let d = Deadline::new("create", Duration::from_secs(60));
        assert!(d.remaining() <= Duration::from_secs(60));
        assert!(d.remaining() > Duration::from_secs(50));
        assert_eq!(
            (d.operation(), d.limit()),
            ("create", Duration::from_secs(60))
        );
    }
}
