//! Hostile input: each is refused with a clear error, within the reader's
//! limits (documented on `ReadOptions`); the tests check the error, not the
//! time (the closing note of the fuzzing work measured both).

use fgm::xml::{ErrorCode, ReadOptions, MAX_DEPTH};
use fgm_types::messages::Message;

fn refused(input: &[u8]) -> fgm::Error {
    for options in [ReadOptions::default(), ReadOptions::strict()] {
        let e = Message::parse_with(input, &options).expect_err("refused");
        assert_eq!(e.to_string().lines().count(), 1);
    }
    Message::parse_with(input, &ReadOptions::default()).unwrap_err()
}

const HEAD: &str = r#"<Bundle xmlns="http://hl7.org/fhir"><id value="x"/>"#;

#[test]
fn billion_laughs() {
    let mut dtd = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]><Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"&lol9;\"/></Bundle>");
    assert_eq!(refused(dtd.as_bytes()).code, ErrorCode::Doctype);
}

#[test]
fn external_entities() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE b [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Bundle xmlns="http://hl7.org/fhir"><id value="&xxe;"/></Bundle>"#;
    assert_eq!(refused(xxe.as_bytes()).code, ErrorCode::Doctype);
}

#[test]
fn deep_nesting() {
    let n = 100_000;
    let input = format!("{HEAD}{}{}</Bundle>", "<a>".repeat(n), "</a>".repeat(n));
    let e = refused(input.as_bytes());
    assert_eq!(e.code, ErrorCode::Limit);
    assert!(e.message.contains("nest deeper than 64"), "{e}");
    // A caller cannot raise the limit past what the parser's recursion allows.
    let deep = ReadOptions::default().with_max_depth(usize::MAX);
    let e = Message::parse_with(&input, &deep).unwrap_err();
    assert!(
        e.message.contains(&format!("deeper than {MAX_DEPTH}")),
        "{e}"
    );
}

#[test]
fn nesting_just_past_the_limit() {
    // Few enough elements that depth is checked on the tree, not the text:
    // the same error at the same place.
    for n in [65, 300] {
        let input = format!("{HEAD}\n{}{}</Bundle>", "<a>".repeat(n), "</a>".repeat(n));
        let e = refused(input.as_bytes());
        assert_eq!(e.code, ErrorCode::Limit, "{n}: {e}");
        assert!(e.message.contains("nest deeper than 64"), "{e}");
        // <Bundle> is the first level: the 64th <a> is the 65th.
        assert_eq!((e.line, e.column), (2, 1 + 63 * 3), "{n}: {e}");
    }
    let ok = format!("{HEAD}{}{}</Bundle>", "<a>".repeat(63), "</a>".repeat(63));
    let e = refused(ok.as_bytes());
    assert_ne!(e.code, ErrorCode::Limit, "{e}");
}

#[test]
fn a_50_mb_message() {
    let filler = "<extension url=\"urn:x\"><valueString value=\"0123456789\"/></extension>";
    let input = format!(
        "{HEAD}{}</Bundle>",
        filler.repeat(50 * 1024 * 1024 / filler.len())
    );
    let e = refused(input.as_bytes());
    assert_eq!(e.code, ErrorCode::Limit);
    assert!(
        e.message.contains("larger than the limit of 4194304 bytes"),
        "{e}"
    );
}

#[test]
fn invalid_utf8_utf16_and_nul() {
    let mut bad = HEAD.as_bytes().to_vec();
    bad.extend_from_slice(b"\xC3\x28</Bundle>");
    assert_eq!(refused(&bad).code, ErrorCode::Malformed);
    let utf16: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(HEAD.bytes().flat_map(|b| [0, b]))
        .collect();
    let e = refused(&utf16);
    assert!(e.message.contains("UTF-16"), "{e}");
    let nul = format!("{HEAD}\0</Bundle>");
    assert_eq!(refused(nul.as_bytes()).code, ErrorCode::Malformed);
}

#[test]
fn a_10_mb_attribute_value() {
    let input = format!(
        "{HEAD}<type value=\"{}\"/></Bundle>",
        "m".repeat(10 * 1024 * 1024)
    );
    assert_eq!(refused(input.as_bytes()).code, ErrorCode::Limit);
    // Raised size limit: the value is read, and refused for what it is.
    let big = ReadOptions::default().with_max_bytes(64 * 1024 * 1024);
    let e = Message::parse_with(&input, &big).unwrap_err();
    assert_ne!(e.code, ErrorCode::Limit);
}

#[test]
fn a_million_siblings() {
    let input = format!("{HEAD}{}</Bundle>", "<x/>".repeat(1_000_000));
    let big = ReadOptions::default().with_max_bytes(64 * 1024 * 1024);
    let e = Message::parse_with(&input, &big).unwrap_err();
    assert_eq!(e.code, ErrorCode::Limit);
    assert!(e.message.contains("more than 100000 XML nodes"), "{e}");
}

#[test]
fn many_unknown_elements_are_all_kept_and_reported_once() {
    let sample = fgm_types::spine::build::example(fgm_types::messages::Interaction::QueryV2Request)
        .unwrap()
        .to_xml();
    let n = 10_000;
    let notes = r#"<note value="1"/>"#.repeat(n);
    let input = sample.replacen("<timestamp", &format!("{notes}<timestamp"), 1);
    let parsed = Message::parse(&input).expect("lenient mode keeps unknown content");
    let unknown: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.code == ErrorCode::UnknownElement)
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(
        unknown[0]
            .message
            .ends_with(&format!("(and {} more like it after)", n - 1)),
        "{}",
        unknown[0]
    );
    // Nothing is lost: every note is written back.
    assert_eq!(parsed.value.to_xml().matches("<note ").count(), n);
}
