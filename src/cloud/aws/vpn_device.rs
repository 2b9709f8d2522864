//! The customer device side of a site-to-site VPN: the device types AWS can write a
//! configuration for (`GetVpnConnectionDeviceTypes`) and the configuration itself for one
//! connection (`GetVpnConnectionDeviceSampleConfiguration`).
//!
//! The configuration text holds the tunnels' pre-shared keys: it is never logged, never put
//! in `Debug` output, and no error context carries it.

use super::account::Ec2;
use crate::cloud::error::Result;
use std::fmt;

/// One device type AWS can write a sample configuration for (Cisco ISR, strongSwan, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceType {
    /// `VpnConnectionDeviceTypeId`, passed to [`Ec2::get_vpn_connection_device_sample_configuration`].
    pub id: String,
    /// e.g. `Cisco Systems, Inc.`.
    pub vendor: String,
    /// e.g. `ISR Series Routers`.
    pub platform: String,
    /// e.g. `IOS 12.4+`.
    pub software: String,
}

/// A device configuration as AWS wrote it; the text holds pre-shared keys, so `Debug`
/// shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceConfiguration(pub String);

impl fmt::Debug for DeviceConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceConfiguration(<redacted, {} bytes>)", self.0.len())
    }
}

impl Ec2 {
    /// Every device type of the region, all pages read.
    pub async fn get_vpn_connection_device_types(&self) -> Result<Vec<DeviceType>> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let req = self
                .client
                .get_vpn_connection_device_types()
                .set_next_token(next.clone());
            let page = self
                .send(
                    || "listing EC2 VPN connection device types".to_string(),
                    || req.clone().send(),
                )
                .await?;
            out.extend(page.vpn_connection_device_types().iter().map(|d| {
                DeviceType {
                    id: d
                        .vpn_connection_device_type_id()
                        .unwrap_or_default()
                        .to_string(),
                    vendor: d.vendor().unwrap_or_default().to_string(),
                    platform: d.platform().unwrap_or_default().to_string(),
                    software: d.software().unwrap_or_default().to_string(),
                }
            }));
            next = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// The sample configuration of VPN connection `vpn_id` for device type
    /// `device_type_id`, for IKE version `ike_version` (`ikev1` / `ikev2`; `None` = AWS's
    /// default). The text holds the tunnels' PSKs; the error context names only the ids.
    pub async fn get_vpn_connection_device_sample_configuration(
        &self,
        vpn_id: &str,
        device_type_id: &str,
        ike_version: Option<&str>,
    ) -> Result<DeviceConfiguration> {
        let req = self
            .client
            .get_vpn_connection_device_sample_configuration()
            .vpn_connection_id(vpn_id)
            .vpn_connection_device_type_id(device_type_id)
            .set_internet_key_exchange_version(ike_version.map(str::to_string));
        let out = self
            .send(
                || {
                    format!(
                        "reading the device configuration of EC2 VPN connection ({vpn_id}) for device type ({device_type_id})"
                    )
                },
                || req.clone().send(),
            )
            .await?;
        Ok(DeviceConfiguration(
            out.vpn_connection_device_sample_configuration()
                .unwrap_or_default()
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_configuration_text() {
        let c = DeviceConfiguration("pre-shared-key SuperSecret_1".into());
        let d = format!("{c:?}");
        assert!(!d.contains("SuperSecret"), "{d}");
    }
}
