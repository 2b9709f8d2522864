//! Public IP addresses: Standard SKU, Static allocation, address assigned at once from
//! 198.51.100.0/24 (TEST-NET-2, RFC 5737), deterministically from the seed.

use super::{
    errors::ArmError,
    input,
    model::{key, Kind, Props, PublicIp, Res},
    Ctx, Loc, Reply, State,
};
use crate::profile::Op;
use serde_json::{json, Value};

/// Renders `properties` (and sets `sku`/`zones` on the envelope).
pub(crate) fn render(st: &State, r: &Res, p: &PublicIp, envelope: &mut Value) -> Value {
    envelope["sku"] = json!({"name": "Standard", "tier": p.tier});
    if !p.zones.is_empty() {
        envelope["zones"] = json!(p.zones);
    }
    let mut props = json!({
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": "Static",
        "idleTimeoutInMinutes": p.idle_timeout,
        "ipAddress": p.ip,
        "ipTags": [],
    });
    if let Some(d) = &p.dns {
        props["dnsSettings"] = d.clone();
    }
    // Read-only back-reference to the gateway ipConfiguration using the address
    // (PublicIpAddressGet.json shows `ipConfiguration: {id}`).
    if let Some(ipc) = user_of(st, &r.id) {
        props["ipConfiguration"] = json!({"id": ipc});
    }
    props
}

/// The id of the gateway ipConfiguration that uses this public IP, if any.
pub(crate) fn user_of(st: &State, pip_id: &str) -> Option<String> {
    let k = key(pip_id);
    st.of_kind(Kind::Gateway).find_map(|g| match &g.props {
        Props::Gateway(gw) => gw
            .ip_configs
            .iter()
            .find(|c| key(&c.public_ip) == k)
            .map(|c| format!("{}/ipConfigurations/{}", g.id, c.name)),
        _ => None,
    })
}

/// The next free address of 198.51.100.0/24, starting at a seed-derived host.
fn allocate(st: &State) -> String {
    let used: Vec<&str> = st
        .of_kind(Kind::PublicIp)
        .filter_map(|r| match &r.props {
            Props::PublicIp(p) => Some(p.ip.as_str()),
            _ => None,
        })
        .collect();
    let start = (st.seed % 254) as u32;
    (0..254u32)
        .map(|i| format!("198.51.100.{}", (start + i) % 254 + 1))
        .find(|ip| !used.contains(&ip.as_str()))
        .unwrap_or_else(|| "198.51.100.254".into())
}

/// PUT: validates SKU and allocation, keeps the address on update.
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    st.not_busy(cx, &loc.key())?;
    let existing = st.get(&loc.key());
    let (location, tags) = input::location_and_tags(v, existing)?;
    let sku = input::obj_of(v, "sku", "")?;
    // api-version 2024-03-01 defaults the SKU to Basic; Basic public IPs cannot be created
    // since 2025-03-31 and were retired on 2025-09-30 (Azure update "Upgrade to Standard SKU
    // public IP addresses in Azure by 30 September 2025"). New subscriptions get
    // IPv4BasicSkuPublicIpCountLimitReached (skypilot-org/skypilot#7977).
    let sku_name = input::str_of(sku, "name", "sku")?.unwrap_or("Basic");
    if !sku_name.eq_ignore_ascii_case("Standard") {
        return Err(ArmError::bad(
            "IPv4BasicSkuPublicIpCountLimitReached",
            format!("Cannot create more than 0 IPv4 {sku_name} SKU public IP addresses for this subscription in this region. Basic SKU public IPs were retired on 30 September 2025: use sku Standard."),
        )
        .target("sku.name"));
    }
    let tier = match input::str_of(sku, "tier", "sku")? {
        None => "Regional".to_string(),
        Some(t) if t.eq_ignore_ascii_case("Regional") || t.eq_ignore_ascii_case("Global") => {
            t.to_string()
        }
        Some(t) => {
            return Err(ArmError::bad(
                "InvalidPublicIpSkuTier",
                format!("Public IP SKU tier '{t}' is not valid."),
            )
            .target("sku.tier"))
        }
    };
    let props = input::obj_of(v, "properties", "")?;
    // Standard public IPs must be Static (azurerm public_ip docs: "Public IP Standard SKUs
    // require allocation_method to be set to Static"); absent means Static for Standard.
    if let Some(m) = input::str_of(props, "publicIPAllocationMethod", "properties")? {
        if !m.eq_ignore_ascii_case("Static") {
            return Err(ArmError::bad(
                "StandardSkuPublicIPAddressesMustBeStatic",
                "Standard sku publicIp must have AllocationMethod set to Static.",
            )
            .target("properties.publicIPAllocationMethod"));
        }
    }
    if let Some(ver) = input::str_of(props, "publicIPAddressVersion", "properties")? {
        if !ver.eq_ignore_ascii_case("IPv4") {
            return Err(ArmError::bad(
                "UnsupportedPublicIPAddressVersion",
                "cloudlink-emulator serves IPv4 public IPs only.",
            ));
        }
    }
    let idle_timeout = input::int_of(props, "idleTimeoutInMinutes", "properties")?.unwrap_or(4);
    if !(4..=30).contains(&idle_timeout) {
        return Err(ArmError::bad(
            "PublicIPIdleTimeoutIsOutOfRange",
            format!(
                "IdleTimeoutInMinutes {idle_timeout} is out of range; it must be between 4 and 30."
            ),
        ));
    }
    let dns = input::obj_of(props, "dnsSettings", "properties")?;
    let zones = input::strings_of(v, "zones", "")?;
    let ip = match existing.map(|r| &r.props) {
        Some(Props::PublicIp(p)) => p.ip.clone(),
        _ => allocate(st),
    };
    let p = PublicIp {
        ip,
        tier,
        idle_timeout,
        zones,
        dns: (!dns.is_null()).then(|| dns.clone()),
    };
    Ok(st.commit(
        cx,
        loc,
        location,
        tags,
        Props::PublicIp(p),
        Op::PublicIpCreate,
    ))
}

/// DELETE: refused while a gateway ipConfiguration still uses the address (azurerm#688:
/// `PublicIPAddressCannotBeDeleted` while the gateway is still being torn down).
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let id = loc.id();
    if let Some(ipc) = user_of(st, &id) {
        return Err(ArmError::bad(
            "PublicIPAddressCannotBeDeleted",
            format!("Public IP address {id} can not be deleted since it is still allocated to resource {ipc}. In order to delete the public IP, disassociate/detach the Public IP address from the resource."),
        ));
    }
    Ok(st.begin_delete(cx, &[loc.key()], Op::ArmOtherWrite))
}
