//! One named AWS account: settings in, lazily built EC2/STS clients out. Building an
//! account never touches the network or the credential chain; the first call that needs
//! a client does, and a missing credential or region is then a clear error naming the account.

use super::errors::from_sdk;
use super::settings::AwsSettings;
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::retry::{with_retry, RetryPolicy};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// Per-attempt HTTP limit. A hung connection becomes a `Transient` error that our retry
/// layer retries within its budget; EC2 and STS control-plane calls answer in about a
/// second, so 30 s names a stalled endpoint within the budget (smithy-rs has no default).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// TCP/TLS connect limit of one attempt (the SDK's default is 3.1 s; a loaded emulator or
/// proxy can be slower).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A named AWS account of the provider configuration. Cheap to clone; clones share the
/// lazily built clients and the cached account id.
#[derive(Clone)]
pub struct AwsAccount {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    settings: AwsSettings,
    retry: RetryPolicy,
    cancel: CancellationToken,
    clients: OnceCell<Clients>,
    account_id: OnceCell<String>,
}

struct Clients {
    ec2: Ec2,
    sts: aws_sdk_sts::Client,
}

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
        Self::build(
            name,
            settings,
            RetryPolicy::default(),
            CancellationToken::new(),
        )
    }

    fn build(
        name: &str,
        settings: AwsSettings,
        retry: RetryPolicy,
        cancel: CancellationToken,
    ) -> Self {
        AwsAccount {
            inner: Arc::new(Inner {
                name: name.to_string(),
                settings,
                retry,
                cancel,
                clients: OnceCell::new(),
                account_id: OnceCell::new(),
            }),
        }
    }

    /// The same account with another retry policy (the provider's `max_retries`).
    pub fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        Self::build(
            &self.inner.name,
            self.inner.settings.clone(),
            retry,
            self.inner.cancel.clone(),
        )
    }

    /// The same account whose calls stop when `cancel` fires (StopProvider).
    pub fn with_cancel(self, cancel: CancellationToken) -> Self {
        Self::build(
            &self.inner.name,
            self.inner.settings.clone(),
            self.inner.retry.clone(),
            cancel,
        )
    }

    /// Same credentials, another region (the accepter side of a cross-region peering).
    pub fn for_region(&self, region: &str) -> AwsAccount {
        let mut settings = self.inner.settings.clone();
        settings.region = Some(region.to_string());
        Self::build(
            &self.inner.name,
            settings,
            self.inner.retry.clone(),
            self.inner.cancel.clone(),
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

    /// The EC2 client of this account, built on first use.
    pub async fn ec2(&self) -> Result<Ec2> {
        Ok(self.clients().await?.ec2.clone())
    }

    /// The region calls go to (the explicit setting, else the chain's).
    pub async fn region(&self) -> Result<String> {
        Ok(self.clients().await?.ec2.region.clone())
    }

    /// The 12-digit account id of the effective credentials (STS GetCallerIdentity, cached).
    pub async fn account_id(&self) -> Result<String> {
        let clients = self.clients().await?;
        self.inner
            .account_id
            .get_or_try_init(|| async {
                let ctx = format!("aws account {:?}: getting caller identity", self.name());
                let out = with_retry(&self.inner.retry, &self.inner.cancel, &ctx, || async {
                    clients
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

    async fn clients(&self) -> Result<&Clients> {
        self.inner
            .clients
            .get_or_try_init(|| self.load())
            .await
            .map_err(|e| e.context(format!("aws account {:?}", self.inner.name)))
    }

    /// Loads the standard chain plus the explicit settings and checks that credentials and a
    /// region exist, so the failure names the account instead of surfacing mid-apply.
    async fn load(&self) -> Result<Clients> {
        let s = &self.inner.settings;
        // Retries: the SDK's own retry layer is switched off (one attempt) so `with_retry`
        // is the only retry layer. It honours cancellation (StopProvider), a single policy
        // covers both clouds, and attempts are not multiplied (8 x 3 = 24 for a throttled
        // call with both layers on).
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
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
        let mut config: SdkConfig = loader.load().await;
        let region = config.region().map(|r| r.to_string()).ok_or_else(|| {
            CloudError::new(
                ErrorKind::Client,
                "no region: set region in the provider block, AWS_REGION, or a profile's region",
            )
        })?;
        if config.credentials_provider().is_none() {
            return Err(no_credentials("no credentials provider"));
        }
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
            let provider = builder.build().await;
            config = config
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        // Resolve once now so a missing credential is reported here, naming the account.
        let provider = config
            .credentials_provider()
            .ok_or_else(|| no_credentials("no credentials provider"))?;
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
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let sts = aws_sdk_sts::Client::new(&config);
        tracing::debug!(account = %self.inner.name, %region, endpoint = ?s.endpoint, "AWS clients ready");
        Ok(Clients {
            ec2: Ec2 {
                client: ec2,
                endpoint: s
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com")),
                region,
                account: self.inner.name.clone(),
                retry: self.inner.retry.clone(),
                cancel: self.inner.cancel.clone(),
            },
            sts,
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
        assert!(a.inner.clients.get().is_none());
        let b = a.for_region("eu-west-1");
        assert_eq!(b.settings().region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.settings().region, None);
    }
}
