//! EC2 virtual private gateways: create, attach to / detach from a VPC and wait, find
//! (by id or tags), delete and wait until gone.

use super::account::Ec2;
use super::coalesce::Keys;
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::Result;
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use aws_sdk_ec2::types::{Filter, GatewayType, ResourceType};
use std::time::Duration;

/// [`Ec2::wait_vpn_gateway_available`]: pending `pending`, target `available`. Limit:
/// terraform-provider-aws `vpnGatewayCreatedTimeout` (10 min, `internal/service/ec2/wait.go`).
pub const VPN_GATEWAY_AVAILABLE: StateWait = StateWait {
    pending: &["pending"],
    target: &["available"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(10 * 60),
    limit_source: "terraform-provider-aws vpnGatewayCreatedTimeout",
};

/// [`Ec2::wait_vpn_gateway_deleted`]: pending `pending`, `available`, `deleting`; target
/// `deleted` or absent. Limit: terraform-provider-aws `vpnGatewayDeletedTimeout` (5 min).
pub const VPN_GATEWAY_DELETED: StateWait = StateWait {
    pending: &["pending", "available", "deleting"],
    target: &["deleted"],
    absent: Absent::Target,
    default_limit: Duration::from_secs(5 * 60),
    limit_source: "terraform-provider-aws vpnGatewayDeletedTimeout",
};

/// The attachment state a waiter sees while the VPC is not listed among the VGW's
/// attachments yet.
const NOT_LISTED: &str = "not attached yet";

/// [`Ec2::wait_vpn_gateway_attached`], over the attachment's state: pending `attaching` (or
/// not listed yet), target `attached`; a missing or deleted VGW fails. Limit:
/// terraform-provider-aws `vpnGatewayVPCAttachmentAttachedTimeout` (15 min).
pub const VPN_GATEWAY_ATTACHED: StateWait = StateWait {
    pending: &["attaching", NOT_LISTED],
    target: &["attached"],
    absent: Absent::Failure,
    default_limit: Duration::from_secs(15 * 60),
    limit_source: "terraform-provider-aws vpnGatewayVPCAttachmentAttachedTimeout",
};

/// [`Ec2::wait_vpn_gateway_detached`], over the attachment's state: pending `attached`,
/// `attaching`, `detaching`; target `detached`, no attachment, or no VGW. Limit:
/// terraform-provider-aws `vpnGatewayVPCAttachmentDetachedTimeout` (30 min).
pub const VPN_GATEWAY_DETACHED: StateWait = StateWait {
    pending: &["attached", "attaching", "detaching"],
    target: &["detached"],
    absent: Absent::Target,
    default_limit: Duration::from_secs(30 * 60),
    limit_source: "terraform-provider-aws vpnGatewayVPCAttachmentDetachedTimeout",
};

impl Stateful for VpnGateway {
    fn state(&self) -> &str {
        &self.state
    }
}

/// One VPC attachment of a VGW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcAttachment {
    /// The attached VPC.
    pub vpc_id: String,
    /// `attaching`, `attached`, `detaching` or `detached`.
    pub state: String,
}

/// A virtual private gateway as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpnGateway {
    /// `vgw-...`.
    pub id: String,
    /// `pending`, `available`, `deleting` or `deleted`.
    pub state: String,
    /// Amazon-side BGP ASN.
    pub amazon_side_asn: Option<i64>,
    /// VPC attachments (including `detached` ones AWS still lists).
    pub attachments: Vec<VpcAttachment>,
    /// All tags.
    pub tags: Tags,
}

impl VpnGateway {
    /// The state of the attachment to `vpc_id`, if any.
    pub fn attachment_state(&self, vpc_id: &str) -> Option<&str> {
        self.attachments
            .iter()
            .find(|a| a.vpc_id == vpc_id)
            .map(|a| a.state.as_str())
    }
}

impl From<&aws_sdk_ec2::types::VpnGateway> for VpnGateway {
    fn from(g: &aws_sdk_ec2::types::VpnGateway) -> Self {
        VpnGateway {
            id: g.vpn_gateway_id().unwrap_or_default().to_string(),
            state: g
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            amazon_side_asn: g.amazon_side_asn(),
            attachments: g
                .vpc_attachments()
                .iter()
                .map(|a| VpcAttachment {
                    vpc_id: a.vpc_id().unwrap_or_default().to_string(),
                    state: a
                        .state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                })
                .collect(),
            tags: tags::from_sdk(g.tags()),
        }
    }
}

impl Ec2 {
    /// Creates an `ipsec.1` VGW (Amazon-side ASN, else AWS's default 64512); returns its id.
    pub async fn create_vpn_gateway(
        &self,
        amazon_side_asn: Option<i64>,
        tags: &Tags,
    ) -> Result<String> {
        let req = self
            .client
            .create_vpn_gateway()
            .r#type(GatewayType::Ipsec1)
            .set_amazon_side_asn(amazon_side_asn)
            .tag_specifications(tags::tag_specification(ResourceType::VpnGateway, tags));
        let ctx = || format!("creating EC2 VPN gateway (ASN {amazon_side_asn:?})");
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out
                    .vpn_gateway()
                    .and_then(|g| g.vpn_gateway_id())
                    .unwrap_or_default()
                    .to_string())
            }
        };
        let adopt =
            move || async move { Ok(self.find_vpn_gateway_by_tags(tags).await?.map(|g| g.id)) };
        let id = self.create_adopting(ctx, &[], create, adopt).await?;
        tracing::info!(%id, "created EC2 VPN gateway");
        Ok(id)
    }

    async fn find_vpn_gateways(
        &self,
        ids: &[&str],
        filters: Vec<Filter>,
    ) -> Result<Vec<VpnGateway>> {
        let req = self
            .client
            .describe_vpn_gateways()
            .set_vpn_gateway_ids(
                (!ids.is_empty()).then(|| ids.iter().map(|s| s.to_string()).collect()),
            )
            .set_filters((!filters.is_empty()).then_some(filters));
        not_found_as_empty(
            self.send(
                || format!("reading EC2 VPN gateways {ids:?}"),
                || req.clone().send(),
            )
            .await
            .map(|o| o.vpn_gateways().iter().map(VpnGateway::from).collect()),
        )
    }

    /// Status finder: the VGW `id` in any state (also `deleted`), or `None`. Coalesced with the
    /// other resources' reads of this run (one DescribeVpnGateways with a `vpn-gateway-id` filter,
    /// which unlike the id list does not fail the whole call for one deleted id).
    pub async fn status_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>> {
        let all = self
            .coalesced(
                "DescribeVpnGateways",
                &[id],
                Keys::Ids(|g: &VpnGateway| &g.id),
                |ec2, select| async move {
                    ec2.find_vpn_gateways(&[], select.filters("vpn-gateway-id"))
                        .await
                },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 VPN gateway ({id})")))?;
        let found: Vec<_> = all.iter().filter(|x| x.id == id).cloned().collect();
        at_most_one("VPN gateways", found)
    }

    /// The VGW `id`; `deleted` counts as absent.
    pub async fn find_vpn_gateway_by_id(&self, id: &str) -> Result<Option<VpnGateway>> {
        Ok(self
            .status_vpn_gateway(id)
            .await?
            .filter(|g| g.state != "deleted"))
    }

    /// The live VGWs attached (or attaching) to `vpc_id`; a VPC has at most one (rule
    /// AWS-VGW-ONE-PER-VPC), so a second one is refused by AWS.
    /// Coalesced with the other resources' checks of this plan (one DescribeVpnGateways
    /// with an `attachment.vpc-id` filter).
    pub async fn find_vpn_gateways_attached_to(&self, vpc_id: &str) -> Result<Vec<VpnGateway>> {
        let all = self
            .coalesced(
                "DescribeVpnGateways/attachment.vpc-id",
                &[vpc_id],
                Keys::Parents,
                |ec2, select| async move {
                    ec2.find_vpn_gateways(&[], select.filters("attachment.vpc-id"))
                        .await
                },
            )
            .await
            .map_err(|e| e.context(format!("reading the EC2 VPN gateways of VPC ({vpc_id})")))?;
        Ok(all
            .iter()
            .filter(|g| {
                g.state != "deleted"
                    && matches!(g.attachment_state(vpc_id), Some("attached" | "attaching"))
            })
            .cloned()
            .collect())
    }

    /// The live VGW carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_vpn_gateway_by_tags(&self, tags: &Tags) -> Result<Option<VpnGateway>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let mut filters = tags::ownership_filters(tags);
        filters.push(tags::filter("state", &["pending", "available"]));
        let found: Vec<_> = self
            .find_vpn_gateways(&[], filters)
            .await?
            .into_iter()
            .filter(|g| {
                matches!(g.state.as_str(), "pending" | "available") && tags::owned_by(&g.tags, tags)
            })
            .collect();
        at_most_one("VPN gateways with these cloudlink tags", found)
    }

    /// Waits until `id` is `available` ([`VPN_GATEWAY_AVAILABLE`]).
    pub async fn wait_vpn_gateway_available(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<VpnGateway> {
        let what = format!("EC2 VPN gateway ({id}) to become available");
        VPN_GATEWAY_AVAILABLE
            .wait_present(&what, cfg, || self.status_vpn_gateway(id))
            .await
    }

    /// VGW `id` with the state of its attachment to `vpc_id` (a deleted VGW reports its own
    /// state, which [`VPN_GATEWAY_ATTACHED`] does not accept).
    async fn vpn_gateway_attachment_state(&self, id: &str, vpc_id: &str) -> Result<Option<String>> {
        Ok(self.status_vpn_gateway(id).await?.map(|g| {
            match (g.state.as_str(), g.attachment_state(vpc_id)) {
                (_, Some("attached")) => "attached".to_string(),
                ("deleted" | "deleting", _) => format!("VPN gateway {}", g.state),
                (_, Some(s)) => s.to_string(),
                (_, None) => NOT_LISTED.to_string(),
            }
        }))
    }

    /// Attaches VGW `id` to `vpc_id`. Already attached to that VPC counts as success.
    pub async fn attach_vpn_gateway(&self, id: &str, vpc_id: &str) -> Result<()> {
        let req = self
            .client
            .attach_vpn_gateway()
            .vpn_gateway_id(id)
            .vpc_id(vpc_id);
        match self
            .send(
                || format!("attaching EC2 VPN gateway ({id}) to VPC ({vpc_id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.code.as_deref() == Some("VpnGatewayAttachmentLimitExceeded")
                    || e.code.as_deref() == Some("InvalidVpnGatewayAttachment.Duplicate") =>
            {
                let g = self.find_vpn_gateway_by_id(id).await?;
                match g.as_ref().and_then(|g| g.attachment_state(vpc_id)) {
                    Some("attaching" | "attached") => Ok(()),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Waits until the attachment of `id` to `vpc_id` is `attached` ([`VPN_GATEWAY_ATTACHED`]).
    pub async fn wait_vpn_gateway_attached(
        &self,
        id: &str,
        vpc_id: &str,
        cfg: &WaitConfig,
    ) -> Result<()> {
        let what = format!("EC2 VPN gateway ({id}) to attach to VPC ({vpc_id})");
        VPN_GATEWAY_ATTACHED
            .wait_present(&what, cfg, || self.vpn_gateway_attachment_state(id, vpc_id))
            .await
            .map(|_| ())
    }

    /// Detaches VGW `id` from `vpc_id`; not attached or gone counts as success.
    pub async fn detach_vpn_gateway(&self, id: &str, vpc_id: &str) -> Result<()> {
        let req = self
            .client
            .detach_vpn_gateway()
            .vpn_gateway_id(id)
            .vpc_id(vpc_id);
        match self
            .send(
                || format!("detaching EC2 VPN gateway ({id}) from VPC ({vpc_id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits until `id` is detached from `vpc_id` ([`VPN_GATEWAY_DETACHED`]).
    pub async fn wait_vpn_gateway_detached(
        &self,
        id: &str,
        vpc_id: &str,
        cfg: &WaitConfig,
    ) -> Result<()> {
        let what = format!("EC2 VPN gateway ({id}) to detach from VPC ({vpc_id})");
        VPN_GATEWAY_DETACHED
            .wait_gone(&what, cfg, || async {
                // No attachment listed for the VPC means detached.
                Ok(self
                    .status_vpn_gateway(id)
                    .await?
                    .map(|g| g.attachment_state(vpc_id).unwrap_or("detached").to_string()))
            })
            .await
    }

    /// Deletes VGW `id`; already gone counts as success.
    pub async fn delete_vpn_gateway(&self, id: &str) -> Result<()> {
        let req = self.client.delete_vpn_gateway().vpn_gateway_id(id);
        match self
            .send(
                || format!("deleting EC2 VPN gateway ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits until VGW `id` is gone ([`VPN_GATEWAY_DELETED`]).
    pub async fn wait_vpn_gateway_deleted(&self, id: &str, cfg: &WaitConfig) -> Result<()> {
        let what = format!("EC2 VPN gateway ({id}) to be deleted");
        VPN_GATEWAY_DELETED
            .wait_gone(&what, cfg, || self.status_vpn_gateway(id))
            .await
    }
}
