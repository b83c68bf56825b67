//! `catalog.json`: the taxonomy, the matching weights and every mentor's attributes (no bios):
//! the handler's only view of the mentors. The schema lives in `mikke_catalog::Catalog`,
//! so the handler reads exactly what is written here.

use mikke_catalog::{Catalog, CatalogBriefing, CatalogMentor, CatalogSite, CATALOG_SCHEMA_VERSION};

use crate::content::{Content, Mentor};
use crate::output::OutputFile;

pub const CATALOG_PATH: &str = "catalog.json";

pub fn catalog(content: &Content) -> Catalog {
    let mut mentors: Vec<CatalogMentor> = content.mentors.iter().map(catalog_mentor).collect();
    // `Content` already sorts by slug; the handler's binary search depends on it, so make sure.
    mentors.sort_by(|a, b| a.slug.cmp(&b.slug));
    Catalog {
        schema_version: CATALOG_SCHEMA_VERSION,
        site: CatalogSite {
            title: content.site.title.clone(),
            base_url: content.site.base_url.clone(),
            api_url: content.site.api_url.clone(),
            briefings: content
                .site
                .briefings
                .iter()
                .map(|b| CatalogBriefing {
                    date: b.date.clone(),
                    time: b.time.clone(),
                    capacity: b.capacity,
                })
                .collect(),
        },
        taxonomy: content.taxonomy.clone(),
        matching: content.matching.clone(),
        mentors,
        consent: content.consent.clone(),
    }
}

/// One line per top-level field and per mentor ([`LineFormatter`]): a change to one mentor is
/// a one-line diff for staff and reviewers, and the file is a third smaller than
/// pretty-printed JSON (6.8 → 4.8 MB at 10,000 mentors), which every build writes.
pub fn catalog_file(content: &Content) -> OutputFile {
    let mut json = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut json, LineFormatter::default());
    serde::Serialize::serialize(&catalog(content), &mut ser)
        .expect("the catalog holds only strings, numbers, lists and maps");
    json.push(b'\n');
    OutputFile::bytes(CATALOG_PATH, json)
}

/// Compact JSON with a line break before each member of the top-level object and each item
/// of a list directly in it (`mentors`), and before the brackets that close them.
#[derive(Default)]
struct LineFormatter {
    /// Nesting depth: 1 inside the top-level object, 2 inside a list or map it holds.
    depth: usize,
}

impl LineFormatter {
    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.depth < 2 {
            w.write_all(b"\n")?;
        }
        w.write_all(bracket)
    }

    /// Before an item of a list or a member of a map at the current depth.
    fn item<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
        lines: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if lines {
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for LineFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        let lines = self.depth == 2;
        self.item(w, first, lines)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        let lines = self.depth <= 2;
        self.item(w, first, lines)
    }
}

fn catalog_mentor(m: &Mentor) -> CatalogMentor {
    let f = &m.front;
    CatalogMentor {
        slug: m.slug.clone(),
        name: f.name.clone(),
        name_kana: f.name_kana.clone(),
        title: f.title.clone(),
        industry: f.industry.clone(),
        company_size: f.company_size.clone(),
        age_band: f.age_band.clone(),
        job_functions: f.job_functions.clone(),
        topics: f.topics.clone(),
        tags: f.tags.clone(),
        accepting: f.accepting,
        capacity: f.capacity,
        summary: m.summary.clone(),
        url: format!("/mentors/{}/", m.slug),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn fixture() -> Content {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
        crate::content::load(&root).unwrap()
    }

    #[test]
    fn catalog_round_trips_through_the_shared_schema_without_bios() {
        let content = fixture();
        let OutputFile { path, body } = catalog_file(&content);
        assert_eq!(path, "catalog.json");
        let crate::output::OutputBody::Bytes(bytes) = body else {
            panic!("catalog is bytes")
        };
        let text = String::from_utf8(bytes).unwrap();
        let parsed = Catalog::parse(&text).unwrap();
        assert_eq!(parsed, catalog(&content));
        assert_eq!(parsed.schema_version, CATALOG_SCHEMA_VERSION);
        let slugs: Vec<&str> = parsed.mentors.iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(slugs, ["sato", "suzuki", "tanaka"]);
        assert_eq!(parsed.mentors[0].url, "/mentors/sato/");
        assert!(!text.contains("二人の子を育てながら"), "no bios");
    }

    #[test]
    fn each_mentor_is_one_line_of_compact_json() {
        let OutputFile { body, .. } = catalog_file(&fixture());
        let crate::output::OutputBody::Bytes(bytes) = body else {
            panic!("catalog is bytes")
        };
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mentor_lines: Vec<&&str> = lines
            .iter()
            .filter(|l| l.starts_with(r#"{"slug":"#))
            .collect();
        assert_eq!(mentor_lines.len(), 3, "{text}");
        assert!(mentor_lines[0].contains(r#""url":"/mentors/sato/"}"#));
        assert!(lines.contains(&r#""mentors":["#), "{text}");
        assert!(!text.contains(": "), "compact");
    }

    #[test]
    fn mentor_order_does_not_depend_on_load_order() {
        let mut content = fixture();
        let sorted = catalog_file(&content);
        content.mentors.reverse();
        assert_eq!(catalog_file(&content), sorted);
    }
}
