//! Spine's rules, for the messages of any generated set of FGM RIS types
//! (the project's `fgm-types`, or a crate's own, generated from a bumped
//! profile version): [`validate`] a message the way Spine does, NHS number
//! check digits ([`NhsNumber`]), the under-18 rule ([`over_18`]), ASID
//! endpoints.
//!
//! The rules are Spine's, from NHS Digital's FGM RIS guide, written by
//! hand; the response-code table they report under is the message type's
//! own ([`FhirMessage::response_code`](crate::FhirMessage::response_code),
//! generated from the definitions).

mod nhs_number;
mod validate;

pub use nhs_number::{NhsNumber, NhsNumberError};
pub use validate::{date_order, over_18, validate, ValidateOptions, ValidationIssue};

pub use crate::response::{ResponseCode, Severity};

use crate::primitive::Uri;

/// The prefix of an ASID endpoint.
pub const ASID_PREFIX: &str = "urn:nhs:addressing:asid:";

/// The ASID endpoint URI for an ASID (digits only).
pub fn asid_endpoint(asid: &str) -> Option<Uri> {
    (!asid.is_empty() && asid.bytes().all(|b| b.is_ascii_digit()))
        .then(|| Uri::new(format!("{ASID_PREFIX}{asid}")).expect("a valid uri"))
}

/// Whether an endpoint is `urn:nhs:addressing:asid:<digits>`.
pub fn is_asid_endpoint(endpoint: &str) -> bool {
    endpoint
        .strip_prefix(ASID_PREFIX)
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asid_endpoints() {
        assert_eq!(
            asid_endpoint("990101234567").unwrap().as_str(),
            "urn:nhs:addressing:asid:990101234567"
        );
        assert!(asid_endpoint("99x").is_none());
        assert!(is_asid_endpoint("urn:nhs:addressing:asid:047192794544"));
        assert!(!is_asid_endpoint("urn:nhs:addressing:asid:"));
        assert!(!is_asid_endpoint("https://spine"));
    }

    #[test]
    fn severities_by_their_codes() {
        for s in [
            Severity::Fatal,
            Severity::Error,
            Severity::Warning,
            Severity::Information,
        ] {
            assert_eq!(Severity::from_code(s.code()), Some(s));
        }
        assert_eq!(Severity::from_code("Error"), None);
        assert!(Severity::Fatal.is_error() && !Severity::Warning.is_error());
    }
}
