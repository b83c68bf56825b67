//! What the staff console reads and keeps (issue 14): every match by date for reports.

use mikke_store::MatchStatus;
use time::OffsetDateTime;

use super::match_cases::assigned;
use super::Backend;

pub async fn matches_are_listed_by_date_active_or_closed_extended_or_not(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    assigned(s, "m2", "aoki", 3).await;
    s.close_match("m1", &[]).await.unwrap().expect("closed");
    s.extend_match("m2", 2, time::Duration::DAY, &[])
        .await
        .unwrap()
        .expect("extended");
    let yesterday = OffsetDateTime::now_utc() - time::Duration::DAY;
    let listed = s.list_matches(yesterday, 10).await.unwrap();
    let seen: Vec<(&str, MatchStatus, u32)> = listed
        .iter()
        .map(|m| (m.id.as_str(), m.status, m.sessions))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("m1", MatchStatus::Closed, 3),
            ("m2", MatchStatus::Active, 5)
        ]
    );
    assert_eq!(listed[0].application_id, "a-m1");
    let first = s.list_matches(yesterday, 1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, "m1");
    let tomorrow = OffsetDateTime::now_utc() + time::Duration::DAY;
    assert!(s.list_matches(tomorrow, 10).await.unwrap().is_empty());
}
