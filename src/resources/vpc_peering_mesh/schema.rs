//! The schema of `cloudlink_vpc_peering_mesh`: the members (`member "NAME" {}` blocks, a map
//! keyed by name), the tags, the two quota settings the plan checks against, and what
//! cloudlink reports (each member's owner, region and CIDR blocks; one `pairs` entry per
//! peering). The offline rules (`at_least_two_members`, `distinct_vpcs`) are attached here.

use super::names::{self, member, pair};
use super::validate;
use crate::resources::reachability::{attribute as reachability, REACHABILITY};
use crate::resources::timeouts::{self, Defaults};
use crate::resources::vpc_peering_pair::validate as pair_validate;
use crate::tf::{Attribute, Block, NestedBlock, Schema, Type, Value};
use std::time::Duration;

/// The resource type name.
pub const TYPE_NAME: &str = "cloudlink_vpc_peering_mesh";

/// Default limits: each pair has the pair resource's 10 minutes, and the pairs of one apply
/// run concurrently, so a whole mesh gets 20 minutes.
pub const DEFAULTS: Defaults = Defaults {
    create: Duration::from_secs(20 * 60),
    update: Duration::from_secs(20 * 60),
    delete: Duration::from_secs(20 * 60),
};

/// The default of `max_active_peerings_per_vpc`: the default value of the AWS quota "Active
/// VPC peering connections per VPC" (L-7E9ECCDB).
/// rule: AWS-PEERINGS-PER-VPC
pub const DEFAULT_MAX_ACTIVE_PEERINGS_PER_VPC: i64 = 50;

/// The highest value AWS raises "Active VPC peering connections per VPC" to.
pub const HIGHEST_MAX_ACTIVE_PEERINGS_PER_VPC: i64 = 125;

/// The default of `max_routes_per_route_table`: the default value of the AWS quota "Routes
/// per route table" (L-93826ACB), 500 since June 2025 (50 before).
/// rule: AWS-ROUTES-PER-TABLE
pub const DEFAULT_MAX_ROUTES_PER_ROUTE_TABLE: i64 = 500;

/// The highest value AWS raises "Routes per route table" to.
pub const HIGHEST_MAX_ROUTES_PER_ROUTE_TABLE: i64 = 1000;

fn member_block() -> Block {
    Block::new("One VPC of the mesh; the block label is the member's name (used in `pairs` keys and diagnostics).")
        .attr(
            Attribute::required(member::VPC_ID, Type::String, "ID of the member's VPC (`vpc-...`). Changing it replaces this member's peerings only (in place at the resource level); the other members' peerings stay.")
        )
        .attr(Attribute::optional(
            member::ROUTE_TABLE_IDS,
            Type::set(Type::String),
            "Route tables of this VPC that get a route to every CIDR block of every other member through the pair's peering. Each must belong to `vpc_id`; checked at plan time, with the route limit.",
        ))
        .attr(
            Attribute::optional(
                member::ALLOW_REMOTE_VPC_DNS_RESOLUTION,
                Type::Bool,
                "Whether this VPC resolves the other members' public DNS hostnames to private IPs (`AllowDnsResolutionFromRemoteVpc` on this member's side of each of its peerings, set with this member's credentials).",
            )
            .default_value(Value::Bool(false)),
        )
        .attr(Attribute::optional(
            member::ACCOUNT,
            Type::String,
            "Name of an `aws_account` block of the provider configuration whose credentials act for this member. Omit for the provider's default `aws {}` account.",
        ))
        .attr(
            Attribute::optional_computed(
                member::REGION,
                Type::String,
                "Region of the VPC. Defaults to the region of `account`.",
            )
            .use_state_for_unknown()
            .validator(pair_validate::region()),
        )
        .attr(
            Attribute::computed(member::OWNER_ID, Type::String, "AWS account ID owning the VPC.")
                .use_state_for_unknown(),
        )
        .attr(
            Attribute::computed(
                member::CIDR_BLOCKS,
                Type::list(Type::String),
                "Every IPv4 CIDR block associated with the VPC: the destinations of the other members' routes to it.",
            )
            .use_state_for_unknown(),
        )
}

/// The type of one `pairs` element.
pub fn pair_type() -> Type {
    Type::object([
        (pair::ID, Type::String),
        (pair::STATUS, Type::String),
        (pair::REQUESTER, Type::String),
        (pair::ACCEPTER, Type::String),
        (pair::REQUESTER_VPC_ID, Type::String),
        (pair::ACCEPTER_VPC_ID, Type::String),
        (pair::REQUESTER_ACCOUNT, Type::String),
        (pair::ACCEPTER_ACCOUNT, Type::String),
        (pair::REQUESTER_REGION, Type::String),
        (pair::ACCEPTER_REGION, Type::String),
        (pair::REQUESTER_DNS_RESOLUTION, Type::Bool),
        (pair::ACCEPTER_DNS_RESOLUTION, Type::Bool),
        (
            pair::ROUTES,
            Type::list(Type::object([
                ("side", Type::String),
                ("route_table_id", Type::String),
                ("destination_cidr_block", Type::String),
            ])),
        ),
    ])
}

/// The resource schema.
pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "A full mesh of AWS VPC peerings: one peering per pair of members (in any accounts and regions), accepted with the accepter's credentials, with each member's DNS option and routes both ways in every listed route table. Each pair is the same link `cloudlink_vpc_peering_pair` makes, made by the same code; the pairs of one apply run concurrently. Adding or removing a member changes only that member's peerings and routes, in place. The plan refuses overlapping CIDR blocks between members, a VPC that would exceed the per-VPC peering quota (counting the peerings it already has) and a route table that would exceed the route quota, each on the member concerned. Not importable: a mesh is identified by its members, which only the configuration names.",
        )
        .attr(
            Attribute::computed(names::ID, Type::String, "Identifies the mesh (derived from its claim).")
                .use_state_for_unknown(),
        )
        .attr(
            Attribute::computed(crate::resources::claim::ATTRIBUTE, Type::String, "Identifies the Terraform state that owns the mesh's peerings: generated at create and stamped on every peering (tag `cloudlink:claim`). A run adopts only a peering with its own claim (or none), so two states never share a peering.")
                .use_state_for_unknown(),
        )
        .attr(Attribute::optional(
            names::TAGS,
            Type::map(Type::String),
            "Tags applied to every peering connection of the mesh, on both sides.",
        ))
        .attr(Attribute::computed(
            names::TAGS_ALL,
            Type::map(Type::String),
            "The provider's `default_tags` merged with `tags` (which win on a shared key).",
        ))
        .attr(
            Attribute::optional(
                names::MAX_ACTIVE_PEERINGS_PER_VPC,
                Type::Number,
                format!("The account's value of the AWS quota \"Active VPC peering connections per VPC\" (Service Quotas code `L-7E9ECCDB`, default {DEFAULT_MAX_ACTIVE_PEERINGS_PER_VPC}, adjustable up to {HIGHEST_MAX_ACTIVE_PEERINGS_PER_VPC}). The plan refuses a member whose VPC would have more peerings than this, counting the peerings it already has outside the mesh. cloudlink cannot read a raised quota (it has no Service Quotas client), so set this after raising it."),
            )
            .default_value(Value::int(DEFAULT_MAX_ACTIVE_PEERINGS_PER_VPC))
            .validator(validate::quota(HIGHEST_MAX_ACTIVE_PEERINGS_PER_VPC)),
        )
        .attr(
            Attribute::optional(
                names::MAX_ROUTES_PER_ROUTE_TABLE,
                Type::Number,
                format!("The account's value of the AWS quota \"Routes per route table\" (Service Quotas code `L-93826ACB`, non-propagated routes, default {DEFAULT_MAX_ROUTES_PER_ROUTE_TABLE}, adjustable up to {HIGHEST_MAX_ROUTES_PER_ROUTE_TABLE}). The plan refuses a member whose listed route table would hold more routes than this. Set it after raising the quota (or to the lower value of an older account)."),
            )
            .default_value(Value::int(DEFAULT_MAX_ROUTES_PER_ROUTE_TABLE))
            .validator(validate::quota(HIGHEST_MAX_ROUTES_PER_ROUTE_TABLE)),
        )
        .attr(Attribute::computed(
            names::PAIRS,
            Type::map(pair_type()),
            "One entry per peering, keyed `\"A:B\"` with the two member names sorted (A requests, B accepts): `id` (`pcx-...`), `status`, the member names, VPCs, accounts and regions of both ends, each end's DNS option and the `routes` through the peering. A plan that adds a member shows its new keys as known after apply; one that removes a member drops its keys.",
        ))
        .attr(reachability::check_attribute())
        .attr(Attribute::computed(
            REACHABILITY,
            Type::map(Type::list(reachability::element_type())),
            "Keyed by member name: per subnet of that member's VPC and per CIDR block of every other member, whether the subnet's traffic to that block takes the peering of the two members (`reaches`), through which route table (the subnet's explicitly associated table, else the VPC's main table), and in `reason` the route that carries it or why it does not: no route, a route to another target, a more specific route elsewhere. Judged per pair by the same code as `cloudlink_vpc_peering_pair`'s `reachability`; read from the clouds at every refresh; empty with `check_reachability = \"off\"`.",
        ))
        .block(
            NestedBlock::map(names::MEMBER, member_block())
                .description("A member VPC, `member \"NAME\" { vpc_id = ... }`; at least two."),
        )
        .block(timeouts::block(DEFAULTS))
        .rule(validate::at_least_two_members())
        .rule(validate::distinct_vpcs()),
    )
}
