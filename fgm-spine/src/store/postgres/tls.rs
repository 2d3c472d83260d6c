//! TLS to PostgreSQL, as libpq's URL parameters ask for it: `sslmode`
//! (`disable`, `prefer`, `require`) is tokio-postgres's own;
//! `sslrootcert=PEM` (the CA that signed the server's certificate) and
//! `sslcert=PEM`, `sslkey=PEM` (a client certificate, for `cert`
//! authentication) are read here, since tokio-postgres does not know
//! them. With TLS the server's certificate is always verified against
//! `sslrootcert`, its name against the URL's host (libpq's
//! `verify-full`): `sslmode=require` without `sslrootcert` is refused.
//!
//! The connector is rustls (through tokio-rustls, as the servers' TLS),
//! a few lines over tokio-postgres's TLS traits rather than another crate.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_postgres::Socket;

/// A URL split into what tokio-postgres reads and the TLS files it does
/// not: the URL without `sslrootcert`, `sslcert` and `sslkey`, and the
/// connector they make (none when none is named).
pub(super) fn split(url: &str) -> Result<(String, Option<RustlsConnect>), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let (mut root, mut cert, mut key) = (None, None, None);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match name {
            "sslrootcert" => root = Some(value),
            "sslcert" => cert = Some(value),
            "sslkey" => key = Some(value),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let wants_tls = kept.contains(&"sslmode=require");
    let Some(root) = root else {
        if wants_tls {
            return Err(
                "sslmode=require needs sslrootcert=PEM: the CA that signed the \
                        server's certificate, which is always verified"
                    .to_owned(),
            );
        }
        if cert.is_some() || key.is_some() {
            return Err("sslcert and sslkey need sslrootcert=PEM".to_owned());
        }
        return Ok((url, None));
    };
    let read =
        |path: &str, what: &str| std::fs::read(path).map_err(|e| format!("{what} {path}: {e}"));
    let ca = read(&root, "sslrootcert")?;
    let identity = match (cert, key) {
        (Some(cert), Some(key)) => {
            let mut pem = read(&cert, "sslcert")?;
            pem.push(b'\n');
            pem.extend(read(&key, "sslkey")?);
            Some(pem)
        }
        (None, None) => None,
        _ => return Err("sslcert and sslkey go together".to_owned()),
    };
    let (config, _) =
        crate::tls::client_config(Some(&ca), identity.as_deref()).map_err(|e| e.to_string())?;
    Ok((url, Some(RustlsConnect(Arc::new(config)))))
}

/// `%xx` escapes decoded (a path in a URL).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Makes a rustls connection for each connection the pool opens.
#[derive(Clone)]
pub(super) struct RustlsConnect(Arc<rustls::ClientConfig>);

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnector;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnector, Self::Error> {
        Ok(RustlsConnector {
            config: self.0.clone(),
            host: ServerName::try_from(host.to_owned())?,
        })
    }
}

/// One connection's handshake.
pub(super) struct RustlsConnector {
    config: Arc<rustls::ClientConfig>,
    host: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsConnector {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.host, socket)
                .await?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// A TLS connection to PostgreSQL.
pub(super) struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        // SCRAM's channel binding is optional: the certificate is verified.
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_files_are_taken_out_of_the_url() {
        assert_eq!(split("postgres://u@h/db").unwrap().0, "postgres://u@h/db");
        assert_eq!(
            split("postgres://u@h/db?sslmode=disable&application_name=x")
                .unwrap()
                .0,
            "postgres://u@h/db?sslmode=disable&application_name=x"
        );
        let error = split("postgres://u@h/db?sslmode=require").err().unwrap();
        assert!(error.contains("needs sslrootcert"), "{error}");
        let error =
            split("postgres://u@h/db?sslrootcert=/nonexistent%20dir/ca.pem&sslmode=require")
                .err()
                .unwrap();
        assert!(
            error.starts_with("sslrootcert /nonexistent dir/ca.pem:"),
            "{error}"
        );
        assert!(split("postgres://u@h/db?sslcert=c.pem").is_err());
        assert_eq!(decode("a%2Fb%zz%4"), "a/b%zz%4");
    }
}
