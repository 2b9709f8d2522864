//! The one polling loop every waiter uses: probe, sleep with growing intervals, stop at the
//! target, a failure state, the deadline or cancellation. A timeout says what it saw last,
//! how long it waited and how many probes it made. A long wait (a gateway build takes 30-60
//! minutes) logs its progress at INFO every [`PROGRESS_EVERY`], so `TF_LOG=info` shows it.
//! [`bounded`] caps a wait (or a whole write: PUT, operation, wait) at the shorter of the
//! object's documented default and the operation's time left, and [`StateWait`] keeps a
//! waiter's states and default limit as data beside its finder.

use super::error::{CloudError, ErrorKind, Result};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How often a wait that is still pending logs what it waits for, how long it has waited
/// and the last state the cloud reported.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// What one probe saw.
#[derive(Debug)]
pub enum Probe<T> {
    /// The target state was reached.
    Done(T),
    /// Still on the way; the string is the state seen (`pending`, `Updating`).
    Pending(String),
    /// A terminal failure state with its reason (`failed: Overlapping CIDR blocks`).
    Failed(String),
}

/// Deadline, polling cadence and cancellation of one wait.
#[derive(Debug, Clone)]
pub struct WaitConfig {
    /// Give up after this long.
    pub timeout: Duration,
    /// First sleep between probes.
    pub initial_interval: Duration,
    /// Longest sleep between probes (intervals grow by half each probe up to this).
    pub max_interval: Duration,
    /// Fires on StopProvider.
    pub cancel: CancellationToken,
}

impl WaitConfig {
    /// A config with the given timeout and the default cadence (1 s growing to 15 s).
    pub fn with_timeout(timeout: Duration, cancel: CancellationToken) -> Self {
        WaitConfig {
            timeout,
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            cancel,
        }
    }
}

/// What a waiter makes of an object the cloud does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Keep waiting: right after a create, the object may not be listed yet (eventual
    /// consistency).
    Pending,
    /// Done: a delete waiter's target.
    Target,
    /// Stop: the object the wait is about is gone.
    Failure,
}

/// A waiter as data (STYLE point 4, AWS `wait.go`'s `StateChangeConf`): the states it waits
/// through, the states it waits for, what absence means, and its default limit with the
/// source of that number. Any state in neither list is a failure state. The constant sits
/// beside the finder it judges, so the states a waiter accepts are read in one place.
#[derive(Debug, Clone, Copy)]
pub struct StateWait {
    /// States that mean "still on the way".
    pub pending: &'static [&'static str],
    /// States that mean "done".
    pub target: &'static [&'static str],
    /// What an absent object means.
    pub absent: Absent,
    /// The longest this wait may take when the operation has more time left.
    pub default_limit: Duration,
    /// Where [`StateWait::default_limit`] comes from, named when it fires.
    pub limit_source: &'static str,
}

/// An object a [`StateWait`] judges by its state.
pub trait Stateful {
    /// The state as the cloud spells it (`pending`, `available`, `attached`).
    fn state(&self) -> &str;

    /// What a failure reports: the state, with the cloud's reason where it gives one.
    fn failure_reason(&self) -> String {
        self.state().to_string()
    }
}

/// A bare state, for waits over a derived state (an attachment, a route).
impl Stateful for String {
    fn state(&self) -> &str {
        self
    }
}

impl StateWait {
    /// Judges one probe of `found` (`None`: absent). The object comes back with `Done`,
    /// absent only when absence is the target.
    pub fn judge<T: Stateful>(&self, found: Option<T>) -> Probe<Option<T>> {
        let Some(v) = found else {
            return match self.absent {
                Absent::Pending => Probe::Pending("not found yet".into()),
                Absent::Target => Probe::Done(None),
                Absent::Failure => Probe::Failed("not found".into()),
            };
        };
        if self.target.contains(&v.state()) {
            Probe::Done(Some(v))
        } else if self.pending.contains(&v.state()) {
            Probe::Pending(v.state().to_string())
        } else {
            Probe::Failed(v.failure_reason())
        }
    }

    /// Polls `find` until [`StateWait::judge`] says done, for at most min(the operation's
    /// time left in `cfg`, this wait's default limit); see [`bounded`].
    pub async fn wait<T, F, Fut>(
        &self,
        what: &str,
        cfg: &WaitConfig,
        mut find: F,
    ) -> Result<Option<T>>
    where
        T: Stateful,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let bound = format!("the default limit of this wait ({})", self.limit_source);
        bounded(&bound, self.default_limit, cfg, |cfg| async move {
            wait_for(what, &cfg, || {
                let fut = find();
                async move { Ok(self.judge(fut.await?)) }
            })
            .await
        })
        .await
    }

    /// [`StateWait::wait`] for a waiter whose target is a live object: the object itself.
    pub async fn wait_present<T, F, Fut>(&self, what: &str, cfg: &WaitConfig, find: F) -> Result<T>
    where
        T: Stateful,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        self.wait(what, cfg, find).await?.ok_or_else(|| {
            CloudError::new(
                ErrorKind::Client,
                "absent, where a live object was the target",
            )
            .context(format!("waiting for {what}"))
        })
    }

    /// [`StateWait::wait`] for a delete waiter (absent or a gone state is the target).
    pub async fn wait_gone<T, F, Fut>(&self, what: &str, cfg: &WaitConfig, find: F) -> Result<()>
    where
        T: Stateful,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        self.wait(what, cfg, find).await.map(|_| ())
    }
}

/// Runs `op` with `cfg`'s timeout lowered to `limit` (named `bound`, e.g. `the create
/// timeout of an Azure public IP`) when that is shorter. A timeout that the lowered bound
/// caused says so, with both numbers, so the reader knows which limit to question.
pub async fn bounded<T, F, Fut>(bound: &str, limit: Duration, cfg: &WaitConfig, op: F) -> Result<T>
where
    F: FnOnce(WaitConfig) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let default_binds = limit < cfg.timeout;
    let mut lowered = cfg.clone();
    lowered.timeout = limit.min(cfg.timeout);
    match op(lowered).await {
        Err(mut e) if default_binds && e.kind == ErrorKind::Timeout => {
            e.message = format!(
                "{} (the bound that fired: {bound}, {}, shorter than the {} the operation had \
                 left)",
                e.message,
                spell(limit),
                spell(cfg.timeout)
            );
            Err(e)
        }
        r => r,
    }
}

/// `30 min`, `90 s`, `250 ms`.
fn spell(d: Duration) -> String {
    match d.as_secs() {
        0 => format!("{} ms", d.as_millis()),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Probes until `probe` reports `Done`, `Failed`, or the deadline passes.
/// `what` names the wait in errors: `EC2 VPN connection (vpn-1) to become available`.
pub async fn wait_for<T, F, Fut>(what: &str, cfg: &WaitConfig, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>>>,
{
    let start = Instant::now();
    let mut interval = cfg.initial_interval;
    let mut attempts = 0u32;
    let mut last: String;
    let mut next_progress = start + PROGRESS_EVERY;
    loop {
        attempts += 1;
        match probe()
            .await
            .map_err(|e| e.context(format!("waiting for {what}")))?
        {
            Probe::Done(v) => return Ok(v),
            Probe::Failed(reason) => {
                return Err(CloudError::new(
                    ErrorKind::Client,
                    format!("entered a failure state: {reason}"),
                )
                .context(format!("waiting for {what}")))
            }
            Probe::Pending(state) => last = state,
        }
        let elapsed = start.elapsed();
        if Instant::now() >= next_progress {
            tracing::info!(
                wait = what,
                elapsed_s = elapsed.as_secs(),
                last_state = %last,
                "still waiting for {what}: {} min {} s so far, last state {last}",
                elapsed.as_secs() / 60,
                elapsed.as_secs() % 60,
            );
            while next_progress <= Instant::now() {
                next_progress += PROGRESS_EVERY;
            }
        }
        if elapsed >= cfg.timeout {
            return Err(CloudError::new(
                ErrorKind::Timeout,
                format!("timed out after {elapsed:.1?} ({attempts} probes; limit {:?}); last state: {last}", cfg.timeout),
            )
            .context(format!("waiting for {what}")));
        }
        let sleep = interval.min(cfg.timeout - elapsed);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = cfg.cancel.cancelled() => {
                return Err(CloudError::new(ErrorKind::Cancelled, format!("cancelled; last state: {last}"))
                    .context(format!("waiting for {what}")))
            }
        }
        interval = (interval + interval / 2).min(cfg.max_interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(timeout_s: u64) -> WaitConfig {
        WaitConfig::with_timeout(Duration::from_secs(timeout_s), CancellationToken::new())
    }

    #[tokio::test(start_paused = true)]
    async fn five_polls_then_success() {
        let mut n = 0;
        let r = wait_for("thing", &cfg(3600), || {
            n += 1;
            let n = n;
            async move {
                Ok(if n < 5 {
                    Probe::Pending("pending".into())
                } else {
                    Probe::Done(n)
                })
            }
        })
        .await;
        assert_eq!(r.unwrap(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn forty_minutes_time_out_instantly_and_say_what_was_seen() {
        let e = wait_for::<(), _, _>(
            "EC2 VPN connection (vpn-1) to become available",
            &cfg(40 * 60),
            || async { Ok(Probe::Pending("pending".into())) },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        let s = e.to_string();
        assert!(
            s.contains("vpn-1") && s.contains("last state: pending") && s.contains("probes"),
            "{s}"
        );
    }

    /// Collects formatted log lines so a test can read what `TF_LOG=info` would show.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_wait_logs_progress_at_info_about_once_a_minute() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let mut n = 0;
        let r = wait_for(
            "Azure virtual network gateway (rg/gw) to succeed",
            &cfg(3600),
            || {
                n += 1;
                let n = n;
                async move {
                    // A build that takes about ten minutes.
                    Ok(if n < 45 {
                        Probe::Pending("Updating".into())
                    } else {
                        Probe::Done(())
                    })
                }
            },
        )
        .await;
        r.unwrap();
        let log = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("still waiting"))
            .collect();
        assert!((8..=12).contains(&lines.len()), "{log}");
        assert!(
            lines.iter().all(|l| l.contains("INFO")
                && l.contains("Azure virtual network gateway (rg/gw)")
                && l.contains("last state Updating")),
            "{log}"
        );
        assert!(lines[0].contains("1 min"), "{}", lines[0]);
    }

    #[tokio::test(start_paused = true)]
    async fn failure_state_stops_at_once() {
        let e = wait_for::<(), _, _>("peering", &cfg(60), || async {
            Ok(Probe::Failed("failed: overlap".into()))
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("overlap"));
    }

    const SAMPLE: StateWait = StateWait {
        pending: &["pending"],
        target: &["available"],
        absent: Absent::Pending,
        default_limit: Duration::from_secs(600),
        limit_source: "a documented default",
    };

    #[test]
    fn a_state_wait_judges_by_its_lists_and_its_absence_rule() {
        let s = |x: &str| Some(x.to_string());
        assert!(matches!(SAMPLE.judge(s("available")), Probe::Done(Some(_))));
        assert!(matches!(SAMPLE.judge(s("pending")), Probe::Pending(p) if p == "pending"));
        assert!(matches!(SAMPLE.judge(s("deleting")), Probe::Failed(f) if f == "deleting"));
        assert!(matches!(SAMPLE.judge::<String>(None), Probe::Pending(_)));
        let gone = StateWait {
            absent: Absent::Target,
            ..SAMPLE
        };
        assert!(matches!(gone.judge::<String>(None), Probe::Done(None)));
        let must_exist = StateWait {
            absent: Absent::Failure,
            ..SAMPLE
        };
        assert!(matches!(must_exist.judge::<String>(None), Probe::Failed(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_state_wait_is_bounded_by_its_default_and_names_it_when_it_fires() {
        let pending = || async { Ok(Some("pending".to_string())) };
        let e = SAMPLE
            .wait_present("thing", &cfg(3600), pending)
            .await
            .unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("the bound that fired: the default limit of this wait (a documented default), 10 min"),
            "{s}"
        );
        let start = Instant::now();
        let e = SAMPLE
            .wait_present("thing", &cfg(60), pending)
            .await
            .unwrap_err();
        assert!(start.elapsed() <= Duration::from_secs(61));
        let s = e.to_string();
        assert!(
            s.contains("limit 60s") && !s.contains("bound that fired"),
            "{s}"
        );
    }

    async fn never_done(cfg: WaitConfig) -> Result<()> {
        wait_for("the thing", &cfg, || async {
            Ok(Probe::Pending("Updating".into()))
        })
        .await
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_caused_by_the_kinds_default_names_that_bound() {
        let bound = "the create timeout of an Azure public IP";
        let e = bounded(bound, Duration::from_secs(30 * 60), &cfg(3600), never_done)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(
            e.message.contains(
                "the bound that fired: the create timeout of an Azure public IP, 30 min, \
                 shorter than the 60 min the operation had left"
            ),
            "{e}"
        );
        // The caller's own deadline is the shorter one: the error is the waiter's, unchanged.
        let e = bounded(bound, Duration::from_secs(30 * 60), &cfg(60), never_done)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(!e.message.contains("the bound that fired"), "{e}");
        assert!(e.message.contains("limit 60s"), "{e}");
    }

    #[test]
    fn bounds_are_spelled_in_their_unit() {
        assert_eq!(spell(Duration::from_secs(90 * 60)), "90 min");
        assert_eq!(spell(Duration::from_secs(45)), "45 s");
        assert_eq!(spell(Duration::from_millis(300)), "300 ms");
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_stops_the_wait() {
        let c = cfg(3600);
        c.cancel.cancel();
        let e = wait_for::<(), _, _>("x", &c, || async { Ok(Probe::Pending("pending".into())) })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Cancelled);
    }
}
