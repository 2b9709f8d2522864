//! Where each member acts: one [`Place`] (EC2 client and account id) per `aws_account` and
//! region, resolved once for all the pairs that need it.

use super::names;
use super::state::{MeshState, PairEntry};
use crate::provider::ProviderContext;
use crate::resources::vpc_peering_pair::sides::{Place, Sides};
use crate::resources::vpc_peering_pair::state::Side;
use crate::tf::{AttributePath, Diagnostic};
use std::collections::BTreeMap;

/// An `aws_account` name (`None`: the default one) and a region (`None`: the account's).
pub type PlaceKey = (Option<String>, Option<String>);

/// The places resolved so far.
#[derive(Debug, Default, Clone)]
pub struct Places {
    found: BTreeMap<PlaceKey, Place>,
}

/// The path of attribute `attr` of member `name`.
pub fn member_path(name: &str, attr: &str) -> AttributePath {
    AttributePath::root()
        .attr(names::MEMBER)
        .key(name)
        .attr(attr)
}

impl Places {
    /// Resolves `key` unless known; an unknown account name is an error on member `name`'s
    /// `account`.
    pub async fn resolve(
        &mut self,
        ctx: &ProviderContext,
        key: &PlaceKey,
        name: &str,
    ) -> Result<&Place, Diagnostic> {
        if !self.found.contains_key(key) {
            let place = Place::resolve(
                ctx,
                key.0.as_deref(),
                key.1.as_deref(),
                member_path(name, names::member::ACCOUNT),
            )
            .await?;
            self.found.insert(key.clone(), place);
        }
        Ok(&self.found[key])
    }

    /// Resolves the place of every member of `mesh`.
    pub async fn of_members(
        &mut self,
        ctx: &ProviderContext,
        mesh: &MeshState,
    ) -> Result<(), Diagnostic> {
        for (name, m) in &mesh.members {
            self.resolve(ctx, &(m.account.clone(), m.region.clone()), name)
                .await?;
        }
        Ok(())
    }

    /// Resolves the places of both ends of every entry.
    pub async fn of_entries<'a>(
        &mut self,
        ctx: &ProviderContext,
        entries: impl Iterator<Item = &'a PairEntry>,
    ) -> Result<(), Diagnostic> {
        for e in entries {
            for (side, name) in [
                (Side::Requester, &e.requester),
                (Side::Accepter, &e.accepter),
            ] {
                let end = e.end(side);
                self.resolve(ctx, &(end.account.clone(), end.region.clone()), name)
                    .await?;
            }
        }
        Ok(())
    }

    /// The place of `key`, resolved before.
    pub fn get(&self, key: &PlaceKey) -> Option<&Place> {
        self.found.get(key)
    }

    /// The sides of a pair whose ends act at `requester` and `accepter` (both resolved).
    pub fn sides(&self, requester: &PlaceKey, accepter: &PlaceKey) -> Option<Sides> {
        Some(Sides::between(self.get(requester)?, self.get(accepter)?))
    }
}
