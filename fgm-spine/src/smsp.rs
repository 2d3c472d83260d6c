//! The Spine Mini Service Provider: stands between local systems and Spine,
//! as NHS Digital's SMSP requirements say for FGM (SERVICE.md "Spine Mini
//! Service Providers").
//!
//! - It keeps no FGM data (SMSP-FGMRI-003 "The SMSP MUST NOT Cache FGM IS
//!   data"; SMSP-FGMRI-004, data "sourced solely from the Spine FGM IS
//!   service"): its store holds only its own audit. When Spine cannot be
//!   reached (the connection fails or times out, or a gateway answers 502,
//!   503 or 504 with no Spine message) the answer is
//!   `COULD_NOT_CONNECT_TO_SPINE` (500); it never sends
//!   `DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE`, which has nothing
//!   to serve.
//! - FGM through an SMSP is query only ("your SMSP clients can only query
//!   a patient's FGM status"): a create or a delete is
//!   `INPUT_MESSAGE_VALIDATION_ERROR` (400), not forwarded, unless
//!   [`SmspOptions::allow_updates`] is set.
//! - A request with no audit identifier (no SDS user id and no local
//!   identifier) is `AUTHOR_CREDENTIALS_ERROR` (401) (SMSP-CP); with an
//!   author allow list, so is one whose author is not in it.
//! - Everything else a local system sends that Spine would refuse,
//!   unreadable messages included, is `INPUT_MESSAGE_VALIDATION_ERROR`
//!   (400), the rule's own code and text in the diagnostics; it is not
//!   forwarded.
//! - Spine's answer must read as an answer to the request, pass Spine's
//!   response rules, and come with the HTTP status its code has in the
//!   table; else `RESPONSE_MESSAGE_VALIDATION_ERROR` (400).
//! - Every request gets one audit entry (the double's format, plus whether
//!   the answer came from Spine), appended before the answer is sent; an
//!   audit that cannot be written is
//!   `GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE` (500), even
//!   when Spine had answered.

use std::sync::Arc;
use std::time::Instant;

use fgm::xml::ReadOptions;
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{self, SpineReply, ValidateOptions};

use crate::audit::{AuditEntry, ANSWERED_BY_SMSP, ANSWERED_BY_SPINE};
use crate::client::{Client, ClientError};
use crate::clock::Clock;
use crate::exchange::{
    audit_refusal, check_rules, error, read_request, reply, store_failed, Answered,
};
use crate::identity::IdentityMap;
use crate::server::{Handler, Request, Response, RoundTrip, FAILURE};
use crate::store::Store;

const INPUT: &str = "INPUT_MESSAGE_VALIDATION_ERROR";
const RESPONSE: &str = "RESPONSE_MESSAGE_VALIDATION_ERROR";

/// How the SMSP judges what it is sent.
#[derive(Debug, Clone, Default)]
pub struct SmspOptions {
    /// The authors (SDS user ids, or a v2 query's local identifiers)
    /// accepted; `None` accepts every one that is named.
    pub author_allow: Option<Vec<String>>,
    /// What each local system's client certificate may act for
    /// (`--author-map`: organisation ODS codes and SDS user ids); with it,
    /// a request whose organisation and author are both unbound to the
    /// certificate the connection presented is `AUTHOR_CREDENTIALS_ERROR`.
    pub author_map: Option<IdentityMap>,
    /// Forward creates and deletes too (`--allow-updates`), for the day NHS
    /// opens updates to SMSPs; off, they are refused.
    pub allow_updates: bool,
    /// How requests are read.
    pub read: ReadOptions,
    /// Spine's rules beyond the defaults (the date they are judged on is
    /// the clock's).
    pub validate: ValidateOptions,
    /// The service's clock (`--today`).
    pub clock: Clock,
}

/// The SMSP.
#[derive(Debug)]
pub struct Smsp {
    upstream: Client,
    store: Arc<dyn Store>,
    options: SmspOptions,
}

impl Smsp {
    /// An SMSP in front of `upstream`, auditing in `store`.
    pub fn new(upstream: Client, store: Arc<dyn Store>, options: SmspOptions) -> Smsp {
        Smsp {
            upstream,
            store,
            options,
        }
    }

    /// Its store (its audit).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Answers a request (what the HTTP layer calls), auditing it.
    pub async fn answer(&self, request: &Request) -> Response {
        let mut entry = AuditEntry::received(&self.options.clock, request);
        let (answered, by, upstream) = match self.judge(request, &mut entry) {
            Ok(message) => {
                let started = Instant::now();
                let (answered, by, outcome) = self.forward(request, &message).await;
                let elapsed = started.elapsed();
                (answered, by, Some(RoundTrip { outcome, elapsed }))
            }
            Err(refused) => (*refused, ANSWERED_BY_SMSP, None),
        };
        entry.record(&answered);
        entry.answered_by = Some(by.to_owned());
        let mut response = entry.describe(answered.response);
        response.about.upstream = upstream;
        match self.store.append(entry).await {
            Ok(_) => response,
            Err(e) => store_failed(response.about, "the SMSP could not audit this exchange", &e),
        }
    }

    /// Reads and checks a request, noting what the audit records of it:
    /// the message to forward, or the answer refusing it.
    fn judge(&self, request: &Request, entry: &mut AuditEntry) -> Result<Message, Box<Answered>> {
        let message = read_request(request, &self.options.read, entry, Some(INPUT))?;
        let summary = spine::summary(&message).expect("read as a request");
        let refuse = |code: &str, why: String| Err(Box::new(reply(&message, error(code, why))));
        let query = matches!(
            summary.interaction,
            Interaction::QueryV1Request | Interaction::QueryV2Request
        );
        if !query && !self.options.allow_updates {
            let why = format!(
                "FGM through an SMSP is query only: a {:?} is not forwarded to Spine",
                summary.interaction
            );
            return refuse(INPUT, why);
        }
        let Some(author) = summary.author else {
            let why =
                "the request carries no audit identifier: no SDS user id and no local identifier"
                    .to_owned();
            return refuse("AUTHOR_CREDENTIALS_ERROR", why);
        };
        if let Some(allowed) = &self.options.author_allow {
            if !allowed.iter().any(|x| x == author) {
                let why = format!("the author {author} is not accepted by this SMSP");
                return refuse("AUTHOR_CREDENTIALS_ERROR", why);
            }
        }
        if let Some(map) = &self.options.author_map {
            let claims = [Some(author), summary.organisation];
            let why = match &request.peer.certificate {
                None => Some("no client certificate proves who the local system is".to_owned()),
                Some(certificate)
                    if !claims
                        .into_iter()
                        .flatten()
                        .any(|c| map.allows(certificate, c)) =>
                {
                    Some(format!(
                        "{certificate} may not act for the author {author} nor the organisation {}",
                        summary.organisation.unwrap_or("(none sent)")
                    ))
                }
                Some(_) => None,
            };
            if let Some(why) = why {
                return refuse("AUTHOR_CREDENTIALS_ERROR", why);
            }
        }
        check_rules(&message, &self.options.validate, entry, Some(INPUT))?;
        Ok(message)
    }

    /// Forwards a checked request to Spine; the answer, who gave it, and
    /// how the round trip went (a [`RoundTrip::outcome`]).
    async fn forward(
        &self,
        request: &Request,
        message: &Message,
    ) -> (Answered, &'static str, &'static str) {
        let interaction = message.interaction();
        let (answered, by) = match self.upstream.post(interaction, request.body.clone()).await {
            Ok((status, body)) if !is_gateway_error(status, &body) => {
                match relay(message, status, body) {
                    Ok(answered) => (answered, ANSWERED_BY_SPINE),
                    Err(why) => {
                        let why = format!("Spine answered: {why}");
                        (reply(message, error(RESPONSE, why)), ANSWERED_BY_SMSP)
                    }
                }
            }
            Ok((status, _)) => {
                let why = format!(
                    "Spine at {} cannot be reached: a gateway answered HTTP {status}",
                    self.upstream.base_url()
                );
                let answered = reply(message, error("COULD_NOT_CONNECT_TO_SPINE", why));
                (answered, ANSWERED_BY_SMSP)
            }
            Err(ClientError::Connect { cause, .. }) => {
                let why = format!(
                    "Spine at {} cannot be reached: {cause}",
                    self.upstream.base_url()
                );
                let answered = reply(message, error("COULD_NOT_CONNECT_TO_SPINE", why));
                (answered, ANSWERED_BY_SMSP)
            }
            Err(e) => (
                reply(message, error(FAILURE, e.to_string())),
                ANSWERED_BY_SMSP,
            ),
        };
        let outcome = match (by, answered.code.as_deref()) {
            (ANSWERED_BY_SPINE, _) | (_, Some(RESPONSE)) => "answered",
            (_, Some("COULD_NOT_CONNECT_TO_SPINE")) => "unreachable",
            _ => "failed",
        };
        (answered, by, outcome)
    }
}

/// A gateway's own error page, not a Spine answer.
fn is_gateway_error(status: u16, body: &[u8]) -> bool {
    matches!(status, 502..=504) && Message::parse(body).is_err()
}

/// Spine's answer, checked: it answers the request, passes Spine's response
/// rules, and has the status its meaning calls for. Passed on as sent.
fn relay(request: &Message, status: u16, body: bytes::Bytes) -> Result<Answered, String> {
    let meaning = spine::read_reply(status, &body, Some(request)).map_err(|e| e.to_string())?;
    // A bare OperationOutcome (a refusal) has no message to validate.
    let mut response_id = None;
    if let Ok(read) = Message::parse(&body) {
        let issues = spine::validate(&read.value, &ValidateOptions::default());
        if let Some(issue) = issues.iter().find(|i| i.is_error()) {
            return Err(issue.to_string());
        }
        response_id = spine::message_id(&read.value).map(str::to_owned);
    }
    let asked = request.interaction();
    let answer = Interaction::ALL
        .iter()
        .copied()
        .find(|i| i.responds_to() == Some(asked));
    let (expected, code) = match &meaning {
        SpineReply::Flag(_) | SpineReply::Created | SpineReply::Deleted => {
            (answer.map(|a| a.success_status()), None)
        }
        SpineReply::NoRecord => (
            spine::response_code("NO_RECORD_FOUND").map(|r| r.http_status),
            Some("NO_RECORD_FOUND".to_owned()),
        ),
        SpineReply::Error(e) => (
            e.current
                .and_then(spine::response_code)
                .map(|r| r.http_status),
            Some(e.code.clone()),
        ),
    };
    if let Some(expected) = expected.filter(|&e| e != status) {
        return Err(format!(
            "HTTP {status} where its answer calls for {expected}"
        ));
    }
    let body =
        String::from_utf8(body.to_vec()).map_err(|_| "its answer is not UTF-8".to_owned())?;
    Ok(Answered {
        response: Response::new(status, body),
        code,
        response_id,
    })
}

impl Handler for Smsp {
    async fn handle(&self, request: Request) -> Response {
        self.answer(&request).await
    }

    async fn refused(&self, request: Request, refusal: Response) -> Response {
        audit_refusal(
            &*self.store,
            &self.options.clock,
            Some(ANSWERED_BY_SMSP),
            request,
            refusal,
        )
        .await
    }

    async fn ready(&self) -> Result<(), String> {
        self.store.ping().await.map_err(|e| e.to_string())
    }
}
