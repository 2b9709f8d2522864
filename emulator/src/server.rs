//! Routing: one loopback listener serves EC2/STS (`POST /`), Entra ID + ARM (everything
//! else) and the admin API (`/_emulator`). Every non-admin exchange is recorded (secrets
//! redacted) in [`crate::observe::Observer`], so tests can check the wire against the specs.

use crate::{admin, arm, ec2, observe, profile::Op, Shared};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap},
    middleware::{self, Next},
    response::Response,
    routing::post,
    Router,
};
use futures::StreamExt;
use std::collections::BTreeMap;

/// Builds the whole HTTP surface of the emulator.
pub fn router(emu: Shared) -> Router {
    Router::new()
        .nest("/_emulator", admin::router())
        .route("/", post(ec2::handle))
        .fallback(arm::handle)
        .layer(middleware::from_fn_with_state(emu.clone(), base_latency))
        // Outermost, so the recording holds exactly what went over the wire.
        .layer(middleware::from_fn_with_state(emu.clone(), record))
        .with_state(emu)
}

/// Every response waits the profile's base latency, like a round trip to a real region.
async fn base_latency(State(emu): State<Shared>, req: Request, next: Next) -> Response {
    let d = emu.profile.duration(Op::Response);
    if !d.is_zero() && !req.uri().path().starts_with("/_emulator") {
        tokio::time::sleep(d).await;
    }
    next.run(req).await
}

/// Response headers kept in the recording: the ones that name the polling URLs of a
/// long-running ARM operation, which a spec checker must follow.
const KEPT_RESPONSE_HEADERS: [&str; 2] = ["azure-asyncoperation", "location"];

/// Buffers the request and response bodies of every non-admin call and records the pair.
/// Both bodies are handed on unchanged, and an aborted response stays aborted on the wire;
/// the Authorization header is never recorded.
async fn record(State(emu): State<Shared>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_emulator") {
        return next.run(req).await;
    }
    let at_ms = emu.clock.now_ms();
    let (parts, body) = req.into_parts();
    let req_bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        // The client went away mid-body: nothing to serve and nothing a checker could judge.
        Err(_) => Bytes::new(),
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let request_content_type = content_type(&parts.headers);
    let resp = next
        .run(Request::from_parts(parts, Body::from(req_bytes.clone())))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let (resp_bytes, failed) = collect_body(rbody).await;
    // The "drop" fault: a body stream that fails (ARM), or a declared length the body does
    // not deliver (EC2). Either way hyper aborts the connection and the client receives no
    // response at all.
    let aborted = failed
        || rparts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n != resp_bytes.len());
    let response_headers: BTreeMap<String, String> = KEPT_RESPONSE_HEADERS
        .iter()
        .filter_map(|h| {
            rparts
                .headers
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.to_string(), v.to_string()))
        })
        .collect();
    let (request_body, cut_req) = observe::redact_request(&path, &req_bytes);
    let (response_body, cut_resp) = observe::redact_response(&path, &resp_bytes);
    emu.observe.record_exchange(observe::Exchange {
        seq: 0,
        at_ms,
        method,
        path,
        query,
        request_content_type,
        request_body,
        status: rparts.status.as_u16(),
        response_content_type: content_type(&rparts.headers),
        response_headers,
        response_body,
        truncated: cut_req || cut_resp,
        aborted,
    });
    if aborted {
        // Hand on the abort, not a complete (and so well-formed) short body.
        return Response::from_parts(rparts, aborting_body(resp_bytes));
    }
    Response::from_parts(rparts, Body::from(resp_bytes))
}

/// Reads a response body to the end. Returns what arrived and whether the stream failed
/// before its end (the bytes are then those delivered up to the failure).
async fn collect_body(body: Body) -> (Bytes, bool) {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(b) => buf.extend_from_slice(&b),
            Err(_) => return (Bytes::from(buf), true),
        }
    }
    (Bytes::from(buf), false)
}

/// A body that delivers `sent` and then fails, so hyper aborts the connection after the
/// bytes the handler had produced, as it would have without the recording in between.
fn aborting_body(sent: Bytes) -> Body {
    let chunks = [
        Ok(sent),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped",
        )),
    ];
    Body::from_stream(futures::stream::iter(chunks))
}

fn content_type(h: &HeaderMap) -> Option<String> {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
