//! Entra ID token endpoint + Azure Resource Manager network API.

use crate::{Emulator, Shared};
use axum::{
    extract::State as AxState,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::Value;

/// ARM state for every subscription.
pub struct State {
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
}

impl State {
    /// Empty state; ids derive from `seed`.
    pub fn new(_seed: u64) -> Self {
        State { client_secret: "emulator-secret".into() }
    }

    /// JSON dump of every resource.
    pub fn dump(&self, _now_ms: u64) -> Value {
        serde_json::json!({})
    }
}

/// Handles one token or ARM request.
pub async fn handle(AxState(_emu): AxState<Shared>) -> Response {
    (StatusCode::NOT_IMPLEMENTED, "ARM not implemented yet").into_response()
}

/// Creates fixture infrastructure (resource groups, virtual networks).
pub fn fixtures(_emu: &Emulator, _spec: &Value) -> Result<Value, String> {
    Err("ARM fixtures not implemented yet".into())
}
