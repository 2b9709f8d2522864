//! The checkpoint of a site VPN (what exists so far: the AWS half's ids and tunnel facts, the
//! claim, the device configuration) and its round trip through the state value: each id in
//! its own computed attribute, the tunnels as a list in tunnel order, the device
//! configuration as AWS wrote it.

use super::names::{self, aws, tunnel};
use super::side::{Desired, TUNNELS};
use crate::resources::aws_vpn::checkpoint::AwsCheckpoint;
use crate::resources::{claim, default_tags};
use crate::tf::Value;

/// What a run knows of the site VPN.
#[derive(Clone, Default)]
pub struct Checkpoint {
    /// The claim of the state that owns the VPN.
    pub claim: String,
    /// The AWS half's ids and tunnel facts.
    pub aws: AwsCheckpoint,
    /// Telemetry status message per tunnel (beside `aws.tunnels`).
    pub status_messages: Vec<String>,
    /// The configuration for the device type, empty without one (sensitive: never logged).
    pub device_configuration: String,
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

impl Checkpoint {
    /// Nothing created yet, under `claim`.
    pub fn empty(claim: String) -> Checkpoint {
        Checkpoint {
            claim,
            aws: AwsCheckpoint {
                customer_gateway_ids: vec![String::new()],
                vpn_connection_ids: vec![String::new()],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// The ids recorded in a state value (tunnel facts are re-read from AWS).
    pub fn from_state(v: &Value, d: &Desired) -> Checkpoint {
        Checkpoint {
            claim: string(v.attr(claim::ATTRIBUTE)),
            aws: AwsCheckpoint {
                vpn_gateway_id: string(v.attr(names::VPN_GATEWAY_ID)),
                customer_gateway_ids: vec![string(v.attr(names::CUSTOMER_GATEWAY_ID))],
                vpn_connection_ids: vec![string(v.attr(names::VPN_CONNECTION_ID))],
                tunnels: Vec::new(),
                amazon_side_asn: v
                    .attr(names::AWS)
                    .attr(aws::AMAZON_SIDE_ASN)
                    .as_i64()
                    .unwrap_or(d.amazon_side_asn),
            },
            status_messages: Vec::new(),
            device_configuration: string(v.attr(names::DEVICE_CONFIGURATION)),
        }
    }

    /// Whether no AWS object is recorded.
    pub fn is_empty(&self) -> bool {
        self.aws.is_empty()
    }

    /// The VPN connection's id (empty until it exists).
    pub fn vpn_connection_id(&self) -> String {
        self.aws
            .vpn_connection_ids
            .first()
            .cloned()
            .unwrap_or_default()
    }

    /// The state value: `base` (planned or prior: the configuration's values) with every
    /// computed attribute set from the checkpoint. No unknowns remain.
    pub fn to_state(&self, base: &Value, d: &Desired) -> Value {
        let vpn = self.vpn_connection_id();
        let tunnels: Vec<Value> = (0..TUNNELS)
            .filter_map(|t| self.aws.tunnels.get(t).map(|f| (t, f)))
            .map(|(t, f)| {
                Value::object([
                    (tunnel::OUTSIDE_IP, Value::string(&f.outside_ip)),
                    (tunnel::INSIDE_CIDR, Value::string(&f.inside_cidr)),
                    (tunnel::AWS_BGP_ADDRESS, Value::string(&f.aws_bgp_address)),
                    (tunnel::PEER_BGP_ADDRESS, Value::string(&f.peer_bgp_address)),
                    (tunnel::STATUS, Value::string(&f.status)),
                    (
                        tunnel::STATUS_MESSAGE,
                        Value::string(self.status_messages.get(t).cloned().unwrap_or_default()),
                    ),
                ])
            })
            .collect();
        let mut a = base.attr(names::AWS).clone();
        a.set_attr(aws::AMAZON_SIDE_ASN, Value::int(self.aws.amazon_side_asn));
        let mut out = base.clone();
        out.set_attr(
            names::ID,
            Value::string(if vpn.is_empty() {
                d.name.clone()
            } else {
                vpn.clone()
            }),
        );
        out.set_attr(claim::ATTRIBUTE, Value::string(&self.claim));
        out.set_attr(names::AWS, a);
        out.set_attr(
            names::CUSTOMER_GATEWAY_ID,
            Value::string(
                self.aws
                    .customer_gateway_ids
                    .first()
                    .cloned()
                    .unwrap_or_default(),
            ),
        );
        out.set_attr(
            names::VPN_GATEWAY_ID,
            Value::string(&self.aws.vpn_gateway_id),
        );
        out.set_attr(names::VPN_CONNECTION_ID, Value::string(vpn));
        let cidrs = base.attr(names::TUNNEL_INSIDE_CIDRS);
        if !cidrs.is_wholly_known() || cidrs.is_null() {
            out.set_attr(
                names::TUNNEL_INSIDE_CIDRS,
                Value::string_list(d.inside_cidrs.iter().cloned()),
            );
        }
        out.set_attr(names::TAGS_ALL, default_tags::tags_value(&d.tags));
        out.set_attr(names::TUNNELS, Value::list(tunnels));
        out.set_attr(
            names::DEVICE_CONFIGURATION,
            Value::string(&self.device_configuration),
        );
        out
    }
}
