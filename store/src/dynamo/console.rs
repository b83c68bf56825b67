//! Sign-ins, staff sessions and the audit log on DynamoDB (layout in `schema.rs`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use time::OffsetDateTime;

use super::super::console::{AuditEntry, Handled, Note, NoteOutcome, SignIn, StaffSession};
use super::super::outbox::{mail_id_taken, NewMail};
use super::super::schema::{self, *};
use super::super::RecordKind;
use super::super::StoreError;
use super::item::{get_n, get_s, key_of, n, s};
use super::{DynamoStore, SortFrom};

type Item = HashMap<String, AttributeValue>;

fn key(prefix: &str, id: &str) -> String {
    format!("{prefix}#{id}")
}

pub(super) fn note_pk(kind: RecordKind, id: &str) -> String {
    format!("{NOTE_PREFIX}#{}#{id}", kind.key_prefix())
}

impl DynamoStore {
    pub(crate) async fn mark_handled(&self, h: &Handled) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let at = schema::timestamp_text(h.handled_at);
        let sent = self
            .client
            .put_item()
            .table_name(&*self.table)
            .item(
                PK,
                s(&format!("{HANDLED_PREFIX}#{}#{:03}", h.match_id, h.session)),
            )
            .item(SK, s(HANDLED_PREFIX))
            .item(ATTR_ID, s(&h.match_id))
            .item(ATTR_SESSION, n(i64::from(h.session)))
            .item(ATTR_HANDLED_BY, s(&h.handled_by))
            .item(ATTR_AT, s(&at))
            .item(TTL_ATTR, n(h.expires_at.unix_timestamp()))
            .item(GSI_KIND_PK, s(HANDLED_PREFIX))
            .item(
                GSI_KIND_SK,
                s(&format!("{at}#{}#{:03}", h.match_id, h.session)),
            )
            .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        Ok(self.conditional("PutItem", sent)?.is_some())
    }

    pub(crate) async fn list_handled(&self) -> Result<Vec<Handled>, StoreError> {
        self.query_live(GSI_KIND, HANDLED_PREFIX, None, usize::MAX, |item| {
            let k = key_of(item);
            Ok(Handled {
                match_id: get_s(&self.table, &k, item, ATTR_ID)?.to_string(),
                session: u32::try_from(get_n(&self.table, &k, item, ATTR_SESSION)?)
                    .map_err(|_| self.malformed(&k, format!("{ATTR_SESSION} out of range")))?,
                handled_by: get_s(&self.table, &k, item, ATTR_HANDLED_BY)?.to_string(),
                handled_at: self.time_of(&k, item, ATTR_AT)?,
                expires_at: self.epoch_of(&k, item)?,
            })
        })
        .await
    }

    pub(crate) async fn put_note(
        &self,
        note: &Note,
        seen: Option<OffsetDateTime>,
    ) -> Result<NoteOutcome, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut put = self
            .client
            .put_item()
            .table_name(&*self.table)
            .item(PK, s(&note_pk(note.kind, &note.id)))
            .item(SK, s(NOTE_PREFIX))
            .item(ATTR_TEXT, s(&note.text))
            .item(ATTR_UPDATED_BY, s(&note.updated_by))
            .item(ATTR_UPDATED_AT, s(&schema::timestamp_text(note.updated_at)))
            .item(TTL_ATTR, n(note.expires_at.unix_timestamp()))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":now", n(now));
        put = match seen {
            // None seen: there must be none (or only an expired one).
            None => put.condition_expression("attribute_not_exists(#pk) OR #exp <= :now"),
            Some(at) => put
                .condition_expression("attribute_exists(#pk) AND #up = :seen AND #exp > :now")
                .expression_attribute_names("#up", ATTR_UPDATED_AT)
                .expression_attribute_values(":seen", s(&schema::timestamp_text(at))),
        };
        Ok(match self.conditional("PutItem", put.send().await)? {
            Some(_) => NoteOutcome::Saved,
            None => NoteOutcome::Stale,
        })
    }

    pub(crate) async fn get_note(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<Note>, StoreError> {
        let Some(item) = self.live_item(&note_pk(kind, id), NOTE_PREFIX).await? else {
            return Ok(None);
        };
        let k = key_of(&item);
        Ok(Some(Note {
            kind,
            id: id.to_string(),
            text: get_s(&self.table, &k, &item, ATTR_TEXT)?.to_string(),
            updated_by: get_s(&self.table, &k, &item, ATTR_UPDATED_BY)?.to_string(),
            updated_at: self.time_of(&k, &item, ATTR_UPDATED_AT)?,
            expires_at: self.epoch_of(&k, &item)?,
        }))
    }

    fn time_of(&self, k: &str, item: &Item, attr: &str) -> Result<OffsetDateTime, StoreError> {
        schema::parse_timestamp(get_s(&self.table, k, item, attr)?)
            .ok_or_else(|| self.malformed(k, format!("{attr} is not RFC 3339")))
    }

    fn epoch_of(&self, k: &str, item: &Item) -> Result<OffsetDateTime, StoreError> {
        OffsetDateTime::from_unix_timestamp(get_n(&self.table, k, item, TTL_ATTR)?)
            .map_err(|_| self.malformed(k, format!("{TTL_ATTR} out of range")))
    }

    fn signin_from_item(&self, item: &Item) -> Result<SignIn, StoreError> {
        let k = key_of(item);
        let used_at = match item.get(ATTR_USED_AT) {
            Some(_) => Some(self.time_of(&k, item, ATTR_USED_AT)?),
            None => None,
        };
        Ok(SignIn {
            id: get_s(&self.table, &k, item, ATTR_ID)?.to_string(),
            address: get_s(&self.table, &k, item, ATTR_ADDRESS)?.to_string(),
            created_at: self.time_of(&k, item, ATTR_CREATED_AT)?,
            expires_at: self.epoch_of(&k, item)?,
            used_at,
        })
    }

    fn session_from_item(&self, item: &Item) -> Result<StaffSession, StoreError> {
        let k = key_of(item);
        Ok(StaffSession {
            id_hash: get_s(&self.table, &k, item, ATTR_ID)?.to_string(),
            address: get_s(&self.table, &k, item, ATTR_ADDRESS)?.to_string(),
            csrf: get_s(&self.table, &k, item, ATTR_CSRF)?.to_string(),
            created_at: self.time_of(&k, item, ATTR_CREATED_AT)?,
            expires_at: self.epoch_of(&k, item)?,
        })
    }

    fn audit_from_item(&self, item: &Item) -> Result<AuditEntry, StoreError> {
        let k = key_of(item);
        let ids = serde_json::from_str(get_s(&self.table, &k, item, ATTR_IDS)?)
            .map_err(|_| self.malformed(&k, format!("{ATTR_IDS} is not a JSON list")))?;
        Ok(AuditEntry {
            id: get_s(&self.table, &k, item, ATTR_ID)?.to_string(),
            at: self.time_of(&k, item, ATTR_AT)?,
            actor: get_s(&self.table, &k, item, ATTR_ACTOR)?.to_string(),
            action: get_s(&self.table, &k, item, ATTR_ACTION)?.to_string(),
            ids,
            expires_at: self.epoch_of(&k, item)?,
        })
    }

    pub(crate) async fn put_signin(&self, si: &SignIn, mail: &[NewMail]) -> Result<(), StoreError> {
        let item = HashMap::from([
            (PK.into(), s(&key(SIGNIN_PREFIX, &si.id))),
            (SK.into(), s(SIGNIN_PREFIX)),
            (ATTR_ID.into(), s(&si.id)),
            (ATTR_ADDRESS.into(), s(&si.address)),
            (
                ATTR_CREATED_AT.into(),
                s(&schema::timestamp_text(si.created_at)),
            ),
            (TTL_ATTR.into(), n(si.expires_at.unix_timestamp())),
        ]);
        let put = Put::builder()
            .table_name(&*self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("table, item and condition are set");
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        items.extend(self.mail_puts(mail));
        match self.transact(&items).await? {
            None => Ok(()),
            Some(refused) if refused.failed_from(1) => Err(mail_id_taken()),
            Some(refused) => Err(refused.error),
        }
    }

    pub(crate) async fn get_signin(&self, id: &str) -> Result<Option<SignIn>, StoreError> {
        match self
            .live_item(&key(SIGNIN_PREFIX, id), SIGNIN_PREFIX)
            .await?
        {
            Some(item) => Ok(Some(self.signin_from_item(&item)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn consume_signin(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SignIn>, StoreError> {
        let at = now
            .unix_timestamp()
            .max(OffsetDateTime::now_utc().unix_timestamp());
        let sent = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&key(SIGNIN_PREFIX, id)))
            .key(SK, s(SIGNIN_PREFIX))
            .update_expression("SET #used = :at")
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#used) AND #exp > :now",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#used", ATTR_USED_AT)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":at", s(&schema::timestamp_text(now)))
            .expression_attribute_values(":now", n(at))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match self.conditional("UpdateItem", sent)? {
            Some(out) => match out.attributes {
                Some(item) => Ok(Some(self.signin_from_item(&item)?)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    pub(crate) async fn put_session(&self, se: &StaffSession) -> Result<(), StoreError> {
        let created = schema::timestamp_text(se.created_at);
        self.client
            .put_item()
            .table_name(&*self.table)
            .item(PK, s(&key(SESSION_PREFIX, &se.id_hash)))
            .item(SK, s(SESSION_PREFIX))
            .item(ATTR_ID, s(&se.id_hash))
            .item(ATTR_ADDRESS, s(&se.address))
            .item(ATTR_CSRF, s(&se.csrf))
            .item(ATTR_CREATED_AT, s(&created))
            .item(TTL_ATTR, n(se.expires_at.unix_timestamp()))
            .item(GSI_KIND_PK, s(SESSION_PREFIX))
            .item(GSI_KIND_SK, s(&format!("{created}#{}", se.id_hash)))
            .send()
            .await
            .map_err(|e| self.error("PutItem", e))?;
        Ok(())
    }

    pub(crate) async fn get_session(
        &self,
        id_hash: &str,
    ) -> Result<Option<StaffSession>, StoreError> {
        match self
            .live_item(&key(SESSION_PREFIX, id_hash), SESSION_PREFIX)
            .await?
        {
            Some(item) => Ok(Some(self.session_from_item(&item)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn end_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let sent = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&key(SESSION_PREFIX, id_hash)))
            .key(SK, s(SESSION_PREFIX))
            .update_expression("SET #exp = :zero")
            .condition_expression("attribute_exists(#pk) AND #exp > :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        Ok(self.conditional("UpdateItem", sent)?.is_some())
    }

    pub(crate) async fn end_all_sessions(&self) -> Result<usize, StoreError> {
        let mut ended = 0;
        for se in self.list_sessions().await? {
            ended += usize::from(self.end_session(&se.id_hash).await?);
        }
        Ok(ended)
    }

    pub(crate) async fn list_sessions(&self) -> Result<Vec<StaffSession>, StoreError> {
        self.query_live(GSI_KIND, SESSION_PREFIX, None, usize::MAX, |i| {
            self.session_from_item(i)
        })
        .await
    }

    pub(crate) async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let sent = self
            .client
            .put_item()
            .table_name(&*self.table)
            .item(PK, s(&key(AUDIT_PREFIX, &e.id)))
            .item(SK, s(AUDIT_PREFIX))
            .item(ATTR_ID, s(&e.id))
            .item(ATTR_AT, s(&schema::timestamp_text(e.at)))
            .item(ATTR_ACTOR, s(&e.actor))
            .item(ATTR_ACTION, s(&e.action))
            .item(
                ATTR_IDS,
                s(&serde_json::Value::from(e.ids.clone()).to_string()),
            )
            .item(TTL_ATTR, n(e.expires_at.unix_timestamp()))
            .item(GSI_KIND_PK, s(AUDIT_PREFIX))
            .item(GSI_KIND_SK, s(&e.id))
            // Append-only: an entry is never overwritten.
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match self.conditional("PutItem", sent)? {
            Some(_) => Ok(()),
            None => Err(StoreError::Invalid {
                what: "audit id",
                reason: "already taken".into(),
            }),
        }
    }

    pub(crate) async fn list_audit(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let from = SortFrom::AtLeast(schema::timestamp_text(since));
        self.query_live(GSI_KIND, AUDIT_PREFIX, Some(from), limit, |i| {
            self.audit_from_item(i)
        })
        .await
    }
}
