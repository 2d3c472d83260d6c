//! The reports an operator runs on a store.
//!
//! - [`gp_practice`]: girls with an active indicator on a date, by current
//!   GP practice (FGMRISC009: "The GP Practice code is used for central
//!   reporting (aggregate statistics) … broken down by their current GP
//!   Practice"), with small counts suppressed on request, as NHS publishes
//!   FGM figures;
//! - [`transactions`]: creates, deletes by reason and queries by result,
//!   counted from the audit, in all or by organisation or month.

use std::collections::BTreeMap;

use crate::audit::AuditEntry;
use crate::store::Record;

/// One row of the GP-practice report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PracticeRow {
    /// The practice's ODS code.
    pub gp_practice: String,
    /// Girls with an active indicator there.
    pub active_indicators: u64,
}

/// Girls with an indicator active on `date` (`YYYY-MM-DD`: created by then,
/// not deleted by then, under 18 then), by GP practice ODS code.
pub fn gp_practice(records: &[Record], date: &str) -> Vec<PracticeRow> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for record in records.iter().filter(|r| r.active_on(date)) {
        *counts.entry(&record.gp_practice).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(gp_practice, active_indicators)| PracticeRow {
            gp_practice: gp_practice.to_owned(),
            active_indicators,
        })
        .collect()
}

/// A count as published: `*` for 1 to `below − 1` (statistical disclosure
/// control), the number otherwise.
pub fn suppressed(count: u64, below: u64) -> String {
    if count > 0 && count < below {
        "*".to_owned()
    } else {
        count.to_string()
    }
}

/// How the transactions report groups entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row for everything.
    All,
    /// By the requesting organisation's ODS code (`-` when not sent).
    Organisation,
    /// By the month received (`YYYY-MM`).
    Month,
}

/// One row of the transactions report.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TransactionRow {
    /// The group (`all`, an ODS code, or a month).
    pub group: String,
    /// Creates accepted (201).
    pub creates: u64,
    /// Creates refused.
    pub creates_refused: u64,
    /// Deletes accepted with reason 0 (added inadvertently or incorrectly).
    pub deletes_reason_0: u64,
    /// Deletes accepted with reason 1 (no longer considered at risk).
    pub deletes_reason_1: u64,
    /// Deletes accepted with reason 2 (patient has had FGM).
    pub deletes_reason_2: u64,
    /// Deletes refused (no record included).
    pub deletes_refused: u64,
    /// Queries that found an indicator.
    pub queries_found: u64,
    /// Queries answered `NO_RECORD_FOUND`.
    pub queries_no_record: u64,
    /// Queries refused otherwise.
    pub queries_refused: u64,
    /// Requests that could not be read as one of the interactions.
    pub unreadable: u64,
}

impl TransactionRow {
    /// The CSV header.
    pub const CSV_HEADER: &'static str = "group,creates,creates_refused,deletes_reason_0,deletes_reason_1,deletes_reason_2,deletes_refused,queries_found,queries_no_record,queries_refused,unreadable";

    /// The counts, in the CSV header's order.
    pub fn counts(&self) -> [u64; 10] {
        [
            self.creates,
            self.creates_refused,
            self.deletes_reason_0,
            self.deletes_reason_1,
            self.deletes_reason_2,
            self.deletes_refused,
            self.queries_found,
            self.queries_no_record,
            self.queries_refused,
            self.unreadable,
        ]
    }

    fn count(&mut self, entry: &AuditEntry) {
        let ok = entry.response_code.is_none();
        match entry.interaction.as_str() {
            "CreateRequest" if ok && entry.http_status == Some(201) => self.creates += 1,
            "CreateRequest" => self.creates_refused += 1,
            "DeleteRequest" if ok && entry.http_status == Some(200) => {
                match entry.delete_reason.as_deref() {
                    Some("0") => self.deletes_reason_0 += 1,
                    Some("1") => self.deletes_reason_1 += 1,
                    _ => self.deletes_reason_2 += 1,
                }
            }
            "DeleteRequest" => self.deletes_refused += 1,
            "QueryV1Request" | "QueryV2Request" => match entry.response_code.as_deref() {
                None if entry.http_status == Some(200) => self.queries_found += 1,
                Some("NO_RECORD_FOUND") => self.queries_no_record += 1,
                _ => self.queries_refused += 1,
            },
            _ => self.unreadable += 1,
        }
    }
}

/// The transactions in `entries` (already limited to the period wanted),
/// counted by group, groups in order.
pub fn transactions(entries: &[AuditEntry], by: GroupBy) -> Vec<TransactionRow> {
    let mut rows: BTreeMap<String, TransactionRow> = BTreeMap::new();
    for entry in entries {
        let group = match by {
            GroupBy::All => "all".to_owned(),
            GroupBy::Organisation => entry.organisation.clone().unwrap_or_else(|| "-".to_owned()),
            GroupBy::Month => entry.at.get(..7).unwrap_or(&entry.at).to_owned(),
        };
        rows.entry(group.clone())
            .or_insert_with(|| TransactionRow {
                group,
                ..TransactionRow::default()
            })
            .count(entry);
    }
    if rows.is_empty() && by == GroupBy::All {
        rows.insert(
            "all".to_owned(),
            TransactionRow {
                group: "all".to_owned(),
                ..TransactionRow::default()
            },
        );
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_hides_small_counts_but_not_zero() {
        assert_eq!(suppressed(0, 5), "0");
        assert_eq!(suppressed(1, 5), "*");
        assert_eq!(suppressed(4, 5), "*");
        assert_eq!(suppressed(5, 5), "5");
        assert_eq!(suppressed(3, 0), "3");
    }
}
