//! The run context: what every step of one operation (create, update, read, delete,
//! import) shares: the AWS run context of the shared AWS half (`aws_vpn::run`: EC2, claim,
//! deadline, PSKs), the ARM client, the desired link, and the checkpoint the steps write as
//! soon as each cloud object exists (the AWS half's part of it lent to the AWS steps through
//! [`AwsVpnRun`]). It lives apart from the steps so that the Azure steps, the AWS steps, PSK
//! rotation and the status checks can all depend on it without depending on each other.

use super::aws_side;
use super::names;
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud;
use crate::cloud::aws::Ec2;
use crate::cloud::azure::connection::{self, Connection};
use crate::cloud::azure::gateway::Gateway;
use crate::cloud::azure::local_gateway::LocalGateway;
use crate::cloud::azure::object::{find_in_group, ArmKind};
use crate::cloud::azure::public_ip::PublicIp;
use crate::cloud::azure::virtual_network::{find_virtual_network_listed, Subnet};
use crate::cloud::azure::{gateway_subnet, tags as az_tags, Network};
use crate::cloud::read_once::{maybe_once, ReadOnce};
use crate::cloud::wait::WaitConfig;
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::checkpoint::AwsCheckpoint;
use crate::resources::aws_vpn::run::{AwsRun, AwsVpnRun};
use crate::resources::claim;
use crate::tf::AttributePath;
use anyhow::{anyhow, Context as _};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Everything the steps share: the AWS half's context, the ARM client, the desired link and
/// the checkpoint.
pub struct Run {
    /// The desired link.
    pub d: Desired,
    /// The AWS half's context (side, EC2, claim, deadline, PSKs).
    pub aws: AwsRun,
    /// ARM network client.
    pub net: Network,
    /// Ids created so far (the AWS half's in `cp.aws`).
    pub cp: Mutex<Checkpoint>,
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
                AttributePath::root()
                    .attr(names::AWS)
                    .attr(names::aws::ACCOUNT),
            )
            .map_err(|e| anyhow!("{}: {}", e.summary, e.detail))?;
        let ec2 = account.ec2().await.context("connecting to AWS")?;
        let net = ctx
            .azure
            .network()
            .await
            .context("connecting to Azure")?
            .clone();
        Ok(Run {
            aws: AwsRun {
                side: aws_side::of(&d),
                ec2: ec2.with_cancel(ctx.stop.clone()),
                account: d.aws_account.clone(),
                owner: d.owner(),
                user_tags: d.tags.clone(),
                claim: cp.claim.clone(),
                poll: ctx.poll_interval,
                deadline,
                psks: Mutex::new(vec![None; d.tunnels]),
                reads: None,
            },
            net,
            cp: Mutex::new(cp),
            d,
        })
    }

    /// The operation's deadline.
    pub fn deadline(&self) -> &Deadline {
        &self.aws.deadline
    }

    /// A wait bounded by the operation's deadline.
    pub fn wait(&self, cancel: &CancellationToken) -> WaitConfig {
        self.aws.wait(cancel)
    }

    /// EC2 whose calls stop with `cancel`.
    pub fn ec2(&self, cancel: &CancellationToken) -> Ec2 {
        self.aws.ec2(cancel)
    }

    /// Updates the checkpoint.
    pub fn record(&self, f: impl FnOnce(&mut Checkpoint)) {
        f(&mut self.cp.lock().unwrap())
    }

    /// A copy of the checkpoint.
    pub fn snapshot(&self) -> Checkpoint {
        self.cp.lock().unwrap().clone()
    }

    /// Keeps each object's first answer for the rest of this run (a read or an import).
    pub fn reading_once(mut self) -> Self {
        self.aws.reads = Some(ReadOnce::default());
        self
    }

    async fn read<T, F, Fut>(&self, key: String, read: F) -> cloud::Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = cloud::Result<T>>,
    {
        maybe_once(self.aws.reads.as_ref(), key, read).await
    }

    /// The top-level ARM object `name` of kind `K` in the link's resource group. A read
    /// lists the group's objects of that kind once for every link of the run in it (rule:
    /// AZ-LIST-ITEMS); other operations GET the one object.
    async fn listed_object<K>(
        &self,
        name: String,
        name_of: fn(&K) -> &str,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<K>>
    where
        K: ArmKind + Clone + Send + Sync + 'static,
        K::Wire: Send,
    {
        let rg = &self.d.resource_group;
        self.read(format!("{}/{name}", K::RESOURCE_TYPE), || async {
            if self.aws.reads.is_none() {
                return K::at(&self.net, rg, &name).find(cancel).await;
            }
            find_in_group(&self.net, rg, &name, name_of, cancel).await
        })
        .await
    }

    /// The public IP of gateway instance `i`.
    pub async fn public_ip(
        &self,
        i: usize,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<PublicIp>> {
        self.listed_object(self.d.public_ip_name(i), |p: &PublicIp| &p.name, cancel)
            .await
    }

    /// The virtual network gateway.
    pub async fn gateway(&self, cancel: &CancellationToken) -> cloud::Result<Option<Gateway>> {
        self.listed_object(self.d.gateway_name(), |g: &Gateway| &g.name, cancel)
            .await
    }

    /// The VNet's GatewaySubnet. A read takes it from the VNet (listed with its subnets,
    /// rule: AZ-LIST-ITEMS), which the reachability check reads anyway; other operations
    /// GET the subnet. `None` when the subnet or the VNet is gone.
    pub async fn gateway_subnet(
        &self,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<Subnet>> {
        let (rg, vnet) = (&self.d.resource_group, &self.d.vnet);
        if self.aws.reads.is_none() {
            return gateway_subnet::find_gateway_subnet(&self.net, rg, vnet, cancel).await;
        }
        let found =
            find_virtual_network_listed(self.aws.reads.as_ref(), &self.net, rg, vnet, cancel)
                .await?;
        Ok(found.and_then(|v| {
            v.subnets.into_iter().find(|s| {
                s.name
                    .eq_ignore_ascii_case(gateway_subnet::GATEWAY_SUBNET_NAME)
            })
        }))
    }

    /// The local network gateway of tunnel `t`.
    pub async fn local_gateway(
        &self,
        t: usize,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<LocalGateway>> {
        self.listed_object(
            self.d.local_gateway_name(t),
            |l: &LocalGateway| &l.name,
            cancel,
        )
        .await
    }

    /// The connection of tunnel `t`.
    pub async fn connection(
        &self,
        t: usize,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<Connection>> {
        let name = self.d.connection_name(t);
        self.read(format!("connections/{name}"), || {
            connection::find_connection(&self.net, &self.d.resource_group, &name, cancel)
        })
        .await
    }

    /// The shared key of tunnel `t`'s connection; `None` when the connection is gone.
    pub async fn shared_key(
        &self,
        t: usize,
        cancel: &CancellationToken,
    ) -> cloud::Result<Option<String>> {
        let name = self.d.connection_name(t);
        self.read(format!("sharedkey/{name}"), || async {
            match connection::get_shared_key(&self.net, &self.d.resource_group, &name, cancel).await
            {
                Ok(k) => Ok(Some(k)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Azure tags of component `c`, with the run's claim.
    pub fn azure_tags(&self, c: &str) -> BTreeMap<String, String> {
        let mut tags = az_tags::ownership_tags(&self.d.owner(), c, &self.d.tags);
        if !self.aws.claim.is_empty() {
            tags.insert(claim::AZURE_TAG.to_string(), self.aws.claim.clone());
        }
        tags
    }

    /// AWS tags of component `c`, with the run's claim.
    pub fn aws_tags(&self, c: &str) -> BTreeMap<String, String> {
        self.aws.tags(c)
    }

    /// Whether this run may adopt, change or delete the Azure object tagged `tags`.
    pub fn owns_azure(&self, tags: &BTreeMap<String, String>) -> bool {
        claim::ownership(tags, claim::AZURE_TAG, &self.aws.claim).adoptable()
    }

    /// Whether this run may adopt, change or delete the EC2 object tagged `tags`.
    pub fn owns_aws(&self, tags: &BTreeMap<String, String>) -> bool {
        self.aws.owns(tags)
    }

    /// Fails unless this run may adopt the Azure object tagged `tags`.
    pub fn ensure_owns_azure(&self, tags: &BTreeMap<String, String>) -> anyhow::Result<()> {
        if self.owns_azure(tags) {
            return Ok(());
        }
        let scope = format!("Azure resource group {}", self.d.resource_group);
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

/// The Azure gateway is the peer of the shared AWS half: its public IPs are the customer
/// gateways' IPs, the VNet's prefixes are what the AWS side routes to it.
impl AwsVpnRun for Run {
    fn aws(&self) -> &AwsRun {
        &self.aws
    }

    fn with_aws_checkpoint<T>(&self, f: impl FnOnce(&mut AwsCheckpoint) -> T) -> T {
        f(&mut self.cp.lock().unwrap().aws)
    }

    fn peer_ip(&self, vpn: usize) -> String {
        self.cp.lock().unwrap().public_ips[vpn].clone()
    }

    fn peer_cidrs(&self) -> Vec<String> {
        self.cp.lock().unwrap().azure_cidrs.clone()
    }
}
