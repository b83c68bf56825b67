//! The rest of the site: content pages (and template-only pages such as forms), the sitemap,
//! robots.txt, static assets and photos.

use std::path::Path;

use serde::Serialize;
use walkdir::WalkDir;

use crate::content::{Content, Page};
use crate::output::OutputFile;

use super::templates::{template_name, STATIC_DIR};
use super::views::photo_output_path;
use super::{RenderError, Renderer};

/// A page whose template is `pages/<slug>.html` gets this extra context: the forms
/// (apply, consultation, briefing, corporate) build their options from the taxonomy.
#[derive(Serialize)]
struct MentorChoice<'a> {
    slug: &'a str,
    name: &'a str,
    title: &'a str,
    accepting: bool,
}

#[derive(Serialize)]
struct PageView<'a> {
    slug: &'a str,
    title: &'a str,
    url: String,
    body_html: &'a str,
}

/// `content/pages/<slug>.md` → `<slug>/index.html`, with `templates/pages/<slug>.html` if it
/// exists (it extends page.html), else `page.html`. A template `pages/<path>.html` with no
/// content page renders on its own to `<path>/index.html` (e.g. `pages/apply/thanks.html`).
pub(super) fn content_pages(
    renderer: &Renderer,
    content: &Content,
) -> Result<Vec<OutputFile>, RenderError> {
    let mut out = Vec::new();
    for page in &content.pages {
        let custom = format!("pages/{}.html", page.slug);
        let template = if renderer.has_template(&custom) {
            custom.as_str()
        } else {
            "page.html"
        };
        out.push(render_page(
            renderer,
            content,
            template,
            &page.slug,
            Some(page),
        )?);
    }
    let template_only: Vec<String> = renderer
        .template_names()
        .filter_map(|n| {
            n.strip_prefix("pages/")?
                .strip_suffix(".html")
                .map(str::to_string)
        })
        .filter(|slug| !content.pages.iter().any(|p| &p.slug == slug))
        .collect();
    for slug in template_only {
        out.push(render_page(
            renderer,
            content,
            &format!("pages/{slug}.html"),
            &slug,
            None,
        )?);
    }
    Ok(out)
}

fn render_page(
    renderer: &Renderer,
    content: &Content,
    template: &str,
    slug: &str,
    page: Option<&Page>,
) -> Result<OutputFile, RenderError> {
    let url = format!("/{slug}/");
    let mut ctx = renderer.base(&url);
    if let Some(page) = page {
        ctx.insert(
            "page",
            &PageView {
                slug: &page.slug,
                title: &page.title,
                url: url.clone(),
                body_html: &page.body_html,
            },
        );
    }
    if template != "page.html" {
        ctx.insert("taxonomy", &content.taxonomy);
        let choices: Vec<MentorChoice> = content
            .mentors
            .iter()
            .map(|m| MentorChoice {
                slug: &m.slug,
                name: &m.front.name,
                title: &m.front.title,
                accepting: m.front.accepting,
            })
            .collect();
        ctx.insert("mentor_choices", &choices);
    }
    renderer.page(template, &ctx, &format!("{slug}/index.html"))
}

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
}

/// Every HTML page except 404.html, as absolute URLs under `site.base_url`.
pub(super) fn sitemap_and_robots(
    renderer: &Renderer,
    content: &Content,
    files: &[OutputFile],
) -> Result<Vec<OutputFile>, RenderError> {
    let base = content.site.base_url.trim_end_matches('/');
    let mut paths: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with("index.html"))
        .collect();
    paths.sort_unstable();
    let entries: Vec<SitemapEntry> = paths
        .into_iter()
        .map(|p| SitemapEntry {
            loc: xml_escape(&format!("{base}/{}", p.trim_end_matches("index.html"))),
        })
        .collect();
    let mut ctx = renderer.base("/sitemap.xml");
    ctx.insert("entries", &entries);
    ctx.insert("sitemap_url", &format!("{base}/sitemap.xml"));
    Ok(vec![
        renderer.page("sitemap.xml", &ctx, "sitemap.xml")?,
        renderer.page("robots.txt", &ctx, "robots.txt")?,
    ])
}

/// Tera's HTML escaping also escapes `/`, which is legal but unreadable in a sitemap; URLs are
/// escaped here for XML and inserted with `| safe`.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `templates/static/**` → `static/**`, copied as they are.
pub(super) fn static_assets(templates_dir: &Path) -> Result<Vec<OutputFile>, RenderError> {
    let dir = templates_dir.join(STATIC_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|e| RenderError::Io {
            path: e.path().unwrap_or(&dir).to_path_buf(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_file() {
            let rel = template_name(&dir, entry.path());
            out.push(OutputFile::copy(
                format!("{STATIC_DIR}/{rel}"),
                entry.into_path(),
            ));
        }
    }
    Ok(out)
}

/// Each mentor's photo, from `content/<photo>` to `photos/<slug>.<ext>`.
pub(super) fn photos(content: &Content) -> Vec<OutputFile> {
    content
        .mentors
        .iter()
        .filter_map(|m| {
            let to = photo_output_path(m)?;
            let from = content.root.join("content").join(m.front.photo.as_deref()?);
            Some(OutputFile::copy(to, from))
        })
        .collect()
}
