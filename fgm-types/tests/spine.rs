//! Spine semantics: the response-code table, NHS numbers, the under-18
//! rule, validation by direction, builders, and responses both ways.

mod common;

use fgm::primitive::{Date, Instant};
use fgm_types::messages::{Interaction, Message, RESPONSE_CODES};
use fgm_types::spine::build::{query_flag, BuildError, Create, Delete, QueryV1, QueryV2};
use fgm_types::spine::{
    answers, read_reply, refuse, respond, summary, validate, Flag, NhsNumber, Outcome, SpineReply,
    ValidateOptions,
};
use fgm_types::valuesets::{FgmDeleteReasonCodes10, IssueSeverity, IssueType};
use proptest::prelude::*;

/// code, HTTP status, severity, issue type, display, legacy code.
type Row = (
    &'static str,
    u16,
    IssueSeverity,
    IssueType,
    &'static str,
    Option<&'static str>,
);

#[test]
fn the_response_code_table() {
    use IssueSeverity::{Error, Warning};
    let expected: [Row; 13] = [
        (
            "NO_RECORD_FOUND",
            404,
            Error,
            IssueType::NotFound,
            "No record found",
            Some("FGM-0001"),
        ),
        (
            "INVALID_NHS_NUMBER",
            400,
            Error,
            IssueType::Invalid,
            "Invalid NHS number",
            Some("FGM-0002"),
        ),
        (
            "PATIENT_OVER_18",
            400,
            Error,
            IssueType::Invalid,
            "Patient is over 18",
            Some("FGM-0003"),
        ),
        (
            "INVALID_PARAMETER",
            400,
            Error,
            IssueType::Invalid,
            "Invalid parameter",
            Some("FGM-0004"),
        ),
        (
            "FLAG_ALREADY_SET",
            422,
            Warning,
            IssueType::Informational,
            "Flag value was already set",
            Some("FGM-0005"),
        ),
        (
            "MESSAGE_NOT_WELL_FORMED",
            400,
            Error,
            IssueType::Structure,
            "Message not well formed",
            Some("FGM-9999"),
        ),
        (
            "ASID_CHECK_FAILED",
            403,
            Error,
            IssueType::Forbidden,
            "The sender or receiver's ASID is not authorised for this interaction",
            None,
        ),
        (
            "INPUT_MESSAGE_VALIDATION_ERROR",
            400,
            Error,
            IssueType::Invalid,
            "Input message validation error",
            Some("SMSP-0001"),
        ),
        (
            "RESPONSE_MESSAGE_VALIDATION_ERROR",
            400,
            Error,
            IssueType::Invalid,
            "Response message validation error",
            Some("SMSP-0002"),
        ),
        (
            "DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE",
            203,
            Warning,
            IssueType::Informational,
            "Data returned from local store, Spine unavailable",
            Some("SMSP-0003"),
        ),
        (
            "COULD_NOT_CONNECT_TO_SPINE",
            500,
            Error,
            IssueType::Transient,
            "Could not connect to Spine",
            Some("SMSP-0004"),
        ),
        (
            "AUTHOR_CREDENTIALS_ERROR",
            401,
            Error,
            IssueType::Security,
            "Author credentials error",
            Some("SMSP-0005"),
        ),
        (
            "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE",
            500,
            Error,
            IssueType::Exception,
            "Generic Spine Mini Service Provider software failure",
            Some("SMSP-0006"),
        ),
    ];
    assert_eq!(RESPONSE_CODES.len(), expected.len());
    for (row, (code, status, severity, issue_type, display, legacy)) in
        RESPONSE_CODES.iter().zip(expected)
    {
        assert_eq!(
            (
                row.code,
                row.http_status,
                row.severity,
                row.issue_type,
                row.display,
                row.legacy
            ),
            (code, status, severity, issue_type, display, legacy)
        );
        // Every code is in the value set the OperationOutcome profile binds.
        let known: fgm_types::valuesets::SpineResponseCode20 = code.parse().unwrap();
        assert_eq!(known.system(), row.system);
        assert_eq!(known.display(), display);
    }
}

/// A valid NHS number from nine digits, when they allow one.
fn with_check_digit(first: [u8; 9]) -> Option<String> {
    let check = NhsNumber::check_digit(&first)?;
    Some(
        first
            .iter()
            .chain([check].iter())
            .map(|d| char::from(b'0' + d))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn numbers_with_a_correct_check_digit_are_accepted(first in proptest::array::uniform9(0u8..10)) {
        if let Some(number) = with_check_digit(first) {
            prop_assert!(NhsNumber::parse(&number).is_ok(), "{number}");
        }
    }

    #[test]
    fn a_single_changed_digit_is_rejected(first in proptest::array::uniform9(0u8..10), at in 0usize..10, by in 1u8..10) {
        if let Some(number) = with_check_digit(first) {
            let mut digits: Vec<u8> = number.bytes().map(|b| b - b'0').collect();
            digits[at] = (digits[at] + by) % 10;
            let changed: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            prop_assert!(NhsNumber::parse(&changed).is_err(), "{number} → {changed}");
        }
    }

    #[test]
    fn a_transposition_that_breaks_the_check_digit_is_rejected(first in proptest::array::uniform9(0u8..10), at in 0usize..9) {
        if let Some(number) = with_check_digit(first) {
            let mut digits: Vec<u8> = number.bytes().map(|b| b - b'0').collect();
            digits.swap(at, at + 1);
            let swapped: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            let still_valid = with_check_digit(digits[..9].try_into().unwrap()).as_deref() == Some(swapped.as_str());
            prop_assert_eq!(NhsNumber::parse(&swapped).is_ok(), still_valid, "{} → {}", number, swapped);
            if digits[at] != digits[at + 1] && at < 8 {
                // Modulus 11 catches every transposition of distinct digits
                // among the nine weighted ones.
                prop_assert!(NhsNumber::parse(&swapped).is_err(), "{} → {}", number, swapped);
            }
        }
    }
}

const CLIENT: &str = "200000000115";
const SPINE: &str = "990101234567";

fn create(birth_date: &str, at: &str) -> Result<fgm_types::messages::CreateRequest, BuildError> {
    Create::new("9434765919", birth_date, "B86022", "Example Surgery")
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .timestamp(Instant::new(at).unwrap())
        .practitioner_sds("200009876204", "100077650987")
        .build()
}

#[test]
fn the_under_18_rule_at_its_boundary() {
    // The day before the 18th birthday: accepted. On it: PATIENT_OVER_18.
    assert!(create("2006-05-10", "2024-05-09T23:59:59+00:00").is_ok());
    let Err(BuildError::Rejected(issues)) = create("2006-05-10", "2024-05-10T00:00:00+00:00")
    else {
        panic!("an 18-year-old is refused")
    };
    assert_eq!(issues.len(), 1);
    assert_eq!(
        (issues[0].spine_code, issues[0].http_status),
        ("PATIENT_OVER_18", 400)
    );
    assert_eq!(
        issues[0].path,
        "Bundle.entry[1].resource.Flag.contained[0].Patient.birthDate"
    );
    // 29 February: 18 on 1 March in a common year.
    assert!(create("2008-02-29", "2026-02-28T12:00:00+00:00").is_ok());
    assert!(create("2008-02-29", "2026-03-01T12:00:00+00:00").is_err());
    // A caller-given date overrides the timestamp.
    let message =
        Message::CreateRequest(create("2006-05-10", "2024-05-09T12:00:00+00:00").unwrap());
    let later = ValidateOptions::default().with_on_date(Some(Date::new("2030-01-01").unwrap()));
    assert_eq!(validate(&message, &later)[0].spine_code, "PATIENT_OVER_18");
}

/// The errors a create for a girl born `born`, assessed `since`, sent on
/// `on` is refused for: (code, path, message) of each.
fn create_errors(born: &str, since: &str, on: &str) -> Vec<(&'static str, String, String)> {
    let built = Create::new("9434765919", born, "B86022", "Example Surgery")
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .timestamp(Instant::new(format!("{on}T12:00:00+00:00")).unwrap())
        .practitioner_sds("200009876204", "100077650987")
        .since(since)
        .build();
    match built {
        Ok(_) => Vec::new(),
        Err(BuildError::Rejected(issues)) => issues
            .into_iter()
            .map(|i| (i.spine_code, i.path, i.message))
            .collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn implausible_dates_are_invalid_parameters_with_their_paths() {
    const START: &str = "Bundle.entry[1].resource.Flag.period.start";
    const BIRTH: &str = "Bundle.entry[1].resource.Flag.contained[0].Patient.birthDate";
    assert_eq!(create_errors("2015-06-01", "2024-05-09", "2024-05-09"), []);
    // An assessment date after the service's date (LSIR FGMRISC005).
    let future = create_errors("2015-06-01", "2024-05-10", "2024-05-09");
    assert_eq!(future.len(), 1, "{future:?}");
    assert_eq!(
        (future[0].0, future[0].1.as_str()),
        ("INVALID_PARAMETER", START)
    );
    assert!(
        future[0].2.contains("is in the future (after 2024-05-09)"),
        "{}",
        future[0].2
    );
    // A birth date after the service's date.
    let unborn = create_errors("2030-01-01", "2024-05-01", "2024-05-09");
    assert_eq!(
        unborn
            .iter()
            .map(|e| (e.0, e.1.as_str()))
            .collect::<Vec<_>>(),
        [("INVALID_PARAMETER", BIRTH), ("INVALID_PARAMETER", START)],
        "{unborn:?}"
    );
    // An assessment before the birth.
    let before = create_errors("2016-03-04", "1990-01-01", "2024-05-09");
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(
        (before[0].0, before[0].1.as_str()),
        ("INVALID_PARAMETER", START)
    );
    assert!(before[0]
        .2
        .contains("before the patient's birth date 2016-03-04"));
    // A partial assessment date is judged at its own precision.
    assert_eq!(create_errors("2015-06-01", "2024-05", "2024-05-09"), []);
    assert_eq!(
        create_errors("2015-06-01", "2024-06", "2024-05-09").len(),
        1
    );
}

fn requests() -> Vec<Message> {
    vec![
        Message::QueryV1Request(
            QueryV1::new("9434765919")
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .build()
                .unwrap(),
        ),
        Message::QueryV2Request(
            QueryV2::new("9999999999")
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_sds("200009876204", "100077650987")
                .organization("RKE", "Example NHS Trust")
                .build()
                .unwrap(),
        ),
        Message::CreateRequest(create("2015-06-01", "2024-01-01T10:00:00+00:00").unwrap()),
        Message::DeleteRequest(
            Delete::new("9434765919", FgmDeleteReasonCodes10::Code0)
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_sds("200009876204", "100077650987")
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn built_requests_read_back_equal_validate_and_conform_to_the_xsd() {
    let dir = std::env::temp_dir().join(format!("fgm-spine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, m) in requests().into_iter().enumerate() {
        let xml = m.to_xml();
        let back = Message::parse_with(&xml, &fgm::xml::ReadOptions::strict()).unwrap();
        assert_eq!(back.value, m);
        assert!(validate(&m, &ValidateOptions::default())
            .iter()
            .all(|i| !i.is_error()));
        let file = dir.join(format!("{i}.xml"));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    if let (Some(xsd), true) = (common::schema(), common::xmllint()) {
        common::validate_with_xsd(&xsd, &files).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_request_summary_names_what_a_receiver_acts_on() {
    let [v1, v2, create, delete] = requests().try_into().unwrap();
    let s = summary(&v1).unwrap();
    assert_eq!(s.interaction, Interaction::QueryV1Request);
    assert_eq!(s.nhs_number, "9434765919");
    assert_eq!(s.source_asid(), Some(CLIENT));
    assert_eq!(s.destination, format!("urn:nhs:addressing:asid:{SPINE}"));
    let s = summary(&v2).unwrap();
    assert_eq!(
        (s.nhs_number, s.author),
        ("9999999999", Some("200009876204"))
    );
    assert_eq!(
        (s.role_profile_id, s.organisation),
        (Some("100077650987"), Some("RKE"))
    );
    assert!(s.message_id.is_some_and(|id| id.len() == 36));
    let s = summary(&create).unwrap();
    assert_eq!(s.interaction, Interaction::CreateRequest);
    assert_eq!(s.since.map(|d| &d[..4]), Some("2024"));
    assert_eq!(
        (s.birth_date, s.gp_practice, s.organisation),
        (Some("2015-06-01"), Some("B86022"), None)
    );
    assert_eq!(s.delete_reason, None);
    let s = summary(&delete).unwrap();
    assert_eq!((s.nhs_number, s.delete_reason), ("9434765919", Some("0")));
    let answer = respond(&delete, Outcome::Deleted).unwrap().message;
    assert_eq!(summary(&answer), None, "a response has no request summary");
}

#[test]
fn builders_refuse_what_spine_would() {
    let e = QueryV2::new("1234567890")
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .practitioner_local("1")
        .build();
    let Err(BuildError::Rejected(issues)) = e else {
        panic!("{e:?}")
    };
    assert_eq!(issues[0].spine_code, "INVALID_NHS_NUMBER");
    let e = QueryV2::new("9434765919")
        .to_asid(SPINE)
        .practitioner_local("1")
        .build();
    assert_eq!(e.unwrap_err().to_string(), "the sender's ASID is required");
    let e = QueryV2::new("9434765919")
        .from_asid("abc")
        .to_asid(SPINE)
        .practitioner_local("1")
        .build();
    assert_eq!(
        e.unwrap_err().to_string(),
        "the sender's ASID `abc` must be digits only"
    );
    let e = QueryV2::new("9434765919")
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .build();
    assert!(matches!(e, Err(BuildError::Invalid(_))));
}

#[test]
fn builders_return_the_error_for_text_no_message_can_carry() {
    let e = QueryV2::new("9434765919")
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .practitioner_local("1\u{1}")
        .build();
    assert_eq!(
        e.unwrap_err().to_string(),
        "the local id: `1\\u{1}` is not a valid FHIR string: U+0001 (character 2) is not an XML 1.0 character"
    );
    for (what, e) in [
        (
            "the source name",
            QueryV1::new("9434765919")
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .source_name("Trust\u{1}\u{0}")
                .build()
                .map(drop),
        ),
        (
            "the organisation name",
            QueryV1::new("9434765919")
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .organization("RKE", "\u{fffe}")
                .build()
                .map(drop),
        ),
        (
            "the GP practice name",
            Create::new("9434765919", "2015-06-01", "B86022", "Surgery\u{1b}")
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_sds("200009876204", "100077650987")
                .build()
                .map(drop),
        ),
        (
            "the SDS user id",
            Delete::new("9434765919", FgmDeleteReasonCodes10::Code0)
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_sds("2000\u{7}", "100077650987")
                .build()
                .map(drop),
        ),
        (
            "the NHS number",
            query_flag("943476591\u{0}", "2024-02-04").map(drop),
        ),
    ] {
        match e {
            Err(BuildError::Invalid(why)) => {
                assert!(why.starts_with(what), "{why}");
                assert!(why.contains("is not an XML 1.0 character"), "{why}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // Impossible dates are refused by the date types themselves.
    let e = create("2006-02-31", "2024-01-01T10:00:00+00:00").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the birth date: `2006-02-31` is not a valid FHIR date: day 31 is not 01 to 28: February 2006 has 28 days"
    );
    assert!(query_flag("9434765919", "2023-02-29").is_err());
    // Diagnostics quoting what XML cannot hold carry it escaped, so that a
    // reader error about a control character still gets its answer.
    let request = &requests()[0];
    let reply = respond(
        request,
        Outcome::Error {
            code: "INVALID_NHS_NUMBER".to_owned(),
            diagnostics: Some("bad\u{1} and \u{fffe}".to_owned()),
        },
    )
    .unwrap();
    let xml = reply.message.to_xml();
    match read_reply(reply.http_status, xml.as_bytes(), Some(request)).unwrap() {
        SpineReply::Error(e) => {
            assert_eq!(e.diagnostics.as_deref(), Some("badU+0001 and U+FFFE"))
        }
        other => panic!("{other:?}"),
    }
    let (status, body) = refuse("MESSAGE_NOT_WELL_FORMED", Some("\u{0}\u{1f}")).unwrap();
    assert_eq!(status, 400);
    assert!(
        body.contains(r#"<diagnostics value="U+0000U+001F"/>"#),
        "{body}"
    );
    assert!(
        !refuse("MESSAGE_NOT_WELL_FORMED", Some(""))
            .unwrap()
            .1
            .contains("diagnostics"),
        "an empty text is no diagnostics"
    );
}

#[test]
fn every_error_code_answers_and_reads_back_the_same_code_and_status() {
    for request in requests() {
        for row in RESPONSE_CODES {
            let reply = respond(
                &request,
                Outcome::Error {
                    code: row.code.to_owned(),
                    diagnostics: Some("details".to_owned()),
                },
            )
            .unwrap();
            assert_eq!(reply.http_status, row.http_status, "{}", row.code);
            let xml = reply.message.to_xml();
            let back = Message::parse_with(&xml, &fgm::xml::ReadOptions::strict())
                .unwrap()
                .value;
            assert_eq!(back, reply.message);
            answers(&request, &back).unwrap();
            let read = read_reply(reply.http_status, xml.as_bytes(), Some(&request)).unwrap();
            match (row.code, read) {
                ("NO_RECORD_FOUND", SpineReply::NoRecord) => {}
                (_, SpineReply::Error(e)) => {
                    assert_eq!(
                        (e.code.as_str(), e.current, e.http_status),
                        (row.code, Some(row.code), row.http_status)
                    );
                    assert_eq!(e.severity, row.severity);
                    assert_eq!(e.diagnostics.as_deref(), Some("details"));
                }
                (code, other) => panic!("{code}: {other:?}"),
            }
        }
    }
}

#[test]
fn successful_answers() {
    let [v1, v2, create, delete] = requests().try_into().unwrap();
    let flag = Box::new(query_flag("9434765919", "2024-02-04").unwrap());
    for query in [&v1, &v2] {
        let found = respond(query, Outcome::Flag(flag.clone())).unwrap();
        assert_eq!(found.http_status, 200);
        match read_reply(200, found.message.to_xml().as_bytes(), Some(query)).unwrap() {
            SpineReply::Flag(f) => assert_eq!(f, flag),
            other => panic!("{other:?}"),
        }
        let none = respond(query, Outcome::NoRecord).unwrap();
        assert_eq!(none.http_status, 404);
        assert_eq!(
            read_reply(404, none.message.to_xml().as_bytes(), Some(query)).unwrap(),
            SpineReply::NoRecord
        );
    }
    let created = respond(&create, Outcome::Created).unwrap();
    assert_eq!(created.http_status, 201);
    assert_eq!(created.message.interaction(), Interaction::CreateResponse);
    assert_eq!(
        read_reply(201, created.message.to_xml().as_bytes(), Some(&create)).unwrap(),
        SpineReply::Created
    );
    let deleted = respond(&delete, Outcome::Deleted).unwrap();
    assert_eq!(deleted.http_status, 200);
    assert_eq!(
        read_reply(200, deleted.message.to_xml().as_bytes(), Some(&delete)).unwrap(),
        SpineReply::Deleted
    );
    // An SMSP's answer from its own store: the flag with a 203 warning,
    // which a client still reads as the flag.
    for query in [&v1, &v2] {
        let local = respond(query, Outcome::LocalFlag(flag.clone())).unwrap();
        assert_eq!(local.http_status, 203);
        let xml = local.message.to_xml();
        assert!(xml.contains("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE"));
        match read_reply(203, xml.as_bytes(), Some(query)).unwrap() {
            SpineReply::Flag(f) => assert_eq!(f, flag),
            other => panic!("{other:?}"),
        }
    }
    assert!(respond(&create, Outcome::LocalFlag(flag.clone())).is_err());
    // A request that cannot be read gets a bare OperationOutcome.
    let (status, bare) = refuse("MESSAGE_NOT_WELL_FORMED", Some("not XML")).unwrap();
    assert_eq!(status, 400);
    assert!(
        bare.starts_with("<OperationOutcome xmlns=\"http://hl7.org/fhir\""),
        "{bare}"
    );
    match read_reply(status, bare.as_bytes(), Some(&v1)).unwrap() {
        SpineReply::Error(e) => {
            assert_eq!(
                (e.code.as_str(), e.http_status),
                ("MESSAGE_NOT_WELL_FORMED", 400)
            );
            assert_eq!(e.diagnostics.as_deref(), Some("not XML"));
        }
        other => panic!("{other:?}"),
    }
    assert!(refuse("NOT_A_CODE", None).is_err());
    assert!(read_reply::<Message, Flag>(400, b"<html/>", None).is_err());
    // An outcome the interaction has no answer for, and a mismatched pair.
    assert!(respond(&create, Outcome::NoRecord).is_err());
    assert!(answers(&v1, &created.message).is_err());
    assert!(
        respond(&created.message, Outcome::Created).is_err(),
        "a response is not answered"
    );
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn published_responses_read_as_the_client_expects() {
    let Some(examples) = common::examples() else {
        return;
    };
    let reply = |name: &str, status: u16| {
        let path = examples.iter().find(|p| p.ends_with(name)).unwrap();
        read_reply::<Message, Flag>(status, &std::fs::read(path).unwrap(), None).unwrap()
    };
    assert!(matches!(
        reply("query-v2-response-flag.xml", 200),
        SpineReply::Flag(_)
    ));
    assert!(matches!(
        reply("query-v1-response-flag-a.xml", 200),
        SpineReply::Flag(_)
    ));
    assert_eq!(
        reply("query-v1-response-no-record-a.xml", 404),
        SpineReply::NoRecord
    );
    assert_eq!(reply("create-response-ok.xml", 201), SpineReply::Created);
    assert_eq!(reply("delete-response-ok.xml", 200), SpineReply::Deleted);
    let SpineReply::Error(e) = reply("query-v2-response-invalid-nhs-number-a.xml", 400) else {
        panic!()
    };
    assert_eq!(
        (e.code.as_str(), e.current),
        ("INVALID_NHS_NUMBER", Some("INVALID_NHS_NUMBER"))
    );
    // The legacy FGM-0002 of the v1 error maps to its current code.
    let SpineReply::Error(e) = reply("query-v1-response-error-a.xml", 400) else {
        panic!()
    };
    assert_eq!(
        (e.code.as_str(), e.current),
        ("FGM-0002", Some("INVALID_NHS_NUMBER"))
    );
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn validation_severity_follows_the_direction() {
    let Some(examples) = common::examples() else {
        return;
    };
    let issues = |name: &str| {
        let path = examples.iter().find(|p| p.ends_with(name)).unwrap();
        let m = Message::parse(std::fs::read(path).unwrap()).unwrap().value;
        validate(&m, &ValidateOptions::default())
    };
    // Spine's own response carries the invalid NHS number 1234567890: a warning.
    let response = issues("query-v1-response-flag-a.xml");
    assert_eq!(response.len(), 1);
    assert_eq!(
        (response[0].spine_code, response[0].severity),
        ("INVALID_NHS_NUMBER", fgm::spine::Severity::Warning)
    );
    // The same number in a create request: an error.
    let request = issues("create-request.xml");
    assert!(request
        .iter()
        .any(|i| i.spine_code == "INVALID_NHS_NUMBER" && i.is_error()));
    // The legacy code of a published response: a warning.
    let legacy = issues("create-response-error.xml");
    assert!(legacy
        .iter()
        .any(|i| i.severity == fgm::spine::Severity::Warning && i.message.contains("FGM-0002")));
    // bdl-6 only when asked: no published example has a fullUrl.
    let path = examples
        .iter()
        .find(|p| p.ends_with("create-response-ok.xml"))
        .unwrap();
    let m = Message::parse(std::fs::read(path).unwrap()).unwrap().value;
    assert!(validate(&m, &ValidateOptions::default()).is_empty());
    let strict = ValidateOptions::default().with_full_url(true);
    assert_eq!(
        validate(&m, &strict)[0].spine_code,
        "MESSAGE_NOT_WELL_FORMED"
    );
}

#[test]
fn the_contradictory_slice_totals_are_not_counted() {
    // Practitioner 2-0 with both SDS ids (its identifier total says 0..1),
    // a delete with three parameters (its parameter total says 1..1).
    for m in requests() {
        assert!(
            validate(&m, &ValidateOptions::default())
                .iter()
                .all(|i| !i.is_error()),
            "{:?}",
            m.interaction()
        );
    }
}

#[test]
fn delete_reasons_and_risk_indicators() {
    let delete = Delete::new("9434765919", FgmDeleteReasonCodes10::Code2)
        .from_asid(CLIENT)
        .to_asid(SPINE)
        .practitioner_sds("1", "2")
        .build()
        .unwrap();
    let xml = Message::DeleteRequest(delete).to_xml();
    let unknown = xml.replace("<code value=\"2\"/>", "<code value=\"7\"/>");
    let m = Message::parse(&unknown).unwrap().value;
    let issues = validate(&m, &ValidateOptions::default());
    assert_eq!(
        (issues[0].spine_code, issues[0].http_status),
        ("INVALID_PARAMETER", 400)
    );
    assert!(issues[0].message.contains("`7`"));
    // The rules' delete reasons are exactly the value set's codes.
    for reason in FgmDeleteReasonCodes10::ALL {
        let coded = xml.replace(
            "<code value=\"2\"/>",
            &format!("<code value=\"{}\"/>", reason.code()),
        );
        let m = Message::parse(&coded).unwrap().value;
        assert_eq!(validate(&m, &ValidateOptions::default()), [], "{reason:?}");
    }
    let xyz = xml.replace("\"FGM\"", "\"XYZ\"");
    let m = Message::parse(&xyz).unwrap().value;
    assert_eq!(
        validate(&m, &ValidateOptions::default())[0].spine_code,
        "INVALID_PARAMETER"
    );
}

#[test]
fn the_derived_response_codes_are_the_generated_table() {
    use fgm::spine::Severity;
    use fgm::FhirMessage;
    for row in RESPONSE_CODES {
        let derived = <Message as FhirMessage>::response_code(row.code).unwrap();
        assert_eq!(
            (
                derived.code,
                derived.system,
                derived.http_status,
                derived.legacy
            ),
            (row.code, row.system, row.http_status, row.legacy)
        );
        assert_eq!(derived.severity.code(), row.severity.code());
        if let Some(legacy) = row.legacy {
            assert_eq!(
                <Message as FhirMessage>::response_code(legacy).map(|r| r.code),
                Some(row.code),
                "a legacy code finds its successor"
            );
        }
        let one = <fgm_types::messages::CreateRequest as FhirMessage>::response_code(row.code);
        assert_eq!(one, Some(derived), "each message struct has the table too");
    }
    assert_eq!(
        <Message as FhirMessage>::response_code("NO_SUCH_CODE"),
        None
    );
    assert_eq!(Severity::from_code("warning"), Some(Severity::Warning));
}

#[test]
fn the_derived_interaction_table_is_the_generated_one() {
    use fgm::FhirMessage;
    for &i in Interaction::ALL {
        let spec = <Message as FhirMessage>::interaction(i.event_code()).unwrap();
        assert_eq!(spec.name, format!("{i:?}"));
        assert_eq!(spec.event, i.event_code());
        assert_eq!(spec.event_system, i.event_system());
        assert_eq!(spec.endpoint, i.endpoint());
        assert_eq!(spec.success_status, i.success_status());
        assert_eq!(spec.responds_to, i.responds_to().map(|r| r.event_code()));
        let entries: Vec<(&str, &str)> = spec.entries.iter().map(|e| (e.name, e.profile)).collect();
        let generated: Vec<(&str, &str)> =
            i.entries().iter().map(|e| (e.name, e.profile)).collect();
        assert_eq!(entries, generated, "{i:?}");
        assert_eq!(spec.entries[0].resource, "MessageHeader");
        let answer = <Message as FhirMessage>::response_to(i.event_code());
        match i.direction() {
            fgm_types::messages::Direction::Request => {
                assert_eq!(answer.unwrap().responds_to, Some(i.event_code()), "{i:?}")
            }
            fgm_types::messages::Direction::Response => assert!(answer.is_none(), "{i:?}"),
        }
    }
    assert!(<Message as FhirMessage>::interaction("urn:example:NoSuchEvent").is_none());
    assert!(<Message as FhirMessage>::response_to("urn:example:NoSuchEvent").is_none());
    let create =
        <Message as FhirMessage>::interaction(Interaction::CreateRequest.event_code()).unwrap();
    assert_eq!(create.entry("Flag").map(|e| e.name), Some("flag"));
    assert!(create.entry("OperationOutcome").is_none());
}

#[test]
fn a_contained_resource_that_conforms_to_no_profile_is_reported_once_as_itself() {
    let create = create("2016-06-01", "2026-01-02T10:00:00+00:00").unwrap();
    let xml = Message::CreateRequest(create).to_xml();
    let start = xml.find("<birthDate ").expect("the patient's birth date");
    let end = start + xml[start..].find("/>").unwrap() + 2;
    let without = format!("{}{}", &xml[..start], &xml[end..]);
    let read = Message::parse(without.as_bytes()).unwrap();
    assert!(read
        .warnings
        .iter()
        .any(|w| w.message.contains("conforms to none")));
    let issues: Vec<_> = validate(&read.value, &ValidateOptions::default())
        .into_iter()
        .map(|i| (i.spine_code, i.path, i.message))
        .collect();
    assert_eq!(
        issues,
        [(
            "MESSAGE_NOT_WELL_FORMED",
            "Bundle.entry[1].resource.Flag.contained[0].Patient".to_owned(),
            "the contained Patient conforms to none of its profiles".to_owned()
        )],
        "no second finding for the birth date it lacks"
    );
}
