//! `render_site` against the project's templates with small hand-built content.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mikke_catalog::Matching;

use super::test_support::{mentor, taxonomy};
use super::*;
use crate::content::{Content, Page, SiteConfig};
use crate::output::OutputBody;

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates")
}

fn content() -> Content {
    let mut closed = mentor("chiba", "it", &[]);
    closed.front.accepting = false;
    let mut photographed = mentor("aoki", "it", &["parenting", "stem"]);
    photographed.front.photo = Some("photos/aoki.png".into());
    Content {
        root: PathBuf::from("/site"),
        site: SiteConfig {
            title: "メンターmikke".into(),
            tagline: "社外の先輩女性に、キャリアを相談できる。".into(),
            base_url: "https://mikke.example.jp/".into(),
            api_url: "/api".into(),
            contact_email: "hello@mikke.example.jp".into(),
            briefings: vec![],
            mail: None,
            page_size: crate::content::DEFAULT_PAGE_SIZE,
        },
        taxonomy: taxonomy(),
        matching: Matching::parse(include_str!("../../../content/matching.yaml")).unwrap(),
        mentors: vec![photographed, mentor("baba", "finance", &["stem"]), closed],
        pages: vec![Page {
            slug: "faq".into(),
            source: "content/pages/faq.md".into(),
            title: "よくある質問".into(),
            order: 1,
            body_html: "<h2>料金</h2><p>1回から。</p>".into(),
            description: String::new(),
            version: None,
            notice: None,
            text_hash: String::new(),
        }],
        mail: None,
        consent: None,
    }
}

fn html<'a>(files: &'a [OutputFile], path: &str) -> &'a str {
    let file = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    match &file.body {
        OutputBody::Bytes(b) => std::str::from_utf8(b).unwrap(),
        OutputBody::Copy(_) => panic!("{path} is a copy"),
    }
}

/// The slugs of the mentors a page lists, in order: its profile links (a card or a facet line
/// links its mentor once; `/mentors/page/N/` is the pager).
fn listed(page: &str) -> Vec<&str> {
    page.split("href=\"/mentors/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/\"").map(|(slug, _)| slug))
        .filter(|slug| !slug.contains('/'))
        .collect()
}

#[test]
fn directory_lists_every_mentor_with_the_agreed_markup() {
    let files = render_site(&content(), &templates_dir()).unwrap();
    let home = html(&files, "index.html");
    assert!(home.contains(r#"<ul class="mentor-list" id="mentor-list">"#));
    assert_eq!(listed(home), ["aoki", "baba", "chiba"]);
    assert!(home.contains(r#"<li class="mentor-card" data-slug="baba">"#));
    assert!(home.contains(r#"<a href="/mentors/baba/">"#));
    let panel = home
        .find(r#"id="search-panel""#)
        .expect("the search panel is included");
    assert!(
        panel < home.find(r#"id="mentor-list""#).unwrap(),
        "just above the list"
    );
    assert!(home.contains("受付停止中"), "the closed mentor is marked");
    for facet in FACETS {
        let link = format!("<a href=\"/{}/\">{}</a>", facet.dir, facet.heading);
        assert!(
            home.contains(&link),
            "browse links to the facet pages: {link}"
        );
    }
}

#[test]
fn every_facet_page_lists_exactly_the_mentors_with_that_value() {
    let c = content();
    let files = render_site(&c, &templates_dir()).unwrap();
    for facet in FACETS {
        for id in c.taxonomy.vocab(facet.kind).keys() {
            let page = html(&files, &format!("{}/{id}/index.html", facet.dir));
            let expected: BTreeSet<&str> = c
                .mentors
                .iter()
                .filter(|m| facet.values(m).contains(id))
                .map(|m| m.slug.as_str())
                .collect();
            let got: BTreeSet<&str> = listed(page).into_iter().collect();
            assert_eq!(got, expected, "{}/{id}", facet.dir);
            if expected.is_empty() {
                assert!(
                    page.contains("まだこの条件のメンターはいません"),
                    "{}/{id}",
                    facet.dir
                );
            }
        }
        let index = html(&files, &format!("{}/index.html", facet.dir));
        assert!(index.contains(facet.heading));
    }
    assert!(html(&files, "industries/index.html")
        .contains("IT・通信</a> <span class=\"count\">2人</span>"));
}

#[test]
fn profile_links_every_attribute_and_offers_the_application() {
    let files = render_site(&content(), &templates_dir()).unwrap();
    let aoki = html(&files, "mentors/aoki/index.html");
    for link in [
        "/industries/it/",
        "/company-sizes/sme/",
        "/job-functions/sales/",
        "/age-bands/40s/",
        "/tags/stem/",
        "/topics/confidence/",
    ] {
        assert!(aoki.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(aoki.contains(r#"href="/apply/?mentor=aoki">このメンターに申し込む</a>"#));
    assert!(aoki.contains(r#"src="/photos/aoki.png""#));
    assert!(
        aoki.contains("<p>営業一筋20年。</p>"),
        "the sanitised bio is inserted as HTML"
    );
    let chiba = html(&files, "mentors/chiba/index.html");
    assert!(!chiba.contains("このメンターに申し込む"));
    assert!(chiba.contains("新しいお申し込みを受け付けていません"));
    let photo = files.iter().find(|f| f.path == "photos/aoki.png").unwrap();
    assert_eq!(
        photo.body,
        OutputBody::Copy("/site/content/photos/aoki.png".into())
    );
}

#[test]
fn text_from_content_is_escaped() {
    let mut c = content();
    c.mentors[0].front.name = "<script>alert(1)</script>".into();
    let files = render_site(&c, &templates_dir()).unwrap();
    for path in [
        "index.html",
        "mentors/aoki/index.html",
        "tags/stem/index.html",
    ] {
        let page = html(&files, path);
        assert!(!page.contains("<script>alert"), "{path}");
        assert!(page.contains("&lt;script&gt;alert(1)"), "{path}");
    }
}

#[test]
fn pages_sitemap_robots_404_and_assets_are_produced() {
    let files = render_site(&content(), &templates_dir()).unwrap();
    let faq = html(&files, "faq/index.html");
    assert!(faq.contains("<h1>よくある質問</h1>") && faq.contains("<h2>料金</h2>"));
    assert!(html(&files, "404.html").contains("ページが見つかりません"));
    let sitemap = html(&files, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://mikke.example.jp/</loc>"));
    assert!(sitemap.contains("<loc>https://mikke.example.jp/mentors/aoki/</loc>"));
    assert!(sitemap.contains("<loc>https://mikke.example.jp/faq/</loc>"));
    assert!(!sitemap.contains("404"));
    assert!(html(&files, "robots.txt").contains("Sitemap: https://mikke.example.jp/sitemap.xml"));
    // The private links' page is noindex: out of the sitemap, disallowed in robots.txt.
    assert!(html(&files, "diary/index.html").contains(r#"<meta name="robots" content="noindex"#));
    assert!(!sitemap.contains("/diary/"), "{sitemap}");
    assert!(sitemap.contains("<loc>https://mikke.example.jp/apply/</loc>"));
    assert!(html(&files, "robots.txt").contains("\nDisallow: /diary/\n"));
    assert!(
        html(&files, "robots.txt").contains("\n\nSitemap: "),
        "only HTML templates lose their blank lines"
    );
    // Static files under their own name and their content-hashed one; pages link the latter.
    let source = std::fs::read(templates_dir().join("static/site.css")).unwrap();
    let css: Vec<&OutputFile> = files
        .iter()
        .filter(|f| f.path.starts_with("static/site.") && f.path.ends_with(".css"))
        .collect();
    assert_eq!(css.len(), 2);
    assert!(css
        .iter()
        .all(|f| f.body == OutputBody::Bytes(source.clone())));
    let hashed = css.iter().find(|f| f.path != "static/site.css").unwrap();
    assert!(html(&files, "index.html").contains(&format!(r#"href="/{}""#, hashed.path)));
    let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), files.len(), "no output path twice");
}

/// A copy of the project's templates to modify in a test.
fn templates_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(templates_dir()) {
        let entry = entry.unwrap();
        let to = dir
            .path()
            .join(entry.path().strip_prefix(templates_dir()).unwrap());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

#[test]
fn the_search_script_is_included_only_when_it_exists() {
    let dir = templates_copy();
    let _ = std::fs::remove_file(dir.path().join("static/search.js"));
    let script = r#"<script type="module" src="/static/search."#;
    let files = render_site(&content(), dir.path()).unwrap();
    assert!(!html(&files, "index.html").contains(script));
    std::fs::write(dir.path().join("static/search.js"), "export {};").unwrap();
    let files = render_site(&content(), dir.path()).unwrap();
    assert!(html(&files, "index.html").contains(script));
    assert!(files.iter().any(|f| f.path == "static/search.js"));
}

#[test]
fn a_page_template_of_its_own_gets_the_taxonomy_and_template_only_pages_render() {
    let dir = templates_copy();
    std::fs::write(
        dir.path().join("pages/faq.html"),
        r#"{% extends "page.html" %}{% block after_body %}<p id="x">{{ taxonomy.industries.it }} {{ mentor_choices | length }}</p>{% endblock after_body %}"#,
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("pages/apply")).unwrap();
    std::fs::write(
        dir.path().join("pages/apply/thanks.html"),
        r#"{% extends "base.html" %}{% block main %}<h1>受け付けました</h1>{% endblock main %}"#,
    )
    .unwrap();
    let files = render_site(&content(), dir.path()).unwrap();
    assert!(html(&files, "faq/index.html").contains(r#"<p id="x">IT・通信 3</p>"#));
    assert!(html(&files, "apply/thanks/index.html").contains("<h1>受け付けました</h1>"));
}

#[test]
fn a_template_syntax_error_names_the_template_file() {
    let dir = templates_copy();
    std::fs::write(dir.path().join("facet.html"), "{% if %}").unwrap();
    let err = render_site(&content(), dir.path()).unwrap_err();
    assert!(
        matches!(&err, RenderError::Template { template, .. } if template.ends_with("facet.html")),
        "{err}"
    );
    assert!(err.to_string().contains("facet.html"), "{err}");
}

#[test]
fn a_missing_variable_names_the_template_and_the_page() {
    let dir = templates_copy();
    std::fs::write(dir.path().join("404.html"), "{{ nothing.here }}").unwrap();
    let err = render_site(&content(), dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("404.html") && err.contains("nothing.here"),
        "{err}"
    );
}

#[test]
fn the_briefing_page_lists_the_dates_from_site_yaml() {
    let mut c = content();
    c.site.briefings = vec![crate::content::Briefing {
        date: "2026-12-05".into(),
        time: "10:00〜11:00".into(),
        note: "土曜午前".into(),
        capacity: None,
    }];
    let files = render_site(&c, &templates_dir()).unwrap();
    let page = html(&files, "briefing/index.html");
    assert!(
        page.contains(r#"<time datetime="2026-12-05">2026年12月5日（土）</time> 10:00〜11:00"#),
        "{page}"
    );
    assert!(html(&files, "sitemap.xml").contains("/briefing/</loc>"));
}

#[test]
fn a_site_without_mentors_still_renders_with_a_friendly_note() {
    let mut c = content();
    c.mentors.clear();
    let files = render_site(&c, &templates_dir()).unwrap();
    let home = html(&files, "index.html");
    assert!(home.contains("ただいまメンターの紹介を準備しています"));
    assert!(
        home.contains(r#"<ul class="mentor-list" id="mentor-list">"#),
        "search still finds its list"
    );
    assert!(html(&files, "tags/stem/index.html").contains("まだこの条件のメンターはいません"));
}

#[test]
fn the_forms_offer_every_taxonomy_entry_and_briefing_date_without_template_changes() {
    let mut c = content();
    c.taxonomy
        .topics
        .insert("new_topic".into(), "新しく追加したテーマ".into());
    c.site.briefings = vec![crate::content::Briefing {
        date: "2027-02-06".into(),
        time: "10:00〜11:00".into(),
        note: String::new(),
        capacity: None,
    }];
    let files = render_site(&c, &templates_dir()).unwrap();
    let apply = html(&files, "apply/index.html");
    assert!(
        apply.contains(r#"<input type="checkbox" name="topics" value="new_topic"> <span>新しく追加したテーマ</span>"#),
        "{apply}"
    );
    for (id, label) in &c.taxonomy.industries {
        assert!(apply.contains(&format!(r#"<option value="{id}">{label}</option>"#)));
    }
    for id in c.taxonomy.plans.keys() {
        assert!(apply.contains(&format!(r#"name="plan" value="{id}""#)));
    }
    assert!(apply.contains(r#"action="/api/applications""#));
    let briefing = html(&files, "briefing/index.html");
    assert!(
        briefing.contains(r#"name="briefing_date" value="2027-02-06""#),
        "{briefing}"
    );
    assert!(briefing.contains(r#"action="/api/inquiries""#));
    assert!(html(&files, "corporate/index.html")
        .contains(r#"<input type="hidden" name="kind" value="corporate">"#));
}

#[test]
fn a_form_component_called_with_an_unknown_argument_names_the_file_and_line() {
    let dir = templates_copy();
    let path = dir.path().join("pages/diary.html");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("{{<form.textarea name=", "{{<form.textarea nme=", 1);
    assert_ne!(text, broken, "diary.html calls form.textarea");
    std::fs::write(&path, broken).unwrap();
    let err = render_site(&content(), dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("pages/diary.html:") && err.contains("`nme`"),
        "{err}"
    );
}
