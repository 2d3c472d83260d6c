//! Spine's TLS mutual authentication over loopback, with certificates made
//! in the test (rcgen): a client with a certificate the CA signed is
//! answered; one without a certificate, or with one from another CA, is
//! refused at the handshake.

mod common;

use std::sync::Arc;

use common::*;
use fgm_spine::audit::AuditFilter;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::identity::IdentityMap;
use fgm_spine::server::{self, ServerOptions};
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::store::Store;
use fgm_spine::{Cause, Client, ClientError, ClientOptions};
use fgm_types::messages::Message;
use fgm_types::spine::build::QueryV2;
use fgm_types::spine::SpineReply;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A CA: its certificate and key.
struct Ca {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Ca { certificate, key }
    }

    /// A leaf certificate and key (PEM) for `names`, for a server or client.
    fn issue(&self, names: &[&str], purpose: ExtendedKeyUsagePurpose) -> (String, String) {
        self.issue_as("fgm-spine test", names, purpose, false)
    }

    /// A leaf certificate and key (PEM) with its CN, its DNS names, and
    /// expired or not.
    fn issue_as(
        &self,
        common_name: &str,
        names: &[&str],
        purpose: ExtendedKeyUsagePurpose,
        expired: bool,
    ) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![purpose];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

fn client(base: &str, ca: &Ca, identity: Option<&(String, String)>) -> Client {
    let options = ClientOptions {
        ca_pem: Some(ca.certificate.pem().into_bytes()),
        identity_pem: identity.map(|(cert, key)| format!("{cert}\n{key}").into_bytes()),
        ..ClientOptions::default()
    };
    Client::new(base, &options).unwrap()
}

fn refused(result: Result<fgm_spine::Answer, ClientError>) -> bool {
    matches!(result, Err(ClientError::Connect { .. }))
}

async fn clients_must_present_a_certificate_the_ca_signed(backend: Backend) {
    let spine_ca = Ca::new("Test Spine CA");
    let other_ca = Ca::new("Another CA");
    let (server, _) = tls_spine(&backend, &spine_ca, SpineOptions::default()).await;
    let base = format!("https://{}", server.addr);
    let query = query_v2(&nhs_number(5));

    let accredited = spine_ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);
    let answer = client(&base, &spine_ca, Some(&accredited))
        .send(&query)
        .await
        .unwrap();
    assert_eq!((answer.status, answer.reply), (404, SpineReply::NoRecord));

    assert!(
        refused(client(&base, &spine_ca, None).send(&query).await),
        "no certificate"
    );
    let stranger = other_ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);
    assert!(
        refused(client(&base, &spine_ca, Some(&stranger)).send(&query).await),
        "another CA's"
    );
    // And the client checks the server: one it does not trust is refused.
    assert!(
        refused(
            client(&base, &other_ca, Some(&accredited))
                .send(&query)
                .await
        ),
        "an unknown server"
    );
    // Plain HTTP to the TLS port gets no Spine answer either.
    assert!(refused(
        client(&format!("http://{}", server.addr), &spine_ca, None)
            .send(&query)
            .await
    ));

    // The accredited client still works after the refusals.
    let answer = client(&base, &spine_ca, Some(&accredited))
        .send(&create(&nhs_number(5)))
        .await
        .unwrap();
    assert_eq!(answer.status, 201);
    server.stop().await;
}

#[test]
fn unusable_tls_material_is_an_error() {
    let ca = Ca::new("Test CA");
    let (cert, key) = ca.issue(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    assert!(fgm_spine::tls::server_config(cert.as_bytes(), key.as_bytes(), None).is_ok());
    let no_cert = fgm_spine::tls::server_config(b"", key.as_bytes(), None).unwrap_err();
    assert!(
        no_cert.to_string().contains("no PEM certificate"),
        "{no_cert}"
    );
    let no_key = fgm_spine::tls::server_config(cert.as_bytes(), cert.as_bytes(), None).unwrap_err();
    assert!(
        no_key.to_string().contains("no PEM private key"),
        "{no_key}"
    );
    let bad_ca =
        fgm_spine::tls::server_config(cert.as_bytes(), key.as_bytes(), Some(b"junk")).unwrap_err();
    assert!(bad_ca.to_string().contains("client CA"), "{bad_ca}");
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused() {
    let ca = Ca::new("Test CA");
    let (cert, _) = ca.issue(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    let (_, other_key) = ca.issue(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    let e = fgm_spine::tls::server_config(cert.as_bytes(), other_key.as_bytes(), None).unwrap_err();
    assert!(
        e.to_string().contains("the server certificate and key"),
        "{e}"
    );
}

/// A TLS double requiring client certificates of `ca`, with `options`.
async fn tls_spine(
    backend: &Backend,
    ca: &Ca,
    options: SpineOptions,
) -> (server::Running, Arc<dyn Store>) {
    let (cert, key) = ca.issue(
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let tls = fgm_spine::tls::server_config(
        cert.as_bytes(),
        key.as_bytes(),
        Some(ca.certificate.pem().as_bytes()),
    )
    .unwrap();
    let store = backend.store().await;
    let spine = Arc::new(Spine::new(store.clone(), options));
    let options = ServerOptions {
        tls: Some(tls),
        ..ServerOptions::default()
    };
    (
        server::spawn(loopback(), spine, options).await.unwrap(),
        store,
    )
}

async fn the_asid_is_the_one_the_certificate_is_bound_to(backend: Backend) {
    let ca = Ca::new("Test Spine CA");
    let map = IdentityMap::parse(&format!(
        "client.example {CLIENT}\n\"Child Health System\" 200000000220\n"
    ))
    .unwrap();
    let options = SpineOptions {
        asid_map: Some(map),
        ..SpineOptions::default()
    };
    let (server, store) = tls_spine(&backend, &ca, options).await;
    let base = format!("https://{}", server.addr);
    let girl = nhs_number(11);

    let bound = ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);
    let answer = client(&base, &ca, Some(&bound))
        .send(&create(&girl))
        .await
        .unwrap();
    assert_eq!(answer.status, 201);
    // Another accredited system claiming the first one's ASID.
    let other = ca.issue_as(
        "Child Health System",
        &[],
        ExtendedKeyUsagePurpose::ClientAuth,
        false,
    );
    let answer = client(&base, &ca, Some(&other))
        .send(&delete(&girl))
        .await
        .unwrap();
    let SpineReply::Error(e) = &answer.reply else {
        panic!("{:?}", answer.reply)
    };
    assert_eq!((answer.status, e.code.as_str()), (403, "ASID_CHECK_FAILED"));
    let why = e.diagnostics.as_deref().unwrap_or_default();
    assert!(
        why.contains("the certificate of Child Health System is not bound to ASID 200000000115"),
        "{why}"
    );
    // Its own ASID is accepted.
    let own = altered(&query_v2(&girl), CLIENT, "200000000220");
    let answer = client(&base, &ca, Some(&other)).send(&own).await.unwrap();
    assert_eq!(answer.status, 200);
    // A message for another receiver is refused, whoever sends it.
    let elsewhere = altered(&query_v2(&girl), SPINE, "990101234999");
    let answer = client(&base, &ca, Some(&bound))
        .send(&elsewhere)
        .await
        .unwrap();
    let SpineReply::Error(e) = &answer.reply else {
        panic!("{:?}", answer.reply)
    };
    assert_eq!(e.code, "ASID_CHECK_FAILED");
    assert!(e
        .diagnostics
        .as_deref()
        .unwrap_or_default()
        .contains("addressed to ASID 990101234999"));
    server.stop().await;

    // The audit records the certificate's identity beside the claimed ASID.
    let audit = store.audit(&AuditFilter::default()).await.unwrap();
    let seen: Vec<(Option<&str>, Option<&str>, Option<&str>)> = audit
        .iter()
        .map(|e| {
            (
                e.certificate.as_deref(),
                e.sender_asid.as_deref(),
                e.response_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("fgm-spine test"), Some(CLIENT), None),
            (
                Some("Child Health System"),
                Some(CLIENT),
                Some("ASID_CHECK_FAILED")
            ),
            (Some("Child Health System"), Some("200000000220"), None),
            (
                Some("fgm-spine test"),
                Some(CLIENT),
                Some("ASID_CHECK_FAILED")
            ),
        ]
    );
    assert!(audit[0]
        .line()
        .contains(" asid=200000000115 cert=fgm-spine test "));
}

async fn an_smsp_binds_local_systems_to_the_organisations_they_act_for(backend: Backend) {
    let ca = Ca::new("Local CA");
    let spine = start_spine(backend.store().await, SpineOptions::default()).await;
    let (cert, key) = ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let tls = fgm_spine::tls::server_config(
        cert.as_bytes(),
        key.as_bytes(),
        Some(ca.certificate.pem().as_bytes()),
    )
    .unwrap();
    let upstream =
        Client::new(&format!("http://{}", spine.addr), &ClientOptions::default()).unwrap();
    let smsp = Arc::new(Smsp::new(
        upstream,
        backend.store().await,
        SmspOptions {
            author_map: Some(IdentityMap::parse("gp.example RKE\n").unwrap()),
            ..SmspOptions::default()
        },
    ));
    let options = ServerOptions {
        tls: Some(tls),
        ..ServerOptions::default()
    };
    let front = server::spawn(loopback(), smsp, options).await.unwrap();
    let base = format!("https://{}", front.addr);
    let gp = ca.issue(&["gp.example"], ExtendedKeyUsagePurpose::ClientAuth);
    let query = |org: &str| {
        Message::QueryV2Request(
            QueryV2::new(&nhs_number(12))
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_sds(AUTHOR, "100077650987")
                .organization(org, "An organisation")
                .build()
                .unwrap(),
        )
    };
    let answer = client(&base, &ca, Some(&gp))
        .send(&query("RKE"))
        .await
        .unwrap();
    assert_eq!(answer.status, 404, "forwarded: {:?}", answer.reply);
    let answer = client(&base, &ca, Some(&gp))
        .send(&query("RXX"))
        .await
        .unwrap();
    let SpineReply::Error(e) = &answer.reply else {
        panic!("{:?}", answer.reply)
    };
    assert_eq!(
        (answer.status, e.code.as_str()),
        (401, "AUTHOR_CREDENTIALS_ERROR")
    );
    assert!(e
        .diagnostics
        .as_deref()
        .unwrap_or_default()
        .contains("may not act for"));
    front.stop().await;
    spine.stop().await;
}

async fn a_failed_exchange_names_its_cause(backend: Backend) {
    let ca = Ca::new("Test Spine CA");
    let other_ca = Ca::new("Another CA");
    let (server, _) = tls_spine(&backend, &ca, SpineOptions::default()).await;
    let base = format!("https://{}", server.addr);
    let query = query_v2(&nhs_number(13));
    let cause = |result: Result<fgm_spine::Answer, ClientError>| match result {
        Err(e) => (e.cause().unwrap_or_else(|| panic!("{e}")), e.to_string()),
        Ok(a) => panic!("answered {}", a.status),
    };
    let accredited = ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);

    let (no_cert, text) = cause(client(&base, &ca, None).send(&query).await);
    assert!(
        matches!(&no_cert, Cause::Tls(why) if why.contains("requires a client certificate")),
        "{text}"
    );
    let (unknown_ca, text) = cause(
        client(&base, &other_ca, Some(&accredited))
            .send(&query)
            .await,
    );
    assert!(
        matches!(&unknown_ca, Cause::Tls(why) if why.contains("unknown CA")),
        "{text}"
    );
    let stranger = other_ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);
    let (untrusted, text) = cause(client(&base, &ca, Some(&stranger)).send(&query).await);
    assert!(matches!(&untrusted, Cause::Tls(_)), "{text}");
    server.stop().await;

    // A server certificate for another name, and an expired one.
    for (names, expired, expect) in [
        (&["wrong.example"][..], false, "name mismatch"),
        (&["127.0.0.1"][..], true, "expired"),
    ] {
        let (cert, key) = ca.issue_as(
            "server",
            names,
            ExtendedKeyUsagePurpose::ServerAuth,
            expired,
        );
        let tls = fgm_spine::tls::server_config(cert.as_bytes(), key.as_bytes(), None).unwrap();
        let spine = Arc::new(Spine::new(backend.store().await, SpineOptions::default()));
        let options = ServerOptions {
            tls: Some(tls),
            ..ServerOptions::default()
        };
        let server = server::spawn(loopback(), spine, options).await.unwrap();
        let base = format!("https://{}", server.addr);
        let (why, text) = cause(client(&base, &ca, None).send(&query).await);
        assert!(
            matches!(&why, Cause::Tls(w) if w.contains(expect)),
            "{text}"
        );
        server.stop().await;
    }

    // Nothing listening; and a server that never answers.
    let closed = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let plain = Client::new(&format!("http://{addr}"), &ClientOptions::default()).unwrap();
    let (refused, text) = cause(plain.send(&query).await);
    assert_eq!(refused, Cause::Refused, "{text}");
    assert!(text.contains("connection refused"), "{text}");
    let silent = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let options = ClientOptions {
        timeout: std::time::Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let impatient = Client::new(
        &format!("http://{}", silent.local_addr().unwrap()),
        &options,
    )
    .unwrap();
    let (timeout, text) = cause(impatient.send(&query).await);
    assert_eq!(timeout, Cause::Timeout, "{text}");
    // Not a URL at all.
    let e = Client::new("notaurl", &ClientOptions::default()).unwrap_err();
    assert!(
        e.to_string().starts_with("notaurl: not an http(s) URL"),
        "{e}"
    );
}

/// A TLS connection past `max_connections` is answered 503 in FHIR after
/// the handshake, and closed cleanly (close_notify, not a reset).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_connection_past_the_limit_is_answered_503_after_the_handshake() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ca = Ca::new("Test Spine CA");
    let (cert, key) = ca.issue(
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let ca_pem = ca.certificate.pem();
    let tls =
        fgm_spine::tls::server_config(cert.as_bytes(), key.as_bytes(), Some(ca_pem.as_bytes()))
            .unwrap();
    let spine = Arc::new(Spine::new(
        Arc::new(fgm_spine::store::SqliteStore::in_memory().unwrap()),
        SpineOptions::default(),
    ));
    let options = ServerOptions {
        tls: Some(tls),
        max_connections: 1,
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), spine, options).await.unwrap();
    let (cert, key) = ca.issue(&["client.example"], ExtendedKeyUsagePurpose::ClientAuth);
    let identity = format!("{cert}\n{key}");
    let (config, _) =
        fgm_spine::tls::client_config(Some(ca_pem.as_bytes()), Some(identity.as_bytes())).unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let connect = || async {
        let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        connector.connect(name, tcp).await.unwrap()
    };
    let patience = std::time::Duration::from_secs(10);

    // One connection served and kept open.
    let mut held = connect().await;
    held.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).ends_with("</OperationOutcome>") {
        let n = tokio::time::timeout(patience, held.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200 "));

    // The next: the handshake, then the 503, then a clean close.
    let mut next = connect().await;
    next.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut refused = String::new();
    tokio::time::timeout(patience, next.read_to_string(&mut refused))
        .await
        .unwrap()
        .expect("closed with close_notify");
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    assert!(
        refused.contains("at its limit of 1 connections"),
        "{refused}"
    );
    drop(held);
    server.stop().await;
}

on_every_store!(
    clients_must_present_a_certificate_the_ca_signed,
    the_asid_is_the_one_the_certificate_is_bound_to,
    an_smsp_binds_local_systems_to_the_organisations_they_act_for,
    a_failed_exchange_names_its_cause,
);
