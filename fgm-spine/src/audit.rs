//! The audit trail: one entry per exchange, chained by SHA-256.
//!
//! Each entry carries the hash of the one before it and a hash over its
//! own fields and that previous hash, so that [`verify`] detects an entry
//! edited, removed or inserted anywhere but at the newest end, and the
//! renumbering such a change would need. What the chain does not prove (a
//! truncation of the newest entries, a rewrite of the whole chain by
//! someone holding the store) needs its head anchored outside the store:
//! [`Head`] is what to log or export (docs/serving.md, "The audit", says how).

use std::fmt;

use sha2::{Digest, Sha256};

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who answered an exchange an SMSP or a client logged.
pub const ANSWERED_BY_SPINE: &str = "spine";
/// The SMSP answered itself (a refusal, or Spine could not be reached).
pub const ANSWERED_BY_SMSP: &str = "smsp";

/// One audited exchange: a request received (or, in a client's log, sent)
/// and the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// Its place in the chain, from 1 (set when appended).
    pub seq: u64,
    /// When the request was received (FHIR instant, UTC, service clock).
    pub at: String,
    /// The interaction (`QueryV2Request`), or the HTTP path when the
    /// request could not be read as one.
    pub interaction: String,
    /// The request's MessageHeader id.
    pub request_id: Option<String>,
    /// The response's MessageHeader id (none for a bare OperationOutcome).
    pub response_id: Option<String>,
    /// The sender's ASID, as the message claims it.
    pub sender_asid: Option<String>,
    /// Who the client certificate proves the sender is (its CN, or its
    /// first DNS name), when TLS client authentication was used.
    pub certificate: Option<String>,
    /// The author's SDS user id, or a v2 query's local identifier.
    pub user_id: Option<String>,
    /// The author's SDS role profile id.
    pub role_profile_id: Option<String>,
    /// The requesting organisation's ODS code.
    pub organisation: Option<String>,
    /// The NHS number the request is about.
    pub nhs_number: Option<String>,
    /// A delete's reason code.
    pub delete_reason: Option<String>,
    /// The HTTP status answered (none: a client's request got no answer).
    pub http_status: Option<u16>,
    /// The Spine response code answered, if any (`NO_RECORD_FOUND`); none
    /// for a plain success.
    pub response_code: Option<String>,
    /// In an SMSP's or a client's log: `spine` when the answer came from
    /// Spine, `smsp` when the SMSP answered itself.
    pub answered_by: Option<String>,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) over the previous hash and this entry's fields.
    pub hash: String,
}

impl AuditEntry {
    /// A new entry for a request received `at` for `interaction`.
    pub fn new(at: impl Into<String>, interaction: impl Into<String>) -> AuditEntry {
        AuditEntry {
            at: at.into(),
            interaction: interaction.into(),
            ..AuditEntry::default()
        }
    }

    /// The hash this entry should carry, from its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        let status = self.http_status.map(|s| s.to_string());
        let seq = self.seq.to_string();
        // Each field named and length-prefixed: no two entries encode alike.
        for (name, value) in [
            ("seq", Some(seq.as_str())),
            ("at", Some(self.at.as_str())),
            ("interaction", Some(self.interaction.as_str())),
            ("request_id", self.request_id.as_deref()),
            ("response_id", self.response_id.as_deref()),
            ("sender_asid", self.sender_asid.as_deref()),
            ("certificate", self.certificate.as_deref()),
            ("user_id", self.user_id.as_deref()),
            ("role_profile_id", self.role_profile_id.as_deref()),
            ("organisation", self.organisation.as_deref()),
            ("nhs_number", self.nhs_number.as_deref()),
            ("delete_reason", self.delete_reason.as_deref()),
            ("http_status", status.as_deref()),
            ("response_code", self.response_code.as_deref()),
            ("answered_by", self.answered_by.as_deref()),
        ] {
            hasher.update(name.as_bytes());
            match value {
                Some(v) => hasher.update(format!("={}:", v.len()).as_bytes()),
                None => hasher.update(b"-"),
            }
            hasher.update(value.unwrap_or_default().as_bytes());
            hasher.update(b"\n");
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Sets `seq`, `prev_hash` and `hash` to follow `head`.
    pub fn chain_after(&mut self, head: &Head) {
        self.seq = head.seq + 1;
        self.prev_hash = head.hash.clone();
        self.hash = self.compute_hash();
    }

    /// The entry on one line, fields as `name=value`, absent ones left out.
    pub fn line(&self) -> String {
        let mut line = format!("{} {} {}", self.seq, self.at, self.interaction);
        let status = self.http_status.map(|s| s.to_string());
        for (name, value) in [
            ("status", status.as_deref()),
            ("code", self.response_code.as_deref()),
            ("nhs", self.nhs_number.as_deref()),
            ("asid", self.sender_asid.as_deref()),
            ("cert", self.certificate.as_deref()),
            ("user", self.user_id.as_deref()),
            ("role", self.role_profile_id.as_deref()),
            ("org", self.organisation.as_deref()),
            ("reason", self.delete_reason.as_deref()),
            ("by", self.answered_by.as_deref()),
            ("request", self.request_id.as_deref()),
            ("response", self.response_id.as_deref()),
        ] {
            if let Some(value) = value {
                line.push_str(&format!(" {name}={value}"));
            }
        }
        line
    }
}

/// The newest entry of a chain: its number and hash (0 and [`GENESIS`]
/// for an empty chain). Anchoring it outside the store lets a later
/// [`verify`] detect a truncation or a rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The newest entry's number.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} hash {}", self.seq, self.hash)
    }
}

/// Where and why a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The number of the first entry that does not follow (as stored).
    pub seq: u64,
    /// Why.
    pub why: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the chain breaks at entry {}: {}", self.seq, self.why)
    }
}

impl std::error::Error for Break {}

/// Checks a chain, oldest entry first: numbered 1, 2, 3 …, each carrying
/// its predecessor's hash and the hash of its own fields. Returns the head,
/// or the first entry that breaks the chain.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<Head, Break> {
    let mut head = Head::default();
    for entry in entries {
        let broken = |why: String| Break {
            seq: entry.seq,
            why,
        };
        if entry.seq != head.seq + 1 {
            return Err(broken(format!(
                "it follows entry {} (an entry removed, inserted or renumbered)",
                head.seq
            )));
        }
        if entry.prev_hash != head.hash {
            return Err(broken(format!(
                "it names {} as the previous hash, entry {} has {} (an entry before it removed, inserted or edited)",
                entry.prev_hash, head.seq, head.hash
            )));
        }
        let hash = entry.compute_hash();
        if entry.hash != hash {
            return Err(broken(format!(
                "its fields hash to {hash}, it carries {} (the entry was edited)",
                entry.hash
            )));
        }
        head = Head {
            seq: entry.seq,
            hash,
        };
    }
    Ok(head)
}

/// Which entries to list: each given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The NHS number.
    pub nhs_number: Option<String>,
    /// The author's SDS user id (or local identifier).
    pub user_id: Option<String>,
    /// The request's or the response's MessageHeader id.
    pub message_id: Option<String>,
    /// Entries at or after this instant or date (compared as text, so a
    /// date takes in its whole day).
    pub from: Option<String>,
    /// Entries at or before this instant or date (a date takes in its
    /// whole day).
    pub to: Option<String>,
}

impl AuditFilter {
    /// Whether an entry passes.
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        let is = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        is(&self.nhs_number, &entry.nhs_number)
            && is(&self.user_id, &entry.user_id)
            && self.message_id.as_ref().is_none_or(|id| {
                entry.request_id.as_ref() == Some(id) || entry.response_id.as_ref() == Some(id)
            })
            && self
                .from
                .as_ref()
                .is_none_or(|from| entry.at.as_str() >= from.as_str())
            && self.to.as_ref().is_none_or(|to| {
                // A date (or an instant's prefix) takes in everything it starts.
                entry.at.as_str() <= to.as_str() || entry.at.starts_with(to.as_str())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut head = Head::default();
        (0..n)
            .map(|i| {
                let mut e = AuditEntry::new(
                    format!("2024-01-0{}T10:00:00+00:00", i + 1),
                    "CreateRequest",
                );
                e.nhs_number = Some(format!("943476591{i}"));
                e.http_status = Some(201);
                e.chain_after(&head);
                head = Head {
                    seq: e.seq,
                    hash: e.hash.clone(),
                };
                e
            })
            .collect()
    }

    #[test]
    fn a_chain_verifies_and_each_kind_of_tampering_is_named() {
        let entries = chain(5);
        let head = verify(&entries).unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(head.hash, entries[4].hash);
        assert_eq!(verify(&[]).unwrap(), Head::default());

        let mut edited = entries.clone();
        edited[2].http_status = Some(200);
        let broken = verify(&edited).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.why.contains("edited"), "{broken}");

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(&removed).unwrap_err().seq, 3);

        let mut inserted = entries.clone();
        let mut forged = entries[1].clone();
        forged.nhs_number = Some("9999999999".into());
        inserted.insert(2, forged);
        assert_eq!(verify(&inserted).unwrap_err().seq, 2);

        // Renumbered and rehashed from the removal on: still caught at
        // the first entry whose predecessor hash no longer matches …
        let mut rewritten = entries.clone();
        rewritten.remove(1);
        rewritten[1].seq = 2;
        rewritten[1].hash = rewritten[1].compute_hash();
        assert_eq!(verify(&rewritten).unwrap_err().seq, 2);
        // … unless every later entry is rehashed: a whole rewrite verifies,
        // which is why the head is anchored outside the store.
        let mut head = Head::default();
        for e in &mut rewritten {
            e.chain_after(&head);
            head = Head {
                seq: e.seq,
                hash: e.hash.clone(),
            };
        }
        assert!(verify(&rewritten).is_ok());
        assert_ne!(verify(&rewritten).unwrap(), verify(&entries).unwrap());
    }

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        let mut a = AuditEntry::new("2024-01-01T00:00:00+00:00", "x");
        let mut b = a.clone();
        b.user_id = Some(String::new());
        a.hash = a.compute_hash();
        b.hash = b.compute_hash();
        assert_ne!(a.hash, b.hash);
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn filters_take_in_whole_days() {
        let e = &chain(3)[1];
        let day = |from: Option<&str>, to: Option<&str>| AuditFilter {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            ..AuditFilter::default()
        };
        assert!(day(Some("2024-01-02"), Some("2024-01-02")).matches(e));
        assert!(!day(Some("2024-01-03"), None).matches(e));
        assert!(!day(None, Some("2024-01-01")).matches(e));
        let nhs = AuditFilter {
            nhs_number: Some("9434765911".into()),
            ..AuditFilter::default()
        };
        assert!(nhs.matches(e));
        assert!(!nhs.matches(&chain(1)[0]));
    }
}
