//! The rest of the site: content pages (and template-only pages such as forms), the sitemap,
//! robots.txt, static assets and photos.

use serde::Serialize;

use crate::content::{Briefing, Content, Page};
use crate::output::OutputFile;

use super::form_choices::form_choices;
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

/// Above this many accepting mentors the application form takes mentor IDs instead of lists.
pub const MENTOR_LIST_LIMIT: usize = 200;

/// Whether the forms ask for mentor IDs (and profiles show theirs) instead of listing everyone.
pub fn uses_mentor_ids(content: &Content) -> bool {
    content.mentors.iter().filter(|m| m.front.accepting).count() > MENTOR_LIST_LIMIT
}

/// An online briefing from site.yaml, with its date written the Japanese way.
#[derive(Serialize)]
struct BriefingView<'a> {
    date: &'a str,
    /// `2026年12月5日（土）`, or the date as written if it is not `YYYY-MM-DD`.
    date_label: String,
    time: &'a str,
    note: &'a str,
}

impl<'a> BriefingView<'a> {
    fn new(b: &'a Briefing) -> BriefingView<'a> {
        BriefingView {
            date: &b.date,
            date_label: japanese_date(&b.date).unwrap_or_else(|| b.date.clone()),
            time: &b.time,
            note: &b.note,
        }
    }
}

fn japanese_date(iso: &str) -> Option<String> {
    let mut parts = iso.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Sakamoto's day-of-week method (0 = Sunday), Gregorian calendar.
    const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let yy = if m < 3 { y - 1 } else { y };
    let weekday = (yy + yy / 4 - yy / 100 + yy / 400 + T[m as usize - 1] + d) % 7;
    let name = ["日", "月", "火", "水", "木", "金", "土"][weekday as usize];
    Some(format!("{y}年{m}月{d}日（{name}）"))
}

#[derive(Serialize)]
struct PageView<'a> {
    slug: &'a str,
    title: &'a str,
    url: String,
    body_html: &'a str,
    description: &'a str,
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
                description: &page.description,
            },
        );
    }
    if template != "page.html" {
        ctx.insert("taxonomy", &content.taxonomy);
        ctx.insert("choices", &form_choices(&content.taxonomy));
        // Past a few hundred mentors, three lists of every one of them would weigh megabytes
        // (26 MB at 100,000) and nobody could scroll them: the form asks for mentor IDs,
        // which every profile shows and its apply link fills in.
        let mentor_ids = uses_mentor_ids(content);
        let choices: Vec<MentorChoice> = if mentor_ids {
            Vec::new()
        } else {
            content
                .mentors
                .iter()
                .map(|m| MentorChoice {
                    slug: &m.slug,
                    name: &m.front.name,
                    title: &m.front.title,
                    accepting: m.front.accepting,
                })
                .collect()
        };
        ctx.insert("mentor_choices", &choices);
        ctx.insert("mentor_ids", &mentor_ids);
        let example = content.mentors.iter().find(|m| m.front.accepting);
        ctx.insert(
            "mentor_id_example",
            &example.map_or("", |m| m.slug.as_str()),
        );
        let briefings: Vec<BriefingView> = content
            .site
            .briefings
            .iter()
            .map(BriefingView::new)
            .collect();
        ctx.insert("briefings", &briefings);
        // The privacy notice every form shows above its consent box, and the version a
        // submission records (content::consent).
        let privacy = content
            .pages
            .iter()
            .find(|p| p.slug == crate::content::consent::PRIVACY_PAGE);
        ctx.insert(
            "consent",
            &serde_json::json!({
                "version": content.consent.as_ref().map(|c| c.version),
                "notice": privacy.and_then(|p| p.notice.as_deref()),
            }),
        );
    }
    renderer.page(template, &ctx, &format!("{slug}/index.html"))
}

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
}

/// The sitemap protocol's limit of URLs per file; above it `sitemap.xml` becomes an index of
/// `sitemaps/N.xml` files.
const SITEMAP_URLS: usize = 50_000;

/// Every HTML page except 404.html and the noindex pages (`pages`: from the sink, sorted), as
/// absolute URLs under `site.base_url`; robots.txt disallows the noindex pages.
pub(super) fn sitemap_and_robots(
    renderer: &Renderer,
    content: &Content,
    pages: &[(String, bool)],
) -> Result<Vec<OutputFile>, RenderError> {
    let base = content.site.base_url.trim_end_matches('/');
    let url_path = |p: &str| format!("/{}", p.trim_end_matches("index.html"));
    let entries: Vec<SitemapEntry> = pages
        .iter()
        .filter(|(_, noindex)| !noindex)
        .map(|(p, _)| SitemapEntry {
            loc: xml_escape(&format!("{base}{}", url_path(p))),
        })
        .collect();
    let disallow: Vec<String> = pages
        .iter()
        .filter(|(_, noindex)| *noindex)
        .map(|(p, _)| url_path(p))
        .collect();
    let mut ctx = renderer.base("/sitemap.xml");
    ctx.insert("disallow", &disallow);
    ctx.insert("sitemap_url", &format!("{base}/sitemap.xml"));
    let mut out = Vec::new();
    if entries.len() <= SITEMAP_URLS {
        ctx.insert("entries", &entries);
        out.push(renderer.page("sitemap.xml", &ctx, "sitemap.xml")?);
    } else {
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (i, chunk) in entries.chunks(SITEMAP_URLS).enumerate() {
            let path = format!("sitemaps/{}.xml", i + 1);
            let mut part = renderer.base("/sitemap.xml");
            part.insert("entries", chunk);
            out.push(renderer.page("sitemap.xml", &part, &path)?);
            index.push_str(&format!("  <sitemap><loc>{base}/{path}</loc></sitemap>\n"));
        }
        index.push_str("</sitemapindex>\n");
        out.push(OutputFile::bytes("sitemap.xml", index));
    }
    out.push(renderer.page("robots.txt", &ctx, "robots.txt")?);
    Ok(out)
}

/// URLs are escaped here for XML and inserted with `| safe`: the sitemap is escaped as XML,
/// not by the page templates' HTML escaping.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

#[cfg(test)]
mod tests {
    use super::japanese_date;

    #[test]
    fn briefing_dates_read_the_japanese_way_with_the_weekday() {
        assert_eq!(
            japanese_date("2026-12-05").as_deref(),
            Some("2026年12月5日（土）")
        );
        assert_eq!(
            japanese_date("2027-01-16").as_deref(),
            Some("2027年1月16日（土）")
        );
        assert_eq!(
            japanese_date("2024-02-29").as_deref(),
            Some("2024年2月29日（木）")
        );
        assert_eq!(japanese_date("12月5日"), None);
        assert_eq!(japanese_date("2026-13-01"), None);
    }
}
