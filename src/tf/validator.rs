//! Plan behaviour as data, the terraform-plugin-framework way: attribute [`Validator`]s
//! (the framework's `Validators`), named [`BlockRule`]s for checks that span several
//! attributes (its `ConfigValidators`), and [`ReplaceIf`] conditions (its `RequiresReplace` /
//! `RequiresReplaceIf` plan modifiers). Each carries a description, so the generated docs
//! list the very rules the provider enforces. The schema's validation walk runs them (this
//! module knows nothing of schemas): the diagnostic's path comes from where the walk found
//! the value, never from a path written by hand.

use std::fmt;
use std::sync::Arc;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::value::Value;

/// Doc note of [`ReplaceIf::always`], on attributes and blocks whose every change replaces
/// the resource.
pub const REQUIRES_REPLACE_NOTE: &str = "Changing this forces a new resource to be created.";

/// A check of one attribute's value. The schema walk calls it only with a value that is
/// set and wholly known (null and unknown values pass: they are checked once known), and
/// hands it the attribute's path to report on.
pub trait Validator: Send + Sync {
    /// What a valid value looks like, as one markdown sentence for the docs.
    fn description(&self) -> String;
    /// The errors of `value`, reported at `path` (or below it, e.g. a list element).
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics;
}

/// A [`Validator`] made of a description and a function, for rules that need no state.
struct FnValidator<F> {
    description: String,
    check: F,
}

impl<F> Validator for FnValidator<F>
where
    F: Fn(&Value, &AttributePath) -> Diagnostics + Send + Sync,
{
    fn description(&self) -> String {
        self.description.clone()
    }

    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        (self.check)(value, path)
    }
}

/// A validator from its doc sentence and its check.
pub fn check<F>(description: impl Into<String>, check: F) -> Arc<dyn Validator>
where
    F: Fn(&Value, &AttributePath) -> Diagnostics + Send + Sync + 'static,
{
    Arc::new(FnValidator {
        description: description.into(),
        check,
    })
}

/// Runs `inner` on every element of a list (or tuple) value, at the element's index, so an
/// error names `tunnel_psks[1]` rather than the whole list.
pub fn each_element(inner: Arc<dyn Validator>) -> Arc<dyn Validator> {
    let description = format!("each element: {}", inner.description());
    check(description, move |v, at| {
        let mut out = Diagnostics::new();
        for (i, x) in v.as_list().unwrap_or_default().iter().enumerate() {
            if !x.is_null() && x.is_wholly_known() {
                out.extend(inner.validate(x, &at.clone().index(i as i64)));
            }
        }
        out
    })
}

/// The validators of one attribute, in the order they run (a newtype so an attribute stays
/// comparable and printable: two validators are equal when they describe the same rule).
#[derive(Clone, Default)]
pub struct Validators(pub Vec<Arc<dyn Validator>>);

impl Validators {
    /// Their descriptions, in order.
    pub fn descriptions(&self) -> Vec<String> {
        self.0.iter().map(|v| v.description()).collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every validator's diagnostics for `value` at `path`.
    pub fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let mut out = Diagnostics::new();
        for v in &self.0 {
            out.extend(v.validate(value, path));
        }
        out
    }
}

impl fmt::Debug for Validators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.descriptions()).finish()
    }
}

impl PartialEq for Validators {
    fn eq(&self, other: &Self) -> bool {
        self.descriptions() == other.descriptions()
    }
}

/// The check of a [`BlockRule`]: the block's value (the whole configuration for a
/// resource-level rule) and the block's path, so the rule names the attributes it reports on
/// relative to where the block is.
pub type RuleCheck = fn(&Value, &AttributePath) -> Diagnostics;

/// A named rule over several attributes of one block (the resource itself at the top
/// level), e.g. "four tunnels need BGP". The walk runs it on every instance of the block that
/// is set; the rule skips the attributes it needs that are not known yet.
#[derive(Clone)]
pub struct BlockRule {
    /// A stable name, shown in the docs (`four_tunnels_need_bgp`).
    pub name: &'static str,
    /// What the rule requires, as markdown for the docs.
    pub description: String,
    /// The check.
    pub check: RuleCheck,
}

impl BlockRule {
    /// A rule from its name, doc sentence and check.
    pub fn new(name: &'static str, description: impl Into<String>, check: RuleCheck) -> Self {
        BlockRule {
            name,
            description: description.into(),
            check,
        }
    }
}

impl fmt::Debug for BlockRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockRule")
            .field("name", &self.name)
            .field("description", &self.description)
            .finish()
    }
}

impl PartialEq for BlockRule {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.description == other.description
    }
}

/// The condition of a [`ReplaceIf`]: given the prior and the planned value of the attribute
/// (or nested block), whether the change replaces the resource.
pub type ReplaceCondition = fn(prior: &Value, planned: &Value) -> bool;

/// A change of the attribute replaces the resource when `condition` holds (the plan then
/// shows `# forces replacement` on the attribute's path). [`ReplaceIf::always`] is the plain
/// `RequiresReplace`.
#[derive(Clone)]
pub struct ReplaceIf {
    /// When the replacement happens, as markdown for the docs.
    pub description: String,
    /// Whether this change (already known to be a change) replaces the resource.
    pub condition: ReplaceCondition,
}

impl ReplaceIf {
    /// Every change replaces the resource.
    pub fn always() -> Self {
        ReplaceIf {
            description: REQUIRES_REPLACE_NOTE.to_string(),
            condition: |_, _| true,
        }
    }

    /// A change replaces the resource when `condition` holds.
    pub fn new(description: impl Into<String>, condition: ReplaceCondition) -> Self {
        ReplaceIf {
            description: description.into(),
            condition,
        }
    }

    /// Whether the change from `prior` to `planned` replaces the resource.
    pub fn holds(&self, prior: &Value, planned: &Value) -> bool {
        (self.condition)(prior, planned)
    }
}

impl fmt::Debug for ReplaceIf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplaceIf")
            .field("description", &self.description)
            .finish()
    }
}

impl PartialEq for ReplaceIf {
    fn eq(&self, other: &Self) -> bool {
        self.description == other.description
    }
}
