//! Mentoring sheets in follow-up order.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{jst, store_err, Outcome, Staff};

impl Staff {
    /// Sheets by follow-up priority, with reasons; `flagged`: only at or above `flag_at`.
    pub async fn sheets(&self, flagged: bool, limit: usize) -> Outcome {
        let flag_at = self.catalog().matching.followup.flag_at;
        let sheets = self
            .store
            .list_followups(if flagged { flag_at } else { 0 }, limit)
            .await
            .map_err(store_err)?;
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
