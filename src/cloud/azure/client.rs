//! The lazily built Azure client: a credential and one raw HTTP path that every ARM
//! request takes (GET, PUT, DELETE, operation polls), so each honours `Retry-After`, is
//! bounded by control-plane timeouts and never has its body logged. azure_mgmt_network
//! stays for its models (serialized and parsed by us); its request pipeline is not used,
//! because azure_core 0.21 keeps the response headers of a failed call private (so
//! `Retry-After` was lost) and logs request bodies.
//!
//! The provider's lazily building handle, `Azure`, lives in `handle`; it builds a
//! [`Network`] here once, the first time a resource needs Azure.

use super::credentials::{
    self, Cached, CertificateCredential, Labelled, ManagedIdentityCredential, OidcCredential,
    OidcSource, SecretCredential, TokenEndpoint,
};
use super::errors::{from_azure, from_response};
use super::settings::{AzureSettings, DEFAULT_ENDPOINT};
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::retry::{with_retry, RetryPolicy};
use azure_core::auth::TokenCredential;
use azure_core::headers::Headers;
use azure_core::{HttpClient, Method, Request, Url};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tokio_util::sync::CancellationToken;

/// Longest a single ARM or token request may take before it counts as a transient failure
/// and is retried. The calls we make are control-plane calls that answer in about a second
/// (long work is asynchronous: 201/202 and an operation to poll), so a stalled endpoint is
/// named within [`RetryPolicy::budget`] rather than after minutes.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest the TCP (and TLS) connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// ARM token scope for the public cloud.
pub const PUBLIC_CLOUD_SCOPE: &str = "https://management.azure.com/.default";

/// A ready ARM network client for one subscription.
#[derive(Clone)]
pub struct Network {
    endpoint: Url,
    subscription_id: String,
    credential: Arc<dyn TokenCredential>,
    http: Arc<dyn HttpClient>,
    scopes: Vec<String>,
    retry: RetryPolicy,
    queue: GatewayQueue,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("subscription_id", &self.subscription_id)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The per-gateway locks of one provider process (shared by every clone of [`Network`]):
/// one operation at a time per virtual network gateway, see `gateway_queue::on_gateway`.
#[derive(Debug, Clone, Default)]
pub struct GatewayQueue {
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl GatewayQueue {
    /// Waits for the turn of gateway `id` (ARM id, any case); the turn ends when the guard
    /// drops. Tokio's mutex is fair, so operations run in the order they asked.
    pub async fn turn(&self, id: &str) -> OwnedMutexGuard<()> {
        let lock = self
            .locks
            .lock()
            .unwrap()
            .entry(id.to_lowercase())
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

/// A raw ARM response with a success status (the body collected).
#[derive(Debug)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// Response body.
    pub body: Vec<u8>,
}

impl Network {
    /// Builds the client (credential, HTTP client, endpoint) without I/O. Fails with
    /// [`ErrorKind::Auth`] naming what is missing when no credential is configured.
    pub(super) fn build(settings: &AzureSettings, retry: RetryPolicy) -> Result<Network> {
        let subscription_id = settings
            .subscription_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                CloudError::new(
                    ErrorKind::Auth,
                    "azure: no subscription: set subscription_id (or ARM_SUBSCRIPTION_ID)",
                )
            })?;
        let http = http_client()?;
        let credential = credential(settings, http.clone())?;
        let endpoint_str = settings.effective_endpoint();
        let endpoint = Url::parse(endpoint_str).map_err(|e| {
            CloudError::new(
                ErrorKind::Client,
                format!("azure: invalid endpoint {endpoint_str:?}: {e}"),
            )
        })?;
        let scopes = vec![scope_for(endpoint_str)];
        Ok(Network {
            endpoint,
            subscription_id,
            credential,
            http,
            scopes,
            retry,
            queue: GatewayQueue::default(),
        })
    }

    /// Which endpoint and subscription this client addresses: reads coalesced across
    /// resources share a call only within one identity.
    pub fn identity(&self) -> String {
        format!("{}{}", self.endpoint, self.subscription_id)
    }

    /// The subscription every call goes to.
    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// The per-gateway operation queue every clone of this client shares.
    pub fn gateway_queue(&self) -> &GatewayQueue {
        &self.queue
    }

    /// The retry policy of every call.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The full ARM id of `Microsoft.Network/{kind}/{name}` in `rg`,
    /// e.g. `resource_id("rg", "virtualNetworkGateways", "gw")`.
    pub fn resource_id(&self, rg: &str, kind: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}",
            self.subscription_id
        )
    }

    /// Sends one raw ARM request (absolute `url`, or a path such as `/subscriptions/..`
    /// relative to the endpoint), once, with a bearer token. Non-success statuses become
    /// errors with the ARM code, message and `Retry-After`.
    pub async fn send_raw(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse> {
        let url = self.absolute_url(url)?;
        let mut req = Request::new(url, method);
        let token = self
            .credential
            .get_token(&self.scopes.iter().map(String::as_str).collect::<Vec<_>>())
            .await
            .map_err(from_azure)?;
        req.insert_header(
            azure_core::headers::AUTHORIZATION,
            format!("Bearer {}", token.token.secret()),
        );
        if let Some(b) = body {
            req.insert_header("content-type", "application/json");
            req.set_body(serde_json::to_vec(b).map_err(|e| {
                CloudError::new(ErrorKind::Client, format!("encoding request: {e}"))
            })?);
        }
        // Bounded by the client's REQUEST_TIMEOUT, body included.
        let rsp = self.http.execute_request(&req).await.map_err(from_azure)?;
        let (status, headers, body) = rsp.deconstruct();
        let status = u16::from(status);
        let body = body.collect().await.map_err(from_azure)?.to_vec();
        if (200..300).contains(&status) {
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        } else {
            Err(from_response(status, &headers, &body))
        }
    }

    /// [`Network::send_raw`] through [`with_retry`], with `context` on failure.
    pub async fn raw(
        &self,
        cancel: &CancellationToken,
        context: &str,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse> {
        with_retry(&self.retry, cancel, context, || {
            self.send_raw(method, url, body)
        })
        .await
        .map_err(|e| e.context(context))
    }

    fn absolute_url(&self, url: &str) -> Result<Url> {
        let parsed = if url.starts_with('/') {
            let mut u = self.endpoint.clone();
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            u.set_path(path);
            u.set_query(if query.is_empty() { None } else { Some(query) });
            Ok(u)
        } else {
            Url::parse(url)
        };
        parsed.map_err(|e| CloudError::new(ErrorKind::Client, format!("invalid URL {url:?}: {e}")))
    }
}

/// The one HTTP client of ARM and Entra ID calls: reqwest with connect and whole-request
/// timeouts (azure_core's default client has neither, so a stalled endpoint hung a call for
/// as long as the server kept the socket open).
fn http_client() -> Result<Arc<dyn HttpClient>> {
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // azure_core's reason, kept: idle pooled connections made hyper hang at times
        // (hyperium/hyper#2312).
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| {
            CloudError::new(ErrorKind::Client, format!("building the HTTP client: {e}"))
        })?;
    Ok(Arc::new(client))
}

/// The token scope for an ARM endpoint: the public-cloud scope for the default endpoint,
/// else `{endpoint}/.default` (what `ClientBuilder::build` derives too; the emulator
/// accepts any scope).
pub fn scope_for(endpoint: &str) -> String {
    let e = endpoint.trim_end_matches('/');
    if e == DEFAULT_ENDPOINT {
        PUBLIC_CLOUD_SCOPE.to_string()
    } else {
        format!("{e}/.default")
    }
}

fn credential(
    settings: &AzureSettings,
    http: Arc<dyn HttpClient>,
) -> Result<Arc<dyn TokenCredential>> {
    fn given(o: &Option<String>) -> Option<&str> {
        o.as_deref().filter(|s| !s.trim().is_empty())
    }
    let setup = |label: &str, e: String| {
        CloudError::new(
            ErrorKind::Auth,
            format!("azure: authenticating with {label}: {e}"),
        )
    };
    let endpoint = |label: &str| match (given(&settings.tenant_id), given(&settings.client_id)) {
        (Some(t), Some(c)) => {
            TokenEndpoint::new(http.clone(), settings.effective_authority_host(), t, c)
                .map_err(|e| setup(label, e))
        }
        _ => Err(setup(
            label,
            "tenant_id (ARM_TENANT_ID) and client_id (ARM_CLIENT_ID) are required".into(),
        )),
    };
    let sp = given(&settings.tenant_id).is_some() && given(&settings.client_id).is_some();
    // The order of hashicorp/go-azure-sdk's NewAuthorizerFromCredentials (azurerm).
    let cert_path = given(&settings.client_certificate_path);
    let cert_inline = given(&settings.client_certificate);
    if sp && (cert_path.is_some() || cert_inline.is_some()) {
        let label = if cert_path.is_some() {
            "a client certificate (ARM_CLIENT_CERTIFICATE_PATH)"
        } else {
            "a client certificate (ARM_CLIENT_CERTIFICATE)"
        };
        let contents = match cert_path {
            Some(p) => std::fs::read(p).map_err(|e| setup(label, format!("reading {p}: {e}")))?,
            None => credentials::decode_certificate(cert_inline.unwrap_or_default())
                .map_err(|e| setup(label, e))?,
        };
        let password = given(&settings.client_certificate_password);
        let cred = CertificateCredential::from_bundle(endpoint(label)?, &contents, password)
            .map_err(|e| setup(label, e))?;
        return Ok(Arc::new(Labelled::new(Cached::new(cred), label)));
    }
    if sp {
        if let Some(secret) = given(&settings.client_secret) {
            let label = "a client secret (ARM_CLIENT_SECRET)";
            let cred = SecretCredential::new(endpoint(label)?, secret.to_string());
            return Ok(Arc::new(Labelled::new(Cached::new(cred), label)));
        }
    }
    if settings.use_oidc {
        let (label, source) = if let Some(t) = given(&settings.oidc_token) {
            (
                "an OIDC token (ARM_OIDC_TOKEN)",
                OidcSource::Token(t.into()),
            )
        } else if let Some(p) = given(&settings.oidc_token_file_path) {
            (
                "an OIDC token file (ARM_OIDC_TOKEN_FILE_PATH)",
                OidcSource::File(p.into()),
            )
        } else if let (Some(url), Some(token)) = (
            given(&settings.oidc_request_url),
            given(&settings.oidc_request_token),
        ) {
            (
                "GitHub Actions OIDC (ARM_OIDC_REQUEST_URL, ARM_OIDC_REQUEST_TOKEN)",
                OidcSource::GitHubActions {
                    url: url.into(),
                    token: token.into(),
                },
            )
        } else {
            return Err(setup(
                "OIDC (ARM_USE_OIDC)",
                "set oidc_token (ARM_OIDC_TOKEN), oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH) or \
                 oidc_request_url + oidc_request_token (ARM_OIDC_REQUEST_URL/ARM_OIDC_REQUEST_TOKEN, \
                 ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN in GitHub Actions)"
                    .into(),
            ));
        };
        let cred = OidcCredential::new(endpoint(label)?, source);
        return Ok(Arc::new(Labelled::new(Cached::new(cred), label)));
    }
    if settings.use_msi {
        let cred = ManagedIdentityCredential::new(
            http,
            given(&settings.msi_endpoint),
            given(&settings.client_id),
        );
        return Ok(Arc::new(Labelled::new(
            Cached::new(cred),
            "a managed identity (ARM_USE_MSI, ARM_MSI_ENDPOINT)",
        )));
    }
    if settings.use_cli {
        return Ok(Arc::new(Labelled::new(
            azure_identity::AzureCliCredential::new(),
            "the Azure CLI (ARM_USE_CLI)",
        )));
    }
    let mut missing = Vec::new();
    for (field, env, v) in [
        ("client_id", "ARM_CLIENT_ID", &settings.client_id),
        (
            "client_secret",
            "ARM_CLIENT_SECRET",
            &settings.client_secret,
        ),
        ("tenant_id", "ARM_TENANT_ID", &settings.tenant_id),
    ] {
        if given(v).is_none() {
            missing.push(format!("{field} ({env})"));
        }
    }
    Err(CloudError::new(
        ErrorKind::Auth,
        format!(
            "azure: no credentials; configure one of: a client certificate (tenant_id, client_id, \
             client_certificate_path or client_certificate: ARM_TENANT_ID, ARM_CLIENT_ID, \
             ARM_CLIENT_CERTIFICATE_PATH/ARM_CLIENT_CERTIFICATE); a client secret (tenant_id, client_id, \
             client_secret: ARM_CLIENT_SECRET); OIDC (use_oidc = true with tenant_id, client_id and \
             oidc_token/oidc_token_file_path/oidc_request_url+oidc_request_token: ARM_USE_OIDC, \
             ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, ARM_OIDC_REQUEST_URL, ARM_OIDC_REQUEST_TOKEN); \
             a managed identity (use_msi = true: ARM_USE_MSI, ARM_MSI_ENDPOINT); or the Azure CLI \
             (use_cli = true: ARM_USE_CLI); missing for a client secret: {}",
            missing.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_the_endpoint() {
        assert_eq!(
            scope_for("https://management.azure.com/"),
            PUBLIC_CLOUD_SCOPE
        );
        assert_eq!(
            scope_for("http://127.0.0.1:4567"),
            "http://127.0.0.1:4567/.default"
        );
    }
}
