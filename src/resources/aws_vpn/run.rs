//! The AWS run context of one operation, which a resource embeds in its own run: the EC2
//! client of the VPN's account, the claim that decides which objects this state may touch,
//! the deadline and poll interval the waits are bounded by, the AWS side to build and the
//! PSKs learnt (memory only). [`AwsVpnRun`] is what the resource's run implements so the
//! shared steps run on it: the context, its AWS checkpoint, and what the peer gives the AWS
//! side (the customer gateway IPs, the prefixes behind the peer).

use super::checkpoint::AwsCheckpoint;
use super::side::AwsSide;
use crate::cloud;
use crate::cloud::aws::{
    ownership_tags, CustomerGateway, Ec2, TunnelSpec, VpnConnection, VpnGateway,
};
use crate::cloud::read_once::{maybe_once, ReadOnce};
use crate::cloud::wait::WaitConfig;
use crate::orchestrate::Deadline;
use crate::resources::claim;
use anyhow::anyhow;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What every AWS step of one operation shares.
pub struct AwsRun {
    /// What to build.
    pub side: AwsSide,
    /// EC2 of the VPN's AWS account.
    pub ec2: Ec2,
    /// The configured account alias (`None`: the provider's default), for error texts.
    pub account: Option<String>,
    /// The resource's name: the ownership tag's value and the name in error texts.
    pub owner: String,
    /// The user's tags, on every object.
    pub user_tags: BTreeMap<String, String>,
    /// The claim of the state this run works for (see `resources::claim`).
    pub claim: String,
    /// Longest poll interval.
    pub poll: Duration,
    /// The operation's deadline; orchestrate enforces it, the waits are bounded by it.
    pub deadline: Deadline,
    /// PSK per tunnel once known (never logged, never in state unless configured).
    pub psks: Mutex<Vec<Option<String>>>,
    /// A read or import keeps each object's first answer here, so existence, tags and
    /// status come from one read per object; `None` in create, update and delete, whose
    /// waits need fresh answers.
    pub reads: Option<ReadOnce>,
}

impl AwsRun {
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

    /// The VPN connection `id` (not `deleted`), read once per read operation.
    pub async fn vpn_connection(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<VpnConnection>> {
        let ec2 = self.ec2(cancel);
        maybe_once(
            self.reads.as_ref(),
            format!("vpn-connection/{id}"),
            || async move { ec2.find_vpn_connection_by_id(id).await },
        )
        .await
    }

    /// The customer gateway `id` (not `deleted`), read once per read operation.
    pub async fn customer_gateway(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<CustomerGateway>> {
        let ec2 = self.ec2(cancel);
        maybe_once(
            self.reads.as_ref(),
            format!("customer-gateway/{id}"),
            || async move { ec2.find_customer_gateway_by_id(id).await },
        )
        .await
    }

    /// The virtual private gateway `id` (not `deleted`), read once per read operation.
    pub async fn vpn_gateway(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<VpnGateway>> {
        let ec2 = self.ec2(cancel);
        maybe_once(
            self.reads.as_ref(),
            format!("vpn-gateway/{id}"),
            || async move { ec2.find_vpn_gateway_by_id(id).await },
        )
        .await
    }

    /// AWS tags of component `c`, with the run's claim.
    pub fn tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = ownership_tags(&self.owner, c, &self.user_tags);
        if !self.claim.is_empty() {
            tags.insert(claim::AWS_TAG.to_string(), self.claim.clone());
        }
        tags
    }

    /// Whether this run may adopt, change or delete the EC2 object tagged `tags`.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AWS_TAG, &self.claim).adoptable()
    }

    /// Fails unless this run may adopt the EC2 object tagged `tags`.
    pub fn ensure_owns(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns(tags) {
            return Ok(());
        }
        let scope = match &self.account {
            Some(a) => format!("AWS region {} of account {a:?}", self.ec2.region()),
            None => format!("AWS region {}", self.ec2.region()),
        };
        Err(anyhow!(claim::owned_by_another_state(&self.owner, &scope)))
    }

    /// Remembers the key AWS holds for tunnel `t`.
    pub fn remember_psk(&self, t: usize, key: Option<String>) {
        let mut psks = self.psks.lock().unwrap();
        if psks.len() <= t {
            psks.resize(t + 1, None);
        }
        psks[t] = key;
    }

    /// The key AWS holds for tunnel `t`, once a step learnt it.
    pub fn psk(&self, t: usize) -> Option<String> {
        self.psks.lock().unwrap().get(t).cloned().flatten()
    }
}

/// What a resource's run gives the shared AWS steps. The AWS checkpoint lives inside the
/// resource's own checkpoint, so both halves are recorded under one lock and written to
/// state together.
pub trait AwsVpnRun: Send + Sync + 'static {
    /// The AWS context of the run.
    fn aws(&self) -> &AwsRun;

    /// Runs `f` on the AWS checkpoint (to read it or to record an id).
    fn with_aws_checkpoint<T>(&self, f: impl FnOnce(&mut AwsCheckpoint) -> T) -> T;

    /// The public IP of the peer for VPN connection `vpn` (its customer gateway's IP);
    /// empty while unknown.
    fn peer_ip(&self, vpn: usize) -> String;

    /// The prefixes behind the peer (static routes on the VPN connections and in the route
    /// tables).
    fn peer_cidrs(&self) -> Vec<String>;

    /// The IKE/IPsec options (and logs) tunnel `t` is created with; the side's shared ones
    /// unless the resource configures its tunnels one by one.
    fn tunnel_options(&self, _t: usize) -> TunnelSpec {
        self.aws().side.tunnel_options.clone()
    }

    /// A copy of the AWS checkpoint.
    fn aws_checkpoint(&self) -> AwsCheckpoint {
        self.with_aws_checkpoint(|cp| cp.clone())
    }

    /// The virtual private gateway the route tables reach the peer through, with the peer's
    /// prefixes; `None` until the gateway exists (and always with a transit gateway).
    fn routed_through_vgw(&self) -> Option<(String, Vec<String>)> {
        let vgw = self.with_aws_checkpoint(|cp| cp.vpn_gateway_id.clone());
        (!vgw.is_empty()).then(|| (vgw, self.peer_cidrs()))
    }
}
