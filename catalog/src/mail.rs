//! The mail contract (issue 13): which mails exist, which placeholders each template may use,
//! and the private bundle the generator writes for the handler (`mail.json`: templates,
//! contacts, briefing join details, settings). The generator checks `content/mail/*.txt`
//! against [`TEMPLATES`]; the sender fills the same placeholders. One list, both sides.
//!
//! The bundle is private: it holds mentors' and staff addresses and briefing join details,
//! so it is never written into `public/` (the generator writes it to its private directory,
//! 0600; the Lambda package carries it beside `catalog.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Bump when a field changes meaning or disappears; the handler refuses other versions.
pub const MAIL_BUNDLE_VERSION: u32 = 1;

/// Who a mail goes to. Addresses are looked up at send time: the applicant's and the
/// mentee's from the stored record, mentors' and staff's from `contacts.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// Whoever sent an application or inquiry (an address nobody confirmed: no echo).
    Sender,
    /// Every staff address.
    Staff,
    /// The mentee of a match.
    Mentee,
    /// The mentor of a match.
    Mentor,
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Sender => "sender",
            Recipient::Staff => "staff",
            Recipient::Mentee => "mentee",
            Recipient::Mentor => "mentor",
        }
    }

    pub fn parse(text: &str) -> Option<Recipient> {
        [
            Recipient::Sender,
            Recipient::Staff,
            Recipient::Mentee,
            Recipient::Mentor,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// One mail template: its file name (`content/mail/<name>.txt`), who receives it, and the
/// placeholders it may use beyond [`COMMON_PLACEHOLDERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSpec {
    pub name: &'static str,
    pub to: Recipient,
    /// What the mail is for, in the words `generator check` uses.
    pub purpose: &'static str,
    pub placeholders: &'static [&'static str],
    /// Placeholders the mail is useless without (a diary mail without its link).
    pub required: &'static [&'static str],
}

/// Every template may use these: the signature and the way back to the service.
pub const COMMON_PLACEHOLDERS: [&str; 3] = ["service_name", "contact_email", "site_url"];

const LINK: &[&str] = &["diary_link"];

/// Every mail the service sends. The order is the order of the README's table.
pub const TEMPLATES: &[TemplateSpec] = &[
    TemplateSpec {
        name: "application_received",
        to: Recipient::Sender,
        purpose: "受付完了 to the applicant (no submitted text)",
        placeholders: &["receipt_id", "next_steps"],
        required: &["receipt_id"],
    },
    TemplateSpec {
        name: "consultation_received",
        to: Recipient::Sender,
        purpose: "受付 of a free consultation request",
        placeholders: &["receipt_id"],
        required: &["receipt_id"],
    },
    TemplateSpec {
        name: "briefing_received",
        to: Recipient::Sender,
        purpose: "受付 of a briefing sign-up, with the date and how to join",
        placeholders: &[
            "receipt_id",
            "briefing_date",
            "briefing_time",
            "briefing_join",
        ],
        required: &["briefing_date", "briefing_join"],
    },
    TemplateSpec {
        name: "corporate_received",
        to: Recipient::Sender,
        purpose: "受付 of a corporate inquiry",
        placeholders: &["receipt_id"],
        required: &["receipt_id"],
    },
    TemplateSpec {
        name: "staff_new_application",
        to: Recipient::Staff,
        purpose: "a new application, to staff (no contact data)",
        placeholders: &["id", "needs_call", "completeness", "missing"],
        required: &["id"],
    },
    TemplateSpec {
        name: "staff_new_inquiry",
        to: Recipient::Staff,
        purpose: "a new inquiry, to staff (no contact data)",
        placeholders: &["id", "kind_label", "briefing_date"],
        required: &["id"],
    },
    TemplateSpec {
        name: "match_mentee",
        to: Recipient::Mentee,
        purpose: "the introduction of her mentor, with her own diary link",
        placeholders: &[
            "mentor_name",
            "plan_label",
            "sessions",
            "diary_link",
            "link_expires",
        ],
        required: LINK,
    },
    TemplateSpec {
        name: "match_mentor",
        to: Recipient::Mentor,
        purpose: "the introduction of a mentee, with the mentor's own diary link",
        placeholders: &[
            "mentor_name",
            "mentee_name",
            "mentee_email",
            "plan_label",
            "sessions",
            "diary_link",
            "link_expires",
        ],
        required: &["mentee_email", "diary_link"],
    },
    TemplateSpec {
        name: "sheet_posted",
        to: Recipient::Mentor,
        purpose: "a mentoring sheet arrived (no sheet text)",
        placeholders: &["mentor_name", "session", "diary_link"],
        required: LINK,
    },
    TemplateSpec {
        name: "reply_posted",
        to: Recipient::Mentee,
        purpose: "the mentor replied (no reply text)",
        placeholders: &["mentor_name", "session", "diary_link"],
        required: LINK,
    },
    TemplateSpec {
        name: "match_extended_mentee",
        to: Recipient::Mentee,
        purpose: "more sessions, with a fresh link",
        placeholders: &[
            "mentor_name",
            "sessions",
            "added",
            "diary_link",
            "link_expires",
        ],
        required: LINK,
    },
    TemplateSpec {
        name: "match_extended_mentor",
        to: Recipient::Mentor,
        purpose: "more sessions, with a fresh link",
        placeholders: &[
            "mentor_name",
            "sessions",
            "added",
            "diary_link",
            "link_expires",
        ],
        required: LINK,
    },
    TemplateSpec {
        name: "links_renewed_mentee",
        to: Recipient::Mentee,
        purpose: "a fresh link after staff took the old ones back (staff revoke --send)",
        placeholders: &["mentor_name", "diary_link", "link_expires"],
        required: LINK,
    },
    TemplateSpec {
        name: "links_renewed_mentor",
        to: Recipient::Mentor,
        purpose: "a fresh link after staff took the old ones back (staff revoke --send)",
        placeholders: &["mentor_name", "diary_link", "link_expires"],
        required: LINK,
    },
    TemplateSpec {
        name: "match_closed_mentee",
        to: Recipient::Mentee,
        purpose: "closing thanks",
        placeholders: &["mentor_name"],
        required: &[],
    },
    TemplateSpec {
        name: "match_closed_mentor",
        to: Recipient::Mentor,
        purpose: "closing thanks",
        placeholders: &["mentor_name"],
        required: &[],
    },
    TemplateSpec {
        name: "reminder_reply",
        to: Recipient::Mentor,
        purpose: "a sheet waits for its reply",
        placeholders: &["mentor_name", "session", "days", "diary_link"],
        required: LINK,
    },
    TemplateSpec {
        name: "reminder_sheet",
        to: Recipient::Mentee,
        purpose: "no sheet for a while though sessions remain",
        placeholders: &["mentor_name", "session", "days", "diary_link"],
        required: LINK,
    },
    TemplateSpec {
        name: "staff_match_overdue",
        to: Recipient::Staff,
        purpose: "a match past its plan, to staff",
        placeholders: &["match_id", "mentor_slug", "mentor_name", "plan_end"],
        required: &["match_id"],
    },
    TemplateSpec {
        name: "staff_digest",
        to: Recipient::Staff,
        purpose: "the daily digest of what is waiting",
        placeholders: &[
            "date",
            "new_applications",
            "needs_call",
            "inquiries",
            "flagged_sheets",
            "replies_pending",
            "overdue_matches",
            "failed_mails",
        ],
        required: &[],
    },
    TemplateSpec {
        name: "staff_signin",
        to: Recipient::Staff,
        purpose: "the one-time sign-in link to the staff console (to the staff address asking)",
        placeholders: &["signin_link", "valid_minutes"],
        required: &["signin_link"],
    },
];

/// The spec of template `name`.
pub fn template_spec(name: &str) -> Option<&'static TemplateSpec> {
    TEMPLATES.iter().find(|t| t.name == name)
}

impl TemplateSpec {
    /// Whether `placeholder` may appear in this template.
    pub fn allows(&self, placeholder: &str) -> bool {
        COMMON_PLACEHOLDERS.contains(&placeholder) || self.placeholders.contains(&placeholder)
    }
}

/// A template as staff wrote it: a subject line and a plain-text body, both with
/// `{{placeholder}}`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailTemplate {
    pub subject: String,
    pub body: String,
}

/// One `{{…}}` of a template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// The name inside the braces, trimmed.
    Placeholder(&'a str),
}

/// Why a template text cannot be read; the byte offset points at the `{{`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    #[error("\"{{{{\" is not closed with \"}}}}\"")]
    Unclosed { at: usize },
    #[error("\"{{{{{name}}}}}\" is not a placeholder name (lower-case letters, digits and _)")]
    BadName { at: usize, name: String },
}

impl PlaceholderError {
    pub fn offset(&self) -> usize {
        match self {
            PlaceholderError::Unclosed { at } | PlaceholderError::BadName { at, .. } => *at,
        }
    }
}

/// Splits a template text into text and placeholders. `{{ name }}` (spaces allowed);
/// a lone `{` or `}` is text.
pub fn pieces(text: &str) -> Result<Vec<(usize, Piece<'_>)>, PlaceholderError> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find("{{").map(|i| rest + i) {
        if open > rest {
            out.push((rest, Piece::Text(&text[rest..open])));
        }
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            return Err(PlaceholderError::Unclosed { at: open });
        };
        let name = text[open + 2..close].trim();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(PlaceholderError::BadName {
                at: open,
                name: name.to_string(),
            });
        }
        out.push((open, Piece::Placeholder(name)));
        rest = close + 2;
    }
    if rest < text.len() {
        out.push((rest, Piece::Text(&text[rest..])));
    }
    Ok(out)
}

/// Fills a checked template text. A placeholder without a value renders empty (the
/// generator has checked every name against the spec, so that is an optional value).
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let Ok(parts) = pieces(text) else {
        // Unreachable for a bundle the generator wrote; send the text as written.
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len() + 64);
    for (_, piece) in parts {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder(name) => out.push_str(&value(name).unwrap_or_default()),
        }
    }
    out
}

/// A pragmatic address check (what mail actually delivers to, not all of RFC 5322);
/// the domain is lower-cased.
pub fn normalise_address(value: &str) -> Option<String> {
    if value.len() > 254 {
        return None;
    }
    let (local, domain) = value.split_once('@')?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()));
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// `Name <address>` or a bare address, as in `From:`; `None` when the address is not one.
pub fn parse_mailbox(text: &str) -> Option<(Option<&str>, String)> {
    let text = text.trim();
    match text.strip_suffix('>').and_then(|t| t.rsplit_once('<')) {
        Some((name, address)) => {
            let name = name.trim().trim_matches('"').trim();
            let address = normalise_address(address.trim())?;
            Some(((!name.is_empty()).then_some(name), address))
        }
        None => normalise_address(text).map(|a| (None, a)),
    }
}

/// Mentors' and staff addresses: `content/private/contacts.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Mentor slug → her address.
    #[serde(default)]
    pub mentors: BTreeMap<String, String>,
    /// Everyone who receives staff mail (and, later, may sign in to the console).
    #[serde(default)]
    pub staff: Vec<String>,
}

/// How the service sends, from `content/site.yaml` `mail:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `From`, e.g. `メンターmikke 事務局 <noreply@mikke.example.jp>`.
    pub from: String,
    /// `Reply-To`; the site's contact address when absent.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Most 受付 mails (to addresses nobody confirmed) sent per day, all senders together.
    #[serde(default = "default_receipt_daily_cap")]
    pub receipt_daily_cap: u32,
    /// "What happens next", for the application's 受付 mail.
    #[serde(default)]
    pub next_steps: String,
    #[serde(default)]
    pub reminders: Reminders,
}

fn default_receipt_daily_cap() -> u32 {
    500
}

/// The scheduled mails' periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    /// A sheet unanswered this many days reminds its mentor…
    pub reply_pending_days: u32,
    /// …at most this many times per sheet.
    pub reply_reminders: u32,
    /// No sheet this many days while sessions remain reminds the mentee…
    pub sheet_due_days: u32,
    /// …at most this many times per session.
    pub sheet_reminders: u32,
    /// The hour (Japan time, 0–23) from which the day's staff digest goes out.
    pub digest_hour: u32,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            reply_pending_days: 7,
            reply_reminders: 2,
            sheet_due_days: 21,
            sheet_reminders: 2,
            digest_hour: 9,
        }
    }
}

/// The service as mails sign it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailService {
    pub name: String,
    pub site_url: String,
    pub contact_email: String,
}

/// `mail.json`: everything the sender needs besides the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailBundle {
    pub schema_version: u32,
    pub service: MailService,
    pub settings: MailSettings,
    /// Template name → template; every name of [`TEMPLATES`].
    pub templates: BTreeMap<String, MailTemplate>,
    pub contacts: Contacts,
    /// Briefing date (`YYYY-MM-DD`) → how to join (URL, meeting id), mailed on sign-up only.
    #[serde(default)]
    pub briefings: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailBundleError {
    #[error("cannot read the mail bundle {}: {source} (run `generator build`: it writes the mail templates and contacts there)", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("mail bundle {} is not valid: {message} (rebuild it with `generator build`)", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl MailBundle {
    pub fn from_file(path: &Path) -> Result<MailBundle, MailBundleError> {
        let text = std::fs::read_to_string(path).map_err(|source| MailBundleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        MailBundle::parse(&text).map_err(|message| MailBundleError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses and checks what the sender relies on: the version, every template present
    /// and readable with only its allowed placeholders.
    pub fn parse(text: &str) -> Result<MailBundle, String> {
        // serde's message may quote the text, which holds addresses: position only.
        let bundle: MailBundle = serde_json::from_str(text).map_err(|e| {
            format!(
                "not the expected JSON at line {} column {}",
                e.line(),
                e.column()
            )
        })?;
        if bundle.schema_version != MAIL_BUNDLE_VERSION {
            return Err(format!(
                "schema_version {} but this program reads {MAIL_BUNDLE_VERSION}",
                bundle.schema_version
            ));
        }
        for spec in TEMPLATES {
            let template = bundle
                .templates
                .get(spec.name)
                .ok_or_else(|| format!("template {} is missing", spec.name))?;
            for text in [&template.subject, &template.body] {
                let parts = pieces(text).map_err(|e| format!("template {}: {e}", spec.name))?;
                for (_, piece) in parts {
                    if let Piece::Placeholder(name) = piece {
                        if !spec.allows(name) {
                            return Err(format!(
                                "template {}: unknown placeholder {{{{{name}}}}}",
                                spec.name
                            ));
                        }
                    }
                }
            }
        }
        Ok(bundle)
    }

    /// The template of `spec` (present: checked by [`MailBundle::parse`]).
    pub fn template(&self, name: &str) -> Option<&MailTemplate> {
        self.templates.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_unique_and_their_required_placeholders_allowed() {
        let mut names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TEMPLATES.len());
        for t in TEMPLATES {
            for r in t.required {
                assert!(t.allows(r), "{}: {r}", t.name);
            }
        }
    }

    #[test]
    fn pieces_split_text_and_placeholders_with_offsets() {
        let parts = pieces("受付番号 {{ receipt_id }} です{x}").unwrap();
        assert_eq!(
            parts,
            [
                (0, Piece::Text("受付番号 ")),
                (13, Piece::Placeholder("receipt_id")),
                (29, Piece::Text(" です{x}")),
            ]
        );
        assert_eq!(
            pieces("a {{b").unwrap_err(),
            PlaceholderError::Unclosed { at: 2 }
        );
        assert_eq!(
            pieces("{{お名前}}").unwrap_err(),
            PlaceholderError::BadName {
                at: 0,
                name: "お名前".into()
            }
        );
    }

    #[test]
    fn fill_replaces_known_values_and_leaves_missing_ones_empty() {
        let out = fill("{{a}}と{{ b }}と{{c}}", |n| match n {
            "a" => Some("一".into()),
            "b" => Some("{{c}}".into()),
            _ => None,
        });
        // A value is never read as a template: what the value says is what is sent.
        assert_eq!(out, "一と{{c}}と");
    }

    #[test]
    fn mailboxes_with_and_without_a_display_name() {
        assert_eq!(
            parse_mailbox("メンターmikke 事務局 <noreply@Mikke.Example.JP>"),
            Some((
                Some("メンターmikke 事務局"),
                "noreply@mikke.example.jp".into()
            ))
        );
        assert_eq!(parse_mailbox("a@b.jp"), Some((None, "a@b.jp".to_string())));
        assert_eq!(parse_mailbox("事務局 <not an address>"), None);
    }
}
