//! The pair's route reachability (see `resources::reachability`): each VPC's subnets
//! towards the other VPC's CIDR blocks through this peering, each side read with its own
//! account's client.

use super::sides::{cloud_diag, Sides};
use super::state::{PairState, Side};
use crate::cloud::aws::RouteTarget;
use crate::provider::ProviderContext;
use crate::resources::reachability::{
    attribute, read_aws, AwsLink, AwsNetworks, Check, Verdict, REACHABILITY,
};
use crate::tf::{Diagnostic, Diagnostics, Value};

/// How the plan names the peering before it exists.
const PLANNED_PEERING: &str = "the pair's peering connection";

/// The verdicts of one side of `st` (its VPC's subnets towards the other side's CIDR
/// blocks through peering `pcx`), judged on `net`, a read that holds that VPC (and maybe
/// others: a mesh reads all its members of one account and region at once); with
/// `count_own_routes` the routes the pair adds in the side's listed route tables count as
/// present (the plan). `None` when the side's VPC or the other side's CIDR blocks are not
/// known.
pub fn side_verdicts(
    st: &PairState,
    side: Side,
    pcx: &str,
    count_own_routes: bool,
    net: &AwsNetworks,
) -> Option<Vec<Verdict>> {
    let link = AwsLink {
        vpc_id: st.side(side).vpc_id.clone()?,
        target: RouteTarget::VpcPeering(pcx.to_string()),
        remote_prefixes: st.side(side.other()).cidr_blocks.clone()?,
        propagation: false,
    };
    let own: &[String] = if count_own_routes {
        st.side(side).tables()
    } else {
        &[]
    };
    let tables = link.with_own_routes(&net.tables, own);
    Some(link.verdicts(&net.subnets, &tables))
}

/// The verdicts of both sides, each side's VPC read with its own account's client.
async fn evaluate(
    sides: &Sides,
    st: &PairState,
    pcx: &str,
    count_own_routes: bool,
) -> Result<Vec<Verdict>, Diagnostic> {
    let mut out = Vec::new();
    for side in [Side::Requester, Side::Accepter] {
        let Some(vpc) = st.side(side).vpc_id.clone() else {
            continue;
        };
        let net = read_aws(sides.ec2(side), &[vpc])
            .await
            .map_err(cloud_diag)?;
        out.extend(side_verdicts(st, side, pcx, count_own_routes, &net).unwrap_or_default());
    }
    Ok(out)
}

/// The live `reachability` of a refreshed or applied pair (empty when the check is off).
pub async fn live(sides: &Sides, st: &PairState) -> Result<Value, Diagnostic> {
    let Some(pcx) = st.id.as_deref() else {
        return Ok(Value::list([]));
    };
    if Check::of(&st.to_value()) == Check::Off {
        return Ok(Value::list([]));
    }
    Ok(attribute::to_value(&evaluate(sides, st, pcx, false).await?))
}

/// At plan: what the configuration will leave (the pair's routes in the listed tables
/// count as present), reported as `check_reachability` says.
pub async fn plan(ctx: &ProviderContext, planned: &mut Value, diags: &mut Diagnostics) {
    let mut st = PairState::from_value(planned);
    let link = format!(
        "VPC peering pair {} <-> {}",
        st.requester.vpc_id.as_deref().unwrap_or("?"),
        st.accepter.vpc_id.as_deref().unwrap_or("?")
    );
    let Some(check) = attribute::plan_needs_evaluation(planned, &link, diags) else {
        return;
    };
    let sides = match Sides::of(ctx, &st).await {
        Ok(s) => s,
        Err(d) => return diags.push(d),
    };
    for side in [Side::Requester, Side::Accepter] {
        if st.side(side).cidr_blocks.is_some() {
            continue;
        }
        let Some(vpc) = st.side(side).vpc_id.clone() else {
            return;
        };
        match sides.ec2(side).find_vpc_by_id(&vpc).await {
            Ok(Some(v)) => st.side_mut(side).cidr_blocks = Some(v.cidr_blocks),
            Ok(None) => return,
            Err(e) => return diags.push(cloud_diag(e)),
        }
    }
    let pcx = st.id.clone().unwrap_or_else(|| PLANNED_PEERING.to_string());
    match evaluate(&sides, &st, &pcx, true).await {
        Ok(v) => attribute::report_into(check, &link, &v, diags),
        Err(d) => diags.push(d),
    }
    planned.set_attr(REACHABILITY, Value::unknown());
}
