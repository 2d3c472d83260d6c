//! Every bad request gets a Spine answer over loopback — never a dropped
//! connection, a hang or a panic — and shutdown lets requests in flight
//! finish.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::server::{self, Handler, Request, Response, ServerOptions, FHIR_XML, SOAP_ACTION};
use fgm_types::messages::Interaction;
use fgm_types::spine::{read_reply, respond, Outcome, SpineReply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The code and status of an answer read without its request.
fn code_of(status: u16, body: &[u8]) -> (u16, String) {
    match read_reply(status, body, None::<&fgm_types::messages::Message>) {
        Ok(SpineReply::Error(e)) => (status, e.code),
        other => panic!(
            "HTTP {status}: {other:?}: {}",
            String::from_utf8_lossy(body)
        ),
    }
}

async fn post(url: String, action: Option<&str>, body: impl Into<reqwest::Body>) -> (u16, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", FHIR_XML)
        .body(body);
    if let Some(action) = action {
        request = request.header(SOAP_ACTION, action);
    }
    let response = request
        .send()
        .await
        .expect("an answer, not a dropped connection");
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

async fn bad_routes_and_bodies_get_spine_answers(backend: Backend) {
    let spine = Arc::new(Spine::new(backend.store().await, SpineOptions::default()));
    let options = ServerOptions {
        max_body: 8 * 1024,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), spine, options).await.unwrap();
    let base = format!("http://{}", server.addr);
    let query = Interaction::QueryV2Request;
    let well_formed = query_v2(&nhs_number(3)).to_xml();
    let not_well_formed = (400, "MESSAGE_NOT_WELL_FORMED".to_owned());

    // Routes: an unknown path, a GET, no SOAPAction, another path's action.
    let (s, b) = post(
        format!("{base}/fhir/fgm/nowhere"),
        Some(query.soap_action()),
        well_formed.clone(),
    )
    .await;
    assert_eq!(code_of(s, &b), not_well_formed);
    assert!(String::from_utf8_lossy(&b).contains("no FGM service at /fhir/fgm/nowhere"));
    let got = reqwest::get(format!("{base}{}", query.endpoint()))
        .await
        .unwrap();
    let s = got.status().as_u16();
    assert_eq!(code_of(s, &got.bytes().await.unwrap()), not_well_formed);
    let (s, b) = post(
        format!("{base}{}", query.endpoint()),
        None,
        well_formed.clone(),
    )
    .await;
    assert_eq!(code_of(s, &b), not_well_formed);
    let create_action = Interaction::CreateRequest.soap_action();
    let (s, b) = post(
        format!("{base}{}", query.endpoint()),
        Some(create_action),
        well_formed.clone(),
    )
    .await;
    assert_eq!(code_of(s, &b), not_well_formed);
    // Quotes around the SOAPAction are accepted, as SOAP clients send them.
    let quoted = format!("\"{}\"", query.soap_action());
    let (s, _) = post(
        format!("{base}{}", query.endpoint()),
        Some(&quoted),
        well_formed.clone(),
    )
    .await;
    assert_eq!(s, 404, "NO_RECORD_FOUND: the query was routed");

    // A v1 query under the v2 SOAPAction: a full answer to the message read.
    let v1 = query_v1(&nhs_number(3));
    let (s, b) = post(
        format!("{base}{}", query.endpoint()),
        Some(query.soap_action()),
        v1.to_xml(),
    )
    .await;
    match read_reply(s, &b, Some(&v1)).unwrap() {
        SpineReply::Error(e) => assert_eq!((s, e.code.as_str()), (400, "MESSAGE_NOT_WELL_FORMED")),
        other => panic!("{other:?}"),
    }

    // Bodies: not XML, empty, a response, a DTD.
    for body in [
        "not xml at all".to_owned(),
        String::new(),
        respond(&v1, Outcome::NoRecord).unwrap().message.to_xml(),
        "<!DOCTYPE x [<!ENTITY a \"a\">]><Bundle xmlns=\"http://hl7.org/fhir\"/>".to_owned(),
    ] {
        let (s, b) = post(
            format!("{base}{}", query.endpoint()),
            Some(query.soap_action()),
            body,
        )
        .await;
        assert_eq!(code_of(s, &b), not_well_formed);
    }

    // Too big, declared: refused before reading.
    let (s, b) = post(
        format!("{base}{}", query.endpoint()),
        Some(query.soap_action()),
        vec![b' '; 9000],
    )
    .await;
    assert_eq!(code_of(s, &b), not_well_formed);
    assert!(String::from_utf8_lossy(&b).contains("over the limit of 8192 bytes"));

    // Too big, chunked (no length declared): refused once the limit is hit.
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nSOAPAction: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        query.endpoint(),
        query.soap_action()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 4096];
    for _ in 0..3 {
        tcp.write_all(b"1000\r\n").await.unwrap();
        tcp.write_all(&chunk).await.unwrap();
        tcp.write_all(b"\r\n").await.unwrap();
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("an answer within the time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("MESSAGE_NOT_WELL_FORMED"), "{answer}");
    server.stop().await;
}

/// A handler that panics, or sleeps before answering.
struct Faulty;

impl Handler for Faulty {
    async fn handle(&self, request: Request) -> Response {
        if request.path == "/panic" {
            panic!("a bug in a handler");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        Response::new(200, "late".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_answered_and_shutdown_is_graceful() {
    let server = start(Arc::new(Faulty)).await;
    let base = format!("http://{}", server.addr);
    let (s, b) = post(format!("{base}/panic"), None, "x").await;
    assert_eq!(
        code_of(s, &b),
        (
            500,
            "GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE".to_owned()
        )
    );
    // An idle connection does not hold shutdown up; a request in flight
    // is answered.
    let _idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let in_flight = tokio::spawn(post(format!("{base}/slow"), None, "x"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = Instant::now();
    server.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    assert_eq!(in_flight.await.unwrap(), (200, b"late".to_vec()));
    assert!(reqwest::get(&base).await.is_err(), "no longer listening");
}

/// Sends raw bytes on a new connection and reads until it closes (10 s at
/// most).
async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("an answer within the time")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status and the Spine code of a raw HTTP answer, checking it is FHIR.
fn fhir_answer(answer: &str) -> (u16, String) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{answer:?}"));
    let status: u16 = head[9..12].parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/xml+fhir"),
        "{head}"
    );
    code_of(status, body.as_bytes())
}

async fn malformed_heads_and_bodies_get_the_fhir_refusal_and_are_audited(backend: Backend) {
    let store = backend.store().await;
    let server = start_spine(store.clone(), SpineOptions::default()).await;
    let query = Interaction::QueryV2Request;
    let not_well_formed = (400, "MESSAGE_NOT_WELL_FORMED".to_owned());
    let heads: [&[u8]; 5] = [
        b"POST /fhir/fgm/query HTTP/1.1\r\nHost: x\r\nSOAPAction: a\x01b\r\nContent-Length: 0\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"POST /fhir/fgm/query HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST /fhir/fgm/query HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
        b"POST /fhir/fgm/query HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n",
    ];
    for head in heads {
        let answer = raw(server.addr, head).await;
        assert_eq!(
            fhir_answer(&answer),
            not_well_formed,
            "{:?}",
            String::from_utf8_lossy(head)
        );
        assert!(
            answer.contains("the request head cannot be read"),
            "{answer}"
        );
    }
    // A head over hyper's size limit.
    let mut huge = b"POST /fhir/fgm/query HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..2_000 {
        huge.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(200)).as_bytes());
    }
    huge.extend_from_slice(b"\r\n");
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let _ = tcp.write_all(&huge).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(fhir_answer(&answer), not_well_formed);
    assert!(answer.contains("over the size limit"), "{answer}");

    // A good request, then a malformed head, on one kept-alive connection.
    let body = query_v2(&nhs_number(21)).to_xml();
    let mut both = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nSOAPAction: {}\r\nContent-Length: {}\r\n\r\n{body}",
        query.endpoint(),
        query.soap_action(),
        body.len()
    )
    .into_bytes();
    both.extend_from_slice(b"POST /x HTTP/1.1\r\nHost: \x7f\r\n\r\n");
    let answer = raw(server.addr, &both).await;
    let (first, second) = answer.split_at(answer[1..].find("HTTP/1.1").unwrap() + 1);
    assert!(first.starts_with("HTTP/1.1 404"), "{first}");
    assert_eq!(fhir_answer(second), not_well_formed);

    // A body with a control character: a 400 whose diagnostics quote it
    // escaped, never a 500.
    let bad_body = b"<Bundle\x01/>";
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nSOAPAction: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        query.endpoint(),
        query.soap_action(),
        bad_body.len()
    );
    let answer = raw(server.addr, &[request.as_bytes(), bad_body].concat()).await;
    assert_eq!(fhir_answer(&answer), not_well_formed);
    assert!(answer.contains("U+0001"), "{answer}");
    server.stop().await;

    let audit = store
        .audit(&fgm_spine::audit::AuditFilter::default())
        .await
        .unwrap();
    let unreadable = audit
        .iter()
        .filter(|e| e.interaction == "(unreadable request head)")
        .count();
    assert_eq!(unreadable, heads.len() + 2, "each refused head is audited");
    assert_eq!(audit.len(), heads.len() + 4);
    fgm_spine::audit::verify(&audit).unwrap();
}

async fn slow_clients_are_closed_while_others_are_served(backend: Backend) {
    let spine = Arc::new(Spine::new(backend.store().await, SpineOptions::default()));
    let options = ServerOptions {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        // Room for every slow client and the well-behaved one: a
        // connection past the limit would be answered 503 at once (the
        // ops tests), and this test is about the timeouts.
        max_connections: 40,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), spine, options).await.unwrap();
    let addr = server.addr;
    let query = Interaction::QueryV2Request;
    // 24 slow lorises: a head and 10 bytes of a 1,000-byte body, then a
    // byte every 300 ms; and 8 that send half a head, then a byte at a time.
    let mut slow = Vec::new();
    for i in 0..32 {
        slow.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST {} HTTP/1.1\r\nHost: x\r\nSOAPAction: {}\r\nContent-Length: 1000\r\n\r\n0123456789",
                query.endpoint(),
                query.soap_action()
            );
            let start = if i < 24 { head.as_str() } else { &head[..20] };
            let _ = tcp.write_all(start.as_bytes()).await;
            let mut answer = Vec::new();
            let mut byte = [0u8; 1024];
            loop {
                tokio::select! {
                    read = tcp.read(&mut byte) => match read {
                        Ok(0) | Err(_) => break,
                        Ok(n) => answer.extend_from_slice(&byte[..n]),
                    },
                    () = tokio::time::sleep(Duration::from_millis(300)) => {
                        if tcp.write_all(b"x").await.is_err() {
                            break;
                        }
                    }
                }
                assert!(started.elapsed() < Duration::from_secs(15), "a slow client is still open");
            }
            (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
        }));
    }
    // Meanwhile a well-behaved client is served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = client_of(&server);
    for n in 0..20 {
        let answer = client.send(&query_v2(&nhs_number(40 + n))).await.unwrap();
        assert_eq!(answer.status, 404);
    }
    for (i, task) in slow.into_iter().enumerate() {
        let (took, answer) = task.await.unwrap();
        assert!(
            took < Duration::from_secs(8),
            "client {i} closed after {took:?}"
        );
        if i < 24 {
            assert!(
                answer.contains("the body did not arrive within 1s"),
                "client {i}: {answer}"
            );
        }
    }
    server.stop().await;
}

on_every_store!(
    bad_routes_and_bodies_get_spine_answers,
    malformed_heads_and_bodies_get_the_fhir_refusal_and_are_audited,
    slow_clients_are_closed_while_others_are_served,
);
