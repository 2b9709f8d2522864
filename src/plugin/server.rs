//! Serving: bind loopback, print the handshake (or the reattach line in debug mode), serve
//! the provider with mTLS, and exit promptly when terraform calls `GRPCController/Shutdown`.

use super::{handshake, tls};
use crate::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use crate::proto::plugin::Empty;
use crate::proto::tfplugin6::provider_server::{Provider, ProviderServer};
use anyhow::Context;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

/// terraform's gRPC message limit (`grpcMaxMessageSize = 256 << 20`, terraform plugin6).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// The provider's registry address, used in the reattach line.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/cloudlink/cloudlink";

/// How the process was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServeMode {
    /// Started by terraform: cookie, negotiation, AutoMTLS when a client cert is given.
    Terraform,
    /// Started by hand with `--debug`: plaintext, prints `TF_REATTACH_PROVIDERS`.
    Debug,
}

/// Serves `provider` until terraform shuts us down. `stop` is cancelled on Shutdown too, so
/// in-flight work ends with the process.
pub async fn serve<P: Provider>(
    provider: P,
    mode: ServeMode,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let version = match mode {
        ServeMode::Terraform => {
            handshake::check_cookie(std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref())?;
            handshake::negotiate_version(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref())?
        }
        ServeMode::Debug => handshake::APP_PROTOCOL_VERSION,
    };
    if mode == ServeMode::Terraform {
        ignore_interrupts()?;
        super::parent::exit_when_parent_dies();
    }
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding 127.0.0.1")?;
    let addr = listener.local_addr()?;

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let shutdown = CancellationToken::new();
    let router = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
            stop: stop.clone(),
        }))
        .add_service(health_service);

    let client_cert = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let mut out = std::io::stdout().lock();
    let incoming = match (mode, client_cert) {
        (ServeMode::Terraform, Some(pem)) => {
            let server_tls = tls::server_tls(&pem)?;
            writeln!(
                out,
                "{}",
                handshake::handshake_line(version, addr, Some(&server_tls.cert_der))
            )?;
            accept_tls(listener, server_tls.config)
        }
        (ServeMode::Terraform, None) => {
            writeln!(out, "{}", handshake::handshake_line(version, addr, None))?;
            accept_plain(listener)
        }
        (ServeMode::Debug, _) => {
            writeln!(out, "{}", reattach_line(addr))?;
            accept_plain(listener)
        }
    };
    out.flush()?;
    drop(out);

    let exit = shutdown.clone();
    tokio::spawn(async move {
        exit.cancelled().await;
        // Give the Shutdown reply time to leave, then go: waiting for terraform to close
        // its connection would cost the 2 s go-plugin grants before SIGKILL.
        tokio::time::sleep(Duration::from_millis(20)).await;
        std::process::exit(0);
    });
    router
        .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
        .await
        .context("serving gRPC")?;
    Ok(())
}

/// Ctrl-C in a terminal sends SIGINT to terraform's whole process group, providers included.
/// Dying on it would lose the in-flight apply's partial state and orphan what it created, so,
/// like go-plugin servers, we ignore it: terraform answers the interrupt with StopProvider,
/// which cancels the work and still lets the partial state reach terraform.
fn ignore_interrupts() -> anyhow::Result<()> {
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("installing the SIGINT handler")?;
    tokio::spawn(async move {
        let mut count = 0u32;
        while interrupts.recv().await.is_some() {
            count += 1;
            tracing::debug!(
                count,
                "ignoring SIGINT: terraform stops providers with StopProvider"
            );
        }
    });
    Ok(())
}

/// The line a person exports to attach terraform to a provider started with `--debug`.
fn reattach_line(addr: std::net::SocketAddr) -> String {
    let json = serde_json::json!({
        PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::APP_PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": "tcp", "String": addr.to_string()},
        }
    });
    format!(
        "Provider started in debug mode. To attach terraform, run in another shell:\n\n\tTF_REATTACH_PROVIDERS='{json}'\n"
    )
}

type Incoming = ReceiverStream<Result<Conn, std::io::Error>>;

/// Accepts plaintext connections (no client certificate configured, or debug mode).
fn accept_plain(listener: TcpListener) -> Incoming {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            no_delay(&tcp);
            if tx.send(Ok(Conn::Plain(tcp))).await.is_err() {
                break;
            }
        }
    });
    ReceiverStream::new(rx)
}

/// Accepts TLS connections; a handshake that fails (e.g. no or the wrong client certificate)
/// closes that connection only and never stalls the accept loop.
fn accept_tls(listener: TcpListener, config: std::sync::Arc<rustls::ServerConfig>) -> Incoming {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            no_delay(&tcp);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match acceptor.accept(tcp).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(Conn::Tls(Box::new(tls)))).await;
                    }
                    Err(e) => {
                        tracing::warn!(%peer, error = %e, "refused a connection without terraform's client certificate")
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// Turns Nagle's algorithm off on an accepted connection, as Go's `net` package does on both
/// ends by default: a gRPC reply leaves as several small writes (HTTP/2 headers, data and
/// trailers, each its own TLS record), and with Nagle on, a write that follows an unacknowledged
/// one waits for terraform's delayed ACK (up to 40 ms on Linux). A failure only costs latency.
fn no_delay(tcp: &TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY on terraform's connection");
    }
}

/// One accepted connection, plaintext or TLS.
pub enum Conn {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// go-plugin's controller: Shutdown ends the process.
struct Controller {
    shutdown: CancellationToken,
    stop: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(
        &self,
        _req: tonic::Request<Empty>,
    ) -> Result<tonic::Response<Empty>, tonic::Status> {
        tracing::info!(pid = std::process::id(), "shutdown requested by terraform");
        self.stop.cancel();
        self.shutdown.cancel();
        Ok(tonic::Response::new(Empty {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_stream::StreamExt;

    /// terraform's connection gets TCP_NODELAY (a Nagle stall costs up to 40 ms per reply).
    #[tokio::test]
    async fn an_accepted_connection_sends_without_nagle_delay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = accept_plain(listener);
        let _client = TcpStream::connect(addr).await.unwrap();
        match incoming.next().await {
            Some(Ok(Conn::Plain(tcp))) => assert!(tcp.nodelay().unwrap()),
            _ => panic!("expected one plaintext connection"),
        }
    }
}
