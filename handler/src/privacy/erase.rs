//! Which ids are hers, for erasure: her applications and inquiries (by address, as the
//! export finds them) and the matches made from her applications. The store removes what
//! they hold (`Store::erase`); the provision records and the audit log stay.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::export::records_of;
use crate::store::{Erasure, Match, RecordKind, Store, StoreError};

/// Her ids, and the matches (for the mentors staff should tell).
pub async fn plan(store: &Store, address: &str) -> Result<(Erasure, Vec<Match>), StoreError> {
    let mut what = Erasure::default();
    for kind in RecordKind::ALL {
        for r in records_of(store, kind, address).await? {
            what.records.push((kind, r.id));
        }
    }
    let apps: BTreeSet<&str> = what
        .records
        .iter()
        .filter(|(k, _)| *k == RecordKind::Application)
        .map(|(_, id)| id.as_str())
        .collect();
    let matches: Vec<Match> = store
        .list_matches(OffsetDateTime::UNIX_EPOCH, usize::MAX)
        .await?
        .into_iter()
        .filter(|m| apps.contains(m.application_id.as_str()))
        .collect();
    what.matches = matches.iter().map(|m| m.id.clone()).collect();
    Ok((what, matches))
}
