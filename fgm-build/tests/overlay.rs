//! Manifest overlays: a manifest in a later definitions folder replaces
//! interactions by name and response codes by code, adds new ones, and
//! inherits the rest; names and profiles resolve across the joined set.

use fgm_build::api::Api;
use fgm_build::{diff::diff, Config, DefinitionFile};

const DEFINITIONS: &str = "../definitions";
/// The downstream example's bump: Spine-RIS-Flag-1-1, two event codes added
/// to message-event-2-0 in place, and an overlay adding a create that
/// carries the new flag.
const BUMP: &str = "../examples/downstream/bump";
/// Spine-RIS-Flag-1-1 alone.
const FLAG_1_1: &str = "../examples/downstream/bump/Spine-RIS-Flag-1-1.xml";
/// An overlay moving CreateRequest and QueryV2Response to Flag 1-1.
const REPLACE: &str = "../examples/downstream/move-flag/manifest.xml";

fn plan(extra: &[DefinitionFile], folders: &[&str]) -> fgm_build::Result<Api> {
    let mut config = Config::new();
    config.definitions(DEFINITIONS);
    for folder in folders {
        config.definitions(folder);
    }
    config.definition_files(extra.iter().cloned());
    config.plan().map(|(api, _, _)| api)
}

fn file(path: &str, text: &str) -> DefinitionFile {
    DefinitionFile {
        path: path.into(),
        text: text.to_owned(),
    }
}

/// (interaction, entry) → profile, in manifest order.
fn entries(api: &Api) -> Vec<(String, String, String)> {
    let messages = api.messages.as_ref().expect("a manifest");
    messages
        .interactions
        .iter()
        .flat_map(|i| {
            i.entries
                .iter()
                .map(move |e| (i.name.clone(), e.name.clone(), e.profile.clone()))
        })
        .collect()
}

#[test]
fn an_overlay_moves_only_the_interactions_it_names() {
    let before = plan(&[], &[]).unwrap();
    let after = plan(&[], &[FLAG_1_1, REPLACE]).unwrap();
    let flag_1_1 = "http://fhir.nhs.net/StructureDefinition/spine-ris-flag-1-1";
    let (b, a) = (entries(&before), entries(&after));
    assert_eq!(b.len(), a.len(), "no entry added or lost");
    for (old, new) in b.iter().zip(&a) {
        assert_eq!((&old.0, &old.1), (&new.0, &new.1), "same order");
        let moved = old.1 == "flag" && ["CreateRequest", "QueryV2Response"].contains(&&*old.0);
        if moved {
            assert_eq!(new.2, flag_1_1, "{} moves to the bump", old.0);
        } else {
            assert_eq!(old.2, new.2, "{}.{} is inherited", old.0, old.1);
        }
    }
    let codes = |api: &Api| api.messages.as_ref().unwrap().response_codes.clone();
    assert_eq!(codes(&before), codes(&after), "the code table is inherited");
    // Both Flag versions stay generated, and diff says so.
    assert!(after.profiles.iter().any(|p| p.url.ends_with("flag-1-0")));
    let lines = diff(&before, &after);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "+ profile http://fhir.nhs.net/StructureDefinition/spine-ris-flag-1-1 (spine_ris_flag_1_1), beside"
        )),
        "{lines:#?}"
    );
    assert!(lines.contains(&"  + FlagPeriod.end: DateTime 0..1".to_owned()));
    assert!(!lines.iter().any(|l| l.contains("-> Spine-RIS-Flag-1-1")));
    let moved: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("~ Interaction::"))
        .collect();
    assert_eq!(moved.len(), 2, "{moved:#?}");
}

const EVENT_SET: &str = r#"<ValueSet xmlns="http://hl7.org/fhir">
  <url value="http://example.org/ValueSet/message-event-9"/>
  <name value="message-event-9"/>
  <codeSystem><system value="http://example.org/ValueSet/message-event-9"/>
    <concept><code value="urn:example:FGMAudit_1_0"/><display value="Audit"/></concept>
    <concept><code value="urn:example:FGMAuditResponse_1_0"/><display value="Audit response"/></concept>
  </codeSystem>
</ValueSet>"#;

fn overlay(body: &str) -> DefinitionFile {
    file(
        "overlay/manifest.xml",
        &format!(r#"<manifest xmlns="urn:fgm-rs:manifest:1">{body}</manifest>"#),
    )
}

const AUDIT: &str = r#"
  <interaction name="AuditRequest" direction="request" event="urn:example:FGMAudit_1_0"
      eventSystem="http://example.org/ValueSet/message-event-9" endpoint="/fhir/fgm/audit"
      soapAction="urn:example:FGMAudit_1_0" successStatus="200">
    <entry name="header" profile="http://fhir.nhs.net/StructureDefinition/spine-request-messageheader-2-0"/>
    <entry name="parameters" profile="http://fhir.nhs.net/StructureDefinition/spine-ris-parameters-1-0"/>
  </interaction>
  <interaction name="AuditResponse" direction="response" respondsTo="CreateRequest"
      event="urn:example:FGMAuditResponse_1_0"
      eventSystem="http://example.org/ValueSet/message-event-9" endpoint="/fhir/fgm/audit"
      soapAction="urn:example:FGMAudit_1_0" successStatus="200">
    <entry name="header" profile="http://fhir.nhs.net/StructureDefinition/spine-response-messageheader-2-0"/>
  </interaction>
  <responseCode code="NO_RECORD_FOUND" system="http://fhir.nhs.net/ValueSet/spine-error-or-warning-code-1"
      httpStatus="410" severity="error" issueType="not-found" display="No record found" legacy="FGM-0001"/>"#;

#[test]
fn an_overlay_alone_adds_an_interaction_and_replaces_a_code() {
    let before = plan(&[], &[]).unwrap();
    let api = plan(
        &[file("overlay/events.xml", EVENT_SET), overlay(AUDIT)],
        &[],
    )
    .unwrap();
    let messages = api.messages.as_ref().unwrap();
    let names: Vec<&str> = messages
        .interactions
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names.len(), 10);
    assert_eq!(&names[8..], ["AuditRequest", "AuditResponse"]);
    // respondsTo resolves across the joined set (CreateRequest is inherited).
    assert_eq!(
        messages.interactions[9].responds_to.as_deref(),
        Some("CreateRequest")
    );
    let codes = &messages.response_codes;
    assert_eq!(codes.len(), 13, "replaced in place, not added");
    assert_eq!(
        (codes[0].code.as_str(), codes[0].http_status),
        ("NO_RECORD_FOUND", 410)
    );
    let lines = diff(&before, &api);
    assert!(
        lines.contains(&"  + Interaction::AuditRequest".to_owned()),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("  ~ response code NO_RECORD_FOUND:")));
}

#[test]
fn an_overlay_naming_what_is_nowhere_is_refused() {
    let dangling = overlay(
        r#"<interaction name="QueryV9Response" direction="response" respondsTo="QueryV9Request"
      event="urn:nhs:names:services:clinicals-sync:FGMQueryResponse_2_0"
      eventSystem="http://fhir.nhs.net/ValueSet/message-event-2-0" endpoint="/fhir/fgm/query"
      soapAction="urn:nhs:names:services:clinicals-sync:FGMQuery_2_0" successStatus="200">
    <entry name="header" profile="http://fhir.nhs.net/StructureDefinition/spine-response-messageheader-2-0"/>
  </interaction>"#,
    );
    let e = plan(&[dangling], &[]).unwrap_err().to_string();
    assert!(
        e.contains("respondsTo `QueryV9Request` names no interaction"),
        "{e}"
    );
    assert!(e.contains("overlay/manifest.xml"), "{e}");
    let missing = overlay(
        r#"<interaction name="CreateRequest" direction="request"
      event="urn:nhs:names:services:clinicals-sync:FGMCreate_1_0"
      eventSystem="http://fhir.nhs.net/ValueSet/message-event-2-0" endpoint="/fhir/fgm/create"
      soapAction="urn:nhs:names:services:clinicals-sync:FGMCreate_1_0" successStatus="201">
    <entry name="header" profile="http://fhir.nhs.net/StructureDefinition/spine-request-messageheader-2-0"/>
    <entry name="flag" profile="http://fhir.nhs.net/StructureDefinition/spine-ris-flag-9-9"/>
  </interaction>"#,
    );
    let e = plan(&[missing], &[]).unwrap_err().to_string();
    assert!(e.contains("spine-ris-flag-9-9"), "{e}");
}

#[test]
fn the_downstream_bump_adds_a_create_and_keeps_the_old_one() {
    let before = plan(&[], &[]).unwrap();
    let after = plan(&[], &[BUMP]).unwrap();
    let (b, a) = (entries(&before), entries(&after));
    assert_eq!(
        &a[..b.len()],
        &b[..],
        "the eight interactions are inherited unchanged"
    );
    let added: Vec<(&str, &str)> = a[b.len()..]
        .iter()
        .map(|(i, e, _)| (i.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        added,
        [
            ("CreateV11Request", "header"),
            ("CreateV11Request", "flag"),
            ("CreateV11Request", "practitioner"),
            ("CreateV11Request", "organization"),
            ("CreateV11Response", "header"),
            ("CreateV11Response", "outcome"),
        ]
    );
    let lines = diff(&before, &after);
    for expected in [
        "  + Interaction::CreateV11Request",
        "  + Interaction::CreateV11Response",
        "~ enum http://fhir.nhs.net/ValueSet/message-event-2-0: MessageEvent20 2.0.0 -> MessageEvent20 2.1.0",
        "  + MessageEvent20::FgmCreate11 = http://fhir.nhs.net/ValueSet/message-event-2-0|urn:nhs:names:services:clinicals-sync:FGMCreate_1_1",
    ] {
        assert!(lines.contains(&expected.to_owned()), "{expected}: {lines:#?}");
    }
}

/// `Config::read` then `ReadDefinitions::read_file` plans what `Config::plan`
/// plans with the file given last, and a copy of what was read plans
/// independently of the file read into another copy.
#[test]
fn reading_once_and_adding_a_file_plans_as_giving_it_last() {
    let flag_1_1 = file(
        "Spine-RIS-Flag-1-1.xml",
        &std::fs::read_to_string(FLAG_1_1).unwrap(),
    );
    let base = Config::new().definitions(DEFINITIONS).read().unwrap();
    let mut with_flag = base.clone();
    assert!(with_flag.read_file(&flag_1_1).unwrap(), "a definition");
    let (api, report, files) = with_flag.plan().unwrap();
    let given_last = Config::new()
        .definitions(DEFINITIONS)
        .definition_files([flag_1_1.clone()])
        .plan()
        .unwrap();
    assert_eq!(
        (&api, &report, &files),
        (&given_last.0, &given_last.1, &given_last.2)
    );
    assert!(api.profiles.len() > plan(&[], &[]).unwrap().profiles.len());

    let mut with_other = base.clone();
    let other = file("message.xml", "<Bundle xmlns=\"http://hl7.org/fhir\"/>");
    assert!(!with_other.read_file(&other).unwrap(), "not a definition");
    let (api_other, report_other, _) = with_other.plan().unwrap();
    assert_eq!(api_other, plan(&[], &[]).unwrap());
    assert_eq!(
        report_other.skipped,
        [("message.xml".into(), "Bundle".to_owned())]
    );
    assert_eq!(
        base.plan().unwrap().0,
        api_other,
        "the copies are independent"
    );

    let mut broken = Config::new().definitions(DEFINITIONS).read().unwrap();
    let error = broken.read_file(&file("bad.xml", "<a>")).unwrap_err();
    assert!(error.to_string().contains("not well-formed"), "{error}");
}
