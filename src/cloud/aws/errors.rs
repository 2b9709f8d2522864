//! Turns an AWS SDK error into our [`CloudError`], once, so nothing above matches SDK types.

use crate::cloud::error::{CloudError, ErrorKind};
use crate::cloud::retry::parse_retry_after;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Classifies an SDK error: API code, message and HTTP status for service errors;
/// dispatch failures (connection refused/reset, IO) and timeouts are `Transient`;
/// a credentials failure is `Auth`; a request we could not build is `Client`.
pub fn from_sdk<E>(err: SdkError<E, HttpResponse>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let raw = se.raw();
            let status = raw.status().as_u16();
            let code = se.err().code();
            let message = match se.err().message() {
                Some(m) => m.to_string(),
                None if code.is_none() => {
                    format!("HTTP {status}: {}", DisplayErrorContext(&err))
                }
                None => String::new(),
            };
            // 501 Not Implemented will not start working on a retry.
            let mut e = if status == 501 && code.is_none() {
                let mut e = CloudError::new(ErrorKind::Client, message);
                e.code = None;
                e
            } else {
                CloudError::from_code(Some(status), code, message)
            };
            e.retry_after = raw.headers().get("retry-after").and_then(parse_retry_after);
            e
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            CloudError::new(ErrorKind::Transient, DisplayErrorContext(&err).to_string())
        }
        SdkError::DispatchFailure(d) => {
            let text = DisplayErrorContext(&err).to_string();
            let kind = if d.is_io() && could_not_connect(&text) {
                ErrorKind::Unreachable
            } else if d.is_io() || d.is_timeout() {
                ErrorKind::Transient
            } else if looks_like_credentials(&text) {
                ErrorKind::Auth
            } else if d.is_user() {
                ErrorKind::Client
            } else {
                ErrorKind::Transient
            };
            CloudError::new(kind, text)
        }
        SdkError::ConstructionFailure(_) => {
            let text = DisplayErrorContext(&err).to_string();
            let kind = if looks_like_credentials(&text) {
                ErrorKind::Auth
            } else {
                ErrorKind::Client
            };
            CloudError::new(kind, text)
        }
        _ => CloudError::new(ErrorKind::Transient, DisplayErrorContext(&err).to_string()),
    }
}

/// Whether a dispatch failure happened before the request reached the server. The smithy
/// connector exposes only `is_io`, so the hyper-util connect error's text is matched here,
/// narrowly (`client error (Connect)`: refused, no route, DNS, connect timeout).
fn could_not_connect(text: &str) -> bool {
    text.contains("(Connect)") || text.contains("Connection refused")
}

/// Identity resolution failures surface as dispatch/construction failures whose only
/// distinguishing feature is the text; matched narrowly here and nowhere else.
fn looks_like_credentials(text: &str) -> bool {
    text.contains("no credentials")
        || text.contains("credentials provider")
        || text.contains("failed to load credentials")
        || text.contains("identity resolver")
        || text.contains("resolve identity")
}

/// List step of a finder chain: the API's not-found code means "nothing", not an error.
pub(crate) fn not_found_as_empty<T>(
    r: crate::cloud::Result<Vec<T>>,
) -> crate::cloud::Result<Vec<T>> {
    match r {
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        other => other,
    }
}

/// Single step of a finder chain: zero is absent, one is the answer, more is an error.
pub(crate) fn at_most_one<T>(what: &str, mut v: Vec<T>) -> crate::cloud::Result<Option<T>> {
    match v.len() {
        0 => Ok(None),
        1 => Ok(v.pop()),
        n => Err(CloudError::new(
            ErrorKind::Client,
            format!("found {n} {what} where at most one was expected"),
        )),
    }
}
