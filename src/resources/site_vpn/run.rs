//! The run context of one operation (create, update, read, delete, import): the AWS run
//! context of the shared AWS half (EC2, claim, deadline, PSKs), the desired site VPN and the
//! checkpoint the steps write as soon as each AWS object exists. The device is the peer of
//! the shared AWS half: its configured IP is the customer gateway's, its prefixes are what
//! the VPN and the route tables route to it.

use super::names;
use super::side::{self, Desired, TUNNELS};
use super::state::Checkpoint;
use crate::cloud::aws::TunnelSpec;
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::checkpoint::AwsCheckpoint;
use crate::resources::aws_vpn::run::{AwsRun, AwsVpnRun};
use crate::tf::AttributePath;
use anyhow::{anyhow, Context as _};
use std::sync::Mutex;

/// Everything the steps of one operation share.
pub struct SiteRun {
    /// The desired site VPN.
    pub d: Desired,
    /// The AWS half's context.
    pub aws: AwsRun,
    /// What is known so far (the AWS half's part in `cp.aws`).
    pub cp: Mutex<Checkpoint>,
}

impl SiteRun {
    /// Builds the context of one operation bounded by `deadline`.
    pub async fn new(
        ctx: &ProviderContext,
        d: Desired,
        cp: Checkpoint,
        deadline: Deadline,
    ) -> anyhow::Result<SiteRun> {
        let account = ctx
            .aws_account(
                d.account.as_deref(),
                AttributePath::root()
                    .attr(names::AWS)
                    .attr(names::aws::ACCOUNT),
            )
            .map_err(|e| anyhow!("{}: {}", e.summary, e.detail))?;
        let ec2 = account.ec2().await.context("connecting to AWS")?;
        Ok(SiteRun {
            aws: AwsRun {
                side: side::of(&d),
                ec2: ec2.with_cancel(ctx.stop.clone()),
                account: d.account.clone(),
                owner: d.owner(),
                user_tags: d.tags.clone(),
                claim: cp.claim.clone(),
                poll: ctx.poll_interval,
                deadline,
                psks: Mutex::new(vec![None; TUNNELS]),
                reads: None,
            },
            cp: Mutex::new(cp),
            d,
        })
    }

    /// The operation's deadline.
    pub fn deadline(&self) -> &Deadline {
        &self.aws.deadline
    }

    /// Updates the checkpoint.
    pub fn record(&self, f: impl FnOnce(&mut Checkpoint)) {
        f(&mut self.cp.lock().unwrap())
    }

    /// A copy of the checkpoint.
    pub fn snapshot(&self) -> Checkpoint {
        self.cp.lock().unwrap().clone()
    }
}

/// The device is the peer: its IP is the customer gateway's, its prefixes are routed to it.
impl AwsVpnRun for SiteRun {
    fn aws(&self) -> &AwsRun {
        &self.aws
    }

    fn with_aws_checkpoint<T>(&self, f: impl FnOnce(&mut AwsCheckpoint) -> T) -> T {
        f(&mut self.cp.lock().unwrap().aws)
    }

    fn peer_ip(&self, _vpn: usize) -> String {
        self.d.peer_ip.clone()
    }

    fn tunnel_options(&self, t: usize) -> TunnelSpec {
        self.d.tunnel_spec(t)
    }

    fn peer_cidrs(&self) -> Vec<String> {
        self.d.peer_cidrs.clone()
    }
}
