//! The schema of `cloudlink_vpc_peering_pair`: what the user names (both VPCs, their route
//! tables, DNS options, the accepter's account and region, tags) and what cloudlink reports
//! (peering id and status, both owners, regions and CIDR blocks, the routes it created).
//! Validators and the resource-level rules (`both_sides`, `no_self_peering`) are attached
//! here, from `validate`.

use super::names::{self, route, side};
use super::validate;
use crate::resources::reachability::attribute as reachability;
use crate::resources::timeouts::{self, Defaults};
use crate::tf::{Attribute, Block, NestedBlock, Schema, Type};
use std::time::Duration;

/// The resource type name.
pub const TYPE_NAME: &str = "cloudlink_vpc_peering_pair";

/// Default limits. terraform-provider-aws gives `aws_vpc_peering_connection` 1 minute for
/// create, update and delete (`vpc_peering_connection.go` `Timeouts`, anchors.md section 3);
/// this resource also accepts with a second credential set, sets DNS options on both sides
/// and writes routes on both sides, so each limit is 10 minutes.
pub const DEFAULTS: Defaults = Defaults {
    create: Duration::from_secs(10 * 60),
    update: Duration::from_secs(10 * 60),
    delete: Duration::from_secs(10 * 60),
};

fn side_block(accepter: bool) -> Block {
    let who = if accepter { "accepter" } else { "requester" };
    let mut b = Block::new(if accepter {
        "The VPC that accepts the peering. Its calls use the credentials of `account` (default: the provider's `aws {}` block) in `region`."
    } else {
        "The VPC that requests the peering, in the provider's default `aws {}` account and region."
    })
    .attr(
        Attribute::required(side::VPC_ID, Type::String, format!("ID of the {who} VPC (`vpc-...`)."))
            .requires_replace(),
    )
    .attr(Attribute::optional(
        side::ROUTE_TABLE_IDS,
        Type::set(Type::String),
        format!("Route tables of the {who} VPC that get a route to every CIDR block of the other VPC through the peering. Each must belong to `vpc_id`; checked at plan time."),
    ))
    .attr(
        Attribute::optional(
            side::ALLOW_REMOTE_VPC_DNS_RESOLUTION,
            Type::Bool,
            format!("Whether the {who} VPC resolves the other VPC's public DNS hostnames to private IPs (`AllowDnsResolutionFromRemoteVpc`, set with the {who}'s credentials once the peering is active)."),
        )
        .default_value(crate::tf::Value::Bool(false)),
    );
    if accepter {
        b = b
            .attr(
                Attribute::optional(
                    side::ACCOUNT,
                    Type::String,
                    "Name of an `aws_account` block of the provider configuration whose credentials accept the peering and act on the accepter side. Omit for the provider's default `aws {}` account.",
                )
                .requires_replace(),
            )
            .attr(
                Attribute::optional_computed(
                    side::REGION,
                    Type::String,
                    "Region of the accepter VPC. Defaults to the region of `account`. Set it for a cross-region peering.",
                )
                .requires_replace()
                .use_state_for_unknown()
                .validator(validate::region()),
            );
    } else {
        b = b.attr(
            Attribute::computed(
                side::REGION,
                Type::String,
                "Region of the requester VPC (the provider's default region).",
            )
            .use_state_for_unknown(),
        );
    }
    b.attr(
        Attribute::computed(
            side::OWNER_ID,
            Type::String,
            format!("AWS account ID owning the {who} VPC."),
        )
        .use_state_for_unknown(),
    )
    .attr(
        Attribute::computed(
            side::CIDR_BLOCKS,
            Type::list(Type::String),
            format!("Every IPv4 CIDR block associated with the {who} VPC. A block associated later shows as drift, and the next apply adds its routes."),
        )
        .use_state_for_unknown(),
    )
}

fn route_type() -> Type {
    Type::object([
        (route::SIDE, Type::String),
        (route::ROUTE_TABLE_ID, Type::String),
        (route::DESTINATION_CIDR_BLOCK, Type::String),
    ])
}

/// The resource schema.
pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Both sides of an AWS VPC peering connection in one resource, in the same or another account and region: requests the peering, accepts it with the accepter's credentials, waits for `active`, sets each side's DNS option with that side's credentials and adds routes to every CIDR block of the other VPC in the listed route tables of both sides. Overlapping CIDR blocks, self-peering, unknown accounts and foreign route tables are refused at plan time. Destroy removes the routes on both sides and deletes the peering.",
        )
        .attr(
            Attribute::computed(names::ID, Type::String, "ID of the VPC peering connection (`pcx-...`).")
                .use_state_for_unknown(),
        )
        .attr(
            Attribute::computed(crate::resources::claim::ATTRIBUTE, Type::String, "Identifies the Terraform state that owns the peering: generated at create and stamped on it (tag `cloudlink:claim`). A run adopts only a peering with its own claim (or none), so a second state declaring the same pair of VPCs is refused instead of taking this one over.")
                .use_state_for_unknown(),
        )
        .attr(
            Attribute::computed(
                names::STATUS,
                Type::String,
                "Status code of the peering (`active` once created; a failed apply may leave `pending-acceptance`).",
            )
            .use_state_for_unknown(),
        )
        .attr(Attribute::optional(
            names::TAGS,
            Type::map(Type::String),
            "Tags applied to the peering connection on both sides (each account keeps its own tags). cloudlink adds `cloudlink:resource` and `cloudlink:component` so a re-run adopts the peering instead of requesting another.",
        ))
        .attr(Attribute::computed(
            names::TAGS_ALL,
            Type::map(Type::String),
            "The tags on the peering connection apart from cloudlink's ownership tags: the provider's `default_tags` merged with `tags` (which win on a shared key). A change of `default_tags` updates it in place.",
        ))
        .attr(Attribute::computed(
            names::ROUTES,
            Type::list(route_type()),
            "The routes through the peering that exist: `side` (`requester` or `accepter`, the owner of the route table), `route_table_id` and `destination_cidr_block`. A route deleted out of band shows as drift and the next apply re-adds it.",
        ))
        .attr(reachability::check_attribute())
        .attr(reachability::reachability_attribute("both VPCs"))
        .block(NestedBlock::single(names::REQUESTER, side_block(false)).description("The requesting side (required)."))
        .block(NestedBlock::single(names::ACCEPTER, side_block(true)).description("The accepting side (required)."))
        .block(timeouts::block(DEFAULTS))
        .rule(validate::both_sides())
        .rule(validate::no_self_peering()),
    )
}
