//! Small hand-built content for the unit tests of this module.

use mikke_catalog::Taxonomy;

use crate::content::{Mentor, MentorFrontMatter};

pub const TAXONOMY: &str = "
industries: { it: IT・通信, finance: 金融・保険, retail: 小売・流通 }
company_sizes: { large: 大手企業, sme: 中小企業 }
job_functions: { sales: 営業, engineering: 技術・開発 }
age_bands: { 30s: 30代, 40s: 40代 }
mentor_tags: { parenting: 育児をしながら働いてきた, stem: 理系 }
topics: { confidence: 自信が持てない, leadership: リーダーとしての悩み }
situations: { on_leave: 育休中 }
preferences: { stem: { label: 理系の先輩, match: mentor.tags has stem } }
plans: { single: { label: 1回, sessions: 1 } }
";

pub fn taxonomy() -> Taxonomy {
    Taxonomy::parse(TAXONOMY).expect("test taxonomy is valid")
}

pub fn mentor(slug: &str, industry: &str, tags: &[&str]) -> Mentor {
    Mentor {
        slug: slug.into(),
        source: format!("content/mentors/{slug}.md").into(),
        front: MentorFrontMatter {
            name: format!("{slug} 花子"),
            name_kana: None,
            title: "営業部 課長".into(),
            industry: industry.into(),
            company_size: "sme".into(),
            age_band: "40s".into(),
            job_functions: vec!["sales".into()],
            topics: vec!["confidence".into()],
            tags: tags.iter().map(|t| t.to_string()).collect(),
            accepting: true,
            capacity: 3,
            summary: None,
            photo: None,
        },
        summary: "営業一筋20年。".into(),
        bio_html: "<p>営業一筋20年。</p>".into(),
        bio_text: "営業一筋20年。".into(),
    }
}
