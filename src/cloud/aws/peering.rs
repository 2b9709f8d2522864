//! EC2 VPC peering connections: request, accept (with the accepter's client), wait through
//! the handshake, set DNS options one side at a time, reject, delete and wait until gone.
//! Terminal states (`failed: Overlapping CIDR blocks`, `rejected`, `expired`) are visible
//! through [`Ec2::status_vpc_peering_connection`], never hidden from waiters.

use super::account::Ec2;
use super::coalesce::{selected_pages, Keys, Select};
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::Result;
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use aws_sdk_ec2::types::{
    PeeringConnectionOptionsRequest, ResourceType, VpcPeeringConnectionVpcInfo,
};
use std::time::Duration;

/// [`Ec2::wait_vpc_peering_connection_pending_acceptance_or_active`], after a request:
/// pending `initiating-request`, `provisioning`; target `pending-acceptance`, `active`; the
/// gone states fail with AWS's reason. Limit: terraform-provider-aws
/// `vpcPeeringConnectionCreatedTimeout` (1 min; AWS docs: a request expires after 7 days).
pub const VPC_PEERING_CONNECTION_REQUESTED: StateWait = StateWait {
    pending: &["initiating-request", "provisioning"],
    target: &["pending-acceptance", "active"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(60),
    limit_source: "terraform-provider-aws vpcPeeringConnectionCreatedTimeout",
};

/// [`Ec2::wait_vpc_peering_connection_active`], after accepting: pending
/// `initiating-request`, `pending-acceptance`, `provisioning`; target `active`. Limit:
/// terraform-provider-aws `aws_vpc_peering_connection_accepter` `timeouts` (1 min).
pub const VPC_PEERING_CONNECTION_ACTIVE: StateWait = StateWait {
    pending: &["initiating-request", "pending-acceptance", "provisioning"],
    target: &["active"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(60),
    limit_source: "terraform-provider-aws aws_vpc_peering_connection_accepter timeouts",
};

/// [`Ec2::wait_vpc_peering_connection_deleted`]: pending `active`, `pending-acceptance`,
/// `provisioning`, `initiating-request`, `deleting`; target absent or any gone state (as
/// botocore's VpcPeeringConnectionDeleted). Limit: terraform-provider-aws
/// `vpcPeeringConnectionDeletedTimeout` (1 min).
pub const VPC_PEERING_CONNECTION_DELETED: StateWait = StateWait {
    pending: &[
        "active",
        "pending-acceptance",
        "provisioning",
        "initiating-request",
        "deleting",
    ],
    target: &GONE,
    absent: Absent::Target,
    default_limit: Duration::from_secs(60),
    limit_source: "terraform-provider-aws vpcPeeringConnectionDeletedTimeout",
};

/// States in which the peering no longer exists for practical purposes.
const GONE: [&str; 4] = ["deleted", "rejected", "expired", "failed"];

/// Statuses of a peering that is, or may become, active: what the per-VPC peering quota
/// counts at plan time (rule: AWS-PEERINGS-PER-VPC).
pub const HOLDING_QUOTA: [&str; 4] = [
    "active",
    "provisioning",
    "pending-acceptance",
    "initiating-request",
];

/// One side of a peering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeeringSide {
    /// Owning account.
    pub owner_id: String,
    /// Region of the VPC.
    pub region: String,
    /// `vpc-...`.
    pub vpc_id: String,
    /// Every IPv4 CIDR block of that VPC the peering carries.
    pub cidr_blocks: Vec<String>,
    /// `AllowDnsResolutionFromRemoteVpc` as set on this side.
    pub allow_dns: bool,
}

/// A VPC peering connection as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peering {
    /// `pcx-...`.
    pub id: String,
    /// `initiating-request`, `pending-acceptance`, `provisioning`, `active`, `deleting`,
    /// `deleted`, `rejected`, `expired` or `failed`.
    pub status: String,
    /// AWS's reason, e.g. `Overlapping CIDR blocks`.
    pub status_message: String,
    /// The side that asked.
    pub requester: PeeringSide,
    /// The side that accepts.
    pub accepter: PeeringSide,
    /// All tags.
    pub tags: Tags,
}

impl Stateful for Peering {
    fn state(&self) -> &str {
        &self.status
    }

    fn failure_reason(&self) -> String {
        self.describe_status()
    }
}

impl Peering {
    /// `status: message` (`failed: Overlapping CIDR blocks`).
    pub fn describe_status(&self) -> String {
        if self.status_message.is_empty() {
            self.status.clone()
        } else {
            format!("{}: {}", self.status, self.status_message)
        }
    }
}

fn side(info: Option<&VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    let Some(i) = info else {
        return PeeringSide::default();
    };
    let mut cidr_blocks: Vec<String> = i.cidr_block().map(str::to_string).into_iter().collect();
    for c in i.cidr_block_set() {
        if let Some(c) = c.cidr_block() {
            if !cidr_blocks.iter().any(|x| x == c) {
                cidr_blocks.push(c.to_string());
            }
        }
    }
    PeeringSide {
        owner_id: i.owner_id().unwrap_or_default().to_string(),
        region: i.region().unwrap_or_default().to_string(),
        vpc_id: i.vpc_id().unwrap_or_default().to_string(),
        cidr_blocks,
        allow_dns: i
            .peering_options()
            .and_then(|o| o.allow_dns_resolution_from_remote_vpc())
            .unwrap_or(false),
    }
}

impl From<&aws_sdk_ec2::types::VpcPeeringConnection> for Peering {
    fn from(p: &aws_sdk_ec2::types::VpcPeeringConnection) -> Self {
        Peering {
            id: p
                .vpc_peering_connection_id()
                .unwrap_or_default()
                .to_string(),
            status: p
                .status()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            status_message: p
                .status()
                .and_then(|s| s.message())
                .unwrap_or_default()
                .to_string(),
            requester: side(p.requester_vpc_info()),
            accepter: side(p.accepter_vpc_info()),
            tags: tags::from_sdk(p.tags()),
        }
    }
}

/// Largest page DescribeVpcPeeringConnections returns (botocore ec2 2016-11-15
/// `DescribeVpcPeeringConnectionsMaxResults`, 5-1000).
const MAX_RESULTS: i32 = 1000;

impl Peering {
    /// Whether the peering carries the ownership tags of `tags` (the peering a crashed run
    /// of the same state requested).
    pub fn carries_ownership_of(&self, tags: &Tags) -> bool {
        tags::has_ownership(tags) && tags::owned_by(&self.tags, tags)
    }
}

impl Ec2 {
    /// Requests a peering from `vpc_id` to `peer_vpc_id` (in `peer_owner_id`'s account and
    /// `peer_region` when given); returns its id. AWS returns the existing id for a duplicate.
    pub async fn create_vpc_peering_connection(
        &self,
        vpc_id: &str,
        peer_vpc_id: &str,
        peer_owner_id: Option<&str>,
        peer_region: Option<&str>,
        tags: &Tags,
    ) -> Result<String> {
        let req = self
            .client
            .create_vpc_peering_connection()
            .vpc_id(vpc_id)
            .peer_vpc_id(peer_vpc_id)
            .set_peer_owner_id(peer_owner_id.map(str::to_string))
            .set_peer_region(peer_region.map(str::to_string))
            .tag_specifications(tags::tag_specification(
                ResourceType::VpcPeeringConnection,
                tags,
            ));
        let ctx = || format!("creating EC2 VPC peering connection ({vpc_id} -> {peer_vpc_id})");
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out
                    .vpc_peering_connection()
                    .and_then(|p| p.vpc_peering_connection_id())
                    .unwrap_or_default()
                    .to_string())
            }
        };
        let adopt = move || async move {
            Ok(self
                .find_vpc_peering_connection_by_tags(tags)
                .await?
                .map(|p| p.id))
        };
        let id = self.create_adopting(ctx, &[], create, adopt).await?;
        tracing::info!(%id, %vpc_id, %peer_vpc_id, "requested EC2 VPC peering connection");
        Ok(id)
    }

    /// Status finder: the peering `id` in any state (also `failed`, `deleted`), or `None`.
    /// Coalesced with the other resources' peering reads of this run (one
    /// DescribeVpcPeeringConnections with a `vpc-peering-connection-id` filter).
    pub async fn status_vpc_peering_connection(&self, id: &str) -> Result<Option<Peering>> {
        let all = self
            .coalesced(
                "DescribeVpcPeeringConnections",
                &[id],
                Keys::Ids(|p: &Peering| &p.id),
                |ec2, select| async move {
                    ec2.find_peerings("vpc-peering-connection-id", &select)
                        .await
                },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 VPC peering connection ({id})")))?;
        let found: Vec<_> = all.iter().filter(|p| p.id == id).cloned().collect();
        at_most_one("VPC peering connections", found)
    }

    /// The peerings that `select` names by filter `name` (every page).
    async fn find_peerings(&self, name: &str, select: &Select) -> Result<Vec<Peering>> {
        selected_pages(select, |next| {
            let req = self
                .client
                .describe_vpc_peering_connections()
                .set_filters(Some(select.filters(name)))
                .max_results(MAX_RESULTS)
                .set_next_token(next);
            async move {
                let page = self
                    .send(
                        || {
                            format!(
                                "reading EC2 VPC peering connections ({name}: {})",
                                select.describe()
                            )
                        },
                        || req.clone().send(),
                    )
                    .await?;
                let items = page
                    .vpc_peering_connections()
                    .iter()
                    .map(Peering::from)
                    .collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }

    /// The live (not gone, not `deleting`) peerings requested from any of `vpc_ids`,
    /// coalesced across the resources of this run (one DescribeVpcPeeringConnections with a
    /// `requester-vpc-info.vpc-id` filter): a caller passing both VPCs of a pair finds every
    /// peering between them, in either direction.
    async fn find_live_vpc_peering_connections_from(
        &self,
        vpc_ids: &[&str],
    ) -> Result<Vec<Peering>> {
        let all = self
            .coalesced(
                "DescribeVpcPeeringConnections/requester-vpc-info.vpc-id",
                vpc_ids,
                Keys::Parents,
                |ec2, select| async move {
                    ec2.find_peerings("requester-vpc-info.vpc-id", &select)
                        .await
                },
            )
            .await
            .map_err(|e| {
                e.context(format!(
                    "reading the EC2 VPC peering connections of {vpc_ids:?}"
                ))
            })?;
        Ok(all
            .iter()
            .filter(|p| {
                vpc_ids.contains(&p.requester.vpc_id.as_str())
                    && !GONE.contains(&p.status.as_str())
                    && p.status != "deleting"
            })
            .cloned()
            .collect())
    }

    /// The peering `id`; `deleted`, `rejected`, `expired` and `failed` count as absent
    /// (ask [`Ec2::status_vpc_peering_connection`] for the reason).
    pub async fn find_vpc_peering_connection_by_id(&self, id: &str) -> Result<Option<Peering>> {
        Ok(self
            .status_vpc_peering_connection(id)
            .await?
            .filter(|p| !GONE.contains(&p.status.as_str())))
    }

    /// The live peering carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_vpc_peering_connection_by_tags(
        &self,
        tags: &Tags,
    ) -> Result<Option<Peering>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let req = self
            .client
            .describe_vpc_peering_connections()
            .set_filters(Some(tags::ownership_filters(tags)));
        let found = not_found_as_empty(
            self.send(
                || "reading EC2 VPC peering connections by tags".to_string(),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.vpc_peering_connections()
                    .iter()
                    .map(Peering::from)
                    .collect::<Vec<_>>()
            }),
        )?;
        let found: Vec<_> = found
            .into_iter()
            .filter(|p| {
                !GONE.contains(&p.status.as_str())
                    && p.status != "deleting"
                    && tags::owned_by(&p.tags, tags)
            })
            .collect();
        at_most_one("VPC peering connections with these cloudlink tags", found)
    }

    /// The live (not gone, not `deleting`) peerings between `vpc_id` and `peer_vpc_id`, in
    /// either direction: what the claim check and the adoption fallback look at (the ends
    /// are also checked here, since some endpoints ignore filters). One coalesced read
    /// ([`Ec2::find_live_vpc_peering_connections_from`] of both VPCs) serves every pair of
    /// the run.
    pub async fn find_vpc_peering_connections_by_vpcs(
        &self,
        vpc_id: &str,
        peer_vpc_id: &str,
    ) -> Result<Vec<Peering>> {
        Ok(self
            .find_live_vpc_peering_connections_from(&[vpc_id, peer_vpc_id])
            .await?
            .into_iter()
            .filter(|p| {
                let ends = (p.requester.vpc_id.as_str(), p.accepter.vpc_id.as_str());
                ends == (vpc_id, peer_vpc_id) || ends == (peer_vpc_id, vpc_id)
            })
            .collect())
    }

    /// Every peering of any of `vpc_ids` (VPCs of this client's account and region) that
    /// holds or may take a slot of the "Active VPC peering connections per VPC" quota:
    /// `active`, `provisioning`, `pending-acceptance` and `initiating-request`. Two reads
    /// whatever the number of VPCs (requester side, accepter side), for plan-time counting.
    pub async fn find_peerings_holding_quota_of_vpcs(
        &self,
        vpc_ids: &[&str],
    ) -> Result<Vec<Peering>> {
        let mut out: Vec<Peering> = Vec::new();
        for end in ["requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"] {
            let req = self
                .client
                .describe_vpc_peering_connections()
                .filters(tags::filter(end, vpc_ids))
                .filters(tags::filter("status-code", &HOLDING_QUOTA));
            let found = self
                .send(
                    || {
                        format!(
                            "counting the VPC peering connections of {}",
                            vpc_ids.join(", ")
                        )
                    },
                    || req.clone().send(),
                )
                .await
                .map(|o| {
                    o.vpc_peering_connections()
                        .iter()
                        .map(Peering::from)
                        .collect::<Vec<_>>()
                })?;
            for p in found {
                // Client-side too, in case an endpoint ignores a filter.
                let ours = vpc_ids.contains(&p.requester.vpc_id.as_str())
                    || vpc_ids.contains(&p.accepter.vpc_id.as_str());
                if ours
                    && HOLDING_QUOTA.contains(&p.status.as_str())
                    && !out.iter().any(|x| x.id == p.id)
                {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// Waits after a request ([`VPC_PEERING_CONNECTION_REQUESTED`]).
    pub async fn wait_vpc_peering_connection_pending_acceptance_or_active(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<Peering> {
        let what = format!("EC2 VPC peering connection ({id}) to be ready for acceptance");
        VPC_PEERING_CONNECTION_REQUESTED
            .wait_present(&what, cfg, || self.status_vpc_peering_connection(id))
            .await
    }

    /// Waits after accepting ([`VPC_PEERING_CONNECTION_ACTIVE`]).
    pub async fn wait_vpc_peering_connection_active(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<Peering> {
        let what = format!("EC2 VPC peering connection ({id}) to become active");
        VPC_PEERING_CONNECTION_ACTIVE
            .wait_present(&what, cfg, || self.status_vpc_peering_connection(id))
            .await
    }

    /// Accepts `id`; call on the accepter's account and region. Already active is success.
    pub async fn accept_vpc_peering_connection(&self, id: &str) -> Result<()> {
        let req = self
            .client
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(id);
        match self
            .send(
                || format!("accepting EC2 VPC peering connection ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code.as_deref() == Some("InvalidStateTransition") => {
                match self.status_vpc_peering_connection(id).await? {
                    Some(p) if matches!(p.status.as_str(), "active" | "provisioning") => Ok(()),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Sets `AllowDnsResolutionFromRemoteVpc` on one side only (the other side's options are
    /// not sent, so each side can be set with its own credentials and region).
    /// The peering must be `active`.
    pub async fn set_vpc_peering_dns_resolution(
        &self,
        id: &str,
        requester_side: bool,
        allow: bool,
    ) -> Result<()> {
        let opts = PeeringConnectionOptionsRequest::builder()
            .allow_dns_resolution_from_remote_vpc(allow)
            .build();
        let mut req = self
            .client
            .modify_vpc_peering_connection_options()
            .vpc_peering_connection_id(id);
        req = if requester_side {
            req.requester_peering_connection_options(opts)
        } else {
            req.accepter_peering_connection_options(opts)
        };
        let side = if requester_side {
            "requester"
        } else {
            "accepter"
        };
        self.send(
            || {
                format!(
                    "setting EC2 VPC peering connection ({id}) {side} DNS resolution to {allow}"
                )
            },
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Rejects `id` (accepter side); gone counts as success.
    pub async fn reject_vpc_peering_connection(&self, id: &str) -> Result<()> {
        let req = self
            .client
            .reject_vpc_peering_connection()
            .vpc_peering_connection_id(id);
        match self
            .send(
                || format!("rejecting EC2 VPC peering connection ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes `id` (either side may); gone or already in a final state counts as success.
    pub async fn delete_vpc_peering_connection(&self, id: &str) -> Result<()> {
        let req = self
            .client
            .delete_vpc_peering_connection()
            .vpc_peering_connection_id(id);
        match self
            .send(
                || format!("deleting EC2 VPC peering connection ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.code.as_deref() == Some("InvalidStateTransition") => {
                match self.status_vpc_peering_connection(id).await? {
                    None => Ok(()),
                    Some(p) if GONE.contains(&p.status.as_str()) || p.status == "deleting" => {
                        Ok(())
                    }
                    Some(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Waits until `id` is gone ([`VPC_PEERING_CONNECTION_DELETED`]).
    pub async fn wait_vpc_peering_connection_deleted(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<()> {
        let what = format!("EC2 VPC peering connection ({id}) to be deleted");
        VPC_PEERING_CONNECTION_DELETED
            .wait_gone(&what, cfg, || self.status_vpc_peering_connection(id))
            .await
    }
}
