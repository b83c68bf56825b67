//! One mentor profile or content page: front matter checked field by field, body rendered.
//! Pure functions of the text (no I/O), so they are tested without files.

use std::path::Path;

use mikke_catalog::{Taxonomy, VocabKind};

use super::fields::{self, Ctx, Kind, Spec};
use super::front_matter::{split, YamlLines};
use super::model::{Mentor, MentorFrontMatter, Page, PageFrontMatter};
use crate::diagnostics::Problem;
use crate::markdown::{self, Link};

/// What parsing one file yields: the item when it is valid, the links its Markdown
/// contains (checked once every file is known) and its problems.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub item: Option<T>,
    /// Lines are file lines.
    pub links: Vec<Link>,
    pub problems: Vec<Problem>,
}

const fn spec(name: &'static str, kind: Kind, required: bool, example: &'static str) -> Spec {
    Spec {
        name,
        kind,
        required,
        example,
    }
}

/// The mentor front-matter fields, in the order staff write them.
pub const MENTOR_FIELDS: &[Spec] = &[
    spec("name", Kind::Text, true, "name: 佐藤 花子"),
    spec("name_kana", Kind::Kana, false, "name_kana: さとう はなこ"),
    spec("title", Kind::Text, true, "title: 人事部 部長"),
    spec(
        "industry",
        Kind::Id(VocabKind::Industries),
        true,
        "industry: it",
    ),
    spec(
        "company_size",
        Kind::Id(VocabKind::CompanySizes),
        true,
        "company_size: large",
    ),
    spec(
        "age_band",
        Kind::Id(VocabKind::AgeBands),
        true,
        "age_band: 40s",
    ),
    spec(
        "job_functions",
        Kind::Ids {
            vocab: VocabKind::JobFunctions,
            at_least_one: true,
        },
        true,
        "job_functions: [hr]",
    ),
    spec(
        "topics",
        Kind::Ids {
            vocab: VocabKind::Topics,
            at_least_one: true,
        },
        true,
        "topics: [confidence, leadership]",
    ),
    spec(
        "tags",
        Kind::Ids {
            vocab: VocabKind::MentorTags,
            at_least_one: false,
        },
        false,
        "tags: [parenting]",
    ),
    spec("accepting", Kind::Bool, false, "accepting: true"),
    spec("capacity", Kind::Count, false, "capacity: 3"),
    spec(
        "summary",
        Kind::Text,
        false,
        "summary: 営業一筋20年、両立の工夫をお話しします",
    ),
    spec("photo", Kind::ContentPath, false, "photo: photos/sato.jpg"),
];

pub const PAGE_FIELDS: &[Spec] = &[
    spec("title", Kind::Text, true, "title: よくある質問"),
    spec("order", Kind::Integer, false, "order: 10"),
    // Only the privacy page (issue 15): the policy's version and the short notice the forms
    // show above their consent box; see content::consent.
    spec("version", Kind::Integer, false, "version: 2"),
    spec(
        "notice",
        Kind::Text,
        false,
        "notice: いただいた情報は、メンターの選定とご紹介、ご連絡のためだけに使います。",
    ),
];

pub fn parse_mentor(
    text: &str,
    source: &Path,
    slug: &str,
    taxonomy: Option<&Taxonomy>,
    photo_exists: &dyn Fn(&str) -> bool,
) -> Parsed<Mentor> {
    let parts = match split(text) {
        Ok(parts) => parts,
        Err(e) => return failed(Problem::new(source, Some(1), e.message())),
    };
    let lines = YamlLines::new(parts.yaml, parts.yaml_line);
    let ctx = Ctx {
        file: source,
        lines: &lines,
        taxonomy,
    };
    let (front, mut problems) =
        fields::check::<MentorFrontMatter>(parts.yaml, parts.yaml_line, MENTOR_FIELDS, &ctx);
    // From the checked fields when they are valid; otherwise from the raw YAML (parsed again
    // only then), so a missing photo is reported alongside other problems.
    let raw: Option<serde_yaml::Value> = match &front {
        Some(_) => None,
        None => serde_yaml::from_str(parts.yaml).ok(),
    };
    let photo = match &front {
        Some(f) => f.photo.as_deref(),
        None => raw
            .as_ref()
            .and_then(|v| v.get("photo"))
            .and_then(|p| p.as_str()),
    };
    if let Some(photo) = photo {
        if fields::is_plain_relative(photo) && !photo_exists(photo) {
            problems.push(Problem::field(
                source,
                lines.key("photo"),
                "photo",
                format!("photo \"{photo}\" does not exist (looked for content/{photo}); add the image there or remove the photo line"),
            ));
        }
    }
    let mut body = markdown::render(parts.body);
    // Every mentor stays in memory for the whole build: the slack of strings grown while
    // rendering would double what 100,000 bios take.
    body.html.shrink_to_fit();
    body.text.shrink_to_fit();
    if body.text.trim().is_empty() {
        problems.push(Problem::new(
            source,
            Some(parts.body_line),
            "the bio is empty; write a few paragraphs about her after the closing \"---\" line",
        ));
    }
    let links = file_links(&body.links, parts.body_line);
    let item = front.filter(|_| problems.is_empty()).map(|front| {
        let summary = match &front.summary {
            Some(s) => s.trim().to_string(),
            None if !body.lead.is_empty() => markdown::summary(&body.lead),
            None => markdown::summary(&body.text),
        };
        Mentor {
            slug: slug.to_string(),
            source: source.to_path_buf(),
            front,
            summary,
            bio_html: body.html,
            bio_text: body.text,
        }
    });
    Parsed {
        item,
        links,
        problems,
    }
}

pub fn parse_page(text: &str, source: &Path, slug: &str) -> Parsed<Page> {
    let parts = match split(text) {
        Ok(parts) => parts,
        Err(e) => return failed(Problem::new(source, Some(1), e.message())),
    };
    let lines = YamlLines::new(parts.yaml, parts.yaml_line);
    let ctx = Ctx {
        file: source,
        lines: &lines,
        taxonomy: None,
    };
    let (front, problems) =
        fields::check::<PageFrontMatter>(parts.yaml, parts.yaml_line, PAGE_FIELDS, &ctx);
    let body = markdown::render(parts.body);
    let links = file_links(&body.links, parts.body_line);
    let text_hash =
        super::consent::notice_hash(front.as_ref().and_then(|f| f.notice.as_deref()), parts.body);
    let item = front.map(|front| Page {
        slug: slug.to_string(),
        source: source.to_path_buf(),
        title: front.title,
        order: front.order,
        description: match body.lead.is_empty() {
            false => markdown::summary(&body.lead),
            true => markdown::summary(&body.text),
        },
        body_html: body.html,
        version: front.version,
        notice: front.notice,
        text_hash,
    });
    Parsed {
        item,
        links,
        problems,
    }
}

fn failed<T>(problem: Problem) -> Parsed<T> {
    Parsed {
        item: None,
        links: Vec::new(),
        problems: vec![problem],
    }
}

fn file_links(links: &[Link], body_line: usize) -> Vec<Link> {
    links
        .iter()
        .map(|l| Link {
            url: l.url.clone(),
            line: l.line + body_line - 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> Taxonomy {
        Taxonomy::parse(include_str!("../../../content/taxonomy.yaml")).unwrap()
    }

    const VALID: &str = "---
name: 佐藤 花子
title: 人事部 部長
industry: it
company_size: large
age_band: 40s
job_functions: [hr]
topics:
  - confidence
  - leadership
---
## 経歴

人事一筋二十年。二人の子を育てながら管理職になりました。

[田中さん](/mentors/tanaka/)とも話せます。
";

    fn problems(text: &str) -> Vec<String> {
        let t = taxonomy();
        parse_mentor(
            text,
            Path::new("content/mentors/sato.md"),
            "sato",
            Some(&t),
            &|_| true,
        )
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect()
    }

    #[test]
    fn valid_profile_gets_defaults_summary_and_links() {
        let t = taxonomy();
        let parsed = parse_mentor(
            VALID,
            Path::new("content/mentors/sato.md"),
            "sato",
            Some(&t),
            &|_| true,
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let m = parsed.item.unwrap();
        assert_eq!(m.front.capacity, 3);
        assert!(m.front.accepting);
        assert!(m.front.tags.is_empty());
        assert_eq!(m.summary, "人事一筋二十年。");
        assert!(m.bio_html.starts_with("<h2>経歴</h2>"));
        assert_eq!(
            parsed.links,
            [Link {
                url: "/mentors/tanaka/".into(),
                line: 16
            }]
        );
    }

    #[test]
    fn unknown_id_names_its_line_and_the_likely_id() {
        let text = VALID.replace("industry: it", "industry: IT");
        assert_eq!(
            problems(&text),
            ["content/mentors/sato.md:4: industry \"IT\" is not in content/taxonomy.yaml (did you mean \"it\"?)"]
        );
    }

    #[test]
    fn unknown_list_item_points_at_its_own_line() {
        let text = VALID.replace("  - leadership", "  - leadrship");
        assert_eq!(
            problems(&text),
            ["content/mentors/sato.md:10: topics \"leadrship\" is not in content/taxonomy.yaml (did you mean \"leadership\"?)"]
        );
    }

    #[test]
    fn every_problem_in_a_file_is_reported_at_once() {
        let text = VALID
            .replace("title: 人事部 部長\n", "")
            .replace("age_band: 40s", "age_band: 40s\ncapacity: 0\nindstry: x")
            .replace("job_functions: [hr]", "job_functions: []");
        let found = problems(&text);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found
            .iter()
            .any(|p| p.contains("required field \"title\" is missing")));
        assert!(found
            .iter()
            .any(|p| p.contains("capacity must be at least 1")));
        assert!(found
            .iter()
            .any(|p| p.contains("unknown field \"indstry\" (did you mean \"industry\"?)")));
        assert!(found.iter().any(|p| p.contains("job_functions is empty")));
    }

    #[test]
    fn a_missing_photo_is_reported_with_valid_fields_and_beside_other_problems() {
        let t = taxonomy();
        let photo_problems = |text: &str| -> Vec<String> {
            parse_mentor(
                text,
                Path::new("content/mentors/sato.md"),
                "sato",
                Some(&t),
                &|_| false,
            )
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect()
        };
        let with_photo = VALID.replace("age_band: 40s", "age_band: 40s\nphoto: photos/sato.jpg");
        let alone = photo_problems(&with_photo);
        assert_eq!(alone.len(), 1, "{alone:?}");
        assert!(
            alone[0].contains("photo \"photos/sato.jpg\" does not exist"),
            "{alone:?}"
        );
        let beside = photo_problems(&with_photo.replace("title: 人事部 部長\n", ""));
        assert_eq!(beside.len(), 2, "{beside:?}");
        assert!(
            beside.iter().any(|p| p.contains("does not exist")),
            "{beside:?}"
        );
    }

    #[test]
    fn wrong_types_say_what_is_expected() {
        let text = VALID.replace(
            "age_band: 40s",
            "age_band: 40s\naccepting: yes\ntopics_x: 1",
        );
        let found = problems(&text);
        assert!(found.contains(
            &"content/mentors/sato.md:7: accepting must be true or false, not \"yes\"; e.g. accepting: true".to_string()
        ), "{found:?}");
        let text = VALID.replace("job_functions: [hr]", "job_functions: hr");
        assert_eq!(
            problems(&text),
            ["content/mentors/sato.md:7: job_functions must be a list of ids from job_functions in content/taxonomy.yaml, not \"hr\"; e.g. job_functions: [hr]"]
        );
    }

    #[test]
    fn a_field_written_twice_points_at_the_repeat() {
        let text = VALID.replace("industry: it\n", "industry: it\nindustry: finance\n");
        assert_eq!(
            problems(&text),
            ["content/mentors/sato.md:5: field \"industry\" is written twice; keep one of them"]
        );
    }

    #[test]
    fn bio_is_required() {
        let text = VALID.split("## 経歴").next().unwrap();
        assert_eq!(
            problems(text),
            ["content/mentors/sato.md:12: the bio is empty; write a few paragraphs about her after the closing \"---\" line"]
        );
    }

    #[test]
    fn without_taxonomy_ids_are_not_checked_but_shape_is() {
        let text = VALID.replace("industry: it", "industry: nonsense");
        let parsed = parse_mentor(&text, Path::new("m.md"), "m", None, &|_| true);
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn any_truncation_of_a_profile_is_reported_not_panicked_on() {
        let t = taxonomy();
        let boundaries = VALID.char_indices().map(|(i, _)| i).chain([VALID.len()]);
        for end in boundaries {
            let text = &VALID[..end];
            let parsed = parse_mentor(text, Path::new("m.md"), "m", Some(&t), &|_| true);
            let last_line = text.lines().count().max(1) + 1;
            assert_eq!(
                parsed.item.is_some(),
                parsed.problems.is_empty(),
                "at {end}"
            );
            for p in &parsed.problems {
                assert!(
                    p.line.is_none_or(|l| (1..=last_line).contains(&l)),
                    "{p} at {end}"
                );
            }
        }
    }

    #[test]
    fn page_needs_a_title() {
        let parsed = parse_page(
            "---\norder: 2\n---\n本文\n",
            Path::new("content/pages/faq.md"),
            "faq",
        );
        assert_eq!(
            parsed.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ["content/pages/faq.md:1: required field \"title\" is missing; add a line such as title: よくある質問"]
        );
    }
}
