//! What both VPN resources' plan-time reachability checks share: the name of the virtual
//! private gateway before it exists, and the EC2 client of the VPN's account.

use crate::cloud::aws::{AwsAccount, Ec2};
use crate::cloud::error::Result;
use crate::provider::context::ProviderContext;
use crate::tf::AttributePath;

/// How a plan names the VGW a create has not made yet.
const PLANNED_VGW: &str = "the VPN's virtual private gateway";

/// The recorded VGW id (from the prior state), else [`PLANNED_VGW`]: only the routes the
/// plan adds point at it.
pub fn vgw_at_plan(recorded: &str) -> &str {
    if recorded.is_empty() {
        PLANNED_VGW
    } else {
        recorded
    }
}

/// The account the attribute at `at` names; `None` when it is unknown (the plan's own
/// account check reports that on the attribute).
pub fn account<'a>(
    ctx: &'a ProviderContext,
    name: Option<&str>,
    at: AttributePath,
) -> Option<&'a AwsAccount> {
    ctx.aws_account(name, at).ok()
}

/// EC2 of `account`, stopping with the provider.
pub async fn ec2(ctx: &ProviderContext, account: &AwsAccount) -> Result<Ec2> {
    Ok(account.ec2().await?.with_cancel(ctx.stop.clone()))
}
