//! The plan floor: a provider that serves cloudlink's schema and plans every resource with
//! the generic plan only (no cloud call, no check, no configuration). `make bench` plans the
//! same configuration with it and with cloudlink, side by side with `terraform_data`, so the
//! report separates what terraform itself spends on resources of this schema (its RPCs, value
//! checks, graph and rendering, three provider start-ups) from what cloudlink adds.
//!
//! It also serves `cloudlink_floor_data`, a resource shaped like `terraform_data` (`input`,
//! `output`, `id`): what any external provider costs terraform for the smallest resource.
//!
//! Not shipped: a cargo example (`cargo build --example plan_floor`), started by terraform
//! through a dev_overrides directory where the bench copies it as
//! `terraform-provider-cloudlink`.

use terraform_provider_cloudlink::proto::tfplugin6 as pb;
use terraform_provider_cloudlink::provider::plan::generic_plan;
use terraform_provider_cloudlink::provider::{CloudlinkProvider, PlanRequest};
use terraform_provider_cloudlink::tf::{
    self, Attribute, Block, Diagnostic, Diagnostics, Schema, Type, Value,
};
use terraform_provider_cloudlink::{plugin, resources};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// cloudlink's schema and validation, and a plan that does nothing else.
struct Floor {
    cloudlink: CloudlinkProvider,
    registry: terraform_provider_cloudlink::provider::Registry,
}

type Reply<T> = Result<Response<T>, Status>;

/// The resource type shaped like `terraform_data`.
const FLOOR_DATA: &str = "cloudlink_floor_data";

/// `terraform_data`'s shape: an optional input copied to a computed output, a computed id.
fn floor_data_schema() -> Schema {
    Schema::new(
        0,
        Block::new("Plans like terraform_data; never applied.")
            .attr(Attribute::computed(
                "id",
                Type::String,
                "Unknown until apply.",
            ))
            .attr(Attribute::optional("input", Type::String, "Any string."))
            .attr(Attribute::computed(
                "output",
                Type::String,
                "Unknown until apply.",
            )),
    )
}

impl Floor {
    /// The schema of `type_name`: cloudlink's, or the terraform_data-shaped one.
    fn schema(&self, type_name: &str) -> anyhow::Result<Schema> {
        if type_name == FLOOR_DATA {
            return Ok(floor_data_schema());
        }
        let res = self
            .registry
            .get(type_name)
            .ok_or_else(|| anyhow::anyhow!("unknown resource type {type_name}"))?;
        Ok(res.schema())
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for Floor {
    async fn get_metadata(
        &self,
        r: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        let mut reply = self.cloudlink.get_metadata(r).await?;
        reply
            .get_mut()
            .resources
            .push(pb::get_metadata::ResourceMetadata {
                type_name: FLOOR_DATA.into(),
            });
        Ok(reply)
    }

    async fn get_provider_schema(
        &self,
        r: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        let mut reply = self.cloudlink.get_provider_schema(r).await?;
        reply
            .get_mut()
            .resource_schemas
            .insert(FLOOR_DATA.into(), floor_data_schema().to_proto());
        Ok(reply)
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        self.cloudlink.validate_provider_config(r).await
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        if r.get_ref().type_name == FLOOR_DATA {
            return Ok(Response::new(Default::default()));
        }
        self.cloudlink.validate_resource_config(r).await
    }

    /// Accepts any configuration without building a client.
    async fn configure_provider(
        &self,
        _r: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        Ok(Response::new(pb::configure_provider::Response::default()))
    }

    /// The generic plan (defaults, replacement paths, unknown computed values) and nothing
    /// else.
    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let r = r.into_inner();
        let planned = (|| -> anyhow::Result<Option<pb::DynamicValue>> {
            let schema = self.schema(&r.type_name)?;
            let ty = schema.block.implied_type();
            let decode = |dv: &Option<pb::DynamicValue>| match dv {
                None => Ok(Value::Null),
                Some(dv) => tf::decode_dynamic(dv, &ty),
            };
            let req = PlanRequest {
                prior: decode(&r.prior_state)?,
                proposed: decode(&r.proposed_new_state)?,
                config: decode(&r.config)?,
                prior_private: r.prior_private.clone(),
            };
            let plan = generic_plan(&schema.block, &req);
            Ok(Some(tf::encode_dynamic(&plan.planned, &ty)?))
        })();
        Ok(Response::new(match planned {
            Ok(planned_state) => pb::plan_resource_change::Response {
                planned_state,
                planned_private: r.prior_private,
                ..Default::default()
            },
            Err(e) => {
                let mut d = Diagnostics::default();
                d.push(Diagnostic::error("plan floor", format!("{e:#}")));
                pb::plan_resource_change::Response {
                    diagnostics: d.to_proto(),
                    ..Default::default()
                }
            }
        }))
    }
}

#[tokio::main]
async fn main() {
    let stop = CancellationToken::new();
    let floor = Floor {
        cloudlink: CloudlinkProvider::new(resources::registry(), stop.clone()),
        registry: resources::registry(),
    };
    if let Err(e) = plugin::serve(floor, plugin::ServeMode::Terraform, stop).await {
        eprintln!("{e:#}");
        std::process::exit(1);
    }
}
