//! `cloudlink_vpc_peering_pair`: both sides of an AWS VPC peering in one resource, in any
//! account and region. This module only wires the phases to the [`Resource`] trait.

pub mod apply;
pub mod delete;
pub mod import;
pub mod names;
pub mod plan;
pub mod reachability;
pub mod read;
pub mod schema;
pub mod sides;
pub mod state;
pub mod validate;

use crate::provider::{
    ApplyResult, PlanRequest, PlanResponse, ProviderContext, ReadResult, Resource,
};
use crate::tf::{Diagnostics, Schema, Value};

/// The resource type.
pub struct VpcPeeringPair;

#[async_trait::async_trait]
impl Resource for VpcPeeringPair {
    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn modify_plan(
        &self,
        ctx: Option<&ProviderContext>,
        req: &PlanRequest,
        plan: &mut PlanResponse,
    ) {
        plan::modify(ctx, req, plan).await
    }

    async fn create(&self, ctx: &ProviderContext, planned: &Value, _config: &Value) -> ApplyResult {
        apply::create(ctx, planned).await
    }

    async fn read(&self, ctx: &ProviderContext, state: &Value) -> ReadResult {
        read::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &ProviderContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyResult {
        apply::update(ctx, prior, planned).await
    }

    async fn delete(&self, ctx: &ProviderContext, prior: &Value) -> ApplyResult {
        delete::delete(ctx, prior).await
    }

    async fn import(&self, ctx: &ProviderContext, id: &str) -> Result<Value, Diagnostics> {
        import::import(ctx, id).await
    }
}
