//! The generic plan every resource starts from, in the order terraform-plugin-framework uses:
//! defaults, then `requires_replace`, then unknown computed values. Resources refine it in
//! `Resource::modify_plan`.

use super::resource::{PlanRequest, PlanResponse};
use crate::tf::{
    apply_defaults, mark_computed_unknown, requires_replace_paths, Block, Diagnostics, Value,
};

/// Plans `req` against `block` without any resource-specific knowledge.
pub fn generic_plan(block: &Block, req: &PlanRequest) -> PlanResponse {
    let diags = Diagnostics::default();
    if req.proposed.is_null() {
        return PlanResponse {
            planned: Value::Null,
            requires_replace: Vec::new(),
            diags,
            planned_private: None,
        };
    }
    let proposed = apply_defaults(block, &req.proposed);
    if req.prior.is_null() {
        let planned = mark_computed_unknown(block, &req.config, &Value::Null, proposed);
        return PlanResponse {
            planned,
            requires_replace: Vec::new(),
            diags,
            planned_private: None,
        };
    }
    let requires_replace = requires_replace_paths(block, &req.prior, &proposed);
    // A replacement is a new object: nothing computed survives from the old one.
    let base = if requires_replace.is_empty() {
        &req.prior
    } else {
        &Value::Null
    };
    let planned = mark_computed_unknown(block, &req.config, base, proposed);
    PlanResponse {
        planned_private: None,
        planned,
        requires_replace,
        diags,
    }
}
