//! `cloudlink_cross_cloud_vpn`: the whole AWS <-> Azure site-to-site IPsec VPN as one
//! resource. This file only wires the [`Resource`] trait to the phase files (`validate`,
//! `plan`, `apply`, `read`, `delete`, `import`). They share the run context (`run`), the
//! steps of each cloud (`azure_steps`; the AWS half is `crate::resources::aws_vpn`, shared
//! with any other VPN resource, fed by `aws_side`), the IPsec
//! tables (`ipsec`), key handling (`psk`) and the tunnel status (`status`); the deadline and
//! the step graph are `crate::orchestrate`'s.

pub mod apply;
pub mod aws_side;
pub mod azure_steps;
pub mod delete;
pub mod import;
pub mod ipsec;
pub mod names;
pub mod plan;
pub mod private_service_rules;
pub mod private_services;
pub mod psk;
pub mod read;
pub mod run;
pub mod schema;
pub mod sku;
pub mod state;
pub mod status;
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
