//! `#[derive(FhirArbitrary)]` on hand-written types: the values follow the
//! attributes, and write XML that reads back as the same value. The types
//! compile with and without the `proptest` feature (without it the derive
//! adds nothing); the tests need it.
#![cfg_attr(not(feature = "proptest"), allow(dead_code))]

use fgm::primitive::{Boolean, FhirString, Id};
use fgm::xml::Overflow;
use fgm::{FhirArbitrary, FhirXml, NonEmpty};
use fgm_types::datatypes::{Extension, Meta};

/// A choice of two types.
#[derive(Debug, Clone, PartialEq, Eq, FhirXml, FhirArbitrary)]
enum Answer {
    #[fhir(element = "valueString")]
    Text(FhirString),
    #[fhir(element = "valueBoolean")]
    YesNo(Boolean),
}

/// A resource with every kind of field the derive treats apart.
#[derive(Debug, Clone, PartialEq, Eq, FhirXml, FhirArbitrary)]
#[fhir(
    resource = "Basic",
    profile = "http://example.org/fhir/StructureDefinition/survey"
)]
#[fhir(fixed(element = "kind", value = "survey", after = "extension"))]
struct Survey {
    #[fhir(attribute)]
    id: Option<Id>,
    meta: Option<Meta>,
    extension: Vec<Extension>,
    title: FhirString,
    #[fhir(element = "question")]
    questions: NonEmpty<FhirString>,
    #[fhir(choice)]
    answer: Option<Answer>,
    #[fhir(element = "part")]
    parts: Vec<Survey>,
    #[fhir(arbitrary = "empty")]
    note: Option<FhirString>,
    #[fhir(overflow)]
    overflow: Overflow,
}

#[cfg(feature = "proptest")]
mod with_proptest {
    use fgm::xml::{read_str, write_str, ReadOptions, WriteOptions};
    use proptest::prelude::*;

    use super::*;

    const PROFILE: &str = "http://example.org/fhir/StructureDefinition/survey";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn values_follow_the_attributes_and_round_trip(s in any::<Survey>()) {
            prop_assert!(s.extension.is_empty(), "extensions stay empty");
            prop_assert!(s.parts.is_empty(), "a field of the struct's own type stays empty");
            prop_assert!(s.note.is_none(), "`arbitrary = \"empty\"` stays empty");
            prop_assert!(s.overflow.is_empty());
            prop_assert!(s.questions.len() <= 2);
            let meta = s.meta.as_ref().expect("a resource's meta is there");
            let claimed: Vec<&str> = meta.profile.iter().map(|p| p.as_str()).collect();
            prop_assert_eq!(claimed, vec![PROFILE]);
            prop_assert_eq!(meta, &Meta { profile: meta.profile.clone(), ..Meta::new() });

            let xml = write_str(&s, "Basic", &WriteOptions::default());
            let back: Survey = read_str(&xml, &ReadOptions::strict())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?
                .value;
            prop_assert_eq!(back, s);
        }

        #[test]
        fn an_enum_yields_each_variant(values in proptest::collection::vec(any::<Answer>(), 64)) {
            prop_assert!(values.iter().any(|a| matches!(a, Answer::Text(_))));
            prop_assert!(values.iter().any(|a| matches!(a, Answer::YesNo(_))));
        }
    }
}
