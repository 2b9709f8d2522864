//! Entra ID's client-credentials token endpoint, the IMDS managed-identity endpoint and
//! the bearer check on ARM calls.
//!
//! Tokens are `clemu.<nonce>.<mac>`: the mac binds the nonce to the emulator seed, so a token
//! stays valid across an admin `reset` (clients cache tokens for their lifetime) while
//! anything we did not issue is refused.

use super::{assertion, errors::ArmError, Reply};
use crate::faults::Injected;
use crate::Emulator;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
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
    let mut rng = rand::thread_rng();
    let id = |r: &mut rand::rngs::ThreadRng| {
        let v: u128 = r.gen();
        let h = format!("{v:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    };
    Reply {
        status,
        headers: Vec::new(),
        body: Some(json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": time_now_utc(),
            "trace_id": id(&mut rng),
            "correlation_id": id(&mut rng),
        })),
    }
}

/// `2026-12-03 07:05:10Z`, the way Entra ID writes `timestamp`.
fn time_now_utc() -> String {
    let format = time::format_description::parse_borrowed::<2>(
        "[year]-[month]-[day] [hour]:[minute]:[second]Z",
    );
    format
        .ok()
        .and_then(|f| time::OffsetDateTime::now_utc().format(&f).ok())
        .unwrap_or_default()
}

/// Renders an injected fault as Entra ID answers on its token endpoint: the JSON error
/// shape of learn.microsoft.com/entra/identity-platform/reference-error-codes (`error`,
/// `error_description` starting with the AADSTS code, `error_codes`, `timestamp`,
/// `trace_id`, `correlation_id`; read 2026-12-03), never ARM's `{"error":{"code"}}`, which
/// identity clients cannot parse.
pub(crate) fn injected(f: Injected) -> Response {
    let reply = match f {
        // "Client and server throttling" (learn.microsoft.com/entra/msal/dotnet/advanced/
        // client-and-server-throttling, read 2026-12-03): for the client-credentials grant
        // Entra ID answers 429 with `Retry-After`. The body of that 429 is not documented;
        // the TenantThrottlingError code of the AADSTS table is our choice.
        Injected::Throttle { retry_after_s } => {
            let mut r = aad_error(
                429,
                "temporarily_unavailable",
                90055,
                "AADSTS90055: TenantThrottlingError: There are too many incoming requests. Retry after the time in Retry-After.".into(),
            );
            r.headers
                .push(("Retry-After", retry_after_s.max(1).to_string()));
            r
        }
        // The error table's `temporarily_unavailable`: the server is too busy, retry. The
        // status of such an answer is not documented; 503 is our choice.
        Injected::ServerError => aad_error(
            503,
            "temporarily_unavailable",
            90033,
            "AADSTS90033: A transient error has occurred. Please try again (injected by cloudlink-emulator).".into(),
        ),
        Injected::Error {
            status,
            code,
            message,
        } => Reply {
            status,
            headers: Vec::new(),
            body: Some(json!({"error": code, "error_description": message, "error_codes": []})),
        },
        Injected::Drop => return super::errors::injected(Injected::Drop),
    };
    reply.into_response()
}

/// `client_assertion_type` of a JWT client assertion (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`,
/// `scope` and either `client_secret` (must match) or `client_assertion_type` +
/// `client_assertion` (a certificate-signed JWT or a federated ID token, see
/// [`super::assertion`]). `token_url` is the URL the client addressed (the `aud` a
/// certificate assertion must carry).
pub(crate) fn handle(emu: &Emulator, method: &Method, token_url: &str, body: &[u8]) -> Reply {
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
    if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return aad_error(
                400,
                "invalid_request",
                900144,
                format!("AADSTS900144: The request body must contain the following parameter: 'client_assertion_type' = '{JWT_BEARER}'."),
            );
        }
        let checked = if assertion::is_emulator_id_token(assertion) {
            assertion::check_federated_assertion(
                emu.seed,
                assertion,
                client_id,
                &st.federated_credentials,
            )
        } else {
            assertion::check_certificate_assertion(
                assertion,
                client_id,
                st.client_certificates.get(client_id).map(Vec::as_slice),
                token_url,
            )
        };
        if let Err(r) = checked {
            return aad_error(401, "invalid_client", r.code, r.description);
        }
    } else if form.get("client_secret") != Some(&st.client_secret) {
        return aad_error(
            401,
            "invalid_client",
            7000215,
            format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        );
    }
    let token = issue(emu, &mut st);
    drop(st);
    Reply::ok(json!({
        "token_type": "Bearer",
        "expires_in": LIFETIME_S,
        "ext_expires_in": LIFETIME_S,
        "access_token": token,
    }))
}

/// A fresh `clemu.` access token.
fn issue(emu: &Emulator, st: &mut super::State) -> String {
    let nonce = format!("{:032x}", st.rng.gen::<u128>());
    format!("clemu.{nonce}.{:016x}", mac(emu.seed, &nonce))
}

/// `GET /metadata/identity/oauth2/token?api-version=..&resource=..[&client_id=..]`, the
/// Azure Instance Metadata Service's managed-identity endpoint. Requires `Metadata: true`
/// (IMDS answers 400 without it); answers `expires_in`/`expires_on` as strings, like IMDS.
pub(crate) fn managed_identity(
    emu: &Emulator,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Reply {
    let bad = |error: &str, description: &str| Reply {
        status: 400,
        headers: Vec::new(),
        body: Some(json!({"error": error, "error_description": description})),
    };
    if headers.get("metadata").and_then(|h| h.to_str().ok()) != Some("true") {
        // IMDS answers 400 without the header. The body text is from memory of Microsoft's
        // "use managed identities on a VM to acquire an access token" error table; not
        // confirmed by the 2026-12-02 search.
        return bad("invalid_request", "Required metadata header not specified");
    }
    let Some(resource) = query.get("resource").filter(|r| !r.is_empty()) else {
        return bad(
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    if query.get("api-version").is_none() {
        return bad(
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    let mut st = emu.arm.lock().unwrap();
    let token = issue(emu, &mut st);
    drop(st);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Reply::ok(json!({
        "access_token": token,
        "client_id": query.get("client_id").cloned().unwrap_or_else(|| "00000000-0000-0000-0000-0000000000ms".into()),
        "expires_in": LIFETIME_S.to_string(),
        "expires_on": (now + LIFETIME_S).to_string(),
        "ext_expires_in": LIFETIME_S.to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "token_type": "Bearer",
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(r: Response) -> (u16, Option<String>, serde_json::Value) {
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, retry_after, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn token_faults_speak_entra_not_arm() {
        let (status, retry_after, body) =
            body_of(injected(Injected::Throttle { retry_after_s: 7 })).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("7")));
        assert_eq!(body["error"], "temporarily_unavailable");
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90055"));
        for k in ["error_codes", "timestamp", "trace_id", "correlation_id"] {
            assert!(!body[k].is_null(), "{k} missing: {body}");
        }
        let (status, _, body) = body_of(injected(Injected::ServerError)).await;
        assert_eq!(status, 503);
        assert!(body["error"].is_string(), "not the ARM shape: {body}");
    }
}
