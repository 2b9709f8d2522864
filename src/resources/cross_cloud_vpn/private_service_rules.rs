//! The configuration rule and the attribute texts of `aws.private_services`, apart from the
//! steps (`private_services`) so the schema can use them without depending on the run.

use super::names::{self, aws};
use crate::tf::validator::BlockRule;
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};
use std::collections::BTreeSet;

/// The path of attribute `a` of the `aws` block.
pub(super) fn at(a: &str) -> AttributePath {
    AttributePath::attrs([names::AWS, a])
}

/// `aws.private_services`' description.
pub const SERVICES_DESCRIPTION: &str = "AWS services to reach privately from Azure over the VPN, by their short name (`s3`, `sts`, `ssm`, `secretsmanager`, ...: the last part of `com.amazonaws.<region>.<service>`). Each gets an interface VPC endpoint in `private_service_subnet_ids`, guarded by one security group cloudlink creates that admits exactly `azure_cidrs` on TCP 443. The plan refuses a name the region does not offer as an interface endpoint service. Private DNS stays off (Azure cannot use the VPC's Route 53 private DNS): clients use the names in `private_service_dns`. Adding or removing a service changes only its endpoint, in place. With `vpc_id` only.";

/// `aws.private_service_subnet_ids`' description.
pub const SUBNETS_DESCRIPTION: &str = "Subnets of the VPC for the network interfaces of the `private_services` endpoints, at most one per availability zone (AWS requires it). Required with `private_services`. Changed in place (`ModifyVpcEndpoint`).";

/// `private_service_dns`' description.
pub const DNS_DESCRIPTION: &str = "Per service of `aws.private_services`: the endpoint-specific DNS names of its interface endpoint, regional name first, then one per availability zone. They resolve from anywhere (public DNS) to the endpoint's private addresses, so Azure clients use them over the VPN. S3's start with `*.`: replace `*` with `bucket` (`aws s3 --endpoint-url https://bucket.vpce-....s3.<region>.vpce.amazonaws.com ls s3://my-bucket`), `accesspoint` or `control`.";

/// Whether `s` looks like an AWS service short name (`s3`, `ecr.dkr`, `execute-api`).
fn service_name_shape(s: &str) -> bool {
    !s.is_empty()
        && s.split(['.', '-']).all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A list of strings when it is set and wholly known.
pub(super) fn known_list(v: &Value) -> Option<Vec<String>> {
    (!v.is_null() && v.is_wholly_known())
        .then(|| v.as_string_vec())
        .flatten()
}

/// The rule over `aws.private_services` and `aws.private_service_subnet_ids`.
fn check_config(c: &Value, _: &AttributePath) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let b = c.attr(names::AWS);
    let Some(services) = known_list(b.attr(aws::PRIVATE_SERVICES)) else {
        return diags;
    };
    let mut seen = BTreeSet::new();
    for (i, s) in services.iter().enumerate() {
        let path = at(aws::PRIVATE_SERVICES).index(i as i64);
        if !service_name_shape(s) {
            diags.push(Diagnostic::error("Invalid AWS service name", format!("{s:?} is not an AWS service short name such as `s3` or `ecr.dkr` (the last part of `com.amazonaws.<region>.<service>`).")).with_path(path));
        } else if !seen.insert(s.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Duplicate AWS service",
                    format!("{s:?} is listed twice: one interface endpoint serves it."),
                )
                .with_path(path),
            );
        }
    }
    if services.is_empty() {
        return diags;
    }
    if !b.attr(aws::VPC_ID).is_unknown() && b.attr(aws::VPC_ID).is_null() {
        diags.push(Diagnostic::error("Private services need a VPC", "Interface endpoints live in a VPC: `private_services` works with `vpc_id`, not with `transit_gateway_id`.").with_path(at(aws::PRIVATE_SERVICES)));
    }
    match known_list(b.attr(aws::PRIVATE_SERVICE_SUBNET_IDS)) {
        Some(subnets) if subnets.is_empty() => diags.push(Diagnostic::error("Subnets missing", "`private_services` needs `private_service_subnet_ids`: the subnets (one per availability zone) its endpoints' network interfaces go in.").with_path(at(aws::PRIVATE_SERVICE_SUBNET_IDS))),
        Some(subnets) => {
            let mut seen = BTreeSet::new();
            for (i, s) in subnets.iter().enumerate() {
                if !seen.insert(s.as_str()) {
                    diags.push(Diagnostic::error("Duplicate subnet", format!("{s} is listed twice.")).with_path(at(aws::PRIVATE_SERVICE_SUBNET_IDS).index(i as i64)));
                }
            }
        }
        None if b.attr(aws::PRIVATE_SERVICE_SUBNET_IDS).is_null() => diags.push(Diagnostic::error("Subnets missing", "`private_services` needs `private_service_subnet_ids`: the subnets (one per availability zone) its endpoints' network interfaces go in.").with_path(at(aws::PRIVATE_SERVICE_SUBNET_IDS))),
        None => {}
    }
    diags
}

/// The configuration rule of the private services, for the resource's rule list.
pub fn rules() -> Vec<BlockRule> {
    vec![BlockRule::new(
        "private_services",
        "`aws.private_services` holds distinct AWS service short names, needs `aws.vpc_id` and a non-empty `aws.private_service_subnet_ids` (distinct subnets).",
        check_config,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(services: Value, subnets: Value, vpc: Value) -> Value {
        Value::object([(
            names::AWS,
            Value::object([
                (aws::VPC_ID, vpc),
                (aws::PRIVATE_SERVICES, services),
                (aws::PRIVATE_SERVICE_SUBNET_IDS, subnets),
            ]),
        )])
    }

    #[test]
    fn services_need_subnets_a_vpc_and_distinct_well_formed_names() {
        let ok = config(
            Value::string_list(["s3", "ecr.dkr", "execute-api"]),
            Value::string_list(["subnet-1"]),
            Value::string("vpc-1"),
        );
        assert!(check_config(&ok, &AttributePath::root()).is_empty());
        let bad = config(
            Value::string_list(["s3", "s3", "S3!"]),
            Value::Null,
            Value::Null,
        );
        let d = check_config(&bad, &AttributePath::root());
        let summaries: Vec<&str> = d.iter().map(|x| x.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Duplicate AWS service",
                "Invalid AWS service name",
                "Private services need a VPC",
                "Subnets missing"
            ]
        );
        let none = config(Value::Null, Value::Null, Value::Null);
        assert!(check_config(&none, &AttributePath::root()).is_empty());
    }
}
