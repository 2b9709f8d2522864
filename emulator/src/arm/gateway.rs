//! Virtual network gateways (VPN): SKU/generation/type rules as Azure applies them today
//! (2026-12), active-active, GatewaySubnet and public-IP references (same region, zones per
//! SKU and region), BGP settings with default and custom (APIPA) peering addresses.
//!
//! Rule sources, each next to its check with its `rule:` id: Microsoft Learn "VPN Gateway SKU
//! consolidation and migration" (ms.date 02/03/2026), "About gateway SKUs" (06/11/2026),
//! "Upgrade a VPN Gateway SKU" (03/03/2026), the legacy-SKU page (2/27/2026); user-reported
//! error codes from public issues (named at each check). Older rules kept: Basic has no BGP
//! and no active-active and PolicyBased needs Basic; vpnType is immutable ("Once a virtual
//! network gateway has been created, you can't change the VPN type"); one VPN gateway per
//! VNet; default ASN 65515 "whether BGP is enabled or not". Codes that no source shows are
//! marked as the emulator's own in their messages or comments.

use super::{
    errors::ArmError,
    input,
    model::{key, Gateway, IpConfig, Kind, Props, Res},
    virtual_network::GATEWAY_SUBNET,
    Ctx, Loc, Reply, State,
};
use crate::profile::Op;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

/// Default Azure VPN gateway ASN (MS BGP FAQ via anchors.md §6).
pub(crate) const DEFAULT_ASN: u32 = 65515;

/// VPN gateway SKUs of api-version 2024-03-01 that a PUT may name (`VirtualNetworkGatewaySku`
/// enum, VPN part). Which of them may be created today is decided by [`check_new_sku`], which
/// may be resized to which by [`check_resize`].
const SKUS: &[&str] = &[
    "Basic",
    "VpnGw1",
    "VpnGw2",
    "VpnGw3",
    "VpnGw4",
    "VpnGw5",
    "VpnGw1AZ",
    "VpnGw2AZ",
    "VpnGw3AZ",
    "VpnGw4AZ",
    "VpnGw5AZ",
    "Standard",
    "HighPerformance",
];

/// The SKUs a new VPN gateway may use today (About gateway SKUs, ms.date 06/11/2026: "The
/// following SKUs can be used to deploy new VPN gateways": Basic, VpnGw1AZ-3AZ Generation1,
/// VpnGw2AZ-5AZ Generation2).
const CREATABLE: &[&str] = &[
    "Basic", "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ",
];

/// Whether a SKU is one of the zone-redundant (AZ) VPN SKUs.
pub(crate) fn is_az(sku: &str) -> bool {
    sku.starts_with("VpnGw") && sku.ends_with("AZ")
}

/// Whether a SKU is one of the retired non-AZ VpnGw1-5 SKUs.
fn is_non_az(sku: &str) -> bool {
    sku.starts_with("VpnGw") && !sku.ends_with("AZ")
}

/// Whether a SKU is a legacy (Standard / HighPerformance) one.
fn is_legacy(sku: &str) -> bool {
    sku == "Standard" || sku == "HighPerformance"
}

fn level(sku: &str) -> u32 {
    sku.trim_start_matches("VpnGw")
        .trim_end_matches("AZ")
        .parse()
        .unwrap_or(0)
}

/// rule: AZ-GW-GENERATION. Gen1 = Basic, VpnGw1-3, VpnGw1AZ-3AZ (and the legacy SKUs); Gen2 =
/// VpnGw2-5, VpnGw2AZ-5AZ (About gateway SKUs table; azurerm validators).
fn generation_allows(generation: &str, sku: &str) -> bool {
    match generation {
        "Generation1" => is_legacy(sku) || sku == "Basic" || (1..=3).contains(&level(sku)),
        "Generation2" => (2..=5).contains(&level(sku)),
        _ => false,
    }
}

fn default_generation(sku: &str) -> &'static str {
    if level(sku) >= 4 {
        "Generation2"
    } else {
        "Generation1"
    }
}

/// The SKU of a new gateway must be creatable today.
fn check_new_sku(sku: &str) -> Result<(), ArmError> {
    if is_non_az(sku) {
        // rule: AZ-GW-SKU-NONAZ-RETIRED. "Effective November 1, 2025: You can no longer create
        // new VPN gateways (VpnGw1-5 SKUs) that aren't supported by an availability zone"
        // (Learn "VPN Gateway SKU consolidation and migration", ms.date 02/03/2026; the
        // 09/26/2024 version said January 1, 2025). Code and message from user logs of
        // 2025-2026 (read (user report); not on a Microsoft page). Whether real Azure answers
        // synchronously or as a Failed operation is UNKNOWN; the logs show a 400 on the PUT.
        return Err(ArmError::bad(
            "NonAzSkusNotAllowedForVPNGateway",
            "VpnGw1-5 non-AZ SKUs are no longer supported for VPN gateways. Only VpnGw1-5AZ SKUs can be created going forward.",
        )
        .target("properties.sku.name"));
    }
    if is_legacy(sku) {
        // rule: AZ-GW-SKU-LEGACY-RETIRED. "As of December 1, 2023, you can't create gateways
        // that use Standard or High Performance SKUs" (vpn-gateway-deprecate-sku-faq include;
        // legacy-SKU page ms.date 2/27/2026). The real error code is UNKNOWN: the emulator
        // answers with InvalidGatewaySize, the code ARM used for sizes outside its list
        // (azurerm#8132, 2020) - a best-known code, not a verified one.
        return Err(invalid_size(sku));
    }
    Ok(())
}

/// `InvalidGatewaySize` listing what may be created (wording of azurerm#8132: "The specified
/// gateway size is not valid, supported gateway sizes are ...").
fn invalid_size(sku: &str) -> ArmError {
    ArmError::bad(
        "InvalidGatewaySize",
        format!(
            "The specified gateway size {sku} is not valid, supported gateway sizes are {}.",
            CREATABLE.join(",")
        ),
    )
    .target("properties.sku.name")
}

/// rule: AZ-GW-RESIZE. A SKU change on an existing gateway, per Learn "Upgrade a VPN Gateway
/// SKU" (ms.date 03/03/2026): Basic -> any other SKU: delete/re-create only; legacy -> AZ:
/// "Migrate Only" (Basic IP migration tool, not a PUT); Generation1 SKU -> Generation1 AZ SKU:
/// yes; Generation1 SKU -> Generation2 AZ SKU: "Migrate Only"; Generation2 SKU -> Generation2
/// AZ SKU: yes; "You can't downgrade a SKU without deleting the gateway and creating a new
/// one". Hence a PUT may move VpnGw2 -> VpnGw2AZ or VpnGw3AZ (the portal does this in place:
/// "from VpnGw1 to VpnGw1AZ, there's no downtime"), never to a non-AZ SKU, never down, never
/// across generations.
fn check_resize(old: &Gateway, sku: &str, generation: &str) -> Result<(), ArmError> {
    let cross = || {
        // azurerm#5535 (real code, misspelled by Azure, and its message).
        ArmError::bad(
            "CrossSeriesOrCrossGatewayGenenrationResizeNotSupported",
            "Resize from ASeries to DSeries or vice versa and Resize across VirtualNetworkVpnGatewayGenerations are not supported.",
        )
        .target("properties.sku.name")
    };
    if old.generation != generation {
        return Err(cross());
    }
    if old.sku == sku {
        if is_non_az(sku) {
            // "Existing VPN gateways not supported by an availability zone will no longer allow
            // configuration changes. If you attempt any management or configuration operation,
            // you'll get an error message" (consolidation page, 02/03/2026). That error's code
            // is UNKNOWN; the emulator reuses the creation code (best-known).
            return Err(ArmError::bad(
                "NonAzSkusNotAllowedForVPNGateway",
                format!("VpnGw1-5 non-AZ SKUs are no longer supported for VPN gateways: gateway SKU {sku} accepts no configuration change until it is upgraded to {sku}AZ (cloudlink-emulator: the real code for this case is unknown)."),
            )
            .target("properties.sku.name"));
        }
        return Ok(());
    }
    // Basic and legacy SKUs change only by delete/re-create or Microsoft's migration (code
    // UNKNOWN; best-known: the cross-series code, Basic/legacy being the "A series").
    if old.sku == "Basic" || is_legacy(&old.sku) || sku == "Basic" || is_legacy(sku) {
        return Err(cross());
    }
    if is_non_az(sku) {
        return Err(ArmError::bad(
            "NonAzSkusNotAllowedForVPNGateway",
            "VpnGw1-5 non-AZ SKUs are no longer supported for VPN gateways. Only VpnGw1-5AZ SKUs can be created going forward.",
        )
        .target("properties.sku.name"));
    }
    if !generation_allows(generation, sku) {
        return Err(cross());
    }
    if level(sku) < level(&old.sku) {
        // The real error code of a downgrade is UNKNOWN (Learn says only that it is not
        // possible); this code is the emulator's own.
        return Err(ArmError::bad(
            "VirtualNetworkGatewaySkuDowngradeNotSupported",
            format!("Gateway SKU {} cannot be downgraded to {sku}: delete the gateway and create a new one (cloudlink-emulator: the real Azure error code for a downgrade is unknown).", old.sku),
        )
        .target("properties.sku.name"));
    }
    Ok(())
}

/// Per ipConfiguration: (id, default BGP IP, custom BGP IPs, tunnel IP).
pub(crate) fn bgp_view(
    st: &State,
    r: &Res,
    g: &Gateway,
) -> Vec<(String, String, Vec<String>, String)> {
    g.ip_configs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = format!("{}/ipConfigurations/{}", r.id, c.name);
            let prefix = st.get(&key(&c.subnet)).and_then(|s| match &s.props {
                Props::Subnet(s) => input::cidr(&s.prefix),
                _ => None,
            });
            // The gateway's BGP listener sits in GatewaySubnet: the second-to-last address
            // when active-standby (x.x.x.30 in a /27), the .4/.5 instance addresses when
            // active-active (as the portal shows them; unverified).
            let default = prefix
                .map(|p| {
                    let n = if g.active_active {
                        u32::from(p.network()) + 4 + i as u32
                    } else {
                        u32::from(p.broadcast()) - 1
                    };
                    Ipv4Addr::from(n).to_string()
                })
                .unwrap_or_default();
            let custom = g
                .custom_bgp
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let tunnel = st
                .get(&key(&c.public_ip))
                .and_then(|p| match &p.props {
                    Props::PublicIp(p) => Some(p.ip.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            (id, default, custom, tunnel)
        })
        .collect()
}

/// Renders gateway `properties` (shape of VirtualNetworkGatewayGet.json).
pub(crate) fn render(st: &State, r: &Res, g: &Gateway, now: u64) -> Value {
    let state = r.provisioning_state(now);
    let ipcs: Vec<Value> = g
        .ip_configs
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "id": format!("{}/ipConfigurations/{}", r.id, c.name),
                "etag": r.etag,
                "properties": {
                    "provisioningState": state,
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": {"id": c.public_ip},
                    "subnet": {"id": c.subnet},
                }
            })
        })
        .collect();
    let view = bgp_view(st, r, g);
    let peering: Vec<Value> = view
        .iter()
        .map(|(id, d, c, t)| {
            json!({"ipconfigurationId": id, "defaultBgpIpAddresses": [d], "customBgpIpAddresses": c, "tunnelIpAddresses": [t]})
        })
        .collect();
    let defaults: Vec<&str> = view.iter().map(|v| v.1.as_str()).collect();
    json!({
        "ipConfigurations": ipcs,
        "natRules": [],
        "enableBgpRouteTranslationForNat": false,
        "sku": {"name": g.sku, "tier": g.sku, "capacity": 2},
        "gatewayType": "Vpn",
        "vpnType": g.vpn_type,
        "vpnGatewayGeneration": g.generation,
        "enableBgp": g.enable_bgp,
        "enablePrivateIpAddress": false,
        "activeActive": g.active_active,
        "disableIPSecReplayProtection": false,
        "bgpSettings": {
            "asn": g.asn,
            "bgpPeeringAddress": defaults.join(","),
            "peerWeight": g.peer_weight,
            "bgpPeeringAddresses": peering,
        },
        "allowVirtualWanTraffic": false,
        "allowRemoteVnetTraffic": false,
    })
}

fn enum_of<'a>(
    given: Option<&str>,
    allowed: &[&'a str],
    default: &'a str,
    path: &str,
) -> Result<&'a str, ArmError> {
    match given {
        None => Ok(default),
        Some(s) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .copied()
            .ok_or_else(|| ArmError::format(path, &format!("'{s}' is not one of {allowed:?}"))),
    }
}

/// PUT: validates and stores a VPN gateway; create lasts `VirtualNetworkGatewayCreate`,
/// update `VirtualNetworkGatewayUpdate`.
pub(crate) fn put(st: &mut State, cx: &Ctx, loc: &Loc, v: &Value) -> Result<Reply, ArmError> {
    let gk = loc.key();
    // rule: AZ-GW-ONE-OPERATION
    st.gateway_not_busy(cx, &gk)?;
    let existing: Option<Gateway> = st.get(&gk).and_then(|r| match &r.props {
        Props::Gateway(g) => Some(g.clone()),
        _ => None,
    });
    let (location, tags) = input::location_and_tags(v, st.get(&gk))?;
    let p = input::obj_of(v, "properties", "")?;
    let pp = "properties";
    let gateway_type = enum_of(
        input::str_of(p, "gatewayType", pp)?,
        &["Vpn", "ExpressRoute", "LocalGateway"],
        "Vpn",
        "properties.gatewayType",
    )?;
    if gateway_type != "Vpn" {
        return Err(ArmError::bad(
            "UnsupportedGatewayType",
            format!("cloudlink-emulator serves VPN gateways only, not gatewayType {gateway_type}."),
        ));
    }
    let vpn_type = enum_of(
        input::str_of(p, "vpnType", pp)?,
        &["RouteBased", "PolicyBased"],
        "RouteBased",
        "properties.vpnType",
    )?;
    let sku_v = input::obj_of(p, "sku", pp)?;
    let sku_name = input::str_of(sku_v, "name", "properties.sku")?.ok_or_else(|| {
        ArmError::bad("InvalidGatewaySize", "properties.sku.name is required.")
            .target("properties.sku.name")
    })?;
    let sku = SKUS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(sku_name))
        .copied()
        .ok_or_else(|| invalid_size(sku_name))?;
    // Fixtures model gateways created before the retirements, so only real PUTs are held to
    // today's creation rules.
    if existing.is_none() && !cx.quiet {
        check_new_sku(sku)?;
    }
    if let Some(t) = input::str_of(sku_v, "tier", "properties.sku")? {
        if !t.eq_ignore_ascii_case(sku) {
            // Code UNKNOWN (the emulator's InvalidGatewaySize); the spec's tier enum mirrors
            // the name.
            return Err(ArmError::bad(
                "InvalidGatewaySize",
                format!("Gateway SKU tier {t} must equal the SKU name {sku}."),
            )
            .target("properties.sku.tier"));
        }
    }
    let active_active = input::bool_of(p, "activeActive", pp)?.unwrap_or(false);
    let enable_bgp = input::bool_of(p, "enableBgp", pp)?.unwrap_or(false);
    // rule: AZ-GW-SKU-BASIC. Codes of the next three checks are the emulator's own (real ones
    // UNKNOWN); the rules are documented: "Basic ... BGP Not Supported", active-active and
    // custom IPsec/IKE policy only on "All Generation1 and Generation2 SKUs except Basic",
    // policy-based = Basic (About gateway SKUs, ms.date 06/11/2026).
    if vpn_type == "PolicyBased" && sku != "Basic" {
        return Err(ArmError::bad(
            "PolicyBasedGatewayRequiresBasicSku",
            format!("A PolicyBased VPN gateway supports only the Basic SKU, not {sku}."),
        ));
    }
    if sku == "Basic" && enable_bgp {
        return Err(ArmError::bad(
            "BgpNotSupportedForBasicSku",
            "BGP is not supported on the Basic VPN gateway SKU.",
        )
        .target("properties.enableBgp"));
    }
    if sku == "Basic" && active_active {
        return Err(ArmError::bad(
            "ActiveActiveNotSupportedForBasicSku",
            "Active-active is not supported on the Basic VPN gateway SKU.",
        )
        .target("properties.activeActive"));
    }
    let generation = match input::str_of(p, "vpnGatewayGeneration", pp)? {
        None | Some("None") => existing
            .as_ref()
            .map(|g| g.generation.clone())
            .filter(|g| generation_allows(g, sku))
            .unwrap_or_else(|| default_generation(sku).to_string()),
        Some(g) => {
            let g = enum_of(
                Some(g),
                &["Generation1", "Generation2"],
                "Generation1",
                "properties.vpnGatewayGeneration",
            )?;
            if !generation_allows(g, sku) {
                // rule: AZ-GW-GENERATION (real code and message: Azure/Enterprise-Scale#504,
                // 2021).
                return Err(ArmError::bad(
                    "VirtualNetworkGatewaySkuCannotBeCreatedForSpecifiedVmGeneration",
                    format!("The Virtual Network Gateway Sku {sku} cannot be used when VirtualNetworkVpnGatewayGeneration is set to {g}."),
                )
                .target("properties.vpnGatewayGeneration"));
            }
            g.to_string()
        }
    };
    if let Some(old) = &existing {
        if old.vpn_type != vpn_type {
            return Err(ArmError::bad("VpnTypeCannotBeChanged", format!("The VPN type of an existing gateway cannot be changed from {} to {vpn_type}; delete and recreate the gateway.", old.vpn_type))
                .target("properties.vpnType"));
        }
        check_resize(old, sku, &generation)?;
    }
    let ip_configs = ip_configurations(st, loc, &location, p, active_active)?;
    check_public_ip_zones(st, &location, sku, &ip_configs, existing.as_ref())?;
    // BGP settings: ASN defaults to 65515 whether or not BGP is enabled.
    // rule: AZ-BGP-ASN-RESERVED (code InvalidBgpAsn is the emulator's own; real UNKNOWN).
    let bgp = input::obj_of(p, "bgpSettings", pp)?;
    let asn = match input::int_of(bgp, "asn", "properties.bgpSettings")? {
        None => existing.as_ref().map(|g| g.asn).unwrap_or(DEFAULT_ASN),
        Some(a) if (1..=u32::MAX as i64).contains(&a) && (a == DEFAULT_ASN as i64 || !input::is_reserved_asn(a)) => a as u32,
        Some(a) => {
            return Err(ArmError::bad("InvalidBgpAsn", format!("ASN {a} is reserved by Azure or out of range and cannot be used for a VPN gateway."))
                .target("properties.bgpSettings.asn"))
        }
    };
    let peer_weight = input::int_of(bgp, "peerWeight", "properties.bgpSettings")?.unwrap_or(0);
    let mut custom_bgp: Vec<(String, Vec<String>)> = Vec::new();
    for (i, a) in input::arr_of(bgp, "bgpPeeringAddresses", "properties.bgpSettings")?
        .iter()
        .enumerate()
    {
        let path = format!("properties.bgpSettings.bgpPeeringAddresses[{i}]");
        let ipc_id = input::str_of(a, "ipconfigurationId", &path)?.unwrap_or("");
        let name = ip_configs
            .iter()
            .find(|c| key(&format!("{}/ipConfigurations/{}", loc.id(), c.name)) == key(ipc_id))
            .map(|c| c.name.clone())
            .ok_or_else(|| {
                ArmError::bad_reference(ipc_id, &loc.id())
                    .target(format!("{path}.ipconfigurationId"))
            })?;
        let ips = input::strings_of(a, "customBgpIpAddresses", &path)?;
        if let Some(bad) = ips.iter().find(|ip| !input::is_azure_apipa(ip)) {
            // rule: AZ-BGP-APIPA. Range: anchors.md §6 (azurerm
            // IPAddressInAzureReservedAPIPARange); code is the emulator's own (real UNKNOWN).
            return Err(ArmError::bad(
                "InvalidCustomBgpIpAddress",
                format!("Custom BGP IP address {bad} is not valid: it must be in the Azure reserved APIPA range 169.254.21.0 - 169.254.22.255."),
            )
            .target(format!("{path}.customBgpIpAddresses")));
        }
        custom_bgp.push((name, ips));
    }
    let g = Gateway {
        vpn_type: vpn_type.into(),
        generation,
        sku: sku.into(),
        active_active,
        enable_bgp,
        ip_configs,
        asn,
        peer_weight,
        custom_bgp,
    };
    let op = if existing.is_some() {
        Op::VirtualNetworkGatewayUpdate
    } else {
        Op::VirtualNetworkGatewayCreate
    };
    Ok(st.commit(cx, loc, location, tags, Props::Gateway(g), op))
}

/// The zones of the public IPs a gateway starts using (at create, or when an ipConfiguration
/// gets a new address), against its SKU and region.
///
/// rule: AZ-GW-ZONES-REQUIRED. An AZ SKU in a region with availability zones needs zoned
/// (zone-redundant or zonal) Standard public IPs: `VmssVpnGatewayPublicIpsMustHaveZonesConfigured`
/// "Standard Public IPs associated with VPN Gateways with AZ VPN skus must have zones
/// configured." (user reports: Azure/ResourceModules#2609 2023 as a Failed operation;
/// microsoft/physical-ai-toolchain#350 2026-03-24 and ansible-collections/azure#2208
/// 2026-04-01 as a 400 on the PUT, which the emulator follows). In a region without zones an
/// AZ SKU is created regional with zone-less addresses: "If a region doesn't currently support
/// availability zones, you can still create VPN Gateway SKUs supported by availability zones,
/// but the deployment will remain regional" (consolidation page, ms.date 02/03/2026).
/// Addresses a gateway already uses are not re-checked, because zones cannot be added to an
/// existing address and Microsoft upgrades VpnGw1 -> VpnGw1AZ in place keeping its IP
/// (inferred). Basic gateways accept either (UNKNOWN; Learn's Basic example uses zones 1,2,3).
///
/// A non-AZ SKU (only fixtures can still have one) refuses zoned addresses:
/// `RegionalVmssVpnGatewayPublicIpsMustNotHaveZonesConfigured` "Standard Public IPs associated
/// with VPN gateways with non-AZ VPN skus cannot have zones configured." (user report,
/// Azure/Azure-Landing-Zones#2660, 2024-06-28).
fn check_public_ip_zones(
    st: &State,
    location: &str,
    sku: &str,
    ip_configs: &[IpConfig],
    old: Option<&Gateway>,
) -> Result<(), ArmError> {
    let region_zoned = st.region_has_zones(location).unwrap_or(false);
    for c in ip_configs {
        let known = old.is_some_and(|o| {
            o.ip_configs
                .iter()
                .any(|oc| key(&oc.public_ip) == key(&c.public_ip))
        });
        if known {
            continue;
        }
        let zones = match st.get(&key(&c.public_ip)).map(|r| &r.props) {
            Some(Props::PublicIp(p)) => p.zones.clone(),
            _ => Vec::new(),
        };
        if is_az(sku) && region_zoned && zones.is_empty() {
            return Err(ArmError::bad(
                "VmssVpnGatewayPublicIpsMustHaveZonesConfigured",
                "Standard Public IPs associated with VPN Gateways with AZ VPN skus must have zones configured.",
            ));
        }
        if is_non_az(sku) && !zones.is_empty() {
            return Err(ArmError::bad(
                "RegionalVmssVpnGatewayPublicIpsMustNotHaveZonesConfigured",
                "Standard Public IPs associated with VPN gateways with non-AZ VPN skus cannot have zones configured.",
            ));
        }
    }
    Ok(())
}

/// Reads and checks `properties.ipConfigurations`.
fn ip_configurations(
    st: &State,
    loc: &Loc,
    location: &str,
    p: &Value,
    active_active: bool,
) -> Result<Vec<IpConfig>, ArmError> {
    let me = loc.id();
    let raw = input::arr_of(p, "ipConfigurations", "properties")?;
    if active_active && raw.len() != 2 {
        // rule: AZ-GW-ACTIVE-ACTIVE. anchors.md §6 (azurerm#10425).
        return Err(ArmError::bad(
            "ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations",
            format!(
                "Active-active gateway {} must have exactly two IP configurations; it has {}.",
                loc.name,
                raw.len()
            ),
        ));
    }
    if !active_active && raw.len() != 1 {
        return Err(ArmError::bad(
            "VirtualNetworkGatewayMustHaveExactlyOneIpConfiguration",
            format!(
                "An active-standby VPN gateway needs exactly one IP configuration; {} has {}.",
                loc.name,
                raw.len()
            ),
        )
        .target("properties.ipConfigurations"));
    }
    let mut out: Vec<IpConfig> = Vec::new();
    for (i, c) in raw.iter().enumerate() {
        let path = format!("properties.ipConfigurations[{i}]");
        let name = input::str_of(c, "name", &path)?.ok_or_else(|| {
            ArmError::bad(
                "InvalidRequestFormat",
                "Every ipConfiguration needs a name.",
            )
            .target(format!("{path}.name"))
        })?;
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
            return Err(ArmError::bad(
                "DuplicateResourceName",
                format!("IP configuration name {name} is used twice."),
            ));
        }
        let cp = input::obj_of(c, "properties", &path)?;
        let ppath = format!("{path}.properties");
        let subnet_id = input::ref_of(cp, "subnet", &ppath)?.ok_or_else(|| {
            ArmError::bad(
                "InvalidRequestFormat",
                "An ipConfiguration needs properties.subnet.id.",
            )
            .target(format!("{ppath}.subnet"))
        })?;
        let subnet = st
            .get(&key(&subnet_id))
            .filter(|s| s.kind == Kind::Subnet && !s.deleting())
            .ok_or_else(|| ArmError::bad_reference(&subnet_id, &me))?;
        // rule: AZ-SAME-LOCATION. A reference to a resource in another region is answered like
        // a missing one: "Please make sure that the referenced resource exists, and that both
        // resources are in the same region" (the Network RP's InvalidResourceReference
        // wording; that cross-region references get exactly this code is inferred).
        if subnet.location != location {
            return Err(ArmError::bad_reference(&subnet_id, &me));
        }
        // rule: AZ-GW-SUBNET (codes of the name and size checks are the emulator's own).
        if subnet.name != GATEWAY_SUBNET {
            return Err(ArmError::bad(
                "InvalidGatewaySubnetName",
                format!("Subnet {} cannot host a virtual network gateway: the subnet must be named exactly '{GATEWAY_SUBNET}'.", subnet.id),
            )
            .target(format!("{ppath}.subnet")));
        }
        if let Props::Subnet(s) = &subnet.props {
            if input::cidr(&s.prefix).is_none_or(|n| n.prefix_len() > 29) {
                return Err(ArmError::bad(
                    "GatewaySubnetTooSmall",
                    format!(
                        "GatewaySubnet prefix {} is too small: /29 or larger is required.",
                        s.prefix
                    ),
                ));
            }
        }
        if let Some(first) = out.first() {
            if key(&first.subnet) != key(&subnet.id) {
                return Err(ArmError::bad(
                    "InvalidRequestFormat",
                    "All IP configurations of a gateway must use the same GatewaySubnet.",
                ));
            }
        }
        // One VPN gateway per VNet (MS "About VPN Gateway configuration settings"; code is the
        // emulator's own).
        let vnet_key = subnet.parent.clone().unwrap_or_default();
        for other in st.of_kind(Kind::Gateway).filter(|g| key(&g.id) != key(&me)) {
            if let Props::Gateway(og) = &other.props {
                let same_vnet = og.ip_configs.iter().any(|oc| {
                    st.get(&key(&oc.subnet)).and_then(|s| s.parent.clone())
                        == Some(vnet_key.clone())
                });
                if same_vnet {
                    return Err(ArmError::bad(
                        "VirtualNetworkAlreadyHasVpnGateway",
                        format!("Virtual network of subnet {} already has VPN gateway {}; a virtual network can have only one VPN gateway.", subnet.id, other.id),
                    ));
                }
            }
        }
        let pip_id = input::ref_of(cp, "publicIPAddress", &ppath)?.ok_or_else(|| {
            ArmError::bad(
                "InvalidRequestFormat",
                "An ipConfiguration of a VPN gateway needs properties.publicIPAddress.id.",
            )
            .target(format!("{ppath}.publicIPAddress"))
        })?;
        let pip = st
            .get(&key(&pip_id))
            .filter(|r| r.kind == Kind::PublicIp && !r.deleting())
            .ok_or_else(|| ArmError::bad_reference(&pip_id, &me))?;
        // rule: AZ-SAME-LOCATION
        if pip.location != location {
            return Err(ArmError::bad_reference(&pip_id, &me));
        }
        if out.iter().any(|o| key(&o.public_ip) == key(&pip.id)) {
            return Err(ArmError::bad(
                "PublicIPAddressInUse",
                format!("Public IP {} is used by two IP configurations.", pip.id),
            ));
        }
        if let Some(user) = super::public_ip::user_of(st, &pip.id) {
            if !key(&user).starts_with(&format!("{}/", key(&me))) {
                return Err(ArmError::bad(
                    "PublicIPAddressInUse",
                    format!("Public IP address {} is already in use by {user}.", pip.id),
                ));
            }
        }
        out.push(IpConfig {
            name: name.to_string(),
            subnet: subnet.id.clone(),
            public_ip: pip.id.clone(),
        });
    }
    Ok(out)
}

/// DELETE: refused while connections reference the gateway (error code guessed).
pub(crate) fn delete(st: &mut State, cx: &Ctx, loc: &Loc) -> Result<Reply, ArmError> {
    let gk = loc.key();
    // rule: AZ-GW-ONE-OPERATION
    st.gateway_not_busy(cx, &gk)?;
    if let Some(c) = st
        .of_kind(Kind::Connection)
        .find(|c| matches!(&c.props, Props::Connection(p) if key(&p.gateway) == gk))
    {
        return Err(ArmError::bad(
            "VirtualNetworkGatewayCannotBeDeletedWithConnections",
            format!("Virtual network gateway {} cannot be deleted because connection {} still uses it. Delete the connections first.", loc.id(), c.id),
        ));
    }
    Ok(st.begin_delete(cx, &[gk], Op::VirtualNetworkGatewayDelete))
}
