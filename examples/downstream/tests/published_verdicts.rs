//! Spine's verdict on each message NHS Digital published is the same on
//! this crate's own types (generated from the published files and a bump)
//! as on fgm-types' types (generated from the project's definitions).

use fgm::spine::{validate, ValidateOptions, ValidationIssue};
use fgm::FhirMessage;

#[allow(
    clippy::large_enum_variant,
    clippy::doc_lazy_continuation,
    missing_docs,
    dead_code
)]
mod nhs {
    include!(concat!(env!("OUT_DIR"), "/fgm.rs"));
}

/// Spine's verdict, comparable across crates: (code, severity, path).
fn verdict(issues: &[ValidationIssue]) -> Vec<(&'static str, &'static str, String)> {
    issues
        .iter()
        .map(|i| (i.spine_code, i.severity.code(), i.path.clone()))
        .collect()
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared/fgm-ris (NHS's published examples), absent when this crate was built"
)]
fn the_same_verdicts_on_these_types_as_on_fgm_types() {
    let published = env!("FGM_PUBLISHED");
    assert!(
        !published.is_empty(),
        "../shared/fgm-ris was absent when this crate was built"
    );
    let dir = std::path::Path::new(published).join("examples");
    let mut checked = 0;
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let own = nhs::messages::Message::parse(&bytes).unwrap().value;
        let project = fgm_types::messages::Message::parse(&bytes).unwrap().value;
        let options = ValidateOptions::default();
        assert_eq!(
            verdict(&validate(&own, &options)),
            verdict(&validate(&project, &options)),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 17, "NHS Digital published 17 examples");
}

#[test]
fn the_bumped_create_is_the_project_create_with_the_bumped_flag() {
    let bumped = include_str!("../messages/create-1-1.xml");
    let own = nhs::messages::Message::parse(bumped).unwrap();
    assert_eq!(own.warnings, []);
    assert_eq!(validate(&own.value, &ValidateOptions::default()), []);
    // Back to 1-0, it is a create fgm-types reads and Spine accepts.
    let unbumped = bumped
        .replace("spine-ris-flag-1-1", "spine-ris-flag-1-0")
        .replace("FGMCreate_1_1", "FGMCreate_1_0")
        .replace("<end value=\"2030-01-01\"/>", "");
    let project = fgm_types::messages::Message::parse(unbumped).unwrap();
    assert_eq!(project.warnings, []);
    assert_eq!(
        project.value.interaction(),
        fgm_types::messages::Interaction::CreateRequest
    );
    assert_eq!(validate(&project.value, &ValidateOptions::default()), []);
}
