//! `fgm audit` and `fgm report` on stores the double filled: tampering
//! through SQLite is named by `fgm audit verify`; the listings filter; the
//! reports equal a model computed from the requests sent, across two dates
//! and with suppression.
#![cfg(feature = "serve")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use fgm::primitive::Instant;
use fgm_spine::clock::Clock;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::server::Request;
use fgm_spine::store::{SqliteStore, Store};
use fgm_types::messages::Message;
use fgm_types::spine::build::{Create, Delete, QueryV2};
use fgm_types::valuesets::FgmDeleteReasonCodes10;

fn fgm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fgm"))
        .args(args)
        .output()
        .expect("fgm runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fgm-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `n`-th valid NHS number.
fn nhs_number(n: u32) -> String {
    (943_476_100 + n * 3..)
        .find_map(|base: u32| {
            let text = format!("{base:09}");
            let digits: [u8; 9] = std::array::from_fn(|i| text.as_bytes()[i] - b'0');
            fgm_types::spine::NhsNumber::check_digit(&digits).map(|check| format!("{text}{check}"))
        })
        .expect("a number with a check digit")
}

/// Sends a message to the double as the HTTP layer would hand it over;
/// returns the status.
async fn send(spine: &Spine, message: &Message) -> u16 {
    let interaction = message.interaction();
    spine
        .answer(&Request {
            method: "POST".into(),
            path: interaction.endpoint().into(),
            soap_action: Some(interaction.soap_action().into()),
            body: message.to_xml().into(),
            ..Request::default()
        })
        .await
        .status
}

fn timestamp(day: &str) -> Instant {
    Instant::new(format!("{day}T09:00:00+00:00")).unwrap()
}

/// One girl of the test population.
struct Girl {
    nhs: String,
    born: &'static str,
    practice: &'static str,
    org: &'static str,
    /// Deleted on the second day, with this reason.
    deleted: Option<FgmDeleteReasonCodes10>,
}

const DAY1: &str = "2024-03-15";
const DAY2: &str = "2024-04-20";

fn population() -> Vec<Girl> {
    use FgmDeleteReasonCodes10::*;
    let plan: [(&str, &str, &str, Option<FgmDeleteReasonCodes10>); 9] = [
        ("2012-01-01", "B86022", "RKE", None),
        ("2013-01-01", "B86022", "RKE", None),
        ("2014-01-01", "B86022", "RXX", Some(Code1)),
        ("2015-01-01", "B86022", "RXX", None),
        ("2016-01-01", "B86022", "RKE", None),
        ("2012-05-05", "V81997", "RKE", Some(Code0)),
        ("2011-07-07", "V81997", "RXX", None),
        // 18 on 2024-04-01: active on the first day, gone by the second.
        ("2006-04-01", "Y01234", "RKE", None),
        ("2010-10-10", "V81999", "RXX", Some(Code2)),
    ];
    plan.iter()
        .enumerate()
        .map(|(i, &(born, practice, org, deleted))| Girl {
            nhs: nhs_number(i as u32),
            born,
            practice,
            org,
            deleted,
        })
        .collect()
}

fn double(store: &Arc<dyn Store>, day: &str) -> Spine {
    Spine::new(
        store.clone(),
        SpineOptions {
            clock: Clock::on(day).unwrap(),
            ..SpineOptions::default()
        },
    )
}

/// Fills a store: day 1 creates every girl (and one create twice) and
/// queries; day 2 deletes some and queries again. Returns its path.
fn filled_store(dir: &Path) -> PathBuf {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(fill(dir))
}

async fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("spine.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let girls = population();
    let day1 = double(&store, DAY1);
    for g in &girls {
        let create = Create::new(&g.nhs, g.born, g.practice, "A practice")
            .from_asid("200000000115")
            .to_asid("990101234567")
            .practitioner_sds("200009876204", "100077650987")
            .organization(g.org, "An organisation")
            .timestamp(timestamp(DAY1))
            .since(DAY1)
            .build()
            .unwrap();
        assert_eq!(
            send(&day1, &Message::CreateRequest(create.clone())).await,
            201
        );
        if g.practice == "V81999" {
            assert_eq!(send(&day1, &Message::CreateRequest(create)).await, 422);
        }
    }
    let query = |nhs: &str, org: &str, day: &str| {
        Message::QueryV2Request(
            QueryV2::new(nhs)
                .from_asid("200000000115")
                .to_asid("990101234567")
                .practitioner_sds("200009876204", "100077650987")
                .organization(org, "An organisation")
                .timestamp(timestamp(day))
                .build()
                .unwrap(),
        )
    };
    assert_eq!(send(&day1, &query(&girls[0].nhs, "RKE", DAY1)).await, 200);
    assert_eq!(send(&day1, &query(&nhs_number(50), "RXX", DAY1)).await, 404);
    let day2 = double(&store, DAY2);
    for g in &girls {
        if let Some(reason) = g.deleted {
            let delete = Delete::new(&g.nhs, reason)
                .from_asid("200000000115")
                .to_asid("990101234567")
                .practitioner_sds("200009876204", "100077650987")
                .organization(g.org, "An organisation")
                .timestamp(timestamp(DAY2))
                .build()
                .unwrap();
            assert_eq!(send(&day2, &Message::DeleteRequest(delete)).await, 200);
        }
    }
    // The girl who turned 18 is no longer found.
    assert_eq!(send(&day2, &query(&girls[7].nhs, "RKE", DAY2)).await, 404);
    path
}

/// The GP-practice report the model gives on `day`, as CSV.
fn model_gp_practice(day: &str, suppress_below: u64) -> String {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for g in population() {
        let deleted = g.deleted.is_some() && day >= DAY2;
        let adult = fgm_types::spine::over_18(g.born, day) == Some(true);
        if day >= DAY1 && !deleted && !adult {
            *counts.entry(g.practice).or_default() += 1;
        }
    }
    let mut csv = "gp_practice,active_indicators\n".to_owned();
    for (practice, n) in counts {
        let shown = if n > 0 && n < suppress_below {
            "*".to_owned()
        } else {
            n.to_string()
        };
        csv.push_str(&format!("{practice},{shown}\n"));
    }
    csv
}

#[test]
fn the_gp_practice_report_is_the_model_on_two_dates_with_suppression() {
    let dir = temp_dir("report");
    let store = filled_store(&dir);
    let store = store.to_str().unwrap();
    for day in [DAY1, "2024-04-01", DAY2] {
        for below in [0, 3] {
            let mut args = vec![
                "report",
                "gp-practice",
                "--store",
                store,
                "--on",
                day,
                "--format",
                "csv",
            ];
            let below_text = below.to_string();
            if below > 0 {
                args.extend(["--suppress-below", &below_text]);
            }
            let o = fgm(&args);
            assert_eq!(o.status.code(), Some(0), "{o:?}");
            assert_eq!(
                stdout(&o),
                model_gp_practice(day, below),
                "on {day}, below {below}"
            );
        }
    }
    // Hand-checked, so the model cannot drift with the code.
    assert_eq!(
        model_gp_practice(DAY2, 3),
        "gp_practice,active_indicators\nB86022,4\nV81997,*\n"
    );
    let table = fgm(&["report", "gp-practice", "--store", store, "--on", DAY1]);
    assert_eq!(
        stdout(&table),
        "gp_practice  active_indicators\nB86022                       5\nV81997                       2\nV81999                       1\nY01234                       1\n"
    );
    let json = fgm(&[
        "report",
        "gp-practice",
        "--store",
        store,
        "--on",
        DAY1,
        "--format",
        "json",
        "--suppress-below",
        "2",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        rows[0],
        serde_json::json!({"gp_practice": "B86022", "active_indicators": 5})
    );
    assert_eq!(
        rows[2],
        serde_json::json!({"gp_practice": "V81999", "active_indicators": "*"})
    );
    // Errors: on stderr, exit 2, nothing on stdout.
    let missing = fgm(&["report", "gp-practice", "--store", "/nonexistent/spine.db"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such store"));
    let bad_date = fgm(&["report", "gp-practice", "--store", store, "--on", "2024-02"]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad_date.stderr).contains("--on 2024-02"),
        "{bad_date:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_transactions_report_counts_what_was_sent() {
    let dir = temp_dir("transactions");
    let store = filled_store(&dir);
    let store = store.to_str().unwrap();
    const HEADER: &str = "group,creates,creates_refused,deletes_reason_0,deletes_reason_1,deletes_reason_2,deletes_refused,queries_found,queries_no_record,queries_refused,unreadable\n";
    let csv = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "transactions",
            "--store",
            store,
            "--format",
            "csv",
        ];
        args.extend(extra);
        let o = fgm(&args);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        stdout(&o)
    };
    // 9 creates and one refused; deletes by reason 0, 1, 2; queries: one
    // found, two no record (one never set, one turned 18).
    assert_eq!(csv(&[]), format!("{HEADER}all,9,1,1,1,1,0,1,2,0,0\n"));
    assert_eq!(
        csv(&["--by", "month"]),
        format!("{HEADER}2024-03,9,1,0,0,0,0,1,1,0,0\n2024-04,0,0,1,1,1,0,0,1,0,0\n")
    );
    // RKE: 5 creates, the reason-0 delete, the found query and the 18th
    // birthday's; RXX: 4 creates, the refused one, two deletes, one query.
    assert_eq!(
        csv(&["--by", "organisation"]),
        format!("{HEADER}RKE,5,0,1,0,0,0,1,1,0,0\nRXX,4,1,0,1,1,0,0,1,0,0\n")
    );
    assert_eq!(
        csv(&["--from", DAY2, "--to", DAY2]),
        format!("{HEADER}all,0,0,1,1,1,0,0,1,0,0\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `fgm audit verify` on a copy of the store after `tamper` ran on it.
fn verify_after(dir: &Path, store: &Path, name: &str, tamper: &str) -> Output {
    let copy = dir.join(format!("{name}.db"));
    std::fs::copy(store, &copy).unwrap();
    rusqlite::Connection::open(&copy)
        .unwrap()
        .execute_batch(tamper)
        .unwrap();
    fgm(&["audit", "verify", "--store", copy.to_str().unwrap()])
}

#[test]
fn tampering_through_sqlite_is_named_by_audit_verify() {
    let dir = temp_dir("tamper");
    let store = filled_store(&dir);
    let o = fgm(&["audit", "verify", "--store", store.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        stdout(&o).starts_with("the chain holds: 16 entries, head entry 16 hash "),
        "{}",
        stdout(&o)
    );

    let edited = verify_after(
        &dir,
        &store,
        "edited",
        "UPDATE audit SET http_status = 201 WHERE seq = 11",
    );
    assert_eq!(edited.status.code(), Some(1));
    assert!(
        stdout(&edited).starts_with("the chain breaks at entry 11: its fields hash to"),
        "{}",
        stdout(&edited)
    );
    assert!(stdout(&edited).contains("edited"));

    let removed = verify_after(&dir, &store, "removed", "DELETE FROM audit WHERE seq = 5");
    assert_eq!(removed.status.code(), Some(1));
    assert!(
        stdout(&removed).starts_with("the chain breaks at entry 6: it follows entry 4"),
        "{}",
        stdout(&removed)
    );

    // An entry slipped in at 4, the later ones renumbered to make room.
    let inserted = verify_after(
        &dir,
        &store,
        "inserted",
        "UPDATE audit SET seq = seq + 1000 WHERE seq >= 4;
         UPDATE audit SET seq = seq - 999 WHERE seq > 1000;
         INSERT INTO audit (seq, at, interaction, http_status, prev_hash, hash)
             SELECT 4, at, 'DeleteRequest', 200, hash, hash FROM audit WHERE seq = 3;",
    );
    assert_eq!(inserted.status.code(), Some(1));
    assert!(
        stdout(&inserted).starts_with("the chain breaks at entry 4: its fields hash to"),
        "{}",
        stdout(&inserted)
    );

    // The newest entries cut off: the chain still holds, with another head;
    // only the head anchored outside the store shows it.
    let truncated = verify_after(
        &dir,
        &store,
        "truncated",
        "DELETE FROM audit WHERE seq > 15",
    );
    assert_eq!(truncated.status.code(), Some(0));
    assert!(stdout(&truncated).contains("head entry 15 hash"));

    let missing = fgm(&[
        "audit",
        "verify",
        "--store",
        dir.join("nothing.db").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(
        !dir.join("nothing.db").exists(),
        "a reading command creates no store"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn audit_list_filters_and_prints_lines_or_json() {
    let dir = temp_dir("list");
    let store = filled_store(&dir);
    let store = store.to_str().unwrap();
    let list = |extra: &[&str]| {
        let mut args = vec!["audit", "list", "--store", store];
        args.extend(extra);
        let o = fgm(&args);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        stdout(&o)
    };
    let all = list(&[]);
    assert_eq!(all.lines().count(), 16);
    let first = all.lines().next().unwrap();
    assert!(first.starts_with("1 2024-03-15T"), "{first}");
    assert!(first.contains(" CreateRequest status=201 nhs="), "{first}");
    assert!(
        first.contains(" asid=200000000115 user=200009876204 role=100077650987 org=RKE "),
        "{first}"
    );
    let girl = nhs_number(8);
    let hers = list(&["--nhs-number", &girl]);
    assert_eq!(hers.lines().count(), 3, "{hers}");
    assert!(hers
        .lines()
        .nth(1)
        .unwrap()
        .contains("code=FLAG_ALREADY_SET"));
    assert_eq!(list(&["--from", DAY2]).lines().count(), 4);
    assert_eq!(list(&["--to", DAY1]).lines().count(), 12);
    assert_eq!(list(&["--user", "nobody"]), "");
    let json = list(&["--json", "--nhs-number", &girl]);
    let entries: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2]["delete_reason"], "2");
    assert_eq!(entries[2]["http_status"], 200);
    let id = entries[0]["request_id"].as_str().unwrap().to_owned();
    assert_eq!(
        list(&["--message-id", &id]).lines().count(),
        2,
        "the create and the same message sent again"
    );
    let response = entries[0]["response_id"].as_str().unwrap().to_owned();
    assert_eq!(list(&["--message-id", &response]).lines().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
