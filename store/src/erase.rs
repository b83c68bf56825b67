//! Erasure of one person's data (issue 15), the same on both back ends (conformance case
//! `erase_*`). The caller (the handler's `privacy::erase`) decides *which* ids are hers; the
//! store removes, in one go, everything those ids hold:
//!
//! * her records (applications, inquiries) and staff notes on them;
//! * her matches with every sheet, reply and follow-up mark — her mentor's slot is freed and
//!   every diary link dies with the match;
//! * every outbox entry naming one of her ids (entries hold ids, not addresses, but a
//!   pending one would otherwise mail her after she asked to be forgotten).
//!
//! Kept: provision records (the law's 3 years; they hold no name, no address, no text) and
//! the audit log (ids only). Idempotency markers (a hash of the payload, never her words)
//! expire within a day. On SQLite, `secure_delete` overwrites the freed pages and a WAL
//! checkpoint (TRUNCATE) leaves no old page images in the write-ahead log.

use super::{dispatch, RecordKind, Store, StoreError};

/// The ids to erase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasure {
    pub records: Vec<(RecordKind, String)>,
    pub matches: Vec<String>,
}

/// What an erasure removed (counts only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    pub records: usize,
    pub notes: usize,
    pub matches: usize,
    pub sheets: usize,
    pub mails: usize,
}

impl Erasure {
    /// Whether an outbox entry's refs name one of these ids.
    pub fn names(&self, refs: &serde_json::Value) -> bool {
        refs.as_object().is_some_and(|o| {
            o.values().filter_map(|v| v.as_str()).any(|v| {
                self.records.iter().any(|(_, id)| id == v) || self.matches.iter().any(|m| m == v)
            })
        })
    }
}

impl Store {
    /// Removes everything the ids hold (see the module doc). Idempotent: a second run finds
    /// nothing and says so.
    pub async fn erase(&self, what: &Erasure) -> Result<Erased, StoreError> {
        dispatch!(self, s => s.erase(what))
    }
}
