//! One DynamoDB write transaction, sent and read back the same way by every writer
//! (`put_once`, assign, close, sheets): whether it went through, and if DynamoDB cancelled
//! it, why — one reason per item, in the order sent — plus the pause between attempts
//! that lost a race.

use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, TransactWriteItem};

use super::super::StoreError;
use super::{DynamoStore, CONFLICT_RETRIES};

/// A transaction DynamoDB cancelled.
pub(super) struct Refused {
    /// One per item, in the order the items were sent.
    pub reasons: Vec<CancellationReason>,
    /// What to report when the reasons leave nothing to act on.
    pub error: StoreError,
}

impl Refused {
    fn code(&self, i: usize) -> &str {
        self.reasons
            .get(i)
            .and_then(|r| r.code())
            .unwrap_or_default()
    }

    /// Whether item `i`'s condition failed.
    pub fn failed(&self, i: usize) -> bool {
        self.code(i) == "ConditionalCheckFailed"
    }

    /// Whether any item from `first` on failed its condition (a write's mails come last).
    pub fn failed_from(&self, first: usize) -> bool {
        (first..self.reasons.len()).any(|i| self.failed(i))
    }

    /// Whether it lost a race with another transaction on the same items: try again.
    pub fn conflicted(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| r.code() == Some("TransactionConflict"))
    }
}

impl DynamoStore {
    /// Sends `items` as one transaction: `Ok(None)` when written, `Ok(Some(_))` when
    /// cancelled (a failed condition, a conflict), `Err` for anything else.
    pub(super) async fn transact(
        &self,
        items: &[TransactWriteItem],
    ) -> Result<Option<Refused>, StoreError> {
        let err = match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items.to_vec()))
            .send()
            .await
        {
            Ok(_) => return Ok(None),
            Err(err) => err,
        };
        let reasons = match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                Some(c.cancellation_reasons().to_vec())
            }
            _ => None,
        };
        let error = self.error("TransactWriteItems", err);
        match reasons {
            Some(reasons) => Ok(Some(Refused { reasons, error })),
            None => Err(error),
        }
    }

    /// The answer once every attempt lost its race.
    pub(super) fn still_conflicting(&self) -> StoreError {
        StoreError::Dynamo {
            operation: "TransactWriteItems",
            table: self.table.to_string(),
            message: format!("still conflicting after {CONFLICT_RETRIES} retries"),
        }
    }
}

/// The pause before attempt `attempt + 1`: 5 ms doubling, at most 320 ms.
pub(super) async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(5 << attempt.min(6))).await;
}
