//! The site VPN's route reachability (see `resources::reachability`): the VPC's subnets
//! towards `peer.cidrs` through the VPN's virtual private gateway (none with a transit
//! gateway, or without `peer.cidrs`: BGP learns the site's prefixes at run time).

use super::names::{self, aws};
use super::side::Desired;
use crate::cloud::aws::{Ec2, RouteTarget};
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::plan_reads;
use crate::resources::reachability::{attribute, aws_verdicts, AwsLink, Check, REACHABILITY};
use crate::tf::{AttributePath, Diagnostics, Value};

/// The AWS end towards the site, when there is one to judge.
fn link(d: &Desired, vgw_id: &str) -> Option<AwsLink> {
    if d.peer_cidrs.is_empty() {
        return None;
    }
    Some(AwsLink {
        vpc_id: d.vpc_id.clone()?,
        target: RouteTarget::VpnGateway(vgw_id.to_string()),
        remote_prefixes: d.peer_cidrs.clone(),
        propagation: d.route_propagation,
    })
}

/// The live `reachability` of a refreshed or applied state (empty when the check is off).
pub async fn live(ec2: &Ec2, d: &Desired, state: &Value, vgw_id: &str) -> anyhow::Result<Value> {
    let Some(l) = link(d, vgw_id).filter(|_| Check::of(state) != Check::Off) else {
        return Ok(Value::list([]));
    };
    Ok(attribute::to_value(&aws_verdicts(ec2, &l, &[]).await?))
}

/// At plan: what the configuration will leave (the VPN's routes in `route_table_ids`
/// count as present), reported as `check_reachability` says.
pub async fn plan(
    ctx: &ProviderContext,
    prior: &Value,
    planned: &mut Value,
    diags: &mut Diagnostics,
) {
    let d = Desired::from_value(planned, &Value::Null);
    let name = format!("site VPN {:?}", d.name);
    let Some(check) = attribute::plan_needs_evaluation(planned, &name, diags) else {
        return;
    };
    if !planned
        .attr(names::AWS)
        .attr(aws::ROUTE_TABLE_IDS)
        .is_wholly_known()
        || !planned.attr(names::PEER).is_wholly_known()
    {
        return;
    }
    let recorded = prior.attr(names::VPN_GATEWAY_ID);
    let vgw = plan_reads::vgw_at_plan(recorded.as_str().unwrap_or_default());
    let Some(l) = link(&d, vgw) else {
        planned.set_attr(REACHABILITY, Value::list([]));
        return;
    };
    let Some(account) = plan_reads::account(ctx, d.account.as_deref(), account_path()) else {
        return;
    };
    let result = async {
        let ec2 = plan_reads::ec2(ctx, account).await?;
        aws_verdicts(&ec2, &l, &d.route_table_ids).await
    }
    .await;
    attribute::report_result(check, &name, result, diags);
}

/// Where the plan reports an unknown `aws.account`.
fn account_path() -> AttributePath {
    AttributePath::attrs([names::AWS, aws::ACCOUNT])
}
