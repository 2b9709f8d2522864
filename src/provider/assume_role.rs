//! The `assume_role {}` block of `aws {}` and `aws_account {}`: its schema, its offline
//! checks against STS's `AssumeRole` constraints, and parsing into [`AssumeRole`].
//!
//! rule: AWS-ASSUME-ROLE-PARAMS. `RoleSessionName` 2-64 characters of `[\w+=,.@-]`,
//! `ExternalId` 2-1224 of `[\w+=,.@:/-]`, `DurationSeconds` 900-43200, at most 50 session
//! tags, keys 1-128 and values 0-256 characters of letters, digits, spaces and `_.:/=+-@`.
//! Source: botocore 1.43.11 `sts/2011-06-15/service-2.json` (shapes
//! `roleSessionNameType`, `externalIdType`, `roleDurationSecondsType`, `tagListType`,
//! `tagKeyType`, `tagValueType`) and the STS API Reference "AssumeRole", read 2026-12-02.
//! STS answers `ValidationError` otherwise; a duration above the role's own maximum
//! session duration is only known to STS and fails at the first call.

use super::validate;
use crate::cloud::aws::AssumeRole;
use crate::tf::{
    Attribute, AttributePath, Block, Diagnostic, Diagnostics, NestedBlock, Type, Value,
};
use std::time::Duration;

/// Shortest and longest session STS grants.
pub const DURATION_RANGE: (Duration, Duration) =
    (Duration::from_secs(900), Duration::from_secs(43_200));

/// Most session tags one `AssumeRole` takes.
pub const MAX_SESSION_TAGS: usize = 50;

/// The nested block, as the aws provider spells it.
pub fn block() -> NestedBlock {
    NestedBlock::single(
        "assume_role",
        Block::new("Role to assume with STS `AssumeRole` on top of the credentials above (like the aws provider's `assume_role`). Replaces `assume_role_arn`, which stays as a shorthand for a role with the defaults.")
            .attr(Attribute::required("role_arn", Type::String, "The role, `arn:aws:iam::ACCOUNT:role/NAME`."))
            .attr(Attribute::optional("external_id", Type::String, "External id the role's trust policy requires (2-1224 characters of letters, digits and `_+=,.@:/-`)."))
            .attr(Attribute::optional("session_name", Type::String, "Session name, shown in CloudTrail and in the assumed-role ARN (2-64 characters of letters, digits and `_+=,.@-`). Default `cloudlink`."))
            .attr(Attribute::optional("duration", Type::String, "How long the credentials last, a Go duration between `15m` and `12h` (and at most the role's maximum session duration). Default: STS's one hour; cloudlink refreshes them before they expire."))
            .attr(Attribute::optional("tags", Type::map(Type::String), "Session tags (at most 50).")),
    )
    .max(1)
}

/// Offline checks of one `assume_role` block at `at`, and of its pairing with the
/// `assume_role_arn` shorthand in the same account block.
pub fn validate(account: &Value, at: &AttributePath) -> Diagnostics {
    let mut d = Diagnostics::default();
    let role = account.attr("assume_role");
    if role.is_null() {
        return d;
    }
    let p = at.clone().attr("assume_role");
    if !account.attr("assume_role_arn").is_null() {
        d.push(
            Diagnostic::error(
                "Two roles to assume",
                "assume_role_arn and an assume_role block are both set; keep the assume_role block (assume_role_arn is its shorthand).",
            )
            .with_path(at.clone().attr("assume_role_arn")),
        );
    }
    d.extend(validate::iam_role_arn(
        role.attr("role_arn"),
        &p.clone().attr("role_arn"),
    ));
    d.extend(sts_name(
        role.attr("external_id"),
        &p.clone().attr("external_id"),
        "external id",
        (2, 1224),
        "_+=,.@:/-",
    ));
    d.extend(sts_name(
        role.attr("session_name"),
        &p.clone().attr("session_name"),
        "session name",
        (2, 64),
        "_+=,.@-",
    ));
    d.extend(session_duration(
        role.attr("duration"),
        &p.clone().attr("duration"),
    ));
    session_tags(role.attr("tags"), &p.attr("tags"), &mut d);
    d
}

/// The block as settings; `None` when absent. Assumes [`validate`] passed.
pub fn parse(account: &Value) -> Option<AssumeRole> {
    let role = account.attr("assume_role");
    if role.is_null() {
        return account
            .attr("assume_role_arn")
            .as_str()
            .map(AssumeRole::arn_only);
    }
    let text = |n: &str| role.attr(n).as_str().map(str::to_string);
    Some(AssumeRole {
        role_arn: text("role_arn").unwrap_or_default(),
        external_id: text("external_id"),
        session_name: text("session_name"),
        duration: role
            .attr("duration")
            .as_str()
            .and_then(|s| validate::parse_duration(s).ok()),
        tags: role
            .attr("tags")
            .as_map()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A string STS constrains to `len` characters of ASCII word characters plus `extra`.
fn sts_name(
    v: &Value,
    at: &AttributePath,
    what: &str,
    (min, max): (usize, usize),
    extra: &str,
) -> Option<Diagnostic> {
    let s = v.as_str().filter(|_| !v.is_unknown())?;
    let n = s.chars().count();
    let bad = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || extra.contains(*c)));
    let problem = if n < min || n > max {
        format!("is {n} characters long; STS takes {min} to {max}")
    } else if let Some(c) = bad {
        format!("contains {c:?}; STS takes letters, digits and `{extra}`")
    } else {
        return None;
    };
    Some(
        Diagnostic::error(format!("Invalid {what}"), format!("The {what} {problem}."))
            .with_path(at.clone()),
    )
}

fn session_duration(v: &Value, at: &AttributePath) -> Option<Diagnostic> {
    if let Some(d) = validate::duration(v, at) {
        return Some(d);
    }
    let s = v.as_str().filter(|_| !v.is_unknown())?;
    let d = validate::parse_duration(s).ok()?;
    let (lo, hi) = DURATION_RANGE;
    (d < lo || d > hi).then(|| {
        Diagnostic::error(
            "Invalid session duration",
            format!("{s:?} is outside what STS grants: 15m to 12h (and at most the role's maximum session duration)."),
        )
        .with_path(at.clone())
    })
}

fn session_tags(v: &Value, at: &AttributePath, d: &mut Diagnostics) {
    let Some(tags) = v.as_map() else { return };
    if tags.len() > MAX_SESSION_TAGS {
        d.push(
            Diagnostic::error(
                "Too many session tags",
                format!(
                    "{} session tags; STS takes at most {MAX_SESSION_TAGS}.",
                    tags.len()
                ),
            )
            .with_path(at.clone()),
        );
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (k, val) in tags {
        let key_ok = (1..=128).contains(&k.chars().count()) && k.chars().all(allowed);
        let value_ok = val
            .as_str()
            .is_none_or(|s| s.chars().count() <= 256 && s.chars().all(allowed));
        if !key_ok || !value_ok {
            d.push(
                Diagnostic::error(
                    "Invalid session tag",
                    format!("Session tag {k:?}: keys take 1-128 and values 0-256 letters, digits, spaces and `_.:/=+-@`."),
                )
                .with_path(at.clone().key(k)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Value) -> Value {
        Value::object([("assume_role_arn", Value::Null), ("assume_role", role)])
    }

    fn role(extra: &[(&str, Value)]) -> Value {
        let mut v = Value::object([(
            "role_arn",
            Value::string("arn:aws:iam::222222222222:role/peering"),
        )]);
        for (k, x) in extra {
            v.set_attr(k, x.clone());
        }
        v
    }

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .filter_map(|d| d.path.as_ref().map(|p| p.to_string()))
            .collect()
    }

    #[test]
    fn a_full_block_passes_and_parses() {
        let a = account(role(&[
            ("external_id", Value::string("ext-42")),
            ("session_name", Value::string("ci-run@42")),
            ("duration", Value::string("30m")),
            ("tags", Value::map([("team", Value::string("net"))])),
        ]));
        let at = AttributePath::root().attr("aws");
        assert!(validate(&a, &at).is_empty());
        let r = parse(&a).unwrap();
        assert_eq!(r.external_id.as_deref(), Some("ext-42"));
        assert_eq!(r.effective_session_name(), "ci-run@42");
        assert_eq!(r.duration, Some(Duration::from_secs(1800)));
        assert_eq!(r.tags.get("team").map(String::as_str), Some("net"));
    }

    #[test]
    fn sts_limits_are_checked_on_each_attribute() {
        let a = account(role(&[
            ("external_id", Value::string("x")),
            ("session_name", Value::string("has space")),
            ("duration", Value::string("13h")),
            ("tags", Value::map([("bad<key", Value::string("v"))])),
        ]));
        let d = validate(&a, &AttributePath::root().attr("aws"));
        assert_eq!(
            paths(&d),
            [
                "aws.assume_role.external_id",
                "aws.assume_role.session_name",
                "aws.assume_role.duration",
                "aws.assume_role.tags[\"bad<key\"]"
            ]
        );
    }

    #[test]
    fn the_shorthand_parses_and_cannot_be_combined_with_the_block() {
        let short = Value::object([
            (
                "assume_role_arn",
                Value::string("arn:aws:iam::222222222222:role/peering"),
            ),
            ("assume_role", Value::Null),
        ]);
        let r = parse(&short).unwrap();
        assert_eq!(r.effective_session_name(), "cloudlink");
        assert_eq!(r.external_id, None);
        let both = short.with_attr("assume_role", role(&[]));
        let d = validate(&both, &AttributePath::root().attr("aws"));
        assert_eq!(paths(&d), ["aws.assume_role_arn"]);
    }
}
