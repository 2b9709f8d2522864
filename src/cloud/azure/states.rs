//! What an ARM state string means to a waiter, as data: each object kind declares its
//! [`ProvisioningStates`] beside its finder, and this file is the one place that spells
//! the terminal states (`Succeeded`, `Failed`, `Canceled`) and compares a state with them.
//! The status of an asynchronous operation (`Azure-AsyncOperation`) uses the same words, so
//! the operation poller classifies through [`OPERATION_STATES`] too.

/// The state every successful ARM write ends in.
pub const SUCCEEDED: &str = "Succeeded";

/// The terminal failure states (both spellings of cancelled occur on the wire).
pub const FAILED: &[&str] = &["Failed", "Canceled", "Cancelled"];

/// The state of an object ARM is deleting: no create or update runs on it any more.
pub const DELETING: &str = "Deleting";

/// What a state means to a waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateClass {
    /// The target state: the write is done.
    Ready,
    /// A terminal failure: waiting longer will not help.
    Failed,
    /// A listed pending state: an operation is running.
    Pending,
    /// A state the kind does not list (ARM's enums are open, e.g. `Deleting` while a
    /// create-waiter runs): waited on like a pending one, but reported as unexpected.
    Unlisted,
}

/// The provisioning states of one object kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvisioningStates {
    /// States in which an operation is still running on the object.
    pub pending: &'static [&'static str],
    /// The state a successful create or update ends in.
    pub target: &'static str,
    /// States in which the operation has failed for good.
    pub failed: &'static [&'static str],
}

/// The states of a `Microsoft.Network` object (`ProvisioningState` in the 2024-03-01
/// swagger: `Succeeded`, `Updating`, `Deleting`, `Failed`; `Creating` and `Accepted` are
/// seen from the gateway and connection services before the first `Updating`).
pub const NETWORK_STATES: ProvisioningStates = ProvisioningStates {
    pending: &["Updating", "Creating", "Accepted"],
    target: SUCCEEDED,
    failed: FAILED,
};

/// The `status` of an `Azure-AsyncOperation` monitor (ARM's async operation contract:
/// `InProgress` until a terminal `Succeeded`, `Failed` or `Canceled`).
pub const OPERATION_STATES: ProvisioningStates = ProvisioningStates {
    pending: &["InProgress"],
    target: SUCCEEDED,
    failed: FAILED,
};

impl ProvisioningStates {
    /// Classifies `state` (ARM compares these case-insensitively).
    pub fn classify(&self, state: &str) -> StateClass {
        let is = |s: &&str| s.eq_ignore_ascii_case(state);
        if is(&self.target) {
            StateClass::Ready
        } else if self.failed.iter().any(is) {
            StateClass::Failed
        } else if self.pending.iter().any(is) {
            StateClass::Pending
        } else {
            StateClass::Unlisted
        }
    }

    /// Whether `state` is the target state.
    pub fn is_target(&self, state: &str) -> bool {
        self.classify(state) == StateClass::Ready
    }

    /// Whether an operation still runs in `state` (a listed pending state).
    pub fn is_running(&self, state: &str) -> bool {
        self.classify(state) == StateClass::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_classified_case_insensitively() {
        let s = NETWORK_STATES;
        assert_eq!(s.classify("succeeded"), StateClass::Ready);
        assert_eq!(s.classify("Canceled"), StateClass::Failed);
        assert_eq!(s.classify("Creating"), StateClass::Pending);
        assert_eq!(s.classify("Deleting"), StateClass::Unlisted);
        assert!(s.is_running("Updating") && !s.is_running("Deleting"));
        assert!(OPERATION_STATES.is_running("InProgress"));
        assert!(OPERATION_STATES.is_target("Succeeded"));
    }
}
