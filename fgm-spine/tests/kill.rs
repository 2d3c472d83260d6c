//! A double killed (SIGKILL) in the middle of a burst of requests leaves
//! its store in its last committed state, on every backend: a SQLite file
//! passes SQLite's integrity check, the audit chain verifies, every answer
//! a client received has its audit entry (the entry is committed before
//! the answer is sent), and the current records are exactly what the
//! audit's accepted changes, replayed, say (the change and its entry are
//! one transaction).

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Backend;
use fgm_spine::audit::{verify, AuditFilter};
use fgm_spine::double::SpineOptions;
use fgm_spine::{Client, ClientOptions};
use fgm_types::messages::Message;

/// The child's store, as `--store` names it (a SQLite file, or a
/// PostgreSQL URL).
const CHILD_STORE: &str = "FGM_SPINE_KILL_TEST_STORE";
const CHILD_ADDR: &str = "FGM_SPINE_KILL_TEST_ADDR";

/// The child: a double on loopback over the store, serving for at most
/// 60 s or until killed. Run only by the test below.
#[test]
#[ignore = "the server the kill test starts and kills"]
fn server_to_be_killed() {
    let (Ok(spec), Ok(addr_file)) = (std::env::var(CHILD_STORE), std::env::var(CHILD_ADDR)) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = fgm_spine::store::open(&spec)
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        let server = common::start_spine(store, SpineOptions::default()).await;
        let written = format!("{addr_file}.tmp");
        std::fs::write(&written, server.addr.to_string()).unwrap();
        std::fs::rename(&written, &addr_file).unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
}

/// Sends creates and deletes from 4 clients until stopped; the response
/// MessageHeader ids of the answers received.
async fn burst(addr: String, stop: Arc<std::sync::atomic::AtomicBool>) -> Vec<String> {
    let mut tasks = Vec::new();
    for c in 0..4u32 {
        let client = Client::new(&format!("http://{addr}"), &ClientOptions::default()).unwrap();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            let mut i = c;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let nhs = common::nhs_number(i % 8);
                let message = if i % 3 == 2 {
                    common::delete(&nhs)
                } else {
                    common::create(&nhs)
                };
                i += 4;
                let Ok(answer) = client.send(&message).await else {
                    break; // killed
                };
                let read = Message::parse(&answer.body).unwrap().value;
                ids.push(fgm_types::spine::message_id(&read).unwrap().to_owned());
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    ids
}

async fn a_kill_mid_burst_leaves_a_verified_chain_with_every_answer_audited(backend: Backend) {
    let dir = common::temp_dir(match backend {
        Backend::Sqlite => "kill-sqlite",
        Backend::Postgres(_) => "kill-postgres",
    });
    let spec = backend.spec().await;
    let addr_file = dir.join("addr");
    let mut answered = Vec::new();
    for round in 0..3u64 {
        let _ = std::fs::remove_file(&addr_file);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "server_to_be_killed", "--nocapture"])
            .env(CHILD_STORE, &spec)
            .env(CHILD_ADDR, &addr_file)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            if let Ok(addr) = std::fs::read_to_string(&addr_file) {
                break addr;
            }
            assert!(Instant::now() < deadline, "the child did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sending = tokio::spawn(burst(addr, stop.clone()));
        // Let it answer for a while, then kill it in the middle of the burst.
        tokio::time::sleep(Duration::from_millis(400 + 150 * round)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let ids = sending.await.unwrap();
        assert!(
            ids.len() > 20,
            "round {round}: the burst was answered ({})",
            ids.len()
        );
        answered.extend(ids);

        if let Backend::Sqlite = backend {
            let check = rusqlite::Connection::open(&spec).unwrap();
            let integrity: String = check
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(integrity, "ok");
        }
        let store = backend.open(&spec).await;
        let audit = store.audit(&AuditFilter::default()).await.unwrap();
        verify(&audit).unwrap_or_else(|broken| panic!("round {round}: {broken}"));
        let audited: BTreeSet<&str> = audit
            .iter()
            .filter_map(|e| e.response_id.as_deref())
            .collect();
        let lost: Vec<&String> = answered
            .iter()
            .filter(|id| !audited.contains(id.as_str()))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: answers with no audit entry: {lost:?}"
        );
        let mut model = BTreeSet::new();
        for entry in &audit {
            let nhs = entry.nhs_number.clone().unwrap();
            match (entry.interaction.as_str(), entry.http_status) {
                ("CreateRequest", Some(201)) => assert!(model.insert(nhs), "entry {}", entry.seq),
                ("DeleteRequest", Some(200)) => assert!(model.remove(&nhs), "entry {}", entry.seq),
                _ => {}
            }
        }
        let current: BTreeSet<String> = store
            .records()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.deleted.is_none())
            .map(|r| r.nhs_number)
            .collect();
        assert_eq!(current, model, "round {round}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    if let Backend::Sqlite = backend {
        std::fs::remove_dir_all(std::path::Path::new(&spec).parent().unwrap()).unwrap();
    }
}

on_every_store!(a_kill_mid_burst_leaves_a_verified_chain_with_every_answer_audited);
