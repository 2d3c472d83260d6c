//! A load to measure and check a Spine double with, in process or from
//! another process, on one server or several sharing a store.
//!
//! [`drive`] sends concurrent requests from [`Load::clients`] clients on
//! overlapping NHS numbers (each request to the next of the servers given,
//! in turn) and times them; [`check`] then holds the store to what the
//! clients were told:
//!
//! - "Accepted order" is the store's own: every request gets one audit
//!   entry, appended in the transaction of any change it makes, numbered in
//!   order. Replaying the accepted creates and deletes of the audit one at
//!   a time on a model (a create only on a number without a flag, a delete
//!   only on one with) must succeed and end equal to the store's current
//!   records: no double create, whichever server each reached.
//! - Every answer a client received is in the audit (nothing acknowledged
//!   is lost), and the chain verifies.
//! - When every request was answered: exactly as many `Created` and
//!   `Deleted` answers per number as audited changes, and one entry per
//!   request. (Requests left unanswered, by a server killed mid-burst, may
//!   or may not have been committed: only the rules above hold for them.)

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

use fgm_types::messages::Message;
use fgm_types::spine::build::{Create, Delete, QueryV1, QueryV2};
use fgm_types::spine::SpineReply;
use fgm_types::valuesets::FgmDeleteReasonCodes10;

use crate::audit::{verify, AuditFilter};
use crate::client::Client;
use crate::store::Store;

/// The sending system's ASID in the load's requests.
pub const CLIENT_ASID: &str = "200000000115";
/// The ASID the load's requests are addressed to (the double's default).
pub const SPINE_ASID: &str = crate::double::SPINE_ASID;
/// The practitioner's SDS user id in the load's requests.
pub const AUTHOR: &str = "200009876204";

/// What requests a load sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// 40% creates, 30% queries (v1 and v2), 30% deletes.
    Mixed,
    /// Queries alone (v1 and v2), after one create for every other number
    /// (sent before the clock starts), so that half of them find a flag.
    Queries,
}

/// A load: how many clients send how many requests on how many numbers.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent clients.
    pub clients: usize,
    /// Requests each client sends.
    pub requests: usize,
    /// Distinct NHS numbers the requests are about.
    pub numbers: u32,
    /// What the requests are.
    pub mix: Mix,
}

/// The `n`-th valid NHS number (check digit by modulus 11) from 943476000.
pub fn nhs_number(n: u32) -> String {
    (943_476_000 + n * 3..)
        .find_map(|base: u32| {
            let text = format!("{base:09}");
            let digits: [u8; 9] = std::array::from_fn(|i| text.as_bytes()[i] - b'0');
            fgm_types::spine::NhsNumber::check_digit(&digits).map(|check| format!("{text}{check}"))
        })
        .expect("a number with a check digit")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Create,
    Query,
    Delete,
}

/// A create of the load's (a girl born in 2015, assessed 2024-01-01), from
/// [`CLIENT_ASID`] to [`SPINE_ASID`] by [`AUTHOR`], built with the
/// library's builders.
pub fn create(nhs: &str) -> Message {
    Create::new(nhs, "2015-06-01", "B86022", "Example Surgery")
        .from_asid(CLIENT_ASID)
        .to_asid(SPINE_ASID)
        .practitioner_sds(AUTHOR, "100077650987")
        .since("2024-01-01")
        .build()
        .map(Message::CreateRequest)
        .expect("the load's requests are valid")
}

/// A v1 query of the load's.
pub fn query_v1(nhs: &str) -> Message {
    QueryV1::new(nhs)
        .from_asid(CLIENT_ASID)
        .to_asid(SPINE_ASID)
        .practitioner_sds(AUTHOR, "100077650987")
        .build()
        .map(Message::QueryV1Request)
        .expect("the load's requests are valid")
}

/// A v2 query of the load's.
pub fn query_v2(nhs: &str) -> Message {
    QueryV2::new(nhs)
        .from_asid(CLIENT_ASID)
        .to_asid(SPINE_ASID)
        .practitioner_sds(AUTHOR, "100077650987")
        .build()
        .map(Message::QueryV2Request)
        .expect("the load's requests are valid")
}

/// A delete of the load's (reason code 1).
pub fn delete(nhs: &str) -> Message {
    Delete::new(nhs, FgmDeleteReasonCodes10::Code1)
        .from_asid(CLIENT_ASID)
        .to_asid(SPINE_ASID)
        .practitioner_sds(AUTHOR, "100077650987")
        .build()
        .map(Message::DeleteRequest)
        .expect("the load's requests are valid")
}

/// The request of `op` for a number.
fn request(op: Op, nhs: &str, v2: bool) -> Message {
    match op {
        Op::Create => create(nhs),
        Op::Query if v2 => query_v2(nhs),
        Op::Query => query_v1(nhs),
        Op::Delete => delete(nhs),
    }
}

/// One request sent, and what came of it.
#[derive(Debug, Clone)]
struct Sent {
    op: Op,
    nhs: String,
    /// The answer's meaning and response MessageHeader id, or why there
    /// was none.
    answer: Result<(SpineReply, String), String>,
    /// The latency, when timed (not for a [`Mix::Queries`] seed).
    latency: Option<Duration>,
}

/// What [`drive`] saw.
#[derive(Debug, Clone)]
pub struct Run {
    sent: Vec<Sent>,
    /// The timed part's wall time.
    pub elapsed: Duration,
}

impl Run {
    /// Requests sent.
    pub fn requests(&self) -> usize {
        self.sent.len()
    }

    /// Requests that got no valid answer (a connection refused or broken,
    /// a server killed).
    pub fn unanswered(&self) -> usize {
        self.sent.iter().filter(|s| s.answer.is_err()).count()
    }

    /// The first answer that was not what its request allows, if any (an
    /// unanswered request is not one).
    pub fn wrong_answer(&self) -> Option<String> {
        self.sent.iter().find_map(|s| match &s.answer {
            Ok((reply, _)) if !allowed(s.op, reply) => {
                Some(format!("{:?} {}: {reply:?}", s.op, s.nhs))
            }
            _ => None,
        })
    }
}

/// Whether an answer is one the request may get.
fn allowed(op: Op, reply: &SpineReply) -> bool {
    match (op, reply) {
        (Op::Create, SpineReply::Created)
        | (Op::Query, SpineReply::Flag(_))
        | (Op::Query | Op::Delete, SpineReply::NoRecord)
        | (Op::Delete, SpineReply::Deleted) => true,
        (Op::Create, SpineReply::Error(e)) => e.code == "FLAG_ALREADY_SET",
        _ => false,
    }
}

/// Sends the load to the servers (each request to the next of them, in
/// turn, per client) and waits for every answer or failure.
pub async fn drive(servers: &[Client], load: Load) -> Run {
    assert!(!servers.is_empty(), "a load needs a server");
    let pool: Vec<String> = (0..load.numbers).map(nhs_number).collect();
    let mut sent = Vec::new();
    if load.mix == Mix::Queries {
        for nhs in pool.iter().step_by(2) {
            sent.push(send(&servers[0], Op::Create, nhs, false, None).await);
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..load.clients {
        let servers = servers.to_vec();
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
            let mut seen = Vec::with_capacity(load.requests);
            for i in 0..load.requests {
                let r = next();
                let nhs = &pool[(r % pool.len() as u64) as usize];
                let (op, v2) = match (load.mix, (r >> 32) % 10) {
                    (Mix::Mixed, 0..=3) => (Op::Create, false),
                    (Mix::Mixed, 4..=5) | (Mix::Queries, 0..=4) => (Op::Query, false),
                    (Mix::Mixed, 6) | (Mix::Queries, _) => (Op::Query, true),
                    (Mix::Mixed, _) => (Op::Delete, false),
                };
                let server = &servers[(c + i) % servers.len()];
                seen.push(send(server, op, nhs, v2, Some(Instant::now())).await);
            }
            seen
        }));
    }
    for task in tasks {
        match task.await {
            Ok(seen) => sent.extend(seen),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    Run {
        sent,
        elapsed: started.elapsed(),
    }
}

async fn send(client: &Client, op: Op, nhs: &str, v2: bool, timed: Option<Instant>) -> Sent {
    let answer = client
        .send(&request(op, nhs, v2))
        .await
        .map_err(|e| e.to_string())
        .and_then(|answer| {
            let id = Message::parse(&answer.body)
                .ok()
                .and_then(|m| fgm_types::spine::message_id(&m.value).map(str::to_owned))
                .ok_or_else(|| format!("HTTP {}: no response message id", answer.status))?;
            Ok((answer.reply, id))
        });
    Sent {
        op,
        nhs: nhs.to_owned(),
        answer,
        latency: timed.map(|t| t.elapsed()),
    }
}

/// What a checked load measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Requests sent (seeds included).
    pub requests: usize,
    /// Requests with no answer.
    pub unanswered: usize,
    /// The timed part's wall time.
    pub elapsed: Duration,
    /// Timed requests answered.
    pub timed: usize,
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
    /// Timed requests answered per second.
    pub fn per_second(&self) -> f64 {
        self.timed as f64 / self.elapsed.as_secs_f64()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests in {:.2} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms; \
             {} accepted changes, {} flags left",
            self.timed,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.changes,
            self.flags
        )?;
        if self.unanswered > 0 {
            write!(f, "; {} unanswered", self.unanswered)?;
        }
        Ok(())
    }
}

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

/// Holds the store the servers shared to what the run's clients were told
/// (see the module's documentation); the report, or the first
/// disagreement.
pub async fn check(store: &dyn Store, run: &Run) -> Result<LoadReport, String> {
    if let Some(wrong) = run.wrong_answer() {
        return Err(format!("a request got an answer it may not: {wrong}"));
    }
    let audit = store
        .audit(&AuditFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    let head = verify(&audit).map_err(|broken| broken.to_string())?;
    ensure!(
        head.seq as usize == audit.len(),
        "the chain's head is {} for {} entries",
        head.seq,
        audit.len()
    );
    let audited: BTreeSet<&str> = audit
        .iter()
        .filter_map(|e| e.response_id.as_deref())
        .collect();
    // The answers the clients got, per NHS number; each one audited.
    let mut answered: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for sent in &run.sent {
        let Ok((reply, id)) = &sent.answer else {
            continue;
        };
        ensure!(
            audited.contains(id.as_str()),
            "{:?} {}: answer {id} is not audited",
            sent.op,
            sent.nhs
        );
        let what = match reply {
            SpineReply::Created => "create",
            SpineReply::Deleted => "delete",
            _ => continue,
        };
        *answered.entry((sent.nhs.clone(), what)).or_default() += 1;
    }
    // Its accepted changes, replayed in order on a sequential model.
    let mut model: BTreeMap<String, String> = BTreeMap::new();
    let mut logged: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut changes = 0;
    for entry in &audit {
        let Some(nhs) = entry.nhs_number.clone() else {
            continue;
        };
        match (entry.interaction.as_str(), entry.http_status) {
            ("CreateRequest", Some(201)) => {
                ensure!(
                    model.insert(nhs.clone(), "2024-01-01".to_owned()).is_none(),
                    "entry {}: a create of {nhs} was accepted while a flag was set",
                    entry.seq
                );
                *logged.entry((nhs, "create")).or_default() += 1;
            }
            ("DeleteRequest", Some(200)) => {
                ensure!(
                    model.remove(&nhs).is_some(),
                    "entry {}: a delete of {nhs} was accepted with no flag set",
                    entry.seq
                );
                *logged.entry((nhs, "delete")).or_default() += 1;
            }
            _ => continue,
        }
        changes += 1;
    }
    let unanswered = run.unanswered();
    if unanswered == 0 {
        ensure!(
            audit.len() == run.sent.len(),
            "{} audit entries for {} requests",
            audit.len(),
            run.sent.len()
        );
        ensure!(
            answered == logged,
            "the accepted answers are not the audited changes: answered {answered:?}, audited {logged:?}"
        );
    } else {
        for (key, n) in &answered {
            let audited = logged.get(key).copied().unwrap_or(0);
            ensure!(
                *n <= audited,
                "{key:?}: {n} acknowledged, {audited} audited"
            );
        }
    }
    let records = store.records().await.map_err(|e| e.to_string())?;
    let creates: usize = logged
        .iter()
        .filter(|((_, what), _)| *what == "create")
        .map(|(_, n)| n)
        .sum();
    ensure!(
        records.len() == creates,
        "{} records for {creates} accepted creates",
        records.len()
    );
    let stored: BTreeMap<String, String> = records
        .into_iter()
        .filter(|r| r.deleted.is_none())
        .map(|r| (r.nhs_number, r.assessed))
        .collect();
    ensure!(
        stored == model,
        "the current records are not the sequential model of the audit"
    );

    let mut latencies: Vec<Duration> = run
        .sent
        .iter()
        .filter(|s| s.answer.is_ok())
        .filter_map(|s| s.latency)
        .collect();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(LoadReport {
        requests: run.sent.len(),
        unanswered,
        elapsed: run.elapsed,
        timed: latencies.len(),
        p50: at(0.50),
        p99: at(0.99),
        changes,
        flags: stored.len(),
    })
}
