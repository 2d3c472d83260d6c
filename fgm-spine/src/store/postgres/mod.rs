//! The shared backend: PostgreSQL through tokio-postgres, with a pool
//! (deadpool-postgres), for several servers on one database.
//!
//! Every exchange is one transaction (`READ COMMITTED`) on a pooled
//! connection, and the rules hold whichever server a request reaches:
//!
//! - **One current record per NHS number.** [`Transaction::current`] takes
//!   a transaction-scoped advisory lock on the number before reading, so a
//!   second create of the number waits until the first commits, then sees
//!   its record (and answers `FLAG_ALREADY_SET`). The partial unique index
//!   holds it even against the code.
//! - **One audit chain.** The chain's head is a one-row table read `FOR
//!   UPDATE` when an entry is appended: appends are serialised, each after
//!   the head as committed, and the row lock is held until the commit, so
//!   the chain's order is the order of the commits. Locks are always taken
//!   in that order (the number, then the head): no deadlock.
//! - **Migrations** are versioned (`fgm_schema`), applied at connection
//!   under an advisory lock, so that servers starting together apply each
//!   one once.
//!
//! A transaction dropped without a commit is rolled back on its connection
//! in the background (or, outside a runtime, the connection is closed,
//! which rolls it back).
//!
//! TLS: `sslmode=require&sslrootcert=CA.pem` (and `sslcert`, `sslkey` for
//! a client certificate), as libpq spells them; the server's certificate
//! and name are always verified (`tls`).

mod tls;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::{
    BoxFuture, Columns, Deletion, Record, Result, Store, StoreError, Transaction, AUDIT_COLUMNS,
    RECORD_COLUMNS,
};
use crate::audit::{AuditEntry, AuditFilter, Head, GENESIS};

fn while_<E: std::error::Error + Send + Sync + 'static>(
    doing: &'static str,
) -> impl FnOnce(E) -> StoreError {
    move |source| StoreError {
        doing,
        source: Box::new(source),
    }
}

/// The schema's migrations, in order; `fgm_schema.version` counts those
/// applied.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE records (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        nhs_number      TEXT NOT NULL,
        birth_date      TEXT NOT NULL,
        assessed        TEXT NOT NULL,
        gp_practice     TEXT NOT NULL,
        user_id         TEXT,
        role_profile_id TEXT,
        organisation    TEXT,
        sender_asid     TEXT,
        message_id      TEXT,
        received        TEXT NOT NULL,
        deleted_at      TEXT,
        delete_reason   TEXT,
        deleted_by      TEXT,
        delete_asid     TEXT,
        delete_message  TEXT
    );
    CREATE UNIQUE INDEX records_current ON records (nhs_number) WHERE deleted_at IS NULL;
    CREATE TABLE audit (
        seq             BIGINT PRIMARY KEY,
        at              TEXT NOT NULL,
        interaction     TEXT NOT NULL,
        request_id      TEXT,
        response_id     TEXT,
        sender_asid     TEXT,
        user_id         TEXT,
        role_profile_id TEXT,
        organisation    TEXT,
        nhs_number      TEXT,
        delete_reason   TEXT,
        http_status     INTEGER,
        response_code   TEXT,
        answered_by     TEXT,
        prev_hash       TEXT NOT NULL,
        hash            TEXT NOT NULL,
        certificate     TEXT
    );
    CREATE TABLE audit_head (
        one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
        seq  BIGINT NOT NULL,
        hash TEXT NOT NULL
    );
"];

/// The advisory lock (64-bit key space) held while migrating: "FGM_RIS" and
/// a zero byte.
const MIGRATION_LOCK: i64 = 0x4647_4D5F_5249_5300;

/// The first key of the advisory locks on NHS numbers (32-bit pair key
/// space, apart from the 64-bit one): "FGM" and a zero byte.
const RECORD_LOCK: i32 = 0x4647_4D00;

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("connections", &status.size)
            .field("max_connections", &status.max_size)
            .finish()
    }
}

impl PostgresStore {
    /// The most connections a store holds open, unless told otherwise.
    pub const DEFAULT_POOL_SIZE: usize = 16;

    /// Connects to the database a `postgres://` URL names (tokio-postgres's
    /// syntax: `postgres://user:password@host:port/database`, and its
    /// query options; TLS with `sslmode=require&sslrootcert=CA.pem`, see
    /// below), with a pool of [`PostgresStore::DEFAULT_POOL_SIZE`] connections,
    /// and migrates its schema.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        PostgresStore::connect_with(url, PostgresStore::DEFAULT_POOL_SIZE).await
    }

    /// [`PostgresStore::connect`] with a pool of at most `pool_size`
    /// connections.
    pub async fn connect_with(url: &str, pool_size: usize) -> Result<PostgresStore> {
        let (url, tls) = tls::split(url).map_err(|why| StoreError {
            doing: "reading the PostgreSQL URL",
            source: why.into(),
        })?;
        let mut config: tokio_postgres::Config =
            url.parse().map_err(while_("reading the PostgreSQL URL"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // An instance that stops mid-transaction (frozen, or cut off
        // without its connection closing) must not hold a number or the
        // audit's head for ever: the server ends such a transaction.
        if config.get_options().is_none() {
            config.options("-c idle_in_transaction_session_timeout=30s");
        }
        let recycling = || ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match tls {
            Some(tls) => Manager::from_config(config, tls, recycling()),
            None => Manager::from_config(config, NoTls, recycling()),
        };
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(while_("creating the connection pool"))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn connection(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(while_("connecting to PostgreSQL"))
    }

    /// Applies the migrations not yet applied, one server at a time.
    async fn migrate(&self) -> Result<()> {
        let mut client = self.connection().await?;
        let tx = client
            .transaction()
            .await
            .map_err(while_("starting the migration"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(while_("waiting for other servers' migrations"))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS fgm_schema (version INTEGER NOT NULL)")
            .await
            .map_err(while_("reading the schema version"))?;
        let version = tx
            .query_opt("SELECT version FROM fgm_schema", &[])
            .await
            .map_err(while_("reading the schema version"))?
            .map(|row| row.try_get::<_, i32>(0))
            .transpose()
            .map_err(while_("reading the schema version"))?;
        let applied = version.unwrap_or(0).max(0) as usize;
        if applied > MIGRATIONS.len() {
            return Err(StoreError {
                doing: "opening the database",
                source: format!(
                    "its schema is version {applied}, newer than this program's {}",
                    MIGRATIONS.len()
                )
                .into(),
            });
        }
        for migration in &MIGRATIONS[applied..] {
            tx.batch_execute(migration)
                .await
                .map_err(while_("migrating the schema"))?;
        }
        tx.execute(
            "INSERT INTO audit_head (seq, hash) VALUES (0, $1) ON CONFLICT DO NOTHING",
            &[&GENESIS],
        )
        .await
        .map_err(while_("migrating the schema"))?;
        let latest = MIGRATIONS.len() as i32;
        let statement = if version.is_some() {
            "UPDATE fgm_schema SET version = $1"
        } else {
            "INSERT INTO fgm_schema (version) VALUES ($1)"
        };
        tx.execute(statement, &[&latest])
            .await
            .map_err(while_("migrating the schema"))?;
        tx.commit().await.map_err(while_("migrating the schema"))
    }
}

impl Columns for Row {
    type Error = tokio_postgres::Error;

    fn text(&self, i: usize) -> std::result::Result<Option<String>, tokio_postgres::Error> {
        self.try_get(i)
    }

    /// `BIGINT` (`seq`) or `INTEGER` (`http_status`).
    fn integer(&self, i: usize) -> std::result::Result<Option<i64>, tokio_postgres::Error> {
        self.try_get::<_, Option<i64>>(i)
            .or_else(|_| Ok(self.try_get::<_, Option<i32>>(i)?.map(i64::from)))
    }
}

fn record(row: &Row) -> std::result::Result<Record, tokio_postgres::Error> {
    Record::from_row(row)
}

fn audit_entry(row: &Row) -> std::result::Result<AuditEntry, StoreError> {
    AuditEntry::from_row(row).map_err(while_("reading the audit"))
}

impl Store for PostgresStore {
    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Transaction>>> {
        Box::pin(async move {
            let client = self.connection().await?;
            Ok(Box::new(PostgresTransaction {
                client: Some(client),
                begun: false,
                audit: None,
            }) as Box<dyn Transaction>)
        })
    }

    fn audit<'a>(&'a self, filter: &'a AuditFilter) -> BoxFuture<'a, Result<Vec<AuditEntry>>> {
        Box::pin(async move {
            let client = self.connection().await?;
            let rows = client
                .query(
                    &format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"),
                    &[],
                )
                .await
                .map_err(while_("listing the audit"))?;
            let mut entries = Vec::new();
            for row in &rows {
                let entry = audit_entry(row)?;
                if filter.matches(&entry) {
                    entries.push(entry);
                }
            }
            Ok(entries)
        })
    }

    fn records(&self) -> BoxFuture<'_, Result<Vec<Record>>> {
        Box::pin(async move {
            let client = self.connection().await?;
            let rows = client
                .query(
                    &format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id"),
                    &[],
                )
                .await
                .map_err(while_("listing records"))?;
            rows.iter()
                .map(record)
                .collect::<std::result::Result<_, _>>()
                .map_err(while_("listing records"))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let client = self.connection().await?;
            client
                .query_one("SELECT seq FROM audit_head", &[])
                .await
                .map_err(while_("reading the audit's head"))?;
            Ok(())
        })
    }
}

/// A transaction on a pooled connection (`None` once committed).
///
/// Round trips are what an exchange costs here, so statements that need
/// no answer before the next travel together: `BEGIN` with the first
/// statement, and the audit entry's writes with `COMMIT` (an error in
/// them aborts the transaction, and the commit reports it).
struct PostgresTransaction {
    client: Option<Object>,
    /// Whether `BEGIN` has been sent.
    begun: bool,
    /// The audit entry appended, to write with the commit.
    audit: Option<AuditEntry>,
}

impl PostgresTransaction {
    /// Runs `work` in the transaction, sending `BEGIN` with it the first
    /// time (requests go out in the order they are first polled).
    async fn run<T>(
        client: &Object,
        begun: &mut bool,
        work: impl Future<Output = std::result::Result<T, tokio_postgres::Error>>,
    ) -> std::result::Result<T, tokio_postgres::Error> {
        if std::mem::replace(begun, true) {
            return work.await;
        }
        let ((), done) = tokio::try_join!(client.batch_execute("BEGIN"), work)?;
        Ok(done)
    }
}

impl Drop for PostgresTransaction {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if !self.begun {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            // Rolled back before the connection goes back to the pool.
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        drop(Object::take(client));
                    }
                });
            }
            // Closing the connection rolls the transaction back.
            Err(_) => drop(Object::take(client)),
        }
    }
}

/// The error of a transaction used after its commit.
fn ended() -> StoreError {
    StoreError {
        doing: "using a transaction",
        source: "the transaction has ended".into(),
    }
}

impl Transaction for PostgresTransaction {
    fn current<'a>(&'a mut self, nhs_number: &'a str) -> BoxFuture<'a, Result<Option<Record>>> {
        Box::pin(async move {
            let client = self.client.as_ref().ok_or_else(ended)?;
            let lock = client
                .prepare_cached("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .await
                .map_err(while_("reading a record"))?;
            let select = client
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM records \
                     WHERE nhs_number = $1 AND deleted_at IS NULL"
                ))
                .await
                .map_err(while_("reading a record"))?;
            // Sent together; the select runs (and takes its snapshot) once
            // the lock is held.
            let (lock_params, select_params): (&[&(dyn ToSql + Sync)], &[&(dyn ToSql + Sync)]) =
                (&[&RECORD_LOCK, &nhs_number], &[&nhs_number]);
            let both = async {
                tokio::try_join!(
                    client.execute(&lock, lock_params),
                    client.query_opt(&select, select_params),
                )
            };
            let (_, row) = Self::run(client, &mut self.begun, both)
                .await
                .map_err(while_("reading a record"))?;
            row.as_ref()
                .map(record)
                .transpose()
                .map_err(while_("reading a record"))
        })
    }

    fn insert<'a>(&'a mut self, r: &'a Record) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let client = self.client.as_ref().ok_or_else(ended)?;
            let insert = client
                .prepare_cached(
                    "INSERT INTO records (nhs_number, birth_date, assessed, gp_practice, \
                     user_id, role_profile_id, organisation, sender_asid, message_id, received) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .await
                .map_err(while_("writing a record"))?;
            let params: &[&(dyn ToSql + Sync)] = &[
                &r.nhs_number,
                &r.birth_date,
                &r.assessed,
                &r.gp_practice,
                &r.user_id,
                &r.role_profile_id,
                &r.organisation,
                &r.sender_asid,
                &r.message_id,
                &r.received,
            ];
            Self::run(client, &mut self.begun, client.execute(&insert, params))
                .await
                .map_err(while_("writing a record"))?;
            Ok(())
        })
    }

    fn delete<'a>(&'a mut self, nhs_number: &'a str, d: &'a Deletion) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let client = self.client.as_ref().ok_or_else(ended)?;
            let update = client
                .prepare_cached(
                    "UPDATE records SET deleted_at = $2, delete_reason = $3, deleted_by = $4, \
                     delete_asid = $5, delete_message = $6 \
                     WHERE nhs_number = $1 AND deleted_at IS NULL",
                )
                .await
                .map_err(while_("deleting a record"))?;
            let params: &[&(dyn ToSql + Sync)] = &[
                &nhs_number,
                &d.at,
                &d.reason,
                &d.user_id,
                &d.sender_asid,
                &d.message_id,
            ];
            Self::run(client, &mut self.begun, client.execute(&update, params))
                .await
                .map_err(while_("deleting a record"))?;
            Ok(())
        })
    }

    fn append(&mut self, mut entry: AuditEntry) -> BoxFuture<'_, Result<AuditEntry>> {
        Box::pin(async move {
            if self.audit.is_some() {
                return Err(StoreError {
                    doing: "appending to the audit",
                    source: "one entry per transaction".into(),
                });
            }
            let client = self.client.as_ref().ok_or_else(ended)?;
            let head = client
                .prepare_cached("SELECT seq, hash FROM audit_head FOR UPDATE")
                .await
                .map_err(while_("reading the audit's head"))?;
            let row = Self::run(client, &mut self.begun, client.query_one(&head, &[]))
                .await
                .map_err(while_("reading the audit's head"))?;
            let seq: i64 = row.try_get(0).map_err(while_("reading the audit's head"))?;
            let head = Head {
                seq: seq.max(0) as u64,
                hash: row.try_get(1).map_err(while_("reading the audit's head"))?,
            };
            entry.chain_after(&head);
            self.audit = Some(entry.clone());
            Ok(entry)
        })
    }

    fn commit(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        let client = self.client.take();
        let (begun, audit) = (self.begun, self.audit.take());
        Box::pin(async move {
            let client = client.ok_or_else(ended)?;
            if !begun {
                return Ok(());
            }
            let Some(e) = audit else {
                return client
                    .batch_execute("COMMIT")
                    .await
                    .map_err(while_("committing"));
            };
            let insert = client
                .prepare_cached(&format!(
                    "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
                ))
                .await
                .map_err(while_("appending to the audit"))?;
            let advance = client
                .prepare_cached("UPDATE audit_head SET seq = $1, hash = $2")
                .await
                .map_err(while_("appending to the audit"))?;
            let seq = e.seq as i64;
            let status = e.http_status.map(i32::from);
            let entry_params: &[&(dyn ToSql + Sync)] = &[
                &seq,
                &e.at,
                &e.interaction,
                &e.request_id,
                &e.response_id,
                &e.sender_asid,
                &e.user_id,
                &e.role_profile_id,
                &e.organisation,
                &e.nhs_number,
                &e.delete_reason,
                &status,
                &e.response_code,
                &e.answered_by,
                &e.prev_hash,
                &e.hash,
                &e.certificate,
            ];
            let head_params: &[&(dyn ToSql + Sync)] = &[&seq, &e.hash];
            // An error in either write aborts the transaction: the COMMIT
            // after it then rolls back, and the error is what is reported.
            tokio::try_join!(
                client.execute(&insert, entry_params),
                client.execute(&advance, head_params),
                client.batch_execute("COMMIT"),
            )
            .map_err(while_("appending to the audit and committing"))?;
            Ok(())
        })
    }
}
