//! Filling the Tera templates: every HTML page of the site, the sitemap, robots.txt, and the
//! static assets and photos to copy. (The search index and catalog.json are other stages'.)
//!
//! Speed at 10,000 mentors comes from doing each piece of work once: one Tera instance shared
//! by all threads, each mentor's card rendered once (rayon) and spliced into the directory and
//! every facet page that lists her, profile and facet pages rendered in parallel, and contexts
//! that borrow from `Content` instead of cloning it.

mod facets;
mod form_choices;
mod site_files;
mod slim_js;
mod templates;
mod views;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::Content;
use crate::output::OutputFile;

pub use facets::{group, Facet, FACETS};
pub use views::{mentor_url, photo_output_path, FacetView, MentorView, PageLink, ValueLink};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{}: {message}", template.display())]
    Template { template: PathBuf, message: String },
    #[error("{}: while rendering {page}: {message}", template.display())]
    Render {
        template: PathBuf,
        page: String,
        message: String,
    },
    #[error("{}: {field} \"{id}\" is not in content/taxonomy.yaml ({vocab})", source_path.display())]
    UnknownId {
        source_path: PathBuf,
        field: &'static str,
        id: String,
        vocab: &'static str,
    },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

/// Renders every output file of the site except the search index and catalog.json.
pub fn render_site(
    content: &Content,
    templates_dir: &Path,
) -> Result<Vec<OutputFile>, RenderError> {
    let renderer = Renderer::new(content, templates_dir)?;
    let taxonomy = &content.taxonomy;

    let mentors: Vec<MentorView> = content
        .mentors
        .par_iter()
        .map(|m| MentorView::new(m, taxonomy))
        .collect::<Result<_, _>>()?;
    let cards: Vec<String> = mentors
        .par_iter()
        .map(|m| {
            let mut ctx = Context::new();
            ctx.insert("mentor", m);
            renderer.render_with("partials/mentor_card.html", &ctx, &m.url)
        })
        .collect::<Result<_, _>>()?;
    let groups: Vec<(Facet, indexmap::IndexMap<&str, Vec<usize>>)> = FACETS
        .iter()
        .map(|&f| (f, group(f, taxonomy, &content.mentors)))
        .collect();
    let facet_views: Vec<FacetView> = groups
        .iter()
        .map(|(f, g)| {
            let counts: Vec<usize> = g.values().map(Vec::len).collect();
            FacetView::new(*f, taxonomy, &counts)
        })
        .collect();

    let mut out = Vec::new();

    // Home + directory.
    let mut ctx = renderer.base("/");
    ctx.insert("cards", &join_cards(&cards, 0..cards.len()));
    ctx.insert("mentor_count", &cards.len());
    ctx.insert(
        "accepting_count",
        &mentors.iter().filter(|m| m.accepting).count(),
    );
    ctx.insert("facets", &facet_views);
    ctx.insert(
        "has_search_js",
        &templates_dir.join("static/search.js").is_file(),
    );
    out.push(renderer.page("index.html", &ctx, "index.html")?);

    // Profiles.
    let profiles: Vec<OutputFile> = mentors
        .par_iter()
        .zip(content.mentors.par_iter())
        .map(|(view, mentor)| {
            let mut ctx = renderer.base(&view.url);
            ctx.insert("mentor", view);
            ctx.insert("bio_html", &mentor.bio_html);
            renderer.page(
                "mentor.html",
                &ctx,
                &format!("mentors/{}/index.html", view.slug),
            )
        })
        .collect::<Result<_, _>>()?;
    out.extend(profiles);

    // Facet indexes and one page per value.
    for view in &facet_views {
        let mut ctx = renderer.base(&view.url);
        ctx.insert("facet", view);
        out.push(renderer.page(
            "facet_index.html",
            &ctx,
            &format!("{}index.html", &view.url[1..]),
        )?);
    }
    let value_pages: Vec<(usize, &str, &[usize])> = groups
        .iter()
        .enumerate()
        .flat_map(|(fi, (_, g))| g.iter().map(move |(id, list)| (fi, *id, list.as_slice())))
        .collect();
    let value_files: Vec<OutputFile> = value_pages
        .par_iter()
        .map(|&(fi, id, members)| {
            let facet = &facet_views[fi];
            let value = facet
                .values
                .iter()
                .find(|v| v.id == id)
                .expect("grouped from the same vocab");
            let mut ctx = renderer.base(&value.url);
            ctx.insert(
                "facet",
                &FacetHeading {
                    heading: facet.heading,
                    url: &facet.url,
                },
            );
            ctx.insert("value", value);
            ctx.insert("cards", &join_cards(&cards, members.iter().copied()));
            renderer.page(
                "facet.html",
                &ctx,
                &format!("{}index.html", &value.url[1..]),
            )
        })
        .collect::<Result<_, _>>()?;
    out.extend(value_files);

    out.extend(site_files::content_pages(&renderer, content)?);
    out.push(renderer.page("404.html", &renderer.base("/404.html"), "404.html")?);
    out.extend(site_files::sitemap_and_robots(&renderer, content, &out)?);
    out.extend(site_files::static_assets(templates_dir)?);
    out.extend(site_files::photos(content));
    Ok(out)
}

#[derive(Serialize)]
struct FacetHeading<'a> {
    heading: &'a str,
    url: &'a str,
}

/// Concatenates pre-rendered `<li>` cards; templates insert the result with `| safe`
/// (each card was escaped when it was rendered).
fn join_cards(cards: &[String], which: impl Iterator<Item = usize> + Clone) -> String {
    let len = which.clone().map(|i| cards[i].len() + 1).sum();
    let mut html = String::with_capacity(len);
    for i in which {
        html.push_str(cards[i].trim_end());
        html.push('\n');
    }
    html
}

/// One Tera instance and the context every page shares.
pub(crate) struct Renderer<'a> {
    tera: Tera,
    dir: &'a Path,
    base: Context,
    /// `site.base_url` without its trailing `/`.
    base_url: &'a str,
}

impl<'a> Renderer<'a> {
    fn new(content: &'a Content, dir: &'a Path) -> Result<Renderer<'a>, RenderError> {
        let tera = templates::load(dir)?;
        let mut base = Context::new();
        base.insert("site", &content.site);
        base.insert("footer_pages", &views::page_links(&content.pages));
        // Facet headings by vocabulary key (`headings.industries` = 業種), so templates
        // name a facet the way FACETS does.
        let headings: indexmap::IndexMap<&str, &str> =
            FACETS.iter().map(|f| (f.kind.key(), f.heading)).collect();
        base.insert("headings", &headings);
        let base_url = content.site.base_url.trim_end_matches('/');
        Ok(Renderer {
            tera,
            dir,
            base,
            base_url,
        })
    }

    fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    fn template_names(&self) -> impl Iterator<Item = &str> {
        self.tera.get_template_names()
    }

    /// The shared context plus `current_path`, which the nav uses for aria-current.
    fn base(&self, current_path: &str) -> Context {
        let mut ctx = self.base.clone();
        ctx.insert("current_path", current_path);
        ctx.insert("canonical_url", &format!("{}{current_path}", self.base_url));
        ctx
    }

    fn render_with(
        &self,
        template: &str,
        ctx: &Context,
        page: &str,
    ) -> Result<String, RenderError> {
        self.tera
            .render(template, ctx)
            .map_err(|e| RenderError::Render {
                template: self.dir.join(template),
                page: page.to_string(),
                message: templates::chain(&e),
            })
    }

    fn page(&self, template: &str, ctx: &Context, path: &str) -> Result<OutputFile, RenderError> {
        Ok(OutputFile::bytes(
            path,
            self.render_with(template, ctx, path)?,
        ))
    }
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;
