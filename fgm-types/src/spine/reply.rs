//! Spine responses, both ways: a receiver turns an outcome into the response
//! Bundle and HTTP status Spine answers with ([`respond`]); a client turns a
//! response and its status into a typed result ([`read_reply`]) and checks
//! that it answers its request ([`answers`]).

use std::fmt;

use super::{meta, new_id, now, response_code};
use crate::messages::{self, Interaction, Message};
use crate::primitive::{FhirString, Id, Uri};
use crate::profiles::spine_operation_outcome_1_0 as oo;
use crate::profiles::spine_ris_flag_1_0::Flag;
use crate::profiles::{
    spine_message_bundle_1_0, spine_response_message_header_1_0, spine_response_message_header_2_0,
};
use crate::valuesets::{
    IssueSeverity, MessageEvent10, MessageEvent20, ResponseType, SpineResponseCode20,
};
use crate::xml::Issue;
use crate::{NonEmpty, Open};

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A query found this flag (with its contained patient).
    Flag(Box<Flag>),
    /// A query found no record.
    NoRecord,
    /// A query answered from a Spine Mini Service Provider's own store
    /// while Spine cannot be reached: the flag, with
    /// `DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE` (203, a warning).
    LocalFlag(Box<Flag>),
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

/// A response to send: its HTTP status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub http_status: u16,
    /// The response message.
    pub message: Message,
}

/// Why a response could not be built, read or matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The message read is not what was expected (a request where a
    /// response was due, an outcome the interaction has no answer for, ...).
    Unexpected(String),
    /// Text given for the response that no FHIR message can carry
    /// (diagnostics that are empty or hold a character XML 1.0 forbids).
    Invalid(String),
    /// A code that is not in the Spine response-code table.
    UnknownCode(String),
    /// The response does not answer the request.
    Mismatch(String),
    /// The response could not be read.
    Read(Issue),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Unexpected(s) | ReplyError::Mismatch(s) | ReplyError::Invalid(s) => {
                f.write_str(s)
            }
            ReplyError::UnknownCode(c) => write!(f, "`{c}` is not a Spine response code"),
            ReplyError::Read(e) => write!(f, "the response cannot be read: {e}"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// The parties and id of a request's header.
struct Request<'a> {
    interaction: Interaction,
    id: Option<&'a Id>,
    source: (&'a Uri, Option<&'a FhirString>),
    destination: (&'a Uri, Option<&'a FhirString>),
}

fn request_of(message: &Message) -> Result<Request<'_>, ReplyError> {
    macro_rules! parts {
        ($m:expr) => {
            Request {
                interaction: message.interaction(),
                id: $m.header.id.as_ref(),
                source: (&$m.header.source.endpoint, $m.header.source.name.as_ref()),
                destination: (
                    &$m.header.destination.endpoint,
                    $m.header.destination.name.as_ref(),
                ),
            }
        };
    }
    Ok(match message {
        Message::QueryV1Request(m) => parts!(m),
        Message::QueryV2Request(m) => parts!(m),
        Message::CreateRequest(m) => parts!(m),
        Message::DeleteRequest(m) => parts!(m),
        _ => {
            return Err(ReplyError::Unexpected(format!(
                "a {:?} is a response, not a request",
                message.interaction()
            )))
        }
    })
}

/// The OperationOutcome for a response code.
fn outcome(code: &str, diagnostics: Option<&str>) -> Result<oo::OperationOutcome, ReplyError> {
    let row = response_code(code).ok_or_else(|| ReplyError::UnknownCode(code.to_owned()))?;
    let known = row.code.parse::<SpineResponseCode20>().map(Open::Known);
    let mut coding = oo::OperationOutcomeIssueDetailsCoding::new(
        Uri::new(row.system).expect("a valid uri"),
        known.unwrap_or_else(|_| {
            Open::Unknown(crate::primitive::Code::new(row.code).expect("table codes are codes"))
        }),
    );
    coding.display = Some(FhirString::new(row.display).expect("a display"));
    let mut issue = oo::OperationOutcomeIssue::new(
        row.severity,
        row.issue_type,
        oo::OperationOutcomeIssueDetails::new(coding),
    );
    issue.diagnostics = diagnostics
        .map(FhirString::new)
        .transpose()
        .map_err(|e| ReplyError::Invalid(format!("the diagnostics: {e}")))?;
    let mut outcome = oo::OperationOutcome::new(NonEmpty::new(issue));
    outcome.id = Some(new_id());
    outcome.meta = Some(meta(oo::OperationOutcome::PROFILE));
    Ok(outcome)
}

/// The response message and HTTP status Spine answers `request` with for
/// `outcome`: a response MessageHeader (the matching response event,
/// `response.identifier` = the request's MessageHeader id, source and
/// destination swapped) and, for a Spine code, an OperationOutcome carrying
/// it (severity, issue type, details coding with system, code and display).
pub fn respond(request: &Message, outcome_of: Outcome) -> Result<Reply, ReplyError> {
    let req = request_of(request)?;
    let answer = Interaction::ALL
        .iter()
        .copied()
        .find(|i| i.responds_to() == Some(req.interaction))
        .expect("every request has a response interaction");
    let request_id = req.id.cloned().ok_or_else(|| {
        ReplyError::Unexpected("the request's MessageHeader has no id to answer".to_owned())
    })?;
    let query = matches!(
        req.interaction,
        Interaction::QueryV1Request | Interaction::QueryV2Request
    );
    let (status, code, flag, issue) = match outcome_of {
        Outcome::Flag(flag) if query => {
            (answer.success_status(), ResponseType::Ok, Some(*flag), None)
        }
        Outcome::NoRecord if query => (
            404,
            ResponseType::Ok,
            None,
            Some(outcome("NO_RECORD_FOUND", None)?),
        ),
        Outcome::LocalFlag(flag) if query => {
            let issue = outcome("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE", None)?;
            let status = response_code("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE")
                .map_or(203, |r| r.http_status);
            (status, ResponseType::Ok, Some(*flag), Some(issue))
        }
        Outcome::Created if req.interaction == Interaction::CreateRequest => {
            (answer.success_status(), ResponseType::Ok, None, None)
        }
        Outcome::Deleted if req.interaction == Interaction::DeleteRequest => {
            (answer.success_status(), ResponseType::Ok, None, None)
        }
        Outcome::Error { code, diagnostics } => {
            let row = response_code(&code).ok_or_else(|| ReplyError::UnknownCode(code.clone()))?;
            let response = match (row.severity, row.code) {
                (IssueSeverity::Warning | IssueSeverity::Information, _) => ResponseType::Ok,
                (_, "COULD_NOT_CONNECT_TO_SPINE") => ResponseType::TransientError,
                _ => ResponseType::FatalError,
            };
            (
                row.http_status,
                response,
                None,
                Some(outcome(row.code, diagnostics.as_deref())?),
            )
        }
        other => {
            return Err(ReplyError::Unexpected(format!(
                "a {:?} is not answered with {other:?}",
                req.interaction
            )))
        }
    };
    let mut bundle = spine_message_bundle_1_0::Bundle::new();
    bundle.id = Some(new_id());
    bundle.meta = Some(meta(spine_message_bundle_1_0::Bundle::PROFILE));

    macro_rules! header {
        ($h:ident, $event:expr) => {{
            use $h as h;
            let mut response = h::MessageHeaderResponse::new(request_id, code);
            response.details = issue.as_ref().and_then(|o| o.id.as_ref()).map(|id| {
                h::MessageHeaderResponseDetails::new(
                    FhirString::new(format!("OperationOutcome/{id}")).expect("a reference"),
                )
            });
            let mut source = h::MessageHeaderSource::new(req.destination.0.clone());
            source.name = req.destination.1.cloned();
            let mut destination = h::MessageHeaderDestination::new(req.source.0.clone());
            destination.name = req.source.1.cloned();
            let mut header = h::MessageHeader::new(
                now(),
                h::MessageHeaderEvent::new($event),
                response,
                source,
                destination,
            );
            header.id = Some(new_id());
            header.meta = Some(meta(h::MessageHeader::PROFILE));
            if let Some(id) = flag.as_ref().and_then(|f| f.id.as_ref()) {
                let mut data = h::MessageHeaderData::new();
                data.reference = Some(FhirString::new(format!("Flag/{id}")).expect("a reference"));
                header.data.push(data);
            }
            header
        }};
    }
    let message = match answer {
        Interaction::QueryV1Response => Message::QueryV1Response(messages::QueryV1Response {
            bundle,
            header: header!(
                spine_response_message_header_1_0,
                MessageEvent10::FgmQueryResponse10
            ),
            flag,
            outcome: issue,
        }),
        Interaction::QueryV2Response => Message::QueryV2Response(messages::QueryV2Response {
            bundle,
            header: header!(
                spine_response_message_header_2_0,
                MessageEvent20::FgmQueryResponse20
            ),
            flag,
            outcome: issue,
        }),
        Interaction::CreateResponse => Message::CreateResponse(messages::CreateResponse {
            bundle,
            header: header!(
                spine_response_message_header_2_0,
                MessageEvent20::FgmCreateResponse10
            ),
            outcome: issue,
        }),
        Interaction::DeleteResponse => Message::DeleteResponse(messages::DeleteResponse {
            bundle,
            header: header!(
                spine_response_message_header_2_0,
                MessageEvent20::FgmDeleteResponse10
            ),
            outcome: issue,
        }),
        other => unreachable!("{other:?} answers no request"),
    };
    Ok(Reply {
        http_status: status,
        message,
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

/// What a Spine response means to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpineReply {
    /// The query found this flag.
    Flag(Box<Flag>),
    /// The query found no record.
    NoRecord,
    /// The create was recorded.
    Created,
    /// The delete was done.
    Deleted,
    /// Spine refused (or warned): the code, status and diagnostics.
    Error(SpineError),
}

/// The response identifier and interaction of a response message.
fn response_of(message: &Message) -> Option<(&Id, Option<&Flag>, Option<&oo::OperationOutcome>)> {
    Some(match message {
        Message::QueryV1Response(m) => (
            &m.header.response.identifier,
            m.flag.as_ref(),
            m.outcome.as_ref(),
        ),
        Message::QueryV2Response(m) => (
            &m.header.response.identifier,
            m.flag.as_ref(),
            m.outcome.as_ref(),
        ),
        Message::CreateResponse(m) => (&m.header.response.identifier, None, m.outcome.as_ref()),
        Message::DeleteResponse(m) => (&m.header.response.identifier, None, m.outcome.as_ref()),
        _ => return None,
    })
}

/// Checks that `response` answers `request`: the matching response
/// interaction, and `response.identifier` naming the request's header.
pub fn answers(request: &Message, response: &Message) -> Result<(), ReplyError> {
    let req = request_of(request)?;
    let (identifier, _, _) = response_of(response).ok_or_else(|| {
        ReplyError::Unexpected(format!("a {:?} is not a response", response.interaction()))
    })?;
    if response.interaction().responds_to() != Some(req.interaction) {
        return Err(ReplyError::Mismatch(format!(
            "a {:?} does not answer a {:?}",
            response.interaction(),
            req.interaction
        )));
    }
    if req.id != Some(identifier) {
        return Err(ReplyError::Mismatch(format!(
            "the response answers message {identifier}, not {}",
            req.id.map_or("(no id)", |i| i.as_str())
        )));
    }
    Ok(())
}

/// The error (or warning) an OperationOutcome issue carries.
fn spine_error(http_status: u16, issue: &oo::OperationOutcomeIssue) -> SpineError {
    let code = issue.details.coding.code.code().to_owned();
    SpineError {
        current: response_code(&code).map(|r| r.code),
        http_status,
        severity: issue.severity,
        display: issue
            .details
            .coding
            .display
            .as_ref()
            .map(|d| d.as_str().to_owned()),
        diagnostics: issue.diagnostics.as_ref().map(|d| d.as_str().to_owned()),
        code,
    }
}

/// The answer to a request that cannot be read as a message at all (a body
/// that is not XML or not a request, an unknown path): there is no
/// MessageHeader to answer, so it is a bare OperationOutcome carrying
/// `code`, with that code's HTTP status. [`read_reply`] reads it back.
pub fn refuse(code: &str, diagnostics: Option<&str>) -> Result<(u16, String), ReplyError> {
    let row = response_code(code).ok_or_else(|| ReplyError::UnknownCode(code.to_owned()))?;
    let outcome = outcome(row.code, diagnostics)?;
    let xml = crate::xml::write_str(&outcome, "OperationOutcome", &Default::default());
    Ok((row.http_status, xml))
}

/// Reads a Spine response with its HTTP status (and, when given, checks it
/// answers `request`).
pub fn read_reply(
    http_status: u16,
    body: &[u8],
    request: Option<&Message>,
) -> Result<SpineReply, ReplyError> {
    let message = match Message::parse(body) {
        Ok(read) => read.value,
        Err(e) => {
            // A request that could not be read is answered with a bare
            // OperationOutcome ([`refuse`]).
            return match crate::xml::read_bytes::<oo::OperationOutcome>(body, &Default::default()) {
                Ok(bare) => Ok(SpineReply::Error(spine_error(
                    http_status,
                    bare.value.issue.first(),
                ))),
                Err(_) => Err(ReplyError::Read(e)),
            };
        }
    };
    if let Some(request) = request {
        answers(request, &message)?;
    }
    let (_, flag, outcome) = response_of(&message).ok_or_else(|| {
        ReplyError::Unexpected(format!("a {:?} is not a response", message.interaction()))
    })?;
    if let Some(issue) = outcome.map(|o| o.issue.first()) {
        let error = spine_error(http_status, issue);
        if error.current == Some("NO_RECORD_FOUND") {
            return Ok(SpineReply::NoRecord);
        }
        let serious = matches!(issue.severity, IssueSeverity::Fatal | IssueSeverity::Error);
        if serious || flag.is_none() {
            return Ok(SpineReply::Error(error));
        }
    }
    Ok(match (message.interaction(), flag) {
        (_, Some(flag)) => SpineReply::Flag(Box::new(flag.clone())),
        (Interaction::CreateResponse, None) => SpineReply::Created,
        (Interaction::DeleteResponse, None) => SpineReply::Deleted,
        (other, None) => {
            return Err(ReplyError::Unexpected(format!(
                "a {other:?} with neither a flag nor an OperationOutcome"
            )))
        }
    })
}
