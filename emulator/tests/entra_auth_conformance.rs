//! Entra ID authentication beyond client secrets, with raw requests: the IMDS
//! managed-identity endpoint, the GitHub Actions ID-token endpoint and federated client
//! assertions at the token endpoint. (No swagger covers these, so no wire check.)

use azure_core::{headers::Headers, Method, Request, StatusCode, Url};
use cloudlink_emulator::{profile::Profile, server, Emulator};
use serde_json::{json, Value};
use std::sync::Arc;

const CLIENT: &str = "22222222-2222-2222-2222-222222222222";
const SUBJECT: &str = "repo:cloudlink/cloudlink:ref:refs/heads/main";

async fn start() -> (Arc<Emulator>, String) {
    let emu = Arc::new(Emulator::new(Profile::named("fast", 1.0).unwrap(), 7));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = server::router(emu.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (emu, url)
}

async fn send(
    method: Method,
    url: &str,
    headers: &[(&'static str, &str)],
    form: Option<&[(&str, &str)]>,
) -> (StatusCode, Value) {
    let mut req = Request::new(Url::parse(url).unwrap(), method);
    for (k, v) in headers {
        req.insert_header(*k, v.to_string());
    }
    if let Some(f) = form {
        req.insert_header("content-type", "application/x-www-form-urlencoded");
        req.set_body(serde_urlencoded::to_string(f).unwrap().into_bytes());
    }
    let rsp = azure_core::new_http_client()
        .execute_request(&req)
        .await
        .unwrap();
    let (status, _h, body): (StatusCode, Headers, _) = rsp.deconstruct();
    let body = body.collect().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn exchange(url: &str, assertion: &str) -> (StatusCode, Value) {
    send(
        Method::Post,
        &format!("{url}/tenant/oauth2/v2.0/token"),
        &[],
        Some(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", "https://management.azure.com/.default"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ]),
    )
    .await
}

#[tokio::test]
async fn imds_requires_the_metadata_header_and_answers_expiry_as_strings() {
    let (_emu, url) = start().await;
    let imds = format!("{url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com");
    let (status, body) = send(Method::Get, &imds, &[], None).await;
    assert_eq!(status, StatusCode::BadRequest);
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );
    let (status, body) = send(Method::Get, &imds, &[("metadata", "true")], None).await;
    assert_eq!(status, StatusCode::Ok, "{body}");
    assert!(body["access_token"].as_str().unwrap().starts_with("clemu."));
    assert!(body["expires_in"].is_string() && body["expires_on"].is_string());
    assert_eq!(body["resource"], "https://management.azure.com");
}

#[tokio::test]
async fn a_github_id_token_is_exchanged_only_for_a_registered_subject() {
    let (emu, url) = start().await;
    let id_token = |subject: &'static str| {
        let url = url.clone();
        async move {
            send(
                Method::Get,
                &format!("{url}/_emulator/github/id-token?audience=api://AzureADTokenExchange&subject={subject}"),
                &[("authorization", "Bearer emulator-github-request-token")],
                None,
            )
            .await
        }
    };
    let (status, _) = send(
        Method::Get,
        &format!("{url}/_emulator/github/id-token?audience=x"),
        &[("authorization", "Bearer wrong")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::Unauthorized);

    let (_, good) = id_token(SUBJECT).await;
    let good = good["value"].as_str().unwrap().to_string();
    let (status, body) = exchange(&url, &good).await;
    assert_eq!(status, StatusCode::Unauthorized);
    assert_eq!(body["error_codes"], json!([700211]), "{body}");

    cloudlink_emulator::arm::fixtures(
        &emu,
        &json!({"federated_credentials": [{"client_id": CLIENT, "subject": SUBJECT}]}),
    )
    .unwrap();
    let (status, body) = exchange(&url, &good).await;
    assert_eq!(status, StatusCode::Ok, "{body}");
    assert!(body["access_token"].as_str().unwrap().starts_with("clemu."));

    let (_, other) = id_token("repo:evil/fork:ref:refs/heads/main").await;
    let (status, body) = exchange(&url, other["value"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::Unauthorized);
    assert_eq!(body["error_codes"], json!([700213]), "{body}");

    let (_, wrong_aud) = send(
        Method::Get,
        &format!("{url}/_emulator/github/id-token?audience=sts.amazonaws.com"),
        &[("authorization", "Bearer emulator-github-request-token")],
        None,
    )
    .await;
    let (_, body) = exchange(&url, wrong_aud["value"].as_str().unwrap()).await;
    assert_eq!(body["error_codes"], json!([700212]), "{body}");

    let mut forged = good.clone();
    forged.pop();
    forged.push('x');
    let (_, body) = exchange(&url, &forged).await;
    assert_eq!(body["error_codes"], json!([700027]), "{body}");

    let (_, body) = exchange(&url, "not-a-jwt").await;
    assert_eq!(body["error_codes"], json!([50027]), "{body}");
}
