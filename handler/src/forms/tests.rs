use serde_json::json;

use super::*;
use crate::sample;

fn valid() -> serde_json::Value {
    json!({
        "name": " 山田 花子 ",
        "email": "Hanako@Example.JP",
        "age_band": "30s",
        "industry": "it",
        "company_size": "sme",
        "topics": ["leadership", "leadership", "confidence"],
        "plan": "standard",
        "applicant_type": "individual",
        "consent": true,
    })
}

fn check(body: serde_json::Value) -> Result<ApplicationSubmission, FieldErrors> {
    let raw = RawFields::from_json(body.to_string().as_bytes()).unwrap();
    check_application(&raw, &sample::small_catalog())
}

#[test]
fn a_valid_application_is_normalised() {
    let s = check(valid()).unwrap();
    let a = &s.application;
    assert_eq!(a.name, "山田 花子");
    assert_eq!(a.email, "Hanako@example.jp");
    assert_eq!(a.topics, ["leadership", "confidence"]);
    assert_eq!(
        (
            a.phone.as_deref(),
            a.job_function.as_deref(),
            a.message.as_deref()
        ),
        (None, None, None)
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let errors =
        check(json!({"email": "x", "topics": [], "plan": "gold", "consent": false})).unwrap_err();
    let fields = errors.names();
    assert_eq!(
        fields,
        [
            "name",
            "email",
            "age_band",
            "industry",
            "company_size",
            "topics",
            "plan",
            "applicant_type",
            "consent"
        ]
    );
}

#[test]
fn corporate_applications_need_a_company_code_and_individual_ones_drop_it() {
    let mut body = valid();
    body["applicant_type"] = json!("corporate");
    let errors = check(body.clone()).unwrap_err();
    assert_eq!(
        errors.get("company_code"),
        Some("法人でのお申し込みには企業コードを入力してください")
    );
    body["company_code"] = json!("ACME-01");
    assert_eq!(
        check(body.clone())
            .unwrap()
            .application
            .company_code
            .as_deref(),
        Some("ACME-01")
    );
    body["applicant_type"] = json!("individual");
    assert_eq!(check(body).unwrap().application.company_code, None);
}

#[test]
fn the_same_payload_gives_the_same_key_whatever_the_list_order() {
    let a = check(valid()).unwrap();
    let mut body = valid();
    body["topics"] = json!(["confidence", "leadership"]);
    body["name"] = json!("山田 花子");
    let b = check(body.clone()).unwrap();
    assert_eq!(a.idempotency_key(), b.idempotency_key());
    body["message"] = json!("よろしくお願いします");
    assert_ne!(
        a.idempotency_key(),
        check(body.clone()).unwrap().idempotency_key()
    );
    body["submission_id"] = json!("0b6f1c2e-7d3a-4f4e-9a51-2f7c9d3e8b10");
    let with_id = check(body.clone()).unwrap();
    body["message"] = json!("別の内容");
    assert_eq!(
        with_id.idempotency_key(),
        check(body).unwrap().idempotency_key()
    );
    assert!(!with_id.idempotency_key().contains("0b6f1c2e"));
}

#[test]
fn a_form_post_reads_checkboxes_as_lists() {
    let body = "name=%E5%B1%B1%E7%94%B0&email=a%40example.jp&age_band=30s&industry=it&company_size=sme\
                &topics=leadership&topics=confidence&preferences=sme&plan=single&applicant_type=individual\
                &consent=on&message=%E3%81%82%0D%0A%E3%81%84";
    let raw = RawFields::from_urlencoded(body.as_bytes()).unwrap();
    let s = check_application(&raw, &sample::small_catalog()).unwrap();
    assert_eq!(s.application.topics, ["leadership", "confidence"]);
    assert_eq!(s.application.preferences, ["sme"]);
    assert_eq!(s.application.message.as_deref(), Some("あ\nい"));
}

#[test]
fn a_scalar_sent_twice_is_a_format_error() {
    let raw = RawFields::from_urlencoded(b"plan=single&plan=standard").unwrap();
    let errors = check_application(&raw, &sample::small_catalog()).unwrap_err();
    assert_eq!(errors.get("plan"), Some("プランの形式が正しくありません"));
}

#[test]
fn the_honeypot_is_seen_before_any_check() {
    assert!(honeypot_filled(
        &RawFields::from_json(br#"{"website":"http://spam"}"#).unwrap(),
        HONEYPOT
    ));
    assert!(!honeypot_filled(
        &RawFields::from_json(br#"{"website":""}"#).unwrap(),
        HONEYPOT
    ));
}

#[test]
fn a_name_with_a_direction_override_or_an_invisible_character_is_refused() {
    for name in [
        "山田\u{202E}子花",
        "山田\u{2066}花子\u{2069}",
        "山\u{200B}田",
        "\u{FEFF}山田",
    ] {
        let mut body = valid();
        body["name"] = json!(name);
        let errors = check(body).unwrap_err();
        assert_eq!(
            errors.get("name"),
            Some("お名前に見えない文字（文字の向きを変える記号など）は使えません"),
            "{name:?}"
        );
    }
    // Ordinary Japanese and Latin names with spaces and long vowels stay fine.
    for name in [
        "山田 花子",
        "ヤマダ　ハナコ",
        "Hanako Yamada",
        "長谷川 ゆう子",
    ] {
        let mut body = valid();
        body["name"] = json!(name);
        assert!(check(body).is_ok(), "{name}");
    }
}

#[test]
fn a_mentor_id_typed_full_width_or_in_capitals_is_the_mentor_it_names() {
    let mut body = valid();
    body["preferred_mentors"] = json!(["ＡＯＫＩ", " aoki ", "Ito", ""]);
    let s = check(body).unwrap();
    assert_eq!(s.application.preferred_mentors, ["aoki", "ito"]);
    let mut body = valid();
    body["preferred_mentors"] = json!(["nobody"]);
    let errors = check(body).unwrap_err();
    assert!(
        errors.0.iter().any(|(f, _)| f == "preferred_mentors"),
        "{errors:?}"
    );
}
