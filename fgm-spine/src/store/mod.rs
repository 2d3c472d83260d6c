//! What the servers keep: the Spine double's records (one per create,
//! deleted logically) and the audit chain; an SMSP and a client keep only
//! the audit.
//!
//! [`Store`] is the interface a backend implements; [`SqliteStore`] (one
//! SQLite file, bundled) is the embedded default, [`PostgresStore`] the one
//! several servers share. [`open`] picks one from a `--store` value. Every
//! exchange is one [`Transaction`]: the check, the change and the audit
//! entry are committed together, before the answer is sent, or not at all.

mod postgres;
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::audit::{AuditEntry, AuditFilter};

/// A record of an FGM risk indicator, as a create carried it (LSIR
/// FGMRISC003–016) and as the double received it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    /// The NHS number.
    pub nhs_number: String,
    /// The patient's birth date.
    pub birth_date: String,
    /// The assessment date (`Flag.period.start`), as sent.
    pub assessed: String,
    /// The ODS code of the patient's current GP practice (`V81997` not
    /// registered, `V81999` unknown).
    pub gp_practice: String,
    /// The author's SDS user id.
    pub user_id: Option<String>,
    /// The author's SDS role profile id.
    pub role_profile_id: Option<String>,
    /// The requesting organisation's ODS code, when sent.
    pub organisation: Option<String>,
    /// The sender's ASID.
    pub sender_asid: Option<String>,
    /// The create's MessageHeader id.
    pub message_id: Option<String>,
    /// When the create was received (service clock).
    pub received: String,
    /// Its logical deletion, if deleted.
    pub deleted: Option<Deletion>,
}

impl Record {
    /// Whether the indicator is in force on `date` (`YYYY-MM-DD`): created
    /// by then, not deleted by then, and the patient under 18 then (at the
    /// 18th birthday the record counts as deleted, with no job to run).
    pub fn active_on(&self, date: &str) -> bool {
        let day = |instant: &str| instant.get(..10).unwrap_or(instant).to_owned();
        day(&self.received).as_str() <= date
            && self
                .deleted
                .as_ref()
                .is_none_or(|d| day(&d.at).as_str() > date)
            && !self.aged_out_on(date)
    }

    /// Whether the patient is 18 or over on `date` (an unreadable birth
    /// date counts as over: nothing is kept for someone it cannot place).
    pub fn aged_out_on(&self, date: &str) -> bool {
        fgm_types::spine::over_18(&self.birth_date, date) != Some(false)
    }
}

/// A logical deletion: the coded reason (`fgm-delete-reason-codes-1-0`),
/// who and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deletion {
    /// The delete reason code (0, 1 or 2).
    pub reason: Option<String>,
    /// The author's SDS user id.
    pub user_id: Option<String>,
    /// The sender's ASID.
    pub sender_asid: Option<String>,
    /// The delete's MessageHeader id.
    pub message_id: Option<String>,
    /// When the delete was received (service clock).
    pub at: String,
}

/// The records' columns, as both backends name them.
pub(crate) const RECORD_COLUMNS: &str = "nhs_number, birth_date, assessed, gp_practice, user_id, \
    role_profile_id, organisation, sender_asid, message_id, received, deleted_at, \
    delete_reason, deleted_by, delete_asid, delete_message";

/// The audit's columns, as both backends name them.
pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, interaction, request_id, response_id, sender_asid, \
    user_id, role_profile_id, organisation, nhs_number, delete_reason, http_status, \
    response_code, answered_by, prev_hash, hash, certificate";

/// A row of either backend, read by column index (columns in the order of
/// [`RECORD_COLUMNS`] or [`AUDIT_COLUMNS`]).
pub(crate) trait Columns {
    /// The backend's error.
    type Error;
    /// A text column that may be null.
    fn text(&self, i: usize) -> std::result::Result<Option<String>, Self::Error>;
    /// An integer column that may be null.
    fn integer(&self, i: usize) -> std::result::Result<Option<i64>, Self::Error>;

    /// A text column that is never null (the schema's `NOT NULL`).
    fn required(&self, i: usize) -> std::result::Result<String, Self::Error> {
        Ok(self.text(i)?.unwrap_or_default())
    }
}

impl Record {
    /// A record from a row of [`RECORD_COLUMNS`].
    pub(crate) fn from_row<R: Columns>(row: &R) -> std::result::Result<Record, R::Error> {
        Ok(Record {
            nhs_number: row.required(0)?,
            birth_date: row.required(1)?,
            assessed: row.required(2)?,
            gp_practice: row.required(3)?,
            user_id: row.text(4)?,
            role_profile_id: row.text(5)?,
            organisation: row.text(6)?,
            sender_asid: row.text(7)?,
            message_id: row.text(8)?,
            received: row.required(9)?,
            deleted: match row.text(10)? {
                Some(at) => Some(Deletion {
                    at,
                    reason: row.text(11)?,
                    user_id: row.text(12)?,
                    sender_asid: row.text(13)?,
                    message_id: row.text(14)?,
                }),
                None => None,
            },
        })
    }
}

impl AuditEntry {
    /// An entry from a row of [`AUDIT_COLUMNS`].
    pub(crate) fn from_row<R: Columns>(row: &R) -> std::result::Result<AuditEntry, R::Error> {
        Ok(AuditEntry {
            seq: row.integer(0)?.map_or(0, |seq| seq.max(0) as u64),
            at: row.required(1)?,
            interaction: row.required(2)?,
            request_id: row.text(3)?,
            response_id: row.text(4)?,
            sender_asid: row.text(5)?,
            user_id: row.text(6)?,
            role_profile_id: row.text(7)?,
            organisation: row.text(8)?,
            nhs_number: row.text(9)?,
            delete_reason: row.text(10)?,
            http_status: row.integer(11)?.and_then(|s| u16::try_from(s).ok()),
            response_code: row.text(12)?,
            answered_by: row.text(13)?,
            prev_hash: row.required(14)?,
            hash: row.required(15)?,
            certificate: row.text(16)?,
        })
    }
}

/// A store error: what was being done, and the backend's error.
#[derive(Debug)]
pub struct StoreError {
    /// What was being done.
    pub doing: &'static str,
    /// The backend's error.
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Drivers put the server's own message in their error's source
        // (tokio-postgres: "db error", then the server's ERROR); a cause
        // already in the text is not repeated.
        let mut text = self.source.to_string();
        let mut cause = self.source.source();
        while let Some(e) = cause {
            let more = e.to_string();
            if !text.contains(&more) {
                text = format!("{text}: {more}");
            }
            cause = e.source();
        }
        write!(f, "the store failed while {}: {text}", self.doing)?;
        Ok(())
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A boxed future, as the store's methods return (the traits are used as
/// `dyn Store`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A backend: records, the audit chain, and transactions over both.
pub trait Store: Send + Sync + fmt::Debug {
    /// Starts a transaction that commits (or, dropped, rolls back) the
    /// exchange's reads and writes together.
    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Transaction>>>;
    /// The audit entries passing `filter`, oldest first.
    fn audit<'a>(&'a self, filter: &'a AuditFilter) -> BoxFuture<'a, Result<Vec<AuditEntry>>>;
    /// Every record, deleted ones included, oldest first.
    fn records(&self) -> BoxFuture<'_, Result<Vec<Record>>>;
    /// Whether the store answers (`GET /ready`): a read of the audit's head.
    fn ping(&self) -> BoxFuture<'_, Result<()>>;

    /// Appends one entry in a transaction of its own; returns it chained.
    fn append(&self, entry: AuditEntry) -> BoxFuture<'_, Result<AuditEntry>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let entry = tx.append(entry).await?;
            tx.commit().await?;
            Ok(entry)
        })
    }
}

/// One exchange's reads and writes, committed together. Whatever the
/// backend, and however many servers share it: the NHS number `current`
/// reads is held until the transaction ends (two creates of one number
/// cannot both see no record), and audit entries are appended one after
/// the other, each after the chain's head as committed.
pub trait Transaction: Send {
    /// The NHS number's record that is not deleted, if any (whatever the
    /// patient's age: the caller judges it); the number is held until the
    /// transaction ends.
    fn current<'a>(&'a mut self, nhs_number: &'a str) -> BoxFuture<'a, Result<Option<Record>>>;
    /// Adds a record; the caller has checked there is no current one.
    fn insert<'a>(&'a mut self, record: &'a Record) -> BoxFuture<'a, Result<()>>;
    /// Marks the current record of an NHS number deleted.
    fn delete<'a>(
        &'a mut self,
        nhs_number: &'a str,
        deletion: &'a Deletion,
    ) -> BoxFuture<'a, Result<()>>;
    /// Appends an audit entry after the chain's head; returns it as stored
    /// (numbered and hashed).
    fn append(&mut self, entry: AuditEntry) -> BoxFuture<'_, Result<AuditEntry>>;
    /// Makes the transaction's changes durable.
    fn commit(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
}

/// Opens the store `spec` names (what `--store` takes): a `postgres://`
/// or `postgresql://` URL is PostgreSQL, anything else a SQLite file
/// (created if absent). Either is migrated to this program's schema.
pub async fn open(spec: &str) -> Result<Arc<dyn Store>> {
    if is_postgres(spec) {
        Ok(Arc::new(PostgresStore::connect(spec).await?))
    } else {
        Ok(Arc::new(SqliteStore::open(spec)?))
    }
}

/// Whether a `--store` value names PostgreSQL.
pub fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}
