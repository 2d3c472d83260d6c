//! The load test: 8 concurrent clients × 1,000 mixed requests on 16
//! overlapping NHS numbers, over loopback (see `common::load`).

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_by_a_thousand_mixed_requests_agree_with_a_sequential_model() {
    let dir = common::temp_dir("load");
    let report = common::load::run(8, 1000, 16, &dir).await;
    println!("load (debug build, shared machine): {report}");
    assert_eq!(report.requests, 8000);
    assert!(report.changes > 0 && report.flags <= 16);
    std::fs::remove_dir_all(&dir).unwrap();
}
