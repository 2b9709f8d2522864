//! The provider block: its schema, offline validation, and turning a configuration into
//! cloud settings. Credentials are not resolved here; clients are built lazily when a
//! resource first needs them, so a missing Azure credential never breaks a plan that only
//! touches AWS.

use super::{assume_role, validate};
use crate::cloud::aws::AwsSettings;
use crate::cloud::aws::Tags;
use crate::cloud::azure::AzureSettings;
use crate::resources::default_tags;
use crate::tf::{Attribute, AttributePath, Block, Diagnostics, NestedBlock, Schema, Type, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Default longest pause between two status polls against real clouds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// Attributes shared by `aws {}` and `aws_account "NAME" {}`.
fn aws_block(description: &str) -> Block {
    Block::new(description)
        .attr(Attribute::optional("region", Type::String, "AWS region, e.g. `us-east-1`. Falls back to `AWS_REGION` / `AWS_DEFAULT_REGION` and the profile's region."))
        .attr(Attribute::optional("profile", Type::String, "Named profile from the shared config and credentials files (`AWS_PROFILE`)."))
        .attr(Attribute::optional("access_key", Type::String, "Access key id. Prefer the standard chain (`AWS_ACCESS_KEY_ID`, profiles, SSO, instance roles).").sensitive())
        .attr(Attribute::optional("secret_key", Type::String, "Secret access key; required with `access_key`.").sensitive())
        .attr(Attribute::optional("token", Type::String, "Session token for temporary credentials.").sensitive())
        .attr(Attribute::optional("assume_role_arn", Type::String, "IAM role to assume (STS AssumeRole, session name `cloudlink`) with the credentials above, e.g. for a cross-account peering accepter. Shorthand for an `assume_role` block with only `role_arn`."))
        .attr(Attribute::optional("endpoint", Type::String, "EC2 and STS endpoint URL, e.g. `http://127.0.0.1:4566` for cloudlink-emulator or a VPC endpoint."))
        .block(assume_role::block())
}

/// The provider's configuration schema.
pub fn schema() -> Schema {
    let block = Block::new(
        "cloudlink builds whole cross-cloud links (AWS<->Azure site-to-site VPNs, AWS VPC peerings) as single resources. \
         Configure one default AWS account, any number of named AWS accounts, and Azure.",
    )
    .attr(Attribute::optional(
        "poll_interval",
        Type::String,
        "Longest pause between two status polls while waiting for cloud operations (Go duration, default `10s`). Lower it against cloudlink-emulator, e.g. `200ms`.",
    ))
    .block(NestedBlock::single("aws", aws_block("The default AWS account. Every argument falls back to the standard AWS credential and region chain.")).max(1))
    .block(NestedBlock::map(
        "aws_account",
        aws_block("A named AWS account (the block label is its name), used where a resource says `account = \"NAME\"`, e.g. the accepter of a cross-account VPC peering."),
    ))
    .block(
        NestedBlock::single(
            "azure",
            Block::new("Azure Resource Manager access. Arguments fall back to the `ARM_*` environment variables, like the azurerm provider.")
                .attr(Attribute::optional("subscription_id", Type::String, "Subscription id (`ARM_SUBSCRIPTION_ID`)."))
                .attr(Attribute::optional("tenant_id", Type::String, "Entra ID tenant id (`ARM_TENANT_ID`)."))
                .attr(Attribute::optional("client_id", Type::String, "Service principal application id (`ARM_CLIENT_ID`)."))
                .attr(Attribute::optional("client_secret", Type::String, "Service principal secret (`ARM_CLIENT_SECRET`).").sensitive())
                .attr(Attribute::optional("client_certificate_path", Type::String, "The service principal's certificate with its private key (`ARM_CLIENT_CERTIFICATE_PATH`): a PKCS#12 (PFX) bundle, as azurerm takes it, or PEM with an unencrypted key."))
                .attr(Attribute::optional("client_certificate", Type::String, "Base64 of that file's contents (PFX or PEM), instead of a path (`ARM_CLIENT_CERTIFICATE`).").sensitive())
                .attr(Attribute::optional("client_certificate_password", Type::String, "Password of the PKCS#12 (PFX) bundle (`ARM_CLIENT_CERTIFICATE_PASSWORD`); unused for PEM.").sensitive())
                .attr(Attribute::optional("use_oidc", Type::Bool, "Authenticate with an OIDC token through workload identity federation (`ARM_USE_OIDC`)."))
                .attr(Attribute::optional("oidc_token", Type::String, "The OIDC token (`ARM_OIDC_TOKEN`).").sensitive())
                .attr(Attribute::optional("oidc_token_file_path", Type::String, "File holding the OIDC token, re-read for every token request (`ARM_OIDC_TOKEN_FILE_PATH`)."))
                .attr(Attribute::optional("oidc_request_url", Type::String, "GitHub Actions ID-token URL (`ARM_OIDC_REQUEST_URL`, else `ACTIONS_ID_TOKEN_REQUEST_URL`)."))
                .attr(Attribute::optional("oidc_request_token", Type::String, "Bearer token for `oidc_request_url` (`ARM_OIDC_REQUEST_TOKEN`, else `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).").sensitive())
                .attr(Attribute::optional("use_msi", Type::Bool, "Authenticate with the machine's managed identity (`ARM_USE_MSI`); `client_id` picks a user-assigned identity."))
                .attr(Attribute::optional("msi_endpoint", Type::String, "Managed-identity token endpoint (`ARM_MSI_ENDPOINT`). Defaults to the Instance Metadata Service, `http://169.254.169.254/metadata/identity/oauth2/token`."))
                .attr(Attribute::optional("use_cli", Type::Bool, "Authenticate with the Azure CLI's login (`az login`) instead of a service principal (`ARM_USE_CLI`)."))
                .attr(Attribute::optional("endpoint", Type::String, "Resource Manager endpoint, e.g. `http://127.0.0.1:4566` for cloudlink-emulator or a sovereign cloud's URL."))
                .attr(Attribute::optional("authority_host", Type::String, "Entra ID authority host. Defaults to `https://login.microsoftonline.com`, or to `endpoint` when only that is set (the emulator serves both).")),
        )
        .max(1),
    )
    .block(
        NestedBlock::single(
            "default_tags",
            Block::new("Tags merged into the tags of every sub-resource of every cloudlink resource, in both clouds, like the aws provider's `default_tags`. A resource's own `tags` win on the same key; cloudlink's ownership tags can never be overridden. Each resource shows the merged set in its computed `tags_all`.")
                .attr(Attribute::optional(default_tags::TAGS, Type::map(Type::String), "The default tags (same rules as a resource's `tags`). Changing them updates every sub-resource in place.").validator(default_tags::tag_map())),
        )
        .max(1),
    );
    Schema::new(0, block)
}

/// The provider configuration, parsed.
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    /// The default account.
    pub aws: AwsSettings,
    /// Named accounts.
    pub aws_accounts: BTreeMap<String, AwsSettings>,
    /// Azure.
    pub azure: AzureSettings,
    /// Longest pause between polls.
    pub poll_interval: Duration,
    /// The `default_tags { tags = ... }` block (empty when absent).
    pub default_tags: Tags,
}

/// Offline checks: the schema's validators, then formats of regions, URLs, ARNs, ids, and
/// argument pairs.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if config.is_null() {
        return diags;
    }
    let root = AttributePath::root();
    diags.extend(validate::duration(
        config.attr("poll_interval"),
        &root.clone().attr("poll_interval"),
    ));
    validate_aws(config.attr("aws"), &root.clone().attr("aws"), &mut diags);
    if let Some(accounts) = config.attr("aws_account").as_map() {
        for (name, acct) in accounts {
            validate_aws(
                acct,
                &root.clone().attr("aws_account").key(name),
                &mut diags,
            );
        }
    }
    // The validators attached to the schema (the tag rules of `default_tags.tags`).
    diags.extend(crate::tf::validate_config(&schema().block, config));
    let az = config.attr("azure");
    if !az.is_null() {
        let p = root.attr("azure");
        diags.extend(validate::uuid(
            az.attr("subscription_id"),
            &p.clone().attr("subscription_id"),
        ));
        diags.extend(validate::uuid(
            az.attr("tenant_id"),
            &p.clone().attr("tenant_id"),
        ));
        diags.extend(validate::http_url(
            az.attr("endpoint"),
            &p.clone().attr("endpoint"),
        ));
        diags.extend(validate::http_url(
            az.attr("authority_host"),
            &p.clone().attr("authority_host"),
        ));
        diags.extend(validate::http_url(
            az.attr("msi_endpoint"),
            &p.clone().attr("msi_endpoint"),
        ));
        validate_azure_methods(az, &p, &mut diags);
    }
    diags
}

/// Each Azure authentication method and the arguments that select it, in azurerm's order.
const AZURE_METHODS: &[(&str, &[&str])] = &[
    (
        "a client certificate",
        &["client_certificate_path", "client_certificate"],
    ),
    ("a client secret", &["client_secret"]),
    ("OIDC", &["use_oidc"]),
    ("a managed identity", &["use_msi"]),
    ("the Azure CLI", &["use_cli"]),
];

/// Two methods' arguments set explicitly in the `azure` block conflict: one diagnostic on
/// the later method's argument.
fn validate_azure_methods(az: &Value, p: &AttributePath, diags: &mut Diagnostics) {
    let set = |name: &str| match az.attr(name) {
        v if v.is_null() => false,
        v => v.as_bool() != Some(false),
    };
    let chosen: Vec<(&str, &str)> = AZURE_METHODS
        .iter()
        .filter_map(|(method, args)| args.iter().find(|a| set(a)).map(|a| (*method, *a)))
        .collect();
    if let [(first, first_arg), rest @ ..] = chosen.as_slice() {
        for (method, arg) in rest {
            diags.push(
                crate::tf::Diagnostic::error(
                    "Conflicting Azure authentication",
                    format!("{first_arg} ({first}) and {arg} ({method}) are both set; choose one way to authenticate."),
                )
                .with_path(p.clone().attr(arg)),
            );
        }
    }
}

fn validate_aws(block: &Value, p: &AttributePath, diags: &mut Diagnostics) {
    if block.is_null() {
        return;
    }
    diags.extend(validate::aws_region(
        block.attr("region"),
        &p.clone().attr("region"),
    ));
    diags.extend(validate::http_url(
        block.attr("endpoint"),
        &p.clone().attr("endpoint"),
    ));
    diags.extend(validate::iam_role_arn(
        block.attr("assume_role_arn"),
        &p.clone().attr("assume_role_arn"),
    ));
    diags.extend(assume_role::validate(block, p));
    let (ak, sk) = (block.attr("access_key"), block.attr("secret_key"));
    if ak.is_null() != sk.is_null() && !ak.is_unknown() && !sk.is_unknown() {
        let (missing, given) = if ak.is_null() {
            ("access_key", "secret_key")
        } else {
            ("secret_key", "access_key")
        };
        diags.push(
            crate::tf::Diagnostic::error(
                "Incomplete AWS static credentials",
                format!("{given} is set but {missing} is not; set both, or neither to use the standard AWS credential chain."),
            )
            .with_path(p.clone().attr(missing)),
        );
    }
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn aws_settings(block: &Value) -> AwsSettings {
    AwsSettings {
        region: opt_string(block.attr("region")),
        profile: opt_string(block.attr("profile")),
        access_key: opt_string(block.attr("access_key")),
        secret_key: opt_string(block.attr("secret_key")),
        session_token: opt_string(block.attr("token")),
        assume_role: assume_role::parse(block),
        endpoint: opt_string(block.attr("endpoint")),
    }
}

/// Turns a validated, wholly known configuration into settings.
pub fn parse(config: &Value) -> ProviderConfig {
    let az = config.attr("azure");
    let azure = AzureSettings {
        subscription_id: opt_string(az.attr("subscription_id")),
        tenant_id: opt_string(az.attr("tenant_id")),
        client_id: opt_string(az.attr("client_id")),
        client_secret: opt_string(az.attr("client_secret")),
        client_certificate_path: opt_string(az.attr("client_certificate_path")),
        client_certificate: opt_string(az.attr("client_certificate")),
        client_certificate_password: opt_string(az.attr("client_certificate_password")),
        use_oidc: az.attr("use_oidc").as_bool().unwrap_or(false),
        oidc_token: opt_string(az.attr("oidc_token")),
        oidc_token_file_path: opt_string(az.attr("oidc_token_file_path")),
        oidc_request_url: opt_string(az.attr("oidc_request_url")),
        oidc_request_token: opt_string(az.attr("oidc_request_token")),
        use_msi: az.attr("use_msi").as_bool().unwrap_or(false),
        msi_endpoint: opt_string(az.attr("msi_endpoint")),
        use_cli: az.attr("use_cli").as_bool().unwrap_or(false),
        endpoint: opt_string(az.attr("endpoint")),
        authority_host: opt_string(az.attr("authority_host")),
    }
    .with_env_fallbacks();
    let aws_accounts = config
        .attr("aws_account")
        .as_map()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), aws_settings(v)))
                .collect()
        })
        .unwrap_or_default();
    let poll_interval = config
        .attr("poll_interval")
        .as_str()
        .and_then(|s| validate::parse_duration(s).ok())
        .unwrap_or(DEFAULT_POLL_INTERVAL);
    ProviderConfig {
        aws: aws_settings(config.attr("aws")),
        aws_accounts,
        azure,
        poll_interval,
        default_tags: default_tags::tags_of(config.attr("default_tags").attr(default_tags::TAGS))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(aws: Value) -> Value {
        Value::object([
            ("poll_interval", Value::Null),
            ("aws", aws),
            ("aws_account", Value::Null),
            ("azure", Value::Null),
            ("default_tags", Value::Null),
        ])
    }

    #[test]
    fn numeric_region_is_rejected_on_its_path() {
        let d = validate(&cfg(Value::object([("region", Value::string("42"))])));
        assert!(d.has_errors());
        assert_eq!(
            d.iter().next().unwrap().path.as_ref().unwrap().to_string(),
            "aws.region"
        );
    }

    #[test]
    fn half_static_credentials_are_rejected() {
        let d = validate(&cfg(Value::object([
            ("access_key", Value::string("AKID")),
            ("secret_key", Value::Null),
        ])));
        assert!(d.has_errors());
    }

    #[test]
    fn a_reserved_default_tag_is_rejected_on_its_path() {
        let mut c = cfg(Value::Null);
        c.set_attr(
            "default_tags",
            Value::object([(
                "tags",
                Value::map([("cloudlink:component".to_string(), Value::string("x"))]),
            )]),
        );
        let d = validate(&c);
        assert!(d.has_errors());
        assert!(d
            .iter()
            .next()
            .unwrap()
            .path
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("default_tags.tags"));
    }

    #[test]
    fn default_tags_parse() {
        let mut c = cfg(Value::Null);
        c.set_attr(
            "default_tags",
            Value::object([(
                "tags",
                Value::map([("team".to_string(), Value::string("net"))]),
            )]),
        );
        assert!(!validate(&c).has_errors());
        assert_eq!(parse(&c).default_tags["team"], "net");
        assert!(parse(&cfg(Value::Null)).default_tags.is_empty());
    }

    #[test]
    fn valid_config_parses() {
        let c = cfg(Value::object([
            ("region", Value::string("eu-west-1")),
            ("endpoint", Value::string("http://127.0.0.1:1")),
        ]));
        assert!(!validate(&c).has_errors());
        let p = parse(&c);
        assert_eq!(p.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(p.poll_interval, DEFAULT_POLL_INTERVAL);
    }

    #[test]
    fn two_azure_methods_in_the_block_are_an_error_on_the_later_argument() {
        let c = Value::object([
            ("poll_interval", Value::Null),
            ("aws", Value::Null),
            ("aws_account", Value::Null),
            (
                "azure",
                Value::object([
                    ("client_certificate_path", Value::string("/sp.pem")),
                    ("use_oidc", Value::bool(true)),
                    ("use_cli", Value::bool(false)),
                ]),
            ),
        ]);
        let d = validate(&c);
        assert!(d.has_errors());
        let paths: Vec<String> = d
            .iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(paths, ["azure.use_oidc"]);
    }
}
