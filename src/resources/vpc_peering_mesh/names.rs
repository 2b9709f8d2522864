//! The attribute and block names of `cloudlink_vpc_peering_mesh`, written once: the schema
//! declares them, and the plan, the checks and the diagnostics' paths refer to them.

/// `id`.
pub const ID: &str = "id";
/// `tags`.
pub const TAGS: &str = crate::resources::default_tags::TAGS;
/// `tags_all`.
pub const TAGS_ALL: &str = crate::resources::default_tags::TAGS_ALL;
/// The `member "NAME" {}` blocks.
pub const MEMBER: &str = "member";
/// `pairs`.
pub const PAIRS: &str = "pairs";
/// `max_active_peerings_per_vpc`.
pub const MAX_ACTIVE_PEERINGS_PER_VPC: &str = "max_active_peerings_per_vpc";
/// `max_routes_per_route_table`.
pub const MAX_ROUTES_PER_ROUTE_TABLE: &str = "max_routes_per_route_table";

/// Attributes of a `member` block (the pair's side names where they mean the same).
pub mod member {
    pub use crate::resources::vpc_peering_pair::names::side::{
        ACCOUNT, ALLOW_REMOTE_VPC_DNS_RESOLUTION, CIDR_BLOCKS, OWNER_ID, REGION, ROUTE_TABLE_IDS,
        VPC_ID,
    };
}

/// The fields of each `pairs` element.
pub mod pair {
    /// `id`.
    pub const ID: &str = "id";
    /// `status`.
    pub const STATUS: &str = "status";
    /// `requester` (member name).
    pub const REQUESTER: &str = "requester";
    /// `accepter` (member name).
    pub const ACCEPTER: &str = "accepter";
    /// `requester_vpc_id`.
    pub const REQUESTER_VPC_ID: &str = "requester_vpc_id";
    /// `accepter_vpc_id`.
    pub const ACCEPTER_VPC_ID: &str = "accepter_vpc_id";
    /// `requester_account`.
    pub const REQUESTER_ACCOUNT: &str = "requester_account";
    /// `accepter_account`.
    pub const ACCEPTER_ACCOUNT: &str = "accepter_account";
    /// `requester_region`.
    pub const REQUESTER_REGION: &str = "requester_region";
    /// `accepter_region`.
    pub const ACCEPTER_REGION: &str = "accepter_region";
    /// `requester_dns_resolution`.
    pub const REQUESTER_DNS_RESOLUTION: &str = "requester_dns_resolution";
    /// `accepter_dns_resolution`.
    pub const ACCEPTER_DNS_RESOLUTION: &str = "accepter_dns_resolution";
    /// `routes`.
    pub const ROUTES: &str = crate::resources::vpc_peering_pair::names::ROUTES;
}
