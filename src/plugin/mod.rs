//! go-plugin: everything terraform needs before it speaks tfplugin6 to us. The magic cookie,
//! protocol negotiation, the handshake line on stdout, AutoMTLS, the controller's Shutdown,
//! the health service, and a `--debug` mode for `TF_REATTACH_PROVIDERS`. Nothing here knows
//! about Terraform resources.

pub mod handshake;
pub mod log;
pub mod parent;
pub mod server;
pub mod tls;

pub use server::{serve, ServeMode};
