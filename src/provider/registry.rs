//! The resource registry: resources plug in here by type name; the dispatch code in
//! `service.rs` never changes when one is added.

use super::resource::Resource;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Resources by type name.
#[derive(Clone, Default)]
pub struct Registry {
    resources: BTreeMap<&'static str, Arc<dyn Resource>>,
}

impl Registry {
    /// Registers a resource (a later one with the same name replaces the earlier).
    pub fn register(mut self, r: Arc<dyn Resource>) -> Self {
        self.resources.insert(r.type_name(), r);
        self
    }

    /// Looks a resource up by type name.
    pub fn get(&self, type_name: &str) -> Option<&Arc<dyn Resource>> {
        self.resources.get(type_name)
    }

    /// All registered resources, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Arc<dyn Resource>)> {
        self.resources.iter().map(|(k, v)| (*k, v))
    }
}
