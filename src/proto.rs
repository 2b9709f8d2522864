//! Generated code for the vendored protocol files in `proto/` (see `proto/SOURCES.md`).
#![allow(missing_docs, clippy::all)]

/// The Terraform plugin protocol, version 6.10.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services (controller, stdio, broker).
pub mod plugin {
    tonic::include_proto!("plugin");
}
