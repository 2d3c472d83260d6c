//! Operating a server: `GET /health`, `GET /ready` (and 503 when the
//! handler is not ready), `GET /metrics` read back by an independent
//! Prometheus parser and equal to the requests sent, and
//! `max_connections` refusing a connection past the limit with a 503 in
//! FHIR rather than leaving it waiting.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::server::{self, Handler, Request, Response, ServerOptions, FHIR_XML};
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::{Client, ClientOptions};
use fgm_types::messages::Interaction;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any one exchange of these tests may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// An answer read off the wire: status, head (lowercase names) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    /// A header's value.
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one answer off `stream`: the head, then `content-length` bytes
/// (or to the end when the head has none).
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let read = async {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
                let length = head.lines().find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().unwrap())
                });
                if let Some(length) = length {
                    if bytes.len() >= end + 4 + length {
                        let status = head[9..12].parse().unwrap();
                        let body = String::from_utf8(bytes[end + 4..end + 4 + length].to_vec());
                        return Answer {
                            status,
                            head,
                            body: body.unwrap(),
                        };
                    }
                }
            }
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the connection closed before an answer: {bytes:?}");
            bytes.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("an answer in time")
}

/// Sends `request` (whole, head and body) on a new connection and reads
/// the answer.
async fn raw(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_answer(&mut stream).await
}

/// `GET path` on a new connection.
async fn get(addr: SocketAddr, path: &str) -> Answer {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").as_bytes(),
    )
    .await
}

/// `POST path` with a SOAPAction (when given) and a body.
async fn post(addr: SocketAddr, path: &str, action: Option<&str>, body: &str) -> Answer {
    let action = action
        .map(|a| format!("soapaction: {a}\r\n"))
        .unwrap_or_default();
    raw(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-type: {FHIR_XML}\r\n{action}content-length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
}

/// Posts a message to its interaction's path, as a client does.
async fn send(addr: SocketAddr, message: &fgm_types::messages::Message) -> Answer {
    let interaction = message.interaction();
    post(
        addr,
        interaction.endpoint(),
        Some(interaction.soap_action()),
        &message.to_xml(),
    )
    .await
}

/// `GET /metrics`, parsed by `prometheus-parse`.
async fn scrape(addr: SocketAddr) -> prometheus_parse::Scrape {
    let answer = get(addr, "/metrics").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let lines = answer.body.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).unwrap()
}

/// The value of a counter, gauge or untyped sample.
fn number(value: &prometheus_parse::Value) -> f64 {
    match value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => *v,
        other => panic!("not a number: {other:?}"),
    }
}

/// A metric's samples by one label's value (or `""` when unlabelled).
fn by_label(scrape: &prometheus_parse::Scrape, metric: &str, label: &str) -> BTreeMap<String, f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .map(|s| {
            let key = s.labels.get(label).unwrap_or("").to_owned();
            (key, number(&s.value))
        })
        .collect()
}

/// `fgm_requests_total` by (interaction, status, code).
fn requests(scrape: &prometheus_parse::Scrape) -> BTreeMap<(String, String, String), f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == "fgm_requests_total")
        .map(|s| {
            let label = |name: &str| s.labels.get(name).expect(name).to_owned();
            (
                (label("interaction"), label("status"), label("code")),
                number(&s.value),
            )
        })
        .collect()
}

/// An OperationOutcome of the service with this severity and wording.
fn assert_outcome(answer: &Answer, severity: &str, says: &str) {
    assert_eq!(answer.header("content-type"), Some(FHIR_XML), "{answer:?}");
    assert!(
        answer
            .body
            .contains("<OperationOutcome xmlns=\"http://hl7.org/fhir\""),
        "{answer:?}"
    );
    assert!(
        answer
            .body
            .contains(&format!("<severity value=\"{severity}\"/>")),
        "{answer:?}"
    );
    assert!(answer.body.contains(says), "{answer:?}");
}

async fn double(backend: &Backend) -> Arc<Spine> {
    Arc::new(Spine::new(backend.store().await, SpineOptions::default()))
}

async fn health_and_ready_answer_in_fhir_before_the_handler(backend: Backend) {
    let server = start(double(&backend).await).await;
    let health = get(server.addr, "/health").await;
    assert_eq!(health.status, 200);
    assert_outcome(&health, "information", "alive");
    let ready = get(server.addr, "/ready?verbose=1").await;
    assert_eq!(ready.status, 200);
    assert_outcome(&ready, "information", "ready");
    // Another method is the handler's: refused as any unknown route.
    let posted = post(server.addr, "/health", None, "").await;
    assert_eq!(posted.status, 400);
    assert!(
        posted.body.contains("MESSAGE_NOT_WELL_FORMED"),
        "{posted:?}"
    );
    // The probes are not requests: only the POST is counted.
    let counted = requests(&scrape(server.addr).await);
    assert_eq!(
        counted,
        BTreeMap::from([(
            (
                "unknown".to_owned(),
                "400".to_owned(),
                "MESSAGE_NOT_WELL_FORMED".to_owned()
            ),
            1.0
        )])
    );
    server.stop().await;
}

/// A handler whose store is down.
struct NotReady;

impl Handler for NotReady {
    async fn handle(&self, _request: Request) -> Response {
        Response::refuse("MESSAGE_NOT_WELL_FORMED", "not expected")
    }

    async fn ready(&self) -> Result<(), String> {
        Err("the store cannot be reached".to_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_with_the_cause_when_the_handler_is_not() {
    let server = start(Arc::new(NotReady)).await;
    let ready = get(server.addr, "/ready").await;
    assert_eq!(ready.status, 503);
    assert_outcome(&ready, "error", "the store cannot be reached");
    assert_eq!(
        get(server.addr, "/health").await.status,
        200,
        "alive all the same"
    );
    server.stop().await;
}

async fn metrics_count_exactly_the_requests_sent(backend: Backend) {
    let options = ServerOptions {
        max_body: 64 * 1024,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), double(&backend).await, options)
        .await
        .unwrap();
    let addr = server.addr;
    let (girl, other) = (nhs_number(1), nhs_number(2));
    let mut expected: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    let mut expect = |interaction: &str, answer: &Answer, status: u16, code: &str| {
        assert_eq!(answer.status, status, "{interaction}: {answer:?}");
        if !code.is_empty() {
            assert!(answer.body.contains(code), "{interaction}: {answer:?}");
        }
        *expected
            .entry((interaction.to_owned(), status.to_string(), code.to_owned()))
            .or_default() += 1.0;
    };
    // Valid requests, and what Spine answers them.
    expect("CreateRequest", &send(addr, &create(&girl)).await, 201, "");
    expect(
        "CreateRequest",
        &send(addr, &create(&girl)).await,
        422,
        "FLAG_ALREADY_SET",
    );
    expect(
        "QueryV2Request",
        &send(addr, &query_v2(&girl)).await,
        200,
        "",
    );
    expect(
        "QueryV2Request",
        &send(addr, &query_v2(&girl)).await,
        200,
        "",
    );
    expect(
        "QueryV1Request",
        &send(addr, &query_v1(&other)).await,
        404,
        "NO_RECORD_FOUND",
    );
    expect("DeleteRequest", &send(addr, &delete(&girl)).await, 200, "");
    expect(
        "QueryV1Request",
        &send(addr, &query_v1(&girl)).await,
        404,
        "NO_RECORD_FOUND",
    );
    // Refused by the HTTP layer: a body over the limit, declared.
    let query = Interaction::QueryV2Request;
    let over = raw(
        addr,
        format!(
            "POST {} HTTP/1.1\r\nhost: test\r\nsoapaction: {}\r\ncontent-length: 100000\r\n\r\n",
            query.endpoint(),
            query.soap_action()
        )
        .as_bytes(),
    )
    .await;
    expect("QueryV2Request", &over, 400, "MESSAGE_NOT_WELL_FORMED");
    // Unroutable: a path of no service, a GET, no SOAPAction, a probe's
    // path with another method.
    let not_well_formed = "MESSAGE_NOT_WELL_FORMED";
    for answer in [
        post(addr, "/fhir/fgm/nowhere", Some(query.soap_action()), "<x/>").await,
        get(addr, query.endpoint()).await,
        post(addr, query.endpoint(), None, "<x/>").await,
        post(addr, "/metrics", None, "").await,
    ] {
        expect("unknown", &answer, 400, not_well_formed);
    }
    // A head hyper cannot read, answered in FHIR by the guard.
    let unreadable = raw(addr, b"GET /\x01 HTTP/1.1\r\nhost: test\r\n\r\n").await;
    expect("unknown", &unreadable, 400, not_well_formed);
    // Probes are not counted.
    for path in ["/health", "/ready", "/metrics"] {
        assert_eq!(get(addr, path).await.status, 200, "{path}");
    }

    // The unreadable head is counted when its connection is done: wait
    // for the count to settle, then compare exactly.
    let deadline = Instant::now() + PATIENCE;
    let scraped = loop {
        let scraped = scrape(addr).await;
        if requests(&scraped) == expected || Instant::now() > deadline {
            break scraped;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(requests(&scraped), expected);
    for name in [
        "fgm_requests_total",
        "fgm_request_duration_seconds",
        "fgm_store_errors_total",
        "fgm_connections_open",
        "fgm_connections_refused_total",
    ] {
        assert!(
            scraped.docs.get(name).is_some_and(|help| !help.is_empty()),
            "{name} has a HELP text: {:?}",
            scraped.docs
        );
    }

    // The histogram counts each request once, by interaction.
    let mut per_interaction: BTreeMap<String, f64> = BTreeMap::new();
    for ((interaction, _, _), n) in &expected {
        *per_interaction.entry(interaction.clone()).or_default() += n;
    }
    assert_eq!(
        by_label(
            &scraped,
            "fgm_request_duration_seconds_count",
            "interaction"
        ),
        per_interaction
    );
    let infinite: BTreeMap<String, f64> = scraped
        .samples
        .iter()
        .filter(|s| s.metric == "fgm_request_duration_seconds")
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(buckets) => (
                s.labels.get("interaction").unwrap().to_owned(),
                buckets
                    .iter()
                    .find(|b| b.less_than.is_infinite())
                    .unwrap()
                    .count,
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(infinite, per_interaction);
    assert_eq!(
        by_label(&scraped, "fgm_store_errors_total", ""),
        BTreeMap::from([(String::new(), 0.0)])
    );
    assert_eq!(
        by_label(&scraped, "fgm_connections_refused_total", ""),
        BTreeMap::from([(String::new(), 0.0)])
    );
    // The double never calls Spine: no round-trip metrics.
    assert!(!scraped
        .samples
        .iter()
        .any(|s| s.metric.starts_with("fgm_spine_round_trip")));
    server.stop().await;
}

async fn a_broken_store_is_not_ready_and_counted(backend: Backend) {
    let spec = backend.spec().await;
    let store = backend.open(&spec).await;
    let drop = match backend {
        Backend::Sqlite => "DROP TABLE audit",
        Backend::Postgres(_) => "DROP TABLE audit, audit_head",
    };
    backend.sql(&spec, drop).await;
    let server = start(Arc::new(Spine::new(store, SpineOptions::default()))).await;
    let ready = get(server.addr, "/ready").await;
    assert_eq!(ready.status, 503);
    assert_outcome(&ready, "error", "not ready");
    let failed = send(server.addr, &query_v2(&nhs_number(5))).await;
    assert_eq!(failed.status, 500, "{failed:?}");
    let scraped = scrape(server.addr).await;
    assert_eq!(
        by_label(&scraped, "fgm_store_errors_total", ""),
        BTreeMap::from([(String::new(), 1.0)])
    );
    assert_eq!(
        requests(&scraped),
        BTreeMap::from([(
            (
                "QueryV2Request".to_owned(),
                "500".to_owned(),
                "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE".to_owned()
            ),
            1.0
        )])
    );
    server.stop().await;
}

/// An SMSP in front of `upstream`.
async fn smsp(backend: &Backend, upstream: &str) -> server::Running {
    let upstream = Client::new(upstream, &ClientOptions::default()).unwrap();
    let store = backend.store().await;
    start(Arc::new(Smsp::new(upstream, store, SmspOptions::default()))).await
}

async fn an_smsp_counts_its_round_trips_by_outcome(backend: Backend) {
    let spine = start(double(&backend).await).await;
    let front = smsp(&backend, &format!("http://{}", spine.addr)).await;
    let answered = send(front.addr, &query_v2(&nhs_number(6))).await;
    assert_eq!(answered.status, 404, "{answered:?}");
    // A refusal of its own makes no round trip.
    let refused = send(front.addr, &create(&nhs_number(6))).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    let scraped = scrape(front.addr).await;
    assert_eq!(
        by_label(&scraped, "fgm_spine_round_trips_total", "outcome"),
        BTreeMap::from([("answered".to_owned(), 1.0)])
    );
    assert_eq!(
        by_label(&scraped, "fgm_spine_round_trip_duration_seconds_count", ""),
        BTreeMap::from([(String::new(), 1.0)])
    );
    front.stop().await;
    spine.stop().await;

    // Nothing listens at port 9: Spine is unreachable.
    let front = smsp(&backend, "http://127.0.0.1:9").await;
    let unreachable = send(front.addr, &query_v2(&nhs_number(6))).await;
    assert_eq!(unreachable.status, 500, "{unreachable:?}");
    let scraped = scrape(front.addr).await;
    assert_eq!(
        by_label(&scraped, "fgm_spine_round_trips_total", "outcome"),
        BTreeMap::from([("unreachable".to_owned(), 1.0)])
    );
    assert_eq!(
        requests(&scraped),
        BTreeMap::from([(
            (
                "QueryV2Request".to_owned(),
                "500".to_owned(),
                "COULD_NOT_CONNECT_TO_SPINE".to_owned()
            ),
            1.0
        )])
    );
    front.stop().await;
}

/// Opens a connection, has it answered once, and keeps it open (idle).
async fn kept_open(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_answer(&mut stream).await.status, 200);
    stream
}

/// Reads what a refused connection gets until the server closes it.
async fn to_the_end(mut stream: TcpStream) -> String {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut bytes)).await;
    assert!(read.expect("closed in time").is_ok(), "closed, not reset");
    String::from_utf8(bytes).unwrap()
}

async fn a_connection_past_the_limit_is_answered_503_at_once(backend: Backend) {
    let options = ServerOptions {
        max_connections: 2,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), double(&backend).await, options)
        .await
        .unwrap();
    let addr = server.addr;
    let first = kept_open(addr).await;
    let _second = kept_open(addr).await;

    let asked = Instant::now();
    let mut third = TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let refused = to_the_end(third).await;
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "answered at once, not after a timeout: {:?}",
        asked.elapsed()
    );
    let (head, body) = refused.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 503 "), "{refused}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(head.contains("\r\nretry-after: 1"), "{head}");
    assert!(
        head.contains(&format!("\r\ncontent-type: {FHIR_XML}")),
        "{head}"
    );
    assert!(body.starts_with("<?xml") || body.starts_with("<OperationOutcome"));
    assert!(body.contains("<code value=\"throttled\"/>"), "{body}");
    assert!(body.contains("at its limit of 2 connections"), "{body}");

    // Once one closes, a new connection is served.
    drop(first);
    let mut refusals = 1.0;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = get(addr, "/health").await;
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "{answer:?}");
        assert!(Instant::now() < deadline, "no connection served again");
        refusals += 1.0;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The connection just served may not be closed yet: a scrape may be
    // refused too, and counted.
    let scraped = loop {
        let answer = get(addr, "/metrics").await;
        if answer.status == 200 {
            let lines = answer.body.lines().map(|l| Ok(l.to_owned()));
            break prometheus_parse::Scrape::parse(lines).unwrap();
        }
        assert_eq!(answer.status, 503, "{answer:?}");
        assert!(Instant::now() < deadline, "no scrape served");
        refusals += 1.0;
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        by_label(&scraped, "fgm_connections_refused_total", ""),
        BTreeMap::from([(String::new(), refusals)])
    );
    server.stop().await;
}

async fn past_the_refusals_in_flight_a_connection_is_just_closed(backend: Backend) {
    let options = ServerOptions {
        max_connections: 1,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), double(&backend).await, options)
        .await
        .unwrap();
    let addr = server.addr;
    let _held = kept_open(addr).await;
    // Silent clients: each refusal waits a second for a head that does
    // not come, so the refusals in flight fill up.
    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    let closed = Instant::now();
    let last = silent.pop().unwrap();
    let said = to_the_end(last).await;
    assert_eq!(said, "", "closed without an answer");
    assert!(closed.elapsed() < Duration::from_millis(900));
    // The first ones are answered 503 after the wait.
    let first = silent.remove(0);
    let answered = to_the_end(first).await;
    assert!(answered.starts_with("HTTP/1.1 503 "), "{answered}");
    server.stop().await;
}

on_every_store!(
    health_and_ready_answer_in_fhir_before_the_handler,
    metrics_count_exactly_the_requests_sent,
    a_broken_store_is_not_ready_and_counted,
    an_smsp_counts_its_round_trips_by_outcome,
    a_connection_past_the_limit_is_answered_503_at_once,
    past_the_refusals_in_flight_a_connection_is_just_closed,
);
