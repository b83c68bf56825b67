//! 一括提案: one proposal for the whole waiting queue (see `crate::proposal`), each row with
//! its reasons and what the greedy pick would have been. Staff accept rows with `staff assign`.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::proposal::{self, Table};
use crate::scoring::{score_all, Suggestion};
use crate::store::{RecordKind, OPEN_APPLICATION_STATUSES};

use super::{application_of, jst, store_err, Outcome, Staff};

/// One waiting application and what the proposal gives her.
#[derive(Debug, Clone)]
pub struct ProposalRow {
    pub application_id: String,
    pub created_at: OffsetDateTime,
    pub needs_call: bool,
    /// The proposed mentor with the reasons, or `None`: she waits (no fit or no free slot).
    pub pick: Option<Suggestion>,
    /// What oldest-first greedy would have given her: (slug, name, score).
    pub greedy: Option<(String, String, u32)>,
}

#[derive(Debug, Clone)]
pub struct Proposal {
    pub rows: Vec<ProposalRow>,
    pub total: u32,
    pub greedy_total: u32,
    /// Free slots across accepting mentors.
    pub free_slots: u32,
    /// Waiting applications left out because the queue is longer than [`proposal::MAX_ROWS`].
    pub left_out: usize,
}

impl Staff {
    /// The proposal for the waiting queue, oldest application first.
    pub async fn proposal(&self) -> Result<Proposal, String> {
        let mut open = Vec::new();
        let mut waiting = 0;
        for status in OPEN_APPLICATION_STATUSES {
            // The oldest of each status briefly (the oldest overall are among them), then
            // those in full; the rest is only counted.
            let listed = self
                .store
                .list_brief_by_status(RecordKind::Application, status, proposal::MAX_ROWS, &[])
                .await
                .map_err(store_err)?;
            open.extend(listed);
            waiting += self
                .store
                .count_by_status(RecordKind::Application, status)
                .await
                .map_err(store_err)?;
        }
        open.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        let left_out = waiting.saturating_sub(proposal::MAX_ROWS);
        open.truncate(proposal::MAX_ROWS);
        let mut full = Vec::with_capacity(open.len());
        for brief in &open {
            // Gone since the list was read (assigned meanwhile): not waiting any more.
            if let Some(rec) = self
                .store
                .get(RecordKind::Application, &brief.id)
                .await
                .map_err(store_err)?
                .filter(|r| OPEN_APPLICATION_STATUSES.contains(&r.status.as_str()))
            {
                full.push(rec);
            }
        }
        let open = full;
        let apps = open
            .iter()
            .map(application_of)
            .collect::<Result<Vec<_>, _>>()?;
        let scored: Vec<_> = apps.iter().map(|a| score_all(&self.matcher, a)).collect();
        let scores: Vec<Vec<Option<u32>>> = scored.iter().map(|s| s.scores.clone()).collect();
        let counts = self.store.active_counts().await.map_err(store_err)?;
        let mentors = &self.catalog().mentors;
        let free: Vec<u32> = mentors
            .iter()
            .map(|m| {
                if m.accepting {
                    m.capacity
                        .saturating_sub(counts.get(&m.slug).copied().unwrap_or(0))
                } else {
                    0
                }
            })
            .collect();
        let table = Table {
            scores: &scores,
            free: &free,
        };
        let picks = proposal::optimal(&table);
        let greedy = proposal::greedy(&table);
        let rows = open
            .iter()
            .enumerate()
            .map(|(a, rec)| ProposalRow {
                application_id: rec.id.clone(),
                created_at: rec.created_at,
                needs_call: super::needs_call(rec),
                pick: picks[a].map(|m| scored[a].explain(m)),
                greedy: greedy[a].map(|m| {
                    let mentor = &mentors[m];
                    (
                        mentor.slug.clone(),
                        mentor.name.clone(),
                        scores[a][m].unwrap_or(0),
                    )
                }),
            })
            .collect();
        Ok(Proposal {
            rows,
            total: table.total(&picks),
            greedy_total: table.total(&greedy),
            free_slots: free.iter().sum(),
            left_out,
        })
    }

    /// The proposal as text: a row per application, then the totals against greedy.
    pub async fn propose(&self) -> Outcome {
        let p = self.proposal().await?;
        if p.rows.is_empty() {
            return Ok("待っている申し込みはありません。\n".into());
        }
        let mut out = format!(
            "一括提案: 待っている申し込み {}件、メンターの空き枠 {}（スコアの合計が最大になる組み合わせ）\n",
            p.rows.len(),
            p.free_slots
        );
        out.push_str("ID\t受付日時(JST)\t要電話\t提案\tスコア\t先着順なら\tスコア\t理由\n");
        for row in &p.rows {
            let (pick, score, reasons) = row.pick.as_ref().map_or(
                ("（提案なし）".to_string(), "-".to_string(), String::new()),
                |s| {
                    (
                        format!("{}（{}）", s.slug, s.name),
                        s.score.to_string(),
                        s.reasons.join("、"),
                    )
                },
            );
            let (greedy, greedy_score) = row.greedy.as_ref().map_or(
                ("（なし）".to_string(), "-".to_string()),
                |(slug, name, score)| (format!("{slug}（{name}）"), score.to_string()),
            );
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{pick}\t{score}\t{greedy}\t{greedy_score}\t{reasons}",
                row.application_id,
                jst(row.created_at),
                if row.needs_call { "要" } else { "-" },
            );
        }
        let _ = writeln!(
            out,
            "\nスコアの合計: 提案 {} ／ 先着順 {}（差 {:+}）",
            p.total,
            p.greedy_total,
            i64::from(p.total) - i64::from(p.greedy_total)
        );
        if p.left_out > 0 {
            let _ = writeln!(
                out,
                "待っている申し込みが多いため、古い順に{}件だけを提案しています（残り{}件）。",
                proposal::MAX_ROWS,
                p.left_out
            );
        }
        out.push_str("提案を採用するときは、1件ずつ staff assign <ID> <メンター> で確定してください（紹介メールが送られます）。\n");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use crate::staff::fixtures::staff_after;
    use crate::store::{Match, MatchStatus, NewRecord, RecordKind, Store};

    async fn waiting(store: &Store, id: &str, at: OffsetDateTime) {
        let rec = NewRecord {
            kind: RecordKind::Application,
            id: id.into(),
            created_at: at,
            status: "received".into(),
            idempotency_key: id.into(),
            expires_at: at + time::Duration::days(365),
            body: serde_json::json!({ "application": crate::sample::application() }),
            mail: vec![],
        };
        store
            .put_once(rec, std::time::Duration::from_secs(60))
            .await
            .unwrap();
    }

    async fn matched(store: &Store, n: usize, slug: &str, at: OffsetDateTime) {
        let id = format!("20261124-{slug}{n:04}");
        waiting(store, &id, at).await;
        let m = Match {
            id: format!("m-{id}"),
            application_id: id,
            mentor_slug: slug.into(),
            mentor_name: slug.into(),
            links_epoch: 0,
            plan: "single".into(),
            sessions: 1,
            status: MatchStatus::Active,
            created_at: at,
            expires_at: at + time::Duration::days(365),
        };
        store.create_match(&m, 3, &[]).await.unwrap();
    }

    #[tokio::test]
    async fn the_proposal_respects_free_slots_and_shows_the_greedy_pick_and_totals() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 0).await;
        assert_eq!(
            staff.propose().await.unwrap(),
            "待っている申し込みはありません。\n",
            "the fixture's only application is matched"
        );
        let now = OffsetDateTime::now_utc();
        // 青木 (the best fit for every applicant here) has one slot left, 伊藤 none.
        matched(&staff.store, 1, "aoki", now).await;
        for n in 0..3 {
            matched(&staff.store, n, "ito", now).await;
        }
        for n in 0..3 {
            let at = now + time::Duration::seconds(n);
            waiting(&staff.store, &format!("20261125-wait{n:04}"), at).await;
        }
        let p = staff.proposal().await.unwrap();
        assert_eq!(p.rows.len(), 3);
        let picks: Vec<&str> = p
            .rows
            .iter()
            .filter_map(|r| r.pick.as_ref().map(|s| s.slug.as_str()))
            .collect();
        assert_eq!(
            picks.iter().filter(|s| **s == "aoki").count(),
            1,
            "{picks:?}"
        );
        assert!(!picks.contains(&"ito"), "{picks:?}");
        // Equal applicants: the oldest gets the best mentor, as greedy would.
        assert_eq!(p.rows[0].pick.as_ref().unwrap().slug, "aoki");
        assert_eq!(p.rows[0].greedy.as_ref().unwrap().0, "aoki");
        assert!(p.total >= p.greedy_total);
        // 青木 1, 伊藤 0, 加藤 3, 佐藤 3.
        assert_eq!(p.free_slots, 7);
        let out = staff.propose().await.unwrap();
        assert!(out.contains("20261125-wait0000\t"), "{out}");
        assert!(
            out.contains(&format!(
                "スコアの合計: 提案 {} ／ 先着順 {}",
                p.total, p.greedy_total
            )),
            "{out}"
        );
        assert!(out.contains("staff assign <ID> <メンター>"), "{out}");
    }
}
