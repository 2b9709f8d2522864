//! Observation: counters of calls per cloud and action, and a timeline of long operations
//! (start and completion on the emulator clock), so tests assert on what overlapped and in
//! what order instead of on wall seconds.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One long operation as seen by the emulator.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// `ec2` or `arm`.
    pub cloud: String,
    /// The API action (`CreateVpnConnection`, `PUT virtualNetworkGateways`, ...).
    pub action: String,
    /// The resource id the operation is about.
    pub resource: String,
    /// When the request arrived (ms since emulator start).
    pub start_ms: u64,
    /// When the resource reached its target state (ms since emulator start).
    pub end_ms: u64,
}

/// Counters and timeline, behind one lock each.
#[derive(Default)]
pub struct Observer {
    counters: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    timeline: Mutex<Vec<TimelineEntry>>,
}

impl Observer {
    /// Counts one call of `action` on `cloud`.
    pub fn count(&self, cloud: &str, action: &str) {
        let mut c = self.counters.lock().unwrap();
        *c.entry(cloud.to_string())
            .or_default()
            .entry(action.to_string())
            .or_default() += 1;
    }

    /// Records a long operation from `start_ms` to `end_ms`.
    pub fn record(&self, cloud: &str, action: &str, resource: &str, start_ms: u64, end_ms: u64) {
        self.timeline.lock().unwrap().push(TimelineEntry {
            cloud: cloud.to_string(),
            action: action.to_string(),
            resource: resource.to_string(),
            start_ms,
            end_ms,
        });
    }

    /// A copy of the counters: cloud -> action -> calls.
    pub fn counters(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.counters.lock().unwrap().clone()
    }

    /// A copy of the timeline in arrival order.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.timeline.lock().unwrap().clone()
    }

    /// Forgets counters and timeline.
    pub fn clear(&self) {
        self.counters.lock().unwrap().clear();
        self.timeline.lock().unwrap().clear();
    }
}
