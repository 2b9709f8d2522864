//! ValidateResourceConfig at the protocol level: a client that does not announce
//! `write_only_attributes_allowed` (Terraform or OpenTofu before 1.11) would keep a
//! write-only value in its plan and state, so a config that sets `tunnel_psks_wo` is refused
//! there, on that attribute, and the same config passes from a client that announces it.

use terraform_provider_cloudlink::proto::tfplugin6 as pb;
use terraform_provider_cloudlink::proto::tfplugin6::provider_server::Provider;
use terraform_provider_cloudlink::provider::service::CloudlinkProvider;
use terraform_provider_cloudlink::resources;
use terraform_provider_cloudlink::tf::{self, Diagnostic, Value};
use tokio_util::sync::CancellationToken;

const VPN: &str = "cloudlink_cross_cloud_vpn";

/// A valid VPN config with the pre-shared keys given write-only.
fn config_with_write_only_psks() -> Value {
    Value::object([
        ("name", Value::string("wo")),
        ("tunnels", Value::int(2)),
        (
            "tunnel_psks_wo",
            Value::string_list(["key1.abcdefghij", "key2.abcdefghij"]),
        ),
        ("tunnel_psks_wo_version", Value::int(1)),
        (
            "aws",
            Value::object([("vpc_id", Value::string("vpc-0123456789abcdef0"))]),
        ),
        (
            "azure",
            Value::object([
                ("resource_group", Value::string("rg")),
                ("location", Value::string("westeurope")),
                ("virtual_network_name", Value::string("vnet")),
                ("gateway_subnet_cidr", Value::string("10.30.255.0/27")),
            ]),
        ),
    ])
}

async fn validate(capabilities: Option<pb::ClientCapabilities>) -> Vec<Diagnostic> {
    let provider = CloudlinkProvider::new(resources::registry(), CancellationToken::new());
    let schema = resources::registry().get(VPN).unwrap().schema();
    let config = tf::encode_dynamic(&config_with_write_only_psks(), &schema.block.implied_type())
        .expect("config encodes with the resource's type");
    let rsp = provider
        .validate_resource_config(tonic::Request::new(pb::validate_resource_config::Request {
            type_name: VPN.to_string(),
            config: Some(config),
            client_capabilities: capabilities,
        }))
        .await
        .unwrap()
        .into_inner();
    rsp.diagnostics.iter().map(Diagnostic::from_proto).collect()
}

#[tokio::test]
async fn a_client_without_the_write_only_capability_is_refused_on_the_attribute() {
    for caps in [
        None,
        Some(pb::ClientCapabilities {
            deferral_allowed: true,
            write_only_attributes_allowed: false,
        }),
    ] {
        let diags = validate(caps).await;
        let refusal: Vec<_> = diags
            .iter()
            .filter(|d| d.is_error() && d.summary.contains("Write-only"))
            .collect();
        assert_eq!(refusal.len(), 1, "{diags:#?}");
        let d = refusal[0];
        assert_eq!(
            d.path.as_ref().map(|p| p.to_string()).as_deref(),
            Some("tunnel_psks_wo")
        );
        assert!(
            d.detail.contains("Terraform 1.11") && d.detail.contains("OpenTofu 1.11"),
            "{}",
            d.detail
        );
        assert!(
            !d.detail.contains("abcdefghij"),
            "the key leaked into the diagnostic"
        );
    }
}

#[tokio::test]
async fn a_client_with_the_write_only_capability_passes() {
    let diags = validate(Some(pb::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: true,
    }))
    .await;
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
}
