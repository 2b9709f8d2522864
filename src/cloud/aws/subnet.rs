//! Subnets: which subnets a VPC has, read for many VPCs at once (the reachability check
//! asks, per subnet, which route table carries its traffic).

use super::account::Ec2;
use super::tags::{by_vpc_filter, filter};
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
    /// Every subnet of the VPCs `vpc_ids`: one DescribeSubnets per 200 VPCs (see
    /// [`by_vpc_filter`]), all pages read.
    pub async fn find_subnets_of_vpcs(&self, vpc_ids: &[String]) -> Result<Vec<Subnet>> {
        let subnets = by_vpc_filter(vpc_ids, |ids, next| async move {
            let req = self
                .client
                .describe_subnets()
                .filters(filter("vpc-id", &ids))
                .max_results(SUBNETS_PER_PAGE)
                .set_next_token(next);
            let page = self
                .send(
                    || format!("listing the subnets of EC2 VPCs ({})", ids.join(", ")),
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
        })
        .await?;
        Ok(subnets
            .into_iter()
            .filter(|s| vpc_ids.contains(&s.vpc_id))
            .collect())
    }
}
