//! Schemas as data: attributes carry their plan behaviour (validators, replace conditions,
//! `use_state_for_unknown`, `default`) next to their docs, and generic helpers apply it: the
//! validation walk, defaults, unknown computed values and the replacement paths.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::types::Type;
use super::validator::{BlockRule, ReplaceIf, Validator, Validators};
use super::value::Value;
use crate::proto::tfplugin6 as proto;

/// Doc note of a plain `RequiresReplace` (re-exported from [`super::validator`]).
pub use super::validator::REQUIRES_REPLACE_NOTE;
/// Doc note added to attributes marked [`Attribute::use_state_for_unknown`].
pub const USE_STATE_FOR_UNKNOWN_NOTE: &str =
    "Once set, the value of this attribute in state will not change.";

/// How the blocks (or nested attribute objects) of one name are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NestingMode {
    /// At most one block; null when absent.
    Single,
    /// Exactly one block; Terraform synthesizes an empty one when absent.
    Group,
    /// An ordered list of blocks.
    List,
    /// An unordered set of blocks.
    Set,
    /// Blocks keyed by their label.
    Map,
}

impl NestingMode {
    fn block_proto(self) -> proto::schema::nested_block::NestingMode {
        use proto::schema::nested_block::NestingMode as P;
        match self {
            NestingMode::Single => P::Single,
            NestingMode::Group => P::Group,
            NestingMode::List => P::List,
            NestingMode::Set => P::Set,
            NestingMode::Map => P::Map,
        }
    }

    fn object_proto(self) -> proto::schema::object::NestingMode {
        use proto::schema::object::NestingMode as P;
        match self {
            NestingMode::Single | NestingMode::Group => P::Single,
            NestingMode::List => P::List,
            NestingMode::Set => P::Set,
            NestingMode::Map => P::Map,
        }
    }

    /// The type of a collection of `obj` values under this nesting. Lists and maps of
    /// objects containing `dynamic` become `dynamic` themselves (their values then travel
    /// as tuples and objects with an explicit type), as Terraform's decoder spec does.
    pub fn collection_type(self, obj: Type) -> Type {
        match self {
            NestingMode::Single | NestingMode::Group => obj,
            NestingMode::List if obj.has_dynamic() => Type::Dynamic,
            NestingMode::Map if obj.has_dynamic() => Type::Dynamic,
            NestingMode::List => Type::list(obj),
            NestingMode::Set => Type::set(obj),
            NestingMode::Map => Type::map(obj),
        }
    }
}

/// One attribute of a block, with its plan behaviour as data (STYLE point 8).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// Its type (ignored when `nested` is set).
    pub ty: Type,
    /// Markdown description; plan behaviour notes are appended by [`Attribute::markdown_description`].
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// The provider may set it.
    pub computed: bool,
    /// Hidden in Terraform's output.
    pub sensitive: bool,
    /// Taken from config but never stored in plan or state.
    pub write_only: bool,
    /// Shown as deprecated.
    pub deprecated: bool,
    /// Checks of a configured value, run by [`validate_config`] at the attribute's path.
    pub validators: Validators,
    /// `# forces replacement` when the planned value differs from prior and one of these
    /// conditions holds.
    pub replace: Vec<ReplaceIf>,
    /// A computed value is kept from prior state in plans instead of becoming unknown.
    pub use_state_for_unknown: bool,
    /// Applied when config is null (optional+computed).
    pub default: Option<Value>,
    /// v6 nested attribute type (`nested_type`); `ty` is then derived from it.
    pub nested: Option<(NestingMode, Block)>,
}

impl Attribute {
    fn base(name: impl Into<String>, ty: Type, desc: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            ty,
            description: desc.into(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            validators: Validators::default(),
            replace: Vec::new(),
            use_state_for_unknown: false,
            default: None,
            nested: None,
        }
    }

    /// An attribute the user must set.
    pub fn required(name: impl Into<String>, ty: Type, desc: impl Into<String>) -> Self {
        Attribute {
            required: true,
            ..Self::base(name, ty, desc)
        }
    }

    /// An attribute the user may set; null otherwise.
    pub fn optional(name: impl Into<String>, ty: Type, desc: impl Into<String>) -> Self {
        Attribute {
            optional: true,
            ..Self::base(name, ty, desc)
        }
    }

    /// An attribute only the provider sets.
    pub fn computed(name: impl Into<String>, ty: Type, desc: impl Into<String>) -> Self {
        Attribute {
            computed: true,
            ..Self::base(name, ty, desc)
        }
    }

    /// An attribute the user may set, else the provider (or `default`) does.
    pub fn optional_computed(name: impl Into<String>, ty: Type, desc: impl Into<String>) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Self::base(name, ty, desc)
        }
    }

    /// Mark sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Mark write-only (never stored; Terraform 1.11+).
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Mark deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Any change forces replacement (`RequiresReplace`).
    pub fn requires_replace(self) -> Self {
        self.replace_if(ReplaceIf::always())
    }

    /// A change forces replacement when `r`'s condition holds (`RequiresReplaceIf`).
    pub fn replace_if(mut self, r: ReplaceIf) -> Self {
        self.replace.push(r);
        self
    }

    /// Check configured values with `v` (run in the order added).
    pub fn validator(mut self, v: Arc<dyn Validator>) -> Self {
        self.validators.0.push(v);
        self
    }

    /// Keep the prior computed value in plans instead of marking it unknown.
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    /// Use `v` when config leaves the attribute null (makes it optional+computed, as
    /// Terraform requires for defaults).
    pub fn default_value(mut self, v: Value) -> Self {
        self.default = Some(v);
        self.optional = true;
        self.computed = true;
        self.required = false;
        self
    }

    /// Make this a v6 nested attribute of objects described by `block` (attributes only).
    pub fn nested_type(mut self, mode: NestingMode, block: Block) -> Self {
        self.ty = mode.collection_type(block.implied_type());
        self.nested = Some((mode, block));
        self
    }

    /// The attribute's value type (derived from `nested` when set).
    pub fn value_type(&self) -> Type {
        match &self.nested {
            Some((mode, block)) => mode.collection_type(block.implied_type()),
            None => self.ty.clone(),
        }
    }

    /// The description plus notes for the plan behaviour, so docs and plans agree.
    pub fn markdown_description(&self) -> String {
        let mut notes = vec![self.description.trim().to_string()];
        if let Some(d) = &self.default {
            if let Ok(j) = super::json::encode(d, &self.value_type()) {
                notes.push(format!("Defaults to `{}`.", String::from_utf8_lossy(&j)));
            }
        }
        notes.extend(self.replace.iter().map(|r| r.description.clone()));
        if self.use_state_for_unknown {
            notes.push(USE_STATE_FOR_UNKNOWN_NOTE.to_string());
        }
        if !self.validators.is_empty() {
            notes.push(format!(
                "Checked at validation: {}",
                self.validators.descriptions().join(" ")
            ));
        }
        notes.retain(|n| !n.is_empty());
        notes.join(" ")
    }

    /// The protocol form (markdown description).
    pub fn to_proto(&self) -> proto::schema::Attribute {
        let (ty, nested_type) = match &self.nested {
            Some((mode, block)) => (
                Vec::new(),
                Some(proto::schema::Object {
                    attributes: block.attributes.iter().map(Attribute::to_proto).collect(),
                    nesting: mode.object_proto() as i32,
                    ..Default::default()
                }),
            ),
            None => (self.ty.to_json_bytes(), None),
        };
        proto::schema::Attribute {
            name: self.name.clone(),
            r#type: ty,
            nested_type,
            description: self.markdown_description(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            sensitive: self.sensitive,
            description_kind: proto::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            write_only: self.write_only,
            deprecation_message: String::new(),
        }
    }
}

/// A nested block type of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    /// The block type name.
    pub name: String,
    /// How its blocks are collected.
    pub nesting: NestingMode,
    /// The content of each block.
    pub block: Block,
    /// Minimum number of blocks (list/set), 0 for no limit.
    pub min_items: i64,
    /// Maximum number of blocks (list/set), 0 for no limit.
    pub max_items: i64,
    /// A change to these blocks forces replacement when one of these conditions holds.
    pub replace: Vec<ReplaceIf>,
    /// Markdown description (used when `block.description` is empty).
    pub description: String,
}

impl NestedBlock {
    /// A nested block type with `mode` nesting.
    pub fn new(name: impl Into<String>, nesting: NestingMode, block: Block) -> Self {
        NestedBlock {
            name: name.into(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
            replace: Vec::new(),
            description: String::new(),
        }
    }

    /// At most one block.
    pub fn single(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, NestingMode::Single, block)
    }

    /// Exactly one block, synthesized when absent.
    pub fn group(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, NestingMode::Group, block)
    }

    /// An ordered list of blocks.
    pub fn list(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, NestingMode::List, block)
    }

    /// An unordered set of blocks.
    pub fn set(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, NestingMode::Set, block)
    }

    /// Labelled blocks.
    pub fn map(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, NestingMode::Map, block)
    }

    /// At least `n` blocks.
    pub fn min(mut self, n: i64) -> Self {
        self.min_items = n;
        self
    }

    /// At most `n` blocks.
    pub fn max(mut self, n: i64) -> Self {
        self.max_items = n;
        self
    }

    /// Any change forces replacement (`RequiresReplace`).
    pub fn requires_replace(self) -> Self {
        self.replace_if(ReplaceIf::always())
    }

    /// A change forces replacement when `r`'s condition holds (`RequiresReplaceIf`).
    pub fn replace_if(mut self, r: ReplaceIf) -> Self {
        self.replace.push(r);
        self
    }

    /// The replacement notes, one sentence each, for the description and the docs.
    pub fn replace_notes(&self) -> String {
        self.replace
            .iter()
            .map(|r| r.description.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Set the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// The type of this block's value in its parent object.
    pub fn value_type(&self) -> Type {
        self.nesting.collection_type(self.block.implied_type())
    }

    /// The protocol form.
    pub fn to_proto(&self) -> proto::schema::NestedBlock {
        let mut block = self.block.to_proto();
        if block.description.is_empty() {
            block.description = self.description.trim().to_string();
        }
        if !self.replace.is_empty() {
            if !block.description.is_empty() {
                block.description.push(' ');
            }
            block.description.push_str(&self.replace_notes());
        }
        // Terraform requires MinItems == MaxItems for single/group blocks: 1/1 when the
        // block is required, else 0/0 (at most one is implied by the nesting itself).
        let (min_items, max_items) = match self.nesting {
            NestingMode::Single | NestingMode::Group if self.min_items > 0 => (1, 1),
            NestingMode::Single | NestingMode::Group => (0, 0),
            _ => (self.min_items, self.max_items),
        };
        proto::schema::NestedBlock {
            type_name: self.name.clone(),
            block: Some(block),
            nesting: self.nesting.block_proto() as i32,
            min_items,
            max_items,
        }
    }
}

/// A block: attributes plus nested block types.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// Attributes, in documentation order.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Markdown description.
    pub description: String,
    /// Shown as deprecated.
    pub deprecated: bool,
    /// Named rules over several attributes of this block, run by [`validate_config`] on
    /// every instance of it; on the top-level block these are the resource-level rules.
    pub rules: Vec<BlockRule>,
}

impl Block {
    /// An empty block with a description.
    pub fn new(desc: impl Into<String>) -> Self {
        Block {
            description: desc.into(),
            ..Block::default()
        }
    }

    /// Add an attribute.
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }

    /// Add a nested block type.
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }

    /// Add a rule over several attributes of this block.
    pub fn rule(mut self, r: BlockRule) -> Self {
        self.rules.push(r);
        self
    }

    /// The object type of this block's values (what the codecs need).
    pub fn implied_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.value_type());
        }
        for b in &self.blocks {
            attrs.insert(b.name.clone(), b.value_type());
        }
        Type::Object(attrs)
    }

    /// The attribute called `name` at this level.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested block type called `name` at this level.
    pub fn nested_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Every attribute with its path: top level plus single/group nested blocks (whose
    /// values have exactly one place); list/set/map blocks are not entered.
    pub fn walk(&self) -> Vec<(AttributePath, &Attribute)> {
        let mut out = Vec::new();
        self.walk_into(&AttributePath::root(), &mut out);
        out
    }

    fn walk_into<'a>(&'a self, at: &AttributePath, out: &mut Vec<(AttributePath, &'a Attribute)>) {
        for a in &self.attributes {
            out.push((at.clone().attr(&a.name), a));
        }
        for b in &self.blocks {
            if matches!(b.nesting, NestingMode::Single | NestingMode::Group) {
                b.block.walk_into(&at.clone().attr(&b.name), out);
            }
        }
    }

    /// The protocol form (markdown descriptions).
    pub fn to_proto(&self) -> proto::schema::Block {
        proto::schema::Block {
            version: 0,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self.blocks.iter().map(NestedBlock::to_proto).collect(),
            description: self.description.clone(),
            description_kind: proto::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            deprecation_message: String::new(),
        }
    }
}

/// A versioned schema of a resource, data source or provider.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// State schema version (for UpgradeResourceState).
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// A schema at `version`.
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }

    /// The type of values of this schema.
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }

    /// The protocol form.
    pub fn to_proto(&self) -> proto::Schema {
        proto::Schema {
            version: self.version,
            block: Some(self.block.to_proto()),
        }
    }
}

/// Apply `f` to each block object held by a nested value under `mode`; other values
/// (null, unknown) are returned unchanged.
fn map_nested(mode: NestingMode, v: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
    match (mode, v) {
        (_, Value::Dynamic(t, inner)) => {
            Value::Dynamic(t.clone(), Box::new(map_nested(mode, inner, f)))
        }
        (NestingMode::Single | NestingMode::Group, Value::Object(_)) => f(v),
        (NestingMode::List | NestingMode::Set, Value::List(items)) => {
            Value::List(items.iter().map(f).collect())
        }
        (NestingMode::List | NestingMode::Set, Value::Set(items)) => {
            Value::Set(items.iter().map(f).collect())
        }
        (NestingMode::List | NestingMode::Set, Value::Tuple(items)) => {
            Value::Tuple(items.iter().map(f).collect())
        }
        (NestingMode::Map, Value::Map(m)) => {
            Value::Map(m.iter().map(|(k, x)| (k.clone(), f(x))).collect())
        }
        (NestingMode::Map, Value::Object(m)) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), f(x))).collect())
        }
        _ => v.clone(),
    }
}

fn unwrap_dynamic(v: &Value) -> &Value {
    match v {
        Value::Dynamic(_, inner) => inner,
        other => other,
    }
}

/// Like [`map_nested`], pairing each planned element with the config and prior element
/// at the same index (list) or key (map); set elements get no prior (order is meaningless).
fn map_nested_paired(
    mode: NestingMode,
    config: &Value,
    prior: &Value,
    planned: Value,
    f: &dyn Fn(&Value, &Value, Value) -> Value,
) -> Value {
    static NULL: Value = Value::Null;
    let (config, prior) = (unwrap_dynamic(config), unwrap_dynamic(prior));
    let index = |v: &Value, i: usize| -> Value {
        v.as_list()
            .and_then(|l| l.get(i))
            .cloned()
            .unwrap_or(Value::Null)
    };
    match (mode, planned) {
        (_, Value::Dynamic(t, inner)) => Value::Dynamic(
            t,
            Box::new(map_nested_paired(mode, config, prior, *inner, f)),
        ),
        (NestingMode::Single | NestingMode::Group, p @ Value::Object(_)) => f(config, prior, p),
        (NestingMode::List, Value::List(items)) => Value::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| f(&index(config, i), &index(prior, i), x))
                .collect(),
        ),
        (NestingMode::List, Value::Tuple(items)) => Value::Tuple(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| f(&index(config, i), &index(prior, i), x))
                .collect(),
        ),
        (NestingMode::Set, Value::Set(items)) => Value::Set(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| f(&index(config, i), &NULL, x))
                .collect(),
        ),
        (NestingMode::Set, Value::List(items)) => Value::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| f(&index(config, i), &NULL, x))
                .collect(),
        ),
        (NestingMode::Map, Value::Map(m)) => Value::Map(
            m.into_iter()
                .map(|(k, x)| {
                    let c = config.as_map().and_then(|c| c.get(&k)).unwrap_or(&NULL);
                    let p = prior.as_map().and_then(|c| c.get(&k)).unwrap_or(&NULL);
                    let v = f(c, p, x);
                    (k, v)
                })
                .collect(),
        ),
        (NestingMode::Map, Value::Object(m)) => Value::Object(
            m.into_iter()
                .map(|(k, x)| {
                    let c = config.as_map().and_then(|c| c.get(&k)).unwrap_or(&NULL);
                    let p = prior.as_map().and_then(|c| c.get(&k)).unwrap_or(&NULL);
                    let v = f(c, p, x);
                    (k, v)
                })
                .collect(),
        ),
        (_, other) => other,
    }
}

/// Fill each attribute's `default` where `config` is null (not unknown), at every level.
pub fn apply_defaults(block: &Block, config: &Value) -> Value {
    let mut v = config.clone();
    if let Value::Object(m) = &mut v {
        for a in &block.attributes {
            let cur = m.entry(a.name.clone()).or_insert(Value::Null);
            if let Some(d) = &a.default {
                if matches!(cur, Value::Null) {
                    *cur = d.clone();
                }
            } else if let Some((mode, nb)) = &a.nested {
                *cur = map_nested(*mode, cur, &|x| apply_defaults(nb, x));
            }
        }
        for b in &block.blocks {
            if let Some(cur) = m.get_mut(&b.name) {
                *cur = map_nested(b.nesting, cur, &|x| apply_defaults(&b.block, x));
            }
        }
    }
    v
}

/// Set every write-only attribute to null, at every level (apply results and reads must
/// never hold them).
pub fn null_write_only(block: &Block, v: Value) -> Value {
    let mut v = v;
    if let Value::Object(m) = &mut v {
        for a in &block.attributes {
            if a.write_only {
                if let Some(cur) = m.get_mut(&a.name) {
                    *cur = Value::Null;
                }
            } else if let Some((mode, nb)) = &a.nested {
                if let Some(cur) = m.get_mut(&a.name) {
                    *cur = map_nested(*mode, cur, &|x| null_write_only(nb, x.clone()));
                }
            }
        }
        for b in &block.blocks {
            if let Some(cur) = m.get_mut(&b.name) {
                *cur = map_nested(b.nesting, cur, &|x| null_write_only(&b.block, x.clone()));
            }
        }
    }
    v
}

/// The path of every write-only attribute that `config` sets (known or not), in nested
/// blocks too. A client without the write-only capability would keep such a value in its
/// plan and state, so the provider refuses them (see `ValidateResourceConfig`).
pub fn write_only_paths_set(block: &Block, config: &Value) -> Vec<AttributePath> {
    let mut out = Vec::new();
    collect_write_only(block, config, AttributePath::root(), &mut out);
    out
}

fn collect_write_only(block: &Block, v: &Value, at: AttributePath, out: &mut Vec<AttributePath>) {
    let v = unwrap_dynamic(v);
    for a in &block.attributes {
        let cur = v.attr(&a.name);
        if a.write_only && !cur.is_null() {
            out.push(at.clone().attr(&a.name));
        } else if let Some((_, nb)) = &a.nested {
            each_nested(cur, at.clone().attr(&a.name), &mut |x, p| {
                collect_write_only(nb, x, p, out)
            });
        }
    }
    for b in &block.blocks {
        each_nested(v.attr(&b.name), at.clone().attr(&b.name), &mut |x, p| {
            collect_write_only(&b.block, x, p, out)
        });
    }
}

/// Runs every attribute's validators and every block's rules over a configuration, walking
/// it by the schema: single and group blocks at their name, list blocks and nested
/// attributes element by element (`tunnel[1].psk`), map blocks by key. A set element has no
/// index Terraform would understand, so what is found inside a set is reported on the set.
/// Attribute values that are null or not wholly known are skipped (they are checked once
/// known); a block's rules run on every instance of the block that is set, and skip the
/// unknown attributes themselves.
pub fn validate_config(block: &Block, config: &Value) -> Diagnostics {
    let mut out = Diagnostics::new();
    validate_block(block, config, &AttributePath::root(), &mut out);
    out
}

fn validate_block(block: &Block, v: &Value, at: &AttributePath, out: &mut Diagnostics) {
    let v = unwrap_dynamic(v);
    if v.is_null() || v.is_unknown() {
        return;
    }
    for a in &block.attributes {
        let (cur, here) = (v.attr(&a.name), at.clone().attr(&a.name));
        if !cur.is_null() && cur.is_wholly_known() {
            out.extend(a.validators.validate(unwrap_dynamic(cur), &here));
        }
        if let Some((mode, nb)) = &a.nested {
            each_instance(*mode, cur, here, &mut |x, p| validate_block(nb, x, &p, out));
        }
    }
    for b in &block.blocks {
        let here = at.clone().attr(&b.name);
        each_instance(b.nesting, v.attr(&b.name), here, &mut |x, p| {
            validate_block(&b.block, x, &p, out)
        });
    }
    for r in &block.rules {
        out.extend((r.check)(v, at));
    }
}

/// Like [`each_nested`], except that set elements are reported at the set's own path.
fn each_instance(
    mode: NestingMode,
    v: &Value,
    at: AttributePath,
    f: &mut dyn FnMut(&Value, AttributePath),
) {
    match (mode, unwrap_dynamic(v)) {
        (NestingMode::Set, Value::Set(items) | Value::List(items) | Value::Tuple(items)) => {
            for x in items {
                f(x, at.clone());
            }
        }
        _ => each_nested(v, at, f),
    }
}

/// Calls `f` on each element of a nested block or attribute value with its path: the object
/// itself, each list element by index, each map element by key.
fn each_nested(v: &Value, at: AttributePath, f: &mut dyn FnMut(&Value, AttributePath)) {
    match unwrap_dynamic(v) {
        o @ Value::Object(_) => f(o, at),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            for (i, x) in items.iter().enumerate() {
                f(x, at.clone().index(i as i64));
            }
        }
        Value::Map(m) => {
            for (k, x) in m {
                f(x, at.clone().key(k));
            }
        }
        _ => {}
    }
}

/// Finish a planned value: write-only attributes become null; then, unless nothing changed
/// against a non-null `prior` (a no-op plan stays a no-op), every computed attribute left
/// null by `config` becomes its `default` if it has one, else the prior value when
/// `use_state_for_unknown` and prior is non-null, else unknown. Nested blocks are paired with
/// config/prior by index (list) or key (map); set elements never keep prior values.
pub fn mark_computed_unknown(
    block: &Block,
    config: &Value,
    prior: &Value,
    planned: Value,
) -> Value {
    let planned = null_write_only(block, planned);
    if !prior.is_null() && planned.is_wholly_known() && planned.equals(prior) {
        return planned;
    }
    mark(block, config, prior, planned)
}

fn mark(block: &Block, config: &Value, prior: &Value, planned: Value) -> Value {
    let mut planned = planned;
    if let Value::Object(m) = &mut planned {
        for a in &block.attributes {
            let c = config.attr(&a.name);
            if a.write_only {
                m.insert(a.name.clone(), Value::Null);
            } else if a.computed && c.is_null() {
                let p = prior.attr(&a.name);
                let new = if let Some(d) = &a.default {
                    d.clone()
                } else if a.use_state_for_unknown && !p.is_null() {
                    p.clone()
                } else {
                    Value::unknown()
                };
                m.insert(a.name.clone(), new);
            } else if let Some((mode, nb)) = &a.nested {
                if let Some(cur) = m.remove(&a.name) {
                    let p = prior.attr(&a.name);
                    let v = map_nested_paired(*mode, c, p, cur, &|c, p, x| mark(nb, c, p, x));
                    m.insert(a.name.clone(), v);
                }
            }
        }
        for b in &block.blocks {
            if let Some(cur) = m.remove(&b.name) {
                let (c, p) = (config.attr(&b.name), prior.attr(&b.name));
                let v = map_nested_paired(b.nesting, c, p, cur, &|c, p, x| mark(&b.block, c, p, x));
                m.insert(b.name.clone(), v);
            }
        }
    }
    planned
}

/// Whether an attribute's planned value is a change from prior. A known value that differs
/// is a change; an unknown inside a non-computed attribute came from config, so it is a
/// change too; an unknown computed attribute is just being recomputed, so it is not.
fn attr_changed(a: &Attribute, prior: &Value, planned: &Value) -> bool {
    if planned.is_wholly_known() {
        !planned.equals(prior)
    } else {
        !a.computed
    }
}

fn object_changed(block: &Block, prior: &Value, planned: &Value) -> bool {
    match (prior.is_null(), planned.is_null()) {
        (true, true) => return false,
        (true, false) | (false, true) => return true,
        _ => {}
    }
    if planned.is_unknown() {
        return true;
    }
    block
        .attributes
        .iter()
        .any(|a| attr_changed(a, prior.attr(&a.name), planned.attr(&a.name)))
        || block
            .blocks
            .iter()
            .any(|b| nested_changed(b, prior.attr(&b.name), planned.attr(&b.name)))
}

fn nested_changed(b: &NestedBlock, prior: &Value, planned: &Value) -> bool {
    match b.nesting {
        NestingMode::Single | NestingMode::Group => object_changed(&b.block, prior, planned),
        NestingMode::List | NestingMode::Set => {
            let (Some(p), Some(n)) = (prior.as_list(), planned.as_list()) else {
                return !(prior.is_null() && planned.is_null());
            };
            if p.len() != n.len() {
                return true;
            }
            if b.nesting == NestingMode::List {
                p.iter().zip(n).any(|(x, y)| object_changed(&b.block, x, y))
            } else {
                n.iter()
                    .any(|y| p.iter().all(|x| object_changed(&b.block, x, y)))
                    || p.iter()
                        .any(|x| n.iter().all(|y| object_changed(&b.block, x, y)))
            }
        }
        NestingMode::Map => {
            let (Some(p), Some(n)) = (prior.as_map(), planned.as_map()) else {
                return !(prior.is_null() && planned.is_null());
            };
            p.len() != n.len()
                || n.iter()
                    .any(|(k, y)| p.get(k).is_none_or(|x| object_changed(&b.block, x, y)))
        }
    }
}

/// The paths Terraform must show as `# forces replacement`: every attribute or nested block
/// whose planned value differs from prior and one of whose [`ReplaceIf`] conditions holds (see the rule for
/// unknowns above), recursing into single/group blocks, list blocks (by index) and map
/// blocks (by key). Empty on create (prior null) and destroy (planned null).
pub fn requires_replace_paths(block: &Block, prior: &Value, planned: &Value) -> Vec<AttributePath> {
    let mut out = Vec::new();
    if prior.is_null() || planned.is_null() {
        return out;
    }
    replace_walk(block, prior, planned, &AttributePath::root(), &mut out);
    out
}

fn replace_walk(
    block: &Block,
    prior: &Value,
    planned: &Value,
    at: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    if prior.is_null() || planned.is_null() || planned.is_unknown() {
        return;
    }
    for a in &block.attributes {
        let (p, n) = (prior.attr(&a.name), planned.attr(&a.name));
        let here = at.clone().attr(&a.name);
        if !a.replace.is_empty() {
            if attr_changed(a, p, n) && a.replace.iter().any(|r| r.holds(p, n)) {
                out.push(here);
            }
        } else if let Some((mode, nb)) = &a.nested {
            replace_nested(*mode, nb, p, n, &here, out);
        }
    }
    for b in &block.blocks {
        let (p, n) = (prior.attr(&b.name), planned.attr(&b.name));
        let here = at.clone().attr(&b.name);
        if !b.replace.is_empty() {
            if nested_changed(b, p, n) && b.replace.iter().any(|r| r.holds(p, n)) {
                out.push(here);
            }
        } else {
            replace_nested(b.nesting, &b.block, p, n, &here, out);
        }
    }
}

fn replace_nested(
    mode: NestingMode,
    block: &Block,
    prior: &Value,
    planned: &Value,
    at: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    match mode {
        NestingMode::Single | NestingMode::Group => replace_walk(block, prior, planned, at, out),
        NestingMode::List => {
            if let (Some(p), Some(n)) = (prior.as_list(), planned.as_list()) {
                for (i, (x, y)) in p.iter().zip(n).enumerate() {
                    replace_walk(block, x, y, &at.clone().index(i as i64), out);
                }
            }
        }
        NestingMode::Map => {
            if let (Some(p), Some(n)) = (prior.as_map(), planned.as_map()) {
                for (k, y) in n {
                    if let Some(x) = p.get(k) {
                        replace_walk(block, x, y, &at.clone().key(k), out);
                    }
                }
            }
        }
        NestingMode::Set => {}
    }
}
