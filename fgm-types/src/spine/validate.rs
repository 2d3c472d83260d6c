//! Validation beyond the types: the profile rules the types cannot express
//! and Spine's business rules, each issue with a severity, the Spine
//! response code, the FHIR path and a message.
//!
//! Severities follow the direction: what Spine would reject in a request is
//! an error; what a client should still accept in a response (a legacy
//! `FGM-0002` code, an NHS number Spine itself sent) is a warning.
//!
//! The published profiles contradict themselves on three sliced elements
//! (`Parameters.parameter` 1..1 with two or three required slices,
//! `Practitioner.identifier` 0..1 with two required slices,
//! `Organization.identifier` 1..1 with an optional second slice): the types
//! follow each slice's own cardinality, and so does validation, which never
//! counts the sliced element as a whole. Every published example, and NHS's
//! own descriptions, send the slices; the totals are evidently errors.

use std::fmt;

use crate::messages::{Direction, Message};
use crate::primitive::{is_leap_year, Date};
use crate::profiles::spine_ris_flag_1_0::{Flag, FlagContained};
use crate::profiles::{
    spine_message_bundle_1_0::Bundle, spine_operation_outcome_1_0::OperationOutcome,
};
use crate::valuesets::{FgmDeleteReasonCodes10, IssueSeverity};
use crate::Open;

use super::{is_asid_endpoint, response_code, NhsNumber};

/// What to check beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Enforce `bdl-6`: every entry has a `fullUrl`. Off by default: no
    /// message NHS Digital published has one.
    pub full_url: bool,
    /// The date the under-18 rule is judged on (default: the date of the
    /// MessageHeader timestamp).
    pub on_date: Option<Date>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// Error, warning or information.
    pub severity: IssueSeverity,
    /// The Spine response code (`INVALID_NHS_NUMBER`).
    pub spine_code: &'static str,
    /// The HTTP status Spine answers that code with.
    pub http_status: u16,
    /// The FHIR path (`Bundle.entry[1].resource.Parameters.parameter[1].valueString`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ValidationIssue {
    /// Whether Spine would reject the message for it.
    pub fn is_error(&self) -> bool {
        matches!(self.severity, IssueSeverity::Fatal | IssueSeverity::Error)
    }
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (HTTP {}) at {}: {}",
            self.severity.code(),
            self.spine_code,
            self.http_status,
            self.path,
            self.message
        )
    }
}

/// Whether someone born on `birth_date` (`YYYY-MM-DD`) is 18 or over on
/// `on` (`YYYY-MM-DD`): on the 18th birthday itself, they are. A 29 February
/// birthday falls on 1 March in common years. `None` when either is not a
/// full, valid [`Date`]: a partial date (`2006-05`), or one that does not
/// exist (`2006-02-31`, refused by `Date`'s own rule). A message cannot hold
/// an impossible birth date: reading refuses it as an invalid `date`
/// (`invalid-value`, MESSAGE_NOT_WELL_FORMED, as for any value its XSD type
/// refuses), so validation meets only partial ones, which are valid FHIR
/// and break the under-18 rule alone (INVALID_PARAMETER).
pub fn over_18(birth_date: &str, on: &str) -> Option<bool> {
    let full = |s: &str| {
        Date::new(s).ok().filter(|_| s.len() == 10).map(|_| {
            let part = |range: std::ops::Range<usize>| s[range].parse::<u32>().expect("digits");
            (part(0..4), part(5..7), part(8..10))
        })
    };
    let (y, m, d) = full(birth_date)?;
    full(on)?;
    let year = y + 18;
    let (m, d) = if (m, d) == (2, 29) && !is_leap_year(year as i32) {
        (3, 1)
    } else {
        (m, d)
    };
    Some(on >= format!("{year:04}-{m:02}-{d:02}").as_str())
}

struct Validator {
    direction: Direction,
    issues: Vec<ValidationIssue>,
}

impl Validator {
    /// Records a finding under a Spine code: in a request with the code's
    /// own severity, in a response as a warning.
    fn report(&mut self, code: &'static str, path: String, message: String) {
        let severity = match self.direction {
            Direction::Request => response_code(code).expect("a code of the table").severity,
            Direction::Response => IssueSeverity::Warning,
        };
        self.report_as(severity, code, path, message);
    }

    fn report_as(
        &mut self,
        severity: IssueSeverity,
        code: &'static str,
        path: String,
        message: String,
    ) {
        let row = response_code(code).expect("a code of the response-code table");
        self.issues.push(ValidationIssue {
            severity,
            spine_code: row.code,
            http_status: row.http_status,
            path,
            message,
        });
    }

    /// `bdl-6`, when asked: each of the `entries` entries has a fullUrl
    /// (entries with nothing but their resource are not kept in `bundle`).
    fn bundle(&mut self, bundle: &Bundle, entries: usize, options: &ValidateOptions) {
        if options.full_url {
            for i in 0..entries {
                if bundle
                    .entry
                    .get(i)
                    .and_then(|e| e.full_url.as_ref())
                    .is_none()
                {
                    self.report(
                        "MESSAGE_NOT_WELL_FORMED",
                        format!("Bundle.entry[{i}]"),
                        "bdl-6: an entry with a resource has a fullUrl".to_owned(),
                    );
                }
            }
        }
    }

    fn endpoints(&mut self, source: &str, destination: &str) {
        for (what, endpoint) in [("source", source), ("destination", destination)] {
            if !is_asid_endpoint(endpoint) {
                self.report(
                    "MESSAGE_NOT_WELL_FORMED",
                    format!("Bundle.entry[0].resource.MessageHeader.{what}.endpoint"),
                    format!(
                        "`{endpoint}` is not an ASID endpoint (urn:nhs:addressing:asid:<digits>)"
                    ),
                );
            }
        }
    }

    fn nhs_number(&mut self, path: String, number: &str) {
        if let Err(e) = NhsNumber::parse(number) {
            self.report("INVALID_NHS_NUMBER", path, e.to_string());
        }
    }

    fn query(&mut self, entry: usize, risk: &str, nhs_number: &str) {
        let at = format!("Bundle.entry[{entry}].resource.Parameters");
        if risk != "FGM" {
            self.report(
                "INVALID_PARAMETER",
                format!("{at}.parameter[0].valueString"),
                format!("the risk indicator is `{risk}`; the only one is `FGM`"),
            );
        }
        self.nhs_number(format!("{at}.parameter[1].valueString"), nhs_number);
    }

    fn delete_reason(&mut self, entry: usize, reason: &crate::datatypes::CodeableConcept) {
        let path =
            format!("Bundle.entry[{entry}].resource.Parameters.parameter[2].valueCodeableConcept");
        let system = FgmDeleteReasonCodes10::VALUE_SET;
        let codes: Vec<&str> = reason
            .coding
            .iter()
            .filter(|c| c.system.as_ref().is_some_and(|s| s.as_str() == system))
            .filter_map(|c| c.code.as_ref().map(|c| c.as_str()))
            .collect();
        match codes.as_slice() {
            [] => self.report(
                "INVALID_PARAMETER",
                path,
                format!("no delete reason: a coding of {system} is required"),
            ),
            [code, ..] if code.parse::<FgmDeleteReasonCodes10>().is_err() => self.report(
                "INVALID_PARAMETER",
                path,
                format!("`{code}` is not a delete reason of {system} (0, 1 or 2)"),
            ),
            _ => {}
        }
    }

    fn flag(&mut self, entry: usize, flag: &Flag, create: Option<&str>) {
        let at = format!("Bundle.entry[{entry}].resource.Flag");
        let mut patient = None;
        let mut practice = false;
        for (i, c) in flag.contained.iter().enumerate() {
            let path = format!("{at}.contained[{i}]");
            match c {
                FlagContained::SpineRisPatient10(p) => {
                    patient = Some(());
                    self.nhs_number(
                        format!("{path}.Patient.identifier.value"),
                        p.identifier.value.as_str(),
                    );
                    if create.is_some() {
                        self.report(
                            "MESSAGE_NOT_WELL_FORMED",
                            format!("{path}.Patient"),
                            "a create carries a Spine-RIS-Patient-2-0 (with birth date and GP practice)".to_owned(),
                        );
                    }
                }
                FlagContained::SpineRisPatient20(p) => {
                    patient = Some(());
                    self.nhs_number(
                        format!("{path}.Patient.identifier.value"),
                        p.identifier.value.as_str(),
                    );
                    if let Some(on) = create {
                        match over_18(p.birth_date.as_str(), on) {
                            Some(true) => self.report(
                                "PATIENT_OVER_18",
                                format!("{path}.Patient.birthDate"),
                                format!("born {}, the patient is 18 or over on {on}", p.birth_date),
                            ),
                            Some(false) => {}
                            None => self.report(
                                "INVALID_PARAMETER",
                                format!("{path}.Patient.birthDate"),
                                format!(
                                    "`{}` is not a full date (YYYY-MM-DD); the under-18 rule needs one",
                                    p.birth_date
                                ),
                            ),
                        }
                    }
                }
                FlagContained::SpineGpOrganization10(_) => practice = true,
                FlagContained::NonConforming(tree) => {
                    // Reported once, as itself, not again as a missing part.
                    practice |= tree.name == "Organization";
                    if tree.name == "Patient" {
                        patient = Some(());
                    }
                    self.report(
                        "MESSAGE_NOT_WELL_FORMED",
                        format!("{path}.{}", tree.name),
                        format!(
                            "the contained {} conforms to none of its profiles",
                            tree.name
                        ),
                    )
                }
            }
        }
        if patient.is_none() {
            self.report(
                "MESSAGE_NOT_WELL_FORMED",
                at.clone(),
                "the flag contains no patient".to_owned(),
            );
        }
        if create.is_some() && !practice {
            self.report(
                "MESSAGE_NOT_WELL_FORMED",
                at,
                "a create's flag contains the patient's GP practice (Spine-GP-Organization-1-0)"
                    .to_owned(),
            );
        }
    }

    fn outcome(&mut self, entry: usize, outcome: &OperationOutcome) {
        for (i, issue) in outcome.issue.iter().enumerate() {
            let path = format!(
                "Bundle.entry[{entry}].resource.OperationOutcome.issue[{i}].details.coding"
            );
            let coding = &issue.details.coding;
            // Findings in a response Spine sent: the SMSP code for a response
            // that fails validation, as a warning (or information).
            match &coding.code {
                Open::Known(code) if coding.system.as_str() != code.system() => self.report_as(
                    IssueSeverity::Information,
                    "RESPONSE_MESSAGE_VALIDATION_ERROR",
                    format!("{path}.system"),
                    format!(
                        "{} belongs to {}, sent under {} (the profile fixes that system)",
                        code.code(),
                        code.system(),
                        coding.system
                    ),
                ),
                Open::Known(_) => {}
                Open::Unknown(code) => self.report_as(
                    IssueSeverity::Warning,
                    "RESPONSE_MESSAGE_VALIDATION_ERROR",
                    format!("{path}.code"),
                    match response_code(code.as_str()) {
                        Some(row) => format!("`{code}` is a legacy code, now {}", row.code),
                        None => format!("`{code}` is not a Spine response code"),
                    },
                ),
            }
        }
    }
}

/// Checks a message the way Spine does.
pub fn validate(message: &Message, options: &ValidateOptions) -> Vec<ValidationIssue> {
    let mut v = Validator {
        direction: message.interaction().direction(),
        issues: Vec::new(),
    };
    // Entries are in the interaction's order: the header, then each
    // present field in turn.
    match message {
        Message::QueryV1Request(m) => {
            v.bundle(
                &m.bundle,
                2 + usize::from(m.practitioner.is_some()) + usize::from(m.organization.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            v.query(
                1,
                m.parameters.risk_indicator.value.as_str(),
                m.parameters.nhs_number.value.as_str(),
            );
        }
        Message::QueryV2Request(m) => {
            v.bundle(
                &m.bundle,
                3 + usize::from(m.organization.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            v.query(
                1,
                m.parameters.risk_indicator.value.as_str(),
                m.parameters.nhs_number.value.as_str(),
            );
        }
        Message::DeleteRequest(m) => {
            v.bundle(
                &m.bundle,
                3 + usize::from(m.organization.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            v.query(
                1,
                m.parameters.risk_indicator.value.as_str(),
                m.parameters.nhs_number.value.as_str(),
            );
            v.delete_reason(1, &m.parameters.fgm_delete_reason.value);
        }
        Message::CreateRequest(m) => {
            v.bundle(
                &m.bundle,
                3 + usize::from(m.organization.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            let on = options
                .on_date
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_else(|| m.header.timestamp.as_str()[..10].to_owned());
            v.flag(1, &m.flag, Some(&on));
        }
        Message::QueryV1Response(m) => {
            v.bundle(
                &m.bundle,
                1 + usize::from(m.flag.is_some()) + usize::from(m.outcome.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            if let Some(flag) = &m.flag {
                v.flag(1, flag, None);
            }
            if let Some(o) = &m.outcome {
                v.outcome(1 + usize::from(m.flag.is_some()), o);
            }
        }
        Message::QueryV2Response(m) => {
            v.bundle(
                &m.bundle,
                1 + usize::from(m.flag.is_some()) + usize::from(m.outcome.is_some()),
                options,
            );
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            if let Some(flag) = &m.flag {
                v.flag(1, flag, None);
            }
            if let Some(o) = &m.outcome {
                v.outcome(1 + usize::from(m.flag.is_some()), o);
            }
        }
        Message::CreateResponse(m) => {
            v.bundle(&m.bundle, 1 + usize::from(m.outcome.is_some()), options);
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            if let Some(o) = &m.outcome {
                v.outcome(1, o);
            }
        }
        Message::DeleteResponse(m) => {
            v.bundle(&m.bundle, 1 + usize::from(m.outcome.is_some()), options);
            v.endpoints(
                m.header.source.endpoint.as_str(),
                m.header.destination.endpoint.as_str(),
            );
            if let Some(o) = &m.outcome {
                v.outcome(1, o);
            }
        }
    }
    v.issues
}

#[cfg(test)]
mod tests {
    use super::over_18;

    #[test]
    fn the_eighteenth_birthday() {
        assert_eq!(over_18("2006-05-10", "2024-05-09"), Some(false));
        assert_eq!(
            over_18("2006-05-10", "2024-05-10"),
            Some(true),
            "on the birthday itself"
        );
        assert_eq!(over_18("2006-05-10", "2030-01-01"), Some(true));
        assert_eq!(over_18("2008-02-29", "2026-02-28"), Some(false));
        assert_eq!(
            over_18("2008-02-29", "2026-03-01"),
            Some(true),
            "29 February: 1 March in a common year"
        );
        assert_eq!(over_18("2004-02-29", "2022-02-28"), Some(false));
        assert_eq!(over_18("1996-02-29", "2014-03-01"), Some(true));
        assert_eq!(over_18("2006-05", "2030-01-01"), None);
    }

    #[test]
    fn impossible_dates_have_no_age() {
        assert_eq!(over_18("2006-02-31", "2030-01-01"), None);
        assert_eq!(
            over_18("2006-02-29", "2030-01-01"),
            None,
            "2006 is a common year"
        );
        assert_eq!(over_18("2006-13-01", "2030-01-01"), None);
        assert_eq!(over_18("2006-05-10", "2030-02-30"), None);
        assert_eq!(over_18("0000-01-01", "2030-01-01"), None);
        assert_eq!(
            over_18("-0001-01-01", "2030-01-01"),
            None,
            "a full date is YYYY-MM-DD"
        );
        assert_eq!(over_18("2008-02-29", "2026-02-29"), None);
    }
}
