//! The emulator's clock: milliseconds since start, used for pending-state deadlines and the
//! timeline. States are settled lazily: a resource stores when it becomes ready, and every
//! read compares that with `now_ms()`, so no background task is needed.

use std::time::Instant;

/// Monotonic milliseconds since the emulator started.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    /// Starts the clock now.
    pub fn new() -> Self {
        Clock {
            start: Instant::now(),
        }
    }

    /// Milliseconds elapsed since start.
    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}
