//! Field-by-field checks of front matter, so one run reports every problem in a file
//! with its line and a fix. serde alone would stop at the first error and could not say
//! "did you mean"; the typed structs in `model.rs` (with `deny_unknown_fields`) remain
//! the final gate once these checks pass.

use std::path::Path;

use mikke_catalog::{Taxonomy, VocabKind};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use super::front_matter::YamlLines;
use crate::diagnostics::{did_you_mean, suggestion, Problem};

pub const TAXONOMY_FILE: &str = "content/taxonomy.yaml";

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Non-empty text.
    Text,
    /// Non-empty text in hiragana or katakana (a reading), spaces and ・ allowed.
    Kana,
    /// One taxonomy id.
    Id(VocabKind),
    /// A list of taxonomy ids.
    Ids {
        vocab: VocabKind,
        at_least_one: bool,
    },
    Bool,
    /// Whole number ≥ 1.
    Count,
    /// Any whole number.
    Integer,
    /// Relative path under `content/`.
    ContentPath,
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Shown in fixes, e.g. `industry: it`.
    pub example: &'static str,
}

/// Everything one file's checks need to know besides the YAML itself.
pub struct Ctx<'a> {
    pub file: &'a Path,
    pub lines: &'a YamlLines<'a>,
    /// `None` when the taxonomy itself is broken: ids cannot be checked this run.
    pub taxonomy: Option<&'a Taxonomy>,
}

/// Checks `yaml` against `specs`; on success also deserializes it into `T`.
pub fn check<T: DeserializeOwned>(
    yaml: &str,
    yaml_line: usize,
    specs: &[Spec],
    ctx: &Ctx,
) -> (Option<T>, Vec<Problem>) {
    let parsed = super::plain_yaml::parse(yaml).map_or_else(|| serde_yaml::from_str(yaml), Ok);
    let value: Value = match parsed {
        Ok(v) => v,
        Err(e) => {
            return (
                None,
                vec![duplicate_key(&e, ctx)
                    .unwrap_or_else(|| yaml_syntax(ctx.file, &e, yaml_line - 1, "front matter"))],
            )
        }
    };
    let mut mapping = match value {
        Value::Mapping(m) => m,
        Value::Null => Mapping::new(),
        _ => {
            let msg = "front matter must be fields written one per line as `field: value`";
            return (None, vec![Problem::new(ctx.file, Some(yaml_line), msg)]);
        }
    };
    let mut problems = Vec::new();
    for key in mapping.keys() {
        let key = key_text(key);
        if !specs.iter().any(|s| s.name == key) {
            problems.push(unknown_field(&key, specs, ctx));
        }
    }
    for spec in specs {
        match mapping.get(spec.name) {
            None | Some(Value::Null) if spec.required => problems.push(missing(spec, ctx)),
            None | Some(Value::Null) => {}
            Some(value) => check_value(spec, value, ctx, &mut problems),
        }
    }
    if !problems.is_empty() {
        return (None, problems);
    }
    // `tags:` with nothing after it means "none", as if the line were absent.
    mapping.retain(|_, v| !v.is_null());
    match serde_yaml::from_value(Value::Mapping(mapping)) {
        Ok(item) => (Some(item), problems),
        Err(e) => (
            None,
            vec![Problem::new(
                ctx.file,
                Some(yaml_line),
                format!("front matter: {e}"),
            )],
        ),
    }
}

/// A YAML syntax or shape error reported by serde_yaml, at the file line it names.
/// `line_offset` is the number of file lines before the YAML text.
pub fn yaml_syntax(file: &Path, e: &serde_yaml::Error, line_offset: usize, what: &str) -> Problem {
    let line = e.location().map(|l| l.line() + line_offset);
    let text = e.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text);
    let text = text.split(" at position ").next().unwrap_or(text);
    // serde's shape errors ("invalid type", "missing field") are valid YAML with a wrong value;
    // libyaml's are broken syntax. Staff fix them differently.
    let shape = [
        "invalid type",
        "invalid value",
        "missing field",
        "unknown field",
        "invalid length",
    ]
    .iter()
    .any(|s| text.contains(s));
    let text = text
        .replace("expected u32", "expected a whole number")
        .replace("expected usize", "expected a whole number")
        .replace('`', "\"");
    let message = if shape {
        format!("{what}: {text} (compare with the other entries in the file)")
    } else {
        format!("{what} is not valid YAML: {text} (check the indentation, and put values containing \":\" or \"#\" in quotes)")
    };
    Problem::new(file, line, message)
}

/// serde_yaml reports a repeated field at the start of the mapping; point at the repeat.
fn duplicate_key(e: &serde_yaml::Error, ctx: &Ctx) -> Option<Problem> {
    let text = e.to_string();
    let key = text
        .strip_prefix("duplicate entry with key \"")?
        .split('"')
        .next()?;
    let line = ctx.lines.key_lines(key).get(1).copied();
    Some(Problem::field(
        ctx.file,
        line,
        key,
        format!("field \"{key}\" is written twice; keep one of them"),
    ))
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn unknown_field(key: &str, specs: &[Spec], ctx: &Ctx) -> Problem {
    let names = specs.iter().map(|s| s.name);
    let hint = match did_you_mean(key, names.clone()) {
        Some(k) => format!("did you mean \"{k}\"?"),
        None => format!("known fields: {}", names.collect::<Vec<_>>().join(", ")),
    };
    Problem::field(
        ctx.file,
        ctx.lines.key(key),
        key,
        format!("unknown field \"{key}\" ({hint})"),
    )
}

fn missing(spec: &Spec, ctx: &Ctx) -> Problem {
    let message = match ctx.lines.key(spec.name) {
        Some(_) => format!("{} is empty; fill it in, e.g. {}", spec.name, spec.example),
        None => format!(
            "required field \"{}\" is missing; add a line such as {}",
            spec.name, spec.example
        ),
    };
    // A missing field has no line of its own; point at the opening `---`.
    Problem::field(
        ctx.file,
        ctx.lines.key(spec.name).or(Some(1)),
        spec.name,
        message,
    )
}

fn check_value(spec: &Spec, value: &Value, ctx: &Ctx, problems: &mut Vec<Problem>) {
    // Lines are looked up only for a problem: finding one scans the file's lines, and nearly
    // every value of every profile is fine (the lookups were ~2 % of a 10,000-profile check).
    let line = || ctx.lines.key(spec.name);
    let wrong = |what: &str| {
        Problem::field(
            ctx.file,
            line(),
            spec.name,
            format!(
                "{} must be {what}, not {}; e.g. {}",
                spec.name,
                describe(value),
                spec.example
            ),
        )
    };
    match spec.kind {
        Kind::Text => match value.as_str() {
            Some(s) if s.trim().is_empty() => {
                problems.push(Problem::field(
                    ctx.file,
                    line(),
                    spec.name,
                    format!("{} is empty; fill it in, e.g. {}", spec.name, spec.example),
                ));
            }
            Some(_) => {}
            None => problems.push(wrong("text (put it in quotes if it looks like a number or date)")),
        },
        Kind::Kana => match value.as_str() {
            Some(s) if !s.trim().is_empty() && s.chars().all(is_reading_char) => {}
            _ => problems.push(wrong("written in hiragana or katakana (how the name is read)")),
        },
        Kind::Bool => {
            if !value.is_bool() {
                problems.push(wrong("true or false"));
            }
        }
        Kind::Integer => {
            if value.as_i64().is_none_or(|n| i32::try_from(n).is_err()) {
                problems.push(wrong("a whole number"));
            }
        }
        Kind::Count => match value.as_i64() {
            Some(n) if n >= 1 && n <= i64::from(u32::MAX) => {}
            Some(_) => problems.push(Problem::field(
                ctx.file,
                line(),
                spec.name,
                format!(
                    "{} must be at least 1 (how many mentees she can take at once); to pause her, set accepting: false",
                    spec.name
                ),
            )),
            None => problems.push(wrong("a whole number ≥ 1")),
        },
        Kind::ContentPath => match value.as_str() {
            Some(p) if is_plain_relative(p) => {}
            Some(_) => problems.push(wrong("a path under content/ without \"..\"")),
            None => problems.push(wrong("a path under content/")),
        },
        Kind::Id(vocab) => match scalar_text(value) {
            Some(id) => check_id(spec.name, vocab, &id, line, ctx, problems),
            None => problems.push(wrong(&format!("one id from {} in {TAXONOMY_FILE}", vocab.key()))),
        },
        Kind::Ids { vocab, at_least_one } => {
            let Some(items) = value.as_sequence() else {
                return problems.push(wrong(&format!("a list of ids from {} in {TAXONOMY_FILE}", vocab.key())));
            };
            if items.is_empty() && at_least_one {
                problems.push(Problem::field(
                    ctx.file,
                    line(),
                    spec.name,
                    format!(
                        "{} is empty; list at least one id from {} in {TAXONOMY_FILE}, e.g. {}",
                        spec.name,
                        vocab.key(),
                        spec.example
                    ),
                ));
            }
            let mut seen = Vec::new();
            for item in items {
                let Some(id) = scalar_text(item) else {
                    problems.push(wrong(&format!("a list of ids from {} in {TAXONOMY_FILE}", vocab.key())));
                    continue;
                };
                let item_line = || ctx.lines.value(spec.name, &id);
                if seen.contains(&id) {
                    problems.push(Problem::field(
                        ctx.file,
                        item_line(),
                        spec.name,
                        format!("{} lists \"{id}\" twice; remove one", spec.name),
                    ));
                }
                check_id(spec.name, vocab, &id, item_line, ctx, problems);
                seen.push(id);
            }
        }
    }
}

/// Kana, the long-vowel mark, ・ and spaces: what a reading such as さとう はなこ is made of.
fn is_reading_char(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FE}' | '・' | ' ' | '\u{3000}')
}

/// `industry "IT" is not in content/taxonomy.yaml (did you mean "it"?)`
/// `line` finds the id's line, asked only when the id is not in the vocabulary.
fn check_id(
    field: &str,
    vocab: VocabKind,
    id: &str,
    line: impl Fn() -> Option<usize>,
    ctx: &Ctx,
    problems: &mut Vec<Problem>,
) {
    let Some(taxonomy) = ctx.taxonomy else { return };
    let known = taxonomy.vocab(vocab);
    if known.contains_key(id) {
        return;
    }
    let ids = known.keys().map(String::as_str);
    let hint = match suggestion(id, ids.clone()) {
        s if !s.is_empty() => s,
        _ => format!(
            "; use one of the {} ids: {}",
            vocab.key(),
            ids.collect::<Vec<_>>().join(", ")
        ),
    };
    problems.push(Problem::field(
        ctx.file,
        line(),
        field,
        format!("{field} \"{id}\" is not in {TAXONOMY_FILE}{hint}"),
    ));
}

/// Ids written as bare numbers (`age_band: 40`) are compared as text so the
/// suggestion can help (`did you mean "40s"?`).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{s}\""),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a set of fields".into(),
        Value::Tagged(_) => "a tagged value".into(),
    }
}

pub fn is_plain_relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.is_relative()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}
