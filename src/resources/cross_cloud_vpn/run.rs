//! The run context: what every step of one operation (create, update, read, delete,
//! import) shares: the clients of both clouds, the desired link and its AWS-side view, the
//! operation's deadline, the checkpoint the steps write as soon as each cloud object exists,
//! the PSKs (memory only) and the claim that decides which objects this state may touch.
//! It lives apart from the steps so that the Azure steps, the AWS steps, PSK rotation and the
//! status checks can all depend on it without depending on each other.

use super::aws_side::AwsSide;
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud::aws::{ownership_tags, Ec2};
use crate::cloud::azure::{tags as az_tags, Network};
use crate::cloud::wait::WaitConfig;
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::resources::claim;
use crate::tf::AttributePath;
use anyhow::{anyhow, Context as _};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything the steps share: clients, the desired link, the deadline, the checkpoint and
/// the PSKs (memory only; never logged, never in state unless the user configured them).
pub struct Run {
    /// The desired link.
    pub d: Desired,
    /// The AWS end of the link, as the AWS steps read it (see `aws_side`).
    pub aws: AwsSide,
    /// EC2 of the link's AWS account.
    pub ec2: Ec2,
    /// ARM network client.
    pub net: Network,
    /// Longest poll interval.
    pub poll: Duration,
    /// The operation's deadline; orchestrate enforces it, the waits are bounded by it.
    pub deadline: Deadline,
    /// Ids created so far.
    pub cp: Mutex<Checkpoint>,
    /// PSK per tunnel once known.
    pub psks: Mutex<Vec<Option<String>>>,
    /// The claim of the state this run works for (see `resources::claim`).
    pub claim: String,
}

impl Run {
    /// Builds the shared context of one operation bounded by `deadline`.
    pub async fn new(
        ctx: &ProviderContext,
        d: Desired,
        cp: Checkpoint,
        deadline: Deadline,
    ) -> anyhow::Result<Run> {
        let account = ctx
            .aws_account(
                d.aws_account.as_deref(),
                AttributePath::root().attr("aws").attr("account"),
            )
            .map_err(|e| anyhow!("{}: {}", e.summary, e.detail))?;
        let ec2 = account.ec2().await.context("connecting to AWS")?;
        let net = ctx
            .azure
            .network()
            .await
            .context("connecting to Azure")?
            .clone();
        let n = d.tunnels;
        Ok(Run {
            claim: cp.claim.clone(),
            ec2: ec2.with_cancel(ctx.stop.clone()),
            net,
            poll: ctx.poll_interval,
            aws: AwsSide::of(&d),
            deadline,
            cp: Mutex::new(cp),
            psks: Mutex::new(vec![None; n]),
            d,
        })
    }

    /// A wait bounded by the operation's deadline.
    pub fn wait(&self, cancel: &CancellationToken) -> WaitConfig {
        WaitConfig {
            timeout: self.deadline.remaining(),
            initial_interval: Duration::from_millis(200).min(self.poll),
            max_interval: self.poll,
            cancel: cancel.clone(),
        }
    }

    /// EC2 whose calls stop with `cancel`.
    pub fn ec2(&self, cancel: &CancellationToken) -> Ec2 {
        self.ec2.with_cancel(cancel.clone())
    }

    /// Updates the checkpoint.
    pub fn record(&self, f: impl FnOnce(&mut Checkpoint)) {
        f(&mut self.cp.lock().unwrap())
    }

    /// A copy of the checkpoint.
    pub fn snapshot(&self) -> Checkpoint {
        self.cp.lock().unwrap().clone()
    }

    /// The virtual private gateway the route tables reach the peer through, with the peer's
    /// prefixes; `None` until the gateway exists (and always with a transit gateway).
    pub fn routed_through_vgw(&self) -> Option<(String, Vec<String>)> {
        let cp = self.cp.lock().unwrap();
        (!cp.vpn_gateway_id.is_empty()).then(|| (cp.vpn_gateway_id.clone(), cp.azure_cidrs.clone()))
    }

    /// Azure tags of component `c`, with the run's claim.
    pub fn azure_tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = az_tags::ownership_tags(&self.d.owner(), c, &self.d.tags);
        if !self.claim.is_empty() {
            tags.insert(claim::AZURE_TAG.to_string(), self.claim.clone());
        }
        tags
    }

    /// AWS tags of component `c`, with the run's claim.
    pub fn aws_tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = ownership_tags(&self.d.owner(), c, &self.d.tags);
        if !self.claim.is_empty() {
            tags.insert(claim::AWS_TAG.to_string(), self.claim.clone());
        }
        tags
    }

    /// Whether this run may adopt, change or delete the Azure object tagged `tags`.
    pub fn owns_azure(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AZURE_TAG, &self.claim).adoptable()
    }

    /// Whether this run may adopt, change or delete the EC2 object tagged `tags`.
    pub fn owns_aws(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AWS_TAG, &self.claim).adoptable()
    }

    /// Fails unless this run may adopt the Azure object tagged `tags`.
    pub fn ensure_owns_azure(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns_azure(tags) {
            return Ok(());
        }
        let scope = format!("Azure resource group {}", self.d.resource_group);
        Err(anyhow!(claim::owned_by_another_state(&self.d.name, &scope)))
    }

    /// Fails unless this run may adopt the EC2 object tagged `tags`.
    pub fn ensure_owns_aws(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns_aws(tags) {
            return Ok(());
        }
        let scope = match &self.d.aws_account {
            Some(a) => format!("AWS region {} of account {a:?}", self.ec2.region()),
            None => format!("AWS region {}", self.ec2.region()),
        };
        Err(anyhow!(claim::owned_by_another_state(&self.d.name, &scope)))
    }

    /// Runs `each` for every tunnel at once (the per-tunnel Azure objects are independent;
    /// the gateway queue serialises what Azure requires) and returns the first failure.
    pub async fn per_tunnel<F, Fut>(
        self: &Arc<Self>,
        cancel: &CancellationToken,
        each: F,
    ) -> anyhow::Result<()>
    where
        F: Fn(Arc<Run>, usize, CancellationToken) -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let runs = (0..self.d.tunnels).map(|t| each(self.clone(), t, cancel.clone()));
        for r in futures::future::join_all(runs).await {
            r?;
        }
        Ok(())
    }

    /// ARM id of `Microsoft.Network/{kind}/{name}` in the link's resource group.
    pub fn arm_id(&self, kind: &str, name: &str) -> String {
        self.net.resource_id(&self.d.resource_group, kind, name)
    }
}
