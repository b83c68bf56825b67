//! The breakdown and Japanese reasons of a suggestion. Built only for the few
//! suggestions kept, so the per-mentor loop never touches strings.
//!
//! Labels come from the catalog's taxonomy; only the sentence around them is here.

use mikke_catalog::{CatalogMentor, MatchRule, Taxonomy, Vocab};

use super::{met, points, Criterion, Matcher, Query, Suggestion};
use crate::forms::Application;

pub(super) fn suggestion(
    m: &Matcher,
    app: &Application,
    q: &Query,
    i: usize,
    score: u32,
) -> Suggestion {
    let mentor = &m.catalog.mentors[i];
    let t = &m.catalog.taxonomy;
    let p = points(m, q, i);
    let mut breakdown = Vec::new();
    let mut add = |criterion: &str, points: u32, reasons: Vec<String>| {
        if points > 0 {
            breakdown.push(Criterion {
                criterion: criterion.into(),
                points,
                reasons,
            });
        }
    };

    let wish_reasons = q
        .wishes
        .iter()
        .filter(|&&(w, bit)| met(m, i, w, bit))
        .map(|&(w, _)| wish_reason(t, &m.wishes[w].rule, mentor, app))
        .collect();
    add("preferences", p.preferences, wish_reasons);

    let topic_reasons = app
        .topics
        .iter()
        .filter(|id| mentor.topics.contains(id))
        .map(|id| format!("相談テーマ『{}』に対応", label(&t.topics, id)))
        .collect();
    add("topics", p.topics, topic_reasons);

    let situation_reasons = app
        .situations
        .iter()
        .filter_map(|s| {
            let tags = m.catalog.matching.situation_tags.get(s)?;
            let tag = tags.iter().find(|tag| mentor.tags.contains(tag))?;
            Some(format!(
                "{}（あなたの状況：{}）",
                label(&t.mentor_tags, tag),
                label(&t.situations, s)
            ))
        })
        .collect();
    add("situations", p.situations, situation_reasons);

    add(
        "same_industry",
        p.same_industry,
        vec![format!(
            "同じ業種（{}）",
            label(&t.industries, &mentor.industry)
        )],
    );
    let function = app.job_function.as_deref().unwrap_or_default();
    add(
        "same_function",
        p.same_function,
        vec![format!("同じ職種（{}）", label(&t.job_functions, function))],
    );
    add(
        "older_mentor",
        p.older_mentor,
        vec![format!(
            "人生の先輩（{}）",
            label(&t.age_bands, &mentor.age_band)
        )],
    );
    add(
        "preferred_mentor",
        p.preferred_mentor,
        vec!["ご指名のメンター".to_string()],
    );

    let mut reasons: Vec<String> = Vec::new();
    for r in breakdown.iter().flat_map(|c| &c.reasons) {
        if !reasons.contains(r) {
            reasons.push(r.clone());
        }
    }
    Suggestion {
        slug: mentor.slug.clone(),
        name: mentor.name.clone(),
        score,
        points: p.total(),
        breakdown,
        reasons,
    }
}

fn label<'v>(vocab: &'v Vocab, id: &'v str) -> &'v str {
    vocab.get(id).map_or(id, String::as_str)
}

/// Why a met wish is met, said about the mentor: 「同じ業種（IT・通信）」「中小企業で勤務」.
fn wish_reason(
    t: &Taxonomy,
    rule: &MatchRule,
    mentor: &CatalogMentor,
    app: &Application,
) -> String {
    match rule {
        MatchRule::SameAsApplicant { mentor: field, .. } => match field.as_str() {
            "industry" => format!("同じ業種（{}）", label(&t.industries, &mentor.industry)),
            "company_size" => format!(
                "同じ企業規模（{}）",
                label(&t.company_sizes, &mentor.company_size)
            ),
            _ => format!("同じ年代（{}）", label(&t.age_bands, &mentor.age_band)),
        },
        MatchRule::OneOf { mentor: field, .. } => match field.as_str() {
            "industry" => format!("{}で勤務", label(&t.industries, &mentor.industry)),
            "company_size" => format!("{}で勤務", label(&t.company_sizes, &mentor.company_size)),
            _ => format!("{}のメンター", label(&t.age_bands, &mentor.age_band)),
        },
        MatchRule::HasAny {
            mentor: field,
            values,
        } => {
            let (vocab, list) = match field.as_str() {
                "topics" => (&t.topics, &mentor.topics),
                "job_functions" => (&t.job_functions, &mentor.job_functions),
                _ => (&t.mentor_tags, &mentor.tags),
            };
            let found = values
                .iter()
                .find(|v| list.contains(v))
                .map_or("", String::as_str);
            match field.as_str() {
                "topics" => format!("相談テーマ『{}』に対応", label(vocab, found)),
                "job_functions" => format!("職種：{}", label(vocab, found)),
                _ => label(vocab, found).to_string(),
            }
        }
        MatchRule::ApplicantIn { applicant, .. } => {
            let (vocab, value) = match applicant.as_str() {
                "industry" => (&t.industries, app.industry.as_str()),
                "company_size" => (&t.company_sizes, app.company_size.as_str()),
                "age_band" => (&t.age_bands, app.age_band.as_str()),
                _ => (
                    &t.job_functions,
                    app.job_function.as_deref().unwrap_or_default(),
                ),
            };
            if applicant == "job_function" {
                format!("同じ職種（{}）", label(vocab, value))
            } else {
                format!("{}の経験あり", label(vocab, value))
            }
        }
    }
}
