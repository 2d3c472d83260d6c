//! The store interface, on every backend: records deleted logically with
//! one current per NHS number, transactions that commit all or nothing,
//! and one audit chain, across reopenings and across several stores (as
//! several servers) on one database at once.

mod common;

use std::sync::Arc;

use common::Backend;
use fgm_spine::audit::{verify, AuditEntry, AuditFilter};
use fgm_spine::store::{Deletion, Record, Store};

fn record(nhs: &str, received: &str) -> Record {
    Record {
        nhs_number: nhs.into(),
        birth_date: "2015-06-01".into(),
        assessed: "2024-01-01".into(),
        gp_practice: "B86022".into(),
        received: received.into(),
        ..Record::default()
    }
}

async fn records_are_deleted_logically_and_one_is_current(backend: Backend) {
    let store = backend.store().await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.current("9434765919").await.unwrap(), None);
    tx.insert(&record("9434765919", "2024-01-02T10:00:00+00:00"))
        .await
        .unwrap();
    assert!(
        tx.insert(&record("9434765919", "2024-01-02T10:00:01+00:00"))
            .await
            .is_err(),
        "a second current record is refused by the schema itself"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.insert(&record("9434765919", "2024-01-02T10:00:00+00:00"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let deletion = Deletion {
        reason: Some("1".into()),
        user_id: Some("200009876204".into()),
        at: "2024-02-01T10:00:00+00:00".into(),
        ..Deletion::default()
    };
    let mut tx = store.begin().await.unwrap();
    tx.delete("9434765919", &deletion).await.unwrap();
    assert_eq!(tx.current("9434765919").await.unwrap(), None);
    tx.insert(&record("9434765919", "2024-03-01T10:00:00+00:00"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let records = store.records().await.unwrap();
    assert_eq!(records.len(), 2, "nothing is erased");
    assert_eq!(records[0].deleted.as_ref(), Some(&deletion));
    assert!(records[0].active_on("2024-01-31") && !records[0].active_on("2024-02-01"));
    assert!(records[1].deleted.is_none());
    assert!(!records[1].active_on("2024-02-29") && records[1].active_on("2024-03-01"));
    assert!(
        !records[1].active_on("2033-06-01"),
        "the 18th birthday ends it"
    );
}

async fn a_dropped_transaction_changes_nothing(backend: Backend) {
    let store = backend.store().await;
    {
        let mut tx = store.begin().await.unwrap();
        tx.insert(&record("9434765919", "2024-01-02T10:00:00+00:00"))
            .await
            .unwrap();
        tx.append(AuditEntry::new(
            "2024-01-02T10:00:00+00:00",
            "CreateRequest",
        ))
        .await
        .unwrap();
    }
    assert!(store.records().await.unwrap().is_empty());
    assert!(store
        .audit(&AuditFilter::default())
        .await
        .unwrap()
        .is_empty());
    // The store is usable after it (the connection was given back clean).
    let e = store
        .append(AuditEntry::new(
            "2024-01-02T10:00:01+00:00",
            "QueryV2Request",
        ))
        .await
        .unwrap();
    assert_eq!(e.seq, 1);
    store.ping().await.unwrap();
}

async fn the_audit_is_one_chain_across_reopenings(backend: Backend) {
    let spec = backend.spec().await;
    for round in 0..3 {
        let store = backend.open(&spec).await;
        for i in 0..2 {
            let e = store
                .append(AuditEntry::new(
                    format!("2024-01-0{}T00:00:0{i}+00:00", round + 1),
                    "QueryV2Request",
                ))
                .await
                .unwrap();
            assert_eq!(e.seq, round * 2 + i + 1);
        }
    }
    let store = backend.open(&spec).await;
    let entries = store.audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(verify(&entries).unwrap().seq, 6);
}

/// Two stores on one database, as two servers: creates of the same NHS
/// numbers race, and exactly one per number finds no current record; the
/// audit entries both append form one chain.
async fn two_stores_on_one_database_serialise_each_number_and_the_chain(backend: Backend) {
    let spec = backend.spec().await;
    let stores: [Arc<dyn Store>; 2] = [backend.open(&spec).await, backend.open(&spec).await];
    let numbers: Vec<String> = (0..6).map(common::nhs_number).collect();
    let mut tasks = Vec::new();
    for worker in 0..8usize {
        let store = stores[worker % 2].clone();
        let numbers = numbers.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for round in 0..5 {
                for nhs in &numbers {
                    let mut tx = store.begin().await.unwrap();
                    let at = format!("2024-01-01T00:00:{round:02}+00:00");
                    if tx.current(nhs).await.unwrap().is_none() {
                        tx.insert(&record(nhs, &at)).await.unwrap();
                        created += 1;
                    }
                    let mut entry = AuditEntry::new(at, "CreateRequest");
                    entry.nhs_number = Some(nhs.clone());
                    tx.append(entry).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }
            created
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += task.await.unwrap();
    }
    assert_eq!(created, numbers.len(), "one create per number succeeded");
    for store in &stores {
        let entries = store.audit(&AuditFilter::default()).await.unwrap();
        assert_eq!(entries.len(), 8 * 5 * numbers.len());
        assert_eq!(verify(&entries).unwrap().seq as usize, entries.len());
        assert_eq!(store.records().await.unwrap().len(), numbers.len());
    }
}

async fn a_store_newer_than_the_program_is_refused(backend: Backend) {
    let spec = backend.spec().await;
    drop(backend.open(&spec).await);
    let bump = match backend {
        Backend::Sqlite => "PRAGMA user_version = 99",
        Backend::Postgres(_) => "UPDATE fgm_schema SET version = 99",
    };
    backend.sql(&spec, bump).await;
    let error = fgm_spine::store::open(&spec).await.unwrap_err();
    assert!(
        error.to_string().contains("newer than this program's"),
        "{error}"
    );
    let error = fgm_spine::store::open("/nonexistent-dir/x/flags.db")
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with("the store failed while"),
        "{error}"
    );
}

on_every_store!(
    records_are_deleted_logically_and_one_is_current,
    a_dropped_transaction_changes_nothing,
    the_audit_is_one_chain_across_reopenings,
    two_stores_on_one_database_serialise_each_number_and_the_chain,
    a_store_newer_than_the_program_is_refused,
);

/// The variable naming the PEM of the CA that signed the test server's
/// certificate (`.ci/postgres` makes it).
const POSTGRES_CA: &str = "FGM_TEST_POSTGRES_CA";

/// TLS to PostgreSQL, libpq's way (`sslmode=require&sslrootcert=…`): the
/// connections are encrypted, and a server whose certificate another CA
/// signed is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_verifies_the_server() {
    let Some(backend) = Backend::postgres("postgres_over_tls_verifies_the_server") else {
        return;
    };
    let Ok(ca) = std::env::var(POSTGRES_CA) else {
        eprintln!("SKIPPED postgres_over_tls_verifies_the_server: {POSTGRES_CA} is not set (`.ci/run` sets it)");
        return;
    };
    let spec = backend.spec().await;
    let database = spec.rsplit('/').next().unwrap().to_owned();
    let store = fgm_spine::store::open(&format!("{spec}?sslmode=require&sslrootcert={ca}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .append(AuditEntry::new(
            "2024-01-02T10:00:00+00:00",
            "QueryV2Request",
        ))
        .await
        .unwrap();
    let Backend::Postgres(server) = &backend else {
        unreachable!()
    };
    let admin = common::postgres_client(server).await;
    let row = admin
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s \
             JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
            &[&database],
        )
        .await
        .unwrap();
    let (encrypted, all): (i64, i64) = (row.get(0), row.get(1));
    assert!(
        all > 0 && encrypted == all,
        "{encrypted} of {all} connections over TLS"
    );
    drop(store);

    // Another CA's certificate is not trusted.
    let other = rcgen::generate_simple_self_signed(vec!["other CA".to_owned()]).unwrap();
    let dir = common::temp_dir("other-ca");
    let other_ca = dir.join("ca.pem");
    std::fs::write(&other_ca, other.cert.pem()).unwrap();
    let error = fgm_spine::store::open(&format!(
        "{spec}?sslmode=require&sslrootcert={}",
        other_ca.display()
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(error.contains("certificate"), "{error}");
    let error = fgm_spine::store::open(&format!("{spec}?sslmode=require"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("needs sslrootcert"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
