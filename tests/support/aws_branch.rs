//! The AWS branch of a VPN create as the emulator saw it: when each long EC2 operation ran
//! (the timeline), when the provider learnt that it had finished (its first describe of that
//! kind of object afterwards, from the recorded exchanges) and the branch's own critical
//! path. The e2e tests assert on the order and overlap; `make bench` on the ratio.

use super::Emulator;
use cloudlink_emulator::observe::{Exchange, TimelineEntry};

/// When one long operation ran, on the emulator clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start (ms since the emulator started).
    pub start: u64,
    /// Completion (ms since the emulator started).
    pub end: u64,
}

impl Window {
    /// Its length in ms.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the two windows share some time.
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// The AWS branch of one create.
#[derive(Debug, Clone)]
pub struct AwsBranch {
    /// `CreateCustomerGateway` windows, in start order.
    pub customer_gateways: Vec<Window>,
    /// The `CreateVpnGateway` window.
    pub vpn_gateway: Window,
    /// The `AttachVpnGateway` window.
    pub attachment: Window,
    /// `CreateVpnConnection` windows (pending -> available), in start order.
    pub vpn_connections: Vec<Window>,
    /// When the route tables were changed (`EnableVgwRoutePropagation` / `CreateRoute`).
    pub route_calls: Vec<u64>,
    /// When the branch started: its first create call.
    pub start: u64,
    /// When the branch ended: the provider saw its last operation finish, or made its last
    /// route call.
    pub end: u64,
}

impl AwsBranch {
    /// Reads the branch from what `emu` recorded.
    pub fn of(emu: &Emulator) -> AwsBranch {
        let tl = emu.emu.observe.timeline();
        let ex = emu.emu.observe.exchanges();
        let windows = |action: &str| -> Vec<Window> {
            let mut w: Vec<Window> = tl
                .iter()
                .filter(|e: &&TimelineEntry| e.cloud == "ec2" && e.action == action)
                .map(|e| Window {
                    start: e.start_ms,
                    end: e.end_ms,
                })
                .collect();
            w.sort_by_key(|w| w.start);
            w
        };
        let one = |action: &str| {
            *windows(action)
                .first()
                .unwrap_or_else(|| panic!("no {action} in the timeline: {tl:?}"))
        };
        let customer_gateways = windows("CreateCustomerGateway");
        let vpn_gateway = one("CreateVpnGateway");
        let attachment = one("AttachVpnGateway");
        let vpn_connections = windows("CreateVpnConnection");
        let route_calls: Vec<u64> = ex
            .iter()
            .filter(|e| {
                matches!(
                    ec2_action(e),
                    Some("EnableVgwRoutePropagation") | Some("CreateRoute")
                )
            })
            .map(|e| e.at_ms)
            .collect();
        let seen = |w: &Window, describe: &str| -> u64 {
            ex.iter()
                .filter(|e| ec2_action(e) == Some(describe) && e.at_ms >= w.end)
                .map(|e| e.at_ms)
                .min()
                .unwrap_or(w.end)
        };
        let start = customer_gateways
            .iter()
            .chain([&vpn_gateway])
            .map(|w| w.start)
            .min()
            .unwrap();
        let end = vpn_connections
            .iter()
            .map(|w| seen(w, "DescribeVpnConnections"))
            .chain([seen(&attachment, "DescribeVpnGateways")])
            .chain(route_calls.iter().copied())
            .max()
            .unwrap();
        AwsBranch {
            customer_gateways,
            vpn_gateway,
            attachment,
            vpn_connections,
            route_calls,
            start,
            end,
        }
    }

    /// What nothing can beat: the VPN connections need the customer gateways and the
    /// virtual private gateway, the route tables its attachment, so the branch lasts at least
    /// the longer of (slower gateway + longest VPN connection) and (gateway + attachment).
    pub fn critical_path_ms(&self) -> u64 {
        let longest = |ws: &[Window]| ws.iter().map(Window::len).max().unwrap_or(0);
        let gateways = longest(&self.customer_gateways).max(self.vpn_gateway.len());
        (gateways + longest(&self.vpn_connections))
            .max(self.vpn_gateway.len() + self.attachment.len())
    }

    /// How long the branch took, first create to last observed completion.
    pub fn span_ms(&self) -> u64 {
        self.end - self.start
    }
}

/// The EC2 `Action` of a recorded exchange (`None`: not an EC2 query call).
pub fn ec2_action(e: &Exchange) -> Option<&str> {
    e.request_body
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
}

/// The branch ran as a graph: the `vpn_connections` VPN connections were created together
/// (their creates and pending -> available windows overlap), the first one before the
/// gateway's VPC attachment finished (rule AWS-VPN-ON-DETACHED-VGW), and the route tables
/// were changed only once the attachment had finished (rule AWS-RTB-IN-VPC).
pub fn assert_aws_branch_is_a_graph(b: &AwsBranch, vpn_connections: usize) {
    assert_eq!(b.vpn_connections.len(), vpn_connections, "{b:?}");
    for pair in b.vpn_connections.windows(2) {
        assert!(
            pair[0].overlaps(&pair[1]),
            "the VPN connections ran one after another: {b:?}"
        );
    }
    assert!(
        b.vpn_connections[0].start < b.attachment.end,
        "the first VPN connection waited for the VGW attachment: {b:?}"
    );
    assert!(
        b.vpn_connections[0].start >= b.vpn_gateway.end,
        "a VPN connection started before its VGW was available: {b:?}"
    );
    assert!(!b.route_calls.is_empty(), "no route table call: {b:?}");
    assert!(
        b.route_calls.iter().all(|t| *t >= b.attachment.end),
        "a route table call came before the VGW was attached: {b:?}"
    );
}
