//! `fgm serve spine` and `fgm send` as a client team runs them: start the
//! double on a free loopback port, send messages, stop it with SIGTERM.
#![cfg(feature = "serve")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fgm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fgm"))
}

#[test]
#[cfg(unix)]
fn serve_send_and_stop_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("fgm-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = fgm()
        .args(["serve", "spine", "--listen", "127.0.0.1:0", "--store"])
        .arg(dir.join("spine.db"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut first = String::new();
    log.read_line(&mut first).unwrap();
    assert_eq!(
        first,
        format!(
            "Spine double: audit chain holds, head entry 0 hash {}\n",
            "0".repeat(64)
        ),
        "the head to anchor, first"
    );
    let mut second = String::new();
    log.read_line(&mut second).unwrap();
    let url = second
        .trim()
        .strip_prefix("Spine double listening on ")
        .unwrap_or_else(|| panic!("{second}"))
        .to_owned();

    let create = dir.join("create.xml");
    let example = fgm().args(["example", "CreateRequest"]).output().unwrap();
    std::fs::write(&create, &example.stdout).unwrap();
    let send = |file: &std::path::Path, to: &str| {
        fgm()
            .arg("send")
            .arg(file)
            .args(["--to", to])
            .output()
            .unwrap()
    };
    let created = send(&create, &url);
    assert_eq!(
        String::from_utf8_lossy(&created.stdout),
        "HTTP 201: created\n"
    );
    assert_eq!(created.status.code(), Some(0));
    let again = send(&create, &url);
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("HTTP 422: FLAG_ALREADY_SET (warning)")
    );
    assert_eq!(again.status.code(), Some(1));

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "fgm serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    assert_eq!(rest, "Spine double stopped\n");
    let gone = send(&create, &url);
    assert_eq!(gone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&gone.stderr).starts_with("fgm send: no answer"));
    let verified = fgm()
        .args(["audit", "verify", "--store"])
        .arg(dir.join("spine.db"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verified.stdout).starts_with("the chain holds: 2 entries"),
        "{verified:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_service_date_that_is_not_a_full_date_is_refused_at_start() {
    for what in ["spine", "smsp"] {
        let mut command = fgm();
        command.args([
            "serve",
            what,
            "--store",
            "/nonexistent/x.db",
            "--today",
            "2024-02",
        ]);
        if what == "smsp" {
            command.args(["--upstream", "http://127.0.0.1:9"]);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err,
            "fgm serve: --today 2024-02: a full date (YYYY-MM-DD) is needed\n"
        );
    }
}

/// Runs `fgm serve` with `args` and expects exit 2 with one line on
/// stderr containing `says`, before listening.
fn refused_at_start(args: &[&str], says: &str) {
    let out = fgm().arg("serve").args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(
        err.starts_with("fgm serve: ") && err.contains(says),
        "{args:?}: {err}"
    );
    assert!(!err.contains("listening"));
}

#[test]
fn each_misconfiguration_is_refused_at_start_with_its_line() {
    let dir = std::env::temp_dir().join(format!("fgm-misconfig-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("s.db");
    let store = store.to_str().unwrap();
    let junk = dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let junk = junk.to_str().unwrap();
    refused_at_start(
        &["smsp", "--upstream", "notaurl", "--store", store],
        "--upstream notaurl: not an http(s) URL",
    );
    refused_at_start(
        &[
            "smsp",
            "--upstream",
            "ftp://spine.example",
            "--store",
            store,
        ],
        "the scheme is ftp",
    );
    refused_at_start(
        &[
            "spine",
            "--store",
            store,
            "--tls-cert",
            "/no/such.pem",
            "--tls-key",
            "/no/such.key",
        ],
        "/no/such.pem",
    );
    refused_at_start(
        &[
            "spine",
            "--store",
            store,
            "--tls-cert",
            junk,
            "--tls-key",
            junk,
        ],
        "no PEM certificate found",
    );
    refused_at_start(
        &["spine", "--store", "/nonexistent/dir/s.db"],
        "/nonexistent/dir/s.db",
    );
    refused_at_start(
        &["spine", "--store", store, "--asid", "spine"],
        "--asid spine",
    );
    let map = dir.join("map.txt");
    std::fs::write(&map, "client.example 1\nlonely\n").unwrap();
    refused_at_start(
        &[
            "spine",
            "--store",
            store,
            "--tls-cert",
            junk,
            "--tls-key",
            junk,
            "--client-ca",
            junk,
            "--asid-map",
            map.to_str().unwrap(),
        ],
        "map.txt:2: `lonely` names a certificate but nothing it may claim",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn send_names_why_no_answer_came() {
    let dir = std::env::temp_dir().join(format!("fgm-send-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let query = dir.join("query.xml");
    let example = fgm().args(["example", "QueryV2Request"]).output().unwrap();
    std::fs::write(&query, &example.stdout).unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    for (to, says) in [
        ("notaurl", "fgm send: --to notaurl: not an http(s) URL"),
        (closed.as_str(), ": connection refused"),
    ] {
        let out = fgm()
            .arg("send")
            .arg(&query)
            .args(["--to", to])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{to}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Answers every query with the flag from a local store (203).
struct LocalStore;

impl fgm_spine::server::Handler for LocalStore {
    async fn handle(&self, request: fgm_spine::server::Request) -> fgm_spine::server::Response {
        use fgm_types::spine::{build::query_flag, respond, Outcome};
        let asked = fgm_types::messages::Message::parse(&request.body)
            .unwrap()
            .value;
        let flag = Box::new(query_flag("9434765919", "2024-01-01").unwrap());
        let reply = respond(&asked, Outcome::LocalFlag(flag)).unwrap();
        fgm_spine::server::Response::new(
            reply.http_status,
            fgm::FhirMessage::to_xml(&reply.message),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_203_from_a_local_store_exits_1() {
    let server = fgm_spine::server::spawn(
        "127.0.0.1:0".parse().unwrap(),
        std::sync::Arc::new(LocalStore),
        fgm_spine::server::ServerOptions::default(),
    )
    .await
    .unwrap();
    let example = fgm().args(["example", "QueryV2Request"]).output().unwrap();
    let url = format!("http://{}", server.addr);
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = fgm()
            .args(["send", "-", "--to", &url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&example.stdout)
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("HTTP 203: FGM risk indicator for 9434765919"),
        "{said}"
    );
    assert!(said.contains("DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE"));
    assert_eq!(out.status.code(), Some(1), "a warning: possibly stale data");
    server.stop().await;
}
