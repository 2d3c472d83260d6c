//! What the servers keep: the Spine double's records (one per create,
//! deleted logically) and the audit chain; an SMSP and a client keep only
//! the audit.
//!
//! [`Store`] is the interface a backend implements; [`SqliteStore`] (one
//! SQLite file, bundled) is the embedded default. Every exchange is one
//! [`Transaction`]: the check, the change and the audit entry are
//! committed together, before the answer is sent, or not at all.

mod sqlite;

use std::fmt;

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
        write!(f, "the store failed while {}: {}", self.doing, self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A backend: records, the audit chain, and transactions over both.
pub trait Store: Send + Sync + fmt::Debug {
    /// Starts a transaction that sees and changes the store alone until it
    /// commits (or is dropped, which rolls it back).
    fn begin(&self) -> Result<Box<dyn Transaction + '_>>;
    /// The audit entries passing `filter`, oldest first.
    fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Every record, deleted ones included, oldest first.
    fn records(&self) -> Result<Vec<Record>>;
    /// Whether the store answers (`GET /ready`): a read of its schema.
    fn ping(&self) -> Result<()>;

    /// Appends one entry in a transaction of its own; returns it chained.
    fn append(&self, entry: AuditEntry) -> Result<AuditEntry> {
        let mut tx = self.begin()?;
        let entry = tx.append(entry)?;
        tx.commit()?;
        Ok(entry)
    }
}

/// One exchange's reads and writes, committed together.
pub trait Transaction {
    /// The NHS number's record that is not deleted, if any (whatever the
    /// patient's age: the caller judges it).
    fn current(&mut self, nhs_number: &str) -> Result<Option<Record>>;
    /// Adds a record; the caller has checked there is no current one.
    fn insert(&mut self, record: &Record) -> Result<()>;
    /// Marks the current record of an NHS number deleted.
    fn delete(&mut self, nhs_number: &str, deletion: &Deletion) -> Result<()>;
    /// Appends an audit entry after the chain's head; returns it as stored
    /// (numbered and hashed).
    fn append(&mut self, entry: AuditEntry) -> Result<AuditEntry>;
    /// Makes the transaction's changes durable.
    fn commit(self: Box<Self>) -> Result<()>;
}
