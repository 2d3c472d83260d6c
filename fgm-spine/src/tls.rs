//! TLS (rustls with the `ring` provider): for the servers, a certificate
//! and key and, for Spine's TLS mutual authentication, the CA every client
//! certificate must be signed by; for the client, the CA the server must
//! chain to and this system's certificate, noting whether a server asked
//! for a client certificate (so that a refusal can be named).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SignatureScheme};

/// Why the TLS material cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLS: {}", self.0)
    }
}

impl std::error::Error for TlsError {}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("{what}: {e}")))?;
    if certificates.is_empty() {
        return Err(TlsError(format!("{what}: no PEM certificate found")));
    }
    Ok(certificates)
}

fn private_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    rustls_pemfile::private_key(&mut &pem[..])
        .map_err(|e| TlsError(format!("{what}: {e}")))?
        .ok_or_else(|| TlsError(format!("{what}: no PEM private key found")))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server config from a certificate chain and key (PEM); with
/// `client_ca` (PEM), every client must present a certificate it signed.
pub fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = certificates(cert_pem, "the server certificate")?;
    let key = private_key(key_pem, "the server key")?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for certificate in certificates(ca, "the client CA")? {
                roots
                    .add(certificate)
                    .map_err(|e| TlsError(format!("the client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| TlsError(format!("the client CA: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError(format!("the server certificate and key: {e}")))?;
    Ok(Arc::new(config))
}

/// A client config: the CA (PEM) servers must chain to (none: no https
/// server is trusted) and this system's certificate and key (PEM,
/// concatenated). The flag turns true once a server asks for a client
/// certificate.
pub fn client_config(
    ca_pem: Option<&[u8]>,
    identity_pem: Option<&[u8]>,
) -> Result<(ClientConfig, Arc<AtomicBool>), TlsError> {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca_pem {
        for certificate in certificates(ca, "the CA")? {
            roots
                .add(certificate)
                .map_err(|e| TlsError(format!("the CA: {e}")))?;
        }
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_root_certificates(roots);
    let mut config = match identity_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let chain = certificates(pem, "this system's certificate")?;
            let key = private_key(pem, "this system's key")?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TlsError(format!("this system's certificate and key: {e}")))?
        }
    };
    let asked = Arc::new(AtomicBool::new(false));
    config.client_auth_cert_resolver = Arc::new(NoteRequests {
        inner: config.client_auth_cert_resolver.clone(),
        asked: asked.clone(),
    });
    Ok((config, asked))
}

/// A client certificate resolver that notes the server asked.
#[derive(Debug)]
struct NoteRequests {
    inner: Arc<dyn ResolvesClientCert>,
    asked: Arc<AtomicBool>,
}

impl ResolvesClientCert for NoteRequests {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}
