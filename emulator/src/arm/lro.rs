//! Long-running operations: starting them (timeline + operation record), the
//! `Azure-AsyncOperation` / `Location` / `Retry-After` headers, and the polling endpoints.
//!
//! Status is computed from the clock on each poll: `InProgress` until `done_at`, then
//! `Succeeded` or `Failed` with `error {code, message}` (network.json
//! `AzureAsyncOperationResult`). A `Location` poll answers 202 with no body while running
//! and, when done, the operation's final response: 200 with its result (204 after a delete)
//! or its error (ARM async-operations doc).

use super::{errors::ArmError, model::Operation, Ctx, Reply, State, NETWORK_API_VERSION};
use serde_json::json;

impl State {
    /// Records a new operation lasting `dur` ms and returns its id; also puts it on the
    /// emulator timeline under `action`.
    pub(crate) fn start_op(
        &mut self,
        cx: &Ctx,
        resource: &str,
        action: &str,
        dur: u64,
        delete: bool,
    ) -> String {
        let id = self.uuid();
        let done_at = cx.now + dur;
        if !cx.quiet {
            cx.emu
                .observe
                .record("arm", action, resource, cx.now, done_at);
        }
        self.ops.insert(
            id.clone(),
            Operation {
                id: id.clone(),
                done_at,
                error: None,
                delete,
                result: None,
            },
        );
        id
    }

    /// Marks a still-running operation as failed (used when a resource-group delete cancels
    /// it).
    pub(crate) fn fail_op(&mut self, op: &str, error: ArmError) {
        if let Some(o) = self.ops.get_mut(op) {
            o.error = Some(error);
        }
    }

    /// The body of the final `Location` poll: what the operation would have answered
    /// synchronously (a reset's `ConnectionResetSharedKey`).
    pub(crate) fn set_op_result(&mut self, op: &str, result: serde_json::Value) {
        if let Some(o) = self.ops.get_mut(op) {
            o.result = Some(result);
        }
    }
}

/// The `Azure-AsyncOperation` URL of an operation.
pub(crate) fn async_url(cx: &Ctx, sub: &str, location: &str, op: &str) -> String {
    format!(
        "{}/subscriptions/{sub}/providers/Microsoft.Network/locations/{location}/operations/{op}?api-version={NETWORK_API_VERSION}",
        cx.base
    )
}

/// The `Location` URL of an operation.
pub(crate) fn location_url(cx: &Ctx, sub: &str, location: &str, op: &str) -> String {
    format!(
        "{}/subscriptions/{sub}/providers/Microsoft.Network/locations/{location}/operationResults/{op}?api-version={NETWORK_API_VERSION}",
        cx.base
    )
}

/// Adds the LRO headers to the first response of an operation: always
/// `Azure-AsyncOperation`, plus `Location` for deletes and POST actions.
pub(crate) fn add_headers(
    reply: &mut Reply,
    cx: &Ctx,
    sub: &str,
    location: &str,
    op: &Operation,
    with_location: bool,
) {
    reply
        .headers
        .push(("Azure-AsyncOperation", async_url(cx, sub, location, &op.id)));
    if with_location {
        reply
            .headers
            .push(("Location", location_url(cx, sub, location, &op.id)));
    }
    retry_headers(reply, op.done_at.saturating_sub(cx.now));
}

/// `Retry-After` (whole seconds, >= 1) and `retry-after-ms` (the remaining time, clamped to
/// 50..=1000 ms). azure_core's LRO loop prefers `retry-after-ms` and sleeps 30 s when no
/// header is sent (azure-arm.md §1, `azure_core/src/lro.rs`), so scaled-time tests need both.
pub(crate) fn retry_headers(reply: &mut Reply, remaining_ms: u64) {
    reply.headers.push((
        "Retry-After",
        remaining_ms.div_ceil(1000).max(1).to_string(),
    ));
    reply
        .headers
        .push(("retry-after-ms", remaining_ms.clamp(50, 1000).to_string()));
}

/// Serves a poll of operation `id`, either as `Azure-AsyncOperation` (status body) or as
/// `Location` (status code). A running `Location` poll answers 202 with no body, its own URL
/// as `Location` and the retry headers; a finished one answers what the operation would have
/// answered synchronously: its error, 204 after a delete, else 200 with the operation's
/// result (ARM RPC async-api-reference.md). azure_mgmt_network 0.21's generated Location
/// pollers (`reset_shared_key(..).await`) look for a `status` field in those bodies, which
/// real ARM does not send either; callers use `.send()` and poll themselves.
pub(crate) fn poll(
    st: &State,
    cx: &Ctx,
    id: &str,
    location_style: bool,
) -> Result<Reply, ArmError> {
    let op = st.ops.get(id).ok_or_else(|| {
        ArmError::new(
            404,
            "NotFound",
            format!("The operation '{id}' could not be found."),
        )
    })?;
    let remaining = op.done_at.saturating_sub(cx.now);
    let status = match (remaining > 0, &op.error) {
        (true, _) => "InProgress",
        (false, Some(_)) => "Failed",
        (false, None) => "Succeeded",
    };
    let mut reply = if location_style {
        match (status, &op.error) {
            ("InProgress", _) => {
                let mut r = Reply::empty(202);
                r.headers.push(("Location", cx.url.clone()));
                r
            }
            (_, Some(e)) => e.reply(),
            _ if op.delete => Reply::empty(204),
            _ => match &op.result {
                Some(body) => Reply::ok(body.clone()),
                None => Reply::empty(200),
            },
        }
    } else {
        let mut body = json!({"name": op.id, "status": status});
        if let Some(e) = op.error.as_ref().filter(|_| status == "Failed") {
            body["error"] = json!({"code": e.code, "message": e.message, "details": e.details});
        }
        Reply::ok(body)
    };
    retry_headers(&mut reply, remaining);
    Ok(reply)
}
