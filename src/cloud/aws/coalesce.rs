//! EC2 reads by id coalesced across the resources of one terraform run (`cloud::batch`):
//! each object file's `status_*`/`find_*_by_id` asks for one id, and one `Describe*` with a
//! `*-id` filter answers every resource that asked within the window.
//!
//! Filters, not `XxxIds`: EC2 fails a whole call with `InvalidXxxID.NotFound` when one of the
//! listed ids does not exist, so one deleted object would fail every resource of the batch;
//! a filter value that matches nothing simply returns nothing for it (rule
//! AWS-EC2-FILTER-VALUES-LIMIT for the number of values).

use super::account::Ec2;
use crate::cloud::batch::{self, Fetch, Limits};
use crate::cloud::error::Result;
use std::future::Future;
use std::sync::Arc;

/// Filter values one EC2 call takes, all filters together. rule: AWS-EC2-FILTER-VALUES-LIMIT
/// (EC2 answers `FilterLimitExceeded`, "The maximum number of filter values specified on a
/// single call is 200").
pub const MAX_FILTER_VALUES: usize = 200;

/// A batch whose keys are the values of one filter.
pub const ONE_FILTER: Limits = Limits {
    max_keys: MAX_FILTER_VALUES,
};

impl Ec2 {
    /// The objects `read` finds for `keys` and for the keys of every other caller of the same
    /// `kind` on this client's scope (credentials and region) within the batch window. `read`
    /// gets a client whose cancellation is the batch's and the keys of one call.
    pub(crate) async fn coalesced<T, F, Fut>(
        &self,
        kind: &'static str,
        keys: &[&str],
        limits: Limits,
        read: F,
    ) -> Result<Arc<Vec<T>>>
    where
        T: Send + Sync + 'static,
        F: Fn(Ec2, Vec<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
    {
        let ec2 = self.clone();
        let fetch: Fetch<T> =
            Arc::new(move |keys, token| Box::pin(read(ec2.with_cancel(token), keys)));
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        batch::coalesced(
            format!("ec2/{}/{kind}", self.scope()),
            &keys,
            limits,
            fetch,
            &self.cancel,
        )
        .await
    }
}

/// Every item of a paginated Describe call: `page(token)` sends one page (the first with
/// `None`) and returns its items and the next token.
pub(crate) async fn all_pages<T, P, Fut>(mut page: P) -> Result<Vec<T>>
where
    P: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let (items, token) = page(next.take()).await?;
        out.extend(items);
        match token.filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t),
            None => return Ok(out),
        }
    }
}

/// `keys` as the `&str` list filters take.
pub(crate) fn as_strs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}
