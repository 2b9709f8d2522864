//! EC2 interface VPC endpoints to AWS services: which services a region offers as interface
//! endpoints, create with ownership tags, find (by id, by many ids at once, by tags for
//! adoption), change their subnets, delete and wait until gone. Each endpoint's
//! endpoint-specific DNS names are what a client outside the VPC (that cannot use the VPC's
//! Route 53 private DNS) connects to.

use super::account::Ec2;
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::{CloudError, Result};
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use aws_sdk_ec2::types::{Filter, ResourceType, VpcEndpointType};
use std::collections::BTreeMap;
use std::time::Duration;

/// [`Ec2::wait_vpc_endpoint_available`]: pending `pending`, target `available` (or
/// `pendingAcceptance`, which AWS's own services never need), as terraform-provider-aws
/// `waitVPCEndpointAvailable`; `failed` and the rest fail. Limit: terraform-provider-aws
/// `vpcEndpointCreationTimeout` (10 min, `internal/service/ec2/vpc_endpoint.go`), which also
/// bounds its wait after `ModifyVpcEndpoint`.
pub const VPC_ENDPOINT_AVAILABLE: StateWait = StateWait {
    pending: &["pending"],
    target: &["available", "pendingAcceptance"],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(10 * 60),
    limit_source: "terraform-provider-aws vpcEndpointCreationTimeout",
};

/// [`Ec2::wait_vpc_endpoint_deleted`]: pending `available`, `pending`, `pendingAcceptance`,
/// `deleting`; target `deleted` or absent, as terraform-provider-aws `waitVPCEndpointDeleted`.
/// Limit: terraform-provider-aws `aws_vpc_endpoint` delete timeout (10 min).
pub const VPC_ENDPOINT_DELETED: StateWait = StateWait {
    pending: &["available", "pending", "pendingAcceptance", "deleting"],
    target: &["deleted"],
    absent: Absent::Target,
    default_limit: Duration::from_secs(10 * 60),
    limit_source: "terraform-provider-aws aws_vpc_endpoint delete timeout",
};

impl Stateful for VpcEndpoint {
    fn state(&self) -> &str {
        &self.state
    }

    fn failure_reason(&self) -> String {
        match &self.last_error {
            Some(e) => format!("{}: {e}", self.state),
            None => self.state.clone(),
        }
    }
}

/// A VPC endpoint as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcEndpoint {
    /// `vpce-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    /// `pendingAcceptance`, `pending`, `available`, `deleting`, `deleted`, `rejected`,
    /// `failed` or `expired`.
    pub state: String,
    /// The subnets of its network interfaces.
    pub subnet_ids: Vec<String>,
    /// The security groups of its network interfaces.
    pub security_group_ids: Vec<String>,
    /// Its DNS names, as AWS lists them: the endpoint-specific regional name first, then one
    /// per availability zone (and the private DNS names, when private DNS is on).
    pub dns_names: Vec<String>,
    /// AWS's reason for a `failed` state.
    pub last_error: Option<String>,
    /// All tags.
    pub tags: Tags,
}

impl From<&aws_sdk_ec2::types::VpcEndpoint> for VpcEndpoint {
    fn from(e: &aws_sdk_ec2::types::VpcEndpoint) -> Self {
        VpcEndpoint {
            id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
            vpc_id: e.vpc_id().unwrap_or_default().to_string(),
            service_name: e.service_name().unwrap_or_default().to_string(),
            state: e
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            subnet_ids: e.subnet_ids().to_vec(),
            security_group_ids: e
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            dns_names: e
                .dns_entries()
                .iter()
                .filter_map(|d| d.dns_name().map(str::to_string))
                .collect(),
            last_error: e.last_error().map(|l| {
                format!(
                    "{}: {}",
                    l.code().unwrap_or_default(),
                    l.message().unwrap_or_default()
                )
            }),
            tags: tags::from_sdk(e.tags()),
        }
    }
}

/// What a new interface endpoint is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceEndpointSpec {
    /// The VPC.
    pub vpc_id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    /// One subnet per availability zone.
    pub subnet_ids: Vec<String>,
    /// Security groups of the endpoint's network interfaces.
    pub security_group_ids: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// `com.amazonaws.<region>.<service>`, the name of AWS service `service` in `region`.
pub fn aws_service_name(region: &str, service: &str) -> String {
    format!("com.amazonaws.{region}.{service}")
}

impl Ec2 {
    /// Which of `service_names` this region offers, with the endpoint types of each
    /// (`Interface`, `Gateway`, ...). One read-only call for all of them; a name the region
    /// does not offer is absent from the answer (filtered, so an unknown name is not an
    /// error of the whole call).
    pub async fn find_endpoint_services(
        &self,
        service_names: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>> {
        let req = self.client.describe_vpc_endpoint_services().filters(
            Filter::builder()
                .name("service-name")
                .set_values(Some(service_names.to_vec()))
                .build(),
        );
        let out = self
            .send(
                || format!("reading EC2 VPC endpoint services {service_names:?}"),
                || req.clone().send(),
            )
            .await?;
        Ok(out
            .service_details()
            .iter()
            .map(|s| {
                (
                    s.service_name().unwrap_or_default().to_string(),
                    s.service_type()
                        .iter()
                        .filter_map(|t| t.service_type().map(|x| x.as_str().to_string()))
                        .collect(),
                )
            })
            .collect())
    }

    /// Creates an interface endpoint (private DNS off: clients outside the VPC use its
    /// endpoint-specific names); returns its id. Wait with [`Ec2::wait_vpc_endpoint_available`].
    pub async fn create_interface_endpoint(&self, spec: &InterfaceEndpointSpec) -> Result<String> {
        let req = self
            .client
            .create_vpc_endpoint()
            .vpc_endpoint_type(VpcEndpointType::Interface)
            .vpc_id(&spec.vpc_id)
            .service_name(&spec.service_name)
            .set_subnet_ids(Some(spec.subnet_ids.clone()))
            .set_security_group_ids(Some(spec.security_group_ids.clone()))
            .private_dns_enabled(false)
            .tag_specifications(tags::tag_specification(
                ResourceType::VpcEndpoint,
                &spec.tags,
            ));
        let ctx = || format!("creating EC2 VPC endpoint ({})", spec.service_name);
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out
                    .vpc_endpoint()
                    .and_then(|e| e.vpc_endpoint_id())
                    .unwrap_or_default()
                    .to_string())
            }
        };
        let adopt = move || async move {
            Ok(self
                .find_vpc_endpoint_by_tags(&spec.tags)
                .await?
                .map(|e| e.id))
        };
        let id = self.create_adopting(ctx, &[], create, adopt).await?;
        tracing::info!(%id, service = %spec.service_name, "created EC2 VPC endpoint");
        Ok(id)
    }

    async fn find_vpc_endpoints(&self, filters: Vec<Filter>) -> Result<Vec<VpcEndpoint>> {
        let req = self
            .client
            .describe_vpc_endpoints()
            .set_filters((!filters.is_empty()).then_some(filters));
        not_found_as_empty(
            self.send(
                || "reading EC2 VPC endpoints".to_string(),
                || req.clone().send(),
            )
            .await
            .map(|o| o.vpc_endpoints().iter().map(VpcEndpoint::from).collect()),
        )
    }

    /// The endpoints among `ids` that exist, in whatever state (one call for all: a
    /// `vpc-endpoint-id` filter, so one id that is gone does not fail the others).
    pub async fn status_vpc_endpoints(&self, ids: &[String]) -> Result<Vec<VpcEndpoint>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self
            .find_vpc_endpoints(vec![tags::filter(
                "vpc-endpoint-id",
                &ids.iter().map(String::as_str).collect::<Vec<_>>(),
            )])
            .await?;
        Ok(found.into_iter().filter(|e| ids.contains(&e.id)).collect())
    }

    /// Status finder: the endpoint `id` in whatever state it is in (also `deleted`), or `None`.
    pub async fn status_vpc_endpoint(&self, id: &str) -> Result<Option<VpcEndpoint>> {
        let found = self.status_vpc_endpoints(&[id.to_string()]).await?;
        at_most_one("VPC endpoints", found)
    }

    /// The endpoint `id`; `deleted` counts as absent.
    pub async fn find_vpc_endpoint_by_id(&self, id: &str) -> Result<Option<VpcEndpoint>> {
        Ok(self
            .status_vpc_endpoint(id)
            .await?
            .filter(|e| e.state != "deleted"))
    }

    /// The live endpoint carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_vpc_endpoint_by_tags(&self, tags: &Tags) -> Result<Option<VpcEndpoint>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let found: Vec<_> = self
            .find_vpc_endpoints(tags::ownership_filters(tags))
            .await?
            .into_iter()
            .filter(|e| {
                !matches!(e.state.as_str(), "deleting" | "deleted") && tags::owned_by(&e.tags, tags)
            })
            .collect();
        at_most_one("VPC endpoints with these cloudlink tags", found)
    }

    /// Adds and removes subnets of endpoint `id` (AWS moves its network interfaces; the
    /// endpoint is `pending` meanwhile). Wait with [`Ec2::wait_vpc_endpoint_available`].
    pub async fn modify_vpc_endpoint_subnets(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        let req = self
            .client
            .modify_vpc_endpoint()
            .vpc_endpoint_id(id)
            .set_add_subnet_ids((!add.is_empty()).then(|| add.to_vec()))
            .set_remove_subnet_ids((!remove.is_empty()).then(|| remove.to_vec()));
        self.send(
            || format!("changing the subnets of EC2 VPC endpoint ({id})"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Waits until `id` is `available` ([`VPC_ENDPOINT_AVAILABLE`]).
    pub async fn wait_vpc_endpoint_available(
        &self,
        id: &str,
        cfg: &WaitConfig,
    ) -> Result<VpcEndpoint> {
        let what = format!("EC2 VPC endpoint ({id}) to become available");
        VPC_ENDPOINT_AVAILABLE
            .wait_present(&what, cfg, || self.status_vpc_endpoint(id))
            .await
    }

    /// Deletes `id`; already gone counts as success. `DeleteVpcEndpoints` reports a failure
    /// per id in `Unsuccessful` (the call itself succeeds), so that list is checked too.
    pub async fn delete_vpc_endpoint(&self, id: &str) -> Result<()> {
        let req = self.client.delete_vpc_endpoints().vpc_endpoint_ids(id);
        let out = match self
            .send(
                || format!("deleting EC2 VPC endpoint ({id})"),
                || req.clone().send(),
            )
            .await
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        };
        for u in out.unsuccessful() {
            let code = u.error().and_then(|e| e.code());
            let message = u.error().and_then(|e| e.message()).unwrap_or_default();
            let e = CloudError::from_code(Some(400), code, message)
                .context(format!("deleting EC2 VPC endpoint ({id})"));
            if !e.is_not_found() {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Waits until `id` is gone ([`VPC_ENDPOINT_DELETED`]).
    pub async fn wait_vpc_endpoint_deleted(&self, id: &str, cfg: &WaitConfig) -> Result<()> {
        let what = format!("EC2 VPC endpoint ({id}) to be deleted");
        VPC_ENDPOINT_DELETED
            .wait_gone(&what, cfg, || self.status_vpc_endpoint(id))
            .await
    }
}
