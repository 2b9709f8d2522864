//! The provider's handle to Azure: [`Azure::new`] does no I/O and never fails;
//! [`Azure::network`] builds the one [`Network`] client once, the first time a resource
//! needs Azure, and reports missing credentials then. It also keeps the subscription's
//! region list, read once per provider process.

use super::client::Network;
use super::locations::{self, Region};
use super::settings::AzureSettings;
use crate::cloud::error::Result;
use crate::cloud::retry::RetryPolicy;
use std::collections::BTreeMap;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// The provider's handle to Azure; cheap to create, builds its clients on first use.
pub struct Azure {
    settings: AzureSettings,
    retry: RetryPolicy,
    network: OnceCell<Network>,
    regions: OnceCell<BTreeMap<String, Region>>,
}

impl std::fmt::Debug for Azure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Azure")
            .field("settings", &self.settings)
            .field("built", &self.network.initialized())
            .finish()
    }
}

impl Azure {
    /// Keeps the settings; no I/O, no validation yet.
    pub fn new(settings: AzureSettings) -> Self {
        Azure {
            settings,
            retry: RetryPolicy::default(),
            network: OnceCell::new(),
            regions: OnceCell::new(),
        }
    }

    /// Same as [`Azure::new`] with a custom retry policy (tests use fewer attempts).
    pub fn with_retry_policy(settings: AzureSettings, retry: RetryPolicy) -> Self {
        Azure {
            settings,
            retry,
            network: OnceCell::new(),
            regions: OnceCell::new(),
        }
    }

    /// The settings this handle was made with.
    pub fn settings(&self) -> &AzureSettings {
        &self.settings
    }

    /// The network client, built on first call. Fails with [`ErrorKind::Auth`] naming what
    /// is missing when there is neither a complete service principal nor `use_cli`.
    /// The token itself is fetched on the first ARM call, so a wrong secret surfaces there
    /// (also as [`ErrorKind::Auth`]).
    pub async fn network(&self) -> Result<&Network> {
        self.network
            .get_or_try_init(|| async { Network::build(&self.settings, self.retry.clone()) })
            .await
    }

    /// The subscription's region `name` with its availability zones, `None` when the
    /// subscription has no such region. The list is read once per provider process (it
    /// changes when Microsoft opens a region, not during a plan); a failed read is not cached.
    pub async fn region(&self, name: &str, cancel: &CancellationToken) -> Result<Option<Region>> {
        let net = self.network().await?;
        let all = self
            .regions
            .get_or_try_init(|| locations::list_regions(net, cancel))
            .await?;
        Ok(all.get(&name.to_lowercase()).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::error::ErrorKind;

    #[tokio::test]
    async fn missing_credentials_fail_on_first_use_with_auth() {
        let az = Azure::new(AzureSettings {
            subscription_id: Some("sub".into()),
            client_id: Some("app".into()),
            ..Default::default()
        });
        let e = az.network().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(e.message.contains("no credentials"), "{e}");
        assert!(
            e.message.contains("client_secret (ARM_CLIENT_SECRET)"),
            "{e}"
        );
        assert!(!e.message.contains("client_id (ARM_CLIENT_ID)"), "{e}");
        for needs in [
            "ARM_CLIENT_CERTIFICATE_PATH",
            "ARM_USE_OIDC",
            "ARM_OIDC_REQUEST_URL",
            "ARM_USE_MSI",
            "ARM_USE_CLI",
        ] {
            assert!(e.message.contains(needs), "{needs} missing from {e}");
        }
    }
}
