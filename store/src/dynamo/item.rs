//! Conversions between records and DynamoDB items, and SDK errors without personal data.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::super::schema::{self, *};
use super::super::{NewRecord, RecordKind, StoreError, StoredRecord};

type Item = HashMap<String, AttributeValue>;

pub(super) fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

pub(super) fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// The record item with its table and GSI keys.
pub(super) fn record_item(rec: &NewRecord) -> Item {
    let order = schema::time_sort_key(rec.created_at, &rec.id);
    HashMap::from([
        (PK.to_string(), s(&schema::record_pk(rec.kind, &rec.id))),
        (SK.to_string(), s(SK_RECORD)),
        (
            GSI_STATUS_PK.to_string(),
            s(&schema::status_gsi_pk(rec.kind, &rec.status)),
        ),
        (GSI_STATUS_SK.to_string(), s(&order)),
        (GSI_KIND_PK.to_string(), s(rec.kind.key_prefix())),
        (GSI_KIND_SK.to_string(), s(&order)),
        (ATTR_KIND.to_string(), s(rec.kind.as_str())),
        (ATTR_ID.to_string(), s(&rec.id)),
        (ATTR_STATUS.to_string(), s(&rec.status)),
        (
            ATTR_CREATED_AT.to_string(),
            s(&schema::timestamp_text(rec.created_at)),
        ),
        (ATTR_BODY.to_string(), s(&rec.body.to_string())),
        (TTL_ATTR.to_string(), n(rec.expires_at.unix_timestamp())),
    ])
}

/// An item's partition key, for messages about it.
pub(super) fn key_of(item: &Item) -> String {
    item.get(PK)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| "(no pk)".into())
}

pub(super) fn record_from_item(table: &str, item: &Item) -> Result<StoredRecord, StoreError> {
    let key = key_of(item);
    let bad = |reason: String| StoreError::Malformed {
        table: table.to_string(),
        key: key.clone(),
        reason,
    };
    let kind_text = get_s(table, &key, item, ATTR_KIND)?;
    let kind = RecordKind::from_str_opt(kind_text)
        .ok_or_else(|| bad(format!("unknown {ATTR_KIND} `{kind_text}`")))?;
    let created = get_s(table, &key, item, ATTR_CREATED_AT)?;
    let created_at = schema::parse_timestamp(created)
        .ok_or_else(|| bad(format!("{ATTR_CREATED_AT} is not RFC 3339")))?;
    let expires = get_n(table, &key, item, TTL_ATTR)?;
    let expires_at = OffsetDateTime::from_unix_timestamp(expires)
        .map_err(|_| bad(format!("{TTL_ATTR} out of range")))?;
    let body = serde_json::from_str(get_s(table, &key, item, ATTR_BODY)?)
        // Only the position: the body is personal data.
        .map_err(|e| bad(format!("{ATTR_BODY} is not JSON (column {})", e.column())))?;
    Ok(StoredRecord {
        kind,
        id: get_s(table, &key, item, ATTR_ID)?.to_string(),
        created_at,
        status: get_s(table, &key, item, ATTR_STATUS)?.to_string(),
        expires_at,
        body,
    })
}

pub(super) fn get_s<'a>(
    table: &str,
    key: &str,
    item: &'a Item,
    attr: &str,
) -> Result<&'a str, StoreError> {
    match item.get(attr) {
        Some(AttributeValue::S(text)) => Ok(text),
        _ => Err(missing(table, key, attr, "a string")),
    }
}

pub(super) fn get_n(table: &str, key: &str, item: &Item, attr: &str) -> Result<i64, StoreError> {
    match item.get(attr) {
        Some(AttributeValue::N(number)) => number
            .parse()
            .map_err(|_| missing(table, key, attr, "an integer")),
        _ => Err(missing(table, key, attr, "a number")),
    }
}

fn missing(table: &str, key: &str, attr: &str, what: &str) -> StoreError {
    StoreError::Malformed {
        table: table.to_string(),
        key: key.to_string(),
        reason: format!("attribute `{attr}` is missing or not {what}"),
    }
}

/// The error chain's messages. Not `DisplayErrorContext`: it appends the `Debug` form, which
/// carries the raw HTTP response.
pub(super) fn sdk_error<E>(operation: &'static str, table: &str, err: SdkError<E>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    StoreError::Dynamo {
        operation,
        table: table.to_string(),
        message,
    }
}
