//! The Spine FGM RIS double: reads each request with the library, checks it
//! with Spine's rules, acts on the store, and answers with the library's
//! `respond`.
//!
//! The order of the checks: the route (path, method and SOAPAction) and the
//! body are checked first and refused with a bare OperationOutcome
//! (`MESSAGE_NOT_WELL_FORMED`), since a message that cannot be read has no
//! header to answer; then the message must be the request the SOAPAction
//! names, from an allowed ASID (`ASID_CHECK_FAILED`), and pass
//! `fgm_types::spine::validate` (its first error's code); only then is the
//! store read or written.

use std::sync::Arc;

use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{self, Outcome, ValidateOptions};
use fgm_types::xml::ReadOptions;

use crate::server::{Handler, Request, Response};
use crate::store::Store;

/// How the double judges requests.
#[derive(Debug, Clone, Default)]
pub struct SpineOptions {
    /// The sender ASIDs accepted; `None` accepts every one.
    pub asid_allow: Option<Vec<String>>,
    /// How requests are read (lenient by default: what real clients send,
    /// as the published examples show, reads; validation judges it).
    pub read: ReadOptions,
    /// Spine's rules beyond the defaults.
    pub validate: ValidateOptions,
}

/// The Spine double.
#[derive(Debug)]
pub struct Spine {
    store: Arc<Store>,
    options: SpineOptions,
}

impl Spine {
    /// A double over a store.
    pub fn new(store: Arc<Store>, options: SpineOptions) -> Spine {
        Spine { store, options }
    }

    /// Its store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Answers a request (what the HTTP layer calls).
    pub fn answer(&self, request: &Request) -> Response {
        let routed = match request.route() {
            Ok(interaction) => interaction,
            Err(why) => return Response::refuse("MESSAGE_NOT_WELL_FORMED", &why),
        };
        let message = match Message::parse_with(&request.body, &self.options.read) {
            Ok(read) => read.value,
            Err(issue) => return Response::refuse(issue.spine_code(), &issue.to_string()),
        };
        let Some(summary) = spine::summary(&message) else {
            return Response::refuse(
                "MESSAGE_NOT_WELL_FORMED",
                &format!("a {:?} is a response, not a request", message.interaction()),
            );
        };
        let outcome = self.judge(routed, &message, &summary);
        reply(&message, outcome)
    }

    fn judge(
        &self,
        routed: Interaction,
        message: &Message,
        summary: &spine::RequestSummary,
    ) -> Outcome {
        if summary.interaction != routed {
            return error(
                "MESSAGE_NOT_WELL_FORMED",
                format!(
                    "the SOAPAction names {}, the message is {}",
                    routed.event_code(),
                    summary.interaction.event_code()
                ),
            );
        }
        if let Some(allowed) = &self.options.asid_allow {
            let asid = summary.source_asid().unwrap_or(summary.source);
            if !allowed.iter().any(|a| a == asid) {
                return error(
                    "ASID_CHECK_FAILED",
                    format!("ASID {asid} is not authorised for this interaction"),
                );
            }
        }
        let issues = spine::validate(message, &self.options.validate);
        if let Some(issue) = issues.iter().find(|i| i.is_error()) {
            return error(issue.spine_code, issue.to_string());
        }
        match self.act(summary) {
            Ok(outcome) => outcome,
            Err(e) => error(
                "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE",
                e.to_string(),
            ),
        }
    }

    fn act(&self, request: &spine::RequestSummary) -> Result<Outcome, Box<dyn std::error::Error>> {
        let nhs = request.nhs_number;
        Ok(match request.interaction {
            Interaction::QueryV1Request | Interaction::QueryV2Request => {
                match self.store.get(nhs)? {
                    Some(stored) => Outcome::Flag(Box::new(spine::build::query_flag(
                        &stored.nhs_number,
                        &stored.since,
                    )?)),
                    None => Outcome::NoRecord,
                }
            }
            Interaction::CreateRequest => {
                let since = request.since.unwrap_or_default();
                if self.store.create(nhs, since)? {
                    Outcome::Created
                } else {
                    error(
                        "FLAG_ALREADY_SET",
                        format!("an FGM risk indicator is already set for {nhs}"),
                    )
                }
            }
            Interaction::DeleteRequest => {
                if self.store.delete(nhs, request.delete_reason)? {
                    Outcome::Deleted
                } else {
                    error(
                        "NO_RECORD_FOUND",
                        format!("no FGM risk indicator is set for {nhs}"),
                    )
                }
            }
            other => error(
                "MESSAGE_NOT_WELL_FORMED",
                format!("a {other:?} is not a request"),
            ),
        })
    }
}

/// An error outcome with diagnostics.
pub(crate) fn error(code: &str, diagnostics: String) -> Outcome {
    Outcome::Error {
        code: code.to_owned(),
        diagnostics: Some(diagnostics),
    }
}

/// The answer to a request that was read: `respond`'s message and status.
pub(crate) fn reply(request: &Message, outcome: Outcome) -> Response {
    match spine::respond(request, outcome) {
        Ok(reply) => Response {
            status: reply.http_status,
            body: reply.message.to_xml(),
        },
        Err(e) => Response::refuse(
            "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE",
            &format!("no answer could be built: {e}"),
        ),
    }
}

impl Handler for Spine {
    async fn handle(&self, request: Request) -> Response {
        // Reading, SQLite and writing are synchronous and short (tens of
        // microseconds): done in place.
        self.answer(&request)
    }
}
