//! The link's route reachability (see `resources::reachability`): the VPC's subnets towards
//! the Azure prefixes through the link's virtual private gateway (none with a transit
//! gateway: which VPCs it serves is not this resource's), and the VNet's subnets towards
//! the AWS prefixes through the virtual network gateway.

use super::names::{self, aws};
use super::state::Checkpoint;
use super::topology::Desired;
use crate::cloud::aws::{Ec2, RouteTarget};
use crate::cloud::azure::virtual_network::find_virtual_network_listed;
use crate::cloud::azure::Network;
use crate::cloud::read_once::ReadOnce;
use crate::provider::context::ProviderContext;
use crate::resources::aws_vpn::plan_reads;
use crate::resources::reachability::{
    attribute, aws_verdicts, read_azure_tables, AwsLink, AzureLink, Check, Verdict, REACHABILITY,
};
use crate::tf::{AttributePath, Diagnostics, Value};
use tokio_util::sync::CancellationToken;

/// The two ends: the AWS one only with a VPC.
fn ends(
    d: &Desired,
    vgw_id: &str,
    aws_cidrs: &[String],
    azure_cidrs: &[String],
) -> (Option<AwsLink>, AzureLink) {
    let aws = d.vpc_id.as_ref().map(|vpc| AwsLink {
        vpc_id: vpc.clone(),
        target: RouteTarget::VpnGateway(vgw_id.to_string()),
        remote_prefixes: azure_cidrs.to_vec(),
        propagation: d.route_propagation,
    });
    let azure = AzureLink {
        remote_prefixes: aws_cidrs.to_vec(),
    };
    (aws, azure)
}

/// The verdicts of both ends; `route_tables_added` are the tables whose link routes count
/// as present (at plan: the configured ones; live: none, the routes are read). The VNet is
/// read through the operation's `memo` (the plan's checks and a refresh read it too).
async fn evaluate(
    ec2: &Ec2,
    net: &Network,
    memo: Option<&ReadOnce>,
    d: &Desired,
    (aws, azure): (Option<AwsLink>, AzureLink),
    route_tables_added: &[String],
    cancel: &CancellationToken,
) -> anyhow::Result<Vec<Verdict>> {
    let vnet = async {
        let Some(vnet) =
            find_virtual_network_listed(memo, net, &d.resource_group, &d.vnet, cancel).await?
        else {
            return Ok((None, Vec::new()));
        };
        let tables = read_azure_tables(net, &vnet, cancel).await?;
        Ok::<_, crate::cloud::error::CloudError>((Some(vnet), tables))
    };
    let aws_end = async {
        match &aws {
            Some(a) => aws_verdicts(ec2, a, route_tables_added).await,
            None => Ok(Vec::new()),
        }
    };
    let (mut out, (vnet, azure_tables)) = tokio::try_join!(aws_end, vnet)?;
    if let Some(v) = &vnet {
        out.extend(azure.verdicts(v, &azure_tables));
    }
    Ok(out)
}

/// The live verdicts for a refreshed or applied state (empty when the check is off); a
/// refresh passes its `memo`, whose VNet read also served the GatewaySubnet.
pub async fn live(
    ec2: &Ec2,
    net: &Network,
    memo: Option<&ReadOnce>,
    d: &Desired,
    state: &Value,
    link: &Checkpoint,
    cancel: &CancellationToken,
) -> anyhow::Result<Value> {
    if Check::of(state) == Check::Off {
        return Ok(Value::list([]));
    }
    let ends = ends(
        d,
        &link.aws.vpn_gateway_id,
        &link.aws_cidrs,
        &link.azure_cidrs,
    );
    let v = evaluate(ec2, net, memo, d, ends, &[], cancel).await?;
    Ok(attribute::to_value(&v))
}

/// At plan: what the configuration will leave (the routes the link adds in its
/// `route_table_ids` count as present), reported as check_reachability says. `memo` holds
/// the plan's reads (the create checks' VNet read serves this one).
pub async fn plan(
    ctx: &ProviderContext,
    memo: &ReadOnce,
    prior: &Value,
    planned: &mut Value,
    diags: &mut Diagnostics,
) {
    let d = Desired::from_value(planned, &Value::Null);
    let link = format!("cross-cloud VPN {:?}", d.name);
    let Some(check) = attribute::plan_needs_evaluation(planned, &link, diags) else {
        return;
    };
    let (Some(aws_cidrs), Some(azure_cidrs)) = (
        planned.attr(names::AWS_CIDRS).as_string_vec(),
        planned.attr(names::AZURE_CIDRS).as_string_vec(),
    ) else {
        return;
    };
    if !planned
        .attr(names::AWS)
        .attr(aws::ROUTE_TABLE_IDS)
        .is_wholly_known()
    {
        return;
    }
    let Some(account) = plan_reads::account(ctx, d.aws_account.as_deref(), account_path()) else {
        return;
    };
    let recorded = prior.attr(names::AWS).attr(aws::VPN_GATEWAY_ID);
    let vgw = plan_reads::vgw_at_plan(recorded.as_str().unwrap_or_default());
    let result = async {
        let ec2 = plan_reads::ec2(ctx, account).await?;
        let net = ctx.azure.network().await?;
        let ends = ends(&d, vgw, &aws_cidrs, &azure_cidrs);
        evaluate(
            &ec2,
            net,
            Some(memo),
            &d,
            ends,
            &d.route_table_ids,
            &ctx.stop,
        )
        .await
    }
    .await;
    attribute::report_result(check, &link, result, diags);
    planned.set_attr(REACHABILITY, Value::unknown());
}

/// Where the plan reports an unknown `aws.account`.
fn account_path() -> AttributePath {
    AttributePath::attrs([names::AWS, aws::ACCOUNT])
}
