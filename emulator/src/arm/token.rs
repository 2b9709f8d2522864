//! Entra ID's client-credentials token endpoint and the bearer check on ARM calls.
//!
//! Tokens are `clemu.<nonce>.<mac>`: the mac binds the nonce to the emulator seed, so a token
//! stays valid across an admin `reset` (clients cache tokens for their lifetime) while
//! anything we did not issue is refused.

use super::{errors::ArmError, Reply};
use crate::Emulator;
use axum::http::{HeaderMap, Method};
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Token lifetime in seconds, as Entra ID answers (`expires_in`/`ext_expires_in`).
const LIFETIME_S: u64 = 3600;

fn mac(seed: u64, nonce: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("cloudlink-emulator-token", seed, nonce).hash(&mut h);
    h.finish()
}

fn aad_error(status: u16, error: &str, code: u32, description: String) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: Some(json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
        })),
    }
}

/// `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`,
/// `client_secret`, `scope`. Any tenant and client id; the secret must match.
pub(crate) fn handle(emu: &Emulator, method: &Method, body: &[u8]) -> Reply {
    if *method != Method::POST {
        return aad_error(
            405,
            "invalid_request",
            900561,
            "AADSTS900561: The endpoint only accepts POST requests.".into(),
        );
    }
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad_error(
            400,
            "unsupported_grant_type",
            70003,
            "AADSTS70003: The app requested an unsupported grant type (only client_credentials is emulated).".into(),
        );
    }
    let Some(client_id) = form.get("client_id").filter(|s| !s.is_empty()) else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "AADSTS900144: The request body must contain the following parameter: 'client_id'."
                .into(),
        );
    };
    let mut st = emu.arm.lock().unwrap();
    if form.get("client_secret") != Some(&st.client_secret) {
        return aad_error(
            401,
            "invalid_client",
            7000215,
            format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        );
    }
    let nonce = format!("{:032x}", st.rng.gen::<u128>());
    drop(st);
    let token = format!("clemu.{nonce}.{:016x}", mac(emu.seed, &nonce));
    Reply::ok(json!({
        "token_type": "Bearer",
        "expires_in": LIFETIME_S,
        "ext_expires_in": LIFETIME_S,
        "access_token": token,
    }))
}

/// Checks `Authorization: Bearer <token we issued>`; ARM answers 401 `AuthenticationFailed`
/// when the header is missing and `InvalidAuthenticationToken` when the token is bad.
pub(crate) fn authorize(emu: &Emulator, headers: &HeaderMap) -> Result<(), Reply> {
    let challenge = |e: ArmError| {
        let mut r = e.reply();
        r.headers.push(("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"".into()));
        r
    };
    let Some(h) = headers.get("authorization").and_then(|h| h.to_str().ok()) else {
        return Err(challenge(ArmError::new(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        )));
    };
    let token = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
        .unwrap_or("");
    let valid = match token.split('.').collect::<Vec<_>>().as_slice() {
        ["clemu", nonce, m] => u64::from_str_radix(m, 16).is_ok_and(|m| m == mac(emu.seed, nonce)),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(challenge(ArmError::new(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )))
    }
}
