//! The embedded backend: one SQLite file (bundled), one connection behind an
//! async mutex, WAL mode. Statements run in place on the caller's task
//! (they take microseconds).
//!
//! A transaction is `BEGIN IMMEDIATE` on the locked connection, so
//! exchanges are applied one after the other: two creates of one NHS
//! number cannot both see no record, and the audit chain is appended to in
//! order. A process killed mid-write leaves the last committed state
//! (`synchronous = NORMAL` gives up only the last commits on a power loss,
//! never consistency). At most one record per NHS number is not deleted
//! (a partial unique index holds it even against the code).

use std::future::ready;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{
    BoxFuture, Columns, Deletion, Record, Result, Store, StoreError, Transaction, AUDIT_COLUMNS,
    RECORD_COLUMNS,
};
use crate::audit::{AuditEntry, AuditFilter, Head};

fn while_(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError {
        doing,
        source: Box::new(source),
    }
}

/// The schema's migrations, in order; `PRAGMA user_version` counts those
/// applied.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE records (
        id              INTEGER PRIMARY KEY,
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
        seq             INTEGER PRIMARY KEY,
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
        hash            TEXT NOT NULL
    );
",
    "
    ALTER TABLE audit ADD COLUMN certificate TEXT;
",
];

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the store in a file.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let connection = Connection::open(path).map_err(while_("opening the database"))?;
        SqliteStore::init(connection)
    }

    /// A store in memory (nothing survives the process).
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory().map_err(while_("opening the database"))?)
    }

    fn init(mut connection: Connection) -> Result<SqliteStore> {
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(while_("setting WAL mode"))?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(while_("setting synchronous mode"))?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(while_("setting the busy timeout"))?;
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(while_("starting the migration"))?;
        let version: usize = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(while_("reading the schema version"))?;
        if version > MIGRATIONS.len() {
            return Err(StoreError {
                doing: "opening the database",
                source: format!(
                    "its schema is version {version}, newer than this program's {}",
                    MIGRATIONS.len()
                )
                .into(),
            });
        }
        for migration in &MIGRATIONS[version..] {
            tx.execute_batch(migration)
                .map_err(while_("migrating the schema"))?;
        }
        tx.pragma_update(None, "user_version", MIGRATIONS.len())
            .map_err(while_("migrating the schema"))?;
        tx.commit().map_err(while_("migrating the schema"))?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }
}

impl Columns for Row<'_> {
    type Error = rusqlite::Error;

    fn text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }

    fn integer(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
}

fn record(row: &Row) -> rusqlite::Result<Record> {
    Record::from_row(row)
}

fn audit_entry(row: &Row) -> rusqlite::Result<AuditEntry> {
    AuditEntry::from_row(row)
}

impl Store for SqliteStore {
    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Transaction>>> {
        Box::pin(async move {
            let connection = self.connection.clone().lock_owned().await;
            connection
                .prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut statement| statement.execute([]))
                .map_err(while_("starting a transaction"))?;
            Ok(Box::new(SqliteTransaction {
                connection,
                open: true,
            }) as Box<dyn Transaction>)
        })
    }

    fn audit<'a>(&'a self, filter: &'a AuditFilter) -> BoxFuture<'a, Result<Vec<AuditEntry>>> {
        Box::pin(async move {
            let connection = self.connection.lock().await;
            let mut statement = connection
                .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))
                .map_err(while_("listing the audit"))?;
            let rows = statement
                .query_map([], audit_entry)
                .map_err(while_("listing the audit"))?;
            let mut entries = Vec::new();
            for entry in rows {
                let entry = entry.map_err(while_("listing the audit"))?;
                if filter.matches(&entry) {
                    entries.push(entry);
                }
            }
            Ok(entries)
        })
    }

    fn records(&self) -> BoxFuture<'_, Result<Vec<Record>>> {
        Box::pin(async move {
            let connection = self.connection.lock().await;
            let mut statement = connection
                .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id"))
                .map_err(while_("listing records"))?;
            let rows = statement
                .query_map([], record)
                .map_err(while_("listing records"))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(while_("listing records"))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.connection
                .lock()
                .await
                .prepare_cached("SELECT seq FROM audit ORDER BY seq DESC LIMIT 1")
                .and_then(|mut statement| statement.exists([]))
                .map_err(while_("reading the audit's head"))?;
            Ok(())
        })
    }
}

/// A transaction on the locked connection.
struct SqliteTransaction {
    connection: OwnedMutexGuard<Connection>,
    open: bool,
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the transaction is abandoned anyway.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

impl SqliteTransaction {
    fn current_now(&mut self, nhs_number: &str) -> Result<Option<Record>> {
        self.connection
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE nhs_number = ?1 AND deleted_at IS NULL"
            ))
            .and_then(|mut statement| statement.query_row(params![nhs_number], record).optional())
            .map_err(while_("reading a record"))
    }

    fn insert_now(&mut self, r: &Record) -> Result<()> {
        self.connection
            .prepare_cached(
                "INSERT INTO records (nhs_number, birth_date, assessed, gp_practice, user_id, \
                 role_profile_id, organisation, sender_asid, message_id, received) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    r.nhs_number,
                    r.birth_date,
                    r.assessed,
                    r.gp_practice,
                    r.user_id,
                    r.role_profile_id,
                    r.organisation,
                    r.sender_asid,
                    r.message_id,
                    r.received
                ])
            })
            .map_err(while_("writing a record"))?;
        Ok(())
    }

    fn delete_now(&mut self, nhs_number: &str, d: &Deletion) -> Result<()> {
        self.connection
            .prepare_cached(
                "UPDATE records SET deleted_at = ?2, delete_reason = ?3, deleted_by = ?4, \
                 delete_asid = ?5, delete_message = ?6 \
                 WHERE nhs_number = ?1 AND deleted_at IS NULL",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    nhs_number,
                    d.at,
                    d.reason,
                    d.user_id,
                    d.sender_asid,
                    d.message_id
                ])
            })
            .map_err(while_("deleting a record"))?;
        Ok(())
    }

    fn append_now(&mut self, mut entry: AuditEntry) -> Result<AuditEntry> {
        let head = self
            .connection
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .and_then(|mut statement| {
                statement
                    .query_row([], |row| {
                        Ok(Head {
                            seq: row.get(0)?,
                            hash: row.get(1)?,
                        })
                    })
                    .optional()
            })
            .map_err(while_("reading the audit's head"))?
            .unwrap_or_default();
        entry.chain_after(&head);
        let e = &entry;
        self.connection
            .prepare_cached(&format!(
                "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
            ))
            .and_then(|mut statement| {
                statement.execute(params![
                    e.seq,
                    e.at,
                    e.interaction,
                    e.request_id,
                    e.response_id,
                    e.sender_asid,
                    e.user_id,
                    e.role_profile_id,
                    e.organisation,
                    e.nhs_number,
                    e.delete_reason,
                    e.http_status,
                    e.response_code,
                    e.answered_by,
                    e.prev_hash,
                    e.hash,
                    e.certificate
                ])
            })
            .map_err(while_("appending to the audit"))?;
        Ok(entry)
    }
}

// The statements run when called (microseconds, on the locked connection):
// each future is ready.
impl Transaction for SqliteTransaction {
    fn current<'a>(&'a mut self, nhs_number: &'a str) -> BoxFuture<'a, Result<Option<Record>>> {
        Box::pin(ready(self.current_now(nhs_number)))
    }

    fn insert<'a>(&'a mut self, record: &'a Record) -> BoxFuture<'a, Result<()>> {
        Box::pin(ready(self.insert_now(record)))
    }

    fn delete<'a>(
        &'a mut self,
        nhs_number: &'a str,
        deletion: &'a Deletion,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(ready(self.delete_now(nhs_number, deletion)))
    }

    fn append(&mut self, entry: AuditEntry) -> BoxFuture<'_, Result<AuditEntry>> {
        Box::pin(ready(self.append_now(entry)))
    }

    fn commit(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        let committed = self
            .connection
            .prepare_cached("COMMIT")
            .and_then(|mut statement| statement.execute([]))
            .map_err(while_("committing"));
        self.open = committed.is_err();
        Box::pin(ready(committed.map(drop)))
    }
}
