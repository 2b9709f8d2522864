//! One error type for both clouds, classified once here so resources never match strings.
//!
//! The classes follow smithy-rs' `ErrorKind` (transient, throttling, server, client) plus
//! not-found, and the retry decision is derived from the class, not re-guessed by callers.

use std::time::Duration;

/// What kind of failure a cloud call ended in; callers branch on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The object does not exist (or no longer does).
    NotFound,
    /// The API asked us to slow down (EC2 `RequestLimitExceeded`, ARM 429).
    Throttling,
    /// A network-level failure once connected: connection reset or dropped, no answer in
    /// time, truncated response.
    Transient,
    /// The endpoint could not be reached at all: connection refused, no route, DNS. Retried
    /// briefly (a wrong endpoint or an outage is not fixed by waiting long).
    Unreachable,
    /// The service failed (5xx).
    Server,
    /// The request was wrong or not allowed; retrying will not help.
    Client,
    /// Credentials are missing or were refused.
    Auth,
    /// The operation was cancelled (StopProvider or a timeout of the caller).
    Cancelled,
    /// A waiter ran out of time.
    Timeout,
    /// ARM `AnotherOperationInProgress`: another write runs on the object or one it depends
    /// on (a gateway and its connections). Not retried blindly: the caller waits until the
    /// object is idle (see `cloud::azure::gateway_queue`).
    Busy,
}

/// A failed cloud call with its context.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{context}: {message}")]
pub struct CloudError {
    /// The class callers branch on.
    pub kind: ErrorKind,
    /// The API's error code (`InvalidVpcID.NotFound`, `AnotherOperationInProgress`), if any.
    pub code: Option<String>,
    /// Human-readable cause, with the code when there is one.
    pub message: String,
    /// What we were doing, e.g. `creating EC2 customer gateway (203.0.113.7)`.
    pub context: String,
    /// How long the service asked us to wait before retrying.
    pub retry_after: Option<Duration>,
}

/// Result of a cloud call.
pub type Result<T> = std::result::Result<T, CloudError>;

impl CloudError {
    /// Builds an error of `kind` with a message and no code.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CloudError {
            kind,
            code: None,
            message: message.into(),
            context: String::new(),
            retry_after: None,
        }
    }

    /// Builds an error from an API error code, classifying it.
    pub fn from_code(status: Option<u16>, code: Option<&str>, message: impl Into<String>) -> Self {
        let kind = classify(status, code);
        let message = message.into();
        let message = match code {
            Some(c) if !message.contains(c) => format!("{c}: {message}"),
            _ => message,
        };
        CloudError {
            kind,
            code: code.map(str::to_string),
            message,
            context: String::new(),
            retry_after: None,
        }
    }

    /// Sets what we were doing when the error happened (`creating X (id)`).
    pub fn context(mut self, context: impl Into<String>) -> Self {
        let context = context.into();
        self.context = if self.context.is_empty() {
            context
        } else {
            format!("{context}: {}", self.context)
        };
        self
    }

    /// Whether the object was not found.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// Whether a retry could succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttling
                | ErrorKind::Transient
                | ErrorKind::Unreachable
                | ErrorKind::Server
        )
    }
}

/// Maps an HTTP status and an API error code to a class. Codes are matched narrowly.
pub fn classify(status: Option<u16>, code: Option<&str>) -> ErrorKind {
    if let Some(code) = code {
        if code.ends_with(".NotFound")
            || matches!(
                code,
                "ResourceNotFound" | "ResourceGroupNotFound" | "NotFound" | "InvalidRoute.NotFound"
            )
        {
            return ErrorKind::NotFound;
        }
        if matches!(
            code,
            "RequestLimitExceeded"
                | "Throttling"
                | "ThrottlingException"
                | "TooManyRequests"
                | "SlowDown"
        ) {
            return ErrorKind::Throttling;
        }
        if matches!(
            code,
            "InternalError" | "InternalServerError" | "ServiceUnavailable" | "Unavailable"
        ) {
            return ErrorKind::Server;
        }
        if matches!(
            code,
            "AuthFailure"
                | "UnauthorizedOperation"
                | "AuthenticationFailed"
                | "InvalidAuthenticationToken"
                | "InvalidClientTokenId"
                | "invalid_client"
        ) {
            return ErrorKind::Auth;
        }
        // ARM: another write on the same gateway is still running; waiting resolves it.
        if code == "AnotherOperationInProgress" {
            return ErrorKind::Busy;
        }
    }
    match status {
        Some(404) => ErrorKind::NotFound,
        Some(429) => ErrorKind::Throttling,
        Some(401) | Some(403) => ErrorKind::Auth,
        Some(408) => ErrorKind::Transient,
        Some(s) if s >= 500 => ErrorKind::Server,
        Some(_) => ErrorKind::Client,
        None => ErrorKind::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_codes_of_both_clouds_are_not_found() {
        assert_eq!(
            classify(Some(400), Some("InvalidVpnConnectionID.NotFound")),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some(404), Some("ResourceNotFound")),
            ErrorKind::NotFound
        );
        assert_eq!(classify(Some(404), None), ErrorKind::NotFound);
    }

    #[test]
    fn throttling_and_server_errors_are_retryable() {
        assert!(
            CloudError::from_code(Some(503), Some("RequestLimitExceeded"), "slow down")
                .is_retryable()
        );
        assert!(CloudError::from_code(Some(429), None, "x").is_retryable());
        assert!(CloudError::from_code(Some(500), Some("InternalError"), "x").is_retryable());
        assert!(
            !CloudError::from_code(Some(400), Some("InvalidParameterValue"), "x").is_retryable()
        );
    }

    #[test]
    fn message_names_the_code_and_context() {
        let e = CloudError::from_code(
            Some(400),
            Some("IncorrectState"),
            "The customer gateway is in use.",
        )
        .context("deleting EC2 customer gateway (cgw-1)");
        assert_eq!(e.to_string(), "deleting EC2 customer gateway (cgw-1): IncorrectState: The customer gateway is in use.");
    }
}
