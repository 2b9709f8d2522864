//! The Terraform type system: types, values, codecs, schema, diagnostics.
//!
//! Everything the provider needs to speak values with Terraform, independent of any
//! resource: [`Type`] and [`Value`] model cty, [`msgpack`] and [`json`] are the
//! schema-driven `DynamicValue` codecs, [`schema`] holds schemas with plan behaviour as
//! data ([`validator`]: validators, named rules, replace conditions) plus the generic
//! validation and plan walks, and [`diag`]/[`path`] report problems at a place.

pub mod diag;
pub mod json;
pub mod msgpack;
pub mod path;
pub mod schema;
pub mod types;
pub mod validator;
pub mod value;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::{AttributePath, PathStep};
pub use schema::{
    apply_defaults, mark_computed_unknown, null_write_only, requires_replace_paths,
    validate_config, write_only_paths_set, Attribute, Block, NestedBlock, NestingMode, Schema,
};
pub use types::Type;
pub use validator::{BlockRule, ReplaceIf, Validator};
pub use value::{Number, Refinements, Value};

use crate::proto::tfplugin6 as proto;

/// Decode a `DynamicValue`: msgpack if present, else JSON if present, else null (Terraform
/// treats an empty DynamicValue as null).
pub fn decode_dynamic(dv: &proto::DynamicValue, ty: &Type) -> anyhow::Result<Value> {
    if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        json::decode(&dv.json, ty)
    } else {
        Ok(Value::Null)
    }
}

/// Encode a `DynamicValue` as msgpack, the format Terraform accepts in every response.
pub fn encode_dynamic(v: &Value, ty: &Type) -> anyhow::Result<proto::DynamicValue> {
    Ok(proto::DynamicValue {
        msgpack: msgpack::encode(v, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
