//! The attribute and block names of `cloudlink_vpc_peering_pair`, written once: the schema
//! declares them, and the validators, the plan and the diagnostics' paths refer to them.

/// `id`.
pub const ID: &str = "id";
/// `status`.
pub const STATUS: &str = "status";
/// `tags`.
pub const TAGS: &str = crate::resources::default_tags::TAGS;
/// `tags_all`.
pub const TAGS_ALL: &str = crate::resources::default_tags::TAGS_ALL;
/// `routes`.
pub const ROUTES: &str = "routes";
/// The `requester` block.
pub const REQUESTER: &str = "requester";
/// The `accepter` block.
pub const ACCEPTER: &str = "accepter";

/// Attributes of the `requester` and `accepter` blocks.
pub mod side {
    /// `vpc_id`.
    pub const VPC_ID: &str = "vpc_id";
    /// `route_table_ids`.
    pub const ROUTE_TABLE_IDS: &str = "route_table_ids";
    /// `allow_remote_vpc_dns_resolution`.
    pub const ALLOW_REMOTE_VPC_DNS_RESOLUTION: &str = "allow_remote_vpc_dns_resolution";
    /// `account` (accepter only).
    pub const ACCOUNT: &str = "account";
    /// `region`.
    pub const REGION: &str = "region";
    /// `owner_id`.
    pub const OWNER_ID: &str = "owner_id";
    /// `cidr_blocks`.
    pub const CIDR_BLOCKS: &str = "cidr_blocks";
}

/// The fields of each `routes` element.
pub mod route {
    /// `side`.
    pub const SIDE: &str = "side";
    /// `route_table_id`.
    pub const ROUTE_TABLE_ID: &str = "route_table_id";
    /// `destination_cidr_block`.
    pub const DESTINATION_CIDR_BLOCK: &str = "destination_cidr_block";
}
