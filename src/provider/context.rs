//! What a configured provider hands to resources: lazily built cloud clients for the default
//! AWS account, the named AWS accounts and Azure, the poll cadence, the default tags, and the stop signal.

use crate::cloud::aws::AwsAccount;
use crate::cloud::azure::Azure;
use crate::cloud::wait::WaitConfig;
use crate::tf::{AttributePath, Diagnostic};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The configured provider.
pub struct ProviderContext {
    /// The `aws {}` block (or the standard AWS chain when absent).
    pub aws: AwsAccount,
    /// The `aws_account "NAME" {}` blocks.
    pub aws_accounts: BTreeMap<String, AwsAccount>,
    /// The `azure {}` block (or the `ARM_*` environment).
    pub azure: Azure,
    /// Longest sleep between two status polls (`poll_interval`).
    pub poll_interval: Duration,
    /// The provider's `default_tags` (empty when absent), merged under every resource's tags.
    pub default_tags: crate::cloud::aws::Tags,
    /// Cancelled by StopProvider / Shutdown: every wait and retry ends promptly.
    pub stop: CancellationToken,
}

impl ProviderContext {
    /// The AWS account named `name` (`None` = the default `aws {}` account). An unknown name
    /// is an error on `path`.
    pub fn aws_account(
        &self,
        name: Option<&str>,
        path: AttributePath,
    ) -> Result<&AwsAccount, Diagnostic> {
        match name {
            None => Ok(&self.aws),
            Some(n) => self.aws_accounts.get(n).ok_or_else(|| {
                let known: Vec<_> = self.aws_accounts.keys().map(|k| format!("{k:?}")).collect();
                Diagnostic::error(
                    "Unknown AWS account",
                    format!(
                        "No aws_account {n:?} block in the provider configuration. Declared accounts: {}.",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                )
                .with_path(path)
            }),
        }
    }

    /// A wait config with `timeout`, polling from 200 ms up to `poll_interval`.
    pub fn wait(&self, timeout: Duration) -> WaitConfig {
        WaitConfig {
            timeout,
            initial_interval: Duration::from_millis(200).min(self.poll_interval),
            max_interval: self.poll_interval,
            cancel: self.stop.clone(),
        }
    }
}
