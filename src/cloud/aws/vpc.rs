//! VPC lookups: the owner and CIDR blocks peering and routing need (one DescribeVpcs; nothing
//! reads the DNS attributes, so they are not fetched).

use super::account::Ec2;
use super::errors::{at_most_one, not_found_as_empty};
use crate::cloud::error::Result;
use aws_sdk_ec2::types::VpcCidrBlockStateCode;

/// A VPC as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    /// `vpc-...`.
    pub id: String,
    /// Owning account.
    pub owner_id: String,
    /// Every associated IPv4 CIDR block (primary first), state `associated`.
    pub cidr_blocks: Vec<String>,
}

impl Ec2 {
    /// The VPC `id`, or `None` if it does not exist (DescribeVpcs `InvalidVpcID.NotFound`).
    pub async fn find_vpc_by_id(&self, id: &str) -> Result<Option<Vpc>> {
        let ctx = || format!("reading EC2 VPC ({id})");
        let req = self.client.describe_vpcs().vpc_ids(id);
        let out = not_found_as_empty(
            self.send(ctx, || req.clone().send())
                .await
                .map(|o| o.vpcs.unwrap_or_default()),
        )?;
        let Some(v) = at_most_one("VPCs", out).map_err(|e| e.context(ctx()))? else {
            return Ok(None);
        };
        if v.vpc_id() != Some(id) {
            return Ok(None);
        }
        Ok(Some(vpc_from_sdk(&v)))
    }

    /// The VPCs of `ids` that exist, in one DescribeVpcs (a `vpc-id` filter, so a missing one
    /// is simply absent), for plan-time checks of many VPCs.
    pub async fn find_vpcs_by_ids(&self, ids: &[&str]) -> Result<Vec<Vpc>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let req = self
            .client
            .describe_vpcs()
            .filters(super::tags::filter("vpc-id", ids));
        let out = self
            .send(
                || format!("reading EC2 VPCs ({})", ids.join(", ")),
                || req.clone().send(),
            )
            .await
            .map(|o| o.vpcs.unwrap_or_default())?;
        Ok(out
            .iter()
            .filter(|v| v.vpc_id().is_some_and(|id| ids.contains(&id)))
            .map(vpc_from_sdk)
            .collect())
    }
}

/// The resources' view of an SDK VPC: its associated IPv4 blocks, primary first.
fn vpc_from_sdk(v: &aws_sdk_ec2::types::Vpc) -> Vpc {
    let mut cidr_blocks: Vec<String> = Vec::new();
    if let Some(primary) = v.cidr_block() {
        cidr_blocks.push(primary.to_string());
    }
    for a in v.cidr_block_association_set() {
        let associated = a
            .cidr_block_state()
            .and_then(|s| s.state())
            .is_none_or(|s| *s == VpcCidrBlockStateCode::Associated);
        if let Some(c) = a.cidr_block() {
            if associated && !cidr_blocks.iter().any(|x| x == c) {
                cidr_blocks.push(c.to_string());
            }
        }
    }
    Vpc {
        id: v.vpc_id().unwrap_or_default().to_string(),
        owner_id: v.owner_id().unwrap_or_default().to_string(),
        cidr_blocks,
    }
}
