//! Virtual network gateway connections (IPsec to a local network gateway), their shared key
//! (`/sharedkey` GET/PUT, `/sharedkey/reset` POST), `connectionStatus` and their publication
//! to the cross-cloud link registry.

use super::{
    errors::ArmError,
    gateway, input, lro,
    model::{key, Busy, Connection, Kind, Props, Res},
    Ctx, Loc, Reply, State,
};
use crate::{links::AzureConnection, profile::Op};
use axum::http::Method;
use serde_json::{json, Value};

/// Length of a generated shared key.
const GENERATED_KEY_LEN: usize = 32;

/// Renders connection `properties` (VirtualNetworkGatewayConnectionGet.json), without
/// `sharedKey` (read through `/sharedkey`; the dump adds it).
pub(crate) fn render(st: &State, r: &Res, c: &Connection, now: u64) -> Value {
    // Real Azure returns the two gateway references as `{"id": ...}` only
    // (azure-rest-api-specs#755), which azure_mgmt_network 0.21 cannot deserialize
    // (azure-arm.md §1); `reference_style_full` serves the SDK-friendly shape instead.
    let reference = |id: &str| {
        if st.reference_style_full {
            json!({"id": id, "properties": {}})
        } else {
            json!({"id": id})
        }
    };
    let status = if st.connected.get(&r.id).copied().unwrap_or(false) {
        "Connected"
    } else if r.busy_at(now).is_some() {
        "Connecting"
    } else {
        "NotConnected"
    };
    json!({
        "virtualNetworkGateway1": reference(&c.gateway),
        "localNetworkGateway2": reference(&c.local_gateway),
        "ingressNatRules": [],
        "egressNatRules": [],
        "connectionType": "IPsec",
        "connectionProtocol": c.protocol,
        "routingWeight": c.routing_weight,
        "dpdTimeoutSeconds": c.dpd_timeout,
        "enableBgp": c.enable_bgp,
        "gatewayCustomBgpIpAddresses": c.custom_bgp.iter().map(|(i, a)| json!({"ipConfigurationId": i, "customBgpIpAddress": a})).collect::<Vec<_>>(),
        "useLocalAzureIpAddress": c.local_azure_ip,
        "usePolicyBasedTrafficSelectors": c.policy_selectors,
        "ipsecPolicies": c.ipsec_policies,
        "trafficSelectorPolicies": [],
        "connectionStatus": status,
        "ingressBytesTransferred": 0,
        "egressBytesTransferred": 0,
        "connectionMode": c.mode,
        "expressRouteGatewayBypass": false,
        "enablePrivateLinkFastPath": false,
    })
}

/// What the link registry needs to know about one connection.
pub(crate) fn link_of(st: &State, r: &Res, now: u64) -> Option<AzureConnection> {
    let Props::Connection(c) = &r.props else {
        return None;
    };
    let gw_res = st.get(&key(&c.gateway))?;
    let lng_res = st.get(&key(&c.local_gateway))?;
    let (Props::Gateway(g), Props::LocalGateway(l)) = (&gw_res.props, &lng_res.props) else {
        return None;
    };
    let view = gateway::bgp_view(st, gw_res, g);
    let custom_gw: Vec<String> = view.iter().flat_map(|v| v.2.clone()).collect();
    let gateway_bgp_ips = if !c.custom_bgp.is_empty() {
        c.custom_bgp.iter().map(|(_, a)| a.clone()).collect()
    } else if !custom_gw.is_empty() {
        custom_gw
    } else {
        view.iter().map(|v| v.1.clone()).collect()
    };
    let succeeded = |x: &Res| x.provisioning_state(now) == "Succeeded";
    Some(AzureConnection {
        connection_id: r.id.clone(),
        gateway_public_ips: view
            .iter()
            .map(|v| v.3.clone())
            .filter(|ip| !ip.is_empty())
            .collect(),
        gateway_asn: g.asn,
        gateway_bgp_ips,
        local_gateway_ip: l.ip.clone().or_else(|| l.fqdn.clone()).unwrap_or_default(),
        local_address_prefixes: l.prefixes.clone().unwrap_or_default(),
        local_bgp_peer: l.bgp.as_ref().map(|(asn, addr, _)| (*asn, addr.clone())),
        enable_bgp: c.enable_bgp,
        shared_key: c.shared_key.clone(),
        ready: succeeded(gw_res) && succeeded(lng_res) && succeeded(r),
    })
}

/// A shared key Azure accepts: "The key must contain only printable ASCII characters, except
/// space, hyphen (-), or tilde (~)" (VPN Gateway FAQ, ms.date 06/04/2026); at most 128
/// characters (the `ConnectionResetSharedKey` keyLength limit; the maximum for a user-set key
/// is UNKNOWN). rule: AZ-PSK (code InvalidSharedKey is the emulator's own; real UNKNOWN).
fn check_key(k: &str, target: &str) -> Result<(), ArmError> {
    let ok = !k.is_empty()
        && k.len() <= 128
        && k.chars()
            .all(|c| c.is_ascii_graphic() && c != '-' && c != '~');
    if !ok {
        return Err(ArmError::bad(
            "InvalidSharedKey",
            "The shared key must be 1 to 128 printable ASCII characters other than space, hyphen (-) and tilde (~).",
        )
        .target(target));
    }
    Ok(())
}

/// 409 while the connection, its gateway or any other connection of that gateway has an
/// operation running: the Network RP runs one operation at a time per gateway.
/// rule: AZ-GW-ONE-OPERATION (see [`State::gateway_not_busy`]).
fn not_busy(st: &State, cx: &Ctx, conn_key: &str, gateway_key: &str) -> Result<(), ArmError> {
    st.not_busy(cx, conn_key)?;
    st.gateway_not_busy(cx, gateway_key)
}

/// PUT: validates and stores an IPsec connection. A PUT on an existing connection keeps its
/// shared key: only `PUT .../sharedkey` changes it (azurerm #11673, fixed by PR #11742).
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    let ck = loc.key();
    let me = loc.id();
    st.not_busy(cx, &ck)?;
    let existing: Option<Connection> = st.get(&ck).and_then(|r| match &r.props {
        Props::Connection(c) => Some(c.clone()),
        _ => None,
    });
    let (location, tags) = input::location_and_tags(v, st.get(&ck))?;
    let p = input::obj_of(v, "properties", "")?;
    let pp = "properties";
    let ctype = input::str_of(p, "connectionType", pp)?.ok_or_else(|| {
        ArmError::bad(
            "InvalidRequestFormat",
            "properties.connectionType is required.",
        )
        .target("properties.connectionType")
    })?;
    if !ctype.eq_ignore_ascii_case("IPsec") {
        return Err(ArmError::bad(
            "UnsupportedConnectionType",
            format!("cloudlink-emulator serves IPsec connections only, not {ctype}."),
        )
        .target("properties.connectionType"));
    }
    let gw_id = input::ref_of(p, "virtualNetworkGateway1", pp)?.ok_or_else(|| {
        ArmError::bad(
            "InvalidRequestFormat",
            "properties.virtualNetworkGateway1.id is required.",
        )
        .target("properties.virtualNetworkGateway1")
    })?;
    let gw_res = st
        .get(&key(&gw_id))
        .filter(|r| r.kind == Kind::Gateway && !r.deleting())
        .ok_or_else(|| ArmError::bad_reference(&gw_id, &me))?
        .clone();
    // An IPsec connection needs a local network gateway (azurerm#5402; code guessed).
    let lng_id = input::ref_of(p, "localNetworkGateway2", pp)?.ok_or_else(|| {
        ArmError::bad(
            "LocalNetworkGatewayRequiredForIpsecConnection",
            "An IPsec connection requires properties.localNetworkGateway2.",
        )
        .target("properties.localNetworkGateway2")
    })?;
    let lng_res = st
        .get(&key(&lng_id))
        .filter(|r| r.kind == Kind::LocalGateway && !r.deleting())
        .ok_or_else(|| ArmError::bad_reference(&lng_id, &me))?
        .clone();
    // rule: AZ-SAME-LOCATION (see gateway::ip_configurations).
    if gw_res.location != location {
        return Err(ArmError::bad_reference(&gw_id, &me));
    }
    if lng_res.location != location {
        return Err(ArmError::bad_reference(&lng_id, &me));
    }
    not_busy(st, cx, &ck, &key(&gw_res.id))?;
    let (Props::Gateway(g), Props::LocalGateway(l)) = (&gw_res.props, &lng_res.props) else {
        return Err(ArmError::bad_reference(&gw_id, &me));
    };
    if let Some(old) = &existing {
        if key(&old.gateway) != key(&gw_res.id) || key(&old.local_gateway) != key(&lng_res.id) {
            return Err(ArmError::bad(
                "ConnectionGatewaysCannotBeChanged",
                "The gateways of an existing connection cannot be changed; delete and recreate it.",
            ));
        }
    }
    let protocol = match input::str_of(p, "connectionProtocol", pp)? {
        None => "IKEv2",
        Some(s) if s.eq_ignore_ascii_case("IKEv2") => "IKEv2",
        Some(s) if s.eq_ignore_ascii_case("IKEv1") => "IKEv1",
        Some(s) => {
            return Err(ArmError::format(
                "properties.connectionProtocol",
                &format!("'{s}' is not IKEv1 or IKEv2"),
            ))
        }
    };
    let enable_bgp = input::bool_of(p, "enableBgp", pp)?.unwrap_or(false);
    if enable_bgp && !g.enable_bgp {
        return Err(ArmError::bad(
            "BgpNotEnabledOnVirtualNetworkGateway",
            format!(
                "BGP cannot be enabled on the connection: gateway {} has enableBgp false.",
                gw_res.id
            ),
        )
        .target("properties.enableBgp"));
    }
    if enable_bgp && l.bgp.is_none() {
        return Err(ArmError::bad("LocalNetworkGatewayBgpSettingsMissing", format!("BGP cannot be enabled on the connection: local network gateway {} has no bgpSettings.", lng_res.id)).target("properties.enableBgp"));
    }
    // rule: AZ-IPSEC-POLICY (one policy, every field present, not on Basic; codes are the
    // emulator's own).
    let ipsec_policies = input::arr_of(p, "ipsecPolicies", pp)?.to_vec();
    if ipsec_policies.len() > 1 {
        return Err(ArmError::bad(
            "InvalidIpsecPolicies",
            "Only one IPsec/IKE policy can be specified per connection.",
        )
        .target("properties.ipsecPolicies"));
    }
    for (i, pol) in ipsec_policies.iter().enumerate() {
        for f in [
            "saLifeTimeSeconds",
            "saDataSizeKilobytes",
            "ipsecEncryption",
            "ipsecIntegrity",
            "ikeEncryption",
            "ikeIntegrity",
            "dhGroup",
            "pfsGroup",
        ] {
            if pol.get(f).is_none_or(Value::is_null) {
                return Err(ArmError::format(
                    &format!("properties.ipsecPolicies[{i}].{f}"),
                    "Required property missing",
                ));
            }
        }
    }
    if !ipsec_policies.is_empty() && g.sku == "Basic" {
        return Err(ArmError::bad(
            "IpsecPolicyNotSupportedOnBasicSku",
            "Custom IPsec/IKE policies are not supported on the Basic gateway SKU.",
        ));
    }
    let policy_selectors =
        input::bool_of(p, "usePolicyBasedTrafficSelectors", pp)?.unwrap_or(false);
    if policy_selectors && ipsec_policies.is_empty() {
        // MS "Connect to multiple on-premises policy-based VPN devices": policy-based traffic
        // selectors need a custom IPsec/IKE policy (code guessed).
        return Err(ArmError::bad(
            "PolicyBasedTrafficSelectorsRequireIpsecPolicy",
            "usePolicyBasedTrafficSelectors requires an IPsec/IKE policy on the connection.",
        ));
    }
    // DPD timeout 9-3600 s, default 45 (MS "VPN Gateway settings": DPD timeout).
    let dpd_timeout = input::int_of(p, "dpdTimeoutSeconds", pp)?.unwrap_or(45);
    if !(9..=3600).contains(&dpd_timeout) {
        return Err(ArmError::bad(
            "InvalidDpdTimeout",
            format!("dpdTimeoutSeconds {dpd_timeout} must be between 9 and 3600."),
        )
        .target("properties.dpdTimeoutSeconds"));
    }
    let view = gateway::bgp_view(st, &gw_res, g);
    let mut custom_bgp = Vec::new();
    for (i, a) in input::arr_of(p, "gatewayCustomBgpIpAddresses", pp)?
        .iter()
        .enumerate()
    {
        let path = format!("properties.gatewayCustomBgpIpAddresses[{i}]");
        let ipc = input::str_of(a, "ipConfigurationId", &path)?.unwrap_or("");
        let addr = input::str_of(a, "customBgpIpAddress", &path)?.unwrap_or("");
        let slot = view.iter().find(|v| key(&v.0) == key(ipc)).ok_or_else(|| {
            ArmError::bad_reference(ipc, &me).target(format!("{path}.ipConfigurationId"))
        })?;
        // Must be APIPA and one of the gateway's custom addresses for that instance (MS
        // "How to configure BGP on Azure VPN Gateway", APIPA section; code guessed).
        if !input::is_azure_apipa(addr) || !slot.2.iter().any(|x| x == addr) {
            return Err(ArmError::bad(
                "InvalidCustomBgpIpAddress",
                format!("Custom BGP IP address '{addr}' must be in 169.254.21.0 - 169.254.22.255 and configured on gateway IP configuration {}.", slot.0),
            )
            .target(format!("{path}.customBgpIpAddress")));
        }
        custom_bgp.push((slot.0.clone(), addr.to_string()));
    }
    let shared_key = match &existing {
        Some(old) => old.shared_key.clone(),
        None => match input::str_of(p, "sharedKey", pp)? {
            Some(k) => {
                check_key(k, "properties.sharedKey")?;
                k.to_string()
            }
            // Generated when omitted (azurerm PR #20405).
            None => st.key_of_len(GENERATED_KEY_LEN),
        },
    };
    let c = Connection {
        gateway: gw_res.id.clone(),
        local_gateway: lng_res.id.clone(),
        protocol: protocol.into(),
        routing_weight: input::int_of(p, "routingWeight", pp)?.unwrap_or(0),
        shared_key,
        enable_bgp,
        policy_selectors,
        ipsec_policies,
        dpd_timeout,
        custom_bgp,
        mode: input::str_of(p, "connectionMode", pp)?
            .unwrap_or("Default")
            .to_string(),
        local_azure_ip: input::bool_of(p, "useLocalAzureIpAddress", pp)?.unwrap_or(false),
        reset_length: existing.as_ref().and_then(|o| o.reset_length),
    };
    Ok(st.commit(
        cx,
        loc,
        location,
        tags,
        Props::Connection(c),
        Op::ConnectionWrite,
    ))
}

/// DELETE, refused (409) while the gateway or another of its connections has an operation
/// running.
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let ck = loc.key();
    if let Some(Props::Connection(c)) = st.get(&ck).map(|r| &r.props) {
        not_busy(st, cx, &ck, &key(&c.gateway))?;
    }
    Ok(st.begin_delete(cx, &[ck], Op::ConnectionWrite))
}

fn connection<'a>(st: &'a State, loc: &Loc) -> Result<(&'a Res, &'a Connection), ArmError> {
    let r = st
        .get(&loc.key())
        .ok_or_else(|| ArmError::not_found(Kind::Connection.type_name(), &loc.name, &loc.rg))?;
    match &r.props {
        Props::Connection(c) => Ok((r, c)),
        _ => Err(ArmError::not_found(
            Kind::Connection.type_name(),
            &loc.name,
            &loc.rg,
        )),
    }
}

/// Replaces the key and runs a `SharedKeyWrite` operation on the connection.
fn rekey(
    st: &mut State,
    cx: &Ctx,
    loc: &Loc,
    new_key: String,
    action: &str,
) -> (String, String, String) {
    let ck = loc.key();
    let dur = cx.ms(Op::SharedKeyWrite);
    let op = st.start_op(cx, &loc.id(), action, dur, false);
    let etag = st.etag();
    let r = st.res.get_mut(&ck).expect("checked by caller");
    if let Props::Connection(c) = &mut r.props {
        c.shared_key = new_key;
    }
    r.etag = etag;
    r.busy = Some(Busy {
        op: op.clone(),
        delete: false,
        done_at: cx.now + dur,
    });
    (op, r.sub.clone(), r.location.clone())
}

/// `GET|PUT .../connections/{n}/sharedkey` (GetSharedKey / SetSharedKey examples:
/// `{"id": "", "value": ...}`; the PUT is an Azure-AsyncOperation LRO).
pub(crate) fn shared_key(
    st: &mut State,
    cx: &Ctx,
    method: &Method,
    loc: &Loc,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let (r, c) = connection(st, loc)?;
    match *method {
        Method::GET => Ok(Reply::ok(json!({"id": "", "value": c.shared_key}))),
        Method::PUT => {
            not_busy(st, cx, &key(&r.id), &key(&c.gateway))?;
            let v = input::body(body)?;
            let value = input::str_of(&v, "value", "")?
                .ok_or_else(|| {
                    ArmError::format("value", "Required property 'value' not found in JSON")
                })?
                .to_string();
            check_key(&value, "value")?;
            let (op, sub, location) = rekey(st, cx, loc, value.clone(), "PUT sharedkey");
            let mut reply = Reply::ok(json!({"id": "", "value": value}));
            lro::add_headers(&mut reply, cx, &sub, &location, &st.ops[&op], false);
            Ok(reply)
        }
        _ => Err(ArmError::new(
            405,
            "HttpMethodNotSupported",
            format!("The http method '{method}' is not supported for this resource."),
        )),
    }
}

/// `POST .../sharedkey/reset {"keyLength": 1..=128}`: a new generated key; 202 with
/// `Location` (spec final-state-via location) + `Azure-AsyncOperation`. A `GET` on the same
/// path answers `{"keyLength": n}`: azure_mgmt_network's Location poller ends with a GET of
/// the request URL (azure-arm.md §1), which real Azure would serve from the operation result.
pub(crate) fn reset_shared_key(
    st: &mut State,
    cx: &Ctx,
    method: &Method,
    loc: &Loc,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let (r, c) = connection(st, loc)?;
    match *method {
        Method::GET => c
            .reset_length
            .map(|n| Reply::ok(json!({"keyLength": n})))
            .ok_or_else(|| {
                ArmError::new(
                    404,
                    "NotFound",
                    "No shared key reset was requested on this connection.",
                )
            }),
        Method::POST => {
            not_busy(st, cx, &key(&r.id), &key(&c.gateway))?;
            let v = input::body(body)?;
            let n = input::int_of(&v, "keyLength", "")?.ok_or_else(|| {
                ArmError::format(
                    "keyLength",
                    "Required property 'keyLength' not found in JSON",
                )
            })?;
            if !(1..=128).contains(&n) {
                return Err(ArmError::bad(
                    "InvalidKeyLength",
                    format!("keyLength {n} must be between 1 and 128."),
                )
                .target("keyLength"));
            }
            let new_key = st.key_of_len(n as usize);
            let (op, sub, location) = rekey(st, cx, loc, new_key, "POST reset");
            if let Some(Props::Connection(c)) = st.res.get_mut(&loc.key()).map(|r| &mut r.props) {
                c.reset_length = Some(n);
            }
            st.set_op_result(&op, json!({"keyLength": n}));
            let mut reply = Reply::empty(202);
            lro::add_headers(&mut reply, cx, &sub, &location, &st.ops[&op], true);
            Ok(reply)
        }
        _ => Err(ArmError::new(
            405,
            "HttpMethodNotSupported",
            format!("The http method '{method}' is not supported for this resource."),
        )),
    }
}
