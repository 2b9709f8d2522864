//! Azure provider settings: what the `azure { ... }` block and the `ARM_*` environment
//! variables say about subscription, credentials and endpoints. No I/O happens here.

use std::fmt;

/// Default Entra ID (AAD) authority for the public cloud.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Default Azure Resource Manager endpoint for the public cloud.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";

/// Azure settings of the provider block, before any credential is built.
///
/// Every field is optional here; [`crate::cloud::azure::Azure::network`] reports what is
/// missing the first time a resource actually needs Azure, so a plan that touches only
/// AWS never fails for lack of Azure credentials.
#[derive(Clone, Default)]
pub struct AzureSettings {
    /// Subscription that holds the resources (`ARM_SUBSCRIPTION_ID`).
    pub subscription_id: Option<String>,
    /// Entra ID tenant of the service principal (`ARM_TENANT_ID`).
    pub tenant_id: Option<String>,
    /// Application (client) id of the service principal (`ARM_CLIENT_ID`).
    pub client_id: Option<String>,
    /// Client secret of the service principal (`ARM_CLIENT_SECRET`). Never logged.
    pub client_secret: Option<String>,
    /// The service principal's certificate and private key: a PKCS#12 (PFX) bundle or PEM
    /// (`ARM_CLIENT_CERTIFICATE_PATH`).
    pub client_certificate_path: Option<String>,
    /// Base64 of that file's contents (`ARM_CLIENT_CERTIFICATE`). Never logged.
    pub client_certificate: Option<String>,
    /// Password of the certificate (`ARM_CLIENT_CERTIFICATE_PASSWORD`). Never logged.
    pub client_certificate_password: Option<String>,
    /// Authenticate with an OIDC (workload identity federation) token (`ARM_USE_OIDC`).
    pub use_oidc: bool,
    /// The OIDC token itself (`ARM_OIDC_TOKEN`). Never logged.
    pub oidc_token: Option<String>,
    /// File holding the OIDC token (`ARM_OIDC_TOKEN_FILE_PATH`).
    pub oidc_token_file_path: Option<String>,
    /// GitHub Actions ID-token URL (`ARM_OIDC_REQUEST_URL`, else `ACTIONS_ID_TOKEN_REQUEST_URL`).
    pub oidc_request_url: Option<String>,
    /// Bearer token for that URL (`ARM_OIDC_REQUEST_TOKEN`, else
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). Never logged.
    pub oidc_request_token: Option<String>,
    /// Authenticate with the machine's managed identity (`ARM_USE_MSI`).
    pub use_msi: bool,
    /// Managed-identity token endpoint (`ARM_MSI_ENDPOINT`), default IMDS.
    pub msi_endpoint: Option<String>,
    /// Use the Azure CLI's login (`az account get-access-token`) (`ARM_USE_CLI`).
    pub use_cli: bool,
    /// ARM endpoint, e.g. an emulator `http://127.0.0.1:4567` or a sovereign cloud.
    /// Default [`DEFAULT_ENDPOINT`].
    pub endpoint: Option<String>,
    /// Entra ID authority host. Default: `endpoint` when only `endpoint` is set (so a single
    /// emulator URL serves both the token and the ARM API), else [`DEFAULT_AUTHORITY_HOST`].
    /// Sovereign clouds must set it explicitly (their login host differs from ARM's).
    pub authority_host: Option<String>,
}

impl fmt::Debug for AzureSettings {
    /// Redacts the client secret, certificate, its password and the OIDC tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureSettings")
            .field("subscription_id", &self.subscription_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("client_certificate_path", &self.client_certificate_path)
            .field("client_certificate", &redact(&self.client_certificate))
            .field(
                "client_certificate_password",
                &redact(&self.client_certificate_password),
            )
            .field("use_oidc", &self.use_oidc)
            .field("oidc_token", &redact(&self.oidc_token))
            .field("oidc_token_file_path", &self.oidc_token_file_path)
            .field("oidc_request_url", &self.oidc_request_url)
            .field("oidc_request_token", &redact(&self.oidc_request_token))
            .field("use_msi", &self.use_msi)
            .field("msi_endpoint", &self.msi_endpoint)
            .field("use_cli", &self.use_cli)
            .field("endpoint", &self.endpoint)
            .field("authority_host", &self.authority_host)
            .finish()
    }
}

impl AzureSettings {
    /// Fills every unset field from the environment, like azurerm:
    ///
    /// | field | variable |
    /// |---|---|
    /// | `subscription_id` | `ARM_SUBSCRIPTION_ID` |
    /// | `tenant_id` | `ARM_TENANT_ID` |
    /// | `client_id` | `ARM_CLIENT_ID` |
    /// | `client_secret` | `ARM_CLIENT_SECRET` |
    /// | `client_certificate_path` | `ARM_CLIENT_CERTIFICATE_PATH` |
    /// | `client_certificate` | `ARM_CLIENT_CERTIFICATE` |
    /// | `client_certificate_password` | `ARM_CLIENT_CERTIFICATE_PASSWORD` |
    /// | `use_oidc` (only when `false`) | `ARM_USE_OIDC` |
    /// | `oidc_token` | `ARM_OIDC_TOKEN` |
    /// | `oidc_token_file_path` | `ARM_OIDC_TOKEN_FILE_PATH` |
    /// | `oidc_request_url` | `ARM_OIDC_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_URL` |
    /// | `oidc_request_token` | `ARM_OIDC_REQUEST_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN` |
    /// | `use_msi` (only when `false`) | `ARM_USE_MSI` |
    /// | `msi_endpoint` | `ARM_MSI_ENDPOINT` |
    /// | `use_cli` (only when `false`) | `ARM_USE_CLI` (`true`/`1`) |
    ///
    /// Values from the provider block win; empty variables count as unset.
    pub fn with_env_fallbacks(self) -> Self {
        self.with_env_from(|k| std::env::var(k).ok())
    }

    /// [`Self::with_env_fallbacks`] with an injected lookup, so tests need not touch the
    /// process environment.
    pub fn with_env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        fill(&mut self.subscription_id, get("ARM_SUBSCRIPTION_ID"));
        fill(&mut self.tenant_id, get("ARM_TENANT_ID"));
        fill(&mut self.client_id, get("ARM_CLIENT_ID"));
        fill(&mut self.client_secret, get("ARM_CLIENT_SECRET"));
        fill(
            &mut self.client_certificate_path,
            get("ARM_CLIENT_CERTIFICATE_PATH"),
        );
        fill(&mut self.client_certificate, get("ARM_CLIENT_CERTIFICATE"));
        fill(
            &mut self.client_certificate_password,
            get("ARM_CLIENT_CERTIFICATE_PASSWORD"),
        );
        fill(&mut self.oidc_token, get("ARM_OIDC_TOKEN"));
        fill(
            &mut self.oidc_token_file_path,
            get("ARM_OIDC_TOKEN_FILE_PATH"),
        );
        fill(&mut self.oidc_request_url, get("ARM_OIDC_REQUEST_URL"));
        fill(
            &mut self.oidc_request_url,
            get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        );
        fill(&mut self.oidc_request_token, get("ARM_OIDC_REQUEST_TOKEN"));
        fill(
            &mut self.oidc_request_token,
            get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        );
        fill(&mut self.msi_endpoint, get("ARM_MSI_ENDPOINT"));
        let flag = |k: &str| {
            get(k)
                .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"))
                .unwrap_or(false)
        };
        self.use_oidc = self.use_oidc || flag("ARM_USE_OIDC");
        self.use_msi = self.use_msi || flag("ARM_USE_MSI");
        self.use_cli = self.use_cli || flag("ARM_USE_CLI");
        self
    }

    /// The authority host to use: `authority_host`, else `endpoint`, else the public cloud.
    pub fn effective_authority_host(&self) -> &str {
        self.authority_host
            .as_deref()
            .or(self.endpoint.as_deref())
            .unwrap_or(DEFAULT_AUTHORITY_HOST)
    }

    /// The ARM endpoint to use: `endpoint`, else the public cloud.
    pub fn effective_endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)
    }
}

fn redact(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "<redacted>")
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.as_deref().is_none_or(|s| s.trim().is_empty()) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_fills_only_unset_fields_and_debug_redacts_the_secret() {
        let s = AzureSettings {
            subscription_id: Some("from-block".into()),
            ..Default::default()
        }
        .with_env_from(|k| match k {
            "ARM_SUBSCRIPTION_ID" => Some("from-env".into()),
            "ARM_CLIENT_SECRET" => Some("s3cret".into()),
            "ARM_USE_CLI" => Some("TRUE".into()),
            "ARM_TENANT_ID" => Some("".into()),
            "ARM_CLIENT_CERTIFICATE_PASSWORD" => Some("certpass".into()),
            "ARM_CLIENT_CERTIFICATE" => Some("Y2VydGJvZHk=".into()),
            "ARM_OIDC_TOKEN" => Some("oidc-jwt".into()),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("gh-request".into()),
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some("http://gh/token?x=1".into()),
            "ARM_USE_MSI" => Some("1".into()),
            _ => None,
        });
        assert_eq!(s.oidc_request_url.as_deref(), Some("http://gh/token?x=1"));
        assert!(s.use_msi && !s.use_oidc);
        assert_eq!(s.subscription_id.as_deref(), Some("from-block"));
        assert_eq!(s.client_secret.as_deref(), Some("s3cret"));
        assert!(s.tenant_id.is_none());
        assert!(s.use_cli);
        let dbg = format!("{s:?}");
        for secret in [
            "s3cret",
            "certpass",
            "Y2VydGJvZHk=",
            "oidc-jwt",
            "gh-request",
        ] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
        }
        assert!(dbg.contains("<redacted>"), "{dbg}");
    }

    #[test]
    fn one_emulator_url_serves_token_and_arm() {
        let s = AzureSettings {
            endpoint: Some("http://127.0.0.1:4567".into()),
            ..Default::default()
        };
        assert_eq!(s.effective_authority_host(), "http://127.0.0.1:4567");
        assert_eq!(
            AzureSettings::default().effective_authority_host(),
            DEFAULT_AUTHORITY_HOST
        );
    }
}
