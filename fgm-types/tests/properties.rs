//! Property tests (feature `proptest`; CI runs them with a fixed case
//! count): every message type round-trips through the shared oracle, every
//! primitive value round-trips as an element, and no mutation of a valid
//! message makes the reader panic.
#![cfg(feature = "proptest")]

use fgm::oracle::check_message;
use fgm::xml::{ReadOptions, WriteOptions, Writer, XmlContent, XmlTree};
use fgm_types::messages::{self, Message};
use proptest::prelude::*;

/// Strict reading, references not resolved: arbitrary values refer to
/// arbitrary ids.
fn options() -> ReadOptions {
    ReadOptions::strict().with_check_references(false)
}

macro_rules! round_trips {
    ($($test:ident: $ty:ident,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $test(m in any::<messages::$ty>()) {
                    // Written from the fields in place, as through a bundle
                    // of copies.
                    let through_bundle = fgm::xml::write_str(&m.__to_bundle(), "Bundle", &WriteOptions::default());
                    let m = Message::$ty(m);
                    prop_assert_eq!(fgm::FhirMessage::to_xml(&m), through_bundle);
                    if let Err(e) = check_message(&m, &options()) {
                        return Err(TestCaseError::fail(e));
                    }
                }
            )*
        }
    };
}

/// Every message type round-trips through FHIR JSON too (feature `json`).
#[cfg(feature = "json")]
macro_rules! json_round_trips {
    ($($test:ident: $ty:ident,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $test(m in any::<messages::$ty>()) {
                    let m = Message::$ty(m);
                    if let Err(e) = fgm::oracle::check_message_json(&m, &options()) {
                        return Err(TestCaseError::fail(e));
                    }
                }
            )*
        }
    };
}

#[cfg(feature = "json")]
json_round_trips! {
    json_query_v1_request: QueryV1Request,
    json_query_v1_response: QueryV1Response,
    json_query_v2_request: QueryV2Request,
    json_query_v2_response: QueryV2Response,
    json_create_request: CreateRequest,
    json_create_response: CreateResponse,
    json_delete_request: DeleteRequest,
    json_delete_response: DeleteResponse,
}

round_trips! {
    query_v1_request: QueryV1Request,
    query_v1_response: QueryV1Response,
    query_v2_request: QueryV2Request,
    query_v2_response: QueryV2Response,
    create_request: CreateRequest,
    create_response: CreateResponse,
    delete_request: DeleteRequest,
    delete_response: DeleteResponse,
}

/// One change to a message's element tree.
#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Duplicate,
    SwapWithNext,
    Corrupt(String),
    DropAttribute,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        Just(Mutation::Duplicate),
        Just(Mutation::SwapWithNext),
        "\\PC{0,12}".prop_map(Mutation::Corrupt),
        Just(Mutation::DropAttribute),
    ]
}

/// Applies `mutation` to the `target`-th element below `tree` (depth first);
/// returns the number of elements seen.
fn mutate(tree: &mut XmlTree, target: usize, mutation: &Mutation, seen: &mut usize) -> bool {
    for i in 0..tree.children.len() {
        if let XmlContent::Element(_) = &tree.children[i] {
            if *seen == target {
                match mutation {
                    Mutation::Delete => {
                        tree.children.remove(i);
                    }
                    Mutation::Duplicate => {
                        let copy = tree.children[i].clone();
                        tree.children.insert(i, copy);
                    }
                    Mutation::SwapWithNext => {
                        if i + 1 < tree.children.len() {
                            tree.children.swap(i, i + 1);
                        }
                    }
                    Mutation::Corrupt(text) => {
                        if let XmlContent::Element(e) = &mut tree.children[i] {
                            match e.attributes.first_mut() {
                                Some(a) => a.1 = text.clone(),
                                None => e.children.push(XmlContent::Text(format!("x{text}"))),
                            }
                        }
                    }
                    Mutation::DropAttribute => {
                        if let XmlContent::Element(e) = &mut tree.children[i] {
                            e.attributes.pop();
                        }
                    }
                }
                return true;
            }
            *seen += 1;
            if let XmlContent::Element(e) = &mut tree.children[i] {
                if mutate(e, target, mutation, seen) {
                    return true;
                }
            }
        }
    }
    false
}

fn valid_message() -> impl Strategy<Value = String> {
    any::<Message>().prop_map(|m| m.to_xml())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_message_reads_or_fails_with_a_path(
        xml in valid_message(),
        target in 0usize..400,
        change in mutation(),
        lenient in any::<bool>(),
    ) {
        let doc = fgm::xml::parse_document(xml.as_bytes(), &ReadOptions::default()).unwrap();
        let mut tree = XmlTree::from_node(doc.root_element());
        let mut seen = 0;
        let count = {
            let mut probe = tree.clone();
            let mut n = 0;
            mutate(&mut probe, usize::MAX, &change, &mut n);
            n
        };
        prop_assume!(count > 0);
        mutate(&mut tree, target % count, &change, &mut seen);
        let mut w = Writer::new(WriteOptions::default());
        tree.write(&mut w, None);
        let mutated = w.finish();
        let options = if lenient { ReadOptions::default() } else { ReadOptions::strict() };
        match Message::parse_with(&mutated, &options) {
            Ok(read) => {
                // What reads also round-trips.
                if let Err(e) = check_message(&read.value, &options) {
                    return Err(TestCaseError::fail(e));
                }
            }
            Err(e) => {
                prop_assert!(!e.path.is_empty() || e.code == fgm::xml::ErrorCode::Malformed, "no path: {e}");
                prop_assert!(e.line >= 1 && e.column >= 1, "no position: {e}");
            }
        }
    }
}

/// Every primitive value the strategies yield (edge cases included) is
/// written as an element, compact and pretty, and read back strictly as
/// itself.
macro_rules! primitives_round_trip {
    ($($test:ident: $ty:ident,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $test(v in any::<fgm::primitive::$ty>()) {
                    for pretty in [false, true] {
                        let options = WriteOptions::default().with_pretty(pretty).with_declaration(pretty);
                        let xml = fgm::xml::write_str(&v, "value", &options);
                        let back = fgm::xml::read_str::<fgm::primitive::$ty>(&xml, &ReadOptions::strict())
                            .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
                        prop_assert_eq!(&back.value, &v, "{}", xml);
                        prop_assert!(back.warnings.is_empty());
                    }
                }
            )*
        }
    };
}

primitives_round_trip! {
    boolean_round_trips: Boolean,
    integer_round_trips: Integer,
    decimal_round_trips: Decimal,
    base64_binary_round_trips: Base64Binary,
    instant_round_trips: Instant,
    string_round_trips: FhirString,
    uri_round_trips: Uri,
    date_round_trips: Date,
    date_time_round_trips: DateTime,
    time_round_trips: Time,
    code_round_trips: Code,
    oid_round_trips: Oid,
    uuid_round_trips: Uuid,
    id_round_trips: Id,
    unsigned_int_round_trips: UnsignedInt,
    positive_int_round_trips: PositiveInt,
    markdown_round_trips: Markdown,
    xhtml_round_trips: Xhtml,
}
