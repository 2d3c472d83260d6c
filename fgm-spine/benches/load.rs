//! The load benchmark: concurrent clients sending requests on overlapping
//! NHS numbers to a Spine double, every answer and the final store checked
//! (`fgm_spine::load`), printing requests/s and p50/p99 latency.
//!
//! ```text
//! cargo bench -p fgm-spine --bench load -- [CLIENTS REQUESTS [NUMBERS]]
//!     [--queries] [--store STORE] [--process [--instances N] [--fgm PATH]]
//! ```
//!
//! - `CLIENTS REQUESTS NUMBERS`: default 8 × 1,000 on 16 numbers.
//! - `--queries`: queries alone (after a create for every other number),
//!   instead of the mixed load (40% creates, 30% queries, 30% deletes).
//! - `--store STORE`: a SQLite file or a `postgres://` URL, empty (a new
//!   file or database); default a new SQLite file in a temporary folder.
//! - `--process`: the server is `fgm serve spine --store STORE` in a
//!   process of its own, as an operator would measure it (the load comes
//!   from this one); `--fgm PATH` names the binary, by default the release
//!   build beside this benchmark (`cargo build --release -p fgm-cli`);
//!   `--instances N` starts N of them on the store (PostgreSQL), each
//!   client sending to each in turn. Without `--process` the server runs in
//!   this process, on the same runtime.

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fgm_spine::double::SpineOptions;
use fgm_spine::load::{check, drive, Load, Mix};
use fgm_spine::{Client, ClientOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut numbers = Vec::new();
    let (mut mix, mut store, mut process, mut fgm) = (Mix::Mixed, None, false, None);
    let mut instances = 1;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--queries" => mix = Mix::Queries,
            "--store" => store = args.next(),
            "--process" => process = true,
            "--fgm" => fgm = args.next().map(PathBuf::from),
            "--instances" => {
                instances = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--instances N")
            }
            // cargo bench's own flag.
            "--bench" => {}
            number => numbers.push(
                number
                    .parse::<usize>()
                    .unwrap_or_else(|_| panic!("`{number}`: see the usage in benches/load.rs")),
            ),
        }
    }
    let (clients, requests, pool) = match numbers[..] {
        [] => (8, 1000, 16),
        [c, r] => (c, r, 16),
        [c, r, n] => (c, r, n),
        _ => panic!(
            "usage: load [CLIENTS REQUESTS [NUMBERS]] [--queries] [--store STORE] \
             [--process [--instances N] [--fgm PATH]]"
        ),
    };
    let load = Load {
        clients,
        requests,
        numbers: pool as u32,
        mix,
    };
    let dir = common::temp_dir("bench");
    let store = store.unwrap_or_else(|| dir.join("load.db").display().to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let (run, shared) = if process {
            let fgm = fgm.unwrap_or_else(beside_this_benchmark);
            let mut servers = Vec::new();
            let mut clients = Vec::new();
            for _ in 0..instances {
                let addr = TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap();
                servers.push(
                    Command::new(&fgm)
                        .args(["serve", "spine", "--store", &store, "--listen"])
                        .arg(addr.to_string())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .unwrap_or_else(|e| panic!("{}: {e}", fgm.display())),
                );
                let deadline = Instant::now() + Duration::from_secs(30);
                while TcpStream::connect(addr).is_err() {
                    assert!(Instant::now() < deadline, "`fgm serve` did not start");
                    std::thread::sleep(Duration::from_millis(20));
                }
                clients.push(
                    Client::new(&format!("http://{addr}"), &ClientOptions::default()).unwrap(),
                );
            }
            let run = drive(&clients, load).await;
            for mut server in servers {
                // SIGTERM: a graceful stop.
                let _ = Command::new("kill")
                    .args(["-TERM", &server.id().to_string()])
                    .status();
                let _ = server.wait();
            }
            (run, fgm_spine::store::open(&store).await.unwrap())
        } else {
            let shared = fgm_spine::store::open(&store).await.unwrap();
            let server = common::start_spine(shared.clone(), SpineOptions::default()).await;
            let run = drive(&[common::client_of(&server)], load).await;
            server.stop().await;
            (run, shared)
        };
        check(&*shared, &run)
            .await
            .unwrap_or_else(|why| panic!("{why}"))
    });
    println!(
        "load: {} {clients} clients × {requests} requests on {pool} NHS numbers, server {}, store {}, {} cores: {report}",
        match mix {
            Mix::Mixed => "mixed,",
            Mix::Queries => "queries alone,",
        },
        match (process, instances) {
            (false, _) => "in process".to_owned(),
            (true, 1) => "`fgm serve` (own process)".to_owned(),
            (true, n) => format!("{n} × `fgm serve` (own processes)"),
        },
        if fgm_spine::store::is_postgres(&store) { "PostgreSQL" } else { "SQLite" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `fgm` in the folder above this benchmark's (`target/release`).
fn beside_this_benchmark() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let fgm = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|release| release.join("fgm"))
        .filter(|fgm| fgm.is_file());
    fgm.unwrap_or_else(|| {
        panic!(
            "no `fgm` beside {}: run `cargo build --release -p fgm-cli` first, or pass --fgm PATH",
            exe.display()
        )
    })
}
