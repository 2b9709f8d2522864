//! EC2 (and STS) access for the resources: one file per EC2 object, each with its
//! create / find / status / wait / delete helpers returning small structs of our own, so
//! resource code reads like a recipe and never touches the SDK.
//!
//! Every call goes through [`crate::cloud::retry::with_retry`] with the account's policy
//! and cancellation token; every waiter goes through [`crate::cloud::wait::wait_for`].

pub mod account;
pub mod customer_gateway;
pub mod errors;
pub mod peering;
pub mod route_table;
pub mod security_group;
pub mod settings;
pub mod tags;
pub mod transit_gateway;
pub mod vpc;
pub mod vpc_endpoint;
pub mod vpn_connection;
pub mod vpn_device;
pub mod vpn_gateway;

pub use account::{AwsAccount, Ec2};
pub use customer_gateway::CustomerGateway;
pub use peering::{Peering, PeeringSide};
pub use route_table::{Route, RouteTable, RouteTarget};
pub use security_group::{IngressRule, SecurityGroup};
pub use settings::{AssumeRole, AwsSettings};
pub use tags::{ownership_tags, Tags, TAG_CLAIM, TAG_COMPONENT, TAG_NAME, TAG_RESOURCE};
pub use transit_gateway::{TransitGateway, TransitGatewayAttachment};
pub use vpc::Vpc;
pub use vpc_endpoint::{InterfaceEndpointSpec, VpcEndpoint};
pub use vpn_connection::{
    Tunnel, TunnelLogOptions, TunnelSpec, VpnConnection, VpnConnectionSpec, VpnTarget,
};
pub use vpn_device::{DeviceConfiguration, DeviceType};
pub use vpn_gateway::{VpcAttachment, VpnGateway};
