//! Hand-built catalogs over the project's real taxonomy and weights, for tests
//! and benchmarks (public so `tests/` and `benches/` share them).

use mikke_catalog::{Catalog, CatalogMentor, Matching, Taxonomy, CATALOG_SCHEMA_VERSION};

use crate::forms::{ApplicantType, Application};

pub fn taxonomy() -> Taxonomy {
    Taxonomy::parse(include_str!("../../content/taxonomy.yaml"))
        .expect("content/taxonomy.yaml is valid")
}

pub fn matching() -> Matching {
    Matching::parse(include_str!("../../content/matching.yaml"))
        .expect("content/matching.yaml is valid")
}

/// A mentor: `slug`, `industry`, `company_size`, `age_band`, job functions, topics, tags.
pub fn mentor(
    slug: &str,
    industry: &str,
    company_size: &str,
    age_band: &str,
    job_functions: &[&str],
    topics: &[&str],
    tags: &[&str],
) -> CatalogMentor {
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    CatalogMentor {
        slug: slug.into(),
        name: format!("メンター{slug}"),
        name_kana: None,
        title: "部長".into(),
        industry: industry.into(),
        company_size: company_size.into(),
        age_band: age_band.into(),
        job_functions: list(job_functions),
        topics: list(topics),
        tags: list(tags),
        accepting: true,
        capacity: 3,
        summary: String::new(),
        url: format!("/mentors/{slug}/"),
    }
}

pub fn catalog(mut mentors: Vec<CatalogMentor>) -> Catalog {
    mentors.sort_by(|a, b| a.slug.cmp(&b.slug));
    Catalog {
        schema_version: CATALOG_SCHEMA_VERSION,
        site: mikke_catalog::CatalogSite {
            title: "メンターmikke".into(),
            base_url: "http://127.0.0.1:8080".into(),
            api_url: "/api".into(),
            briefings: vec![
                // Long past (the router tests' pinned clock is in 2030).
                mikke_catalog::CatalogBriefing {
                    date: "2026-12-05".into(),
                    time: "10:00〜11:00".into(),
                    capacity: None,
                },
                mikke_catalog::CatalogBriefing {
                    date: "2036-12-06".into(),
                    time: "10:00〜11:00".into(),
                    capacity: Some(2),
                },
            ],
        },
        taxonomy: taxonomy(),
        matching: matching(),
        mentors,
        // Two published versions, so tests can post from a page cached before the change.
        consent: Some(mikke_catalog::CatalogConsent {
            version: 2,
            versions: [(1, "1".repeat(64)), (2, "2".repeat(64))].into(),
        }),
    }
}

/// A small catalog covering the cases the tests name.
pub fn small_catalog() -> Catalog {
    catalog(vec![
        mentor(
            "aoki",
            "it",
            "sme",
            "40s",
            &["engineering"],
            &["promotion_decision", "leadership", "confidence"],
            &["parenting", "first_female_manager"],
        ),
        mentor(
            "ito",
            "it",
            "large",
            "50s",
            &["sales"],
            &["promotion_decision"],
            &["executive_officer"],
        ),
        mentor(
            "kato",
            "finance",
            "sme",
            "40s",
            &["hr"],
            &["work_life_balance"],
            &["single_mother"],
        ),
        mentor(
            "sato",
            "manufacturing",
            "large",
            "50s",
            &["research"],
            &["stem_career", "leadership"],
            &["stem", "male_dominated_workplace"],
        ),
    ])
}

/// A complete application: IT, SME, wants same industry and SME.
pub fn application() -> Application {
    Application {
        name: "山田 花子".into(),
        email: "hanako@example.jp".into(),
        phone: Some("090-1234-5678".into()),
        age_band: "30s".into(),
        industry: "it".into(),
        company_size: "sme".into(),
        job_function: Some("engineering".into()),
        situations: vec!["raising_children".into(), "new_leader".into()],
        topics: vec!["promotion_decision".into(), "work_life_balance".into(), "leadership".into()],
        preferences: vec!["same_industry".into(), "sme".into()],
        preferred_mentors: vec![],
        plan: "standard".into(),
        applicant_type: ApplicantType::Individual,
        company_code: None,
        message: Some("管理職への登用を打診されています。子育てとの両立ができるか不安で、同じような経験をした方にお話を伺いたいです。".repeat(2)),
        consent: true,
    }
}

/// `n` varied mentors drawn deterministically from the taxonomy (benchmarks).
pub fn synthetic_catalog(n: usize) -> Catalog {
    let t = taxonomy();
    fn pick(v: &mikke_catalog::Vocab, i: usize) -> &str {
        v.get_index(i % v.len())
            .map(|(k, _)| k.as_str())
            .unwrap_or_default()
    }
    let mentors = (0..n)
        .map(|i| {
            let m = i.wrapping_mul(2_654_435_761) >> 3;
            let functions = [pick(&t.job_functions, m), pick(&t.job_functions, m / 7)];
            let topics = [
                pick(&t.topics, m / 3),
                pick(&t.topics, m / 11),
                pick(&t.topics, m / 13),
            ];
            let tags = [pick(&t.mentor_tags, m / 5), pick(&t.mentor_tags, m / 17)];
            let mut mentor = mentor(
                &format!("m{i:05}"),
                pick(&t.industries, m),
                pick(&t.company_sizes, m / 2),
                pick(&t.age_bands, m / 19),
                &functions,
                &topics,
                &tags,
            );
            mentor.job_functions.dedup();
            mentor.topics.sort();
            mentor.topics.dedup();
            mentor.tags.sort();
            mentor.tags.dedup();
            mentor
        })
        .collect();
    catalog(mentors)
}
