//! The application form (issue 4's contract): its fields, their checks against
//! the catalog's taxonomy, and the normalised record that is scored and stored.

use super::fields::{Checker, FieldErrors};
use super::idempotency::idempotency_key;
use super::raw::RawFields;
use mikke_catalog::Catalog;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_MESSAGE_CHARS: usize = 4_000;
pub const MAX_PREFERRED_MENTORS: usize = 3;
/// The honeypot field: hidden from people, filled by bots.
pub const HONEYPOT: &str = "website";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    Individual,
    Corporate,
}

/// A checked application. Lists hold catalog ids without duplicates, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub age_band: String,
    pub industry: String,
    pub company_size: String,
    pub job_function: Option<String>,
    pub situations: Vec<String>,
    pub topics: Vec<String>,
    pub preferences: Vec<String>,
    pub preferred_mentors: Vec<String>,
    pub plan: String,
    pub applicant_type: ApplicantType,
    /// Only kept for corporate applications.
    pub company_code: Option<String>,
    pub message: Option<String>,
    pub consent: bool,
}

/// A checked submission: the application and the client's idempotency key, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationSubmission {
    /// The privacy policy version she agreed to (issue 15).
    pub consent: Option<super::consent::ConsentStamp>,
    pub application: Application,
    pub submission_id: Option<String>,
}

impl ApplicationSubmission {
    /// The key that makes a retry a replay (see [`idempotency_key`]).
    pub fn idempotency_key(&self) -> String {
        // The lists are sets: their order must not make a double post look new.
        let mut canonical = self.application.clone();
        for list in [
            &mut canonical.situations,
            &mut canonical.topics,
            &mut canonical.preferences,
            &mut canonical.preferred_mentors,
        ] {
            list.sort();
        }
        idempotency_key("application", self.submission_id.as_deref(), &canonical)
    }
}

/// A mentor ID as typed on a phone (large directories ask for IDs): an IME's full-width
/// ｍ００１２ or a capital M is the same ID as m0012.
fn mentor_id(typed: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    typed.nfkc().collect::<String>().to_lowercase()
}

/// Checks every field of an application against the catalog and reports every problem at once.
pub fn check_application(
    raw: &RawFields,
    catalog: &Catalog,
) -> Result<ApplicationSubmission, FieldErrors> {
    let t = &catalog.taxonomy;
    let mut c = Checker::new(raw);
    c.honeypot(HONEYPOT);
    let name = c.text("name", "お名前", MAX_NAME_CHARS, true);
    let email = c.email("email", "メールアドレス");
    let phone = c.phone("phone", "電話番号");
    let age_band = c.choice("age_band", "年代", true, |v| t.age_bands.contains_key(v));
    let industry = c.choice("industry", "業種", true, |v| t.industries.contains_key(v));
    let company_size = c.choice("company_size", "企業規模", true, |v| {
        t.company_sizes.contains_key(v)
    });
    let job_function = c.choice("job_function", "職種", false, |v| {
        t.job_functions.contains_key(v)
    });
    let any = 0..=usize::MAX;
    let situations = c.choices("situations", "現在の状況", any.clone(), "つ", |v| {
        t.situations.contains_key(v)
    });
    let topics = c.choices(
        "topics",
        "相談したいテーマ",
        1..=usize::MAX,
        "つ",
        |v| t.topics.contains_key(v),
    );
    let preferences = c.choices("preferences", "メンターへの希望", any, "つ", |v| {
        t.preferences.contains_key(v)
    });
    let mut preferred_mentors: Vec<String> = c
        .choices(
            "preferred_mentors",
            "希望するメンター",
            0..=MAX_PREFERRED_MENTORS,
            "人",
            |v| catalog.mentor(&mentor_id(v)).is_some(),
        )
        .iter()
        .map(|v| mentor_id(v))
        .collect();
    // ｍ0012 and m0012 are one choice once folded.
    let mut seen = std::collections::HashSet::new();
    preferred_mentors.retain(|id| seen.insert(id.clone()));
    let plan = c.choice("plan", "プラン", true, |v| t.plans.contains_key(v));
    let applicant_type = c
        .choice(
            "applicant_type",
            "お申し込みの種類（個人・法人）",
            true,
            |v| matches!(v, "individual" | "corporate"),
        )
        .map(|v| {
            if v == "corporate" {
                ApplicantType::Corporate
            } else {
                ApplicantType::Individual
            }
        });
    let company_code = c.code("company_code", "企業コード", 1..=32);
    if applicant_type == Some(ApplicantType::Corporate)
        && company_code.is_none()
        && !c.has_error("company_code")
    {
        c.fail(
            "company_code",
            "法人でのお申し込みには企業コードを入力してください",
        );
    }
    let message = c.long_text("message", "メッセージ", MAX_MESSAGE_CHARS);
    if !c.flag("consent") {
        c.fail("consent", "個人情報の取り扱いに同意してください");
    }
    let consent = super::consent::stamp(&mut c, catalog);
    let submission_id = c.code("submission_id", "送信ID", 8..=100);
    let errors = c.finish();

    match (
        name,
        email,
        age_band,
        industry,
        company_size,
        plan,
        applicant_type,
    ) {
        (
            Some(name),
            Some(email),
            Some(age_band),
            Some(industry),
            Some(company_size),
            Some(plan),
            Some(applicant_type),
        ) if errors.is_empty() => Ok(ApplicationSubmission {
            consent,
            application: Application {
                name,
                email,
                phone,
                age_band,
                industry,
                company_size,
                job_function,
                situations,
                topics,
                preferences,
                preferred_mentors,
                plan,
                company_code: company_code.filter(|_| applicant_type == ApplicantType::Corporate),
                applicant_type,
                message,
                consent: true,
            },
            submission_id,
        }),
        _ => Err(errors),
    }
}
