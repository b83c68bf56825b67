//! Mentoring sheets in follow-up order.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::{jst, store_err, Outcome, Staff};

impl Staff {
    /// The (match, session) of every sheet marked followed up.
    pub async fn handled(&self) -> Result<HashSet<(String, u32)>, String> {
        Ok(self
            .store
            .list_handled()
            .await
            .map_err(store_err)?
            .into_iter()
            .map(|h| (h.match_id, h.session))
            .collect())
    }

    /// Marks sheet `session` of `match_id` as followed up: it leaves the follow-up list.
    pub async fn mark_handled(&self, match_id: &str, session: u32) -> Outcome {
        let diary = self
            .store
            .diary(match_id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| {
                format!("マッチング {match_id} は見つかりません（IDを確認してください）")
            })?;
        let sheet = diary
            .sheets
            .iter()
            .find(|s| s.session == session)
            .ok_or_else(|| format!("マッチング {match_id} の第{session}回のシートはありません"))?;
        let mark = crate::store::Handled {
            match_id: match_id.to_string(),
            session,
            handled_by: self.actor.clone(),
            handled_at: time::OffsetDateTime::now_utc(),
            expires_at: sheet.expires_at,
        };
        if !self.store.mark_handled(&mark).await.map_err(store_err)? {
            return Ok(format!(
                "マッチング {match_id} の第{session}回のシートは、すでに対応済みです。\n"
            ));
        }
        self.audit_done("sheet_handled", &[match_id]).await;
        Ok(format!(
            "マッチング {match_id} の第{session}回のシートを対応済みにしました。\n"
        ))
    }

    /// Sheets by follow-up priority, with reasons; `flagged`: only at or above `flag_at`.
    pub async fn sheets(&self, flagged: bool, limit: usize) -> Outcome {
        let flag_at = self.catalog().matching.followup.flag_at;
        let mut sheets = self
            .store
            .list_followups(if flagged { flag_at } else { 0 }, usize::MAX)
            .await
            .map_err(store_err)?;
        if flagged {
            let handled = self.handled().await?;
            sheets.retain(|s| !handled.contains(&(s.match_id.clone(), s.session)));
        }
        sheets.truncate(limit);
        if sheets.is_empty() {
            return Ok(if flagged {
                "フォローが必要なシートはありません。\n".into()
            } else {
                "シートはまだありません。\n".into()
            });
        }
        let mut mentors: HashMap<String, String> = HashMap::new();
        let mut out = String::from("優先度\tマッチング\t回\t提出日時(JST)\tメンター\t理由\n");
        for s in &sheets {
            if !mentors.contains_key(&s.match_id) {
                let name = self
                    .store
                    .get_match(&s.match_id)
                    .await
                    .map_err(store_err)?
                    .map_or_else(|| "-".into(), |m| m.mentor_slug);
                mentors.insert(s.match_id.clone(), name);
            }
            let reasons: Vec<&str> = s.content["followup"]["reasons"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r["label"].as_str()).collect())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}{}\t{}\t{}\t{}\t{}\t{}",
                s.priority,
                if s.priority >= flag_at { "!" } else { "" },
                s.match_id,
                s.session,
                jst(s.created_at),
                mentors[&s.match_id],
                if reasons.is_empty() {
                    "-".into()
                } else {
                    reasons.join("、")
                }
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::staff::fixtures::staff_after;
    use crate::store::NewSheet;

    #[tokio::test]
    async fn a_sheet_marked_handled_leaves_the_follow_up_list_once() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 0).await;
        let id = "m-20261124-old00001";
        let now = time::OffsetDateTime::now_utc();
        let sheet = NewSheet {
            match_id: id.into(),
            session: 1,
            submission_id: "s1".into(),
            created_at: now,
            expires_at: now + time::Duration::days(30),
            priority: 100,
            content: serde_json::json!({ "followup": { "reasons": [{ "label": "満足度が低い" }] } }),
            mail: vec![],
        };
        staff.store.put_sheet(&sheet).await.unwrap();
        let before = staff.sheets(true, 10).await.unwrap();
        assert!(before.contains(id), "{before}");
        let done = staff.mark_handled(id, 1).await.unwrap();
        assert!(done.contains("対応済みにしました"), "{done}");
        let after = staff.sheets(true, 10).await.unwrap();
        assert_eq!(after, "フォローが必要なシートはありません。\n");
        assert!(
            staff.sheets(false, 10).await.unwrap().contains(id),
            "still a sheet"
        );
        let again = staff.mark_handled(id, 1).await.unwrap();
        assert!(again.contains("すでに対応済み"), "{again}");
        let missing = staff.mark_handled(id, 2).await.unwrap_err();
        assert!(missing.contains("第2回のシートはありません"), "{missing}");
        let log = staff.audit_log(None, 10).await.unwrap();
        assert_eq!(log.matches("sheet_handled").count(), 1, "{log}");
    }
}
