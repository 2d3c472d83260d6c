//! Bad input gets one clear error: a stable code, the FHIR path, line and
//! column, and the Spine response code; never a panic.

use fgm::xml::{ErrorCode, Issue, ReadOptions};
use fgm_types::messages::Message;

/// A minimal create response (the project's own test message).
const OK: &str = concat!(
    r#"<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><meta><profile value="http://fhir.nhs.net/StructureDefinition/spine-message-bundle-1-0"/></meta>"#,
    r#"<type value="message"/><entry><resource><MessageHeader><id value="h1"/>"#,
    r#"<timestamp value="2024-01-01T10:00:00+00:00"/><event><system value="http://fhir.nhs.net/ValueSet/message-event-2-0"/>"#,
    r#"<code value="urn:nhs:names:services:clinicals-sync:FGMCreateResponse_1_0"/></event>"#,
    r#"<response><identifier value="r1"/><code value="ok"/></response>"#,
    r#"<source><endpoint value="urn:nhs:addressing:asid:990101234567"/></source>"#,
    r#"<destination><endpoint value="urn:nhs:addressing:asid:047192794544"/></destination>"#,
    r#"</MessageHeader></resource></entry></Bundle>"#
);

fn strict(input: &str) -> Result<Message, fgm::Error> {
    Message::parse_with(input, &ReadOptions::strict()).map(|p| p.value)
}

fn error(input: &str) -> Issue {
    let e = strict(input).expect_err("the input is refused");
    let line = e.to_string();
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    assert!(line.contains(e.code.as_str()), "{line}");
    assert!(line.contains("MESSAGE_NOT_WELL_FORMED"), "{line}");
    assert_eq!(e.spine_code(), "MESSAGE_NOT_WELL_FORMED");
    assert_eq!(e.http_status(), 400);
    assert!(e.line >= 1 && e.column >= 1, "{line}");
    e.into_issue()
}

#[test]
fn the_minimal_message_reads_strictly_and_writes_back_identically() {
    let m = strict(OK).unwrap();
    assert_eq!(
        m.interaction(),
        fgm_types::messages::Interaction::CreateResponse
    );
    assert_eq!(m.to_xml(), OK);
}

#[test]
fn truncated_xml() {
    let e = error(&OK[..OK.len() / 2]);
    assert_eq!(e.code, ErrorCode::Malformed);
    assert_eq!(e.path, "");
    assert_eq!((e.line, e.column), (1, 342), "where the input ends");
}

#[test]
fn a_doctype_is_refused_and_no_entity_expanded() {
    let input = format!(
        "<!DOCTYPE Bundle [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>{}",
        OK.replace("b1", "&lol2;")
    );
    let e = error(&input);
    assert_eq!(e.code, ErrorCode::Doctype);
    assert_eq!((e.line, e.column), (1, 1));
}

#[test]
fn unknown_event_code() {
    let e = error(&OK.replace("FGMCreateResponse_1_0", "FGMUpdate_9_9"));
    assert_eq!(e.code, ErrorCode::UnknownEvent);
    assert_eq!(e.path, "Bundle.entry[0].resource.MessageHeader.event.code");
    assert!(e
        .message
        .contains("urn:nhs:names:services:clinicals-sync:FGMUpdate_9_9"));
    assert_eq!((e.line, e.column), (1, 337));
}

#[test]
fn missing_required_element() {
    let e = error(&OK.replace(r#"<timestamp value="2024-01-01T10:00:00+00:00"/>"#, ""));
    assert_eq!(e.code, ErrorCode::Missing);
    assert_eq!(e.path, "Bundle.entry[0].resource.MessageHeader");
    assert!(e.message.contains("<timestamp>"), "{}", e.message);
    assert_eq!((e.line, e.column), (1, 189));
}

#[test]
fn dangling_reference() {
    let input = OK.replace(
        "</destination>",
        r#"</destination><data><reference value="Flag/nowhere"/></data>"#,
    );
    let e = error(&input);
    assert_eq!(e.code, ErrorCode::DanglingReference);
    assert_eq!(
        e.path,
        "Bundle.entry[0].resource.MessageHeader.data.reference"
    );
    assert!(e.message.contains("Flag/nowhere"));
    assert_eq!((e.line, e.column), (1, 645));
}

#[test]
fn a_fixed_value_that_differs() {
    let e = error(&OK.replace(
        r#"<type value="message"/>"#,
        r#"<type value="collection"/>"#,
    ));
    assert_eq!(e.code, ErrorCode::Fixed);
    assert_eq!(e.path, "Bundle.type");
}

#[test]
fn a_code_outside_a_required_value_set() {
    let e = error(&OK.replace(r#"<code value="ok"/>"#, r#"<code value="maybe"/>"#));
    assert_eq!(e.code, ErrorCode::UnknownCode);
    assert_eq!(
        e.path,
        "Bundle.entry[0].resource.MessageHeader.response.code"
    );
    assert!(e
        .message
        .contains("http://hl7.org/fhir/ValueSet/response-code"));
}

#[test]
fn an_invalid_primitive() {
    let e = error(&OK.replace("2024-01-01T10:00:00+00:00", "yesterday"));
    assert_eq!(e.code, ErrorCode::InvalidValue);
    assert_eq!(e.path, "Bundle.entry[0].resource.MessageHeader.timestamp");
    assert!(e.message.contains("instant"));
}

#[test]
fn an_unknown_element_strictly_and_leniently() {
    let input = OK.replace("<type value", "<colour value=\"blue\"/><type value");
    let e = error(&input);
    assert_eq!(e.code, ErrorCode::UnknownElement);
    assert_eq!(e.path, "Bundle.colour");
    let lenient = Message::parse(&input).unwrap();
    assert_eq!(lenient.warnings.len(), 1);
    assert_eq!(lenient.warnings[0].code, ErrorCode::UnknownElement);
    assert_eq!(
        lenient.value.to_xml(),
        input,
        "kept and written back in place"
    );
}

#[test]
fn the_header_must_come_first() {
    let input = OK.replace(
        "<type value=\"message\"/>",
        "<type value=\"message\"/><entry><fullUrl value=\"urn:x\"/></entry>",
    );
    let e = error(&input);
    assert_eq!(e.code, ErrorCode::Bundle);
}

#[test]
fn not_a_bundle() {
    let e = error(r#"<Patient xmlns="http://hl7.org/fhir"/>"#);
    assert_eq!(e.code, ErrorCode::UnexpectedRoot);
}

#[test]
fn limits_and_encodings() {
    let small = ReadOptions::strict().with_max_bytes(100);
    let e = Message::parse_with(OK, &small).unwrap_err();
    assert_eq!(e.code, ErrorCode::Limit);
    let few = ReadOptions::strict().with_max_nodes(10);
    assert_eq!(
        Message::parse_with(OK, &few).unwrap_err().code,
        ErrorCode::Limit
    );
    let shallow = ReadOptions::strict().with_max_depth(4);
    let e = Message::parse_with(OK, &shallow).unwrap_err();
    assert_eq!(e.code, ErrorCode::Limit);
    let mut bad = OK.as_bytes().to_vec();
    bad[60] = 0xFF;
    let e = Message::parse_with(&bad, &ReadOptions::strict()).unwrap_err();
    assert_eq!((e.code, e.line, e.column), (ErrorCode::Malformed, 1, 61));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(OK.bytes().flat_map(|b| [b, 0]))
        .collect();
    assert_eq!(
        Message::parse_with(&utf16, &ReadOptions::strict())
            .unwrap_err()
            .code,
        ErrorCode::Malformed
    );
}
