use std::collections::HashSet;

use mikke_catalog::{ApplicantFacts, MatchRule};

use super::*;
use crate::sample;

fn matcher(catalog: mikke_catalog::Catalog) -> Matcher {
    Matcher::new(catalog).unwrap()
}

fn none() -> HashSet<String> {
    HashSet::new()
}

#[test]
fn it_applicant_at_an_sme_gets_the_it_mentor_at_an_sme_first_with_those_reasons() {
    let m = matcher(sample::small_catalog());
    let result = match_mentors(&m, &sample::application(), &none());
    let first = &result.suggestions[0];
    assert_eq!(first.slug, "aoki");
    assert_eq!(
        first.reasons,
        [
            "同じ業種（IT・通信）",
            "中小企業で勤務",
            "相談テーマ『管理職登用の打診を受けるか』に対応",
            "相談テーマ『リーダーとしての悩み』に対応",
            "育児をしながら働いてきた（あなたの状況：子育て中）",
            "女性初の管理職（あなたの状況：リーダー・管理職になったばかり）",
            "同じ職種（技術・開発）",
            "人生の先輩（40代）",
        ]
    );
    assert!(result.unmet_wishes.is_empty());
}

// The worked example of ARCHITECTURE.md ("Scoring"), checked by hand:
// max = 2×20 + min(3×8, 24) + min(2×8, 16) + 10 + 8 + 4 = 102;
// aoki earns 40 + 16 + 16 + 10 + 8 + 4 = 94 → round(94 / 102 × 100) = 92;
// kato (finance, SME, 40s, work_life_balance, single_mother) earns
// 20 (sme) + 8 + 8 (raising_children) + 0 + 0 + 4 = 40 → 39;
// ito (IT, large, 50s, promotion_decision, executive_officer) earns 20 + 8 + 8 (new_leader)
// + 10 + 0 + 4 = 50 → 49;
// sato (manufacturing, large, 50s, leadership) earns 0 + 8 + 8 (new_leader) + 0 + 0 + 4 = 20 → 20.
#[test]
fn worked_example_scores_and_order() {
    let m = matcher(sample::small_catalog());
    let result = match_mentors(&m, &sample::application(), &none());
    assert_eq!(result.max_points, 102);
    let got: Vec<(&str, u32, u32)> = result
        .suggestions
        .iter()
        .map(|s| (s.slug.as_str(), s.points, s.score))
        .collect();
    assert_eq!(
        got,
        [
            ("aoki", 94, 92),
            ("ito", 50, 49),
            ("kato", 40, 39),
            ("sato", 20, 20)
        ]
    );
    let breakdown: Vec<(&str, u32)> = result.suggestions[0]
        .breakdown
        .iter()
        .map(|c| (c.criterion.as_str(), c.points))
        .collect();
    assert_eq!(
        breakdown,
        [
            ("preferences", 40),
            ("topics", 16),
            ("situations", 16),
            ("same_industry", 10),
            ("same_function", 8),
            ("older_mentor", 4)
        ]
    );
}

#[test]
fn mentors_not_accepting_or_at_capacity_are_not_suggested() {
    let mut catalog = sample::small_catalog();
    catalog
        .mentors
        .iter_mut()
        .find(|m| m.slug == "ito")
        .unwrap()
        .accepting = false;
    let m = matcher(catalog);
    let full: HashSet<String> = ["aoki".to_string()].into();
    let result = match_mentors(&m, &sample::application(), &full);
    let slugs: Vec<&str> = result.suggestions.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, ["kato", "sato"]);
    assert_eq!(result.candidates, 2);
}

#[test]
fn equal_scores_are_ordered_by_slug_and_only_five_are_kept() {
    let twins: Vec<_> = ["f", "b", "e", "a", "d", "c", "g"]
        .iter()
        .map(|s| sample::mentor(s, "it", "sme", "40s", &[], &["leadership"], &[]))
        .collect();
    let m = matcher(sample::catalog(twins));
    let result = match_mentors(&m, &sample::application(), &none());
    let slugs: Vec<&str> = result.suggestions.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, ["a", "b", "c", "d", "e"]);
}

#[test]
fn wishes_no_suggested_mentor_meets_are_reported() {
    let m = matcher(sample::small_catalog());
    let mut app = sample::application();
    app.preferences = vec!["parenting".into(), "stem".into(), "large_company".into()];
    let result = match_mentors(&m, &app, &none());
    // Every wish is met by one of the four suggested (sato is the only stem mentor)…
    assert!(result.unmet_wishes.is_empty());
    // …until he is gone.
    let mut catalog = sample::small_catalog();
    catalog.mentors.retain(|m| m.slug != "sato");
    let result = match_mentors(&matcher(catalog), &app, &none());
    let unmet: Vec<(&str, &str)> = result
        .unmet_wishes
        .iter()
        .map(|w| (w.id.as_str(), w.label.as_str()))
        .collect();
    assert_eq!(unmet, [("stem", "理系の人がいい")]);
}

#[test]
fn a_preferred_mentor_gets_the_bonus_and_the_reason() {
    let m = matcher(sample::small_catalog());
    let mut app = sample::application();
    app.preferred_mentors = vec!["sato".into()];
    let result = match_mentors(&m, &app, &none());
    let sato = result
        .suggestions
        .iter()
        .find(|s| s.slug == "sato")
        .unwrap();
    assert_eq!(result.max_points, 132);
    // 20 + 30 of 102 + 30: 38, as ito (50 of 132), who comes first by slug.
    assert_eq!((sato.points, sato.score), (50, 38));
    assert!(sato.reasons.contains(&"ご指名のメンター".to_string()));
    let order: Vec<(&str, u32)> = result
        .suggestions
        .iter()
        .map(|s| (s.slug.as_str(), s.score))
        .collect();
    assert_eq!(
        order,
        [("aoki", 71), ("ito", 38), ("sato", 38), ("kato", 30)]
    );
}

#[test]
fn an_empty_catalog_leaves_every_wish_unmet() {
    let m = matcher(sample::catalog(vec![]));
    let result = match_mentors(&m, &sample::application(), &none());
    assert!(result.suggestions.is_empty());
    assert_eq!(result.unmet_wishes.len(), 2);
}

/// The prepared truth tables must agree with the rule language's own evaluation
/// for every mentor, every wish and every value the applicant side can take.
#[test]
fn prepared_rules_agree_with_match_rule_is_met() {
    let catalog = sample::synthetic_catalog(300);
    let m = matcher(catalog.clone());
    let t = &catalog.taxonomy;
    let mut checked = 0;
    for (i, mentor) in m.catalog.mentors.iter().enumerate() {
        for (w, pref) in t.preferences.values().enumerate() {
            let rule = MatchRule::parse(&pref.rule).unwrap();
            let applicants: Vec<(ApplicantFacts, u32)> = match m.wishes[w].reads {
                None => vec![(ApplicantFacts::default(), 0)],
                Some(field) => {
                    let mut v: Vec<(ApplicantFacts, u32)> = field
                        .vocab(&catalog)
                        .keys()
                        .enumerate()
                        .map(|(bit, value)| (field.facts(Some(value)), bit as u32))
                        .collect();
                    v.push((ApplicantFacts::default(), index::EMPTY_BIT));
                    v
                }
            };
            for (facts, bit) in applicants {
                assert_eq!(
                    met(&m, i, w, bit),
                    rule.is_met(mentor, &facts),
                    "{} {:?}",
                    mentor.slug,
                    rule
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300 * 7);
}

#[test]
fn a_complete_application_needs_no_call() {
    let c = completeness(&sample::application(), &sample::matching());
    assert_eq!((c.score, c.needs_call), (100, false));
    assert!(c.missing.is_empty());
}

#[test]
fn a_thin_application_lists_what_is_missing_and_needs_a_call() {
    let mut app = sample::application();
    app.topics.truncate(1);
    app.preferences.clear();
    app.message = Some("よろしくお願いします".into());
    app.phone = None;
    let c = completeness(&app, &sample::matching());
    let items: Vec<&str> = c.missing.iter().map(|m| m.item.as_str()).collect();
    assert_eq!(
        items,
        ["few_topics", "no_preferences", "short_message", "no_phone"]
    );
    assert_eq!(c.score, 100 - 15 - 15 - 15 - 10);
    assert!(c.needs_call);
    assert_eq!(c.missing[0].label, "相談したいテーマが少ない（2つ未満）");
}

#[test]
fn no_message_is_the_heaviest_gap() {
    let mut app = sample::application();
    app.message = None;
    let c = completeness(&app, &sample::matching());
    assert_eq!(c.score, 70);
    assert!(!c.needs_call);
}
