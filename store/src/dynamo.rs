//! The DynamoDB store: the single-table layout documented in `store/mod.rs`, names from
//! [`schema`](super::schema).

mod cancel;
mod capacity;
mod console;
mod erase;
mod item;
mod matches;
mod outbox;
mod provision;
mod table;
mod transact;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::schema::{self, *};
use super::{NewRecord, PutOutcome, RecordKind, StoreError, StoredRecord};
use cancel::{cancelled, Cancelled};
use item::{n, s};

/// Concurrent transactions on one marker are cancelled with `TransactionConflict` by
/// DynamoDB; retried this many times before giving up.
const CONFLICT_RETRIES: u32 = 8;

/// The range part of a GSI query's key condition.
pub(super) enum SortFrom {
    /// `sort key >= value`.
    AtLeast(String),
    /// `sort key < value`.
    Below(String),
}

/// The store over one DynamoDB table. Cheap to clone (the SDK client is shared).
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
}

impl DynamoStore {
    /// A store over `table`, which must exist with the documented schema (see
    /// [`DynamoStore::create_table_if_missing`] for local runs and tests).
    pub fn new(client: Client, table: String) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn error<E>(&self, operation: &'static str, err: SdkError<E>) -> StoreError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        item::sdk_error(operation, &self.table, err)
    }

    /// What a conditional write did: `Ok(Some(out))` written, `Ok(None)` its condition did
    /// not hold (nothing changed), `Err` anything else.
    fn conditional<T, E>(
        &self,
        operation: &'static str,
        sent: Result<T, SdkError<E>>,
    ) -> Result<Option<T>, StoreError>
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        match sent {
            Ok(out) => Ok(Some(out)),
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ConditionalCheckFailedException") =>
            {
                Ok(None)
            }
            Err(e) => Err(self.error(operation, e)),
        }
    }

    pub(super) async fn put_once(
        &self,
        rec: NewRecord,
        window: Duration,
    ) -> Result<PutOutcome, StoreError> {
        schema::validate_record(&rec)?;
        let window = schema::window_secs(window, "idempotency window")?;
        let now = rec.created_at.unix_timestamp();
        let idem_pk = schema::idem_pk(rec.kind, &rec.idempotency_key);
        let record = Put::builder()
            .table_name(&*self.table)
            .set_item(Some(item::record_item(&rec)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("table, item and condition are set");
        let marker = Put::builder()
            .table_name(&*self.table)
            .item(PK, s(&idem_pk))
            .item(SK, s(SK_IDEM))
            .item(ATTR_RECORD_ID, s(&rec.id))
            .item(TTL_ATTR, n(now + window))
            .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":now", n(now))
            // A failed check returns the live marker itself, sparing a read.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("table, item and condition are set");
        let mut items = vec![
            TransactWriteItem::builder().put(record).build(),
            TransactWriteItem::builder().put(marker).build(),
        ];
        items.extend(self.mail_puts(&rec.mail));
        for attempt in 0..=CONFLICT_RETRIES {
            let Some(refused) = self.transact(&items).await? else {
                return Ok(PutOutcome::Created { id: rec.id });
            };
            if refused.failed_from(2) && !refused.failed(0) && !refused.failed(1) {
                return Err(super::outbox::mail_id_taken());
            }
            match cancelled(&refused.reasons) {
                Cancelled::Replay(Some(id)) => return Ok(PutOutcome::Replayed { id }),
                Cancelled::Replay(None) => {
                    if let Some(id) = self.live_marker(&idem_pk, now).await? {
                        return Ok(PutOutcome::Replayed { id });
                    }
                    // The marker expired between the check and the read: go round again.
                }
                Cancelled::IdTaken => {
                    return Err(StoreError::IdTaken {
                        kind: rec.kind,
                        id: rec.id,
                    })
                }
                Cancelled::Retry => {}
                Cancelled::Fail => return Err(refused.error),
            }
            transact::backoff(attempt).await;
        }
        Err(self.still_conflicting())
    }

    /// The record id of a live idempotency marker.
    async fn live_marker(&self, idem_pk: &str, now: i64) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key(PK, s(idem_pk))
            .key(SK, s(SK_IDEM))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        let Some(found) = out.item() else {
            return Ok(None);
        };
        let key = "idempotency marker";
        if item::get_n(&self.table, key, found, TTL_ATTR)? <= now {
            return Ok(None);
        }
        Ok(Some(
            item::get_s(&self.table, key, found, ATTR_RECORD_ID)?.to_string(),
        ))
    }

    pub(super) async fn get(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::record_pk(kind, id)))
            .key(SK, s(SK_RECORD))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        let now = OffsetDateTime::now_utc();
        match out.item() {
            Some(found) => Ok(
                Some(item::record_from_item(&self.table, found)?).filter(|r| r.expires_at > now)
            ),
            None => Ok(None),
        }
    }

    pub(super) async fn list_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let pk = schema::status_gsi_pk(kind, status);
        self.query_live(GSI_STATUS, &pk, None, limit, |i| {
            item::record_from_item(&self.table, i)
        })
        .await
    }

    pub(super) async fn list_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let from = SortFrom::AtLeast(schema::timestamp_text(since));
        self.query_live(GSI_KIND, kind.key_prefix(), Some(from), limit, |i| {
            item::record_from_item(&self.table, i)
        })
        .await
    }

    pub(super) async fn list_brief_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut found = self.list_by_status(kind, status, limit).await?;
        for r in &mut found {
            r.body = super::brief::project(&r.body, fields);
        }
        Ok(found)
    }

    pub(super) async fn count_by_status(
        &self,
        kind: RecordKind,
        status: &str,
    ) -> Result<usize, StoreError> {
        // The same partition the queue reads; few hundred a day, so reading is counting.
        let pk = schema::status_gsi_pk(kind, status);
        let found = self
            .query_live(GSI_STATUS, &pk, None, usize::MAX, |_| Ok(()))
            .await?;
        Ok(found.len())
    }

    pub(super) async fn list_brief_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut found = self.list_by_kind(kind, since, limit).await?;
        for r in &mut found {
            r.body = super::brief::project(&r.body, fields);
        }
        Ok(found)
    }

    /// Up to `limit` items of one partition of GSI `index` (`gsi1` or `gsi2`), in sort-key
    /// order, optionally bounded by `sort`, skipping expired ones — the filter runs after
    /// DynamoDB's `Limit`, hence the paging loop — each decoded by `decode`.
    pub(super) async fn query_live<T>(
        &self,
        index: &str,
        pk: &str,
        sort: Option<SortFrom>,
        limit: usize,
        decode: impl Fn(&HashMap<String, AttributeValue>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let (pk_attr, sk_attr) = if index == GSI_STATUS {
            (GSI_STATUS_PK, GSI_STATUS_SK)
        } else {
            (GSI_KIND_PK, GSI_KIND_SK)
        };
        let mut found = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        while found.len() < limit {
            let mut condition = "#pk = :pk".to_string();
            let mut query = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(index)
                .expression_attribute_names("#pk", pk_attr)
                .expression_attribute_values(":pk", s(pk))
                .filter_expression("#exp > :now")
                .expression_attribute_names("#exp", TTL_ATTR)
                .expression_attribute_values(":now", n(now))
                .scan_index_forward(true)
                .limit(
                    i32::try_from(limit - found.len())
                        .unwrap_or(i32::MAX)
                        .min(1000),
                )
                .set_exclusive_start_key(start.take());
            if let Some(sort) = &sort {
                let (op, value) = match sort {
                    SortFrom::AtLeast(v) => (">=", v),
                    SortFrom::Below(v) => ("<", v),
                };
                condition.push_str(&format!(" AND #sk {op} :sort"));
                query = query
                    .expression_attribute_names("#sk", sk_attr)
                    .expression_attribute_values(":sort", s(value));
            }
            let out = query
                .key_condition_expression(condition)
                .send()
                .await
                .map_err(|e| self.error("Query", e))?;
            for it in out.items() {
                found.push(decode(it)?);
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    pub(super) async fn set_status(
        &self,
        kind: RecordKind,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        schema::check_text("status", to, schema::MAX_STATUS_BYTES, false)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let sent = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::record_pk(kind, id)))
            .key(SK, s(SK_RECORD))
            .update_expression("SET #st = :to, #gpk = :gpk")
            .condition_expression("attribute_exists(#pk) AND #st = :from AND #exp > :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#st", ATTR_STATUS)
            .expression_attribute_names("#gpk", GSI_STATUS_PK)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":to", s(to))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":gpk", s(&schema::status_gsi_pk(kind, to)))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        Ok(self.conditional("UpdateItem", sent)?.is_some())
    }

    pub(super) async fn hit_rate_limit(
        &self,
        client_key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        schema::check_text("client key", client_key, schema::MAX_KEY_BYTES, true)?;
        let window = schema::window_secs(window, "rate-limit window")?;
        let start = schema::window_start(now, window);
        let out = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key(PK, s(&schema::rate_pk(client_key, start)))
            .key(SK, s(SK_RATE))
            .update_expression("ADD #hits :one SET #exp = :exp")
            .expression_attribute_names("#hits", ATTR_HITS)
            .expression_attribute_names("#exp", TTL_ATTR)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(start + window))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| self.error("UpdateItem", e))?;
        let attrs = out.attributes().cloned().unwrap_or_default();
        let hits = item::get_n(&self.table, "rate counter", &attrs, ATTR_HITS)?;
        Ok(u32::try_from(hits).unwrap_or(u32::MAX))
    }
}
