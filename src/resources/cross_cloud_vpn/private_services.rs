//! `aws.private_services`: AWS services (S3, STS, ...) reached privately from Azure over the
//! VPN. Each service gets an interface VPC endpoint in `aws.private_service_subnet_ids`,
//! and all of them one security group, created by cloudlink, that admits exactly the
//! link's `azure_cidrs` on TCP 443. Private DNS stays off: Azure clients cannot resolve
//! through the VPC's Route 53 Resolver, so they use the endpoint-specific DNS names
//! (`private_service_dns`), which resolve publicly to the endpoint's private addresses; S3's
//! are used as `aws s3 --endpoint-url https://bucket.vpce-....s3.<region>.vpce.amazonaws.com`.
//! That also avoids S3's private DNS requirements (a gateway endpoint in the VPC for
//! `PrivateDnsOnlyForInboundResolverEndpoint`).
//!
//! The configuration rule and attribute texts are `private_service_rules`'; the read-only plan check that each service exists as
//! an interface service in the region ([`plan_check`]), the converging step (adding or
//! removing services and changing subnets in place), the delete step (endpoints, wait until
//! gone, then the group), and the refresh of the endpoints' DNS names live here; every id is
//! recorded in the checkpoint as soon as it exists.

use super::names::{self, aws};
use super::private_service_rules::{at, known_list};
use super::run::Run;
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud::aws::security_group::IngressRule;
use crate::cloud::aws::vpc_endpoint::aws_service_name;
use crate::cloud::aws::{Ec2, InterfaceEndpointSpec, SecurityGroup};
use crate::provider::context::ProviderContext;
use crate::resources::claim::ours_to_delete;
use crate::tf::{Diagnostic, Diagnostics, Value};
use anyhow::anyhow;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Tag component of the endpoints' security group.
pub const SECURITY_GROUP_COMPONENT: &str = "private-services-sg";

/// HTTPS, the port every AWS service endpoint listens on.
const HTTPS: i32 = 443;

/// Tag component of the endpoint of `service`.
pub fn endpoint_component(service: &str) -> String {
    format!("private-service-{service}")
}

/// rule: AWS-VPCE-SERVICE. At plan, with one read-only `DescribeVpcEndpointServices` call
/// (only when `private_services` is set), every service must exist in the link's region as
/// an `Interface` endpoint service; a diagnostic on the offending element otherwise, and no
/// mutating call.
pub async fn plan_check(
    ctx: &ProviderContext,
    prior: &Value,
    planned: &Value,
    diags: &mut Diagnostics,
) {
    let services = planned.attr(names::AWS).attr(aws::PRIVATE_SERVICES);
    let unchanged = services.equals(prior.attr(names::AWS).attr(aws::PRIVATE_SERVICES));
    if known_list(services).is_none_or(|s| s.is_empty()) || (!prior.is_null() && unchanged) {
        return;
    }
    let d = &Desired::from_value(planned, &Value::Null);
    let account = match ctx.aws_account(d.aws_account.as_deref(), at(aws::ACCOUNT)) {
        Ok(a) => a,
        Err(diag) => {
            diags.push(diag);
            return;
        }
    };
    let ec2 = match account.ec2().await {
        Ok(e) => e.with_cancel(ctx.stop.clone()),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Could not reach AWS at plan time",
                format!("{e}"),
            ));
            return;
        }
    };
    let region = ec2.region().to_string();
    let wanted: Vec<String> = d
        .private_services
        .iter()
        .map(|s| aws_service_name(&region, s))
        .collect();
    let offered = match ec2.find_endpoint_services(&wanted).await {
        Ok(o) => o,
        Err(e) => {
            diags.push(Diagnostic::error(
                "Could not read the region's VPC endpoint services at plan time",
                format!("{e}"),
            ));
            return;
        }
    };
    for (i, (short, full)) in d.private_services.iter().zip(&wanted).enumerate() {
        let path = at(aws::PRIVATE_SERVICES).index(i as i64);
        match offered.get(full) {
            None => diags.push(
                Diagnostic::error(
                    "AWS service not offered in this region",
                    format!("AWS region {region} has no VPC endpoint service {full} (InvalidServiceName): check the service's short name ({short:?})."),
                )
                .with_path(path),
            ),
            Some(types) if !types.iter().any(|t| t == "Interface") => diags.push(
                Diagnostic::error(
                    "No interface endpoint for this AWS service",
                    format!("{full} is offered in {region} only as {} endpoints; Azure reaches a service over the VPN only through an interface endpoint.", types.join(", ")),
                )
                .with_path(path),
            ),
            Some(_) => {}
        }
    }
}

/// In an update plan: the endpoints, their group and DNS names become unknown when the
/// services, their subnets or the Azure prefixes change (else they keep their state).
pub fn plan_update(prior: &Value, planned: &mut Value) {
    let (was, will) = (prior.attr(names::AWS), planned.attr(names::AWS));
    let changed = |a: &str| !was.attr(a).equals(will.attr(a));
    let services = known_list(will.attr(aws::PRIVATE_SERVICES)).unwrap_or_default();
    let ids = was.attr(aws::PRIVATE_SERVICE_ENDPOINT_IDS).as_map();
    let no_group = was
        .attr(aws::PRIVATE_SERVICE_SECURITY_GROUP_ID)
        .as_str()
        .unwrap_or_default()
        .is_empty();
    // A refresh that found an endpoint or the group gone (deleted out of band) dropped its
    // id: the apply recreates it.
    let repair = !services.is_empty()
        && (no_group
            || services
                .iter()
                .any(|s| ids.is_none_or(|m| !m.contains_key(s))));
    let touched = changed(aws::PRIVATE_SERVICES)
        || changed(aws::PRIVATE_SERVICE_SUBNET_IDS)
        || !prior
            .attr(names::AZURE_CIDRS)
            .equals(planned.attr(names::AZURE_CIDRS));
    let nothing_before = no_group && ids.is_none_or(|m| m.is_empty());
    if !repair && (!touched || (services.is_empty() && nothing_before)) {
        return;
    }
    let mut b = planned.attr(names::AWS).clone();
    b.set_attr(aws::PRIVATE_SERVICE_SECURITY_GROUP_ID, Value::unknown());
    b.set_attr(aws::PRIVATE_SERVICE_ENDPOINT_IDS, Value::unknown());
    planned.set_attr(names::AWS, b);
    planned.set_attr(names::PRIVATE_SERVICE_DNS, Value::unknown());
}

/// The recorded (else tagged) endpoint of `service` when it is this state's to change or
/// delete; another state's fails.
async fn find_endpoint(
    run: &Run,
    ec2: &Ec2,
    service: &str,
) -> anyhow::Result<Option<crate::cloud::aws::VpcEndpoint>> {
    let recorded = run.snapshot().private.endpoint_ids.get(service).cloned();
    let found = match recorded {
        Some(id) => ec2.find_vpc_endpoint_by_id(&id).await?,
        None => None,
    };
    let found = match found {
        Some(e) => Some(e),
        None => {
            ec2.find_vpc_endpoint_by_tags(&run.aws_tags(&endpoint_component(service)))
                .await?
        }
    };
    Ok(found)
}

/// Deletes the endpoint of `service` (when it is this state's), waits until it is gone, and
/// forgets it.
async fn remove_endpoint(
    run: &Run,
    ec2: &Ec2,
    service: &str,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let found = find_endpoint(run, ec2, service).await?;
    if let Some(e) = found.filter(|e| ours_to_delete(Some(&e.tags), |t| run.owns_aws(t), &e.id)) {
        ec2.delete_vpc_endpoint(&e.id).await?;
        ec2.wait_vpc_endpoint_deleted(&e.id, &run.wait(cancel))
            .await?;
    }
    run.record(|cp| {
        cp.private.endpoint_ids.remove(service);
        cp.private.dns.remove(service);
    });
    Ok(())
}

/// The recorded (else tagged) security group of the endpoints.
async fn find_security_group(run: &Run, ec2: &Ec2) -> anyhow::Result<Option<SecurityGroup>> {
    let recorded = run.snapshot().private.security_group_id;
    let found = if recorded.is_empty() {
        None
    } else {
        ec2.find_security_group_by_id(&recorded).await?
    };
    Ok(match found {
        Some(g) => Some(g),
        None => {
            ec2.find_security_group_by_tags(&run.aws_tags(SECURITY_GROUP_COMPONENT))
                .await?
        }
    })
}

/// Deletes the endpoints' security group (when it is this state's; retried while the
/// endpoints' network interfaces still use it) and forgets it.
async fn remove_security_group(
    run: &Run,
    ec2: &Ec2,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    if let Some(g) = find_security_group(run, ec2)
        .await?
        .filter(|g| ours_to_delete(Some(&g.tags), |t| run.owns_aws(t), &g.id))
    {
        ec2.delete_security_group(&g.id, &run.wait(cancel)).await?;
    }
    run.record(|cp| cp.private.security_group_id.clear());
    Ok(())
}

/// The services whose endpoints a run may have to delete: recorded ones and `extra`.
fn services_to_check(run: &Run, extra: &[String]) -> BTreeSet<String> {
    run.snapshot()
        .private
        .endpoint_ids
        .keys()
        .cloned()
        .chain(extra.iter().cloned())
        .collect()
}

/// The endpoints' security group: adopted (this state's) or created, tagged, its inbound
/// rules made exactly TCP 443 from each Azure prefix.
async fn security_group(run: &Run, ec2: &Ec2, vpc: &str) -> anyhow::Result<String> {
    let tags = run.aws_tags(SECURITY_GROUP_COMPONENT);
    let group = match find_security_group(run, ec2).await? {
        Some(g) => {
            run.aws.ensure_owns(&g.tags)?;
            ec2.sync_tags(&g.id, &g.tags, &tags).await?;
            g
        }
        None => {
            let name = format!("{}-private-services", run.d.owner());
            let description = format!(
                "cloudlink {}: HTTPS from Azure to the interface endpoints",
                run.d.name
            );
            let id = ec2
                .create_security_group(vpc, &name, &description, &tags)
                .await?;
            SecurityGroup {
                id,
                vpc_id: vpc.to_string(),
                name,
                ingress: Vec::new(),
                tags,
            }
        }
    };
    run.record(|cp| cp.private.security_group_id = group.id.clone());
    let want: Vec<IngressRule> = run
        .snapshot()
        .azure_cidrs
        .iter()
        .map(|c| IngressRule::tcp(HTTPS, c))
        .collect();
    ec2.sync_ingress(
        &group,
        &want,
        &format!("Azure side of cloudlink link {}", run.d.name),
    )
    .await?;
    Ok(group.id)
}

/// The endpoint of `service`: adopted (this state's, its subnets changed in place to the
/// configured ones) or created; waits until available and records its DNS names.
async fn endpoint(
    run: &Run,
    ec2: &Ec2,
    vpc: &str,
    group: &str,
    service: &str,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let tags = run.aws_tags(&endpoint_component(service));
    let subnets = &run.d.private_service_subnet_ids;
    let id = match find_endpoint(run, ec2, service).await? {
        Some(e) => {
            run.aws.ensure_owns(&e.tags)?;
            ec2.sync_tags(&e.id, &e.tags, &tags).await?;
            let add: Vec<String> = subnets
                .iter()
                .filter(|s| !e.subnet_ids.contains(s))
                .cloned()
                .collect();
            let remove: Vec<String> = e
                .subnet_ids
                .iter()
                .filter(|s| !subnets.contains(s))
                .cloned()
                .collect();
            if !add.is_empty() || !remove.is_empty() {
                // A subnet change is refused while the endpoint is still pending.
                ec2.wait_vpc_endpoint_available(&e.id, &run.wait(cancel))
                    .await?;
                ec2.modify_vpc_endpoint_subnets(&e.id, &add, &remove)
                    .await?;
            }
            e.id
        }
        None => {
            let spec = InterfaceEndpointSpec {
                vpc_id: vpc.to_string(),
                service_name: aws_service_name(ec2.region(), service),
                subnet_ids: subnets.clone(),
                security_group_ids: vec![group.to_string()],
                tags,
            };
            ec2.create_interface_endpoint(&spec).await?
        }
    };
    run.record(|cp| {
        cp.private
            .endpoint_ids
            .insert(service.to_string(), id.clone());
    });
    let e = ec2
        .wait_vpc_endpoint_available(&id, &run.wait(cancel))
        .await?;
    run.record(|cp| {
        cp.private.dns.insert(service.to_string(), e.dns_names);
    });
    Ok(())
}

/// Step: endpoints of services no longer wanted go first; then the security group and one
/// interface endpoint per wanted service; with no service left, the group goes too.
pub async fn converge(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(&cancel);
    let wanted = &run.d.private_services;
    for service in services_to_check(&run, &[]) {
        if !wanted.contains(&service) {
            remove_endpoint(&run, &ec2, &service, &cancel).await?;
        }
    }
    if wanted.is_empty() {
        if !run.snapshot().private.security_group_id.is_empty() {
            remove_security_group(&run, &ec2, &cancel).await?;
        }
        return Ok(());
    }
    let vpc = run
        .d
        .vpc_id
        .clone()
        .ok_or_else(|| anyhow!("aws.private_services needs aws.vpc_id"))?;
    let group = security_group(&run, &ec2, &vpc).await?;
    for service in wanted {
        endpoint(&run, &ec2, &vpc, &group, service, &cancel).await?;
    }
    Ok(())
}

/// Delete step: every endpoint (recorded or tagged for a configured service), waiting until
/// each is gone, then the security group.
pub async fn delete(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let ec2 = run.ec2(&cancel);
    for service in services_to_check(&run, &run.d.private_services) {
        remove_endpoint(&run, &ec2, &service, &cancel).await?;
    }
    let recorded = !run.snapshot().private.security_group_id.is_empty();
    if recorded || !run.d.private_services.is_empty() {
        remove_security_group(&run, &ec2, &cancel).await?;
    }
    Ok(())
}

/// Read: the recorded endpoints that still exist (one call for all) with their DNS names;
/// a vanished endpoint or group loses its id, so the next plan recreates it.
pub async fn refresh(
    run: &Run,
    cp: &mut Checkpoint,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    if cp.private.is_empty() {
        return Ok(());
    }
    let ec2 = run.ec2(cancel);
    let ids: Vec<String> = cp.private.endpoint_ids.values().cloned().collect();
    let live = ec2.status_vpc_endpoints(&ids).await?;
    let mut endpoint_ids = std::collections::BTreeMap::new();
    let mut dns = std::collections::BTreeMap::new();
    for (service, id) in &cp.private.endpoint_ids {
        if let Some(e) = live
            .iter()
            .find(|e| &e.id == id && !matches!(e.state.as_str(), "deleting" | "deleted"))
            .filter(|e| run.owns_aws(&e.tags))
        {
            endpoint_ids.insert(service.clone(), id.clone());
            dns.insert(service.clone(), e.dns_names.clone());
        }
    }
    cp.private.endpoint_ids = endpoint_ids;
    cp.private.dns = dns;
    if !cp.private.security_group_id.is_empty()
        && ec2
            .find_security_group_by_id(&cp.private.security_group_id)
            .await?
            .filter(|g| run.owns_aws(&g.tags))
            .is_none()
    {
        cp.private.security_group_id.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(services: &[&str], group: &str, ids: &[(&str, &str)]) -> Value {
        Value::object([
            (names::AZURE_CIDRS, Value::string_list(["10.1.0.0/16"])),
            (
                names::AWS,
                Value::object([
                    (
                        aws::PRIVATE_SERVICES,
                        Value::string_list(services.iter().copied()),
                    ),
                    (
                        aws::PRIVATE_SERVICE_SUBNET_IDS,
                        Value::string_list(["subnet-1"]),
                    ),
                    (aws::PRIVATE_SERVICE_SECURITY_GROUP_ID, Value::string(group)),
                    (
                        aws::PRIVATE_SERVICE_ENDPOINT_IDS,
                        Value::map(ids.iter().map(|(k, v)| (*k, Value::string(*v)))),
                    ),
                ]),
            ),
            (names::PRIVATE_SERVICE_DNS, Value::map::<_, &str>([])),
        ])
    }

    fn unknown_ids(v: &Value) -> bool {
        v.attr(names::AWS)
            .attr(aws::PRIVATE_SERVICE_ENDPOINT_IDS)
            .is_unknown()
    }

    #[test]
    fn an_unchanged_link_keeps_its_ids_and_a_change_or_a_gap_makes_them_unknown() {
        let prior = link(&["s3"], "sg-1", &[("s3", "vpce-1")]);
        let mut same = prior.clone();
        plan_update(&prior, &mut same);
        assert!(same.equals(&prior), "no change, no unknowns");

        let mut added = link(&["s3", "sts"], "sg-1", &[("s3", "vpce-1")]);
        plan_update(&prior, &mut added);
        assert!(unknown_ids(&added));

        // The refresh dropped s3's endpoint (deleted out of band): repaired.
        let gone = link(&["s3"], "sg-1", &[]);
        let mut planned = gone.clone();
        plan_update(&gone, &mut planned);
        assert!(unknown_ids(&planned));

        // No service before or after: nothing to plan.
        let none = link(&[], "", &[]);
        let mut planned = none.clone();
        plan_update(&none, &mut planned);
        assert!(planned.equals(&none));
    }
}
