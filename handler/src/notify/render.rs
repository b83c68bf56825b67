//! An outbox entry becomes a mail at send time: the recipient's address looked up (the
//! record's for the sender and the mentee, contacts.yaml's for mentors and staff), the
//! template filled with values read now, a fresh diary link issued for the recipient's own
//! role. Nothing here is stored: what was sent can be rendered again from the same facts.

use std::time::SystemTime;

use mikke_catalog::mail::{fill, parse_mailbox, Recipient};
use mikke_mail::Outgoing;
use serde_json::Value;
use time::OffsetDateTime;

use super::{jst_date, Notifier};
use crate::matching::{link_expiry, Links};
use crate::store::{Mail, Match, RecordKind, StoreError};
use crate::tokens::Role;

/// Why an entry is not sent.
#[derive(Debug)]
pub enum Skip {
    /// On purpose, for good: what it is about is gone (erased, expired), or a cap.
    Suppress(String),
    /// Staff must act (an address missing from contacts.yaml): fix, rebuild, resend.
    Fail(String),
    /// The store could not be read: try again.
    Store(StoreError),
}

impl From<StoreError> for Skip {
    fn from(e: StoreError) -> Skip {
        Skip::Store(e)
    }
}

/// A rendered mail and who it goes to (for caps and the hashed log line).
pub struct Rendered {
    pub mail: Outgoing,
    pub recipient: Recipient,
}

/// Values of one template, by placeholder name.
struct Values(Vec<(&'static str, String)>);

impl Values {
    fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.push((name, value.into()));
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// A name shown to a mentor, unless it carries a link: a form field is not a way to mail a
/// URL to anyone (the name still reaches the mentor through the staff, who phone anyway).
fn safe_name(name: &str) -> String {
    let lower = name.to_lowercase();
    if ["://", "www.", "http", "@"]
        .iter()
        .any(|p| lower.contains(p))
    {
        "（お名前にURLなどが含まれるため省略しました。事務局にお問い合わせください）".into()
    } else {
        name.to_string()
    }
}

impl Notifier {
    /// The mail of `entry`, or why it is not sent.
    pub async fn render(&self, entry: &Mail, now: OffsetDateTime) -> Result<Rendered, Skip> {
        let recipient = Recipient::parse(&entry.recipient)
            .ok_or_else(|| Skip::Fail(format!("unknown recipient {}", entry.recipient)))?;
        let template = self
            .bundle
            .template(&entry.template)
            .ok_or_else(|| Skip::Fail(format!("unknown template {}", entry.template)))?;
        let service = &self.bundle.service;
        let mut values = Values(vec![
            ("service_name", service.name.clone()),
            ("contact_email", service.contact_email.clone()),
            ("site_url", self.site_url.clone()),
        ]);
        let to = match entry.refs.get("match").and_then(Value::as_str) {
            _ if entry.template == "staff_digest" => self.digest_values(entry, &mut values)?,
            _ if entry.template == "staff_signin" => {
                self.signin_values(entry, now, &mut values).await?
            }
            Some(match_id) => {
                self.match_values(entry, match_id, recipient, now, &mut values)
                    .await?
            }
            None => self.record_values(entry, recipient, &mut values).await?,
        };
        let subject = fill(&template.subject, |n| values.get(n));
        let body = fill(&template.body, |n| values.get(n));
        let settings = &self.bundle.settings;
        let domain = parse_mailbox(&settings.from)
            .and_then(|(_, a)| a.split_once('@').map(|(_, d)| d.to_string()))
            .unwrap_or_else(|| "mikke.invalid".into());
        Ok(Rendered {
            mail: Outgoing {
                from: settings.from.clone(),
                reply_to: Some(
                    settings
                        .reply_to
                        .clone()
                        .unwrap_or_else(|| service.contact_email.clone()),
                ),
                to,
                // One line, whatever a template or value held.
                subject: subject.lines().collect::<Vec<_>>().join(" "),
                body,
                message_id: format!("<{}@{domain}>", entry.id),
                date: SystemTime::from(now),
            },
            recipient,
        })
    }

    /// The digest: the counts the scheduler saw, to staff.
    fn digest_values(&self, entry: &Mail, values: &mut Values) -> Result<Vec<String>, Skip> {
        let day = text(&entry.refs, "/date").unwrap_or_default();
        values.set("date", super::briefing_date_label(day));
        for name in [
            "new_applications",
            "needs_call",
            "inquiries",
            "flagged_sheets",
            "replies_pending",
            "overdue_matches",
            "failed_mails",
        ] {
            let n = entry.refs.get(name).and_then(Value::as_u64).unwrap_or(0);
            values.set(name, n.to_string());
        }
        self.staff_addresses()
    }

    /// A sign-in link, minted now for the request's own address. A request already used or
    /// past its ten minutes gets no mail (a late mail would only hold a dead link).
    async fn signin_values(
        &self,
        entry: &Mail,
        now: OffsetDateTime,
        values: &mut Values,
    ) -> Result<Vec<String>, Skip> {
        let id = text(&entry.refs, "/signin").unwrap_or_default();
        let request = self
            .store
            .get_signin(id)
            .await?
            .filter(|r| r.used_at.is_none() && r.expires_at > now)
            .ok_or_else(|| Skip::Suppress("the sign-in request is used or expired".into()))?;
        values.set(
            "signin_link",
            crate::console::signin_link(&self.site_url, &self.key.sign_signin(&request.id)),
        );
        // Rounded up: a link sent at once reads "10分間", not 9 and some seconds.
        let minutes = ((request.expires_at - now).whole_seconds() + 59)
            .div_euclid(60)
            .max(1);
        values.set("valid_minutes", minutes.to_string());
        Ok(vec![request.address])
    }

    /// Applications and inquiries: the 受付 mails (to the sender) and the staff's notices.
    async fn record_values(
        &self,
        entry: &Mail,
        recipient: Recipient,
        values: &mut Values,
    ) -> Result<Vec<String>, Skip> {
        let kind = match text(&entry.refs, "/record") {
            Some("application") => RecordKind::Application,
            Some("inquiry") => RecordKind::Inquiry,
            _ => return Err(Skip::Fail("entry without a record".into())),
        };
        let id = text(&entry.refs, "/id").unwrap_or_default();
        let record = self
            .store
            .get(kind, id)
            .await?
            .ok_or_else(|| Skip::Suppress("the record is gone".into()))?;
        let body = &record.body;
        values.set("receipt_id", record.id.clone());
        values.set("id", record.id.clone());
        match kind {
            RecordKind::Application => {
                values.set("next_steps", self.bundle.settings.next_steps.trim_end());
                let needs_call = body["completeness"]["needs_call"].as_bool() == Some(true);
                values.set(
                    "needs_call",
                    if needs_call {
                        "要電話"
                    } else {
                        "電話不要"
                    },
                );
                let score = body["completeness"]["score"].as_u64().unwrap_or(0);
                values.set("completeness", format!("{score}/100"));
                let missing: Vec<&str> = body["completeness"]["missing"]
                    .as_array()
                    .map(|items| items.iter().filter_map(|m| m["label"].as_str()).collect())
                    .unwrap_or_default();
                values.set(
                    "missing",
                    if missing.is_empty() {
                        "なし".to_string()
                    } else {
                        missing.join("、")
                    },
                );
            }
            RecordKind::Inquiry => {
                let kind = text(body, "/kind").unwrap_or_default();
                values.set("kind_label", super::inquiry_label(kind));
                let date = text(body, "/briefing_date").unwrap_or_default();
                if !date.is_empty() {
                    values.set("briefing_date", super::briefing_date_label(date));
                    let time = self
                        .matcher
                        .catalog()
                        .site
                        .briefings
                        .iter()
                        .find(|b| b.date == date)
                        .map(|b| b.time.clone())
                        .unwrap_or_default();
                    values.set("briefing_time", time);
                    let join = self.bundle.briefings.get(date).ok_or_else(|| {
                        Skip::Fail(format!("no join details for the briefing on {date}"))
                    })?;
                    values.set("briefing_join", join.clone());
                } else {
                    values.set("briefing_date", "—");
                }
            }
        }
        match recipient {
            Recipient::Staff => self.staff_addresses(),
            Recipient::Sender => {
                let pointer = match kind {
                    RecordKind::Application => "/application/email",
                    RecordKind::Inquiry => "/email",
                };
                text(body, pointer)
                    .map(|a| vec![a.to_string()])
                    .ok_or_else(|| Skip::Suppress("the record has no address".into()))
            }
            other => Err(Skip::Fail(format!(
                "a record's mail cannot go to the {}",
                other.as_str()
            ))),
        }
    }

    fn staff_addresses(&self) -> Result<Vec<String>, Skip> {
        let staff = &self.bundle.contacts.staff;
        if staff.is_empty() {
            return Err(Skip::Fail("no staff address in contacts.yaml".into()));
        }
        Ok(staff.clone())
    }

    /// Everything about a match: introductions, sheets, replies, extensions, reminders.
    async fn match_values(
        &self,
        entry: &Mail,
        match_id: &str,
        recipient: Recipient,
        now: OffsetDateTime,
        values: &mut Values,
    ) -> Result<Vec<String>, Skip> {
        let m: Match = self
            .store
            .get_match(match_id)
            .await?
            .ok_or_else(|| Skip::Suppress("the match is gone".into()))?;
        let catalog = self.matcher.catalog();
        values.set("mentor_name", m.mentor_name.clone());
        values.set("mentor_slug", m.mentor_slug.clone());
        values.set("match_id", m.id.clone());
        values.set("sessions", m.sessions.to_string());
        let plan = catalog
            .taxonomy
            .plans
            .get(&m.plan)
            .map_or(m.plan.clone(), |p| p.label.clone());
        values.set("plan_label", plan);
        values.set("plan_end", jst_date(link_expiry(m.created_at, m.sessions)));
        for (name, pointer) in [
            ("session", "/session"),
            ("added", "/added"),
            ("days", "/days"),
        ] {
            if let Some(n) = entry.refs.pointer(pointer).and_then(Value::as_u64) {
                values.set(name, n.to_string());
            }
        }
        // The link's end: what `staff extend` decided, else the plan's (never past the match).
        let until = entry
            .refs
            .get("until")
            .and_then(Value::as_i64)
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or_else(|| link_expiry(m.created_at, m.sessions))
            .min(m.expires_at);
        let role = match recipient {
            Recipient::Mentee => Some(Role::Mentee),
            Recipient::Mentor => Some(Role::Mentor),
            _ => None,
        };
        if let Some(role) = role.filter(|_| until > now) {
            let links = Links::issue(&self.key, &m, until);
            let token = match role {
                Role::Mentee => links.mentee,
                Role::Mentor => links.mentor,
            };
            values.set("diary_link", token.diary_link(&self.site_url));
            values.set("link_expires", jst_date(until));
        }
        match recipient {
            Recipient::Mentor => {
                let application = self
                    .store
                    .get(RecordKind::Application, &m.application_id)
                    .await?;
                if entry.template == "match_mentor" {
                    let app = application
                        .as_ref()
                        .ok_or_else(|| Skip::Suppress("the application is gone".into()))?;
                    values.set(
                        "mentee_name",
                        safe_name(text(&app.body, "/application/name").unwrap_or_default()),
                    );
                    values.set(
                        "mentee_email",
                        text(&app.body, "/application/email").unwrap_or_default(),
                    );
                }
                let address = self
                    .bundle
                    .contacts
                    .mentors
                    .get(&m.mentor_slug)
                    .ok_or_else(|| {
                        Skip::Fail(format!(
                            "no address for mentor {} in contacts.yaml",
                            m.mentor_slug
                        ))
                    })?;
                Ok(vec![address.clone()])
            }
            Recipient::Mentee => {
                let app = self
                    .store
                    .get(RecordKind::Application, &m.application_id)
                    .await?
                    .ok_or_else(|| Skip::Suppress("the application is gone".into()))?;
                text(&app.body, "/application/email")
                    .map(|a| vec![a.to_string()])
                    .ok_or_else(|| Skip::Suppress("the application has no address".into()))
            }
            Recipient::Staff => self.staff_addresses(),
            Recipient::Sender => Err(Skip::Fail("a match's mail cannot go to a sender".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn a_name_carrying_a_link_is_not_mailed_on() {
        assert_eq!(safe_name("山田 花子"), "山田 花子");
        for spam in [
            "山田 https://spam.example/x",
            "www.spam.example",
            "HTTP://X",
            "a@b.example",
        ] {
            let shown = safe_name(spam);
            assert!(!shown.contains(spam), "{spam}");
            assert!(shown.contains("省略"));
        }
    }
}
