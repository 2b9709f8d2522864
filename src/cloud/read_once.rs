//! The reads of one operation, each object read at most once: a refresh asks whether each
//! recorded object still exists and carries its tags, then what its tunnels report; both
//! questions are answered from one GET or Describe per object. Concurrent askers of the same
//! object share the one read; a failed read is not kept (the next asker tries again).

use super::error::Result;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The answers of one operation's reads, by object.
#[derive(Default)]
pub struct ReadOnce {
    answers: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl ReadOnce {
    /// The answer for `key` (`kind/name`): `read`'s, the first time it is asked.
    pub async fn get<T, F, Fut>(&self, key: String, read: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let cell = {
            let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            let any = answers
                .entry(key)
                .or_insert_with(|| Arc::new(OnceCell::<T>::new()))
                .clone();
            any.downcast::<OnceCell<T>>()
                .expect("one type per read key")
        };
        cell.get_or_try_init(read).await.cloned()
    }
}

/// Reads through `memo` when the operation keeps one, else reads.
pub async fn maybe_once<T, F, Fut>(memo: Option<&ReadOnce>, key: String, read: F) -> Result<T>
where
    T: Clone + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match memo {
        Some(m) => m.get(key, read).await,
        None => read().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn each_key_is_read_once_even_when_asked_at_the_same_time() {
        let memo = ReadOnce::default();
        let reads = AtomicU32::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, crate::cloud::CloudError>(Some("gw".to_string()))
        };
        let (a, b) = tokio::join!(memo.get("gw/x".into(), read), memo.get("gw/x".into(), read));
        assert_eq!(a.unwrap(), b.unwrap());
        let _: Option<String> = memo.get("gw/y".into(), read).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
