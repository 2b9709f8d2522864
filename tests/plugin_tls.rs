//! AutoMTLS as terraform does it, without terraform: we play the go-plugin client with a
//! client certificate shaped like terraform's (self-signed ECDSA P-521, marked CA) and check
//! that the provider accepts exactly that certificate, negotiates ALPN h2, and refuses a
//! connection that presents no certificate or another one.

use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like go-plugin's AutoMTLS one.
fn terraform_like_client_cert() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    let cert = params.self_signed(&key).unwrap();
    let der = cert.der().clone();
    (
        cert.pem(),
        der,
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

struct Plugin {
    child: Child,
    addr: String,
    server_cert: CertificateDer<'static>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_plugin(client_pem: &str) -> Plugin {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-cloudlink"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_pem)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line: {line}");
    assert_eq!(&fields[..3], &["1", "6", "tcp"]);
    assert_eq!(fields[4], "grpc");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("unpadded base64 cert");
    Plugin {
        child,
        addr: fields[3].to_string(),
        server_cert: CertificateDer::from(der),
    }
}

fn client_config(
    server: &CertificateDer<'static>,
    identity: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.clone()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let mut cfg = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(cfg)
}

/// Connects, sends the HTTP/2 preface and an empty SETTINGS frame, and returns whether the
/// server answered with a frame (a served gRPC connection) and the negotiated ALPN.
fn talk_h2(plugin: &Plugin, cfg: Arc<rustls::ClientConfig>) -> (bool, Option<Vec<u8>>) {
    let mut conn =
        rustls::ClientConnection::new(cfg, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tcp = TcpStream::connect(&plugin.addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    if tls.write_all(preface).is_err() {
        return (false, None);
    }
    let mut buf = [0u8; 9];
    let answered = tls.read_exact(&mut buf).is_ok();
    let alpn = conn.alpn_protocol().map(|p| p.to_vec());
    (answered, alpn)
}

#[test]
fn terraform_shaped_client_certificate_is_accepted_with_alpn_h2() {
    let (pem, cert, key) = terraform_like_client_cert();
    let plugin = start_plugin(&pem);
    let (answered, alpn) = talk_h2(
        &plugin,
        client_config(&plugin.server_cert, Some((cert, key))),
    );
    assert!(answered, "the provider did not serve HTTP/2 over mTLS");
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
}

#[test]
fn connection_without_client_certificate_is_refused() {
    let (pem, _, _) = terraform_like_client_cert();
    let plugin = start_plugin(&pem);
    let (answered, _) = talk_h2(&plugin, client_config(&plugin.server_cert, None));
    assert!(
        !answered,
        "a client without terraform's certificate was served"
    );
}

#[test]
fn connection_with_another_certificate_is_refused() {
    let (pem, _, _) = terraform_like_client_cert();
    let (_, other_cert, other_key) = terraform_like_client_cert();
    let plugin = start_plugin(&pem);
    let (answered, _) = talk_h2(
        &plugin,
        client_config(&plugin.server_cert, Some((other_cert, other_key))),
    );
    assert!(
        !answered,
        "a client with a different certificate was served"
    );
}

#[test]
fn run_by_hand_it_explains_itself_and_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_terraform-provider-cloudlink"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing but the handshake may go to stdout"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("This binary is a plugin"), "{err}");
}

#[test]
fn debug_mode_prints_a_reattach_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-cloudlink"))
        .arg("--debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    for _ in 0..4 {
        out.read_line(&mut text).unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    let json = text
        .split("TF_REATTACH_PROVIDERS='")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect(&text);
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let p = &v["registry.terraform.io/cloudlink/cloudlink"];
    assert_eq!(p["ProtocolVersion"], 6);
    assert!(p["Addr"]["String"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
}
