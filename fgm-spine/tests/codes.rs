//! Every Spine response code, and every success, through the real client
//! over loopback: the Spine double for Spine's codes, an SMSP in front of
//! it for the SMSP's (all but `DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE`,
//! which an FGM SMSP never sends); and a restart keeps the records.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use fgm_spine::audit::{AuditFilter, ANSWERED_BY_SMSP, ANSWERED_BY_SPINE};
use fgm_spine::double::SpineOptions;
use fgm_spine::server::{Handler, Request, Response};
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::store::Store;
use fgm_spine::{Client, ClientError, ClientOptions};
use fgm_types::messages::{Interaction, Message, RESPONSE_CODES};
use fgm_types::spine::{read_reply, SpineReply};

/// Asserts the answer is the Spine code with its table status; returns it.
fn expect_code(answer: Result<fgm_spine::Answer, ClientError>, code: &str) -> String {
    let answer = answer.unwrap_or_else(|e| panic!("{code}: no Spine answer: {e}"));
    let row = fgm_types::spine::response_code(code).unwrap();
    match &answer.reply {
        SpineReply::Error(e) => {
            assert_eq!(e.code, code, "{:?}", e.diagnostics);
            assert_eq!(e.http_status, row.http_status, "{code}");
        }
        SpineReply::NoRecord => assert_eq!(code, "NO_RECORD_FOUND"),
        other => panic!("{code}: {other:?}"),
    }
    assert_eq!(answer.status, row.http_status, "{code}");
    code.to_owned()
}

/// An upstream that answers nonsense, 200 OK.
struct Nonsense;

impl Handler for Nonsense {
    async fn handle(&self, _: Request) -> Response {
        Response::new(
            200,
            "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"message\"/></Bundle>".into(),
        )
    }
}

/// Removes what a spec of `backend` left on disk: a SQLite file's folder
/// (a PostgreSQL database is left for the server's removal).
fn remove_spec(backend: &Backend, spec: &str) {
    if let Backend::Sqlite = backend {
        let dir = std::path::Path::new(spec).parent().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}

fn smsp(upstream: &str, store: Arc<dyn Store>, options: SmspOptions) -> Arc<Smsp> {
    let upstream = Client::new(upstream, &ClientOptions::default()).unwrap();
    Arc::new(Smsp::new(upstream, store, options))
}

async fn every_response_code_and_every_success_over_http(backend: Backend) {
    let mut codes = BTreeSet::new();
    let spine_store = backend.store().await;
    let spine = start_spine(
        spine_store.clone(),
        SpineOptions {
            asid_allow: Some(vec![CLIENT.to_owned()]),
            ..SpineOptions::default()
        },
    )
    .await;
    let to_spine = client_of(&spine);
    let girl = nhs_number(1);

    // Successes: create 201, both queries 200 with the flag, delete 200.
    let created = to_spine.send(&create(&girl)).await.unwrap();
    assert_eq!(
        (created.status, &created.reply),
        (201, &SpineReply::Created)
    );
    for query in [query_v1(&girl), query_v2(&girl)] {
        let found = to_spine.send(&query).await.unwrap();
        assert_eq!(found.status, 200);
        match found.reply {
            SpineReply::Flag(flag) => {
                assert_eq!(
                    fgm_types::spine::flag_nhs_number(&flag),
                    Some(girl.as_str())
                );
                assert_eq!(flag.period.start.as_str(), "2024-01-01");
            }
            other => panic!("{other:?}"),
        }
    }
    codes.insert(expect_code(
        to_spine.send(&create(&girl)).await,
        "FLAG_ALREADY_SET",
    ));
    let deleted = to_spine.send(&delete(&girl)).await.unwrap();
    assert_eq!(
        (deleted.status, &deleted.reply),
        (200, &SpineReply::Deleted)
    );
    let records = spine_store.records().await.unwrap();
    assert_eq!(
        records[0]
            .deleted
            .as_ref()
            .and_then(|d| d.reason.as_deref()),
        Some("1"),
        "the reason is kept"
    );
    codes.insert(expect_code(
        to_spine.send(&delete(&girl)).await,
        "NO_RECORD_FOUND",
    ));
    expect_code(to_spine.send(&query_v2(&girl)).await, "NO_RECORD_FOUND");

    // Spine's refusals.
    let bad_number = altered(&query_v2(&girl), &girl, &format!("{}0", &girl[..9]));
    codes.insert(expect_code(
        to_spine.send(&bad_number).await,
        "INVALID_NHS_NUMBER",
    ));
    let woman = altered(&create(&girl), "2015-06-01", "2000-01-01");
    codes.insert(expect_code(to_spine.send(&woman).await, "PATIENT_OVER_18"));
    let not_fgm = altered(
        &query_v1(&girl),
        r#"<valueString value="FGM"/>"#,
        r#"<valueString value="XYZ"/>"#,
    );
    codes.insert(expect_code(
        to_spine.send(&not_fgm).await,
        "INVALID_PARAMETER",
    ));
    let stranger = altered(&query_v2(&girl), CLIENT, "200000000999");
    codes.insert(expect_code(
        to_spine.send(&stranger).await,
        "ASID_CHECK_FAILED",
    ));
    let (status, body) = to_spine
        .post(Interaction::QueryV2Request, "<Bundle>not FHIR")
        .await
        .unwrap();
    assert_eq!(status, 400);
    match read_reply(status, &body, None::<&fgm_types::messages::Message>).unwrap() {
        SpineReply::Error(e) => codes.insert(e.code),
        other => panic!("{other:?}"),
    };
    assert!(codes.contains("MESSAGE_NOT_WELL_FORMED"));

    // The SMSP in front of the double, accepting one author.
    let smsp_store = backend.store().await;
    let options = SmspOptions {
        author_allow: Some(vec![AUTHOR.to_owned()]),
        ..SmspOptions::default()
    };
    let front = start(smsp(
        &format!("http://{}", spine.addr),
        smsp_store.clone(),
        options,
    ))
    .await;
    let to_smsp = client_of(&front);
    let other = nhs_number(2);
    // Queries through it, answered by Spine.
    assert_eq!(to_spine.send(&create(&girl)).await.unwrap().status, 201);
    let found = to_smsp.send(&query_v1(&girl)).await.unwrap();
    assert!(
        matches!(found.reply, SpineReply::Flag(_)),
        "{:?}",
        found.reply
    );
    expect_code(to_smsp.send(&query_v2(&other)).await, "NO_RECORD_FOUND");
    // Query only: a create and a delete are refused, not forwarded.
    let before = spine_store
        .audit(&AuditFilter::default())
        .await
        .unwrap()
        .len();
    for update in [create(&other), delete(&girl)] {
        let answer = to_smsp.send(&update).await;
        let answer = answer.unwrap();
        match &answer.reply {
            SpineReply::Error(e) => {
                assert_eq!(e.code, "INPUT_MESSAGE_VALIDATION_ERROR");
                assert!(
                    e.diagnostics
                        .as_deref()
                        .unwrap_or_default()
                        .contains("query only"),
                    "{:?}",
                    e.diagnostics
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        spine_store
            .audit(&AuditFilter::default())
            .await
            .unwrap()
            .len(),
        before,
        "Spine never saw them"
    );
    codes.insert(expect_code(
        to_smsp.send(&bad_number).await,
        "INPUT_MESSAGE_VALIDATION_ERROR",
    ));
    let unknown_author = query_v2_by(&girl, "200000000001");
    codes.insert(expect_code(
        to_smsp.send(&unknown_author).await,
        "AUTHOR_CREDENTIALS_ERROR",
    ));
    // No audit identifier at all: a v1 query with no practitioner.
    let anonymous = Message::QueryV1Request(
        fgm_types::spine::build::QueryV1::new(&girl)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .build()
            .unwrap(),
    );
    let refused = expect_code(to_smsp.send(&anonymous).await, "AUTHOR_CREDENTIALS_ERROR");
    assert_eq!(refused, "AUTHOR_CREDENTIALS_ERROR");

    // Spine goes away: nothing is served from a cache, ever.
    spine.stop().await;
    for query in [query_v2(&girl), query_v1(&other)] {
        let answer = to_smsp.send(&query).await;
        let body = match &answer {
            Ok(a) => String::from_utf8_lossy(&a.body).into_owned(),
            Err(e) => e.to_string(),
        };
        assert!(!body.contains("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE"));
        codes.insert(expect_code(answer, "COULD_NOT_CONNECT_TO_SPINE"));
    }
    front.stop().await;
    // Its audit: one entry per request, saying who answered.
    let audit = smsp_store.audit(&AuditFilter::default()).await.unwrap();
    let by: Vec<(&str, Option<&str>)> = audit
        .iter()
        .map(|e| {
            (
                e.answered_by.as_deref().unwrap(),
                e.response_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (ANSWERED_BY_SPINE, None),
            (ANSWERED_BY_SPINE, Some("NO_RECORD_FOUND")),
            (ANSWERED_BY_SMSP, Some("INPUT_MESSAGE_VALIDATION_ERROR")),
            (ANSWERED_BY_SMSP, Some("INPUT_MESSAGE_VALIDATION_ERROR")),
            (ANSWERED_BY_SMSP, Some("INPUT_MESSAGE_VALIDATION_ERROR")),
            (ANSWERED_BY_SMSP, Some("AUTHOR_CREDENTIALS_ERROR")),
            (ANSWERED_BY_SMSP, Some("AUTHOR_CREDENTIALS_ERROR")),
            (ANSWERED_BY_SMSP, Some("COULD_NOT_CONNECT_TO_SPINE")),
            (ANSWERED_BY_SMSP, Some("COULD_NOT_CONNECT_TO_SPINE")),
        ]
    );
    assert!(
        smsp_store.records().await.unwrap().is_empty(),
        "no FGM data kept"
    );

    // The one code no server here sends: the library still builds and
    // reads it, for SMSPs that keep a local store.
    let flag = Box::new(fgm_types::spine::build::query_flag(&girl, "2024-01-01").unwrap());
    let asked = query_v2(&girl);
    let local =
        fgm_types::spine::respond(&asked, fgm_types::spine::Outcome::LocalFlag(flag)).unwrap();
    assert_eq!(local.http_status, 203);
    match read_reply(203, local.message.to_xml().as_bytes(), Some(&asked)).unwrap() {
        SpineReply::Flag(_) => {
            codes.insert("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE".to_owned())
        }
        other => panic!("{other:?}"),
    };

    // An upstream that answers nonsense.
    let nonsense = start(Arc::new(Nonsense)).await;
    let front = start(smsp(
        &format!("http://{}", nonsense.addr),
        backend.store().await,
        SmspOptions::default(),
    ))
    .await;
    codes.insert(expect_code(
        client_of(&front).send(&query_v1(&girl)).await,
        "RESPONSE_MESSAGE_VALIDATION_ERROR",
    ));
    front.stop().await;
    nonsense.stop().await;

    // The SMSP's own store breaks (its audit table is dropped under it).
    let spec = backend.spec().await;
    let broken = backend.open(&spec).await;
    backend.sql(&spec, "DROP TABLE audit").await;
    let front = start(smsp("http://127.0.0.1:9", broken, SmspOptions::default())).await;
    codes.insert(expect_code(
        client_of(&front).send(&query_v2(&girl)).await,
        "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE",
    ));
    front.stop().await;
    remove_spec(&backend, &spec);

    let table: BTreeSet<String> = RESPONSE_CODES.iter().map(|r| r.code.to_owned()).collect();
    assert_eq!(
        codes,
        table,
        "each of the {} codes was produced",
        table.len()
    );
    assert_eq!(codes.len(), 13);
}

async fn a_restarted_double_keeps_its_records(backend: Backend) {
    let spec = backend.spec().await;
    let girl = nhs_number(7);
    let first = start_spine(backend.open(&spec).await, SpineOptions::default()).await;
    assert_eq!(
        client_of(&first).send(&create(&girl)).await.unwrap().status,
        201
    );
    first.stop().await;
    let second = start_spine(backend.open(&spec).await, SpineOptions::default()).await;
    let found = client_of(&second).send(&query_v1(&girl)).await.unwrap();
    assert_eq!(found.status, 200);
    assert!(
        matches!(found.reply, SpineReply::Flag(_)),
        "{:?}",
        found.reply
    );
    expect_code(
        client_of(&second).send(&create(&girl)).await,
        "FLAG_ALREADY_SET",
    );
    second.stop().await;
    remove_spec(&backend, &spec);
}

async fn an_smsp_allowed_updates_forwards_creates_and_deletes(backend: Backend) {
    let spine_store = backend.store().await;
    let spine = start_spine(spine_store.clone(), SpineOptions::default()).await;
    let options = SmspOptions {
        allow_updates: true,
        ..SmspOptions::default()
    };
    let smsp_store = backend.store().await;
    let front = start(smsp(
        &format!("http://{}", spine.addr),
        smsp_store.clone(),
        options,
    ))
    .await;
    let to_smsp = client_of(&front);
    let girl = nhs_number(9);
    assert_eq!(to_smsp.send(&create(&girl)).await.unwrap().status, 201);
    assert_eq!(to_smsp.send(&delete(&girl)).await.unwrap().status, 200);
    front.stop().await;
    spine.stop().await;
    assert_eq!(
        spine_store.records().await.unwrap().len(),
        1,
        "Spine keeps the record"
    );
    assert!(
        smsp_store.records().await.unwrap().is_empty(),
        "the SMSP keeps none"
    );
    let by: Vec<Option<String>> = smsp_store
        .audit(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.answered_by)
        .collect();
    assert_eq!(by, [Some("spine".to_owned()), Some("spine".to_owned())]);
}

on_every_store!(
    every_response_code_and_every_success_over_http,
    a_restarted_double_keeps_its_records,
    an_smsp_allowed_updates_forwards_creates_and_deletes,
);
