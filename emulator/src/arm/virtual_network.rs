//! Virtual networks and their subnets: address-space and subnet validation (the Network
//! RP's `Netcfg*` codes), the GatewaySubnet rules, and in-use protection for subnets that a
//! gateway ipConfiguration occupies.

use super::{
    errors::ArmError,
    input,
    model::{key, resource_id, Busy, Kind, Props, Res, Subnet, VirtualNetwork},
    route_table, Ctx, Loc, Reply, State,
};
use crate::profile::Op;
use ipnet::Ipv4Net;
use serde_json::{json, Value};

/// The name a subnet must have to host a VPN gateway (azurerm `IsGatewaySubnet`; MS "About
/// VPN Gateway configuration settings": "the gateway subnet must be named GatewaySubnet").
pub(crate) const GATEWAY_SUBNET: &str = "GatewaySubnet";

/// Renders VNet `properties`, embedding every subnet.
pub(crate) fn render(st: &State, r: &Res, n: &VirtualNetwork, now: u64) -> Value {
    let k = key(&r.id);
    let subnets: Vec<Value> = st
        .of_kind(Kind::Subnet)
        .filter(|s| s.parent.as_deref() == Some(k.as_str()))
        .map(|s| st.render(s, now))
        .collect();
    let mut p = json!({
        "addressSpace": {"addressPrefixes": n.prefixes},
        "subnets": subnets,
        "virtualNetworkPeerings": [],
        "enableDdosProtection": false,
    });
    if let Some(d) = &n.dhcp {
        p["dhcpOptions"] = d.clone();
    }
    p
}

/// Renders subnet `properties`; `ipConfigurations` lists the gateway ipConfigurations in it
/// (read-only, VirtualNetworkGet.json).
pub(crate) fn render_subnet(st: &State, r: &Res, s: &Subnet) -> Value {
    let mut p = json!({
        "addressPrefix": s.prefix,
        "delegations": [],
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
    });
    if let Some(t) = &s.route_table {
        p["routeTable"] = json!({"id": t});
    }
    let users = users_of(st, &r.id);
    if !users.is_empty() {
        p["ipConfigurations"] = json!(users.iter().map(|u| json!({"id": u})).collect::<Vec<_>>());
    }
    p
}

/// Ids of the gateway ipConfigurations placed in a subnet.
pub(crate) fn users_of(st: &State, subnet_id: &str) -> Vec<String> {
    let k = key(subnet_id);
    st.of_kind(Kind::Gateway)
        .flat_map(|g| match &g.props {
            Props::Gateway(gw) => gw
                .ip_configs
                .iter()
                .filter(|c| key(&c.subnet) == k)
                .map(|c| format!("{}/ipConfigurations/{}", g.id, c.name))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

fn in_use(st: &State, subnet: &Res) -> Result<(), ArmError> {
    match users_of(st, &subnet.id).first() {
        // nav-arm-templates#161 / terraform#16093 show this code for both the subnet DELETE
        // and a VNet PUT that drops the subnet.
        Some(u) => Err(ArmError::bad(
            "InUseSubnetCannotBeDeleted",
            format!("Subnet {} is in use by {u} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.", subnet.name),
        )),
        None => Ok(()),
    }
}

/// Validates one subnet prefix against the VNet address space and its siblings.
fn check_subnet(
    name: &str,
    prefix: &str,
    vnet: &str,
    space: &[Ipv4Net],
    siblings: &[(String, Ipv4Net)],
) -> Result<Ipv4Net, ArmError> {
    let invalid = || {
        ArmError::bad(
            "NetcfgInvalidSubnet",
            format!("Subnet '{name}' is not valid in virtual network '{vnet}'."),
        )
    };
    let net = input::cidr(prefix).ok_or_else(invalid)?;
    if net.prefix_len() > 29 {
        // rule: AZ-GW-SUBNET.
        // "While you can create a gateway subnet as small as /29, we recommend ... /27 or
        // larger" (azure-docs vpn-gateway-about-vpn-gateway-settings.md); the VNet FAQ also
        // makes /29 the smallest IPv4 subnet. The code for GatewaySubnet is a guess.
        if name == GATEWAY_SUBNET {
            return Err(ArmError::bad(
                "GatewaySubnetTooSmall",
                format!("Subnet {name} with prefix {prefix} is too small: the gateway subnet must be /29 or larger (/27 or larger recommended)."),
            ));
        }
        return Err(invalid());
    }
    if !space.iter().any(|s| s.contains(&net)) {
        return Err(ArmError::bad(
            "NetcfgSubnetRangeOutsideVnet",
            format!("Subnet '{name}' is not valid because its IP address range is outside the IP address range of virtual network '{vnet}'."),
        ));
    }
    if let Some((other, _)) = siblings
        .iter()
        .find(|(n, p)| !n.eq_ignore_ascii_case(name) && input::overlaps(p, &net))
    {
        return Err(ArmError::bad(
            "NetcfgSubnetRangesOverlap",
            format!("Subnet '{name}' is not valid in virtual network '{vnet}' because its IP address range overlaps with that of subnet '{other}'."),
        ));
    }
    Ok(net)
}

fn subnet_prefix(v: &Value, path: &str) -> Result<String, ArmError> {
    let props = input::obj_of(v, "properties", path)?;
    let ppath = format!("{path}.properties");
    if let Some(p) = input::str_of(props, "addressPrefix", &ppath)? {
        return Ok(p.to_string());
    }
    input::strings_of(props, "addressPrefixes", &ppath)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ArmError::bad(
                "NetcfgInvalidSubnet",
                "A subnet needs properties.addressPrefix.",
            )
            .target(format!("{path}.properties.addressPrefix"))
        })
}

fn vnet_subnets<'a>(st: &'a State, vnet_key: &'a str) -> impl Iterator<Item = &'a Res> {
    st.of_kind(Kind::Subnet)
        .filter(move |s| s.parent.as_deref() == Some(vnet_key))
}

fn prefix_of(r: &Res) -> String {
    match &r.props {
        Props::Subnet(s) => s.prefix.clone(),
        _ => String::new(),
    }
}

/// Rejects writes while the VNet or any of its subnets has an operation running (the
/// Network RP serializes writes on a VNet: `AnotherOperationInProgress`).
fn vnet_not_busy(st: &State, cx: &Ctx, vnet_key: &str) -> Result<(), ArmError> {
    st.not_busy(cx, vnet_key)?;
    let subs: Vec<String> = vnet_subnets(st, vnet_key).map(|s| key(&s.id)).collect();
    subs.iter().try_for_each(|k| st.not_busy(cx, k))
}

/// VNet PUT: the `subnets` array is authoritative (omitted subnets are deleted).
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    let vk = loc.key();
    vnet_not_busy(st, cx, &vk)?;
    let (location, tags) = input::location_and_tags(v, st.get(&vk))?;
    let props = input::obj_of(v, "properties", "")?;
    let space_v = input::obj_of(props, "addressSpace", "properties")?;
    let space_s = input::strings_of(space_v, "addressPrefixes", "properties.addressSpace")?;
    if space_s.is_empty() {
        return Err(ArmError::bad("InvalidAddressSpace", "The virtual network must have at least one address prefix (properties.addressSpace.addressPrefixes).")
            .target("properties.addressSpace.addressPrefixes"));
    }
    let mut space = Vec::new();
    for p in &space_s {
        let n = input::cidr(p).ok_or_else(|| {
            ArmError::bad(
                "InvalidAddressPrefixFormat",
                format!(
                    "Address prefix {p} of virtual network {} is not in valid CIDR form.",
                    loc.name
                ),
            )
        })?;
        space.push(n);
    }
    // Subnets from the body.
    let mut wanted: Vec<(String, String)> = Vec::new();
    let mut tables: Vec<Option<String>> = Vec::new();
    for (i, s) in input::arr_of(props, "subnets", "properties")?
        .iter()
        .enumerate()
    {
        let path = format!("properties.subnets[{i}]");
        let name = input::str_of(s, "name", &path)?.ok_or_else(|| {
            ArmError::bad("InvalidRequestFormat", "Every subnet needs a name.")
                .target(format!("{path}.name"))
        })?;
        if wanted.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(ArmError::bad(
                "DuplicateResourceName",
                format!(
                    "Subnet name {name} is used more than once in virtual network {}.",
                    loc.name
                ),
            ));
        }
        wanted.push((name.to_string(), subnet_prefix(s, &path)?));
        tables.push(route_table::referenced(
            st,
            s,
            &path,
            &format!("{}/subnets/{name}", loc.id()),
        )?);
    }
    let existing: Vec<Res> = vnet_subnets(st, &vk).cloned().collect();
    for e in &existing {
        match wanted.iter().find(|(n, _)| n.eq_ignore_ascii_case(&e.name)) {
            None => in_use(st, e)?,
            Some((_, p)) => {
                let old = prefix_of(e);
                if let (Some(o), Some(n)) = (input::cidr(&old), input::cidr(p)) {
                    if o == n && !space.iter().any(|s| s.contains(&o)) {
                        return Err(ArmError::bad(
                            "InUsePrefixCannotBeDeleted",
                            format!("IP prefix {old} cannot be removed from VNet {} because it is in use by subnet {}.", loc.name, e.name),
                        ));
                    }
                    if o != n && !users_of(st, &e.id).is_empty() {
                        return Err(ArmError::bad(
                            "InUseSubnetCannotBeUpdated",
                            format!("Subnet {} is in use by a virtual network gateway and its address prefix cannot be changed.", e.name),
                        ));
                    }
                }
            }
        }
    }
    let mut siblings: Vec<(String, Ipv4Net)> = Vec::new();
    for (n, p) in &wanted {
        let net = check_subnet(n, p, &loc.name, &space, &siblings)?;
        siblings.push((n.clone(), net));
    }
    let mut reply = st.commit(
        cx,
        loc,
        location.clone(),
        tags,
        Props::VirtualNetwork(VirtualNetwork {
            prefixes: space_s,
            dhcp: input::obj_of(props, "dhcpOptions", "properties")?
                .as_object()
                .map(|o| json!(o)),
        }),
        Op::ArmOtherWrite,
    );
    let busy = st.get(&vk).and_then(|r| r.busy.clone());
    // Apply the subnet set under the VNet's operation.
    for e in &existing {
        if !wanted.iter().any(|(n, _)| n.eq_ignore_ascii_case(&e.name)) {
            if let (Some(r), Some(b)) = (st.res.get_mut(&key(&e.id)), busy.as_ref()) {
                r.busy = Some(Busy {
                    delete: true,
                    ..b.clone()
                });
            }
        }
    }
    for ((n, p), route_table) in wanted.into_iter().zip(tables) {
        let canonical = existing
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&n))
            .map(|e| e.name.clone())
            .unwrap_or(n);
        let id = resource_id(&loc.sub, &loc.rg, Kind::Subnet, &canonical, Some(&loc.name));
        let etag = st.etag();
        st.res.insert(
            key(&id),
            Res {
                id,
                kind: Kind::Subnet,
                sub: loc.sub.clone(),
                rg: loc.rg.clone(),
                name: canonical,
                parent: Some(vk.clone()),
                location: location.clone(),
                tags: None,
                etag,
                guid: String::new(),
                busy: busy.clone(),
                props: Props::Subnet(Subnet {
                    prefix: p,
                    route_table,
                }),
            },
        );
    }
    reply.body = st.get(&vk).map(|r| st.render(r, cx.now));
    Ok(reply)
}

/// VNet DELETE: refused while a subnet is in use; takes the subnets with it.
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let vk = loc.key();
    vnet_not_busy(st, cx, &vk)?;
    let subs: Vec<Res> = vnet_subnets(st, &vk).cloned().collect();
    for s in &subs {
        in_use(st, s)?;
    }
    let mut keys = vec![vk];
    keys.extend(subs.iter().map(|s| key(&s.id)));
    Ok(st.begin_delete(cx, &keys, Op::ArmOtherWrite))
}

/// Subnet PUT (`Subnets_CreateOrUpdate`).
pub(crate) fn put_subnet(
    st: &mut State,
    cx: &Ctx,
    loc: &Loc,
    v: &Value,
) -> Result<Reply, ArmError> {
    let vnet_name = loc.vnet.clone().unwrap_or_default();
    let vk = key(&resource_id(
        &loc.sub,
        &loc.rg,
        Kind::VirtualNetwork,
        &vnet_name,
        None,
    ));
    vnet_not_busy(st, cx, &vk)?;
    let vnet = st.get(&vk).cloned().ok_or_else(|| {
        ArmError::not_found(Kind::VirtualNetwork.type_name(), &vnet_name, &loc.rg)
    })?;
    let space: Vec<Ipv4Net> = match &vnet.props {
        Props::VirtualNetwork(n) => n.prefixes.iter().filter_map(|p| input::cidr(p)).collect(),
        _ => Vec::new(),
    };
    let prefix = subnet_prefix(v, "")?;
    let siblings: Vec<(String, Ipv4Net)> = vnet_subnets(st, &vk)
        .filter(|s| !s.name.eq_ignore_ascii_case(&loc.name))
        .filter_map(|s| input::cidr(&prefix_of(s)).map(|n| (s.name.clone(), n)))
        .collect();
    let net = check_subnet(&loc.name, &prefix, &vnet_name, &space, &siblings)?;
    let route_table = route_table::referenced(st, v, "", &loc.id())?;
    if let Some(e) = st.get(&loc.key()) {
        if input::cidr(&prefix_of(e)) != Some(net) && !users_of(st, &e.id).is_empty() {
            return Err(ArmError::bad(
                "InUseSubnetCannotBeUpdated",
                format!("Subnet {} is in use by a virtual network gateway and its address prefix cannot be changed.", e.name),
            ));
        }
    }
    Ok(st.commit(
        cx,
        loc,
        vnet.location.clone(),
        None,
        Props::Subnet(Subnet {
            prefix,
            route_table,
        }),
        Op::SubnetWrite,
    ))
}

/// Subnet DELETE: refused while a gateway uses it (`InUseSubnetCannotBeDeleted`).
pub(crate) fn delete_subnet(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let vnet_name = loc.vnet.clone().unwrap_or_default();
    let vk = key(&resource_id(
        &loc.sub,
        &loc.rg,
        Kind::VirtualNetwork,
        &vnet_name,
        None,
    ));
    st.not_busy(cx, &vk)?;
    let s = st
        .get(&loc.key())
        .cloned()
        .ok_or_else(|| ArmError::not_found(Kind::Subnet.type_name(), &loc.name, &loc.rg))?;
    in_use(st, &s)?;
    Ok(st.begin_delete(cx, &[loc.key()], Op::SubnetWrite))
}
