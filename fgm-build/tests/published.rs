//! The definitions NHS Digital published (`../shared/fgm-ris`, read exactly
//! as published), together with the project's DSTU2 base, reconstructed v1
//! headers and manifest, generate the same public API as the project's own
//! `definitions/`; every published profile and value set becomes a type; and
//! every repair the published files need fires where FACTS.md says it should.
//! Skipped, saying so, when `../shared` is not beside the checkout.

use std::path::{Path, PathBuf};

use fgm_build::{Config, RepairKind};

const SHARED: &str = "../../shared/fgm-ris";

/// The published definitions, or `None` (saying so) when `../shared` is
/// absent; in CI, which always has it, a failure.
fn published() -> Option<PathBuf> {
    let path = Path::new(SHARED);
    if path.join("StructureDefinitions").is_dir() {
        return Some(path.to_path_buf());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{SHARED} is absent: CI runs with ../shared beside the checkout"
    );
    eprintln!("skipping: {SHARED} (the published FGM RIS definitions) is not present");
    None
}

fn published_config(shared: &Path) -> Config {
    let mut config = Config::new();
    config
        .definitions("../definitions/dstu2")
        .definitions(shared)
        .definitions("../definitions/spine");
    config
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-build"
)]
fn published_and_project_definitions_have_the_same_api() {
    let Some(shared) = published() else { return };
    let (published, _, _) = published_config(&shared)
        .plan()
        .expect("published definitions generate");
    let (project, _, _) = Config::new()
        .definitions("../definitions")
        .plan()
        .expect("project definitions generate");
    let changes = fgm_build::diff::diff(&published, &project);
    assert!(
        changes.is_empty(),
        "API differences:\n{}",
        changes.join("\n")
    );
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-build"
)]
fn every_published_profile_and_value_set_becomes_a_type() {
    let Some(shared) = published() else { return };
    let generated = published_config(&shared)
        .generate()
        .expect("published definitions generate");
    let api = &generated.api;
    let mut profiles = 0;
    for file in std::fs::read_dir(shared.join("StructureDefinitions")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let url = text
            .split("<url value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a url");
        let module = api
            .profiles
            .iter()
            .find(|p| p.url == url)
            .unwrap_or_else(|| panic!("no module for {url}"));
        assert_eq!(module.types[0].name(), module.resource_type, "{url}");
        assert!(
            generated
                .source
                .contains(&format!("pub mod {} {{", module.module)),
            "{url}"
        );
        profiles += 1;
    }
    assert_eq!(profiles, 13);
    let mut sets = 0;
    for file in std::fs::read_dir(shared.join("ValueSets")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let url = text
            .split("<url value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap();
        let e = api
            .value_sets
            .iter()
            .find(|v| v.url == url)
            .unwrap_or_else(|| panic!("no enum for {url}"));
        assert!(generated
            .source
            .contains(&format!("pub enum {} {{", e.name)));
        sets += 1;
    }
    assert_eq!(sets, 7);
    // The 17 example messages in the same folder are not definitions.
    assert_eq!(generated.report.skipped.len(), 17);
    assert!(generated
        .report
        .skipped
        .iter()
        .all(|(_, root)| root == "Bundle"));
}

#[test]
#[cfg_attr(
    fgm_shared_absent,
    ignore = "needs ../shared (NHS's files, the DSTU2 schema), absent at build time; once added: cargo clean -p fgm-build"
)]
fn the_published_defects_are_each_repaired_where_expected() {
    let Some(shared) = published() else { return };
    let report = published_config(&shared)
        .generate()
        .expect("generates")
        .report;
    let at = |kind: RepairKind| -> Vec<String> {
        let mut v: Vec<String> = report
            .of_kind(kind)
            .filter(|r| {
                r.definition
                    .starts_with("http://fhir.nhs.net/StructureDefinition/")
            })
            .filter(|r| !r.definition.ends_with("messageheader-1-0")) // the reconstructed v1 headers
            .map(|r| {
                format!(
                    "{} {}",
                    r.definition
                        .trim_start_matches("http://fhir.nhs.net/StructureDefinition/"),
                    r.element
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        at(RepairKind::ResourceTypeAsReference),
        ["spine-ris-patient-2-0 Patient.careProvider"]
    );
    assert_eq!(
        at(RepairKind::SlicingWithoutDiscriminator),
        ["spine-message-bundle-1-0 Bundle.entry"]
    );
    assert_eq!(
        at(RepairKind::NameReferenceIntoRemoved),
        ["spine-message-bundle-1-0 Bundle.entry.link"]
    );
    assert_eq!(
        at(RepairKind::SliceCardinality),
        [
            "spine-fgmdelete-parameters-1-0 Parameters.parameter",
            "spine-organization-1-0 Organization.identifier",
            "spine-practitioner-1-0 Practitioner.identifier",
            "spine-practitioner-2-0 Practitioner.identifier",
            "spine-ris-parameters-1-0 Parameters.parameter",
        ]
    );
    assert_eq!(
        at(RepairKind::ChoiceTypePath),
        [
            "spine-fgmdelete-parameters-1-0 Parameters.parameter.valueString",
            "spine-ris-parameters-1-0 Parameters.parameter.valueString",
        ]
    );
    assert_eq!(
        at(RepairKind::FixedSystemOutsideValueSet),
        ["spine-operationoutcome-1-0 OperationOutcome.issue.details.coding"]
    );
    assert_eq!(
        at(RepairKind::BindingUrl),
        [
            "spine-message-bundle-1-0 Bundle.type",
            "spine-operationoutcome-1-0 OperationOutcome.issue.severity",
            "spine-request-messageheader-2-0 MessageHeader.source.contact.system",
            "spine-response-messageheader-2-0 MessageHeader.response.code",
            "spine-response-messageheader-2-0 MessageHeader.source.contact.system",
            "spine-ris-flag-1-0 Flag.status",
        ]
    );
    // The 11 snapshots that omit the Resource and DomainResource members;
    // the two Organization snapshots list them all.
    let inherited = at(RepairKind::InheritedMembers);
    assert_eq!(inherited.len(), 11, "{inherited:?}");
    assert!(inherited.iter().all(|r| !r.contains("organization")));
}
