//! terraform-provider-cloudlink: a Terraform provider whose resources build whole
//! AWS<->Azure links (`cloudlink_cross_cloud_vpn`, `cloudlink_vpc_peering_pair`).
//!
//! Layout: [`plugin`] speaks go-plugin (handshake, mTLS, controller); [`tf`] is the
//! Terraform type system; [`provider`] serves tfplugin6 and dispatches to [`resources`];
//! [`cloud`] talks to EC2 and ARM.

// The resources' CRUD are deep async state machines (graph steps over batched reads);
// computing their layout needs more than the default 128 query levels.
#![recursion_limit = "256"]

pub mod cloud;
pub mod docs;
pub mod orchestrate;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod resources;
pub mod tf;
