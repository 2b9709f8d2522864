//! The mesh's value as typed Rust: its members (each the same [`SideState`] a pair's side
//! is), its pairs (one [`PairEntry`] per peering), and the conversions between a pair of
//! members and the [`PairState`] the shared peering code works on.

use super::names::{self, pair};
use crate::cloud::aws::Tags;
use crate::resources::reachability::{self, DEFAULT_CHECK};
use crate::resources::vpc_peering_pair::state::{
    routes_from_value, routes_value, PairState, RouteState, Side, SideState,
};
use crate::resources::{claim, default_tags, timeouts};
use crate::tf::Value;
use std::collections::BTreeMap;

/// The key of the pair of members `a` and `b`: both names sorted, joined by `:`.
pub fn pair_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}:{b}")
    } else {
        format!("{b}:{a}")
    }
}

/// One peering of the mesh as state records it: enough to refresh, update or delete it even
/// after its members left the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PairEntry {
    /// `pcx-...` (`None` = not known yet).
    pub id: Option<String>,
    /// The peering's status code.
    pub status: Option<String>,
    /// The requesting member (the first name of the key).
    pub requester: String,
    /// The accepting member.
    pub accepter: String,
    /// Each end's VPC, `aws_account` name, region and DNS option, requester first.
    pub ends: [End; 2],
    /// The routes through the peering that exist.
    pub routes: Option<Vec<RouteState>>,
}

/// One end of a [`PairEntry`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct End {
    /// `vpc-...`.
    pub vpc_id: Option<String>,
    /// The member's `account` (`None`: the default `aws {}` account).
    pub account: Option<String>,
    /// The VPC's region.
    pub region: Option<String>,
    /// `AllowDnsResolutionFromRemoteVpc` as set on this end.
    pub dns: Option<bool>,
}

fn opt_str(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Null, Value::String)
}

fn known(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl PairEntry {
    fn from_value(v: &Value) -> Option<Self> {
        if !v.is_wholly_known() || v.is_null() {
            return None;
        }
        let end = |vpc: &str, account: &str, region: &str, dns: &str| End {
            vpc_id: known(v.attr(vpc)),
            account: known(v.attr(account)),
            region: known(v.attr(region)),
            dns: v.attr(dns).as_bool(),
        };
        Some(PairEntry {
            id: known(v.attr(pair::ID)),
            status: known(v.attr(pair::STATUS)),
            requester: known(v.attr(pair::REQUESTER))?,
            accepter: known(v.attr(pair::ACCEPTER))?,
            ends: [
                end(
                    pair::REQUESTER_VPC_ID,
                    pair::REQUESTER_ACCOUNT,
                    pair::REQUESTER_REGION,
                    pair::REQUESTER_DNS_RESOLUTION,
                ),
                end(
                    pair::ACCEPTER_VPC_ID,
                    pair::ACCEPTER_ACCOUNT,
                    pair::ACCEPTER_REGION,
                    pair::ACCEPTER_DNS_RESOLUTION,
                ),
            ],
            routes: routes_from_value(v.attr(pair::ROUTES)),
        })
    }

    /// The value terraform stores.
    pub fn to_value(&self) -> Value {
        let [r, a] = &self.ends;
        let dns = |d: Option<bool>| d.map_or(Value::Null, Value::Bool);
        Value::object([
            (pair::ID, opt_str(&self.id)),
            (pair::STATUS, opt_str(&self.status)),
            (pair::REQUESTER, Value::string(&self.requester)),
            (pair::ACCEPTER, Value::string(&self.accepter)),
            (pair::REQUESTER_VPC_ID, opt_str(&r.vpc_id)),
            (pair::ACCEPTER_VPC_ID, opt_str(&a.vpc_id)),
            (pair::REQUESTER_ACCOUNT, opt_str(&r.account)),
            (pair::ACCEPTER_ACCOUNT, opt_str(&a.account)),
            (pair::REQUESTER_REGION, opt_str(&r.region)),
            (pair::ACCEPTER_REGION, opt_str(&a.region)),
            (pair::REQUESTER_DNS_RESOLUTION, dns(r.dns)),
            (pair::ACCEPTER_DNS_RESOLUTION, dns(a.dns)),
            (
                pair::ROUTES,
                self.routes
                    .as_ref()
                    .map_or(Value::Null, |r| routes_value(r)),
            ),
        ])
    }

    /// The entry of the peering `st` between members `requester` and `accepter`.
    pub fn from_pair(requester: &str, accepter: &str, st: &PairState) -> PairEntry {
        let end = |s: &SideState| End {
            vpc_id: s.vpc_id.clone(),
            account: s.account.clone(),
            region: s.region.clone(),
            dns: s.allow_dns,
        };
        PairEntry {
            id: st.id.clone(),
            status: st.status.clone(),
            requester: requester.to_string(),
            accepter: accepter.to_string(),
            ends: [end(&st.requester), end(&st.accepter)],
            routes: st.routes.clone(),
        }
    }

    /// The end on `side`.
    pub fn end(&self, side: Side) -> &End {
        match side {
            Side::Requester => &self.ends[0],
            Side::Accepter => &self.ends[1],
        }
    }
}

/// The whole resource.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshState {
    /// The mesh's id.
    pub id: Option<String>,
    /// The claim stamped on every peering (see `resources::claim`).
    pub claim: Option<String>,
    /// The members by name (`None` attributes: not known yet).
    pub members: BTreeMap<String, SideState>,
    /// The peerings by [`pair_key`] (`None`: not known yet).
    pub pairs: Option<BTreeMap<String, PairEntry>>,
    /// User tags.
    pub tags: Option<Tags>,
    /// The provider's `default_tags` merged with `tags`.
    pub tags_all: Option<Tags>,
    /// `max_active_peerings_per_vpc`.
    pub max_peerings: Option<i64>,
    /// `max_routes_per_route_table`.
    pub max_routes: Option<i64>,
    /// The `timeouts` block, kept as given.
    pub timeouts: Value,
    /// `check_reachability` (`warn`, `error` or `off`).
    pub check_reachability: String,
    /// The computed `reachability` map (member name to verdicts; empty until read).
    pub reachability: Value,
}

impl MeshState {
    /// Reads a plan or state value; unknown values become `None`.
    pub fn from_value(v: &Value) -> Self {
        let members = v
            .attr(names::MEMBER)
            .as_map()
            .map(|m| {
                m.iter()
                    .map(|(k, x)| (k.clone(), SideState::from_value(x)))
                    .collect()
            })
            .unwrap_or_default();
        let pairs = v.attr(names::PAIRS).as_map().map(|m| {
            m.iter()
                .filter_map(|(k, x)| Some((k.clone(), PairEntry::from_value(x)?)))
                .collect()
        });
        MeshState {
            id: known(v.attr(names::ID)),
            claim: known(v.attr(claim::ATTRIBUTE)).filter(|c| !c.is_empty()),
            members,
            pairs,
            tags: default_tags::tags_of(v.attr(names::TAGS)),
            tags_all: default_tags::tags_of(v.attr(names::TAGS_ALL)),
            max_peerings: v.attr(names::MAX_ACTIVE_PEERINGS_PER_VPC).as_i64(),
            max_routes: v.attr(names::MAX_ROUTES_PER_ROUTE_TABLE).as_i64(),
            timeouts: v.attr(timeouts::TIMEOUTS).clone(),
            check_reachability: known(v.attr(reachability::CHECK_REACHABILITY))
                .unwrap_or_else(|| DEFAULT_CHECK.to_string()),
            reachability: Some(v.attr(reachability::REACHABILITY))
                .filter(|r| r.is_wholly_known() && !r.is_null())
                .cloned()
                .unwrap_or_else(|| Value::Map(Default::default())),
        }
    }

    /// The value terraform stores: every attribute present, nothing unknown.
    pub fn to_value(&self) -> Value {
        let timeouts = if self.timeouts.is_wholly_known() {
            self.timeouts.clone()
        } else {
            Value::Null
        };
        let tags = |t: &Option<Tags>| t.as_ref().map_or(Value::Null, default_tags::tags_value);
        let int = |n: Option<i64>| n.map_or(Value::Null, Value::int);
        Value::object([
            (names::ID, opt_str(&self.id)),
            (claim::ATTRIBUTE, opt_str(&self.claim)),
            (names::TAGS, tags(&self.tags)),
            (names::TAGS_ALL, tags(&self.tags_all)),
            (names::MAX_ACTIVE_PEERINGS_PER_VPC, int(self.max_peerings)),
            (names::MAX_ROUTES_PER_ROUTE_TABLE, int(self.max_routes)),
            (
                names::PAIRS,
                Value::map(
                    self.pairs
                        .iter()
                        .flatten()
                        .map(|(k, p)| (k.clone(), p.to_value())),
                ),
            ),
            (
                names::MEMBER,
                Value::map(
                    self.members
                        .iter()
                        .map(|(k, m)| (k.clone(), m.to_value(Side::Accepter))),
                ),
            ),
            (timeouts::TIMEOUTS, timeouts),
            (
                reachability::CHECK_REACHABILITY,
                Value::string(&self.check_reachability),
            ),
            (reachability::REACHABILITY, self.reachability.clone()),
        ])
    }

    /// Every pair the members call for: `(key, requester, accepter)`, names sorted.
    pub fn wanted_pairs(&self) -> Vec<(String, String, String)> {
        let names: Vec<&String> = self.members.keys().collect();
        let mut out = Vec::new();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                out.push((pair_key(a, b), (*a).clone(), (*b).clone()));
            }
        }
        out
    }

    fn pair_base(&self) -> PairState {
        PairState {
            tags: self.tags.clone(),
            tags_all: self.tags_all.clone(),
            claim: self.claim.clone(),
            ..PairState::default()
        }
    }

    /// The pair of members `a` (requester) and `b` as the configuration wants it: both
    /// members' blocks, DNS options as configured, nothing created yet.
    pub fn wanted_pair(&self, a: &str, b: &str) -> PairState {
        let mut st = self.pair_base();
        st.requester = self.members.get(a).cloned().unwrap_or_default();
        st.accepter = self.members.get(b).cloned().unwrap_or_default();
        st
    }

    /// The live pair `entry` as the shared peering code sees it: its peering, routes and DNS
    /// options from the entry; its route tables and CIDR blocks from the members when both
    /// are still in this mesh, else the route tables its routes are in.
    pub fn live_pair(&self, entry: &PairEntry) -> PairState {
        let mut st = self.pair_base();
        st.id = entry.id.clone();
        st.status = entry.status.clone();
        st.routes = entry.routes.clone();
        for (side, name) in [
            (Side::Requester, &entry.requester),
            (Side::Accepter, &entry.accepter),
        ] {
            let end = entry.end(side);
            let member = self
                .members
                .get(name)
                .filter(|m| m.vpc_id == end.vpc_id && m.account == end.account);
            let s = st.side_mut(side);
            match member {
                Some(m) => *s = m.clone(),
                None => {
                    let mut tables: Vec<String> = entry
                        .routes
                        .iter()
                        .flatten()
                        .filter(|r| r.side == side)
                        .map(|r| r.route_table_id.clone())
                        .collect();
                    tables.dedup();
                    s.route_table_ids = Some(tables);
                    s.vpc_id = end.vpc_id.clone();
                    s.account = end.account.clone();
                }
            }
            s.region = end.region.clone();
            s.allow_dns = end.dns;
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_keys_sort_the_names_and_every_pair_is_listed_once() {
        assert_eq!(pair_key("b", "a"), "a:b");
        let mut st = MeshState::from_value(&Value::Null);
        for n in ["d", "a", "c", "b"] {
            st.members.insert(n.into(), SideState::default());
        }
        let keys: Vec<String> = st.wanted_pairs().into_iter().map(|(k, _, _)| k).collect();
        assert_eq!(keys, ["a:b", "a:c", "a:d", "b:c", "b:d", "c:d"]);
    }

    #[test]
    fn a_pair_whose_member_left_keeps_what_it_needs_to_be_deleted() {
        let st = MeshState::from_value(&Value::Null);
        let entry = PairEntry {
            id: Some("pcx-1".into()),
            requester: "gone".into(),
            accepter: "other".into(),
            ends: [
                End {
                    vpc_id: Some("vpc-1".into()),
                    account: Some("peer".into()),
                    region: Some("us-west-2".into()),
                    dns: Some(true),
                },
                End::default(),
            ],
            routes: Some(vec![RouteState {
                side: Side::Requester,
                route_table_id: "rtb-1".into(),
                destination: "10.2.0.0/16".into(),
            }]),
            ..PairEntry::default()
        };
        let live = st.live_pair(&entry);
        assert_eq!(
            live.requester.route_table_ids,
            Some(vec!["rtb-1".to_string()])
        );
        assert_eq!(live.requester.account.as_deref(), Some("peer"));
        assert_eq!(live.requester.region.as_deref(), Some("us-west-2"));
        let back = MeshState {
            pairs: Some([("gone:other".to_string(), entry.clone())].into()),
            ..st
        };
        let parsed = MeshState::from_value(&back.to_value());
        assert_eq!(parsed.pairs.unwrap()["gone:other"], entry);
    }
}
