//! Listings shared by the reads of one terraform walk. Terraform plans (and refreshes) at
//! most ten resources at a time, so a plan of hundreds of resources is tens of waves, and a
//! read batched across one wave (`cloud::batch`) still costs every wave at least one cloud
//! round trip. Here one listing of a kind (every EC2 route table of a region, every public
//! IP of a resource group) answers every later resource of the walk from memory.
//!
//! Why a listing may be reused: terraform starts a provider process per walk. In a plan
//! walk (refresh and plan) nothing is written, so a listing taken at its start is as fresh as
//! a read made later in the same walk. In an apply walk, the first `ApplyResourceChange`
//! ends reuse for the rest of the process ([`Listings::writes_begin`]): from then on every
//! read goes to the cloud. Listings also expire after [`MAX_AGE`]. An object created by another
//! provider after a listing was taken is the one case a listing could miss; callers that
//! look objects up by id read a missing id from the cloud again (`cloud::aws::coalesce`).

use super::error::{CloudError, ErrorKind, Result};
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long a listing answers before it is taken again: a plan walk of hundreds of
/// resources at 50 ms per cloud call takes seconds; a listing older than this is not trusted.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// The error code a listing gives up with when its kind holds too many objects to be worth
/// listing (the caller reads by batch instead, for the rest of the walk).
pub const TOO_LARGE: &str = "cloudlink.ListingTooLarge";

/// The error a listing gives up with (`why` it is too large): the caller reads by batch.
pub fn too_large(why: String) -> CloudError {
    CloudError {
        code: Some(TOO_LARGE.into()),
        ..CloudError::new(ErrorKind::Client, format!("{why}: read by batch instead"))
    }
}

/// The listings of this process's walk (terraform runs one walk per provider process).
pub fn walk() -> &'static Listings {
    static WALK: LazyLock<Listings> = LazyLock::new(Listings::default);
    &WALK
}

/// Listings by scope (endpoint or credentials, region or resource group, kind of object),
/// how many reads asked each scope, and whether a write ended their reuse.
#[derive(Default)]
pub struct Listings {
    writes_began: AtomicBool,
    entries: Mutex<HashMap<String, Entry>>,
    asked: Mutex<HashMap<String, usize>>,
    /// Scopes whose listing was [`TOO_LARGE`]: read otherwise for the rest of the walk.
    given_up: Mutex<HashSet<String>>,
}

/// One listing: when it was started and its answer once read.
struct Entry {
    started: Instant,
    answer: Arc<dyn Any + Send + Sync>,
}

/// The answer of one listing, shared by its callers.
type Cell<T> = OnceCell<Arc<Vec<T>>>;

impl Listings {
    /// Ends listing reuse: called when terraform applies a change, so that every read from
    /// then on sees the writes of this walk.
    pub fn writes_begin(&self) {
        self.writes_began.store(true, Ordering::SeqCst);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Whether reads may still be answered from a listing (no write happened yet).
    pub fn reuse_allowed(&self) -> bool {
        !self.writes_began.load(Ordering::SeqCst)
    }

    /// Counts one more read of `scope` and returns how many there were, this one included:
    /// a caller lists a kind only once enough resources asked for it that a listing costs
    /// fewer calls than one batch per wave.
    pub fn asked(&self, scope: &str) -> usize {
        let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        let n = asked.entry(scope.to_string()).or_default();
        *n += 1;
        *n
    }

    /// The listing of `scope`: `list`'s answer, read once for every caller (until it is
    /// [`MAX_AGE`] old). Concurrent callers share the one read; a failed read is not kept
    /// (the next caller tries again), except a [`TOO_LARGE`] one, after which the scope is
    /// given up for the rest of the walk. `None` once writes began or the scope was given up:
    /// the caller reads the cloud.
    pub async fn shared<T, F, Fut>(&self, scope: &str, list: F) -> Option<Result<Arc<Vec<T>>>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>>>,
    {
        let given_up = || {
            self.given_up
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(scope)
        };
        if !self.reuse_allowed() || given_up() {
            return None;
        }
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let fresh = entries
                .get(scope)
                .is_some_and(|e| e.started.elapsed() < MAX_AGE && e.answer.is::<Cell<T>>());
            if !fresh {
                let entry = Entry {
                    started: Instant::now(),
                    answer: Arc::new(Cell::<T>::new()),
                };
                entries.insert(scope.to_string(), entry);
            }
            entries[scope]
                .answer
                .clone()
                .downcast::<Cell<T>>()
                .expect("one type per listing scope")
        };
        let listed = cell
            .get_or_try_init(|| async {
                // A caller that waited on a listing found too large does not try it again.
                if given_up() {
                    return Err(None);
                }
                list().await.map(Arc::new).map_err(Some)
            })
            .await;
        match listed {
            Ok(all) => Some(Ok(all.clone())),
            Err(Some(e)) if e.code.as_deref() == Some(TOO_LARGE) => {
                self.given_up
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(scope.to_string());
                None
            }
            Err(Some(e)) => Some(Err(e)),
            Err(None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::error::{CloudError, ErrorKind};
    use std::sync::atomic::AtomicU32;

    async fn listing(
        walk: &Listings,
        calls: &AtomicU32,
        fail: bool,
    ) -> Option<Result<Arc<Vec<u32>>>> {
        walk.shared("test/scope", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            if fail {
                Err(CloudError::new(ErrorKind::Server, "boom"))
            } else {
                Ok(vec![1, 2, 3])
            }
        })
        .await
    }

    #[tokio::test]
    async fn concurrent_and_later_callers_share_one_listing_and_a_failure_is_not_kept() {
        let (walk, calls) = (Listings::default(), AtomicU32::new(0));
        let failed = listing(&walk, &calls, true).await.unwrap();
        assert!(failed.is_err());
        let (a, b) = tokio::join!(listing(&walk, &calls, false), listing(&walk, &calls, false));
        let later = listing(&walk, &calls, false).await.unwrap();
        assert_eq!(*a.unwrap().unwrap(), vec![1, 2, 3]);
        assert_eq!(*b.unwrap().unwrap(), vec![1, 2, 3]);
        assert_eq!(*later.unwrap(), vec![1, 2, 3]);
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one failed, one shared");
    }

    #[tokio::test]
    async fn after_the_first_write_every_read_goes_to_the_cloud() {
        let (walk, calls) = (Listings::default(), AtomicU32::new(0));
        assert!(listing(&walk, &calls, false).await.is_some());
        walk.writes_begin();
        assert!(!walk.reuse_allowed());
        assert!(listing(&walk, &calls, false).await.is_none());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_listing_too_large_is_given_up_for_the_rest_of_the_walk() {
        let (walk, calls) = (Listings::default(), AtomicU32::new(0));
        let too_large = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<Vec<u32>, _>(CloudError {
                code: Some(TOO_LARGE.into()),
                ..CloudError::new(ErrorKind::Client, "too many pages")
            })
        };
        let (a, b) = tokio::join!(
            walk.shared("test/scope", too_large),
            walk.shared("test/scope", too_large)
        );
        assert!(a.is_none() && b.is_none());
        assert!(listing(&walk, &calls, false).await.is_none());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "listed once, then given up"
        );
    }

    #[test]
    fn asked_counts_each_scope_on_its_own() {
        let walk = Listings::default();
        assert_eq!(walk.asked("a"), 1);
        assert_eq!(walk.asked("a"), 2);
        assert_eq!(walk.asked("b"), 1);
    }
}
