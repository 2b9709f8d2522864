//! The `cloudlink_site_vpn` schema: the device peer (`peer {}`), the AWS end (`aws {}`, as in
//! `cloudlink_cross_cloud_vpn`), routing, tunnel inside CIDRs, keys, options and logs, the
//! device type whose configuration cloudlink fetches, and what it reports back (every id, the
//! tunnels, the device configuration). Validators and replacement conditions are data on
//! each attribute; the rules over several attributes are listed on the top block.

use super::names::{self, aws, device_type, peer, tunnel};
use super::validate::{self, attribute as check};
use crate::resources::aws_vpn_rules;
use crate::resources::cross_cloud_vpn::validate::attribute as cross_cloud;
use crate::resources::reachability::attribute as reachability;
use crate::resources::timeouts::{self, Defaults};
use crate::resources::{claim, default_tags};
use crate::tf::validator::ReplaceIf;
use crate::tf::{Attribute, Block, NestedBlock, Schema, Type, Value};
use std::time::Duration;

/// Terraform type name.
pub const TYPE_NAME: &str = "cloudlink_site_vpn";

/// The schema version stored in state.
pub const VERSION: i64 = 0;

/// Default limits: the VPN connection dominates; terraform-provider-aws
/// `vpnConnectionCreatedTimeout` (40 min), `vpnConnectionUpdatedTimeout` and
/// `vpnConnectionDeletedTimeout` (30 min) (`internal/service/ec2/wait.go`).
pub const TIMEOUTS: Defaults = Defaults {
    create: Duration::from_secs(40 * 60),
    update: Duration::from_secs(30 * 60),
    delete: Duration::from_secs(30 * 60),
};

/// Why a new device IP replaces the VPN, shown in the docs and beside the plan's
/// `# forces replacement`.
/// rule: AWS-CGW-IP-IMMUTABLE
pub const IP_ADDRESS_REPLACES: &str = "Changing it replaces the site VPN: AWS cannot change a customer gateway's IP address in place (EC2 has no action to modify a customer gateway), so a new address means a new customer gateway and VPN connection, with new tunnel outside IPs for the device.";

fn strings() -> Type {
    Type::list(Type::String)
}

fn peer_block() -> NestedBlock {
    NestedBlock::single(
        names::PEER,
        Block::new("The customer device: an office or data-centre router, a firewall, or another cloud's VPN endpoint.")
            .attr(Attribute::required(peer::IP_ADDRESS, Type::String, "Public IPv4 address of the device (its NAT address if it sits behind NAT).").validator(check::ip_address()).replace_if(ReplaceIf::new(IP_ADDRESS_REPLACES, |_, _| true)))
            .attr(Attribute::optional(peer::BGP_ASN, Type::Number, "The device's BGP ASN (required with `routing = \"bgp\"`; with static routing AWS records 65000). Immutable on AWS: a change replaces the customer gateway and the VPN.").requires_replace().validator(check::bgp_asn()))
            .attr(Attribute::optional(peer::CIDRS, strings(), "Prefixes behind the device, routed into the tunnels as static routes (required with `routing = \"static\"`). Changed in place.").validator(cross_cloud::cidrs()))
            .attr(Attribute::optional(peer::DEVICE_NAME, Type::String, "A name for the device, recorded on the customer gateway (`DeviceName`). Immutable on AWS.").requires_replace()),
    )
    .min(1)
    .max(1)
}

fn aws_block() -> NestedBlock {
    NestedBlock::single(
        names::AWS,
        Block::new("The AWS end: where the VPN terminates and how routes reach the VPC.")
            .attr(Attribute::optional(aws::VPC_ID, Type::String, "VPC to attach a new virtual private gateway to (`vpc-...`). Exactly one of `vpc_id` and `transit_gateway_id`.").requires_replace())
            .attr(Attribute::optional(aws::TRANSIT_GATEWAY_ID, Type::String, "Existing transit gateway (`tgw-...`) to terminate the VPN connection on instead of a new virtual private gateway.").requires_replace())
            .attr(Attribute::optional(aws::ROUTE_TABLE_IDS, strings(), "VPC route tables that must reach `peer.cidrs` (with `vpc_id` only). Changed in place."))
            .attr(Attribute::optional(aws::ROUTE_PROPAGATION, Type::Bool, "`true`: enable virtual private gateway route propagation into `route_table_ids`; `false`: add one static route per `peer.cidrs` prefix instead. Changed in place.").default_value(Value::bool(true)))
            .attr(Attribute::optional_computed(aws::AMAZON_SIDE_ASN, Type::Number, "Amazon-side BGP ASN. With `vpc_id`: the ASN of the new virtual private gateway (64512-65534 or 4200000000-4294967294; default 64512). With `transit_gateway_id`: read from the transit gateway. Immutable on AWS.").requires_replace().use_state_for_unknown().validator(check::amazon_side_asn()))
            .attr(Attribute::optional(aws::ACCOUNT, Type::String, "Name of an `aws_account` block of the provider to use instead of the default `aws {}` account.").requires_replace()),
    )
    .min(1)
    .max(1)
}

fn device_type_block() -> NestedBlock {
    NestedBlock::single(
        names::DEVICE_TYPE,
        Block::new("The device type to write `device_configuration` for, as `GetVpnConnectionDeviceTypes` lists them: its `id`, or its `vendor`, `platform` and `software` (e.g. `Cisco Systems, Inc.` / `ISR Series Routers` / `IOS 12.4+`, or `Strongswan` / `Ubuntu 16.04` / `Strongswan 5.5.1+`). Omit for no device configuration. Changed in place.")
            .attr(Attribute::optional(device_type::ID, Type::String, "The `VpnConnectionDeviceTypeId`."))
            .attr(Attribute::optional(device_type::VENDOR, Type::String, "Vendor, e.g. `Cisco Systems, Inc.`, `Fortinet`, `Strongswan`, `Generic`."))
            .attr(Attribute::optional(device_type::PLATFORM, Type::String, "Platform, e.g. `ISR Series Routers`."))
            .attr(Attribute::optional(device_type::SOFTWARE, Type::String, "Software, e.g. `IOS 12.4+`."))
            .attr(Attribute::optional(device_type::IKE_VERSION, Type::String, "`ikev1` or `ikev2`; AWS's default when omitted.").validator(check::ike_version())),
    )
    .max(1)
}

fn tunnel_type() -> Type {
    Type::object([
        (tunnel::OUTSIDE_IP, Type::String),
        (tunnel::INSIDE_CIDR, Type::String),
        (tunnel::AWS_BGP_ADDRESS, Type::String),
        (tunnel::PEER_BGP_ADDRESS, Type::String),
        (tunnel::STATUS, Type::String),
        (tunnel::STATUS_MESSAGE, Type::String),
    ])
}

/// The full schema.
pub fn schema() -> Schema {
    let block = Block::new(
        "An AWS site-to-site IPsec VPN to any device: customer gateway, virtual private gateway and attachment (or a transit gateway), the VPN connection with its two tunnels, static routes or BGP, route tables or propagation; plus the configuration to type into the device and tunnel health logs in CloudWatch Logs.",
    )
    .attr(Attribute::computed(names::ID, Type::String, "The VPN connection id (`vpn-...`), the import id (append `@<aws account>` for a named AWS account).").use_state_for_unknown())
    .attr(Attribute::computed(claim::ATTRIBUTE, Type::String, "Identifies the Terraform state that owns the VPN: generated at create and stamped on every AWS object (tag `cloudlink:claim`). A run adopts only objects with its own claim.").use_state_for_unknown())
    .attr(Attribute::required(names::NAME, Type::String, "Name of the site VPN; every AWS object is named and tagged from it, so a re-run adopts what exists.").requires_replace().validator(check::name()))
    .attr(Attribute::optional(names::ROUTING, Type::String, "`static` (VPN static routes to `peer.cidrs`) or `bgp` (a BGP session on each tunnel).").default_value(Value::string("static")).requires_replace().validator(cross_cloud::routing()))
    .attr(Attribute::optional_computed(names::TUNNEL_INSIDE_CIDRS, strings(), "Two /30s inside 169.254.0.0/16, one per tunnel (AWS uses the first host, the device the second). AWS picks them when omitted.").requires_replace().use_state_for_unknown().validator(check::inside_cidrs()))
    .attr(Attribute::optional(names::TUNNEL_PSKS, strings(), "Pre-shared keys, one per tunnel: 8-64 characters of `A-Za-z0-9_.`, not starting with `0`. Generated when omitted. Rotated in place one tunnel at a time; `device_configuration` follows.").sensitive().validator(cross_cloud::psks()))
    .attr(Attribute::optional(names::TUNNEL_PSKS_WO, strings(), "Write-only alternative to `tunnel_psks`: never stored in plan or state. Bump `tunnel_psks_wo_version` to rotate.").sensitive().write_only().validator(cross_cloud::psks()))
    .attr(Attribute::optional(names::TUNNEL_PSKS_WO_VERSION, Type::Number, "Version of `tunnel_psks_wo`; a change rotates the keys in place."))
    .attr(Attribute::optional(names::TAGS, Type::map(Type::String), "Tags added to every AWS object (with cloudlink's ownership tags). Changed in place.").validator(default_tags::tag_map()))
    .attr(Attribute::computed(names::TAGS_ALL, Type::map(Type::String), "The tags on every AWS object apart from cloudlink's ownership tags: the provider's `default_tags` merged with `tags` (which win on a shared key)."))
    .attr(Attribute::computed(names::CUSTOMER_GATEWAY_ID, Type::String, "The customer gateway (`cgw-...`).").use_state_for_unknown())
    .attr(Attribute::computed(names::VPN_GATEWAY_ID, Type::String, "The virtual private gateway cloudlink created (empty with a transit gateway).").use_state_for_unknown())
    .attr(Attribute::computed(names::VPN_CONNECTION_ID, Type::String, "The VPN connection (`vpn-...`).").use_state_for_unknown())
    .attr(Attribute::computed(names::TUNNELS, Type::list(tunnel_type()), "Per tunnel, in the order of `tunnel_inside_cidrs`: AWS's outside IP, the inside CIDR, AWS's and the device's BGP (inside) addresses, and the status from AWS's tunnel telemetry (`UP`/`DOWN` with its message)."))
    .attr(Attribute::computed(names::DEVICE_CONFIGURATION, Type::String, "The configuration for `device_type` as AWS writes it (`GetVpnConnectionDeviceSampleConfiguration`), with this VPN's outside and inside addresses, ASNs and pre-shared keys; refreshed when a key rotates. Empty without `device_type`.").sensitive())
    .attr(reachability::check_attribute())
    .attr(reachability::reachability_attribute("the VPC (with `aws.vpc_id` and `peer.cidrs`)"))
    .block(peer_block())
    .block(aws_block())
    .block(aws_vpn_rules::tunnel_options_block(names::TUNNEL_OPTIONS))
    .block(aws_vpn_rules::tunnel_logs_block())
    .block(device_type_block())
    .block(timeouts::block(TIMEOUTS));
    let block = validate::rules().into_iter().fold(block, Block::rule);
    Schema::new(VERSION, block)
}
