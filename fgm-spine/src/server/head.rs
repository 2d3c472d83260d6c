//! The answer to a request head hyper cannot read.
//!
//! hyper answers a request line or header it cannot parse itself, before
//! any service sees the request: a bare `400 Bad Request` (or 431, 414)
//! with an empty body, then it closes the connection. It writes that answer
//! only when nothing else is being written (`on_parse_error` requires the
//! writing state to be idle), and every answer of ours carries a
//! `content-type`; so a response head without one is hyper's own, and
//! [`Guarded`] writes the Spine answer in its place: the same
//! `MESSAGE_NOT_WELL_FORMED` OperationOutcome a malformed body gets. It
//! notes that it did, for the connection's owner to audit.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Response, FHIR_XML};

/// A connection's stream, replacing hyper's own error answers.
#[derive(Debug)]
pub(crate) struct Guarded<S> {
    inner: S,
    /// The answer being written in place of hyper's, and how much of it.
    replacing: Option<(Vec<u8>, usize)>,
    /// The refusals written, for the owner to audit.
    refused: Arc<Mutex<Vec<Response>>>,
}

impl<S> Guarded<S> {
    /// Guards `inner`; the refusals written are pushed to `refused`.
    pub(crate) fn new(inner: S, refused: Arc<Mutex<Vec<Response>>>) -> Guarded<S> {
        Guarded {
            inner,
            replacing: None,
            refused,
        }
    }
}

/// Whether `buf` starts a response head that hyper wrote itself: an error
/// status and no content type.
fn is_hypers_own(buf: &[u8]) -> Option<u16> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let status: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    if !(400..500).contains(&status) {
        return None;
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = buf[..head_end].to_ascii_lowercase();
    let typed = head.windows(14).any(|w| w == b"\ncontent-type:");
    (!typed).then_some(status)
}

/// The Spine answer for a head hyper refused with `status`.
fn refusal(status: u16) -> Response {
    let why = match status {
        431 => "the request head is over the size limit",
        414 => "the request's URI is over the length limit",
        _ => "the request line or a header is malformed (a control character, a bad name, a bad method or version)",
    };
    Response::refuse(
        "MESSAGE_NOT_WELL_FORMED",
        &format!("the request head cannot be read: {why}"),
    )
}

fn http(response: &Response) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {} Bad Request\r\ncontent-type: {FHIR_XML}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        response.status,
        response.body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(response.body.as_bytes());
    bytes
}

impl<S: AsyncWrite + Unpin> Guarded<S> {
    /// Writes the replacement; ready when all of it is written.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.replacing {
            if *done == bytes.len() {
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match is_hypers_own(buf) {
                Some(status) => {
                    let response = refusal(status);
                    this.replacing = Some((http(&response), 0));
                    if let Ok(mut refused) = this.refused.lock() {
                        refused.push(response);
                    }
                }
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // hyper's answer (and anything after it) is swallowed: the
        // connection closes once ours is written.
        ready!(this.poll_replacement(cx))?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_own_error_heads_are_replaced() {
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(is_hypers_own(own), Some(400));
        assert_eq!(
            is_hypers_own(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n"),
            Some(431)
        );
        let ours = b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml+fhir\r\ncontent-length: 9\r\n\r\n<x/>";
        assert_eq!(is_hypers_own(ours), None);
        assert_eq!(is_hypers_own(b"HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(is_hypers_own(b"HTTP/1.1 400 Bad"), None, "a head cut short");
        assert_eq!(is_hypers_own(b"<Bundle/>"), None);
        let replaced = http(&refusal(400));
        let text = String::from_utf8(replaced).unwrap();
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-type: application/xml+fhir"));
        assert!(text.contains("MESSAGE_NOT_WELL_FORMED"));
    }
}
