//! The site's URL space, so an internal link in Markdown to a page that will not exist is
//! caught at check time instead of becoming a 404 for a visitor.

use std::collections::HashSet;
use std::path::PathBuf;

use mikke_catalog::{Taxonomy, VocabKind};

use crate::diagnostics::did_you_mean;
use crate::render::FACETS;

/// Facet listing pages `/<dir>/` and `/<dir>/<id>/`. Derived from `render::FACETS`, the one
/// place the facet URL segments are defined, so links are checked against what is built.
pub const FACET_ROUTES: [(&str, VocabKind); FACETS.len()] = facet_routes();

const fn facet_routes() -> [(&'static str, VocabKind); FACETS.len()] {
    let mut routes = [("", VocabKind::Industries); FACETS.len()];
    let mut i = 0;
    while i < FACETS.len() {
        routes[i] = (FACETS[i].dir, FACETS[i].kind);
        i += 1;
    }
    routes
}

/// Routes later stages promise (forms, the diary), linked from the site before their
/// templates exist. Template-only pages that do exist come from `templates/pages/`.
pub const FORM_ROUTES: [&str; 5] = ["apply", "consultation", "briefing", "corporate", "diary"];

/// Files at the root of the output besides pages.
pub const ROOT_FILES: [&str; 4] = ["catalog.json", "sitemap.xml", "robots.txt", "404.html"];

/// First path segments the generator itself uses; a content page may not take them.
pub fn reserved_segments() -> impl Iterator<Item = &'static str> {
    ["mentors", "static", "search", "photos"]
        .into_iter()
        .chain(FACET_ROUTES.iter().map(|(dir, _)| *dir))
}

pub struct Routes {
    /// Every page path, `/`-terminated (`/`, `/mentors/sato/`, …).
    pages: HashSet<String>,
    /// When the taxonomy is broken, facet links cannot be checked this run.
    facets_known: bool,
    /// `templates/static`: `/static/<path>` links must name a file there.
    static_dir: PathBuf,
    base_url: Option<String>,
}

impl Routes {
    /// `page_slugs`: content pages and template-only pages (`templates/pages/<path>.html`).
    pub fn new<'a>(
        mentor_slugs: impl IntoIterator<Item = &'a str>,
        page_slugs: impl IntoIterator<Item = &'a str>,
        taxonomy: Option<&Taxonomy>,
        static_dir: PathBuf,
        base_url: Option<String>,
    ) -> Routes {
        let mut pages: HashSet<String> = HashSet::from(["/".to_string()]);
        pages.extend(mentor_slugs.into_iter().map(|s| format!("/mentors/{s}/")));
        pages.extend(page_slugs.into_iter().map(|s| format!("/{s}/")));
        pages.extend(FORM_ROUTES.iter().map(|s| format!("/{s}/")));
        if let Some(t) = taxonomy {
            for (dir, kind) in FACET_ROUTES {
                pages.insert(format!("/{dir}/"));
                pages.extend(t.vocab(kind).keys().map(|id| format!("/{dir}/{id}/")));
            }
        }
        Routes {
            pages,
            facets_known: taxonomy.is_some(),
            static_dir,
            base_url,
        }
    }

    /// `Err(fix)` when `url` is a site link to nothing; external links, anchors and
    /// `mailto:` are not checked.
    pub fn check(&self, url: &str) -> Result<(), String> {
        let site_path = match &self.base_url {
            Some(base) if url.starts_with(base.as_str()) => &url[base.len()..],
            _ => url,
        };
        let path = site_path.split(['#', '?']).next().unwrap_or_default();
        if path.is_empty() || has_scheme(path) || path.starts_with("//") {
            return Ok(());
        }
        if !path.starts_with('/') {
            return Err(format!(
                "link \"{url}\" is relative; write site links from the root, e.g. \"/mentors/sato/\""
            ));
        }
        if self.pages.contains(path) {
            return Ok(());
        }
        if let Some(file) = path.strip_prefix("/static/") {
            return match self.static_dir.join(file).is_file() && !file.contains("..") {
                true => Ok(()),
                false => Err(format!(
                    "link \"{url}\" goes to a file that does not exist (looked for templates/static/{file})"
                )),
            };
        }
        if ROOT_FILES.iter().any(|f| path == format!("/{f}")) {
            return Ok(());
        }
        if !self.facets_known
            && FACET_ROUTES
                .iter()
                .any(|(p, _)| path.starts_with(&format!("/{p}/")))
        {
            return Ok(());
        }
        let with_slash = format!("{path}/");
        if self.pages.contains(&with_slash) {
            return Err(format!(
                "link \"{url}\" lacks the final \"/\"; write \"{with_slash}\""
            ));
        }
        let hint = self
            .nearest(path)
            .map(|p| format!(" (did you mean \"{p}\"?)"))
            .unwrap_or_default();
        Err(format!(
            "link \"{url}\" goes to a page that does not exist{hint}"
        ))
    }
}

impl Routes {
    /// The known page in the same folder whose last segment is closest to `path`'s
    /// (`/mentors/tanaka-yoko/` → `/mentors/tanaka-yuko/`), so suggestions compare slugs,
    /// not the shared `/mentors/` prefix.
    fn nearest(&self, path: &str) -> Option<&str> {
        let (dir, name) = split_last(path);
        let siblings: Vec<(&str, &str)> = self
            .pages
            .iter()
            .map(|p| (split_last(p), p.as_str()))
            .filter(|((d, _), _)| *d == dir)
            .map(|((_, n), p)| (n, p))
            .collect();
        let found = did_you_mean(name, siblings.iter().map(|(n, _)| *n))?;
        siblings.iter().find(|(n, _)| *n == found).map(|(_, p)| *p)
    }
}

/// `/mentors/sato/` → (`/mentors/`, `sato`).
fn split_last(path: &str) -> (&str, &str) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => ("/", trimmed),
    }
}

fn has_scheme(url: &str) -> bool {
    match url.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Routes {
        let t = Taxonomy::parse(include_str!("../../../content/taxonomy.yaml")).unwrap();
        let static_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
        Routes::new(
            ["sato", "tanaka-yuko"],
            ["faq", "apply/thanks"],
            Some(&t),
            static_dir,
            Some("https://mikke.example.jp".into()),
        )
    }

    #[test]
    fn known_routes_pass() {
        let r = routes();
        for url in [
            "/",
            "/mentors/sato/",
            "/faq/",
            "/faq/#q1",
            "/industries/it/",
            "/tags/stem/",
            "/company-sizes/sme/",
            "/apply/?mentor=sato",
            "/apply/thanks/",
            "/catalog.json",
            "/static/lib.rs",
            "https://mikke.example.jp/mentors/sato/",
            "https://example.com/anything",
            "mailto:hello@mikke.example.jp",
            "#top",
        ] {
            assert_eq!(r.check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn dead_links_get_a_fix() {
        let r = routes();
        assert_eq!(
            r.check("/mentors/tanaka-yoko/"),
            Err("link \"/mentors/tanaka-yoko/\" goes to a page that does not exist (did you mean \"/mentors/tanaka-yuko/\"?)".into())
        );
        assert_eq!(
            r.check("/mentors/sato"),
            Err("link \"/mentors/sato\" lacks the final \"/\"; write \"/mentors/sato/\"".into())
        );
        assert_eq!(
            r.check("/mentors/suzuki/"),
            Err("link \"/mentors/suzuki/\" goes to a page that does not exist".into()),
            "no far-fetched suggestion"
        );
        assert!(r
            .check("/fac/")
            .unwrap_err()
            .ends_with("(did you mean \"/faq/\"?)"));
        assert!(r.check("/industries/bakery/").is_err());
        assert!(r
            .check("/static/missing.css")
            .unwrap_err()
            .contains("templates/static/missing.css"));
        assert!(r
            .check("mentors/sato/")
            .unwrap_err()
            .contains("is relative"));
    }
}
