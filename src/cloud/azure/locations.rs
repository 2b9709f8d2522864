//! Which Azure regions have availability zones, from ARM itself (Subscriptions - List
//! Locations, `availabilityZoneMappings`), read once per provider process. Rule
//! AZ-ZONES-OF-REGION: a VPN gateway's Standard public IPs must carry zones where the region
//! has them and must not where it has none, so the default `zones` depends on this answer.

use super::client::Network;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use azure_core::Method;
use serde::Deserialize;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

/// api-version of the Microsoft.Resources subscriptions API that returns
/// `availabilityZoneMappings` (2022-12-01 and later).
pub const LOCATIONS_API_VERSION: &str = "2022-12-01";

/// One region of the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Programmatic name (`westeurope`).
    pub name: String,
    /// Logical zones (`["1","2","3"]`), empty where the region has none.
    pub zones: Vec<String>,
}

#[derive(Deserialize)]
struct LocationList {
    #[serde(default)]
    value: Vec<Location>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(default)]
    name: String,
    #[serde(default)]
    availability_zone_mappings: Vec<ZoneMapping>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZoneMapping {
    #[serde(default)]
    logical_zone: String,
}

/// Every region of the subscription, keyed by lower-case name.
pub async fn list_regions(
    net: &Network,
    cancel: &CancellationToken,
) -> Result<BTreeMap<String, Region>> {
    let url = format!(
        "/subscriptions/{}/locations?api-version={LOCATIONS_API_VERSION}",
        net.subscription_id()
    );
    let rsp = net
        .raw(
            cancel,
            "listing the Azure regions of the subscription",
            Method::Get,
            &url,
            None,
        )
        .await?;
    let list: LocationList = serde_json::from_slice(&rsp.body).map_err(|e| {
        CloudError::new(
            ErrorKind::Client,
            format!("unexpected Subscriptions - List Locations response: {e}"),
        )
    })?;
    Ok(list
        .value
        .into_iter()
        .map(|l| {
            let mut zones: Vec<String> = l
                .availability_zone_mappings
                .into_iter()
                .map(|z| z.logical_zone)
                .filter(|z| !z.is_empty())
                .collect();
            zones.sort();
            zones.dedup();
            let name = l.name.to_lowercase();
            (name.clone(), Region { name, zones })
        })
        .collect())
}
