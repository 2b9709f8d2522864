//! The `cloudlink_cross_cloud_vpn` schema: what the user names (AWS and Azure anchors, the
//! link's shape, CIDRs, PSKs, IPsec policy, tags, timeouts) and what cloudlink reports back
//! (every sub-resource id, addresses, per-tunnel status from both clouds, `consistent`).
//! Each attribute carries its plan behaviour as data: its validators (from `validate`),
//! whether a change replaces the link, and the resource-level rules over several attributes
//! are listed on the top block, so `terraform validate`, the plan and the docs share them.

use super::ipsec;
use super::names::{self, aws, azure, ipsec_policy, tunnel_details};
use super::private_service_rules as private_services;
use super::sku;
use super::validate::{self, attribute as check};
use crate::resources::timeouts::{self, Defaults};
use crate::resources::{aws_vpn_rules, default_tags};
use crate::tf::{Attribute, Block, NestedBlock, Schema, Type, Value};
use std::time::Duration;

/// Terraform type name.
pub const TYPE_NAME: &str = "cloudlink_cross_cloud_vpn";

/// Default limits. The Azure virtual network gateway dominates: azurerm raised its gateway
/// timeouts to 90 min create / 120 min delete in hashicorp/terraform-provider-azurerm PR
/// #23003 after "context deadline exceeded" failures; update (a SKU resize rebuilds the
/// instances) keeps 60 min.
pub const TIMEOUTS: Defaults = Defaults {
    create: Duration::from_secs(90 * 60),
    update: Duration::from_secs(60 * 60),
    delete: Duration::from_secs(120 * 60),
};

/// The schema version stored in state.
pub const VERSION: i64 = 0;

fn strings() -> Type {
    Type::list(Type::String)
}

/// The `azure.sku` description, from the SKU table.
fn sku_description() -> String {
    format!(
        "Virtual network gateway SKU for a new gateway: one of {} (Azure no longer creates the non-AZ and legacy SKUs; `Basic` is refused by cloudlink: no BGP, no active-active, never resizable). Upgraded in place within the gateway's generation; a downgrade or a change of generation replaces the gateway. An existing gateway Azure runs as the non-AZ twin (`VpnGw2` for `VpnGw2AZ`) is left as it is.",
        sku::creatable_names()
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn aws_block() -> NestedBlock {
    NestedBlock::single(
        names::AWS,
        Block::new("The AWS end: where the VPN terminates and how routes reach the VPC.")
            .attr(Attribute::optional(aws::VPC_ID, Type::String, "VPC to attach a new virtual private gateway to (`vpc-...`). Exactly one of `vpc_id` and `transit_gateway_id`.").requires_replace())
            .attr(Attribute::optional(aws::TRANSIT_GATEWAY_ID, Type::String, "Existing transit gateway (`tgw-...`) to terminate the VPN connections on instead of a new virtual private gateway.").requires_replace())
            .attr(Attribute::optional(aws::ROUTE_TABLE_IDS, strings(), "VPC route tables that must reach the Azure CIDRs (with `vpc_id` only). Changed in place."))
            .attr(Attribute::optional(aws::ROUTE_PROPAGATION, Type::Bool, "`true`: enable virtual private gateway route propagation into `route_table_ids`; `false`: add one static route per Azure CIDR instead. Changed in place.").default_value(Value::bool(true)))
            .attr(Attribute::optional_computed(aws::AMAZON_SIDE_ASN, Type::Number, "Amazon-side BGP ASN. With `vpc_id`: the ASN of the new virtual private gateway (64512-65534 or 4200000000-4294967294, not an Azure-reserved ASN; default 64512). With `transit_gateway_id`: read from the transit gateway (its `AmazonSideAsn`), which is what the Azure side must peer with; setting it to anything else is an error. Immutable on AWS.").requires_replace().use_state_for_unknown().validator(check::amazon_side_asn()))
            .attr(Attribute::optional(aws::ACCOUNT, Type::String, "Name of an `aws_account` block of the provider to use instead of the default `aws {}` account.").requires_replace())
            .attr(Attribute::computed(aws::VPN_GATEWAY_ID, Type::String, "The virtual private gateway cloudlink created (empty with a transit gateway).").use_state_for_unknown())
            .attr(Attribute::computed(aws::CUSTOMER_GATEWAY_IDS, strings(), "Customer gateways, one per Azure gateway instance (public IP).").use_state_for_unknown())
            .attr(Attribute::computed(aws::VPN_CONNECTION_IDS, strings(), "Site-to-site VPN connections (one per customer gateway, two tunnels each).").use_state_for_unknown())
            .attr(Attribute::optional(aws::PRIVATE_SERVICES, strings(), private_services::SERVICES_DESCRIPTION))
            .attr(Attribute::optional(aws::PRIVATE_SERVICE_SUBNET_IDS, strings(), private_services::SUBNETS_DESCRIPTION))
            .attr(Attribute::computed(aws::PRIVATE_SERVICE_SECURITY_GROUP_ID, Type::String, "The security group cloudlink created for the interface endpoints of `private_services`: inbound TCP 443 from each of `azure_cidrs`, nothing else (empty without `private_services`).").use_state_for_unknown())
            .attr(Attribute::computed(aws::PRIVATE_SERVICE_ENDPOINT_IDS, Type::map(Type::String), "The interface VPC endpoint (`vpce-...`) of each service of `private_services`.").use_state_for_unknown()),
    )
    .min(1)
    .max(1)
}

fn azure_block() -> NestedBlock {
    NestedBlock::single(
        names::AZURE,
        Block::new("The Azure end: the virtual network the gateway serves.")
            .attr(Attribute::required(azure::RESOURCE_GROUP, Type::String, "Resource group of the virtual network; every Azure sub-resource is created here.").requires_replace())
            .attr(Attribute::required(azure::LOCATION, Type::String, "Azure region (that of the virtual network).").requires_replace())
            .attr(Attribute::required(azure::VIRTUAL_NETWORK_NAME, Type::String, "The virtual network to connect.").requires_replace())
            .attr(Attribute::optional(azure::GATEWAY_SUBNET_CIDR, Type::String, "Prefix of the `GatewaySubnet` to create when the virtual network has none (/29 or larger, /27 recommended, inside the address space).").requires_replace().validator(check::gateway_subnet_cidr()))
            .attr(Attribute::optional(azure::SKU, Type::String, sku_description()).default_value(Value::string(sku::DEFAULT_SKU)).validator(check::sku()))
            .attr(Attribute::optional_computed(azure::ZONES, strings(), "Availability zones of the gateway's Standard public IPs: `[\"1\",\"2\",\"3\"]` (zone-redundant), one zone (zonal), or `[]`. Defaults to zone-redundant where the region has availability zones (Azure requires zones there) and to none where it has not (Azure refuses them there); cloudlink reads the region's zones from ARM. A public IP's zones cannot change, so a change replaces the public IPs, and with them the gateway and the AWS customer gateways (whose IP can never change).").requires_replace().use_state_for_unknown().validator(check::zones()))
            .attr(Attribute::optional(azure::ASN, Type::Number, "Azure-side BGP ASN (also the AWS customer gateways' ASN, which is immutable).").default_value(Value::int(65515)).requires_replace().validator(check::azure_asn()))
            .attr(Attribute::computed(azure::GATEWAY_SUBNET_ID, Type::String, "The `GatewaySubnet` used.").use_state_for_unknown())
            .attr(Attribute::computed(azure::GATEWAY_SUBNET_CREATED, Type::Bool, "Whether cloudlink created the `GatewaySubnet` (and so deletes it).").use_state_for_unknown())
            .attr(Attribute::computed(azure::PUBLIC_IP_IDS, strings(), "Standard static public IPs, one per gateway instance.").use_state_for_unknown())
            .attr(Attribute::computed(azure::PUBLIC_IPS, strings(), "Addresses of the public IPs; these are the AWS customer gateway IPs.").use_state_for_unknown())
            .attr(Attribute::computed(azure::GATEWAY_ID, Type::String, "The virtual network gateway.").use_state_for_unknown())
            .attr(Attribute::computed(azure::LOCAL_NETWORK_GATEWAY_IDS, strings(), "Local network gateways, one per tunnel (the AWS tunnel endpoints).").use_state_for_unknown())
            .attr(Attribute::computed(azure::CONNECTION_IDS, strings(), "Gateway connections, one per tunnel.").use_state_for_unknown()),
    )
    .min(1)
    .max(1)
}

fn ipsec_policy_block() -> NestedBlock {
    NestedBlock::single(
        names::IPSEC_POLICY,
        Block::new("Custom IKE/IPsec policy applied identically to every AWS tunnel and every Azure connection (not with the `Basic` SKU). Omit to keep both clouds' defaults.")
            .attr(Attribute::required(ipsec_policy::IKE_ENCRYPTION, Type::String, ipsec::description(&ipsec::IKE_ENCRYPTION)))
            .attr(Attribute::required(ipsec_policy::IKE_INTEGRITY, Type::String, ipsec::description(&ipsec::IKE_INTEGRITY)))
            .attr(Attribute::required(ipsec_policy::DH_GROUP, Type::Number, ipsec::group_description(&ipsec::DH_GROUP)))
            .attr(Attribute::required(ipsec_policy::IPSEC_ENCRYPTION, Type::String, ipsec::description(&ipsec::IPSEC_ENCRYPTION)))
            .attr(Attribute::required(ipsec_policy::IPSEC_INTEGRITY, Type::String, ipsec::description(&ipsec::IPSEC_INTEGRITY)))
            .attr(Attribute::required(ipsec_policy::PFS_GROUP, Type::Number, ipsec::group_description(&ipsec::PFS_GROUP)))
            .attr(Attribute::optional(ipsec_policy::SA_LIFETIME_SECONDS, Type::Number, ipsec::sa_lifetime_description()).default_value(Value::int(3600))),
    )
    .max(1)
    .requires_replace()
}

fn tunnel_detail_type() -> Type {
    Type::object([
        (tunnel_details::NUMBER, Type::Number),
        (tunnel_details::AWS_VPN_CONNECTION_ID, Type::String),
        (tunnel_details::OUTSIDE_IP, Type::String),
        (tunnel_details::INSIDE_CIDR, Type::String),
        (tunnel_details::AWS_BGP_ADDRESS, Type::String),
        (tunnel_details::AZURE_BGP_ADDRESS, Type::String),
        (tunnel_details::AWS_STATUS, Type::String),
        (tunnel_details::AZURE_STATUS, Type::String),
    ])
}

/// The full schema.
pub fn schema() -> Schema {
    let block = Block::new(
        "A complete AWS <-> Azure site-to-site IPsec VPN: Azure public IPs, `GatewaySubnet`, virtual network gateway, local network gateways and connections; AWS customer gateways, virtual private gateway and attachment (or a transit gateway), VPN connections and routes. Built as one step graph with the AWS side running while the Azure gateway builds.",
    )
    .attr(Attribute::computed(names::ID, Type::String, "`<azure resource group>/<name>` (the import id; append `@<aws account>` for a named AWS account).").use_state_for_unknown())
    .attr(Attribute::computed(crate::resources::claim::ATTRIBUTE, Type::String, "Identifies the Terraform state that owns the link: generated at create and stamped on every sub-resource (tag `cloudlink:claim` in AWS, `cloudlink-claim` in Azure). A run adopts only objects with its own claim, so a second state declaring a link of the same name is refused instead of taking over this one.").use_state_for_unknown())
    .attr(Attribute::required(names::NAME, Type::String, "Name of the link; every sub-resource is named and tagged from it, so a re-run adopts what exists.").requires_replace().validator(check::name()))
    .attr(Attribute::optional(names::ROUTING, Type::String, "`static` (VPN static routes and local network gateway prefixes) or `bgp` (APIPA BGP sessions on every tunnel).").default_value(Value::string("static")).requires_replace().validator(check::routing()))
    .attr(Attribute::optional(names::TUNNELS, Type::Number, "`1` (tunnel 1 of one VPN connection), `2` (both tunnels of one VPN connection) or `4` (active-active Azure gateway, two VPN connections, BGP only).").default_value(Value::int(1)).requires_replace().validator(check::tunnels()))
    .attr(Attribute::optional_computed(names::AWS_CIDRS, strings(), "AWS prefixes advertised to Azure (local network gateway address space). Defaults to the VPC's CIDR blocks. Changed in place.").validator(check::cidrs()))
    .attr(Attribute::optional_computed(names::AZURE_CIDRS, strings(), "Azure prefixes routed from AWS (VPN static routes, route table routes). Defaults to the virtual network's address space. Changed in place.").validator(check::cidrs()))
    .attr(Attribute::optional_computed(names::TUNNEL_INSIDE_CIDRS, strings(), "One /30 per tunnel inside 169.254.21.0/24 or 169.254.22.0/24 (AWS uses the first host, Azure the second). Defaults to the canonical mapping 169.254.21.0/30, 169.254.22.0/30, 169.254.21.4/30, 169.254.22.4/30.").requires_replace().validator(check::inside_cidrs()))
    .attr(Attribute::optional(names::TUNNEL_PSKS, strings(), "Pre-shared keys, one per tunnel: 8-64 characters of `A-Za-z0-9_.`, not starting with `0`. Generated (and never stored in state) when omitted. Rotated in place one tunnel at a time.").sensitive().validator(check::psks()))
    .attr(Attribute::optional(names::TUNNEL_PSKS_WO, strings(), "Write-only alternative to `tunnel_psks`: never stored in plan or state. Bump `tunnel_psks_wo_version` to rotate.").sensitive().write_only().validator(check::psks()))
    .attr(Attribute::optional(names::TUNNEL_PSKS_WO_VERSION, Type::Number, "Version of `tunnel_psks_wo`; a change rotates the keys in place."))
    .attr(Attribute::optional(names::TAGS, Type::map(Type::String), "Tags added to every sub-resource in both clouds (with cloudlink's ownership tags). Changed in place.").validator(default_tags::tag_map()))
    .attr(Attribute::computed(names::TAGS_ALL, Type::map(Type::String), "The tags on every sub-resource apart from cloudlink's ownership tags: the provider's `default_tags` merged with `tags` (which win on a shared key). A change of `default_tags` updates it in place."))
    .attr(Attribute::computed(names::TUNNEL_DETAILS, Type::list(tunnel_detail_type()), "Per tunnel: AWS VPN connection, AWS outside IP, inside CIDR, BGP addresses, and status from both clouds (AWS telemetry `UP`/`DOWN`, Azure `Connected`/...)."))
    .attr(Attribute::computed(names::CONSISTENT, Type::Bool, "Whether both clouds agree on every tunnel: IPs, pre-shared keys, CIDRs and ASNs."))
    .attr(Attribute::computed(names::PRIVATE_SERVICE_DNS, Type::map(strings()), private_services::DNS_DESCRIPTION).use_state_for_unknown())
    .block(aws_block())
    .block(azure_block())
    .block(ipsec_policy_block())
    .block(aws_vpn_rules::tunnel_logs_block())
    .block(timeouts::block(TIMEOUTS));
    let block = validate::rules()
        .into_iter()
        .chain(private_services::rules())
        .fold(block, Block::rule);
    Schema::new(VERSION, block)
}
