//! The load run shared by the load test and the benchmark: concurrent
//! clients sending mixed creates, queries and deletes on overlapping NHS
//! numbers to a Spine double, every answer checked, and the final store
//! checked against a sequential model of the accepted changes.
//!
//! "Accepted order" is the store's own: every request gets one audit entry,
//! appended in the same transaction as any change it makes, numbered in
//! order. Replaying the accepted creates and deletes of the audit one at a
//! time on a model (a create only on a number without a flag, a delete
//! only on one with) must succeed and end equal to the store's current
//! records; the answers clients got must be exactly the audit's (as many
//! `Created` and `Deleted` answers per number as audited changes, and each
//! answer's MessageHeader id in the audit), with one answer and one entry
//! for every request sent; and the chain must verify.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fgm_spine::audit::{verify, AuditFilter};
use fgm_spine::double::SpineOptions;
use fgm_spine::store::{SqliteStore, Store};
use fgm_types::messages::Message;
use fgm_types::spine::SpineReply;

use super::{client_of, create, delete, nhs_number, query_v1, query_v2, start_spine};

/// What a load run measured.
#[derive(Debug)]
pub struct LoadReport {
    /// Requests answered.
    pub requests: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Accepted changes in the audit.
    pub changes: usize,
    /// Flags left.
    pub flags: usize,
}

impl LoadReport {
    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests in {:.2} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms; {} accepted changes, {} flags left",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.changes,
            self.flags
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Create,
    Query,
    Delete,
}

/// Runs `clients` × `requests` mixed requests on `numbers` NHS numbers
/// against a Spine double over a SQLite file in `dir`, checks everything,
/// and reports. Panics on any disagreement.
pub async fn run(
    clients: usize,
    requests: usize,
    numbers: u32,
    dir: &std::path::Path,
) -> LoadReport {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("load.db")).unwrap());
    let server = start_spine(store.clone(), SpineOptions::default()).await;
    let pool: Vec<String> = (0..numbers).map(nhs_number).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client_of(&server);
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            // xorshift: a different, repeatable sequence per client.
            let mut state =
                0x9E37_79B9_7F4A_7C15u64 ^ (c as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut seen = Vec::with_capacity(requests);
            for _ in 0..requests {
                let r = next();
                let nhs = &pool[(r % pool.len() as u64) as usize];
                let (op, message): (Op, Message) = match (r >> 32) % 10 {
                    0..=3 => (Op::Create, create(nhs)),
                    4..=5 => (Op::Query, query_v1(nhs)),
                    6 => (Op::Query, query_v2(nhs)),
                    _ => (Op::Delete, delete(nhs)),
                };
                let sent = Instant::now();
                let answer = client
                    .send(&message)
                    .await
                    .unwrap_or_else(|e| panic!("{op:?} {nhs}: not a valid Spine answer: {e}"));
                let latency = sent.elapsed();
                let ok = match (op, &answer.reply, answer.status) {
                    (Op::Create, SpineReply::Created, 201)
                    | (Op::Query, SpineReply::Flag(_), 200)
                    | (Op::Query | Op::Delete, SpineReply::NoRecord, 404)
                    | (Op::Delete, SpineReply::Deleted, 200) => true,
                    (Op::Create, SpineReply::Error(e), 422) => e.code == "FLAG_ALREADY_SET",
                    _ => false,
                };
                assert!(
                    ok,
                    "{op:?} {nhs}: HTTP {} {:?}",
                    answer.status, answer.reply
                );
                seen.push((op, nhs.clone(), answer.reply, latency, answer.body));
            }
            seen
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    server.stop().await;
    // Each answer's MessageHeader id, read after the timed run.
    let answers: Vec<_> = answers
        .into_iter()
        .map(|(op, nhs, reply, latency, body)| {
            let id = Message::parse(&body)
                .ok()
                .and_then(|m| fgm_types::spine::message_id(&m.value).map(str::to_owned))
                .expect("a response message with its id");
            (op, nhs, reply, latency, id)
        })
        .collect();
    assert_eq!(
        answers.len(),
        clients * requests,
        "an answer for every request"
    );

    // The answers the clients got, per NHS number.
    let mut answered: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for (_, nhs, reply, _, _) in &answers {
        let what = match reply {
            SpineReply::Created => "create",
            SpineReply::Deleted => "delete",
            _ => continue,
        };
        *answered.entry((nhs.clone(), what)).or_default() += 1;
    }
    // The audit: one entry per request, one chain.
    let audit = store.audit(&AuditFilter::default()).unwrap();
    assert_eq!(
        audit.len(),
        clients * requests,
        "one audit entry per request"
    );
    let head = verify(&audit).unwrap_or_else(|broken| panic!("{broken}"));
    assert_eq!(head.seq as usize, audit.len());
    let audited: BTreeSet<&str> = audit
        .iter()
        .filter_map(|e| e.response_id.as_deref())
        .collect();
    for (op, nhs, _, _, id) in &answers {
        assert!(
            audited.contains(id.as_str()),
            "{op:?} {nhs}: answer {id} is not audited"
        );
    }
    // Its accepted changes, replayed in order on a sequential model.
    let mut model: BTreeMap<String, String> = BTreeMap::new();
    let mut logged: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut changes = 0;
    for entry in &audit {
        let nhs = entry
            .nhs_number
            .clone()
            .expect("a read request names its patient");
        match (entry.interaction.as_str(), entry.http_status) {
            ("CreateRequest", Some(201)) => {
                assert!(
                    model.insert(nhs.clone(), "2024-01-01".to_owned()).is_none(),
                    "entry {}: a create was accepted while a flag was set",
                    entry.seq
                );
                *logged.entry((nhs, "create")).or_default() += 1;
            }
            ("DeleteRequest", Some(200)) => {
                assert!(
                    model.remove(&nhs).is_some(),
                    "entry {}: a delete was accepted with no flag set",
                    entry.seq
                );
                assert_eq!(entry.delete_reason.as_deref(), Some("1"));
                *logged.entry((nhs, "delete")).or_default() += 1;
            }
            _ => continue,
        }
        changes += 1;
    }
    assert_eq!(
        answered, logged,
        "every accepted answer is an audited change, and only those"
    );
    let records = store.records().unwrap();
    assert_eq!(
        records.len(),
        logged
            .iter()
            .filter(|((_, w), _)| *w == "create")
            .map(|(_, n)| n)
            .sum::<usize>(),
        "a record per accepted create, none erased"
    );
    let stored: BTreeMap<String, String> = records
        .into_iter()
        .filter(|r| r.deleted.is_none())
        .map(|r| (r.nhs_number, r.assessed))
        .collect();
    assert_eq!(
        stored, model,
        "the current records are the sequential model of the audit"
    );
    let touched: BTreeSet<&String> = answers.iter().map(|(_, n, _, _, _)| n).collect();
    assert!(touched.len() > 1, "the numbers overlap across clients");

    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.3).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    LoadReport {
        requests: answers.len(),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
        changes,
        flags: stored.len(),
    }
}
