//! The writer cannot produce what the reader rejects: every primitive's
//! boundary values, written through a message (as extension values, an
//! extension id and the narrative), read back strictly as themselves, and
//! (when `xmllint` and the DSTU2 schema are present) validate against the
//! DSTU2 XSD, compact and pretty.

mod common;

use fgm_types::datatypes::{Extension, ExtensionValue, Narrative};
use fgm_types::messages::{Interaction, Message};
use fgm_types::oracle::check_message;
use fgm_types::primitive::*;
use fgm_types::spine::build::example;
use fgm_types::valuesets::NarrativeStatus;
use fgm_types::xml::{ReadOptions, WriteOptions};

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
    let pretty = message.to_xml_with(&WriteOptions::default()
        .with_pretty(true)
        .with_declaration(true));
    let back = Message::parse_with(&pretty, &ReadOptions::strict()).unwrap();
    assert_eq!(back.value, message, "pretty");
    // The one warning any built v2 query gets (its author's profile), and
    // none about the values.
    assert!(
        back.warnings
            .iter()
            .all(|w| w.code == fgm_types::xml::ErrorCode::ReferenceTarget),
        "{:?}",
        back.warnings
    );
}

#[test]
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
        let xml = message.to_xml_with(&WriteOptions::default()
            .with_pretty(pretty)
            .with_declaration(true));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    let result = common::validate_with_xsd(&xsd, &files);
    std::fs::remove_dir_all(&dir).unwrap();
    result.unwrap_or_else(|e| panic!("the boundary values do not validate:\n{e}"));
}
