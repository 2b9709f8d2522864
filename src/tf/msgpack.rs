//! MessagePack codec for `DynamicValue.msgpack`, driven by the schema's type.
//!
//! Follows `object-wire-format.md`: nil is null, any extension is unknown (code 0x0c carries
//! refinements), numbers are int, float64 or decimal string, `dynamic` values are
//! `[type JSON bytes, value]`, and objects are maps with every attribute present.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};
use rmpv::Value as Rmp;

use super::path::AttributePath;
use super::types::Type;
use super::value::{Number, Refinements, Value};

/// Extension code of a refined unknown.
const EXT_REFINED: i8 = 0x0c;

/// Decode msgpack bytes as a value of `ty`; empty bytes and nil are null, any extension is
/// unknown. Fails on anything that does not match the type, naming the path.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut rd = bytes;
    let raw = rmpv::decode::read_value(&mut rd).context("invalid msgpack")?;
    if !rd.is_empty() {
        bail!("{} trailing bytes after the msgpack value", rd.len());
    }
    from_rmp(raw, ty, &AttributePath::root())
}

/// Encode `v` as msgpack for `ty` (unknowns as ext 0, or ext 0x0c when refined).
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>> {
    let raw = to_rmp(v, ty, &AttributePath::root())?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &raw).context("writing msgpack")?;
    Ok(out)
}

/// "at aws.vpc_id" or "at the root", for error messages.
pub(crate) fn at(path: &AttributePath) -> String {
    if path.is_root() {
        "at the root".to_string()
    } else {
        format!("at {path}")
    }
}

fn kind(v: &Rmp) -> &'static str {
    match v {
        Rmp::Nil => "nil",
        Rmp::Boolean(_) => "bool",
        Rmp::Integer(_) => "integer",
        Rmp::F32(_) | Rmp::F64(_) => "float",
        Rmp::String(_) => "string",
        Rmp::Binary(_) => "binary",
        Rmp::Array(_) => "array",
        Rmp::Map(_) => "map",
        Rmp::Ext(..) => "ext",
    }
}

fn decode_number(v: &Rmp) -> Option<Result<Number>> {
    match v {
        Rmp::Integer(i) => Some(Ok(match i.as_i64() {
            Some(x) => Number::Int(x),
            None => Number::Big(i.as_u64().map(|u| u.to_string()).unwrap_or_default()),
        })),
        Rmp::F64(f) => Some(Ok(Number::Float(*f))),
        Rmp::F32(f) => Some(Ok(Number::Float(f64::from(*f)))),
        Rmp::String(s) => Some(match s.as_str() {
            Some(s) => Number::from_decimal(s),
            None => Err(anyhow!("number string is not UTF-8")),
        }),
        _ => None,
    }
}

fn encode_number(n: &Number) -> Rmp {
    match n {
        Number::Int(i) => Rmp::from(*i),
        Number::Float(f) => Rmp::F64(*f),
        Number::Big(s) => Rmp::from(s.as_str()),
    }
}

/// Parse an ext 0x0c payload; unknown keys and malformed entries are ignored.
fn decode_refinements(payload: &[u8]) -> Refinements {
    let mut r = Refinements::default();
    let mut rd = payload;
    let Ok(Rmp::Map(entries)) = rmpv::decode::read_value(&mut rd) else {
        return r;
    };
    let bound = |v: &Rmp| -> Option<(Number, bool)> {
        let Rmp::Array(a) = v else { return None };
        let n = decode_number(a.first()?)?.ok()?;
        Some((n, a.get(1).and_then(Rmp::as_bool).unwrap_or(true)))
    };
    for (k, v) in &entries {
        match k.as_i64() {
            Some(1) => r.not_null = v.as_bool().map(|is_null| !is_null),
            Some(2) => r.string_prefix = v.as_str().map(str::to_string),
            Some(3) => r.number_lower = bound(v),
            Some(4) => r.number_upper = bound(v),
            Some(5) => r.length_lower = v.as_i64(),
            Some(6) => r.length_upper = v.as_i64(),
            _ => {}
        }
    }
    r
}

fn encode_unknown(r: &Refinements, ty: &Type) -> Result<Rmp> {
    let r = r.for_type(ty);
    if r.is_empty() {
        return Ok(Rmp::Ext(0, vec![0]));
    }
    let mut m = Vec::new();
    if let Some(nn) = r.not_null {
        m.push((Rmp::from(1), Rmp::Boolean(!nn)));
    }
    if let Some(p) = &r.string_prefix {
        m.push((Rmp::from(2), Rmp::from(p.as_str())));
    }
    if let Some((n, inc)) = &r.number_lower {
        m.push((
            Rmp::from(3),
            Rmp::Array(vec![encode_number(n), Rmp::Boolean(*inc)]),
        ));
    }
    if let Some((n, inc)) = &r.number_upper {
        m.push((
            Rmp::from(4),
            Rmp::Array(vec![encode_number(n), Rmp::Boolean(*inc)]),
        ));
    }
    if let Some(l) = r.length_lower {
        m.push((Rmp::from(5), Rmp::from(l)));
    }
    if let Some(u) = r.length_upper {
        m.push((Rmp::from(6), Rmp::from(u)));
    }
    let mut payload = Vec::new();
    rmpv::encode::write_value(&mut payload, &Rmp::Map(m)).context("writing refinements")?;
    Ok(Rmp::Ext(EXT_REFINED, payload))
}

fn map_key(k: Rmp, path: &AttributePath) -> Result<String> {
    match k {
        Rmp::String(s) => s
            .into_str()
            .ok_or_else(|| anyhow!("{}: map key is not UTF-8", at(path))),
        other => bail!(
            "{}: map key must be a string, got {}",
            at(path),
            kind(&other)
        ),
    }
}

fn from_rmp(v: Rmp, ty: &Type, path: &AttributePath) -> Result<Value> {
    let mismatch = |v: &Rmp| anyhow!("{}: expected {ty}, got msgpack {}", at(path), kind(v));
    match v {
        Rmp::Nil => return Ok(Value::Null),
        Rmp::Ext(code, payload) => {
            return Ok(Value::Unknown(if code == EXT_REFINED {
                decode_refinements(&payload)
            } else {
                Refinements::default()
            }))
        }
        _ => {}
    }
    match ty {
        Type::String => match v {
            Rmp::String(s) => s
                .into_str()
                .map(Value::String)
                .ok_or_else(|| anyhow!("{}: string is not UTF-8", at(path))),
            other => Err(mismatch(&other)),
        },
        Type::Number => match decode_number(&v) {
            Some(n) => Ok(Value::Number(n.with_context(|| at(path))?)),
            None => Err(mismatch(&v)),
        },
        Type::Bool => match v {
            Rmp::Boolean(b) => Ok(Value::Bool(b)),
            other => Err(mismatch(&other)),
        },
        Type::List(et) | Type::Set(et) => match v {
            Rmp::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(from_rmp(item, et, &path.clone().index(i as i64))?);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            other => Err(mismatch(&other)),
        },
        Type::Map(et) => match v {
            Rmp::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let k = map_key(k, path)?;
                    let item = from_rmp(item, et, &path.clone().key(&k))?;
                    out.insert(k, item);
                }
                Ok(Value::Map(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Object(attrs) => match v {
            Rmp::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let k = map_key(k, path)?;
                    let Some(at_ty) = attrs.get(&k) else {
                        bail!("{}: unsupported attribute {k:?}", at(path));
                    };
                    let item = from_rmp(item, at_ty, &path.clone().attr(&k))?;
                    out.insert(k, item);
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Tuple(ets) => match v {
            Rmp::Array(items) => {
                if items.len() != ets.len() {
                    bail!(
                        "{}: tuple needs {} elements, got {}",
                        at(path),
                        ets.len(),
                        items.len()
                    );
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, et)) in items.into_iter().zip(ets).enumerate() {
                    out.push(from_rmp(item, et, &path.clone().index(i as i64))?);
                }
                Ok(Value::Tuple(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Dynamic => match v {
            Rmp::Array(items) if items.len() == 2 => {
                let mut it = items.into_iter();
                let (t, inner) = (it.next().expect("len 2"), it.next().expect("len 2"));
                let tbytes = match t {
                    Rmp::Binary(b) => b,
                    Rmp::String(s) => s.into_bytes(),
                    other => bail!(
                        "{}: dynamic type must be JSON bytes, got {}",
                        at(path),
                        kind(&other)
                    ),
                };
                let rt = Type::from_json_bytes(&tbytes)
                    .with_context(|| format!("{}: dynamic value type", at(path)))?;
                let inner = from_rmp(inner, &rt, path)?;
                Ok(Value::Dynamic(rt, Box::new(inner)))
            }
            other => bail!(
                "{}: dynamic value must be a [type, value] array, got {}",
                at(path),
                kind(&other)
            ),
        },
    }
}

fn to_rmp(v: &Value, ty: &Type, path: &AttributePath) -> Result<Rmp> {
    let mismatch = || anyhow!("{}: cannot encode {} as {ty}", at(path), value_kind(v));
    match v {
        Value::Null => return Ok(Rmp::Nil),
        Value::Unknown(r) => return encode_unknown(r, ty),
        _ => {}
    }
    if *ty == Type::Dynamic {
        let (rt, inner) = match v {
            Value::Dynamic(rt, inner) => (rt.clone(), inner.as_ref()),
            other => (other.infer_type(), other),
        };
        let inner = to_rmp(inner, &rt, path)?;
        return Ok(Rmp::Array(vec![Rmp::Binary(rt.to_json_bytes()), inner]));
    }
    match (ty, v) {
        (_, Value::Dynamic(rt, inner)) if rt == ty => to_rmp(inner, ty, path),
        (Type::String, Value::String(s)) => Ok(Rmp::from(s.as_str())),
        (Type::Number, Value::Number(n)) => Ok(encode_number(n)),
        (Type::Bool, Value::Bool(b)) => Ok(Rmp::Boolean(*b)),
        (Type::List(et) | Type::Set(et), Value::List(items) | Value::Set(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(to_rmp(item, et, &path.clone().index(i as i64))?);
            }
            Ok(Rmp::Array(out))
        }
        (Type::Map(et), Value::Map(m) | Value::Object(m)) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, item) in m {
                out.push((
                    Rmp::from(k.as_str()),
                    to_rmp(item, et, &path.clone().key(k))?,
                ));
            }
            Ok(Rmp::Map(out))
        }
        (Type::Object(attrs), Value::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                bail!(
                    "{}: object has attribute {extra:?} not in its type {ty}",
                    at(path)
                );
            }
            let mut out = Vec::with_capacity(attrs.len());
            for (k, at_ty) in attrs {
                let item = match m.get(k) {
                    Some(item) => to_rmp(item, at_ty, &path.clone().attr(k))?,
                    None => Rmp::Nil,
                };
                out.push((Rmp::from(k.as_str()), item));
            }
            Ok(Rmp::Map(out))
        }
        (Type::Tuple(ets), Value::Tuple(items) | Value::List(items)) => {
            if items.len() != ets.len() {
                bail!(
                    "{}: tuple needs {} elements, got {}",
                    at(path),
                    ets.len(),
                    items.len()
                );
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                out.push(to_rmp(item, et, &path.clone().index(i as i64))?);
            }
            Ok(Rmp::Array(out))
        }
        _ => Err(mismatch()),
    }
}

/// A short name of a value's kind, for error messages.
pub(crate) fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown(_) => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
        Value::Dynamic(..) => "dynamic",
    }
}
