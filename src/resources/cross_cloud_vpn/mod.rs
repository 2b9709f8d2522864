//! `cloudlink_cross_cloud_vpn`: the whole AWS <-> Azure site-to-site IPsec VPN as one
//! resource. This file only wires the [`Resource`] trait to the phase files.

pub mod apply;
pub mod delete;
pub mod import;
pub mod names;
pub mod plan;
pub mod read;
pub mod routes;
pub mod schema;
pub mod sku;
pub mod state;
pub mod topology;
pub mod validate;

use crate::provider::context::ProviderContext;
use crate::provider::resource::{ApplyResult, PlanRequest, PlanResponse, ReadResult, Resource};
use crate::tf::{Diagnostics, Schema, Value};

/// The resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct CrossCloudVpn;

#[async_trait::async_trait]
impl Resource for CrossCloudVpn {
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
        plan::modify_plan(ctx, req, plan).await
    }

    async fn create(&self, ctx: &ProviderContext, planned: &Value, config: &Value) -> ApplyResult {
        apply::create(ctx, planned, config).await
    }

    async fn read(&self, ctx: &ProviderContext, state: &Value) -> ReadResult {
        read::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &ProviderContext,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> ApplyResult {
        apply::update(ctx, prior, planned, config).await
    }

    async fn delete(&self, ctx: &ProviderContext, prior: &Value) -> ApplyResult {
        delete::delete(ctx, prior).await
    }

    async fn import(&self, ctx: &ProviderContext, id: &str) -> Result<Value, Diagnostics> {
        import::import(ctx, id).await
    }
}
