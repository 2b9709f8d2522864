//! VPC lookups: the owner and CIDR blocks peering and routing need (one DescribeVpcs; nothing
//! reads the DNS attributes, so they are not fetched).

use super::account::Ec2;
use super::coalesce::{selected_pages, Keys, Select};
use super::errors::at_most_one;
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
    /// The VPC `id`, or `None` if it does not exist. Coalesced with the other resources'
    /// VPC reads of this run (one DescribeVpcs with a `vpc-id` filter for all of them).
    pub async fn find_vpc_by_id(&self, id: &str) -> Result<Option<Vpc>> {
        let all = self
            .coalesced(
                "DescribeVpcs",
                &[id],
                Keys::Ids(|v: &Vpc| &v.id),
                |ec2, select| async move { ec2.find_vpcs(&select).await },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 VPC ({id})")))?;
        let found: Vec<Vpc> = all.iter().filter(|v| v.id == id).cloned().collect();
        at_most_one("VPCs", found)
    }

    /// The VPCs of `ids` that exist (a missing one is simply absent), for plan-time checks
    /// of many VPCs; coalesced like [`Ec2::find_vpc_by_id`].
    pub async fn find_vpcs_by_ids(&self, ids: &[&str]) -> Result<Vec<Vpc>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let all = self
            .coalesced(
                "DescribeVpcs",
                ids,
                Keys::Ids(|v: &Vpc| &v.id),
                |ec2, select| async move { ec2.find_vpcs(&select).await },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 VPCs ({})", ids.join(", "))))?;
        Ok(all
            .iter()
            .filter(|v| ids.contains(&v.id.as_str()))
            .cloned()
            .collect())
    }

    /// The ids of every VPC of the region, from the walk's VPC listing (the one
    /// [`Ec2::find_vpc_by_id`] shares), or `None` when this walk lists no VPC (writes began,
    /// or too many VPCs).
    pub(crate) async fn listed_vpc_ids(&self) -> Option<Result<Vec<String>>> {
        let all = self
            .region_listing("DescribeVpcs", || self.find_vpcs(&Select::Everything))
            .await?;
        Some(all.map(|vpcs| vpcs.iter().map(|v| v.id.clone()).collect()))
    }

    /// The VPCs `select` names by `vpc-id` (every page of one DescribeVpcs).
    async fn find_vpcs(&self, select: &Select) -> Result<Vec<Vpc>> {
        selected_pages(select, |next| {
            let req = self
                .client
                .describe_vpcs()
                .set_filters(Some(select.filters("vpc-id")))
                .max_results(MAX_RESULTS)
                .set_next_token(next);
            async move {
                let page = self
                    .send(
                        || format!("reading EC2 VPCs ({})", select.describe()),
                        || req.clone().send(),
                    )
                    .await?;
                let items = page.vpcs().iter().filter_map(vpc_from_sdk).collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }
}

/// Largest page DescribeVpcs returns (botocore ec2 2016-11-15 `DescribeVpcsMaxResults`,
/// 5-1000).
const MAX_RESULTS: i32 = 1000;

fn vpc_from_sdk(v: &aws_sdk_ec2::types::Vpc) -> Option<Vpc> {
    let id = v.vpc_id()?;
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
    Some(Vpc {
        id: id.to_string(),
        owner_id: v.owner_id().unwrap_or_default().to_string(),
        cidr_blocks,
    })
}
