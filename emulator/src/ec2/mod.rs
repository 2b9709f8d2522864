//! EC2 + STS query API (form-encoded POST, XML responses in the EC2 namespace).

use crate::{Emulator, Shared};
use axum::{
    body::Bytes,
    extract::State as AxState,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;

/// EC2 state for every account and region.
pub struct State {}

impl State {
    /// Empty state; ids and keys derive from `seed`.
    pub fn new(_seed: u64) -> Self {
        State {}
    }

    /// JSON dump of every resource.
    pub fn dump(&self, _now_ms: u64) -> Value {
        serde_json::json!({})
    }
}

/// Handles one EC2/STS query request.
pub async fn handle(AxState(_emu): AxState<Shared>, _headers: HeaderMap, _body: Bytes) -> Response {
    (StatusCode::NOT_IMPLEMENTED, "EC2 not implemented yet").into_response()
}

/// Creates fixture infrastructure (VPCs, subnets, route tables).
pub fn fixtures(_emu: &Emulator, _spec: &Value) -> Result<Value, String> {
    Err("EC2 fixtures not implemented yet".into())
}
