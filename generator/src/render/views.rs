//! What templates see: content with every taxonomy id already resolved to its label and URL,
//! so templates never look anything up and never hard-code a label.

use mikke_catalog::{Taxonomy, VocabKind};
use serde::Serialize;

use crate::content::{Mentor, Page};

use super::facets::Facet;
use super::RenderError;

/// A vocabulary value as a link to its facet page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValueLink<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub url: String,
}

/// One mentor, labels resolved. Borrowed from `Content`: building it copies no text.
#[derive(Debug, Clone, Serialize)]
pub struct MentorView<'a> {
    pub slug: &'a str,
    pub url: String,
    pub apply_url: String,
    pub name: &'a str,
    /// How the name is read, when the profile says (shown under it on her page).
    pub name_kana: Option<&'a str>,
    pub title: &'a str,
    pub summary: &'a str,
    pub accepting: bool,
    /// Output path of the photo, e.g. `/photos/sato.jpg`.
    pub photo_url: Option<String>,
    pub industry: ValueLink<'a>,
    pub company_size: ValueLink<'a>,
    pub age_band: ValueLink<'a>,
    pub job_functions: Vec<ValueLink<'a>>,
    pub tags: Vec<ValueLink<'a>>,
    pub topics: Vec<ValueLink<'a>>,
}

impl<'a> MentorView<'a> {
    pub fn new(mentor: &'a Mentor, taxonomy: &'a Taxonomy) -> Result<MentorView<'a>, RenderError> {
        let links = |kind: VocabKind| -> Result<Vec<ValueLink<'a>>, RenderError> {
            let facet = Facet::of(kind);
            facet
                .values(mentor)
                .iter()
                .map(|id| {
                    Ok(ValueLink {
                        id,
                        label: facet.label(taxonomy, mentor, id)?,
                        url: facet.value_url(id),
                    })
                })
                .collect()
        };
        let one =
            |kind: VocabKind| -> Result<ValueLink<'a>, RenderError> { Ok(links(kind)?.remove(0)) };
        Ok(MentorView {
            slug: &mentor.slug,
            url: mentor_url(&mentor.slug),
            apply_url: format!("/apply/?mentor={}", mentor.slug),
            name: &mentor.front.name,
            name_kana: mentor.front.name_kana.as_deref(),
            title: &mentor.front.title,
            summary: &mentor.summary,
            accepting: mentor.front.accepting,
            photo_url: photo_output_path(mentor).map(|p| format!("/{p}")),
            industry: one(VocabKind::Industries)?,
            company_size: one(VocabKind::CompanySizes)?,
            age_band: one(VocabKind::AgeBands)?,
            job_functions: links(VocabKind::JobFunctions)?,
            tags: links(VocabKind::MentorTags)?,
            topics: links(VocabKind::Topics)?,
        })
    }
}

/// One mentor as a line of a facet page: name (linked), title and whether she takes
/// applications. A facet page lists each mentor on ~10 pages; her full card there made facet
/// pages 40% of the bytes a build wrote.
#[derive(Debug, Clone, Serialize)]
pub struct MentorLine<'a> {
    pub slug: &'a str,
    pub url: String,
    pub name: &'a str,
    pub title: &'a str,
    pub accepting: bool,
}

impl<'a> MentorLine<'a> {
    pub fn new(mentor: &'a Mentor) -> MentorLine<'a> {
        MentorLine {
            slug: &mentor.slug,
            url: mentor_url(&mentor.slug),
            name: &mentor.front.name,
            title: &mentor.front.title,
            accepting: mentor.front.accepting,
        }
    }
}

pub fn mentor_url(slug: &str) -> String {
    format!("/mentors/{slug}/")
}

/// Where a mentor's photo is copied: `photos/<slug>.<ext of the source>`.
pub fn photo_output_path(mentor: &Mentor) -> Option<String> {
    let photo = mentor.front.photo.as_deref()?;
    let ext = std::path::Path::new(photo)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_else(|| "jpg".into());
    Some(format!("photos/{}.{ext}", mentor.slug))
}

/// A facet with its values and counts: the browse links on the home page, the vocabulary
/// index pages and (for the search helper) the filter options.
#[derive(Debug, Clone, Serialize)]
pub struct FacetView<'a> {
    pub key: &'static str,
    pub heading: &'static str,
    pub url: String,
    pub values: Vec<FacetValueView<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetValueView<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub url: String,
    pub count: usize,
}

impl<'a> FacetView<'a> {
    pub fn new(facet: Facet, taxonomy: &'a Taxonomy, counts: &[usize]) -> FacetView<'a> {
        let values = taxonomy
            .vocab(facet.kind)
            .iter()
            .zip(counts)
            .map(|((id, label), &count)| FacetValueView {
                id,
                label,
                url: facet.value_url(id),
                count,
            })
            .collect();
        FacetView {
            key: facet.kind.key(),
            heading: facet.heading,
            url: facet.index_url(),
            values,
        }
    }
}

/// Links in the footer: every content page, by (order, slug).
#[derive(Debug, Clone, Serialize)]
pub struct PageLink<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub url: String,
}

pub fn page_links(pages: &[Page]) -> Vec<PageLink<'_>> {
    let mut sorted: Vec<&Page> = pages.iter().collect();
    sorted.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
    sorted
        .into_iter()
        .map(|p| PageLink {
            slug: &p.slug,
            title: &p.title,
            url: format!("/{}/", p.slug),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::{mentor, taxonomy};

    #[test]
    fn mentor_view_resolves_every_label_and_link() {
        let t = taxonomy();
        let mut m = mentor("aoki", "finance", &["stem"]);
        m.front.photo = Some("photos/Aoki.JPG".into());
        let v = MentorView::new(&m, &t).unwrap();
        assert_eq!(v.industry.label, "金融・保険");
        assert_eq!(v.industry.url, "/industries/finance/");
        assert_eq!(v.company_size.label, "中小企業");
        assert_eq!(v.age_band.url, "/age-bands/40s/");
        assert_eq!(v.tags[0].label, "理系");
        assert_eq!(v.topics[0].url, "/topics/confidence/");
        assert_eq!(v.apply_url, "/apply/?mentor=aoki");
        assert_eq!(v.photo_url.as_deref(), Some("/photos/aoki.jpg"));
    }

    #[test]
    fn an_unknown_tag_is_an_error_not_a_blank_label() {
        let t = taxonomy();
        let m = mentor("aoki", "it", &["astronaut"]);
        let err = MentorView::new(&m, &t).unwrap_err();
        assert!(err.to_string().contains("tags \"astronaut\""), "{err}");
    }

    #[test]
    fn page_links_follow_order_then_slug() {
        let page = |slug: &str, order| Page {
            slug: slug.into(),
            source: format!("content/pages/{slug}.md").into(),
            title: slug.to_uppercase(),
            order,
            body_html: String::new(),
            description: String::new(),
            version: None,
            notice: None,
            text_hash: String::new(),
        };
        let pages = [page("faq", 3), page("about", 1), page("plans", 1)];
        let slugs: Vec<_> = page_links(&pages).iter().map(|l| l.slug).collect();
        assert_eq!(slugs, ["about", "plans", "faq"]);
    }
}
