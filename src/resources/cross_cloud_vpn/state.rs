//! The checkpoint: every sub-resource id and fact the steps learn, updated by each step right
//! after each cloud object exists, and its conversion to and from the Terraform state value.
//! An empty string means "not created (yet)" or "gone".

use super::topology::Desired;
use crate::resources::aws_vpn::checkpoint::{AwsCheckpoint, AwsTunnelFacts};
use crate::resources::{claim, default_tags};
use crate::tf::Value;

/// What one tunnel looks like from both clouds: the AWS facts and the Azure connection's
/// status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TunnelFacts {
    /// What AWS says (its `peer_bgp_address` is the Azure inside address).
    pub aws: AwsTunnelFacts,
    /// Azure connection status.
    pub azure_status: String,
}

/// Everything created so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The claim of the state that owns the link (see `resources::claim`); empty in a state
    /// written before claims existed.
    pub claim: String,
    /// The AWS half: VGW, customer gateways and VPN connections per instance, the AWS facts
    /// of every tunnel and the Amazon-side ASN (see `aws_vpn::checkpoint`).
    pub aws: AwsCheckpoint,
    /// GatewaySubnet.
    pub gateway_subnet_id: String,
    /// Whether we created the GatewaySubnet.
    pub gateway_subnet_created: bool,
    /// Public IP ids per instance.
    pub public_ip_ids: Vec<String>,
    /// Public IP addresses per instance.
    pub public_ips: Vec<String>,
    /// Virtual network gateway.
    pub gateway_id: String,
    /// Local network gateways per tunnel.
    pub local_gateway_ids: Vec<String>,
    /// Connections per tunnel.
    pub connection_ids: Vec<String>,
    /// Resolved AWS prefixes.
    pub aws_cidrs: Vec<String>,
    /// Resolved Azure prefixes.
    pub azure_cidrs: Vec<String>,
    /// Azure connection status per tunnel (beside `aws.tunnels`).
    pub azure_statuses: Vec<String>,
    /// Both clouds agree.
    pub consistent: bool,
    /// Availability zones of the public IPs (resolved).
    pub zones: Vec<String>,
    /// What the clouds disagree on (empty when `consistent`); not stored in state.
    pub mismatches: Vec<String>,
    /// The SKU Azure runs the gateway with (read at refresh); not stored in state.
    pub gateway_sku: String,
    /// The user tags of the gateway (read at refresh, `None` when it is not ours or gone);
    /// not stored in state.
    pub gateway_user_tags: Option<std::collections::BTreeMap<String, String>>,
    /// Sub-resources whose tags differ from what cloudlink stamps, with the user tags each
    /// carries (read at refresh); not stored in state.
    pub tag_drift: Vec<(String, std::collections::BTreeMap<String, String>)>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .map(|l| {
            l.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Pads or cuts `v` to `n` entries.
pub fn sized(mut v: Vec<String>, n: usize) -> Vec<String> {
    v.resize(n, String::new());
    v
}

impl Checkpoint {
    /// An empty checkpoint sized for `d`.
    pub fn empty(d: &Desired) -> Checkpoint {
        let i = d.instances();
        Checkpoint {
            zones: d.zones.clone().unwrap_or_default(),
            aws: AwsCheckpoint {
                amazon_side_asn: d.amazon_side_asn,
                customer_gateway_ids: sized(vec![], i),
                vpn_connection_ids: sized(vec![], i),
                ..Default::default()
            },
            public_ip_ids: sized(vec![], i),
            public_ips: sized(vec![], i),
            local_gateway_ids: sized(vec![], d.tunnels),
            connection_ids: sized(vec![], d.tunnels),
            ..Default::default()
        }
    }

    /// Reads the ids recorded in a state value (sized for `d`).
    pub fn from_state(v: &Value, d: &Desired) -> Checkpoint {
        let aws = v.attr("aws");
        let az = v.attr("azure");
        let i = d.instances();
        let n = d.tunnels;
        Checkpoint {
            claim: string(v.attr(claim::ATTRIBUTE)),
            aws: AwsCheckpoint {
                vpn_gateway_id: string(aws.attr("vpn_gateway_id")),
                customer_gateway_ids: sized(strings(aws.attr("customer_gateway_ids")), i),
                vpn_connection_ids: sized(strings(aws.attr("vpn_connection_ids")), i),
                tunnels: Vec::new(),
                amazon_side_asn: aws
                    .attr("amazon_side_asn")
                    .as_i64()
                    .unwrap_or(d.amazon_side_asn),
            },
            gateway_subnet_id: string(az.attr("gateway_subnet_id")),
            gateway_subnet_created: az.attr("gateway_subnet_created").as_bool().unwrap_or(false),
            public_ip_ids: sized(strings(az.attr("public_ip_ids")), i),
            public_ips: sized(strings(az.attr("public_ips")), i),
            gateway_id: string(az.attr("gateway_id")),
            local_gateway_ids: sized(strings(az.attr("local_network_gateway_ids")), n),
            connection_ids: sized(strings(az.attr("connection_ids")), n),
            aws_cidrs: strings(v.attr("aws_cidrs")),
            azure_cidrs: strings(v.attr("azure_cidrs")),
            azure_statuses: Vec::new(),
            consistent: v.attr("consistent").as_bool().unwrap_or(false),
            zones: strings(az.attr("zones")),
            mismatches: Vec::new(),
            tag_drift: Vec::new(),
            gateway_user_tags: None,
            gateway_sku: String::new(),
        }
    }

    /// Whether nothing at all exists.
    pub fn is_empty(&self) -> bool {
        let none = |v: &[String]| v.iter().all(String::is_empty);
        self.aws.is_empty()
            && !self.gateway_subnet_created
            && none(&self.public_ip_ids)
            && self.gateway_id.is_empty()
            && none(&self.local_gateway_ids)
            && none(&self.connection_ids)
    }

    /// The state value: `base` (planned or prior: configuration values) with every computed
    /// attribute set from the checkpoint. No unknowns remain.
    pub fn to_state(&self, base: &Value, d: &Desired) -> Value {
        let list = |v: &[String]| Value::string_list(v.iter().cloned());
        let mut aws = base.attr("aws").clone();
        aws.set_attr("amazon_side_asn", Value::int(self.aws.amazon_side_asn));
        aws.set_attr("vpn_gateway_id", Value::string(&self.aws.vpn_gateway_id));
        aws.set_attr("customer_gateway_ids", list(&self.aws.customer_gateway_ids));
        aws.set_attr("vpn_connection_ids", list(&self.aws.vpn_connection_ids));
        let mut az = base.attr("azure").clone();
        az.set_attr("zones", list(&self.zones));
        az.set_attr("gateway_subnet_id", Value::string(&self.gateway_subnet_id));
        az.set_attr(
            "gateway_subnet_created",
            Value::bool(self.gateway_subnet_created),
        );
        az.set_attr("public_ip_ids", list(&self.public_ip_ids));
        az.set_attr("public_ips", list(&self.public_ips));
        az.set_attr("gateway_id", Value::string(&self.gateway_id));
        az.set_attr("local_network_gateway_ids", list(&self.local_gateway_ids));
        az.set_attr("connection_ids", list(&self.connection_ids));
        let tunnels: Vec<Value> = self
            .aws
            .tunnels
            .iter()
            .enumerate()
            .map(|(t, f)| {
                let azure_status = self.azure_statuses.get(t).cloned().unwrap_or_default();
                Value::object([
                    ("number", Value::int(t as i64 + 1)),
                    ("aws_vpn_connection_id", Value::string(&f.vpn_connection_id)),
                    ("outside_ip", Value::string(&f.outside_ip)),
                    ("inside_cidr", Value::string(&f.inside_cidr)),
                    ("aws_bgp_address", Value::string(&f.aws_bgp_address)),
                    ("azure_bgp_address", Value::string(&f.peer_bgp_address)),
                    ("aws_status", Value::string(&f.status)),
                    ("azure_status", Value::string(azure_status)),
                ])
            })
            .collect();
        let keep_or = |name: &str, fallback: Value| {
            let b = base.attr(name);
            if b.is_wholly_known() && !b.is_null() {
                b.clone()
            } else {
                fallback
            }
        };
        let mut out = base.clone();
        out.set_attr("id", Value::string(d.id()));
        out.set_attr(claim::ATTRIBUTE, Value::string(&self.claim));
        out.set_attr("aws", aws);
        out.set_attr("azure", az);
        out.set_attr("aws_cidrs", keep_or("aws_cidrs", list(&self.aws_cidrs)));
        out.set_attr(
            "azure_cidrs",
            keep_or("azure_cidrs", list(&self.azure_cidrs)),
        );
        out.set_attr(
            "tunnel_inside_cidrs",
            keep_or("tunnel_inside_cidrs", list(&d.inside_cidrs)),
        );
        out.set_attr("tags_all", default_tags::tags_value(&d.tags));
        out.set_attr("tunnel_details", Value::list(tunnels));
        out.set_attr("consistent", Value::bool(self.consistent));
        out
    }
}
