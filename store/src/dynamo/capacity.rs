//! A mentor's capacity on DynamoDB: the item `MENTOR#<slug>` / `CAPACITY` holds the map
//! `open` = {match id → that match's `expires_at`} of her active matches.
//!
//! Why a map and not a counter: a match that is never closed passes its `expires_at`, turns
//! invisible and is later deleted by TTL — a counter would keep counting it for ever and the
//! mentor would lose the slot. Each entry carries its match's expiry, so an expired one stops
//! counting at once (reads skip it) and is removed before the next assignment to her; the
//! assignment's condition is `size(open) < capacity` in the same transaction as the match, so
//! concurrent assignments still never exceed the capacity.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Update};
use time::OffsetDateTime;

use super::super::matches::{Match, MatchStatus};
use super::super::schema::{self, *};
use super::super::StoreError;
use super::item::{get_s, n, s};
use super::DynamoStore;

type Item = HashMap<String, AttributeValue>;

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The entries of a counter item's `open` map: (match id, expiry in epoch seconds).
fn entries(item: &Item) -> impl Iterator<Item = (&String, i64)> {
    item.get(ATTR_OPEN)
        .and_then(|v| v.as_m().ok())
        .into_iter()
        .flatten()
        .filter_map(|(id, exp)| Some((id, exp.as_n().ok()?.parse::<i64>().ok()?)))
}

impl DynamoStore {
    fn counter(&self, slug: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(&*self.table)
            .key(PK, s(&schema::mentor_pk(slug)))
            .key(SK, s(SK_CAPACITY))
    }

    /// Makes sure `slug`'s counter item and its map exist (a nested SET needs the map) and
    /// drops the entries of matches past their expiry, so `size(open)` counts live ones only.
    pub(super) async fn prepare_counter(&self, slug: &str) -> Result<(), StoreError> {
        let pk = schema::mentor_pk(slug);
        let item = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key(PK, s(&pk))
            .key(SK, s(SK_CAPACITY))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?
            .item()
            .cloned();
        let has_map = item
            .as_ref()
            .is_some_and(|i| i.get(ATTR_OPEN).is_some_and(|v| v.is_m()));
        let now = now();
        let expired: Vec<String> = item
            .as_ref()
            .map(|i| {
                entries(i)
                    .filter(|(_, exp)| *exp <= now)
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let update = if !has_map {
            self.client
                .update_item()
                .update_expression(
                    "SET #open = if_not_exists(#open, :empty), #gpk = :gpk, #gsk = :slug",
                )
                .expression_attribute_values(":empty", AttributeValue::M(HashMap::new()))
                .expression_attribute_names("#gpk", GSI_KIND_PK)
                .expression_attribute_names("#gsk", GSI_KIND_SK)
                .expression_attribute_values(":gpk", s(CAPACITY_GSI_PK))
                .expression_attribute_values(":slug", s(slug))
        } else if !expired.is_empty() {
            // Unconditional: an expired entry never comes back (match ids are not reused), and
            // removing one a concurrent close already removed is a no-op.
            let paths: Vec<String> = (0..expired.len()).map(|i| format!("#open.#m{i}")).collect();
            let mut update = self
                .client
                .update_item()
                .update_expression(format!("REMOVE {}", paths.join(", ")));
            for (i, id) in expired.iter().enumerate() {
                update = update.expression_attribute_names(format!("#m{i}"), id);
            }
            update
        } else {
            return Ok(());
        };
        update
            .table_name(&*self.table)
            .key(PK, s(&pk))
            .key(SK, s(SK_CAPACITY))
            .expression_attribute_names("#open", ATTR_OPEN)
            .send()
            .await
            .map_err(|e| self.error("UpdateItem", e))?;
        Ok(())
    }

    /// The transaction element that counts `m` against its mentor's `capacity` (after
    /// [`prepare_counter`](Self::prepare_counter)); its condition fails when she is full.
    pub(super) fn claim_slot(&self, m: &Match, capacity: u32) -> Update {
        self.counter(&m.mentor_slug)
            .update_expression("SET #open.#mid = :exp")
            .condition_expression("size(#open) < :cap")
            .expression_attribute_names("#open", ATTR_OPEN)
            .expression_attribute_names("#mid", &m.id)
            .expression_attribute_values(":exp", n(m.expires_at.unix_timestamp()))
            .expression_attribute_values(":cap", n(i64::from(capacity)))
            .build()
            .expect("table, key and expression are set")
    }

    /// The transaction element that moves `m`'s entry to a later expiry (extend). Conditioned
    /// on the entry being there: a live active match always has one (see `claim_slot`).
    pub(super) fn hold_slot(&self, m: &Match, expires_at: AttributeValue) -> Update {
        self.counter(&m.mentor_slug)
            .update_expression("SET #open.#mid = :exp")
            .condition_expression("attribute_exists(#open.#mid)")
            .expression_attribute_names("#open", ATTR_OPEN)
            .expression_attribute_names("#mid", &m.id)
            .expression_attribute_values(":exp", expires_at)
            .build()
            .expect("table, key and expression are set")
    }

    /// The transaction element that frees `m`'s slot (close).
    pub(super) fn free_slot(&self, m: &Match) -> Update {
        self.counter(&m.mentor_slug)
            .update_expression("REMOVE #open.#mid")
            .expression_attribute_names("#open", ATTR_OPEN)
            .expression_attribute_names("#mid", &m.id)
            .build()
            .expect("table, key and expression are set")
    }

    /// Every counter item (one Query of `gsi2`).
    async fn counters(&self) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&*self.table)
                .index_name(GSI_KIND)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", GSI_KIND_PK)
                .expression_attribute_values(":pk", s(CAPACITY_GSI_PK))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.error("Query", e))?;
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }

    /// (mentor slug, match id) of every active match not past its expiry.
    pub(super) async fn open_slots(&self) -> Result<Vec<(String, String)>, StoreError> {
        let now = now();
        let mut slots = Vec::new();
        for item in self.counters().await? {
            let slug = get_s(&self.table, "capacity counter", &item, GSI_KIND_SK)?;
            for (id, exp) in entries(&item) {
                if exp > now {
                    slots.push((slug.to_string(), id.clone()));
                }
            }
        }
        Ok(slots)
    }

    /// Active matches not past their expiry, oldest first (one GetItem each: staff only).
    pub(crate) async fn active_matches(&self) -> Result<Vec<Match>, StoreError> {
        let mut found = Vec::new();
        for (_, id) in self.open_slots().await? {
            if let Some(m) = self.get_match(&id).await? {
                if m.status == MatchStatus::Active {
                    found.push(m);
                }
            }
        }
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    pub(crate) async fn active_counts(&self) -> Result<HashMap<String, u32>, StoreError> {
        let mut counts = HashMap::new();
        for (slug, _) in self.open_slots().await? {
            *counts.entry(slug).or_insert(0) += 1;
        }
        Ok(counts)
    }
}
