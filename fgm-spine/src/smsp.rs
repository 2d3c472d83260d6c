//! The Spine Mini Service Provider: stands between local systems and Spine.
//! It checks what local systems send, forwards it to Spine, checks Spine's
//! answer, keeps each answered flag in its store, and serves a stored flag
//! when Spine cannot be reached.
//!
//! Its choices where the guide is silent (the README says why):
//! - everything a local system sends that Spine would refuse, unreadable
//!   messages included, is `INPUT_MESSAGE_VALIDATION_ERROR` (400), the
//!   rule's own code and text in the diagnostics; it is not forwarded;
//! - with an author allow list, a request whose practitioner's SDS user id
//!   (or a v2 query's local identifier) is not in it is
//!   `AUTHOR_CREDENTIALS_ERROR` (401); without one, any author is accepted;
//! - Spine's answer must read as an answer to the request, pass Spine's
//!   response rules, and come with the HTTP status its code has in the
//!   table; else `RESPONSE_MESSAGE_VALIDATION_ERROR` (400);
//! - Spine "cannot be reached" when the connection fails or times out, or
//!   the answer is a gateway error (502, 503, 504) that is not a Spine
//!   message; a query is then served from the store
//!   (`DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE`, 203, with the
//!   flag) or answered `COULD_NOT_CONNECT_TO_SPINE` (500), as is any
//!   create or delete;
//! - its own store failing is `GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE`
//!   (500), even when Spine had answered: the SMSP could not keep what it
//!   promises to serve later.

use std::sync::Arc;

use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{self, Outcome, SpineReply, ValidateOptions};
use fgm_types::xml::ReadOptions;

use crate::client::{Client, ClientError};
use crate::server::{Handler, Request, Response};
use crate::spine::{error, reply};
use crate::store::Store;

const INPUT: &str = "INPUT_MESSAGE_VALIDATION_ERROR";
const RESPONSE: &str = "RESPONSE_MESSAGE_VALIDATION_ERROR";
const FAILURE: &str = "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE";

/// How the SMSP judges what it is sent.
#[derive(Debug, Clone, Default)]
pub struct SmspOptions {
    /// The authors (SDS user ids, or a v2 query's local identifiers)
    /// accepted; `None` accepts every one.
    pub author_allow: Option<Vec<String>>,
    /// How requests are read.
    pub read: ReadOptions,
    /// Spine's rules beyond the defaults.
    pub validate: ValidateOptions,
}

/// The SMSP.
#[derive(Debug)]
pub struct Smsp {
    upstream: Client,
    store: Arc<Store>,
    options: SmspOptions,
}

impl Smsp {
    /// An SMSP in front of `upstream`, keeping flags in `store`.
    pub fn new(upstream: Client, store: Arc<Store>, options: SmspOptions) -> Smsp {
        Smsp {
            upstream,
            store,
            options,
        }
    }

    /// Its store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Answers a request (what the HTTP layer calls).
    pub async fn answer(&self, request: &Request) -> Response {
        let routed = match request.route() {
            Ok(interaction) => interaction,
            Err(why) => return Response::refuse(INPUT, &why),
        };
        let message = match Message::parse_with(&request.body, &self.options.read) {
            Ok(read) => read.value,
            Err(issue) => {
                return Response::refuse(INPUT, &format!("{}: {issue}", issue.spine_code()))
            }
        };
        let Some(summary) = spine::summary(&message) else {
            return Response::refuse(
                INPUT,
                &format!("a {:?} is a response, not a request", message.interaction()),
            );
        };
        if summary.interaction != routed {
            let why = format!(
                "the SOAPAction names {}, the message is {}",
                routed.event_code(),
                summary.interaction.event_code()
            );
            return reply(&message, error(INPUT, why));
        }
        if let Some(allowed) = &self.options.author_allow {
            if !summary
                .author
                .is_some_and(|a| allowed.iter().any(|x| x == a))
            {
                let who = summary.author.unwrap_or("(none)");
                let why = format!("the author {who} is not accepted by this SMSP");
                return reply(&message, error("AUTHOR_CREDENTIALS_ERROR", why));
            }
        }
        let issues = spine::validate(&message, &self.options.validate);
        if let Some(issue) = issues.iter().find(|i| i.is_error()) {
            return reply(&message, error(INPUT, issue.to_string()));
        }
        match self.upstream.post(routed, request.body.clone()).await {
            Ok((status, body)) if !is_gateway_error(status, &body) => {
                self.relay(&message, &summary, status, body)
            }
            Ok(_) | Err(ClientError::Connect(_)) => self.unavailable(&message, &summary),
            Err(e) => reply(&message, error(FAILURE, e.to_string())),
        }
    }

    /// Checks Spine's answer, records what it says, and passes it on.
    fn relay(
        &self,
        request: &Message,
        summary: &spine::RequestSummary,
        status: u16,
        body: bytes::Bytes,
    ) -> Response {
        let judged = spine::read_reply(status, &body, Some(request))
            .map_err(|e| e.to_string())
            .and_then(|meaning| check_response(&body, status, meaning, summary.interaction));
        let meaning = match judged {
            Ok(meaning) => meaning,
            Err(why) => return reply(request, error(RESPONSE, format!("Spine answered: {why}"))),
        };
        let nhs = summary.nhs_number;
        let kept = match &meaning {
            SpineReply::Flag(flag) => self.store.put(nhs, flag.period.start.as_str()),
            SpineReply::Created => self.store.put(nhs, summary.since.unwrap_or_default()),
            SpineReply::NoRecord | SpineReply::Deleted => self.store.remove(nhs),
            SpineReply::Error(_) => Ok(()),
        };
        if let Err(e) = kept {
            let why = format!("Spine answered HTTP {status}, but {e}");
            return reply(request, error(FAILURE, why));
        }
        match String::from_utf8(body.to_vec()) {
            Ok(body) => Response { status, body },
            Err(_) => reply(
                request,
                error(RESPONSE, "Spine's answer is not UTF-8".into()),
            ),
        }
    }

    /// Spine cannot be reached: a query is served from the store.
    fn unavailable(&self, request: &Message, summary: &spine::RequestSummary) -> Response {
        let query = matches!(
            summary.interaction,
            Interaction::QueryV1Request | Interaction::QueryV2Request
        );
        let no_spine = || {
            error(
                "COULD_NOT_CONNECT_TO_SPINE",
                format!("Spine at {} cannot be reached", self.upstream.base_url()),
            )
        };
        if !query {
            return reply(request, no_spine());
        }
        let outcome = match self.store.get(summary.nhs_number) {
            Ok(Some(stored)) => match spine::build::query_flag(&stored.nhs_number, &stored.since) {
                Ok(flag) => Outcome::LocalFlag(Box::new(flag)),
                Err(e) => error(FAILURE, format!("the stored flag cannot be sent: {e}")),
            },
            Ok(None) => no_spine(),
            Err(e) => error(FAILURE, e.to_string()),
        };
        reply(request, outcome)
    }
}

/// A gateway's own error page, not a Spine answer.
fn is_gateway_error(status: u16, body: &[u8]) -> bool {
    matches!(status, 502..=504) && Message::parse(body).is_err()
}

/// Spine's answer passes its response rules and has the status its meaning
/// calls for.
fn check_response(
    body: &[u8],
    status: u16,
    meaning: SpineReply,
    asked: Interaction,
) -> Result<SpineReply, String> {
    // A bare OperationOutcome (a refusal) has no message to validate.
    if let Ok(read) = Message::parse(body) {
        let issues = spine::validate(&read.value, &ValidateOptions::default());
        if let Some(issue) = issues.iter().find(|i| i.is_error()) {
            return Err(issue.to_string());
        }
    }
    let answer = Interaction::ALL
        .iter()
        .copied()
        .find(|i| i.responds_to() == Some(asked));
    let expected = match &meaning {
        SpineReply::Flag(_) | SpineReply::Created | SpineReply::Deleted => {
            answer.map(|a| a.success_status())
        }
        SpineReply::NoRecord => spine::response_code("NO_RECORD_FOUND").map(|r| r.http_status),
        SpineReply::Error(e) => e
            .current
            .and_then(spine::response_code)
            .map(|r| r.http_status),
    };
    match expected {
        Some(expected) if expected != status => Err(format!(
            "HTTP {status} where its answer calls for {expected}"
        )),
        _ => Ok(meaning),
    }
}

impl Handler for Smsp {
    async fn handle(&self, request: Request) -> Response {
        self.answer(&request).await
    }
}
