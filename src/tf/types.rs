//! cty types: the shapes Terraform values can take, and their JSON spelling.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{anyhow, bail, Context};

/// A Terraform (cty) type, as carried in `Schema.Attribute.type` and in dynamic values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// A Unicode string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// `true` or `false`.
    Bool,
    /// Any type, decided at runtime (`"dynamic"`); values travel with their type.
    Dynamic,
    /// An ordered sequence of one element type.
    List(Box<Type>),
    /// An unordered collection of distinct values of one element type.
    Set(Box<Type>),
    /// String keys to values of one element type.
    Map(Box<Type>),
    /// A fixed set of named attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// A fixed-length sequence, each position with its own type.
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(t)`, so schemas read like HCL type constraints.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`, so schemas read like HCL type constraints.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`, so schemas read like HCL type constraints.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// `object({...})` from (name, type) pairs.
    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// The element type of a list, set or map; `None` for other types.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// Whether `dynamic` occurs anywhere in this type (such values carry their own type).
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::String | Type::Number | Type::Bool => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object(a) => a.values().any(Type::has_dynamic),
            Type::Tuple(e) => e.iter().any(Type::has_dynamic),
        }
    }

    /// The cty JSON form: `"string"`, `["list","string"]`, `["object",{...}]`, ...
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => J::Array(vec![J::from("list"), t.to_json()]),
            Type::Set(t) => J::Array(vec![J::from("set"), t.to_json()]),
            Type::Map(t) => J::Array(vec![J::from("map"), t.to_json()]),
            Type::Object(a) => J::Array(vec![
                J::from("object"),
                J::Object(a.iter().map(|(k, t)| (k.clone(), t.to_json())).collect()),
            ]),
            Type::Tuple(e) => J::Array(vec![
                J::from("tuple"),
                J::Array(e.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The compact JSON bytes Terraform expects in `Schema.Attribute.type`.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).expect("a type always serializes")
    }

    /// Parse the cty JSON form; an object's optional third element (optional attributes,
    /// used only by function parameters) is accepted and ignored.
    pub fn from_json(v: &serde_json::Value) -> anyhow::Result<Type> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => bail!("unknown primitive type {other:?}"),
            },
            J::Array(parts) => {
                let kind = parts
                    .first()
                    .and_then(J::as_str)
                    .ok_or_else(|| anyhow!("type array must start with a kind string"))?;
                let arg = parts
                    .get(1)
                    .ok_or_else(|| anyhow!("type {kind:?} needs an argument"))?;
                let max = if kind == "object" { 3 } else { 2 };
                if parts.len() > max {
                    bail!("type {kind:?} has {} elements, expected {max}", parts.len());
                }
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg).context("list element")?)),
                    "set" => Ok(Type::set(Type::from_json(arg).context("set element")?)),
                    "map" => Ok(Type::map(Type::from_json(arg).context("map element")?)),
                    "object" => {
                        let attrs = arg
                            .as_object()
                            .ok_or_else(|| anyhow!("object type argument must be a JSON object"))?;
                        let mut out = BTreeMap::new();
                        for (k, t) in attrs {
                            out.insert(
                                k.clone(),
                                Type::from_json(t).with_context(|| format!("attribute {k:?}"))?,
                            );
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = arg
                            .as_array()
                            .ok_or_else(|| anyhow!("tuple type argument must be a JSON array"))?;
                        let mut out = Vec::with_capacity(elems.len());
                        for (i, t) in elems.iter().enumerate() {
                            out.push(
                                Type::from_json(t).with_context(|| format!("tuple element {i}"))?,
                            );
                        }
                        Ok(Type::Tuple(out))
                    }
                    other => bail!("unknown type kind {other:?}"),
                }
            }
            other => bail!("invalid type JSON {other}"),
        }
    }

    /// Parse cty JSON type bytes, as found in dynamic values.
    pub fn from_json_bytes(bytes: &[u8]) -> anyhow::Result<Type> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).context("type is not valid JSON")?;
        Type::from_json(&v)
    }
}

/// Shows the HCL-like spelling, e.g. `list(object({name=string}))`, for error messages.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object(a) => {
                f.write_str("object({")?;
                for (i, (k, t)) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{k}={t}")?;
                }
                f.write_str("})")
            }
            Type::Tuple(e) => {
                f.write_str("tuple([")?;
                for (i, t) in e.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}
