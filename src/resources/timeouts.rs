//! The `timeouts {}` block every resource offers (the terraform-plugin-framework-timeouts
//! shape: `create`, `update`, `delete` as Go durations), with per-resource defaults and a
//! duration validator on each attribute.

use crate::provider::validate::{duration, parse_duration};
use crate::tf::validator::{self, Validator};
use crate::tf::{Attribute, Block, NestedBlock, Type, Value};
use std::sync::Arc;
use std::time::Duration;

/// The block's name.
pub const TIMEOUTS: &str = "timeouts";
/// The create limit's name.
pub const CREATE: &str = "create";
/// The update limit's name.
pub const UPDATE: &str = "update";
/// The delete limit's name.
pub const DELETE: &str = "delete";

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

/// The validator of a Go duration string (`90m`, `1h30m`), shared with the provider block.
pub fn go_duration() -> Arc<dyn Validator> {
    validator::check(
        "a Go duration such as `90m`, `2h` or `30s` (units `h`, `m`, `s`, `ms`).",
        |v, at| duration(v, at).into_iter().collect(),
    )
}

/// The `timeouts` block, documenting `defaults`.
pub fn block(defaults: Defaults) -> NestedBlock {
    let fmt = |d: Duration| format!("{}m", d.as_secs() / 60);
    let limit = |op: &str, d: Duration| {
        Attribute::optional(
            op,
            Type::String,
            format!("Limit for {op} (default `{}`).", fmt(d)),
        )
        .validator(go_duration())
    };
    NestedBlock::single(
        TIMEOUTS,
        Block::new("How long each operation may take before cloudlink gives up (Go durations such as `90m` or `2h`).")
            .attr(limit(CREATE, defaults.create))
            .attr(limit(UPDATE, defaults.update))
            .attr(limit(DELETE, defaults.delete)),
    )
    .max(1)
}

/// Resolves the limits from a planned or prior value, falling back to `defaults`.
pub fn resolve(value: &Value, defaults: Defaults) -> Timeouts {
    let t = value.attr(TIMEOUTS);
    let get = |op: &str, d: Duration| {
        t.attr(op)
            .as_str()
            .and_then(|s| parse_duration(s).ok())
            .unwrap_or(d)
    };
    Timeouts {
        create: get(CREATE, defaults.create),
        update: get(UPDATE, defaults.update),
        delete: get(DELETE, defaults.delete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::{validate_config, Diagnostics};

    fn validate(config: &Value) -> Diagnostics {
        validate_config(&Block::new("").block(block(D)), config)
    }

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
