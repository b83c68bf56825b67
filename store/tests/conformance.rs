//! One behaviour suite, two back ends: every case runs against the SQLite store (a file in a
//! temp dir) and against DynamoDB (moto_server on loopback). Cases live in
//! `conformance/cases.rs` and `conformance/match_cases.rs`; this file instantiates them per
//! back end. Without the `dynamo` feature only the SQLite half runs.

#[path = "conformance/cases.rs"]
mod cases;
#[path = "conformance/console_cases.rs"]
mod console_cases;
#[cfg(feature = "dynamo")]
#[path = "conformance/dynamo_only.rs"]
mod dynamo_only;
#[path = "conformance/erase_cases.rs"]
mod erase_cases;
#[path = "conformance/match_cases.rs"]
mod match_cases;
#[path = "conformance/outbox_cases.rs"]
mod outbox_cases;
#[path = "conformance/sqlite_only.rs"]
mod sqlite_only;
#[cfg(feature = "dynamo")]
mod support;

use mikke_store::{SqliteStore, Store};

/// A store under test plus what keeps it alive, able to simulate a process restart.
pub struct Backend {
    store: Option<Store>,
    dir: Option<tempfile::TempDir>,
    #[cfg(feature = "dynamo")]
    moto: Option<(std::sync::Arc<support::moto::MotoServer>, String)>,
}

impl Backend {
    /// Every byte the back end keeps, as one lossy string: on SQLite each file of the data
    /// directory (database, WAL, shared memory — free pages included); on DynamoDB a full
    /// table scan through moto_server. What an erasure must leave nothing of hers in.
    pub async fn raw_bytes(&self) -> String {
        if let Some(dir) = &self.dir {
            let mut all = Vec::new();
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    all.extend(std::fs::read(&path).unwrap());
                }
            }
            return String::from_utf8_lossy(&all).into_owned();
        }
        #[cfg(feature = "dynamo")]
        if let Some((moto, table)) = &self.moto {
            let mut text = String::new();
            let mut start = None;
            loop {
                let out = moto
                    .dynamodb_client()
                    .scan()
                    .table_name(table)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                text.push_str(&format!("{:?}", out.items()));
                match out.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => return text,
                }
            }
        }
        unreachable!("a backend has a directory or a table")
    }

    fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path()).expect("SQLite store opens");
        Backend {
            store: Some(store.into()),
            dir: Some(dir),
            #[cfg(feature = "dynamo")]
            moto: None,
        }
    }

    #[cfg(feature = "dynamo")]
    async fn dynamo(case: &str) -> Backend {
        use mikke_store::DynamoStore;
        use std::sync::atomic::{AtomicU32, Ordering};
        static TABLES: AtomicU32 = AtomicU32::new(0);
        let moto = support::moto::MotoServer::shared();
        let table = format!("mikke-{case}-{}", TABLES.fetch_add(1, Ordering::Relaxed));
        let store = DynamoStore::new(moto.dynamodb_client(), table.clone());
        store
            .create_table_if_missing()
            .await
            .expect("table created in moto");
        Backend {
            store: Some(store.into()),
            dir: None,
            moto: Some((moto, table)),
        }
    }

    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("store is open")
    }

    /// Drops the store and opens it again from what was persisted, as a new process would.
    /// (Every clone of the store must be gone by now.)
    pub async fn restart(&mut self) {
        drop(self.store.take());
        if let Some(dir) = &self.dir {
            let store = SqliteStore::open(dir.path()).expect("SQLite store reopens");
            self.store = Some(store.into());
            return;
        }
        #[cfg(feature = "dynamo")]
        if let Some((moto, table)) = &self.moto {
            let store = mikke_store::DynamoStore::new(moto.dynamodb_client(), table.clone());
            // Idempotent on an existing table: what a restarted process does at start.
            store.create_table_if_missing().await.expect("table exists");
            self.store = Some(store.into());
            return;
        }
        unreachable!("a backend has a directory or a table");
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let mut backend = super::Backend::sqlite();
                    super::$case(&mut backend).await;
                }
            )*
        }
        #[cfg(feature = "dynamo")]
        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let mut backend = super::Backend::dynamo(stringify!($case)).await;
                    super::$case(&mut backend).await;
                }
            )*
        }
    };
}

use cases::*;
use console_cases::*;
use erase_cases::*;
use match_cases::*;
use outbox_cases::*;

conformance!(
    put_once_stores_a_record_that_get_returns_unchanged,
    get_of_a_missing_id_is_none,
    same_key_within_the_window_replays_the_first_id_and_writes_nothing,
    same_key_after_the_window_creates_a_new_record,
    idempotency_keys_are_separate_per_kind,
    concurrent_puts_with_one_key_create_exactly_once,
    a_reused_id_without_a_live_marker_is_refused,
    list_by_status_is_oldest_first_per_kind_and_status_and_honours_limit,
    list_by_kind_returns_records_since_a_date_in_any_status,
    set_status_changes_only_from_the_expected_status,
    records_past_retention_are_gone_from_every_read,
    rate_limit_counts_hits_per_client_and_resets_in_the_next_window,
    everything_survives_a_restart,
    invalid_input_is_refused_without_echoing_it,
    matches_assign_counts_capacity_and_marks_the_application_matched,
    matches_assign_takes_needs_call_applications_and_refuses_missing_ones,
    matches_concurrent_assigns_never_exceed_capacity,
    matches_close_frees_capacity_once,
    matches_extend_adds_sessions_to_active_matches_only,
    matches_extend_moves_the_expiry_and_holds_capacity_until_then,
    sheets_are_stored_once_per_session_with_replay_and_conflict,
    replies_are_stored_once_per_sheet,
    diary_returns_the_match_with_its_sheets_and_replies_in_order,
    followups_list_highest_priority_first_then_oldest,
    matches_sheets_and_replies_survive_a_restart,
    matches_an_unclosed_match_frees_its_slot_when_it_expires,
    outbox_mail_is_written_with_its_cause_and_never_on_a_replay_or_refusal,
    outbox_a_taken_mail_id_cancels_its_cause,
    outbox_claims_are_exclusive_and_only_the_claim_finishes,
    outbox_retries_wait_their_turn_and_failures_can_be_resent,
    outbox_enqueue_writes_each_id_once_and_claims_by_id,
    outbox_markers_hold_until_they_expire,
    matches_are_listed_by_date_active_or_closed_extended_or_not,
    console_a_signin_is_written_with_its_mail_and_consumed_once,
    console_sessions_end_one_at_a_time_or_all_at_once,
    console_audit_entries_are_listed_in_time_order_since_a_date,
    brief_lists_are_the_same_records_with_only_the_paths_asked_for,
    console_a_note_is_saved_only_over_the_version_its_writer_saw,
    console_a_followed_up_sheet_is_marked_once,
    matches_links_are_revoked_by_moving_the_epoch_on,
    matches_a_provision_record_is_written_with_its_match_only,
    erase_leaves_no_byte_of_hers_but_the_provision_record_and_is_idempotent,
);
