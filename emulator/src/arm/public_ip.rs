//! Public IP addresses: Standard SKU, Static allocation, address assigned at once from
//! 198.51.100.0/24 (TEST-NET-2, RFC 5737), deterministically from the seed.

use super::{
    errors::ArmError,
    input,
    model::{key, Kind, Props, PublicIp, Res},
    regions, Ctx, Loc, Reply, State,
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

/// `zones` of a PUT: each one of the region's logical zones, none in a region without zones,
/// and unchanged on an existing address.
fn check_zones(
    st: &State,
    loc: &Loc,
    location: &str,
    zones: Vec<String>,
    existing: Option<&Res>,
) -> Result<Vec<String>, ArmError> {
    let resource = format!("Microsoft.Network/publicIPAddresses/{}", loc.name);
    let has_zones = st.region_has_zones(location).unwrap_or(false);
    // rule: AZ-PIP-ZONES-UNSUPPORTED. User logs: "The resource
    // 'Microsoft.Network/publicIPAddresses/vgw-hub-vpn-ukw-001-PublicIP' does not support
    // availability zones at location 'ukwest'. (Code:LocationNotSupportAvailabilityZones)"
    // (Azure/Azure-Landing-Zones#425, 2025-03-18). The 2020-08-01+ zone behaviour: "A
    // zone-redundant resource can only be created in regions where Availability Zones are
    // supported" (Azure update "zone-behavior-change").
    if !zones.is_empty() && !has_zones {
        return Err(ArmError::bad(
            "LocationNotSupportAvailabilityZones",
            format!("The resource '{resource}' does not support availability zones at location '{location}'."),
        )
        .target("zones"));
    }
    // A zone that is not one of the region's logical zones (azurerm#6296: "The zone(s)
    // 'Zone-redundant' for resource 'Microsoft.Network/publicIPAddresses/XXXX-pip01' is not
    // supported. The supported zones for location 'westeurope' are '1,2,3'",
    // InvalidAvailabilityZone). Duplicates are refused the same way (guess: real behaviour
    // for duplicates is UNKNOWN).
    let mut seen: Vec<&str> = Vec::new();
    for z in &zones {
        if !regions::ZONES.contains(&z.as_str()) || seen.contains(&z.as_str()) {
            return Err(ArmError::bad(
                "InvalidAvailabilityZone",
                format!("The zone(s) '{z}' for resource '{resource}' is not supported. The supported zones for location '{location}' are '{}'", regions::ZONES.join(",")),
            )
            .target("zones"));
        }
        seen.push(z);
    }
    // rule: AZ-PIP-ZONES-IMMUTABLE. User logs (Azure/AzOps#701, azure-cli#16653,
    // bicep-registry-modules#2702): "Resource ... has an existing availability zone constraint
    // 1 and the request has availability zone constraint NoZone, which do not match. Zones
    // cannot be added/updated/removed once the resource is created. The resource cannot be
    // updated from regional to zonal or vice-versa." (ResourceAvailabilityZonesCannotBeModified;
    // HTTP 400 inferred from "BadRequestError"). Compared as sets: ["3","1","2"] equals
    // ["1","2","3"] (order tolerance is a guess).
    if let Some(Props::PublicIp(old)) = existing.map(|r| &r.props) {
        let (mut a, mut b) = (old.zones.clone(), zones.clone());
        a.sort();
        b.sort();
        if a != b {
            let constraint = |z: &[String]| {
                if z.is_empty() {
                    "NoZone".to_string()
                } else {
                    z.join(",")
                }
            };
            return Err(ArmError::bad(
                "ResourceAvailabilityZonesCannotBeModified",
                format!("Resource {} has an existing availability zone constraint {} and the request has availability zone constraint {}, which do not match. Zones cannot be added/updated/removed once the resource is created. The resource cannot be updated from regional to zonal or vice-versa.", loc.id(), constraint(&old.zones), constraint(&zones)),
            )
            .target("zones"));
        }
        return Ok(old.zones.clone());
    }
    Ok(zones)
}

/// PUT: validates SKU and allocation, keeps the address on update.
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    st.not_busy(cx, &loc.key())?;
    let existing = st.get(&loc.key());
    let (location, tags) = input::location_and_tags(v, existing)?;
    let sku = input::obj_of(v, "sku", "")?;
    // rule: AZ-PIP-STANDARD-STATIC (the emulator serves Standard, Static addresses only, which
    // is what a new VPN gateway needs: "When you create a new VPN gateway, you must use a
    // Standard SKU public IP address", About gateway SKUs, ms.date 06/11/2026).
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
    // rule: AZ-PIP-STANDARD-STATIC
    // Standard public IPs must be Static (azurerm public_ip docs: "Public IP Standard SKUs
    // require allocation_method to be set to Static"); absent means Static for Standard.
    if let Some(m) = input::str_of(props, "publicIPAllocationMethod", "properties")? {
        if !m.eq_ignore_ascii_case("Static") {
            return Err(ArmError::bad(
                "StandardSkuPublicIPAddressesMustBeStatic",
                format!(
                    "Standard sku publicIp {} must have AllocationMethod set to Static.",
                    loc.id()
                ),
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
    let zones = check_zones(
        st,
        loc,
        &location,
        input::strings_of(v, "zones", "")?,
        existing,
    )?;
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

impl State {
    /// Every allocated public IP address, so the admin API can tell an Azure gateway's IP
    /// from a site VPN's device.
    pub fn public_ip_addresses(&self) -> Vec<String> {
        self.of_kind(Kind::PublicIp)
            .filter_map(|r| match &r.props {
                Props::PublicIp(p) => Some(p.ip.clone()),
                _ => None,
            })
            .collect()
    }
}
