//! Provision records on DynamoDB: `PROVISION#<match id>` / `PROVISION`, the record as JSON
//! in `body`, listed through the kind index (`gsi2pk = PROVISION`, by time).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::item::{get_s, key_of, n, s};
use super::DynamoStore;
use crate::schema::{self, *};
use crate::{Provision, StoreError};

pub const PROVISION_PREFIX: &str = "PROVISION";

fn provision_pk(match_id: &str) -> String {
    format!("{PROVISION_PREFIX}#{match_id}")
}

impl DynamoStore {
    /// The record's Put for the assign transaction (refused if one exists for the match).
    pub(super) fn provision_put(&self, p: &Provision) -> TransactWriteItem {
        let body = serde_json::to_string(p).expect("a provision serialises");
        let put = Put::builder()
            .table_name(&*self.table)
            .item(PK, s(&provision_pk(&p.match_id)))
            .item(SK, s(PROVISION_PREFIX))
            .item(ATTR_BODY, s(&body))
            .item(TTL_ATTR, n(p.expires_at.unix_timestamp()))
            .item(GSI_KIND_PK, s(PROVISION_PREFIX))
            .item(
                GSI_KIND_SK,
                s(&schema::time_sort_key(p.provided_at, &p.match_id)),
            )
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("table, item and condition are set");
        TransactWriteItem::builder().put(put).build()
    }

    pub(crate) async fn list_provisions(&self) -> Result<Vec<Provision>, StoreError> {
        self.query_live(GSI_KIND, PROVISION_PREFIX, None, usize::MAX, |item| {
            self.provision_from_item(item)
        })
        .await
    }

    fn provision_from_item(
        &self,
        item: &HashMap<String, AttributeValue>,
    ) -> Result<Provision, StoreError> {
        let key = key_of(item);
        let body = get_s(&self.table, &key, item, ATTR_BODY)?;
        serde_json::from_str(body).map_err(|e| self.malformed(&key, e.to_string()))
    }
}
