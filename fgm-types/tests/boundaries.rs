//! The writer cannot produce what the reader rejects: every primitive's
//! boundary values, written through a message (as extension values, an
//! extension id and the narrative), read back strictly as themselves, and
//! (when `xmllint` and the DSTU2 schema are present) validate against the
//! DSTU2 XSD, compact and pretty.

mod common;

use fgm::oracle::check_message;
use fgm::primitive::*;
use fgm::xml::{ReadOptions, WriteOptions};
use fgm_types::datatypes::{Extension, ExtensionValue, Narrative};
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::build::example;
use fgm_types::valuesets::NarrativeStatus;

/// Each primitive an extension can carry, at the edges of its rule.
fn boundary_values() -> Vec<ExtensionValue> {
    let mut values = Vec::new();
    macro_rules! values {
        ($($variant:ident($t:ident): [$($v:expr),* $(,)?];)*) => {$(
            for v in [$($v),*] {
                let value = $t::new(v).unwrap_or_else(|e| panic!("a boundary value: {e}"));
                values.push(ExtensionValue::$variant(value));
            }
        )*};
    }
    values! {
        Boolean(Boolean): ["true", "false"];
        Integer(Integer): ["-2147483648", "2147483647", "0", "-0", "-1"];
        // 24 digits: the most libxml2 (xmllint) reads; longer ones are in
        // `long_decimals`.
        Decimal(Decimal): ["0", "-0", "0.0", "-0.00000000000000000000001", "123456789012.345678901234", "-999999999999999999999999"];
        Base64Binary(Base64Binary): ["aGk=", "aQ==", "QUJD", "+/+/", "a G k =", "\taGk=\n", "AAAA\r\nBBBB"];
        Instant(Instant): [
            "2024-02-29T23:59:59.999999999+14:00",
            "2000-02-29T00:00:00-14:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2023-12-31T12:00:00-00:00",
            "2023-02-28T13:59:00+13:59",
            "-0004-02-29T00:00:00Z",
        ];
        String(FhirString): [
            "Trust",
            "\t\n\r",
            "\r\n",
            " ",
            "\u{7f}\u{80}\u{85}\u{9f}",
            "\u{d7ff}\u{e000}\u{fffd}\u{10000}\u{10ffff}",
            "&<>\"'",
            "]]>",
            "&amp; &#1; &lt;",
            " leading and trailing ",
        ];
        Uri(Uri): [
            "urn:nhs:addressing:asid:047192794544",
            "http://[::1]:80/x?y=%20#z",
            "https://user:pw@host.example:8443/a/b?c=d&e#f/g?h",
            "é%C3%A9\u{10ffff}",
            "#local",
            "urn:uuid:a76d9bbf-f293-4fb7-ad4c-2851cac77162",
            "urn:oid:2.16.840.1.113883",
            "x<y>{z}|^`\\\"",
            "a:",
        ];
        Date(Date): ["2024-02-29", "2000-02-29", "2023-02-28", "2023-04-30", "2023-12-31", "0001-01-01", "9999", "2023-02", "-0004-02-29"];
        DateTime(DateTime): [
            "2024-02-29T23:59:59+14:00",
            "2024",
            "2024-02",
            "2024-02-29",
            "2023-03-01T00:00:00.5-14:00",
            "1900-02-28T12:00:00Z",
        ];
        Time(Time): ["00:00:00", "23:59:59", "23:59:59.999999999999", "12:00:00.0"];
        Code(Code): ["a", "a b", "a\tb", "a\nb", "\u{a0}x\u{10ffff}", "x y z", "&<>"];
        Oid(Oid): ["urn:oid:0.1", "urn:oid:2.16.840.1.113883.2.1.4.1"];
        Id(Id): ["a", &"x".repeat(64), "A-Z.09", "-", "."];
        UnsignedInt(UnsignedInt): ["0", "2147483647"];
        PositiveInt(PositiveInt): ["1", "2147483647"];
        Markdown(Markdown): ["# Title\n\n* item &amp; <b>", "\u{10ffff}"];
    }
    values
}

/// Decimals longer than libxml2 reads (24 digits): valid all the same, as
/// neither DSTU2 nor XSD 1.0 limits a decimal's digits.
fn long_decimals() -> Vec<ExtensionValue> {
    let digits = "1234567890".repeat(10);
    [
        format!("{digits}.{digits}"),
        format!("-{digits}"),
        format!("0.{digits}"),
    ]
    .into_iter()
    .map(|d| ExtensionValue::Decimal(Decimal::new(d).unwrap()))
    .collect()
}

/// A version 2 query carrying `values` and a narrative.
fn message(values: Vec<ExtensionValue>) -> Message {
    let Ok(Message::QueryV2Request(mut query)) = example(Interaction::QueryV2Request) else {
        panic!("a query");
    };
    let url = Uri::new("http://example.org/fhir/StructureDefinition/boundary").unwrap();
    for (i, value) in values.into_iter().enumerate() {
        let mut extension = Extension::new(url.clone());
        extension.id = Some(Id::new(format!("{i:064}")).unwrap());
        extension.value = Some(value);
        query.header.extension.push(extension);
    }
    let div = Xhtml::new(
        "<div xmlns='http://www.w3.org/1999/xhtml'>\n  <p class=\"a b\" title=\"a&amp;b&#9;\">x &lt; y &#xD7FF;\u{10ffff}</p>\t<br/>\n</div>",
    )
    .unwrap();
    query.header.text = Some(Narrative::new(NarrativeStatus::Generated, div));
    Message::QueryV2Request(query)
}

#[test]
fn every_boundary_value_writes_and_reads_back_as_itself() {
    let values: Vec<ExtensionValue> = boundary_values()
        .into_iter()
        .chain(long_decimals())
        .collect();
    let count = values.len();
    assert!(count > 80, "every boundary value is there");
    let message = message(values);
    let Message::QueryV2Request(query) = &message else {
        unreachable!()
    };
    assert_eq!(query.header.extension.len(), count);
    check_message(&message, &ReadOptions::strict()).unwrap_or_else(|e| panic!("{e}"));
    let pretty = message.to_xml_with(
        &WriteOptions::default()
            .with_pretty(true)
            .with_declaration(true),
    );
    let back = Message::parse_with(&pretty, &ReadOptions::strict()).unwrap();
    assert_eq!(back.value, message, "pretty");
    // The one warning any built v2 query gets (its author's profile), and
    // none about the values.
    assert!(
        back.warnings
            .iter()
            .all(|w| w.code == fgm::xml::ErrorCode::ReferenceTarget),
        "{:?}",
        back.warnings
    );
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn every_boundary_value_validates_against_the_dstu2_schema() {
    let Some(xsd) = common::schema() else {
        eprintln!("skipping: the DSTU2 schema is not present");
        return;
    };
    if !common::xmllint() {
        return;
    }
    let message = message(boundary_values());
    let dir = std::env::temp_dir().join(format!("fgm-boundaries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for pretty in [false, true] {
        let file = dir.join(format!("boundaries-{pretty}.xml"));
        let xml = message.to_xml_with(
            &WriteOptions::default()
                .with_pretty(pretty)
                .with_declaration(true),
        );
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    let result = common::validate_with_xsd(&xsd, &files);
    std::fs::remove_dir_all(&dir).unwrap();
    result.unwrap_or_else(|e| panic!("the boundary values do not validate:\n{e}"));
}

/// Each candidate value, by FHIR type: what the constructor says must be
/// what the DSTU2 schema (through xmllint) says, except where DSTU2's own
/// regex (or its definition) is stricter than the XSD type, or libxml2
/// stops short of the XSD type: those are listed, with why, and must
/// still differ.
#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-types"
)]
fn the_rules_agree_with_the_dstu2_schema() {
    let Some(xsd) = common::schema() else {
        eprintln!("skipping: the DSTU2 schema is not present");
        return;
    };
    if !common::xmllint() {
        return;
    }
    let candidates: &[(&str, &[&str])] = &[
        ("boolean", &["true", "false", "1", "0", "True"]),
        (
            "integer",
            &[
                "0",
                "-0",
                "+1",
                "01",
                "2147483647",
                "2147483648",
                "-2147483648",
                "-2147483649",
                "1.0",
            ],
        ),
        (
            "unsignedInt",
            &["0", "-1", "01", "2147483647", "2147483648"],
        ),
        ("positiveInt", &["1", "0", "+1", "2147483647", "2147483648"]),
        (
            "decimal",
            &[
                "0",
                "-0",
                "1.",
                ".5",
                "01",
                "1e3",
                "1.50",
                "123456789012.345678901234",
                "1234567890123.345678901234",
            ],
        ),
        (
            "base64Binary",
            &[
                "aGk=", "aGl=", "aQ==", "aR==", "aGk", "a G k =", "a=Gk", "aGk=aGk=",
            ],
        ),
        (
            "date",
            &[
                "2024-02-29",
                "2023-02-29",
                "1900-02-29",
                "2000-02-29",
                "2023-04-31",
                "2023-12-32",
                "2023-00-01",
                "2023-13",
                "2023",
                "0000",
                "-0001",
                "-0004-02-29",
                "-0001-02-29",
                "20230-01-01",
                "2023-1-01",
                "2023-01-01Z",
            ],
        ),
        (
            "dateTime",
            &[
                "2024-02-29T23:59:59Z",
                "2023-02-29T10:00:00Z",
                "2024-01-01T24:00:00Z",
                "2024-01-01T23:60:00Z",
                "2024-01-01T23:59:60Z",
                "2024-01-01T10:00:00+14:00",
                "2024-01-01T10:00:00-14:00",
                "2024-01-01T10:00:00+14:01",
                "2024-01-01T10:00:00+13:59",
                "2024-01-01T10:00:00+05:60",
                "2024-01-01T10:00:00",
                "2024-01-01T10:00Z",
                "2024-01-01T10:00:00.Z",
                "2024-01-01T10:00:00.123456789Z",
            ],
        ),
        (
            "instant",
            &[
                "2024-02-29T23:59:59.999+14:00",
                "2023-02-29T00:00:00Z",
                "2024-01-01T24:00:00Z",
                "2024-01-01T23:59:60Z",
                "2024-01-01T10:00:00-15:00",
                "2024-01-01T10:00:00",
                "2024-01-01",
                "0000-01-01T00:00:00Z",
            ],
        ),
        (
            "time",
            &[
                "00:00:00",
                "23:59:59",
                "24:00:00",
                "23:60:00",
                "23:59:60",
                "23:59:59.5",
                "23:59",
                "10:00:00Z",
            ],
        ),
        ("code", &["a", "a b", "a  b", " a", "a ", "a\tb", "\u{a0}x"]),
        (
            "id",
            &[
                "a",
                "A-Z.09",
                "a_b",
                "a b",
                &"x".repeat(64),
                &"x".repeat(65),
            ],
        ),
        (
            "oid",
            &[
                "urn:oid:2.16.840",
                "urn:oid:1.0",
                "urn:oid:3.1",
                "urn:oid:1",
                "urn:oid:01.2",
                "oid:1.2",
            ],
        ),
        (
            "uuid",
            &[
                "urn:uuid:a76d9bbf-f293-4fb7-ad4c-2851cac77162",
                "urn:uuid:A76D9BBF-F293-4FB7-AD4C-2851CAC77162",
                "urn:uuid:a76d9bbf-f293-4fb7-ad4c-2851cac7716",
            ],
        ),
        (
            "uri",
            &[
                "urn:nhs:addressing:asid:1",
                "http://[::1]:80/x?y#z",
                "%zz",
                "%4",
                "a#b#c",
                "12:34",
                "http://a:b:c",
                "x[y]",
                "é ü",
                "a b",
                "#",
                "a:",
                ":a",
                "http://[::1/x",
                "x<y>{z}|^`\\\"",
            ],
        ),
        ("string", &["x", " ", "\t"]),
        ("markdown", &["# x"]),
    ];
    // (type, value): why the constructor and the schema differ.
    let differ: &[(&str, &str, &str)] = &[
        ("boolean", "1", "DSTU2's regex is true|false"),
        ("boolean", "0", "DSTU2's regex is true|false"),
        (
            "unsignedInt",
            "2147483648",
            "DSTU2 defines unsignedInt on integer, 32 bits",
        ),
        (
            "positiveInt",
            "2147483648",
            "DSTU2 defines positiveInt on integer, 32 bits",
        ),
        (
            "decimal",
            "1234567890123.345678901234",
            "libxml2 reads no more than 24 digits",
        ),
        (
            "instant",
            "2024-01-01T24:00:00Z",
            "DSTU2's regex has hours 00-23",
        ),
        (
            "instant",
            "2024-01-01T10:00:00",
            "DSTU2's regex requires the time zone",
        ),
        (
            "dateTime",
            "2024-01-01T10:00:00",
            "DSTU2's regex requires the time zone",
        ),
        (
            "code",
            "a  b",
            "xs:token collapses white space before the pattern applies",
        ),
        (
            "code",
            " a",
            "xs:token collapses white space before the pattern applies",
        ),
        (
            "code",
            "a ",
            "xs:token collapses white space before the pattern applies",
        ),
        (
            "oid",
            "urn:oid:1.0",
            "DSTU2's regex has no 0 arc after the first",
        ),
        ("oid", "urn:oid:1", "DSTU2's regex needs a second arc"),
        ("oid", "urn:oid:3.1", "DSTU2's regex starts with 0, 1 or 2"),
        ("uri", "é ü", "FHIR uris have no white space"),
        ("uri", "a b", "FHIR uris have no white space"),
    ];
    let ours = |ty: &str, v: &str| -> bool {
        match ty {
            "boolean" => Boolean::new(v).is_ok(),
            "integer" => Integer::new(v).is_ok(),
            "unsignedInt" => UnsignedInt::new(v).is_ok(),
            "positiveInt" => PositiveInt::new(v).is_ok(),
            "decimal" => Decimal::new(v).is_ok(),
            "base64Binary" => Base64Binary::new(v).is_ok(),
            "date" => Date::new(v).is_ok(),
            "dateTime" => DateTime::new(v).is_ok(),
            "instant" => Instant::new(v).is_ok(),
            "time" => Time::new(v).is_ok(),
            "code" => Code::new(v).is_ok(),
            "id" => Id::new(v).is_ok(),
            "oid" => Oid::new(v).is_ok(),
            "uuid" => Uuid::new(v).is_ok(),
            "uri" => Uri::new(v).is_ok(),
            "string" => FhirString::new(v).is_ok(),
            "markdown" => Markdown::new(v).is_ok(),
            other => panic!("no type {other}"),
        }
    };
    let dir = std::env::temp_dir().join(format!("fgm-agreement-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A schema with one attribute per primitive type of the DSTU2 schema.
    let attributes: String = candidates
        .iter()
        .map(|(ty, _)| format!("<xs:attribute name=\"{ty}\" type=\"f:{ty}-primitive\"/>"))
        .collect();
    let schema = dir.join("primitives.xsd");
    std::fs::write(
        &schema,
        format!(
            "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:f=\"http://hl7.org/fhir\" \
             targetNamespace=\"urn:fgm:test\"><xs:import namespace=\"http://hl7.org/fhir\" schemaLocation=\"{}\"/>\
             <xs:element name=\"v\"><xs:complexType>{attributes}</xs:complexType></xs:element></xs:schema>",
            xsd.display()
        ),
    )
    .unwrap();
    let mut files = Vec::new();
    for (ty, values) in candidates {
        for v in *values {
            let file = dir.join(format!("{}.xml", files.len()));
            let mut attr = String::new();
            fgm::xml::escape_into(&mut attr, v, true);
            std::fs::write(
                &file,
                format!("<v xmlns=\"urn:fgm:test\" {ty}=\"{attr}\"/>"),
            )
            .unwrap();
            files.push((file, *ty, *v));
        }
    }
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .args(files.iter().map(|f| &f.0))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut wrong = Vec::new();
    for (file, ty, v) in &files {
        let name = file.display().to_string();
        let schema_says = if report.contains(&format!("{name} validates")) {
            true
        } else if report.contains(&format!("{name} fails to validate")) {
            false
        } else {
            panic!("xmllint said nothing of {name}:\n{report}")
        };
        let expected_to_differ = differ.iter().any(|d| (d.0, d.1) == (*ty, *v));
        if (ours(ty, v) != schema_says) != expected_to_differ {
            wrong.push(format!(
                "{ty} {v:?}: the constructor says {}, the schema {}{}",
                ours(ty, v),
                schema_says,
                if expected_to_differ {
                    " (listed as differing)"
                } else {
                    ""
                }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}\n{report}", wrong.join("\n"));
}
