//! Anything the generator does not understand is an error that names the
//! file, the position and the element.

use fgm_build::{Config, DefinitionFile};

const BASE: &str = "tests/fixtures/base";

fn profile(elements: &str) -> String {
    format!(
        r#"<StructureDefinition xmlns="http://hl7.org/fhir">
  <url value="http://example.org/StructureDefinition/bad"/>
  <name value="Bad"/>
  <kind value="resource"/>
  <constrainedType value="Basic"/>
  <abstract value="false"/>
  <snapshot>
    <element><path value="Basic"/><min value="1"/><max value="1"/><type><code value="DomainResource"/></type></element>
{elements}
  </snapshot>
</StructureDefinition>"#
    )
}

fn error_of(text: &str) -> String {
    Config::new()
        .definitions(BASE)
        .definition_files([DefinitionFile {
            path: "bad.xml".into(),
            text: text.to_owned(),
        }])
        .generate()
        .expect_err("the definitions are refused")
        .to_string()
}

#[test]
fn unknown_type_code() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.thing"/><min value="0"/><max value="1"/><type><code value="Gadget"/></type></element>"#,
    ));
    assert_eq!(
        e,
        "bad.xml:9:5: Basic.thing: unknown type code `Gadget`: neither a DSTU2 primitive nor a type defined in the definitions read"
    );
}

#[test]
fn not_well_formed_xml() {
    let e = error_of("<StructureDefinition xmlns=\"http://hl7.org/fhir\"><url value=\"x\">");
    assert!(e.starts_with("bad.xml:1:"), "{e}");
    assert!(e.contains("not well-formed XML"), "{e}");
}

#[test]
fn a_document_type_declaration_is_refused() {
    let e = error_of(
        "<!DOCTYPE x [<!ENTITY a \"b\">]><StructureDefinition xmlns=\"http://hl7.org/fhir\"/>",
    );
    assert!(e.contains("not well-formed XML"), "{e}");
}

#[test]
fn element_before_its_parent() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.code.coding"/><min value="0"/><max value="1"/><type><code value="Coding"/></type></element>"#,
    ));
    assert!(
        e.contains("Basic.code.coding: element is listed before its parent `Basic.code`"),
        "{e}"
    );
}

#[test]
fn slice_without_a_fixed_discriminator() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.identifier"/><slicing><discriminator value="system"/><rules value="closed"/></slicing><min value="0"/><max value="*"/><type><code value="Identifier"/></type></element>
    <element><path value="Basic.identifier"/><name value="One"/><min value="1"/><max value="1"/><type><code value="Identifier"/></type></element>"#,
    ));
    assert!(
        e.contains("slice `One` does not fix its discriminator `system`"),
        "{e}"
    );
}

#[test]
fn name_reference_to_nothing() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.link"/><min value="0"/><max value="*"/><nameReference value="nowhere"/></element>"#,
    ));
    assert!(
        e.contains("Basic.link: nameReference `nowhere` names no element"),
        "{e}"
    );
}

#[test]
fn required_binding_to_a_value_set_not_read() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.status"/><min value="1"/><max value="1"/><type><code value="code"/></type><binding><strength value="required"/><valueSetReference><reference value="http://example.org/ValueSet/missing"/></valueSetReference></binding></element>"#,
    ));
    assert!(e.contains("Basic.status: required binding to value set http://example.org/ValueSet/missing, which is not in the definitions read"), "{e}");
}

#[test]
fn bad_cardinality() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.x"/><min value="one"/><max value="1"/><type><code value="string"/></type></element>"#,
    ));
    assert!(
        e.contains("Basic.x: min `one` is not a whole number"),
        "{e}"
    );
}

#[test]
fn optional_fixed_value() {
    let e = error_of(&profile(
        r#"    <element><path value="Basic.x"/><min value="0"/><max value="1"/><type><code value="code"/></type><fixedCode value="a"/></element>"#,
    ));
    assert!(
        e.contains("a fixed value on an element that is not 1..1 (0..1) is not supported"),
        "{e}"
    );
}

#[test]
fn no_definitions() {
    let e = Config::new()
        .generate()
        .expect_err("nothing to generate")
        .to_string();
    assert_eq!(e, "no definition files given");
}

#[test]
fn files_that_hold_no_definition_are_refused_not_generated_empty() {
    let e = Config::new()
        .definition_files([
            DefinitionFile {
                path: "message.xml".into(),
                text: r#"<Bundle xmlns="http://hl7.org/fhir"><id value="x"/></Bundle>"#.to_owned(),
            },
            DefinitionFile {
                path: "other.xml".into(),
                text: "<notes/>".to_owned(),
            },
        ])
        .generate()
        .expect_err("nothing to generate");
    assert_eq!(
        e.to_string(),
        "no StructureDefinition or ValueSet among the 2 definition files given"
    );
}

/// Found by the `definitions` fuzz target: a base type built on a type that
/// is built on it (Element on Extension, Extension on Element) is refused,
/// where it used to recurse until the stack overflowed.
#[test]
fn a_base_type_built_on_itself() {
    let element = std::fs::read_to_string(format!("{BASE}/Element.xml"))
        .unwrap()
        .replacen(
            "<max value=\"*\"/>\n    </element>",
            "<max value=\"*\"/>\n      <type><code value=\"Extension\"/></type>\n    </element>",
            1,
        );
    assert!(element.contains("<code value=\"Extension\"/></type>\n    </element>"));
    let e = error_of(&element);
    assert_eq!(
        e,
        "tests/fixtures/base/Extension.xml:10:5: type `Element` is built on itself: Element → Extension → Element"
    );
}
