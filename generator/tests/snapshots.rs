//! Snapshots of the two pages visitors see most: a profile and the directory. Built from a
//! small fixed `Content` (not the sample content), so they change only when templates or
//! rendering change. Review changes with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};

use generator::content::{Content, Mentor, MentorFrontMatter, Page, SiteConfig};
use generator::output::{OutputBody, OutputFile};
use generator::render::render_site;
use mikke_catalog::{Matching, Taxonomy};

const TAXONOMY: &str = "
industries: { it: IT・通信, manufacturing: メーカー, finance: 金融・保険 }
company_sizes: { large: 大手企業, sme: 中小企業 }
job_functions: { sales: 営業, engineering: 技術・開発, hr: 人事 }
age_bands: { 30s: 30代, 40s: 40代, 50s: 50代 }
mentor_tags: { parenting: 育児をしながら働いてきた, stem: 理系, first_female_manager: 女性初の管理職 }
topics: { return_from_leave: 育休復帰後のキャリア, stem_career: 理系のキャリア, leadership: リーダーとしての悩み }
situations: { on_leave: 育休中 }
preferences: { stem: { label: 理系の先輩, match: mentor.tags has stem } }
plans: { single: { label: 1回, sessions: 1 }, standard: { label: 3回, sessions: 3 } }
";

const MATCHING: &str = "
weights: { preference: 20, topic: 8, topic_cap: 24, situation: 8, situation_cap: 16,
  same_industry: 10, same_function: 8, older_mentor: 4, preferred_mentor: 30 }
situation_tags: { on_leave: [parenting] }
completeness: { needs_call_below: 60, min_topics: 1, min_message_chars: 40,
  penalties: { few_topics: 10, no_preferences: 10, no_message: 20, short_message: 10,
    no_job_function: 10, no_situations: 5, no_phone: 5 } }
followup: { flag_at: 40, low_satisfaction_at_most: 2, low_satisfaction: 40, per_point_below: 20,
  staff_contact: 60, thin_reflections_below: 30, thin_reflections: 20, skipped_session: 30 }
";

#[allow(clippy::too_many_arguments)]
fn mentor(
    slug: &str,
    name: &str,
    title: &str,
    (industry, company_size, age_band): (&str, &str, &str),
    job_functions: &[&str],
    topics: &[&str],
    tags: &[&str],
    accepting: bool,
    summary: &str,
    bio_html: &str,
) -> Mentor {
    let list = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    Mentor {
        slug: slug.into(),
        source: PathBuf::from(format!("content/mentors/{slug}.md")),
        front: MentorFrontMatter {
            name: name.into(),
            name_kana: None,
            title: title.into(),
            industry: industry.into(),
            company_size: company_size.into(),
            age_band: age_band.into(),
            job_functions: list(job_functions),
            topics: list(topics),
            tags: list(tags),
            accepting,
            capacity: 3,
            summary: Some(summary.into()),
            photo: None,
        },
        summary: summary.into(),
        bio_html: bio_html.into(),
        bio_text: String::new(),
    }
}

trait WithReading {
    fn with_reading(self, kana: &str) -> Self;
}

impl WithReading for Mentor {
    fn with_reading(mut self, kana: &str) -> Self {
        self.front.name_kana = Some(kana.into());
        self
    }
}

fn content() -> Content {
    Content {
        root: PathBuf::from("/fixture"),
        site: SiteConfig {
            title: "メンターmikke".into(),
            tagline: "社外の先輩女性に、キャリアを相談できる。".into(),
            base_url: "https://mikke.example.jp".into(),
            api_url: "/api".into(),
            contact_email: "hello@mikke.example.jp".into(),
            briefings: vec![],
            mail: None,
            page_size: generator::content::DEFAULT_PAGE_SIZE,
        },
        taxonomy: Taxonomy::parse(TAXONOMY).unwrap(),
        matching: Matching::parse(MATCHING).unwrap(),
        mentors: vec![
            mentor(
                "hoshino-akari",
                "星野 あかり",
                "製品開発部 部長",
                ("manufacturing", "large", "50s"),
                &["engineering"],
                &["stem_career", "leadership"],
                &["stem", "first_female_manager", "parenting"],
                true,
                "化学メーカーで研究開発から部長に。理系女性のキャリアをご一緒に考えます。",
                "<h2>これまでのキャリア</h2>\n<p>大学院で有機化学を学び、化学メーカーに入社。</p>\n<h2>メッセージ</h2>\n<p>迷ったときこそ、外の視点を。</p>",
            )
            .with_reading("ほしの あかり"),
            mentor(
                "mori-yuka",
                "森 由佳",
                "人事部 マネージャー",
                ("it", "sme", "40s"),
                &["hr"],
                &["return_from_leave"],
                &[],
                false,
                "育休からの復帰と評価制度づくりを経験しました。",
                "<p>IT企業で人事を15年。</p>",
            ),
        ],
        pages: vec![Page {
            slug: "faq".into(),
            source: PathBuf::from("content/pages/faq.md"),
            title: "よくある質問".into(),
            order: 3,
            body_html: "<p>質問と答え</p>".into(),
            description: String::new(),
            version: None,
            notice: None,
            text_hash: String::new(),
        }],
        mail: None,
        consent: None,
    }
}

fn page(files: &[OutputFile], path: &str) -> String {
    let file = files.iter().find(|f| f.path == path).expect(path);
    match &file.body {
        OutputBody::Bytes(b) => without_hashes(&String::from_utf8(b.clone()).unwrap()),
        OutputBody::Copy(_) => panic!("{path} is a copy"),
    }
}

/// `/static/site.0a1b2c3d4e.css` → `/static/site.HASH.css`: a stylesheet edit is not a change
/// of these pages.
fn without_hashes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("/static/") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let end = from.find('"').unwrap_or(from.len());
        let url = &from[..end];
        let parts: Vec<&str> = url.rsplitn(3, '.').collect();
        match parts.as_slice() {
            [ext, hash, stem]
                if hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                out.push_str(&format!("{stem}.HASH.{ext}"))
            }
            _ => out.push_str(url),
        }
        rest = &from[end..];
    }
    out.push_str(rest);
    out
}

/// The project's templates, except the search panel and script, which belong to the search
/// stage and have tests of their own: they are replaced by the minimal panel so these
/// snapshots change only when the pages themselves do.
fn render() -> Vec<OutputFile> {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    let copy = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&templates) {
        let entry = entry.unwrap();
        let to = copy
            .path()
            .join(entry.path().strip_prefix(&templates).unwrap());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if !entry.path().ends_with("static/search.js") {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    std::fs::write(
        copy.path().join("partials/search_panel.html"),
        "<div id=\"search-panel\"></div>\n",
    )
    .unwrap();
    render_site(&content(), copy.path()).unwrap()
}

#[test]
fn profile_page() {
    insta::assert_snapshot!(
        "profile_page",
        page(&render(), "mentors/hoshino-akari/index.html")
    );
}

#[test]
fn profile_page_of_a_mentor_not_accepting() {
    insta::assert_snapshot!(
        "profile_page_not_accepting",
        page(&render(), "mentors/mori-yuka/index.html")
    );
}

#[test]
fn directory_page() {
    insta::assert_snapshot!("directory_page", page(&render(), "index.html"));
}
