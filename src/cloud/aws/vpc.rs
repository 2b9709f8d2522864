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
        Ok(Some(Vpc {
            id: id.to_string(),
            owner_id: v.owner_id().unwrap_or_default().to_string(),
            cidr_blocks,
        }))
    }
}
