//! Turns `azure_core` errors and raw ARM error responses into [`CloudError`], keeping the
//! HTTP status, the ARM error code and its message (`azure_core::Error`'s `Display` drops
//! the message: "server returned error status which will not be retried: 400").

use crate::cloud::error::{CloudError, ErrorKind};
use crate::cloud::retry::parse_retry_after;
use azure_core::error::ErrorKind as AzKind;
use azure_core::headers::{HeaderName, Headers};
use std::time::Duration;

/// Maps an SDK error to our classes:
/// HTTP responses by status and ARM code, I/O to transient, credential failures to auth,
/// undecodable responses (`DataConversion`) to client errors that name the cause.
pub fn from_azure(e: azure_core::Error) -> CloudError {
    match e.kind() {
        AzKind::HttpResponse { status, error_code } => {
            let status = u16::from(*status);
            let (code, message) = match e.as_http_error() {
                Some(h) => (
                    h.error_code().map(str::to_string).or(error_code.clone()),
                    h.error_message()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("HTTP {status}")),
                ),
                None => (error_code.clone(), chain(&e)),
            };
            CloudError::from_code(Some(status), code.as_deref(), message)
        }
        AzKind::Io if could_not_connect(&e) => CloudError::new(ErrorKind::Unreachable, chain(&e)),
        AzKind::Io => CloudError::new(ErrorKind::Transient, chain(&e)),
        AzKind::Credential => CloudError::new(
            ErrorKind::Auth,
            format!("getting an Azure access token: {}", chain(&e)),
        ),
        AzKind::DataConversion => CloudError::new(
            ErrorKind::Client,
            format!("unexpected response from ARM: {}", chain(&e)),
        ),
        _ => CloudError::new(ErrorKind::Client, chain(&e)),
    }
}

/// Builds the error of a raw (non-SDK) ARM response with a non-success status from its
/// headers and body (`{"error":{"code","message"}}`, or `x-ms-error-code`).
pub fn from_response(status: u16, headers: &Headers, body: &[u8]) -> CloudError {
    let (code, message) = parse_error_body(body);
    let code = headers
        .get_optional_str(&HeaderName::from_static("x-ms-error-code"))
        .map(str::to_string)
        .or(code);
    let message = message.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {}", truncate(text, 300))
        }
    });
    let mut e = CloudError::from_code(Some(status), code.as_deref(), message);
    e.retry_after = retry_after(headers);
    e
}

/// Reads `{"error":{"code","message"}}` (or top-level `code`/`message`) from an ARM body.
pub fn parse_error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, None);
    };
    let e = v.get("error").unwrap_or(&v);
    let s = |k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
    (s("code"), s("message"))
}

/// Whether the request never reached the server: reqwest's connect errors (refused, no
/// route, DNS, connect timeout), found by type anywhere in the error's sources.
fn could_not_connect(e: &azure_core::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if s.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_connect)
        {
            return true;
        }
        src = s.source();
    }
    false
}

/// The delay a response asks for: `retry-after-ms`, `x-ms-retry-after-ms`, or
/// `Retry-After` (seconds or an HTTP date).
pub fn retry_after(headers: &Headers) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get_optional_str(&HeaderName::from_static(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    headers
        .get_optional_str(&HeaderName::from_static("retry-after"))
        .and_then(parse_retry_after)
}

/// The error and its sources, joined, since `Display` of `azure_core::Error` shows only
/// the outermost context.
fn chain(e: &azure_core::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        src = s.source();
    }
    out
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_error_keeps_code_message_and_retry_after() {
        let mut h = Headers::new();
        h.insert("retry-after", "3");
        let e = from_response(
            429,
            &h,
            br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Throttling);
        assert_eq!(e.code.as_deref(), Some("TooManyRequests"));
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        assert!(e.message.contains("slow down"));
    }

    #[test]
    fn not_found_codes_become_not_found() {
        let e = from_response(
            404,
            &Headers::new(),
            br#"{"error":{"code":"ResourceGroupNotFound","message":"no rg"}}"#,
        );
        assert!(e.is_not_found());
    }

    #[test]
    fn sdk_http_error_keeps_its_code() {
        let kind = AzKind::http_response(
            azure_core::StatusCode::Conflict,
            Some("AnotherOperationInProgress".into()),
        );
        let e = from_azure(azure_core::Error::message(kind, "conflict"));
        assert_eq!(e.code.as_deref(), Some("AnotherOperationInProgress"));
        // Waited out per gateway (gateway_queue), never retried as throttling.
        assert_eq!(e.kind, ErrorKind::Busy);
        assert!(!e.is_retryable());
    }
}
