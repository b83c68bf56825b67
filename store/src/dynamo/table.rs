//! Creating the table exactly as documented, for local runs against moto and for tests.
//! Production tables come from the CloudFormation template, which is checked against the
//! same constants.

use std::time::Duration;

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use super::super::schema::*;
use super::super::StoreError;
use super::DynamoStore;

impl DynamoStore {
    /// Creates the table (keys, both GSIs, on-demand billing, the keys-only stream that wakes
    /// the notifier) if it does not exist, waits until it is active, and makes sure TTL is
    /// enabled on `expires_at`.
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        let table = &*self.table;
        let exists = match self.client.describe_table().table_name(table).send().await {
            Ok(_) => true,
            Err(e) => match e.as_service_error() {
                Some(DescribeTableError::ResourceNotFoundException(_)) => false,
                _ => return Err(self.error("DescribeTable", e)),
            },
        };
        if !exists {
            let created = self
                .client
                .create_table()
                .table_name(table)
                .set_attribute_definitions(Some(
                    KEY_ATTRIBUTES
                        .iter()
                        .map(|(name, _)| {
                            AttributeDefinition::builder()
                                .attribute_name(*name)
                                .attribute_type(ScalarAttributeType::S)
                                .build()
                                .expect("name and type are set")
                        })
                        .collect(),
                ))
                .set_key_schema(Some(key_schema(PK, SK)))
                .global_secondary_indexes(index(GSI_STATUS, GSI_STATUS_PK, GSI_STATUS_SK))
                .global_secondary_indexes(index(GSI_KIND, GSI_KIND_PK, GSI_KIND_SK))
                .billing_mode(BillingMode::PayPerRequest)
                .stream_specification(
                    StreamSpecification::builder()
                        .stream_enabled(true)
                        .stream_view_type(StreamViewType::from(STREAM_VIEW_TYPE))
                        .build()
                        .expect("stream_enabled is set"),
                )
                .send()
                .await;
            if let Err(e) = created {
                // Another process created it first: fine.
                if !matches!(
                    e.as_service_error(),
                    Some(CreateTableError::ResourceInUseException(_))
                ) {
                    return Err(self.error("CreateTable", e));
                }
            }
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        for _ in 0..600 {
            let out = self
                .client
                .describe_table()
                .table_name(&*self.table)
                .send()
                .await
                .map_err(|e| self.error("DescribeTable", e))?;
            let status = out.table().and_then(|t| t.table_status());
            if status == Some(&TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Dynamo {
            operation: "DescribeTable",
            table: self.table.to_string(),
            message: "table did not become ACTIVE within a minute".into(),
        })
    }

    async fn enable_ttl(&self) -> Result<(), StoreError> {
        let out = self
            .client
            .describe_time_to_live()
            .table_name(&*self.table)
            .send()
            .await
            .map_err(|e| self.error("DescribeTimeToLive", e))?;
        let ttl = out.time_to_live_description();
        let enabled = ttl.and_then(|d| d.time_to_live_status()) == Some(&TimeToLiveStatus::Enabled)
            && ttl.and_then(|d| d.attribute_name()) == Some(TTL_ATTR);
        if enabled {
            return Ok(());
        }
        self.client
            .update_time_to_live()
            .table_name(&*self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTR)
                    .build()
                    .expect("enabled and attribute name are set"),
            )
            .send()
            .await
            .map_err(|e| self.error("UpdateTimeToLive", e))?;
        Ok(())
    }
}

fn key_schema(hash: &str, range: &str) -> Vec<KeySchemaElement> {
    [(hash, KeyType::Hash), (range, KeyType::Range)]
        .into_iter()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("name and key type are set")
        })
        .collect()
}

fn index(name: &str, hash: &str, range: &str) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .set_key_schema(Some(key_schema(hash, range)))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("name, key schema and projection are set")
}
