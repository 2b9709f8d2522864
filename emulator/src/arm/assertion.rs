//! Client assertions (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`)
//! presented to the token endpoint: certificate-signed JWTs (RS256, checked against a
//! certificate registered through the fixtures) and federated ID tokens (issued by the
//! emulator's GitHub Actions ID-token endpoint, matched against federated-credential
//! fixtures). Also mints those ID tokens.
//!
//! Error codes are Entra ID's. Confirmed (searched 2026-12-02) from real responses quoted in
//! GitHub issues: AADSTS700211 (issuer, Azure/azure-workload-identity#1200), AADSTS700213
//! (subject, Azure/login#482), AADSTS70021 (the older generic "no matching federated identity
//! record", Azure/azure-workload-identity#340). From memory of Microsoft's "Microsoft Entra
//! authentication and authorization error codes" page, unconfirmed here: AADSTS700027
//! (invalid signature), AADSTS700024 (time range), AADSTS50027 (malformed JWT), AADSTS700212
//! (audience); AADSTS700023 for an iss/sub mismatch is our best guess.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use std::hash::{Hash, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Issuer of the emulator's GitHub Actions ID tokens (GitHub's own issuer URL, so the
/// federated-credential fixtures look like the real ones).
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Bearer token the emulator's GitHub ID-token endpoint accepts (what a runner puts in
/// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
pub const GITHUB_REQUEST_TOKEN: &str = "emulator-github-request-token";

/// Audience of a federated assertion exchanged with Entra ID.
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Algorithm name of the emulator's own ID tokens: a keyed hash, not a real JWS algorithm,
/// so nothing mistakes them for GitHub's RS256 tokens.
const EMULATOR_ALG: &str = "clemu-mac";

/// A federated identity credential registered on an app (fixture `federated_credentials`).
#[derive(Debug, Clone)]
pub struct FederatedCredential {
    /// App (client) id.
    pub client_id: String,
    /// Expected `iss` of the assertion.
    pub issuer: String,
    /// Expected `sub` of the assertion.
    pub subject: String,
}

/// A refused assertion: the Entra ID error code and its description.
#[derive(Debug)]
pub struct Refusal {
    /// AADSTS number.
    pub code: u32,
    /// `AADSTS...: ...` text.
    pub description: String,
}

fn refuse(code: u32, text: &str) -> Refusal {
    Refusal {
        code,
        description: format!("AADSTS{code}: {text}"),
    }
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn mac(seed: u64, signing_input: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("cloudlink-emulator-id-token", seed, signing_input).hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Mints a GitHub-Actions-like ID token for `subject` and `audience`, valid 5 minutes.
pub fn mint_id_token(seed: u64, subject: &str, audience: &str) -> String {
    let now = now_s();
    let header = B64URL.encode(json!({"alg": EMULATOR_ALG, "typ": "JWT"}).to_string());
    let claims = B64URL.encode(
        json!({"iss": GITHUB_ISSUER, "sub": subject, "aud": audience, "iat": now, "nbf": now, "exp": now + 300})
            .to_string(),
    );
    let input = format!("{header}.{claims}");
    let sig = mac(seed, &input);
    format!("{input}.{sig}")
}

struct Jwt<'a> {
    header: Value,
    claims: Value,
    signing_input: &'a str,
    signature: &'a str,
}

fn parse(token: &str) -> Result<Jwt<'_>, Refusal> {
    // AADSTS50027: "JWT token is invalid or malformed."
    let malformed = || refuse(50027, "JWT token is invalid or malformed.");
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let (h, c) = signing_input.split_once('.').ok_or_else(malformed)?;
    let decode = |s: &str| -> Result<Value, Refusal> {
        let bytes = B64URL.decode(s).map_err(|_| malformed())?;
        serde_json::from_slice(&bytes).map_err(|_| malformed())
    };
    Ok(Jwt {
        header: decode(h)?,
        claims: decode(c)?,
        signing_input,
        signature,
    })
}

fn check_time(claims: &Value) -> Result<(), Refusal> {
    let now = now_s();
    let exp = claims["exp"].as_i64();
    let nbf = claims["nbf"].as_i64().unwrap_or(i64::MIN);
    // Entra ID allows a few minutes of clock skew; the emulator allows none beyond 5 s.
    if exp.is_none_or(|e| e + 5 < now) || nbf > now + 5 {
        // AADSTS700024: "Client assertion is not within its valid time range."
        return Err(refuse(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

/// Checks a certificate-signed assertion from `client_id`: RS256 signature by
/// `certificate_der`, `x5t` its SHA-1 thumbprint, `aud` the token endpoint `token_url`,
/// `iss` = `sub` = `client_id`, and the time range.
pub fn check_certificate_assertion(
    token: &str,
    client_id: &str,
    certificate_der: Option<&[u8]>,
    token_url: &str,
) -> Result<(), Refusal> {
    let jwt = parse(token)?;
    let Some(der) = certificate_der else {
        // AADSTS700027: "Client assertion contains an invalid signature."
        return Err(refuse(700027, &format!("Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{}'] (no certificate is registered for app '{client_id}')", jwt.header["x5t"].as_str().unwrap_or(""))));
    };
    if jwt.header["alg"] != "RS256" {
        return Err(refuse(
            700027,
            "Client assertion contains an invalid signature. [Reason - the algorithm is not RS256.]",
        ));
    }
    let thumbprint = B64URL.encode(Sha1::digest(der));
    if jwt.header["x5t"].as_str() != Some(thumbprint.as_str()) {
        return Err(refuse(700027, &format!("Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{}']", jwt.header["x5t"].as_str().unwrap_or(""))));
    }
    let signature = B64URL
        .decode(jwt.signature)
        .map_err(|_| refuse(50027, "JWT token is invalid or malformed."))?;
    let cert_der = rustls_pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&cert_der)
        .map_err(|_| refuse(700027, "Client assertion contains an invalid signature. [Reason - the registered certificate cannot be parsed.]"))?;
    cert.verify_signature(
        webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
        jwt.signing_input.as_bytes(),
        &signature,
    )
    .map_err(|_| {
        refuse(
            700027,
            "Client assertion contains an invalid signature. [Reason - The signature is invalid.]",
        )
    })?;
    if jwt.claims["aud"].as_str() != Some(token_url) {
        // Unconfirmed code: the page lists AADSTS700016-range audience errors for apps, not
        // assertion audiences; real Entra ID answers an invalid assertion audience with 50027.
        return Err(refuse(
            50027,
            &format!("JWT token is invalid or malformed. (aud must be {token_url})"),
        ));
    }
    if jwt.claims["iss"].as_str() != Some(client_id)
        || jwt.claims["sub"].as_str() != Some(client_id)
    {
        // Unconfirmed code (AADSTS700023 is our best match for an issuer/subject mismatch).
        return Err(refuse(
            700023,
            "Client assertion audience claim does not match Realm issuer; iss and sub must both be the client id.",
        ));
    }
    check_time(&jwt.claims)
}

/// Checks a federated assertion from `client_id`: an ID token the emulator minted, whose
/// `iss` and `sub` match one of `credentials` for the app, with `aud`
/// [`FEDERATED_AUDIENCE`], in its time range.
pub fn check_federated_assertion(
    seed: u64,
    token: &str,
    client_id: &str,
    credentials: &[FederatedCredential],
) -> Result<(), Refusal> {
    let jwt = parse(token)?;
    if jwt.header["alg"] != EMULATOR_ALG || mac(seed, jwt.signing_input) != jwt.signature {
        return Err(refuse(
            700027,
            "Client assertion contains an invalid signature. [Reason - the issuer's key did not sign it.]",
        ));
    }
    let iss = jwt.claims["iss"].as_str().unwrap_or("");
    let sub = jwt.claims["sub"].as_str().unwrap_or("");
    let of_app: Vec<_> = credentials
        .iter()
        .filter(|c| c.client_id == client_id)
        .collect();
    if !of_app.iter().any(|c| c.issuer == iss) {
        // AADSTS700211: "No matching federated identity record found for presented assertion issuer."
        return Err(refuse(700211, &format!("No matching federated identity record found for presented assertion issuer '{iss}'.")));
    }
    if jwt.claims["aud"].as_str() != Some(FEDERATED_AUDIENCE) {
        // AADSTS700212: "No matching federated identity record found for presented assertion audience."
        return Err(refuse(700212, &format!("No matching federated identity record found for presented assertion audience '{}'.", jwt.claims["aud"])));
    }
    if !of_app.iter().any(|c| c.issuer == iss && c.subject == sub) {
        // AADSTS700213: "No matching federated identity record found for presented assertion subject."
        return Err(refuse(700213, &format!("No matching federated identity record found for presented assertion subject '{sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.")));
    }
    check_time(&jwt.claims)
}

/// Whether `token` is one of the emulator's ID tokens (rather than a certificate assertion).
pub fn is_emulator_id_token(token: &str) -> bool {
    parse(token).is_ok_and(|j| j.header["alg"] == EMULATOR_ALG)
}
