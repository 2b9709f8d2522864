//! JSON codec for `DynamicValue.json` and raw state, driven by the schema's type.
//!
//! Numbers are kept exact: a small tokenizer keeps number text verbatim (so
//! `123456789012345678901234567890` survives), and numbers may also arrive as strings.
//! JSON cannot carry unknowns, so encoding one is an error.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, bail, Context, Result};

use super::msgpack::{at, value_kind};
use super::path::AttributePath;
use super::types::Type;
use super::value::{format_f64, Number, Value};

/// Decode JSON bytes as a value of `ty`; empty bytes and `null` are null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value> {
    decode_with(bytes, ty, true)
}

/// Decode raw state JSON leniently, for `UpgradeResourceState`: object attributes that
/// are not in `ty` (removed from the schema since the state was written) are dropped
/// instead of failing. Everything else is as strict as [`decode`].
pub fn decode_state(bytes: &[u8], ty: &Type) -> Result<Value> {
    decode_with(bytes, ty, false)
}

fn decode_with(bytes: &[u8], ty: &Type, strict: bool) -> Result<Value> {
    let text = std::str::from_utf8(bytes).context("JSON is not UTF-8")?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut p = Parser { s: text, i: 0 };
    let j = p.value().context("invalid JSON")?;
    p.ws();
    if p.i != p.s.len() {
        bail!("invalid JSON: trailing characters at byte {}", p.i);
    }
    from_json(j, ty, &AttributePath::root(), strict)
}

/// Encode `v` as JSON for `ty`; fails on unknown values.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>> {
    let mut out = String::new();
    write_value(&mut out, v, ty, &AttributePath::root())?;
    Ok(out.into_bytes())
}

/// JSON as parsed, numbers kept as their text.
#[derive(Debug)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Num(_) => "number",
            J::Str(_) => "string",
            J::Arr(_) => "array",
            J::Obj(_) => "object",
        }
    }

    /// Back to serde_json (only used for type expressions, which hold no numbers).
    fn into_serde(self) -> serde_json::Value {
        use serde_json::Value as S;
        match self {
            J::Null => S::Null,
            J::Bool(b) => S::Bool(b),
            J::Num(n) => serde_json::from_str(&n).unwrap_or(S::String(n)),
            J::Str(s) => S::String(s),
            J::Arr(a) => S::Array(a.into_iter().map(J::into_serde).collect()),
            J::Obj(o) => S::Object(o.into_iter().map(|(k, v)| (k, v.into_serde())).collect()),
        }
    }
}

/// A minimal recursive-descent JSON parser; strings are unescaped by serde_json.
struct Parser<'a> {
    s: &'a str,
    i: usize,
}

const MAX_DEPTH: usize = 512;

impl Parser<'_> {
    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && matches!(b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            bail!("expected {:?} at byte {}", c as char, self.i)
        }
    }

    fn value(&mut self) -> Result<J> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<J> {
        if depth > MAX_DEPTH {
            bail!("JSON nested too deeply");
        }
        self.ws();
        let rest = &self.s[self.i..];
        match self.peek() {
            None => bail!("unexpected end of JSON"),
            Some(b'n') if rest.starts_with("null") => {
                self.i += 4;
                Ok(J::Null)
            }
            Some(b't') if rest.starts_with("true") => {
                self.i += 4;
                Ok(J::Bool(true))
            }
            Some(b'f') if rest.starts_with("false") => {
                self.i += 5;
                Ok(J::Bool(false))
            }
            Some(b'"') => Ok(J::Str(self.string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(J::Arr(out));
                }
                loop {
                    out.push(self.value_at(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(J::Arr(out));
                        }
                        _ => bail!("expected ',' or ']' at byte {}", self.i),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(J::Obj(out));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        bail!("expected a property name at byte {}", self.i);
                    }
                    let k = self.string()?;
                    self.expect(b':')?;
                    out.push((k, self.value_at(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(J::Obj(out));
                        }
                        _ => bail!("expected ',' or '}}' at byte {}", self.i),
                    }
                }
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                let b = self.s.as_bytes();
                while self.i < b.len()
                    && (b[self.i].is_ascii_digit()
                        || matches!(b[self.i], b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                if serde_json::from_str::<serde_json::Number>(text).is_err()
                    && serde_json::from_str::<f64>(text).is_err()
                {
                    bail!("invalid number {text:?} at byte {start}");
                }
                Ok(J::Num(text.to_string()))
            }
            Some(_) => bail!("unexpected character at byte {}", self.i),
        }
    }

    fn string(&mut self) -> Result<String> {
        let b = self.s.as_bytes();
        let start = self.i;
        self.i += 1;
        while self.i < b.len() {
            match b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return serde_json::from_str(&self.s[start..self.i])
                        .with_context(|| format!("invalid string at byte {start}"));
                }
                _ => self.i += 1,
            }
        }
        bail!("unterminated string at byte {start}")
    }
}

fn from_json(j: J, ty: &Type, path: &AttributePath, strict: bool) -> Result<Value> {
    if let J::Null = j {
        return Ok(Value::Null);
    }
    let mismatch = |j: &J| anyhow!("{}: expected {ty}, got JSON {}", at(path), j.kind());
    match ty {
        // cty accepts numbers and bools where a string is expected.
        Type::String => match j {
            J::Str(s) | J::Num(s) => Ok(Value::String(s)),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch(&other)),
        },
        Type::Number => match j {
            J::Num(s) | J::Str(s) => Ok(Value::Number(
                Number::from_decimal(&s).with_context(|| at(path))?,
            )),
            other => Err(mismatch(&other)),
        },
        Type::Bool => match j {
            J::Bool(b) => Ok(Value::Bool(b)),
            J::Str(s) if s == "true" => Ok(Value::Bool(true)),
            J::Str(s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(mismatch(&other)),
        },
        Type::List(et) | Type::Set(et) => match j {
            J::Arr(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(from_json(item, et, &path.clone().index(i as i64), strict)?);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            other => Err(mismatch(&other)),
        },
        Type::Map(et) => match j {
            J::Obj(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let item = from_json(item, et, &path.clone().key(&k), strict)?;
                    out.insert(k, item);
                }
                Ok(Value::Map(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Object(attrs) => match j {
            J::Obj(entries) => {
                let mut out = BTreeMap::new();
                for (k, item) in entries {
                    let Some(at_ty) = attrs.get(&k) else {
                        if strict {
                            bail!("{}: unsupported attribute {k:?}", at(path));
                        }
                        continue;
                    };
                    let item = from_json(item, at_ty, &path.clone().attr(&k), strict)?;
                    out.insert(k, item);
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Tuple(ets) => match j {
            J::Arr(items) => {
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
                    out.push(from_json(item, et, &path.clone().index(i as i64), strict)?);
                }
                Ok(Value::Tuple(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Dynamic => match j {
            J::Obj(entries) => {
                let mut t = None;
                let mut v = None;
                for (k, item) in entries {
                    match k.as_str() {
                        "type" => t = Some(item),
                        "value" => v = Some(item),
                        other => bail!(
                            "{}: unexpected property {other:?} in dynamic value",
                            at(path)
                        ),
                    }
                }
                let t = t.ok_or_else(|| anyhow!("{}: dynamic value without \"type\"", at(path)))?;
                let rt = Type::from_json(&t.into_serde())
                    .with_context(|| format!("{}: dynamic value type", at(path)))?;
                let inner = match v {
                    Some(v) => from_json(v, &rt, path, strict)?,
                    None => Value::Null,
                };
                Ok(Value::Dynamic(rt, Box::new(inner)))
            }
            other => bail!(
                "{}: dynamic value must be a {{\"type\",\"value\"}} object, got JSON {}",
                at(path),
                other.kind()
            ),
        },
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("strings always serialize"));
}

fn write_value(out: &mut String, v: &Value, ty: &Type, path: &AttributePath) -> Result<()> {
    let mismatch = || anyhow!("{}: cannot encode {} as {ty}", at(path), value_kind(v));
    match v {
        Value::Null => {
            out.push_str("null");
            return Ok(());
        }
        Value::Unknown(_) => bail!("{}: unknown values cannot be encoded as JSON", at(path)),
        _ => {}
    }
    if *ty == Type::Dynamic {
        let (rt, inner) = match v {
            Value::Dynamic(rt, inner) => (rt.clone(), inner.as_ref()),
            other => (other.infer_type(), other),
        };
        out.push_str("{\"value\":");
        write_value(out, inner, &rt, path)?;
        out.push_str(",\"type\":");
        out.push_str(&rt.to_json().to_string());
        out.push('}');
        return Ok(());
    }
    match (ty, v) {
        (_, Value::Dynamic(rt, inner)) if rt == ty => write_value(out, inner, ty, path)?,
        (Type::String, Value::String(s)) => write_str(out, s),
        (Type::Number, Value::Number(n)) => match n {
            Number::Int(i) => write!(out, "{i}").expect("write to String"),
            Number::Float(f) if f.is_finite() => out.push_str(&format_f64(*f)),
            Number::Float(f) => bail!("{}: {f} cannot be encoded as JSON", at(path)),
            Number::Big(s) => {
                // Validate before writing raw text into the document.
                Number::from_decimal(s).with_context(|| at(path))?;
                out.push_str(s.trim());
            }
        },
        (Type::Bool, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (Type::List(et) | Type::Set(et), Value::List(items) | Value::Set(items)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, et, &path.clone().index(i as i64))?;
            }
            out.push(']');
        }
        (Type::Map(et), Value::Map(m) | Value::Object(m)) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, item, et, &path.clone().key(k))?;
            }
            out.push('}');
        }
        (Type::Object(attrs), Value::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                bail!(
                    "{}: object has attribute {extra:?} not in its type {ty}",
                    at(path)
                );
            }
            out.push('{');
            for (i, (k, at_ty)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                match m.get(k) {
                    Some(item) => write_value(out, item, at_ty, &path.clone().attr(k))?,
                    None => out.push_str("null"),
                }
            }
            out.push('}');
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
            out.push('[');
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, et, &path.clone().index(i as i64))?;
            }
            out.push(']');
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}
