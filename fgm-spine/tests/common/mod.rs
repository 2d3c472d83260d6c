//! What the loopback tests share: requests built with the library's
//! builders, valid NHS numbers, and servers started on 127.0.0.1 port 0.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::server::{self, Handler, Running, ServerOptions};
use fgm_spine::store::Store;
use fgm_spine::{Client, ClientOptions};
use fgm_types::messages::Message;
use fgm_types::spine::build::QueryV2;

/// The sending system's ASID, Spine's, and the practitioner's SDS user id
/// in the tests' requests (the load's).
#[allow(unused_imports)]
pub use fgm_spine::load::{AUTHOR, CLIENT_ASID as CLIENT, SPINE_ASID as SPINE};

/// Loopback, any free port.
pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The `n`-th valid NHS number (check digit by modulus 11) from 943476000.
#[allow(unused_imports)]
pub use fgm_spine::load::nhs_number;

/// The load's requests: a v1 query, a v2 query, a create for a girl born
/// in 2015, and a delete, from [`CLIENT`] to [`SPINE`] by [`AUTHOR`].
#[allow(unused_imports)]
pub use fgm_spine::load::{create, delete, query_v1, query_v2};

/// A v2 query by an author.
pub fn query_v2_by(nhs: &str, author: &str) -> Message {
    Message::QueryV2Request(
        QueryV2::new(nhs)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(author, "100077650987")
            .build()
            .unwrap(),
    )
}

/// A message with one piece of its XML replaced, read back leniently.
pub fn altered(message: &Message, from: &str, to: &str) -> Message {
    let xml = message.to_xml();
    assert!(xml.contains(from), "`{from}` is not in the message");
    Message::parse(xml.replace(from, to).as_bytes())
        .unwrap()
        .value
}

/// Serves a handler on loopback, plain HTTP.
pub async fn start<H: Handler>(handler: Arc<H>) -> Running {
    server::spawn(loopback(), handler, ServerOptions::default())
        .await
        .unwrap()
}

/// A Spine double on loopback over a store.
pub async fn start_spine(store: Arc<dyn Store>, options: SpineOptions) -> Running {
    start(Arc::new(Spine::new(store, options))).await
}

/// A plain-HTTP client of a running server.
pub fn client_of(server: &Running) -> Client {
    Client::new(
        &format!("http://{}", server.addr),
        &ClientOptions::default(),
    )
    .unwrap()
}

/// A temporary folder for a test, removed first if left over.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fgm-spine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The variable naming the PostgreSQL server the tests may use: a URL of
/// a role that may create databases (`.ci/run` starts a throwaway server
/// and sets it; each test gets a database of its own, left for the
/// server's removal).
pub const POSTGRES: &str = "FGM_TEST_POSTGRES";

/// A store backend the tests run against (see [`on_every_store`]).
#[derive(Debug, Clone)]
pub enum Backend {
    /// SQLite: in memory, or a file in a fresh folder.
    Sqlite,
    /// PostgreSQL: a fresh database on the server of this URL.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL at [`POSTGRES`], or none, after saying that `test` skips
    /// and why.
    pub fn postgres(test: &str) -> Option<Backend> {
        match std::env::var(POSTGRES) {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                eprintln!(
                    "SKIPPED {test} on PostgreSQL: {POSTGRES} is not set \
                     (`.ci/run` starts a server and sets it)"
                );
                None
            }
        }
    }

    /// A new, empty store.
    pub async fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite => Arc::new(fgm_spine::store::SqliteStore::in_memory().unwrap()),
            Backend::Postgres(_) => self.open(&self.spec().await).await,
        }
    }

    /// The `--store` value of a new, empty store that can be opened again
    /// (a file, or a database).
    pub async fn spec(&self) -> String {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self {
            Backend::Sqlite => {
                let dir = temp_dir(&format!("store-{n}"));
                dir.join("store.db").display().to_string()
            }
            Backend::Postgres(server) => {
                let name = format!("fgm_test_{}_{n}", std::process::id());
                let admin = postgres_client(server).await;
                // One statement at a time: CREATE DATABASE cannot run in the
                // implicit transaction of a batch.
                for sql in [
                    format!("DROP DATABASE IF EXISTS {name}"),
                    format!("CREATE DATABASE {name}"),
                ] {
                    admin
                        .batch_execute(&sql)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
                }
                with_database(server, &name)
            }
        }
    }

    /// Opens the store a spec names.
    pub async fn open(&self, spec: &str) -> Arc<dyn Store> {
        fgm_spine::store::open(spec)
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e}"))
    }

    /// Runs SQL on the store a spec names, under the store (to break it).
    pub async fn sql(&self, spec: &str, sql: &str) {
        match self {
            Backend::Sqlite => rusqlite::Connection::open(spec)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Backend::Postgres(_) => postgres_client(spec)
                .await
                .batch_execute(sql)
                .await
                .unwrap(),
        }
    }
}

/// A connection to a PostgreSQL URL, driven in the background.
pub async fn postgres_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url} ({POSTGRES}): {e}"));
    tokio::spawn(connection);
    client
}

/// A PostgreSQL URL with its database replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    format!("{}/{database}{query}", &base[..host_end])
}

/// Runs async test functions taking a [`Backend`] once per store:
/// `sqlite::NAME` always, `postgres::NAME` when [`POSTGRES`] is set (else
/// it says it skips, and why).
#[macro_export]
macro_rules! on_every_store {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::common::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(backend) = $crate::common::Backend::postgres(stringify!($test)) {
                        super::$test(backend).await
                    }
                }
            )+
        }
    };
}
