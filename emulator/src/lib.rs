//! cloudlink-emulator: a local stand-in for the AWS EC2 query API and the Azure Resource
//! Manager network API, faithful enough that the real SDK clients cannot tell the difference.
//!
//! One process serves both clouds on one loopback port:
//! - `POST /` (form-encoded, `Action=...`): EC2 and STS query API ([`ec2`]);
//! - `/{tenant}/oauth2/v2.0/token` and `/subscriptions/...`: Entra ID + ARM ([`arm`]);
//! - `/_emulator/...`: the admin API ([`admin`]): dump, reset, counters, timeline, faults, fixtures,
//!   simulated peer devices of site VPNs.

pub mod admin;
pub mod arm;
pub mod clock;
pub mod ec2;
pub mod faults;
pub mod links;
pub mod observe;
pub mod peer_device;
pub mod profile;
pub mod server;

use std::sync::{Arc, Mutex};

/// Everything one emulator process holds; shared by every request handler.
pub struct Emulator {
    /// EC2 + STS state for every account and region.
    pub ec2: Mutex<ec2::State>,
    /// ARM state for every subscription.
    pub arm: Mutex<arm::State>,
    /// What each cloud publishes about its VPN endpoints, so the other side can tell whether
    /// a tunnel would come up.
    pub links: Mutex<links::Registry>,
    /// Injected faults and the seeded random source that drives them.
    pub faults: faults::Faults,
    /// Call counters and the timeline of long operations.
    pub observe: observe::Observer,
    /// Latencies per operation (already multiplied by the time scale).
    pub profile: profile::Profile,
    /// Monotonic clock shared by all pending-state transitions.
    pub clock: clock::Clock,
    /// Seed for deterministic ids, keys and addresses.
    pub seed: u64,
}

/// Shared handle passed to the axum routers.
pub type Shared = Arc<Emulator>;

impl Emulator {
    /// Builds an empty emulator with the given latency profile and seed.
    pub fn new(profile: profile::Profile, seed: u64) -> Self {
        Emulator {
            ec2: Mutex::new(ec2::State::new(seed)),
            arm: Mutex::new(arm::State::new(seed)),
            links: Mutex::new(links::Registry::default()),
            faults: faults::Faults::new(seed),
            observe: observe::Observer::default(),
            profile,
            clock: clock::Clock::new(),
            seed,
        }
    }

    /// Forgets every resource, fault, counter and timeline entry (admin `reset`); keeps the
    /// settings (Azure client secret, `reference_style_full`).
    pub fn reset(&self) {
        let mut ec2 = self.ec2.lock().unwrap();
        let quotas = ec2.quotas;
        *ec2 = ec2::State::new(self.seed);
        ec2.quotas = quotas;
        drop(ec2);
        let mut arm = self.arm.lock().unwrap();
        // Settings chosen at start-up or through `POST /_emulator/config` survive a reset.
        let secret = std::mem::take(&mut arm.client_secret);
        let reference_style_full = arm.reference_style_full;
        *arm = arm::State::new(self.seed);
        arm.client_secret = secret;
        arm.reference_style_full = reference_style_full;
        drop(arm);
        *self.links.lock().unwrap() = links::Registry::default();
        self.faults.clear();
        self.observe.clear();
    }
}
