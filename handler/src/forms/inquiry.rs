//! The short forms (issue 5): a free consultation, a briefing sign-up and a corporate
//! inquiry, posted to `/api/inquiries` with `kind`. The same field checks and messages as
//! the application (`Checker`); which fields are asked depends on the kind, and anything
//! else is reported as not accepted.

use super::application::{HONEYPOT, MAX_NAME_CHARS};
use super::fields::{Checker, FieldErrors};
use super::idempotency::idempotency_key;
use super::raw::RawFields;
use mikke_catalog::Catalog;
use serde::{Deserialize, Serialize};

/// Questions and notes are shorter than an application's story.
pub const MAX_INQUIRY_MESSAGE_CHARS: usize = 2_000;
pub const MAX_PREFERRED_TIMES_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryKind {
    /// 無料相談: a 30-minute talk with staff before applying.
    Consultation,
    /// オンライン説明会: a sign-up for one of the dates in content/site.yaml.
    Briefing,
    /// 法人向け: an HR manager asking about the corporate plan.
    Corporate,
}

impl InquiryKind {
    pub const ALL: [InquiryKind; 3] = [
        InquiryKind::Consultation,
        InquiryKind::Briefing,
        InquiryKind::Corporate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryKind::Consultation => "consultation",
            InquiryKind::Briefing => "briefing",
            InquiryKind::Corporate => "corporate",
        }
    }

    pub fn parse(text: &str) -> Option<InquiryKind> {
        InquiryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A checked inquiry; the kind-specific fields are `Some` only for their kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inquiry {
    pub kind: InquiryKind,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    /// Consultation: when she could talk (free text).
    pub preferred_times: Option<String>,
    /// Briefing: `YYYY-MM-DD`, one of the catalog's briefing dates.
    pub briefing_date: Option<String>,
    /// Corporate: the company, its size (taxonomy id) and the contact's role.
    pub company: Option<String>,
    pub company_size: Option<String>,
    pub contact_role: Option<String>,
    pub message: Option<String>,
    pub consent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InquirySubmission {
    /// The privacy policy version she agreed to (issue 15).
    pub consent: Option<super::consent::ConsentStamp>,
    pub inquiry: Inquiry,
    pub submission_id: Option<String>,
}

impl InquirySubmission {
    /// As for applications: the client's `submission_id`, else the normalised payload,
    /// hashed; prefixed so an inquiry never replays an application.
    pub fn idempotency_key(&self) -> String {
        idempotency_key("inquiry", self.submission_id.as_deref(), &self.inquiry)
    }
}

/// Checks an inquiry of any kind and reports every problem at once.
pub fn check_inquiry(raw: &RawFields, catalog: &Catalog) -> Result<InquirySubmission, FieldErrors> {
    let mut c = Checker::new(raw);
    c.honeypot(HONEYPOT);
    let kind = c
        .choice("kind", "お問い合わせの種類", true, |v| {
            InquiryKind::parse(v).is_some()
        })
        .and_then(|v| InquiryKind::parse(&v));
    // An unknown kind still gets its common fields checked; the kind-specific ones are then
    // read as optional so they are not also reported as "not accepted".
    let asks = |k: InquiryKind| kind.is_none() || kind == Some(k);
    let required = |k: InquiryKind| kind == Some(k);
    let t = &catalog.taxonomy;

    let company = asks(InquiryKind::Corporate)
        .then(|| {
            c.text(
                "company",
                "会社名・団体名",
                MAX_NAME_CHARS,
                required(InquiryKind::Corporate),
            )
        })
        .flatten();
    let company_size = asks(InquiryKind::Corporate)
        .then(|| {
            c.choice(
                "company_size",
                "企業規模",
                required(InquiryKind::Corporate),
                |v| t.company_sizes.contains_key(v),
            )
        })
        .flatten();
    let contact_role = asks(InquiryKind::Corporate)
        .then(|| {
            c.text(
                "contact_role",
                "ご担当者さまの部署・役職",
                MAX_NAME_CHARS,
                required(InquiryKind::Corporate),
            )
        })
        .flatten();
    let briefing_date = asks(InquiryKind::Briefing)
        .then(|| {
            c.choice(
                "briefing_date",
                "参加する日程",
                required(InquiryKind::Briefing),
                |v| catalog.site.briefings.iter().any(|b| b.date == v),
            )
        })
        .flatten();
    let name = c.text("name", "お名前", MAX_NAME_CHARS, true);
    let email = c.email("email", "メールアドレス");
    let phone = (asks(InquiryKind::Consultation) || asks(InquiryKind::Corporate))
        .then(|| c.phone("phone", "電話番号"))
        .flatten();
    let preferred_times = asks(InquiryKind::Consultation)
        .then(|| {
            c.text(
                "preferred_times",
                "ご希望の日時",
                MAX_PREFERRED_TIMES_CHARS,
                required(InquiryKind::Consultation),
            )
        })
        .flatten();
    let message = c.long_text("message", "メッセージ", MAX_INQUIRY_MESSAGE_CHARS);
    if !c.flag("consent") {
        c.fail("consent", "個人情報の取り扱いに同意してください");
    }
    let consent = super::consent::stamp(&mut c, catalog);
    let submission_id = c.code("submission_id", "送信ID", 8..=100);
    let errors = c.finish();

    match (kind, name, email) {
        (Some(kind), Some(name), Some(email)) if errors.is_empty() => Ok(InquirySubmission {
            consent,
            inquiry: Inquiry {
                kind,
                name,
                email,
                phone,
                preferred_times,
                briefing_date,
                company,
                company_size,
                contact_role,
                message,
                consent: true,
            },
            submission_id,
        }),
        _ => Err(errors),
    }
}
