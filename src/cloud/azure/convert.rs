//! Small conversions between SDK models and our plain types: enum <-> string (every SDK
//! enum has an `UnknownValue(String)` fallback, so any string converts) and ARM id helpers.
//! What a provisioning state means lives in [`super::states`].

use crate::cloud::error::{CloudError, ErrorKind, Result};
use serde::{de::DeserializeOwned, Serialize};

/// The wire string of an SDK enum (`VpnGw1`, `Succeeded`), or `""`.
pub fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// [`enum_str`] of an optional enum; `""` when absent.
pub fn opt_enum_str<T: Serialize>(v: Option<&T>) -> String {
    v.map(enum_str).unwrap_or_default()
}

/// An SDK enum from its wire string (unknown strings become `UnknownValue`).
pub fn str_enum<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| CloudError::new(ErrorKind::Client, format!("invalid value {s:?}: {e}")))
}

/// The last segment of an ARM id (`.../publicIPAddresses/pip1` -> `pip1`).
pub fn id_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// ARM ids compare case-insensitively.
pub fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::azure::sdk::models::ProvisioningState;

    #[test]
    fn enums_round_trip_through_strings() {
        let p: ProvisioningState = str_enum("Updating").unwrap();
        assert_eq!(enum_str(&p), "Updating");
        let u: ProvisioningState = str_enum("Creating").unwrap();
        assert_eq!(enum_str(&u), "Creating");
        assert_eq!(id_name("/a/b/publicIPAddresses/pip1"), "pip1");
    }
}
