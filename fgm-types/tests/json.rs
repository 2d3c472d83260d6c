//! FHIR JSON (feature `json`): every published example that reads without
//! lenient overflow goes XML → typed → JSON → typed → XML unchanged, and its
//! JSON obeys the DSTU2 JSON rules (checked element by element against the
//! XML written from the same value); strict errors carry a code, a FHIR
//! path and a line and column.
#![cfg(feature = "json")]

mod common;

use fgm::xml::{ErrorCode, Mode, ReadOptions};
use fgm_types::messages::Message;
use serde_json::Value;

/// The examples whose lenient reading keeps content as XML (no JSON form).
const OVERFLOWING: &[&str] = &[
    "create-request.xml",
    "query-v1-request-a.xml",
    "query-v1-request-b.xml",
    "query-v2-request.xml",
];

fn lenient() -> ReadOptions {
    ReadOptions::default().with_mode(Mode::Lenient)
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn every_example_without_overflow_round_trips_through_json() {
    let Some(files) = common::examples() else {
        return;
    };
    let mut through = 0;
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let message = Message::parse(std::fs::read(&file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .value;
        let json = match message.to_json() {
            Ok(json) => json,
            Err(e) => {
                assert!(
                    OVERFLOWING.contains(&name.as_str()),
                    "{name}: no JSON form: {e}"
                );
                assert_eq!(e.code, ErrorCode::Unsupported, "{name}: {e}");
                assert!(!e.path.is_empty(), "{name}: the error names where: {e}");
                continue;
            }
        };
        assert!(
            !OVERFLOWING.contains(&name.as_str()),
            "{name} keeps overflow, yet wrote JSON"
        );
        let back = Message::from_json_with(&json, &lenient())
            .unwrap_or_else(|e| panic!("{name}: the JSON does not read back: {e}\n{json}"))
            .value;
        assert_eq!(back, message, "{name}: JSON → typed differs");
        assert_eq!(back.to_xml(), message.to_xml(), "{name}: XML differs");
        // Pretty JSON reads back the same.
        let pretty = message.to_json_pretty().unwrap();
        assert_eq!(Message::from_json(&pretty).unwrap().value, message);
        check_rules(&name, &message.to_xml(), &json);
        through += 1;
    }
    assert_eq!(through, 13, "13 of the 17 examples read without overflow");
}

/// Checks the JSON against the XML written from the same value, element
/// by element: the DSTU2 JSON rules, an element being an array exactly when
/// its base definition repeats ([`Base`]).
fn check_rules(name: &str, xml: &str, json: &str) {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let root = doc.root_element();
    let value: Value = serde_json::from_str(json).unwrap();
    // A resource: an object whose first property is its resourceType.
    check_resource(name, root, &value, "Bundle");
}

/// Each DSTU2 element's base maximum (`*` or a number) and types, from the
/// published snapshots' `base` (`../shared/fgm-ris`) and the DSTU2 base
/// the project restates (`definitions/dstu2`): what FHIR JSON arrays follow.
struct Base {
    elements: std::collections::HashMap<String, (String, Vec<String>)>,
}

impl Base {
    fn load() -> Base {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut elements = std::collections::HashMap::new();
        for dir in [
            format!("{root}/../shared/fgm-ris/StructureDefinitions"),
            format!("{root}/definitions/dstu2"),
        ] {
            for file in std::fs::read_dir(&dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let doc = roxmltree::Document::parse(&text).unwrap();
                let value = |n: roxmltree::Node, tag: &str| {
                    n.children()
                        .find(|c| c.has_tag_name(tag))
                        .and_then(|c| c.attribute("value"))
                        .map(str::to_owned)
                };
                for e in doc.descendants().filter(|n| n.has_tag_name("element")) {
                    let Some(path) = value(e, "path") else {
                        continue;
                    };
                    let base = e.children().find(|c| c.has_tag_name("base"));
                    let Some(max) = base
                        .and_then(|b| value(b, "max"))
                        .or_else(|| value(e, "max"))
                    else {
                        continue;
                    };
                    let types = e
                        .children()
                        .filter(|c| c.has_tag_name("type"))
                        .filter_map(|t| value(t, "code"))
                        .collect();
                    elements.entry(path).or_insert((max, types));
                }
            }
        }
        Base { elements }
    }

    /// The base definition of the element at `path` (`Patient.identifier`,
    /// `Flag.code.coding`, `Extension.valueString`): listed, or a member of
    /// its parent's type, of `Element`, `BackboneElement` or the resource
    /// bases.
    fn find(&self, path: &str) -> Option<&(String, Vec<String>)> {
        if let Some(found) = self.elements.get(path) {
            return Some(found);
        }
        let (parent, last) = path.rsplit_once('.')?;
        let owners: Vec<String> = if parent.contains('.') {
            let (_, types) = self.find(parent)?;
            let mut owners = vec![parent.to_owned()];
            owners.extend(types.iter().cloned());
            owners.push("BackboneElement".into());
            owners.push("Element".into());
            owners
        } else {
            vec![parent.into(), "DomainResource".into(), "Resource".into()]
        };
        owners.iter().find_map(|owner| {
            self.elements.get(&format!("{owner}.{last}")).or_else(|| {
                // A choice named by its type: `valueString` is `value[x]`.
                self.elements.iter().find_map(|(p, v)| {
                    let stem = p.strip_prefix(&format!("{owner}."))?.strip_suffix("[x]")?;
                    last.strip_prefix(stem)
                        .filter(|t| t.starts_with(char::is_uppercase))
                        .map(|_| v)
                })
            })
        })
    }

    /// Whether the element at a JSON path (`Bundle.entry[0].resource.
    /// MessageHeader.destination`) repeats in its base definition.
    fn repeats(&self, path: &str) -> bool {
        let segments: Vec<&str> = path
            .split('.')
            .map(|s| s.split('[').next().unwrap())
            .collect();
        let resource = segments
            .iter()
            .rposition(|s| s.starts_with(char::is_uppercase))
            .unwrap();
        let element = segments[resource..].join(".");
        let (max, _) = self
            .find(&element)
            .unwrap_or_else(|| panic!("{path}: no base definition of {element}"));
        max != "0" && max != "1"
    }
}

thread_local! {
    static BASE: Base = Base::load();
}

fn check_resource(name: &str, element: roxmltree::Node, json: &Value, path: &str) {
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{name}: {path}: a resource is an object"));
    let first = object.iter().next();
    assert_eq!(
        first.map(|(k, v)| (k.as_str(), v.as_str())),
        Some(("resourceType", Some(element.tag_name().name()))),
        "{name}: {path}: resourceType first"
    );
    check_object(name, element, json, path, true);
}

fn children<'a, 'i>(element: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    element.children().filter(|c| c.is_element()).collect()
}

fn check_object(name: &str, element: roxmltree::Node, json: &Value, path: &str, resource: bool) {
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{name}: {path}: an element with children is an object"));
    // Properties in the XML's order: attributes (id, url), then the child
    // elements, each name once (repeats are one array).
    let mut expected: Vec<String> = Vec::new();
    if resource {
        expected.push("resourceType".into());
    }
    for a in element.attributes() {
        expected.push(a.name().into());
        assert_eq!(
            object.get(a.name()).and_then(Value::as_str),
            Some(a.value()),
            "{name}: {path}.{}: an attribute is a string property",
            a.name()
        );
    }
    let kids = children(element);
    for c in &kids {
        let n = c.tag_name().name().to_owned();
        if !expected.contains(&n) {
            expected.push(n);
        }
    }
    let found: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        found, expected,
        "{name}: {path}: the properties, in specification order"
    );
    for key in expected.iter().filter(|k| *k != "resourceType") {
        let same: Vec<roxmltree::Node> = kids
            .iter()
            .copied()
            .filter(|c| c.tag_name().name() == key)
            .collect();
        if same.is_empty() {
            continue; // an attribute, checked above
        }
        let value = &object[key.as_str()];
        let path = format!("{path}.{key}");
        let repeats = BASE.with(|b| b.repeats(&path));
        let items: Vec<&Value> = match value {
            Value::Array(items) => {
                assert!(!items.is_empty(), "{name}: {path}: no empty arrays");
                assert!(
                    repeats,
                    "{name}: {path}: an array only where the base definition repeats"
                );
                items.iter().collect()
            }
            one => {
                assert_eq!(
                    same.len(),
                    1,
                    "{name}: {path}: a repeated element is an array"
                );
                assert!(
                    !repeats,
                    "{name}: {path}: an element whose base definition repeats is always an array"
                );
                vec![one]
            }
        };
        assert_eq!(
            items.len(),
            same.len(),
            "{name}: {path}: one item per element"
        );
        for (i, (c, item)) in same.iter().zip(items).enumerate() {
            let path = format!("{path}[{i}]");
            check_element(name, *c, item, &path);
        }
    }
}

fn check_element(name: &str, element: roxmltree::Node, json: &Value, path: &str) {
    let tag = element.tag_name().name();
    if tag == "div" {
        let text = json
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {path}: the narrative div is a string"));
        assert!(text.starts_with("<div"), "{name}: {path}: XHTML text");
        return;
    }
    if matches!(tag, "resource" | "contained") {
        let inner = children(element);
        assert_eq!(inner.len(), 1);
        if tag == "contained" {
            assert!(
                json.is_object(),
                "{name}: {path}: each contained item is a resource"
            );
        }
        check_resource(
            name,
            inner[0],
            json,
            &format!("{path}.{}", inner[0].tag_name().name()),
        );
        return;
    }
    if let Some(v) = element.attribute("value") {
        assert!(children(element).is_empty());
        match json {
            Value::String(s) => {
                assert_eq!(s, v, "{name}: {path}: a primitive's value");
                assert!(
                    !(matches!(v, "true" | "false")
                        && tag.starts_with("value")
                        && tag.ends_with("Boolean")),
                    "{name}: {path}: a boolean is true/false"
                );
            }
            Value::Bool(b) => assert_eq!(b.to_string(), v, "{name}: {path}: a boolean"),
            Value::Number(n) => assert_eq!(n.to_string(), v, "{name}: {path}: a number as written"),
            other => {
                panic!("{name}: {path}: a primitive is a string, number or boolean, not {other}")
            }
        }
        return;
    }
    check_object(name, element, json, path, false);
}

/// Reads `json` strictly and returns the error.
fn strict_error(json: &str) -> fgm::Error {
    Message::from_json_with(json, &ReadOptions::strict()).expect_err("refused")
}

/// A valid message's JSON, to spoil.
fn sample() -> Option<String> {
    let files = common::examples()?;
    let file = files
        .iter()
        .find(|f| f.ends_with("query-v1-response-flag-b.xml"))?;
    let message = Message::parse(std::fs::read(file).unwrap()).unwrap().value;
    Some(message.to_json_pretty().unwrap())
}

fn position_of(json: &str, needle: &str) -> (u32, u32) {
    let at = json.find(needle).expect("needle");
    let line = json[..at].matches('\n').count() as u32 + 1;
    let column = (at - json[..at].rfind('\n').map_or(0, |p| p + 1)) as u32 + 1;
    (line, column)
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn strict_errors_name_the_code_the_path_and_the_position() {
    let Some(json) = sample() else { return };
    assert!(Message::from_json_with(&json, &ReadOptions::strict()).is_ok());

    // An unknown property.
    let spoiled = json.replacen(
        "\"status\": \"active\"",
        "\"status\": \"active\",\n          \"colour\": 1",
        1,
    );
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::UnknownElement, "{e}");
    assert!(e.path.ends_with("resource.Flag"), "{e}");
    let (line, _) = position_of(&spoiled, "\"colour\"");
    assert_eq!(e.line, line, "{e}");

    // A fixed value that differs.
    let spoiled = json.replacen("\"status\": \"active\"", "\"status\": \"dormant\"", 1);
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::Fixed, "{e}");
    assert!(e.path.ends_with("resource.Flag.status"), "{e}");
    assert_eq!(e.line, position_of(&spoiled, "\"dormant\"").0, "{e}");

    // A code outside the required binding.
    let spoiled = json.replacen("\"code\": \"ok\"", "\"code\": \"okay\"", 1);
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::UnknownCode, "{e}");
    assert!(e.path.ends_with("MessageHeader.response.code"), "{e}");
    assert_eq!(e.line, position_of(&spoiled, "\"okay\"").0, "{e}");

    // A wrong resourceType.
    let spoiled = json.replacen(
        "\"resourceType\": \"Bundle\"",
        "\"resourceType\": \"Basic\"",
        1,
    );
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::UnexpectedRoot, "{e}");

    // A value outside its lexical rule, deep inside a resource.
    let spoiled = json.replacen("\"2015-07-04T10:10:15+00:00\"", "\"2015-07-04\"", 1);
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::InvalidValue, "{e}");
    assert!(e.path.ends_with("MessageHeader.timestamp"), "{e}");
    assert_eq!(
        (e.line, e.column > 0),
        (position_of(&spoiled, "\"2015-07-04\"").0, true),
        "{e}"
    );

    // Not JSON.
    let e = strict_error("{\"resourceType\": ");
    assert_eq!(e.code, ErrorCode::Malformed, "{e}");
    assert_eq!(e.spine_code(), "MESSAGE_NOT_WELL_FORMED");
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn a_resource_of_another_type_in_an_entry_is_refused() {
    let Some(json) = sample() else { return };
    let spoiled = json.replacen(
        "\"resourceType\": \"Flag\"",
        "\"resourceType\": \"Basic\"",
        1,
    );
    let e = strict_error(&spoiled);
    assert_eq!(e.code, ErrorCode::Profile, "{e}");
    assert!(e.message.contains("Basic"), "{e}");
}

#[test]
fn hostile_json_is_refused_within_the_limits() {
    let deep = "[".repeat(100_000);
    let e = Message::from_json(&deep).expect_err("too deep");
    assert_eq!(e.code, ErrorCode::Limit, "{e}");
    let big = " ".repeat(5 * 1024 * 1024);
    assert_eq!(Message::from_json(&big).unwrap_err().code, ErrorCode::Limit);
    assert_eq!(
        Message::from_json(b"\xff\xfe").unwrap_err().code,
        ErrorCode::Malformed
    );
    for input in ["", "null", "[]", "{}", "{\"resourceType\":\"Bundle\"}", "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"MessageHeader\"}}]}"] {
        assert!(Message::from_json(input).is_err(), "{input}");
    }
}

/// The fenced block of `lang` after the JSON guide's heading.
fn readme_block(readme: &str, lang: &str) -> String {
    let section = &readme[readme.find("# FHIR JSON").expect("the section")..];
    let start = section.find(&format!("```{lang}\n")).expect("the block") + lang.len() + 4;
    let end = section[start..].find("\n```").expect("its end");
    section[start..start + end].to_owned()
}

#[test]
fn the_guide_example_is_the_same_message_in_both_forms() {
    let readme = include_str!("../../docs/json.md");
    let xml = readme_block(readme, "xml");
    let json = readme_block(readme, "json");
    let pretty = fgm::xml::WriteOptions::default()
        .with_pretty(true)
        .with_declaration(true);
    let from_xml = Message::parse_with(&xml, &ReadOptions::strict())
        .unwrap()
        .value;
    assert_eq!(from_xml.to_json_pretty().unwrap(), json);
    let from_json = Message::from_json_with(&json, &ReadOptions::strict())
        .unwrap()
        .value;
    assert_eq!(from_json.to_xml_with(&pretty).trim_end(), xml);
    assert_eq!(from_json, from_xml);
}

mod datatypes {
    use fgm::json::{read_str, to_string};
    use fgm::xml::{ErrorCode, ReadOptions};
    use fgm_types::datatypes::{Extension, Quantity};

    fn strict<T: for<'de> serde::Deserialize<'de>>(json: &str) -> fgm::xml::Result<T> {
        read_str(json, &ReadOptions::strict()).map(|p| p.value)
    }

    #[test]
    fn a_decimal_is_a_number_written_as_read_and_an_id_a_property() {
        let json = r#"{"id":"q1","value":1.50,"comparator":"<","unit":"mg"}"#;
        let q: Quantity = strict(json).unwrap();
        assert_eq!(q.value.as_ref().unwrap().as_str(), "1.50");
        assert_eq!(q.id.as_ref().unwrap().as_str(), "q1");
        assert_eq!(to_string(&q, false).unwrap(), json);
        // The element order is the specification's, whatever the input's.
        let q: Quantity = strict(r#"{"unit":"mg","value":2}"#).unwrap();
        assert_eq!(to_string(&q, false).unwrap(), r#"{"value":2,"unit":"mg"}"#);
    }

    #[test]
    fn a_choice_is_named_by_its_type_and_an_extension_url_is_a_property() {
        let json = r#"{"url":"http://x/e","valueBoolean":true}"#;
        let e: Extension = strict(json).unwrap();
        assert_eq!(to_string(&e, false).unwrap(), json);
        let e: Extension = strict(r#"{"url":"http://x/e","valueInteger":-0}"#).unwrap();
        assert_eq!(
            to_string(&e, false).unwrap(),
            r#"{"url":"http://x/e","valueInteger":-0}"#
        );
        // Two types of one choice.
        let err = strict::<Extension>(r#"{"url":"u","valueBoolean":true,"valueString":"x"}"#)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Repeated, "{err}");
        // A type the choice does not have.
        let err = strict::<Extension>(r#"{"url":"u","valueFoo":1}"#).unwrap_err();
        assert_eq!(
            (err.code, err.path.as_str()),
            (ErrorCode::UnknownElement, ""),
            "{err}"
        );
    }

    #[test]
    fn what_the_types_cannot_hold_is_refused_with_a_position() {
        for (json, code, column) in [
            // A primitive's id and extensions (`_value`): not representable.
            (
                r#"{"value":1,"_value":{"id":"a"}}"#,
                ErrorCode::UnknownElement,
                0,
            ),
            // A repeated property.
            (r#"{"unit":"a","unit":"b"}"#, ErrorCode::Repeated, 0),
            // A code outside the required binding.
            (r#"{"comparator":"~"}"#, ErrorCode::UnknownCode, 15),
            // A number written as a string, and a string as a number.
            (r#"{"value":"1"}"#, ErrorCode::InvalidValue, 10),
            (r#"{"unit":1}"#, ErrorCode::InvalidValue, 0),
            // null is no value.
            (r#"{"unit":null}"#, ErrorCode::InvalidValue, 0),
            // An element's resourceType.
            (
                r#"{"resourceType":"Quantity"}"#,
                ErrorCode::UnknownElement,
                0,
            ),
        ] {
            let err = strict::<Quantity>(json).expect_err(json);
            assert_eq!(err.code, code, "{json}: {err}");
            assert_eq!(err.line, 1, "{json}: {err}");
            if column > 0 {
                assert_eq!(err.column, column, "{json}: {err}");
            }
        }
    }

    #[test]
    fn overflow_has_no_json_form() {
        let xml = r#"<Quantity xmlns="http://hl7.org/fhir"><unit value="mg"/><colour value="red"/></Quantity>"#;
        let q: Quantity = fgm::xml::read_str(xml, &ReadOptions::default())
            .unwrap()
            .value;
        assert!(!q.overflow.is_empty());
        let err = to_string(&q, false).unwrap_err();
        assert_eq!(err.code, ErrorCode::Unsupported, "{err}");
        assert!(err.message.contains("Quantity"), "{err}");
    }
}

/// A hand-written type gets the JSON impls from the same derive.
mod hand_written {
    use fgm::json::{read_str, to_string};
    use fgm::primitive::{FhirString, Id};
    use fgm::xml::{ErrorCode, Overflow, ReadOptions};
    use fgm::FhirXml;

    #[derive(Debug, PartialEq, FhirXml)]
    #[fhir(fixed(element = "system", value = "http://fhir.nhs.net/Id/nhs-number"))]
    struct NhsNumber {
        #[fhir(attribute)]
        id: Option<Id>,
        value: FhirString,
        #[fhir(overflow)]
        overflow: Overflow,
    }

    #[test]
    fn fixed_values_are_written_and_checked() {
        let json =
            r#"{"id":"n","system":"http://fhir.nhs.net/Id/nhs-number","value":"9434765919"}"#;
        let n: NhsNumber = read_str(json, &ReadOptions::strict()).unwrap().value;
        assert_eq!(n.value.as_str(), "9434765919");
        assert_eq!(to_string(&n, false).unwrap(), json);
        let err = read_str::<NhsNumber>(
            r#"{"system":"http://x","value":"1"}"#,
            &ReadOptions::strict(),
        )
        .unwrap_err();
        assert_eq!(
            (err.code, err.path.as_str()),
            (ErrorCode::Fixed, "system"),
            "{err}"
        );
        assert_eq!((err.line, err.column), (1, 11), "{err}");
        let err = read_str::<NhsNumber>(r#"{"id":"n"}"#, &ReadOptions::strict()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Missing, "{err}");
        // Plain serde works too, without the path.
        let n: NhsNumber = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), json);
        assert!(serde_json::from_str::<NhsNumber>(r#"{"x":1}"#)
            .unwrap_err()
            .to_string()
            .starts_with("unknown-element: property `x`"));
    }

    /// Fields of at most one value whose base definition repeats.
    #[derive(Debug, PartialEq, FhirXml)]
    struct Destination {
        #[fhir(json = "array")]
        name: FhirString,
        #[fhir(json = "array")]
        endpoint: Option<FhirString>,
    }

    #[test]
    fn a_field_whose_base_repeats_is_an_array_of_at_most_one() {
        let json = r#"{"name":["Spine"],"endpoint":["urn:x"]}"#;
        let d: Destination = read_str(json, &ReadOptions::strict()).unwrap().value;
        assert_eq!(d.name.as_str(), "Spine");
        assert_eq!(to_string(&d, false).unwrap(), json);
        let d: Destination = read_str(
            r#"{"name":["Spine"],"endpoint":[]}"#,
            &ReadOptions::strict(),
        )
        .unwrap()
        .value;
        assert_eq!(d.endpoint, None);
        assert_eq!(to_string(&d, false).unwrap(), r#"{"name":["Spine"]}"#);
        let err = read_str::<Destination>(
            "{\"name\":[\"Spine\"],\n\"endpoint\":[\"urn:x\",\"urn:y\"]}",
            &ReadOptions::strict(),
        )
        .unwrap_err();
        assert_eq!(
            (err.code, err.path.as_str()),
            (ErrorCode::Repeated, "endpoint[1]"),
            "{err}"
        );
        assert_eq!(err.line, 2, "{err}");
        assert!(err.column > 12, "{err}");
        let err =
            read_str::<Destination>(r#"{"name":"Spine"}"#, &ReadOptions::strict()).unwrap_err();
        assert_eq!(err.path, "name", "{err}");
        let err = read_str::<Destination>(r#"{"name":[]}"#, &ReadOptions::strict()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Missing, "{err}");
    }
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn lenient_json_reading_warns_where_strict_refuses() {
    let Some(files) = common::examples() else {
        return;
    };
    let file = files
        .iter()
        .find(|f| f.ends_with("query-v1-response-no-record-a.xml"))
        .unwrap();
    let json = Message::parse(std::fs::read(file).unwrap())
        .unwrap()
        .value
        .to_json_pretty()
        .unwrap();
    // The OperationOutcome's profile URL has a trailing space: the warnings
    // lenient XML reading gives (conformance/expectations.tsv).
    let read = Message::from_json(&json).unwrap();
    let codes: Vec<_> = read
        .warnings
        .iter()
        .map(|w| (w.code, w.path.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (
                ErrorCode::Profile,
                "Bundle.entry[1].resource.OperationOutcome"
            ),
            (
                ErrorCode::InvalidValue,
                "Bundle.entry[1].resource.OperationOutcome.meta.profile[0]"
            )
        ]
    );
    // Each where its path leads: the resource's brace, the profile's value.
    let line_of =
        |needle: &str| json[..json.find(needle).unwrap()].matches('\n').count() as u32 + 1;
    let places: Vec<_> = read.warnings.iter().map(|w| w.line).collect();
    assert_eq!(
        places,
        [
            line_of("\"resourceType\": \"OperationOutcome\"") - 1,
            line_of("spine-operationoutcome-1-0 ")
        ],
        "{:?}",
        read.warnings
    );
    let err = strict_error(&json);
    assert_eq!(err.code, ErrorCode::Profile, "{err}");
    assert_eq!(
        err.path, "Bundle.entry[1].resource.OperationOutcome",
        "{err}"
    );
    // At the resource's opening brace.
    let at = json.find("\"resourceType\": \"OperationOutcome\"").unwrap();
    let brace = json[..at].rfind('{').unwrap();
    let line = json[..brace].matches('\n').count() as u32 + 1;
    assert_eq!(err.line, line, "{err}");
}

/// Found by the json fuzz target: JSON reading did not resolve references,
/// so a message with a dangling one read from JSON but not from its XML.
#[test]
fn a_dangling_reference_is_refused_in_json_as_in_xml() {
    let input = include_str!("fuzz-regressions/json-dangling-reference.json");
    let e = Message::from_json(input).expect_err("dangling");
    assert_eq!(e.code, ErrorCode::DanglingReference, "{e}");
    assert_eq!(
        e.path, "Bundle.entry[0].resource.MessageHeader.response.details.reference",
        "{e}"
    );
    // At the reference's value in the JSON.
    let at = input.find("\"reference\"").unwrap() + "\"reference\":".len();
    let at = at + input[at..].find('"').unwrap();
    let line = input[..at].matches('\n').count() as u32 + 1;
    let column = input[..at].rsplit('\n').next().unwrap().chars().count() as u32 + 1;
    assert_eq!((e.line, e.column), (line, column), "{e}");
    let unchecked = ReadOptions::default().with_check_references(false);
    let read = Message::from_json_with(input, &unchecked).unwrap().value;
    assert!(fgm::oracle::check_message_json(&read, &unchecked).is_ok());
    assert!(
        fgm::oracle::check_json_bytes::<fgm_types::messages::Message>(input.as_bytes()).is_ok()
    );
}
