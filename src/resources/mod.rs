//! The resources cloudlink offers. Adding one means adding it to [`registry`]; the provider's
//! dispatch code never changes.

pub mod timeouts;

use crate::provider::Registry;

/// Every resource type this provider serves.
pub fn registry() -> Registry {
    Registry::default()
}
