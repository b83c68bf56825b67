//! The lists of mentors: the directory (home page = its first page, `/mentors/page/N/`), each
//! facet's index, and each facet value's pages. A directory page holds at most
//! `site.page_size` cards and a facet value's page [`LINES_PER_CARD`] times as many one-line
//! entries, so the home page weighs the same at 30 or 100,000 mentors and every mentor is
//! still reachable without JavaScript.

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::content::Content;
use crate::output::Sink;

use super::pager::{page_count, slice, Pager, Pages};
use super::views::{FacetView, MentorLine, MentorView};
use super::{Facet, RenderError, Renderer, Scope};

/// The home page (page 1: hero, facet links, search panel, the first cards) and the
/// directory's further pages (`listing.html`), full cards in catalogue (slug) order.
pub(super) fn directory(
    renderer: &Renderer,
    content: &Content,
    facets: &[FacetView],
    templates_dir: &std::path::Path,
    sink: &dyn Sink,
    scope: Scope,
) -> Result<(), RenderError> {
    let (mentors, size) = (&content.mentors, content.site.page_size);
    let pages = page_count(mentors.len(), size);
    let accepting = mentors.iter().filter(|m| m.front.accepting).count();
    let has_search_js = templates_dir.join("static/search.js").is_file();
    let in_scope: Vec<usize> = (1..=pages)
        .filter(|&page| scope.shows(slice(mentors.len(), size, page)))
        .collect();
    in_scope.into_par_iter().try_for_each(|page| {
        let cards: Vec<MentorView> = mentors[slice(mentors.len(), size, page)]
            .iter()
            .map(|m| MentorView::new(m, &content.taxonomy))
            .collect::<Result<_, _>>()?;
        let at = Pages::Directory;
        let mut ctx = renderer.base(&at.url(page));
        ctx.insert("mentors", &cards);
        ctx.insert("mentor_count", &mentors.len());
        ctx.insert("pager", &Pager::new(at, page, pages));
        let template = if page == 1 {
            ctx.insert("accepting_count", &accepting);
            ctx.insert("facets", facets);
            ctx.insert("has_search_js", &has_search_js);
            "index.html"
        } else {
            "listing.html"
        };
        sink.put(renderer.page(template, &ctx, &at.file(page))?)?;
        Ok(())
    })
}

/// A facet value's page lists this many one-line entries per card of a directory page. A line
/// (name, title, maybe a badge: ~150 bytes) weighs about a quarter of a card (~560 bytes), so
/// both kinds of page weigh about the same, and a visitor without JavaScript walks a value of
/// 3,500 mentors in 18 pages rather than 70. (At 10,000 mentors: 558 facet pages instead of
/// 2,137, 6.4 MB fewer bytes written.)
pub const LINES_PER_CARD: usize = 4;

#[derive(Serialize)]
struct FacetHeading<'a> {
    heading: &'a str,
    url: &'a str,
}

/// Each facet's index page, and each value's pages of one-line entries.
pub(super) fn facets(
    renderer: &Renderer,
    content: &Content,
    groups: &[(Facet, IndexMap<&str, Vec<usize>>)],
    views: &[FacetView],
    sink: &dyn Sink,
    scope: Scope,
) -> Result<(), RenderError> {
    // A facet's index shows counts only, which the preview's quick path never changes.
    for view in views.iter().filter(|_| scope == Scope::All) {
        let mut ctx = renderer.base(&view.url);
        ctx.insert("facet", view);
        let path = format!("{}index.html", &view.url[1..]);
        sink.put(renderer.page("facet_index.html", &ctx, &path)?)?;
    }
    let size = content.site.page_size * LINES_PER_CARD;
    // (facet, value, members, page): one job per page, so a value listing half the mentors
    // spreads over the cores like many small ones.
    let jobs: Vec<(usize, usize, &[usize], usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(f, (_, g))| {
            g.values().enumerate().flat_map(move |(v, members)| {
                (1..=page_count(members.len(), size)).map(move |p| (f, v, members.as_slice(), p))
            })
        })
        .filter(|&(_, _, members, page)| {
            scope.shows(members[slice(members.len(), size, page)].iter().copied())
        })
        .collect();
    jobs.par_iter().try_for_each(|&(f, v, members, page)| {
        let facet = &views[f];
        let value = &facet.values[v];
        let at = Pages::Under(&value.url);
        let lines: Vec<MentorLine> = members[slice(members.len(), size, page)]
            .iter()
            .map(|&i| MentorLine::new(&content.mentors[i]))
            .collect();
        let mut ctx = renderer.base(&at.url(page));
        ctx.insert(
            "facet",
            &FacetHeading {
                heading: facet.heading,
                url: &facet.url,
            },
        );
        ctx.insert("value", value);
        ctx.insert("mentors", &lines);
        ctx.insert(
            "pager",
            &Pager::new(at, page, page_count(members.len(), size)),
        );
        sink.put(renderer.page("facet.html", &ctx, &at.file(page))?)?;
        Ok(())
    })
}
