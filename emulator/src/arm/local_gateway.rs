//! Local network gateways: the remote (AWS) end, an IP or FQDN plus address prefixes and/or
//! a BGP peer.

use super::{
    errors::ArmError,
    input,
    model::{key, Kind, LocalGateway, Props},
    Ctx, Loc, Reply, State,
};
use crate::profile::Op;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

/// Renders `properties` (LocalNetworkGatewayGet.json).
pub(crate) fn render(l: &LocalGateway) -> Value {
    let mut p = json!({
        "localNetworkAddressSpace": {"addressPrefixes": l.prefixes.clone().unwrap_or_default()},
    });
    if let Some(ip) = &l.ip {
        p["gatewayIpAddress"] = json!(ip);
    }
    if let Some(f) = &l.fqdn {
        p["fqdn"] = json!(f);
    }
    if let Some((asn, addr, w)) = &l.bgp {
        p["bgpSettings"] = json!({"asn": asn, "bgpPeeringAddress": addr, "peerWeight": w});
    }
    p
}

/// PUT (`LocalNetworkGateway_CreateOrUpdate`), lasting `LocalNetworkGatewayWrite`.
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    st.not_busy(cx, &loc.key())?;
    let (location, tags) = input::location_and_tags(v, st.get(&loc.key()))?;
    let p = input::obj_of(v, "properties", "")?;
    let pp = "properties";
    let ip = input::str_of(p, "gatewayIpAddress", pp)?.map(str::to_string);
    let fqdn = input::str_of(p, "fqdn", pp)?.map(str::to_string);
    // azurerm module docs: one of gateway_address / gateway_fqdn is required (code guessed).
    if ip.is_none() && fqdn.is_none() {
        return Err(ArmError::bad(
            "LocalNetworkGatewayMustHaveIpAddressOrFqdn",
            "A local network gateway needs properties.gatewayIpAddress or properties.fqdn.",
        ));
    }
    if let Some(ip) = &ip {
        if ip.parse::<Ipv4Addr>().is_err() {
            return Err(ArmError::bad(
                "InvalidGatewayIpAddress",
                format!("Gateway IP address {ip} is not a valid IPv4 address."),
            )
            .target("properties.gatewayIpAddress"));
        }
    }
    let space = input::obj_of(p, "localNetworkAddressSpace", pp)?;
    let prefixes = input::strings_of(
        space,
        "addressPrefixes",
        "properties.localNetworkAddressSpace",
    )?;
    for px in &prefixes {
        if input::cidr(px).is_none() {
            return Err(ArmError::bad(
                "InvalidAddressPrefixFormat",
                format!("Address prefix {px} is not in valid CIDR form."),
            )
            .target("properties.localNetworkAddressSpace.addressPrefixes"));
        }
    }
    let bgp_v = input::obj_of(p, "bgpSettings", pp)?;
    let bgp = if bgp_v.is_null() {
        None
    } else {
        let asn = input::int_of(bgp_v, "asn", "properties.bgpSettings")?.unwrap_or(0);
        // rule: AZ-BGP-ASN-RESERVED. Azure-reserved ASNs cannot be a BGP peer's (VPN Gateway
        // FAQ, ms.date 06/04/2026: 8074, 8075, 12076, 65515, 65517-65520, 23456, 64496-64511,
        // 65535-65551; 32-bit ASNs are supported). Code InvalidBgpAsn is the emulator's own
        // (real UNKNOWN).
        if !(1..=u32::MAX as i64).contains(&asn) || input::is_reserved_asn(asn) {
            return Err(ArmError::bad("InvalidBgpAsn", format!("ASN {asn} is reserved by Azure or out of range and cannot be used for a local network gateway."))
                .target("properties.bgpSettings.asn"));
        }
        let addr =
            input::str_of(bgp_v, "bgpPeeringAddress", "properties.bgpSettings")?.unwrap_or("");
        if addr.parse::<Ipv4Addr>().is_err() {
            return Err(ArmError::bad(
                "InvalidBgpPeeringAddress",
                format!("BGP peering address '{addr}' is not a valid IPv4 address."),
            )
            .target("properties.bgpSettings.bgpPeeringAddress"));
        }
        let w = input::int_of(bgp_v, "peerWeight", "properties.bgpSettings")?.unwrap_or(0);
        Some((asn as u32, addr.to_string(), w))
    };
    // azurerm#15163 / PR #15159.
    if prefixes.is_empty() && bgp.is_none() {
        return Err(ArmError::bad(
            "LocalNetworkGatewayCannotHaveEmptyAddressPrefixAndBgpSettings",
            format!("Local network gateway {} cannot have empty address prefixes and no BGP settings. Specify at least one of them.", loc.id()),
        ));
    }
    let l = LocalGateway {
        ip,
        fqdn,
        prefixes: Some(prefixes),
        bgp,
    };
    Ok(st.commit(
        cx,
        loc,
        location,
        tags,
        Props::LocalGateway(l),
        Op::LocalNetworkGatewayWrite,
    ))
}

/// DELETE: refused while a connection uses it (code guessed).
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let lk = loc.key();
    if let Some(c) = st
        .of_kind(Kind::Connection)
        .find(|c| matches!(&c.props, Props::Connection(p) if key(&p.local_gateway) == lk))
    {
        return Err(ArmError::bad(
            "LocalNetworkGatewayInUseByConnection",
            format!(
                "Local network gateway {} cannot be deleted because connection {} still uses it.",
                loc.id(),
                c.id
            ),
        ));
    }
    Ok(st.begin_delete(cx, &[lk], Op::LocalNetworkGatewayWrite))
}
