//! ARM error bodies (`{"error":{"code","message","target","details"}}` + `x-ms-error-code`) and
//! the rendering of injected faults.

use super::Reply;
use crate::faults::Injected;
use axum::{
    body::{Body, Bytes},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

/// One ARM error: HTTP status plus the `CloudError` body of network.json.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArmError {
    /// HTTP status.
    pub status: u16,
    /// `error.code`, also sent as `x-ms-error-code` (azure_core reads the header first).
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// `error.target` (the offending property), if any.
    pub target: Option<String>,
    /// `error.details`.
    pub details: Vec<Value>,
}

impl ArmError {
    /// An error with the given status, code and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.to_string(),
            message: message.into(),
            target: None,
            details: Vec::new(),
        }
    }

    /// 400 with a validation code.
    pub fn bad(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// Sets `error.target`.
    pub fn target(mut self, t: impl Into<String>) -> Self {
        self.target = Some(t.into());
        self
    }

    /// 400 `InvalidRequestFormat` for a body that does not match the schema, with the JSON
    /// path in the details (the Network RP reports `InvalidJson` details like this).
    pub fn format(path: &str, why: &str) -> Self {
        let mut e = Self::bad("InvalidRequestFormat", "Cannot parse the request.");
        e.details
            .push(json!({"code": "InvalidJson", "message": format!("{why}. Path '{path}'.")}));
        e
    }

    /// 404 `ResourceNotFound`, worded as ARM words it.
    pub fn not_found(type_name: &str, name: &str, rg: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFound",
            format!("The Resource '{type_name}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        )
    }

    /// 404 `ResourceGroupNotFound`.
    pub fn group_not_found(rg: &str) -> Self {
        Self::new(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    }

    /// 409 `AnotherOperationInProgress`, worded exactly as the Network RP words it (user logs,
    /// e.g. microsoft/AzureTRE#2222, Azure/bicep#5132: "Another operation on this or dependent
    /// resource is in progress. To retrieve status of the operation use uri: https://.../
    /// providers/Microsoft.Network/locations/{loc}/operations/{id}?api-version=..."); no
    /// `target` and empty `details`, as in those bodies. rule: AZ-GW-ONE-OPERATION
    pub fn busy(op: &str) -> Self {
        Self::new(
            409,
            "AnotherOperationInProgress",
            format!("Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {op}."),
        )
    }

    /// 400 `InvalidResourceReference` for an id that names nothing.
    pub fn bad_reference(referenced: &str, by: &str) -> Self {
        Self::bad(
            "InvalidResourceReference",
            format!("Resource {referenced} referenced by resource {by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."),
        )
    }

    /// The `{"error": {...}}` body.
    pub fn body(&self) -> Value {
        let mut e = json!({"code": self.code, "message": self.message, "details": self.details});
        if let Some(t) = &self.target {
            e["target"] = json!(t);
        }
        json!({ "error": e })
    }

    /// The error as a [`Reply`].
    pub fn reply(&self) -> Reply {
        Reply {
            status: self.status,
            headers: vec![("x-ms-error-code", self.code.clone())],
            body: Some(self.body()),
        }
    }
}

/// Renders a fault chosen by [`crate::faults::Faults::apply`] the way ARM would send it.
pub(crate) fn injected(f: Injected) -> Response {
    match f {
        // ARM throttling doc: 429 with `Retry-After` (seconds).
        Injected::Throttle { retry_after_s } => {
            let mut r = ArmError::new(
                429,
                "TooManyRequests",
                "The request is being throttled as the limit has been reached for operation type. Please retry after the time specified in Retry-After.",
            )
            .reply();
            r.headers
                .push(("Retry-After", retry_after_s.max(1).to_string()));
            r.into_response()
        }
        Injected::ServerError => ArmError::new(
            500,
            "InternalServerError",
            "An error occurred while processing the request (injected by cloudlink-emulator).",
        )
        .reply()
        .into_response(),
        Injected::Error {
            status,
            code,
            message,
        } => ArmError::new(status, &code, message)
            .reply()
            .into_response(),
        // A body stream that fails at once: hyper aborts the connection mid-response, so the
        // client sees an I/O error (azure_core retries those).
        Injected::Drop => {
            let stream = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropped",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
