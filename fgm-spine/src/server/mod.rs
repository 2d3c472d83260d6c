//! The HTTP layer shared by the Spine double and the SMSP: hyper on tokio,
//! plain or TLS (with client-certificate verification, the certificate
//! handed to the handler), a Spine answer for every request (a body over
//! the limit, a head hyper cannot read and a handler that panics are
//! answered too, in FHIR), bounded connections (header, body and handshake
//! timeouts, a limit on connections held open past which a connection is
//! answered 503), the operator's endpoints (`GET /health`, `/ready`,
//! `/metrics`), and graceful shutdown.
//!
//! Everything the server logs and counts of a request comes from its
//! answer's [`Exchange`], its HTTP status and the time it took, here: one
//! `tracing` event per request (target `fgm::request`: `interaction`,
//! `status`, `code`, `message_id`, `duration_ms`, `peer`; at error level
//! with its `cause` for an answer of 500 or more; never the body nor the
//! NHS number, which the audit holds), and the [`Metrics`] of the server.
//! Refused handshakes and connections are warnings (target
//! `fgm::connection`).

mod head;
mod limit;
mod probe;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use fgm_types::messages::{Direction, Interaction};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

use crate::identity::Certificate;
use crate::metrics::{interaction_label, Metrics};
use head::Guarded;

/// The content type of FHIR XML (DSTU2), sent and expected.
pub const FHIR_XML: &str = "application/xml+fhir; charset=utf-8";

/// The name of the header that names the event.
pub const SOAP_ACTION: &str = "SOAPAction";

/// Who is at the other end of a connection, as proven.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peer {
    /// The client's address.
    pub addr: Option<SocketAddr>,
    /// The certificate it presented (TLS with client authentication).
    pub certificate: Option<Certificate>,
}

/// A request as a handler sees it: the body has been read, within the limit.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The path (`/fhir/fgm/query`).
    pub path: String,
    /// The SOAPAction header, when sent (surrounding quotes removed).
    pub soap_action: Option<String>,
    /// The body.
    pub body: Bytes,
    /// Who sent it, as the connection proves.
    pub peer: Peer,
}

impl Request {
    /// The request interaction the path and SOAPAction name together, or
    /// why they name none: an unknown path, a missing SOAPAction, or one
    /// that is not an event of that path.
    pub fn route(&self) -> Result<Interaction, String> {
        let at_path: Vec<Interaction> = Interaction::ALL
            .iter()
            .copied()
            .filter(|i| i.direction() == Direction::Request && i.endpoint() == self.path)
            .collect();
        if at_path.is_empty() {
            return Err(format!("there is no FGM service at {}", self.path));
        }
        if self.method != "POST" {
            return Err(format!("{} takes POST, not {}", self.path, self.method));
        }
        let Some(action) = self.soap_action.as_deref() else {
            return Err(format!(
                "a request to {} needs a SOAPAction header",
                self.path
            ));
        };
        at_path
            .iter()
            .copied()
            .find(|i| i.soap_action() == action)
            .ok_or_else(|| format!("SOAPAction `{action}` is not an event of {}", self.path))
    }
}

/// An answer: the HTTP status and the FHIR XML body, and what the
/// exchange was (for the log and the metrics; not sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body (a response Bundle or an OperationOutcome).
    pub body: String,
    /// What the exchange was, as the handler knows it.
    pub about: Exchange,
}

/// What an exchange was, as the handler knows it: what the server logs
/// and counts of each request (never the body nor the NHS number: the
/// audit holds those).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    /// The interaction the request was routed to, when it was.
    pub interaction: Option<Interaction>,
    /// The Spine response code answered, if any.
    pub code: Option<String>,
    /// The request's MessageHeader id, when it was read.
    pub message_id: Option<String>,
    /// Why the service failed (an answer of 500), when it did.
    pub failure: Option<String>,
    /// Whether the store failed.
    pub store_failed: bool,
    /// The round trip to Spine, when an SMSP made one.
    pub upstream: Option<RoundTrip>,
}

/// An SMSP's round trip to Spine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundTrip {
    /// `answered` (Spine sent an HTTP answer), `unreachable` (no
    /// connection, a timeout or a gateway's error) or `failed` (another
    /// client error).
    pub outcome: &'static str,
    /// How long it took.
    pub elapsed: Duration,
}

impl Response {
    /// An answer with nothing known of the exchange.
    pub fn new(status: u16, body: String) -> Response {
        Response {
            status,
            body,
            about: Exchange::default(),
        }
    }

    /// The answer with what the exchange was.
    pub fn about(mut self, about: Exchange) -> Response {
        self.about = about;
        self
    }

    /// The bare OperationOutcome for a request that cannot be read
    /// ([`fgm_types::spine::refusal`]): FHIR whatever the diagnostics hold
    /// (characters XML cannot carry are escaped). A code not in the table
    /// (a bug: every code here is a constant of it) is logged and answered
    /// as the service's own failure.
    pub fn refuse(code: &str, diagnostics: &str) -> Response {
        let row = fgm_types::spine::response_code(code).unwrap_or_else(|| {
            tracing::error!(
                target: "fgm::server",
                code,
                "`{code}` is not a Spine response code: answering 500"
            );
            failure_row()
        });
        let (status, body) = fgm_types::spine::refusal(row, Some(diagnostics));
        Response::new(status, body).about(Exchange {
            code: Some(row.code.to_owned()),
            failure: (status >= 500).then(|| diagnostics.to_owned()),
            ..Exchange::default()
        })
    }
}

/// The table's row of the service's own failure.
fn failure_row() -> &'static fgm_types::messages::ResponseCodeInfo {
    fgm_types::spine::response_code(FAILURE).expect("the table has the SMSP's failure code")
}

/// The code of the service's own failure (HTTP 500).
pub(crate) const FAILURE: &str = "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE";

/// A plain FHIR OperationOutcome of one issue (`severity` and `code` from
/// FHIR's value sets), for what is not a Spine interaction: the probes, a
/// connection past the limit. Diagnostics escape what XML cannot carry.
fn outcome(severity: &str, code: &str, diagnostics: &str) -> String {
    let mut w = fgm::xml::Writer::new(fgm::xml::WriteOptions::default());
    w.start("OperationOutcome");
    w.value_element("id", fgm_types::spine::new_id().as_str());
    w.start("issue");
    w.value_element("severity", severity);
    w.value_element("code", code);
    if let Some(diagnostics) = fgm_types::spine::fhir_text(diagnostics) {
        w.value_element("diagnostics", diagnostics.as_str());
    }
    w.end();
    w.end();
    w.finish()
}

/// What answers requests: the Spine double, the SMSP, or a test's own.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Request) -> impl Future<Output = Response> + Send;

    /// Answers a request the HTTP layer refused before reading it whole (a
    /// body over the limit, or one that broke off; `request.body` is
    /// empty): by default with the refusal as it is. The servers audit it.
    fn refused(
        &self,
        request: Request,
        refusal: Response,
    ) -> impl Future<Output = Response> + Send {
        let _ = request;
        std::future::ready(refusal)
    }

    /// Whether it can answer requests (`GET /ready`): by default yes; the
    /// servers ask their store.
    fn ready(&self) -> impl Future<Output = Result<(), String>> + Send {
        std::future::ready(Ok(()))
    }
}

/// How a server listens.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The largest body read (bigger ones are refused before reading).
    pub max_body: usize,
    /// TLS (with client authentication when the config verifies clients).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a client may take to send a request head (and to finish
    /// the TLS handshake), and how long a kept-alive connection may idle.
    pub header_timeout: Duration,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    /// The most connections held open at once. A connection past it is
    /// accepted and answered at once with 503 (a FHIR OperationOutcome,
    /// `Retry-After: 1`, `Connection: close`) after its request head is
    /// read (a second at most), then closed; past a few such refusals in
    /// flight, it is just closed. Both count in
    /// `fgm_connections_refused_total`.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_body: fgm::xml::ReadOptions::default().max_bytes,
            tls: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A server running in the background (see [`spawn`]).
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `addr` and serves `handler` in the background until stopped.
pub async fn spawn<H: Handler>(
    addr: SocketAddr,
    handler: Arc<H>,
    options: ServerOptions,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(serve(listener, handler, options, async move {
        let _ = stopped.await;
    }));
    Ok(Running {
        addr,
        stop: Some(stop),
        task,
    })
}

/// Serves `handler` on `listener` until `shutdown` completes, then lets
/// the requests in flight finish (within the grace period). Each call
/// counts in [`Metrics`] of its own, which `GET /metrics` answers.
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let metrics = Arc::new(Metrics::new());
    let max_connections = options.max_connections.max(1);
    let open = Arc::new(Semaphore::new(max_connections));
    let refusals = limit::Refusals {
        in_flight: Arc::new(Semaphore::new(limit::IN_FLIGHT)),
        tls: tls.clone(),
        max_connections,
        wait: options.header_timeout,
    };
    let options = Arc::new(options);
    tokio::pin!(shutdown);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, go on.
                Err(e) => {
                    tracing::error!(target: "fgm::connection", "cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Connections held open are bounded whatever the request rate: one
        // past the limit is answered 503 at once, not left in the backlog.
        let Ok(permit) = open.clone().try_acquire_owned() else {
            refusals.refuse(tcp, addr, &metrics);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let handler = handler.clone();
        let tls = tls.clone();
        let options = options.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _open = metrics.connection();
            let mut peer = Peer {
                addr: Some(addr),
                certificate: None,
            };
            let refused = Arc::new(Mutex::new(Vec::new()));
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(options.header_timeout);
            let served = match tls {
                None => {
                    let service = service(&handler, &options, &peer, &metrics);
                    let io = TokioIo::new(Guarded::new(tcp, refused.clone()));
                    watcher.watch(http.serve_connection(io, service)).await
                }
                Some(tls) => {
                    // A client without an acceptable certificate fails the
                    // handshake: the connection is refused, and logged.
                    let stream =
                        match tokio::time::timeout(options.header_timeout, tls.accept(tcp)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(e)) => {
                                tracing::warn!(
                                    target: "fgm::connection",
                                    peer = %addr,
                                    "TLS handshake refused: {e}"
                                );
                                return;
                            }
                            Err(_) => {
                                tracing::warn!(
                                    target: "fgm::connection",
                                    peer = %addr,
                                    "TLS handshake refused: not done within {:?}",
                                    options.header_timeout
                                );
                                return;
                            }
                        };
                    peer.certificate = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .and_then(|der| Certificate::from_der(der));
                    let service = service(&handler, &options, &peer, &metrics);
                    let io = TokioIo::new(Guarded::new(stream, refused.clone()));
                    watcher.watch(http.serve_connection(io, service)).await
                }
            };
            // Heads hyper could not read were answered in FHIR by the
            // guard; the handler audits them now the connection is done,
            // and they are logged and counted as any request (the time is
            // the audit's).
            let refusals = std::mem::take(&mut *refused.lock().unwrap_or_else(|p| p.into_inner()));
            for refusal in refusals {
                let started = Instant::now();
                let request = Request {
                    path: "(unreadable request head)".to_owned(),
                    peer: peer.clone(),
                    ..Request::default()
                };
                let audited = handler.refused(request, refusal).await;
                record(&metrics, Some(addr), &audited, started.elapsed());
            }
            // A client going away, a timeout or a head hyper refused: the
            // connection's end, not a failure of the service.
            let _ = served;
        });
    }
    drop(listener);
    let grace = tokio::time::Instant::now() + options.shutdown_grace;
    let _ = tokio::time::timeout_at(grace, graceful.shutdown()).await;
    // A connection's task audits the heads its guard refused once the
    // connection has ended, after what graceful shutdown waits for: wait
    // for every task too (each holds a permit to its end).
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout_at(grace, open.acquire_many(all)).await;
}

/// The hyper service of one connection.
fn service<H: Handler>(
    handler: &Arc<H>,
    options: &Arc<ServerOptions>,
    peer: &Peer,
    metrics: &Arc<Metrics>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = hyper::Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<hyper::Response<Full<Bytes>>, Infallible>> + Send,
> + Clone {
    let (handler, options, peer, metrics) = (
        handler.clone(),
        options.clone(),
        peer.clone(),
        metrics.clone(),
    );
    service_fn(move |request| {
        let (handler, options, peer, metrics) = (
            handler.clone(),
            options.clone(),
            peer.clone(),
            metrics.clone(),
        );
        async move { Ok::<_, Infallible>(answer(handler, request, options, peer, metrics).await) }
    })
}

/// Answers a probe (`GET /health`, `/ready`, `/metrics`) itself; else
/// reads the request within the limits, has the handler answer it (in a
/// task of its own, so that a panic is answered too), logs and counts the
/// answer, and writes it.
async fn answer<H: Handler>(
    handler: Arc<H>,
    request: hyper::Request<Incoming>,
    options: Arc<ServerOptions>,
    peer: Peer,
    metrics: Arc<Metrics>,
) -> hyper::Response<Full<Bytes>> {
    let started = Instant::now();
    if let Some(answer) =
        probe::answer(request.method(), request.uri().path(), &handler, &metrics).await
    {
        return answer;
    }
    let addr = peer.addr;
    let response = match tokio::spawn(async move {
        match read(request, &options, peer).await {
            Ok(request) => handler.handle(request).await,
            Err((request, refusal)) => handler.refused(request, refusal).await,
        }
    })
    .await
    {
        Ok(response) => response,
        Err(e) => Response::refuse(
            FAILURE,
            &format!("the server failed answering this request: {e}"),
        ),
    };
    record(&metrics, addr, &response, started.elapsed());
    let mut http = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *http.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    http.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_XML));
    http
}

/// Logs and counts an answer: one event (target `fgm::request`), at
/// error level with the cause for a status of 500 or more, and the
/// metrics. Never the body nor the NHS number.
fn record(metrics: &Metrics, peer: Option<SocketAddr>, response: &Response, elapsed: Duration) {
    metrics.observe(&response.about, response.status, elapsed);
    let about = &response.about;
    let interaction = interaction_label(about.interaction);
    let status = response.status;
    let code = about.code.as_deref().unwrap_or("");
    let message_id = about.message_id.as_deref().unwrap_or("");
    let duration_ms = millis(elapsed);
    let peer = peer.map(|addr| addr.to_string()).unwrap_or_default();
    let upstream = about.upstream.map(|trip| trip.outcome);
    let upstream_ms = about.upstream.map(|trip| millis(trip.elapsed));
    if status >= 500 {
        let cause = about.failure.clone().unwrap_or_else(|| cause(response));
        tracing::error!(
            target: "fgm::request",
            interaction,
            status,
            code,
            message_id,
            duration_ms,
            peer,
            upstream,
            upstream_ms,
            store_failed = about.store_failed,
            cause = cause.as_str(),
            "request failed"
        );
    } else {
        tracing::info!(
            target: "fgm::request",
            interaction,
            status,
            code,
            message_id,
            duration_ms,
            peer,
            upstream,
            upstream_ms,
            "request answered"
        );
    }
}

/// A duration in milliseconds, to the microsecond.
fn millis(elapsed: Duration) -> f64 {
    // Microseconds fit an f64 exactly for 285 years.
    elapsed.as_micros() as f64 / 1000.0
}

/// Why an answer of 500 or more was given, as its body says: the Spine
/// code and its diagnostics.
fn cause(response: &Response) -> String {
    let reply = fgm_types::spine::read_reply(
        response.status,
        response.body.as_bytes(),
        None::<&fgm_types::messages::Message>,
    );
    match reply {
        Ok(fgm_types::spine::SpineReply::Error(e)) => format!(
            "{}: {}",
            e.code,
            e.diagnostics.as_deref().unwrap_or("(no diagnostics)")
        ),
        _ => "(the answer does not say)".to_owned(),
    }
}

/// Reads the request's head and body; a refusal, with the head, when the
/// body is over the limit, does not arrive in time, or cannot be read.
async fn read(
    request: hyper::Request<Incoming>,
    options: &ServerOptions,
    peer: Peer,
) -> Result<Request, (Request, Response)> {
    let max_body = options.max_body;
    let too_big = |size: &str| {
        Response::refuse(
            "MESSAGE_NOT_WELL_FORMED",
            &format!("the body ({size}) is over the limit of {max_body} bytes"),
        )
    };
    let head = Request {
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        soap_action: request
            .headers()
            .get(SOAP_ACTION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().trim_matches('"').to_owned()),
        body: Bytes::new(),
        peer,
    };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|&l| l > max_body as u64) {
        return Err((head, too_big(&format!("{length} bytes"))));
    }
    let body = Limited::new(request.into_body(), max_body).collect();
    match tokio::time::timeout(options.body_timeout, body).await {
        Ok(Ok(body)) => Ok(Request {
            body: body.to_bytes(),
            ..head
        }),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err((head, too_big("sent"))),
        Ok(Err(e)) => {
            let refusal = Response::refuse(
                "MESSAGE_NOT_WELL_FORMED",
                &format!("the body could not be read: {e}"),
            );
            Err((head, refusal))
        }
        Err(_) => {
            let refusal = Response::refuse(
                "MESSAGE_NOT_WELL_FORMED",
                &format!("the body did not arrive within {:?}", options.body_timeout),
            );
            Err((head, refusal))
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_fhir_whatever_it_is_given() {
        let refused = Response::refuse("MESSAGE_NOT_WELL_FORMED", "1:8: '\u{1}' \u{fffe}");
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("U+0001") && refused.body.contains("U+FFFE"));
        let unknown = Response::refuse("NOT_A_CODE", "x");
        assert_eq!(unknown.status, 500);
        assert!(unknown.body.contains(FAILURE));
        assert_eq!(failure_row().http_status, 500);
    }
}
