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
            log: None,
        }
    }
}

/// Why a request got no Spine answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The TLS material could not be used.
    Tls(String),
    /// A request message cannot be sent (a response, say).
    NotARequest(Interaction),
    /// The server could not be reached, or the connection failed (TLS
    /// refusal included) before an answer came.
    Connect(reqwest::Error),
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
            ClientError::Tls(e) => write!(f, "TLS set-up: {e}"),
            ClientError::NotARequest(i) => write!(f, "a {i:?} is not a request"),
            ClientError::Connect(e) => write!(f, "no answer: {e}"),
            ClientError::Reply { status, error } => write!(f, "HTTP {status}: {error}"),
            ClientError::Log(e) => write!(f, "the interaction log: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

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

/// A client of one Spine (or SMSP) base URL.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    log: Option<Arc<dyn Store>>,
}

impl Client {
    /// A client of `base_url` (`https://host:port`; the interaction's path
    /// is appended).
    pub fn new(base_url: &str, options: &ClientOptions) -> Result<Client, ClientError> {
        let tls = |e: reqwest::Error| ClientError::Tls(e.to_string());
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(options.timeout)
            .connect_timeout(options.timeout);
        if let Some(ca) = &options.ca_pem {
            for certificate in reqwest::Certificate::from_pem_bundle(ca).map_err(tls)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        if let Some(identity) = &options.identity_pem {
            builder = builder.identity(reqwest::Identity::from_pem(identity).map_err(tls)?);
        }
        Ok(Client {
            http: builder.build().map_err(tls)?,
            base: base_url.trim_end_matches('/').to_owned(),
            log: options.log.clone(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
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
            .map_err(ClientError::Connect)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(ClientError::Connect)?;
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
            entry.response_code = match &answer.reply {
                SpineReply::Error(e) => Some(e.code.clone()),
                SpineReply::NoRecord => Some("NO_RECORD_FOUND".to_owned()),
                SpineReply::Flag(_) => fgm_types::spine::response_code(
                    "DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE",
                )
                .filter(|r| r.http_status == answer.status)
                .map(|r| r.code.to_owned()),
                SpineReply::Created | SpineReply::Deleted => None,
            };
            entry.response_id = Message::parse(&answer.body)
                .ok()
                .and_then(|read| fgm_types::spine::message_id(&read.value).map(str::to_owned));
        }
        Err(ClientError::Reply { status, .. }) => entry.http_status = Some(*status),
        Err(_) => {}
    }
    entry
}
