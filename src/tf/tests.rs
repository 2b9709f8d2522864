//! Unit and property tests for the type system, codecs, schema and plan helpers.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::proto::tfplugin6 as proto;

fn s(x: &str) -> Value {
    Value::string(x)
}

/// A schema using every type and every nesting mode.
fn every_kind_block() -> Block {
    let inner = Block::new("inner")
        .attr(Attribute::required("name", Type::String, "n"))
        .attr(Attribute::optional("size", Type::Number, "s"));
    Block::new("top")
        .attr(Attribute::required("s", Type::String, "a string"))
        .attr(Attribute::optional("n", Type::Number, "a number"))
        .attr(Attribute::optional("b", Type::Bool, "a bool"))
        .attr(Attribute::optional("d", Type::Dynamic, "anything"))
        .attr(Attribute::optional("l", Type::list(Type::String), "list"))
        .attr(Attribute::optional("st", Type::set(Type::Number), "set"))
        .attr(Attribute::optional("m", Type::map(Type::Bool), "map"))
        .attr(Attribute::optional(
            "o",
            Type::object([("x", Type::String), ("y", Type::list(Type::Number))]),
            "object",
        ))
        .attr(Attribute::optional(
            "t",
            Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
            "tuple",
        ))
        .attr(
            Attribute::optional("na", Type::Dynamic, "nested attr")
                .nested_type(NestingMode::List, inner.clone()),
        )
        .block(NestedBlock::single("single", inner.clone()))
        .block(NestedBlock::group("group", inner.clone()))
        .block(NestedBlock::list("list", inner.clone()).min(1).max(4))
        .block(NestedBlock::set("set", inner.clone()))
        .block(NestedBlock::map("map", inner))
}

fn inner_obj(name: &str, size: Value) -> Value {
    Value::object([("name", s(name)), ("size", size)])
}

fn every_kind_value() -> Value {
    Value::object([
        ("s", s("hello")),
        ("n", Value::int(42)),
        ("b", Value::bool(true)),
        (
            "d",
            Value::Dynamic(
                Type::list(Type::String),
                Box::new(Value::string_list(["a", "b"])),
            ),
        ),
        ("l", Value::string_list(["x", "y"])),
        ("st", Value::Set(vec![Value::int(1), Value::float(2.5)])),
        ("m", Value::map([("k", Value::bool(false))])),
        (
            "o",
            Value::object([("x", s("ex")), ("y", Value::list([Value::int(-1)]))]),
        ),
        (
            "t",
            Value::Tuple(vec![s("t"), Value::int(7), Value::bool(false)]),
        ),
        ("na", Value::list([inner_obj("na0", Value::Null)])),
        ("single", inner_obj("one", Value::int(1))),
        ("group", inner_obj("grp", Value::Null)),
        (
            "list",
            Value::list([inner_obj("a", Value::int(1)), inner_obj("b", Value::int(2))]),
        ),
        ("set", Value::Set(vec![inner_obj("c", Value::int(3))])),
        ("map", Value::map([("lbl", inner_obj("d", Value::int(4)))])),
    ])
}

fn msgpack_rt(v: &Value, ty: &Type) -> Value {
    let bytes = msgpack::encode(v, ty).unwrap();
    msgpack::decode(&bytes, ty).unwrap()
}

fn json_rt(v: &Value, ty: &Type) -> Value {
    let bytes = json::encode(v, ty).unwrap();
    json::decode(&bytes, ty).unwrap()
}

#[test]
fn every_type_and_nesting_mode_round_trips_in_msgpack_and_json() {
    let ty = every_kind_block().implied_type();
    let v = every_kind_value();
    assert_eq!(msgpack_rt(&v, &ty), v);
    assert_eq!(json_rt(&v, &ty), v);
    let dv = encode_dynamic(&v, &ty).unwrap();
    assert!(dv.json.is_empty());
    assert_eq!(decode_dynamic(&dv, &ty).unwrap(), v);
    let dv = proto::DynamicValue {
        msgpack: vec![],
        json: json::encode(&v, &ty).unwrap(),
    };
    assert_eq!(decode_dynamic(&dv, &ty).unwrap(), v);
}

#[test]
fn missing_attributes_encode_as_nil_and_decode_as_null() {
    let ty = every_kind_block().implied_type();
    let v = Value::object([("s", s("only"))]);
    let back = msgpack_rt(&v, &ty);
    assert_eq!(back.attr("s"), &s("only"));
    assert_eq!(back.as_map().unwrap().len(), 15);
    assert!(back.attr("single").is_null() && back.attr("list").is_null());
    assert_eq!(json_rt(&v, &ty), back);
}

#[test]
fn empty_and_nil_are_null() {
    let ty = every_kind_block().implied_type();
    assert_eq!(msgpack::decode(&[], &ty).unwrap(), Value::Null);
    assert_eq!(msgpack::decode(&[0xc0], &ty).unwrap(), Value::Null);
    assert_eq!(json::decode(b"", &ty).unwrap(), Value::Null);
    assert_eq!(json::decode(b" null ", &ty).unwrap(), Value::Null);
    assert_eq!(
        decode_dynamic(&proto::DynamicValue::default(), &ty).unwrap(),
        Value::Null
    );
    assert_eq!(msgpack::encode(&Value::Null, &ty).unwrap(), vec![0xc0]);
}

#[test]
fn unknown_is_fixext1_type_zero() {
    assert_eq!(
        msgpack::encode(&Value::unknown(), &Type::String).unwrap(),
        vec![0xd4, 0, 0]
    );
    let ty = every_kind_block().implied_type();
    assert_eq!(
        msgpack::encode(&Value::unknown(), &ty).unwrap(),
        vec![0xd4, 0, 0]
    );
    assert_eq!(
        msgpack::decode(&[0xd4, 0, 0], &ty).unwrap(),
        Value::unknown()
    );
    // Any extension code is unknown.
    assert_eq!(
        msgpack::decode(&[0xd4, 5, 9], &Type::Number).unwrap(),
        Value::unknown()
    );
}

#[test]
fn unknowns_at_every_depth_round_trip() {
    let ty = every_kind_block().implied_type();
    let u = Value::unknown;
    let mut v = every_kind_value();
    v.set_attr("s", u()); // attribute
    v.set_attr("l", Value::list([s("x"), u()])); // list element
    v.set_attr("m", Value::map([("k", u())])); // map value
    v.set_attr("o", Value::object([("x", u()), ("y", u())])); // object attribute
    v.set_attr("single", inner_obj("one", u())); // nested block attribute
    v.set_attr("group", u()); // whole nested block
    v.set_attr("list", Value::list([inner_obj("a", u()), u()])); // block list element
    v.set_attr("map", Value::map([("lbl", u())]));
    v.set_attr("d", u()); // dynamic
    assert!(!v.is_wholly_known());
    assert_eq!(msgpack_rt(&v, &ty), v);
    assert!(json::encode(&v, &ty).is_err(), "JSON cannot carry unknowns");
    // top level
    assert_eq!(msgpack_rt(&u(), &ty), u());
}

#[test]
fn refined_unknown_decodes_with_refinements() {
    // ext8 (c7), len 9, type 0x0c, payload {1: false, 2: "vpn-"}
    let bytes = [
        0xc7, 0x09, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa4, b'v', b'p', b'n', b'-',
    ];
    let v = msgpack::decode(&bytes, &Type::String).unwrap();
    let Value::Unknown(r) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(r.not_null, Some(true));
    assert_eq!(r.string_prefix.as_deref(), Some("vpn-"));
    assert!(v.is_unknown() && !v.is_null());
    // fixext1 (d4) type 0x0c with an empty map payload: an unrefined unknown.
    assert_eq!(
        msgpack::decode(&[0xd4, 0x0c, 0x80], &Type::String).unwrap(),
        Value::unknown()
    );
    // Re-encoding keeps the refinements.
    assert_eq!(msgpack_rt(&v, &Type::String), v);
}

#[test]
fn number_and_length_refinements_round_trip_and_unknown_keys_are_ignored() {
    let r = Refinements {
        not_null: Some(true),
        number_lower: Some((Number::Int(0), true)),
        number_upper: Some((Number::Float(10.5), false)),
        ..Default::default()
    };
    let v = Value::Unknown(r.clone());
    assert_eq!(msgpack_rt(&v, &Type::Number), v);
    let lr = Refinements {
        length_lower: Some(1),
        length_upper: Some(3),
        ..Default::default()
    };
    let lv = Value::Unknown(lr);
    assert_eq!(msgpack_rt(&lv, &Type::list(Type::String)), lv);
    // Refinements invalid for the type are dropped; nothing left means ext 0.
    assert_eq!(
        msgpack::encode(&lv, &Type::String).unwrap(),
        vec![0xd4, 0, 0]
    );
    // payload {9: 1, 1: false}: key 9 is unknown and ignored
    let bytes = [0xc7, 0x05, 0x0c, 0x82, 0x09, 0x01, 0x01, 0xc2];
    let Value::Unknown(d) = msgpack::decode(&bytes, &Type::Number).unwrap() else {
        panic!()
    };
    assert_eq!(
        d,
        Refinements {
            not_null: Some(true),
            ..Default::default()
        }
    );
}

#[test]
fn numbers_round_trip_exactly() {
    let big = "123456789012345678901234567890";
    let cases = [
        Number::Int(i64::MIN),
        Number::Int(i64::MAX),
        Number::Int(0),
        Number::Float(0.1),
        Number::Float(-1.5e300),
        Number::Float(3.0),
        Number::Big(big.to_string()),
        Number::Big("-98765432109876543210987654321".to_string()),
        Number::Big("0.1000000000000000000000000001".to_string()),
        Number::Big(u64::MAX.to_string()),
    ];
    for n in cases {
        let v = Value::Number(n.clone());
        assert_eq!(msgpack_rt(&v, &Type::Number), v, "msgpack {n:?}");
        assert_eq!(json_rt(&v, &Type::Number), v, "json {n:?}");
    }
    // Wire forms: big numbers are strings in msgpack and bare numbers in JSON.
    let v = Value::Number(Number::Big(big.to_string()));
    let mp = msgpack::encode(&v, &Type::Number).unwrap();
    assert_eq!(mp[0], 0xa0 | big.len() as u8);
    assert_eq!(json::encode(&v, &Type::Number).unwrap(), big.as_bytes());
    assert_eq!(json::decode(big.as_bytes(), &Type::Number).unwrap(), v);
    // u64 beyond i64 from msgpack becomes Big.
    let mp = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(
        msgpack::decode(&mp, &Type::Number).unwrap(),
        Value::Number(Number::Big(u64::MAX.to_string()))
    );
    // Numbers may arrive as strings in JSON and in msgpack.
    assert_eq!(
        json::decode(b"\"42\"", &Type::Number).unwrap(),
        Value::int(42)
    );
    assert_eq!(
        msgpack::decode(&[0xa2, b'4', b'2'], &Type::Number).unwrap(),
        Value::int(42)
    );
    assert_eq!(Value::int(i64::MAX).as_i64(), Some(i64::MAX));
    assert!(Number::from_decimal("nan").is_err() && Number::from_decimal("").is_err());
    assert!(Number::Int(1).num_eq(&Number::Float(1.0)));
}

#[test]
fn dynamic_values_round_trip_and_use_the_documented_wire_forms() {
    let ty = Type::Dynamic;
    let v = Value::Dynamic(
        Type::object([("a", Type::String), ("b", Type::list(Type::Number))]),
        Box::new(Value::object([
            ("a", s("x")),
            ("b", Value::list([Value::int(1)])),
        ])),
    );
    assert_eq!(msgpack_rt(&v, &ty), v);
    assert_eq!(json_rt(&v, &ty), v);
    let mp = msgpack::encode(&Value::Dynamic(Type::String, Box::new(s("hi"))), &ty).unwrap();
    // [bin8 "\"string\"", "hi"]
    let mut expect = vec![0x92, 0xc4, 8];
    expect.extend_from_slice(b"\"string\"");
    expect.extend_from_slice(&[0xa2, b'h', b'i']);
    assert_eq!(mp, expect);
    let j = json::encode(&Value::Dynamic(Type::String, Box::new(s("hi"))), &ty).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&j).unwrap();
    assert_eq!(j, serde_json::json!({"type": "string", "value": "hi"}));
    // A plain value written to a dynamic attribute gets its type inferred.
    assert_eq!(
        msgpack_rt(&s("hi"), &ty),
        Value::Dynamic(Type::String, Box::new(s("hi")))
    );
    // Typed unknowns and nulls inside dynamic keep their type.
    let tu = Value::Dynamic(Type::String, Box::new(Value::unknown()));
    assert_eq!(msgpack_rt(&tu, &ty), tu);
    assert!(tu.is_unknown());
}

#[test]
fn decoding_is_strict_about_the_type() {
    assert!(msgpack::decode(&[0xa1, b'x'], &Type::Number).is_err());
    assert!(msgpack::decode(&[0x01], &Type::String).is_err());
    assert!(
        msgpack::decode(&[0xc0, 0xc0], &Type::String).is_err(),
        "trailing bytes"
    );
    let ty = Type::object([("a", Type::String)]);
    let err = json::decode(br#"{"a":"x","zz":1}"#, &ty).unwrap_err();
    assert!(format!("{err:#}").contains("zz"));
    let err = json::decode(br#"{"a":[1]}"#, &ty).unwrap_err();
    assert!(format!("{err:#}").contains("at a"), "{err:#}");
    assert!(msgpack::encode(&Value::object([("b", s("x"))]), &ty).is_err());
    assert!(json::decode(b"{\"a\":\"x\"} junk", &ty).is_err());
    // Raw state from an older schema: removed attributes are dropped.
    let old = br#"{"a":"x","removed":{"deep":[1]}}"#;
    assert_eq!(
        json::decode_state(old, &ty).unwrap(),
        Value::object([("a", s("x"))])
    );
}

#[test]
fn types_round_trip_through_json() {
    let ty = every_kind_block().implied_type();
    assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    assert_eq!(
        Type::list(Type::String).to_json_bytes(),
        br#"["list","string"]"#
    );
    assert_eq!(
        Type::from_json(&serde_json::json!(["object", {"a": "bool"}, ["a"]])).unwrap(),
        Type::object([("a", Type::Bool)])
    );
    assert!(Type::from_json(&serde_json::json!("strin")).is_err());
    assert_eq!(
        Type::list(Type::object([("a", Type::Number)])).to_string(),
        "list(object({a=number}))"
    );
}

#[test]
fn implied_type_covers_every_nesting_mode() {
    let inner = Block::new("").attr(Attribute::required("id", Type::String, ""));
    let obj = Type::object([("id", Type::String)]);
    let b = Block::new("")
        .attr(Attribute::optional("x", Type::Number, ""))
        .block(NestedBlock::single("single", inner.clone()))
        .block(NestedBlock::group("group", inner.clone()))
        .block(NestedBlock::list("list", inner.clone()))
        .block(NestedBlock::set("set", inner.clone()))
        .block(NestedBlock::map("map", inner));
    let expect = Type::object([
        ("x", Type::Number),
        ("single", obj.clone()),
        ("group", obj.clone()),
        ("list", Type::list(obj.clone())),
        ("set", Type::set(obj.clone())),
        ("map", Type::map(obj)),
    ]);
    assert_eq!(b.implied_type(), expect);
    // List and map blocks holding dynamic values are dynamic (tuples/objects on the wire).
    let dynb = Block::new("").attr(Attribute::optional("v", Type::Dynamic, ""));
    let b = Block::new("")
        .block(NestedBlock::list("l", dynb.clone()))
        .block(NestedBlock::map("m", dynb.clone()))
        .block(NestedBlock::set("s", dynb));
    let t = b.implied_type();
    assert_eq!(
        t.to_json(),
        serde_json::json!(["object", {"l": "dynamic", "m": "dynamic", "s": ["set", ["object", {"v": "dynamic"}]]}])
    );
    let obj = Type::object([("v", Type::Dynamic)]);
    let lv = Value::Dynamic(
        Type::Tuple(vec![obj.clone()]),
        Box::new(Value::Tuple(vec![Value::object([(
            "v",
            Value::Dynamic(Type::Bool, Box::new(Value::bool(true))),
        )])])),
    );
    let v = Value::object([("l", lv), ("m", Value::Null), ("s", Value::Null)]);
    assert_eq!(msgpack_rt(&v, &t), v);
}

#[test]
fn schema_to_proto_carries_flags_types_and_plan_notes() {
    let b = every_kind_block()
        .attr(
            Attribute::optional_computed("region", Type::String, "Where.")
                .requires_replace()
                .use_state_for_unknown(),
        )
        .attr(
            Attribute::optional("psk", Type::String, "Key.")
                .sensitive()
                .write_only(),
        )
        .attr(Attribute::optional("port", Type::Number, "Port.").default_value(Value::int(500)));
    let p = Schema::new(2, b).to_proto();
    assert_eq!(p.version, 2);
    let blk = p.block.unwrap();
    assert_eq!(blk.description_kind, proto::StringKind::Markdown as i32);
    let region = blk.attributes.iter().find(|a| a.name == "region").unwrap();
    assert!(region.optional && region.computed && !region.required);
    assert!(
        region.description.contains("forces a new resource"),
        "{}",
        region.description
    );
    assert!(region.description.starts_with("Where."));
    assert_eq!(region.r#type, b"\"string\"");
    let psk = blk.attributes.iter().find(|a| a.name == "psk").unwrap();
    assert!(psk.sensitive && psk.write_only);
    let port = blk.attributes.iter().find(|a| a.name == "port").unwrap();
    assert!(port.optional && port.computed && port.description.contains("Defaults to `500`"));
    let na = blk.attributes.iter().find(|a| a.name == "na").unwrap();
    assert!(na.r#type.is_empty());
    let nt = na.nested_type.as_ref().unwrap();
    assert_eq!(nt.nesting, proto::schema::object::NestingMode::List as i32);
    assert_eq!(nt.attributes.len(), 2);
    let list = blk
        .block_types
        .iter()
        .find(|b| b.type_name == "list")
        .unwrap();
    assert_eq!(
        list.nesting,
        proto::schema::nested_block::NestingMode::List as i32
    );
    assert_eq!((list.min_items, list.max_items), (1, 4));
    let group = blk
        .block_types
        .iter()
        .find(|b| b.type_name == "group")
        .unwrap();
    assert_eq!(
        group.nesting,
        proto::schema::nested_block::NestingMode::Group as i32
    );
}

#[test]
fn walk_lists_top_level_and_single_block_attributes() {
    let paths: Vec<String> = every_kind_block()
        .walk()
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert!(paths.contains(&"s".to_string()));
    assert!(paths.contains(&"single.name".to_string()));
    assert!(paths.contains(&"group.size".to_string()));
    assert!(!paths.iter().any(|p| p.starts_with("list")));
}

#[test]
fn paths_display_and_convert_to_proto() {
    let p = AttributePath::root()
        .attr("aws")
        .attr("route_table_ids")
        .index(0);
    assert_eq!(p.to_string(), "aws.route_table_ids[0]");
    let t = AttributePath::root().attr("tags").key("Name");
    assert_eq!(t.to_string(), r#"tags["Name"]"#);
    for path in [p, t, AttributePath::root()] {
        assert_eq!(AttributePath::from_proto(&path.to_proto()), path);
    }
    let pp = AttributePath::root().attr("a").key("k").index(3).to_proto();
    use proto::attribute_path::step::Selector;
    let sel: Vec<_> = pp
        .steps
        .iter()
        .map(|s| s.selector.clone().unwrap())
        .collect();
    assert_eq!(
        sel,
        vec![
            Selector::AttributeName("a".into()),
            Selector::ElementKeyString("k".into()),
            Selector::ElementKeyInt(3)
        ]
    );
}

#[test]
fn value_accessors_follow_paths() {
    let v = every_kind_value();
    assert_eq!(
        v.at(&AttributePath::root().attr("list").index(1).attr("name")),
        &s("b")
    );
    assert_eq!(
        v.at(&AttributePath::root().attr("map").key("lbl").attr("size"))
            .as_i64(),
        Some(4)
    );
    assert!(v.at(&AttributePath::root().attr("list").index(9)).is_null());
    assert_eq!(v.attr("nope"), &Value::Null);
    assert_eq!(v.attr("s").as_str(), Some("hello"));
    assert_eq!(v.attr("b").as_bool(), Some(true));
    assert_eq!(v.attr("l").as_list().unwrap().len(), 2);
    assert_eq!(
        v.attr("d").as_list().unwrap().len(),
        2,
        "dynamic is looked through"
    );
    assert!(Value::Null.attr("x").is_null());
    let mut o = Value::Null;
    o.set_attr("a", Value::int(1));
    *o.attr_mut("a").unwrap() = Value::int(2);
    assert_eq!(o, Value::object([("a", Value::int(2))]));
    assert!(Value::Set(vec![Value::int(1), Value::int(2)])
        .equals(&Value::Set(vec![Value::int(2), Value::int(1)])));
}

#[test]
fn diagnostics_convert_to_proto_with_paths_and_context() {
    let d = Diagnostic::error("Invalid PSK", "must be 8-64 characters")
        .with_path(AttributePath::root().attr("tunnel").index(0).attr("psk"));
    let p = d.to_proto();
    assert_eq!(p.severity, proto::diagnostic::Severity::Error as i32);
    assert_eq!(p.summary, "Invalid PSK");
    assert_eq!(p.attribute.as_ref().unwrap().steps.len(), 3);
    assert_eq!(Diagnostic::from_proto(&p), d);
    let w = Diagnostic::warning("w", "d").to_proto();
    assert_eq!(w.severity, proto::diagnostic::Severity::Warning as i32);
    assert!(w.attribute.is_none());

    let e = anyhow::anyhow!("connection refused")
        .context("waiting for AWS VPN connection (vpn-1) to become available");
    let d: Diagnostic = e.into();
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.summary,
        "waiting for AWS VPN connection (vpn-1) to become available"
    );
    assert_eq!(
        d.detail,
        "waiting for AWS VPN connection (vpn-1) to become available: connection refused"
    );

    let mut ds = Diagnostics::default();
    assert!(!ds.has_errors());
    ds.warning("careful", "");
    assert!(!ds.has_errors());
    ds.error("bad", "worse");
    ds.push(Diagnostic::error("x", "y"));
    ds.extend(vec![Diagnostic::warning("a", "b")]);
    assert!(ds.has_errors());
    assert_eq!(ds.to_proto().len(), 4);
    assert_eq!(ds.iter().filter(|d| d.is_error()).count(), 2);
}

fn plan_block() -> Block {
    let tunnel = Block::new("tunnel")
        .attr(Attribute::required("inside_cidr", Type::String, "").requires_replace())
        .attr(Attribute::optional("label", Type::String, ""))
        .attr(Attribute::computed("outside_ip", Type::String, ""));
    Block::new("res")
        .attr(Attribute::computed("id", Type::String, "").use_state_for_unknown())
        .attr(Attribute::required("vpc_id", Type::String, "").requires_replace())
        .attr(Attribute::optional("name", Type::String, ""))
        .attr(Attribute::computed("arn", Type::String, ""))
        .attr(Attribute::optional_computed("asn", Type::Number, "").requires_replace())
        .attr(Attribute::optional("port", Type::Number, "").default_value(Value::int(500)))
        .attr(Attribute::optional("psk", Type::String, "").write_only())
        .block(NestedBlock::list("tunnel", tunnel).max(2))
        .block(
            NestedBlock::single(
                "options",
                Block::new("").attr(Attribute::optional("mode", Type::String, "")),
            )
            .requires_replace(),
        )
}

fn tunnel(cidr: &str, label: Value, ip: Value) -> Value {
    Value::object([
        ("inside_cidr", s(cidr)),
        ("label", label),
        ("outside_ip", ip),
    ])
}

fn prior_state() -> Value {
    Value::object([
        ("id", s("cl-1")),
        ("vpc_id", s("vpc-1")),
        ("name", s("a")),
        ("arn", s("arn:1")),
        ("asn", Value::int(64512)),
        ("port", Value::int(500)),
        ("psk", Value::Null),
        (
            "tunnel",
            Value::list([tunnel("169.254.10.0/30", Value::Null, s("1.1.1.1"))]),
        ),
        ("options", Value::object([("mode", s("x"))])),
    ])
}

#[test]
fn apply_defaults_fills_null_config_only() {
    let b = plan_block();
    let cfg = Value::object([("vpc_id", s("vpc-1")), ("port", Value::Null)]);
    assert_eq!(apply_defaults(&b, &cfg).attr("port"), &Value::int(500));
    let cfg = Value::object([("vpc_id", s("vpc-1")), ("port", Value::int(4500))]);
    assert_eq!(apply_defaults(&b, &cfg).attr("port"), &Value::int(4500));
    let cfg = Value::object([("port", Value::unknown())]);
    assert!(apply_defaults(&b, &cfg).attr("port").is_unknown());
    assert_eq!(apply_defaults(&b, &Value::Null), Value::Null);
}

#[test]
fn mark_computed_unknown_on_create_update_and_noop() {
    let b = plan_block();
    let config = Value::object([
        ("vpc_id", s("vpc-1")),
        ("name", s("b")),
        ("psk", s("secret")),
        (
            "tunnel",
            Value::list([tunnel("169.254.10.0/30", Value::Null, Value::Null)]),
        ),
        ("options", Value::object([("mode", s("x"))])),
    ]);
    // Create: computed are unknown, default applied, write-only nulled.
    let planned = mark_computed_unknown(&b, &config, &Value::Null, config.clone());
    assert!(planned.attr("id").is_unknown());
    assert!(planned.attr("arn").is_unknown());
    assert!(planned.attr("asn").is_unknown());
    assert_eq!(planned.attr("port"), &Value::int(500));
    assert!(planned.attr("psk").is_null());
    assert!(planned
        .at(&AttributePath::root()
            .attr("tunnel")
            .index(0)
            .attr("outside_ip"))
        .is_unknown());

    // Update (name changes): id kept from state, arn unknown, nested computed unknown.
    let prior = prior_state();
    let mut proposed = prior.clone();
    proposed.set_attr("name", s("b"));
    proposed.set_attr("psk", s("secret"));
    let planned = mark_computed_unknown(&b, &config, &prior, proposed);
    assert_eq!(planned.attr("id"), &s("cl-1"));
    assert!(planned.attr("arn").is_unknown());
    assert_eq!(planned.attr("name"), &s("b"));
    assert!(planned.attr("psk").is_null());
    assert!(planned
        .at(&AttributePath::root()
            .attr("tunnel")
            .index(0)
            .attr("outside_ip"))
        .is_unknown());
    assert_eq!(
        requires_replace_paths(&b, &prior, &planned),
        vec![],
        "asn and arn are only recomputed"
    );

    // No change: the plan is the prior state (write-only still nulled).
    let mut proposed = prior.clone();
    proposed.set_attr("psk", s("secret"));
    let mut cfg = config.clone();
    cfg.set_attr("name", s("a"));
    assert_eq!(mark_computed_unknown(&b, &cfg, &prior, proposed), prior);
}

#[test]
fn requires_replace_paths_finds_changed_attributes_and_blocks() {
    let b = plan_block();
    let prior = prior_state();
    // Create and destroy never replace.
    assert!(requires_replace_paths(&b, &Value::Null, &prior).is_empty());
    assert!(requires_replace_paths(&b, &prior, &Value::Null).is_empty());
    assert!(requires_replace_paths(&b, &prior, &prior).is_empty());

    let mut planned = prior.clone();
    planned.set_attr("vpc_id", s("vpc-2"));
    planned.set_attr("name", s("other"));
    planned.set_attr(
        "tunnel",
        Value::list([tunnel("169.254.20.0/30", Value::Null, Value::unknown())]),
    );
    planned.set_attr("options", Value::object([("mode", s("y"))]));
    let paths: Vec<String> = requires_replace_paths(&b, &prior, &planned)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(paths, vec!["vpc_id", "tunnel[0].inside_cidr", "options"]);

    // A config-derived unknown in a non-computed attribute forces replacement; a
    // recomputed (computed) unknown does not; a known change to optional+computed does.
    let mut planned = prior.clone();
    planned.set_attr("vpc_id", Value::unknown());
    planned.set_attr("asn", Value::unknown());
    let paths = requires_replace_paths(&b, &prior, &planned);
    assert_eq!(paths, vec![AttributePath::root().attr("vpc_id")]);
    planned.set_attr("vpc_id", s("vpc-1"));
    planned.set_attr("asn", Value::int(65000));
    assert_eq!(
        requires_replace_paths(&b, &prior, &planned),
        vec![AttributePath::root().attr("asn")]
    );
    // Only the computed part of a replace-on-change block changing is not a change.
    let mut planned = prior.clone();
    planned.set_attr(
        "tunnel",
        Value::list([tunnel("169.254.10.0/30", Value::Null, Value::unknown())]),
    );
    assert!(requires_replace_paths(&b, &prior, &planned).is_empty());
}

#[test]
fn null_write_only_clears_every_level() {
    let inner = Block::new("").attr(Attribute::optional("secret", Type::String, "").write_only());
    let b = Block::new("")
        .attr(Attribute::optional("psk", Type::String, "").write_only())
        .attr(Attribute::optional("keep", Type::String, ""))
        .block(NestedBlock::list("t", inner));
    let v = Value::object([
        ("psk", s("x")),
        ("keep", s("y")),
        ("t", Value::list([Value::object([("secret", s("z"))])])),
    ]);
    let out = null_write_only(&b, v);
    assert!(out.attr("psk").is_null());
    assert_eq!(out.attr("keep"), &s("y"));
    assert!(out
        .at(&AttributePath::root().attr("t").index(0).attr("secret"))
        .is_null());
}

// ---- property tests ----

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Number::Float),
        ("-?", "[1-9][0-9]{19,39}").prop_map(|(sign, d)| Number::Big(format!("{sign}{d}"))),
        ("[0-9]{1,5}", "[0-9]{20,30}[1-9]").prop_map(|(i, f)| Number::Big(format!(
            "{}.{f}",
            i.trim_start_matches('0').to_owned() + "0"
        ))),
    ]
}

fn arb_value(ty: &Type, unknowns: bool, depth: u32) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => {
            if depth == 0 {
                any::<String>()
                    .prop_map(|x| Value::Dynamic(Type::String, Box::new(Value::String(x))))
                    .boxed()
            } else {
                arb_type()
                    .prop_flat_map(move |t| {
                        arb_value(&t, unknowns, depth - 1)
                            .prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
                    })
                    .boxed()
            }
        }
        Type::List(et) => prop::collection::vec(arb_value(et, unknowns, depth), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(arb_value(et, unknowns, depth), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(et) => {
            prop::collection::btree_map(".{0,6}", arb_value(et, unknowns, depth), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Object(attrs) => {
            let parts: Vec<_> = attrs
                .iter()
                .map(|(k, t)| {
                    let k = k.clone();
                    arb_value(t, unknowns, depth).prop_map(move |v| (k.clone(), v))
                })
                .collect();
            parts
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<BTreeMap<_, _>>()))
                .boxed()
        }
        Type::Tuple(ets) => {
            let parts: Vec<_> = ets.iter().map(|t| arb_value(t, unknowns, depth)).collect();
            parts.prop_map(Value::Tuple).boxed()
        }
    };
    if unknowns {
        let refined = if *ty == Type::Dynamic {
            Just(Value::unknown()).boxed()
        } else {
            Just(Value::unknown_not_null()).boxed()
        };
        prop_oneof![6 => known, 1 => Just(Value::Null), 1 => Just(Value::unknown()), 1 => refined]
            .boxed()
    } else {
        prop_oneof![6 => known, 1 => Just(Value::Null)].boxed()
    }
}

fn arb_typed(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| arb_value(&t, unknowns, 2).prop_map(move |v| (t.clone(), v)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn msgpack_round_trips_any_value((ty, v) in arb_typed(true)) {
        let bytes = msgpack::encode(&v, &ty).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn json_round_trips_any_known_value((ty, v) in arb_typed(false)) {
        let bytes = json::encode(&v, &ty).unwrap();
        prop_assert_eq!(json::decode(&bytes, &ty).unwrap(), v.clone());
        // and the JSON is valid for a standard parser
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
    }

    #[test]
    fn types_round_trip_as_json(ty in arb_type()) {
        prop_assert_eq!(Type::from_json_bytes(&ty.to_json_bytes()).unwrap(), ty);
    }
}

/// A block whose `cidr` attributes must end in `/30`, in a single block, a list block and a
/// list-nested attribute, with a rule over the top level.
fn validated_block() -> Block {
    use super::validator::check;
    let slash30 = || {
        check("a /30.", |v, at| {
            v.as_str()
                .filter(|s| !s.ends_with("/30"))
                .map(|_| Diagnostic::error("Not a /30", "").with_path(at.clone()))
                .into_iter()
                .collect()
        })
    };
    let inner = || {
        Block::new("")
            .attr(Attribute::optional("cidr", Type::String, "Inside CIDR.").validator(slash30()))
    };
    Block::new("top")
        .attr(Attribute::optional("cidr", Type::String, "Top CIDR.").validator(slash30()))
        .attr(Attribute::optional("name", Type::String, ""))
        .attr(
            Attribute::optional("items", Type::list(Type::Dynamic), "")
                .nested_type(NestingMode::List, inner()),
        )
        .block(NestedBlock::single("single", inner()))
        .block(NestedBlock::list("tunnel", inner()))
        .block(NestedBlock::map("labelled", inner()))
        .rule(BlockRule::new(
            "name_needs_cidr",
            "`name` needs `cidr`.",
            |v, at| {
                if v.attr("name").is_null() || !v.attr("cidr").is_null() {
                    return Diagnostics::new();
                }
                Diagnostic::error("Name without CIDR", "")
                    .with_path(at.clone().attr("name"))
                    .into()
            },
        ))
}

fn inner_cidr(c: Value) -> Value {
    Value::object([("cidr", c)])
}

fn validated_config(top: Value, tunnels: Vec<Value>) -> Value {
    Value::object([
        ("cidr", top),
        ("name", Value::Null),
        ("items", Value::Null),
        ("single", inner_cidr(s("10.0.0.0/30"))),
        ("tunnel", Value::List(tunnels)),
        ("labelled", Value::Null),
    ])
}

fn paths_of(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
        .collect()
}

#[test]
fn validate_config_reports_on_the_path_the_schema_walk_found() {
    let b = validated_block();
    let ok = validated_config(s("10.0.0.0/30"), vec![inner_cidr(s("10.0.0.4/30"))]);
    assert!(validate_config(&b, &ok).is_empty());
    // A bad value inside a single block and in the second element of a list block.
    let mut c = validated_config(
        s("10.0.0.0/30"),
        vec![inner_cidr(s("10.0.0.4/30")), inner_cidr(s("10.0.0.0/24"))],
    );
    c.set_attr("single", inner_cidr(s("10.9.0.0/16")));
    assert_eq!(
        paths_of(&validate_config(&b, &c)),
        ["single.cidr", "tunnel[1].cidr"]
    );
    // List-nested attributes by index, map blocks by key, the rule at the top.
    let mut c = validated_config(s("10.0.0.0/24"), vec![]);
    c.set_attr(
        "items",
        Value::List(vec![inner_cidr(s("10.0.0.0/30")), inner_cidr(s("bad"))]),
    );
    c.set_attr(
        "labelled",
        Value::map([("east".to_string(), inner_cidr(s("bad")))]),
    );
    assert_eq!(
        paths_of(&validate_config(&b, &c)),
        ["cidr", "items[1].cidr", "labelled[\"east\"].cidr"]
    );
    let mut c = validated_config(Value::Null, vec![]);
    c.set_attr("name", s("x"));
    let d = validate_config(&b, &c);
    assert_eq!(paths_of(&d), ["name"]);
    assert_eq!(d.iter().next().unwrap().summary, "Name without CIDR");
}

#[test]
fn validate_config_skips_unknown_and_null_values() {
    let b = validated_block();
    let c = validated_config(
        Value::unknown(),
        vec![inner_cidr(Value::unknown()), inner_cidr(Value::Null)],
    );
    assert!(validate_config(&b, &c).is_empty());
    // A list not known yet, or a wholly unknown block, is not entered.
    let mut c = validated_config(s("10.0.0.0/30"), vec![]);
    c.set_attr("tunnel", Value::unknown());
    c.set_attr("single", Value::unknown());
    assert!(validate_config(&b, &c).is_empty());
    // each_element skips unknown elements of a list otherwise checked.
    let psk = super::validator::each_element(super::validator::check("x", |_, at| {
        Diagnostic::error("bad", "").with_path(at.clone()).into()
    }));
    let d = psk.validate(
        &Value::List(vec![s("a"), Value::unknown(), s("b")]),
        &AttributePath::attrs(["keys"]),
    );
    assert_eq!(paths_of(&d), ["keys[0]", "keys[2]"]);
}

#[test]
fn rule_and_validator_descriptions_reach_the_docs() {
    let b = validated_block().attr(
        Attribute::optional("zone", Type::String, "Zone.").replace_if(ReplaceIf::new(
            "Moving to another zone forces a new resource.",
            |p, n| p.as_str().is_some() && n.as_str().is_some(),
        )),
    );
    let md = crate::docs::schema_markdown(&b);
    assert!(
        md.contains("- `cidr` (String) Top CIDR. Checked at validation: a /30."),
        "{md}"
    );
    assert!(
        md.contains("Inside CIDR. Checked at validation: a /30."),
        "{md}"
    );
    assert!(
        md.contains("### Validation rules")
            && md.contains("- `name_needs_cidr`: `name` needs `cidr`."),
        "{md}"
    );
    assert!(
        md.contains("Zone. Moving to another zone forces a new resource."),
        "{md}"
    );
    let proto = Schema::new(0, b).to_proto();
    let cidr = proto
        .block
        .unwrap()
        .attributes
        .into_iter()
        .find(|a| a.name == "cidr")
        .unwrap();
    assert!(cidr.description.ends_with("Checked at validation: a /30."));
}

#[test]
fn replace_if_conditions_decide_the_replacement_paths() {
    let b = Block::new("")
        .attr(
            Attribute::optional("zone", Type::String, "").replace_if(ReplaceIf::new(
                "Only a change away from `a` replaces.",
                |p, _| p.as_str() == Some("a"),
            )),
        )
        .attr(Attribute::optional("name", Type::String, "").requires_replace());
    let v = |zone: &str, name: &str| Value::object([("zone", s(zone)), ("name", s(name))]);
    let paths = |p: &Value, n: &Value| -> Vec<String> {
        requires_replace_paths(&b, p, n)
            .iter()
            .map(|x| x.to_string())
            .collect()
    };
    assert_eq!(paths(&v("a", "x"), &v("b", "x")), ["zone"]);
    assert!(paths(&v("b", "x"), &v("c", "x")).is_empty());
    assert!(paths(&v("a", "x"), &v("a", "x")).is_empty());
    assert_eq!(paths(&v("b", "x"), &v("b", "y")), ["name"]);
    assert_eq!(b.attributes[1].replace, vec![ReplaceIf::always()]);
    assert_eq!(
        ReplaceIf::always().description,
        schema::REQUIRES_REPLACE_NOTE
    );
}
