//! A connection past [`ServerOptions::max_connections`]: accepted and
//! answered at once with HTTP 503 (a FHIR OperationOutcome saying the
//! service is at its limit, `Retry-After`, `Connection: close`), rather
//! than left waiting in the listen backlog. The request head is read first
//! (within a short wait) and what the client still sends is drained after
//! the answer, so that closing does not reset the connection before the
//! client has read it. Refusals in flight are bounded too: past
//! [`IN_FLIGHT`], a connection is just closed.
//!
//! [`ServerOptions::max_connections`]: super::ServerOptions::max_connections

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::{outcome, FHIR_XML};
use crate::metrics::Metrics;

/// The most refusals answered at once; past it, connections are closed.
pub(super) const IN_FLIGHT: usize = 32;

/// The longest wait for each step of a refusal (the TLS handshake, the
/// request head, writing the answer, the client's close).
const WAIT: Duration = Duration::from_secs(1);

/// The most bytes of a request head read before answering anyway.
const HEAD_MAX: usize = 16 * 1024;

/// The most bytes drained after the answer.
const DRAIN_MAX: usize = 1024 * 1024;

/// Seconds a refused client is told to wait (`Retry-After`).
const RETRY_AFTER: u32 = 1;

/// What a refusal needs: the bound on refusals in flight, the TLS
/// acceptor, and how long each step may wait.
#[derive(Clone)]
pub(super) struct Refusals {
    pub(super) in_flight: Arc<Semaphore>,
    pub(super) tls: Option<tokio_rustls::TlsAcceptor>,
    pub(super) max_connections: usize,
    pub(super) wait: Duration,
}

impl Refusals {
    /// Refuses `tcp`: counts and logs it, then answers 503 in a task of
    /// its own, or closes it when too many refusals are in flight.
    pub(super) fn refuse(&self, tcp: TcpStream, addr: SocketAddr, metrics: &Metrics) {
        metrics.refused_connection();
        let max = self.max_connections;
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            tracing::warn!(
                target: "fgm::connection",
                peer = %addr,
                max_connections = max,
                "connection refused: at the limit of {max} connections, and of refusals in flight: closed"
            );
            return;
        };
        tracing::warn!(
            target: "fgm::connection",
            peer = %addr,
            max_connections = max,
            "connection refused: at the limit of {max} connections: answered 503"
        );
        let (tls, wait) = (self.tls.clone(), self.wait.min(WAIT));
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => answer(tcp, max, wait).await,
                Some(tls) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(wait, tls.accept(tcp)).await {
                        answer(stream, max, wait).await;
                    }
                }
            }
        });
    }
}

/// Reads the head (within `wait`), writes the 503 and closes gracefully.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, max: usize, wait: Duration) {
    let _ = tokio::time::timeout(wait, read_head(&mut stream)).await;
    let written = tokio::time::timeout(wait, async {
        stream.write_all(&response(max)).await?;
        stream.shutdown().await
    })
    .await;
    if matches!(written, Ok(Ok(()))) {
        let _ = tokio::time::timeout(wait, drain(&mut stream)).await;
    }
}

/// Reads until the end of a request head, the end of the stream or
/// [`HEAD_MAX`] bytes.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    while head.len() < HEAD_MAX {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return;
        }
    }
}

/// Reads and drops what the client still sends, until it closes or
/// [`DRAIN_MAX`] bytes.
async fn drain<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut buf = [0u8; 8192];
    let mut drained = 0;
    while drained < DRAIN_MAX {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// The 503 answer, head and body.
fn response(max: usize) -> Vec<u8> {
    let body = outcome(
        "error",
        "throttled",
        &format!("the service is at its limit of {max} connections: try again in {RETRY_AFTER} s"),
    );
    let mut bytes = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {FHIR_XML}\r\ncontent-length: {}\r\nretry-after: {RETRY_AFTER}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_reads_the_head_then_answers_503_in_fhir() {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let refusing = tokio::spawn(answer(server, 2, Duration::from_secs(1)));
        client
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answered = String::new();
        client.read_to_string(&mut answered).await.unwrap();
        drop(client);
        refusing.await.unwrap();
        assert!(answered.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(answered.contains("\r\nretry-after: 1\r\n"));
        assert!(answered.contains("\r\nconnection: close\r\n"));
        assert!(answered.contains("<OperationOutcome"));
        assert!(answered.contains("at its limit of 2 connections"));
    }
}
