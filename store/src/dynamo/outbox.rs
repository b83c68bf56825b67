//! The outbox on DynamoDB: `MAIL#<id>` / `MAIL` items (layout in `schema.rs`). A cause's
//! entries are Puts in the cause's own `TransactWriteItems` ([`DynamoStore::mail_puts`]); a
//! DynamoDB stream on the table (keys only, filtered to new `MAIL#` items) wakes the notifier.
//! Claims and finishes are conditional UpdateItems, so two senders never both own an entry.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use time::OffsetDateTime;

use super::super::outbox::{Mail, MailResult, MailStatus, NewMail};
use super::super::schema::{self, *};
use super::super::StoreError;
use super::item::{get_n, get_s, key_of, n, s};
use super::{DynamoStore, SortFrom};

type Item = HashMap<String, AttributeValue>;

fn mail_item(m: &NewMail) -> Item {
    let due = m.due_at.unix_timestamp();
    HashMap::from([
        (PK.into(), s(&schema::mail_pk(&m.id))),
        (SK.into(), s(SK_MAIL)),
        (ATTR_ID.into(), s(&m.id)),
        (ATTR_TEMPLATE.into(), s(&m.template)),
        (ATTR_RECIPIENT.into(), s(&m.recipient)),
        (ATTR_REFS.into(), s(&m.refs.to_string())),
        (ATTR_STATUS.into(), s(MailStatus::Pending.as_str())),
        (
            ATTR_CREATED_AT.into(),
            s(&schema::timestamp_text(m.created_at)),
        ),
        (ATTR_DUE_AT.into(), n(due)),
        (ATTR_ATTEMPTS.into(), n(0)),
        (ATTR_FAILURES.into(), n(0)),
        (TTL_ATTR.into(), n(m.expires_at.unix_timestamp())),
        (
            GSI_STATUS_PK.into(),
            s(&schema::mail_gsi_pk(MailStatus::Pending.as_str())),
        ),
        (GSI_STATUS_SK.into(), s(&schema::mail_sort_key(due, &m.id))),
    ])
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

impl DynamoStore {
    /// The Puts of a cause's mails, for its transaction: each conditional on a new id, so a
    /// (buggy) repeated id cancels the cause rather than resetting a sent mail.
    pub(super) fn mail_puts(&self, mails: &[NewMail]) -> Vec<TransactWriteItem> {
        mails
            .iter()
            .map(|m| {
                let put = Put::builder()
                    .table_name(&*self.table)
                    .set_item(Some(mail_item(m)))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PK)
                    .build()
                    .expect("table, item and condition are set");
                TransactWriteItem::builder().put(put).build()
            })
            .collect()
    }

    fn mail_from_item(&self, item: &Item) -> Result<Mail, StoreError> {
        let t = &*self.table;
        let key = key_of(item);
        let bad = |reason: String| self.malformed(&key, reason);
        let status = get_s(t, &key, item, ATTR_STATUS)?;
        let status =
            MailStatus::parse(status).ok_or_else(|| bad(format!("unknown status `{status}`")))?;
        let epoch = |attr: &str| -> Result<OffsetDateTime, StoreError> {
            OffsetDateTime::from_unix_timestamp(get_n(t, &key, item, attr)?)
                .map_err(|_| bad(format!("{attr} out of range")))
        };
        let count = |attr: &str| -> Result<u32, StoreError> {
            u32::try_from(get_n(t, &key, item, attr)?)
                .map_err(|_| bad(format!("{attr} out of range")))
        };
        let text = |attr: &str| item.get(attr).and_then(|v| v.as_s().ok()).cloned();
        let sent_at = match text(ATTR_SENT_AT) {
            Some(at) => Some(
                schema::parse_timestamp(&at)
                    .ok_or_else(|| bad(format!("{ATTR_SENT_AT} is not RFC 3339")))?,
            ),
            None => None,
        };
        Ok(Mail {
            id: get_s(t, &key, item, ATTR_ID)?.to_string(),
            template: get_s(t, &key, item, ATTR_TEMPLATE)?.to_string(),
            recipient: get_s(t, &key, item, ATTR_RECIPIENT)?.to_string(),
            refs: serde_json::from_str(get_s(t, &key, item, ATTR_REFS)?)
                .map_err(|_| bad(format!("{ATTR_REFS} is not JSON")))?,
            status,
            created_at: schema::parse_timestamp(get_s(t, &key, item, ATTR_CREATED_AT)?)
                .ok_or_else(|| bad(format!("{ATTR_CREATED_AT} is not RFC 3339")))?,
            due_at: epoch(ATTR_DUE_AT)?,
            attempts: count(ATTR_ATTEMPTS)?,
            failures: count(ATTR_FAILURES)?,
            last_error: text(ATTR_LAST_ERROR),
            sent_at,
            expires_at: epoch(TTL_ATTR)?,
        })
    }

    pub(crate) async fn enqueue_mail(&self, mails: &[NewMail]) -> Result<Vec<String>, StoreError> {
        let mut created = Vec::new();
        for m in mails {
            let sent = self
                .client
                .put_item()
                .table_name(&*self.table)
                .set_item(Some(mail_item(m)))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .send()
                .await;
            if self.conditional("PutItem", sent)?.is_some() {
                created.push(m.id.clone());
            }
        }
        Ok(created)
    }

    /// Due entries of `status` (its `gsi1` partition up to `now`), oldest due first.
    async fn due_mail(
        &self,
        status: MailStatus,
        now: i64,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        // Every key of a due entry sorts below `<now + 1>#`.
        let upto = SortFrom::Below(format!("{:012}#", now + 1));
        let pk = schema::mail_gsi_pk(status.as_str());
        self.query_live(GSI_STATUS, &pk, Some(upto), limit, |i| {
            self.mail_from_item(i)
        })
        .await
    }

    pub(crate) async fn claim_mail(
        &self,
        id: Option<&str>,
        now_at: OffsetDateTime,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        let now = now_at.unix_timestamp();
        let lease_end = now.saturating_add(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX));
        let mut candidates = match id {
            Some(id) => self.get_mail(id).await?.into_iter().collect(),
            None => {
                let mut due = self.due_mail(MailStatus::Pending, now, limit).await?;
                due.extend(self.due_mail(MailStatus::Sending, now, limit).await?);
                due
            }
        };
        candidates.retain(|m| {
            matches!(m.status, MailStatus::Pending | MailStatus::Sending)
                && m.due_at.unix_timestamp() <= now
        });
        candidates.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
        candidates.truncate(limit);
        let mut claimed = Vec::new();
        for m in candidates {
            let sent = self
                .client
                .update_item()
                .table_name(&*self.table)
                .key(PK, s(&schema::mail_pk(&m.id)))
                .key(SK, s(SK_MAIL))
                .update_expression(
                    "SET #st = :sending, #due = :lease, #gpk = :gpk, #gsk = :gsk ADD #att :one",
                )
                // As read: another sender that claimed it first changed status or due.
                .condition_expression("#st = :seen AND #due = :seen_due AND #exp > :now")
                .expression_attribute_names("#st", ATTR_STATUS)
                .expression_attribute_names("#due", ATTR_DUE_AT)
                .expression_attribute_names("#gpk", GSI_STATUS_PK)
                .expression_attribute_names("#gsk", GSI_STATUS_SK)
                .expression_attribute_names("#att", ATTR_ATTEMPTS)
                .expression_attribute_names("#exp", TTL_ATTR)
                .expression_attribute_values(":sending", s(MailStatus::Sending.as_str()))
                .expression_attribute_values(":lease", n(lease_end))
                .expression_attribute_values(
                    ":gpk",
                    s(&schema::mail_gsi_pk(MailStatus::Sending.as_str())),
                )
                .expression_attribute_values(":gsk", s(&schema::mail_sort_key(lease_end, &m.id)))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":seen", s(m.status.as_str()))
                .expression_attribute_values(":seen_due", n(m.due_at.unix_timestamp()))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            // Not written: another sender claimed it first.
            if let Some(out) = self.conditional("UpdateItem", sent)? {
                let item = out.attributes().cloned().unwrap_or_default();
                claimed.push(self.mail_from_item(&item)?);
            }
        }
        claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(claimed)
    }

    pub(crate) async fn finish_mails(
        &self,
        finished: &[(Mail, MailResult)],
    ) -> Result<Vec<bool>, StoreError> {
        let mut done = Vec::with_capacity(finished.len());
        for (claimed, result) in finished {
            done.push(self.finish_one(claimed, result).await?);
        }
        Ok(done)
    }

    async fn finish_one(&self, claimed: &Mail, result: &MailResult) -> Result<bool, StoreError> {
        let status = result.status();
        let (due, failure) = match result {
            MailResult::Retry { due_at, counts, .. } => {
                (due_at.unix_timestamp(), i64::from(*counts))
            }
            MailResult::Failed { .. } | MailResult::Rejected { .. } => {
                (claimed.due_at.unix_timestamp(), 1)
            }
            MailResult::Sent { .. } | MailResult::Suppressed { .. } => {
                (claimed.due_at.unix_timestamp(), 0)
            }
        };
        let mut set = vec![
            "#st = :st",
            "#due = :due",
            "#gpk = :gpk",
            "#gsk = :gsk",
            "#fail = #fail + :fail",
        ];
        let mut update = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::mail_pk(&claimed.id)))
            .key(SK, s(SK_MAIL))
            .condition_expression("#st = :sending AND #att = :att")
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#due", ATTR_DUE_AT)
            .expression_attribute_names("#gpk", GSI_STATUS_PK)
            .expression_attribute_names("#gsk", GSI_STATUS_SK)
            .expression_attribute_names("#fail", ATTR_FAILURES)
            .expression_attribute_names("#att", ATTR_ATTEMPTS)
            .expression_attribute_values(":st", s(status.as_str()))
            .expression_attribute_values(":due", n(due))
            .expression_attribute_values(":gpk", s(&schema::mail_gsi_pk(status.as_str())))
            .expression_attribute_values(":gsk", s(&schema::mail_sort_key(due, &claimed.id)))
            .expression_attribute_values(":fail", n(failure))
            .expression_attribute_values(":sending", s(MailStatus::Sending.as_str()))
            .expression_attribute_values(":att", n(i64::from(claimed.attempts)));
        if let Some(error) = result.error() {
            set.push("#err = :err");
            update = update
                .expression_attribute_names("#err", ATTR_LAST_ERROR)
                .expression_attribute_values(":err", s(error));
        }
        if let MailResult::Sent { at } = result {
            set.push("#sent = :sent");
            update = update
                .expression_attribute_names("#sent", ATTR_SENT_AT)
                .expression_attribute_values(":sent", s(&schema::timestamp_text(*at)));
        }
        let sent = update
            .update_expression(format!("SET {}", set.join(", ")))
            .send()
            .await;
        Ok(self.conditional("UpdateItem", sent)?.is_some())
    }

    pub(crate) async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let mut earliest: Option<OffsetDateTime> = None;
        for status in [MailStatus::Pending, MailStatus::Sending] {
            let pk = schema::mail_gsi_pk(status.as_str());
            let first = self
                .query_live(GSI_STATUS, &pk, None, 1, |i| self.mail_from_item(i))
                .await?;
            if let Some(due) = first.first().map(|m| m.due_at) {
                earliest = Some(earliest.map_or(due, |e| e.min(due)));
            }
        }
        Ok(earliest)
    }

    pub(crate) async fn get_mail(&self, id: &str) -> Result<Option<Mail>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::mail_pk(id)))
            .key(SK, s(SK_MAIL))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        match out.item() {
            Some(item) => {
                let m = self.mail_from_item(item)?;
                Ok((m.expires_at.unix_timestamp() > now()).then_some(m))
            }
            None => Ok(None),
        }
    }

    pub(crate) async fn list_mail(
        &self,
        status: MailStatus,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        let pk = schema::mail_gsi_pk(status.as_str());
        self.query_live(GSI_STATUS, &pk, None, limit, |i| self.mail_from_item(i))
            .await
    }

    pub(crate) async fn resend_mail(
        &self,
        id: &str,
        now_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let now = now_at.unix_timestamp();
        let pending = MailStatus::Pending.as_str();
        let sent = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::mail_pk(id)))
            .key(SK, s(SK_MAIL))
            .update_expression(
                "SET #st = :pending, #due = :now, #fail = :zero, #gpk = :gpk, #gsk = :gsk",
            )
            .condition_expression("#st IN (:failed, :rejected, :suppressed) AND #exp > :now")
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#due", ATTR_DUE_AT)
            .expression_attribute_names("#fail", ATTR_FAILURES)
            .expression_attribute_names("#gpk", GSI_STATUS_PK)
            .expression_attribute_names("#gsk", GSI_STATUS_SK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":pending", s(pending))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":gpk", s(&schema::mail_gsi_pk(pending)))
            .expression_attribute_values(":gsk", s(&schema::mail_sort_key(now, id)))
            .expression_attribute_values(":failed", s(MailStatus::Failed.as_str()))
            .expression_attribute_values(":rejected", s(MailStatus::Rejected.as_str()))
            .expression_attribute_values(":suppressed", s(MailStatus::Suppressed.as_str()))
            .send()
            .await;
        Ok(self.conditional("UpdateItem", sent)?.is_some())
    }

    pub(crate) async fn mark_once(
        &self,
        key: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let sent = self
            .client
            .put_item()
            .table_name(&*self.table)
            .item(PK, s(&schema::mark_pk(key)))
            .item(SK, s(SK_MARK))
            .item(TTL_ATTR, n(until.unix_timestamp()))
            .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .send()
            .await;
        Ok(self.conditional("PutItem", sent)?.is_some())
    }
}
