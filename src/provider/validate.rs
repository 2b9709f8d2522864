//! Small named validators shared by the provider block and the resources. Each checks one
//! value and, when it is wrong, returns an error diagnostic on the attribute's path that says
//! what is expected. Unknown and null values always pass (they are checked once known).

use crate::tf::{AttributePath, Diagnostic, Value};
use std::time::Duration;

fn known_str(v: &Value) -> Option<&str> {
    if v.is_unknown() {
        None
    } else {
        v.as_str()
    }
}

fn invalid(path: &AttributePath, summary: &str, detail: String) -> Option<Diagnostic> {
    Some(Diagnostic::error(summary, detail).with_path(path.clone()))
}

/// An AWS region name such as `us-east-1` or `us-gov-west-1`.
pub fn aws_region(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = known_str(v)?;
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        None
    } else {
        invalid(path, "Invalid AWS region", format!("{s:?} is not an AWS region name; expected something like \"us-east-1\" or \"eu-central-1\"."))
    }
}

/// An absolute `http://` or `https://` URL with a host.
pub fn http_url(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = known_str(v)?;
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(' ') => None,
        _ => invalid(
            path,
            "Invalid endpoint URL",
            format!(
                "{s:?} is not an absolute http:// or https:// URL, e.g. \"http://127.0.0.1:4566\"."
            ),
        ),
    }
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn iam_role_arn(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = known_str(v)?;
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > 5;
    if ok {
        None
    } else {
        invalid(
            path,
            "Invalid IAM role ARN",
            format!(
                "{s:?} is not an IAM role ARN; expected \"arn:aws:iam::123456789012:role/NAME\"."
            ),
        )
    }
}

/// A UUID (Azure subscription and tenant ids).
pub fn uuid(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = known_str(v)?;
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        None
    } else {
        invalid(
            path,
            "Invalid UUID",
            format!("{s:?} is not a UUID such as \"00000000-0000-0000-0000-000000000000\"."),
        )
    }
}

/// Parses a Go-style duration (`90m`, `1h30m`, `200ms`, `45s`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or("a duration needs a unit (h, m, s, ms)")?;
        let (num, tail) = rest.split_at(n_end);
        let n: f64 = num.parse().map_err(|_| format!("bad number {num:?}"))?;
        let u_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(u_end);
        let secs = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            other => return Err(format!("unknown unit {other:?} (use h, m, s or ms)")),
        };
        total += Duration::from_secs_f64(n * secs);
        rest = tail;
    }
    Ok(total)
}

/// A Go-style duration string.
pub fn duration(v: &Value, path: &AttributePath) -> Option<Diagnostic> {
    let s = known_str(v)?;
    match parse_duration(s) {
        Ok(_) => None,
        Err(e) => invalid(
            path,
            "Invalid duration",
            format!("{s:?}: {e}. Examples: \"90m\", \"2h\", \"30s\"."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> AttributePath {
        AttributePath::root().attr("x")
    }

    #[test]
    fn regions() {
        assert!(aws_region(&Value::string("us-east-1"), &p()).is_none());
        assert!(aws_region(&Value::string("us-gov-west-1"), &p()).is_none());
        assert!(aws_region(&Value::string("42"), &p()).is_some());
        assert!(aws_region(&Value::unknown(), &p()).is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn arns_urls_uuids() {
        assert!(iam_role_arn(
            &Value::string("arn:aws:iam::222222222222:role/peering"),
            &p()
        )
        .is_none());
        assert!(iam_role_arn(&Value::string("arn:aws:iam::2222:role/x"), &p()).is_some());
        assert!(http_url(&Value::string("http://127.0.0.1:4566"), &p()).is_none());
        assert!(http_url(&Value::string("127.0.0.1:4566"), &p()).is_some());
        assert!(uuid(&Value::string("00000000-0000-0000-0000-000000000000"), &p()).is_none());
        assert!(uuid(&Value::string("sub-1"), &p()).is_some());
    }
}
