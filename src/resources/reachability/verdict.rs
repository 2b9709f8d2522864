//! The reachability analysis, pure: from route tables, subnets and what a link routes to
//! (plain data, no calls), one [`Verdict`] per subnet and remote prefix saying whether the
//! subnet's traffic to that prefix takes this link, and if not, why.
//!
//! Both clouds choose a route the same way, so one judge serves both:
//! - longest prefix first (rule AWS-RTB-LPM; Azure: rule AZ-UDR-LPM);
//! - at equal length a static route (EC2 `CreateRoute`, an Azure user-defined route) wins
//!   over a propagated one (a VGW's routes; the Azure virtual network gateway's routes);
//! - a more specific route elsewhere inside a remote prefix takes that part of it away.
//!
//! Gateway and VGW propagation count as a route to each remote prefix when the table takes
//! them (the link's own routes), so the verdict holds at plan, before any tunnel is up.

use crate::cloud::aws::{Association, RouteTable, RouteTarget, Subnet};
use crate::cloud::azure::route_table::RouteTable as AzureRouteTable;
use crate::cloud::azure::virtual_network::VirtualNetwork;
use ipnet::Ipv4Net;

/// Which cloud the subnet is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// An EC2 subnet of a VPC.
    Aws,
    /// A subnet of an Azure virtual network.
    Azure,
}

impl Side {
    /// `aws` or `azure`, as the attribute spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Aws => "aws",
            Side::Azure => "azure",
        }
    }
}

/// Whether one subnet's traffic to one remote prefix takes the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The subnet's cloud.
    pub side: Side,
    /// `subnet-...` or the Azure subnet's ARM id.
    pub subnet_id: String,
    /// The route table deciding its traffic; empty for an Azure subnet without one.
    pub route_table_id: String,
    /// The remote prefix judged.
    pub prefix: String,
    /// Whether the traffic takes the link.
    pub reaches: bool,
    /// The route that carries it, or why it does not reach.
    pub reason: String,
}

/// The AWS end of one link: what it routes to and which prefixes are on the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsLink {
    /// The VPC whose subnets are judged.
    pub vpc_id: String,
    /// The VGW, transit gateway or peering connection the link's routes point at. At plan,
    /// before it exists, any id: only the routes the plan adds point at it.
    pub target: RouteTarget,
    /// The other side's prefixes.
    pub remote_prefixes: Vec<String>,
    /// Whether the link relies on route propagation from its VGW (BGP, or
    /// `route_propagation = true`): a table without it is named as the reason.
    pub propagation: bool,
}

impl AwsLink {
    /// `tables` as they will be once the link's own routes are in `route_table_ids` (at
    /// plan: what the configuration adds counts as present). Propagation enables the VGW on
    /// the table; static routing adds one route per remote prefix unless the destination
    /// already has a static route (which `CreateRoute` would refuse to replace).
    pub fn with_own_routes(
        &self,
        tables: &[RouteTable],
        route_table_ids: &[String],
    ) -> Vec<RouteTable> {
        let mut out = tables.to_vec();
        for t in out.iter_mut().filter(|t| route_table_ids.contains(&t.id)) {
            if self.propagation {
                if !t.propagating_vgws.iter().any(|g| g == self.target.id()) {
                    t.propagating_vgws.push(self.target.id().to_string());
                }
                continue;
            }
            for p in &self.remote_prefixes {
                let taken = t
                    .routes
                    .iter()
                    .any(|r| &r.destination == p && r.origin != PROPAGATED);
                if !taken {
                    t.routes.push(route_to(&self.target, p));
                }
            }
        }
        out
    }

    /// One verdict per subnet of the VPC and remote prefix, each subnet judged by its
    /// explicitly associated table, else the VPC's main table (rule AWS-RTB-MAIN). `subnets`
    /// and `tables` may hold other VPCs' too (one read serves many links).
    pub fn verdicts(&self, subnets: &[Subnet], tables: &[RouteTable]) -> Vec<Verdict> {
        let tables: Vec<&RouteTable> = tables.iter().filter(|t| t.vpc_id == self.vpc_id).collect();
        let has = |t: &RouteTable, f: &dyn Fn(&Association) -> bool| t.associations.iter().any(f);
        let main = tables.iter().find(|t| has(t, &|a| a.main));
        let mut out = Vec::new();
        for s in subnets.iter().filter(|s| s.vpc_id == self.vpc_id) {
            let explicit = tables
                .iter()
                .find(|t| has(t, &|a| a.subnet_id.as_deref() == Some(s.id.as_str())));
            let (table, how) = match (explicit, main) {
                (Some(t), _) => (*t, "its route table"),
                (None, Some(t)) => (*t, "the VPC's main route table"),
                (None, None) => {
                    out.extend(self.remote_prefixes.iter().map(|p| Verdict {
                        side: Side::Aws,
                        subnet_id: s.id.clone(),
                        route_table_id: String::new(),
                        prefix: p.clone(),
                        reaches: false,
                        reason: "no route table is associated with the subnet and the VPC has no main route table".into(),
                    }));
                    continue;
                }
            };
            for p in &self.remote_prefixes {
                let (reaches, reason) = self.judge_table(table, how, p);
                out.push(Verdict {
                    side: Side::Aws,
                    subnet_id: s.id.clone(),
                    route_table_id: table.id.clone(),
                    prefix: p.clone(),
                    reaches,
                    reason,
                });
            }
        }
        out
    }

    fn judge_table(&self, t: &RouteTable, how: &str, prefix: &str) -> (bool, String) {
        let mut routes: Vec<Candidate> = t
            .routes
            .iter()
            .filter_map(|r| {
                Some(Candidate {
                    net: r.destination.parse().ok()?,
                    ours: self.target.matches(r),
                    propagated: r.origin == PROPAGATED,
                    usable: r.state != "blackhole",
                    what: format!("route {} -> {}", r.destination, target_of(r)),
                })
            })
            .collect();
        let vgw = match &self.target {
            RouteTarget::VpnGateway(id) => Some(id.as_str()),
            _ => None,
        };
        let propagates = vgw.is_some_and(|g| t.propagating_vgws.iter().any(|p| p == g));
        if let (Some(g), true) = (vgw, propagates) {
            routes.extend(propagated(&self.remote_prefixes, |p| {
                format!("route {p} propagated from {g}")
            }));
        }
        let place = format!("{how} {}", t.id);
        let no_route = || match vgw {
            Some(g) if self.propagation && !propagates => format!(
                "{place} has no route to {prefix}, and route propagation from {g} is off on it"
            ),
            _ => format!("{place} has no route to {prefix}"),
        };
        judge(&routes, prefix, &place, no_route)
    }
}

/// The Azure end of one link: the other side's prefixes, which the virtual network
/// gateway routes (its local network gateways' prefixes, or what BGP learns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureLink {
    /// The other side's prefixes.
    pub remote_prefixes: Vec<String>,
}

/// The Azure subnet name that holds the gateway itself (never judged).
const GATEWAY_SUBNET: &str = "GatewaySubnet";

impl AzureLink {
    /// One verdict per subnet of `vnet` (but the GatewaySubnet) and remote prefix. A subnet
    /// without a route table reaches through the gateway's routes (rule AZ-GW-ROUTES); one
    /// with a table is judged by its user-defined routes and, unless the table disables
    /// gateway route propagation (rule AZ-UDR-PROPAGATION), the gateway's routes.
    pub fn verdicts(&self, vnet: &VirtualNetwork, tables: &[AzureRouteTable]) -> Vec<Verdict> {
        let mut out = Vec::new();
        for s in vnet
            .subnets
            .iter()
            .filter(|s| !s.name.eq_ignore_ascii_case(GATEWAY_SUBNET))
        {
            let table = s
                .route_table_id
                .as_ref()
                .and_then(|id| tables.iter().find(|t| t.id.eq_ignore_ascii_case(id)));
            for p in &self.remote_prefixes {
                let (reaches, reason) = match table {
                    None => (
                        true,
                        format!(
                            "no route table: the virtual network gateway's route to {p} applies"
                        ),
                    ),
                    Some(t) => self.judge_table(t, p),
                };
                out.push(Verdict {
                    side: Side::Azure,
                    subnet_id: s.id.clone(),
                    route_table_id: table.map(|t| t.id.clone()).unwrap_or_default(),
                    prefix: p.clone(),
                    reaches,
                    reason,
                });
            }
        }
        out
    }

    fn judge_table(&self, t: &AzureRouteTable, prefix: &str) -> (bool, String) {
        let mut routes: Vec<Candidate> = t
            .routes
            .iter()
            .filter_map(|r| {
                let hop = match &r.next_hop_ip_address {
                    Some(ip) => format!("{} {ip}", r.next_hop_type),
                    None => r.next_hop_type.clone(),
                };
                Some(Candidate {
                    net: r.address_prefix.parse().ok()?,
                    ours: r.next_hop_type == VIRTUAL_NETWORK_GATEWAY,
                    propagated: false,
                    usable: true,
                    what: format!("route {} ({} -> {hop})", r.name, r.address_prefix),
                })
            })
            .collect();
        if !t.disable_gateway_route_propagation {
            routes.extend(propagated(&self.remote_prefixes, |p| {
                format!("the virtual network gateway's route to {p}")
            }));
        }
        let place = format!("route table {}", t.name);
        let no_route = || {
            if t.disable_gateway_route_propagation {
                format!("{place} disables gateway route propagation (disableBgpRoutePropagation) and has no route to {prefix} with next hop {VIRTUAL_NETWORK_GATEWAY}")
            } else {
                format!("{place} has no route to {prefix}")
            }
        };
        judge(&routes, prefix, &place, no_route)
    }
}

/// The Azure next hop type of the virtual network gateway.
const VIRTUAL_NETWORK_GATEWAY: &str = "VirtualNetworkGateway";

/// EC2's origin of a route propagated from a VGW.
const PROPAGATED: &str = "EnableVgwRoutePropagation";

/// One route as the judge sees it.
struct Candidate {
    net: Ipv4Net,
    /// Whether it sends traffic to this link.
    ours: bool,
    /// Propagated (loses to a static route of the same prefix).
    propagated: bool,
    /// `false` for an EC2 blackhole (its target is gone: traffic is dropped).
    usable: bool,
    /// How a message names it.
    what: String,
}

/// A propagated route to this link for each of `prefixes`, named by `what`.
fn propagated<'a>(
    prefixes: &'a [String],
    what: impl Fn(&str) -> String + 'a,
) -> impl Iterator<Item = Candidate> + 'a {
    prefixes.iter().filter_map(move |p| {
        Some(Candidate {
            net: p.parse().ok()?,
            ours: true,
            propagated: true,
            usable: true,
            what: what(p),
        })
    })
}

/// The verdict for `prefix` in one table: the longest covering route (static before
/// propagated) must be ours and usable, and no more specific route inside the prefix may
/// go elsewhere.
fn judge(
    routes: &[Candidate],
    prefix: &str,
    place: &str,
    no_route: impl Fn() -> String,
) -> (bool, String) {
    let Ok(p) = prefix.parse::<Ipv4Net>() else {
        return (false, format!("{prefix} is not an IPv4 prefix"));
    };
    let best = routes
        .iter()
        .filter(|c| c.net.contains(&p))
        .max_by_key(|c| (c.net.prefix_len(), !c.propagated));
    let Some(best) = best else {
        return (false, no_route());
    };
    if !best.ours {
        return (
            false,
            format!("{place}: {} takes {prefix} elsewhere", best.what),
        );
    }
    if !best.usable {
        return (
            false,
            format!(
                "{place}: {} is a blackhole (its target is not available)",
                best.what
            ),
        );
    }
    let elsewhere = routes
        .iter()
        .filter(|c| !c.ours && c.net.prefix_len() > p.prefix_len() && p.contains(&c.net))
        .max_by_key(|c| c.net.prefix_len());
    match elsewhere {
        Some(m) => (
            false,
            format!(
                "{place}: the more specific {} takes part of {prefix} elsewhere",
                m.what
            ),
        ),
        None => (true, format!("{place}: {}", best.what)),
    }
}

/// The target an EC2 route names.
fn target_of(r: &crate::cloud::aws::Route) -> String {
    r.gateway_id
        .as_deref()
        .or(r.vpc_peering_connection_id.as_deref())
        .or(r.transit_gateway_id.as_deref())
        .or(r.other_target.as_deref())
        .unwrap_or("another target")
        .to_string()
}

/// The static route a link adds to `prefix`.
fn route_to(target: &RouteTarget, prefix: &str) -> crate::cloud::aws::Route {
    let mut r = crate::cloud::aws::Route {
        destination: prefix.to_string(),
        origin: "CreateRoute".into(),
        state: "active".into(),
        ..Default::default()
    };
    match target {
        RouteTarget::VpnGateway(id) => r.gateway_id = Some(id.clone()),
        RouteTarget::VpcPeering(id) => r.vpc_peering_connection_id = Some(id.clone()),
        RouteTarget::TransitGateway(id) => r.transit_gateway_id = Some(id.clone()),
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::aws::Route;
    use crate::cloud::azure::route_table::Route as Udr;
    use crate::cloud::azure::virtual_network::Subnet as AzureSubnet;

    const VGW: &str = "vgw-link";

    fn link(propagation: bool) -> AwsLink {
        AwsLink {
            vpc_id: "vpc-1".into(),
            target: RouteTarget::VpnGateway(VGW.into()),
            remote_prefixes: vec!["10.1.0.0/16".into()],
            propagation,
        }
    }

    fn route(dest: &str, gw: &str) -> Route {
        Route {
            destination: dest.into(),
            gateway_id: Some(gw.into()),
            origin: "CreateRoute".into(),
            state: "active".into(),
            ..Route::default()
        }
    }

    fn table(id: &str, main: bool, subnets: &[&str], routes: Vec<Route>) -> RouteTable {
        let mut associations: Vec<Association> = subnets
            .iter()
            .map(|s| Association {
                subnet_id: Some(s.to_string()),
                main: false,
            })
            .collect();
        if main {
            associations.push(Association {
                subnet_id: None,
                main: true,
            });
        }
        RouteTable {
            id: id.into(),
            vpc_id: "vpc-1".into(),
            routes,
            associations,
            ..RouteTable::default()
        }
    }

    fn subnets(ids: &[&str]) -> Vec<Subnet> {
        ids.iter()
            .map(|i| Subnet {
                id: i.to_string(),
                vpc_id: "vpc-1".into(),
                cidr_block: "10.0.0.0/24".into(),
            })
            .collect()
    }

    fn only(v: Vec<Verdict>) -> Verdict {
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn a_subnet_without_association_is_judged_by_the_main_table() {
        let tables = vec![
            table("rtb-main", true, &[], vec![]),
            table(
                "rtb-app",
                false,
                &["subnet-b"],
                vec![route("10.1.0.0/16", VGW)],
            ),
        ];
        let v = link(false).verdicts(&subnets(&["subnet-a", "subnet-b"]), &tables);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].subnet_id, "subnet-a");
        assert_eq!(v[0].route_table_id, "rtb-main");
        assert!(!v[0].reaches);
        assert!(
            v[0].reason
                .contains("the VPC's main route table rtb-main has no route to 10.1.0.0/16"),
            "{}",
            v[0].reason
        );
        assert_eq!(v[1].route_table_id, "rtb-app");
        assert!(v[1].reaches, "{}", v[1].reason);
        assert!(v[1].reason.contains("route 10.1.0.0/16 -> vgw-link"));
    }

    #[test]
    fn the_longest_prefix_wins_and_another_target_is_named() {
        let t = table(
            "rtb-1",
            true,
            &[],
            vec![route("10.0.0.0/8", VGW), route("10.1.0.0/16", "igw-9")],
        );
        let v = only(link(false).verdicts(&subnets(&["subnet-a"]), &[t]));
        assert!(!v.reaches);
        assert!(
            v.reason
                .contains("route 10.1.0.0/16 -> igw-9 takes 10.1.0.0/16 elsewhere"),
            "{}",
            v.reason
        );
        // A covering shorter route to the link reaches when nothing longer competes.
        let t = table(
            "rtb-1",
            true,
            &[],
            vec![route("10.0.0.0/8", VGW), route("0.0.0.0/0", "igw-9")],
        );
        assert!(only(link(false).verdicts(&subnets(&["subnet-a"]), &[t])).reaches);
    }

    #[test]
    fn a_more_specific_route_elsewhere_takes_part_of_the_prefix() {
        let mut pcx = route("10.1.2.0/24", "");
        pcx.gateway_id = None;
        pcx.vpc_peering_connection_id = Some("pcx-7".into());
        let t = table("rtb-1", true, &[], vec![route("10.1.0.0/16", VGW), pcx]);
        let v = only(link(false).verdicts(&subnets(&["subnet-a"]), &[t]));
        assert!(!v.reaches);
        assert!(
            v.reason.contains(
                "more specific route 10.1.2.0/24 -> pcx-7 takes part of 10.1.0.0/16 elsewhere"
            ),
            "{}",
            v.reason
        );
    }

    #[test]
    fn propagation_off_on_the_subnets_table_is_the_reason() {
        let mut on = table("rtb-on", false, &["subnet-b"], vec![]);
        on.propagating_vgws = vec![VGW.into()];
        let off = table("rtb-off", true, &[], vec![]);
        let v = link(true).verdicts(&subnets(&["subnet-a", "subnet-b"]), &[off, on]);
        assert!(!v[0].reaches);
        assert!(
            v[0].reason
                .contains("route propagation from vgw-link is off on it"),
            "{}",
            v[0].reason
        );
        assert!(v[1].reaches);
        assert!(
            v[1].reason.contains("propagated from vgw-link"),
            "{}",
            v[1].reason
        );
    }

    #[test]
    fn a_static_route_beats_a_propagated_one_of_the_same_prefix() {
        let mut t = table("rtb-1", true, &[], vec![route("10.1.0.0/16", "igw-9")]);
        t.propagating_vgws = vec![VGW.into()];
        let v = only(link(true).verdicts(&subnets(&["subnet-a"]), &[t]));
        assert!(!v.reaches);
        assert!(v.reason.contains("igw-9"), "{}", v.reason);
    }

    #[test]
    fn a_blackhole_route_to_the_link_does_not_reach() {
        let mut r = route("10.1.0.0/16", VGW);
        r.state = "blackhole".into();
        let v = only(link(false).verdicts(
            &subnets(&["subnet-a"]),
            &[table("rtb-1", true, &[], vec![r])],
        ));
        assert!(!v.reaches);
        assert!(v.reason.contains("blackhole"));
    }

    #[test]
    fn the_plan_counts_the_links_own_routes_in_its_tables() {
        let tables = vec![table("rtb-main", true, &[], vec![])];
        let l = link(false);
        let planned = l.with_own_routes(&tables, &["rtb-main".to_string()]);
        assert!(only(l.verdicts(&subnets(&["subnet-a"]), &planned)).reaches);
        let untouched = l.with_own_routes(&tables, &["rtb-other".to_string()]);
        assert!(!only(l.verdicts(&subnets(&["subnet-a"]), &untouched)).reaches);
        let l = link(true);
        let planned = l.with_own_routes(&tables, &["rtb-main".to_string()]);
        assert!(only(l.verdicts(&subnets(&["subnet-a"]), &planned)).reaches);
        // A static route of the user's to another target stays and wins.
        let taken = vec![table(
            "rtb-main",
            true,
            &[],
            vec![route("10.1.0.0/16", "igw-9")],
        )];
        let l = link(false);
        let planned = l.with_own_routes(&taken, &["rtb-main".to_string()]);
        assert!(!only(l.verdicts(&subnets(&["subnet-a"]), &planned)).reaches);
    }

    #[test]
    fn only_the_links_vpc_is_judged() {
        let mut other = subnets(&["subnet-x"]);
        other[0].vpc_id = "vpc-2".into();
        assert!(link(false)
            .verdicts(&other, &[table("rtb-1", true, &[], vec![])])
            .is_empty());
    }

    fn vnet(subnets: &[(&str, Option<&str>)]) -> VirtualNetwork {
        VirtualNetwork {
            id: "/vnet".into(),
            name: "hub".into(),
            location: "westeurope".into(),
            address_space: vec!["10.1.0.0/16".into()],
            subnets: subnets
                .iter()
                .map(|(n, t)| AzureSubnet {
                    id: format!("/vnet/subnets/{n}"),
                    name: n.to_string(),
                    prefix: None,
                    used_by: vec![],
                    provisioning_state: "Succeeded".into(),
                    route_table_id: t.map(str::to_string),
                })
                .collect(),
            provisioning_state: "Succeeded".into(),
        }
    }

    fn udr(name: &str, prefix: &str, hop: &str) -> Udr {
        Udr {
            name: name.into(),
            address_prefix: prefix.into(),
            next_hop_type: hop.into(),
            next_hop_ip_address: (hop == "VirtualAppliance").then(|| "10.1.9.4".to_string()),
        }
    }

    fn azure() -> AzureLink {
        AzureLink {
            remote_prefixes: vec!["10.0.0.0/16".into()],
        }
    }

    #[test]
    fn azure_subnets_without_a_table_reach_and_the_gateway_subnet_is_skipped() {
        let v = only(azure().verdicts(&vnet(&[("GatewaySubnet", None), ("app", None)]), &[]));
        assert_eq!(v.side, Side::Azure);
        assert!(v.reaches);
        assert_eq!(v.route_table_id, "");
    }

    #[test]
    fn an_azure_udr_to_an_appliance_takes_the_prefix_elsewhere() {
        let t = AzureRouteTable {
            id: "/rt/fw".into(),
            name: "fw".into(),
            routes: vec![udr("to-aws", "10.0.0.0/16", "VirtualAppliance")],
            disable_gateway_route_propagation: false,
        };
        let v = only(azure().verdicts(&vnet(&[("app", Some("/RT/FW"))]), &[t]));
        assert!(!v.reaches);
        assert_eq!(v.route_table_id, "/rt/fw");
        assert!(
            v.reason.contains(
                "route table fw: route to-aws (10.0.0.0/16 -> VirtualAppliance 10.1.9.4)"
            ),
            "{}",
            v.reason
        );
    }

    #[test]
    fn an_azure_default_route_loses_to_the_gateways_longer_route() {
        let t = AzureRouteTable {
            id: "/rt/fw".into(),
            name: "fw".into(),
            routes: vec![udr("default", "0.0.0.0/0", "VirtualAppliance")],
            disable_gateway_route_propagation: false,
        };
        assert!(
            only(azure().verdicts(&vnet(&[("app", Some("/rt/fw"))]), std::slice::from_ref(&t)))
                .reaches
        );
        let off = AzureRouteTable {
            disable_gateway_route_propagation: true,
            ..t
        };
        let v = only(azure().verdicts(&vnet(&[("app", Some("/rt/fw"))]), &[off]));
        assert!(!v.reaches);
        assert!(v.reason.contains("0.0.0.0/0"), "{}", v.reason);
    }

    #[test]
    fn azure_propagation_disabled_needs_a_udr_to_the_gateway() {
        let mut t = AzureRouteTable {
            id: "/rt/spoke".into(),
            name: "spoke".into(),
            routes: vec![],
            disable_gateway_route_propagation: true,
        };
        let v = only(azure().verdicts(
            &vnet(&[("app", Some("/rt/spoke"))]),
            std::slice::from_ref(&t),
        ));
        assert!(!v.reaches);
        assert!(
            v.reason.contains("disables gateway route propagation"),
            "{}",
            v.reason
        );
        t.routes
            .push(udr("to-aws", "10.0.0.0/16", "VirtualNetworkGateway"));
        assert!(only(azure().verdicts(&vnet(&[("app", Some("/rt/spoke"))]), &[t])).reaches);
    }
}
