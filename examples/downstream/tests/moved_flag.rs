//! Spine's rules against regenerated types: the project's definitions with
//! Spine-RIS-Flag-1-1 under a new URL and an overlay moving CreateRequest
//! and QueryV2Response to it (`examples/downstream/move-flag/manifest.xml`).
//! `fgm_types::spine::validate` must give, on these types, exactly the
//! findings it gives on fgm-types' own; `respond`, `read_reply` and
//! `answers`, exactly the answers.

use fgm::primitive::Instant;
use fgm::spine::Severity;
use fgm::xml::FhirElement;
use fgm::FhirMessage;
use fgm_types::messages::Message;
use fgm_types::spine::build::{convert, Create, Delete, QueryV1, QueryV2};
use fgm_types::spine::{
    answers, read_reply, respond, validate, OutcomeOf, ReplyError, SpineReplyOf, ValidateOptions,
    ValidationIssue,
};
use fgm_types::valuesets::FgmDeleteReasonCodes10;

/// The regenerated types.
#[allow(
    clippy::large_enum_variant,
    clippy::doc_lazy_continuation,
    missing_docs,
    dead_code
)]
mod moved {
    include!(concat!(env!("OUT_DIR"), "/moved.rs"));
}

const CLIENT: &str = "200000000115";
const SPINE: &str = "990101234567";

/// The project's message, as the moved types read it: the flag of the two
/// moved interactions claims the new URL (`convert` moves the claims).
fn as_moved(message: &Message) -> moved::messages::Message {
    let converted: moved::messages::Message =
        convert(message).unwrap_or_else(|e| panic!("{e}\n{}", message.to_xml()));
    let xml = converted.to_xml();
    let moves = xml.contains("<Flag>")
        && matches!(
            message,
            Message::CreateRequest(_) | Message::QueryV2Response(_)
        );
    assert_eq!(
        xml.contains("spine-ris-flag-1-1"),
        moves,
        "{:?}",
        message.interaction()
    );
    converted
}

fn findings(issues: &[ValidationIssue]) -> Vec<(&str, Severity, u16, &str, &str)> {
    issues
        .iter()
        .map(|i| {
            (
                i.spine_code,
                i.severity,
                i.http_status,
                i.path.as_str(),
                i.message.as_str(),
            )
        })
        .collect()
}

/// Validates on both sets of types; returns the findings, which must agree.
fn same_findings(message: &Message, options: &ValidateOptions) -> Vec<ValidationIssue> {
    let theirs = validate(message, options);
    let mine = validate(&as_moved(message), options);
    assert_eq!(
        findings(&mine),
        findings(&theirs),
        "{:?}",
        message.interaction()
    );
    mine
}

fn create(birth_date: &str, at: &str) -> Message {
    Message::CreateRequest(
        Create::new("9434765919", birth_date, "B86022", "Example Surgery")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .timestamp(Instant::new(at).unwrap())
            .practitioner_sds("200009876204", "100077650987")
            .build()
            .unwrap(),
    )
}

fn delete(reason: FgmDeleteReasonCodes10) -> Message {
    Message::DeleteRequest(
        Delete::new("9434765919", reason)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds("200009876204", "100077650987")
            .build()
            .unwrap(),
    )
}

#[test]
fn the_moved_interactions_carry_the_new_flag_and_the_others_the_old() {
    // Checked by the compiler: the field types name the profile versions.
    fn flag_1_1(m: &moved::messages::CreateRequest) -> &moved::profiles::spine_ris_flag_1_1::Flag {
        &m.flag
    }
    fn v2(
        m: &moved::messages::QueryV2Response,
    ) -> Option<&moved::profiles::spine_ris_flag_1_1::Flag> {
        m.flag.as_ref()
    }
    fn v1(
        m: &moved::messages::QueryV1Response,
    ) -> Option<&moved::profiles::spine_ris_flag_1_0::Flag> {
        m.flag.as_ref()
    }
    let moved::messages::Message::CreateRequest(m) =
        as_moved(&create("2015-06-01", "2024-01-01T10:00:00+00:00"))
    else {
        panic!("a create")
    };
    assert_eq!(flag_1_1(&m).period.end, None);
    let _ = (v2, v1);
}

#[test]
fn built_requests_validate_alike() {
    let requests = [
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
        create("2015-06-01", "2024-01-01T10:00:00+00:00"),
        delete(FgmDeleteReasonCodes10::Code0),
    ];
    for m in &requests {
        assert!(same_findings(m, &ValidateOptions::default()).is_empty());
        let strict = ValidateOptions::default().with_full_url(true);
        assert!(!same_findings(m, &strict).is_empty(), "bdl-6 when asked");
    }
}

#[test]
fn the_under_18_rule_on_the_moved_flag() {
    let on_birthday = ValidateOptions::default()
        .with_on_date(Some(fgm::primitive::Date::new("2024-05-10").unwrap()));
    let m = create("2006-05-10", "2024-05-09T23:59:59+00:00");
    assert!(same_findings(&m, &ValidateOptions::default()).is_empty());
    let issues = same_findings(&m, &on_birthday);
    assert_eq!(
        (issues[0].spine_code, issues[0].path.as_str()),
        (
            "PATIENT_OVER_18",
            "Bundle.entry[1].resource.Flag.contained[0].Patient.birthDate"
        )
    );
}

#[test]
fn delete_reasons_risk_indicators_nhs_numbers_and_endpoints() {
    let xml = delete(FgmDeleteReasonCodes10::Code2).to_xml();
    for (from, to, code) in [
        (
            "<code value=\"2\"/>",
            "<code value=\"7\"/>",
            "INVALID_PARAMETER",
        ),
        ("\"FGM\"", "\"XYZ\"", "INVALID_PARAMETER"),
        ("9434765919", "1234567890", "INVALID_NHS_NUMBER"),
        ("asid:200000000115", "asid:abc", "MESSAGE_NOT_WELL_FORMED"),
    ] {
        let changed = xml.replace(from, to);
        let m = Message::parse(&changed).unwrap().value;
        let issues = same_findings(&m, &ValidateOptions::default());
        assert_eq!(issues.len(), 1, "{to}: {issues:?}");
        assert_eq!(issues[0].spine_code, code, "{to}");
        assert!(issues[0].is_error());
    }
}

#[test]
fn a_response_is_judged_as_a_response() {
    // The same invalid NHS number in a moved QueryV2Response: a warning.
    let flag = fgm_types::spine::build::query_flag("1234567890", "2024-02-04").unwrap();
    let request = Message::QueryV2Request(
        QueryV2::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds("200009876204", "100077650987")
            .build()
            .unwrap(),
    );
    let outcome = fgm_types::spine::Outcome::Flag(Box::new(flag));
    let reply = fgm_types::spine::respond(&request, outcome).unwrap();
    let issues = same_findings(&reply.message, &ValidateOptions::default());
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].spine_code, issues[0].severity),
        ("INVALID_NHS_NUMBER", Severity::Warning)
    );
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-downstream-example"
)]
fn the_published_examples_validate_alike() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fgm-ris/examples");
    let Ok(files) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is absent: CI runs with ../shared beside the checkout",
            dir.display()
        );
        eprintln!(
            "skipping: {} (the published examples) is not present",
            dir.display()
        );
        return;
    };
    let mut count = 0;
    for file in files {
        let path = file.unwrap().path();
        let m = Message::parse(std::fs::read(&path).unwrap()).unwrap().value;
        let issues = same_findings(&m, &ValidateOptions::default());
        if path.ends_with("create-request.xml") {
            // Its GP practice has no name: kept as read, and reported as itself.
            let found: Vec<(&str, &str)> = issues
                .iter()
                .map(|i| (i.spine_code, i.path.as_str()))
                .collect();
            assert_eq!(
                found,
                [
                    (
                        "INVALID_NHS_NUMBER",
                        "Bundle.entry[1].resource.Flag.contained[0].Patient.identifier.value"
                    ),
                    (
                        "MESSAGE_NOT_WELL_FORMED",
                        "Bundle.entry[1].resource.Flag.contained[1].Organization"
                    ),
                ]
            );
        }
        count += 1;
    }
    assert_eq!(count, 17);
}

/// An outcome, whatever the flag's type.
#[derive(Debug, Clone, Copy)]
enum Case {
    Flag,
    NoRecord,
    LocalFlag,
    Created,
    Deleted,
    Error(&'static str),
}

impl Case {
    fn outcome<F>(self, flag: F) -> OutcomeOf<F> {
        match self {
            Case::Flag => OutcomeOf::Flag(Box::new(flag)),
            Case::NoRecord => OutcomeOf::NoRecord,
            Case::LocalFlag => OutcomeOf::LocalFlag(Box::new(flag)),
            Case::Created => OutcomeOf::Created,
            Case::Deleted => OutcomeOf::Deleted,
            Case::Error(code) => OutcomeOf::Error {
                code: code.to_owned(),
                diagnostics: Some("from the test".to_owned()),
            },
        }
    }
}

/// A response as text to compare across the two sets of types: ids and
/// timestamps (new each time) blanked, the moved flag's URL as the old one.
fn comparable(xml: &str) -> String {
    let xml = xml.replace("spine-ris-flag-1-1", "spine-ris-flag-1-0");
    let is_uuid = |s: &[u8]| {
        s.len() == 36
            && s.iter().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            })
    };
    let bytes = xml.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.len() - i >= 36 && is_uuid(&bytes[i..i + 36]) {
            out.extend_from_slice(b"ID");
            i += 36;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let mut out = String::from_utf8(out).expect("ASCII replaced ASCII");
    if let Some(at) = out.find("<timestamp value=\"") {
        let start = at + "<timestamp value=\"".len();
        let end = start + out[start..].find('"').unwrap();
        out.replace_range(start..end, "NOW");
    }
    out
}

/// What a client makes of a reply, the flag as comparable text.
fn verdict<F: FhirElement>(reply: SpineReplyOf<F>) -> String {
    match reply {
        SpineReplyOf::Flag(flag) => format!(
            "Flag {}",
            comparable(&fgm::xml::write_str(&*flag, "Flag", &Default::default()))
        ),
        SpineReplyOf::Error(e) => format!("Error {e:?}"),
        SpineReplyOf::NoRecord => "NoRecord".to_owned(),
        SpineReplyOf::Created => "Created".to_owned(),
        SpineReplyOf::Deleted => "Deleted".to_owned(),
    }
}

/// Answers `request` with `case` on fgm-types' own types (flag 1-0) and on
/// the moved ones (the flag the response interaction carries), reads both
/// replies back, and checks they agree; returns the status and verdict.
fn answer_alike(request: &Message, case: Case) -> Result<(u16, String), String> {
    let flag = fgm_types::spine::build::query_flag("9434765919", "2024-02-04").unwrap();
    let flag_xml = fgm::xml::write_str(&flag, "Flag", &Default::default());
    let moved_request = as_moved(request);
    let theirs = respond(request, case.outcome(flag.clone()));
    let mine = match request {
        Message::QueryV2Request(_) => {
            let flag: moved::profiles::spine_ris_flag_1_1::Flag = fgm::xml::read_str(
                &flag_xml.replace("spine-ris-flag-1-0", "spine-ris-flag-1-1"),
                &Default::default(),
            )
            .unwrap()
            .value;
            respond(&moved_request, case.outcome(flag))
        }
        _ => {
            let flag: moved::profiles::spine_ris_flag_1_0::Flag =
                fgm::xml::read_str(&flag_xml, &Default::default())
                    .unwrap()
                    .value;
            respond(&moved_request, case.outcome(flag))
        }
    };
    let (theirs, mine) = match (theirs, mine) {
        (Ok(theirs), Ok(mine)) => (theirs, mine),
        (Err(theirs), Err(mine)) => {
            assert_eq!(mine, theirs, "{case:?}");
            return Err(theirs.to_string());
        }
        other => panic!("{case:?}: {other:?}"),
    };
    assert_eq!(mine.http_status, theirs.http_status, "{case:?}");
    assert_eq!(
        comparable(&mine.message.to_xml()),
        comparable(&theirs.message.to_xml()),
        "{case:?}"
    );
    same_findings(&theirs.message, &ValidateOptions::default());
    answers(request, &theirs.message).unwrap();
    answers(&moved_request, &mine.message).unwrap();
    let status = theirs.http_status;
    let their_verdict = verdict::<fgm_types::spine::Flag>(
        read_reply(status, theirs.message.to_xml().as_bytes(), Some(request)).unwrap(),
    );
    let body = mine.message.to_xml();
    let my_verdict = match request {
        Message::QueryV2Request(_) => verdict::<moved::profiles::spine_ris_flag_1_1::Flag>(
            read_reply(status, body.as_bytes(), Some(&moved_request)).unwrap(),
        ),
        _ => verdict::<moved::profiles::spine_ris_flag_1_0::Flag>(
            read_reply(status, body.as_bytes(), Some(&moved_request)).unwrap(),
        ),
    };
    assert_eq!(my_verdict, their_verdict, "{case:?}");
    Ok((status, their_verdict))
}

#[test]
fn respond_and_read_reply_give_the_same_answers_on_the_moved_types() {
    let v1 = Message::QueryV1Request(
        QueryV1::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .build()
            .unwrap(),
    );
    let v2 = Message::QueryV2Request(
        QueryV2::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .source_name("Example NHS Trust")
            .practitioner_local("12456")
            .build()
            .unwrap(),
    );
    let create = create("2015-06-01", "2024-01-01T10:00:00+00:00");
    let delete = delete(FgmDeleteReasonCodes10::Code1);
    let short = |r: Result<(u16, String), String>| match r {
        Ok((status, verdict)) => Ok((status, verdict.split(' ').next().unwrap().to_owned())),
        Err(e) => Err(e),
    };
    let ok = |status: u16, verdict: &str| Ok((status, verdict.to_owned()));
    for query in [&v1, &v2] {
        assert_eq!(short(answer_alike(query, Case::Flag)), ok(200, "Flag"));
        assert_eq!(
            short(answer_alike(query, Case::NoRecord)),
            ok(404, "NoRecord")
        );
        assert_eq!(short(answer_alike(query, Case::LocalFlag)), ok(203, "Flag"));
        assert_eq!(
            short(answer_alike(query, Case::Error("INVALID_NHS_NUMBER"))),
            ok(400, "Error")
        );
        assert!(answer_alike(query, Case::Created).is_err());
        assert!(answer_alike(query, Case::Deleted).is_err());
    }
    assert_eq!(
        short(answer_alike(&create, Case::Created)),
        ok(201, "Created")
    );
    assert_eq!(
        short(answer_alike(&create, Case::Error("FLAG_ALREADY_SET"))),
        ok(422, "Error")
    );
    assert!(answer_alike(&create, Case::Flag).is_err());
    assert!(answer_alike(&create, Case::Deleted).is_err());
    assert_eq!(
        short(answer_alike(&delete, Case::Deleted)),
        ok(200, "Deleted")
    );
    assert!(answer_alike(&delete, Case::Created).is_err());
    assert!(answer_alike(&delete, Case::NoRecord).is_err());
}

#[test]
fn a_flag_of_the_wrong_version_is_refused_not_sent() {
    // The moved v2 query response carries Spine-RIS-Flag-1-1: a 1-0 flag
    // does not fit it, and respond says so.
    let v2 = as_moved(&Message::QueryV2Request(
        QueryV2::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_local("12456")
            .build()
            .unwrap(),
    ));
    let flag = fgm_types::spine::build::query_flag("9434765919", "2024-02-04").unwrap();
    let xml = fgm::xml::write_str(&flag, "Flag", &Default::default());
    let old: moved::profiles::spine_ris_flag_1_0::Flag =
        fgm::xml::read_str(&xml, &Default::default()).unwrap().value;
    match respond(&v2, OutcomeOf::Flag(Box::new(old))) {
        Err(ReplyError::Unexpected(why)) => assert!(why.contains("QueryV2Response"), "{why}"),
        other => panic!("{other:?}"),
    }
    // And a reply read against the wrong request is a mismatch.
    let answered = respond(
        &v2,
        OutcomeOf::<moved::profiles::spine_ris_flag_1_1::Flag>::NoRecord,
    )
    .unwrap();
    let other = as_moved(&delete(FgmDeleteReasonCodes10::Code0));
    assert!(matches!(
        answers(&other, &answered.message),
        Err(ReplyError::Mismatch(_))
    ));
}
