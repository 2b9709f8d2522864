//! The resources cloudlink offers. Adding one means adding it to [`registry`]; the provider's
//! dispatch code never changes.

pub mod aws_vpn;
pub mod aws_vpn_rules;
pub mod claim;
pub mod cross_cloud_vpn;
pub mod default_tags;
pub mod site_vpn;
pub mod timeouts;
pub mod vpc_peering_mesh;
pub mod vpc_peering_pair;

use crate::provider::Registry;

/// Every resource type this provider serves.
pub fn registry() -> Registry {
    Registry::default()
        .register(std::sync::Arc::new(vpc_peering_pair::VpcPeeringPair))
        .register(std::sync::Arc::new(cross_cloud_vpn::CrossCloudVpn))
        .register(std::sync::Arc::new(site_vpn::SiteVpn))
        .register(std::sync::Arc::new(vpc_peering_mesh::VpcPeeringMesh))
}
