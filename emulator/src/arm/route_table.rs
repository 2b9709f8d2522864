//! Route tables (`Microsoft.Network/routeTables`): user-defined routes, whether the virtual
//! network gateway's routes propagate to the subnets using the table
//! (`disableBgpRoutePropagation`), and the subnets that reference it.

use super::{
    errors::ArmError,
    input,
    model::{key, Kind, Props, RouteTable, UserRoute},
    Ctx, Loc, Reply, State,
};
use crate::profile::Op;
use serde_json::{json, Value};

/// The `nextHopType` values of routeTable.json (`RouteNextHopType`).
const NEXT_HOP_TYPES: [&str; 5] = [
    "VirtualNetworkGateway",
    "VnetLocal",
    "Internet",
    "VirtualAppliance",
    "None",
];

/// Renders `properties` (routeTable.json `RouteTablePropertiesFormat`): each route as a
/// child resource with its id, the subnets using the table (read-only), and
/// `disableBgpRoutePropagation` as written (rule AZ-UDR-PROPAGATION: the provider reads it).
pub(crate) fn render(st: &State, r: &super::model::Res, t: &RouteTable, now: u64) -> Value {
    let routes: Vec<Value> = t
        .routes
        .iter()
        .map(|u| {
            let mut p = json!({
                "addressPrefix": u.prefix,
                "nextHopType": u.next_hop_type,
                "provisioningState": r.provisioning_state(now),
            });
            if let Some(ip) = &u.next_hop_ip {
                p["nextHopIpAddress"] = json!(ip);
            }
            json!({
                "name": u.name,
                "id": format!("{}/routes/{}", r.id, u.name),
                "etag": r.etag,
                "type": "Microsoft.Network/routeTables/routes",
                "properties": p,
            })
        })
        .collect();
    let mut p = json!({
        "routes": routes,
        "disableBgpRoutePropagation": t.disable_bgp_route_propagation,
    });
    let users = subnets_using(st, &r.id);
    if !users.is_empty() {
        p["subnets"] = json!(users.iter().map(|id| json!({"id": id})).collect::<Vec<_>>());
    }
    p
}

/// Ids of the subnets whose `routeTable` is `table_id`.
pub(crate) fn subnets_using(st: &State, table_id: &str) -> Vec<String> {
    let k = key(table_id);
    st.of_kind(Kind::Subnet)
        .filter(|s| matches!(&s.props, Props::Subnet(sn) if sn.route_table.as_deref().map(key) == Some(k.clone())))
        .map(|s| s.id.clone())
        .collect()
}

/// The canonical id of the route table a subnet body references (`properties.routeTable.id`),
/// refused when it names no route table (rule AZ-UDR-SUBNET: `InvalidResourceReference`).
pub(crate) fn referenced(
    st: &State,
    body: &Value,
    path: &str,
    by: &str,
) -> Result<Option<String>, ArmError> {
    let props = input::obj_of(body, "properties", path)?;
    let ppath = if path.is_empty() {
        "properties".to_string()
    } else {
        format!("{path}.properties")
    };
    let Some(id) = input::ref_of(props, "routeTable", &ppath)? else {
        return Ok(None);
    };
    match st
        .get(&key(&id))
        .filter(|r| r.kind == Kind::RouteTable && !r.deleting())
    {
        Some(r) => Ok(Some(r.id.clone())),
        None => Err(ArmError::bad_reference(&id, by)),
    }
}

/// PUT (`RouteTables_CreateOrUpdate`): the `routes` array is authoritative.
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    st.not_busy(cx, &loc.key())?;
    let (location, tags) = input::location_and_tags(v, st.get(&loc.key()))?;
    let p = input::obj_of(v, "properties", "")?;
    let pp = "properties";
    let disable = input::bool_of(p, "disableBgpRoutePropagation", pp)?.unwrap_or(false);
    let mut routes: Vec<UserRoute> = Vec::new();
    for (i, r) in input::arr_of(p, "routes", pp)?.iter().enumerate() {
        let path = format!("properties.routes[{i}]");
        let name = input::str_of(r, "name", &path)?.ok_or_else(|| {
            ArmError::bad("InvalidRequestFormat", "Every route needs a name.")
                .target(format!("{path}.name"))
        })?;
        input::check_name(Kind::RouteTable, name)?;
        if routes.iter().any(|u| u.name.eq_ignore_ascii_case(name)) {
            return Err(ArmError::bad(
                "DuplicateResourceName",
                format!(
                    "Route name {name} is used more than once in route table {}.",
                    loc.name
                ),
            ));
        }
        let rp = input::obj_of(r, "properties", &path)?;
        let rpath = format!("{path}.properties");
        let prefix = input::str_of(rp, "addressPrefix", &rpath)?.unwrap_or_default();
        // rule: AZ-UDR-NEXT-HOP. A route needs a prefix in CIDR form and a nextHopType of the
        // swagger's enum; a next hop IP only with VirtualAppliance, which requires one (Learn
        // "Virtual network traffic routing": "Next hop values are only allowed in routes where
        // the next hop type is VirtualAppliance", routeTable.json). The codes and messages
        // are the emulator's own (real UNKNOWN).
        if input::cidr(prefix).is_none() {
            return Err(ArmError::bad(
                "InvalidRouteAddressPrefix",
                format!("Route {name} has an invalid address prefix '{prefix}'."),
            )
            .target(format!("{rpath}.addressPrefix")));
        }
        let hop = input::str_of(rp, "nextHopType", &rpath)?.unwrap_or_default();
        let Some(hop) = NEXT_HOP_TYPES.iter().find(|h| h.eq_ignore_ascii_case(hop)) else {
            return Err(ArmError::bad(
                "InvalidRouteNextHopType",
                format!("Route {name} has an invalid next hop type '{hop}'."),
            )
            .target(format!("{rpath}.nextHopType")));
        };
        let ip = input::str_of(rp, "nextHopIpAddress", &rpath)?.map(str::to_string);
        if (*hop == "VirtualAppliance") != ip.is_some() {
            return Err(ArmError::bad(
                "InvalidRouteNextHopIpAddress",
                format!("Route {name}: a next hop IP address is required with next hop type VirtualAppliance and not allowed with {hop}."),
            )
            .target(format!("{rpath}.nextHopIpAddress")));
        }
        routes.push(UserRoute {
            name: name.to_string(),
            prefix: prefix.to_string(),
            next_hop_type: hop.to_string(),
            next_hop_ip: ip,
        });
    }
    Ok(st.commit(
        cx,
        loc,
        location,
        tags,
        Props::RouteTable(RouteTable {
            routes,
            disable_bgp_route_propagation: disable,
        }),
        Op::ArmOtherWrite,
    ))
}

/// DELETE: refused while a subnet uses the table (rule AZ-UDR-SUBNET).
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    if let Some(s) = subnets_using(st, &loc.id()).first() {
        tracing::debug!(subnet = %s, "route table in use");
        return Err(ArmError::bad(
            "InUseRouteTableCannotBeDeleted",
            format!("Route table {} is in use and cannot be deleted.", loc.name),
        ));
    }
    Ok(st.begin_delete(cx, &[loc.key()], Op::ArmOtherWrite))
}
