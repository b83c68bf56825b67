//! What only the DynamoDB store has: the table it creates must be the documented one, since
//! the CloudFormation template is checked against the same constants.

use mikke_store::schema::*;
use mikke_store::DynamoStore;

use crate::support::moto::MotoServer;

#[tokio::test]
async fn create_table_if_missing_builds_the_documented_schema_and_is_idempotent() {
    let moto = MotoServer::shared();
    let client = moto.dynamodb_client();
    let store = DynamoStore::new(client.clone(), "mikke-schema".into());
    store.create_table_if_missing().await.unwrap();
    store
        .create_table_if_missing()
        .await
        .expect("second call is a no-op");

    let table = client
        .describe_table()
        .table_name("mikke-schema")
        .send()
        .await
        .unwrap();
    let table = table.table().unwrap();
    let mut attrs: Vec<(String, String)> = table
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_string(),
                a.attribute_type().as_str().to_string(),
            )
        })
        .collect();
    attrs.sort();
    let mut expected: Vec<(String, String)> = KEY_ATTRIBUTES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    expected.sort();
    assert_eq!(attrs, expected);

    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| {
        schema
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_string(),
                    k.key_type().as_str().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let hash_range = |h: &str, r: &str| {
        vec![
            (h.to_string(), "HASH".to_string()),
            (r.to_string(), "RANGE".to_string()),
        ]
    };
    assert_eq!(keys(table.key_schema()), hash_range(PK, SK));
    let mut gsis: Vec<_> = table
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let projection = g
                .projection()
                .and_then(|p| p.projection_type())
                .map(|p| p.as_str().to_string());
            (
                g.index_name().unwrap().to_string(),
                keys(g.key_schema()),
                projection,
            )
        })
        .collect();
    gsis.sort();
    let all = Some("ALL".to_string());
    assert_eq!(
        gsis,
        vec![
            (
                GSI_STATUS.to_string(),
                hash_range(GSI_STATUS_PK, GSI_STATUS_SK),
                all.clone()
            ),
            (
                GSI_KIND.to_string(),
                hash_range(GSI_KIND_PK, GSI_KIND_SK),
                all
            ),
        ]
    );
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );

    let stream = table
        .stream_specification()
        .expect("a stream wakes the notifier");
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().map(|v| v.as_str()),
        Some(STREAM_VIEW_TYPE)
    );

    let ttl = client
        .describe_time_to_live()
        .table_name("mikke-schema")
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(TTL_ATTR));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
}
