//! The operator's endpoints, on the service's own listener and answered
//! before the handler: `GET /health` (the process answers), `GET /ready`
//! (the handler can answer: [`Handler::ready`]) and `GET /metrics`. The
//! first two answer a small FHIR OperationOutcome, as the service answers
//! everything; `/metrics` the Prometheus text format. Any other method on
//! these paths goes to the handler, which refuses it as any unknown route.
//! Probes are neither audited nor counted as requests.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::Method;

use super::{outcome, Handler, FHIR_XML};
use crate::metrics::{self, Metrics};

/// How long `GET /ready` waits for the handler's answer.
const READY_WAIT: Duration = Duration::from_secs(5);

/// The answer to a probe, or `None` when the request is not one.
pub(super) async fn answer<H: Handler>(
    method: &Method,
    path: &str,
    handler: &Arc<H>,
    metrics: &Metrics,
) -> Option<hyper::Response<Full<Bytes>>> {
    if method != Method::GET {
        return None;
    }
    let (status, content_type, body) = match path {
        "/health" => (
            200,
            FHIR_XML,
            outcome("information", "informational", "the service is alive"),
        ),
        "/ready" => match ready(handler).await {
            Ok(()) => (
                200,
                FHIR_XML,
                outcome("information", "informational", "the service is ready"),
            ),
            Err(cause) => {
                tracing::warn!(target: "fgm::probe", cause = cause.as_str(), "not ready");
                (
                    503,
                    FHIR_XML,
                    outcome(
                        "error",
                        "transient",
                        &format!("the service is not ready: {cause}"),
                    ),
                )
            }
        },
        "/metrics" => match metrics.render() {
            Ok(text) => (200, metrics::CONTENT_TYPE, text),
            Err(cause) => {
                tracing::error!(target: "fgm::probe", cause = cause.as_str(), "the metrics cannot be written");
                (
                    500,
                    FHIR_XML,
                    outcome(
                        "fatal",
                        "exception",
                        &format!("the metrics cannot be written: {cause}"),
                    ),
                )
            }
        },
        _ => return None,
    };
    tracing::debug!(target: "fgm::probe", path, status, "probe answered");
    let mut http = hyper::Response::new(Full::new(Bytes::from(body)));
    *http.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    http.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(http)
}

/// The handler's readiness, in a task of its own (a panic is a cause, not
/// a crash) and within [`READY_WAIT`].
async fn ready<H: Handler>(handler: &Arc<H>) -> Result<(), String> {
    let handler = handler.clone();
    let mut asked = tokio::spawn(async move { handler.ready().await });
    match tokio::time::timeout(READY_WAIT, &mut asked).await {
        Ok(Ok(ready)) => ready,
        Ok(Err(e)) => Err(format!("the readiness check failed: {e}")),
        Err(_) => {
            asked.abort();
            Err(format!("the readiness check took over {READY_WAIT:?}"))
        }
    }
}
