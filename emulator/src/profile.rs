//! Latency profiles: how long each emulated operation stays pending.
//!
//! `realistic` uses the magnitudes the clouds document; `fast` keeps every pending phase
//! short for unit tests. Both are multiplied by `--time-scale`, so a 40-minute gateway build
//! at scale 0.002 takes about 5 s.

use std::collections::HashMap;
use std::time::Duration;

/// Named operation kinds whose duration the profile decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// EC2 customer gateway pending -> available.
    CustomerGatewayCreate,
    /// EC2 virtual private gateway pending -> available.
    VpnGatewayCreate,
    /// EC2 VGW attaching -> attached.
    VpnGatewayAttach,
    /// EC2 VGW detaching -> detached.
    VpnGatewayDetach,
    /// EC2 VPN connection pending -> available.
    VpnConnectionCreate,
    /// EC2 VPN connection deleting -> deleted.
    VpnConnectionDelete,
    /// EC2 tunnel option change (the tunnel is briefly modifying).
    VpnTunnelModify,
    /// EC2 transit gateway pending -> available.
    TransitGatewayCreate,
    /// EC2 VPC endpoint pending -> available (create, or a change of its subnets).
    VpcEndpointCreate,
    /// EC2 VPC endpoint deleting -> deleted.
    VpcEndpointDelete,
    /// EC2 VPC peering initiating-request -> pending-acceptance.
    PeeringRequest,
    /// EC2 VPC peering provisioning -> active after accept.
    PeeringAccept,
    /// ARM public IP address create.
    PublicIpCreate,
    /// ARM subnet create/delete.
    SubnetWrite,
    /// ARM virtual network gateway create (the long pole).
    VirtualNetworkGatewayCreate,
    /// ARM virtual network gateway update (resize, BGP changes).
    VirtualNetworkGatewayUpdate,
    /// ARM virtual network gateway delete.
    VirtualNetworkGatewayDelete,
    /// ARM local network gateway create/update/delete.
    LocalNetworkGatewayWrite,
    /// ARM connection create/update/delete.
    ConnectionWrite,
    /// ARM shared-key set/reset.
    SharedKeyWrite,
    /// Any other ARM write (resource groups, vnets, public IP delete).
    ArmOtherWrite,
    /// Base latency of every HTTP response.
    Response,
}

/// The durations of every [`Op`], already scaled.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Profile name as given on the command line.
    pub name: String,
    /// The scale factor that was applied.
    pub time_scale: f64,
    durations: HashMap<Op, Duration>,
}

impl Profile {
    /// Looks a profile up by name (`fast` or `realistic`) and applies the time scale.
    pub fn named(name: &str, time_scale: f64) -> Result<Self, String> {
        let base: Vec<(Op, u64)> = match name {
            "fast" => fast(),
            "realistic" => realistic(),
            other => return Err(format!("unknown profile {other:?}: use fast or realistic")),
        };
        if !(time_scale > 0.0 && time_scale.is_finite()) {
            return Err(format!(
                "time scale must be a positive number, got {time_scale}"
            ));
        }
        let durations = base
            .into_iter()
            .map(|(op, ms)| (op, Duration::from_secs_f64(ms as f64 * time_scale / 1000.0)))
            .collect();
        Ok(Profile {
            name: name.to_string(),
            time_scale,
            durations,
        })
    }

    /// How long `op` takes under this profile.
    pub fn duration(&self, op: Op) -> Duration {
        self.durations.get(&op).copied().unwrap_or_default()
    }

    /// `duration(op)` in whole milliseconds, for deadlines on the emulator clock.
    pub fn ms(&self, op: Op) -> u64 {
        self.duration(op).as_millis() as u64
    }
}

const SEC: u64 = 1000;
const MIN: u64 = 60 * SEC;

/// Every pending phase lasts a few tens of milliseconds (before scaling).
fn fast() -> Vec<(Op, u64)> {
    use Op::*;
    [
        CustomerGatewayCreate,
        VpnGatewayCreate,
        VpnGatewayAttach,
        VpnGatewayDetach,
        VpnConnectionCreate,
        VpnConnectionDelete,
        VpnTunnelModify,
        TransitGatewayCreate,
        VpcEndpointCreate,
        VpcEndpointDelete,
        PeeringRequest,
        PeeringAccept,
        PublicIpCreate,
        SubnetWrite,
        VirtualNetworkGatewayCreate,
        VirtualNetworkGatewayUpdate,
        VirtualNetworkGatewayDelete,
        LocalNetworkGatewayWrite,
        ConnectionWrite,
        SharedKeyWrite,
        ArmOtherWrite,
    ]
    .into_iter()
    .map(|op| (op, 20))
    .chain([(Response, 0)])
    .collect()
}

/// The magnitudes the clouds document, before scaling.
fn realistic() -> Vec<(Op, u64)> {
    use Op::*;
    vec![
        // AWS: a customer gateway is available within seconds (observed in the console).
        (CustomerGatewayCreate, 5 * SEC),
        // AWS: a VGW becomes available in about a minute; attach takes a minute or two.
        (VpnGatewayCreate, 60 * SEC),
        (VpnGatewayAttach, 90 * SEC),
        (VpnGatewayDetach, 60 * SEC),
        // AWS Site-to-Site VPN user guide: "it can take up to 5-10 minutes" for a VPN
        // connection to become available.
        (VpnConnectionCreate, 6 * MIN),
        (VpnConnectionDelete, 2 * MIN),
        (VpnTunnelModify, 3 * MIN),
        (TransitGatewayCreate, 3 * MIN),
        // AWS PrivateLink: an interface endpoint is pending while its network interfaces are
        // made; AWS documents no figure (UNKNOWN), a minute or two is the emulator's choice.
        (VpcEndpointCreate, 90 * SEC),
        (VpcEndpointDelete, 60 * SEC),
        (PeeringRequest, 2 * SEC),
        (PeeringAccept, 5 * SEC),
        // Azure: Standard static public IPs get their address at once (a few seconds).
        (PublicIpCreate, 5 * SEC),
        (SubnetWrite, 5 * SEC),
        // learn.microsoft.com "About VPN Gateway configuration settings": "Creating a
        // gateway can often take 45 minutes or more".
        (VirtualNetworkGatewayCreate, 40 * MIN),
        (VirtualNetworkGatewayUpdate, 20 * MIN),
        (VirtualNetworkGatewayDelete, 15 * MIN),
        (LocalNetworkGatewayWrite, 30 * SEC),
        (ConnectionWrite, 2 * MIN),
        (SharedKeyWrite, 30 * SEC),
        (ArmOtherWrite, 5 * SEC),
        (Response, 50),
    ]
}
