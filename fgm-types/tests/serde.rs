//! Feature `serde`: the reader's issues and the validation findings
//! serialize as the documented objects.
#![cfg(feature = "serde")]

use fgm_types::messages::Message;
use fgm_types::spine::{build, validate, ValidateOptions};

#[test]
fn a_reader_error_serializes_with_its_spine_code() {
    let e =
        Message::parse("<Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/><ty").unwrap_err();
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["code"], "malformed");
    assert_eq!(json["path"], "");
    assert_eq!(json["line"], e.line);
    assert_eq!(json["column"], e.column);
    assert_eq!(json["message"], e.message.as_str());
    assert_eq!(json["spine_code"], "MESSAGE_NOT_WELL_FORMED");
    assert_eq!(json["http_status"], 400);
    assert_eq!(json.as_object().unwrap().len(), 7);
}

#[test]
fn a_validation_issue_serializes_with_its_severity_code() {
    let body = build::QueryV2::new("9434765919")
        .from_asid("1")
        .to_asid("2")
        .practitioner_local("1")
        .build()
        .unwrap();
    let xml = Message::QueryV2Request(body)
        .to_xml()
        .replace("9434765919", "9434765918");
    let message = Message::parse(&xml).unwrap().value;
    let issues = validate(&message, &ValidateOptions::default());
    let issue = issues.iter().find(|i| i.is_error()).unwrap();
    let json = serde_json::to_value(issue).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "severity": "error",
            "spine_code": "INVALID_NHS_NUMBER",
            "http_status": 400,
            "path": issue.path,
            "message": issue.message,
        })
    );
}
