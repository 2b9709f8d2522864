//! Our own Entra ID credentials for what `azure_identity` 0.21 cannot do against a custom
//! authority (client certificates, federated OIDC tokens, a custom managed-identity
//! endpoint), plus [`Labelled`], which names the method and its variable in every failure.
//!
//! Each credential has one job: obtain a token one way. Caching is [`Cached`]'s job.

use super::errors::{from_azure, retry_after};
use crate::cloud::error::{CloudError, ErrorKind};
use crate::cloud::retry::{with_retry, RetryPolicy};
use azure_core::auth::{AccessToken, TokenCredential};
use azure_core::error::{Error as AzError, ErrorKind as AzKind};
use azure_core::{HttpClient, Method, Request, Url};
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use rand::Rng;
use rustls::SignatureScheme;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// `client_assertion_type` of a JWT client assertion (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Audience GitHub's ID token must carry for Entra ID's token exchange.
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Default managed-identity endpoint: the Azure Instance Metadata Service.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// A token is refreshed this long before it expires, so a request never carries a token
/// that expires in flight.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

fn credential_error(message: String) -> AzError {
    AzError::message(AzKind::Credential, message)
}

/// Sends one token request and returns the JSON body, under the one retry policy of every
/// cloud call ([`with_retry`]): a dropped connection, a 429 or a 5xx is retried after the
/// server's `Retry-After` (Entra ID and IMDS fail transiently like any service, and one such
/// failure must not fail the whole command); any other non-success status is an error with
/// the body's `error_description` (the `AADSTS...` text) or the raw body.
async fn send_json(http: &Arc<dyn HttpClient>, req: &Request) -> azure_core::Result<Value> {
    let url = req.url().as_str();
    let what = format!(
        "the token request to {}",
        url.split('?').next().unwrap_or(url)
    );
    // TokenCredential::get_token has no cancellation; the retry budget bounds it instead.
    let never = CancellationToken::new();
    with_retry(&RetryPolicy::default(), &never, &what, || async {
        let rsp = http.execute_request(req).await.map_err(from_azure)?;
        let (status, headers, body) = rsp.deconstruct();
        let code = u16::from(status);
        let body = body.collect().await.map_err(from_azure)?;
        if status.is_success() {
            return Ok(serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let text = json["error_description"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        let mut e = CloudError::new(token_error_kind(code), format!("HTTP {code}: {text}"));
        e.retry_after = retry_after(&headers);
        Err(e)
    })
    .await
    .map_err(|e| credential_error(e.message))
}

/// 429 and 5xx from a token endpoint are worth a retry; every other refusal (400 with
/// `invalid_client`, an unknown tenant, a bad assertion) is final.
fn token_error_kind(status: u16) -> ErrorKind {
    match status {
        429 => ErrorKind::Throttling,
        s if s >= 500 => ErrorKind::Server,
        _ => ErrorKind::Auth,
    }
}

/// Reads `expires_in` (number or string, as IMDS sends) into an absolute expiry.
fn expiry(json: &Value) -> OffsetDateTime {
    let secs = json["expires_in"]
        .as_i64()
        .or_else(|| json["expires_in"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(300);
    OffsetDateTime::now_utc() + time::Duration::seconds(secs)
}

fn access_token(json: &Value) -> azure_core::Result<AccessToken> {
    let token = json["access_token"]
        .as_str()
        .ok_or_else(|| credential_error("token response without access_token".into()))?;
    Ok(AccessToken::new(token.to_string(), expiry(json)))
}

/// Entra ID's token endpoint `{authority}/{tenant}/oauth2/v2.0/token` for one app.
#[derive(Clone)]
pub struct TokenEndpoint {
    http: Arc<dyn HttpClient>,
    url: Url,
    client_id: String,
}

impl std::fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url.as_str())
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl TokenEndpoint {
    /// The endpoint of `tenant` under `authority` for app `client_id`.
    pub fn new(
        http: Arc<dyn HttpClient>,
        authority: &str,
        tenant: &str,
        client_id: &str,
    ) -> Result<Self, String> {
        let url = format!(
            "{}/{tenant}/oauth2/v2.0/token",
            authority.trim_end_matches('/')
        );
        let url =
            Url::parse(&url).map_err(|e| format!("invalid authority host {authority:?}: {e}"))?;
        Ok(TokenEndpoint {
            http,
            url,
            client_id: client_id.to_string(),
        })
    }

    /// A client-credentials request authenticated by the JWT `assertion`.
    async fn exchange(&self, assertion: &str, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        self.client_credentials(
            &[
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion),
            ],
            scopes,
        )
        .await
    }

    /// A client-credentials request with `proof` (a secret or an assertion) for `scopes`.
    async fn client_credentials(
        &self,
        proof: &[(&str, &str)],
        scopes: &[&str],
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes.join(" ");
        let mut fields = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("scope", scope.as_str()),
        ];
        fields.extend_from_slice(proof);
        let form =
            serde_urlencoded::to_string(&fields).map_err(|e| credential_error(e.to_string()))?;
        let mut req = Request::new(self.url.clone(), Method::Post);
        req.insert_header("content-type", "application/x-www-form-urlencoded");
        req.set_body(form.into_bytes());
        access_token(&send_json(&self.http, &req).await?)
    }
}

/// Service principal with a client secret. Ours rather than azure_identity's, so that the
/// token request is retried like every other one and a refusal keeps Entra ID's `AADSTS`
/// text.
pub struct SecretCredential {
    endpoint: TokenEndpoint,
    secret: String,
}

impl std::fmt::Debug for SecretCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCredential")
            .field("endpoint", &self.endpoint)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SecretCredential {
    /// The app of `endpoint` proving itself with `secret`.
    pub fn new(endpoint: TokenEndpoint, secret: String) -> Self {
        SecretCredential { endpoint, secret }
    }
}

#[async_trait::async_trait]
impl TokenCredential for SecretCredential {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        self.endpoint
            .client_credentials(&[("client_secret", self.secret.as_str())], scopes)
            .await
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        Ok(())
    }
}

/// Service principal with a client certificate: signs an RS256 client assertion (`x5t`
/// the certificate's SHA-1 thumbprint, as Entra ID requires) for each token request.
pub struct CertificateCredential {
    endpoint: TokenEndpoint,
    signer: Arc<dyn rustls::sign::SigningKey>,
    thumbprint: String,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("endpoint", &self.endpoint)
            .field("thumbprint", &self.thumbprint)
            .finish()
    }
}

impl CertificateCredential {
    /// From a certificate bundle as azurerm takes it: a PKCS#12 (PFX) file sealed with
    /// `password` (none: empty), or PEM `contents` holding a `CERTIFICATE` and its unencrypted
    /// `PRIVATE KEY` (PKCS#8, PKCS#1 or SEC1).
    pub fn from_bundle(
        endpoint: TokenEndpoint,
        contents: &[u8],
        password: Option<&str>,
    ) -> Result<Self, String> {
        if contents.windows(11).any(|w| w == b"-----BEGIN ") {
            let cert = rustls_pemfile::certs(&mut &contents[..])
                .next()
                .and_then(Result::ok)
                .ok_or("the PEM holds no CERTIFICATE")?;
            let key = rustls_pemfile::private_key(&mut &contents[..])
                .ok()
                .flatten()
                .ok_or("the PEM holds no (unencrypted) PRIVATE KEY")?;
            Self::from_parts(endpoint, &cert, &key)
        } else {
            let (cert, key) = super::pkcs12::open_pfx(contents, password.unwrap_or_default())?;
            Self::from_parts(endpoint, &cert, &key)
        }
    }

    fn from_parts(
        endpoint: TokenEndpoint,
        cert: &rustls_pki_types::CertificateDer<'_>,
        key: &rustls_pki_types::PrivateKeyDer<'_>,
    ) -> Result<Self, String> {
        let signer = rustls::crypto::aws_lc_rs::sign::any_supported_type(key)
            .map_err(|e| format!("unusable private key: {e}"))?;
        Ok(CertificateCredential {
            endpoint,
            signer,
            thumbprint: B64URL.encode(Sha1::digest(cert.as_ref())),
        })
    }

    fn assertion(&self) -> azure_core::Result<String> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let header = B64URL
            .encode(json!({"alg": "RS256", "typ": "JWT", "x5t": self.thumbprint}).to_string());
        let claims = B64URL.encode(
            json!({
                "aud": self.endpoint.url.as_str(),
                "iss": self.endpoint.client_id,
                "sub": self.endpoint.client_id,
                "jti": format!("{:032x}", rand::thread_rng().gen::<u128>()),
                "nbf": now,
                "exp": now + 600,
            })
            .to_string(),
        );
        let input = format!("{header}.{claims}");
        let signer = self
            .signer
            .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
            .ok_or_else(|| credential_error("the private key is not an RSA key".into()))?;
        let signature = signer
            .sign(input.as_bytes())
            .map_err(|e| credential_error(format!("signing the client assertion: {e}")))?;
        Ok(format!("{input}.{}", B64URL.encode(signature)))
    }
}

#[async_trait::async_trait]
impl TokenCredential for CertificateCredential {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        self.endpoint.exchange(&self.assertion()?, scopes).await
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        Ok(())
    }
}

/// Where a federated (OIDC) assertion comes from.
pub enum OidcSource {
    /// The token itself (`oidc_token`).
    Token(String),
    /// A file re-read for every request (`oidc_token_file_path`; Kubernetes rotates it).
    File(String),
    /// GitHub Actions' ID-token endpoint (`oidc_request_url` + `oidc_request_token`).
    GitHubActions {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        token: String,
    },
}

/// Workload identity federation: exchanges an OIDC ID token (the client assertion) for an
/// Entra ID token.
pub struct OidcCredential {
    endpoint: TokenEndpoint,
    source: OidcSource,
}

impl std::fmt::Debug for OidcCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            OidcSource::Token(_) => "token".to_string(),
            OidcSource::File(p) => format!("file {p}"),
            OidcSource::GitHubActions { url, .. } => format!("github {url}"),
        };
        f.debug_struct("OidcCredential")
            .field("endpoint", &self.endpoint)
            .field("source", &source)
            .finish()
    }
}

impl OidcCredential {
    /// Exchanges assertions from `source` at `endpoint`.
    pub fn new(endpoint: TokenEndpoint, source: OidcSource) -> Self {
        OidcCredential { endpoint, source }
    }

    async fn assertion(&self) -> azure_core::Result<String> {
        match &self.source {
            OidcSource::Token(t) => Ok(t.clone()),
            OidcSource::File(p) => std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|e| credential_error(format!("reading {p}: {e}"))),
            OidcSource::GitHubActions { url, token } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let full = format!(
                    "{url}{sep}audience={}",
                    FEDERATED_AUDIENCE.replace(':', "%3A").replace('/', "%2F")
                );
                let url = Url::parse(&full)
                    .map_err(|e| credential_error(format!("invalid oidc_request_url: {e}")))?;
                let mut req = Request::new(url, Method::Get);
                req.insert_header("authorization", format!("Bearer {token}"));
                req.insert_header("accept", "application/json");
                let json = send_json(&self.endpoint.http, &req).await.map_err(|e| {
                    credential_error(format!("requesting the GitHub Actions ID token: {e}"))
                })?;
                json["value"].as_str().map(str::to_string).ok_or_else(|| {
                    credential_error("the ID-token response has no \"value\"".into())
                })
            }
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for OidcCredential {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        let assertion = self.assertion().await?;
        self.endpoint.exchange(&assertion, scopes).await
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        Ok(())
    }
}

/// Managed identity through IMDS (or `msi_endpoint`): `GET ?api-version=2018-02-01&resource=`
/// with `Metadata: true`; `client_id` picks a user-assigned identity.
#[derive(Clone)]
pub struct ManagedIdentityCredential {
    http: Arc<dyn HttpClient>,
    endpoint: String,
    client_id: Option<String>,
}

impl std::fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentityCredential")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl ManagedIdentityCredential {
    /// Asks `endpoint` (default [`IMDS_ENDPOINT`]) for tokens of identity `client_id`
    /// (system-assigned when `None`).
    pub fn new(http: Arc<dyn HttpClient>, endpoint: Option<&str>, client_id: Option<&str>) -> Self {
        ManagedIdentityCredential {
            http,
            endpoint: endpoint.unwrap_or(IMDS_ENDPOINT).to_string(),
            client_id: client_id.map(str::to_string),
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for ManagedIdentityCredential {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        let resource = scopes
            .first()
            .map(|s| s.trim_end_matches("/.default"))
            .unwrap_or_default();
        let mut url = Url::parse(&self.endpoint)
            .map_err(|e| credential_error(format!("invalid msi_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("api-version", "2018-02-01")
            .append_pair("resource", resource);
        if let Some(id) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        let mut req = Request::new(url, Method::Get);
        req.insert_header("metadata", "true");
        access_token(&send_json(&self.http, &req).await?)
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        Ok(())
    }
}

/// Keeps the last token per scope set until [`REFRESH_BEFORE`] its expiry. One fetch at a
/// time: the resources terraform reads at once wait for the first one's token instead of
/// each asking the token endpoint.
#[derive(Debug)]
pub struct Cached<C> {
    inner: C,
    tokens: Mutex<Vec<(String, AccessToken)>>,
    fetching: tokio::sync::Mutex<()>,
}

impl<C> Cached<C> {
    /// Caches `inner`'s tokens.
    pub fn new(inner: C) -> Self {
        Cached {
            inner,
            tokens: Mutex::new(Vec::new()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }
}

#[async_trait::async_trait]
impl<C: TokenCredential> TokenCredential for Cached<C> {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        let key = scopes.join(" ");
        let cached = || {
            let fresh_until = OffsetDateTime::now_utc() + REFRESH_BEFORE;
            self.tokens
                .lock()
                .unwrap()
                .iter()
                .find(|(k, t)| *k == key && t.expires_on > fresh_until)
                .map(|(_, t)| t.clone())
        };
        if let Some(t) = cached() {
            return Ok(t);
        }
        let _one_fetch = self.fetching.lock().await;
        if let Some(t) = cached() {
            return Ok(t);
        }
        let token = self.inner.get_token(scopes).await?;
        let mut tokens = self.tokens.lock().unwrap();
        tokens.retain(|(k, _)| *k != key);
        tokens.push((key, token.clone()));
        Ok(token)
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        self.tokens.lock().unwrap().clear();
        self.inner.clear_cache().await
    }
}

/// Prefixes every failure of `inner` with the method and the variable that configures it:
/// `azure: authenticating with a client certificate (ARM_CLIENT_CERTIFICATE_PATH): ...`.
#[derive(Debug)]
pub struct Labelled<C> {
    inner: C,
    label: &'static str,
}

impl<C> Labelled<C> {
    /// `label` is e.g. `a client certificate (ARM_CLIENT_CERTIFICATE_PATH)`.
    pub fn new(inner: C, label: &'static str) -> Self {
        Labelled { inner, label }
    }
}

#[async_trait::async_trait]
impl<C: TokenCredential> TokenCredential for Labelled<C> {
    async fn get_token(&self, scopes: &[&str]) -> azure_core::Result<AccessToken> {
        self.inner.get_token(scopes).await.map_err(|e| {
            let mut text = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let t = s.to_string();
                if !text.contains(&t) {
                    text.push_str(": ");
                    text.push_str(&t);
                }
                src = s.source();
            }
            credential_error(format!("azure: authenticating with {}: {text}", self.label))
        })
    }

    async fn clear_cache(&self) -> azure_core::Result<()> {
        self.inner.clear_cache().await
    }
}

/// Decodes `client_certificate` (base64 of the certificate file).
pub fn decode_certificate(b64: &str) -> Result<Vec<u8>, String> {
    B64.decode(b64.trim())
        .map_err(|e| format!("client_certificate is not base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Hands out numbered tokens living `lifetime`; a negative lifetime fails instead.
    #[derive(Debug)]
    struct Counting {
        calls: AtomicU32,
        lifetime: time::Duration,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn get_token(&self, _scopes: &[&str]) -> azure_core::Result<AccessToken> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if self.lifetime.is_negative() {
                return Err(credential_error("HTTP 401: AADSTS700027: bad".into()));
            }
            Ok(AccessToken::new(
                format!("t{n}"),
                OffsetDateTime::now_utc() + self.lifetime,
            ))
        }

        async fn clear_cache(&self) -> azure_core::Result<()> {
            Ok(())
        }
    }

    fn counting(lifetime: time::Duration) -> Counting {
        Counting {
            calls: AtomicU32::new(0),
            lifetime,
        }
    }

    #[tokio::test]
    async fn tokens_are_reused_until_shortly_before_expiry() {
        let long = Cached::new(counting(time::Duration::hours(1)));
        let a = long.get_token(&["s"]).await.unwrap();
        let b = long.get_token(&["s"]).await.unwrap();
        assert_eq!(a.token.secret(), b.token.secret());
        long.get_token(&["other"]).await.unwrap();
        assert_eq!(long.inner.calls.load(Ordering::SeqCst), 2);

        let short = Cached::new(counting(time::Duration::minutes(2)));
        short.get_token(&["s"]).await.unwrap();
        short.get_token(&["s"]).await.unwrap();
        assert_eq!(short.inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failures_name_the_method_and_its_variable() {
        let cred = Labelled::new(
            counting(time::Duration::minutes(-1)),
            "a client certificate (ARM_CLIENT_CERTIFICATE_PATH)",
        );
        let e = cred.get_token(&["s"]).await.unwrap_err().to_string();
        assert!(
            e.starts_with(
                "azure: authenticating with a client certificate (ARM_CLIENT_CERTIFICATE_PATH): "
            ) && e.contains("AADSTS700027"),
            "{e}"
        );
    }

    #[test]
    fn a_pfx_opens_with_its_password_and_a_wrong_one_says_so() {
        let http = azure_core::new_http_client();
        let ep = || TokenEndpoint::new(http.clone(), "http://127.0.0.1:1", "t", "c").unwrap();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pfx = super::super::pkcs12::seal_pfx(cert.der(), &key.serialize_der(), "pw").unwrap();
        let c = CertificateCredential::from_bundle(ep(), &pfx, Some("pw")).unwrap();
        assert_eq!(
            c.thumbprint,
            B64URL.encode(Sha1::digest(cert.der().as_ref()))
        );
        let e = CertificateCredential::from_bundle(ep(), &pfx, Some("nope")).unwrap_err();
        assert!(e.contains("ARM_CLIENT_CERTIFICATE_PASSWORD"), "{e}");
        let e = CertificateCredential::from_bundle(ep(), &[0x30, 0x82, 0x01], None).unwrap_err();
        assert!(e.contains("PFX") && e.contains("PEM"), "{e}");
    }
}
