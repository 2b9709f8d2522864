//! Import by peering id, with the route tables to manage and, for a cross-account peering,
//! the `aws_account` whose credentials act for the accepter:
//!
//! ```text
//! pcx-0123                                  routes not managed
//! pcx-0123:rtb-a,rtb-b:rtb-c                requester tables : accepter tables
//! pcx-0123:rtb-a:rtb-c:peer                 ... accepter credentials from aws_account "peer"
//! ```
//!
//! The peering is read with the requester's (default) credentials; the accepter's region
//! comes from the peering. The result is the state a create would have written.

use super::read::refresh;
use super::sides::{cloud_diag, Sides};
use super::state::PairState;
use crate::provider::ProviderContext;
use crate::resources::claim;
use crate::tf::{Diagnostic, Diagnostics, Value};

/// The import id format, for diagnostics and docs.
pub const FORMAT: &str = "PCX_ID[:REQUESTER_RTB,...[:ACCEPTER_RTB,...[:ACCOUNT_NAME]]]";

fn fail(summary: &str, detail: String) -> Diagnostics {
    let mut d = Diagnostics::default();
    d.push(Diagnostic::error(summary, detail));
    d
}

fn tables(s: Option<&str>) -> Option<Vec<String>> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    Some(s.split(',').map(|t| t.trim().to_string()).collect())
}

/// Builds the state of the peering named by `id`.
pub async fn import(ctx: &ProviderContext, id: &str) -> Result<Value, Diagnostics> {
    let parts: Vec<&str> = id.split(':').collect();
    let pcx = parts[0].trim();
    if !pcx.starts_with("pcx-") || parts.len() > 4 {
        return Err(fail(
            "Invalid import id",
            format!("{id:?} is not {FORMAT}, e.g. \"pcx-0123:rtb-a,rtb-b:rtb-c:peer\"."),
        ));
    }
    let account = parts.get(3).map(|s| s.trim()).filter(|s| !s.is_empty());

    // 1. The peering, as the requester sees it.
    let requester = ctx
        .aws
        .ec2()
        .await
        .map_err(|e| Diagnostics::from(cloud_diag(e)))?;
    let Some(p) = requester
        .status_vpc_peering_connection(pcx)
        .await
        .map_err(|e| Diagnostics::from(cloud_diag(e)))?
    else {
        return Err(fail(
            "Cannot import non-existent VPC peering connection",
            format!("{pcx} is not visible to the provider's default aws account in {} (import with the requester's account as default).", requester.region()),
        ));
    };

    // 2. Both sides' credentials: the accepter's region comes from the peering.
    let region = p.accepter.region.clone();
    let sides = Sides::resolve(ctx, account, Some(&region))
        .await
        .map_err(Diagnostics::from)?;
    if sides.accepter_owner != p.accepter.owner_id {
        return Err(fail(
            "Accepter account mismatch",
            format!(
                "{pcx} is accepted by account {} but the accepter credentials ({}) are account {}. Add the aws_account name as the 4th part of the id: {FORMAT}.",
                p.accepter.owner_id,
                account.unwrap_or("default aws block"),
                sides.accepter_owner
            ),
        ));
    }

    // 3. The state a create would write, then a refresh of everything else.
    let mut st = PairState {
        id: Some(pcx.to_string()),
        ..PairState::default()
    };
    st.requester.route_table_ids = tables(parts.get(1).copied());
    st.accepter.route_table_ids = tables(parts.get(2).copied());
    st.accepter.account = account.map(str::to_string);
    st.requester.allow_dns = Some(p.requester.allow_dns);
    st.accepter.allow_dns = Some(p.accepter.allow_dns);
    // The importing state takes over the peering's claim (see resources::claim).
    st.claim = p.tags.get(claim::AWS_TAG).cloned();
    match refresh(&sides, st, pcx, &ctx.default_tags)
        .await
        .map_err(Diagnostics::from)?
    {
        Some(v) => Ok(v),
        None => Err(fail(
            "Cannot import a VPC peering connection that is gone",
            format!("{pcx} is {}.", p.describe_status()),
        )),
    }
}
