//! Spine's response codes as a message type's table gives them to the
//! rules ([`FhirMessage::response_code`](crate::FhirMessage::response_code)),
//! and the severities of findings: a leaf both the message trait and
//! Spine's rules use, public as `fgm::spine::{ResponseCode, Severity}`.

use std::fmt;

/// How serious a finding is: the FHIR issue severities (DSTU2
/// `issue-severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The message cannot be processed at all.
    Fatal,
    /// Spine rejects the message for it.
    Error,
    /// Processed, with a problem worth knowing.
    Warning,
    /// For information only.
    Information,
}

impl Severity {
    /// The FHIR code (`error`).
    pub const fn code(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }

    /// The severity of a FHIR code; `None` for any other text.
    pub fn from_code(code: &str) -> Option<Severity> {
        [
            Severity::Fatal,
            Severity::Error,
            Severity::Warning,
            Severity::Information,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Whether Spine rejects a message for a finding of this severity.
    pub const fn is_error(self) -> bool {
        matches!(self, Severity::Fatal | Severity::Error)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A Spine response code as the rules report under it: one row of a
/// message type's response-code table (the generated `RESPONSE_CODES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseCode {
    /// The code (`INVALID_NHS_NUMBER`).
    pub code: &'static str,
    /// Its code system.
    pub system: &'static str,
    /// The HTTP status Spine answers it with.
    pub http_status: u16,
    /// Its OperationOutcome issue severity.
    pub severity: Severity,
    /// The code it replaced, if any (`FGM-0002`).
    pub legacy: Option<&'static str>,
}
