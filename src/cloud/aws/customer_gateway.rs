//! EC2 customer gateways: create with ownership tags, find (by id or by tags, for adoption),
//! wait for `available`, delete and wait until gone.

use super::account::Ec2;
use super::coalesce::Keys;
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::Result;
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use aws_sdk_ec2::types::{Filter, GatewayType, ResourceType};
use std::time::Duration;

/// [`Ec2::wait_customer_gateway_available`]: pending `pending`, target `available`; any other
/// state (`deleting`, `deleted`) fails, as botocore's CustomerGatewayAvailable. Limit:
/// terraform-provider-aws `customerGatewayCreatedTimeout` (10 min, `internal/service/ec2/wait.go`).
pub const CUSTOMER_GATEWAY_AVAILABLE: StateWait = StateWait {
    pending: &["pending"],
    target: &["available"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(10 * 60),
    limit_source: "terraform-provider-aws customerGatewayCreatedTimeout",
};

/// [`Ec2::wait_customer_gateway_deleted`]: pending `available`, `deleting`, `pending`; target
/// `deleted` or absent. Limit: terraform-provider-aws `customerGatewayDeletedTimeout` (5 min).
pub const CUSTOMER_GATEWAY_DELETED: StateWait = StateWait {
    pending: &["available", "deleting", "pending"],
    target: &["deleted"],
    absent: Absent::Target,
    default_limit: Duration::from_secs(5 * 60),
    limit_source: "terraform-provider-aws customerGatewayDeletedTimeout",
};

impl Stateful for CustomerGateway {
    fn state(&self) -> &str {
        &self.state
    }
}

/// A customer gateway as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerGateway {
    /// `cgw-...`.
    pub id: String,
    /// The remote end's public IP (here: the Azure gateway's public IP).
    pub ip_address: String,
    /// The remote end's BGP ASN (the Azure gateway's ASN).
    pub bgp_asn: i64,
    /// `pending`, `available`, `deleting` or `deleted`.
    pub state: String,
    /// The device name given at creation (`DeviceName`), if any.
    pub device_name: Option<String>,
    /// All tags.
    pub tags: Tags,
}

impl From<&aws_sdk_ec2::types::CustomerGateway> for CustomerGateway {
    fn from(c: &aws_sdk_ec2::types::CustomerGateway) -> Self {
        let bgp_asn = c
            .bgp_asn()
            .and_then(|a| a.parse().ok())
            .or_else(|| c.bgp_asn_extended().and_then(|a| a.parse().ok()))
            .unwrap_or(0);
        CustomerGateway {
            id: c.customer_gateway_id().unwrap_or_default().to_string(),
            ip_address: c.ip_address().unwrap_or_default().to_string(),
            bgp_asn,
            state: c.state().unwrap_or_default().to_string(),
            device_name: c.device_name().map(str::to_string),
            tags: tags::from_sdk(c.tags()),
        }
    }
}

impl Ec2 {
    /// Creates an `ipsec.1` customer gateway for `ip` and `bgp_asn` (ASNs above 2^31-1 go
    /// in `BgpAsnExtended`), named `device_name` when given (`DeviceName`); returns its id. Wait with [`Ec2::wait_customer_gateway_available`].
    pub async fn create_customer_gateway(
        &self,
        ip: &str,
        bgp_asn: i64,
        device_name: Option<&str>,
        tags: &Tags,
    ) -> Result<String> {
        let mut req = self
            .client
            .create_customer_gateway()
            .r#type(GatewayType::Ipsec1)
            .ip_address(ip)
            .set_device_name(device_name.map(str::to_string))
            .tag_specifications(tags::tag_specification(ResourceType::CustomerGateway, tags));
        req = match i32::try_from(bgp_asn) {
            Ok(a) => req.bgp_asn(a),
            Err(_) => req.bgp_asn_extended(bgp_asn),
        };
        let ctx = || format!("creating EC2 customer gateway ({ip}, ASN {bgp_asn})");
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out
                    .customer_gateway()
                    .and_then(|c| c.customer_gateway_id())
                    .unwrap_or_default()
                    .to_string())
            }
        };
        let adopt = move || async move {
            Ok(self
                .find_customer_gateway_by_tags(tags)
                .await?
                .map(|c| c.id))
        };
        let id = self.create_adopting(ctx, &[], create, adopt).await?;
        tracing::info!(%id, %ip, bgp_asn, "created EC2 customer gateway");
        Ok(id)
    }

    async fn find_customer_gateways(
        &self,
        ids: &[&str],
        filters: Vec<Filter>,
    ) -> Result<Vec<CustomerGateway>> {
        let req = self
            .client
            .describe_customer_gateways()
            .set_customer_gateway_ids(
                (!ids.is_empty()).then(|| ids.iter().map(|s| s.to_string()).collect()),
            )
            .set_filters((!filters.is_empty()).then_some(filters));
        not_found_as_empty(
            self.send(
                || format!("reading EC2 customer gateways {ids:?}"),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.customer_gateways()
                    .iter()
                    .map(CustomerGateway::from)
                    .collect()
            }),
        )
    }

    /// Status finder: the gateway `id` in whatever state it is in (also `deleted`), or `None`. Coalesced with the
    /// other resources' reads of this run (one DescribeCustomerGateways with a `customer-gateway-id` filter,
    /// which unlike the id list does not fail the whole call for one deleted id).
    pub async fn status_customer_gateway(&self, id: &str) -> Result<Option<CustomerGateway>> {
        let all = self
            .coalesced(
                "DescribeCustomerGateways",
                &[id],
                Keys::Ids(|c: &CustomerGateway| &c.id),
                |ec2, select| async move {
                    ec2.find_customer_gateways(&[], select.filters("customer-gateway-id"))
                        .await
                },
            )
            .await
            .map_err(|e| e.context(format!("reading EC2 customer gateway ({id})")))?;
        let found: Vec<_> = all.iter().filter(|x| x.id == id).cloned().collect();
        at_most_one("customer gateways", found)
    }

    /// The gateway `id`; `deleted` counts as absent.
    pub async fn find_customer_gateway_by_id(&self, id: &str) -> Result<Option<CustomerGateway>> {
        Ok(self
            .status_customer_gateway(id)
            .await?
            .filter(|c| c.state != "deleted"))
    }

    /// The live gateway carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_customer_gateway_by_tags(
        &self,
        tags: &Tags,
    ) -> Result<Option<CustomerGateway>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let mut filters = tags::ownership_filters(tags);
        filters.push(tags::filter("state", &["pending", "available"]));
        let found: Vec<_> = self
            .find_customer_gateways(&[], filters)
            .await?
            .into_iter()
            .filter(|c| {
                matches!(c.state.as_str(), "pending" | "available") && tags::owned_by(&c.tags, tags)
            })
            .collect();
        at_most_one("customer gateways with these cloudlink tags", found)
    }

    /// Waits until `id` is `available` ([`CUSTOMER_GATEWAY_AVAILABLE`]).
    pub async fn wait_customer_gateway_available(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<CustomerGateway> {
        let what = format!("EC2 customer gateway ({id}) to become available");
        CUSTOMER_GATEWAY_AVAILABLE
            .wait_present(&what, cfg, || self.status_customer_gateway(id))
            .await
    }

    /// Deletes `id`; already gone counts as success.
    pub async fn delete_customer_gateway(&self, id: &str) -> Result<()> {
        let req = self
            .client
            .delete_customer_gateway()
            .customer_gateway_id(id);
        match self
            .send(
                || format!("deleting EC2 customer gateway ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits until `id` is gone ([`CUSTOMER_GATEWAY_DELETED`]).
    pub async fn wait_customer_gateway_deleted(&self, id: &str, cfg: &WaitConfig) -> Result<()> {
        let what = format!("EC2 customer gateway ({id}) to be deleted");
        CUSTOMER_GATEWAY_DELETED
            .wait_gone(&what, cfg, || self.status_customer_gateway(id))
            .await
    }
}
