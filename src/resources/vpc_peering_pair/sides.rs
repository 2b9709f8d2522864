//! Who acts for each side: the requester is the provider's default `aws {}` account in its
//! region; the accepter is the named `aws_account` (or the default one) in the accepter's
//! region. Every call on a side goes through that side's client.

use super::state::{PairState, Side};
use crate::cloud::aws::Ec2;
use crate::cloud::error::CloudError;
use crate::provider::ProviderContext;
use crate::tf::{AttributePath, Diagnostic};

/// The clients and identities of both sides.
#[derive(Debug, Clone)]
pub struct Sides {
    /// EC2 in the requester's account and region.
    pub requester: Ec2,
    /// EC2 in the accepter's account and region.
    pub accepter: Ec2,
    /// Requester account id (STS).
    pub requester_owner: String,
    /// Accepter account id (STS).
    pub accepter_owner: String,
}

impl Sides {
    /// Resolves both sides from the accepter's `account` name and `region` (either may be
    /// `None`: the default account, that account's region). An unknown account name is an
    /// error on `accepter.account`.
    pub async fn resolve(
        ctx: &ProviderContext,
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<Sides, Diagnostic> {
        let acc = ctx.aws_account(account, AttributePath::attrs(["accepter", "account"]))?;
        let acc = match region {
            Some(r) => acc.for_region(r),
            None => acc.clone(),
        };
        let requester = ctx.aws.ec2().await.map_err(cloud_diag)?;
        let requester_owner = ctx.aws.account_id().await.map_err(cloud_diag)?;
        let accepter = acc.ec2().await.map_err(cloud_diag)?;
        let accepter_owner = acc.account_id().await.map_err(cloud_diag)?;
        Ok(Sides {
            requester,
            accepter,
            requester_owner,
            accepter_owner,
        })
    }

    /// Resolves the sides a state or plan names.
    pub async fn of(ctx: &ProviderContext, st: &PairState) -> Result<Sides, Diagnostic> {
        Self::resolve(
            ctx,
            st.accepter.account.as_deref(),
            st.accepter.region.as_deref(),
        )
        .await
    }

    /// The client of `side`.
    pub fn ec2(&self, side: Side) -> &Ec2 {
        match side {
            Side::Requester => &self.requester,
            Side::Accepter => &self.accepter,
        }
    }

    /// The account id of `side`.
    pub fn owner(&self, side: Side) -> &str {
        match side {
            Side::Requester => &self.requester_owner,
            Side::Accepter => &self.accepter_owner,
        }
    }

    /// Whether both sides are the same account in the same region.
    pub fn same_place(&self) -> bool {
        self.requester_owner == self.accepter_owner
            && self.requester.region() == self.accepter.region()
    }
}

/// A cloud error as a diagnostic: the summary says what failed, the detail the whole chain.
pub fn cloud_diag(e: CloudError) -> Diagnostic {
    Diagnostic::error(e.to_string(), e.to_string())
}
