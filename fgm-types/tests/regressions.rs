//! Inputs the property tests and the fuzzers found, kept so that they stay
//! fixed.

use fgm::xml::ReadOptions;
use fgm_types::messages::Message;

const HEADER: &str = concat!(
    r#"<MessageHeader><id value="h1"/>"#,
    r#"<timestamp value="2024-01-01T10:00:00+00:00"/><event><system value="http://fhir.nhs.net/ValueSet/message-event-2-0"/>"#,
    r#"<code value="urn:nhs:names:services:clinicals-sync:FGMCreateResponse_1_0"/></event>"#,
    r#"<response><identifier value="r1"/><code value="ok"/></response>"#,
    r#"<source><endpoint value="urn:nhs:addressing:asid:990101234567"/></source>"#,
    r#"<destination><endpoint value="urn:nhs:addressing:asid:047192794544"/></destination>"#,
    r#"</MessageHeader>"#
);

fn message(header: &str) -> String {
    format!(
        r#"<Bundle xmlns="http://hl7.org/fhir"><type value="message"/><entry><resource>{header}</resource></entry></Bundle>"#
    )
}

/// The narrative `div` is in the XHTML namespace, which strict reading took
/// for a foreign one; and its blank text was dropped (property tests).
#[test]
fn a_narrative_reads_strictly_and_keeps_its_white_space() {
    let with_text = HEADER.replace(
        "<timestamp",
        r#"<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"> <b>x</b> </div></text><timestamp"#,
    );
    let input = message(&with_text);
    let read = Message::parse_with(&input, &ReadOptions::strict()).expect("reads strictly");
    assert_eq!(read.value.to_xml(), input);
}

/// A narrative `div` outside the XHTML namespace: strict mode refuses it.
#[test]
fn a_narrative_outside_the_xhtml_namespace() {
    let with_text = HEADER.replace(
        "<timestamp",
        r#"<text><status value="generated"/><div>x</div></text><timestamp"#,
    );
    let e = Message::parse_with(message(&with_text), &ReadOptions::strict()).unwrap_err();
    assert_eq!(e.path, "Bundle.entry[0].resource.MessageHeader.text.div");
}

/// A fixed element given twice (`system` of Flag.code.coding) was accepted
/// and its copy silently dropped on writing (fuzzer, roundtrip target):
/// now refused as repeated, in both modes.
#[test]
fn a_repeated_fixed_element() {
    let input = include_bytes!("fuzz-regressions/roundtrip-fixed-anchor.xml");
    assert!(fgm::oracle::check_bytes::<fgm_types::messages::Message>(input).is_ok());
    let e = Message::parse(input).unwrap_err();
    assert_eq!(e.code, fgm::xml::ErrorCode::Repeated, "{e}");
    assert_eq!(e.path, "Bundle.entry[1].resource.Flag.code.coding");
}
