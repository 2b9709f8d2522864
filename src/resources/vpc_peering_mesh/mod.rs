//! `cloudlink_vpc_peering_mesh`: a full mesh of AWS VPC peerings, one per pair of members,
//! each made, changed, refreshed and removed by the same code as `cloudlink_vpc_peering_pair`.
//! This module only wires the phases to the [`Resource`] trait.

pub mod apply;
pub mod checks;
pub mod names;
pub mod places;
pub mod plan;
pub mod reachability;
pub mod read;
pub mod schema;
pub mod state;
pub mod validate;

use crate::provider::{
    ApplyResult, PlanRequest, PlanResponse, ProviderContext, ReadResult, Resource,
};
use crate::tf::{Diagnostics, Schema, Value};

/// The resource type.
pub struct VpcPeeringMesh;

#[async_trait::async_trait]
impl Resource for VpcPeeringMesh {
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
        apply::delete(ctx, prior).await
    }

    /// Not importable: a mesh is its members (names, route tables, accounts), which only
    /// the configuration holds; import each peering with `cloudlink_vpc_peering_pair`.
    async fn import(&self, _ctx: &ProviderContext, _id: &str) -> Result<Value, Diagnostics> {
        let mut d = Diagnostics::default();
        d.error(
            "Import not supported",
            "cloudlink_vpc_peering_mesh cannot be imported: a mesh is identified by its members (their names, route tables and accounts), which only the configuration holds. Write the mesh's configuration and apply it: a peering between two members that carries no other state's claim is adopted, not requested again. To import a single peering, use cloudlink_vpc_peering_pair.",
        );
        Err(d)
    }
}
