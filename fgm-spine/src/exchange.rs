//! What the double and the SMSP share in answering a request: reading and
//! checking it (the route, the message, its header, Spine's rules), the
//! answer with what the audit records of it, and the audit entry.

use fgm::primitive::Date;
use fgm::xml::ReadOptions;
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{self, Outcome, RequestSummary, ValidateOptions};

use crate::audit::AuditEntry;
use crate::clock::Clock;
use crate::server::{Exchange, Request, Response, FAILURE};
use crate::store::{Store, StoreError};

/// Reads a request as both servers do, noting in `entry` what it says of
/// itself: the route (path, method, SOAPAction), the message, a request
/// (not a response) whose MessageHeader has an id to answer, of the
/// interaction the SOAPAction names. Each refusal has the rule's own code
/// (`MESSAGE_NOT_WELL_FORMED`, or the reader's), or, with `refuse_as` (the
/// SMSP's `INPUT_MESSAGE_VALIDATION_ERROR`), that code for all of them, the
/// reader's code then leading its diagnostics.
pub(crate) fn read_request(
    request: &Request,
    read: &ReadOptions,
    entry: &mut AuditEntry,
    refuse_as: Option<&str>,
) -> Result<Message, Box<Answered>> {
    let not_well_formed = refuse_as.unwrap_or("MESSAGE_NOT_WELL_FORMED");
    let routed = request
        .route()
        .map_err(|why| refusal(not_well_formed, &why))?;
    entry.interaction = format!("{routed:?}");
    let message = Message::parse_with(&request.body, read)
        .map_err(|issue| match refuse_as {
            Some(code) => refusal(code, &format!("{}: {issue}", issue.spine_code())),
            None => refusal(issue.spine_code(), &issue.to_string()),
        })?
        .value;
    let Some(summary) = spine::summary(&message) else {
        return Err(refusal(
            not_well_formed,
            &format!("a {:?} is a response, not a request", message.interaction()),
        ));
    };
    entry.note(&summary);
    if summary.message_id.is_none() {
        // The response's `response.identifier` names it.
        return Err(refusal(
            not_well_formed,
            "the request's MessageHeader has no id for the response to name (response.identifier)",
        ));
    }
    if summary.interaction != routed {
        let why = format!(
            "the SOAPAction names {}, the message is {}",
            routed.event_code(),
            summary.interaction.event_code()
        );
        return Err(Box::new(reply(&message, error(not_well_formed, why))));
    }
    Ok(message)
}

/// Spine's rules on the date `entry` was received: the first error, as a
/// refusal with its own code, or `refuse_as`.
pub(crate) fn check_rules(
    message: &Message,
    rules: &ValidateOptions,
    entry: &AuditEntry,
    refuse_as: Option<&str>,
) -> Result<(), Box<Answered>> {
    let rules = rules.clone().with_on_date(Date::new(&entry.at[..10]).ok());
    match spine::validate(message, &rules)
        .into_iter()
        .find(|i| i.is_error())
    {
        Some(issue) => {
            let code = refuse_as.unwrap_or(issue.spine_code);
            Err(Box::new(reply(message, error(code, issue.to_string()))))
        }
        None => Ok(()),
    }
}

/// The sender's ASID, or its endpoint as sent when it is not one.
pub(crate) fn sender<'a>(summary: &RequestSummary<'a>) -> &'a str {
    summary.source_asid().unwrap_or(summary.source)
}

/// An answer and what the audit records of it.
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    /// The answer.
    pub response: Response,
    /// The Spine response code it carries, if any.
    pub code: Option<String>,
    /// Its MessageHeader id (none for a bare OperationOutcome).
    pub response_id: Option<String>,
}

/// A bare OperationOutcome refusing what could not be read, boxed (as
/// the `Err` of a check).
pub(crate) fn refusal(code: &str, diagnostics: &str) -> Box<Answered> {
    Box::new(Answered::refused(code, diagnostics))
}

impl Answered {
    /// A bare OperationOutcome refusing what could not be read.
    pub(crate) fn refused(code: &str, diagnostics: &str) -> Answered {
        Answered {
            response: Response::refuse(code, diagnostics),
            code: Some(code.to_owned()),
            response_id: None,
        }
    }
}

impl AuditEntry {
    /// A new entry for a request received now, with the identity its
    /// connection proved.
    pub(crate) fn received(clock: &Clock, request: &Request) -> AuditEntry {
        let mut entry = AuditEntry::new(clock.now(), request.path.clone());
        entry.certificate = request.peer.certificate.as_ref().map(|c| c.identity());
        entry
    }

    /// Notes what a request says of itself.
    pub(crate) fn note(&mut self, summary: &RequestSummary) {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        self.interaction = format!("{:?}", summary.interaction);
        self.request_id = owned(summary.message_id);
        self.sender_asid = Some(sender(summary).to_owned());
        self.user_id = owned(summary.author);
        self.role_profile_id = owned(summary.role_profile_id);
        self.organisation = owned(summary.organisation);
        self.nhs_number = Some(summary.nhs_number.to_owned());
        self.delete_reason = owned(summary.delete_reason);
    }

    /// Notes the answer.
    pub(crate) fn record(&mut self, answered: &Answered) {
        self.http_status = Some(answered.response.status);
        self.response_code = answered.code.clone();
        self.response_id = answered.response_id.clone();
    }

    /// What this entry says of the exchange (for the log and the metrics):
    /// its interaction, the code answered, the request's id.
    pub(crate) fn exchange(&self) -> Exchange {
        Exchange {
            interaction: Interaction::ALL
                .iter()
                .copied()
                .find(|i| i.name() == self.interaction),
            code: self.response_code.clone(),
            message_id: self.request_id.clone(),
            ..Exchange::default()
        }
    }

    /// The answer, with what this entry says of the exchange.
    pub(crate) fn describe(&self, response: Response) -> Response {
        let known = self.exchange();
        Response {
            about: Exchange {
                interaction: known.interaction,
                code: known.code,
                message_id: known.message_id,
                ..response.about
            },
            ..response
        }
    }
}

/// The answer when the store failed an exchange: the service's own
/// failure (500), with the cause, and what was known of the exchange
/// (`about`: its interaction, request id and round trip).
pub(crate) fn store_failed(about: Exchange, doing: &str, e: &StoreError) -> Response {
    let failure = Response::refuse(FAILURE, &format!("{doing}: {e}"));
    Response {
        about: Exchange {
            code: failure.about.code.clone(),
            failure: failure.about.failure.clone(),
            store_failed: true,
            ..about
        },
        ..failure
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
pub(crate) fn reply(request: &Message, outcome: Outcome) -> Answered {
    let code = match &outcome {
        Outcome::Error { code, .. } => Some(code.clone()),
        Outcome::NoRecord => Some("NO_RECORD_FOUND".to_owned()),
        Outcome::LocalFlag(_) => {
            Some("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE".to_owned())
        }
        Outcome::Flag(_) | Outcome::Created | Outcome::Deleted => None,
    };
    match spine::respond(request, outcome) {
        Ok(reply) => Answered {
            response: Response::new(reply.http_status, reply.message.to_xml()),
            code,
            response_id: spine::message_id(&reply.message).map(str::to_owned),
        },
        Err(e) => Answered::refused(FAILURE, &format!("no answer could be built: {e}")),
    }
}

/// Audits a request the HTTP layer refused before it was read whole (a
/// body over the limit or late, a head it could not read), answering the
/// refusal, or a 500 when the audit cannot be written.
pub(crate) async fn audit_refusal(
    store: &dyn Store,
    clock: &Clock,
    answered_by: Option<&str>,
    request: Request,
    refusal: Response,
) -> Response {
    let mut entry = AuditEntry::received(clock, &request);
    entry.answered_by = answered_by.map(str::to_owned);
    if let Ok(routed) = request.route() {
        entry.interaction = format!("{routed:?}");
    }
    entry.http_status = Some(refusal.status);
    // The HTTP layer's refusals are `Response::refuse`'s: their code is
    // known, not to be read back from the body.
    entry.response_code = refusal.about.code.clone();
    let refusal = entry.describe(refusal);
    match store.append(entry).await {
        Ok(_) => refusal,
        Err(e) => store_failed(refusal.about, "the service failed", &e),
    }
}
