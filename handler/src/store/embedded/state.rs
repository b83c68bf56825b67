//! The embedded store's memory: records with their two indexes, idempotency markers and
//! rate counters, and how journal entries change them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::OffsetDateTime;

use super::super::journal::{Entry, IdemLine, RateLine, RecordLine, SheetLine};
use super::super::matches::{followup_order, Match, Sheet, MATCHED};
use super::super::schema;
use super::super::{RecordKind, StoredRecord};

#[derive(Default)]
pub(super) struct State {
    pub(super) records: HashMap<(RecordKind, String), Rec>,
    /// (kind, status) → (created_at nanos, id), i.e. oldest first.
    pub(super) by_status: HashMap<(RecordKind, String), BTreeSet<(i128, String)>>,
    pub(super) by_kind: HashMap<RecordKind, BTreeSet<(i128, String)>>,
    pub(super) idem: HashMap<(RecordKind, String), (String, i64)>,
    pub(super) rate: HashMap<(String, i64), (u32, i64)>,
    pub(super) matches: HashMap<String, Match>,
    /// (match id, session) → sheet, so a match's sheets are one range in session order.
    pub(super) sheets: BTreeMap<(String, u32), Sheet>,
    /// [`followup_order`] of every sheet.
    pub(super) followups: BTreeSet<(u32, i128, String, u32)>,
}

pub(super) struct Rec {
    pub(super) created_at: OffsetDateTime,
    pub(super) status: String,
    pub(super) expires_at: i64,
    pub(super) body: serde_json::Value,
}

impl State {
    pub(super) fn apply(&mut self, entry: Entry<'static>) {
        match entry {
            Entry::Put { record, idem } => {
                if let Some(idem) = idem {
                    self.apply(Entry::Idem(idem));
                }
                let Some(created_at) = schema::parse_timestamp(&record.created_at) else {
                    return; // written by timestamp_text, so unreachable short of hand edits
                };
                self.insert(
                    record.kind,
                    record.id.into_owned(),
                    Rec {
                        created_at,
                        status: record.status.into_owned(),
                        expires_at: record.expires_at,
                        body: record.body.into_owned(),
                    },
                );
            }
            Entry::Idem(i) => {
                self.idem.insert(
                    (i.kind, i.key.into_owned()),
                    (i.id.into_owned(), i.expires_at),
                );
            }
            Entry::Status { kind, id, status } => self.set_status(kind, &id, &status),
            Entry::Rate(r) => {
                self.rate
                    .insert((r.key.into_owned(), r.window_start), (r.hits, r.expires_at));
            }
            Entry::Match {
                the_match,
                matched_application,
                capacity: _,
            } => {
                if let Some(app) = matched_application {
                    self.set_status(RecordKind::Application, &app, MATCHED);
                }
                let m = the_match.into_owned();
                self.matches.insert(m.id.clone(), m);
            }
            // Older journals kept a counter per mentor; capacity is now counted from the
            // matches (a counter leaked the slot of a match that expired unclosed).
            Entry::Capacity(_) => {}
            Entry::Sheet(line) => {
                let Some(created_at) = schema::parse_timestamp(&line.created_at) else {
                    return;
                };
                self.insert_sheet(Sheet {
                    match_id: line.match_id.into_owned(),
                    session: line.session,
                    submission_id: line.submission_id.into_owned(),
                    created_at,
                    expires_at: OffsetDateTime::from_unix_timestamp(line.expires_at)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    priority: line.priority,
                    content: line.content.into_owned(),
                    reply: line.reply.map(Cow::into_owned),
                });
            }
            Entry::Reply {
                match_id,
                session,
                reply,
            } => {
                if let Some(sheet) = self.sheets.get_mut(&(match_id.into_owned(), session)) {
                    sheet.reply = Some(reply.into_owned());
                }
            }
        }
    }

    pub(super) fn insert_sheet(&mut self, sheet: Sheet) {
        // An expired sheet may be replaced: its place in the follow-up order goes with it.
        if let Some(old) = self.sheets.get(&(sheet.match_id.clone(), sheet.session)) {
            self.followups.remove(&followup_order(old));
        }
        self.followups.insert(followup_order(&sheet));
        self.sheets
            .insert((sheet.match_id.clone(), sheet.session), sheet);
    }

    pub(super) fn insert(&mut self, kind: RecordKind, id: String, rec: Rec) {
        if let Some(old) = self.records.remove(&(kind, id.clone())) {
            self.unindex(kind, &id, &old);
        }
        let order = (rec.created_at.unix_timestamp_nanos(), id.clone());
        self.by_status
            .entry((kind, rec.status.clone()))
            .or_default()
            .insert(order.clone());
        self.by_kind.entry(kind).or_default().insert(order);
        self.records.insert((kind, id), rec);
    }

    pub(super) fn unindex(&mut self, kind: RecordKind, id: &str, rec: &Rec) {
        let order = (rec.created_at.unix_timestamp_nanos(), id.to_string());
        if let Some(set) = self.by_status.get_mut(&(kind, rec.status.clone())) {
            set.remove(&order);
        }
        if let Some(set) = self.by_kind.get_mut(&kind) {
            set.remove(&order);
        }
    }

    pub(super) fn set_status(&mut self, kind: RecordKind, id: &str, to: &str) {
        let key = (kind, id.to_string());
        let Some(rec) = self.records.get_mut(&key) else {
            return;
        };
        let order = (rec.created_at.unix_timestamp_nanos(), id.to_string());
        let from = std::mem::replace(&mut rec.status, to.to_string());
        if let Some(set) = self.by_status.get_mut(&(kind, from)) {
            set.remove(&order);
        }
        self.by_status
            .entry((kind, to.to_string()))
            .or_default()
            .insert(order);
    }

    pub(super) fn live(&self, kind: RecordKind, id: &str, now: i64) -> Option<StoredRecord> {
        let rec = self.records.get(&(kind, id.to_string()))?;
        (rec.expires_at > now).then(|| StoredRecord {
            kind,
            id: id.to_string(),
            created_at: rec.created_at,
            status: rec.status.clone(),
            expires_at: OffsetDateTime::from_unix_timestamp(rec.expires_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            body: rec.body.clone(),
        })
    }

    /// Drops expired markers and counters, and with `records` expired records too.
    pub(super) fn sweep(&mut self, now: i64, records: bool) {
        self.idem.retain(|_, (_, exp)| *exp > now);
        self.rate.retain(|_, (_, exp)| *exp > now);
        if records {
            self.matches
                .retain(|_, m| m.expires_at.unix_timestamp() > now);
            let dead_sheets: Vec<(String, u32)> = self
                .sheets
                .iter()
                .filter(|(_, s)| s.expires_at.unix_timestamp() <= now)
                .map(|(k, _)| k.clone())
                .collect();
            for key in dead_sheets {
                if let Some(sheet) = self.sheets.remove(&key) {
                    self.followups.remove(&followup_order(&sheet));
                }
            }
            let dead: Vec<(RecordKind, String)> = self
                .records
                .iter()
                .filter(|(_, r)| r.expires_at <= now)
                .map(|(k, _)| k.clone())
                .collect();
            for key in dead {
                if let Some(rec) = self.records.remove(&key) {
                    self.unindex(key.0, &key.1, &rec);
                }
            }
        }
    }

    pub(super) fn entry_count(&self) -> usize {
        self.records.len()
            + self.idem.len()
            + self.rate.len()
            + self.matches.len()
            + self.sheets.len()
    }

    /// The live state as journal entries (what compaction writes).
    pub(super) fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        let records = self.records.iter().map(|((kind, id), r)| Entry::Put {
            record: RecordLine {
                kind: *kind,
                id: id.into(),
                created_at: schema::timestamp_text(r.created_at),
                status: (&r.status).into(),
                expires_at: r.expires_at,
                body: std::borrow::Cow::Borrowed(&r.body),
            },
            idem: None,
        });
        let idem = self.idem.iter().map(|((kind, key), (id, exp))| {
            Entry::Idem(IdemLine {
                kind: *kind,
                key: key.into(),
                id: id.into(),
                expires_at: *exp,
            })
        });
        let rate = self.rate.iter().map(|((key, start), (hits, exp))| {
            Entry::Rate(RateLine {
                key: key.into(),
                window_start: *start,
                hits: *hits,
                expires_at: *exp,
            })
        });
        let matches = self.matches.values().map(|m| Entry::Match {
            the_match: Cow::Borrowed(m),
            matched_application: None,
            capacity: None,
        });
        let sheets = self.sheets.values().map(|s| {
            Entry::Sheet(SheetLine {
                match_id: (&s.match_id).into(),
                session: s.session,
                submission_id: (&s.submission_id).into(),
                created_at: schema::timestamp_text(s.created_at),
                expires_at: s.expires_at.unix_timestamp(),
                priority: s.priority,
                content: Cow::Borrowed(&s.content),
                reply: s.reply.as_ref().map(Cow::Borrowed),
            })
        });
        records.chain(idem).chain(rate).chain(matches).chain(sheets)
    }
}
