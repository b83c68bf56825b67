//! Filling the Tera templates: every HTML page of the site, the sitemap, robots.txt, and the
//! static assets and photos to copy. (The search index and catalog.json are other stages'.)
//!
//! Speed and memory at 100,000 mentors come from streaming and paging: one Tera instance
//! shared by all threads; every page rendered and handed to the [`Sink`] by the same parallel
//! task, so the site is never held in memory; the directory and each facet value paged
//! ([`pager`], `site.page_size` cards per page) so no page grows with the catalogue, facet
//! pages with a one-line entry per mentor instead of her full card ([`LINES_PER_CARD`] lines
//! for a card); contexts that borrow from `Content` instead of cloning it.

mod assets;
mod facets;
mod form_choices;
mod listing;
pub mod pager;
mod site_files;
mod slim_js;
mod templates;
mod views;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tera::{Context, Tera};

use crate::content::Content;
use crate::output::{Collect, OutputFile, Sink, WriteError};

pub use facets::{group, Facet, FACETS};
pub use listing::LINES_PER_CARD;
pub use site_files::{uses_mentor_ids, MENTOR_LIST_LIMIT};
pub use views::{
    mentor_url, photo_output_path, FacetView, MentorLine, MentorView, PageLink, ValueLink,
};

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
    /// Writing a rendered file (the build streams pages into its staging directory).
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Renders every output file of the site except the search index and catalog.json, in memory
/// (tests; a build streams them with [`render_into`]).
pub fn render_site(
    content: &Content,
    templates_dir: &Path,
) -> Result<Vec<OutputFile>, RenderError> {
    let sink = Collect::default();
    render_into(content, templates_dir, &sink)?;
    Ok(sink.into_files())
}

/// Renders every output file of the site except the search index and catalog.json into
/// `sink`, each page as soon as it is made (in parallel). The sitemap comes last: it lists
/// the pages the sink has seen.
pub fn render_into(
    content: &Content,
    templates_dir: &Path,
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    render_scoped(content, templates_dir, sink, Scope::All)
}

/// Which pages a render makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'s> {
    /// The whole site.
    All,
    /// Only the pages that show these mentors (indices into `Content::mentors`): their
    /// profiles, the directory pages and the facet value pages listing them, and the content
    /// pages (a form may list them). Right after an
    /// edit that changed none of their facet values (the preview's quick path), nothing else
    /// on the site can differ.
    Mentors(&'s [usize]),
}

impl Scope<'_> {
    fn is_all(&self) -> bool {
        *self == Scope::All
    }

    /// Whether a page listing the mentors at `indices` is in scope.
    fn shows(&self, mut indices: impl Iterator<Item = usize>) -> bool {
        match self {
            Scope::All => true,
            Scope::Mentors(touched) => indices.any(|i| touched.contains(&i)),
        }
    }
}

/// [`render_into`] limited to `scope`.
pub fn render_scoped(
    content: &Content,
    templates_dir: &Path,
    sink: &dyn Sink,
    scope: Scope,
) -> Result<(), RenderError> {
    let renderer = Renderer::new(content, templates_dir)?;
    let taxonomy = &content.taxonomy;
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

    listing::directory(&renderer, content, &facet_views, templates_dir, sink, scope)?;
    // Each profile is rendered, written and dropped by one task: nothing accumulates.
    let mentor_ids = site_files::uses_mentor_ids(content);
    let profiles: Vec<&crate::content::Mentor> = match scope {
        Scope::All => content.mentors.iter().collect(),
        Scope::Mentors(touched) => touched.iter().map(|&i| &content.mentors[i]).collect(),
    };
    // One context per thread, its page keys overwritten page by page; the shared part (site,
    // footer, headings, assets) is Tera's global context, never copied per page.
    profiles
        .par_iter()
        .try_for_each_init(Context::new, |ctx, mentor| {
            let view = MentorView::new(mentor, taxonomy)?;
            renderer.rebase(ctx, &view.url);
            ctx.insert("mentor", &view);
            ctx.insert("mentor_ids", &mentor_ids);
            ctx.insert("bio_html", &mentor.bio_html);
            let path = format!("mentors/{}/index.html", view.slug);
            sink.put(renderer.page("mentor.html", ctx, &path)?)?;
            Ok::<_, RenderError>(())
        })?;
    listing::facets(&renderer, content, &groups, &facet_views, sink, scope)?;
    // The forms list mentors by name (apply's choices), and there are only a few of them.
    for file in site_files::content_pages(&renderer, content)? {
        sink.put(file)?;
    }
    if !scope.is_all() {
        return Ok(());
    }
    sink.put(renderer.page("404.html", &renderer.base("/404.html"), "404.html")?)?;
    for file in renderer.assets.files() {
        sink.put(file)?;
    }
    for file in site_files::photos(content) {
        sink.put(file)?;
    }
    for file in site_files::sitemap_and_robots(&renderer, content, &sink.pages())? {
        sink.put(file)?;
    }
    Ok(())
}

/// One Tera instance and the context every page shares.
pub(crate) struct Renderer<'a> {
    tera: Tera,
    /// `templates/static/`, named by content (pages link the hashed names).
    assets: assets::Assets,
    dir: &'a Path,
    /// `site.base_url` without its trailing `/`.
    base_url: &'a str,
}

impl<'a> Renderer<'a> {
    fn new(content: &'a Content, dir: &'a Path) -> Result<Renderer<'a>, RenderError> {
        let mut tera = templates::load(dir)?;
        // What every page shows goes into Tera's global context, put in once for all pages.
        let base = tera.global_context();
        base.insert("site", &content.site);
        base.insert("footer_pages", &views::page_links(&content.pages));
        // Facet headings by vocabulary key (`headings.industries` = 業種), so templates
        // name a facet the way FACETS does.
        let headings: indexmap::IndexMap<&str, &str> =
            FACETS.iter().map(|f| (f.kind.key(), f.heading)).collect();
        base.insert("headings", &headings);
        let assets = assets::Assets::load(dir)?;
        // `assets["site.css"]` = `/static/site.<hash>.css`: templates link every static file so.
        base.insert("assets", &assets.urls());
        let base_url = content.site.base_url.trim_end_matches('/');
        Ok(Renderer {
            tera,
            assets,
            dir,
            base_url,
        })
    }

    fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    fn template_names(&self) -> impl Iterator<Item = &str> {
        self.tera.get_template_names()
    }

    /// A page's context at `current_path` (the nav uses it for aria-current); the shared
    /// part is Tera's global context.
    fn base(&self, current_path: &str) -> Context {
        let mut ctx = Context::new();
        self.rebase(&mut ctx, current_path);
        ctx
    }

    /// Makes `ctx` a page's context at `current_path` again, the path's keys replaced. Keys
    /// the previous page added stay (every page of one kind sets the same ones).
    fn rebase(&self, ctx: &mut Context, current_path: &str) {
        ctx.insert("current_path", current_path);
        ctx.insert("canonical_url", &format!("{}{current_path}", self.base_url));
    }

    fn render_with(
        &self,
        template: &str,
        ctx: &Context,
        page: &str,
    ) -> Result<Vec<u8>, RenderError> {
        // Bytes, not `render`'s String: that checks every page's UTF-8 once more (2 % of a
        // build), and the bytes are what gets written.
        let mut out = Vec::with_capacity(8 * 1024);
        self.tera
            .render_to(template, ctx, &mut out)
            .map_err(|e| RenderError::Render {
                template: self.dir.join(template),
                page: page.to_string(),
                message: templates::chain(&e),
            })?;
        Ok(out)
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
