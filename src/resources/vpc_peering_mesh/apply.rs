//! Create, update and delete of a mesh: each is a set of per-pair jobs (create, update or
//! delete one peering with the code `cloudlink_vpc_peering_pair` uses) run concurrently
//! through the orchestrate graph, deletes first so a replaced pair frees its VPCs' peering
//! slots before new peerings take them. Every job records where its pair got to, so a failure
//! returns a state naming every peering that exists.

use super::places::{PlaceKey, Places};
use super::schema::{DEFAULTS, TYPE_NAME};
use super::state::{MeshState, PairEntry};
use crate::cloud::wait::WaitConfig;
use crate::orchestrate::Graph;
use crate::provider::{ApplyResult, ProviderContext};
use crate::resources::claim::{self, CreateJournal};
use crate::resources::reachability::attribute;
use crate::resources::vpc_peering_pair::apply::{create_link, update_steps};
use crate::resources::vpc_peering_pair::delete::delete_link;
use crate::resources::vpc_peering_pair::state::{PairState, Side};
use crate::resources::{default_tags, timeouts};
use crate::tf::{Diagnostic, Diagnostics, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// What to do with one pair.
#[derive(Debug, Clone)]
enum Job {
    /// Request, accept and route a new peering.
    Create(PairState),
    /// Move a live peering (`from`) to what the configuration wants (`to`).
    Update {
        from: Box<PairState>,
        to: Box<PairState>,
    },
    /// Remove a live peering and its routes.
    Delete(PairState),
}

impl Job {
    fn verb(&self) -> &'static str {
        match self {
            Job::Create(_) => "create",
            Job::Update { .. } => "update",
            Job::Delete(_) => "delete",
        }
    }

    /// The pair as it is before the job runs (`None`: no peering yet).
    fn before(&self) -> Option<PairState> {
        match self {
            Job::Create(_) => None,
            Job::Update { from, .. } => Some((**from).clone()),
            Job::Delete(st) => Some(st.clone()),
        }
    }

    fn state(&self) -> &PairState {
        match self {
            Job::Create(st) | Job::Delete(st) => st,
            Job::Update { to, .. } => to,
        }
    }
}

/// One pair's job: its key, member names and where each end acts.
struct PairJob {
    key: String,
    requester: String,
    accepter: String,
    places: (PlaceKey, PlaceKey),
    job: Job,
}

/// Where one pair is: its key, member names and state (`None`: no peering).
struct PairNow {
    key: String,
    requester: String,
    accepter: String,
    st: Option<PairState>,
}

/// Everything the graph's steps share: the jobs, the resolved places, and the pairs as they
/// are (the checkpoint) with the errors met.
struct Run {
    jobs: BTreeMap<String, PairJob>,
    places: Places,
    wait: WaitConfig,
    /// Per step: the pair as it is now.
    now: Mutex<BTreeMap<String, PairNow>>,
    errors: Mutex<Vec<Diagnostic>>,
}

impl Run {
    fn new(jobs: Vec<PairJob>, places: Places, wait: WaitConfig) -> Run {
        let now = jobs
            .iter()
            .map(|j| {
                let step = step_name(j);
                (
                    step,
                    PairNow {
                        key: j.key.clone(),
                        requester: j.requester.clone(),
                        accepter: j.accepter.clone(),
                        st: j.job.before(),
                    },
                )
            })
            .collect();
        Run {
            jobs: jobs.into_iter().map(|j| (step_name(&j), j)).collect(),
            places,
            wait,
            now: Mutex::new(now),
            errors: Mutex::new(Vec::new()),
        }
    }

    async fn run_job(&self, step: &str, cancel: CancellationToken) -> anyhow::Result<()> {
        let j = &self.jobs[step];
        let Some(sides) = self.places.sides(&j.places.0, &j.places.1) else {
            anyhow::bail!("pair {}: its accounts were not resolved", j.key);
        };
        let mut wait = self.wait.clone();
        wait.cancel = cancel;
        let (result, after) = match &j.job {
            Job::Create(st) => {
                let mut st = st.clone();
                let r = create_link(&sides, &mut st, &wait).await;
                let exists = st.id.is_some();
                (r, exists.then_some(st))
            }
            Job::Update { from, to } => {
                let mut st = (**from).clone();
                let claiming = st.claim.is_none();
                st.claim = to.claim.clone();
                st.requester.route_table_ids = to.requester.route_table_ids.clone();
                st.accepter.route_table_ids = to.accepter.route_table_ids.clone();
                let r = update_steps(&sides, &mut st, to, claiming).await;
                (r, Some(st))
            }
            Job::Delete(st) => {
                let mut st = st.clone();
                let id = st.id.clone().unwrap_or_default();
                let r = if id.is_empty() {
                    Ok(())
                } else {
                    delete_link(&sides, &mut st, &id, &wait).await
                };
                let left = r.is_err().then_some(st);
                (r, left)
            }
        };
        if let Some(entry) = self.now.lock().unwrap().get_mut(step) {
            entry.st = after;
        }
        result.map_err(|d| {
            let msg = format!("{}: {}", d.summary, d.detail);
            let d = Diagnostic::error(
                format!("Mesh pair {}: {}", j.key, d.summary),
                format!(
                    "{} of the peering of members {} and {} failed: {}",
                    j.job.verb(),
                    j.requester,
                    j.accepter,
                    d.detail
                ),
            );
            self.errors.lock().unwrap().push(d);
            anyhow::anyhow!(msg)
        })
    }

    /// The pairs that exist now, as state entries.
    fn entries(&self) -> BTreeMap<String, PairEntry> {
        self.now
            .lock()
            .unwrap()
            .values()
            .filter_map(|p| {
                let st = p.st.as_ref()?;
                Some((
                    p.key.clone(),
                    PairEntry::from_pair(&p.requester, &p.accepter, st),
                ))
            })
            .collect()
    }

    /// The pair states that exist now (to fill in what members learnt).
    fn live(&self) -> Vec<(String, String, PairState)> {
        self.now
            .lock()
            .unwrap()
            .values()
            .filter_map(|p| Some((p.requester.clone(), p.accepter.clone(), p.st.clone()?)))
            .collect()
    }
}

fn step_name(j: &PairJob) -> String {
    format!("{} {}", j.job.verb(), j.key)
}

/// Runs `jobs` (deletes first, then the creates; updates at once) and returns the run.
async fn run_jobs(
    ctx: &ProviderContext,
    jobs: Vec<PairJob>,
    places: Places,
    wait: WaitConfig,
) -> (Arc<Run>, Option<String>) {
    let deletes: Vec<String> = jobs
        .iter()
        .filter(|j| matches!(j.job, Job::Delete(_)))
        .map(step_name)
        .collect();
    let mut graph: Graph<Run> = Graph::new();
    for j in &jobs {
        let step = step_name(j);
        let after: Vec<&str> = match j.job {
            Job::Create(_) => deletes.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        let name = step.clone();
        graph = graph.step(&step, &after, move |run: Arc<Run>, cancel| {
            let name = name.clone();
            async move { run.run_job(&name, cancel).await }
        });
    }
    let run = Arc::new(Run::new(jobs, places, wait));
    let outcome = graph.run(run.clone(), &ctx.stop).await;
    let failure = outcome
        .failure
        .map(|(step, e)| format!("step {step:?}: {e:#}"));
    (run, failure)
}

/// The result of a run: `st` with the pairs that exist and what the members learnt, and
/// after a full success their live `reachability` (read at `places`; a failed read leaves
/// it empty with a warning); an error per failed pair.
async fn finish(
    ctx: &ProviderContext,
    places: &mut Places,
    mut st: MeshState,
    run: &Run,
    failure: Option<String>,
) -> ApplyResult {
    for (a, b, ps) in run.live() {
        for (name, side) in [(a, Side::Requester), (b, Side::Accepter)] {
            let Some(m) = st.members.get_mut(&name) else {
                continue;
            };
            let s = ps.side(side);
            if m.vpc_id == s.vpc_id && s.cidr_blocks.is_some() {
                m.region = s.region.clone().or(m.region.take());
                m.owner_id = s.owner_id.clone().or(m.owner_id.take());
                m.cidr_blocks = s.cidr_blocks.clone();
            }
        }
    }
    st.pairs = Some(run.entries());
    let Some(failure) = failure else {
        let mut diags = Diagnostics::default();
        let live = super::reachability::live(ctx, places, &st)
            .await
            .map_err(|d| d.detail);
        st.reachability = attribute::applied(live, "the VPC peering mesh", &mut diags);
        let mut out = ApplyResult::ok(st.to_value());
        out.diags.extend(diags);
        return out;
    };
    let mut errors = std::mem::take(&mut *run.errors.lock().unwrap());
    if errors.is_empty() {
        errors.push(Diagnostic::error("Mesh apply stopped", failure));
    }
    let mut result = ApplyResult::partial(Some(st.to_value()), errors.remove(0));
    for d in errors {
        result.diags.push(d);
    }
    result
}

fn place_of(st: &PairState, side: Side) -> PlaceKey {
    let s = st.side(side);
    (s.account.clone(), s.region.clone())
}

fn pair_job(key: &str, requester: &str, accepter: &str, job: Job) -> PairJob {
    let st = job.state();
    let places = (place_of(st, Side::Requester), place_of(st, Side::Accepter));
    PairJob {
        key: key.to_string(),
        requester: requester.to_string(),
        accepter: accepter.to_string(),
        places,
        job,
    }
}

/// The journal entry of this mesh's create (see `resources::claim`): its members' VPCs.
pub fn journal(st: &MeshState) -> CreateJournal {
    let mut vpcs: Vec<&str> = st
        .members
        .values()
        .filter_map(|m| m.vpc_id.as_deref())
        .collect();
    vpcs.sort();
    CreateJournal::for_link(TYPE_NAME, &format!("vpc-peering-mesh-{}", vpcs.join("-")))
}

/// Creates every pair of the mesh `planned` describes.
pub async fn create(ctx: &ProviderContext, planned: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let mut st = MeshState::from_value(planned);
    let journal = journal(&st);
    let own = journal.pending().unwrap_or_else(claim::new_claim);
    if let Err(e) = journal.begin(&own) {
        tracing::warn!(error = %format!("{e:#}"), "could not journal the create: a re-run after a crash will not adopt what it made");
    }
    st.id = Some(format!("mesh-{own}"));
    st.claim = Some(own);
    let wait = ctx.wait(timeouts::resolve(planned, DEFAULTS).create);
    let mut places = Places::default();
    if let Err(d) = places.of_members(ctx, &st).await {
        return ApplyResult::partial(None, d);
    }
    let jobs = st
        .wanted_pairs()
        .into_iter()
        .map(|(key, a, b)| pair_job(&key, &a, &b, Job::Create(st.wanted_pair(&a, &b))))
        .collect();
    let (run, failure) = run_jobs(ctx, jobs, places.clone(), wait).await;
    if failure.is_none() {
        journal.finish();
    }
    finish(ctx, &mut places, st, &run, failure).await
}

/// Whether the live pair `entry` still joins the members it was made for.
fn still_joins(st: &MeshState, entry: &PairEntry) -> bool {
    [
        (&entry.requester, Side::Requester),
        (&entry.accepter, Side::Accepter),
    ]
    .into_iter()
    .all(|(name, side)| {
        let end = entry.end(side);
        st.members.get(name).is_some_and(|m| {
            m.vpc_id == end.vpc_id
                && m.account == end.account
                && (m.region.is_none() || m.region == end.region)
        })
    })
}

/// Applies a change of members, tags, DNS options or route tables: pairs of removed (or
/// moved) members are deleted, pairs of new members created, the others updated in place.
pub async fn update(ctx: &ProviderContext, prior: &Value, planned: &Value) -> ApplyResult {
    let planned = &default_tags::with_tags_all(ctx, planned);
    let old = MeshState::from_value(prior);
    let mut new = MeshState::from_value(planned);
    new.id = old.id.clone();
    new.claim = Some(old.claim.clone().unwrap_or_else(claim::new_claim));
    let wait = ctx.wait(timeouts::resolve(planned, DEFAULTS).update);
    let old_entries = old.pairs.clone().unwrap_or_default();
    let mut places = Places::default();
    let resolved = async {
        places.of_members(ctx, &new).await?;
        places.of_entries(ctx, old_entries.values()).await
    }
    .await;
    if let Err(d) = resolved {
        return ApplyResult::partial(Some(prior.clone()), d);
    }
    let mut jobs = Vec::new();
    let wanted = new.wanted_pairs();
    for (key, entry) in &old_entries {
        let kept = wanted.iter().any(|(k, _, _)| k == key) && still_joins(&new, entry);
        if !kept {
            let st = old.live_pair(entry);
            jobs.push(pair_job(
                key,
                &entry.requester,
                &entry.accepter,
                Job::Delete(st),
            ));
        }
    }
    for (key, a, b) in &wanted {
        let mut to = new.wanted_pair(a, b);
        match old_entries.get(key).filter(|e| still_joins(&new, e)) {
            Some(entry) => {
                let mut from = old.live_pair(entry);
                // The live pair is the old one's, with the members' regions and owners.
                from.requester.region = entry.end(Side::Requester).region.clone();
                from.accepter.region = entry.end(Side::Accepter).region.clone();
                to.id = entry.id.clone();
                to.status = entry.status.clone();
                to.requester.region = from.requester.region.clone();
                to.accepter.region = from.accepter.region.clone();
                to.routes = to.desired_routes();
                jobs.push(pair_job(
                    key,
                    a,
                    b,
                    Job::Update {
                        from: Box::new(from),
                        to: Box::new(to),
                    },
                ));
            }
            None => jobs.push(pair_job(key, a, b, Job::Create(to))),
        }
    }
    // Members that stay keep their place for the pairs they keep.
    let (run, failure) = run_jobs(ctx, jobs, places.clone(), wait).await;
    finish(ctx, &mut places, new, &run, failure).await
}

/// Deletes every pair of the mesh in `prior`; on failure returns what is left.
pub async fn delete(ctx: &ProviderContext, prior: &Value) -> ApplyResult {
    let st = MeshState::from_value(prior);
    let wait = ctx.wait(timeouts::resolve(prior, DEFAULTS).delete);
    let entries = st.pairs.clone().unwrap_or_default();
    let mut places = Places::default();
    if let Err(d) = places.of_entries(ctx, entries.values()).await {
        return ApplyResult::partial(Some(prior.clone()), d);
    }
    let jobs = entries
        .iter()
        .map(|(key, e)| pair_job(key, &e.requester, &e.accepter, Job::Delete(st.live_pair(e))))
        .collect();
    let (run, failure) = run_jobs(ctx, jobs, places.clone(), wait).await;
    if failure.is_none() {
        journal(&st).finish();
        return ApplyResult::default();
    }
    finish(ctx, &mut places, st, &run, failure).await
}
