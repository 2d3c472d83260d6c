//! What a server counts, for `GET /metrics`: requests by interaction,
//! HTTP status and Spine response code, their durations, store failures,
//! an SMSP's round trips to Spine, and connections, in the Prometheus
//! text exposition format (the `prometheus` crate, one registry per
//! [`Metrics`], so that servers in one process count apart).
//!
//! Every label takes a bounded set of values: an interaction's name or
//! `unknown` (never the path a client sent), an HTTP status, a code of the
//! response-code table (`other` for anything else, empty for none), a
//! round trip's outcome.

use std::sync::Arc;
use std::time::Duration;

use fgm_types::messages::Interaction;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::server::Exchange;

/// The content type of the text exposition format `GET /metrics` answers.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The label of a request that was not routed to an interaction.
pub const UNKNOWN: &str = "unknown";

/// One server's metrics, in a registry of their own.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    store_errors: IntCounter,
    round_trips: IntCounterVec,
    /// Without labels, but a vector: a server that never calls Spine (the
    /// double) shows no round-trip histogram at all.
    round_trip_duration: HistogramVec,
    connections_open: IntGauge,
    connections_refused: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero, in a new registry.
    pub fn new() -> Metrics {
        // The names, help texts and label names are constants: a failure
        // here is a bug the unit test below catches, not an input.
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "fgm_requests_total",
                "Requests answered, by interaction (`unknown` when not routed), HTTP status and Spine response code (empty when none).",
            ),
            &["interaction", "status", "code"],
        )
        .expect("a valid counter");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "fgm_request_duration_seconds",
                "Time from reading a request to its answer, by interaction.",
            ),
            &["interaction"],
        )
        .expect("a valid histogram");
        let store_errors = IntCounter::new(
            "fgm_store_errors_total",
            "Exchanges the store failed (answered 500).",
        )
        .expect("a valid counter");
        let round_trips = IntCounterVec::new(
            Opts::new(
                "fgm_spine_round_trips_total",
                "An SMSP's round trips to Spine, by outcome: answered, unreachable or failed.",
            ),
            &["outcome"],
        )
        .expect("a valid counter");
        let round_trip_duration = HistogramVec::new(
            HistogramOpts::new(
                "fgm_spine_round_trip_duration_seconds",
                "How long an SMSP's round trips to Spine took.",
            ),
            &[],
        )
        .expect("a valid histogram");
        let connections_open = IntGauge::new(
            "fgm_connections_open",
            "Connections being served (at most --max-connections).",
        )
        .expect("a valid gauge");
        let connections_refused = IntCounter::new(
            "fgm_connections_refused_total",
            "Connections refused because --max-connections were open (answered 503, or closed).",
        )
        .expect("a valid counter");
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(store_errors.clone()),
            Box::new(round_trips.clone()),
            Box::new(round_trip_duration.clone()),
            Box::new(connections_open.clone()),
            Box::new(connections_refused.clone()),
        ] {
            registry.register(metric).expect("distinct names");
        }
        Metrics {
            registry,
            requests,
            duration,
            store_errors,
            round_trips,
            round_trip_duration,
            connections_open,
            connections_refused,
        }
    }

    /// Counts a request answered with `status` after `elapsed`, as its
    /// exchange says: by interaction and code, a store failure, an SMSP's
    /// round trip.
    pub fn observe(&self, about: &Exchange, status: u16, elapsed: Duration) {
        let interaction = interaction_label(about.interaction);
        let status = status.to_string();
        self.requests
            .with_label_values(&[interaction, &status, code_label(about.code.as_deref())])
            .inc();
        self.duration
            .with_label_values(&[interaction])
            .observe(elapsed.as_secs_f64());
        if about.store_failed {
            self.store_errors.inc();
        }
        if let Some(trip) = about.upstream {
            self.round_trips.with_label_values(&[trip.outcome]).inc();
            self.round_trip_duration
                .with_label_values::<&str>(&[])
                .observe(trip.elapsed.as_secs_f64());
        }
    }

    /// Counts a connection open until the value returned is dropped.
    pub fn connection(self: &Arc<Self>) -> OpenConnection {
        self.connections_open.inc();
        OpenConnection(self.clone())
    }

    /// Counts a connection refused at the limit.
    pub fn refused_connection(&self) {
        self.connections_refused.inc();
    }

    /// Every metric in the text exposition format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> Result<String, String> {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}

/// A connection counted open ([`Metrics::connection`]) until dropped.
#[derive(Debug)]
pub struct OpenConnection(Arc<Metrics>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections_open.dec();
    }
}

/// The `interaction` label: the interaction's name, or [`UNKNOWN`].
pub fn interaction_label(interaction: Option<Interaction>) -> &'static str {
    interaction.map_or(UNKNOWN, Interaction::name)
}

/// The `code` label: a code of the response-code table as the table
/// spells it, `other` for anything else (the label's values stay a fixed
/// set whatever an upstream sends), empty for none.
fn code_label(code: Option<&str>) -> &'static str {
    match code {
        None => "",
        Some(code) => fgm_types::spine::response_code(code).map_or("other", |row| row.code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::RoundTrip;

    #[test]
    fn every_metric_registers_and_renders_with_its_help() {
        let metrics = Arc::new(Metrics::new());
        let open = metrics.connection();
        metrics.refused_connection();
        metrics.observe(
            &Exchange {
                code: Some("NOT_A_CODE".to_owned()),
                store_failed: true,
                upstream: Some(RoundTrip {
                    outcome: "answered",
                    elapsed: Duration::from_millis(3),
                }),
                ..Exchange::default()
            },
            500,
            Duration::from_millis(5),
        );
        let text = metrics.render().unwrap();
        for name in [
            "fgm_requests_total",
            "fgm_request_duration_seconds",
            "fgm_store_errors_total",
            "fgm_spine_round_trips_total",
            "fgm_spine_round_trip_duration_seconds",
            "fgm_connections_open",
            "fgm_connections_refused_total",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}: {text}");
        }
        assert!(text
            .contains(r#"fgm_requests_total{code="other",interaction="unknown",status="500"} 1"#));
        assert!(text.contains("fgm_connections_open 1"));
        drop(open);
        assert!(metrics.render().unwrap().contains("fgm_connections_open 0"));
        let fresh = Metrics::new().render().unwrap();
        assert!(!fresh.contains("fgm_spine_round_trip"), "{fresh}");
    }
}
