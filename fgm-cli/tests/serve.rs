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
    assert!(
        first.ends_with(&format!(
            " INFO fgm::serve: Spine double: audit chain holds, head entry 0 hash {}\n",
            "0".repeat(64)
        )),
        "the head to anchor, first: {first}"
    );
    let mut second = String::new();
    log.read_line(&mut second).unwrap();
    let url = second
        .trim()
        .split_once(" INFO fgm::serve: Spine double listening on ")
        .unwrap_or_else(|| panic!("{second}"))
        .1
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
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), 3, "{rest}");
    assert!(lines[..2]
        .iter()
        .all(|l| l.contains(" INFO fgm::request: request answered interaction=\"CreateRequest\"")));
    assert!(
        lines[2].ends_with(" INFO fgm::serve: Spine double stopped"),
        "{rest}"
    );
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

/// `fgm serve spine` on a free loopback port, logging in `format` with
/// `rust_log` (unset when `None`).
#[cfg(unix)]
fn serve_spine(dir: &std::path::Path, format: &str, rust_log: Option<&str>) -> Served {
    serve(&["spine"], dir, format, rust_log)
}

/// A running `fgm serve` (killed when dropped, should a test fail), its
/// log, the lines logged up to its address, and its URL.
#[cfg(unix)]
struct Served {
    server: std::process::Child,
    log: Option<BufReader<std::process::ChildStderr>>,
    started: Vec<String>,
    url: String,
}

#[cfg(unix)]
impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

#[cfg(unix)]
impl Served {
    /// Stops the server with SIGTERM; the whole of its log.
    fn stop(mut self) -> String {
        let term = Command::new("kill")
            .args(["-TERM", &self.server.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.server.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "fgm serve did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut rest = String::new();
        if let Some(mut log) = self.log.take() {
            std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
        }
        self.started.concat() + &rest
    }
}

/// `fgm serve` with `what` (`spine`, or `smsp` and its options) on a
/// free loopback port, its store in `dir`.
#[cfg(unix)]
fn serve(what: &[&str], dir: &std::path::Path, format: &str, rust_log: Option<&str>) -> Served {
    let mut command = fgm();
    command
        .arg("serve")
        .args(what)
        .args(["--listen", "127.0.0.1:0", "--store"])
        .arg(dir.join("served.db"))
        .args(["--log-format", format])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    let mut server = command.spawn().unwrap();
    let log = BufReader::new(server.stderr.take().unwrap());
    let mut served = Served {
        server,
        log: Some(log),
        started: Vec::new(),
        url: String::new(),
    };
    loop {
        let mut line = String::new();
        let log = served.log.as_mut().unwrap();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "no address: {:?}",
            served.started
        );
        served.started.push(line.clone());
        if let Some((_, after)) = line.split_once("listening on ") {
            served.url = after
                .chars()
                .take_while(|c| *c != '"' && !c.is_whitespace())
                .collect();
            return served;
        }
    }
}

/// One HTTP request on a new connection (closed after); the answer.
fn http(url: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// A connection that sent one request (kept alive) and read its answer:
/// the connection, kept open, and the answer's status.
fn kept_open(url: &str) -> (std::net::TcpStream, u16) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(url.strip_prefix("http://").unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map(|n| n.parse::<usize>().unwrap());
            if length.is_some_and(|n| body.len() >= n) {
                return (stream, head[9..12].parse().unwrap());
            }
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before an answer: {text}");
        answer.extend_from_slice(&buf[..n]);
    }
}

/// The value of the first `<id value="…"/>` after `after` in `xml`.
fn id_after(xml: &str, after: &str) -> String {
    let from = xml.find(after).unwrap();
    let rest = &xml[from..];
    let start = rest.find("<id value=\"").unwrap() + "<id value=\"".len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

/// A request mix sent to `url`: a create twice (201, then 422), a query
/// (200), a request to no service (400), and the probes (not requests).
/// What the log must say of each (interaction, status, code, message id),
/// in order, and the NHS number they name.
#[cfg(unix)]
fn send_mix(dir: &std::path::Path, url: &str) -> (Vec<[String; 4]>, String) {
    let example = |name: &str| {
        let path = dir.join(format!("{name}.xml"));
        let xml = fgm().args(["example", name]).output().unwrap().stdout;
        std::fs::write(&path, &xml).unwrap();
        (path, String::from_utf8(xml).unwrap())
    };
    let (create, create_xml) = example("CreateRequest");
    let (query, query_xml) = example("QueryV2Request");
    let nhs = "9434765919";
    assert!(create_xml.contains(nhs) && query_xml.contains(nhs));
    let sent = |file: &std::path::Path| {
        let out = fgm().arg("send").arg(file).args(["--to", url]).output();
        String::from_utf8(out.unwrap().stdout).unwrap()
    };
    assert!(sent(&create).starts_with("HTTP 201"));
    assert!(sent(&create).starts_with("HTTP 422"));
    assert!(sent(&query).starts_with("HTTP 200"));
    let nowhere = http(
        url,
        "POST /nowhere HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    );
    assert!(nowhere.starts_with("HTTP/1.1 400"), "{nowhere}");
    for probe in ["/health", "/ready", "/metrics"] {
        let answer = http(
            url,
            &format!("GET {probe} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
        );
        assert!(answer.starts_with("HTTP/1.1 200"), "{probe}: {answer}");
    }
    let row = |interaction: &str, status: &str, code: &str, id: &str| {
        [interaction, status, code, id].map(str::to_owned)
    };
    let create_id = id_after(&create_xml, "<MessageHeader");
    let query_id = id_after(&query_xml, "<MessageHeader");
    let expected = vec![
        row("CreateRequest", "201", "", &create_id),
        row("CreateRequest", "422", "FLAG_ALREADY_SET", &create_id),
        row("QueryV2Request", "200", "", &query_id),
        row("unknown", "400", "MESSAGE_NOT_WELL_FORMED", ""),
    ];
    (expected, nhs.to_owned())
}

#[test]
#[cfg(unix)]
fn the_json_log_is_one_object_a_line_and_one_event_a_request() {
    let dir = std::env::temp_dir().join(format!("fgm-log-json-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let served = serve_spine(&dir, "json", None);
    let url = served.url.clone();
    let (expected, nhs) = send_mix(&dir, &url);
    let whole = served.stop();

    let events: Vec<serde_json::Map<String, serde_json::Value>> = whole
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(serde_json::Value::Object(event)) => event,
            other => panic!("not a JSON object: {line}: {other:?}"),
        })
        .collect();
    let text = |event: &serde_json::Map<String, serde_json::Value>, field: &str| {
        event
            .get(field)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{field} in {event:?}"))
            .to_owned()
    };
    let requests: Vec<_> = events
        .iter()
        .filter(|e| e.get("target").and_then(|t| t.as_str()) == Some("fgm::request"))
        .collect();
    let said: Vec<[String; 4]> = requests
        .iter()
        .map(|e| {
            let status = e.get("status").and_then(|s| s.as_u64()).expect("status");
            [
                text(e, "interaction"),
                status.to_string(),
                text(e, "code"),
                text(e, "message_id"),
            ]
        })
        .collect();
    assert_eq!(said, expected, "one event per request, probes not included");
    for event in &requests {
        assert_eq!(text(event, "level"), "INFO");
        assert!(text(event, "peer").starts_with("127.0.0.1:"));
        let ms = event.get("duration_ms").and_then(|d| d.as_f64());
        assert!(
            ms.is_some_and(|ms| (0.0..10_000.0).contains(&ms)),
            "{event:?}"
        );
    }
    let served: Vec<String> = events
        .iter()
        .filter(|e| e.get("target").and_then(|t| t.as_str()) == Some("fgm::serve"))
        .map(|e| text(e, "message"))
        .collect();
    assert_eq!(served.len(), 3, "{served:?}");
    assert!(served[0].starts_with("Spine double: audit chain holds, head entry 0"));
    assert_eq!(served[1], format!("Spine double listening on {url}"));
    assert_eq!(served[2], "Spine double stopped");
    assert!(!whole.contains(&nhs), "no NHS number in the log: {whole}");
    assert!(!whole.contains('<'), "no body in the log: {whole}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(unix)]
fn the_human_log_is_one_line_a_request_and_rust_log_filters_it() {
    let dir = std::env::temp_dir().join(format!("fgm-log-human-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let served = serve_spine(&dir, "human", None);
    let (expected, nhs) = send_mix(&dir, &served.url);
    let whole = served.stop();
    let requests: Vec<&str> = whole
        .lines()
        .filter(|l| l.contains(" fgm::request: "))
        .collect();
    assert_eq!(requests.len(), expected.len(), "{whole}");
    for (line, [interaction, status, code, id]) in requests.iter().zip(&expected) {
        let fields = format!(
            " INFO fgm::request: request answered interaction=\"{interaction}\" status={status} code=\"{code}\" message_id=\"{id}\" duration_ms="
        );
        assert!(line.contains(&fields), "{line}\nhas not {fields}");
        assert!(line.contains(" peer=\"127.0.0.1:"), "{line}");
    }
    assert!(!whole.contains(&nhs), "no NHS number in the log: {whole}");
    assert!(!whole.contains('<'), "no body in the log: {whole}");
    assert!(
        !whole.contains('\u{1b}'),
        "no colours when stderr is not a terminal"
    );

    // RUST_LOG filters: the server's announcements, no request.
    let dir2 = dir.join("filtered");
    std::fs::create_dir_all(&dir2).unwrap();
    let served = serve_spine(&dir2, "human", Some("fgm::serve=info"));
    let answer = http(
        &served.url,
        "POST /nowhere HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400"));
    let rest = served.stop();
    assert!(
        rest.ends_with(" INFO fgm::serve: Spine double stopped\n"),
        "{rest}"
    );
    assert!(!rest.contains("fgm::request"), "{rest}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_start_error_in_json_mode_is_a_json_event() {
    let out = fgm()
        .args([
            "serve",
            "spine",
            "--log-format",
            "json",
            "--store",
            "/nonexistent/dir/s.db",
        ])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    let event: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(event["level"], "ERROR");
    let message = event["message"].as_str().unwrap();
    assert!(
        message.starts_with("fgm serve: /nonexistent/dir/s.db"),
        "{message}"
    );
}

#[test]
#[cfg(unix)]
fn failures_and_refused_connections_are_logged_at_their_level() {
    let dir = std::env::temp_dir().join(format!("fgm-log-levels-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Nothing listens at port 9: Spine is unreachable.
    let smsp = [
        "smsp",
        "--upstream",
        "http://127.0.0.1:9",
        "--max-connections",
        "1",
    ];
    let served = serve(&smsp, &dir, "json", None);
    let url = served.url.clone();
    let query = dir.join("query.xml");
    let example = fgm().args(["example", "QueryV2Request"]).output().unwrap();
    std::fs::write(&query, &example.stdout).unwrap();
    let out = fgm()
        .arg("send")
        .arg(&query)
        .args(["--to", &url])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("HTTP 500: COULD_NOT_CONNECT_TO_SPINE")
    );
    // One connection held open (once the server has seen the last one
    // close: until then, a new one is refused too)...
    let mut refusals = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    let held = loop {
        let (held, status) = kept_open(&url);
        if status == 200 {
            break held;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "no connection served");
        refusals += 1;
        std::thread::sleep(Duration::from_millis(50));
    };
    // ... the next is refused.
    let refused = http(
        &url,
        "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    refusals += 1;
    drop(held);
    let events: Vec<serde_json::Value> = served
        .stop()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e["target"] == "fgm::request")
        .collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    let failed = failed[0];
    assert_eq!(failed["level"], "ERROR");
    assert_eq!(failed["status"], 500);
    assert_eq!(failed["code"], "COULD_NOT_CONNECT_TO_SPINE");
    assert_eq!(failed["upstream"], "unreachable");
    assert!(failed["upstream_ms"].is_number());
    let cause = failed["cause"].as_str().unwrap();
    assert!(
        cause.contains("COULD_NOT_CONNECT_TO_SPINE") && cause.contains("cannot be reached"),
        "{cause}"
    );
    let warned: Vec<_> = events
        .iter()
        .filter(|e| e["target"] == "fgm::connection")
        .collect();
    assert_eq!(warned.len(), refusals, "{events:?}");
    for warning in warned {
        assert_eq!(warning["level"], "WARN");
        assert_eq!(warning["max_connections"], 1);
        assert!(warning["message"]
            .as_str()
            .unwrap()
            .contains("at the limit of 1 connections"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
