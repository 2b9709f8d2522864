//! AutoMTLS as terraform does it. Terraform puts its client certificate (self-signed ECDSA
//! P-521, marked CA) in `PLUGIN_CLIENT_CERT` and trusts only the server certificate we print.
//! Two traps decide whether terraform can talk to us at all (see shared tfplugin.md):
//! `ring` has no P-521, so the client's signatures are verified with aws-lc-rs; and webpki
//! refuses a CA certificate as an end entity, so instead of a CA root we compare the
//! presented certificate byte for byte. ALPN `h2` is advertised because grpc-go >= 1.67
//! rejects TLS without it.
//!
//! Everything that needs randomness (our P-256 key, its signatures, the key exchange) uses
//! `ring`, which takes it from the OS. AWS-LC seeds its generator from a CPU-jitter entropy
//! source that is built without optimisation and costs ~40 ms of CPU on first use, and
//! terraform starts the provider three times per plan (schema, validate, plan); verifying a
//! signature draws no randomness, so AWS-LC's generator is never started here.

use anyhow::{bail, Context};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{
    aws_lc_rs, ring as ring_provider, verify_tls12_signature, verify_tls13_signature,
    WebPkiSupportedAlgorithms,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    DigitallySignedStruct, DistinguishedName, Error as TlsError, ServerConfig, SignatureScheme,
};
use std::sync::Arc;

/// A freshly generated server identity: the DER we print in the handshake and the config.
pub struct ServerTls {
    /// The server certificate, printed base64 in the handshake line.
    pub cert_der: Vec<u8>,
    /// rustls config requiring terraform's client certificate.
    pub config: Arc<ServerConfig>,
}

/// Builds the server side of AutoMTLS for the client certificate in `client_cert_pem`.
pub fn server_tls(client_cert_pem: &str) -> anyhow::Result<ServerTls> {
    let client_cert = parse_single_cert(client_cert_pem).context("reading PLUGIN_CLIENT_CERT")?;
    let (cert_der, key_der) = generate_server_cert()?;
    let provider = Arc::new(ring_provider::default_provider());
    let verifier = Arc::new(ExactClientCert {
        expected: client_cert,
        algorithms: aws_lc_rs::default_provider().signature_verification_algorithms,
    });
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key_der)
        .context("installing the server certificate")?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        cert_der,
        config: Arc::new(config),
    })
}

/// An ECDSA P-256 key made and used by `ring` (see the module doc), as rcgen signs with it.
struct RingP256 {
    pkcs8: Vec<u8>,
    key: EcdsaKeyPair,
    rng: SystemRandom,
}

impl RingP256 {
    fn generate() -> anyhow::Result<Self> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| anyhow::anyhow!("ring could not generate a P-256 key"))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|e| anyhow::anyhow!("ring rejected its own P-256 key: {e}"))?;
        Ok(RingP256 {
            pkcs8: pkcs8.as_ref().to_vec(),
            key,
            rng,
        })
    }
}

impl rcgen::PublicKeyData for RingP256 {
    fn der_bytes(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for RingP256 {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key
            .sign(&self.rng, msg)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// A self-signed ECDSA P-256 certificate for `localhost`, usable for server and client auth
/// (terraform checks the name `localhost` against the certificate it was given).
fn generate_server_cert() -> anyhow::Result<(Vec<u8>, PrivateKeyDer<'static>)> {
    let key = RingP256::generate().context("generating the server key")?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .context("certificate params")?;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "cloudlink");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(1);
    params.not_after = now + time::Duration::days(365);
    let cert = params
        .self_signed(&key)
        .context("signing the server certificate")?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8.clone()));
    Ok((cert.der().to_vec(), key_der))
}

fn parse_single_cert(pem: &str) -> anyhow::Result<CertificateDer<'static>> {
    let mut reader = std::io::BufReader::new(pem.as_bytes());
    let mut certs = rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .context("parsing PEM")?;
    if certs.len() != 1 {
        bail!("expected exactly one certificate, found {}", certs.len());
    }
    Ok(certs.remove(0))
}

/// Accepts exactly one client certificate: the one terraform gave us.
#[derive(Debug)]
struct ExactClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
