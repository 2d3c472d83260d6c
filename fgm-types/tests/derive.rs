//! The derives work on hand-written structs as well as generated ones.

use fgm::primitive::{Boolean, FhirString, Id, Uri};
use fgm::xml::{read_str, write_str, ErrorCode, Overflow, ReadOptions, WriteOptions};
use fgm::{FhirXml, NonEmpty};

/// A choice of two types.
#[derive(Debug, Clone, PartialEq, Eq, FhirXml)]
enum Answer {
    #[fhir(element = "valueString")]
    Text(FhirString),
    #[fhir(element = "valueBoolean")]
    YesNo(Boolean),
}

/// An identifier whose system is fixed.
#[derive(Debug, Clone, PartialEq, Eq, FhirXml)]
#[fhir(fixed(element = "system", value = "urn:example:staff"))]
struct StaffId {
    #[fhir(attribute)]
    id: Option<Id>,
    value: FhirString,
}

/// A hand-written element: an attribute, a fixed element in the middle,
/// slices, a choice, repeated elements and an overflow.
#[derive(Debug, Clone, PartialEq, Eq, FhirXml)]
#[fhir(fixed(element = "kind", value = "survey", after = "identifier"))]
struct Survey {
    #[fhir(attribute)]
    id: Option<Id>,
    #[fhir(
        element = "identifier",
        slice(discriminator = "system", value = "urn:example:staff")
    )]
    staff: Option<StaffId>,
    #[fhir(element = "identifier")]
    other_identifiers: Vec<fgm_types::datatypes::Identifier>,
    title: FhirString,
    #[fhir(element = "question")]
    questions: NonEmpty<FhirString>,
    #[fhir(choice)]
    answer: Option<Answer>,
    #[fhir(element = "source")]
    source_url: Option<Uri>,
    #[fhir(overflow)]
    overflow: Overflow,
}

const XML: &str = concat!(
    r#"<Survey xmlns="http://hl7.org/fhir" id="s1">"#,
    r#"<identifier><system value="urn:example:staff"/><value value="42"/></identifier>"#,
    r#"<identifier><system value="urn:other"/><value value="x"/></identifier>"#,
    r#"<kind value="survey"/><title value="Hello"/>"#,
    r#"<question value="Why?"/><question value="How?"/>"#,
    r#"<valueBoolean value="true"/></Survey>"#
);

#[test]
fn a_hand_written_struct_reads_and_writes() {
    let survey: Survey = read_str(XML, &ReadOptions::strict()).unwrap().value;
    assert_eq!(survey.id.as_ref().unwrap().as_str(), "s1");
    assert_eq!(survey.staff.as_ref().unwrap().value.as_str(), "42");
    assert_eq!(survey.other_identifiers.len(), 1);
    assert_eq!(survey.questions.len(), 2);
    assert_eq!(
        survey.answer,
        Some(Answer::YesNo(Boolean::new("true").unwrap()))
    );
    assert_eq!(write_str(&survey, "Survey", &WriteOptions::default()), XML);
}

#[test]
fn failures_are_precise() {
    let strict = ReadOptions::strict();
    let missing = XML.replace(r#"<title value="Hello"/>"#, "");
    let e = read_str::<Survey>(&missing, &strict).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::Missing, "Survey"));

    let fixed = XML.replace(r#"<kind value="survey"/>"#, r#"<kind value="poll"/>"#);
    let e = read_str::<Survey>(&fixed, &strict).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::Fixed, "Survey.kind"));

    let twice = XML.replace(
        r#"<valueBoolean value="true"/>"#,
        r#"<valueBoolean value="true"/><valueString value="y"/>"#,
    );
    let e = read_str::<Survey>(&twice, &strict).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::Repeated, "Survey"));

    let none = XML.replace(r#"<question value="Why?"/><question value="How?"/>"#, "");
    let e = read_str::<Survey>(&none, &strict).unwrap_err();
    assert_eq!(e.code, ErrorCode::Missing);
    assert!(e.message.contains("<question>"));

    // A required attribute (an extension's url).
    let e = read_str::<fgm_types::datatypes::Extension>(
        r#"<extension xmlns="http://hl7.org/fhir"><valueString value="x"/></extension>"#,
        &strict,
    )
    .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Missing, "required attribute `url` is missing")
    );

    // Of several missing, the first in field order is reported.
    let both = none.replace(r#"<title value="Hello"/>"#, "");
    let e = read_str::<Survey>(&both, &strict).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Missing, "required element <title> is missing")
    );
}

#[test]
fn strict_refuses_and_lenient_keeps_what_is_unknown_or_out_of_order() {
    let odd = XML.replace(r#" id="s1""#, r#" id="s1" lang="en""#).replace(
        r#"<title value="Hello"/>"#,
        r#"<note value="n"/><title value="Hello"/>"#,
    );
    let e = read_str::<Survey>(&odd, &ReadOptions::strict()).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownAttribute);
    let read = read_str::<Survey>(&odd, &ReadOptions::default()).unwrap();
    let codes: Vec<ErrorCode> = read.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        [ErrorCode::UnknownAttribute, ErrorCode::UnknownElement]
    );
    assert_eq!(
        write_str(&read.value, "Survey", &WriteOptions::default()),
        odd
    );

    let swapped = XML.replace(
        r#"<kind value="survey"/><title value="Hello"/>"#,
        r#"<title value="Hello"/><kind value="survey"/>"#,
    );
    let e = read_str::<Survey>(&swapped, &ReadOptions::strict()).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::Order, "Survey"));
    let read = read_str::<Survey>(&swapped, &ReadOptions::default()).unwrap();
    assert_eq!(read.warnings[0].code, ErrorCode::Order);
    assert_eq!(
        write_str(&read.value, "Survey", &WriteOptions::default()),
        XML,
        "written back in canonical order"
    );
}

#[test]
fn a_type_without_overflow_refuses_unknown_content_even_leniently() {
    let e = read_str::<StaffId>(
        r#"<identifier xmlns="http://hl7.org/fhir"><system value="urn:example:staff"/><value value="1"/><extra value="x"/></identifier>"#,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownElement);
}

/// A crate that reaches the runtime under another path, as one that
/// re-exports `fgm` would.
mod vendored {
    pub use ::fgm as runtime;
}

/// The derives name the runtime by `#[fhir(crate = "…")]`.
#[derive(Debug, Clone, PartialEq, Eq, fgm::FhirXml, fgm::FhirArbitrary)]
#[fhir(crate = "crate::vendored::runtime")]
struct Renamed {
    #[fhir(attribute)]
    id: Option<Id>,
    title: FhirString,
}

/// A choice through the same path.
#[derive(Debug, Clone, PartialEq, Eq, fgm::FhirXml)]
#[fhir(crate = "crate::vendored::runtime")]
enum RenamedChoice {
    #[fhir(element = "valueString")]
    Text(FhirString),
}

#[test]
fn the_runtime_is_found_at_the_path_a_type_names() {
    let xml = r#"<renamed xmlns="http://hl7.org/fhir" id="r1"><title value="t"/></renamed>"#;
    let read: Renamed = read_str(xml, &ReadOptions::default()).unwrap().value;
    assert_eq!(read.title.as_str(), "t");
    assert_eq!(write_str(&read, "renamed", &WriteOptions::default()), xml);
    let choice = RenamedChoice::Text(FhirString::new("x").unwrap());
    assert_eq!(choice.clone(), choice);
}
