//! Spine responses, both ways: a receiver turns an outcome into the response
//! Bundle and HTTP status Spine answers with ([`respond`]); a client turns a
//! response and its status into a typed result ([`read_reply`]) and checks
//! that it answers its request ([`answers`]).
//!
//! All three work on the generated messages of any crate, whatever versions
//! of the profiles they carry: they find what they need by FHIR name in the
//! message as written (the header's `id`, `source`, `destination`,
//! `response`; a `Flag` entry; an `OperationOutcome`'s issue) and in the
//! interaction table the derives implement from the definitions
//! ([`FhirMessage::interaction`], [`FhirMessage::response_to`]): which
//! interaction answers a request, its event code, success status, and the
//! profile of each entry. A response is written as FHIR XML and read back as
//! the message type, so it is always one that type accepts.
//!
//! What an interaction is comes from its entries: a response with a `Flag`
//! entry answers a query (with a flag, or no record); a request carrying a
//! `Flag` is a create; any other request is a delete.
//!
//! The flag is of whatever type the caller names (`F`): [`Outcome`] and
//! [`SpineReply`] carry this crate's own flag, [`OutcomeOf`] and
//! [`SpineReplyOf`] any generated flag type (a crate may carry two versions
//! of the flag profile in different interactions).

use std::fmt;

use super::{in_hand, new_id, now, response_code};
use crate::messages::ResponseCodeInfo;
use crate::valuesets::IssueSeverity;
use fgm::message::InteractionSpec;
use fgm::primitive::FhirString;
use fgm::xml::{parse_document, FhirElement, Mode, Node, Reader, WriteOptions, Writer};
use fgm::FhirMessage;

/// This crate's own flag (Spine-RIS-Flag-1-0), carried by [`Outcome`] and
/// [`SpineReply`].
pub type Flag = crate::profiles::spine_ris_flag_1_0::Flag;

/// What happened to a request, the flag of type `F` (any generated flag
/// type; [`Outcome`] for this crate's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeOf<F> {
    /// A query found this flag (with its contained patient).
    Flag(Box<F>),
    /// A query found no record.
    NoRecord,
    /// A query answered from a Spine Mini Service Provider's own store
    /// while Spine cannot be reached: the flag, with
    /// `DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE` (203, a warning).
    LocalFlag(Box<F>),
    /// A create recorded the indicator.
    Created,
    /// A delete removed the indicator.
    Deleted,
    /// A Spine response code from the table (`INVALID_NHS_NUMBER`,
    /// `FLAG_ALREADY_SET`, ...), with optional diagnostics.
    Error {
        /// The code.
        code: String,
        /// Free text for the issue's diagnostics.
        diagnostics: Option<String>,
    },
}

/// What happened to a request, with this crate's own [`Flag`].
pub type Outcome = OutcomeOf<Flag>;

/// A response to send: its HTTP status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply<M = crate::messages::Message> {
    /// The HTTP status.
    pub http_status: u16,
    /// The response message.
    pub message: M,
}

/// Why a response could not be built, read or matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// The message read is not what was expected (a request where a
    /// response was due, an outcome the interaction has no answer for, ...).
    Unexpected(String),
    /// A code that is not in the Spine response-code table.
    UnknownCode(String),
    /// The response does not answer the request.
    Mismatch(String),
    /// The response could not be read.
    Read(fgm::Error),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Unexpected(s) | ReplyError::Mismatch(s) => f.write_str(s),
            ReplyError::UnknownCode(c) => write!(f, "`{c}` is not a Spine response code"),
            ReplyError::Read(e) => write!(f, "the response cannot be read: {e}"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// A message as written: its interaction and the parts of its header that
/// responses are made of and matched by.
struct Written {
    spec: &'static InteractionSpec,
    bundle_profile: Option<String>,
    id: Option<String>,
    source: (String, Option<String>),
    destination: (String, Option<String>),
    /// For a response: the id of the header it answers.
    identifier: Option<String>,
}

/// The MessageHeader of a written message (the first entry's resource).
fn header_of<'a, 'i>(bundle: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    bundle
        .child_named("entry")
        .and_then(|e| e.child_named("resource"))
        .and_then(|r| r.first_element_child())
        .filter(|r| r.tag_name().name() == "MessageHeader")
}

/// Reads what [`Written`] holds from a message's tree (its `Bundle`).
fn written<M: FhirMessage>(bundle: Node) -> Result<Written, ReplyError> {
    let header = header_of(bundle)
        .ok_or_else(|| ReplyError::Unexpected("the message has no MessageHeader".to_owned()))?;
    let event = header.value_at(&["event", "code"]).unwrap_or_default();
    let spec = M::interaction(event).ok_or_else(|| {
        ReplyError::Unexpected(format!("event code `{event}` names no interaction"))
    })?;
    let text = |names: &[&'static str]| header.value_at(names).map(str::to_owned);
    let party = |what: &'static str| {
        (
            text(&[what, "endpoint"]).unwrap_or_default(),
            text(&[what, "name"]),
        )
    };
    Ok(Written {
        spec,
        bundle_profile: bundle.value_at(&["meta", "profile"]).map(str::to_owned),
        id: text(&["id"]),
        source: party("source"),
        destination: party("destination"),
        identifier: text(&["response", "identifier"]),
    })
}

/// What [`Written`] holds of a message in hand, from the tree it writes
/// (no text written or parsed).
fn written_of<M: FhirMessage>(message: &M) -> Result<Written, ReplyError> {
    let (doc, _) = fgm::message::write_tree(message);
    written::<M>(doc.root_element())
}

/// A request as written, refusing a response.
fn request_of<M: FhirMessage>(request: &M) -> Result<Written, ReplyError> {
    let req = written_of(request)?;
    if req.spec.responds_to.is_some() {
        return Err(ReplyError::Unexpected(format!(
            "a {} is a response, not a request",
            req.spec.name
        )));
    }
    Ok(req)
}

/// Whether a request of this interaction records a flag (a create).
fn records_a_flag(request: &InteractionSpec) -> bool {
    request.entry("Flag").is_some()
}

/// Free text as a FHIR string can hold it: each character XML 1.0 cannot
/// carry (`U+0001`, `U+FFFE`, …) written as its code point, `U+0001`; `None`
/// for an empty text (a FHIR string is never empty). So any text — a reader
/// error quoting the bytes it met — can go into an OperationOutcome's
/// `diagnostics`.
pub fn fhir_text(text: &str) -> Option<FhirString> {
    if text.is_empty() {
        return None;
    }
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if fgm::primitive::is_xml_char(c) {
            escaped.push(c);
        } else {
            escaped.push_str(&format!("U+{:04X}", u32::from(c)));
        }
    }
    Some(FhirString::new(escaped).expect("only XML characters, not empty"))
}

/// Writes the OperationOutcome for a response code (diagnostics as
/// [`fhir_text`] holds them); returns its id.
fn write_outcome(
    w: &mut Writer,
    profile: Option<&str>,
    row: &ResponseCodeInfo,
    diagnostics: Option<&str>,
) -> String {
    let diagnostics = diagnostics.and_then(fhir_text);
    let id = new_id().as_str().to_owned();
    w.start("OperationOutcome");
    w.value_element("id", &id);
    if let Some(profile) = profile {
        w.start("meta");
        w.value_element("profile", profile);
        w.end();
    }
    w.start("issue");
    w.value_element("severity", row.severity.code());
    w.value_element("code", row.issue_type.code());
    w.start("details");
    w.start("coding");
    w.value_element("system", row.system);
    w.value_element("code", row.code);
    w.value_element("display", row.display);
    w.end();
    w.end();
    if let Some(d) = &diagnostics {
        w.value_element("diagnostics", d.as_str());
    }
    w.end();
    w.end();
    id
}

/// The response message and HTTP status Spine answers `request` with for
/// `outcome`: a response MessageHeader (the matching response event,
/// `response.identifier` = the request's MessageHeader id, source and
/// destination swapped) and, for a Spine code, an OperationOutcome carrying
/// it (severity, issue type, details coding with system, code and display).
///
/// Any generated message type, with any generated flag type `F` (the one
/// the response interaction carries):
///
/// ```
/// use fgm_types::spine::{build::QueryV2, respond, Outcome};
/// use fgm_types::messages::Message;
///
/// let query = QueryV2::new("9434765919").from_asid("200000000115").to_asid("990101234567")
///     .practitioner_local("12456").build().unwrap();
/// let reply = respond(&Message::QueryV2Request(query), Outcome::NoRecord).unwrap();
/// assert_eq!(reply.http_status, 404);
/// ```
pub fn respond<M: FhirMessage, F: FhirElement>(
    request: &M,
    outcome_of: OutcomeOf<F>,
) -> Result<Reply<M>, ReplyError> {
    let req = request_of(request)?;
    let answer = M::response_to(req.spec.event).ok_or_else(|| {
        ReplyError::Unexpected(format!("no interaction answers a {}", req.spec.name))
    })?;
    let request_id = req.id.clone().ok_or_else(|| {
        ReplyError::Unexpected("the request's MessageHeader has no id to answer".to_owned())
    })?;
    let query = answer.entry("Flag").is_some();
    let create = !query && records_a_flag(req.spec);
    let (status, code, flag, issue) = match outcome_of {
        OutcomeOf::Flag(flag) if query => (answer.success_status, "ok", Some(flag), None),
        OutcomeOf::NoRecord if query => {
            let status = response_code("NO_RECORD_FOUND").map_or(404, |r| r.http_status);
            (status, "ok", None, Some(("NO_RECORD_FOUND", None)))
        }
        OutcomeOf::LocalFlag(flag) if query => {
            let code = "DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE";
            let status = response_code(code).map_or(203, |r| r.http_status);
            (status, "ok", Some(flag), Some((code, None)))
        }
        OutcomeOf::Created if create => (answer.success_status, "ok", None, None),
        OutcomeOf::Deleted if !query && !create => (answer.success_status, "ok", None, None),
        OutcomeOf::Error {
            ref code,
            ref diagnostics,
        } => {
            let row = response_code(code).ok_or_else(|| ReplyError::UnknownCode(code.clone()))?;
            let response = match (row.severity, row.code) {
                (IssueSeverity::Warning | IssueSeverity::Information, _) => "ok",
                (_, "COULD_NOT_CONNECT_TO_SPINE") => "transient-error",
                _ => "fatal-error",
            };
            (
                row.http_status,
                response,
                None,
                Some((row.code, diagnostics.as_deref())),
            )
        }
        other => {
            let what = match other {
                OutcomeOf::Flag(_) => "Flag",
                OutcomeOf::NoRecord => "NoRecord",
                OutcomeOf::LocalFlag(_) => "LocalFlag",
                OutcomeOf::Created => "Created",
                OutcomeOf::Deleted => "Deleted",
                OutcomeOf::Error { .. } => "Error",
            };
            return Err(ReplyError::Unexpected(format!(
                "a {} is not answered with {what}",
                req.spec.name
            )));
        }
    };
    // The flag, written first to learn its id (the header's `data` names it).
    let flag = flag.map(|flag| {
        let mut fw = Writer::fragment(WriteOptions::default());
        flag.write_element(&mut fw, "Flag");
        let xml = fw.finish();
        let id = fgm::xml::parse_document(xml.as_bytes(), &fgm::xml::ReadOptions::default())
            .ok()
            .and_then(|doc| doc.root_element().value_at(&["id"]).map(str::to_owned));
        (xml, id)
    });
    let mut outcome_xml = Writer::fragment(WriteOptions::default());
    let outcome_id = match issue {
        Some((code, diagnostics)) => {
            let row =
                response_code(code).ok_or_else(|| ReplyError::UnknownCode(code.to_owned()))?;
            Some(write_outcome(
                &mut outcome_xml,
                answer.entry("OperationOutcome").map(|e| e.profile),
                row,
                diagnostics,
            ))
        }
        None => None,
    };

    let mut w = Writer::new(WriteOptions::default());
    w.start("Bundle");
    w.value_element("id", new_id().as_str());
    if let Some(profile) = &req.bundle_profile {
        w.start("meta");
        w.value_element("profile", profile);
        w.end();
    }
    w.value_element("type", "message");
    w.start("entry");
    w.start("resource");
    w.start("MessageHeader");
    w.value_element("id", new_id().as_str());
    if let Some(header) = answer.entries.first() {
        w.start("meta");
        w.value_element("profile", header.profile);
        w.end();
    }
    w.value_element("timestamp", now().as_str());
    w.start("event");
    if !answer.event_system.is_empty() {
        w.value_element("system", answer.event_system);
    }
    w.value_element("code", answer.event);
    w.end();
    w.start("response");
    w.value_element("identifier", &request_id);
    w.value_element("code", code);
    if let Some(id) = &outcome_id {
        w.start("details");
        w.value_element("reference", &format!("OperationOutcome/{id}"));
        w.end();
    }
    w.end();
    // Source and destination swapped.
    for (what, (endpoint, name)) in [("source", &req.destination), ("destination", &req.source)] {
        w.start(what);
        if let Some(name) = name {
            w.value_element("name", name);
        }
        w.value_element("endpoint", endpoint);
        w.end();
    }
    if let Some((_, Some(id))) = &flag {
        w.start("data");
        w.value_element("reference", &format!("Flag/{id}"));
        w.end();
    }
    w.end();
    w.end();
    w.end();
    for resource in [
        flag.map(|(xml, _)| xml),
        outcome_id.map(|_| outcome_xml.finish()),
    ]
    .into_iter()
    .flatten()
    {
        w.start("entry");
        w.start("resource");
        w.raw(&resource);
        w.end();
        w.end();
    }
    let xml = w.finish();
    let read = M::parse_with(&xml, &in_hand())
        .map_err(|e| ReplyError::Unexpected(format!("a {} cannot carry this: {e}", answer.name)))?;
    if let Some(w) = read
        .warnings
        .iter()
        .find(|w| w.code == fgm::xml::ErrorCode::Profile)
    {
        return Err(ReplyError::Unexpected(format!(
            "a {} cannot carry this: {w}",
            answer.name
        )));
    }
    Ok(Reply {
        http_status: status,
        message: read.value,
    })
}

/// A Spine error (or warning) as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpineError {
    /// The code as sent (`INVALID_NHS_NUMBER`, or a legacy `FGM-0002`).
    pub code: String,
    /// The current code of the table, when the code is one of it or a
    /// legacy code it replaced.
    pub current: Option<&'static str>,
    /// The HTTP status the response came with.
    pub http_status: u16,
    /// The issue severity.
    pub severity: IssueSeverity,
    /// The display sent.
    pub display: Option<String>,
    /// The diagnostics sent.
    pub diagnostics: Option<String>,
}

/// What a Spine response means to a client, the flag of type `F` (any
/// generated flag type; [`SpineReply`] for this crate's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpineReplyOf<F> {
    /// The query found this flag.
    Flag(Box<F>),
    /// The query found no record.
    NoRecord,
    /// The create was recorded.
    Created,
    /// The delete was done.
    Deleted,
    /// Spine refused (or warned): the code, status and diagnostics.
    Error(SpineError),
}

/// What a Spine response means to a client, with this crate's own [`Flag`].
pub type SpineReply = SpineReplyOf<Flag>;

/// Checks that `response` answers `request`: the matching response
/// interaction, and `response.identifier` naming the request's header.
pub fn answers<M: FhirMessage>(request: &M, response: &M) -> Result<(), ReplyError> {
    let req = request_of(request)?;
    let resp = written_of(response)?;
    matches(&req, &resp)
}

fn matches(req: &Written, resp: &Written) -> Result<(), ReplyError> {
    let Some(answered) = resp.spec.responds_to else {
        return Err(ReplyError::Unexpected(format!(
            "a {} is not a response",
            resp.spec.name
        )));
    };
    if answered != req.spec.event {
        return Err(ReplyError::Mismatch(format!(
            "a {} does not answer a {}",
            resp.spec.name, req.spec.name
        )));
    }
    let identifier = resp.identifier.as_deref().unwrap_or_default();
    if req.id.as_deref() != Some(identifier) {
        return Err(ReplyError::Mismatch(format!(
            "the response answers message {identifier}, not {}",
            req.id.as_deref().unwrap_or("(no id)")
        )));
    }
    Ok(())
}

/// The error (or warning) an OperationOutcome `issue` element carries, or
/// `None` when it has no severity or details code.
fn spine_error(http_status: u16, issue: Node) -> Option<SpineError> {
    let code = issue.value_at(&["details", "coding", "code"])?.to_owned();
    let severity = issue.value_at(&["severity"])?.parse().ok()?;
    let text = |names: &[&'static str]| issue.value_at(names).map(str::to_owned);
    Some(SpineError {
        current: response_code(&code).map(|r| r.code),
        http_status,
        severity,
        display: text(&["details", "coding", "display"]),
        diagnostics: text(&["diagnostics"]),
        code,
    })
}

/// The answer to a request that cannot be read as a message at all (a body
/// that is not XML or not a request, an unknown path): there is no
/// MessageHeader to answer, so it is a bare OperationOutcome carrying
/// `code` (claiming the OperationOutcome profile this crate's responses
/// carry), with that code's HTTP status. [`read_reply`] reads it back.
///
/// Only an unknown code fails; [`refusal`] takes a row of the table and
/// cannot.
pub fn refuse(code: &str, diagnostics: Option<&str>) -> Result<(u16, String), ReplyError> {
    let row = response_code(code).ok_or_else(|| ReplyError::UnknownCode(code.to_owned()))?;
    Ok(refusal(row, diagnostics))
}

/// [`refuse`] for a row of the response-code table: the HTTP status and
/// the bare OperationOutcome, whatever the diagnostics hold.
pub fn refusal(row: &ResponseCodeInfo, diagnostics: Option<&str>) -> (u16, String) {
    let profile = crate::messages::Interaction::ALL.iter().find_map(|i| {
        <crate::messages::Message as FhirMessage>::interaction(i.event_code())
            .and_then(|spec| spec.entry("OperationOutcome"))
            .map(|e| e.profile)
    });
    let mut w = Writer::new(WriteOptions::default());
    write_outcome(&mut w, profile, row, diagnostics);
    (row.http_status, w.finish())
}

/// Reads a Spine response with its HTTP status (and, when given, checks it
/// answers `request`), as a message of type `M`, its flag (if any) as an
/// `F`. With this crate's own messages and [`SpineReply`]'s patterns, both
/// types are inferred:
///
/// ```
/// use fgm_types::spine::{build::QueryV2, read_reply, refuse, SpineReply};
/// use fgm_types::messages::Message;
///
/// let query = QueryV2::new("9434765919").from_asid("200000000115").to_asid("990101234567")
///     .practitioner_local("12456").build().unwrap();
/// let (status, body) = refuse("MESSAGE_NOT_WELL_FORMED", None).unwrap();
/// match read_reply(status, body.as_bytes(), Some(&Message::QueryV2Request(query))).unwrap() {
///     SpineReply::Error(e) => assert_eq!(e.code, "MESSAGE_NOT_WELL_FORMED"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn read_reply<M: FhirMessage, F: FhirElement>(
    http_status: u16,
    body: &[u8],
    request: Option<&M>,
) -> Result<SpineReplyOf<F>, ReplyError> {
    let message = match M::parse(body) {
        Ok(read) => read.value,
        Err(e) => {
            // A request that could not be read is answered with a bare
            // OperationOutcome ([`refuse`]).
            let bare = parse_document(body, &Default::default())
                .ok()
                .and_then(|doc| {
                    let root = doc.root_element();
                    let fhir = root.tag_name().namespace() == Some(fgm::xml::FHIR_NS);
                    (fhir && root.tag_name().name() == "OperationOutcome")
                        .then(|| root.child_named("issue"))
                        .flatten()
                        .and_then(|issue| spine_error(http_status, issue))
                });
            return bare.map(SpineReplyOf::Error).ok_or(ReplyError::Read(e));
        }
    };
    // One document for the header and for the flag's reader (whose
    // positions are in this text).
    let xml = message.to_xml();
    let doc = parse_document(xml.as_bytes(), &in_hand()).map_err(ReplyError::Read)?;
    let resp = written::<M>(doc.root_element())?;
    if let Some(request) = request {
        matches(&request_of(request)?, &resp)?;
    }
    let Some(answered) = resp.spec.responds_to.and_then(M::interaction) else {
        return Err(ReplyError::Unexpected(format!(
            "a {} is not a response",
            resp.spec.name
        )));
    };
    let resources: Vec<(usize, Node)> = doc
        .root_element()
        .children_named("entry")
        .enumerate()
        .filter_map(|(i, e)| {
            e.child_named("resource")
                .and_then(|r| r.first_element_child())
                .map(|r| (i, r))
        })
        .collect();
    let find = |rtype: &str| resources.iter().find(|(_, r)| r.tag_name().name() == rtype);
    let flag = find("Flag");
    if let Some((_, outcome)) = find("OperationOutcome") {
        if let Some(error) = outcome
            .child_named("issue")
            .and_then(|i| spine_error(http_status, i))
        {
            if error.current == Some("NO_RECORD_FOUND") {
                return Ok(SpineReplyOf::NoRecord);
            }
            let serious = matches!(error.severity, IssueSeverity::Fatal | IssueSeverity::Error);
            if serious || flag.is_none() {
                return Ok(SpineReplyOf::Error(error));
            }
        }
    }
    Ok(match flag {
        Some((index, node)) => {
            let mut r = Reader::new(&doc, Mode::Lenient);
            r.push("Bundle");
            r.push_index("entry", *index);
            r.push("resource");
            r.push("Flag");
            SpineReplyOf::Flag(Box::new(
                F::read_element(&mut r, *node).map_err(ReplyError::Read)?,
            ))
        }
        None if resp.spec.entry("Flag").is_some() => {
            return Err(ReplyError::Unexpected(format!(
                "a {} with neither a flag nor an OperationOutcome",
                resp.spec.name
            )))
        }
        None if records_a_flag(answered) => SpineReplyOf::Created,
        None => SpineReplyOf::Deleted,
    })
}
