//! The tfplugin6 `Provider` service: decodes requests, dispatches to the registered
//! resources, encodes responses. Resources never see protobuf.

pub mod assume_role;
pub mod config;
pub mod context;
pub mod plan;
pub mod registry;
pub mod resource;
pub mod service;
pub mod validate;

pub use context::ProviderContext;
pub use registry::Registry;
pub use resource::{ApplyResult, PlanRequest, PlanResponse, ReadResult, Resource};
pub use service::CloudlinkProvider;
