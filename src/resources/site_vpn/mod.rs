//! `cloudlink_site_vpn`: an AWS site-to-site VPN to any IPsec device (an office router, a
//! firewall, another cloud), with the device's configuration and tunnel health logs. This
//! file only wires the [`Resource`] trait to the phase files (`plan`, `apply`, `read`,
//! `delete`, `import`); the AWS work is the shared AWS half (`crate::resources::aws_vpn`),
//! fed by `side` (the configuration as an `AwsSide`) and run on `run` (the device as its
//! peer); `state` is the checkpoint's round trip through state, `status` the tunnels and
//! the device configuration read back, `device` the device type's resolution.

pub mod apply;
pub mod delete;
pub mod device;
pub mod import;
pub mod names;
pub mod plan;
pub mod reachability;
pub mod read;
pub mod run;
pub mod schema;
pub mod side;
pub mod state;
pub mod status;
pub mod tunnel_options;
pub mod validate;

use crate::provider::context::ProviderContext;
use crate::provider::resource::{ApplyResult, PlanRequest, PlanResponse, ReadResult, Resource};
use crate::tf::{Diagnostics, Schema, Value};

/// The resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct SiteVpn;

#[async_trait::async_trait]
impl Resource for SiteVpn {
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
