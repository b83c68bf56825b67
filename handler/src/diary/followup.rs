//! Follow-up priority of a mentoring sheet: which sheets the staff should look at first.
//! Pure: (sheet, the sessions already written, the weights of `content/matching.yaml`'s
//! `followup:`) → priority 0–100 with a Japanese reason per signal.

use mikke_catalog::Followup;
use serde::{Deserialize, Serialize};

/// One signal that raised the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowupReason {
    /// Stable name: `low_satisfaction`, `staff_contact`, `thin_reflections`, `skipped_session`.
    pub item: String,
    pub label: String,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowupScore {
    /// Sum of the reasons' points, at most 100.
    pub priority: u32,
    pub reasons: Vec<FollowupReason>,
}

/// What the score reads of a sheet.
#[derive(Debug, Clone, Copy)]
pub struct SheetSignals<'a> {
    pub session: u32,
    /// 1–5.
    pub satisfaction: u32,
    pub want_staff_contact: bool,
    pub reflections: &'a str,
}

/// Scores a sheet; `written` are the sessions of the match that already have a sheet.
pub fn followup(sheet: SheetSignals<'_>, written: &[u32], w: &Followup) -> FollowupScore {
    let mut reasons = Vec::new();
    let mut add = |item: &str, label: String, points: u32| {
        if points > 0 {
            reasons.push(FollowupReason {
                item: item.into(),
                label,
                points,
            });
        }
    };
    if sheet.satisfaction <= w.low_satisfaction_at_most {
        let below = w.low_satisfaction_at_most - sheet.satisfaction;
        add(
            "low_satisfaction",
            format!("満足度が低い（5段階で{}）", sheet.satisfaction),
            w.low_satisfaction + below * w.per_point_below,
        );
    }
    if sheet.want_staff_contact {
        add(
            "staff_contact",
            "スタッフからの連絡を希望".into(),
            w.staff_contact,
        );
    }
    let chars = sheet
        .reflections
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    if chars < w.thin_reflections_below {
        add(
            "thin_reflections",
            format!("気づきがとても短い（{chars}文字）"),
            w.thin_reflections,
        );
    }
    let skipped: Vec<String> = (1..sheet.session)
        .filter(|s| !written.contains(s))
        .map(|s| format!("第{s}回"))
        .collect();
    if !skipped.is_empty() {
        add(
            "skipped_session",
            format!("{}のシートが未提出", skipped.join("・")),
            w.skipped_session,
        );
    }
    let priority = reasons.iter().map(|r| r.points).sum::<u32>().min(100);
    FollowupScore { priority, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> Followup {
        crate::sample::matching().followup
    }

    fn sheet(
        session: u32,
        satisfaction: u32,
        contact: bool,
        reflections: &str,
    ) -> SheetSignals<'_> {
        SheetSignals {
            session,
            satisfaction,
            want_staff_contact: contact,
            reflections,
        }
    }

    const FULL: &str = "上司への伝え方について、事実と気持ちを分けて話すと伝わりやすいと気づきました。次の面談で試してみます。";

    #[test]
    fn a_content_full_sheet_needs_no_follow_up() {
        let got = followup(sheet(1, 4, false, FULL), &[], &weights());
        assert_eq!(
            got,
            FollowupScore {
                priority: 0,
                reasons: vec![]
            }
        );
        assert!(followup(sheet(2, 3, false, FULL), &[1], &weights())
            .reasons
            .is_empty());
    }

    #[test]
    fn each_signal_adds_its_points_with_a_japanese_reason() {
        let w = weights();
        let low = followup(sheet(1, 2, false, FULL), &[], &w);
        assert_eq!(low.priority, w.low_satisfaction);
        assert_eq!(low.reasons[0].label, "満足度が低い（5段階で2）");
        let lowest = followup(sheet(1, 1, false, FULL), &[], &w);
        assert_eq!(lowest.priority, w.low_satisfaction + w.per_point_below);
        let contact = followup(sheet(1, 5, true, FULL), &[], &w);
        assert_eq!(contact.reasons[0].label, "スタッフからの連絡を希望");
        assert_eq!(contact.priority, w.staff_contact);
        let thin = followup(sheet(1, 5, false, " よかった 。\n"), &[], &w);
        assert_eq!(thin.reasons[0].label, "気づきがとても短い（5文字）");
        assert_eq!(thin.priority, w.thin_reflections);
        let skipped = followup(sheet(3, 5, false, FULL), &[1], &w);
        assert_eq!(skipped.reasons[0].label, "第2回のシートが未提出");
        assert_eq!(skipped.priority, w.skipped_session);
        let two = followup(sheet(3, 5, false, FULL), &[], &w);
        assert_eq!(two.reasons[0].label, "第1回・第2回のシートが未提出");
    }

    #[test]
    fn signals_add_up_but_never_past_100() {
        let w = weights();
        let got = followup(sheet(3, 1, true, "特になし"), &[], &w);
        let items: Vec<&str> = got.reasons.iter().map(|r| r.item.as_str()).collect();
        assert_eq!(
            items,
            [
                "low_satisfaction",
                "staff_contact",
                "thin_reflections",
                "skipped_session"
            ]
        );
        assert_eq!(got.priority, 100);
        let sum: u32 = got.reasons.iter().map(|r| r.points).sum();
        assert!(
            sum > 100,
            "the cap matters with the project's weights: {sum}"
        );
    }

    #[test]
    fn the_project_weights_flag_a_staff_request_or_low_satisfaction_but_not_a_thin_sheet_alone() {
        let w = weights();
        let flagged =
            |s: SheetSignals<'_>, written: &[u32]| followup(s, written, &w).priority >= w.flag_at;
        assert!(flagged(sheet(1, 5, true, FULL), &[]));
        assert!(flagged(sheet(1, 2, false, FULL), &[]));
        assert!(!flagged(sheet(1, 4, false, "よかった"), &[]));
        assert!(!flagged(sheet(2, 4, false, FULL), &[]), "skipped alone");
    }
}
