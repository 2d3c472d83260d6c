//! Spine's TLS mutual authentication over loopback, with certificates made
//! in the test (rcgen): a client with a certificate the CA signed is
//! answered; one without a certificate, or with one from another CA, is
//! refused at the handshake.

mod common;

use std::sync::Arc;

use common::*;
use fgm_spine::server::{self, ServerOptions};
use fgm_spine::spine::{Spine, SpineOptions};
use fgm_spine::store::SqliteStore;
use fgm_spine::{Client, ClientError, ClientOptions};
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
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "fgm-spine test");
        params.extended_key_usages = vec![purpose];
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
    matches!(result, Err(ClientError::Connect(_)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_must_present_a_certificate_the_ca_signed() {
    let spine_ca = Ca::new("Test Spine CA");
    let other_ca = Ca::new("Another CA");
    let (server_cert, server_key) = spine_ca.issue(
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let tls = fgm_spine::tls::server_config(
        server_cert.as_bytes(),
        server_key.as_bytes(),
        Some(spine_ca.certificate.pem().as_bytes()),
    )
    .unwrap();
    let spine = Arc::new(Spine::new(
        Arc::new(SqliteStore::in_memory().unwrap()),
        SpineOptions::default(),
    ));
    let options = ServerOptions {
        tls: Some(tls),
        ..ServerOptions::default()
    };
    let server = server::spawn(loopback(), spine, options).await.unwrap();
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
