//! cty values: null, unknown (with refinements) and known values of every type.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::bail;

use super::path::{AttributePath, PathStep};
use super::types::Type;

/// A Terraform number. cty numbers are arbitrary precision, so values that an `i64` or an
/// `f64` cannot hold exactly travel as a decimal string.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A binary floating point number (exact as given).
    Float(f64),
    /// A decimal string for values beyond i64/f64 exactness, e.g. `"123456789012345678901234567890"`.
    Big(String),
}

impl Number {
    /// Parse a decimal number (JSON number syntax, also accepting a leading `+`) into its
    /// canonical form: `Int` when it is an integer that fits in i64, `Float` when the text is
    /// exactly the shortest spelling of an f64, else `Big` with the text kept verbatim.
    pub fn from_decimal(s: &str) -> anyhow::Result<Number> {
        let t = s.trim();
        let valid = !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
            && t.chars().any(|c| c.is_ascii_digit())
            && t.parse::<f64>().is_ok();
        if !valid {
            bail!("{s:?} is not a decimal number");
        }
        let integral = !t.contains(['.', 'e', 'E']);
        if integral {
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Number::Int(i));
            }
            return Ok(Number::Big(t.to_string()));
        }
        let f: f64 = t.parse().expect("checked above");
        if f.is_finite() && format_f64(f) == t {
            return Ok(Number::Float(f));
        }
        Ok(Number::Big(t.to_string()))
    }

    /// The value as an i64, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) if f.fract() == 0.0 && *f >= -9.2e18 && *f <= 9.2e18 => {
                Some(*f as i64)
            }
            Number::Float(_) => None,
            Number::Big(s) => s.parse().ok(),
        }
    }

    /// The value as an f64 (possibly rounded).
    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
            Number::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    /// Numeric equality across representations (`Int(1) == Float(1.0)`).
    pub fn num_eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Big(a), Number::Big(b)) => a == b,
            (Number::Big(s), o) | (o, Number::Big(s)) => match (s.parse::<i64>(), o.as_i64()) {
                (Ok(x), Some(y)) => x == y,
                _ => o.to_string() == *s,
            },
            (a, b) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            },
        }
    }
}

/// The shortest round-tripping spelling of a finite f64, as JSON writes it (`1.0`, `1e300`).
pub(crate) fn format_f64(f: f64) -> String {
    serde_json::Number::from_f64(f)
        .map(|n| n.to_string())
        .unwrap_or_else(|| f.to_string())
}

/// Decimal spelling of the number.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => f.write_str(&format_f64(*x)),
            Number::Big(s) => f.write_str(s),
        }
    }
}

/// What Terraform already knows about an unknown value (msgpack ext 0x0c). All `None` means
/// an unrefined unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Refinements {
    /// `Some(true)`: definitely not null; `Some(false)`: definitely null (wire key 1 is the
    /// inverse, "is null").
    pub not_null: Option<bool>,
    /// A prefix every possible string value starts with (wire key 2; strings only).
    pub string_prefix: Option<String>,
    /// Lower bound of a number and whether it is inclusive (wire key 3).
    pub number_lower: Option<(Number, bool)>,
    /// Upper bound of a number and whether it is inclusive (wire key 4).
    pub number_upper: Option<(Number, bool)>,
    /// Inclusive lower bound of a collection's length (wire key 5).
    pub length_lower: Option<i64>,
    /// Inclusive upper bound of a collection's length (wire key 6).
    pub length_upper: Option<i64>,
}

impl Refinements {
    /// Whether nothing is known (encode as a plain unknown).
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }

    /// Keep only the refinements cty allows for `ty`, so we never send invalid ones.
    pub fn for_type(&self, ty: &Type) -> Refinements {
        let mut r = Refinements::default();
        if *ty == Type::Dynamic {
            return r;
        }
        r.not_null = self.not_null;
        match ty {
            Type::String => r.string_prefix = self.string_prefix.clone(),
            Type::Number => {
                r.number_lower = self.number_lower.clone();
                r.number_upper = self.number_upper.clone();
            }
            Type::List(_) | Type::Set(_) | Type::Map(_) => {
                r.length_lower = self.length_lower;
                r.length_upper = self.length_upper;
            }
            _ => {}
        }
        r
    }
}

/// A Terraform value shaped by a [`Type`] known from the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null of whatever type the schema says.
    Null,
    /// Not known until apply, perhaps with refinements.
    Unknown(Refinements),
    /// A known bool.
    Bool(bool),
    /// A known number.
    Number(Number),
    /// A known string.
    String(String),
    /// A known list.
    List(Vec<Value>),
    /// A known set; element order carries no meaning (see [`Value::equals`]).
    Set(Vec<Value>),
    /// A known map.
    Map(BTreeMap<String, Value>),
    /// A known object (every attribute of its type present after decoding).
    Object(BTreeMap<String, Value>),
    /// A known tuple.
    Tuple(Vec<Value>),
    /// A value of a `dynamic` attribute with its runtime type.
    Dynamic(Type, Box<Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// An unrefined unknown.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// An unknown that is known not to be null.
    pub fn unknown_not_null() -> Value {
        Value::Unknown(Refinements {
            not_null: Some(true),
            ..Refinements::default()
        })
    }

    /// A known string.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A known integer number.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// A known floating point number.
    pub fn float(f: f64) -> Value {
        Value::Number(Number::Float(f))
    }

    /// A known bool.
    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    /// A known object from (name, value) pairs.
    pub fn object<I: IntoIterator<Item = (K, Value)>, K: Into<String>>(it: I) -> Value {
        Value::Object(it.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A known map from (key, value) pairs.
    pub fn map<I: IntoIterator<Item = (K, Value)>, K: Into<String>>(it: I) -> Value {
        Value::Map(it.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A known list.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A known list of strings, the most common collection in schemas.
    pub fn string_list<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
        Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
    }

    /// Whether this value is null (this level only; a dynamic wrapper is looked through).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, v) => v.is_null(),
            _ => false,
        }
    }

    /// Whether this value is unknown (this level only; a dynamic wrapper is looked through).
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Dynamic(_, v) => v.is_unknown(),
            _ => false,
        }
    }

    /// Whether no unknown appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
        }
    }

    /// Object attribute `name`, or `&Value::Null` when absent, not an object, or null.
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            Value::Dynamic(_, v) => v.attr(name),
            _ => &NULL,
        }
    }

    /// Mutable object attribute `name`, when this is an object that has it.
    pub fn attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => m.get_mut(name),
            Value::Dynamic(_, v) => v.attr_mut(name),
            _ => None,
        }
    }

    /// Set object attribute `name`; a null value becomes an object first. Does nothing on
    /// other kinds of value (unknown, list, ...).
    pub fn set_attr(&mut self, name: &str, v: Value) {
        if matches!(self, Value::Null) {
            *self = Value::Object(BTreeMap::new());
        }
        match self {
            Value::Object(m) => {
                m.insert(name.to_string(), v);
            }
            Value::Dynamic(_, inner) => inner.set_attr(name, v),
            _ => {}
        }
    }

    /// This object with attribute `name` set, for building values in one expression.
    pub fn with_attr(mut self, name: &str, v: Value) -> Value {
        self.set_attr(name, v);
        self
    }

    /// The string, when this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Dynamic(_, v) => v.as_str(),
            _ => None,
        }
    }

    /// The number as an i64, when it is a known integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            Value::Dynamic(_, v) => v.as_i64(),
            _ => None,
        }
    }

    /// The number as an f64, when it is a known number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n.as_f64()),
            Value::Dynamic(_, v) => v.as_f64(),
            _ => None,
        }
    }

    /// The number, when it is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            Value::Dynamic(_, v) => v.as_number(),
            _ => None,
        }
    }

    /// The bool, when it is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Dynamic(_, v) => v.as_bool(),
            _ => None,
        }
    }

    /// The elements of a known list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            Value::Dynamic(_, v) => v.as_list(),
            _ => None,
        }
    }

    /// The entries of a known map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            Value::Dynamic(_, v) => v.as_map(),
            _ => None,
        }
    }

    /// The known strings of a list/set of strings (unknown or null elements skipped).
    pub fn as_string_vec(&self) -> Option<Vec<String>> {
        self.as_list().map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }

    /// Follow `path`; `&Value::Null` when any step is missing.
    pub fn at(&self, path: &AttributePath) -> &Value {
        let mut cur = self;
        for step in &path.0 {
            while let Value::Dynamic(_, v) = cur {
                cur = v;
            }
            cur = match (step, cur) {
                (PathStep::Attr(n), Value::Object(m)) => m.get(n).unwrap_or(&NULL),
                (PathStep::Key(k), Value::Map(m) | Value::Object(m)) => m.get(k).unwrap_or(&NULL),
                (PathStep::Index(i), Value::List(v) | Value::Set(v) | Value::Tuple(v)) => {
                    usize::try_from(*i)
                        .ok()
                        .and_then(|i| v.get(i))
                        .unwrap_or(&NULL)
                }
                _ => &NULL,
            };
        }
        cur
    }

    /// The null value of a type (cty has one null per type; here it is always `Null`).
    pub fn null_for(_t: &Type) -> Value {
        Value::Null
    }

    /// A wholly unknown value standing in for a value of `ty` (an unrefined `Unknown`; the
    /// codecs give it the right shape on the wire).
    pub fn unknown_like(&self, _ty: &Type) -> Value {
        Value::unknown()
    }

    /// Equality as Terraform sees it: set order ignored, `Int(1)` equals `Float(1.0)`, a
    /// missing object attribute equals null, refinements ignored (any unknown equals any
    /// unknown) and a dynamic wrapper is looked through.
    pub fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Dynamic(_, a), b) => a.equals(b),
            (a, Value::Dynamic(_, b)) => a.equals(b),
            (Value::Null, Value::Null) => true,
            (Value::Unknown(_), Value::Unknown(_)) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a.num_eq(b),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals(y))
            }
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len()
                    && a.iter().all(|x| b.iter().any(|y| x.equals(y)))
                    && b.iter().all(|y| a.iter().any(|x| x.equals(y)))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.equals(w)))
            }
            (Value::Object(a), Value::Object(b)) => a
                .keys()
                .chain(b.keys())
                .all(|k| a.get(k).unwrap_or(&NULL).equals(b.get(k).unwrap_or(&NULL))),
            _ => false,
        }
    }

    /// Best-effort type of a known value, used when a plain value is written to a
    /// `dynamic` attribute (collections take their first element's type).
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown(_) => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(v) => Type::list(v.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Set(v) => Type::set(v.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Map(m) => Type::map(m.values().next().map_or(Type::Dynamic, Value::infer_type)),
            Value::Object(m) => {
                Type::Object(m.iter().map(|(k, v)| (k.clone(), v.infer_type())).collect())
            }
            Value::Tuple(v) => Type::Tuple(v.iter().map(Value::infer_type).collect()),
            Value::Dynamic(t, _) => t.clone(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}
