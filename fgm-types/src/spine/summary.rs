//! What a receiver needs from a request to act on it, read from whichever
//! message it is: the patient, the parties, the author and, for a create or
//! a delete, what is recorded.

use crate::messages::{Interaction, Message};
use crate::profiles::spine_ris_flag_1_0::{Flag, FlagContained};
use crate::valuesets::FgmDeleteReasonCodes10;

/// The facts of a request a Spine (or SMSP) acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSummary<'a> {
    /// The interaction.
    pub interaction: Interaction,
    /// The NHS number the request is about, as sent.
    pub nhs_number: &'a str,
    /// The sender's endpoint (`urn:nhs:addressing:asid:…`).
    pub source: &'a str,
    /// The receiver's endpoint.
    pub destination: &'a str,
    /// The request's MessageHeader id, when sent (what a response's
    /// `response.identifier` names, and the audit's message id).
    pub message_id: Option<&'a str>,
    /// The author's SDS user id, or (a v2 query) local identifier, when sent.
    pub author: Option<&'a str>,
    /// The author's SDS role profile id, when sent.
    pub role_profile_id: Option<&'a str>,
    /// The requesting organisation's ODS code, when the message carries
    /// the organisation.
    pub organisation: Option<&'a str>,
    /// A create: the date the indicator applies from (`Flag.period.start`,
    /// the assessment date).
    pub since: Option<&'a str>,
    /// A create: the patient's birth date.
    pub birth_date: Option<&'a str>,
    /// A create: the ODS code of the patient's current GP practice (the
    /// flag's contained Spine-GP-Organization; `V81997` not registered,
    /// `V81999` unknown).
    pub gp_practice: Option<&'a str>,
    /// A delete: the first delete-reason code sent.
    pub delete_reason: Option<&'a str>,
}

impl<'a> RequestSummary<'a> {
    /// The sender's ASID (the digits after `urn:nhs:addressing:asid:`).
    pub fn source_asid(&self) -> Option<&'a str> {
        self.source
            .strip_prefix(super::ASID_PREFIX)
            .filter(|_| super::is_asid_endpoint(self.source))
    }
}

/// The facts of a request; `None` for a response.
pub fn summary(message: &Message) -> Option<RequestSummary<'_>> {
    macro_rules! parties {
        ($m:expr, $nhs:expr, $author:expr, $role:expr, $reason:expr) => {
            RequestSummary {
                interaction: message.interaction(),
                nhs_number: $nhs,
                source: $m.header.source.endpoint.as_str(),
                destination: $m.header.destination.endpoint.as_str(),
                message_id: $m.header.id.as_ref().map(|id| id.as_str()),
                author: $author,
                role_profile_id: $role,
                organisation: $m
                    .organization
                    .as_ref()
                    .map(|o| o.ods_organization_code.value.as_str()),
                since: None,
                birth_date: None,
                gp_practice: None,
                delete_reason: $reason,
            }
        };
    }
    Some(match message {
        Message::QueryV1Request(m) => parties!(
            m,
            m.parameters.nhs_number.value.as_str(),
            m.practitioner
                .as_ref()
                .map(|p| p.sds_user_id.value.as_str()),
            m.practitioner
                .as_ref()
                .map(|p| p.sds_role_profile_id.value.as_str()),
            None
        ),
        Message::QueryV2Request(m) => parties!(
            m,
            m.parameters.nhs_number.value.as_str(),
            m.practitioner
                .sds_user_id
                .as_ref()
                .map(|i| i.value.as_str())
                .or(m
                    .practitioner
                    .local_identifier
                    .as_ref()
                    .map(|i| i.value.as_str())),
            m.practitioner
                .sds_role_profile_id
                .as_ref()
                .map(|i| i.value.as_str()),
            None
        ),
        Message::CreateRequest(m) => {
            let mut s = parties!(
                m,
                flag_nhs_number(&m.flag).unwrap_or(""),
                Some(m.practitioner.sds_user_id.value.as_str()),
                Some(m.practitioner.sds_role_profile_id.value.as_str()),
                None
            );
            s.since = Some(m.flag.period.start.as_str());
            for contained in &m.flag.contained {
                match contained {
                    FlagContained::SpineRisPatient20(p) => {
                        s.birth_date = Some(p.birth_date.as_str());
                    }
                    FlagContained::SpineGpOrganization10(o) => {
                        s.gp_practice = Some(o.ods_organization_code.value.as_str());
                    }
                    _ => {}
                }
            }
            s
        }
        Message::DeleteRequest(m) => parties!(
            m,
            m.parameters.nhs_number.value.as_str(),
            Some(m.practitioner.sds_user_id.value.as_str()),
            Some(m.practitioner.sds_role_profile_id.value.as_str()),
            m.parameters
                .fgm_delete_reason
                .value
                .coding
                .iter()
                .filter(|c| {
                    c.system
                        .as_ref()
                        .is_some_and(|s| s.as_str() == FgmDeleteReasonCodes10::VALUE_SET)
                })
                .find_map(|c| c.code.as_ref().map(|c| c.as_str()))
        ),
        _ => return None,
    })
}

/// The MessageHeader id of a message, request or response, when sent.
pub fn message_id(message: &Message) -> Option<&str> {
    let id = match message {
        Message::QueryV1Request(m) => &m.header.id,
        Message::QueryV1Response(m) => &m.header.id,
        Message::QueryV2Request(m) => &m.header.id,
        Message::QueryV2Response(m) => &m.header.id,
        Message::CreateRequest(m) => &m.header.id,
        Message::CreateResponse(m) => &m.header.id,
        Message::DeleteRequest(m) => &m.header.id,
        Message::DeleteResponse(m) => &m.header.id,
    };
    id.as_ref().map(|id| id.as_str())
}

/// The NHS number of the patient a flag contains.
pub fn flag_nhs_number(flag: &Flag) -> Option<&str> {
    flag.contained.iter().find_map(|c| match c {
        FlagContained::SpineRisPatient10(p) => Some(p.identifier.value.as_str()),
        FlagContained::SpineRisPatient20(p) => Some(p.identifier.value.as_str()),
        _ => None,
    })
}
