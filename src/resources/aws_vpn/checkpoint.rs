//! The AWS ids and tunnel facts a run has learnt so far: each step records its object's id
//! as soon as it exists, so a failed or interrupted run leaves a state that names it. An
//! empty string means "not created (yet)" or "gone". The resource keeps this inside its own
//! checkpoint (one lock, one state value) and writes it to state in its own attribute names.

/// What one AWS tunnel looks like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTunnelFacts {
    /// The VPN connection carrying it.
    pub vpn_connection_id: String,
    /// AWS endpoint IP.
    pub outside_ip: String,
    /// Inside /30.
    pub inside_cidr: String,
    /// AWS inside address (BGP peer).
    pub aws_bgp_address: String,
    /// The peer's inside address.
    pub peer_bgp_address: String,
    /// AWS telemetry status (`UP`/`DOWN`); empty until a status check ran.
    pub status: String,
}

/// The AWS objects created or adopted so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsCheckpoint {
    /// Virtual private gateway (empty with a transit gateway).
    pub vpn_gateway_id: String,
    /// Customer gateways, one per VPN connection.
    pub customer_gateway_ids: Vec<String>,
    /// VPN connections.
    pub vpn_connection_ids: Vec<String>,
    /// Per-tunnel facts, in tunnel order.
    pub tunnels: Vec<AwsTunnelFacts>,
    /// The Amazon-side ASN the peer peers with (the VGW's, or the transit gateway's).
    pub amazon_side_asn: i64,
}

impl AwsCheckpoint {
    /// Whether no AWS object is recorded.
    pub fn is_empty(&self) -> bool {
        let none = |v: &[String]| v.iter().all(String::is_empty);
        self.vpn_gateway_id.is_empty()
            && none(&self.customer_gateway_ids)
            && none(&self.vpn_connection_ids)
    }
}
