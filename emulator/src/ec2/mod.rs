//! EC2 + STS query API (form-encoded `POST /`, XML responses in the EC2 namespace), with
//! separate state per account and region, lazily settled pending states, fault injection
//! and the AWS half of the cross-cloud link registry.
//!
//! Submodules: [`query`] parses requests, [`xml`] writes responses, [`errors`] renders
//! error envelopes, [`accounts`] maps keys to accounts, one module per resource family,
//! [`tags`] for tagging and [`sts`] for `GetCallerIdentity`/`AssumeRole`.
//!
//! # Dump shape (`State::dump`)
//!
//! ```text
//! {"accounts": {"<account>": {"<region>": {
//!   "vpcs": [{id, state, owner_id, cidr_blocks: [..], enable_dns_support, enable_dns_hostnames,
//!             main_route_table_id, tags: {..}}],
//!   "subnets": [{id, state, vpc_id, cidr_block, availability_zone, tags}],
//!   "route_tables": [{id, vpc_id, main, routes: [{destination_cidr_block, gateway_id,
//!             vpc_peering_connection_id, transit_gateway_id, origin, state}],
//!             propagating_vgws: [..], associations: [{id, subnet_id, main}], tags}],
//!   "customer_gateways": [{id, state, ip_address, bgp_asn, type, device_name, tags}],
//!   "vpn_gateways": [{id, state, type, amazon_side_asn, attachments: [{vpc_id, state}], tags}],
//!   "vpn_connections": [{id, state, type, customer_gateway_id, vpn_gateway_id,
//!             transit_gateway_id, transit_gateway_attachment_id, static_routes_only,
//!             local_ipv4_network_cidr, remote_ipv4_network_cidr,
//!             routes: [{destination_cidr_block, state}],
//!             tunnels: [{outside_ip, inside_cidr, psk, status, status_message,
//!                        log_options: {log_enabled, log_group_arn, log_output_format}}], tags}],
//!   "vpc_peering_connections": [{id, status, status_message, tags,
//!             requester: {account, region, vpc_id, cidr_blocks, allow_dns_resolution_from_remote_vpc},
//!             accepter: {..same..}}],
//!   "transit_gateways": [{id, state, owner_id, amazon_side_asn, description, tags}],
//!   "transit_gateway_attachments": [{id, state, transit_gateway_id, resource_type,
//!             resource_id, resource_owner_id, subnet_ids, tags}],
//!   "security_groups": [{id, vpc_id, name, description,
//!             ingress: [{id, protocol, from_port, to_port, cidr, description}], egress: [..], tags}],
//!   "vpc_endpoints": [{id, state, vpc_id, service_name, type, subnet_ids, security_group_ids,
//!             private_dns_enabled, dns_names: [..], tags}]
//! }}}}
//! ```
//! A peering appears once, under the requester's account and region. Tunnel `status` is
//! the telemetry last computed (on any EC2 call or when a connection became available).

pub mod accounts;
pub mod customer_gateway;
pub mod errors;
pub mod peering;
pub mod query;
pub mod route_table;
pub mod security_group;
pub mod sts;
pub mod tags;
pub mod transit_gateway;
pub mod tunnel_logs;
pub mod vpc;
pub mod vpc_endpoint;
pub mod vpn_connection;
pub mod vpn_device;
pub mod vpn_gateway;
pub mod xml;

use crate::{faults::Injected, profile::Op, Emulator, Shared};
use accounts::Caller;
use axum::{
    body::{Body, Bytes},
    extract::State as AxState,
    http::{header, HeaderMap, StatusCode},
    response::Response,
};
use errors::{Ec2Error, R};
use query::Query;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use xml::Xml;

/// A state that changes from `before` to `after` at `at_ms` on the emulator clock; read
/// lazily, so no background task moves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// The state until `at_ms`.
    pub before: &'static str,
    /// The state from `at_ms` on.
    pub after: &'static str,
    /// When the transition happens.
    pub at_ms: u64,
}

impl Phase {
    /// A state that does not change.
    pub fn settled(s: &'static str) -> Self {
        Phase {
            before: s,
            after: s,
            at_ms: 0,
        }
    }

    /// `before` until `at_ms`, then `after`.
    pub fn new(before: &'static str, after: &'static str, at_ms: u64) -> Self {
        Phase {
            before,
            after,
            at_ms,
        }
    }

    /// The state at `now_ms`.
    pub fn get(&self, now_ms: u64) -> &'static str {
        if now_ms >= self.at_ms {
            self.after
        } else {
            self.before
        }
    }
}

/// One account's resources in one region.
#[derive(Default)]
pub struct Region {
    /// VPCs by id.
    pub vpcs: BTreeMap<String, vpc::Vpc>,
    /// Subnets by id.
    pub subnets: BTreeMap<String, vpc::Subnet>,
    /// Route tables by id.
    pub route_tables: BTreeMap<String, route_table::RouteTable>,
    /// Customer gateways by id.
    pub customer_gateways: BTreeMap<String, customer_gateway::CustomerGateway>,
    /// Virtual private gateways by id.
    pub vpn_gateways: BTreeMap<String, vpn_gateway::VpnGateway>,
    /// VPN connections by id.
    pub vpn_connections: BTreeMap<String, vpn_connection::VpnConnection>,
    /// Transit gateways by id.
    pub transit_gateways: BTreeMap<String, transit_gateway::TransitGateway>,
    /// Transit gateway attachments (VPC and VPN) by id.
    pub tgw_attachments: BTreeMap<String, transit_gateway::Attachment>,
    /// Security groups by id.
    pub security_groups: BTreeMap<String, security_group::SecurityGroup>,
    /// VPC endpoints by id.
    pub vpc_endpoints: BTreeMap<String, vpc_endpoint::VpcEndpoint>,
}

/// EC2 state for every account and region.
pub struct State {
    rng: StdRng,
    /// (account, region) -> resources.
    pub regions: BTreeMap<(String, String), Region>,
    /// Peerings live outside regions: both sides see them.
    pub peerings: BTreeMap<String, peering::Peering>,
    /// Tunnel outside IPs handed out so far (unique across accounts and regions).
    pub used_outside_ips: BTreeSet<Ipv4Addr>,
    /// Credentials issued by `AssumeRole`, by access key id.
    pub sessions: BTreeMap<String, sts::Session>,
    /// The account quotas the emulator enforces (settable, see [`Quotas`]).
    pub quotas: Quotas,
}

/// The adjustable EC2/VPC quotas the emulator enforces, the same for every account and
/// region. They start at AWS's defaults; tests lower them (directly, or through
/// `POST /_emulator/config`) to reach a limit with a few objects. They survive a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// "Active VPC peering connections per VPC" (L-7E9ECCDB).
    pub active_peerings_per_vpc: usize,
    /// "Routes per route table" (L-93826ACB), non-propagated routes.
    pub routes_per_route_table: usize,
}

impl Default for Quotas {
    /// AWS's defaults: 50 active peerings per VPC (rule: AWS-PEERINGS-PER-VPC) and 500
    /// routes per route table since June 2025 (rule: AWS-ROUTES-PER-TABLE).
    fn default() -> Self {
        Quotas {
            active_peerings_per_vpc: 50,
            routes_per_route_table: 500,
        }
    }
}

impl State {
    /// Empty state; ids and keys derive from `seed`.
    pub fn new(seed: u64) -> Self {
        State {
            rng: StdRng::seed_from_u64(seed ^ 0xec2),
            regions: BTreeMap::new(),
            peerings: BTreeMap::new(),
            used_outside_ips: BTreeSet::new(),
            sessions: BTreeMap::new(),
            quotas: Quotas::default(),
        }
    }

    /// A new id like AWS's: `prefix-0` followed by 16 hex digits.
    pub fn id(&mut self, prefix: &str) -> String {
        format!("{prefix}-0{:016x}", self.rng.gen::<u64>())
    }

    /// The seeded random source.
    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// The caller's region state, created on first use.
    pub fn region(&mut self, account: &str, region: &str) -> &mut Region {
        self.regions
            .entry((account.to_string(), region.to_string()))
            .or_default()
    }

    /// A region's state if it exists.
    pub fn region_ref(&self, account: &str, region: &str) -> Option<&Region> {
        self.regions.get(&(account.to_string(), region.to_string()))
    }

    /// JSON dump of every resource (shape in the module docs).
    pub fn dump(&self, now_ms: u64) -> Value {
        let mut accounts = serde_json::Map::new();
        for ((account, region), r) in &self.regions {
            let pcx: Vec<Value> = self
                .peerings
                .values()
                .filter(|p| p.requester.account == *account && p.requester.region == *region)
                .map(|p| p.dump(self, now_ms))
                .collect();
            let v = json!({
                "vpcs": r.vpcs.values().map(|v| v.dump()).collect::<Vec<_>>(),
                "subnets": r.subnets.values().map(|s| s.dump()).collect::<Vec<_>>(),
                "route_tables": r.route_tables.values().map(|t| t.dump(self, account, region, now_ms)).collect::<Vec<_>>(),
                "customer_gateways": r.customer_gateways.values().map(|c| c.dump(now_ms)).collect::<Vec<_>>(),
                "vpn_gateways": r.vpn_gateways.values().map(|g| g.dump(now_ms)).collect::<Vec<_>>(),
                "vpn_connections": r.vpn_connections.values().map(|c| c.dump(now_ms)).collect::<Vec<_>>(),
                "vpc_peering_connections": pcx,
                "transit_gateways": r.transit_gateways.values().map(|t| t.dump(now_ms)).collect::<Vec<_>>(),
                "transit_gateway_attachments": r.tgw_attachments.values().map(|a| a.dump(now_ms)).collect::<Vec<_>>(),
                "security_groups": r.security_groups.values().map(|g| g.dump()).collect::<Vec<_>>(),
                "vpc_endpoints": r.vpc_endpoints.values().map(|e| e.dump(now_ms, region)).collect::<Vec<_>>(),
            });
            accounts.entry(account.clone()).or_insert_with(|| json!({}))[region] = v;
        }
        // Role sessions without their keys: which role, session name, external id and
        // session tags each AssumeRole asked for.
        let role_sessions: Vec<Value> = self
            .sessions
            .values()
            .map(|s| {
                json!({"account": s.account, "role": s.role, "session": s.session,
                            "external_id": s.external_id, "tags": s.tags})
            })
            .collect();
        json!({ "accounts": accounts, "role_sessions": role_sessions })
    }
}

/// Everything an action needs besides the state.
pub struct Ctx<'a> {
    /// The emulator (profile, clock, observer, links).
    pub emu: &'a Shared,
    /// Who is calling, from where.
    pub caller: Caller,
    /// The emulator clock when the request arrived.
    pub now: u64,
    /// The request parameters.
    pub q: Query,
    /// The `Action` parameter.
    pub action: &'a str,
}

impl Ctx<'_> {
    /// When an operation of kind `op` started now completes.
    pub fn done_at(&self, op: Op) -> u64 {
        self.now + self.emu.profile.ms(op)
    }

    /// Records a long operation on `resource` in the timeline.
    pub fn record(&self, resource: &str, end_ms: u64) {
        self.emu
            .observe
            .record("ec2", self.action, resource, self.now, end_ms);
    }

    /// The caller's account.
    pub fn account(&self) -> &str {
        &self.caller.account
    }

    /// The caller's region.
    pub fn region_name(&self) -> &str {
        &self.caller.region
    }
}

/// The wall-clock time (ISO 8601, milliseconds, UTC) of emulator instant `at_ms`, given
/// that the emulator clock reads `now_ms` now. The SDK parses this `DateTime` format.
pub fn iso_time(now_ms: u64, at_ms: u64) -> String {
    let wall = time::OffsetDateTime::now_utc()
        - time::Duration::milliseconds(now_ms as i64 - at_ms as i64);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        wall.year(),
        wall.month() as u8,
        wall.day(),
        wall.hour(),
        wall.minute(),
        wall.second(),
        wall.millisecond()
    )
}

fn dispatch(st: &mut State, cx: &Ctx) -> R<Xml> {
    match cx.action {
        "CreateVpc" => vpc::create_vpc(st, cx),
        "DescribeVpcs" => vpc::describe_vpcs(st, cx),
        "DeleteVpc" => vpc::delete_vpc(st, cx),
        "AssociateVpcCidrBlock" => vpc::associate_cidr(st, cx),
        "DisassociateVpcCidrBlock" => vpc::disassociate_cidr(st, cx),
        "ModifyVpcAttribute" => vpc::modify_attribute(st, cx),
        "DescribeVpcAttribute" => vpc::describe_attribute(st, cx),
        "CreateSubnet" => vpc::create_subnet(st, cx),
        "DescribeSubnets" => vpc::describe_subnets(st, cx),
        "DeleteSubnet" => vpc::delete_subnet(st, cx),
        "CreateRouteTable" => route_table::create(st, cx),
        "DescribeRouteTables" => route_table::describe(st, cx),
        "DeleteRouteTable" => route_table::delete(st, cx),
        "AssociateRouteTable" => route_table::associate(st, cx),
        "DisassociateRouteTable" => route_table::disassociate(st, cx),
        "CreateRoute" => route_table::create_route(st, cx),
        "ReplaceRoute" => route_table::replace_route(st, cx),
        "DeleteRoute" => route_table::delete_route(st, cx),
        "EnableVgwRoutePropagation" => route_table::enable_propagation(st, cx),
        "DisableVgwRoutePropagation" => route_table::disable_propagation(st, cx),
        "CreateCustomerGateway" => customer_gateway::create(st, cx),
        "DescribeCustomerGateways" => customer_gateway::describe(st, cx),
        "DeleteCustomerGateway" => customer_gateway::delete(st, cx),
        "CreateVpnGateway" => vpn_gateway::create(st, cx),
        "DescribeVpnGateways" => vpn_gateway::describe(st, cx),
        "DeleteVpnGateway" => vpn_gateway::delete(st, cx),
        "AttachVpnGateway" => vpn_gateway::attach(st, cx),
        "DetachVpnGateway" => vpn_gateway::detach(st, cx),
        "CreateVpnConnection" => vpn_connection::create(st, cx),
        "DescribeVpnConnections" => vpn_connection::describe(st, cx),
        "DeleteVpnConnection" => vpn_connection::delete(st, cx),
        "CreateVpnConnectionRoute" => vpn_connection::create_route(st, cx),
        "DeleteVpnConnectionRoute" => vpn_connection::delete_route(st, cx),
        "ModifyVpnTunnelOptions" => vpn_connection::modify_tunnel(st, cx),
        "ModifyVpnConnectionOptions" => vpn_connection::modify_options(st, cx),
        "GetVpnConnectionDeviceTypes" => vpn_device::device_types(st, cx),
        "GetVpnConnectionDeviceSampleConfiguration" => vpn_device::sample_configuration(st, cx),
        "CreateVpcPeeringConnection" => peering::create(st, cx),
        "AcceptVpcPeeringConnection" => peering::accept(st, cx),
        "RejectVpcPeeringConnection" => peering::reject(st, cx),
        "DeleteVpcPeeringConnection" => peering::delete(st, cx),
        "DescribeVpcPeeringConnections" => peering::describe(st, cx),
        "ModifyVpcPeeringConnectionOptions" => peering::modify_options(st, cx),
        "CreateTransitGateway" => transit_gateway::create(st, cx),
        "DescribeTransitGateways" => transit_gateway::describe(st, cx),
        "DeleteTransitGateway" => transit_gateway::delete(st, cx),
        "CreateTransitGatewayVpcAttachment" => transit_gateway::create_vpc_attachment(st, cx),
        "DescribeTransitGatewayAttachments" => transit_gateway::describe_attachments(st, cx),
        "DescribeTransitGatewayVpcAttachments" => transit_gateway::describe_vpc_attachments(st, cx),
        "DeleteTransitGatewayVpcAttachment" => transit_gateway::delete_vpc_attachment(st, cx),
        "CreateSecurityGroup" => security_group::create(st, cx),
        "DescribeSecurityGroups" => security_group::describe(st, cx),
        "DeleteSecurityGroup" => security_group::delete(st, cx),
        "AuthorizeSecurityGroupIngress" => security_group::authorize_ingress(st, cx),
        "RevokeSecurityGroupIngress" => security_group::revoke_ingress(st, cx),
        "CreateVpcEndpoint" => vpc_endpoint::create(st, cx),
        "DescribeVpcEndpoints" => vpc_endpoint::describe(st, cx),
        "ModifyVpcEndpoint" => vpc_endpoint::modify(st, cx),
        "DeleteVpcEndpoints" => vpc_endpoint::delete(st, cx),
        "DescribeVpcEndpointServices" => vpc_endpoint::describe_services(st, cx),
        "CreateTags" => tags::create_tags(st, cx),
        "DeleteTags" => tags::delete_tags(st, cx),
        "DescribeTags" => tags::describe_tags(st, cx),
        "GetCallerIdentity" => sts::get_caller_identity(st, cx),
        "AssumeRole" => sts::assume_role(st, cx),
        "" => Err(Ec2Error::missing("Action")),
        other => Err(Ec2Error::new(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}

fn is_sts(action: &str) -> bool {
    matches!(action, "GetCallerIdentity" | "AssumeRole")
}

/// Renders an injected fault in the EC2 (or STS) error form.
fn render_fault(f: Injected, sts: bool) -> Response {
    let e = match f {
        // EC2 API reference, "Error codes": RequestLimitExceeded is the throttling code and
        // the SDKs classify it as throttling; sent as 503 like other throttles.
        Injected::Throttle { .. } => {
            Ec2Error::new("RequestLimitExceeded", "Request limit exceeded.").with_status(503)
        }
        Injected::ServerError => Ec2Error::new(
            "InternalError",
            "An internal error has occurred. Try again later.",
        )
        .with_status(500),
        Injected::Error {
            status,
            code,
            message,
        } => Ec2Error::new(&code, message).with_status(status),
        Injected::Drop => {
            // A Content-Length that the body never delivers: hyper aborts the connection
            // mid-response, so the client sees a dropped connection, not an HTTP status.
            return Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/xml")
                .header(header::CONTENT_LENGTH, "4096")
                .body(Body::from("<"))
                .unwrap();
        }
    };
    if sts {
        e.render_sts()
    } else {
        e.render_ec2()
    }
}

/// Handles one EC2/STS query request.
pub async fn handle(AxState(emu): AxState<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let q = match Query::parse(&body) {
        Ok(q) => q,
        Err(e) => return e.render_ec2(),
    };
    let action = q.get("Action").unwrap_or_default().to_string();
    let sts = is_sts(&action);
    // STS shares the endpoint and is counted and fault-injected as cloud `ec2`.
    emu.observe.count("ec2", &action);
    if let Some(f) = emu.faults.apply("ec2", &action).await {
        return render_fault(f, sts);
    }
    let caller = accounts::caller(&headers);
    let result = {
        let mut st = emu.ec2.lock().unwrap();
        let now = emu.clock.now_ms();
        vpn_connection::sync_links(&mut st, &emu.links, now);
        let cx = Ctx {
            emu: &emu,
            caller,
            now,
            q,
            action: &action,
        };
        let r = dispatch(&mut st, &cx);
        vpn_connection::sync_links(&mut st, &emu.links, now);
        r
    };
    match result {
        Ok(x) => {
            let id = uuid::Uuid::new_v4().to_string();
            let body = if sts {
                xml::sts_body(&action, &id, &x)
            } else {
                xml::ec2_body(&action, &id, &x)
            };
            errors::xml_response_with_id(200, &id, body)
        }
        Err(e) if sts => e.render_sts(),
        Err(e) => e.render_ec2(),
    }
}

/// Creates fixture infrastructure, available at once. Spec:
/// `{"vpcs": [{"account", "region", "cidr", "extra_cidrs", "name", "route_tables", "subnets"}],
///   "transit_gateways": [{"account", "region", "amazon_side_asn", "name"}]}`; returns
/// `{"vpcs": [{"id", "account", "region", "main_route_table_id", "route_table_ids",
///   "subnet_ids"}], "transit_gateways": [{"id"}], "peerings": [{"id"}]}`; `"peerings":
/// [{"requester_vpc", "accepter_vpc"}]` creates active peerings between fixture VPCs (a
/// VPC's existing peerings, for the per-VPC peering quota).
pub fn fixtures(emu: &Emulator, spec: &Value) -> Result<Value, String> {
    let mut st = emu.ec2.lock().unwrap();
    let str_of =
        |v: &Value, k: &str, d: &str| v.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
    let mut vpcs_out = Vec::new();
    for v in spec
        .get("vpcs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let account = str_of(&v, "account", accounts::DEFAULT_ACCOUNT);
        let region = str_of(&v, "region", accounts::DEFAULT_REGION);
        let cidr = str_of(&v, "cidr", "10.0.0.0/16");
        let mut tags = tags::Tags::new();
        if let Some(n) = v.get("name").and_then(Value::as_str) {
            tags.insert("Name".into(), n.into());
        }
        let extra: Vec<String> = v
            .get("extra_cidrs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let (vpc_id, main_rtb) = vpc::insert_vpc(&mut st, &account, &region, &cidr, &extra, tags)
            .map_err(|e| e.message)?;
        let mut rtbs = Vec::new();
        for _ in 0..v.get("route_tables").and_then(Value::as_u64).unwrap_or(0) {
            rtbs.push(route_table::insert(
                &mut st,
                &account,
                &region,
                &vpc_id,
                false,
                tags::Tags::new(),
            ));
        }
        let mut subnets = Vec::new();
        for s in v
            .get("subnets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let c = s.as_str().ok_or("subnets must be CIDR strings")?;
            subnets.push(
                vpc::insert_subnet(
                    &mut st,
                    &account,
                    &region,
                    &vpc_id,
                    c,
                    None,
                    tags::Tags::new(),
                )
                .map_err(|e| e.message)?,
            );
        }
        vpcs_out.push(json!({
            "id": vpc_id, "account": account, "region": region, "main_route_table_id": main_rtb,
            "route_table_ids": rtbs, "subnet_ids": subnets,
        }));
    }
    let mut tgws_out = Vec::new();
    for t in spec
        .get("transit_gateways")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let account = str_of(&t, "account", accounts::DEFAULT_ACCOUNT);
        let region = str_of(&t, "region", accounts::DEFAULT_REGION);
        let asn = t
            .get("amazon_side_asn")
            .and_then(Value::as_u64)
            .unwrap_or(64512);
        let mut tags = tags::Tags::new();
        if let Some(n) = t.get("name").and_then(Value::as_str) {
            tags.insert("Name".into(), n.into());
        }
        let id = transit_gateway::insert(&mut st, &account, &region, asn, tags, 0)
            .map_err(|e| e.message)?;
        tgws_out.push(json!({"id": id}));
    }
    let mut pcx_out = Vec::new();
    for p in spec
        .get("peerings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let ends = ["requester_vpc", "accepter_vpc"].map(|k| str_of(&p, k, ""));
        let [requester, accepter] = ends.map(|vpc| peering_end(&st, &vpc));
        let (requester, accepter) = (requester?, accepter?);
        let id = st.id("pcx");
        st.peerings.insert(
            id.clone(),
            peering::Peering {
                id: id.clone(),
                requester,
                accepter,
                phase: Phase::settled("active"),
                actor: None,
                created_ms: 0,
                tags: tags::Tags::new(),
            },
        );
        pcx_out.push(json!({"id": id}));
    }
    Ok(json!({"vpcs": vpcs_out, "transit_gateways": tgws_out, "peerings": pcx_out}))
}

/// One end of a fixture peering: the VPC `vpc` wherever it lives.
fn peering_end(st: &State, vpc: &str) -> Result<peering::Side, String> {
    st.regions
        .iter()
        .find_map(|((account, region), r)| {
            r.vpcs.get(vpc).map(|v| peering::Side {
                account: account.clone(),
                region: region.clone(),
                vpc_id: vpc.to_string(),
                cidrs: v.cidr_strings(),
                allow_dns: false,
            })
        })
        .ok_or_else(|| format!("peering fixture: no VPC {vpc:?}"))
}
