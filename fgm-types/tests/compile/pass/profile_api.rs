//! The generated FGM types in use: a create request's patient, GP practice
//! and flag, built field by field; fixed values are constants, not fields.
use fgm_types::datatypes::Reference;
use fgm::primitive::{Date, DateTime, FhirString, Id};
use fgm_types::profiles::{spine_gp_organization_1_0 as gp, spine_ris_flag_1_0 as flag, spine_ris_patient_2_0 as patient};
use fgm_types::valuesets::RiskIndicatorType10;
use fgm::xml::Overflow;

fn main() {
    let text = |s: &str| FhirString::new(s).unwrap();
    let reference = |s: &str| Reference {
        id: None,
        extension: vec![],
        reference: Some(text(s)),
        display: None,
        overflow: Overflow::default(),
    };
    let patient = patient::Patient {
        id: Some(Id::new("p1").unwrap()),
        meta: None,
        implicit_rules: None,
        language: None,
        text: None,
        contained: vec![],
        extension: vec![],
        modifier_extension: vec![],
        identifier: patient::PatientIdentifier {
            id: None,
            extension: vec![],
            value: text("9434765919"),
            overflow: Overflow::default(),
        },
        birth_date: Date::new("2010-06-01").unwrap(),
        care_provider: reference("#gp"),
        overflow: Overflow::default(),
    };
    let practice = gp::Organization {
        id: Some(Id::new("gp").unwrap()),
        meta: None,
        implicit_rules: None,
        language: None,
        text: None,
        contained: vec![],
        extension: vec![],
        modifier_extension: vec![],
        ods_organization_code: gp::OrganizationOdsOrganizationCode {
            id: None,
            extension: vec![],
            value: text("B86022"),
            overflow: Overflow::default(),
        },
        name: text("Example Practice"),
        overflow: Overflow::default(),
    };
    let flag = flag::Flag {
        id: None,
        meta: None,
        implicit_rules: None,
        language: None,
        text: None,
        contained: vec![
            flag::FlagContained::SpineRisPatient20(Box::new(patient)),
            flag::FlagContained::SpineGpOrganization10(Box::new(practice)),
        ],
        extension: vec![],
        modifier_extension: vec![],
        period: flag::FlagPeriod {
            id: None,
            extension: vec![],
            start: DateTime::new("2024-02-04").unwrap(),
            overflow: Overflow::default(),
        },
        subject: reference("#p1"),
        code: flag::FlagCode {
            id: None,
            extension: vec![],
            coding: flag::FlagCodeCoding {
                id: None,
                extension: vec![],
                display: None,
                overflow: Overflow::default(),
            },
            overflow: Overflow::default(),
        },
        overflow: Overflow::default(),
    };
    let xml = fgm::xml::write_str(&flag, "Flag", &Default::default());
    assert!(xml.contains("<status value=\"active\"/>"), "{xml}");
    let back: flag::Flag = fgm::xml::read_str(&xml, &fgm::xml::ReadOptions::strict()).unwrap().value;
    assert_eq!(back, flag);
    assert_eq!(flag::Flag::FIXED, &[("status", "active")]);
    assert_eq!(flag::FlagCodeCoding::FIXED[1], ("code", RiskIndicatorType10::Fgm.code()));
    assert_eq!(flag.contained.len(), 2);
}
