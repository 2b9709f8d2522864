//! The pair's route reachability (see `resources::reachability`): each VPC's subnets
//! towards the other VPC's CIDR blocks through this peering, each side read with its own
//! account's client.

use super::sides::{cloud_diag, Sides};
use super::state::{PairState, Side};
use crate::cloud::aws::RouteTarget;
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

/// The verdicts of both sides, each side's VPC read with its own account's client, both
/// read at once (their reads join the run's coalesced batches together).
async fn evaluate(
    sides: &Sides,
    st: &PairState,
    pcx: &str,
    count_own_routes: bool,
) -> Result<Vec<Verdict>, Diagnostic> {
    let (mut out, accepter) = futures::try_join!(
        read_side(sides, st, Side::Requester, pcx, count_own_routes),
        read_side(sides, st, Side::Accepter, pcx, count_own_routes)
    )?;
    out.extend(accepter);
    Ok(out)
}

/// The verdicts of `side`: its VPC's subnets and route tables read together with the other
/// VPC's CIDR blocks when the plan does not know them yet (a new pair); no verdicts when
/// either VPC is unknown or gone.
async fn read_side(
    sides: &Sides,
    st: &PairState,
    side: Side,
    pcx: &str,
    count_own_routes: bool,
) -> Result<Vec<Verdict>, Diagnostic> {
    let Some(vpc) = st.side(side).vpc_id.clone() else {
        return Ok(Vec::new());
    };
    let other = side.other();
    let remote = async {
        match (&st.side(other).cidr_blocks, &st.side(other).vpc_id) {
            (Some(c), _) => Ok(Some(c.clone())),
            (None, Some(v)) => Ok(sides
                .ec2(other)
                .find_vpc_by_id(v)
                .await?
                .map(|v| v.cidr_blocks)),
            (None, None) => Ok(None),
        }
    };
    let (net, remote) = futures::try_join!(
        read_aws(sides.ec2(side), std::slice::from_ref(&vpc)),
        remote
    )
    .map_err(cloud_diag)?;
    let mut known = st.clone();
    known.side_mut(other).cidr_blocks = remote;
    Ok(side_verdicts(&known, side, pcx, count_own_routes, &net).unwrap_or_default())
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
/// count as present), reported as `check_reachability` says; read through the plan's
/// resolved `sides`.
pub async fn plan(sides: &Sides, planned: &mut Value, diags: &mut Diagnostics) {
    let st = PairState::from_value(planned);
    let link = format!(
        "VPC peering pair {} <-> {}",
        st.requester.vpc_id.as_deref().unwrap_or("?"),
        st.accepter.vpc_id.as_deref().unwrap_or("?")
    );
    let Some(check) = attribute::plan_needs_evaluation(planned, &link, diags) else {
        return;
    };
    let pcx = st.id.clone().unwrap_or_else(|| PLANNED_PEERING.to_string());
    match evaluate(sides, &st, &pcx, true).await {
        Ok(v) => attribute::report_into(check, &link, &v, diags),
        Err(d) => diags.push(d),
    }
    planned.set_attr(REACHABILITY, Value::unknown());
}
