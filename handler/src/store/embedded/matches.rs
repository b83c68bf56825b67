//! The embedded store's matches, sheets and replies: each change is one journal line
//! (an assignment's match and application status together), applied to memory only after
//! the append succeeded. Capacity is counted from the live active matches, not kept.

use std::borrow::Cow;
use std::collections::HashMap;

use time::OffsetDateTime;

use super::super::journal::{Entry, SheetLine};
use super::super::matches::{
    AssignOutcome, Diary, Match, MatchStatus, NewSheet, Reply, ReplyOutcome, Sheet, SheetOutcome,
    OPEN_APPLICATION_STATUSES,
};
use super::super::{schema, RecordKind, StoreError};
use super::{EmbeddedStore, Inner};

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

impl Inner {
    fn live_match(&self, id: &str, now: i64) -> Option<&Match> {
        self.state
            .matches
            .get(id)
            .filter(|m| m.expires_at.unix_timestamp() > now)
    }

    /// Active matches not past their expiry: what counts against capacity. Derived from the
    /// matches themselves (no counter), so a match that expires unclosed frees its slot.
    fn open_matches(&self, now: i64) -> impl Iterator<Item = &Match> {
        self.state
            .matches
            .values()
            .filter(move |m| m.status == MatchStatus::Active && m.expires_at.unix_timestamp() > now)
    }
}

impl EmbeddedStore {
    pub(in crate::store) async fn create_match(
        &self,
        m: &Match,
        capacity: u32,
    ) -> Result<AssignOutcome, StoreError> {
        let now = now();
        let mut inner = self.lock();
        if inner.state.matches.contains_key(&m.id) {
            return Err(super::super::matches::match_id_taken());
        }
        let open = inner
            .state
            .live(RecordKind::Application, &m.application_id, now)
            .is_some_and(|r| OPEN_APPLICATION_STATUSES.contains(&r.status.as_str()));
        if !open {
            return Ok(AssignOutcome::ApplicationNotOpen);
        }
        let active = inner
            .open_matches(now)
            .filter(|o| o.mentor_slug == m.mentor_slug)
            .count();
        if active >= capacity as usize {
            return Ok(AssignOutcome::MentorFull);
        }
        inner.journal.append(&Entry::Match {
            the_match: Cow::Borrowed(m),
            matched_application: Some(Cow::Borrowed(&m.application_id)),
            capacity: None,
        })?;
        inner.state.apply(Entry::Match {
            the_match: Cow::Owned(m.clone()),
            matched_application: Some(Cow::Owned(m.application_id.clone())),
            capacity: None,
        });
        inner.after_write();
        Ok(AssignOutcome::Created)
    }

    pub(in crate::store) async fn get_match(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let inner = self.lock();
        Ok(inner.live_match(id, now()).cloned())
    }

    pub(in crate::store) async fn extend_match(
        &self,
        id: &str,
        more: u32,
        later: time::Duration,
    ) -> Result<Option<Match>, StoreError> {
        let mut inner = self.lock();
        let Some(m) = inner.live_match(id, now()) else {
            return Ok(None);
        };
        if m.status != MatchStatus::Active {
            return Ok(None);
        }
        let mut changed = m.clone();
        changed.sessions += more;
        schema_sessions(changed.sessions)?;
        // Capacity is derived from the matches' expiry, so this also holds the slot longer.
        changed.expires_at += later;
        inner.journal.append(&Entry::Match {
            the_match: Cow::Borrowed(&changed),
            matched_application: None,
            capacity: None,
        })?;
        inner.state.matches.insert(id.to_string(), changed.clone());
        inner.after_write();
        Ok(Some(changed))
    }

    pub(in crate::store) async fn close_match(
        &self,
        id: &str,
    ) -> Result<Option<Match>, StoreError> {
        let mut inner = self.lock();
        let Some(m) = inner.live_match(id, now()) else {
            return Ok(None);
        };
        if m.status != MatchStatus::Active {
            return Ok(None);
        }
        let mut changed = m.clone();
        changed.status = MatchStatus::Closed;
        inner.journal.append(&Entry::Match {
            the_match: Cow::Borrowed(&changed),
            matched_application: None,
            capacity: None,
        })?;
        inner.state.matches.insert(id.to_string(), changed.clone());
        inner.after_write();
        Ok(Some(changed))
    }

    pub(in crate::store) async fn active_counts(&self) -> Result<HashMap<String, u32>, StoreError> {
        let inner = self.lock();
        let mut counts = HashMap::new();
        for m in inner.open_matches(now()) {
            *counts.entry(m.mentor_slug.clone()).or_insert(0) += 1;
        }
        Ok(counts)
    }

    pub(in crate::store) async fn active_matches(&self) -> Result<Vec<Match>, StoreError> {
        let inner = self.lock();
        let mut found: Vec<Match> = inner.open_matches(now()).cloned().collect();
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    pub(in crate::store) async fn put_sheet(
        &self,
        sheet: &NewSheet,
    ) -> Result<SheetOutcome, StoreError> {
        let now = now();
        let mut inner = self.lock();
        let key = (sheet.match_id.clone(), sheet.session);
        // A retry wins over everything else, even a match closed since the first answer.
        if let Some(existing) = inner
            .state
            .sheets
            .get(&key)
            .filter(|s| s.expires_at.unix_timestamp() > now)
        {
            return Ok(if existing.submission_id == sheet.submission_id {
                SheetOutcome::Replayed
            } else {
                SheetOutcome::Conflict
            });
        }
        let allowed = inner
            .live_match(&sheet.match_id, now)
            .is_some_and(|m| m.status == MatchStatus::Active && sheet.session <= m.sessions);
        if !allowed {
            return Ok(SheetOutcome::Refused);
        }
        inner.journal.append(&Entry::Sheet(SheetLine {
            match_id: Cow::Borrowed(&sheet.match_id),
            session: sheet.session,
            submission_id: Cow::Borrowed(&sheet.submission_id),
            created_at: schema::timestamp_text(sheet.created_at),
            expires_at: sheet.expires_at.unix_timestamp(),
            priority: sheet.priority,
            content: Cow::Borrowed(&sheet.content),
            reply: None,
        }))?;
        inner.state.insert_sheet(Sheet {
            match_id: sheet.match_id.clone(),
            session: sheet.session,
            submission_id: sheet.submission_id.clone(),
            created_at: sheet.created_at.to_offset(time::UtcOffset::UTC),
            expires_at: OffsetDateTime::from_unix_timestamp(sheet.expires_at.unix_timestamp())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            priority: sheet.priority,
            content: sheet.content.clone(),
            reply: None,
        });
        inner.after_write();
        Ok(SheetOutcome::Created)
    }

    pub(in crate::store) async fn put_reply(
        &self,
        match_id: &str,
        session: u32,
        reply: &Reply,
    ) -> Result<ReplyOutcome, StoreError> {
        let now = now();
        let mut inner = self.lock();
        let key = (match_id.to_string(), session);
        let Some(sheet) = inner
            .state
            .sheets
            .get(&key)
            .filter(|s| s.expires_at.unix_timestamp() > now)
        else {
            return Ok(ReplyOutcome::NoSheet);
        };
        if let Some(existing) = &sheet.reply {
            return Ok(if existing.text == reply.text {
                ReplyOutcome::Replayed
            } else {
                ReplyOutcome::Conflict
            });
        }
        let reply = Reply {
            text: reply.text.clone(),
            created_at: reply.created_at.to_offset(time::UtcOffset::UTC),
        };
        inner.journal.append(&Entry::Reply {
            match_id: Cow::Borrowed(match_id),
            session,
            reply: Cow::Borrowed(&reply),
        })?;
        if let Some(sheet) = inner.state.sheets.get_mut(&key) {
            sheet.reply = Some(reply);
        }
        inner.after_write();
        Ok(ReplyOutcome::Created)
    }

    pub(in crate::store) async fn diary(
        &self,
        match_id: &str,
    ) -> Result<Option<Diary>, StoreError> {
        let now = now();
        let inner = self.lock();
        let Some(m) = inner.live_match(match_id, now) else {
            return Ok(None);
        };
        let sheets = inner
            .state
            .sheets
            .range((match_id.to_string(), 0)..=(match_id.to_string(), u32::MAX))
            .map(|(_, s)| s)
            .filter(|s| s.expires_at.unix_timestamp() > now)
            .cloned()
            .collect();
        Ok(Some(Diary {
            the_match: m.clone(),
            sheets,
        }))
    }

    pub(in crate::store) async fn list_followups(
        &self,
        min_priority: u32,
        limit: usize,
    ) -> Result<Vec<Sheet>, StoreError> {
        let now = now();
        let inner = self.lock();
        let bound = 100 - min_priority.min(100);
        Ok(inner
            .state
            .followups
            .iter()
            .take_while(|(inverse, ..)| *inverse <= bound)
            .filter_map(|(_, _, m, n)| inner.state.sheets.get(&(m.clone(), *n)))
            .filter(|s| s.expires_at.unix_timestamp() > now)
            .take(limit)
            .cloned()
            .collect())
    }
}

fn schema_sessions(sessions: u32) -> Result<(), StoreError> {
    super::super::matches::check_sessions(sessions)
}
