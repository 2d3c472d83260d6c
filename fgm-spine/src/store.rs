//! The flag store: one row per NHS number in a SQLite file, and a log of
//! every accepted change with its sequence number.
//!
//! Every write is one `IMMEDIATE` transaction (the check and the change
//! together), and the one connection is behind a mutex, so concurrent
//! creates and deletes of the same NHS number are applied one after the
//! other. The database runs in WAL mode: a process killed mid-write leaves
//! the last committed state (`synchronous = NORMAL` gives up only the last
//! commits on a power loss, never consistency).

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// A flag as stored: the NHS number and the date it applies from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoredFlag {
    /// The NHS number.
    pub nhs_number: String,
    /// `Flag.period.start`, as sent.
    pub since: String,
}

/// One accepted change, in the order it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its sequence number (increasing).
    pub seq: i64,
    /// `create`, `delete`, `put` or `remove`.
    pub op: String,
    /// The NHS number.
    pub nhs_number: String,
    /// The start date (a create or put) or the delete reason (a delete).
    pub detail: Option<String>,
}

/// A store error: SQLite's, with what was being done.
#[derive(Debug)]
pub struct StoreError {
    /// What was being done.
    pub doing: &'static str,
    /// SQLite's error.
    pub source: rusqlite::Error,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the store failed while {}: {}", self.doing, self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

fn while_(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError { doing, source }
}

/// The flag store.
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS flags (
        nhs_number TEXT PRIMARY KEY,
        since      TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS changes (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        op         TEXT NOT NULL,
        nhs_number TEXT NOT NULL,
        detail     TEXT
    );";

impl Store {
    /// Opens (creating if needed) the store in a file.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let connection = Connection::open(path).map_err(while_("opening the database"))?;
        Store::init(connection)
    }

    /// A store in memory (nothing survives the process).
    pub fn in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory().map_err(while_("opening the database"))?)
    }

    fn init(connection: Connection) -> Result<Store> {
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(while_("setting WAL mode"))?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(while_("setting synchronous mode"))?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(while_("setting the busy timeout"))?;
        connection
            .execute_batch(SCHEMA)
            .map_err(while_("creating the tables"))?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done
        // transaction (it rolls back on drop), so the connection stays good.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` in one immediate transaction, logging it when it
    /// returns `Some(detail)`.
    fn write(
        &self,
        op: &'static str,
        nhs_number: &str,
        change: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<Option<Option<String>>>,
    ) -> Result<bool> {
        let mut connection = self.lock();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(while_("starting a transaction"))?;
        let applied = match change(&tx).map_err(while_("writing a flag"))? {
            Some(detail) => {
                tx.execute(
                    "INSERT INTO changes (op, nhs_number, detail) VALUES (?1, ?2, ?3)",
                    params![op, nhs_number, detail],
                )
                .map_err(while_("logging a change"))?;
                true
            }
            None => false,
        };
        tx.commit().map_err(while_("committing"))?;
        Ok(applied)
    }

    /// Records a flag unless one is set: `true` when it was recorded,
    /// `false` when the NHS number already had one (left unchanged).
    pub fn create(&self, nhs_number: &str, since: &str) -> Result<bool> {
        self.write("create", nhs_number, |tx| {
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO flags (nhs_number, since) VALUES (?1, ?2)",
                params![nhs_number, since],
            )?;
            Ok((inserted == 1).then(|| Some(since.to_owned())))
        })
    }

    /// Removes a flag, logging the reason: `true` when there was one.
    pub fn delete(&self, nhs_number: &str, reason: Option<&str>) -> Result<bool> {
        self.write("delete", nhs_number, |tx| {
            let deleted = tx.execute(
                "DELETE FROM flags WHERE nhs_number = ?1",
                params![nhs_number],
            )?;
            Ok((deleted == 1).then(|| reason.map(str::to_owned)))
        })
    }

    /// Records a flag whatever was there (an SMSP keeping what Spine said).
    pub fn put(&self, nhs_number: &str, since: &str) -> Result<()> {
        self.write("put", nhs_number, |tx| {
            tx.execute(
                "INSERT INTO flags (nhs_number, since) VALUES (?1, ?2)
                 ON CONFLICT (nhs_number) DO UPDATE SET since = excluded.since",
                params![nhs_number, since],
            )?;
            Ok(Some(Some(since.to_owned())))
        })
        .map(drop)
    }

    /// Forgets a flag, if there was one (an SMSP told it is gone).
    pub fn remove(&self, nhs_number: &str) -> Result<()> {
        self.write("remove", nhs_number, |tx| {
            let deleted = tx.execute(
                "DELETE FROM flags WHERE nhs_number = ?1",
                params![nhs_number],
            )?;
            Ok((deleted == 1).then_some(None))
        })
        .map(drop)
    }

    /// The flag stored for an NHS number.
    pub fn get(&self, nhs_number: &str) -> Result<Option<StoredFlag>> {
        self.lock()
            .query_row(
                "SELECT nhs_number, since FROM flags WHERE nhs_number = ?1",
                params![nhs_number],
                |row| {
                    Ok(StoredFlag {
                        nhs_number: row.get(0)?,
                        since: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(while_("reading a flag"))
    }

    /// Every stored flag, by NHS number.
    pub fn flags(&self) -> Result<Vec<StoredFlag>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT nhs_number, since FROM flags ORDER BY nhs_number")
            .map_err(while_("listing flags"))?;
        let rows = statement
            .query_map([], |row| {
                Ok(StoredFlag {
                    nhs_number: row.get(0)?,
                    since: row.get(1)?,
                })
            })
            .map_err(while_("listing flags"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(while_("listing flags"))
    }

    /// Every accepted change, in order.
    pub fn changes(&self) -> Result<Vec<Change>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT seq, op, nhs_number, detail FROM changes ORDER BY seq")
            .map_err(while_("listing changes"))?;
        let rows = statement
            .query_map([], |row| {
                Ok(Change {
                    seq: row.get(0)?,
                    op: row.get(1)?,
                    nhs_number: row.get(2)?,
                    detail: row.get(3)?,
                })
            })
            .map_err(while_("listing changes"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(while_("listing changes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_delete_put_remove_and_the_log() {
        let store = Store::in_memory().unwrap();
        assert!(store.create("9434765919", "2024-01-01").unwrap());
        assert!(!store.create("9434765919", "2025-01-01").unwrap());
        assert_eq!(
            store.get("9434765919").unwrap().unwrap().since,
            "2024-01-01",
            "a second create changes nothing"
        );
        assert!(store.delete("9434765919", Some("1")).unwrap());
        assert!(!store.delete("9434765919", Some("1")).unwrap());
        assert_eq!(store.get("9434765919").unwrap(), None);
        store.put("9999999999", "2020-02-02").unwrap();
        store.put("9999999999", "2021-02-02").unwrap();
        assert_eq!(store.flags().unwrap().len(), 1);
        store.remove("9999999999").unwrap();
        store.remove("9999999999").unwrap();
        assert!(store.flags().unwrap().is_empty());
        let log: Vec<_> = store
            .changes()
            .unwrap()
            .into_iter()
            .map(|c| (c.op, c.detail))
            .collect();
        assert_eq!(
            log,
            [
                ("create".into(), Some("2024-01-01".into())),
                ("delete".into(), Some("1".into())),
                ("put".into(), Some("2020-02-02".into())),
                ("put".into(), Some("2021-02-02".into())),
                ("remove".into(), None),
            ]
        );
    }

    #[test]
    fn a_file_store_survives_reopening_and_a_bad_path_is_an_error() {
        let dir = std::env::temp_dir().join(format!("fgm-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("flags.db");
        let _ = std::fs::remove_file(&path);
        {
            let store = Store::open(&path).unwrap();
            assert!(store.create("9434765919", "2024-01-01").unwrap());
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.flags().unwrap().len(), 1);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
        let error = Store::open("/nonexistent-dir/x/flags.db").unwrap_err();
        assert!(
            error.to_string().starts_with("the store failed while"),
            "{error}"
        );
    }
}
