//! Feature `serde`: the generation report serializes for structured logs.
#![cfg(feature = "serde")]

#[test]
fn the_report_serializes_each_repair_with_its_kind_and_source() {
    let generated = fgm_build::Config::new()
        .definitions(concat!(env!("CARGO_MANIFEST_DIR"), "/../definitions"))
        .generate()
        .unwrap();
    assert!(!generated.report.repairs.is_empty());
    let json = serde_json::to_value(&generated.report).unwrap();
    let repairs = json["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), generated.report.repairs.len());
    let care_provider = repairs
        .iter()
        .find(|r| r["kind"] == "resource-type-as-reference")
        .unwrap();
    assert_eq!(care_provider["element"], "Patient.careProvider");
    assert!(care_provider["source"]["file"]
        .as_str()
        .unwrap()
        .ends_with(".xml"));
    assert!(care_provider["source"]["pos"]["line"].as_u64().unwrap() > 0);
    assert!(json["overridden"].is_array() && json["skipped"].is_array());
}
