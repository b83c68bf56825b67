//! The notifier function on AWS (`MIKKE_FUNCTION=notifier`, the same binary): DynamoDB stream
//! records (keys only; the event source mapping's filter passes new `MAIL#` items) and the
//! hourly EventBridge schedule. A plain `async fn(&Notifier, Value)` ([`handle`]), so the
//! tests feed it events without AWS.
//!
//! Stream batches are processed in order; the first record that could not be handled (the
//! store unreachable, the transport away) is reported as the batch's failure with its sequence
//! number (`ReportBatchItemFailures`): Lambda resumes from it, bisects and, past its retries,
//! hands the record to the dead-letter queue. The entry itself stays in the outbox, so the
//! hourly run — which sends everything due, the sweeper — sends it once SES is back.

use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::Notifier;

/// How long an hourly run may spend sending before it stops starting batches: the function's
/// timeout is 60 s (deploy/template.yaml), and a batch at 14 mails/s takes about 2.5 s.
const SCHEDULED_BUDGET: std::time::Duration = std::time::Duration::from_secs(40);
use crate::store::schema::MAIL_PREFIX;
use crate::store::MailStatus;

#[derive(Debug, Deserialize)]
struct StreamEvent {
    #[serde(rename = "Records")]
    records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
struct StreamRecord {
    #[serde(rename = "eventName", default)]
    event_name: Option<String>,
    #[serde(default)]
    dynamodb: Option<StreamData>,
}

#[derive(Debug, Deserialize)]
struct StreamData {
    #[serde(rename = "Keys", default)]
    keys: Option<std::collections::HashMap<String, Attr>>,
    #[serde(rename = "SequenceNumber", default)]
    sequence_number: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Attr {
    #[serde(rename = "S", default)]
    s: Option<String>,
}

impl StreamRecord {
    /// The outbox entry a new `MAIL#<id>` item announces.
    fn mail_id(&self) -> Option<&str> {
        if self.event_name.as_deref() != Some("INSERT") {
            return None;
        }
        let pk = self
            .dynamodb
            .as_ref()?
            .keys
            .as_ref()?
            .get("pk")?
            .s
            .as_deref()?;
        pk.strip_prefix(MAIL_PREFIX)?.strip_prefix('#')
    }

    fn sequence_number(&self) -> &str {
        self.dynamodb
            .as_ref()
            .and_then(|d| d.sequence_number.as_deref())
            .unwrap_or_default()
    }
}

/// Handles one invocation's event: a stream batch or a scheduled run.
pub async fn handle(n: &Notifier, event: Value, now: OffsetDateTime) -> Result<Value, String> {
    if event.get("Records").is_some() {
        let batch: StreamEvent =
            serde_json::from_value(event).map_err(|e| format!("stream event: {e}"))?;
        return Ok(stream(n, &batch, now).await);
    }
    // EventBridge (rule or Scheduler): anything else with a source or a detail-type.
    if event.get("source").is_some() || event.get("detail-type").is_some() {
        let scheduled = n.schedule(now).await.map_err(|e| e.to_string())?;
        let delivered = n
            .deliver_within(now, Some(SCHEDULED_BUDGET))
            .await
            .map_err(|e| e.to_string())?;
        return Ok(json!({
            "reply_reminders": scheduled.reply_reminders,
            "sheet_reminders": scheduled.sheet_reminders,
            "overdue": scheduled.overdue,
            "digests": scheduled.digests,
            "sent": delivered.sent,
            "waiting": delivered.retried,
        }));
    }
    Err("unknown event: neither stream records nor a schedule".into())
}

async fn stream(n: &Notifier, batch: &StreamEvent, now: OffsetDateTime) -> Value {
    for record in &batch.records {
        let Some(id) = record.mail_id() else {
            continue;
        };
        let handled = match n.deliver_id(id, now).await {
            // Waiting again (the transport away): let Lambda retry from here.
            Ok(Some(MailStatus::Pending)) => false,
            // Sent, or recorded as failed/rejected/suppressed; or not ours to send now
            // (another sender holds it, or it is already done).
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(mail = %id, error = %e, "outbox not reachable");
                false
            }
        };
        if !handled {
            return json!({ "batchItemFailures": [{ "itemIdentifier": record.sequence_number() }] });
        }
    }
    json!({ "batchItemFailures": [] })
}

/// Serves the notifier under the Lambda runtime.
pub async fn run(n: Notifier) -> Result<(), String> {
    use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let n = n.clone();
        async move { handle(&n, event.payload, OffsetDateTime::now_utc()).await }
    }))
    .await
    .map_err(|e| format!("Lambda runtime stopped: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_mail_items_are_taken_from_a_stream_record() {
        let record = |name: &str, pk: &str| -> StreamRecord {
            serde_json::from_value(json!({
                "eventName": name,
                "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": "MAIL"}}, "SequenceNumber": "7"}
            }))
            .unwrap()
        };
        assert_eq!(
            record("INSERT", "MAIL#a1.received").mail_id(),
            Some("a1.received")
        );
        assert_eq!(record("MODIFY", "MAIL#a1.received").mail_id(), None);
        assert_eq!(record("INSERT", "APP#a1").mail_id(), None);
        assert_eq!(record("INSERT", "MAILBOX#x").mail_id(), None);
        assert_eq!(record("INSERT", "MAIL#x").sequence_number(), "7");
    }
}
