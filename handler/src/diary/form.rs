//! The two diary forms: a mentee's mentoring sheet and a mentor's reply. Same standards as
//! the application: every bad field at once, natural Japanese, unknown fields refused.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::forms::{BodyError, Checker, FieldErrors, RawFields};

/// Longest free text of a sheet field or a reply, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// A checked mentoring sheet, as stored (with its follow-up score beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetForm {
    pub reflections: String,
    pub strengths: Option<String>,
    pub next_actions: Option<String>,
    /// 1–5.
    pub satisfaction: u32,
    pub want_staff_contact: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetSubmission {
    pub session: u32,
    pub sheet: SheetForm,
    pub submission_id: Option<String>,
}

impl SheetSubmission {
    /// The store's idempotency key: the client's `submission_id`, else a hash of the sheet,
    /// so a double post of the same sheet is a replay either way.
    pub fn idempotency_key(&self) -> String {
        let mut hasher = Sha256::new();
        match &self.submission_id {
            Some(id) => {
                hasher.update(b"submission_id\0");
                hasher.update(id.as_bytes());
            }
            None => {
                hasher.update(b"sheet\0");
                hasher.update(serde_json::to_vec(&self.sheet).unwrap_or_default());
            }
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplySubmission {
    pub session: u32,
    pub reply: String,
}

/// A JSON body with numbers allowed where the form checks read text (`"session": 1`).
pub fn read_json(body: &[u8]) -> Result<RawFields, BodyError> {
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|_| BodyError::Json)?;
    if let serde_json::Value::Object(map) = &mut value {
        for v in map.values_mut() {
            if let serde_json::Value::Number(n) = v {
                *v = serde_json::Value::String(n.to_string());
            }
        }
    }
    RawFields::from_json(&serde_json::to_vec(&value).map_err(|_| BodyError::Json)?)
}

/// `1..=sessions`; the message says how many there are.
fn session(c: &mut Checker<'_>, sessions: u32) -> Option<u32> {
    let text = c.text("session", "セッション", 8, false);
    if c.has_error("session") {
        return None;
    }
    let Some(text) = text else {
        c.fail("session", "何回目のセッションかを選んでください");
        return None;
    };
    match text.parse::<u32>() {
        Ok(n) if (1..=sessions).contains(&n) => Some(n),
        _ => {
            c.fail(
                "session",
                format!("セッションは第1回から第{sessions}回までです"),
            );
            None
        }
    }
}

fn required_text(c: &mut Checker<'_>, field: &'static str, label: &str) -> Option<String> {
    let value = c.long_text(field, label, MAX_TEXT_CHARS);
    if value.is_none() && !c.has_error(field) {
        c.fail(field, format!("{label}を入力してください"));
    }
    value
}

/// Checks a sheet for a match of `sessions` sessions.
pub fn check_sheet(raw: &RawFields, sessions: u32) -> Result<SheetSubmission, FieldErrors> {
    let mut c = Checker::new(raw);
    let session = session(&mut c, sessions);
    let reflections = required_text(&mut c, "reflections", "気づき");
    let strengths = c.long_text("strengths", "メンターが教えてくれた強み", MAX_TEXT_CHARS);
    let next_actions = c.long_text("next_actions", "次に取り組むこと", MAX_TEXT_CHARS);
    let satisfaction = match c.text("satisfaction", "満足度", 8, false) {
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=5).contains(&n) => Some(n),
            _ => {
                c.fail("satisfaction", "満足度は1から5の中から選んでください");
                None
            }
        },
        None => {
            if !c.has_error("satisfaction") {
                c.fail("satisfaction", "満足度を選んでください");
            }
            None
        }
    };
    let want_staff_contact = c.flag("want_staff_contact");
    let submission_id = c.code("submission_id", "送信ID", 8..=100);
    let errors = c.finish();
    match (session, reflections, satisfaction) {
        (Some(session), Some(reflections), Some(satisfaction)) if errors.is_empty() => {
            Ok(SheetSubmission {
                session,
                sheet: SheetForm {
                    reflections,
                    strengths,
                    next_actions,
                    satisfaction,
                    want_staff_contact,
                },
                submission_id,
            })
        }
        _ => Err(errors),
    }
}

/// Checks a mentor's reply for a match of `sessions` sessions.
pub fn check_reply(raw: &RawFields, sessions: u32) -> Result<ReplySubmission, FieldErrors> {
    let mut c = Checker::new(raw);
    let session = session(&mut c, sessions);
    let reply = required_text(&mut c, "reply", "お返事");
    // Accepted so the page can send one with every post; replies are idempotent by text.
    let _ = c.code("submission_id", "送信ID", 8..=100);
    let errors = c.finish();
    match (session, reply) {
        (Some(session), Some(reply)) if errors.is_empty() => Ok(ReplySubmission { session, reply }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawFields {
        read_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_good_sheet_is_read_with_numbers_or_text() {
        let got = check_sheet(
            &raw(r#"{"session":2,"reflections":" 伝え方を変える\r\nと決めた ","strengths":"聞く力","satisfaction":"4","want_staff_contact":true,"submission_id":"sub-12345678"}"#),
            3,
        )
        .unwrap();
        assert_eq!(got.session, 2);
        assert_eq!(got.sheet.reflections, "伝え方を変える\nと決めた");
        assert_eq!(got.sheet.strengths.as_deref(), Some("聞く力"));
        assert_eq!(got.sheet.next_actions, None);
        assert_eq!(
            (got.sheet.satisfaction, got.sheet.want_staff_contact),
            (4, true)
        );
        assert_eq!(got.submission_id.as_deref(), Some("sub-12345678"));
    }

    #[test]
    fn every_bad_field_of_a_sheet_is_reported_at_once_in_japanese() {
        let long = "あ".repeat(MAX_TEXT_CHARS + 1);
        let body = format!(
            r#"{{"session":4,"reflections":"","next_actions":"{long}","satisfaction":9,"extra":"x"}}"#
        );
        let errors = check_sheet(&raw(&body), 3).unwrap_err();
        assert_eq!(
            errors.get("session"),
            Some("セッションは第1回から第3回までです")
        );
        assert_eq!(errors.get("reflections"), Some("気づきを入力してください"));
        assert_eq!(
            errors.get("next_actions"),
            Some("次に取り組むことは4000文字以内で入力してください")
        );
        assert_eq!(
            errors.get("satisfaction"),
            Some("満足度は1から5の中から選んでください")
        );
        assert_eq!(errors.get("extra"), Some("この項目は受け付けていません"));
        let missing = check_sheet(&raw("{}"), 1).unwrap_err();
        assert_eq!(
            missing.get("session"),
            Some("何回目のセッションかを選んでください")
        );
        assert_eq!(missing.get("satisfaction"), Some("満足度を選んでください"));
        let zero = check_sheet(&raw(r#"{"session":"0"}"#), 1).unwrap_err();
        assert_eq!(
            zero.get("session"),
            Some("セッションは第1回から第1回までです")
        );
    }

    #[test]
    fn a_reply_needs_a_session_and_text() {
        let ok = check_reply(&raw(r#"{"session":1,"reply":"素晴らしい気づきです"}"#), 1).unwrap();
        assert_eq!((ok.session, ok.reply.as_str()), (1, "素晴らしい気づきです"));
        let bad = check_reply(&raw(r#"{"session":1,"reply":"  "}"#), 1).unwrap_err();
        assert_eq!(bad.get("reply"), Some("お返事を入力してください"));
    }

    #[test]
    fn the_idempotency_key_follows_the_submission_id_else_the_sheet() {
        let a = check_sheet(
            &raw(r#"{"session":1,"reflections":"気づき","satisfaction":3}"#),
            1,
        )
        .unwrap();
        let b = check_sheet(
            &raw(r#"{"session":1,"reflections":"気づき","satisfaction":3}"#),
            1,
        )
        .unwrap();
        let c = check_sheet(
            &raw(r#"{"session":1,"reflections":"別","satisfaction":3}"#),
            1,
        )
        .unwrap();
        assert_eq!(a.idempotency_key(), b.idempotency_key());
        assert_ne!(a.idempotency_key(), c.idempotency_key());
        assert_eq!(a.idempotency_key().len(), 64, "no client text in the key");
    }
}
