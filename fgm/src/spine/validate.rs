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

use crate::primitive::{is_leap_year, Date};
use crate::xml::{fhir_path, Node, NodeId};
use crate::FhirMessage;

use super::{is_asid_endpoint, NhsNumber, ResponseCode, Severity};

/// The value set of the delete reasons Spine accepts, and its codes.
const DELETE_REASONS: (&str, [&str; 3]) = (
    "http://fhir.nhs.net/ValueSet/fgm-delete-reason-codes-1-0",
    ["0", "1", "2"],
);

/// Whether a message goes to Spine or comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// What to check beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidateOptions {
    /// Enforce `bdl-6`: every entry has a `fullUrl`. Off by default: no
    /// message NHS Digital published has one.
    pub full_url: bool,
    /// The date the under-18 rule is judged on (default: the date of the
    /// MessageHeader timestamp).
    pub on_date: Option<Date>,
}

impl ValidateOptions {
    /// With `bdl-6` enforced, or not.
    pub fn with_full_url(self, full_url: bool) -> Self {
        ValidateOptions { full_url, ..self }
    }

    /// With the under-18 rule judged on `on_date` (`None`: the date of the
    /// MessageHeader timestamp).
    pub fn with_on_date(self, on_date: Option<Date>) -> Self {
        ValidateOptions { on_date, ..self }
    }
}

/// One finding. With feature `serde`, serialized as `{severity, spine_code,
/// http_status, path, message}`, the severity by its FHIR code (`error`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ValidationIssue {
    /// Error, warning or information.
    #[cfg_attr(feature = "serde", serde(serialize_with = "severity_code"))]
    pub severity: Severity,
    /// The Spine response code (`INVALID_NHS_NUMBER`).
    pub spine_code: &'static str,
    /// The HTTP status Spine answers that code with.
    pub http_status: u16,
    /// The FHIR path (`Bundle.entry[1].resource.Parameters.parameter[1].valueString`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A severity as its FHIR code.
#[cfg(feature = "serde")]
fn severity_code<S: serde::Serializer>(
    severity: &Severity,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(severity.code())
}

impl ValidationIssue {
    /// Whether Spine would reject the message for it.
    pub fn is_error(&self) -> bool {
        self.severity.is_error()
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

/// The order of two FHIR dates or dateTimes (`2024`, `2024-05`,
/// `2024-05-10`, `2024-05-10T09:00:00+01:00`) by their date parts, at the
/// precision of the less precise: `2024` and `2024-05-10` are equal, so a
/// partial date is never before or after a day it contains.
pub fn date_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn date(s: &str) -> &[u8] {
        &s.as_bytes()[..s.len().min(10)]
    }
    let (a, b) = (date(a), date(b));
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n])
}

/// An entry's resource (`Bundle.entry[1].resource.Flag`): its index and
/// resource type, its FHIR path written only into what is reported.
#[derive(Clone, Copy)]
struct Entry<'a>(usize, &'a str);

impl Entry<'_> {
    /// The resource's FHIR path, and the segments of `rest` after it (each
    /// a name and its index, if any).
    fn path(&self, rest: &[(&str, Option<usize>)]) -> String {
        let head = [
            ("Bundle", None),
            ("entry", Some(self.0)),
            ("resource", None),
            (self.1, None),
        ];
        let segments: Vec<(&str, Option<u32>)> = head
            .iter()
            .chain(rest)
            .map(|&(name, index)| (name, index.map(|i| i as u32)))
            .collect();
        fhir_path(&segments)
    }
}

/// The resource an entry holds.
fn resource_of<'a, 'i>(entry: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    entry
        .child_named("resource")
        .and_then(|r| r.first_element_child())
}

/// The NHS number identifier system.
const NHS_NUMBER_SYSTEM: &str = "http://fhir.nhs.net/Id/nhs-number";

struct Validator {
    /// The message type's response-code table.
    codes: fn(&str) -> Option<ResponseCode>,
    direction: Direction,
    issues: Vec<ValidationIssue>,
    /// The resources that conform to none of the profiles allowed where
    /// they are (kept as read by lenient reading).
    non_conforming: Vec<NodeId>,
}

impl Validator {
    /// Records a finding under a Spine code: in a request with the code's
    /// own severity, in a response as a warning.
    fn report(&mut self, code: &'static str, path: String, message: String) {
        let severity = match self.direction {
            Direction::Request => self.row(code).severity,
            Direction::Response => Severity::Warning,
        };
        self.report_as(severity, code, path, message);
    }

    fn report_as(&mut self, severity: Severity, code: &'static str, path: String, message: String) {
        let http_status = self.row(code).http_status;
        self.issues.push(ValidationIssue {
            severity,
            spine_code: code,
            http_status,
            path,
            message,
        });
    }

    /// The row of one of the rules' own codes: the message type's, or (for
    /// a type generated without the table) an error answered with 400.
    fn row(&self, code: &'static str) -> ResponseCode {
        (self.codes)(code).unwrap_or(ResponseCode {
            code,
            system: "",
            http_status: 400,
            severity: Severity::Error,
            legacy: None,
        })
    }

    /// `bdl-6`: each entry has a fullUrl.
    fn full_urls<'a, 'i: 'a>(&mut self, entries: impl Iterator<Item = Node<'a, 'i>>) {
        for (i, entry) in entries.enumerate() {
            if entry.child_named("fullUrl").is_none() {
                self.report(
                    "MESSAGE_NOT_WELL_FORMED",
                    format!("Bundle.entry[{i}]"),
                    "bdl-6: an entry with a resource has a fullUrl".to_owned(),
                );
            }
        }
    }

    fn endpoints(&mut self, header: Node) {
        for what in ["source", "destination"] {
            let endpoint = header.value_at(&[what, "endpoint"]).unwrap_or_default();
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

    /// An NHS number, at a path made only when it is reported.
    fn nhs_number(&mut self, path: impl FnOnce() -> String, number: &str) {
        if let Err(e) = NhsNumber::parse(number) {
            self.report("INVALID_NHS_NUMBER", path(), e.to_string());
        }
    }

    /// The parameters of a query or a delete, found by their slice
    /// discriminator (`name`), whatever the profile's version.
    fn parameters(&mut self, at: Entry, parameters: Node) {
        for (i, p) in parameters.children_named("parameter").enumerate() {
            let path = |leaf: &str| at.path(&[("parameter", Some(i)), (leaf, None)]);
            match p.value_at(&["name"]) {
                Some("RiskIndicator") => {
                    let risk = p.value_at(&["valueString"]).unwrap_or_default();
                    if risk != "FGM" {
                        self.report(
                            "INVALID_PARAMETER",
                            path("valueString"),
                            format!("the risk indicator is `{risk}`; the only one is `FGM`"),
                        );
                    }
                }
                Some("NHSNumber") => self.nhs_number(
                    || path("valueString"),
                    p.value_at(&["valueString"]).unwrap_or_default(),
                ),
                Some("FGMDeleteReason") => self.delete_reason(
                    || path("valueCodeableConcept"),
                    p.child_named("valueCodeableConcept"),
                ),
                _ => {}
            }
        }
    }

    fn delete_reason(&mut self, path: impl FnOnce() -> String, reason: Option<Node>) {
        let (system, known) = DELETE_REASONS;
        let first = reason
            .into_iter()
            .flat_map(|r| r.children_named("coding"))
            .filter(|c| c.value_at(&["system"]) == Some(system))
            .find_map(|c| c.value_at(&["code"]));
        match first {
            None => self.report(
                "INVALID_PARAMETER",
                path(),
                format!("no delete reason: a coding of {system} is required"),
            ),
            Some(code) if !known.contains(&code) => self.report(
                "INVALID_PARAMETER",
                path(),
                format!("`{code}` is not a delete reason of {system} (0, 1 or 2)"),
            ),
            _ => {}
        }
    }

    /// A flag: its contained patient (NHS number; in a create, her birth
    /// date and the under-18 rule) and, in a create, her GP practice.
    fn flag(&mut self, at: Entry, flag: Node, create: Option<&str>) {
        let mut patient = false;
        let mut practice = false;
        let mut birth_date = None;
        for (i, contained) in flag.children_named("contained").enumerate() {
            let Some(resource) = contained.first_element_child() else {
                continue;
            };
            let rtype = resource.tag_name().name();
            let path = || at.path(&[("contained", Some(i)), (rtype, None)]);
            if self.non_conforming.contains(&resource.id()) {
                // Reported once, as itself, not again as a missing part.
                patient |= rtype == "Patient";
                practice |= rtype == "Organization";
                self.report(
                    "MESSAGE_NOT_WELL_FORMED",
                    path(),
                    format!("the contained {rtype} conforms to none of its profiles"),
                );
                continue;
            }
            match rtype {
                "Patient" => {
                    patient = true;
                    birth_date = birth_date.or(self.patient(&path(), resource, create));
                }
                "Organization" => practice = true,
                _ => {}
            }
        }
        if !patient {
            self.report(
                "MESSAGE_NOT_WELL_FORMED",
                at.path(&[]),
                "the flag contains no patient".to_owned(),
            );
        }
        if create.is_some() && !practice {
            self.report(
                "MESSAGE_NOT_WELL_FORMED",
                at.path(&[]),
                "a create's flag contains the patient's GP practice (Spine-GP-Organization-1-0)"
                    .to_owned(),
            );
        }
        if let (Some(on), Some(start)) = (create, flag.value_at(&["period", "start"])) {
            self.assessment_date(
                &at.path(&[("period", None), ("start", None)]),
                start,
                on,
                birth_date,
            );
        }
    }

    /// A create's assessment date (`Flag.period.start`, LSIR FGMRISC005):
    /// not after the service's date, not before the patient's birth.
    fn assessment_date(&mut self, path: &str, start: &str, on: &str, birth_date: Option<&str>) {
        if date_order(start, on).is_gt() {
            self.report(
                "INVALID_PARAMETER",
                path.to_owned(),
                format!("the assessment date {start} is in the future (after {on})"),
            );
        }
        if let Some(born) = birth_date.filter(|b| date_order(start, b).is_lt()) {
            self.report(
                "INVALID_PARAMETER",
                path.to_owned(),
                format!("the assessment date {start} is before the patient's birth date {born}"),
            );
        }
    }

    /// The patient's NHS number and, in a create, her birth date and the
    /// under-18 rule; returns the birth date.
    fn patient<'a>(
        &mut self,
        path: &str,
        patient: Node<'a, '_>,
        create: Option<&str>,
    ) -> Option<&'a str> {
        let count = patient.children_named("identifier").count();
        for (i, id) in patient.children_named("identifier").enumerate() {
            if id.value_at(&["system"]) == Some(NHS_NUMBER_SYSTEM) {
                let at = || match count {
                    1 => format!("{path}.identifier.value"),
                    _ => format!("{path}.identifier[{i}].value"),
                };
                self.nhs_number(at, id.value_at(&["value"]).unwrap_or_default());
            }
        }
        let on = create?;
        let Some(birth_date) = patient.value_at(&["birthDate"]) else {
            self.report(
                "MESSAGE_NOT_WELL_FORMED",
                path.to_owned(),
                "a create carries a Spine-RIS-Patient-2-0 (with birth date and GP practice)"
                    .to_owned(),
            );
            return None;
        };
        if date_order(birth_date, on).is_gt() {
            self.report(
                "INVALID_PARAMETER",
                format!("{path}.birthDate"),
                format!("the birth date {birth_date} is in the future (after {on})"),
            );
            return Some(birth_date);
        }
        match over_18(birth_date, on) {
            Some(true) => self.report(
                "PATIENT_OVER_18",
                format!("{path}.birthDate"),
                format!("born {birth_date}, the patient is 18 or over on {on}"),
            ),
            Some(false) => {}
            None => self.report(
                "INVALID_PARAMETER",
                format!("{path}.birthDate"),
                format!(
                    "`{birth_date}` is not a full date (YYYY-MM-DD); the under-18 rule needs one"
                ),
            ),
        }
        Some(birth_date)
    }

    /// Findings in an OperationOutcome Spine sent: the SMSP code for a
    /// response that fails validation, as a warning (or information).
    fn outcome(&mut self, at: Entry, outcome: Node) {
        for (i, issue) in outcome.children_named("issue").enumerate() {
            let path = |leaf: &str| {
                at.path(&[
                    ("issue", Some(i)),
                    ("details", None),
                    ("coding", None),
                    (leaf, None),
                ])
            };
            let Some(coding) = issue
                .child_named("details")
                .and_then(|d| d.child_named("coding"))
            else {
                continue;
            };
            let system = coding.value_at(&["system"]).unwrap_or_default();
            let Some(code) = coding.value_at(&["code"]) else {
                continue;
            };
            match (self.codes)(code).filter(|r| r.code == code) {
                Some(row) if row.system != system => self.report_as(
                    Severity::Information,
                    "RESPONSE_MESSAGE_VALIDATION_ERROR",
                    path("system"),
                    [
                        code,
                        " belongs to ",
                        row.system,
                        ", sent under ",
                        system,
                        " (the profile fixes that system)",
                    ]
                    .concat(),
                ),
                Some(_) => {}
                None => self.report_as(
                    Severity::Warning,
                    "RESPONSE_MESSAGE_VALIDATION_ERROR",
                    path("code"),
                    match (self.codes)(code) {
                        Some(row) => format!("`{code}` is a legacy code, now {}", row.code),
                        None => format!("`{code}` is not a Spine response code"),
                    },
                ),
            }
        }
    }
}

/// Checks a message the way Spine does: any generated message type, of
/// this crate or of one that generates its own.
///
/// The rules find their elements by FHIR name in the tree the message
/// writes (built by the writer without text: [`crate::message::write_tree`])
/// (the header's `source` and `destination`, a `Parameters.parameter` by
/// its `name` discriminator, a flag's contained `Patient` and
/// `Organization`, an `OperationOutcome`'s codings), never by a Rust type
/// of one version of a profile; so they hold for every version of the
/// profiles that keeps those elements. A message whose MessageHeader has a
/// `response` is a response. A contained resource that conforms to none of
/// the profiles allowed there (kept as read by lenient reading) is reported
/// as such.
pub fn validate<M: FhirMessage>(message: &M, options: &ValidateOptions) -> Vec<ValidationIssue> {
    let (doc, non_conforming) = crate::message::write_tree(message);
    let mut v = Validator {
        codes: M::response_code,
        direction: Direction::Request,
        issues: Vec::new(),
        non_conforming,
    };
    let entries = || doc.root_element().children_named("entry");
    let Some(header) = entries().next().and_then(resource_of) else {
        return v.issues;
    };
    if header.child_named("response").is_some() {
        v.direction = Direction::Response;
    }
    if options.full_url {
        v.full_urls(entries());
    }
    v.endpoints(header);
    let create = (v.direction == Direction::Request).then(|| match &options.on_date {
        Some(d) => d.as_str(),
        None => {
            let timestamp = header.value_at(&["timestamp"]).unwrap_or_default();
            timestamp.get(..10).unwrap_or(timestamp)
        }
    });
    for (i, entry) in entries().enumerate().skip(1) {
        let Some(resource) = resource_of(entry) else {
            continue;
        };
        let rtype = resource.tag_name().name();
        if !matches!(rtype, "Parameters" | "Flag" | "OperationOutcome") {
            continue;
        }
        let at = Entry(i, rtype);
        match rtype {
            "Parameters" => v.parameters(at, resource),
            "Flag" => v.flag(at, resource, create),
            _ => v.outcome(at, resource),
        }
    }
    crate::xml::recycle(doc);
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
    fn dates_are_ordered_at_the_coarser_precision() {
        use super::date_order;
        use std::cmp::Ordering::*;
        assert_eq!(date_order("2027-01-15", "2026-12-07"), Greater);
        assert_eq!(date_order("2026-12-07T23:59:59+00:00", "2026-12-07"), Equal);
        assert_eq!(date_order("2026", "2026-12-07"), Equal);
        assert_eq!(date_order("2026-11", "2026-12-07"), Less);
        assert_eq!(date_order("1990-01-01", "2016-03-04"), Less);
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
