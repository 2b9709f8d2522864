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
        let account_path = AttributePath::attrs(["accepter", "account"]);
        ctx.aws_account(account, account_path.clone())?;
        let requester = Place::resolve(ctx, None, None, account_path.clone()).await?;
        let accepter = Place::resolve(ctx, account, region, account_path).await?;
        Ok(Sides::between(&requester, &accepter))
    }

    /// The sides of a link from `requester` to `accepter`, each resolved once (a mesh
    /// resolves each member once for all its pairs).
    pub fn between(requester: &Place, accepter: &Place) -> Sides {
        Sides {
            requester: requester.ec2.clone(),
            accepter: accepter.ec2.clone(),
            requester_owner: requester.owner.clone(),
            accepter_owner: accepter.owner.clone(),
        }
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

/// One end of a link: the EC2 client of an account in a region, and that account's id.
#[derive(Debug, Clone)]
pub struct Place {
    /// EC2 in that account and region.
    pub ec2: Ec2,
    /// The account id (STS).
    pub owner: String,
}

impl Place {
    /// The `aws_account` block `account` (`None`: the provider's default `aws {}` account) in
    /// `region` (`None`: that account's region). An unknown account name is an error on
    /// `account_path`.
    pub async fn resolve(
        ctx: &ProviderContext,
        account: Option<&str>,
        region: Option<&str>,
        account_path: AttributePath,
    ) -> Result<Place, Diagnostic> {
        let acc = ctx.aws_account(account, account_path)?;
        let acc = match region {
            Some(r) => acc.for_region(r),
            None => acc.clone(),
        };
        Ok(Place {
            ec2: acc.ec2().await.map_err(cloud_diag)?,
            owner: acc.account_id().await.map_err(cloud_diag)?,
        })
    }
}

/// A cloud error as a diagnostic: the summary says what failed, the detail the whole chain.
pub fn cloud_diag(e: CloudError) -> Diagnostic {
    Diagnostic::error(e.to_string(), e.to_string())
}
