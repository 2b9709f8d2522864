//! Attribute paths: where in a value a diagnostic or a plan decision applies.

use std::fmt;

use crate::proto::tfplugin6 as proto;
use proto::attribute_path::step::Selector;

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute or nested block name.
    Attr(String),
    /// A map key (or map-nested block label).
    Key(String),
    /// A list or tuple index.
    Index(i64),
}

/// A path from the root of a resource value to one of its parts, so diagnostics and
/// `requires_replace` can name the offending attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// The empty path: the whole value.
    pub fn root() -> Self {
        AttributePath(Vec::new())
    }

    /// This path followed by attribute `n`.
    pub fn attr(mut self, n: &str) -> Self {
        self.0.push(PathStep::Attr(n.to_string()));
        self
    }

    /// This path followed by map key `k`.
    pub fn key(mut self, k: &str) -> Self {
        self.0.push(PathStep::Key(k.to_string()));
        self
    }

    /// This path followed by list index `i`.
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }

    /// A path made of attribute names only, e.g. `AttributePath::attrs(["aws", "vpc_id"])`.
    pub fn attrs<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        AttributePath(
            names
                .into_iter()
                .map(|n| PathStep::Attr(n.as_ref().to_string()))
                .collect(),
        )
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps of this path.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    /// The protocol form, for diagnostics and `requires_replace`.
    pub fn to_proto(&self) -> proto::AttributePath {
        proto::AttributePath {
            steps: self
                .0
                .iter()
                .map(|s| proto::attribute_path::Step {
                    selector: Some(match s {
                        PathStep::Attr(n) => Selector::AttributeName(n.clone()),
                        PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                        PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect(),
        }
    }

    /// Read the protocol form; steps without a selector are skipped.
    pub fn from_proto(p: &proto::AttributePath) -> Self {
        AttributePath(
            p.steps
                .iter()
                .filter_map(|s| {
                    s.selector.as_ref().map(|sel| match sel {
                        Selector::AttributeName(n) => PathStep::Attr(n.clone()),
                        Selector::ElementKeyString(k) => PathStep::Key(k.clone()),
                        Selector::ElementKeyInt(i) => PathStep::Index(*i),
                    })
                })
                .collect(),
        )
    }
}

/// HCL-like spelling: `aws.route_table_ids[0]`, `tags["Name"]`; the root prints as empty.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathStep::Attr(n) if i == 0 => f.write_str(n)?,
                PathStep::Attr(n) => write!(f, ".{n}")?,
                PathStep::Key(k) => {
                    let quoted = serde_json::to_string(k).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?
                }
                PathStep::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}
