//! Routing: one loopback listener serves EC2/STS (`POST /`), Entra ID + ARM (everything
//! else) and the admin API (`/_emulator`).

use crate::{admin, arm, ec2, profile::Op, Shared};
use axum::{
    extract::{Request, State},
    middleware::{self, Next},
    response::Response,
    routing::post,
    Router,
};

/// Builds the whole HTTP surface of the emulator.
pub fn router(emu: Shared) -> Router {
    Router::new()
        .nest("/_emulator", admin::router())
        .route("/", post(ec2::handle))
        .fallback(arm::handle)
        .layer(middleware::from_fn_with_state(emu.clone(), base_latency))
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
