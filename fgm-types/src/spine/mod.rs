//! What a Spine client or Spine Mini Service Provider needs every day:
//! [`build`] valid requests without knowing the profiles' fixed values,
//! [`validate`] a message the way Spine does, and turn every outcome into the
//! Spine response and HTTP status ([`respond`]) — and back ([`read_reply`]).
//!
//! The rules themselves ([`validate`], [`NhsNumber`], [`over_18`], ASID
//! endpoints) are `fgm::spine`'s, for any generated message type, and are
//! re-exported here; the builders, responses and reply reading are for
//! this crate's messages.

pub mod build;
mod reply;
mod summary;

pub use fgm::spine::{
    asid_endpoint, is_asid_endpoint, over_18, validate, NhsNumber, NhsNumberError, ResponseCode,
    Severity, ValidateOptions, ValidationIssue, ASID_PREFIX,
};
pub use reply::{
    answers, fhir_text, read_reply, refusal, refuse, respond, Flag, Outcome, OutcomeOf, Reply,
    ReplyError, SpineError, SpineReply, SpineReplyOf,
};
pub use summary::{flag_nhs_number, message_id, summary, RequestSummary};

use std::time::{SystemTime, UNIX_EPOCH};

use crate::datatypes::Meta;
use crate::messages::RESPONSE_CODES;
use fgm::primitive::{Id, Instant, Uri};

/// A new resource id: a random version-4 UUID (from the operating system's
/// randomness) in its usual lower-case hyphenated text form.
pub fn new_id() -> Id {
    let text = uuid::Uuid::new_v4().hyphenated().to_string();
    Id::new(text).expect("a UUID is a valid id")
}

/// The current time as a FHIR instant in UTC, to the second.
pub fn now() -> Instant {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Instant::new(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
    .expect("a valid instant")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Reading options for a message already in hand (written by the types, or
/// read once already): no size limit but the reader's own depth bound, no
/// reference check (that is the first reader's business).
pub(crate) fn in_hand() -> fgm::xml::ReadOptions {
    fgm::xml::ReadOptions::default()
        .with_max_bytes(usize::MAX)
        .with_max_depth(fgm::xml::MAX_DEPTH)
        .with_max_nodes(u32::MAX)
        .with_check_references(false)
}

/// `meta` claiming one profile.
pub(crate) fn meta(profile: &str) -> Meta {
    let mut meta = Meta::new();
    meta.profile
        .push(Uri::new(profile).expect("profile URLs are valid uris"));
    meta
}

/// The row of the response-code table for a code (current or legacy).
pub fn response_code(code: &str) -> Option<&'static crate::messages::ResponseCodeInfo> {
    RESPONSE_CODES
        .iter()
        .find(|r| r.code == code || r.legacy == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_timestamps_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| new_id().as_str().to_owned()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random));
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(*id, uuid.hyphenated().to_string());
        }
        assert!(now().as_str().ends_with("+00:00"));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }
}
