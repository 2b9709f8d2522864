//! EC2 reads by id coalesced across the resources of one terraform run (`cloud::batch`):
//! each object file's `status_*`/`find_*_by_id` asks for one id, and one `Describe*` with a
//! `*-id` filter answers every resource that asked within the window. Once a kind has been
//! asked for by many resources of a walk that wrote nothing yet, the region's whole listing of
//! that kind answers the rest of the walk (`cloud::listing`).
//!
//! Filters, not `XxxIds`: EC2 fails a whole call with `InvalidXxxID.NotFound` when one of the
//! listed ids does not exist, so one deleted object would fail every resource of the batch;
//! a filter value that matches nothing simply returns nothing for it (rule
//! AWS-EC2-FILTER-VALUES-LIMIT for the number of values).

use super::account::Ec2;
use super::tags;
use crate::cloud::batch::{self, Fetch, Limits};
use crate::cloud::error::Result;
use crate::cloud::listing;
use aws_sdk_ec2::types::Filter;
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

/// How many reads of one kind a walk makes before the region's listing of that kind answers
/// the rest: terraform's default parallelism, so a plan of a handful of resources never lists
/// a region, while a plan of hundreds lists each kind once instead of once per wave.
pub const LIST_AFTER_READS: usize = 10;

/// Pages a region listing may take; a region holding more objects of the kind than that is
/// read by batches for the rest of the walk (a listing would cost more calls than the
/// batches it saves).
pub const LISTING_MAX_PAGES: usize = 20;

/// Which objects one Describe call reads.
#[derive(Debug, Clone)]
pub(crate) enum Select {
    /// The objects whose filter matches one of these values (a batch's keys).
    Values(Vec<String>),
    /// Every object of the region (a listing), in at most [`LISTING_MAX_PAGES`] pages
    /// (rule: AWS-EC2-DESCRIBE-ALL: no filter reads everything, page by page).
    Everything,
}

impl Select {
    /// The Describe filters of this selection on filter `name`: one filter with the values,
    /// or none.
    pub fn filters(&self, name: &str) -> Vec<Filter> {
        match self {
            Select::Values(values) => vec![tags::filter(name, &as_strs(values))],
            Select::Everything => Vec::new(),
        }
    }

    /// How many values the selection names, for error contexts ("every" for a listing).
    pub fn describe(&self) -> String {
        match self {
            Select::Values(v) => format!("{} values", v.len()),
            Select::Everything => "every object".into(),
        }
    }

    fn max_pages(&self) -> Option<usize> {
        match self {
            Select::Values(_) => None,
            Select::Everything => Some(LISTING_MAX_PAGES),
        }
    }
}

/// How the keys of a read relate to the objects, which decides what a listing may answer.
pub(crate) enum Keys<T> {
    /// Object ids (`id_of` gives an object's): an id the listing lacks (an object created
    /// since it was taken) is read from the cloud.
    Ids(fn(&T) -> &str),
    /// Parent ids (the VPC of a subnet): the listing holds every child it had when taken.
    Parents,
}

impl Ec2 {
    /// The objects `read` finds for `keys` and for the keys of every other caller of the same
    /// `kind` (`DescribeX` or `DescribeX/filter-name`) on this client's scope (credentials
    /// and region): the walk's listing of `DescribeX` when one may answer ([`listing`]), else
    /// one batch within the window. `read` gets a client whose cancellation is the batch's and
    /// the selection of one call. Callers pick their own objects from the answer.
    pub(crate) async fn coalesced<T, F, Fut>(
        &self,
        kind: &'static str,
        keys: &[&str],
        relation: Keys<T>,
        read: F,
    ) -> Result<Arc<Vec<T>>>
    where
        T: Send + Sync + 'static,
        F: Fn(Ec2, Select) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
    {
        let read = Arc::new(read);
        let action = kind.split('/').next().unwrap_or(kind);
        if let Some(listed) = self.listed(action, keys, &relation, read.clone()).await {
            return listed;
        }
        let ec2 = self.clone();
        let fetch: Fetch<T> = Arc::new(move |keys, token| {
            Box::pin(read(ec2.with_cancel(token), Select::Values(keys)))
        });
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        batch::coalesced(
            format!("ec2/{}/{kind}", self.scope()),
            &keys,
            ONE_FILTER,
            fetch,
            &self.cancel,
        )
        .await
    }

    /// The region's listing of `action` when it answers these `keys`: only in a walk that
    /// wrote nothing, after [`LIST_AFTER_READS`] reads of the action, within
    /// [`LISTING_MAX_PAGES`], and (for ids) when it holds every id. `None`: read by batch.
    async fn listed<T, F, Fut>(
        &self,
        action: &str,
        keys: &[&str],
        relation: &Keys<T>,
        read: Arc<F>,
    ) -> Option<Result<Arc<Vec<T>>>>
    where
        T: Send + Sync + 'static,
        F: Fn(Ec2, Select) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
    {
        let walk = listing::walk();
        let asked = walk.asked(&self.listing_scope(action));
        if !walk.reuse_allowed() || asked <= LIST_AFTER_READS {
            return None;
        }
        let all = self
            .region_listing(action, || read(self.clone(), Select::Everything))
            .await?;
        match all {
            Ok(all) if !listing_answers(relation, keys, &all) => None,
            answer => Some(answer),
        }
    }

    /// The walk's listing scope of `action` on this client's scope.
    fn listing_scope(&self, action: &str) -> String {
        format!("ec2/{}/{action}", self.scope())
    }

    /// The walk's listing of `action` in this region, `list`'s answer shared by every caller
    /// ([`listing::Listings::shared`]; `None` once writes began or the kind was too large).
    /// One listing per action: every caller of an action passes the same `list`.
    pub(crate) async fn region_listing<T, F, Fut>(
        &self,
        action: &str,
        list: F,
    ) -> Option<Result<Arc<Vec<T>>>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>>>,
    {
        listing::walk()
            .shared(&self.listing_scope(action), list)
            .await
    }
}

/// Whether a listing answers a read of `keys`: a read by parent always (the listing holds
/// every child it had when taken), a read by id when the listing holds every id (a missing
/// one may be newer than the listing, so it is read from the cloud).
fn listing_answers<T>(relation: &Keys<T>, keys: &[&str], all: &[T]) -> bool {
    match relation {
        Keys::Ids(id_of) => keys.iter().all(|k| all.iter().any(|x| id_of(x) == *k)),
        Keys::Parents => true,
    }
}

/// Every item of a paginated Describe call of `select`: `page(token)` sends one page (the
/// first with `None`) and returns its items and the next token. A listing
/// ([`Select::Everything`]) gives up after [`LISTING_MAX_PAGES`] pages, and the caller reads by
/// batch instead.
pub(crate) async fn selected_pages<T, P, Fut>(select: &Select, mut page: P) -> Result<Vec<T>>
where
    P: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut next = None;
    for n in 1.. {
        let (items, token) = page(next.take()).await?;
        out.extend(items);
        match token.filter(|t| !t.is_empty()) {
            Some(_) if select.max_pages().is_some_and(|max| n >= max) => {
                return Err(listing::too_large(format!("more than {n} pages")))
            }
            Some(t) => next = Some(t),
            None => break,
        }
    }
    Ok(out)
}

/// `keys` as the `&str` list filters take.
pub(crate) fn as_strs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A paginated read of `total` pages of one item each, counting the pages sent.
    async fn pages(select: &Select, total: usize, sent: &AtomicUsize) -> Result<Vec<usize>> {
        selected_pages(select, |token: Option<String>| {
            let n: usize = token.map_or(0, |t| t.parse().unwrap());
            sent.fetch_add(1, Ordering::SeqCst);
            let next = (n + 1 < total).then(|| (n + 1).to_string());
            async move { Ok((vec![n], next)) }
        })
        .await
    }

    #[tokio::test]
    async fn a_batch_reads_every_page_and_a_listing_gives_up_past_its_page_limit() {
        let sent = AtomicUsize::new(0);
        let batch = Select::Values(vec!["vpc-1".into()]);
        let all = pages(&batch, LISTING_MAX_PAGES + 5, &sent).await.unwrap();
        assert_eq!(all.len(), LISTING_MAX_PAGES + 5);

        let sent = AtomicUsize::new(0);
        let small = pages(&Select::Everything, LISTING_MAX_PAGES, &sent)
            .await
            .unwrap();
        assert_eq!(small.len(), LISTING_MAX_PAGES);

        let sent = AtomicUsize::new(0);
        let err = pages(&Select::Everything, LISTING_MAX_PAGES + 1, &sent)
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some(listing::TOO_LARGE));
        assert_eq!(sent.load(Ordering::SeqCst), LISTING_MAX_PAGES);
    }

    #[test]
    fn a_listing_answers_ids_it_holds_and_every_read_by_parent() {
        let listed = vec!["rtb-1".to_string(), "rtb-2".to_string()];
        let by_id = Keys::Ids(|s: &String| s.as_str());
        assert!(listing_answers(&by_id, &["rtb-1", "rtb-2"], &listed));
        assert!(
            !listing_answers(&by_id, &["rtb-1", "rtb-3"], &listed),
            "an id created after the listing is read from the cloud"
        );
        assert!(listing_answers(&Keys::Parents, &["vpc-9"], &listed));
    }

    #[test]
    fn a_selection_filters_by_its_values_and_a_listing_by_nothing() {
        let f = Select::Values(vec!["a".into(), "b".into()]).filters("vpc-id");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].name(), Some("vpc-id"));
        assert_eq!(f[0].values(), ["a", "b"]);
        assert!(Select::Everything.filters("vpc-id").is_empty());
    }
}
