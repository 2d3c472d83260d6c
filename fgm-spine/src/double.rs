//! The Spine FGM IS double: reads each request with the library, checks it
//! with Spine's rules, acts on its records, audits the exchange, and
//! answers with the library's `respond`.
//!
//! The order of the checks: the route (path, method and SOAPAction) and the
//! body are checked first and refused with a bare OperationOutcome
//! (`MESSAGE_NOT_WELL_FORMED`), since a message that cannot be read has no
//! header to answer; then the message must be the request the SOAPAction
//! names, from an allowed ASID (`ASID_CHECK_FAILED`), and pass
//! `fgm_types::spine::validate` on the service's date (its first error's
//! code); only then are the records read or written.
//!
//! The record (SERVICE.md "The record"): a create keeps what it carries
//! (NHS number, birth date, assessment date, GP practice, author, role
//! profile, organisation, sender ASID, message id, when received); a
//! delete marks the record deleted with its reason, who and when; nothing
//! is erased. On the patient's 18th birthday the record counts as deleted
//! (query and delete: `NO_RECORD_FOUND`; a create: `PATIENT_OVER_18`),
//! judged on the service's date with no job to run.
//!
//! The audit (LSIR §5): every request, accepted, refused or unreadable,
//! gets one entry, appended in the transaction that makes any change, and
//! committed before the answer is sent.

use std::sync::Arc;

use fgm_types::messages::{Interaction, Message};
use fgm_types::primitive::Date;
use fgm_types::spine::{self, Outcome, RequestSummary, ValidateOptions};
use fgm_types::xml::ReadOptions;

use crate::audit::AuditEntry;
use crate::clock::Clock;
use crate::identity::IdentityMap;
use crate::server::{Handler, Request, Response, FAILURE};
use crate::store::{Deletion, Record, Store, StoreError, Transaction};

/// The ASID the guide gives Spine in its examples: the double's default.
pub const SPINE_ASID: &str = "990101234567";

/// How the double judges requests.
#[derive(Debug, Clone)]
pub struct SpineOptions {
    /// Its own ASID: a message addressed to another is `ASID_CHECK_FAILED`.
    pub asid: String,
    /// The sender ASIDs accepted; `None` accepts every one.
    pub asid_allow: Option<Vec<String>>,
    /// The ASIDs each client certificate may send as (`--asid-map`); with
    /// it, a message whose source ASID is not bound to the certificate the
    /// connection presented is `ASID_CHECK_FAILED`.
    pub asid_map: Option<IdentityMap>,
    /// How requests are read (lenient by default: what real clients send,
    /// as the published examples show, reads; validation judges it).
    pub read: ReadOptions,
    /// Spine's rules beyond the defaults (the date they are judged on is
    /// the clock's).
    pub validate: ValidateOptions,
    /// The service's clock (`--today`).
    pub clock: Clock,
}

impl Default for SpineOptions {
    fn default() -> Self {
        SpineOptions {
            asid: SPINE_ASID.to_owned(),
            asid_allow: None,
            asid_map: None,
            read: ReadOptions::default(),
            validate: ValidateOptions::default(),
            clock: Clock::system(),
        }
    }
}

/// The Spine double.
#[derive(Debug)]
pub struct Spine {
    store: Arc<dyn Store>,
    options: SpineOptions,
}

impl Spine {
    /// A double over a store.
    pub fn new(store: Arc<dyn Store>, options: SpineOptions) -> Spine {
        Spine { store, options }
    }

    /// Its store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Answers a request (what the HTTP layer calls), auditing it.
    pub fn answer(&self, request: &Request) -> Response {
        let mut entry = AuditEntry::received(&self.options.clock, request);
        let judged = self.judge(request, &mut entry);
        let exchange = || -> Result<Response, StoreError> {
            let mut tx = self.store.begin()?;
            let answered = match judged {
                Ok(message) => act(&mut *tx, &message, &entry.at)?,
                Err(refused) => refused,
            };
            entry.record(&answered);
            tx.append(entry)?;
            tx.commit()?;
            Ok(answered.response)
        };
        exchange()
            .unwrap_or_else(|e| Response::refuse(FAILURE, &format!("the service failed: {e}")))
    }

    /// Reads and checks a request, noting what the audit records of it:
    /// the message to act on, or the answer refusing it.
    fn judge(&self, request: &Request, entry: &mut AuditEntry) -> Result<Message, Answered> {
        let routed = request
            .route()
            .map_err(|why| Answered::refused("MESSAGE_NOT_WELL_FORMED", &why))?;
        entry.interaction = format!("{routed:?}");
        let message = Message::parse_with(&request.body, &self.options.read)
            .map_err(|issue| Answered::refused(issue.spine_code(), &issue.to_string()))?
            .value;
        let Some(summary) = spine::summary(&message) else {
            return Err(Answered::refused(
                "MESSAGE_NOT_WELL_FORMED",
                &format!("a {:?} is a response, not a request", message.interaction()),
            ));
        };
        entry.note(&summary);
        answerable(&summary, "MESSAGE_NOT_WELL_FORMED")?;
        if summary.interaction != routed {
            let why = format!(
                "the SOAPAction names {}, the message is {}",
                routed.event_code(),
                summary.interaction.event_code()
            );
            return Err(reply(&message, error("MESSAGE_NOT_WELL_FORMED", why)));
        }
        if let Err(why) = self.asid_check(request, &summary) {
            return Err(reply(&message, error("ASID_CHECK_FAILED", why)));
        }
        let on = Date::new(&entry.at[..10]).ok();
        let rules = self.options.validate.clone().with_on_date(on);
        let issues = spine::validate(&message, &rules);
        if let Some(issue) = issues.iter().find(|i| i.is_error()) {
            return Err(reply(&message, error(issue.spine_code, issue.to_string())));
        }
        Ok(message)
    }
}

impl Spine {
    /// `ASID_CHECK_FAILED` (why), or not: the message must be addressed to
    /// this Spine, from an allowed ASID, and (with an ASID map) from one
    /// bound to the certificate the connection presented.
    fn asid_check(&self, request: &Request, summary: &RequestSummary) -> Result<(), String> {
        let to = summary
            .destination
            .strip_prefix(spine::ASID_PREFIX)
            .unwrap_or(summary.destination);
        if to != self.options.asid {
            return Err(format!(
                "the message is addressed to ASID {to}; this Spine is ASID {}",
                self.options.asid
            ));
        }
        let asid = sender(summary);
        if let Some(allowed) = &self.options.asid_allow {
            if !allowed.iter().any(|a| a == asid) {
                return Err(format!(
                    "ASID {asid} is not authorised for this interaction"
                ));
            }
        }
        if let Some(map) = &self.options.asid_map {
            match &request.peer.certificate {
                None => {
                    return Err(format!(
                        "no client certificate proves the sender is ASID {asid}"
                    ))
                }
                Some(certificate) if !map.allows(certificate, asid) => {
                    return Err(format!("{certificate} is not bound to ASID {asid}"))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// A request whose MessageHeader has no id cannot be answered (the
/// response's `response.identifier` names it): refused with `code`.
pub(crate) fn answerable(summary: &RequestSummary, code: &str) -> Result<(), Answered> {
    match summary.message_id {
        Some(_) => Ok(()),
        None => Err(Answered::refused(
            code,
            "the request's MessageHeader has no id for the response to name (response.identifier)",
        )),
    }
}

/// Acts on a valid request within the exchange's transaction; `at` is when
/// it was received (service clock).
fn act(tx: &mut dyn Transaction, message: &Message, at: &str) -> Result<Answered, StoreError> {
    let request = spine::summary(message).expect("judged a request");
    let today = &at[..10];
    let nhs = request.nhs_number;
    let current = tx.current(nhs)?;
    let outcome = match request.interaction {
        Interaction::QueryV1Request | Interaction::QueryV2Request => {
            match current.filter(|r| r.active_on(today)) {
                Some(record) => match spine::build::query_flag(nhs, &record.assessed) {
                    Ok(flag) => Outcome::Flag(Box::new(flag)),
                    Err(e) => error(FAILURE, format!("the stored record cannot be sent: {e}")),
                },
                None => Outcome::NoRecord,
            }
        }
        Interaction::CreateRequest => match current {
            Some(record) if record.aged_out_on(today) => error(
                "PATIENT_OVER_18",
                format!(
                    "the record of {nhs} gives the birth date {}: 18 or over on {today}",
                    record.birth_date
                ),
            ),
            Some(_) => error(
                "FLAG_ALREADY_SET",
                format!("an FGM risk indicator is already set for {nhs}"),
            ),
            None => {
                tx.insert(&Record {
                    nhs_number: nhs.to_owned(),
                    birth_date: request.birth_date.unwrap_or_default().to_owned(),
                    assessed: request.since.unwrap_or_default().to_owned(),
                    gp_practice: request.gp_practice.unwrap_or_default().to_owned(),
                    user_id: request.author.map(str::to_owned),
                    role_profile_id: request.role_profile_id.map(str::to_owned),
                    organisation: request.organisation.map(str::to_owned),
                    sender_asid: Some(sender(&request).to_owned()),
                    message_id: request.message_id.map(str::to_owned),
                    received: at.to_owned(),
                    deleted: None,
                })?;
                Outcome::Created
            }
        },
        Interaction::DeleteRequest => match current.filter(|r| r.active_on(today)) {
            Some(_) => {
                tx.delete(
                    nhs,
                    &Deletion {
                        reason: request.delete_reason.map(str::to_owned),
                        user_id: request.author.map(str::to_owned),
                        sender_asid: Some(sender(&request).to_owned()),
                        message_id: request.message_id.map(str::to_owned),
                        at: at.to_owned(),
                    },
                )?;
                Outcome::Deleted
            }
            None => error(
                "NO_RECORD_FOUND",
                format!("no FGM risk indicator is set for {nhs}"),
            ),
        },
        other => error(
            "MESSAGE_NOT_WELL_FORMED",
            format!("a {other:?} is not a request"),
        ),
    };
    Ok(reply(message, outcome))
}

/// The sender's ASID, or its endpoint as sent when it is not one.
fn sender<'a>(summary: &RequestSummary<'a>) -> &'a str {
    summary
        .source
        .strip_prefix(spine::ASID_PREFIX)
        .filter(|_| summary.source_asid().is_some())
        .unwrap_or(summary.source)
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
            response: Response {
                status: reply.http_status,
                body: reply.message.to_xml(),
            },
            code,
            response_id: spine::message_id(&reply.message).map(str::to_owned),
        },
        Err(e) => Answered::refused(FAILURE, &format!("no answer could be built: {e}")),
    }
}

impl Handler for Spine {
    async fn handle(&self, request: Request) -> Response {
        // Reading, SQLite and writing are synchronous and short (tens of
        // microseconds): done in place.
        self.answer(&request)
    }

    async fn refused(&self, request: Request, refusal: Response) -> Response {
        audit_refusal(&*self.store, &self.options.clock, None, request, refusal)
    }
}

/// Audits a request the HTTP layer refused before it was read whole (a
/// body over the limit or late, a head it could not read), answering the
/// refusal, or a 500 when the audit cannot be written.
pub(crate) fn audit_refusal(
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
    entry.response_code =
        spine::read_reply(refusal.status, refusal.body.as_bytes(), None::<&Message>)
            .ok()
            .and_then(|reply| match reply {
                spine::SpineReply::Error(e) => Some(e.code),
                _ => None,
            });
    match store.append(entry) {
        Ok(_) => refusal,
        Err(e) => Response::refuse(FAILURE, &format!("the service failed: {e}")),
    }
}
