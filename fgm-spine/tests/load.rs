//! The load test: 8 concurrent clients × 1,000 mixed requests on 16
//! overlapping NHS numbers, over loopback, on every store; the outcome
//! checked against a sequential model of the audit (`fgm_spine::load`).

mod common;

use common::{client_of, start_spine, Backend};
use fgm_spine::double::SpineOptions;
use fgm_spine::load::{check, drive, Load, Mix};

async fn eight_clients_by_a_thousand_mixed_requests_agree_with_a_sequential_model(
    backend: Backend,
) {
    let store = backend.store().await;
    let server = start_spine(store.clone(), SpineOptions::default()).await;
    let load = Load {
        clients: 8,
        requests: 1000,
        numbers: 16,
        mix: Mix::Mixed,
    };
    let run = drive(&[client_of(&server)], load).await;
    server.stop().await;
    let report = check(&*store, &run)
        .await
        .unwrap_or_else(|why| panic!("{why}"));
    println!("load on {backend:?} (debug build, shared machine): {report}");
    assert_eq!(report.requests, 8000);
    assert_eq!(report.unanswered, 0);
    assert!(report.changes > 0 && report.flags <= 16);
}

on_every_store!(eight_clients_by_a_thousand_mixed_requests_agree_with_a_sequential_model);
