//! The `timeouts {}` block every resource offers (the terraform-plugin-framework-timeouts
//! shape: `create`, `update`, `delete` as Go durations), with per-resource defaults.

use crate::provider::validate::{duration, parse_duration};
use crate::tf::{Attribute, AttributePath, Block, Diagnostics, NestedBlock, Type, Value};
use std::time::Duration;

/// Default limits of one resource; each names its source where it has one.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// Create limit.
    pub create: Duration,
    /// Update limit.
    pub update: Duration,
    /// Delete limit.
    pub delete: Duration,
}

/// The resolved limits of one operation run.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Create limit.
    pub create: Duration,
    /// Update limit.
    pub update: Duration,
    /// Delete limit.
    pub delete: Duration,
}

/// The `timeouts` block, documenting `defaults`.
pub fn block(defaults: Defaults) -> NestedBlock {
    let fmt = |d: Duration| format!("{}m", d.as_secs() / 60);
    NestedBlock::single(
        "timeouts",
        Block::new("How long each operation may take before cloudlink gives up (Go durations such as `90m` or `2h`).")
            .attr(Attribute::optional("create", Type::String, format!("Limit for create (default `{}`).", fmt(defaults.create))))
            .attr(Attribute::optional("update", Type::String, format!("Limit for update (default `{}`).", fmt(defaults.update))))
            .attr(Attribute::optional("delete", Type::String, format!("Limit for delete (default `{}`).", fmt(defaults.delete)))),
    )
    .max(1)
}

/// Checks the durations in a configuration's `timeouts` block.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let t = config.attr("timeouts");
    for op in ["create", "update", "delete"] {
        diags.extend(duration(
            t.attr(op),
            &AttributePath::root().attr("timeouts").attr(op),
        ));
    }
    diags
}

/// Resolves the limits from a planned or prior value, falling back to `defaults`.
pub fn resolve(value: &Value, defaults: Defaults) -> Timeouts {
    let t = value.attr("timeouts");
    let get = |op: &str, d: Duration| {
        t.attr(op)
            .as_str()
            .and_then(|s| parse_duration(s).ok())
            .unwrap_or(d)
    };
    Timeouts {
        create: get("create", defaults.create),
        update: get("update", defaults.update),
        delete: get("delete", defaults.delete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Defaults = Defaults {
        create: Duration::from_secs(90 * 60),
        update: Duration::from_secs(60 * 60),
        delete: Duration::from_secs(120 * 60),
    };

    #[test]
    fn configured_values_override_defaults() {
        let v = Value::object([(
            "timeouts",
            Value::object([
                ("create", Value::string("2h")),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        )]);
        let t = resolve(&v, D);
        assert_eq!(t.create, Duration::from_secs(7200));
        assert_eq!(t.delete, D.delete);
        assert!(!validate(&v).has_errors());
    }

    #[test]
    fn bad_duration_is_reported_on_its_path() {
        let v = Value::object([(
            "timeouts",
            Value::object([
                ("create", Value::string("soon")),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        )]);
        let d = validate(&v);
        assert_eq!(
            d.iter().next().unwrap().path.as_ref().unwrap().to_string(),
            "timeouts.create"
        );
    }
}
