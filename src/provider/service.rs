//! The tonic `Provider` service: each RPC decodes its DynamicValues with the schema, calls
//! the registry's resource, and encodes the answer. Errors become diagnostics, never gRPC
//! failures, so terraform shows them next to the configuration.

use super::config;
use super::context::ProviderContext;
use super::plan::generic_plan;
use super::registry::Registry;
use super::resource::{PlanRequest, Resource};
use crate::cloud::aws::AwsAccount;
use crate::cloud::azure::Azure;
use crate::proto::tfplugin6 as pb;
use crate::tf::{self, AttributePath, Diagnostic, Diagnostics, Schema, Type, Value};
use std::sync::Arc;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

type Reply<T> = Result<Response<T>, Status>;

/// The cloudlink provider server.
pub struct CloudlinkProvider {
    registry: Registry,
    configured: RwLock<Option<Arc<ProviderContext>>>,
    stop: CancellationToken,
}

impl CloudlinkProvider {
    /// A provider serving the resources in `registry`; `stop` is cancelled by StopProvider
    /// and by go-plugin's Shutdown.
    pub fn new(registry: Registry, stop: CancellationToken) -> Self {
        CloudlinkProvider {
            registry,
            configured: RwLock::new(None),
            stop,
        }
    }

    fn resource(&self, type_name: &str) -> Result<&Arc<dyn Resource>, Diagnostics> {
        self.registry.get(type_name).ok_or_else(|| {
            let mut d = Diagnostics::default();
            d.error(
                "Unknown resource type",
                format!("cloudlink has no resource type {type_name:?}."),
            );
            d
        })
    }

    async fn context(&self) -> Result<Arc<ProviderContext>, Diagnostics> {
        self.configured.read().await.clone().ok_or_else(|| {
            let mut d = Diagnostics::default();
            d.error("Provider not configured", "terraform called the provider before ConfigureProvider; this is a bug in the caller.");
            d
        })
    }

    /// The whole provider schema, as `terraform providers schema -json` shows it.
    pub fn provider_schema(&self) -> pb::get_provider_schema::Response {
        pb::get_provider_schema::Response {
            provider: Some(config::schema().to_proto()),
            resource_schemas: self
                .registry
                .iter()
                .map(|(n, r)| (n.to_string(), r.schema().to_proto()))
                .collect(),
            server_capabilities: Some(pb::ServerCapabilities {
                plan_destroy: true,
                get_provider_schema_optional: true,
                move_resource_state: false,
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

fn decode(dv: &Option<pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    match dv {
        None => Ok(Value::Null),
        Some(dv) => tf::decode_dynamic(dv, ty)
            .map_err(|e| one_error("Invalid value from terraform", format!("{e:#}"))),
    }
}

fn encode(v: &Value, ty: &Type) -> Result<Option<pb::DynamicValue>, Diagnostics> {
    tf::encode_dynamic(v, ty).map(Some).map_err(|e| {
        one_error(
            "Provider produced a value it cannot encode",
            format!("{e:#}"),
        )
    })
}

fn one_error(summary: &str, detail: String) -> Diagnostics {
    let mut d = Diagnostics::default();
    d.push(Diagnostic::error(summary, detail));
    d
}

fn ty_of(schema: &Schema) -> Type {
    schema.block.implied_type()
}

/// Terraform and OpenTofu releases that announce `write_only_attributes_allowed`. Sources:
/// developer.hashicorp.com "Use write-only arguments" (Terraform 1.11), opentofu.org blog
/// "OpenTofu 1.11.0" (December 2025); both read 2026-12-02.
pub const WRITE_ONLY_CLIENTS: &str = "Terraform 1.11 or later, or OpenTofu 1.11 or later";

/// Errors for every write-only attribute `config` sets when the client did not announce the
/// write-only capability: such a client would keep the value in its plan and state file.
fn refuse_write_only(schema: &Schema, config: &Value, client_allows: bool) -> Diagnostics {
    let mut d = Diagnostics::default();
    if client_allows {
        return d;
    }
    for path in tf::write_only_paths_set(&schema.block, config) {
        d.push(
            Diagnostic::error(
                "Write-only attribute needs a newer Terraform or OpenTofu",
                format!(
                    "`{path}` is write-only, and this client does not support write-only \
                     attributes: it would store the value in its plan and state. Use \
                     {WRITE_ONLY_CLIENTS}, or set the non-write-only alternative instead."
                ),
            )
            .with_path(path),
        );
    }
    d
}

#[tonic::async_trait]
impl pb::provider_server::Provider for CloudlinkProvider {
    async fn get_metadata(
        &self,
        _r: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: self.provider_schema().server_capabilities,
            resources: self
                .registry
                .iter()
                .map(|(n, _)| pb::get_metadata::ResourceMetadata {
                    type_name: n.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _r: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        Ok(Response::new(self.provider_schema()))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let r = r.into_inner();
        let diags = match decode(&r.config, &ty_of(&config::schema())) {
            Ok(cfg) => config::validate(&cfg),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let r = r.into_inner();
        let cfg = match decode(&r.config, &ty_of(&config::schema())) {
            Ok(c) => c,
            Err(d) => {
                return Ok(Response::new(pb::configure_provider::Response {
                    diagnostics: d.to_proto(),
                }))
            }
        };
        let mut diags = config::validate(&cfg);
        if !cfg.is_wholly_known() {
            diags.push(Diagnostic::error(
                "Provider configuration not known",
                "The cloudlink provider block uses values that are only known after apply; configure it from variables or data that are known at plan time.",
            ));
        }
        if !diags.has_errors() {
            let parsed = config::parse(&cfg);
            let ctx = ProviderContext {
                aws: AwsAccount::new("default", parsed.aws),
                aws_accounts: parsed
                    .aws_accounts
                    .into_iter()
                    .map(|(name, s)| {
                        let acct = AwsAccount::new(&name, s);
                        (name, acct)
                    })
                    .collect(),
                azure: Azure::new(parsed.azure),
                poll_interval: parsed.poll_interval,
                default_tags: parsed.default_tags,
                stop: self.stop.clone(),
            };
            *self.configured.write().await = Some(Arc::new(ctx));
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let r = r.into_inner();
        let diags = match self.resource(&r.type_name) {
            Ok(res) => match decode(&r.config, &ty_of(&res.schema())) {
                Ok(cfg) => {
                    let write_only_ok = r
                        .client_capabilities
                        .is_some_and(|c| c.write_only_attributes_allowed);
                    let schema = res.schema();
                    let mut d = refuse_write_only(&schema, &cfg, write_only_ok);
                    d.extend(tf::validate_config(&schema.block, &cfg));
                    d.extend(res.validate(&cfg));
                    d
                }
                Err(d) => d,
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let r = r.into_inner();
        let result = (|| {
            let res = self.resource(&r.type_name)?;
            let ty = ty_of(&res.schema());
            let raw = r.raw_state.unwrap_or_default();
            // Attributes the schema no longer has are dropped, so an old state still loads.
            let value = if !raw.json.is_empty() {
                tf::json::decode_state(&raw.json, &ty).map_err(|e| {
                    one_error("Stored state does not match the schema", format!("{e:#}"))
                })?
            } else {
                Value::Null
            };
            encode(&value, &ty)
        })();
        Ok(Response::new(match result {
            Ok(state) => pb::upgrade_resource_state::Response {
                upgraded_state: state,
                diagnostics: vec![],
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: d.to_proto(),
            },
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let r = r.into_inner();
        let outcome: Result<(Option<pb::DynamicValue>, Diagnostics), Diagnostics> = async {
            let res = self.resource(&r.type_name)?;
            let schema = res.schema();
            let ty = ty_of(&schema);
            let state = decode(&r.current_state, &ty)?;
            if state.is_null() {
                return Ok((encode(&Value::Null, &ty)?, Diagnostics::default()));
            }
            let ctx = self.context().await?;
            let read = res.read(&ctx, &state).await;
            let new_state = read
                .state
                .map(|s| tf::null_write_only(&schema.block, s))
                .unwrap_or(Value::Null);
            Ok((encode(&new_state, &ty)?, read.diags))
        }
        .await;
        Ok(Response::new(match outcome {
            Ok((new_state, diags)) => pb::read_resource::Response {
                new_state,
                diagnostics: diags.to_proto(),
                private: r.private,
                ..Default::default()
            },
            Err(d) => pb::read_resource::Response {
                new_state: r.current_state,
                diagnostics: d.to_proto(),
                private: r.private,
                ..Default::default()
            },
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let r = r.into_inner();
        let outcome: Result<pb::plan_resource_change::Response, Diagnostics> = async {
            let res = self.resource(&r.type_name)?;
            let schema = res.schema();
            let ty = ty_of(&schema);
            let req = PlanRequest {
                prior: decode(&r.prior_state, &ty)?,
                proposed: decode(&r.proposed_new_state, &ty)?,
                config: decode(&r.config, &ty)?,
                prior_private: r.prior_private.clone(),
            };
            let mut plan = generic_plan(&schema.block, &req);
            if !req.proposed.is_null() {
                let ctx = self.configured.read().await.clone();
                res.modify_plan(ctx.as_deref(), &req, &mut plan).await;
            }
            Ok(pb::plan_resource_change::Response {
                planned_state: encode(&plan.planned, &ty)?,
                requires_replace: plan
                    .requires_replace
                    .iter()
                    .map(AttributePath::to_proto)
                    .collect(),
                planned_private: plan.planned_private.unwrap_or(r.prior_private),
                diagnostics: plan.diags.to_proto(),
                ..Default::default()
            })
        }
        .await;
        Ok(Response::new(outcome.unwrap_or_else(|d| {
            pb::plan_resource_change::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            }
        })))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let r = r.into_inner();
        let outcome: Result<pb::apply_resource_change::Response, Diagnostics> = async {
            let res = self.resource(&r.type_name)?;
            let schema = res.schema();
            let ty = ty_of(&schema);
            let prior = decode(&r.prior_state, &ty)?;
            let planned = decode(&r.planned_state, &ty)?;
            let config = decode(&r.config, &ty)?;
            let ctx = self.context().await?;
            // From the first write on, reads see the cloud, not the walk's listings.
            crate::cloud::listing::walk().writes_begin();
            let result = if planned.is_null() {
                res.delete(&ctx, &prior).await
            } else if prior.is_null() {
                res.create(&ctx, &planned, &config).await
            } else {
                res.update(&ctx, &prior, &planned, &config).await
            };
            let new_state = result
                .state
                .map(|s| tf::null_write_only(&schema.block, s))
                .unwrap_or(Value::Null);
            Ok(pb::apply_resource_change::Response {
                new_state: encode(&new_state, &ty)?,
                private: r.planned_private,
                diagnostics: result.diags.to_proto(),
                ..Default::default()
            })
        }
        .await;
        Ok(Response::new(outcome.unwrap_or_else(|d| {
            pb::apply_resource_change::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            }
        })))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let r = r.into_inner();
        let outcome: Result<pb::import_resource_state::Response, Diagnostics> = async {
            let res = self.resource(&r.type_name)?;
            let schema = res.schema();
            let ctx = self.context().await?;
            let state = res.import(&ctx, &r.id).await?;
            let state = tf::null_write_only(&schema.block, state);
            Ok(pb::import_resource_state::Response {
                imported_resources: vec![pb::import_resource_state::ImportedResource {
                    type_name: r.type_name.clone(),
                    state: encode(&state, &ty_of(&schema))?,
                    ..Default::default()
                }],
                ..Default::default()
            })
        }
        .await;
        Ok(Response::new(outcome.unwrap_or_else(|d| {
            pb::import_resource_state::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            }
        })))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        tracing::info!("StopProvider: cancelling in-flight work");
        self.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
