//! Matches, sheets and replies on DynamoDB (layout in `store/schema.rs`):
//! assign, extend and close are transactions across the match, the application and the
//! mentor's counter (extend: the match and its counter entry, both moved to the new expiry);
//! a sheet is a transaction of a `ConditionCheck` on its match and a conditional Put;
//! a reply is a conditional Update of its sheet; the diary is a consistent GetItem of the match
//! and one `TransactGetItems` of its sheets (≤ 99 ≤ the 100-item limit).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Get, Put, TransactGetItem, TransactWriteItem, Update,
};
use time::OffsetDateTime;

use super::super::matches::{
    match_id_taken, AssignOutcome, Diary, Match, MatchStatus, NewSheet, Reply, ReplyOutcome, Sheet,
    SheetOutcome, MATCHED, MAX_SESSIONS, OPEN_APPLICATION_STATUSES,
};
use super::super::outbox::{mail_id_taken, NewMail};
use super::super::schema::{self, *};
use super::super::{RecordKind, StoreError};
use super::item::{get_n, get_s, key_of, n, s};
use super::transact::backoff;
use super::{DynamoStore, SortFrom, CONFLICT_RETRIES};

type Item = HashMap<String, AttributeValue>;

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

impl DynamoStore {
    pub(super) fn malformed(&self, key: &str, reason: String) -> StoreError {
        StoreError::Malformed {
            table: self.table.to_string(),
            key: key.to_string(),
            reason,
        }
    }

    fn match_item(&self, m: &Match) -> Item {
        HashMap::from([
            (PK.into(), s(&schema::match_pk(&m.id))),
            (SK.into(), s(SK_RECORD)),
            (ATTR_KIND.into(), s("match")),
            (ATTR_ID.into(), s(&m.id)),
            (ATTR_STATUS.into(), s(m.status.as_str())),
            (
                ATTR_CREATED_AT.into(),
                s(&schema::timestamp_text(m.created_at)),
            ),
            (TTL_ATTR.into(), n(m.expires_at.unix_timestamp())),
            (ATTR_APPLICATION_ID.into(), s(&m.application_id)),
            (ATTR_MENTOR.into(), s(&m.mentor_slug)),
            (ATTR_MENTOR_NAME.into(), s(&m.mentor_name)),
            (ATTR_PLAN.into(), s(&m.plan)),
            (ATTR_SESSIONS.into(), n(i64::from(m.sessions))),
            (ATTR_LINKS_EPOCH.into(), n(i64::from(m.links_epoch))),
            // Every match by date, active or closed (reports); updates keep these.
            (GSI_KIND_PK.into(), s(MATCH_PREFIX)),
            (
                GSI_KIND_SK.into(),
                s(&schema::time_sort_key(m.created_at, &m.id)),
            ),
        ])
    }

    pub(crate) async fn list_matches(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Match>, StoreError> {
        let from = SortFrom::AtLeast(schema::timestamp_text(since));
        self.query_live(GSI_KIND, MATCH_PREFIX, Some(from), limit, |i| {
            self.match_from_item(i)
        })
        .await
    }

    fn match_from_item(&self, item: &Item) -> Result<Match, StoreError> {
        let t = &*self.table;
        let key = key_of(item);
        let status = get_s(t, &key, item, ATTR_STATUS)?;
        let status = MatchStatus::parse(status)
            .ok_or_else(|| self.malformed(&key, format!("unknown {ATTR_STATUS} `{status}`")))?;
        let created_at = schema::parse_timestamp(get_s(t, &key, item, ATTR_CREATED_AT)?)
            .ok_or_else(|| self.malformed(&key, format!("{ATTR_CREATED_AT} is not RFC 3339")))?;
        let expires_at = OffsetDateTime::from_unix_timestamp(get_n(t, &key, item, TTL_ATTR)?)
            .map_err(|_| self.malformed(&key, format!("{TTL_ATTR} out of range")))?;
        let sessions = u32::try_from(get_n(t, &key, item, ATTR_SESSIONS)?)
            .map_err(|_| self.malformed(&key, format!("{ATTR_SESSIONS} out of range")))?;
        Ok(Match {
            id: get_s(t, &key, item, ATTR_ID)?.to_string(),
            application_id: get_s(t, &key, item, ATTR_APPLICATION_ID)?.to_string(),
            mentor_slug: get_s(t, &key, item, ATTR_MENTOR)?.to_string(),
            mentor_name: get_s(t, &key, item, ATTR_MENTOR_NAME)?.to_string(),
            plan: get_s(t, &key, item, ATTR_PLAN)?.to_string(),
            sessions,
            status,
            created_at,
            expires_at,
            links_epoch: match item.get(ATTR_LINKS_EPOCH) {
                None => 0,
                Some(_) => {
                    u32::try_from(get_n(t, &key, item, ATTR_LINKS_EPOCH)?).map_err(|_| {
                        self.malformed(&key, format!("{ATTR_LINKS_EPOCH} out of range"))
                    })?
                }
            },
        })
    }

    /// One conditional update: `ADD` moves the epoch on (from 0 when absent) while the match
    /// is live; the new item comes back with it.
    pub(crate) async fn revoke_links(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::match_pk(id)))
            .key(SK, s(SK_RECORD))
            .update_expression("ADD #epoch :one")
            .condition_expression("attribute_exists(#exp) AND #exp > :now")
            .expression_attribute_names("#epoch", ATTR_LINKS_EPOCH)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match self.conditional("UpdateItem", sent)? {
            Some(out) => match out.attributes {
                Some(item) => Ok(Some(self.match_from_item(&item)?)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    fn sheet_item(&self, sheet: &NewSheet) -> Item {
        HashMap::from([
            (PK.into(), s(&schema::match_pk(&sheet.match_id))),
            (SK.into(), s(&schema::sheet_sk(sheet.session))),
            (ATTR_ID.into(), s(&sheet.match_id)),
            (ATTR_SESSION.into(), n(i64::from(sheet.session))),
            (ATTR_SUBMISSION_ID.into(), s(&sheet.submission_id)),
            (
                ATTR_CREATED_AT.into(),
                s(&schema::timestamp_text(sheet.created_at)),
            ),
            (TTL_ATTR.into(), n(sheet.expires_at.unix_timestamp())),
            (ATTR_PRIORITY.into(), n(i64::from(sheet.priority))),
            (ATTR_BODY.into(), s(&sheet.content.to_string())),
            (GSI_STATUS_PK.into(), s(FOLLOWUP_GSI_PK)),
            (
                GSI_STATUS_SK.into(),
                s(&schema::followup_sort_key(
                    sheet.priority,
                    sheet.created_at,
                    &sheet.match_id,
                    sheet.session,
                )),
            ),
        ])
    }

    fn sheet_from_item(&self, item: &Item) -> Result<Sheet, StoreError> {
        let t = &*self.table;
        let key = format!(
            "{}/{}",
            item.get(PK)
                .and_then(|v| v.as_s().ok())
                .map_or("(no pk)", |v| v),
            item.get(SK)
                .and_then(|v| v.as_s().ok())
                .map_or("(no sk)", |v| v)
        );
        let number = |attr: &str| -> Result<u32, StoreError> {
            u32::try_from(get_n(t, &key, item, attr)?)
                .map_err(|_| self.malformed(&key, format!("{attr} out of range")))
        };
        let time = |attr: &str| -> Result<OffsetDateTime, StoreError> {
            schema::parse_timestamp(get_s(t, &key, item, attr)?)
                .ok_or_else(|| self.malformed(&key, format!("{attr} is not RFC 3339")))
        };
        let content = serde_json::from_str(get_s(t, &key, item, ATTR_BODY)?)
            // Only the position: the sheet is personal data.
            .map_err(|e| {
                self.malformed(
                    &key,
                    format!("{ATTR_BODY} is not JSON (column {})", e.column()),
                )
            })?;
        let reply = match item.get(ATTR_REPLY) {
            Some(_) => Some(Reply {
                text: get_s(t, &key, item, ATTR_REPLY)?.to_string(),
                created_at: time(ATTR_REPLIED_AT)?,
            }),
            None => None,
        };
        Ok(Sheet {
            match_id: get_s(t, &key, item, ATTR_ID)?.to_string(),
            session: number(ATTR_SESSION)?,
            submission_id: get_s(t, &key, item, ATTR_SUBMISSION_ID)?.to_string(),
            created_at: time(ATTR_CREATED_AT)?,
            expires_at: OffsetDateTime::from_unix_timestamp(get_n(t, &key, item, TTL_ATTR)?)
                .map_err(|_| self.malformed(&key, format!("{TTL_ATTR} out of range")))?,
            priority: number(ATTR_PRIORITY)?,
            content,
            reply,
        })
    }

    /// A consistent read of one item, `None` when absent or past retention.
    pub(super) async fn live_item(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        let now = now();
        Ok(out.item().cloned().filter(|item| {
            matches!(item.get(TTL_ATTR), Some(AttributeValue::N(x)) if x.parse::<i64>().is_ok_and(|e| e > now))
        }))
    }

    pub(crate) async fn create_match(
        &self,
        m: &Match,
        capacity: u32,
        mail: &[NewMail],
        provision: Option<&crate::Provision>,
    ) -> Result<AssignOutcome, StoreError> {
        let put = Put::builder()
            .table_name(&*self.table)
            .set_item(Some(self.match_item(m)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("table, item and condition are set");
        let application = Update::builder()
            .table_name(&*self.table)
            .key(
                PK,
                s(&schema::record_pk(
                    RecordKind::Application,
                    &m.application_id,
                )),
            )
            .key(SK, s(SK_RECORD))
            .update_expression("SET #st = :matched, #gpk = :gpk")
            .condition_expression(
                "attribute_exists(#pk) AND #st IN (:open0, :open1, :open2) AND #exp > :now",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#gpk", GSI_STATUS_PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":matched", s(MATCHED))
            .expression_attribute_values(
                ":gpk",
                s(&schema::status_gsi_pk(RecordKind::Application, MATCHED)),
            )
            .expression_attribute_values(":open0", s(OPEN_APPLICATION_STATUSES[0]))
            .expression_attribute_values(":open1", s(OPEN_APPLICATION_STATUSES[1]))
            .expression_attribute_values(":open2", s(OPEN_APPLICATION_STATUSES[2]))
            .expression_attribute_values(":now", n(now()))
            .build()
            .expect("table, key and expression are set");
        self.prepare_counter(&m.mentor_slug).await?;
        let counter = self.claim_slot(m, capacity);
        let mut items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(application).build(),
            TransactWriteItem::builder().update(counter).build(),
        ];
        // The provision record (issue 15) sits before the mail, so a refusal's index still
        // tells a taken mail id from the rest.
        if let Some(p) = provision {
            items.push(self.provision_put(p));
        }
        let mail_from = items.len();
        items.extend(self.mail_puts(mail));
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(refused) = self.transact(&items).await? else {
                return Ok(AssignOutcome::Created);
            };
            if refused.failed_from(mail_from) {
                return Err(mail_id_taken());
            } else if mail_from > 3 && refused.failed(3) {
                return Err(match_id_taken());
            } else if refused.failed(1) {
                return Ok(AssignOutcome::ApplicationNotOpen);
            } else if refused.failed(2) {
                return Ok(AssignOutcome::MentorFull);
            } else if refused.failed(0) {
                return Err(match_id_taken());
            } else if !refused.conflicted() {
                return Err(refused.error);
            }
            backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    pub(crate) async fn get_match(&self, id: &str) -> Result<Option<Match>, StoreError> {
        match self.live_item(&schema::match_pk(id), SK_RECORD).await? {
            Some(item) => Ok(Some(self.match_from_item(&item)?)),
            None => Ok(None),
        }
    }

    /// Read, then one transaction: the match's sessions and `expires_at` (conditioned on the
    /// values read, so a concurrent extend or close makes it read again) and its entry in the
    /// mentor's `open` map, which must carry the same expiry or the slot would be freed early.
    pub(crate) async fn extend_match(
        &self,
        id: &str,
        more: u32,
        later: time::Duration,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(m) = self.get_match(id).await? else {
                return Ok(None);
            };
            if m.status != MatchStatus::Active {
                return Ok(None);
            }
            // Too many sessions is the caller's mistake; say so rather than "no match".
            super::super::matches::check_sessions(m.sessions + more)?;
            let changed = Match {
                sessions: m.sessions + more,
                expires_at: m.expires_at + later,
                ..m.clone()
            };
            let new_exp = n(changed.expires_at.unix_timestamp());
            let extend = Update::builder()
                .table_name(&*self.table)
                .key(PK, s(&schema::match_pk(id)))
                .key(SK, s(SK_RECORD))
                .update_expression("SET #sessions = :sessions, #exp = :new")
                .condition_expression(
                    "#st = :active AND #exp = :old AND #exp > :now AND #sessions = :before",
                )
                .expression_attribute_names("#st", ATTR_STATUS)
                .expression_attribute_names("#exp", TTL_ATTR)
                .expression_attribute_names("#sessions", ATTR_SESSIONS)
                .expression_attribute_values(":active", s(MatchStatus::Active.as_str()))
                .expression_attribute_values(":old", n(m.expires_at.unix_timestamp()))
                .expression_attribute_values(":now", n(now()))
                .expression_attribute_values(":before", n(i64::from(m.sessions)))
                .expression_attribute_values(":sessions", n(i64::from(changed.sessions)))
                .expression_attribute_values(":new", new_exp.clone())
                .build()
                .expect("table, key and expression are set");
            let hold = self.hold_slot(&m, new_exp);
            let mut items = vec![
                TransactWriteItem::builder().update(extend).build(),
                TransactWriteItem::builder().update(hold).build(),
            ];
            items.extend(self.mail_puts(mail));
            let Some(refused) = self.transact(&items).await? else {
                return Ok(Some(changed));
            };
            if refused.failed_from(2) {
                return Err(mail_id_taken());
            }
            // Changed, closed or expired since the read, or a concurrent transaction: read again.
            if !refused.failed(0) && !refused.conflicted() {
                return Err(refused.error);
            }
            backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    pub(crate) async fn close_match(
        &self,
        id: &str,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        let Some(m) = self.get_match(id).await? else {
            return Ok(None);
        };
        if m.status != MatchStatus::Active {
            return Ok(None);
        }
        let close = Update::builder()
            .table_name(&*self.table)
            .key(PK, s(&schema::match_pk(id)))
            .key(SK, s(SK_RECORD))
            .update_expression("SET #st = :closed")
            .condition_expression("#st = :active AND #exp > :now")
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":closed", s(MatchStatus::Closed.as_str()))
            .expression_attribute_values(":active", s(MatchStatus::Active.as_str()))
            .expression_attribute_values(":now", n(now()))
            .build()
            .expect("table, key and expression are set");
        let free = self.free_slot(&m);
        let mut items = vec![
            TransactWriteItem::builder().update(close).build(),
            TransactWriteItem::builder().update(free).build(),
        ];
        items.extend(self.mail_puts(mail));
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(refused) = self.transact(&items).await? else {
                return Ok(Some(Match {
                    status: MatchStatus::Closed,
                    ..m
                }));
            };
            if refused.failed_from(2) {
                return Err(mail_id_taken());
            } else if refused.failed(0) {
                return Ok(None); // closed (or expired) meanwhile
            } else if !refused.conflicted() {
                return Err(refused.error);
            }
            backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    pub(crate) async fn put_sheet(&self, sheet: &NewSheet) -> Result<SheetOutcome, StoreError> {
        let now = now();
        let check = ConditionCheck::builder()
            .table_name(&*self.table)
            .key(PK, s(&schema::match_pk(&sheet.match_id)))
            .key(SK, s(SK_RECORD))
            .condition_expression("#st = :active AND #sessions >= :session AND #exp > :now")
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#sessions", ATTR_SESSIONS)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":active", s(MatchStatus::Active.as_str()))
            .expression_attribute_values(":session", n(i64::from(sheet.session)))
            .expression_attribute_values(":now", n(now))
            .build()
            .expect("table, key and condition are set");
        let put = Put::builder()
            .table_name(&*self.table)
            .set_item(Some(self.sheet_item(sheet)))
            .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":now", n(now))
            .build()
            .expect("table, item and condition are set");
        let sheet_sk = schema::sheet_sk(sheet.session);
        let pk = schema::match_pk(&sheet.match_id);
        let mut items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        items.extend(self.mail_puts(&sheet.mail));
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(refused) = self.transact(&items).await? else {
                return Ok(SheetOutcome::Created);
            };
            if refused.failed_from(2) && !refused.failed(0) && !refused.failed(1) {
                return Err(mail_id_taken());
            }
            // A retry wins over everything else, even a match closed since the first answer.
            if refused.failed(1) {
                if let Some(existing) = self.live_item(&pk, &sheet_sk).await? {
                    let first = get_s(&self.table, &pk, &existing, ATTR_SUBMISSION_ID)?;
                    return Ok(if first == sheet.submission_id {
                        SheetOutcome::Replayed
                    } else {
                        SheetOutcome::Conflict
                    });
                }
                // Expired between the check and the read: go round again.
            } else if refused.failed(0) {
                return Ok(SheetOutcome::Refused);
            } else if !refused.conflicted() {
                return Err(refused.error);
            }
            backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    /// One transaction: the sheet's reply (only if it has none) and the mentee's notice.
    pub(crate) async fn put_reply(
        &self,
        match_id: &str,
        session: u32,
        reply: &Reply,
        mail: &[NewMail],
    ) -> Result<ReplyOutcome, StoreError> {
        let pk = schema::match_pk(match_id);
        let sk = schema::sheet_sk(session);
        let update = Update::builder()
            .table_name(&*self.table)
            .key(PK, s(&pk))
            .key(SK, s(&sk))
            .update_expression("SET #reply = :reply, #at = :at")
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#reply) AND #exp > :now",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#reply", ATTR_REPLY)
            .expression_attribute_names("#at", ATTR_REPLIED_AT)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":reply", s(&reply.text))
            .expression_attribute_values(":at", s(&schema::timestamp_text(reply.created_at)))
            .expression_attribute_values(":now", n(now()))
            .build()
            .expect("table, key and expression are set");
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        items.extend(self.mail_puts(mail));
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(refused) = self.transact(&items).await? else {
                return Ok(ReplyOutcome::Created);
            };
            if refused.failed(0) {
                let Some(existing) = self.live_item(&pk, &sk).await? else {
                    return Ok(ReplyOutcome::NoSheet);
                };
                return Ok(match existing.get(ATTR_REPLY).and_then(|v| v.as_s().ok()) {
                    Some(text) if *text == reply.text => ReplyOutcome::Replayed,
                    Some(_) => ReplyOutcome::Conflict,
                    // The sheet exists, unanswered, yet the check failed: it expired.
                    None => ReplyOutcome::NoSheet,
                });
            } else if refused.failed_from(1) {
                return Err(mail_id_taken());
            } else if !refused.conflicted() {
                return Err(refused.error);
            }
            backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    pub(crate) async fn diary(&self, match_id: &str) -> Result<Option<Diary>, StoreError> {
        let Some(the_match) = self.get_match(match_id).await? else {
            return Ok(None);
        };
        let pk = schema::match_pk(match_id);
        let gets: Vec<TransactGetItem> = (1..=the_match.sessions.min(MAX_SESSIONS))
            .map(|session| {
                let get = Get::builder()
                    .table_name(&*self.table)
                    .key(PK, s(&pk))
                    .key(SK, s(&schema::sheet_sk(session)))
                    .build()
                    .expect("table and key are set");
                TransactGetItem::builder().get(get).build()
            })
            .collect();
        let out = self
            .client
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .await
            .map_err(|e| self.error("TransactGetItems", e))?;
        let now = OffsetDateTime::now_utc();
        let mut sheets = Vec::new();
        for response in out.responses() {
            if let Some(item) = response.item().filter(|i| !i.is_empty()) {
                let sheet = self.sheet_from_item(item)?;
                if sheet.expires_at > now {
                    sheets.push(sheet);
                }
            }
        }
        sheets.sort_by_key(|s| s.session);
        Ok(Some(Diary { the_match, sheets }))
    }

    pub(crate) async fn list_followups(
        &self,
        min_priority: u32,
        limit: usize,
    ) -> Result<Vec<Sheet>, StoreError> {
        // Sort keys start with `100 - priority`: below `101 - min` is "at least min".
        let bound = format!("{:03}", 100 - min_priority.min(100) + 1);
        self.query_live(
            GSI_STATUS,
            FOLLOWUP_GSI_PK,
            Some(SortFrom::Below(bound)),
            limit,
            |i| self.sheet_from_item(i),
        )
        .await
    }
}
