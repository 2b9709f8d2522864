//! One named AWS account: settings in, lazily built EC2/STS clients out. Building an
//! account never touches the network or the credential chain; the first call that needs
//! a client does, and a missing credential or region is then a clear error naming the account.
//!
//! Clients are shared process-wide: a registry keyed by the account's settings holds one
//! [`Principal`] (the loaded configuration, its credentials cached until shortly before they
//! expire, the STS client and the caller's account id) and, keyed by settings and region, one
//! [`Session`] (the EC2 client of that region). Every resource, every accepter region and
//! every request of a provider process reuse them, so a plan of many pairs resolves each
//! account's identity and assumes each role once. All clients send through one HTTP client
//! (one parsed CA store, one connection pool).

use super::errors::from_sdk;
use super::settings::AwsSettings;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::retry::{with_retry, RetryPolicy};
use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::config::SharedHttpClient;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// Per-attempt HTTP limit. A hung connection becomes a `Transient` error that our retry
/// layer retries within its budget; EC2 and STS control-plane calls answer in about a
/// second, so 30 s names a stalled endpoint within the budget (smithy-rs has no default).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// TCP/TLS connect limit of one attempt (the SDK's default is 3.1 s; a loaded emulator or
/// proxy can be slower).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Temporary credentials (an assumed role, SSO, web identity, IMDS) are renewed this long
/// before they expire, so no call is signed with credentials about to lapse mid-retry. The
/// SDK's own lazy cache renews only 10 s ahead (aws-smithy-runtime 1.16
/// `client/identity/cache/lazy.rs`, `DEFAULT_BUFFER_TIME`, read 2026-12-07), so cloudlink
/// caches them itself and turns the SDK's per-client cache off.
pub const CREDENTIALS_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);

/// A named AWS account of the provider configuration. Cheap to clone; clones (and every
/// account with the same settings in this process) share the clients and the account id.
#[derive(Clone)]
pub struct AwsAccount {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    /// The settings as configured, with the region of [`AwsAccount::for_region`] applied.
    settings: AwsSettings,
    retry: RetryPolicy,
    cancel: CancellationToken,
    session: Arc<Session>,
}

/// What every account with the same settings shares in this process.
struct Principal {
    settings: AwsSettings,
    loaded: OnceCell<Loaded>,
    account_id: OnceCell<String>,
}

/// The configuration of a principal, loaded once.
struct Loaded {
    config: SdkConfig,
    sts: aws_sdk_sts::Client,
}

/// One principal in one region: the EC2 client calls of that region go through.
struct Session {
    /// Unique in the process: the scope of coalesced reads ([`Ec2::scope`]).
    id: u64,
    principal: Arc<Principal>,
    /// The region when it is not the principal's own ([`AwsAccount::for_region`]).
    region: Option<String>,
    ec2: OnceCell<SessionEc2>,
}

struct SessionEc2 {
    client: aws_sdk_ec2::Client,
    region: String,
    endpoint: String,
}

/// The process-wide registries (principals by settings, sessions by settings and region).
#[derive(Default)]
struct Registry {
    principals: HashMap<AwsSettings, Arc<Principal>>,
    sessions: HashMap<(AwsSettings, Option<String>), Arc<Session>>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);

/// The session of `principal_settings` in `region` (`None`: the principal's region),
/// created on first request.
fn session(principal_settings: &AwsSettings, region: Option<&str>) -> Arc<Session> {
    let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let key = (principal_settings.clone(), region.map(str::to_string));
    if let Some(s) = reg.sessions.get(&key) {
        return s.clone();
    }
    let principal = reg
        .principals
        .entry(principal_settings.clone())
        .or_insert_with(|| {
            Arc::new(Principal {
                settings: principal_settings.clone(),
                loaded: OnceCell::new(),
                account_id: OnceCell::new(),
            })
        })
        .clone();
    let s = Arc::new(Session {
        id: NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed),
        principal,
        region: key.1.clone(),
        ec2: OnceCell::new(),
    });
    reg.sessions.insert(key, s.clone());
    s
}

/// The one HTTP client of every EC2 and STS client (and of the credential providers): the
/// SDK's default HTTPS client (hyper, rustls with aws-lc, proxy from the environment), built
/// once instead of once per SDK client, so the system CA store is parsed once per process.
static HTTP_CLIENT: LazyLock<SharedHttpClient> = LazyLock::new(|| {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        conn.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            conn.set_sleep_impl(c.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
});

impl std::fmt::Debug for AwsAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsAccount")
            .field("name", &self.inner.name)
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl AwsAccount {
    /// An account named `name` (`default` for the `aws` block). Touches nothing.
    pub fn new(name: &str, settings: AwsSettings) -> Self {
        let session = session(&settings, None);
        Self::build(
            name,
            settings,
            RetryPolicy::default(),
            CancellationToken::new(),
            session,
        )
    }

    fn build(
        name: &str,
        settings: AwsSettings,
        retry: RetryPolicy,
        cancel: CancellationToken,
        session: Arc<Session>,
    ) -> Self {
        AwsAccount {
            inner: Arc::new(Inner {
                name: name.to_string(),
                settings,
                retry,
                cancel,
                session,
            }),
        }
    }

    fn rebuild(&self, retry: RetryPolicy, cancel: CancellationToken) -> Self {
        Self::build(
            &self.inner.name,
            self.inner.settings.clone(),
            retry,
            cancel,
            self.inner.session.clone(),
        )
    }

    /// The same account with another retry policy (the provider's `max_retries`).
    pub fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        self.rebuild(retry, self.inner.cancel.clone())
    }

    /// The same account whose calls stop when `cancel` fires (StopProvider).
    pub fn with_cancel(self, cancel: CancellationToken) -> Self {
        self.rebuild(self.inner.retry.clone(), cancel)
    }

    /// Same credentials, another region (the accepter side of a cross-region peering). The
    /// credentials, the account id and the clients are those of the process-wide registry:
    /// asking again for the same region returns the same clients. An account without a
    /// configured region cannot share its principal (the region decides where STS is
    /// called), so there the region-specific settings are a principal of their own.
    pub fn for_region(&self, region: &str) -> AwsAccount {
        let principal = &self.inner.session.principal.settings;
        let mut settings = self.inner.settings.clone();
        settings.region = Some(region.to_string());
        let session = match &principal.region {
            Some(own) if own == region => session(principal, None),
            Some(_) => session(principal, Some(region)),
            None => session(&settings, None),
        };
        Self::build(
            &self.inner.name,
            settings,
            self.inner.retry.clone(),
            self.inner.cancel.clone(),
            session,
        )
    }

    /// The account's name in the provider configuration.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &AwsSettings {
        &self.inner.settings
    }

    /// The EC2 client of this account, built on first use (once per process for these
    /// settings and region).
    pub async fn ec2(&self) -> Result<Ec2> {
        let s = self.session_ec2().await?;
        Ok(Ec2 {
            client: s.client.clone(),
            endpoint: s.endpoint.clone(),
            region: s.region.clone(),
            account: self.inner.name.clone(),
            scope: self.inner.session.id,
            retry: self.inner.retry.clone(),
            cancel: self.inner.cancel.clone(),
        })
    }

    /// The region calls go to (the explicit setting, else the chain's).
    pub async fn region(&self) -> Result<String> {
        Ok(self.session_ec2().await?.region.clone())
    }

    /// The 12-digit account id of the effective credentials (STS GetCallerIdentity, once
    /// per process for these credentials).
    pub async fn account_id(&self) -> Result<String> {
        let principal = &self.inner.session.principal;
        let loaded = self.loaded().await?;
        principal
            .account_id
            .get_or_try_init(|| async {
                let ctx = format!("aws account {:?}: getting caller identity", self.name());
                let out = with_retry(&self.inner.retry, &self.inner.cancel, &ctx, || async {
                    loaded
                        .sts
                        .get_caller_identity()
                        .send()
                        .await
                        .map_err(from_sdk)
                })
                .await
                .map_err(|e| e.context(ctx.clone()))?;
                out.account().map(str::to_string).ok_or_else(|| {
                    CloudError::new(ErrorKind::Server, "GetCallerIdentity returned no account")
                        .context(ctx)
                })
            })
            .await
            .cloned()
    }

    fn named(&self, e: CloudError) -> CloudError {
        e.context(format!("aws account {:?}", self.inner.name))
    }

    async fn loaded(&self) -> Result<&Loaded> {
        let principal = &self.inner.session.principal;
        principal
            .loaded
            .get_or_try_init(|| load(&principal.settings, &self.inner.name))
            .await
            .map_err(|e| self.named(e))
    }

    async fn session_ec2(&self) -> Result<&SessionEc2> {
        let loaded = self.loaded().await?;
        let session = &self.inner.session;
        session
            .ec2
            .get_or_try_init(|| async {
                let config = match &session.region {
                    Some(r) => loaded
                        .config
                        .clone()
                        .into_builder()
                        .region(Region::new(r.clone()))
                        .build(),
                    None => loaded.config.clone(),
                };
                let region = config.region().map(|r| r.to_string()).ok_or_else(|| {
                    CloudError::new(
                        ErrorKind::Client,
                        "no region: set region in the provider block, AWS_REGION, or a profile's region",
                    )
                })?;
                let endpoint = session
                    .principal
                    .settings
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"));
                tracing::debug!(account = %self.inner.name, %region, "EC2 client ready");
                Ok(SessionEc2 {
                    client: aws_sdk_ec2::Client::new(&config),
                    region,
                    endpoint,
                })
            })
            .await
            .map_err(|e| self.named(e))
    }
}

/// Loads the standard chain plus the explicit settings and checks that credentials and a
/// region exist, so the failure names the account instead of surfacing mid-apply.
async fn load(s: &AwsSettings, account: &str) -> Result<Loaded> {
    // Retries: the SDK's own retry layer is switched off (one attempt) so `with_retry`
    // is the only retry layer. It honours cancellation (StopProvider), a single policy
    // covers both clouds, and attempts are not multiplied (8 x 3 = 24 for a throttled
    // call with both layers on).
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(HTTP_CLIENT.clone())
        .identity_cache(IdentityCache::no_cache())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        );
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &s.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &s.endpoint {
        loader = loader.endpoint_url(e);
    }
    match (&s.access_key, &s.secret_key) {
        (Some(ak), Some(sk)) => {
            loader = loader.credentials_provider(Credentials::new(
                ak,
                sk,
                s.session_token.clone(),
                None,
                "cloudlink-static",
            ));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(CloudError::new(
                ErrorKind::Client,
                "access_key and secret_key must be set together",
            ))
        }
        (None, None) => {}
    }
    let config: SdkConfig = loader.load().await;
    if config.region().is_none() {
        return Err(CloudError::new(
            ErrorKind::Client,
            "no region: set region in the provider block, AWS_REGION, or a profile's region",
        ));
    }
    let mut provider = config
        .credentials_provider()
        .ok_or_else(|| no_credentials("no credentials provider"))?;
    if let Some(role) = &s.assume_role {
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
            .session_name(role.effective_session_name())
            .configure(&config);
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id);
        }
        if let Some(d) = role.duration {
            builder = builder.session_length(d);
        }
        if !role.tags.is_empty() {
            builder = builder.tags(role.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        provider = SharedCredentialsProvider::new(builder.build().await);
    }
    let provider = SharedCredentialsProvider::new(CachedCredentials::new(provider));
    // Resolve once now so a missing credential is reported here, naming the account; the
    // answer stays in the cache for the first calls.
    if let Err(e) = provider.provide_credentials().await {
        let cause = aws_sdk_ec2::error::DisplayErrorContext(&e).to_string();
        return Err(match &s.assume_role {
            Some(role) => CloudError::new(
                ErrorKind::Auth,
                format!(
                    "assuming role {} (session {}) failed: {cause}",
                    role.role_arn,
                    role.effective_session_name()
                ),
            ),
            None => no_credentials(&cause),
        });
    }
    let config = config.into_builder().credentials_provider(provider).build();
    let sts = aws_sdk_sts::Client::new(&config);
    tracing::debug!(%account, endpoint = ?s.endpoint, "AWS configuration loaded");
    Ok(Loaded { config, sts })
}

/// Credentials resolved once and handed out until [`CREDENTIALS_REFRESH_AHEAD`] before they
/// expire; one resolution at a time (callers arriving meanwhile wait for its answer instead
/// of assuming the role again). Credentials without an expiry (static keys) are kept.
#[derive(Debug)]
struct CachedCredentials {
    inner: SharedCredentialsProvider,
    current: tokio::sync::Mutex<Option<Credentials>>,
}

impl CachedCredentials {
    fn new(inner: SharedCredentialsProvider) -> Self {
        CachedCredentials {
            inner,
            current: tokio::sync::Mutex::new(None),
        }
    }
}

/// Whether `c` may still sign a call at `now` (more than [`CREDENTIALS_REFRESH_AHEAD`] left).
fn still_fresh(c: &Credentials, now: SystemTime) -> bool {
    c.expiry()
        .is_none_or(|exp| exp > now + CREDENTIALS_REFRESH_AHEAD)
}

impl ProvideCredentials for CachedCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let mut current = self.current.lock().await;
            if let Some(c) = current
                .as_ref()
                .filter(|c| still_fresh(c, SystemTime::now()))
            {
                return Ok(c.clone());
            }
            let fresh = self.inner.provide_credentials().await?;
            *current = Some(fresh.clone());
            Ok(fresh)
        })
    }
}

fn no_credentials(cause: &str) -> CloudError {
    CloudError::new(
        ErrorKind::Auth,
        format!(
            "no credentials found: set access_key/secret_key, a profile, or \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or web identity / instance role) ({cause})"
        ),
    )
}

/// The EC2 client of one account and region, with the retry policy and cancellation every
/// call goes through. Cheap to clone. Its methods (one file per EC2 object) are the only
/// way resources talk to EC2.
#[derive(Clone)]
pub struct Ec2 {
    pub(crate) client: aws_sdk_ec2::Client,
    region: String,
    account: String,
    /// The EC2 endpoint, named in errors when it cannot be reached.
    endpoint: String,
    /// Which process-wide session (credentials and region) this client calls with: reads
    /// coalesced across resources share a call only within one scope.
    scope: u64,
    /// How every call is retried (throttling, 5xx, connection failures).
    pub retry: RetryPolicy,
    /// Stops in-flight calls and retries (StopProvider, or the caller's deadline).
    pub cancel: CancellationToken,
}

impl std::fmt::Debug for Ec2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2")
            .field("account", &self.account)
            .field("region", &self.region)
            .finish()
    }
}

impl Ec2 {
    /// The region this client calls.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The name of the account this client belongs to.
    pub fn account_name(&self) -> &str {
        &self.account
    }

    /// The process-wide session (credentials and region) this client calls with; clients of
    /// one scope may share a coalesced read (`cloud::batch`).
    pub fn scope(&self) -> u64 {
        self.scope
    }

    /// The same client whose calls stop when `cancel` fires.
    pub fn with_cancel(&self, cancel: CancellationToken) -> Ec2 {
        Ec2 {
            cancel,
            ..self.clone()
        }
    }

    /// Adds the endpoint to an [`ErrorKind::Unreachable`] error: the SDK's connect error does
    /// not say where it tried to connect, and a wrong `endpoint` is the usual cause.
    fn name_endpoint(&self, mut e: CloudError) -> CloudError {
        if e.kind == ErrorKind::Unreachable {
            e.message = format!("cannot reach {}: {}", self.endpoint, e.message);
        }
        e
    }

    /// Sends one SDK call through `with_retry`, classifies the error and adds `context`
    /// ("creating EC2 customer gateway (203.0.113.7)").
    pub(crate) async fn send<T, E, F, Fut>(
        &self,
        context: impl FnOnce() -> String,
        op: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.send_secret(context, &[], op).await
    }

    /// [`Ec2::send`] for calls that carry secrets (PSKs): any echo of `secrets` in the
    /// service's error message is replaced by `<redacted>` before the error is logged by the
    /// retry layer or returned.
    pub(crate) async fn send_secret<T, E, F, Fut>(
        &self,
        context: impl FnOnce() -> String,
        secrets: &[&str],
        mut op: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let context = context();
        with_retry(&self.retry, &self.cancel, &context, || {
            let f = op();
            async move { f.await.map_err(|e| redact(from_sdk(e), secrets)) }
        })
        .await
        .map_err(|e| self.name_endpoint(e).context(context))
    }
}

impl Ec2 {
    /// Runs a create call (`create` yields the new id) under the retry policy, so that a
    /// retry never duplicates an object: before every retry (the previous attempt may have
    /// created it and lost the response, e.g. a dropped connection or a 5xx), `adopt`
    /// looks the object up by its ownership tags and returns its id if it exists. EC2 has no
    /// client tokens for these creates, so tags are the idempotency key.
    pub(crate) async fn create_adopting<F, Fut, A, AFut>(
        &self,
        context: impl FnOnce() -> String,
        secrets: &[&str],
        mut create: F,
        mut adopt: A,
    ) -> Result<String>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<String>>,
        A: FnMut() -> AFut,
        AFut: Future<Output = Result<Option<String>>>,
    {
        let context = context();
        let mut attempt = 0u32;
        with_retry(&self.retry, &self.cancel, &context, || {
            attempt += 1;
            let adopt_f = (attempt > 1).then(&mut adopt);
            let create_f = create();
            async move {
                if let Some(a) = adopt_f {
                    if let Some(id) = a.await? {
                        tracing::info!(%id, "adopted the object an earlier attempt created");
                        return Ok(id);
                    }
                }
                create_f.await.map_err(|e| redact(e, secrets))
            }
        })
        .await
        .map_err(|e| self.name_endpoint(e).context(context))
    }
}

/// Replaces every non-empty `secrets` value in the error's message with `<redacted>`.
pub(crate) fn redact(mut e: CloudError, secrets: &[&str]) -> CloudError {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if e.message.contains(s) {
            e.message = e.message.replace(s, "<redacted>");
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_secrets_are_redacted_from_errors() {
        let e = CloudError::from_code(
            Some(400),
            Some("InvalidParameterValue"),
            "Value (0bad_key_1) for parameter preSharedKey is invalid",
        );
        let e = redact(e, &["0bad_key_1", ""]);
        assert!(!e.to_string().contains("0bad_key_1"), "{e}");
        assert!(e.to_string().contains("<redacted>"));
    }

    #[test]
    fn building_an_account_is_lazy() {
        let a = AwsAccount::new("network", AwsSettings::default());
        assert_eq!(a.name(), "network");
        assert!(a.inner.session.ec2.get().is_none());
        let b = a.for_region("eu-west-1");
        assert_eq!(b.settings().region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.settings().region, None);
    }

    #[test]
    fn accounts_share_one_session_per_settings_and_region() {
        let settings = AwsSettings {
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:1/registry-test".into()),
            ..Default::default()
        };
        let a = AwsAccount::new("a", settings.clone());
        let b = AwsAccount::new("b", settings);
        assert!(Arc::ptr_eq(&a.inner.session, &b.inner.session));
        let west = a.for_region("us-west-2");
        assert!(Arc::ptr_eq(
            &west.inner.session,
            &b.for_region("us-west-2").inner.session
        ));
        assert!(Arc::ptr_eq(
            &west.inner.session.principal,
            &a.inner.session.principal
        ));
        assert!(!Arc::ptr_eq(&west.inner.session, &a.inner.session));
        assert!(Arc::ptr_eq(
            &a.for_region("us-east-1").inner.session,
            &a.inner.session
        ));
    }

    #[test]
    fn credentials_are_renewed_ahead_of_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let expiring = |left: Duration| {
            Credentials::new(
                "AKID",
                "secret",
                Some("token".into()),
                Some(now + left),
                "test",
            )
        };
        assert!(still_fresh(&expiring(Duration::from_secs(3600)), now));
        assert!(!still_fresh(&expiring(CREDENTIALS_REFRESH_AHEAD), now));
        assert!(!still_fresh(&expiring(Duration::from_secs(60)), now));
        let static_keys = Credentials::new("AKID", "secret", None, None, "test");
        assert!(still_fresh(&static_keys, now));
    }
}
