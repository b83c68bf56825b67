//! The three settings files: `content/site.yaml`, `content/taxonomy.yaml`, `content/matching.yaml`.
//! Each `parse_*` takes the text (tests need no files) and returns every problem it finds.

use std::path::Path;

use mikke_catalog::{Matching, Taxonomy, TaxonomyError};

use super::fields::{yaml_syntax, TAXONOMY_FILE};
use super::front_matter::YamlLines;
use super::model::SiteConfig;
use crate::diagnostics::{suggestion, Problem};

pub const SITE_FILE: &str = "content/site.yaml";
pub const MATCHING_FILE: &str = "content/matching.yaml";

/// What a `base_url` (in site.yaml, or `generator build --base-url`) must look like.
pub const BASE_URL_RULE: &str =
    "must start with https:// (or http:// for local use), e.g. https://mikke.example.jp";

/// Whether `url` can be the site's address in canonical links, the sitemap and og tags.
pub fn is_base_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

pub fn parse_site(text: &str) -> Result<SiteConfig, Vec<Problem>> {
    let file = Path::new(SITE_FILE);
    let site: SiteConfig =
        serde_yaml::from_str(text).map_err(|e| vec![yaml_syntax(file, &e, 0, "site.yaml")])?;
    let lines = YamlLines::new(text, 1);
    let mut problems = Vec::new();
    let mut require = |field: &str, value: &str, ok: bool, fix: &str| {
        if !ok {
            problems.push(Problem::field(
                file,
                lines.key(field),
                field,
                format!("{field} \"{value}\" {fix}"),
            ));
        }
    };
    require(
        "title",
        &site.title,
        !site.title.trim().is_empty(),
        "is empty; give the site's name",
    );
    require(
        "base_url",
        &site.base_url,
        is_base_url(&site.base_url),
        BASE_URL_RULE,
    );
    require(
        "api_url",
        &site.api_url,
        site.api_url.starts_with('/') || site.api_url.starts_with("https://"),
        "must be a path such as /api or an https:// URL",
    );
    require(
        "contact_email",
        &site.contact_email,
        site.contact_email.contains('@'),
        "is not an email address",
    );
    require(
        "page_size",
        &site.page_size.to_string(),
        site.page_size >= 1,
        "must be at least 1: the cards shown per page of the directory (facet pages list more, shorter entries), e.g. 50",
    );
    for b in site.briefings.iter().filter(|b| b.capacity == Some(0)) {
        problems.push(Problem::field(
            file,
            lines.value("briefings", &b.date),
            "briefings",
            format!(
                "briefings: the session on {} has capacity 0; give the number of places (at least 1), or leave capacity out for no limit",
                b.date
            ),
        ));
    }
    if let Some(mail) = &site.mail {
        problems.extend(super::mail::check_settings(mail, &lines));
    }
    if problems.is_empty() {
        Ok(site)
    } else {
        Err(problems)
    }
}

pub fn parse_taxonomy(text: &str) -> Result<Taxonomy, Vec<Problem>> {
    let file = Path::new(TAXONOMY_FILE);
    // Parse once ourselves for serde's line numbers; `Taxonomy::parse` then checks meaning.
    serde_yaml::from_str::<Taxonomy>(text)
        .map_err(|e| vec![yaml_syntax(file, &e, 0, "taxonomy.yaml")])?;
    let lines = YamlLines::new(text, 1);
    Taxonomy::parse(text).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let line = match &e {
                    TaxonomyError::BadId { vocab, id } => lines.nested(vocab, id),
                    TaxonomyError::Empty { vocab } => lines.key(vocab),
                    TaxonomyError::Rule { id, .. } => lines.nested("preferences", id),
                    TaxonomyError::NoSessions { id } => lines.nested("plans", id),
                    TaxonomyError::AliasWordUnused { word }
                    | TaxonomyError::AliasesEmpty { word }
                    | TaxonomyError::AliasNotOneWord { word, .. } => lines.nested("aliases", word),
                    TaxonomyError::Yaml(_) => None,
                };
                Problem::new(file, line, e.to_string())
            })
            .collect()
    })
}

/// `taxonomy` is `None` when the taxonomy is broken; then only the shape is checked.
pub fn parse_matching(text: &str, taxonomy: Option<&Taxonomy>) -> Result<Matching, Vec<Problem>> {
    let file = Path::new(MATCHING_FILE);
    let matching =
        Matching::parse(text).map_err(|e| vec![yaml_syntax(file, &e, 0, "matching.yaml")])?;
    let Some(taxonomy) = taxonomy else {
        return Ok(matching);
    };
    let lines = YamlLines::new(text, 1);
    let mut problems = Vec::new();
    let situations = || taxonomy.situations.keys().map(String::as_str);
    let tags = || taxonomy.mentor_tags.keys().map(String::as_str);
    for (situation, tag_ids) in &matching.situation_tags {
        if !taxonomy.situations.contains_key(situation) {
            problems.push(unknown_id(
                lines.nested("situation_tags", situation),
                "situation_tags",
                situation,
                "a situation",
                situations(),
            ));
        }
        for tag in tag_ids {
            if !taxonomy.mentor_tags.contains_key(tag) {
                problems.push(unknown_id(
                    lines.value("situation_tags", tag),
                    &format!("situation_tags.{situation}"),
                    tag,
                    "a mentor_tags id",
                    tags(),
                ));
            }
        }
    }
    if matching.completeness.needs_call_below > 100 {
        problems.push(Problem::field(
            file,
            lines.nested("completeness", "needs_call_below"),
            "completeness.needs_call_below",
            "completeness.needs_call_below must be between 0 and 100 (completeness is a percentage)",
        ));
    }
    if problems.is_empty() {
        Ok(matching)
    } else {
        Err(problems)
    }
}

/// A `situation_tags` entry of matching.yaml naming an id the taxonomy lacks, with the
/// nearest id it has.
fn unknown_id<'a>(
    line: Option<usize>,
    place: &str,
    id: &str,
    what: &str,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> Problem {
    Problem::field(
        MATCHING_FILE,
        line,
        "situation_tags",
        format!(
            "{place}: \"{id}\" is not {what} in {TAXONOMY_FILE}{}",
            suggestion(id, known)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAXONOMY: &str = include_str!("../../../content/taxonomy.yaml");
    const MATCHING: &str = include_str!("../../../content/matching.yaml");
    const SITE: &str = include_str!("../../../content/site.yaml");

    fn lines(problems: Vec<Problem>) -> Vec<String> {
        problems.iter().map(Problem::to_string).collect()
    }

    #[test]
    fn project_settings_are_valid() {
        let t = parse_taxonomy(TAXONOMY).unwrap();
        parse_matching(MATCHING, Some(&t)).unwrap();
        parse_site(SITE).unwrap();
    }

    /// The problems of the project's taxonomy.yaml with `line` replaced by `edit`, and
    /// that line's 1-based number.
    fn taxonomy_problems_after(line: &str, edit: &str) -> (usize, Vec<String>) {
        let number = TAXONOMY.lines().position(|l| l == line).unwrap() + 1;
        let text = TAXONOMY.replacen(line, edit, 1);
        (number, lines(parse_taxonomy(&text).unwrap_err()))
    }

    #[test]
    fn taxonomy_shape_error_names_the_line_and_the_key() {
        let (line, problems) = taxonomy_problems_after("  it: IT・通信", "  it: [IT・通信]");
        assert_eq!(
            problems,
            [format!("content/taxonomy.yaml:{line}: taxonomy.yaml: industries.it: invalid type: sequence, expected a string (compare with the other entries in the file)")]
        );
    }

    #[test]
    fn taxonomy_bad_id_points_at_its_line() {
        let (line, problems) = taxonomy_problems_after("  it: IT・通信", "  IT: IT・通信");
        assert_eq!(
            problems,
            [format!("content/taxonomy.yaml:{line}: industries: id \"IT\" must be lower-case ASCII letters, digits and '_' (it is used in URLs, forms and stored records)")]
        );
    }

    #[test]
    fn matching_names_unknown_ids_with_suggestions() {
        let t = parse_taxonomy(TAXONOMY).unwrap();
        let text = MATCHING.replace(
            "  on_leave: [parenting, single_mother]",
            "  on_leav: [parenting, single_mom]",
        );
        let line = MATCHING
            .lines()
            .position(|l| l.starts_with("  on_leave:"))
            .unwrap()
            + 1;
        assert_eq!(
            lines(parse_matching(&text, Some(&t)).unwrap_err()),
            [
                format!("content/matching.yaml:{line}: situation_tags: \"on_leav\" is not a situation in content/taxonomy.yaml (did you mean \"on_leave\"?)"),
                format!("content/matching.yaml:{line}: situation_tags.on_leav: \"single_mom\" is not a mentor_tags id in content/taxonomy.yaml"),
            ]
        );
    }

    #[test]
    fn a_briefing_without_places_is_refused_on_its_line() {
        let text = SITE.replace("capacity: 30 }", "capacity: 0 }");
        let problems = lines(parse_site(&text).unwrap_err());
        assert_eq!(problems.len(), 3, "one per date: {problems:?}");
        assert!(
            problems[0].contains("capacity 0; give the number of places"),
            "{problems:?}"
        );
        assert!(
            problems[0].starts_with("content/site.yaml:"),
            "{problems:?}"
        );
    }

    #[test]
    fn site_base_url_must_be_a_url() {
        let text = SITE.replace(
            "base_url: http://127.0.0.1:8080",
            "base_url: mikke.example.jp",
        );
        let problems = lines(parse_site(&text).unwrap_err());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("base_url \"mikke.example.jp\" must start with https://"));
    }
}
