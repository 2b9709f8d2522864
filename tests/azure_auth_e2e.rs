//! Azure authentication methods end to end: the real `terraform` plans a
//! `cloudlink_cross_cloud_vpn` (which reads the VNet from ARM) with credentials given only
//! through `ARM_*` variables, against the emulator's Entra ID, IMDS and GitHub Actions
//! ID-token endpoints. A wrong credential fails naming the method and its variable, and
//! never shows the secret.

mod support;

use serde_json::json;
use support::{arm_of, default_aws_block, static_link_config_with, Emulator, Workdir};
use terraform_provider_cloudlink::cloud::azure::pkcs12;

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const CLIENT: &str = "22222222-2222-2222-2222-222222222222";

/// A workdir planning a link whose `azure {}` block holds no credential at all.
fn workdir(emu: &Emulator) -> Workdir {
    let provider = format!(
        r#"
provider "cloudlink" {{
  poll_interval = "100ms"
{aws}  azure {{
    subscription_id = "00000000-0000-0000-0000-000000000000"
    endpoint        = "{url}"
  }}
}}
"#,
        url = emu.url,
        aws = default_aws_block(emu)
    );
    let wd = Workdir::new();
    wd.write("main.tf", &static_link_config_with(emu, &provider));
    wd
}

fn service_principal(wd: &mut Workdir) {
    wd.env("ARM_TENANT_ID", TENANT);
    wd.env("ARM_CLIENT_ID", CLIENT);
}

fn plan(wd: &Workdir) -> support::Run {
    wd.tf(&["plan", "-no-color", "-input=false"])
}

/// A plan that authenticated: it read the VNet (no plan-time read warning).
fn plans_with_azure(wd: &Workdir) {
    let run = plan(wd).success();
    assert!(
        !run.all().contains("Could not read the virtual network"),
        "{}",
        run.all()
    );
}

/// Terraform's output with line wrapping undone.
fn flat(run: &support::Run) -> String {
    run.all().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A self-signed RSA certificate and its key, as one PEM file, and the certificate alone.
fn certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["cloudlink-test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (format!("{}{}", cert.pem(), key.serialize_pem()), cert.pem())
}

fn assert_fails_naming(run: &support::Run, method: &str, variable: &str, secret: &str) {
    // A refused login fails the plan, naming the method and its variable.
    let all = flat(run);
    assert_ne!(run.code, 0, "a refused login must fail the plan:\n{all}");
    assert!(all.contains("Error:"), "{all}");
    assert!(
        all.contains(&format!("authenticating with {method}")) && all.contains(variable),
        "error should name {method} and {variable}:\n{all}"
    );
    assert!(!all.contains(secret), "the secret leaked:\n{all}");
}

#[test]
fn client_secret_from_env_plans_and_a_wrong_one_fails_naming_arm_client_secret() {
    let emu = Emulator::start("fast", 1.0);
    let mut wd = workdir(&emu);
    service_principal(&mut wd);
    wd.env("ARM_CLIENT_SECRET", "emulator-secret");
    plans_with_azure(&wd);

    let mut bad = workdir(&emu);
    service_principal(&mut bad);
    bad.env("ARM_CLIENT_SECRET", "wrong-s3cret-value");
    let run = plan(&bad);
    assert_fails_naming(
        &run,
        "a client secret",
        "ARM_CLIENT_SECRET",
        "wrong-s3cret-value",
    );
    assert!(flat(&run).contains("AADSTS7000215"), "{}", run.all());
}

/// The format azurerm documents for `ARM_CLIENT_CERTIFICATE_PATH`: a password-protected
/// PKCS#12 (PFX) bundle; a wrong password fails naming the variable, never echoing it.
#[test]
fn pfx_client_certificate_with_its_password_plans_and_a_wrong_password_fails() {
    let emu = Emulator::start("fast", 1.0);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["cloudlink-test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    emu.fixtures(json!({"azure": {"client_certificates": [
        {"client_id": CLIENT, "certificate_pem": cert.pem()}
    ]}}));
    let pfx = pkcs12::seal_pfx(cert.der(), &key.serialize_der(), "pfx-pa55word").unwrap();
    let with_password = |password: &str| {
        let mut wd = workdir(&emu);
        service_principal(&mut wd);
        let path = wd.path().join("sp.pfx");
        std::fs::write(&path, &pfx).unwrap();
        wd.env("ARM_CLIENT_CERTIFICATE_PATH", path.to_str().unwrap());
        wd.env("ARM_CLIENT_CERTIFICATE_PASSWORD", password);
        wd
    };
    plans_with_azure(&with_password("pfx-pa55word"));

    let run = plan(&with_password("wrong-pfx-pa55"));
    assert_fails_naming(
        &run,
        "a client certificate",
        "ARM_CLIENT_CERTIFICATE_PASSWORD",
        "wrong-pfx-pa55",
    );
}

#[test]
fn client_certificate_from_env_plans_and_an_unregistered_one_fails_with_aadsts700027() {
    let emu = Emulator::start("fast", 1.0);
    let (pem, cert) = certificate();
    emu.fixtures(
        json!({"azure": {"client_certificates": [{"client_id": CLIENT, "certificate_pem": cert}]}}),
    );
    let mut wd = workdir(&emu);
    service_principal(&mut wd);
    let path = wd.path().join("sp.pem");
    std::fs::write(&path, &pem).unwrap();
    wd.env("ARM_CLIENT_CERTIFICATE_PATH", path.to_str().unwrap());
    plans_with_azure(&wd);

    let (other_pem, _) = certificate();
    let mut bad = workdir(&emu);
    service_principal(&mut bad);
    let path = bad.path().join("other.pem");
    std::fs::write(&path, &other_pem).unwrap();
    bad.env("ARM_CLIENT_CERTIFICATE_PATH", path.to_str().unwrap());
    bad.env("ARM_CLIENT_CERTIFICATE_PASSWORD", "cert-pa55word");
    let run = plan(&bad);
    assert_fails_naming(
        &run,
        "a client certificate",
        "ARM_CLIENT_CERTIFICATE_PATH",
        "cert-pa55word",
    );
    assert!(flat(&run).contains("AADSTS700027"), "{}", run.all());
}

#[test]
fn github_actions_oidc_plans_and_an_unknown_subject_fails_with_aadsts700213() {
    let mut emu = Emulator::start("fast", 1.0);
    emu.exempt_from_spec_check("the GitHub ID-token endpoint has no OpenAPI spec");
    emu.fixtures(json!({"azure": {"federated_credentials": [
        {"client_id": CLIENT, "subject": "repo:cloudlink/cloudlink:ref:refs/heads/main"}
    ]}}));
    let mut wd = workdir(&emu);
    service_principal(&mut wd);
    wd.env("ARM_USE_OIDC", "true");
    wd.env(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        &format!("{}/_emulator/github/id-token", emu.url),
    );
    wd.env(
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "emulator-github-request-token",
    );
    plans_with_azure(&wd);

    let mut bad = workdir(&emu);
    service_principal(&mut bad);
    bad.env("ARM_USE_OIDC", "true");
    bad.env(
        "ARM_OIDC_REQUEST_URL",
        &format!(
            "{}/_emulator/github/id-token?subject=repo:evil/fork:ref:refs/heads/main",
            emu.url
        ),
    );
    bad.env("ARM_OIDC_REQUEST_TOKEN", "emulator-github-request-token");
    let run = plan(&bad);
    assert_fails_naming(
        &run,
        "GitHub Actions OIDC",
        "ARM_OIDC_REQUEST_URL",
        "emulator-github-request-token",
    );
    assert!(flat(&run).contains("AADSTS700213"), "{}", run.all());
}

/// A federated token handed over directly (`ARM_OIDC_TOKEN`) or in a file that is re-read
/// for every token request (`ARM_OIDC_TOKEN_FILE_PATH`, as Kubernetes workload identity
/// mounts it), both from an issuer and subject the app trusts.
#[test]
fn oidc_token_and_oidc_token_file_plan() {
    let emu = Emulator::start("fast", 1.0);
    let subject = "repo:cloudlink/cloudlink:environment:prod";
    emu.fixtures(json!({"azure": {"federated_credentials": [
        {"client_id": CLIENT, "subject": subject}
    ]}}));
    let token = cloudlink_emulator::arm::assertion::mint_id_token(
        emu.emu.seed,
        subject,
        "api://AzureADTokenExchange",
    );
    let mut direct = workdir(&emu);
    service_principal(&mut direct);
    direct.env("ARM_USE_OIDC", "true");
    direct.env("ARM_OIDC_TOKEN", &token);
    plans_with_azure(&direct);

    let mut from_file = workdir(&emu);
    service_principal(&mut from_file);
    let path = from_file.path().join("azure-identity-token");
    std::fs::write(&path, &token).unwrap();
    from_file.env("ARM_USE_OIDC", "true");
    from_file.env("ARM_OIDC_TOKEN_FILE_PATH", path.to_str().unwrap());
    plans_with_azure(&from_file);
}

#[test]
fn oidc_token_that_is_not_a_jwt_fails_naming_arm_oidc_token() {
    let emu = Emulator::start("fast", 1.0);
    let mut wd = workdir(&emu);
    service_principal(&mut wd);
    wd.env("ARM_USE_OIDC", "true");
    wd.env("ARM_OIDC_TOKEN", "not-a-jwt-secret");
    let run = plan(&wd);
    assert_fails_naming(&run, "an OIDC token", "ARM_OIDC_TOKEN", "not-a-jwt-secret");
    assert!(flat(&run).contains("AADSTS50027"), "{}", run.all());
}

#[test]
fn managed_identity_through_msi_endpoint_plans() {
    let mut emu = Emulator::start("fast", 1.0);
    emu.exempt_from_spec_check("IMDS is not an ARM API: no OpenAPI spec describes it");
    let mut wd = workdir(&emu);
    wd.env("ARM_USE_MSI", "true");
    wd.env(
        "ARM_MSI_ENDPOINT",
        &format!("{}/metadata/identity/oauth2/token", emu.url),
    );
    plans_with_azure(&wd);
}

/// A stand-in `az` first on `PATH`: `az account get-access-token` answers what the real CLI
/// prints after `az login` (here a token the emulator issued for the service principal), or
/// fails as the real one does when nobody is logged in.
fn fake_az(wd: &mut Workdir, emu: &Emulator, logged_in: bool) {
    let bin = wd.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = if logged_in {
        format!(
            r#"#!/bin/sh
[ "$1 $2" = "account get-access-token" ] || {{ echo "unexpected: $*" >&2; exit 2; }}
token=$(curl -fsS -X POST "{url}/{TENANT}/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d client_id={CLIENT} -d client_secret=emulator-secret \
  -d scope=https://management.azure.com/.default | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
printf '{{"accessToken": "%s", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "subscription": "00000000-0000-0000-0000-000000000000", "tenant": "{TENANT}", "tokenType": "Bearer"}}\n' "$token"
"#,
            url = emu.url
        )
    } else {
        "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"
            .to_string()
    };
    let az = bin.join("az");
    std::fs::write(&az, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    wd.env("PATH", &path);
    wd.env("ARM_USE_CLI", "true");
}

#[test]
fn azure_cli_login_plans_and_no_login_fails_naming_arm_use_cli() {
    let emu = Emulator::start("fast", 1.0);
    let mut wd = workdir(&emu);
    fake_az(&mut wd, &emu, true);
    plans_with_azure(&wd);

    let mut bad = workdir(&emu);
    fake_az(&mut bad, &emu, false);
    let run = plan(&bad);
    assert_fails_naming(&run, "the Azure CLI", "ARM_USE_CLI", "emulator-secret");
    assert!(flat(&run).contains("az login"), "{}", run.all());
}

/// One transient failure of the token request (a dropped connection, a 429, a 500) before
/// each of plan, apply and destroy: every command retries it and succeeds.
fn survives_one_token_fault_per_command(fault: &str) {
    let emu = Emulator::start("fast", 1.0);
    let mut wd = workdir(&emu);
    service_principal(&mut wd);
    wd.env("ARM_CLIENT_SECRET", "emulator-secret");
    let token_requests = || emu.counter("arm", "POST token");
    for command in ["plan", "apply", "destroy"] {
        emu.inject(&format!("arm:POST token={fault},count=1"));
        let before = token_requests();
        match command {
            "plan" => {
                plans_with_azure(&wd);
            }
            "apply" => {
                wd.apply();
            }
            _ => {
                wd.destroy();
            }
        }
        assert!(
            token_requests() >= before + 2,
            "{command}: the {fault} fault did not hit a token request ({before} -> {})",
            token_requests()
        );
    }
    assert!(arm_of(&emu.dump(), "virtualNetworkGateways").is_empty());
}

#[test]
fn a_dropped_token_request_is_retried_by_plan_apply_and_destroy() {
    survives_one_token_fault_per_command("drop");
}

#[test]
fn a_throttled_token_request_is_retried_by_plan_apply_and_destroy() {
    survives_one_token_fault_per_command("throttle");
}

#[test]
fn a_token_request_failing_with_500_is_retried_by_plan_apply_and_destroy() {
    survives_one_token_fault_per_command("server_error");
}
