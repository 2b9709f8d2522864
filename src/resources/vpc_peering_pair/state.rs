//! The resource's value as typed Rust: parse a plan or state into [`PairState`], fill in what
//! the clouds say, and turn it back into a [`Value`] with every attribute present and no
//! unknowns (an unknown becomes `None`, written back as null).

use super::names;
use crate::cloud::aws::Tags;
use crate::resources::{claim, default_tags, timeouts};
use crate::tf::Value;

/// Which end of the peering something belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The VPC that requests the peering (the provider's default `aws {}` account).
    Requester,
    /// The VPC that accepts it (optionally another account and region).
    Accepter,
}

impl Side {
    /// The name used in the schema and in `routes[*].side`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Requester => "requester",
            Side::Accepter => "accepter",
        }
    }

    /// The other end.
    pub fn other(self) -> Side {
        match self {
            Side::Requester => Side::Accepter,
            Side::Accepter => Side::Requester,
        }
    }

    fn parse(s: &str) -> Option<Side> {
        match s {
            "requester" => Some(Side::Requester),
            "accepter" => Some(Side::Accepter),
            _ => None,
        }
    }
}

/// One `requester {}` or `accepter {}` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideState {
    /// `vpc-...`.
    pub vpc_id: Option<String>,
    /// Route tables of this side that get routes to the other VPC (`None` = not set).
    pub route_table_ids: Option<Vec<String>>,
    /// `AllowDnsResolutionFromRemoteVpc` on this side.
    pub allow_dns: Option<bool>,
    /// Accepter only: the `aws_account` block whose credentials act for this side.
    pub account: Option<String>,
    /// The VPC's region.
    pub region: Option<String>,
    /// The VPC's owner account id.
    pub owner_id: Option<String>,
    /// Every associated IPv4 CIDR block of the VPC.
    pub cidr_blocks: Option<Vec<String>>,
}

/// One route this resource manages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteState {
    /// The side owning the route table.
    pub side: Side,
    /// `rtb-...`.
    pub route_table_id: String,
    /// A CIDR block of the other VPC.
    pub destination: String,
}

/// The whole resource.
#[derive(Debug, Clone, PartialEq)]
pub struct PairState {
    /// `pcx-...`.
    pub id: Option<String>,
    /// The peering's status code.
    pub status: Option<String>,
    /// The requesting side.
    pub requester: SideState,
    /// The accepting side.
    pub accepter: SideState,
    /// User tags (applied on both sides).
    pub tags: Option<Tags>,
    /// The provider's `default_tags` merged with `tags`: what the peering carries besides
    /// the ownership tags (`None` = not known yet, or a state written before `tags_all`).
    pub tags_all: Option<Tags>,
    /// The routes that exist (`None` = not known yet).
    pub routes: Option<Vec<RouteState>>,
    /// The `timeouts` block, kept as given.
    pub timeouts: Value,
    /// The claim of the state that owns the peering (see `resources::claim`); `None` in a
    /// state written before claims existed.
    pub claim: Option<String>,
}

fn known_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn known_strings(v: &Value) -> Option<Vec<String>> {
    let l = v.as_list()?;
    if l.iter().any(|x| x.as_str().is_none()) {
        return None;
    }
    Some(
        l.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
    )
}

fn opt_str(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Null, Value::String)
}

impl SideState {
    /// Reads one side block (a mesh's `member` block has the same attributes).
    pub fn from_value(v: &Value) -> Self {
        SideState {
            vpc_id: known_str(v.attr(names::side::VPC_ID)),
            route_table_ids: known_strings(v.attr(names::side::ROUTE_TABLE_IDS)),
            allow_dns: v
                .attr(names::side::ALLOW_REMOTE_VPC_DNS_RESOLUTION)
                .as_bool(),
            account: known_str(v.attr(names::side::ACCOUNT)),
            region: known_str(v.attr(names::side::REGION)),
            owner_id: known_str(v.attr(names::side::OWNER_ID)),
            cidr_blocks: known_strings(v.attr(names::side::CIDR_BLOCKS)),
        }
    }

    /// The block's value; only the accepter's (and a mesh member's) carries `account`.
    pub fn to_value(&self, side: Side) -> Value {
        let mut v = Value::object([
            ("vpc_id", opt_str(&self.vpc_id)),
            (
                "route_table_ids",
                self.route_table_ids.as_ref().map_or(Value::Null, |l| {
                    Value::Set(l.iter().cloned().map(Value::String).collect())
                }),
            ),
            (
                "allow_remote_vpc_dns_resolution",
                Value::Bool(self.allow_dns.unwrap_or(false)),
            ),
            ("region", opt_str(&self.region)),
            ("owner_id", opt_str(&self.owner_id)),
            (
                "cidr_blocks",
                self.cidr_blocks
                    .as_ref()
                    .map_or(Value::Null, |l| Value::string_list(l.clone())),
            ),
        ]);
        if side == Side::Accepter {
            v.set_attr(names::side::ACCOUNT, opt_str(&self.account));
        }
        v
    }

    /// The route tables listed for this side (none when unset).
    pub fn tables(&self) -> &[String] {
        self.route_table_ids.as_deref().unwrap_or(&[])
    }
}

impl Default for PairState {
    fn default() -> Self {
        PairState {
            id: None,
            status: None,
            requester: SideState::default(),
            accepter: SideState::default(),
            tags: None,
            tags_all: None,
            routes: None,
            timeouts: Value::Null,
            claim: None,
        }
    }
}

impl PairState {
    /// Reads a plan or state value; unknown values become `None`.
    pub fn from_value(v: &Value) -> Self {
        let tags = v.attr(names::TAGS).as_map().map(|m| {
            m.iter()
                .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        });
        let routes = routes_from_value(v.attr(names::ROUTES));
        PairState {
            id: known_str(v.attr(names::ID)),
            status: known_str(v.attr(names::STATUS)),
            requester: SideState::from_value(v.attr(names::REQUESTER)),
            accepter: SideState::from_value(v.attr(names::ACCEPTER)),
            tags,
            tags_all: default_tags::tags_of(v.attr(names::TAGS_ALL)),
            routes,
            timeouts: v.attr(timeouts::TIMEOUTS).clone(),
            claim: known_str(v.attr(claim::ATTRIBUTE)).filter(|c| !c.is_empty()),
        }
    }

    /// The value terraform stores: every attribute present, nothing unknown.
    pub fn to_value(&self) -> Value {
        let timeouts = if self.timeouts.is_wholly_known() {
            self.timeouts.clone()
        } else {
            Value::Null
        };
        Value::object([
            ("id", opt_str(&self.id)),
            ("status", opt_str(&self.status)),
            ("requester", self.requester.to_value(Side::Requester)),
            ("accepter", self.accepter.to_value(Side::Accepter)),
            (
                "tags",
                self.tags.as_ref().map_or(Value::Null, |t| {
                    Value::map(t.iter().map(|(k, v)| (k.clone(), Value::string(v))))
                }),
            ),
            (
                "tags_all",
                self.tags_all
                    .as_ref()
                    .map_or(Value::Null, default_tags::tags_value),
            ),
            (
                "routes",
                self.routes
                    .as_ref()
                    .map_or(Value::Null, |r| routes_value(r)),
            ),
            (timeouts::TIMEOUTS, timeouts),
            (claim::ATTRIBUTE, opt_str(&self.claim)),
        ])
    }

    /// The tags the peering carries besides the ownership tags: `tags_all`, or `tags` when
    /// that is not known.
    pub fn merged_tags(&self) -> Tags {
        self.tags_all
            .clone()
            .or_else(|| self.tags.clone())
            .unwrap_or_default()
    }

    /// One side's block.
    pub fn side(&self, side: Side) -> &SideState {
        match side {
            Side::Requester => &self.requester,
            Side::Accepter => &self.accepter,
        }
    }

    /// One side's block, mutable.
    pub fn side_mut(&mut self, side: Side) -> &mut SideState {
        match side {
            Side::Requester => &mut self.requester,
            Side::Accepter => &mut self.accepter,
        }
    }

    /// The routes the configuration asks for: every listed route table of each side, to
    /// every CIDR block of the other VPC. `None` while route tables or CIDR blocks are unknown.
    pub fn desired_routes(&self) -> Option<Vec<RouteState>> {
        let mut out = Vec::new();
        for side in [Side::Requester, Side::Accepter] {
            let tables = self.side(side).tables();
            if tables.is_empty() {
                continue;
            }
            let cidrs = self.side(side.other()).cidr_blocks.as_ref()?;
            for t in tables {
                for c in cidrs {
                    out.push(RouteState {
                        side,
                        route_table_id: t.clone(),
                        destination: c.clone(),
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        Some(out)
    }
}

/// Reads a `routes` list value (`None` when unknown or null).
pub fn routes_from_value(v: &Value) -> Option<Vec<RouteState>> {
    v.as_list().map(|l| {
        l.iter()
            .filter_map(|r| {
                Some(RouteState {
                    side: Side::parse(r.attr(names::route::SIDE).as_str()?)?,
                    route_table_id: known_str(r.attr(names::route::ROUTE_TABLE_ID))?,
                    destination: known_str(r.attr(names::route::DESTINATION_CIDR_BLOCK))?,
                })
            })
            .collect()
    })
}

/// The `routes` list value, sorted so plans and state compare equal.
pub fn routes_value(routes: &[RouteState]) -> Value {
    let mut routes = routes.to_vec();
    routes.sort();
    routes.dedup();
    Value::list(routes.into_iter().map(|r| {
        Value::object([
            ("side", Value::string(r.side.as_str())),
            ("route_table_id", Value::string(r.route_table_id)),
            ("destination_cidr_block", Value::string(r.destination)),
        ])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_routes_cross_every_table_with_every_remote_block() {
        let mut s = PairState::default();
        s.requester.route_table_ids = Some(vec!["rtb-a".into()]);
        s.requester.cidr_blocks = Some(vec!["10.0.0.0/16".into(), "10.1.0.0/16".into()]);
        s.accepter.route_table_ids = Some(vec!["rtb-b".into()]);
        s.accepter.cidr_blocks = Some(vec!["10.2.0.0/16".into(), "10.3.0.0/16".into()]);
        let r = s.desired_routes().unwrap();
        assert_eq!(r.len(), 4);
        assert!(r.iter().any(|x| x.side == Side::Accepter
            && x.route_table_id == "rtb-b"
            && x.destination == "10.1.0.0/16"));
        let back = PairState::from_value(&s.to_value());
        assert_eq!(back.requester.route_table_ids, s.requester.route_table_ids);
    }
}
