//! Reading a cancelled `put_once` transaction: replay, id clash, retry or failure.

use aws_sdk_dynamodb::types::CancellationReason;

use super::super::schema::ATTR_RECORD_ID;

/// What a cancelled `put_once` transaction (record put, marker put — in that order) means.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Cancelled {
    /// The marker is live: a replay, with the first id if DynamoDB returned the marker.
    Replay(Option<String>),
    /// The record's id exists and the key is fresh.
    IdTaken,
    /// Lost a race with another transaction on the same items (`TransactionConflict`).
    Retry,
    /// Anything else (throttling, validation…): report it.
    Fail,
}

pub(super) fn cancelled(reasons: &[CancellationReason]) -> Cancelled {
    let code = |i: usize| reasons.get(i).and_then(|r| r.code()).unwrap_or_default();
    if code(1) == "ConditionalCheckFailed" {
        let id = reasons[1]
            .item()
            .and_then(|item| item.get(ATTR_RECORD_ID))
            .and_then(|v| v.as_s().ok())
            .cloned();
        Cancelled::Replay(id)
    } else if code(0) == "ConditionalCheckFailed" {
        Cancelled::IdTaken
    } else if code(0) == "TransactionConflict" || code(1) == "TransactionConflict" {
        Cancelled::Retry
    } else {
        Cancelled::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::item::s;

    fn reason(code: &str) -> CancellationReason {
        CancellationReason::builder().code(code).build()
    }

    #[test]
    fn a_failed_marker_check_is_a_replay_with_the_returned_id() {
        let marker = CancellationReason::builder()
            .code("ConditionalCheckFailed")
            .item(ATTR_RECORD_ID, s("first"))
            .build();
        let got = cancelled(&[reason("None"), marker]);
        assert_eq!(got, Cancelled::Replay(Some("first".into())));
        let without_item = [
            reason("ConditionalCheckFailed"),
            reason("ConditionalCheckFailed"),
        ];
        assert_eq!(
            cancelled(&without_item),
            Cancelled::Replay(None),
            "marker wins"
        );
    }

    #[test]
    fn a_failed_record_check_alone_means_the_id_is_taken() {
        assert_eq!(
            cancelled(&[reason("ConditionalCheckFailed"), reason("None")]),
            Cancelled::IdTaken
        );
    }

    #[test]
    fn conflicts_are_retried_and_everything_else_reported() {
        let conflict = [reason("TransactionConflict"), reason("None")];
        assert_eq!(cancelled(&conflict), Cancelled::Retry);
        let throttled = [reason("ThrottlingError"), reason("None")];
        assert_eq!(cancelled(&throttled), Cancelled::Fail);
        assert_eq!(cancelled(&[]), Cancelled::Fail);
    }
}
