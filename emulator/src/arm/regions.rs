//! Azure regions and their availability zones, and `GET /subscriptions/{s}/locations`
//! (Subscriptions - List Locations, Microsoft.Resources 2022-12-01).
//!
//! rule: AZ-ZONES-OF-REGION. Which regions have availability zones is taken from Microsoft
//! Learn "Azure regions list" (`articles/reliability/regions-list.md`, ms.date 03/21/2025, read
//! 2026-12-02 through a stored copy of MicrosoftDocs/azure-docs), plus Austria East and
//! Belgium Central, which the live Learn page lists with 3 zones (stored excerpt, undated).
//! Known gaps, kept as UNKNOWN rather than guessed:
//! - West US: the 2025-03 list has no zones for it, yet an `az account list-locations` output
//!   in Azure/ArtistAnywhere (2024+) shows `westus-az1..3` mappings. The emulator follows the
//!   Learn list (no zones); a test that needs otherwise can override it with a fixture.
//! - Regions marked "coming soon" (e.g. Indonesia Central) and unlisted restricted regions
//!   are not served; `POST /_emulator/fixtures {"azure": {"regions": [...]}}` adds any region.
//!
//! The response shape follows `subscriptions.json` 2022-12-01 (`LocationListResult`:
//! `value[]` of `Location` with `id`, `name`, `type`, `displayName`, `regionalDisplayName`,
//! `metadata {regionType, regionCategory, geography, geographyGroup, physicalLocation,
//! pairedRegion[{name, id}]}` and `availabilityZoneMappings[{logicalZone, physicalZone}]`),
//! with `availabilityZoneMappings` omitted for regions without zones. Latitude/longitude are
//! omitted (optional in the spec; the emulator does not invent coordinates).
//! `regionCategory` is `Recommended` for zoned regions and `Other` otherwise: Microsoft
//! describes recommended regions as those "designed to support Availability Zones now, or in
//! the future" (az-overview), so this is an approximation for the few exceptions.

use serde_json::{json, Value};

/// One region the emulator knows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Region {
    /// Programmatic name, e.g. `westeurope`.
    pub name: String,
    /// `displayName`, e.g. `West Europe`.
    pub display: String,
    /// `metadata.geographyGroup` (also the prefix of `regionalDisplayName`).
    pub group: String,
    /// `metadata.geography`.
    pub geography: String,
    /// `metadata.physicalLocation`.
    pub physical: String,
    /// The paired region's programmatic name, if it has one.
    pub paired: Option<String>,
    /// Whether the region has (three) availability zones.
    pub zones: bool,
}

/// (name, display name, geography group, geography, physical location, paired region, zones).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

const US: &str = "US";
const EU: &str = "Europe";
const AP: &str = "Asia Pacific";

/// The table (see the module docs for its source and date).
#[rustfmt::skip]
const TABLE: &[Row] = &[
    ("australiacentral", "Australia Central", AP, "Australia", "Canberra", "australiacentral2", false),
    ("australiacentral2", "Australia Central 2", AP, "Australia", "Canberra", "australiacentral", false),
    ("australiaeast", "Australia East", AP, "Australia", "New South Wales", "australiasoutheast", true),
    ("australiasoutheast", "Australia Southeast", AP, "Australia", "Victoria", "australiaeast", false),
    ("austriaeast", "Austria East", EU, "Austria", "Vienna", "", true),
    ("belgiumcentral", "Belgium Central", EU, "Belgium", "Brussels", "", true),
    ("brazilsouth", "Brazil South", "South America", "Brazil", "Sao Paulo State", "southcentralus", true),
    ("brazilsoutheast", "Brazil Southeast", "South America", "Brazil", "Rio", "brazilsouth", false),
    ("canadacentral", "Canada Central", "Canada", "Canada", "Toronto", "canadaeast", true),
    ("canadaeast", "Canada East", "Canada", "Canada", "Quebec", "canadacentral", false),
    ("centralindia", "Central India", AP, "India", "Pune", "southindia", true),
    ("centralus", "Central US", US, "United States", "Iowa", "eastus2", true),
    ("eastasia", "East Asia", AP, "Asia Pacific", "Hong Kong", "southeastasia", true),
    ("eastus", "East US", US, "United States", "Virginia", "westus", true),
    ("eastus2", "East US 2", US, "United States", "Virginia", "centralus", true),
    ("francecentral", "France Central", EU, "France", "Paris", "francesouth", true),
    ("francesouth", "France South", EU, "France", "Marseille", "francecentral", false),
    ("germanynorth", "Germany North", EU, "Germany", "Berlin", "germanywestcentral", false),
    ("germanywestcentral", "Germany West Central", EU, "Germany", "Frankfurt", "germanynorth", true),
    ("israelcentral", "Israel Central", "Middle East", "Israel", "Israel", "", true),
    ("italynorth", "Italy North", EU, "Italy", "Milan", "", true),
    ("japaneast", "Japan East", AP, "Japan", "Tokyo, Saitama", "japanwest", true),
    ("japanwest", "Japan West", AP, "Japan", "Osaka", "japaneast", true),
    ("koreacentral", "Korea Central", AP, "Korea", "Seoul", "koreasouth", true),
    ("koreasouth", "Korea South", AP, "Korea", "Busan", "koreacentral", false),
    ("mexicocentral", "Mexico Central", "Mexico", "Mexico", "Querétaro State", "", true),
    ("newzealandnorth", "New Zealand North", AP, "New Zealand", "Auckland", "", true),
    ("northcentralus", "North Central US", US, "United States", "Illinois", "southcentralus", false),
    ("northeurope", "North Europe", EU, "Europe", "Ireland", "westeurope", true),
    ("norwayeast", "Norway East", EU, "Norway", "Norway", "norwaywest", true),
    ("norwaywest", "Norway West", EU, "Norway", "Norway", "norwayeast", false),
    ("polandcentral", "Poland Central", EU, "Poland", "Warsaw", "", true),
    ("qatarcentral", "Qatar Central", "Middle East", "Qatar", "Doha", "", true),
    ("southafricanorth", "South Africa North", "Africa", "South Africa", "Johannesburg", "southafricawest", true),
    ("southafricawest", "South Africa West", "Africa", "South Africa", "Cape Town", "southafricanorth", false),
    ("southcentralus", "South Central US", US, "United States", "Texas", "northcentralus", true),
    ("southeastasia", "Southeast Asia", AP, "Asia Pacific", "Singapore", "eastasia", true),
    ("southindia", "South India", AP, "India", "Chennai", "centralindia", false),
    ("spaincentral", "Spain Central", EU, "Spain", "Madrid", "", true),
    ("swedencentral", "Sweden Central", EU, "Sweden", "Gävle", "", true),
    ("switzerlandnorth", "Switzerland North", EU, "Switzerland", "Zurich", "switzerlandwest", true),
    ("switzerlandwest", "Switzerland West", EU, "Switzerland", "Geneva", "switzerlandnorth", false),
    ("uaecentral", "UAE Central", "Middle East", "UAE", "Abu Dhabi", "uaenorth", false),
    ("uaenorth", "UAE North", "Middle East", "UAE", "Dubai", "uaecentral", true),
    ("uksouth", "UK South", EU, "United Kingdom", "London", "ukwest", true),
    ("ukwest", "UK West", EU, "United Kingdom", "Cardiff", "uksouth", false),
    ("westcentralus", "West Central US", US, "United States", "Wyoming", "westus2", false),
    ("westeurope", "West Europe", EU, "Europe", "Netherlands", "northeurope", true),
    ("westindia", "West India", AP, "India", "Mumbai", "southindia", false),
    ("westus", "West US", US, "United States", "California", "eastus", false),
    ("westus2", "West US 2", US, "United States", "Washington", "westcentralus", true),
    ("westus3", "West US 3", US, "United States", "Phoenix", "eastus", true),
];

/// The built-in regions, keyed by programmatic name.
pub(crate) fn builtin() -> std::collections::BTreeMap<String, Region> {
    TABLE
        .iter()
        .map(
            |(name, display, group, geography, physical, paired, zones)| {
                (
                    name.to_string(),
                    Region {
                        name: name.to_string(),
                        display: display.to_string(),
                        group: group.to_string(),
                        geography: geography.to_string(),
                        physical: physical.to_string(),
                        paired: (!paired.is_empty()).then(|| paired.to_string()),
                        zones: *zones,
                    },
                )
            },
        )
        .collect()
}

/// The logical zones of a zoned region.
pub(crate) const ZONES: [&str; 3] = ["1", "2", "3"];

/// Per-subscription logical -> physical zone mapping. Azure assigns each subscription its own
/// random mapping when the subscription is created (Learn "What are availability zones",
/// physical and logical zones); the emulator derives a fixed rotation from the subscription id
/// so a subscription always sees the same mapping.
fn rotation(sub: &str) -> usize {
    sub.bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize))
        % 3
}

/// One `Location` object of the List Locations response.
pub(crate) fn render(sub: &str, r: &Region) -> Value {
    let loc_id = |n: &str| format!("/subscriptions/{sub}/locations/{n}");
    let mut metadata = json!({
        "regionType": "Physical",
        "regionCategory": if r.zones { "Recommended" } else { "Other" },
        "geography": r.geography,
        "geographyGroup": r.group,
        "physicalLocation": r.physical,
        "pairedRegion": r.paired.iter().map(|p| json!({"name": p, "id": loc_id(p)})).collect::<Vec<_>>(),
    });
    if r.paired.is_none() {
        metadata["pairedRegion"] = json!([]);
    }
    let mut v = json!({
        "id": loc_id(&r.name),
        "name": r.name,
        "type": "Region",
        "displayName": r.display,
        "regionalDisplayName": format!("({}) {}", r.group, r.display),
        "metadata": metadata,
    });
    if r.zones {
        let rot = rotation(sub);
        v["availabilityZoneMappings"] = json!(ZONES
            .iter()
            .enumerate()
            .map(|(i, z)| json!({
                "logicalZone": z,
                "physicalZone": format!("{}-az{}", r.name, (i + rot) % 3 + 1),
            }))
            .collect::<Vec<_>>());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoned_regions_map_three_logical_zones_and_zone_less_ones_have_none() {
        let t = builtin();
        let we = render("s", &t["westeurope"]);
        assert_eq!(we["availabilityZoneMappings"].as_array().unwrap().len(), 3);
        assert_eq!(we["regionalDisplayName"], "(Europe) West Europe");
        let wcus = render("s", &t["westcentralus"]);
        assert!(wcus.get("availabilityZoneMappings").is_none());
        assert_eq!(wcus["metadata"]["pairedRegion"][0]["name"], "westus2");
    }
}
