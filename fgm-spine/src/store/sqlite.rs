//! The embedded backend: one SQLite file (bundled), one connection behind a
//! mutex, WAL mode.
//!
//! A transaction is `BEGIN IMMEDIATE` on the locked connection, so
//! exchanges are applied one after the other: two creates of one NHS
//! number cannot both see no record, and the audit chain is appended to in
//! order. A process killed mid-write leaves the last committed state
//! (`synchronous = NORMAL` gives up only the last commits on a power loss,
//! never consistency). At most one record per NHS number is not deleted
//! (a partial unique index holds it even against the code).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Deletion, Record, Result, Store, StoreError, Transaction};
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
    connection: Mutex<Connection>,
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
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done transaction
        // (a transaction rolls back when dropped), so the connection stays
        // good.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

const RECORD_COLUMNS: &str = "nhs_number, birth_date, assessed, gp_practice, user_id, \
    role_profile_id, organisation, sender_asid, message_id, received, deleted_at, \
    delete_reason, deleted_by, delete_asid, delete_message";

fn record(row: &Row) -> rusqlite::Result<Record> {
    let deleted_at: Option<String> = row.get(10)?;
    Ok(Record {
        nhs_number: row.get(0)?,
        birth_date: row.get(1)?,
        assessed: row.get(2)?,
        gp_practice: row.get(3)?,
        user_id: row.get(4)?,
        role_profile_id: row.get(5)?,
        organisation: row.get(6)?,
        sender_asid: row.get(7)?,
        message_id: row.get(8)?,
        received: row.get(9)?,
        deleted: match deleted_at {
            Some(at) => Some(Deletion {
                at,
                reason: row.get(11)?,
                user_id: row.get(12)?,
                sender_asid: row.get(13)?,
                message_id: row.get(14)?,
            }),
            None => None,
        },
    })
}

const AUDIT_COLUMNS: &str = "seq, at, interaction, request_id, response_id, sender_asid, \
    user_id, role_profile_id, organisation, nhs_number, delete_reason, http_status, \
    response_code, answered_by, prev_hash, hash, certificate";

fn audit_entry(row: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: row.get(1)?,
        interaction: row.get(2)?,
        request_id: row.get(3)?,
        response_id: row.get(4)?,
        sender_asid: row.get(5)?,
        user_id: row.get(6)?,
        role_profile_id: row.get(7)?,
        organisation: row.get(8)?,
        nhs_number: row.get(9)?,
        delete_reason: row.get(10)?,
        http_status: row.get(11)?,
        response_code: row.get(12)?,
        answered_by: row.get(13)?,
        prev_hash: row.get(14)?,
        hash: row.get(15)?,
        certificate: row.get(16)?,
    })
}

impl Store for SqliteStore {
    fn begin(&self) -> Result<Box<dyn Transaction + '_>> {
        let connection = self.lock();
        connection
            .prepare_cached("BEGIN IMMEDIATE")
            .and_then(|mut statement| statement.execute([]))
            .map_err(while_("starting a transaction"))?;
        Ok(Box::new(SqliteTransaction {
            connection,
            open: true,
        }))
    }

    fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let connection = self.lock();
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
    }

    fn ping(&self) -> Result<()> {
        self.lock()
            .prepare_cached("SELECT seq FROM audit ORDER BY seq DESC LIMIT 1")
            .and_then(|mut statement| statement.exists([]))
            .map_err(while_("reading the audit's head"))?;
        Ok(())
    }

    fn records(&self) -> Result<Vec<Record>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id"))
            .map_err(while_("listing records"))?;
        let rows = statement
            .query_map([], record)
            .map_err(while_("listing records"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(while_("listing records"))
    }
}

/// A transaction on the locked connection.
struct SqliteTransaction<'a> {
    connection: MutexGuard<'a, Connection>,
    open: bool,
}

impl Drop for SqliteTransaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the transaction is abandoned anyway.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

impl Transaction for SqliteTransaction<'_> {
    fn current(&mut self, nhs_number: &str) -> Result<Option<Record>> {
        self.connection
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE nhs_number = ?1 AND deleted_at IS NULL"
            ))
            .and_then(|mut statement| statement.query_row(params![nhs_number], record).optional())
            .map_err(while_("reading a record"))
    }

    fn insert(&mut self, r: &Record) -> Result<()> {
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

    fn delete(&mut self, nhs_number: &str, d: &Deletion) -> Result<()> {
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

    fn append(&mut self, mut entry: AuditEntry) -> Result<AuditEntry> {
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

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.connection
            .prepare_cached("COMMIT")
            .and_then(|mut statement| statement.execute([]))
            .map_err(while_("committing"))?;
        self.open = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::verify;

    fn record(nhs: &str, received: &str) -> Record {
        Record {
            nhs_number: nhs.into(),
            birth_date: "2015-06-01".into(),
            assessed: "2024-01-01".into(),
            gp_practice: "B86022".into(),
            received: received.into(),
            ..Record::default()
        }
    }

    #[test]
    fn records_are_deleted_logically_and_one_is_current() {
        let store = SqliteStore::in_memory().unwrap();
        let mut tx = store.begin().unwrap();
        assert_eq!(tx.current("9434765919").unwrap(), None);
        tx.insert(&record("9434765919", "2024-01-02T10:00:00+00:00"))
            .unwrap();
        assert!(
            tx.insert(&record("9434765919", "2024-01-02T10:00:01+00:00"))
                .is_err(),
            "a second current record is refused by the schema itself"
        );
        tx.commit().unwrap();
        let deletion = Deletion {
            reason: Some("1".into()),
            user_id: Some("200009876204".into()),
            at: "2024-02-01T10:00:00+00:00".into(),
            ..Deletion::default()
        };
        let mut tx = store.begin().unwrap();
        tx.delete("9434765919", &deletion).unwrap();
        assert_eq!(tx.current("9434765919").unwrap(), None);
        tx.insert(&record("9434765919", "2024-03-01T10:00:00+00:00"))
            .unwrap();
        tx.commit().unwrap();
        let records = store.records().unwrap();
        assert_eq!(records.len(), 2, "nothing is erased");
        assert_eq!(records[0].deleted.as_ref(), Some(&deletion));
        assert!(records[0].active_on("2024-01-31") && !records[0].active_on("2024-02-01"));
        assert!(records[1].deleted.is_none());
        assert!(!records[1].active_on("2024-02-29") && records[1].active_on("2024-03-01"));
        assert!(
            !records[1].active_on("2033-06-01"),
            "the 18th birthday ends it"
        );
    }

    #[test]
    fn a_dropped_transaction_changes_nothing() {
        let store = SqliteStore::in_memory().unwrap();
        {
            let mut tx = store.begin().unwrap();
            tx.insert(&record("9434765919", "2024-01-02T10:00:00+00:00"))
                .unwrap();
            tx.append(AuditEntry::new(
                "2024-01-02T10:00:00+00:00",
                "CreateRequest",
            ))
            .unwrap();
        }
        assert!(store.records().unwrap().is_empty());
        assert!(store.audit(&AuditFilter::default()).unwrap().is_empty());
    }

    #[test]
    fn the_audit_is_one_chain_across_reopenings() {
        let dir = std::env::temp_dir().join(format!("fgm-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.db");
        let _ = std::fs::remove_file(&path);
        for round in 0..3 {
            let store = SqliteStore::open(&path).unwrap();
            for i in 0..2 {
                let e = store
                    .append(AuditEntry::new(
                        format!("2024-01-0{}T00:00:0{i}+00:00", round + 1),
                        "QueryV2Request",
                    ))
                    .unwrap();
                assert_eq!(e.seq, round * 2 + i + 1);
            }
        }
        let store = SqliteStore::open(&path).unwrap();
        let entries = store.audit(&AuditFilter::default()).unwrap();
        assert_eq!(verify(&entries).unwrap().seq, 6);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
        let error = SqliteStore::open("/nonexistent-dir/x/flags.db").unwrap_err();
        assert!(
            error.to_string().starts_with("the store failed while"),
            "{error}"
        );
    }
}
