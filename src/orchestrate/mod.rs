//! The step graph: a composite resource lists its steps and what each waits for; this module
//! decides when they run. Every step whose dependencies are done starts at once, so
//! independent work (the AWS side while the Azure gateway builds) overlaps. The first failure
//! cancels the steps still running and stops new ones; the caller's checkpoint (written by
//! the steps themselves as soon as each cloud object exists) then names everything created,
//! so the partial state goes back to terraform and `destroy` can remove it all.
//! The operation's deadline is enforced here too ([`Graph::run_within`], [`Deadline`]), so a
//! resource names its limit once and never writes a timer of its own.

mod deadline;

pub use deadline::{format_duration, Deadline};

use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What a step returns.
pub type StepFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

type StepFn<C> = Arc<dyn Fn(Arc<C>, CancellationToken) -> StepFuture + Send + Sync>;

/// One unit of work and the steps it waits for.
pub struct Step<C> {
    name: String,
    after: Vec<String>,
    run: StepFn<C>,
}

/// A set of steps with dependencies, run with as much concurrency as they allow.
pub struct Graph<C> {
    steps: Vec<Step<C>>,
}

/// When one step ran, relative to the start of the graph.
#[derive(Debug, Clone)]
pub struct StepTiming {
    /// The step's name.
    pub name: String,
    /// Start offset.
    pub start: Duration,
    /// End offset.
    pub end: Duration,
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The first step that failed and why (`None` = every step succeeded).
    pub failure: Option<(String, anyhow::Error)>,
    /// Steps that finished successfully, in completion order.
    pub completed: Vec<String>,
    /// Timing of every step that started.
    pub timings: Vec<StepTiming>,
}

impl Outcome {
    /// The failure as one error naming the step, if any.
    pub fn into_result(self) -> anyhow::Result<Vec<StepTiming>> {
        match self.failure {
            None => Ok(self.timings),
            Some((step, e)) => Err(e.context(format!("step {step:?} failed"))),
        }
    }
}

impl<C: Send + Sync + 'static> Default for Graph<C> {
    fn default() -> Self {
        Graph { steps: Vec::new() }
    }
}

impl<C: Send + Sync + 'static> Graph<C> {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds step `name`, which starts once every step in `after` has succeeded.
    pub fn step<F, Fut>(mut self, name: &str, after: &[&str], f: F) -> Self
    where
        F: Fn(Arc<C>, CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.steps.push(Step {
            name: name.to_string(),
            after: after.iter().map(|s| s.to_string()).collect(),
            run: Arc::new(move |c, t| Box::pin(f(c, t))),
        });
        self
    }

    /// Names of the steps, in the order added.
    pub fn names(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.name.as_str()).collect()
    }

    /// Checks that every dependency exists and that there is no cycle.
    pub fn check(&self) -> anyhow::Result<()> {
        let names: BTreeSet<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
        anyhow::ensure!(names.len() == self.steps.len(), "two steps share a name");
        for s in &self.steps {
            for d in &s.after {
                anyhow::ensure!(
                    names.contains(d.as_str()),
                    "step {:?} waits for unknown step {d:?}",
                    s.name
                );
            }
        }
        let mut done = BTreeSet::new();
        while done.len() < self.steps.len() {
            let ready: Vec<&str> = self
                .steps
                .iter()
                .filter(|s| {
                    !done.contains(s.name.as_str())
                        && s.after.iter().all(|d| done.contains(d.as_str()))
                })
                .map(|s| s.name.as_str())
                .collect();
            anyhow::ensure!(!ready.is_empty(), "the steps' dependencies form a cycle");
            done.extend(ready);
        }
        Ok(())
    }

    /// Runs the graph within `deadline`: `cancel` (StopProvider) or the deadline stops
    /// everything, and the failure names the step that failed and, when the deadline fired,
    /// which limit it was.
    pub async fn run_within(
        &self,
        ctx: Arc<C>,
        cancel: &CancellationToken,
        deadline: &Deadline,
    ) -> anyhow::Result<Vec<StepTiming>> {
        deadline
            .enforce(cancel, |token| async move {
                self.run(ctx, &token).await.into_result()
            })
            .await
    }

    /// Runs the graph. `cancel` (StopProvider, or a resource timeout) stops everything.
    pub async fn run(&self, ctx: Arc<C>, cancel: &CancellationToken) -> Outcome {
        if let Err(e) = self.check() {
            return Outcome {
                failure: Some(("graph".into(), e)),
                completed: vec![],
                timings: vec![],
            };
        }
        let t0 = Instant::now();
        let token = cancel.child_token();
        let mut started: BTreeMap<&str, Duration> = BTreeMap::new();
        let mut completed: Vec<String> = Vec::new();
        let mut timings = Vec::new();
        let mut failure: Option<(String, anyhow::Error)> = None;
        let mut running = FuturesUnordered::new();
        loop {
            if failure.is_none() && !token.is_cancelled() {
                for s in &self.steps {
                    let ready = !started.contains_key(s.name.as_str())
                        && s.after.iter().all(|d| completed.iter().any(|c| c == d));
                    if ready {
                        started.insert(&s.name, t0.elapsed());
                        let fut = (s.run)(ctx.clone(), token.clone());
                        let name = s.name.clone();
                        running.push(async move { (name, fut.await) });
                    }
                }
            }
            let Some((name, result)) = running.next().await else {
                break;
            };
            timings.push(StepTiming {
                start: started[name.as_str()],
                end: t0.elapsed(),
                name: name.clone(),
            });
            match result {
                Ok(()) => completed.push(name),
                Err(e) => {
                    if failure.is_none() {
                        // Stop the others at their next await; what they created is already
                        // checkpointed by them.
                        token.cancel();
                        failure = Some((name, e));
                    }
                }
            }
        }
        if failure.is_none() && completed.len() < self.steps.len() {
            failure = Some((
                "graph".into(),
                anyhow::anyhow!("cancelled before every step ran"),
            ));
        }
        Outcome {
            failure,
            completed,
            timings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    type Log = Mutex<Vec<String>>;

    fn logging(
        name: &'static str,
        ms: u64,
    ) -> impl Fn(Arc<Log>, CancellationToken) -> StepFuture + Send + Sync {
        move |log: Arc<Log>, _t| {
            Box::pin(async move {
                log.lock().unwrap().push(format!("start {name}"));
                tokio::time::sleep(Duration::from_millis(ms)).await;
                log.lock().unwrap().push(format!("end {name}"));
                Ok(())
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn independent_steps_overlap_and_dependents_wait() {
        let g = Graph::new()
            .step("pip", &[], logging("pip", 10))
            .step("gateway", &["pip"], logging("gateway", 1000))
            .step("aws", &["pip"], logging("aws", 300))
            .step(
                "connections",
                &["gateway", "aws"],
                logging("connections", 10),
            );
        let log = Arc::new(Log::default());
        let out = g.run(log.clone(), &CancellationToken::new()).await;
        assert!(out.failure.is_none());
        let log = log.lock().unwrap().clone();
        let pos = |s: &str| log.iter().position(|x| x == s).unwrap();
        assert!(
            pos("start aws") < pos("end gateway"),
            "aws must run while the gateway builds: {log:?}"
        );
        assert!(
            pos("start connections") > pos("end gateway")
                && pos("start connections") > pos("end aws")
        );
        let total = out.timings.iter().map(|t| t.end).max().unwrap();
        assert!(
            total < Duration::from_millis(1100),
            "critical path, not the sum: {total:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failure_stops_dependents_and_cancels_the_rest() {
        let g: Graph<Log> = Graph::new()
            .step("a", &[], |_l, _t| async { anyhow::bail!("boom") })
            .step("slow", &[], |_l, t: CancellationToken| async move {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => Ok(()),
                    _ = t.cancelled() => anyhow::bail!("cancelled"),
                }
            })
            .step("after_a", &["a"], |l: Arc<Log>, _t| async move {
                l.lock().unwrap().push("ran".into());
                Ok(())
            });
        let log = Arc::new(Log::default());
        let out = g.run(log.clone(), &CancellationToken::new()).await;
        let (step, err) = out.failure.unwrap();
        assert_eq!(step, "a");
        assert!(err.to_string().contains("boom"));
        assert!(
            log.lock().unwrap().is_empty(),
            "a dependent of a failed step must not run"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fired_deadline_names_its_limit_and_the_step_it_stopped() {
        let g: Graph<()> =
            Graph::new().step("gateway", &[], |_c, t: CancellationToken| async move {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => Ok(()),
                    _ = t.cancelled() => anyhow::bail!("waiting for the gateway: cancelled"),
                }
            });
        let deadline = Deadline::new("create", Duration::from_secs(8));
        let stop = CancellationToken::new();
        let e = g
            .run_within(Arc::new(()), &stop, &deadline)
            .await
            .unwrap_err();
        let text = format!("{e:#}");
        assert!(
            text.starts_with("timed out after 8s (the `timeouts.create` limit) while step \"gateway\" failed: waiting for the gateway: cancelled"),
            "{text}"
        );
        assert!(
            !stop.is_cancelled(),
            "the provider's stop token is not the deadline's"
        );
    }

    #[test]
    fn cycles_and_unknown_dependencies_are_refused() {
        let g: Graph<()> = Graph::new()
            .step("a", &["b"], |_c, _t| async { Ok(()) })
            .step("b", &["a"], |_c, _t| async { Ok(()) });
        assert!(g.check().is_err());
        let g: Graph<()> = Graph::new().step("a", &["zzz"], |_c, _t| async { Ok(()) });
        assert!(g.check().is_err());
    }
}
