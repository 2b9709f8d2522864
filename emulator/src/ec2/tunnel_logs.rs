//! Tunnel activity logs: each tunnel's `LogOptions.CloudWatchLogOptions` (CreateVpnConnection
//! `Options.TunnelOptions.N.LogOptions...`, ModifyVpnTunnelOptions `TunnelOptions.LogOptions...`),
//! validated, stored per tunnel and written back in `tunnelOptionSet/item/logOptions`.
//!
//! Sources (read 2026-12-07): EC2 API reference, CloudWatchLogOptionsSpecification and
//! CloudWatchLogOptions (LogEnabled default false; LogOutputFormat `json` | `text`, default
//! `json`); botocore 1.43.11 EC2 model (request members `LogEnabled`, `LogGroupArn`,
//! `LogOutputFormat`; response locationNames `logEnabled`, `logGroupArn`, `logOutputFormat`
//! under `logOptions/cloudWatchLogOptions`); AWS Site-to-Site VPN User Guide, "AWS
//! Site-to-Site VPN logs" (monitoring-logs.html: logs go to a CloudWatch Logs log group).
//! The BGP log members of the same shapes are not modelled.
//!
//! UNKNOWN, the emulator's own choices (marked `rule: EMU-TUNNEL-LOGS`): the error code for a
//! bad value (AWS's error list names none for these fields; `InvalidParameterValue`, EC2's
//! code for a bad parameter value, is used), whether enabling without an ARN is refused (it
//! is here), and what Describe shows after logging is switched off (here `logEnabled` false
//! and no ARN or format).

use super::errors::{Ec2Error, R};
use super::query::Query;
use super::xml::Xml;
use serde_json::{json, Value};

/// One tunnel's CloudWatch Logs settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TunnelLogs {
    /// Whether tunnel activity is logged.
    pub enabled: bool,
    /// The destination log group (kept only while enabled).
    pub group_arn: Option<String>,
    /// `json` or `text` (kept only while enabled).
    pub format: Option<String>,
}

impl TunnelLogs {
    /// Applies `LogOptions.CloudWatchLogOptions.*` from a tunnel specification on top of the
    /// current settings (unset members keep their value, as ModifyVpnTunnelOptions changes
    /// only what it is given), then checks the result.
    pub fn apply(&mut self, spec: &Query) -> R<()> {
        let cw = spec.nested("LogOptions").nested("CloudWatchLogOptions");
        let mut next = self.clone();
        if let Some(on) = cw.bool("LogEnabled")? {
            next.enabled = on;
        }
        if let Some(arn) = cw.get("LogGroupArn") {
            check_log_group_arn(arn)?;
            next.group_arn = Some(arn.to_string());
        }
        if let Some(f) = cw.get("LogOutputFormat") {
            if !matches!(f, "json" | "text") {
                // rule: EMU-TUNNEL-LOGS (code is the emulator's choice; values documented).
                return Err(Ec2Error::invalid(format!(
                    "Value ({f}) for parameter LogOutputFormat is invalid. Valid values are json, text."
                )));
            }
            next.format = Some(f.to_string());
        }
        if next.enabled {
            if next.group_arn.is_none() {
                // rule: EMU-TUNNEL-LOGS (AWS's behaviour without an ARN is unknown).
                return Err(Ec2Error::invalid(
                    "LogGroupArn is required when LogEnabled is true.",
                ));
            }
            next.format.get_or_insert_with(|| "json".to_string());
        } else {
            next.group_arn = None;
            next.format = None;
        }
        *self = next;
        Ok(())
    }

    /// Writes `logOptions` of a `tunnelOptionSet` item.
    pub fn write(&self, x: &mut Xml) {
        x.nest("logOptions", |x| {
            x.nest("cloudWatchLogOptions", |x| {
                x.leaf("logEnabled", self.enabled)
                    .opt("logGroupArn", self.group_arn.as_ref())
                    .opt("logOutputFormat", self.format.as_ref());
            });
        });
    }

    /// Dump form: `{log_enabled, log_group_arn, log_output_format}`.
    pub fn dump(&self) -> Value {
        json!({
            "log_enabled": self.enabled,
            "log_group_arn": self.group_arn,
            "log_output_format": self.format,
        })
    }
}

/// A CloudWatch Logs log-group ARN: `arn:<partition>:logs:<region>:<12-digit account>:
/// log-group:<name>[:*]`, the name 1-512 characters of `[A-Za-z0-9._/#-]` (CloudWatch Logs
/// API reference, CreateLogGroup `logGroupName` pattern, read 2026-12-07). Whether AWS also
/// requires the log group's region to be the VPN's is UNKNOWN and not checked.
/// rule: EMU-TUNNEL-LOGS (code `InvalidParameterValue` is the emulator's choice).
pub fn check_log_group_arn(arn: &str) -> R<()> {
    let bad = |why: &str| {
        Ec2Error::invalid(format!(
            "The log group ARN '{arn}' is invalid: {why}. Expected arn:<partition>:logs:<region>:<account>:log-group:<name>."
        ))
    };
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [scheme, partition, service, region, account, kind, rest] = parts.as_slice() else {
        return Err(bad("it is not an ARN of a log group"));
    };
    if *scheme != "arn" || !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(bad("it is not an AWS ARN"));
    }
    if *service != "logs" || *kind != "log-group" {
        return Err(bad("it does not name a CloudWatch Logs log group"));
    }
    if region.is_empty() {
        return Err(bad("the region is missing"));
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("the account is not 12 digits"));
    }
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    let name_ok = (1..=512).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/#-".contains(c));
    if !name_ok {
        return Err(bad(
            "the log group name is not 1-512 characters of [A-Za-z0-9._/#-]",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arns_are_checked() {
        assert!(
            check_log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:/vpn/t1").is_ok()
        );
        assert!(check_log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:vpn:*").is_ok());
        assert!(check_log_group_arn("arn:aws:s3:::bucket").is_err());
        assert!(check_log_group_arn("arn:aws:logs:us-east-1:1234:log-group:x").is_err());
        assert!(check_log_group_arn("arn:aws:logs:us-east-1:123456789012:destination:x").is_err());
        assert!(check_log_group_arn("/vpn/t1").is_err());
    }

    #[test]
    fn switching_off_drops_the_destination_and_enabling_needs_one() {
        let on = Query::parse(
            b"LogOptions.CloudWatchLogOptions.LogEnabled=true&LogOptions.CloudWatchLogOptions.LogGroupArn=arn:aws:logs:us-east-1:123456789012:log-group:g",
        )
        .unwrap();
        let mut l = TunnelLogs::default();
        l.apply(&on).unwrap();
        assert_eq!(l.format.as_deref(), Some("json"));
        let off = Query::parse(b"LogOptions.CloudWatchLogOptions.LogEnabled=false").unwrap();
        l.apply(&off).unwrap();
        assert_eq!(l, TunnelLogs::default());
        let no_arn = Query::parse(b"LogOptions.CloudWatchLogOptions.LogEnabled=true").unwrap();
        assert!(l.apply(&no_arn).is_err());
        let bad = Query::parse(b"LogOptions.CloudWatchLogOptions.LogOutputFormat=xml").unwrap();
        assert!(l.apply(&bad).is_err());
    }
}
