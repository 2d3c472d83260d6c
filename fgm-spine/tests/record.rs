//! The double's record, the 18th birthday, the assessment-date rule, the
//! logical delete, the audit of every request and the client's interaction
//! log, end to end through the real client over loopback.

mod common;

use std::sync::Arc;

use common::*;
use fgm::primitive::Instant;
use fgm_spine::audit::{verify, AuditEntry, AuditFilter};
use fgm_spine::clock::Clock;
use fgm_spine::double::SpineOptions;
use fgm_spine::server::Running;
use fgm_spine::store::Store;
use fgm_spine::{Client, ClientOptions};
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::build::{Create, Delete};
use fgm_types::spine::SpineReply;
use fgm_types::valuesets::FgmDeleteReasonCodes10;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A double on `today` over `store`.
async fn spine_on(store: &Arc<dyn Store>, today: &str) -> Running {
    let options = SpineOptions {
        clock: Clock::on(today).unwrap(),
        ..SpineOptions::default()
    };
    start_spine(store.clone(), options).await
}

/// A create for a girl born `born`, assessed `since` (a full date) and
/// sent that day, registered at `practice`, sent by an organisation.
fn create_for(nhs: &str, born: &str, since: &str, practice: &str) -> Message {
    Message::CreateRequest(
        Create::new(nhs, born, practice, "A practice")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(AUTHOR, "100077650987")
            .organization("RKE", "Example NHS Trust")
            .timestamp(Instant::new(format!("{since}T09:00:00+00:00")).unwrap())
            .since(since)
            .build()
            .expect("a create the builder accepts"),
    )
}

/// Each audit entry's interaction, HTTP status and Spine response code.
fn rows(audit: &[AuditEntry]) -> Vec<(&str, Option<u16>, Option<&str>)> {
    audit
        .iter()
        .map(|e| {
            (
                e.interaction.as_str(),
                e.http_status,
                e.response_code.as_deref(),
            )
        })
        .collect()
}

fn code_of(answer: &fgm_spine::Answer) -> String {
    match &answer.reply {
        SpineReply::Error(e) => e.code.clone(),
        SpineReply::NoRecord => "NO_RECORD_FOUND".into(),
        other => format!("{other:?}"),
    }
}

async fn a_record_holds_what_a_create_carries_and_a_delete_is_logical(backend: Backend) {
    let store = backend.store().await;
    let spine = spine_on(&store, "2024-06-01").await;
    let client = client_of(&spine);
    let girl = nhs_number(1);
    let create = create_for(&girl, "2015-06-01", "2024-05-20", "V81997");
    let created = client.send(&create).await.unwrap();
    assert_eq!(
        (created.status, &created.reply),
        (201, &SpineReply::Created)
    );

    let records = store.records().await.unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.nhs_number, girl);
    assert_eq!(record.birth_date, "2015-06-01");
    assert_eq!(record.assessed, "2024-05-20");
    assert_eq!(record.gp_practice, "V81997", "not registered, as sent");
    assert_eq!(record.user_id.as_deref(), Some(AUTHOR));
    assert_eq!(record.role_profile_id.as_deref(), Some("100077650987"));
    assert_eq!(record.organisation.as_deref(), Some("RKE"));
    assert_eq!(record.sender_asid.as_deref(), Some(CLIENT));
    assert_eq!(
        record.message_id.as_deref(),
        fgm_types::spine::message_id(&create)
    );
    assert!(
        record.received.starts_with("2024-06-01T"),
        "{}",
        record.received
    );
    assert_eq!(record.deleted, None);

    // A query still answers only the flag with the patient's NHS number.
    let found = client.send(&query_v2(&girl)).await.unwrap();
    let SpineReply::Flag(flag) = &found.reply else {
        panic!("{:?}", found.reply)
    };
    assert_eq!(flag.period.start.as_str(), "2024-05-20");
    let body = String::from_utf8_lossy(&found.body);
    assert!(
        !body.contains("2015-06-01") && !body.contains("V81997"),
        "{body}"
    );

    // A delete with reason 2 marks it deleted, who and when; nothing is erased.
    let delete = Message::DeleteRequest(
        Delete::new(&girl, FgmDeleteReasonCodes10::Code2)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds("200000000222", "100077650987")
            .build()
            .unwrap(),
    );
    assert_eq!(
        client.send(&delete).await.unwrap().reply,
        SpineReply::Deleted
    );
    let records = store.records().await.unwrap();
    assert_eq!(records.len(), 1, "nothing is erased");
    let deletion = records[0].deleted.as_ref().expect("marked deleted");
    assert_eq!(deletion.reason.as_deref(), Some("2"));
    assert_eq!(deletion.user_id.as_deref(), Some("200000000222"));
    assert_eq!(deletion.sender_asid.as_deref(), Some(CLIENT));
    assert_eq!(
        deletion.message_id.as_deref(),
        fgm_types::spine::message_id(&delete)
    );
    assert!(deletion.at.starts_with("2024-06-01T"));
    assert_eq!(
        code_of(&client.send(&query_v1(&girl)).await.unwrap()),
        "NO_RECORD_FOUND"
    );
    // A new create after the delete is a new record beside the old one.
    assert_eq!(
        client
            .send(&create_for(&girl, "2015-06-01", "2024-06-01", "B86022"))
            .await
            .unwrap()
            .status,
        201
    );
    assert_eq!(store.records().await.unwrap().len(), 2);
    spine.stop().await;
}

async fn at_the_eighteenth_birthday_the_record_goes(backend: Backend) {
    let store = backend.store().await;
    let girl = nhs_number(2);
    let born = "2006-05-10";
    let before = spine_on(&store, "2024-05-09").await;
    let client = client_of(&before);
    let create = create_for(&girl, born, "2024-05-01", "B86022");
    assert_eq!(client.send(&create).await.unwrap().status, 201);
    let found = client.send(&query_v2(&girl)).await.unwrap();
    assert!(
        matches!(found.reply, SpineReply::Flag(_)),
        "the day before: the flag"
    );
    before.stop().await;

    let on_the_day = spine_on(&store, "2024-05-10").await;
    let client = client_of(&on_the_day);
    for query in [query_v1(&girl), query_v2(&girl)] {
        let answer = client.send(&query).await.unwrap();
        assert_eq!(
            (answer.status, code_of(&answer)),
            (404, "NO_RECORD_FOUND".into())
        );
    }
    // A new create: PATIENT_OVER_18, by the message's birth date …
    let again = client
        .send(&create_for(&girl, born, "2024-05-01", "B86022"))
        .await
        .unwrap();
    assert_eq!(
        (again.status, code_of(&again)),
        (400, "PATIENT_OVER_18".into())
    );
    // … and by the record's, whatever the create claims.
    let younger = client
        .send(&create_for(&girl, "2010-01-01", "2024-05-01", "B86022"))
        .await
        .unwrap();
    assert_eq!(
        (younger.status, code_of(&younger)),
        (400, "PATIENT_OVER_18".into())
    );
    let delete = client.send(&delete(&girl)).await.unwrap();
    assert_eq!(code_of(&delete), "NO_RECORD_FOUND");
    on_the_day.stop().await;
    // No job ran: the record is as it was, judged gone by the date.
    let records = store.records().await.unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].deleted.is_none());
    assert!(!records[0].active_on("2024-05-10") && records[0].active_on("2024-05-09"));
}

async fn implausible_dates_are_refused_with_their_paths(backend: Backend) {
    let store = backend.store().await;
    let spine = spine_on(&store, "2024-06-01").await;
    let client = client_of(&spine);
    let girl = nhs_number(3);
    // Each built valid, then given the date the double is to judge.
    let valid = create_for(&girl, "2015-06-01", "2024-05-20", "B86022");
    for (from, to, path) in [
        (
            r#"<start value="2024-05-20"/>"#,
            r#"<start value="2024-06-02"/>"#,
            "Flag.period.start",
        ),
        (
            r#"<birthDate value="2015-06-01"/>"#,
            r#"<birthDate value="2024-06-02"/>"#,
            "Patient.birthDate",
        ),
        (
            r#"<start value="2024-05-20"/>"#,
            r#"<start value="2014-01-01"/>"#,
            "Flag.period.start",
        ),
    ] {
        let answer = client.send(&altered(&valid, from, to)).await.unwrap();
        let SpineReply::Error(e) = &answer.reply else {
            panic!("{to}: {:?}", answer.reply)
        };
        assert_eq!((answer.status, e.code.as_str()), (400, "INVALID_PARAMETER"));
        let diagnostics = e.diagnostics.as_deref().unwrap_or_default();
        assert!(diagnostics.contains(path), "{diagnostics}");
    }
    assert!(store.records().await.unwrap().is_empty());
    spine.stop().await;
}

async fn every_request_is_audited_accepted_refused_or_unreadable(backend: Backend) {
    let store = backend.store().await;
    let spine = spine_on(&store, "2024-06-01").await;
    let client = client_of(&spine);
    let girl = nhs_number(4);
    let create = create_for(&girl, "2015-06-01", "2024-05-20", "B86022");
    let created = client.send(&create).await.unwrap();
    let again = client.send(&create).await.unwrap();
    let local = Message::QueryV2Request(
        fgm_types::spine::build::QueryV2::new(&girl)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_local("LOCAL-77")
            .build()
            .unwrap(),
    );
    client.send(&local).await.unwrap();
    let (status, _) = client
        .post(Interaction::QueryV2Request, "<Bundle>not FHIR")
        .await
        .unwrap();
    assert_eq!(status, 400);
    // Over the body limit, declared: refused before the body is read (sent
    // by hand: a client still writing would meet a closed connection).
    let mut tcp = tokio::net::TcpStream::connect(spine.addr).await.unwrap();
    let delete = Interaction::DeleteRequest;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nSOAPAction: {}\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n",
        delete.endpoint(),
        delete.soap_action()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 400"), "over the body limit");
    spine.stop().await;

    let audit = store.audit(&AuditFilter::default()).await.unwrap();
    verify(&audit).unwrap();
    assert_eq!(
        rows(&audit),
        [
            ("CreateRequest", Some(201), None),
            ("CreateRequest", Some(422), Some("FLAG_ALREADY_SET")),
            ("QueryV2Request", Some(200), None),
            ("QueryV2Request", Some(400), Some("MESSAGE_NOT_WELL_FORMED")),
            ("DeleteRequest", Some(400), Some("MESSAGE_NOT_WELL_FORMED")),
        ]
    );
    let first = &audit[0];
    assert!(first.at.starts_with("2024-06-01T"));
    assert_eq!(
        first.request_id.as_deref(),
        fgm_types::spine::message_id(&create)
    );
    let response = Message::parse(&created.body).unwrap().value;
    assert_eq!(
        first.response_id.as_deref(),
        fgm_types::spine::message_id(&response)
    );
    assert_eq!(first.sender_asid.as_deref(), Some(CLIENT));
    assert_eq!(first.user_id.as_deref(), Some(AUTHOR));
    assert_eq!(first.role_profile_id.as_deref(), Some("100077650987"));
    assert_eq!(first.organisation.as_deref(), Some("RKE"));
    assert_eq!(first.nhs_number.as_deref(), Some(girl.as_str()));
    assert!(matches!(again.reply, SpineReply::Error(_)));
    assert_eq!(
        audit[2].user_id.as_deref(),
        Some("LOCAL-77"),
        "a v2 query's local identifier"
    );
    assert_eq!(audit[3].nhs_number, None, "unreadable: nothing claimed");
    assert_eq!(audit[3].response_id, None, "a bare OperationOutcome");
    let by_number = store
        .audit(&AuditFilter {
            nhs_number: Some(girl.clone()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_number.len(), 3);
}

async fn a_client_logs_every_exchange_in_the_same_format(backend: Backend) {
    let spine_store = backend.store().await;
    let spine = spine_on(&spine_store, "2024-06-01").await;
    let log = backend.store().await;
    let options = ClientOptions {
        log: Some(log.clone()),
        ..ClientOptions::default()
    };
    let client = Client::new(&format!("http://{}", spine.addr), &options).unwrap();
    let girl = nhs_number(5);
    client
        .send(&create_for(&girl, "2015-06-01", "2024-05-20", "B86022"))
        .await
        .unwrap();
    let found = client.send(&query_v1(&girl)).await.unwrap();
    client.send(&query_v2(&nhs_number(6))).await.unwrap();
    let addr = spine.addr;
    spine.stop().await;
    let refused = Client::new(&format!("http://{addr}"), &options).unwrap();
    assert!(refused.send(&query_v2(&girl)).await.is_err());

    let entries = log.audit(&AuditFilter::default()).await.unwrap();
    verify(&entries).unwrap();
    assert_eq!(
        rows(&entries),
        [
            ("CreateRequest", Some(201), None),
            ("QueryV1Request", Some(200), None),
            ("QueryV2Request", Some(404), Some("NO_RECORD_FOUND")),
            ("QueryV2Request", None, None),
        ]
    );
    let response = Message::parse(&found.body).unwrap().value;
    assert_eq!(
        entries[1].response_id.as_deref(),
        fgm_types::spine::message_id(&response)
    );
    // The same exchange, as the double audited it.
    let spine_side = spine_store.audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(spine_side[1].request_id, entries[1].request_id);
    assert_eq!(spine_side[1].response_id, entries[1].response_id);
}

on_every_store!(
    a_record_holds_what_a_create_carries_and_a_delete_is_logical,
    at_the_eighteenth_birthday_the_record_goes,
    implausible_dates_are_refused_with_their_paths,
    every_request_is_audited_accepted_refused_or_unreadable,
    a_client_logs_every_exchange_in_the_same_format,
);
