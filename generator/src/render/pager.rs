//! Pagination of a list of mentors: which slice a page shows, and the links between pages
//! (first / previous / numbers / next / last, and `rel=prev/next` in the head).
//!
//! Page 1 of a list lives at the list's own URL (`/`, `/industries/it/`); page N ≥ 2 at
//! `/mentors/page/N/` for the directory and `<list URL>page/N/` for a facet value, so every
//! existing link keeps pointing at the first page and no page exists twice.

use serde::Serialize;

/// How many page numbers are shown on each side of the current one.
const WINDOW: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pager {
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    pub first_url: String,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub last_url: String,
    /// The numbered links around the current page; `None` stands for a gap (…).
    pub numbers: Vec<Option<PageNumber>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageNumber {
    pub n: usize,
    pub url: String,
    pub current: bool,
}

/// Where the pages of one list live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pages<'a> {
    /// `/`, then `/mentors/page/N/`.
    Directory,
    /// `/<facet>/<id>/`, then `/<facet>/<id>/page/N/` (the argument ends with `/`).
    Under(&'a str),
}

impl Pages<'_> {
    pub fn url(&self, n: usize) -> String {
        match (self, n) {
            (Pages::Directory, 1) => "/".into(),
            (Pages::Directory, n) => format!("/mentors/page/{n}/"),
            (Pages::Under(base), 1) => base.to_string(),
            (Pages::Under(base), n) => format!("{base}page/{n}/"),
        }
    }

    /// The output file of page `n`.
    pub fn file(&self, n: usize) -> String {
        format!("{}index.html", &self.url(n)[1..])
    }
}

/// Pages needed for `items` at `size` per page: at least one (an empty list still has a page).
pub fn page_count(items: usize, size: usize) -> usize {
    items.div_ceil(size.max(1)).max(1)
}

/// The range of item indexes page `page` (1-based) shows.
pub fn slice(items: usize, size: usize, page: usize) -> std::ops::Range<usize> {
    let size = size.max(1);
    let start = ((page - 1) * size).min(items);
    start..(start + size).min(items)
}

impl Pager {
    pub fn new(pages: Pages, page: usize, count: usize) -> Pager {
        let numbers = (1..=count)
            .filter(|&n| n == 1 || n == count || n.abs_diff(page) <= WINDOW)
            .fold(Vec::new(), |mut out: Vec<Option<PageNumber>>, n| {
                if let Some(Some(prev)) = out.last() {
                    if n > prev.n + 1 {
                        out.push(None);
                    }
                }
                out.push(Some(PageNumber {
                    n,
                    url: pages.url(n),
                    current: n == page,
                }));
                out
            });
        Pager {
            page,
            pages: count,
            first_url: pages.url(1),
            prev_url: (page > 1).then(|| pages.url(page - 1)),
            next_url: (page < count).then(|| pages.url(page + 1)),
            last_url: pages.url(count),
            numbers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_pages_keep_their_list_url_and_later_ones_sit_under_page() {
        assert_eq!(Pages::Directory.url(1), "/");
        assert_eq!(Pages::Directory.url(3), "/mentors/page/3/");
        assert_eq!(Pages::Directory.file(1), "index.html");
        assert_eq!(Pages::Directory.file(2), "mentors/page/2/index.html");
        let it = Pages::Under("/industries/it/");
        assert_eq!(it.url(1), "/industries/it/");
        assert_eq!(it.file(4), "industries/it/page/4/index.html");
    }

    #[test]
    fn slices_cover_every_item_once_and_an_empty_list_has_one_page() {
        assert_eq!(page_count(0, 50), 1);
        assert_eq!(page_count(101, 50), 3);
        let covered: Vec<usize> = (1..=3).flat_map(|p| slice(101, 50, p)).collect();
        assert_eq!(covered, (0..101).collect::<Vec<_>>());
        assert_eq!(slice(0, 50, 1), 0..0);
    }

    #[test]
    fn the_pager_links_neighbours_ends_and_a_window_with_gaps() {
        let p = Pager::new(Pages::Directory, 6, 20);
        assert_eq!(p.prev_url.as_deref(), Some("/mentors/page/5/"));
        assert_eq!(p.next_url.as_deref(), Some("/mentors/page/7/"));
        assert_eq!(p.first_url, "/");
        assert_eq!(p.last_url, "/mentors/page/20/");
        let shown: Vec<Option<usize>> = p.numbers.iter().map(|n| n.as_ref().map(|n| n.n)).collect();
        assert_eq!(
            shown,
            [
                Some(1),
                None,
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(8),
                None,
                Some(20)
            ]
        );
        let first = Pager::new(Pages::Directory, 1, 1);
        assert_eq!((first.prev_url, first.next_url), (None, None));
    }
}
