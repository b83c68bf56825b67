//! Erasure on DynamoDB: plain deletes, key by key (her items are few; each delete is
//! idempotent, so an interrupted erasure is finished by running it again). The match's items
//! are found by querying its partition (the match and every sheet), its follow-up marks by
//! their keys, its mentor's slot freed in the counter; outbox entries by the status index.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem};

use super::console::note_pk;
use super::item::s;
use super::DynamoStore;
use crate::erase::{Erased, Erasure};
use crate::schema::{self, *};
use crate::{MailStatus, StoreError};

impl DynamoStore {
    /// Deletes one item; whether it was there.
    async fn delete_key(&self, pk: &str, sk: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| self.error("DeleteItem", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Every sort key of one partition.
    async fn sort_keys(&self, pk: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&*self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(pk))
                .projection_expression("#pk, #sk")
                .expression_attribute_names("#sk", SK)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.error("Query", e))?;
            keys.extend(out.items().iter().filter_map(|i| match i.get(SK) {
                Some(AttributeValue::S(sk)) => Some(sk.clone()),
                _ => None,
            }));
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(keys),
            }
        }
    }

    pub(crate) async fn erase(&self, what: &Erasure) -> Result<Erased, StoreError> {
        let mut done = Erased::default();
        for (kind, id) in &what.records {
            done.records += usize::from(
                self.delete_key(&schema::record_pk(*kind, id), SK_RECORD)
                    .await?,
            );
            done.notes += usize::from(self.delete_key(&note_pk(*kind, id), NOTE_PREFIX).await?);
        }
        for id in &what.matches {
            if let Some(m) = self.get_match(id).await? {
                // Its slot in the mentor's counter, if it still held one (a no-op otherwise).
                let free = TransactWriteItem::builder()
                    .update(self.free_slot(&m))
                    .build();
                self.transact(&[free]).await?;
            }
            let pk = schema::match_pk(id);
            for sk in self.sort_keys(&pk).await? {
                let deleted = self.delete_key(&pk, &sk).await?;
                if sk == SK_RECORD {
                    done.matches += usize::from(deleted);
                } else {
                    done.sheets += usize::from(deleted);
                }
            }
            for h in self.list_handled().await? {
                if h.match_id == *id {
                    let pk = format!("{HANDLED_PREFIX}#{}#{:03}", h.match_id, h.session);
                    self.delete_key(&pk, HANDLED_PREFIX).await?;
                }
            }
        }
        for status in MailStatus::ALL {
            for mail in self.list_mail(status, usize::MAX).await? {
                if what.names(&mail.refs) {
                    done.mails +=
                        usize::from(self.delete_key(&schema::mail_pk(&mail.id), SK_MAIL).await?);
                }
            }
        }
        Ok(done)
    }
}
