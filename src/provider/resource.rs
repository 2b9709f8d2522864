//! The resource trait, shaped like terraform-plugin-framework's `resource.Resource`: metadata,
//! schema and the four CRUD verbs are required; validation, plan modification and import are
//! default methods.

use super::context::ProviderContext;
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Schema, Value};

/// What terraform proposes for a plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Prior state (`Null` on create).
    pub prior: Value,
    /// Terraform's proposed new state (config merged with prior computed values).
    pub proposed: Value,
    /// The configuration (may contain unknowns).
    pub config: Value,
    /// The provider's private data of the prior object. In the second plan of a replacement
    /// (prior `Null`), terraform passes the first plan's `planned_private` here: the only way
    /// the create half learns anything about the object it replaces.
    pub prior_private: Vec<u8>,
}

/// The plan a resource answers with.
#[derive(Debug, Clone)]
pub struct PlanResponse {
    /// Planned new state (`Null` for destroy).
    pub planned: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Errors and warnings.
    pub diags: Diagnostics,
    /// Private data to plan with (kept with the object by terraform); `None` passes the
    /// prior object's on.
    pub planned_private: Option<Vec<u8>>,
}

/// Outcome of create, update or delete: the state to record (possibly partial) and diagnostics.
#[derive(Debug, Default)]
pub struct ApplyResult {
    /// New state; `None` means the object no longer exists (after delete).
    pub state: Option<Value>,
    /// Errors and warnings. With an error, `state` is the partial state terraform keeps.
    pub diags: Diagnostics,
}

impl ApplyResult {
    /// Success with `state`.
    pub fn ok(state: Value) -> Self {
        ApplyResult {
            state: Some(state),
            diags: Diagnostics::default(),
        }
    }
    /// Failure with the partial `state` reached so far.
    pub fn partial(state: Option<Value>, error: Diagnostic) -> Self {
        let mut diags = Diagnostics::default();
        diags.push(error);
        ApplyResult { state, diags }
    }
}

/// Outcome of a read: `None` when the object is gone.
#[derive(Debug, Default)]
pub struct ReadResult {
    /// Refreshed state, or `None` when everything is gone (terraform plans a create).
    pub state: Option<Value>,
    /// Errors and warnings.
    pub diags: Diagnostics,
}

/// One managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync {
    /// Full type name, e.g. `cloudlink_cross_cloud_vpn`.
    fn type_name(&self) -> &'static str;

    /// The schema (with descriptions, plan behaviour and sensitivity on each attribute).
    fn schema(&self) -> Schema;

    /// Offline checks of a configuration (may contain unknowns) beyond the schema's own: the
    /// attribute validators and block rules of [`Resource::schema`] run first, so every rule
    /// that needs no cloud call and can be written as data belongs there, and fails at
    /// `terraform validate` on the path the schema walk found.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    /// Adjusts the generic plan: checks that need the clouds (run only when the provider is
    /// configured), unknown computed values, warnings about disruption.
    async fn modify_plan(
        &self,
        _ctx: Option<&ProviderContext>,
        _req: &PlanRequest,
        _plan: &mut PlanResponse,
    ) {
    }

    /// Creates everything; on failure returns the partial state naming what exists.
    async fn create(&self, ctx: &ProviderContext, planned: &Value, config: &Value) -> ApplyResult;

    /// Refreshes from the clouds.
    async fn read(&self, ctx: &ProviderContext, state: &Value) -> ReadResult;

    /// Applies in-place changes.
    async fn update(
        &self,
        ctx: &ProviderContext,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> ApplyResult;

    /// Deletes everything; on failure returns what is left.
    async fn delete(&self, ctx: &ProviderContext, prior: &Value) -> ApplyResult;

    /// Builds a state from an import id; terraform then calls `read`.
    async fn import(&self, _ctx: &ProviderContext, _id: &str) -> Result<Value, Diagnostics> {
        let mut d = Diagnostics::default();
        d.error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        );
        Err(d)
    }
}
