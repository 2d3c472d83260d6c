//! The load benchmark: the load test's run (8 concurrent clients × 1,000
//! mixed requests on 16 overlapping NHS numbers, every answer and the final
//! store checked), in release, printing requests/s and p50/p99 latency.
//!
//! `cargo bench -p fgm-spine --bench load [-- CLIENTS REQUESTS NUMBERS]`

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.parse().expect("CLIENTS REQUESTS NUMBERS are numbers"))
        .collect();
    let (clients, requests, pool) = match numbers[..] {
        [] => (8, 1000, 16),
        [c, r] => (c, r, 16),
        [c, r, n] => (c, r, n),
        _ => panic!("usage: load [CLIENTS REQUESTS [NUMBERS]]"),
    };
    let dir = common::temp_dir("bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(common::load::run(clients, requests, pool as u32, &dir));
    println!(
        "load: {clients} clients × {requests} requests on {pool} NHS numbers, {} cores: {report}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
