//! terraform-provider-cloudlink: a Terraform provider whose resources build whole
//! AWS<->Azure links (`cloudlink_cross_cloud_vpn`, `cloudlink_vpc_peering_pair`).
//!
//! Layout: [`plugin`] speaks go-plugin (handshake, mTLS, controller); [`tf`] is the
//! Terraform type system; [`provider`] serves tfplugin6 and dispatches to [`resources`];
//! [`cloud`] talks to EC2 and ARM.

pub mod cloud;
pub mod docs;
pub mod orchestrate;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod resources;
pub mod tf;
