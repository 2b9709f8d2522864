//! Subnets: which subnets a VPC has, read for many VPCs at once (the reachability check
//! asks, per subnet, which route table carries its traffic).

use super::account::Ec2;
use super::coalesce::{as_strs, selected_pages, Keys, Select};
use crate::cloud::error::Result;

/// DescribeSubnets `MaxResults` (the API allows 5 to 1000).
const SUBNETS_PER_PAGE: i32 = 1000;

/// A subnet as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subnet {
    /// `subnet-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its IPv4 CIDR block.
    pub cidr_block: String,
}

impl Ec2 {
    /// Every subnet of the VPCs `vpc_ids`. Coalesced with the other resources' subnet reads
    /// of this run (`cloud::batch`): one DescribeSubnets with a `vpc-id` filter naming every
    /// VPC asked for within the window, split at 200 values (rule
    /// AWS-EC2-FILTER-VALUES-LIMIT), all pages read.
    pub async fn find_subnets_of_vpcs(&self, vpc_ids: &[String]) -> Result<Vec<Subnet>> {
        let all = self
            .coalesced(
                "DescribeSubnets/vpc-id",
                &as_strs(vpc_ids),
                Keys::Parents,
                |ec2, select| async move { ec2.find_subnets("vpc-id", &select).await },
            )
            .await
            .map_err(|e| {
                e.context(format!(
                    "listing the subnets of EC2 VPCs ({})",
                    vpc_ids.join(", ")
                ))
            })?;
        // Client-side too, in case an endpoint ignores the filter.
        Ok(all
            .iter()
            .filter(|s| vpc_ids.contains(&s.vpc_id))
            .cloned()
            .collect())
    }

    /// The subnets that `select` names by filter `name` (every page).
    async fn find_subnets(&self, name: &str, select: &Select) -> Result<Vec<Subnet>> {
        selected_pages(select, |next| {
            let req = self
                .client
                .describe_subnets()
                .set_filters(Some(select.filters(name)))
                .max_results(SUBNETS_PER_PAGE)
                .set_next_token(next);
            async move {
                let page = self
                    .send(
                        || format!("reading EC2 subnets ({name}: {})", select.describe()),
                        || req.clone().send(),
                    )
                    .await?;
                let items = page
                    .subnets()
                    .iter()
                    .map(|s| Subnet {
                        id: s.subnet_id().unwrap_or_default().to_string(),
                        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                        cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                    })
                    .collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }
}
