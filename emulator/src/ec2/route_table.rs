//! Route tables: the main table of each VPC, subnet associations, static routes to
//! VGW/IGW/peering/TGW targets and routes propagated from a VGW.

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::vpc::parse_cidr;
use super::xml::Xml;
use super::{Ctx, State};
use serde_json::{json, Value};

/// A route added with `CreateRoute` (local and propagated routes are derived on read).
#[derive(Debug, Clone, Default)]
pub struct Route {
    /// Destination.
    pub dest: String,
    /// `vgw-...`, `igw-...` or `local`.
    pub gateway_id: Option<String>,
    /// `pcx-...`.
    pub pcx_id: Option<String>,
    /// `tgw-...`.
    pub tgw_id: Option<String>,
}

/// A subnet (or main) association.
#[derive(Debug, Clone)]
pub struct Association {
    /// `rtbassoc-...`.
    pub id: String,
    /// The subnet, absent for the main association.
    pub subnet_id: Option<String>,
    /// Whether this is the VPC's main association.
    pub main: bool,
}

/// A route table.
#[derive(Debug, Clone)]
pub struct RouteTable {
    /// `rtb-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Owning account.
    pub owner: String,
    /// Whether this is the VPC's main table.
    pub main: bool,
    /// Routes from `CreateRoute`/`ReplaceRoute`.
    pub routes: Vec<Route>,
    /// Associations.
    pub associations: Vec<Association>,
    /// VGWs propagating into this table.
    pub propagating: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// A route as Describe shows it, with origin and state.
#[derive(Debug, Clone)]
pub struct RouteView {
    /// Destination.
    pub dest: String,
    /// Gateway target (`local`, `vgw-`, `igw-`).
    pub gateway_id: Option<String>,
    /// Peering target.
    pub pcx_id: Option<String>,
    /// Transit gateway target.
    pub tgw_id: Option<String>,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`.
    pub origin: &'static str,
    /// `active` or `blackhole`.
    pub state: &'static str,
}

impl RouteTable {
    /// Every route: local (one per VPC block), created, then propagated. A route to a
    /// peering that is not active, or to a deleted gateway, is a `blackhole` (VPC user guide,
    /// "Route table concepts": "blackhole ... the route's target isn't available").
    pub fn views(&self, st: &State, account: &str, region: &str, now: u64) -> Vec<RouteView> {
        let mut out = Vec::new();
        let Some(r) = st.region_ref(account, region) else {
            return out;
        };
        if let Some(vpc) = r.vpcs.get(&self.vpc_id) {
            for c in vpc.cidr_strings() {
                out.push(RouteView {
                    dest: c,
                    gateway_id: Some("local".into()),
                    pcx_id: None,
                    tgw_id: None,
                    origin: "CreateRouteTable",
                    state: "active",
                });
            }
        }
        for rt in &self.routes {
            let alive = if let Some(p) = &rt.pcx_id {
                st.peerings
                    .get(p)
                    .is_some_and(|p| p.status(now) == "active")
            } else if let Some(g) = rt.gateway_id.as_deref().filter(|g| g.starts_with("vgw-")) {
                r.vpn_gateways
                    .get(g)
                    .is_some_and(|g| g.phase.get(now) != "deleted")
            } else if let Some(t) = &rt.tgw_id {
                r.transit_gateways
                    .get(t)
                    .is_some_and(|t| t.phase.get(now) == "available")
            } else {
                true
            };
            out.push(RouteView {
                dest: rt.dest.clone(),
                gateway_id: rt.gateway_id.clone(),
                pcx_id: rt.pcx_id.clone(),
                tgw_id: rt.tgw_id.clone(),
                origin: "CreateRoute",
                state: if alive { "active" } else { "blackhole" },
            });
        }
        // Propagation: the static routes of available VPN connections on a VGW attached to
        // this VPC appear with origin EnableVgwRoutePropagation (VPN user guide, "Route
        // propagation in your route table").
        for vgw_id in &self.propagating {
            let Some(vgw) = r.vpn_gateways.get(vgw_id) else {
                continue;
            };
            if vgw.attached_vpc(now).as_deref() != Some(self.vpc_id.as_str()) {
                continue;
            }
            for c in r.vpn_connections.values() {
                if c.vpn_gateway_id.as_deref() != Some(vgw_id.as_str())
                    || c.phase.get(now) != "available"
                {
                    continue;
                }
                for route in &c.routes {
                    if out.iter().any(|o| o.dest == *route) {
                        continue;
                    }
                    out.push(RouteView {
                        dest: route.clone(),
                        gateway_id: Some(vgw_id.clone()),
                        pcx_id: None,
                        tgw_id: None,
                        origin: "EnableVgwRoutePropagation",
                        state: "active",
                    });
                }
            }
        }
        out
    }

    fn write(&self, x: &mut Xml, st: &State, account: &str, region: &str, now: u64) {
        x.leaf("routeTableId", &self.id)
            .leaf("vpcId", &self.vpc_id)
            .leaf("ownerId", &self.owner);
        x.list("routeSet", self.views(st, account, region, now), |x, r| {
            x.leaf("destinationCidrBlock", &r.dest)
                .opt("gatewayId", r.gateway_id.as_ref())
                .opt("transitGatewayId", r.tgw_id.as_ref())
                .opt("vpcPeeringConnectionId", r.pcx_id.as_ref())
                .leaf("state", r.state)
                .leaf("origin", r.origin);
        });
        x.list("associationSet", &self.associations, |x, a| {
            x.leaf("main", a.main)
                .leaf("routeTableAssociationId", &a.id)
                .leaf("routeTableId", &self.id)
                .opt("subnetId", a.subnet_id.as_ref())
                .nest("associationState", |x| {
                    x.leaf("state", "associated");
                });
        });
        x.list("propagatingVgwSet", &self.propagating, |x, g| {
            x.leaf("gatewayId", g);
        });
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self, st: &State, account: &str, region: &str, now: u64) -> Value {
        let routes: Vec<Value> = self
            .views(st, account, region, now)
            .into_iter()
            .map(|r| {
                json!({
                    "destination_cidr_block": r.dest, "gateway_id": r.gateway_id,
                    "vpc_peering_connection_id": r.pcx_id, "transit_gateway_id": r.tgw_id,
                    "origin": r.origin, "state": r.state,
                })
            })
            .collect();
        json!({
            "id": self.id, "vpc_id": self.vpc_id, "main": self.main, "routes": routes,
            "propagating_vgws": self.propagating,
            "associations": self.associations.iter().map(|a| json!({"id": a.id, "subnet_id": a.subnet_id, "main": a.main})).collect::<Vec<_>>(),
            "tags": tags::json(&self.tags),
        })
    }
}

/// Creates a route table in `vpc_id` (which must exist); returns its id.
pub fn insert(
    st: &mut State,
    account: &str,
    region: &str,
    vpc_id: &str,
    main: bool,
    tags: Tags,
) -> String {
    let id = st.id("rtb");
    let associations = if main {
        vec![Association {
            id: st.id("rtbassoc"),
            subnet_id: None,
            main: true,
        }]
    } else {
        vec![]
    };
    let t = RouteTable {
        id: id.clone(),
        vpc_id: vpc_id.to_string(),
        owner: account.to_string(),
        main,
        routes: vec![],
        associations,
        propagating: vec![],
        tags,
    };
    st.region(account, region)
        .route_tables
        .insert(id.clone(), t);
    id
}

fn find<'a>(st: &'a mut State, cx: &Ctx, id: &str) -> R<&'a mut RouteTable> {
    st.region(cx.account(), cx.region_name())
        .route_tables
        .get_mut(id)
        .ok_or_else(|| Ec2Error::not_found("InvalidRouteTableID", "routeTable", id))
}

fn ok() -> R<Xml> {
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

/// `CreateRouteTable`.
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let vpc_id = cx.q.req("VpcId")?.to_string();
    let tags = cx.q.tag_specs("route-table")?;
    super::vpc::find(st, cx, &vpc_id)?;
    let id = insert(st, cx.account(), cx.region_name(), &vpc_id, false, tags);
    let t = st.region(cx.account(), cx.region_name()).route_tables[&id].clone();
    let mut x = Xml::new();
    x.nest("routeTable", |x| {
        t.write(x, st, cx.account(), cx.region_name(), cx.now)
    });
    Ok(x)
}

/// `DescribeRouteTables` with filters and paging (MaxResults 5..100).
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("RouteTableId");
    let filters = cx.q.filters();
    st.region(cx.account(), cx.region_name());
    let r = st.region_ref(cx.account(), cx.region_name()).unwrap();
    for id in &ids {
        if !r.route_tables.contains_key(id) {
            return Err(Ec2Error::not_found("InvalidRouteTableID", "routeTable", id));
        }
    }
    let mut out = Vec::new();
    for t in r.route_tables.values() {
        if !ids.is_empty() && !ids.contains(&t.id) {
            continue;
        }
        // The route views (propagated routes included) are computed only for a `route.*`
        // filter: a listing by VPC or id must not pay for every table of the region.
        let views = std::cell::OnceCell::new();
        let views = || views.get_or_init(|| t.views(st, cx.account(), cx.region_name(), cx.now));
        let ok = query::matches(&filters, &t.tags, |name| match name {
            "route-table-id" => Some(vec![t.id.clone()]),
            "vpc-id" => Some(vec![t.vpc_id.clone()]),
            "owner-id" => Some(vec![t.owner.clone()]),
            "association.main" => Some(t.associations.iter().map(|a| a.main.to_string()).collect()),
            "association.subnet-id" => Some(
                t.associations
                    .iter()
                    .filter_map(|a| a.subnet_id.clone())
                    .collect(),
            ),
            "association.route-table-association-id" => {
                Some(t.associations.iter().map(|a| a.id.clone()).collect())
            }
            "association.route-table-id" => {
                Some(t.associations.iter().map(|_| t.id.clone()).collect())
            }
            "route.destination-cidr-block" => {
                Some(views().iter().map(|v| v.dest.clone()).collect())
            }
            "route.gateway-id" => Some(
                views()
                    .iter()
                    .filter_map(|v| v.gateway_id.clone())
                    .collect(),
            ),
            "route.vpc-peering-connection-id" => {
                Some(views().iter().filter_map(|v| v.pcx_id.clone()).collect())
            }
            "route.transit-gateway-id" => {
                Some(views().iter().filter_map(|v| v.tgw_id.clone()).collect())
            }
            "route.origin" => Some(views().iter().map(|v| v.origin.to_string()).collect()),
            "route.state" => Some(views().iter().map(|v| v.state.to_string()).collect()),
            _ => None,
        })?;
        if ok {
            out.push(t.clone());
        }
    }
    let (out, next) = query::page(&cx.q, out, 100)?;
    let mut x = Xml::new();
    x.list("routeTableSet", out, |x, t| {
        t.write(x, st, cx.account(), cx.region_name(), cx.now)
    });
    x.opt("nextToken", next);
    Ok(x)
}

/// `DeleteRouteTable`: not the main table, not while associated (DependencyViolation).
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let t = find(st, cx, &id)?;
    if t.main || !t.associations.is_empty() {
        return Err(Ec2Error::new(
            "DependencyViolation",
            format!("The routeTable '{id}' has dependencies and cannot be deleted."),
        ));
    }
    st.region(cx.account(), cx.region_name())
        .route_tables
        .remove(&id);
    ok()
}

/// `AssociateRouteTable` with a subnet of the same VPC.
pub fn associate(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let subnet = cx.q.req("SubnetId")?.to_string();
    let assoc = st.id("rtbassoc");
    let r = st.region(cx.account(), cx.region_name());
    let t = r
        .route_tables
        .get(&id)
        .ok_or_else(|| Ec2Error::not_found("InvalidRouteTableID", "routeTable", &id))?;
    let s = r
        .subnets
        .get(&subnet)
        .ok_or_else(|| Ec2Error::not_found("InvalidSubnetID", "subnet", &subnet))?;
    if s.vpc_id != t.vpc_id {
        return Err(Ec2Error::invalid(format!(
            "Route table {id} and subnet {subnet} belong to different networks"
        )));
    }
    if let Some(other) = r.route_tables.values().find(|o| {
        o.associations
            .iter()
            .any(|a| a.subnet_id.as_deref() == Some(&subnet))
    }) {
        // rule: AWS-RTB-ASSOCIATION (Resource.AlreadyAssociated).
        return Err(Ec2Error::new(
            "Resource.AlreadyAssociated",
            format!("the specified association for route table {} conflicts with an existing association", other.id),
        ));
    }
    r.route_tables
        .get_mut(&id)
        .unwrap()
        .associations
        .push(Association {
            id: assoc.clone(),
            subnet_id: Some(subnet),
            main: false,
        });
    let mut x = Xml::new();
    x.leaf("associationId", &assoc)
        .nest("associationState", |x| {
            x.leaf("state", "associated");
        });
    Ok(x)
}

/// `DisassociateRouteTable` (not the main association: rule AWS-RTB-ASSOCIATION).
pub fn disassociate(st: &mut State, cx: &Ctx) -> R<Xml> {
    let assoc = cx.q.req("AssociationId")?.to_string();
    let r = st.region(cx.account(), cx.region_name());
    let t = r
        .route_tables
        .values_mut()
        .find(|t| t.associations.iter().any(|a| a.id == assoc))
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidAssociationID.NotFound",
                format!("The association ID '{assoc}' does not exist"),
            )
        })?;
    if t.associations.iter().any(|a| a.id == assoc && a.main) {
        return Err(Ec2Error::invalid(format!(
            "cannot disassociate the main route table association {assoc}"
        )));
    }
    t.associations.retain(|a| a.id != assoc);
    ok()
}

/// Reads and checks the single route target of Create/ReplaceRoute.
fn target(st: &State, cx: &Ctx) -> R<Route> {
    let mut route = Route::default();
    let gw = cx.q.get("GatewayId").filter(|s| !s.is_empty());
    let pcx = cx.q.get("VpcPeeringConnectionId").filter(|s| !s.is_empty());
    let tgw = cx.q.get("TransitGatewayId").filter(|s| !s.is_empty());
    let n = [gw, pcx, tgw].iter().filter(|t| t.is_some()).count();
    if n == 0 {
        return Err(Ec2Error::missing(
            "target (GatewayId, VpcPeeringConnectionId or TransitGatewayId)",
        ));
    }
    if n > 1 {
        return Err(Ec2Error::new(
            "InvalidParameterCombination",
            "The parameter combination is not valid: more than one target was specified",
        ));
    }
    let r = st.region_ref(cx.account(), cx.region_name());
    if let Some(g) = gw {
        if g.starts_with("vgw-") && !r.is_some_and(|r| r.vpn_gateways.contains_key(g)) {
            return Err(Ec2Error::new(
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{g}' does not exist"),
            ));
        }
        // Internet gateways are not modelled: any igw- id is taken as given.
        if !g.starts_with("vgw-") && !g.starts_with("igw-") {
            return Err(Ec2Error::new(
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{g}' does not exist"),
            ));
        }
        route.gateway_id = Some(g.to_string());
    }
    if let Some(p) = pcx {
        if !st
            .peerings
            .get(p)
            .is_some_and(|p| p.visible_to(cx.account(), cx.region_name()))
        {
            return Err(Ec2Error::not_found(
                "InvalidVpcPeeringConnectionID",
                "vpcPeeringConnection",
                p,
            ));
        }
        route.pcx_id = Some(p.to_string());
    }
    if let Some(t) = tgw {
        if !r.is_some_and(|r| r.transit_gateways.contains_key(t)) {
            return Err(Ec2Error::new(
                "InvalidTransitGatewayID.NotFound",
                format!("Transit Gateway {t} was deleted or does not exist."),
            ));
        }
        route.tgw_id = Some(t.to_string());
    }
    Ok(route)
}

fn route_dest(cx: &Ctx) -> R<String> {
    Ok(parse_cidr(cx.q.req("DestinationCidrBlock")?, "destinationCidrBlock")?.to_string())
}

fn no_route(dest: &str, id: &str) -> Ec2Error {
    Ec2Error::new(
        "InvalidRoute.NotFound",
        format!("no route with destination-cidr-block {dest} in route table {id}"),
    )
}

/// `CreateRoute`: `RouteAlreadyExists` for a taken destination, local routes included.
pub fn create_route(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let dest = route_dest(cx)?;
    find(st, cx, &id)?;
    let mut route = target(st, cx)?;
    route.dest = dest.clone();
    let t = st
        .region_ref(cx.account(), cx.region_name())
        .unwrap()
        .route_tables[&id]
        .clone();
    if t.views(st, cx.account(), cx.region_name(), cx.now)
        .iter()
        .any(|v| v.dest == dest && v.origin != "EnableVgwRoutePropagation")
    {
        return Err(Ec2Error::new(
            "RouteAlreadyExists",
            format!("The route identified by {dest} already exists."),
        ));
    }
    // rule: AWS-ROUTES-PER-TABLE. "Routes per route table" counts non-propagated routes (500
    // by default since June 2025, adjustable to 1,000; the emulator's quota is settable).
    // `RouteLimitExceeded` is the EC2 error code ("You've reached the limit on the number of
    // routes that you can add to a route table"); the message here is the emulator's own.
    // The local route is not counted (whether AWS counts it is UNKNOWN).
    let limit = st.quotas.routes_per_route_table;
    if t.routes.len() >= limit {
        return Err(Ec2Error::new(
            "RouteLimitExceeded",
            format!(
                "The maximum number of routes ({limit}) has been reached for route table {id}."
            ),
        ));
    }
    find(st, cx, &id)?.routes.push(route);
    ok()
}

/// `ReplaceRoute`: the route must exist and must not be a local route.
pub fn replace_route(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let dest = route_dest(cx)?;
    find(st, cx, &id)?;
    let mut route = target(st, cx)?;
    route.dest = dest.clone();
    let t = find(st, cx, &id)?;
    let slot = t
        .routes
        .iter_mut()
        .find(|r| r.dest == dest)
        .ok_or_else(|| no_route(&dest, &id))?;
    *slot = route;
    ok()
}

/// `DeleteRoute`: local routes cannot be deleted.
pub fn delete_route(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let dest = route_dest(cx)?;
    let t = find(st, cx, &id)?.clone();
    if t.views(st, cx.account(), cx.region_name(), cx.now)
        .iter()
        .any(|v| v.dest == dest && v.origin == "CreateRouteTable")
    {
        return Err(Ec2Error::invalid(format!(
            "cannot remove local route {dest} in route table {id}"
        )));
    }
    let t = find(st, cx, &id)?;
    let before = t.routes.len();
    t.routes.retain(|r| r.dest != dest);
    if t.routes.len() == before {
        return Err(no_route(&dest, &id));
    }
    ok()
}

fn propagation_args(st: &mut State, cx: &Ctx) -> R<(String, String)> {
    let id = cx.q.req("RouteTableId")?.to_string();
    let gw = cx.q.req("GatewayId")?.to_string();
    find(st, cx, &id)?;
    if !st
        .region(cx.account(), cx.region_name())
        .vpn_gateways
        .contains_key(&gw)
    {
        return Err(Ec2Error::not_found(
            "InvalidVpnGatewayID",
            "vpnGateway",
            &gw,
        ));
    }
    Ok((id, gw))
}

/// `EnableVgwRoutePropagation`.
///
/// rule: AWS-RTB-IN-VPC. The route table must belong to the VPC the VGW is attached (or
/// attaching) to: a VGW propagates only into its own VPC's tables. The code
/// `Gateway.NotAttached` is an EC2 error code (SDK error lists); its use for this case and the
/// message are inferred (UNKNOWN).
pub fn enable_propagation(st: &mut State, cx: &Ctx) -> R<Xml> {
    let (id, gw) = propagation_args(st, cx)?;
    let now = cx.now;
    let r = st.region(cx.account(), cx.region_name());
    let attached = r.vpn_gateways.get(&gw).and_then(|g| g.attached_vpc(now));
    let vpc = r.route_tables.get(&id).map(|t| t.vpc_id.clone());
    if attached.is_none() || attached != vpc {
        return Err(Ec2Error::new(
            "Gateway.NotAttached",
            format!("resource {gw} is not attached to the VPC of route table {id}."),
        ));
    }
    let t = find(st, cx, &id)?;
    if !t.propagating.contains(&gw) {
        t.propagating.push(gw);
    }
    ok()
}

/// `DisableVgwRoutePropagation`.
pub fn disable_propagation(st: &mut State, cx: &Ctx) -> R<Xml> {
    let (id, gw) = propagation_args(st, cx)?;
    find(st, cx, &id)?.propagating.retain(|g| *g != gw);
    ok()
}

/// `ReplaceRouteTableAssociation` (rule AWS-RTB-MAIN): moves a subnet's association to
/// another table of its VPC, or, given the main association, makes that table the VPC's
/// main route table (EC2 API reference, ReplaceRouteTableAssociation: "You can also use
/// this operation to change which table is the main route table in the VPC"). Either way
/// the association gets a new id.
///
/// rule: AWS-RTB-ASSOCIATION. An unknown association is `InvalidAssociationID.NotFound`, an
/// unknown table `InvalidRouteTableID.NotFound` (EC2 error codes); a table of another VPC is
/// refused with `InvalidParameterValue` (the emulator's choice and message: real UNKNOWN).
pub fn replace_association(st: &mut State, cx: &Ctx) -> R<Xml> {
    let assoc = cx.q.req("AssociationId")?.to_string();
    let id = cx.q.req("RouteTableId")?.to_string();
    let new_assoc = st.id("rtbassoc");
    let r = st.region(cx.account(), cx.region_name());
    let (old_id, old) = r
        .route_tables
        .values()
        .find_map(|t| {
            t.associations
                .iter()
                .find(|a| a.id == assoc)
                .map(|a| (t.id.clone(), a.clone()))
        })
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidAssociationID.NotFound",
                format!("The association ID '{assoc}' does not exist"),
            )
        })?;
    let target = r
        .route_tables
        .get(&id)
        .ok_or_else(|| Ec2Error::not_found("InvalidRouteTableID", "routeTable", &id))?;
    if target.vpc_id != r.route_tables[&old_id].vpc_id {
        return Err(Ec2Error::invalid(format!(
            "Route table {id} and association {assoc} belong to different networks"
        )));
    }
    let from = r.route_tables.get_mut(&old_id).unwrap();
    from.associations.retain(|a| a.id != assoc);
    if old.main {
        from.main = false;
    }
    let to = r.route_tables.get_mut(&id).unwrap();
    if old.main {
        to.main = true;
    }
    to.associations.push(Association {
        id: new_assoc.clone(),
        subnet_id: old.subnet_id,
        main: old.main,
    });
    let mut x = Xml::new();
    x.leaf("newAssociationId", &new_assoc)
        .nest("associationState", |x| {
            x.leaf("state", "associated");
        });
    Ok(x)
}
