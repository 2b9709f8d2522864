//! The checkpoint: every sub-resource id and fact the steps learn, updated by each step right
//! after each cloud object exists, and its conversion to and from the Terraform state value.
//! An empty string means "not created (yet)" or "gone".

use super::names;
use super::topology::Desired;
use crate::resources::aws_vpn::checkpoint::{AwsCheckpoint, AwsTunnelFacts};
use crate::resources::{claim, default_tags};
use crate::tf::Value;
use std::collections::BTreeMap;

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
    /// The private services' AWS objects (security group, endpoints, their DNS names).
    pub private: PrivateServicesCheckpoint,
}

/// The AWS objects of `aws.private_services`, recorded as each exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateServicesCheckpoint {
    /// The security group of the endpoints (empty: none).
    pub security_group_id: String,
    /// The interface endpoint of each service.
    pub endpoint_ids: BTreeMap<String, String>,
    /// The endpoint-specific DNS names of each service's endpoint.
    pub dns: BTreeMap<String, Vec<String>>,
}

impl PrivateServicesCheckpoint {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.security_group_id.is_empty() && self.endpoint_ids.is_empty()
    }

    fn from_state(v: &Value) -> PrivateServicesCheckpoint {
        let map = |x: &Value| x.as_map().cloned().unwrap_or_default();
        PrivateServicesCheckpoint {
            security_group_id: string(
                v.attr(names::AWS)
                    .attr(names::aws::PRIVATE_SERVICE_SECURITY_GROUP_ID),
            ),
            endpoint_ids: map(v
                .attr(names::AWS)
                .attr(names::aws::PRIVATE_SERVICE_ENDPOINT_IDS))
            .iter()
            .map(|(k, x)| (k.clone(), string(x)))
            .filter(|(_, id)| !id.is_empty())
            .collect(),
            dns: map(v.attr(names::PRIVATE_SERVICE_DNS))
                .iter()
                .map(|(k, x)| (k.clone(), strings(x)))
                .collect(),
        }
    }
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
        let aws = v.attr(names::AWS);
        let az = v.attr(names::AZURE);
        let i = d.instances();
        let n = d.tunnels;
        Checkpoint {
            claim: string(v.attr(claim::ATTRIBUTE)),
            aws: AwsCheckpoint {
                vpn_gateway_id: string(aws.attr(names::aws::VPN_GATEWAY_ID)),
                customer_gateway_ids: sized(strings(aws.attr(names::aws::CUSTOMER_GATEWAY_IDS)), i),
                vpn_connection_ids: sized(strings(aws.attr(names::aws::VPN_CONNECTION_IDS)), i),
                tunnels: Vec::new(),
                amazon_side_asn: aws
                    .attr(names::aws::AMAZON_SIDE_ASN)
                    .as_i64()
                    .unwrap_or(d.amazon_side_asn),
            },
            gateway_subnet_id: string(az.attr(names::azure::GATEWAY_SUBNET_ID)),
            gateway_subnet_created: az
                .attr(names::azure::GATEWAY_SUBNET_CREATED)
                .as_bool()
                .unwrap_or(false),
            public_ip_ids: sized(strings(az.attr(names::azure::PUBLIC_IP_IDS)), i),
            public_ips: sized(strings(az.attr(names::azure::PUBLIC_IPS)), i),
            gateway_id: string(az.attr(names::azure::GATEWAY_ID)),
            local_gateway_ids: sized(strings(az.attr(names::azure::LOCAL_NETWORK_GATEWAY_IDS)), n),
            connection_ids: sized(strings(az.attr(names::azure::CONNECTION_IDS)), n),
            aws_cidrs: strings(v.attr(names::AWS_CIDRS)),
            azure_cidrs: strings(v.attr(names::AZURE_CIDRS)),
            azure_statuses: Vec::new(),
            consistent: v.attr(names::CONSISTENT).as_bool().unwrap_or(false),
            zones: strings(az.attr(names::azure::ZONES)),
            mismatches: Vec::new(),
            tag_drift: Vec::new(),
            gateway_user_tags: None,
            gateway_sku: String::new(),
            private: PrivateServicesCheckpoint::from_state(v),
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
            && self.private.is_empty()
    }

    /// The state value: `base` (planned or prior: configuration values) with every computed
    /// attribute set from the checkpoint. No unknowns remain.
    pub fn to_state(&self, base: &Value, d: &Desired) -> Value {
        let list = |v: &[String]| Value::string_list(v.iter().cloned());
        let mut aws = base.attr(names::AWS).clone();
        aws.set_attr(
            names::aws::AMAZON_SIDE_ASN,
            Value::int(self.aws.amazon_side_asn),
        );
        aws.set_attr(
            names::aws::VPN_GATEWAY_ID,
            Value::string(&self.aws.vpn_gateway_id),
        );
        aws.set_attr(
            names::aws::CUSTOMER_GATEWAY_IDS,
            list(&self.aws.customer_gateway_ids),
        );
        aws.set_attr(
            names::aws::VPN_CONNECTION_IDS,
            list(&self.aws.vpn_connection_ids),
        );
        aws.set_attr(
            names::aws::PRIVATE_SERVICE_SECURITY_GROUP_ID,
            Value::string(&self.private.security_group_id),
        );
        aws.set_attr(
            names::aws::PRIVATE_SERVICE_ENDPOINT_IDS,
            Value::map(
                self.private
                    .endpoint_ids
                    .iter()
                    .map(|(k, id)| (k.clone(), Value::string(id))),
            ),
        );
        let mut az = base.attr(names::AZURE).clone();
        az.set_attr(names::azure::ZONES, list(&self.zones));
        az.set_attr(
            names::azure::GATEWAY_SUBNET_ID,
            Value::string(&self.gateway_subnet_id),
        );
        az.set_attr(
            names::azure::GATEWAY_SUBNET_CREATED,
            Value::bool(self.gateway_subnet_created),
        );
        az.set_attr(names::azure::PUBLIC_IP_IDS, list(&self.public_ip_ids));
        az.set_attr(names::azure::PUBLIC_IPS, list(&self.public_ips));
        az.set_attr(names::azure::GATEWAY_ID, Value::string(&self.gateway_id));
        az.set_attr(
            names::azure::LOCAL_NETWORK_GATEWAY_IDS,
            list(&self.local_gateway_ids),
        );
        az.set_attr(names::azure::CONNECTION_IDS, list(&self.connection_ids));
        let tunnels: Vec<Value> = self
            .aws
            .tunnels
            .iter()
            .enumerate()
            .map(|(t, f)| {
                let azure_status = self.azure_statuses.get(t).cloned().unwrap_or_default();
                Value::object([
                    (names::tunnel_details::NUMBER, Value::int(t as i64 + 1)),
                    (
                        names::tunnel_details::AWS_VPN_CONNECTION_ID,
                        Value::string(&f.vpn_connection_id),
                    ),
                    (
                        names::tunnel_details::OUTSIDE_IP,
                        Value::string(&f.outside_ip),
                    ),
                    (
                        names::tunnel_details::INSIDE_CIDR,
                        Value::string(&f.inside_cidr),
                    ),
                    (
                        names::tunnel_details::AWS_BGP_ADDRESS,
                        Value::string(&f.aws_bgp_address),
                    ),
                    (
                        names::tunnel_details::AZURE_BGP_ADDRESS,
                        Value::string(&f.peer_bgp_address),
                    ),
                    (names::tunnel_details::AWS_STATUS, Value::string(&f.status)),
                    (
                        names::tunnel_details::AZURE_STATUS,
                        Value::string(azure_status),
                    ),
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
        out.set_attr(names::ID, Value::string(d.id()));
        out.set_attr(claim::ATTRIBUTE, Value::string(&self.claim));
        out.set_attr(names::AWS, aws);
        out.set_attr(names::AZURE, az);
        out.set_attr(
            names::AWS_CIDRS,
            keep_or(names::AWS_CIDRS, list(&self.aws_cidrs)),
        );
        out.set_attr(
            names::AZURE_CIDRS,
            keep_or(names::AZURE_CIDRS, list(&self.azure_cidrs)),
        );
        out.set_attr(
            names::TUNNEL_INSIDE_CIDRS,
            keep_or(names::TUNNEL_INSIDE_CIDRS, list(&d.inside_cidrs)),
        );
        out.set_attr(names::TAGS_ALL, default_tags::tags_value(&d.tags));
        out.set_attr(names::TUNNEL_DETAILS, Value::list(tunnels));
        out.set_attr(names::CONSISTENT, Value::bool(self.consistent));
        out.set_attr(
            names::PRIVATE_SERVICE_DNS,
            Value::map(
                self.private
                    .dns
                    .iter()
                    .map(|(k, names)| (k.clone(), list(names))),
            ),
        );
        out
    }
}
