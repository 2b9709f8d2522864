//! The admin API under `/_emulator`: state dump, reset, call counters, the timeline of long
//! operations, the recorded wire exchanges, fault rules and fixtures (pre-existing VPCs, VNets and friends for tests and
//! the demo). Everything is JSON.
//!
//! # Simulated peer devices (site VPNs)
//!
//! A VPN connection whose customer gateway IP is not an Azure gateway's reports both tunnels
//! `DOWN` ("no IPSEC peer") until the device at that IP is configured:
//!
//! ```text
//! POST /_emulator/peer-devices
//! {"customer_gateway_ip": "192.0.2.10",
//!  "tunnels": [{"outside_ip": "<AWS tunnel outside IP>", "psk": "<key>",
//!               "inside_cidr": "169.254.21.0/30"}],          // inside_cidr: needed for BGP
//!  "bgp_asn": 65010,                                          // omit for static routing
//!  "amazon_side_asn": 64512}                                  // optional
//! ```
//!
//! replaces any earlier device at that IP and answers it with keys redacted; a tunnel then
//! reads `UP` when the device's entry for its outside IP has the same key (and, for BGP, the
//! same /30 and ASNs), otherwise `DOWN` with what differs (never the key). Rotating a key on
//! AWS takes the tunnel down again until the device is posted anew. `GET /_emulator/peer-devices`
//! lists the devices (keys redacted), `DELETE /_emulator/peer-devices/{ip}` forgets one (404
//! if unknown). A device at an Azure gateway's public IP is refused with 409: that end is the
//! ARM side's. Bad bodies get 400 naming the field. Telemetry is recomputed at once.

use crate::{arm, ec2, faults::FaultRule, peer_device::PeerDevice, Shared};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use serde_json::{json, Value};

/// Routes of the admin API (nested under `/_emulator`).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/config", get(config).post(set_config))
        .route("/dump", get(dump))
        .route("/reset", post(reset))
        .route("/counters", get(counters))
        .route("/timeline", get(timeline))
        .route("/requests", get(requests))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/fixtures", post(fixtures))
        .route(
            "/peer-devices",
            get(list_peer_devices).post(add_peer_device),
        )
        .route("/peer-devices/{ip}", delete(remove_peer_device))
        .route("/github/id-token", get(github_id_token))
}

/// GitHub Actions' ID-token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`):
/// `GET /_emulator/github/id-token?audience=..[&subject=..]` with
/// `Authorization: Bearer` [`arm::assertion::GITHUB_REQUEST_TOKEN`] answers `{"value": jwt}`,
/// an ID token of the GitHub issuer for `subject` (default
/// `repo:cloudlink/cloudlink:ref:refs/heads/main`) that the token endpoint accepts as a
/// federated client assertion.
async fn github_id_token(
    State(emu): State<Shared>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let expected = format!("Bearer {}", arm::assertion::GITHUB_REQUEST_TOKEN);
    if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable or the bearer token is wrong"})),
        )
            .into_response();
    }
    let audience = q.get("audience").map(String::as_str).unwrap_or("");
    let subject = q
        .get("subject")
        .map(String::as_str)
        .unwrap_or("repo:cloudlink/cloudlink:ref:refs/heads/main");
    let token = arm::assertion::mint_id_token(emu.seed, subject, audience);
    Json(json!({"count": 1, "value": token})).into_response()
}

async fn config(State(emu): State<Shared>) -> Json<Value> {
    Json(json!({
        "profile": emu.profile.name,
        "time_scale": emu.profile.time_scale,
        "seed": emu.seed,
        "reference_style_full": emu.arm.lock().unwrap().reference_style_full,
        "ec2_active_peerings_per_vpc": emu.ec2.lock().unwrap().quotas.active_peerings_per_vpc,
        "ec2_routes_per_route_table": emu.ec2.lock().unwrap().quotas.routes_per_route_table,
    }))
}

/// Changes run-time settings: `reference_style_full` (bool) and the EC2 quotas
/// `ec2_active_peerings_per_vpc`, `ec2_routes_per_route_table` (positive integers). Unknown keys
/// and wrong types are refused with 400, so a typo never passes silently. Answers the new
/// configuration, as `GET /config` does. Settings survive `reset`.
async fn set_config(State(emu): State<Shared>, Json(body): Json<Value>) -> Response {
    let Some(fields) = body.as_object() else {
        return bad_request("expected a JSON object such as {\"reference_style_full\": true}");
    };
    let mut reference_style_full = None;
    let mut quotas = emu.ec2.lock().unwrap().quotas;
    for (k, v) in fields {
        let positive = v.as_u64().filter(|n| *n > 0).map(|n| n as usize);
        match (k.as_str(), v) {
            ("reference_style_full", Value::Bool(b)) => reference_style_full = Some(*b),
            ("ec2_active_peerings_per_vpc" | "ec2_routes_per_route_table", _)
                if positive.is_none() =>
            {
                return bad_request(&format!("{k} must be a positive integer, got {v}"))
            }
            ("ec2_active_peerings_per_vpc", _) => {
                quotas.active_peerings_per_vpc = positive.unwrap_or_default()
            }
            ("ec2_routes_per_route_table", _) => {
                quotas.routes_per_route_table = positive.unwrap_or_default()
            }
            ("reference_style_full", other) => {
                return bad_request(&format!(
                    "reference_style_full must be a boolean, got {other}"
                ))
            }
            (other, _) => {
                return bad_request(&format!(
                    "unknown setting {other:?}: the settable keys are reference_style_full, ec2_active_peerings_per_vpc, ec2_routes_per_route_table"
                ))
            }
        }
    }
    if let Some(b) = reference_style_full {
        emu.arm.lock().unwrap().reference_style_full = b;
    }
    emu.ec2.lock().unwrap().quotas = quotas;
    config(State(emu)).await.into_response()
}

fn bad_request(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg}))).into_response()
}

/// Every resource in both clouds. Secrets (PSKs, shared keys) are included on purpose, as the
/// emulator is a test double and tests compare keys across clouds; never point it at real data.
async fn dump(State(emu): State<Shared>) -> Json<Value> {
    let now = emu.clock.now_ms();
    let ec2 = emu.ec2.lock().unwrap().dump(now);
    let arm = emu.arm.lock().unwrap().dump(now);
    let links = emu.links.lock().unwrap().dump();
    Json(json!({ "ec2": ec2, "arm": arm, "links": links }))
}

async fn reset(State(emu): State<Shared>) -> Json<Value> {
    emu.reset();
    Json(json!({"status": "ok"}))
}

async fn counters(State(emu): State<Shared>) -> Json<Value> {
    Json(json!(emu.observe.counters()))
}

async fn timeline(State(emu): State<Shared>) -> Json<Value> {
    Json(json!(emu.observe.timeline()))
}

/// Every recorded request/response pair (secrets redacted) and how many did not fit, in the
/// shape `tests/spec/check_wire.py` reads: `{"dropped": n, "exchanges": [...]}`. Lets a
/// module author check a standalone emulator's traffic against the specs too.
async fn requests(State(emu): State<Shared>) -> Json<Value> {
    Json(json!({
        "dropped": emu.observe.exchanges_dropped(),
        "exchanges": emu.observe.exchanges(),
    }))
}

async fn list_faults(State(emu): State<Shared>) -> Json<Value> {
    Json(json!(emu.faults.rules()))
}

/// Accepts one rule as JSON, or `{"spec": "ec2:CreateVpc=throttle,count=1"}` in the CLI form.
async fn add_fault(State(emu): State<Shared>, Json(body): Json<Value>) -> Response {
    let rule = match body.get("spec").and_then(Value::as_str) {
        Some(spec) => FaultRule::parse(spec),
        None => serde_json::from_value::<FaultRule>(body).map_err(|e| e.to_string()),
    };
    match rule {
        Ok(r) => {
            emu.faults.add(r);
            Json(json!({"status": "ok"})).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    }
}

async fn clear_faults(State(emu): State<Shared>) -> Json<Value> {
    emu.faults.clear();
    Json(json!({"status": "ok"}))
}

/// Creates pre-existing infrastructure: `{"aws": {...}, "azure": {...}}` (see
/// [`ec2::fixtures`] and [`arm::fixtures`] for the shapes). Returns the created ids.
async fn fixtures(State(emu): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut out = json!({});
    if let Some(aws) = body.get("aws") {
        match ec2::fixtures(&emu, aws) {
            Ok(v) => out["aws"] = v,
            Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
        }
    }
    if let Some(az) = body.get("azure") {
        match arm::fixtures(&emu, az) {
            Ok(v) => out["azure"] = v,
            Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
        }
    }
    Json(out).into_response()
}

/// Configures (or reconfigures) the simulated device of a site VPN; see the module doc.
async fn add_peer_device(State(emu): State<Shared>, Json(body): Json<Value>) -> Response {
    let device: PeerDevice = match serde_json::from_value(body) {
        Ok(d) => d,
        Err(e) => return bad_request(&format!("peer device: {e}")),
    };
    if let Err(e) = device.validate() {
        return bad_request(&format!("peer device: {e}"));
    }
    let ip = device.customer_gateway_ip.clone();
    let azure = emu.arm.lock().unwrap().public_ip_addresses().contains(&ip)
        || emu.links.lock().unwrap().is_azure_gateway_ip(&ip);
    if azure {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": format!(
                "{ip} is a public IP of an Azure gateway in this emulator; its tunnels follow the Azure connection, not a simulated device"
            )})),
        )
            .into_response();
    }
    let shown = device.redacted();
    emu.links.lock().unwrap().publish_device(device);
    resync_tunnels(&emu);
    Json(json!(shown)).into_response()
}

async fn list_peer_devices(State(emu): State<Shared>) -> Json<Value> {
    Json(json!(emu.links.lock().unwrap().devices_redacted()))
}

async fn remove_peer_device(
    State(emu): State<Shared>,
    axum::extract::Path(ip): axum::extract::Path<String>,
) -> Response {
    if !emu.links.lock().unwrap().remove_device(&ip) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no peer device at {ip}")})),
        )
            .into_response();
    }
    resync_tunnels(&emu);
    Json(json!({"status": "ok"})).into_response()
}

/// Recomputes every tunnel's telemetry now, so a device change shows in the next describe
/// and in the dump without waiting for another EC2 call.
fn resync_tunnels(emu: &Shared) {
    let now = emu.clock.now_ms();
    let mut st = emu.ec2.lock().unwrap();
    ec2::vpn_connection::sync_links(&mut st, &emu.links, now);
}
