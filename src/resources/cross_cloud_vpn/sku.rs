//! Azure VPN gateway SKUs as Microsoft sells them in 2026: which ones a new gateway may use,
//! which generation each belongs to, and what a SKU change does to an existing gateway.
//! Sources and dates are in `docs/cloud-rules.md` (rules AZ-GW-SKU-NONAZ-RETIRED,
//! AZ-GW-SKU-LEGACY-RETIRED, AZ-GW-SKU-BASIC, AZ-GW-GENERATION, AZ-GW-RESIZE).
//!
//! One table, [`SKUS`], feeds validation, the schema description and the plan.

/// What Azure still does with a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// A new gateway may use it.
    Creatable,
    /// Non-AZ VpnGw1-5: refused for new gateways (`NonAzSkusNotAllowedForVPNGateway`; from
    /// 2025-01-01 as first announced, 2025-11-01 on the current consolidation page),
    /// deprecated on 2026-09-16, existing gateways migrated to the AZ twin. Existing gateways
    /// may still report it.
    RetiredNonAz,
    /// Standard / HighPerformance: not creatable since 2023-12-01, retired 2026-06-30 and
    /// migrated to VpnGw1AZ / VpnGw2AZ.
    RetiredLegacy,
}

/// One gateway SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sku {
    /// ARM name (`VpnGw2AZ`).
    pub name: &'static str,
    /// `VpnGw` level 1-5 (0 for Basic and the legacy SKUs).
    pub level: u8,
    /// Zone-capable (`...AZ`).
    pub az: bool,
    /// Generations the SKU exists in.
    pub generations: &'static [Generation],
    /// Whether a new gateway may use it.
    pub availability: Availability,
}

/// A gateway generation as ARM reports it (`vpnGatewayGeneration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// `Generation1`.
    One,
    /// `Generation2`.
    Two,
}

impl Generation {
    /// The ARM spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Generation::One => "Generation1",
            Generation::Two => "Generation2",
        }
    }

    /// Parses the ARM spelling (`None` for `None`/empty/unknown).
    pub fn parse(s: &str) -> Option<Generation> {
        match s {
            "Generation1" => Some(Generation::One),
            "Generation2" => Some(Generation::Two),
            _ => None,
        }
    }
}

const G1: &[Generation] = &[Generation::One];
const G2: &[Generation] = &[Generation::Two];
const G12: &[Generation] = &[Generation::One, Generation::Two];

const fn sku(
    name: &'static str,
    level: u8,
    az: bool,
    generations: &'static [Generation],
    availability: Availability,
) -> Sku {
    Sku {
        name,
        level,
        az,
        generations,
        availability,
    }
}

use Availability::{Creatable, RetiredLegacy, RetiredNonAz};

/// Every SKU cloudlink knows (rule AZ-GW-GENERATION: Gen1 = VpnGw1-3(AZ), Gen2 = VpnGw2-5(AZ)).
/// Basic is absent on purpose: see [`BASIC_REFUSAL`].
pub const SKUS: &[Sku] = &[
    sku("VpnGw1AZ", 1, true, G1, Creatable),
    sku("VpnGw2AZ", 2, true, G12, Creatable),
    sku("VpnGw3AZ", 3, true, G12, Creatable),
    sku("VpnGw4AZ", 4, true, G2, Creatable),
    sku("VpnGw5AZ", 5, true, G2, Creatable),
    sku("VpnGw1", 1, false, G1, RetiredNonAz),
    sku("VpnGw2", 2, false, G12, RetiredNonAz),
    sku("VpnGw3", 3, false, G12, RetiredNonAz),
    sku("VpnGw4", 4, false, G2, RetiredNonAz),
    sku("VpnGw5", 5, false, G2, RetiredNonAz),
    sku("Standard", 0, false, G1, RetiredLegacy),
    sku("HighPerformance", 0, false, G1, RetiredLegacy),
];

/// The default SKU of a new gateway: the smallest zone-redundant one.
pub const DEFAULT_SKU: &str = "VpnGw1AZ";

/// Why cloudlink refuses `Basic` (rule AZ-GW-SKU-BASIC). Azure still creates Basic
/// gateways (API/CLI only, on a Standard static public IP), but Basic has no BGP, no
/// active-active mode and no custom IPsec policy, exists only in Generation1 and cannot be
/// resized to any other SKU (delete and re-create), and Microsoft documents no zone rule for
/// its Standard public IPs, so cloudlink cannot promise a Basic link would build.
pub const BASIC_REFUSAL: &str = "cloudlink does not build Basic gateways: Basic has no BGP, no active-active mode and no custom IPsec policy, and it can never be resized (Azure requires deleting and re-creating it). Use VpnGw1AZ.";

/// The SKU named `name`.
pub fn find(name: &str) -> Option<&'static Sku> {
    SKUS.iter().find(|s| s.name == name)
}

/// The SKUs a new gateway may use, for messages and the schema description.
pub fn creatable_names() -> Vec<&'static str> {
    SKUS.iter()
        .filter(|s| s.availability == Creatable)
        .map(|s| s.name)
        .collect()
}

/// The AZ SKU that replaces a retired non-AZ one (`VpnGw2` -> `VpnGw2AZ`).
pub fn az_twin(name: &str) -> Option<&'static str> {
    let s = find(name)?;
    SKUS.iter()
        .find(|t| t.az && t.level == s.level && s.level > 0)
        .map(|t| t.name)
}

/// Whether `a` and `b` are the same size, one the non-AZ form of the other: Azure's
/// consolidation migrates VpnGwN to VpnGwNAZ in place, so cloudlink treats them as equal.
pub fn same_size(a: &str, b: &str) -> bool {
    a == b || az_twin(a) == Some(b) || az_twin(b) == Some(a)
}

/// The generation a new gateway of `sku` is built in: the only one it has, else Generation2
/// for the SKUs that exist in both (Microsoft's default for new VpnGw2-3(AZ) gateways).
pub fn generation_for_new(sku: &str) -> Option<Generation> {
    let s = find(sku)?;
    Some(if s.generations.contains(&Generation::Two) {
        Generation::Two
    } else {
        Generation::One
    })
}

/// The reason a SKU in a configuration cannot be used for a gateway cloudlink creates,
/// `None` when it can.
pub fn refusal(name: &str) -> Option<String> {
    if name == "Basic" {
        return Some(BASIC_REFUSAL.into());
    }
    let allowed = creatable_names().join(", ");
    let Some(s) = find(name) else {
        return Some(format!(
            "{name:?} is not a VPN gateway SKU Azure creates today ({allowed})."
        ));
    };
    match s.availability {
        Creatable => None,
        RetiredNonAz => {
            let twin = az_twin(name).unwrap_or(DEFAULT_SKU);
            Some(format!(
                "Azure no longer creates non-AZ VPN gateways (NonAzSkusNotAllowedForVPNGateway, since 2025) and deprecated {name} on 2026-09-16, migrating existing gateways to their AZ twin. Use {twin}: an existing {name} gateway is adopted as {twin} without change or replacement."
            ))
        }
        RetiredLegacy => Some(format!(
            "The legacy {name} SKU cannot be created since 2023-12-01 and was retired on 2026-06-30 (Microsoft migrated the remaining gateways to VpnGw1AZ/VpnGw2AZ). Use one of {allowed}."
        )),
    }
}

/// What a SKU change does to an existing gateway (rule AZ-GW-RESIZE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkuChange {
    /// Same size (possibly the AZ twin Azure migrated to): nothing to do.
    None,
    /// Resize in place (a gateway PUT with the new SKU).
    InPlace,
    /// The gateway must be deleted and built again, for this reason.
    Replace(String),
}

/// Microsoft's resize table for an existing gateway of `generation` (as ARM reports it;
/// `None` when unknown) going from `old` to `new`: upgrades within one family (AZ) and
/// generation are in place; downgrades, a generation the gateway is not in, and moves out of
/// the legacy SKUs need a new gateway.
pub fn change(generation: Option<Generation>, old: &str, new: &str) -> SkuChange {
    if same_size(old, new) {
        return SkuChange::None;
    }
    let (Some(o), Some(n)) = (find(old), find(new)) else {
        return SkuChange::Replace(format!("{old} cannot be resized to {new}."));
    };
    if o.level == 0 || n.level == 0 {
        return SkuChange::Replace(format!(
            "a legacy {old} gateway cannot be resized to {new}; Azure builds a new gateway."
        ));
    }
    if n.level < o.level {
        return SkuChange::Replace(format!(
            "Azure does not downgrade a gateway SKU ({old} -> {new}); the gateway is deleted and built again."
        ));
    }
    let generation = generation.or(if o.generations.len() == 1 {
        Some(o.generations[0])
    } else {
        None
    });
    if let Some(g) = generation {
        if !n.generations.contains(&g) {
            return SkuChange::Replace(format!(
                "{new} does not exist in {} and Azure keeps a gateway's generation on a resize; the gateway is deleted and built again as {}.",
                g.as_str(),
                n.generations[0].as_str()
            ));
        }
    }
    SkuChange::InPlace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_gateways_use_az_skus_only() {
        assert_eq!(refusal("VpnGw1AZ"), None);
        assert_eq!(refusal("VpnGw5AZ"), None);
        let r = refusal("VpnGw2").unwrap();
        assert!(
            r.contains("NonAzSkusNotAllowedForVPNGateway") && r.contains("VpnGw2AZ"),
            "{r}"
        );
        assert!(refusal("Standard").unwrap().contains("2023-12-01"));
        assert!(refusal("HighPerformance").is_some());
        assert!(refusal("Basic").unwrap().contains("VpnGw1AZ"));
        assert!(refusal("VpnGw9AZ").is_some());
    }

    #[test]
    fn az_twin_is_no_change() {
        assert_eq!(change(None, "VpnGw2", "VpnGw2AZ"), SkuChange::None);
        assert_eq!(change(None, "VpnGw2AZ", "VpnGw2"), SkuChange::None);
    }

    #[test]
    fn upgrades_in_place_downgrades_replace() {
        assert_eq!(
            change(Some(Generation::One), "VpnGw1AZ", "VpnGw2AZ"),
            SkuChange::InPlace
        );
        assert_eq!(
            change(Some(Generation::Two), "VpnGw2AZ", "VpnGw5AZ"),
            SkuChange::InPlace
        );
        assert!(matches!(
            change(Some(Generation::Two), "VpnGw3AZ", "VpnGw2AZ"),
            SkuChange::Replace(r) if r.contains("downgrade")
        ));
        // A gateway built as VpnGw1AZ is Generation1: VpnGw4AZ is Generation2 only.
        assert!(matches!(
            change(Some(Generation::One), "VpnGw2AZ", "VpnGw4AZ"),
            SkuChange::Replace(r) if r.contains("Generation1")
        ));
        assert!(matches!(
            change(None, "VpnGw1AZ", "VpnGw4AZ"),
            SkuChange::Replace(_)
        ));
        // A non-AZ gateway (imported) upgraded to a bigger AZ SKU: in place.
        assert_eq!(
            change(Some(Generation::Two), "VpnGw2", "VpnGw3AZ"),
            SkuChange::InPlace
        );
        assert!(matches!(
            change(None, "Standard", "VpnGw1AZ"),
            SkuChange::Replace(_)
        ));
    }

    #[test]
    fn new_gateway_generation() {
        assert_eq!(generation_for_new("VpnGw1AZ"), Some(Generation::One));
        assert_eq!(generation_for_new("VpnGw2AZ"), Some(Generation::Two));
        assert_eq!(generation_for_new("VpnGw5AZ"), Some(Generation::Two));
    }
}
