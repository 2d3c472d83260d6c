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

use fgm::xml::ReadOptions;
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{self, Outcome, RequestSummary, ValidateOptions};

use crate::audit::AuditEntry;
use crate::clock::Clock;
use crate::exchange::{
    audit_refusal, check_rules, error, read_request, reply, sender, store_failed, Answered,
};
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
    pub async fn answer(&self, request: &Request) -> Response {
        let mut entry = AuditEntry::received(&self.options.clock, request);
        let judged = self.judge(request, &mut entry);
        let mut tx = match self.store.begin().await {
            Ok(tx) => tx,
            Err(e) => return store_failed(entry.exchange(), "the service failed", &e),
        };
        let answered = match judged {
            Ok(message) => match act(&mut *tx, &message, &entry.at).await {
                Ok(answered) => answered,
                Err(e) => return store_failed(entry.exchange(), "the service failed", &e),
            },
            Err(refused) => *refused,
        };
        entry.record(&answered);
        let response = entry.describe(answered.response);
        let stored = async {
            tx.append(entry).await?;
            tx.commit().await
        };
        match stored.await {
            Ok(()) => response,
            Err(e) => store_failed(response.about, "the service failed", &e),
        }
    }

    /// Reads and checks a request, noting what the audit records of it:
    /// the message to act on, or the answer refusing it.
    fn judge(&self, request: &Request, entry: &mut AuditEntry) -> Result<Message, Box<Answered>> {
        let message = read_request(request, &self.options.read, entry, None)?;
        let summary = spine::summary(&message).expect("read as a request");
        if let Err(why) = self.asid_check(request, &summary) {
            return Err(Box::new(reply(&message, error("ASID_CHECK_FAILED", why))));
        }
        check_rules(&message, &self.options.validate, entry, None)?;
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

/// Acts on a valid request within the exchange's transaction; `at` is when
/// it was received (service clock).
async fn act(
    tx: &mut dyn Transaction,
    message: &Message,
    at: &str,
) -> Result<Answered, StoreError> {
    let request = spine::summary(message).expect("judged a request");
    let today = &at[..10];
    let nhs = request.nhs_number;
    let current = tx.current(nhs).await?;
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
                })
                .await?;
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
                )
                .await?;
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

impl Handler for Spine {
    async fn handle(&self, request: Request) -> Response {
        self.answer(&request).await
    }

    async fn refused(&self, request: Request, refusal: Response) -> Response {
        audit_refusal(&*self.store, &self.options.clock, None, request, refusal).await
    }

    async fn ready(&self) -> Result<(), String> {
        self.store.ping().await.map_err(|e| e.to_string())
    }
}
