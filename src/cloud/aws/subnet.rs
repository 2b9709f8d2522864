//! Subnets: which subnets a VPC has, read for many VPCs at once (the reachability check
//! asks, per subnet, which route table carries its traffic).

use super::account::Ec2;
use super::route_table::FILTER_VALUES_PER_CALL;
use super::tags::filter;
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
    /// Every subnet of the VPCs `vpc_ids`: one DescribeSubnets per
    /// [`FILTER_VALUES_PER_CALL`] VPCs (a `vpc-id` filter listing them), all pages read.
    pub async fn find_subnets_of_vpcs(&self, vpc_ids: &[String]) -> Result<Vec<Subnet>> {
        let mut subnets = Vec::new();
        for chunk in vpc_ids.chunks(FILTER_VALUES_PER_CALL) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let mut next: Option<String> = None;
            loop {
                let req = self
                    .client
                    .describe_subnets()
                    .filters(filter("vpc-id", &ids))
                    .max_results(SUBNETS_PER_PAGE)
                    .set_next_token(next.clone());
                let page = self
                    .send(
                        || format!("listing the subnets of EC2 VPCs ({})", ids.join(", ")),
                        || req.clone().send(),
                    )
                    .await?;
                subnets.extend(page.subnets().iter().map(|s| Subnet {
                    id: s.subnet_id().unwrap_or_default().to_string(),
                    vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                    cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                }));
                next = page
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                if next.is_none() {
                    break;
                }
            }
        }
        Ok(subnets
            .into_iter()
            .filter(|s| vpc_ids.contains(&s.vpc_id))
            .collect())
    }
}
