//! What the provider block says about one AWS account: region, profile, static keys,
//! role to assume and endpoint. Plain data; nothing here touches the network.

use std::fmt;

/// Settings of one AWS account (the `aws` block or one `aws_account "name"` block).
///
/// Every field is optional: what is not set comes from the standard AWS chain (environment
/// variables, shared config/credentials files, web identity, IMDS...).
#[derive(Clone, Default, PartialEq, Eq)]
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
    /// Role to assume (STS AssumeRole, session name `cloudlink`) on top of the base credentials.
    pub assume_role_arn: Option<String>,
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
            .field("assume_role_arn", &self.assume_role_arn)
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
