//! What the provider block says about one AWS account: region, profile, static keys,
//! role to assume and endpoint. Plain data; nothing here touches the network.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Session name of an assumed role when the configuration names none.
pub const DEFAULT_SESSION_NAME: &str = "cloudlink";

/// A role to assume with STS `AssumeRole` on top of the base credentials, as the aws
/// provider's `assume_role {}` block describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AssumeRole {
    /// The role (`arn:aws:iam::123456789012:role/name`).
    pub role_arn: String,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<String>,
    /// The session name (shows in CloudTrail and in the assumed-role ARN); default
    /// [`DEFAULT_SESSION_NAME`].
    pub session_name: Option<String>,
    /// How long the credentials last; STS's default (1 hour) when unset.
    pub duration: Option<Duration>,
    /// Session tags passed to `AssumeRole`.
    pub tags: BTreeMap<String, String>,
}

impl AssumeRole {
    /// A role with STS's defaults for everything but its ARN (what `assume_role_arn` means).
    pub fn arn_only(role_arn: impl Into<String>) -> Self {
        AssumeRole {
            role_arn: role_arn.into(),
            ..Default::default()
        }
    }

    /// The session name to send.
    pub fn effective_session_name(&self) -> &str {
        self.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME)
    }
}

/// Settings of one AWS account (the `aws` block or one `aws_account "name"` block).
///
/// Every field is optional: what is not set comes from the standard AWS chain (environment
/// variables, shared config/credentials files, web identity, IMDS...). Hashable because the
/// settings are the key of the process-wide client registry (`account.rs`).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AwsSettings {
    /// Region; else the chain's region (`AWS_REGION`, the profile's region).
    pub region: Option<String>,
    /// Named profile of the shared config files.
    pub profile: Option<String>,
    /// Static access key id; with `secret_key` it wins over every other source.
    pub access_key: Option<String>,
    /// Static secret access key.
    pub secret_key: Option<String>,
    /// Session token for temporary static keys.
    pub session_token: Option<String>,
    /// Role to assume (STS AssumeRole) on top of the base credentials: the `assume_role {}`
    /// block, or `assume_role_arn` with the defaults.
    pub assume_role: Option<AssumeRole>,
    /// Endpoint URL for EC2 and STS (emulator, VPC endpoint, sovereign partition).
    pub endpoint: Option<String>,
}

/// Prints secrets as `<redacted>` so settings can be logged and shown in diagnostics.
impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redact(v: &Option<String>) -> Option<&'static str> {
            v.as_ref().map(|_| "<redacted>")
        }
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &self.access_key)
            .field("secret_key", &redact(&self.secret_key))
            .field("session_token", &redact(&self.session_token))
            .field("assume_role", &self.assume_role)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let s = AwsSettings {
            access_key: Some("AKID111111111111EXAMPLE".into()),
            secret_key: Some("verysecret".into()),
            session_token: Some("tok3n".into()),
            ..Default::default()
        };
        let d = format!("{s:?}");
        assert!(!d.contains("verysecret") && !d.contains("tok3n"), "{d}");
        assert!(d.contains("<redacted>") && d.contains("AKID111111111111EXAMPLE"));
    }
}
