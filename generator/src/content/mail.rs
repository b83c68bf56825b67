//! Mail (issue 13): the templates in `content/mail/<name>.txt` and the private files in
//! `content/private/` (mentors' and staff addresses, briefing join details), checked against
//! the contract in `mikke_catalog::mail` and carried into the private bundle (`mail.json`).
//!
//! Mail is on when `content/site.yaml` has a `mail:` section; then every template of
//! [`TEMPLATES`] and `contacts.yaml` must exist. A root without `mail:` (the test fixtures)
//! sends nothing and is not asked for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mikke_catalog::mail::{
    normalise_address, parse_mailbox, pieces, template_spec, Contacts, MailSettings, MailTemplate,
    Piece, TemplateSpec, COMMON_PLACEHOLDERS, TEMPLATES,
};
use serde::Deserialize;

use super::fields::yaml_syntax;
use super::front_matter::{split, YamlLines};
use super::settings::SITE_FILE;
use crate::diagnostics::{suggestion, Problem};

pub const MAIL_DIR: &str = "content/mail";
pub const CONTACTS_FILE: &str = "content/private/contacts.yaml";
pub const BRIEFING_JOIN_FILE: &str = "content/private/briefings.yaml";

/// The mail part of the content, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MailContent {
    pub settings: MailSettings,
    /// Every template of [`TEMPLATES`], by name.
    pub templates: BTreeMap<String, MailTemplate>,
    pub contacts: Contacts,
    /// Briefing date → how to join.
    pub briefings: BTreeMap<String, String>,
}

/// The `mail:` section of site.yaml: addresses that parse, periods that make sense.
pub fn check_settings(settings: &MailSettings, lines: &YamlLines) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut bad = |key: &str, message: String| {
        problems.push(Problem::field(
            SITE_FILE,
            lines.nested("mail", key).or(lines.key("mail")),
            &format!("mail.{key}"),
            message,
        ))
    };
    if parse_mailbox(&settings.from).is_none() {
        bad(
            "from",
            format!(
                "mail.from \"{}\" is not an address: write it as 名前 <address@example.jp> or address@example.jp",
                settings.from
            ),
        );
    }
    if let Some(reply_to) = &settings.reply_to {
        if parse_mailbox(reply_to).is_none() {
            bad(
                "reply_to",
                format!("mail.reply_to \"{reply_to}\" is not an address"),
            );
        }
    }
    if settings.receipt_daily_cap == 0 {
        bad(
            "receipt_daily_cap",
            "mail.receipt_daily_cap must be at least 1 (0 would send no 受付 mail at all)".into(),
        );
    }
    let r = &settings.reminders;
    for (key, days) in [
        ("reply_pending_days", r.reply_pending_days),
        ("sheet_due_days", r.sheet_due_days),
    ] {
        if days == 0 {
            bad(key, format!("mail.reminders.{key} must be at least 1 day"));
        }
    }
    if r.digest_hour > 23 {
        bad(
            "digest_hour",
            format!(
                "mail.reminders.digest_hour {} must be an hour from 0 to 23 (Japan time)",
                r.digest_hour
            ),
        );
    }
    problems
}

/// The front matter of a template: its subject only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFront {
    subject: String,
}

/// One template file: a `subject:` in front matter, the body below; every placeholder known
/// to `spec`, every required one present.
pub fn parse_template(
    file: &Path,
    text: &str,
    spec: &TemplateSpec,
) -> Result<MailTemplate, Vec<Problem>> {
    let text = text.replace("\r\n", "\n");
    let parts = split(&text).map_err(|_| {
        vec![Problem::new(
            file,
            Some(1),
            "a mail template starts with a line \"---\", then \"subject: 件名\", then another \"---\" line, then the body",
        )]
    })?;
    let yaml_lines = YamlLines::new(parts.yaml, parts.yaml_line);
    let subject_line = yaml_lines.key("subject");
    let front: TemplateFront = serde_yaml::from_str(parts.yaml).map_err(|e| {
        let raw = parts.yaml.lines().find_map(|l| l.strip_prefix("subject:"));
        if raw.is_some_and(|r| r.trim_start().starts_with(['{', '['])) {
            // YAML reads `{{` at the start of a value as a mapping.
            vec![Problem::field(
                file,
                subject_line,
                "subject",
                "a subject that starts with {{ must be in double quotes: subject: \"{{…}} …\"",
            )]
        } else {
            vec![yaml_syntax(file, &e, parts.yaml_line - 1, "mail template")]
        }
    })?;
    let mut problems = Vec::new();
    let subject = front.subject.trim().to_string();
    if subject.is_empty() || subject.contains('\n') {
        problems.push(Problem::field(
            file,
            subject_line,
            "subject",
            "subject must be one line of text (the mail's 件名)",
        ));
    }
    let body = parts.body.trim_end().to_string() + "\n";
    let mut used = Vec::new();
    let mut unreadable = false;
    let texts = [
        (subject.as_str(), subject_line, false),
        (body.as_str(), Some(parts.body_line), true),
    ];
    for (text, first_line, multiline) in texts {
        let line_of = |offset: usize| {
            first_line.map(|l| {
                if multiline {
                    l + text[..offset].matches('\n').count()
                } else {
                    l
                }
            })
        };
        match pieces(text) {
            Err(e) => {
                unreadable = true;
                problems.push(Problem::new(file, line_of(e.offset()), e.to_string()));
            }
            Ok(found) => {
                for (offset, piece) in found {
                    let Piece::Placeholder(name) = piece else {
                        continue;
                    };
                    used.push(name.to_string());
                    if !spec.allows(name) {
                        problems.push(unknown_placeholder(file, line_of(offset), name, spec));
                    }
                }
            }
        }
    }
    // A text that could not be read says nothing about what it uses.
    for required in spec.required.iter().filter(|_| !unreadable) {
        if !used.iter().any(|u| u == required) {
            problems.push(Problem::new(
                file,
                None,
                format!(
                    "must contain {{{{{required}}}}}: this mail ({}) is useless without it",
                    spec.purpose
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(MailTemplate { subject, body })
    } else {
        Err(problems)
    }
}

fn unknown_placeholder(
    file: &Path,
    line: Option<usize>,
    name: &str,
    spec: &TemplateSpec,
) -> Problem {
    let known: Vec<&str> = spec
        .placeholders
        .iter()
        .copied()
        .chain(COMMON_PLACEHOLDERS)
        .collect();
    Problem::field(
        file,
        line,
        name,
        format!(
            "{{{{{name}}}}} is not a placeholder of this mail{}; it may use {}",
            suggestion(name, known.iter().copied()),
            known
                .iter()
                .map(|k| format!("{{{{{k}}}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

/// Every template in `root/content/mail`, each checked; every missing one and every file that
/// is not a template reported.
pub fn load_templates(
    root: &Path,
    problems: &mut Vec<Problem>,
) -> Option<BTreeMap<String, MailTemplate>> {
    let dir = root.join(MAIL_DIR);
    let mut templates = BTreeMap::new();
    let mut seen = Vec::new();
    let before = problems.len();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(read) => read.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    };
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name.filter(|n| !n.starts_with('.')) else {
            continue;
        };
        let file = Path::new(MAIL_DIR).join(&name);
        let Some(stem) = name.strip_suffix(".txt") else {
            problems.push(Problem::new(
                &file,
                None,
                "mail templates are .txt files named after their mail; rename it or move it out of content/mail",
            ));
            continue;
        };
        let Some(spec) = template_spec(stem) else {
            problems.push(Problem::new(
                &file,
                None,
                format!(
                    "\"{stem}\" is not a mail of the service{}; the templates are {}",
                    suggestion(stem, TEMPLATES.iter().map(|t| t.name)),
                    TEMPLATES
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        };
        seen.push(stem.to_string());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Problem::new(&file, None, format!("cannot be read: {e}")));
                continue;
            }
        };
        match parse_template(&file, &text, spec) {
            Ok(t) => {
                templates.insert(stem.to_string(), t);
            }
            Err(p) => problems.extend(p),
        }
    }
    for spec in TEMPLATES {
        if !seen.iter().any(|s| s == spec.name) {
            problems.push(Problem::new(
                Path::new(MAIL_DIR).join(format!("{}.txt", spec.name)),
                None,
                format!(
                    "is missing: every mail needs its template (this one: {}); copy one from the project's content/mail and edit it",
                    spec.purpose
                ),
            ));
        }
    }
    (problems.len() == before).then_some(templates)
}

/// A mentor as contacts.yaml is checked against her: found (by file), accepting (when her
/// profile parsed).
pub struct MentorRef<'a> {
    pub slug: &'a str,
    pub accepting: Option<bool>,
}

/// `content/private/contacts.yaml`: every slug a mentor's, every accepting mentor with an
/// address, every address valid, at least one staff address.
pub fn parse_contacts(text: &str, mentors: &[MentorRef<'_>]) -> Result<Contacts, Vec<Problem>> {
    let file = Path::new(CONTACTS_FILE);
    let raw: Contacts =
        serde_yaml::from_str(text).map_err(|e| vec![yaml_syntax(file, &e, 0, "contacts.yaml")])?;
    let lines = YamlLines::new(text, 1);
    let mut problems = Vec::new();
    let mut contacts = Contacts::default();
    // A set, and a line looked up only for a problem: with 100,000 mentors a scan per entry
    // made this check quadratic (minutes).
    let known: std::collections::HashSet<&str> = mentors.iter().map(|m| m.slug).collect();
    for (slug, address) in &raw.mentors {
        let line = || lines.nested("mentors", slug);
        if !known.contains(slug.as_str()) {
            problems.push(Problem::field(
                file,
                line(),
                "mentors",
                format!(
                    "mentors: \"{slug}\" is not a mentor (no content/mentors/{slug}.md){}",
                    suggestion(slug, mentors.iter().map(|m| m.slug))
                ),
            ));
        }
        match normalise_address(address.trim()) {
            Some(a) => {
                contacts.mentors.insert(slug.clone(), a);
            }
            None => problems.push(Problem::field(
                file,
                line(),
                "mentors",
                format!("mentors.{slug}: \"{address}\" is not an email address"),
            )),
        }
    }
    for m in mentors {
        if m.accepting == Some(true) && !raw.mentors.contains_key(m.slug) {
            problems.push(Problem::field(
                file,
                lines.key("mentors"),
                "mentors",
                format!(
                    "mentors: {} is accepting mentees but has no address here; add \"{}: her@address\" (or set accepting: false in her profile)",
                    m.slug, m.slug
                ),
            ));
        }
    }
    for address in &raw.staff {
        match normalise_address(address.trim()) {
            Some(a) => contacts.staff.push(a),
            None => problems.push(Problem::field(
                file,
                lines.value("staff", address),
                "staff",
                format!("staff: \"{address}\" is not an email address"),
            )),
        }
    }
    if raw.staff.is_empty() {
        problems.push(Problem::field(
            file,
            lines.key("staff").or(Some(1)),
            "staff",
            "staff: list at least one staff address (new applications and the daily digest go there)",
        ));
    }
    if problems.is_empty() {
        Ok(contacts)
    } else {
        Err(problems)
    }
}

/// `content/private/briefings.yaml`: date → how to join, for exactly site.yaml's dates.
pub fn parse_briefing_join(
    text: &str,
    dates: &[String],
) -> Result<BTreeMap<String, String>, Vec<Problem>> {
    let file = Path::new(BRIEFING_JOIN_FILE);
    let join: BTreeMap<String, String> =
        serde_yaml::from_str(text).map_err(|e| vec![yaml_syntax(file, &e, 0, "briefings.yaml")])?;
    let lines = YamlLines::new(text, 1);
    let mut problems = Vec::new();
    for (date, how) in &join {
        let line = lines.key(date);
        if !dates.contains(date) {
            problems.push(Problem::field(
                file,
                line,
                date,
                format!(
                    "\"{date}\" is not a briefing date in {SITE_FILE}{}",
                    suggestion(date, dates.iter().map(String::as_str))
                ),
            ));
        } else if how.trim().is_empty() {
            problems.push(Problem::field(
                file,
                line,
                date,
                format!("{date}: say how to join (the meeting URL and ID)"),
            ));
        }
    }
    for date in dates {
        if !join.contains_key(date) {
            problems.push(Problem::field(
                file,
                None,
                date,
                format!("no join details for the briefing on {date}: add a line \"{date}\": with the meeting URL and ID"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(join
            .into_iter()
            .map(|(d, j)| (d, j.trim().to_string()))
            .collect())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
