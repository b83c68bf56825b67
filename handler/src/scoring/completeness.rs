//! How complete an application is. Staff call applicants whose application is
//! thin (as they do today), so the list of what is missing matters more than the number.

use mikke_catalog::Matching;
use serde::{Deserialize, Serialize};

use crate::forms::Application;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingItem {
    /// Stable name: `few_topics`, `no_preferences`, `no_message`, `short_message`,
    /// `no_job_function`, `no_situations` or `no_phone`.
    pub item: String,
    pub label: String,
    pub penalty: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// 100 minus the penalties of `missing`, never below 0.
    pub score: u32,
    pub missing: Vec<MissingItem>,
    /// `score` is below `completeness.needs_call_below` of `content/matching.yaml`.
    pub needs_call: bool,
}

pub fn completeness(app: &Application, matching: &Matching) -> Completeness {
    let c = &matching.completeness;
    let p = &c.penalties;
    let message_chars = app.message.as_deref().map_or(0, |m| m.chars().count());
    let checks = [
        (
            app.topics.len() < c.min_topics,
            "few_topics",
            format!("相談したいテーマが少ない（{}つ未満）", c.min_topics),
            p.few_topics,
        ),
        (
            app.preferences.is_empty(),
            "no_preferences",
            "メンターへの希望が選ばれていない".into(),
            p.no_preferences,
        ),
        (
            message_chars == 0,
            "no_message",
            "メッセージが書かれていない".into(),
            p.no_message,
        ),
        (
            message_chars > 0 && message_chars < c.min_message_chars,
            "short_message",
            format!("メッセージが短い（{}文字未満）", c.min_message_chars),
            p.short_message,
        ),
        (
            app.job_function.is_none(),
            "no_job_function",
            "職種が選ばれていない".into(),
            p.no_job_function,
        ),
        (
            app.situations.is_empty(),
            "no_situations",
            "現在の状況が選ばれていない".into(),
            p.no_situations,
        ),
        (
            app.phone.is_none(),
            "no_phone",
            "電話番号がない".into(),
            p.no_phone,
        ),
    ];
    let missing: Vec<MissingItem> = checks
        .into_iter()
        .filter(|(missing, ..)| *missing)
        .map(|(_, item, label, penalty)| MissingItem {
            item: item.into(),
            label,
            penalty,
        })
        .collect();
    let score = 100u32.saturating_sub(missing.iter().map(|m| m.penalty).sum());
    Completeness {
        score,
        missing,
        needs_call: score < c.needs_call_below,
    }
}
