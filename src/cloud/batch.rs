//! Reads coalesced across resources: terraform plans and refreshes up to ten resources at
//! once, each asking for its own few objects. A caller hands [`coalesced`] the keys it needs
//! (object ids, VPC ids...) and how to read many keys in one call; for a short window
//! ([`WINDOW`]) every caller of the same scope (credentials, region and kind of read) joins
//! the same batch, then one call per [`Limits::max_keys`] keys reads them all and every
//! caller receives the whole answer, from which it picks its own objects (an absent object
//! is simply not in the answer). A read that fails fails every caller of the batch, each with
//! its own context.
//!
//! Cancellation and retries survive the sharing: the shared call retries under the policy
//! of the client that opened the batch and stops only when every caller has given up
//! (each caller's own token or a dropped request), while each caller returns as soon as its
//! own token fires.

use super::error::{CloudError, ErrorKind, Result};
use futures::future::{join_all, BoxFuture};
use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// How long a batch stays open for more callers after the first: long enough for the
/// resources terraform plans at the same time to join, short beside one cloud call.
pub const WINDOW: Duration = Duration::from_millis(10);

/// How many keys one call of a kind of read takes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Keys per call (the API's id or filter-value limit, divided by the number of filters
    /// that repeat the keys).
    pub max_keys: usize,
}

/// Reads the objects of `keys` in one call (or its pages), under `cancel` (the batch's
/// token: it fires when every caller has given up).
pub type Fetch<T> =
    Arc<dyn Fn(Vec<String>, CancellationToken) -> BoxFuture<'static, Result<Vec<T>>> + Send + Sync>;

/// The answer of one batch, shared by its callers.
type Answer<T> = std::result::Result<Arc<Vec<T>>, CloudError>;

struct Open<T> {
    keys: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Answer<T>>>,
    fetch: Fetch<T>,
    limits: Limits,
    /// Callers still waiting; the last one to give up cancels `token`.
    interested: Arc<AtomicUsize>,
    token: CancellationToken,
}

/// Open batches by scope: the batch's generation and its `Open<T>`; a scope names its kind
/// of read, so one scope always holds the same `T`.
static OPEN: LazyLock<Mutex<HashMap<String, OpenEntry>>> = LazyLock::new(Mutex::default);

/// A batch's generation and its `Open<T>`.
type OpenEntry = (u64, Box<dyn Any + Send>);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// Closes a batch that its timer task left open because the task was dropped (its runtime
/// shut down): its callers see the read abandoned, later callers open a new batch.
struct CloseOnDrop {
    scope: String,
    generation: u64,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        if open
            .get(&self.scope)
            .is_some_and(|(g, _)| *g == self.generation)
        {
            open.remove(&self.scope);
        }
    }
}

/// Gives up its interest in a batch when dropped (answered, cancelled or abandoned).
struct Interest {
    interested: Arc<AtomicUsize>,
    token: CancellationToken,
}

impl Drop for Interest {
    fn drop(&mut self) {
        if self.interested.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.token.cancel();
        }
    }
}

/// Every object `fetch` returns for the keys of all callers that joined the batch of
/// `scope` within [`WINDOW`] of its first caller, `keys` among them. The caller picks its own
/// objects from the answer. `cancel` is this caller's own token.
pub async fn coalesced<T>(
    scope: String,
    keys: &[String],
    limits: Limits,
    fetch: Fetch<T>,
    cancel: &CancellationToken,
) -> Result<Arc<Vec<T>>>
where
    T: Send + Sync + 'static,
{
    let (tx, rx) = oneshot::channel();
    let interest = {
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        let joinable = open
            .get(&scope)
            .is_some_and(|(_, b)| b.downcast_ref::<Open<T>>().is_some());
        if !joinable {
            let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
            let batch = Open {
                keys: BTreeSet::new(),
                waiters: Vec::new(),
                fetch,
                limits,
                interested: Arc::new(AtomicUsize::new(0)),
                token: CancellationToken::new(),
            };
            open.insert(scope.clone(), (generation, Box::new(batch)));
            tokio::spawn(close_after_window::<T>(CloseOnDrop {
                scope: scope.clone(),
                generation,
            }));
        }
        let batch = open
            .get_mut(&scope)
            .and_then(|(_, b)| b.downcast_mut::<Open<T>>())
            .expect("a batch of this kind is open");
        batch.keys.extend(keys.iter().cloned());
        batch.waiters.push(tx);
        batch.interested.fetch_add(1, Ordering::AcqRel);
        Interest {
            interested: batch.interested.clone(),
            token: batch.token.clone(),
        }
    };
    let answer = tokio::select! {
        a = rx => a.unwrap_or_else(|_| Err(CloudError::new(ErrorKind::Cancelled, "the shared read was abandoned"))),
        _ = cancel.cancelled() => Err(CloudError::new(ErrorKind::Cancelled, "cancelled")),
    };
    drop(interest);
    answer
}

/// Closes the batch of `scope` after [`WINDOW`] and runs its read: one call per
/// `max_keys` keys, concurrently, answers concatenated.
async fn close_after_window<T: Send + Sync + 'static>(close: CloseOnDrop) {
    tokio::time::sleep(WINDOW).await;
    let batch = {
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        if open
            .get(&close.scope)
            .is_none_or(|(g, _)| *g != close.generation)
        {
            return;
        }
        match open
            .remove(&close.scope)
            .map(|(_, b)| b.downcast::<Open<T>>())
        {
            Some(Ok(b)) => *b,
            _ => return,
        }
    };
    let keys: Vec<String> = batch.keys.into_iter().collect();
    let calls = keys
        .chunks(batch.limits.max_keys.max(1))
        .map(|chunk| (batch.fetch)(chunk.to_vec(), batch.token.clone()));
    let answer: Answer<T> = join_all(calls)
        .await
        .into_iter()
        .collect::<Result<Vec<Vec<T>>>>()
        .map(|parts| Arc::new(parts.into_iter().flatten().collect()));
    for w in batch.waiters {
        let _ = w.send(answer.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    fn counting_fetch(calls: Arc<AtomicU32>) -> Fetch<String> {
        Arc::new(move |keys, _| {
            calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { Ok(keys.into_iter().filter(|k| k != "gone").collect()) })
        })
    }

    #[tokio::test]
    async fn callers_within_the_window_share_one_call_and_pick_their_own() {
        let calls = Arc::new(AtomicU32::new(0));
        let cancel = CancellationToken::new();
        let ask = |key: &str| {
            let (calls, cancel, key) = (calls.clone(), cancel.clone(), key.to_string());
            async move {
                let all = coalesced(
                    "test/share".into(),
                    std::slice::from_ref(&key),
                    Limits { max_keys: 100 },
                    counting_fetch(calls),
                    &cancel,
                )
                .await
                .unwrap();
                all.iter().find(|k| **k == key).cloned()
            }
        };
        let (a, b, gone) = tokio::join!(ask("a"), ask("b"), ask("gone"));
        assert_eq!(
            (a.as_deref(), b.as_deref(), gone),
            (Some("a"), Some("b"), None)
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_batch_is_split_at_the_key_limit() {
        let calls = Arc::new(AtomicU32::new(0));
        let cancel = CancellationToken::new();
        let keys: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let all = coalesced(
            "test/split".into(),
            &keys,
            Limits { max_keys: 2 },
            counting_fetch(calls.clone()),
            &cancel,
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_cancelled_caller_returns_at_once_and_the_others_still_get_their_answer() {
        let calls = Arc::new(AtomicU32::new(0));
        let stopped = CancellationToken::new();
        stopped.cancel();
        let live = CancellationToken::new();
        let fetch = counting_fetch(calls.clone());
        let (key_a, key_b) = (["a".to_string()], ["b".to_string()]);
        let (a, b) = tokio::join!(
            coalesced(
                "test/cancel".into(),
                &key_a,
                Limits { max_keys: 10 },
                fetch.clone(),
                &stopped,
            ),
            coalesced(
                "test/cancel".into(),
                &key_b,
                Limits { max_keys: 10 },
                fetch,
                &live,
            ),
        );
        assert_eq!(a.unwrap_err().kind, ErrorKind::Cancelled);
        assert!(b.unwrap().contains(&"b".to_string()));
    }

    #[tokio::test]
    async fn the_shared_call_stops_when_every_caller_gave_up() {
        let seen = Arc::new(Mutex::new(None::<CancellationToken>));
        let record = seen.clone();
        let fetch: Fetch<String> = Arc::new(move |_, token| {
            *record.lock().unwrap() = Some(token.clone());
            Box::pin(async move {
                token.cancelled().await;
                Err(CloudError::new(ErrorKind::Cancelled, "cancelled"))
            })
        });
        let cancel = CancellationToken::new();
        let key = ["a".to_string()];
        let call = coalesced(
            "test/all-gone".into(),
            &key,
            Limits { max_keys: 10 },
            fetch,
            &cancel,
        );
        let stop = async {
            tokio::time::sleep(WINDOW * 3).await;
            cancel.cancel();
        };
        let (r, ()) = tokio::join!(call, stop);
        assert_eq!(r.unwrap_err().kind, ErrorKind::Cancelled);
        let token = seen.lock().unwrap().clone().expect("the read ran");
        assert!(token.is_cancelled());
    }
}
