//! The client: posts a message to Spine (or an SMSP, or the double) with
//! the interaction's path, SOAPAction and content type, and reads the answer
//! with the library's `read_reply`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{read_reply, ReplyError, SpineReply};

use crate::audit::AuditEntry;
use crate::clock::Clock;
use crate::server::{FHIR_XML, SOAP_ACTION};
use crate::store::{Store, StoreError};

/// TLS material and limits of a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The CA (PEM) the server's certificate must chain to; without it,
    /// only plain `http://` can be reached.
    pub ca_pem: Option<Vec<u8>>,
    /// This system's certificate and private key (PEM, concatenated), for
    /// TLS mutual authentication.
    pub identity_pem: Option<Vec<u8>>,
    /// How long one request may take, connection included.
    pub timeout: Duration,
    /// How long connecting (TCP and TLS) may take.
    pub connect_timeout: Duration,
    /// The interaction log: with a store, [`Client::send`] appends an
    /// audit entry (the servers' format) for every request sent and the
    /// answer received, or none received, so that a local system keeps
    /// the record LSIR §6 asks for (Subject Access Requests).
    pub log: Option<Arc<dyn Store>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            ca_pem: None,
            identity_pem: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            log: None,
        }
    }
}

/// Why a request got no Spine answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL is not an `http://` or `https://` URL.
    Url(String),
    /// The TLS material could not be used.
    Tls(String),
    /// A request message cannot be sent (a response, say).
    NotARequest(Interaction),
    /// The server could not be reached, or the connection failed (TLS
    /// refusal included) before an answer came.
    Connect {
        /// Why, as far as can be told.
        cause: Cause,
        /// reqwest's error.
        error: reqwest::Error,
    },
    /// An answer came that is not a Spine response to the request.
    Reply {
        /// The HTTP status it came with.
        status: u16,
        /// Why it is not.
        error: ReplyError,
    },
    /// The exchange took place but could not be written to the
    /// interaction log.
    Log(StoreError),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Url(e) => write!(f, "{e}"),
            ClientError::Tls(e) => write!(f, "TLS set-up: {e}"),
            ClientError::NotARequest(i) => write!(f, "a {i:?} is not a request"),
            ClientError::Connect { cause, error } => match error.url() {
                Some(url) => write!(f, "no answer from {url}: {cause}"),
                None => write!(f, "no answer: {cause}"),
            },
            ClientError::Reply { status, error } => write!(f, "HTTP {status}: {error}"),
            ClientError::Log(e) => write!(f, "the interaction log: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl ClientError {
    /// Why no answer came, when none came.
    pub fn cause(&self) -> Option<Cause> {
        match self {
            ClientError::Connect { cause, .. } => Some(cause.clone()),
            _ => None,
        }
    }
}

/// Why a request got no answer, as far as the error chain tells.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The host name did not resolve.
    Dns(String),
    /// The server refused the connection (nothing listens there).
    Refused,
    /// Connecting or answering took longer than the client allows.
    Timeout,
    /// The TLS handshake failed: why, with the alert the server sent when
    /// it sent one (certificate required, unknown CA, …).
    Tls(String),
    /// Any other failure of the connection or of HTTP.
    Http(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Dns(e) => write!(f, "the host name does not resolve ({e})"),
            Cause::Refused => write!(f, "connection refused"),
            Cause::Timeout => write!(f, "timed out"),
            Cause::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Cause::Http(e) => write!(f, "{e}"),
        }
    }
}

impl Cause {
    /// The cause of a reqwest error, from its chain of sources.
    pub fn of(error: &reqwest::Error) -> Cause {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        let mut deepest = error.to_string();
        while let Some(e) = source {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Cause::Tls(describe_tls(tls));
            }
            // An io::Error's source skips the error it wraps (which may be
            // another io::Error): unwrap them one by one.
            let mut io = e.downcast_ref::<std::io::Error>();
            while let Some(error) = io {
                match error.kind() {
                    std::io::ErrorKind::ConnectionRefused => return Cause::Refused,
                    std::io::ErrorKind::TimedOut => return Cause::Timeout,
                    _ => {}
                }
                let inner = error.get_ref();
                if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return Cause::Tls(describe_tls(tls));
                }
                io = inner.and_then(|i| i.downcast_ref::<std::io::Error>());
            }
            let text = e.to_string();
            if let Some(dns) = text.strip_prefix("dns error: ") {
                return Cause::Dns(dns.to_owned());
            }
            deepest = text;
            source = e.source();
        }
        if error.is_timeout() {
            Cause::Timeout
        } else {
            Cause::Http(deepest)
        }
    }
}

/// A TLS failure in words, naming the alert or the certificate's fault.
fn describe_tls(error: &rustls::Error) -> String {
    use rustls::{AlertDescription as Alert, CertificateError as Cert};
    match error {
        rustls::Error::AlertReceived(Alert::CertificateRequired) => {
            "the server requires a client certificate (alert: certificate required)".to_owned()
        }
        rustls::Error::AlertReceived(Alert::UnknownCA) => {
            "the server does not trust this client's certificate (alert: unknown CA)".to_owned()
        }
        rustls::Error::AlertReceived(Alert::CertificateExpired) => {
            "the server finds this client's certificate expired (alert: certificate expired)"
                .to_owned()
        }
        rustls::Error::AlertReceived(alert) => format!("the server sent the alert {alert:?}"),
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer => {
                "the server's certificate is signed by an unknown CA (unknown issuer)".to_owned()
            }
            Cert::Expired | Cert::ExpiredContext { .. } => {
                "the server's certificate has expired".to_owned()
            }
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                "the server's certificate is not valid for its name (name mismatch)".to_owned()
            }
            other => format!("the server's certificate is invalid: {other:?}"),
        },
        other => other.to_string(),
    }
}

/// A Spine answer: its HTTP status, what it means, and the body as sent.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// What it means ([`read_reply`]).
    pub reply: SpineReply,
    /// The body as received.
    pub body: Bytes,
}

impl Answer {
    /// The Spine response code the answer carries: an error's or warning's,
    /// `NO_RECORD_FOUND`, or, for a flag that came with 203,
    /// `DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE`; none for a plain
    /// success.
    pub fn spine_code(&self) -> Option<&str> {
        match &self.reply {
            SpineReply::Error(e) => Some(&e.code),
            SpineReply::NoRecord => Some("NO_RECORD_FOUND"),
            SpineReply::Flag(_) => {
                fgm_types::spine::response_code("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE")
                    .filter(|r| r.http_status == self.status)
                    .map(|r| r.code)
            }
            SpineReply::Created | SpineReply::Deleted => None,
        }
    }
}

/// A client of one Spine (or SMSP) base URL.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    log: Option<Arc<dyn Store>>,
    /// Whether a server asked this client for a certificate.
    asked: Arc<std::sync::atomic::AtomicBool>,
    has_identity: bool,
}

impl Client {
    /// A client of `base_url` (`https://host:port`; the interaction's path
    /// is appended).
    pub fn new(base_url: &str, options: &ClientOptions) -> Result<Client, ClientError> {
        match reqwest::Url::parse(base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            Ok(url) => {
                return Err(ClientError::Url(format!(
                    "{base_url}: not an http(s) URL (the scheme is {})",
                    url.scheme()
                )))
            }
            Err(e) => {
                return Err(ClientError::Url(format!(
                    "{base_url}: not an http(s) URL ({e})"
                )))
            }
        }
        let (config, asked) =
            crate::tls::client_config(options.ca_pem.as_deref(), options.identity_pem.as_deref())
                .map_err(|e| ClientError::Tls(e.0))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(Client {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            log: options.log.clone(),
            asked,
            has_identity: options.identity_pem.is_some(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// A failed exchange with its cause. With TLS 1.3 a server that refuses
    /// the client's certificate (or its absence) may close the connection
    /// before its alert is read: when the server had asked for a
    /// certificate and nothing more precise is known, that is the cause.
    fn connect_error(&self, error: reqwest::Error) -> ClientError {
        let mut cause = Cause::of(&error);
        if matches!(cause, Cause::Http(_)) && self.asked.load(std::sync::atomic::Ordering::Relaxed)
        {
            cause = Cause::Tls(if self.has_identity {
                "the server asked for a client certificate, then closed the connection: it does not accept this client's certificate".to_owned()
            } else {
                "the server requires a client certificate (it asked for one) and this client has none".to_owned()
            });
        }
        ClientError::Connect { cause, error }
    }

    /// Posts a body as `interaction`'s request and returns the status and
    /// body of whatever comes back.
    pub async fn post(
        &self,
        interaction: Interaction,
        body: impl Into<Bytes>,
    ) -> Result<(u16, Bytes), ClientError> {
        let url = format!("{}{}", self.base, interaction.endpoint());
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, FHIR_XML)
            .header(reqwest::header::ACCEPT, FHIR_XML)
            .header(SOAP_ACTION, interaction.soap_action())
            .body(body.into())
            .send()
            .await
            .map_err(|e| self.connect_error(e))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| self.connect_error(e))?;
        Ok((status, body))
    }

    /// Sends a request message and reads the answer, checking that it
    /// answers this request; logs the exchange when the client has a log.
    pub async fn send(&self, request: &Message) -> Result<Answer, ClientError> {
        let interaction = request.interaction();
        if interaction.responds_to().is_some() {
            return Err(ClientError::NotARequest(interaction));
        }
        let at = Clock::system().now();
        let result = self.exchange(request).await;
        if let Some(log) = &self.log {
            log.append(log_entry(at, request, &result))
                .await
                .map_err(ClientError::Log)?;
        }
        result
    }

    async fn exchange(&self, request: &Message) -> Result<Answer, ClientError> {
        let (status, body) = self.post(request.interaction(), request.to_xml()).await?;
        let reply = read_reply(status, &body, Some(request))
            .map_err(|error| ClientError::Reply { status, error })?;
        Ok(Answer {
            status,
            reply,
            body,
        })
    }
}

/// The interaction log's entry for a request sent `at` and what came back.
fn log_entry(at: String, request: &Message, result: &Result<Answer, ClientError>) -> AuditEntry {
    let mut entry = AuditEntry::new(at, format!("{:?}", request.interaction()));
    if let Some(summary) = fgm_types::spine::summary(request) {
        entry.note(&summary);
    }
    match result {
        Ok(answer) => {
            entry.http_status = Some(answer.status);
            entry.response_code = answer.spine_code().map(str::to_owned);
            entry.response_id = Message::parse(&answer.body)
                .ok()
                .and_then(|read| fgm_types::spine::message_id(&read.value).map(str::to_owned));
        }
        Err(ClientError::Reply { status, .. }) => entry.http_status = Some(*status),
        Err(_) => {}
    }
    entry
}
