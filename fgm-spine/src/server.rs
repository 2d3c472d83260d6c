//! The HTTP layer shared by the Spine double and the SMSP: hyper on tokio,
//! plain or TLS (with client-certificate verification), a body size limit
//! checked before the body is read, a Spine answer for every request (a
//! handler that panics is answered too), and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fgm_types::messages::{Direction, Interaction};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The content type of FHIR XML (DSTU2), sent and expected.
pub const FHIR_XML: &str = "application/xml+fhir; charset=utf-8";

/// The name of the header that names the event.
pub const SOAP_ACTION: &str = "SOAPAction";

/// A request as a handler sees it: the body has been read, within the limit.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The path (`/fhir/fgm/query`).
    pub path: String,
    /// The SOAPAction header, when sent (surrounding quotes removed).
    pub soap_action: Option<String>,
    /// The body.
    pub body: Bytes,
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

/// An answer: the HTTP status and the FHIR XML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body (a response Bundle or an OperationOutcome).
    pub body: String,
}

impl Response {
    /// The bare OperationOutcome for a request that cannot be read
    /// ([`fgm_types::spine::refuse`]).
    pub fn refuse(code: &str, diagnostics: &str) -> Response {
        match fgm_types::spine::refuse(code, Some(diagnostics)) {
            Ok((status, body)) => Response { status, body },
            // Only an unknown code fails, and every code here is a
            // constant of the table; still, answer rather than panic.
            Err(e) => Response {
                status: 500,
                body: e.to_string(),
            },
        }
    }
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
}

/// How a server listens.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The largest body read (bigger ones are refused before reading).
    pub max_body: usize,
    /// TLS (with client authentication when the config verifies clients).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a client may take to send the request head.
    pub header_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_body: fgm_types::xml::ReadOptions::default().max_bytes,
            tls: None,
            header_timeout: Duration::from_secs(10),
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
/// the requests in flight finish (within the grace period).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let max_body = options.max_body;
    tokio::pin!(shutdown);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let handler = handler.clone();
        let tls = tls.clone();
        let header_timeout = options.header_timeout;
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(answer(handler, request, max_body).await) }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            match tls {
                None => {
                    let _ = watcher
                        .watch(http.serve_connection(TokioIo::new(tcp), service))
                        .await;
                }
                Some(tls) => {
                    // A client without an acceptable certificate fails the
                    // handshake: the connection is refused.
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, tls.accept(tcp)).await
                    else {
                        return;
                    };
                    let _ = watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await;
                }
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(options.shutdown_grace, graceful.shutdown()).await;
}

/// Reads the request within the limit, has the handler answer it (in a
/// task of its own, so that a panic is answered too), and writes the answer.
async fn answer<H: Handler>(
    handler: Arc<H>,
    request: hyper::Request<Incoming>,
    max_body: usize,
) -> hyper::Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let response = match tokio::spawn(async move {
        match read(request, max_body).await {
            Ok(request) => handler.handle(request).await,
            Err((request, refusal)) => handler.refused(request, refusal).await,
        }
    })
    .await
    {
        Ok(response) => response,
        Err(e) => {
            eprintln!("HTTP 500 to {path}: the handler failed: {e}");
            Response::refuse(
                "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE",
                &format!("the server failed answering this request: {e}"),
            )
        }
    };
    let mut http = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *http.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    http.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_XML));
    http
}

/// Reads the request's head and body; a refusal, with the head, when the
/// body is over the limit or cannot be read.
async fn read(
    request: hyper::Request<Incoming>,
    max_body: usize,
) -> Result<Request, (Request, Response)> {
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
    };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|&l| l > max_body as u64) {
        return Err((head, too_big(&format!("{length} bytes"))));
    }
    match Limited::new(request.into_body(), max_body).collect().await {
        Ok(body) => Ok(Request {
            body: body.to_bytes(),
            ..head
        }),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err((head, too_big("sent"))),
        Err(e) => {
            let refusal = Response::refuse(
                "MESSAGE_NOT_WELL_FORMED",
                &format!("the body could not be read: {e}"),
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
