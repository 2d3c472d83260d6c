//! Two `fgm serve spine` processes on one PostgreSQL database, as an
//! organisation runs them behind a load balancer: concurrent creates,
//! queries and deletes of overlapping NHS numbers sent to both are held to
//! a sequential model of the shared audit (`fgm_spine::load::check`): one
//! create per number at a time, nothing acknowledged lost, one chain that
//! verifies. Then again with one instance killed (SIGKILL) mid-burst.
//!
//! Needs a PostgreSQL server: `FGM_TEST_POSTGRES` (a URL of a role that may
//! create databases; `.ci/run` starts one). Without it, each test says it
//! skips and why.
#![cfg(all(feature = "serve", unix))]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fgm_spine::load::{check, drive, Load, Mix};
use fgm_spine::{Client, ClientOptions};

const POSTGRES: &str = "FGM_TEST_POSTGRES";

/// A new, empty database on the test server, as a `--store` URL; none
/// (after saying why) without a server.
async fn database(test: &str) -> Option<String> {
    let Ok(server) = std::env::var(POSTGRES) else {
        eprintln!(
            "SKIPPED {test}: {POSTGRES} is not set (`.ci/run` starts a PostgreSQL server and sets it)"
        );
        return None;
    };
    let name = format!("fgm_instances_{test}_{}", std::process::id());
    let (admin, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES}={server}: {e}"));
    tokio::spawn(connection);
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    let (base, query) = server.split_once('?').unwrap_or((&server, ""));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Some(format!("{}/{name}{query}", &base[..host_end]))
}

/// A free loopback port.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A running `fgm serve spine`, killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    /// Starts an instance on the store and waits until it accepts
    /// connections.
    fn start(store: &str) -> Instance {
        let addr = free_addr();
        let child = Command::new(env!("CARGO_BIN_EXE_fgm"))
            .args(["serve", "spine", "--store", store, "--listen"])
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "the instance did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Instance {
            child,
            url: format!("http://{addr}"),
        }
    }

    fn client(&self) -> Client {
        Client::new(&self.url, &ClientOptions::default()).unwrap()
    }

    /// SIGKILL, and wait for it.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LOAD: Load = Load {
    clients: 8,
    requests: 300,
    numbers: 12,
    mix: Mix::Mixed,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_agree_with_a_sequential_model() {
    let Some(store) = database("two").await else {
        return;
    };
    let instances = [Instance::start(&store), Instance::start(&store)];
    let run = drive(&[instances[0].client(), instances[1].client()], LOAD).await;
    assert_eq!(run.unanswered(), 0, "both instances answer everything");
    let shared = fgm_spine::store::open(&store).await.unwrap();
    let report = check(&*shared, &run)
        .await
        .unwrap_or_else(|why| panic!("{why}"));
    println!("two instances: {report}");
    assert_eq!(report.requests, LOAD.clients * LOAD.requests);
    assert!(report.changes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_burst_loses_nothing_acknowledged() {
    let Some(store) = database("killed").await else {
        return;
    };
    let mut doomed = Instance::start(&store);
    let survivor = Instance::start(&store);
    let load = Load {
        requests: 600,
        ..LOAD
    };
    let clients = [doomed.client(), survivor.client()];
    let burst = tokio::spawn(async move { drive(&clients, load).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!burst.is_finished(), "the burst outlasts the kill");
    doomed.kill();
    let run = burst.await.unwrap();
    assert!(
        run.unanswered() > 0,
        "requests to the killed instance went unanswered"
    );
    assert!(
        run.unanswered() < run.requests(),
        "the survivor answered its share"
    );
    let shared = fgm_spine::store::open(&store).await.unwrap();
    let report = check(&*shared, &run)
        .await
        .unwrap_or_else(|why| panic!("{why}"));
    println!("one instance killed: {report}");
    // The survivor goes on serving on the same store.
    let after = drive(
        &[survivor.client()],
        Load {
            clients: 2,
            requests: 20,
            ..LOAD
        },
    )
    .await;
    assert_eq!(after.unanswered(), 0);
    drop(survivor);
}
