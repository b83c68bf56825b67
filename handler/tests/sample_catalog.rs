//! Scoring on the project's real sample catalog (content/mentors/*.md built by the
//! generator, as `generator build` writes catalog.json), with hand-checked results.

use std::collections::HashSet;
use std::path::Path;

use handler::scoring::{completeness, match_mentors};
use handler::{sample, Matcher};

fn real_matcher() -> Matcher {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let content =
        generator::content::load(&root).unwrap_or_else(|p| panic!("content/ does not load: {p:?}"));
    let catalog = generator::catalog::catalog(&content);
    // Through JSON, as the handler reads it in production.
    let json = serde_json::to_string(&catalog).unwrap();
    Matcher::new(mikke_catalog::Catalog::parse(&json).unwrap()).unwrap()
}

/// Hand-checked: an HR employee in her 30s at an IT SME, raising children, who wants
/// to talk about a promotion offer and work–life balance, wishing for the same
/// industry and an SME. max = 2×20 + 2×8 + 1×8 + 10 + 8 + 4 = 86.
/// aoki-haruka (IT, SME, 40s, HR, both topics, parenting) earns all 86 → 100;
/// sakamoto-yui and watanabe-sayaka (IT startups, 30s) earn 66 → 77, ordered by slug;
/// shimizu-ayako (IT, foreign) 20 + 8 + 8 + 10 + 4 = 50 → 58; then three SME mentors with
/// 40 → 47, of whom morita-yoko comes first by slug.
#[test]
fn an_it_applicant_at_an_sme_gets_the_it_mentor_at_an_sme_first() {
    let m = real_matcher();
    let mut app = sample::application();
    app.job_function = Some("hr".into());
    app.situations = vec!["raising_children".into()];
    app.topics = vec!["promotion_decision".into(), "work_life_balance".into()];
    app.preferences = vec!["same_industry".into(), "sme".into()];
    let result = match_mentors(&m, &app, &HashSet::new());
    assert_eq!(result.max_points, 86);
    let top: Vec<(&str, u32)> = result
        .suggestions
        .iter()
        .map(|s| (s.slug.as_str(), s.score))
        .collect();
    assert_eq!(
        top,
        [
            ("aoki-haruka", 100),
            ("sakamoto-yui", 77),
            ("watanabe-sayaka", 77),
            ("shimizu-ayako", 58),
            ("morita-yoko", 47)
        ]
    );
    assert_eq!(
        result.suggestions[0].reasons,
        [
            "同じ業種（IT・通信）",
            "中小企業で勤務",
            "相談テーマ『管理職登用の打診を受けるか』に対応",
            "相談テーマ『仕事と育児の両立』に対応",
            "育児をしながら働いてきた（あなたの状況：子育て中）",
            "同じ職種（人事）",
            "人生の先輩（40代）",
        ]
    );
    assert!(result.unmet_wishes.is_empty());
    assert!(!completeness(&app, &m.catalog().matching).needs_call);
}

/// Mentors who are not accepting (harada-tamaki, kondo-hiromi, maeda-sachiko,
/// tanaka-noriko in the sample) are never suggested, however well they fit.
#[test]
fn mentors_who_are_not_accepting_are_never_suggested() {
    let m = real_matcher();
    let closed: Vec<&str> = m
        .catalog()
        .mentors
        .iter()
        .filter(|x| !x.accepting)
        .map(|x| x.slug.as_str())
        .collect();
    assert_eq!(
        closed,
        [
            "harada-tamaki",
            "kondo-hiromi",
            "maeda-sachiko",
            "tanaka-noriko"
        ]
    );
    let mut app = sample::application();
    // harada-tamaki fits this best of all: manufacturing executive, stem, first female manager.
    app.industry = "manufacturing".into();
    app.company_size = "large".into();
    app.topics = vec![
        "leadership".into(),
        "stem_career".into(),
        "promotion_decision".into(),
    ];
    app.preferences = vec![
        "stem".into(),
        "male_dominated".into(),
        "large_company".into(),
    ];
    app.preferred_mentors = vec!["harada-tamaki".into()];
    let result = match_mentors(&m, &app, &HashSet::new());
    assert_eq!(result.candidates, 26);
    assert!(result
        .suggestions
        .iter()
        .all(|s| !closed.contains(&s.slug.as_str())));
    assert_eq!(result.suggestions.len(), 5);
}
