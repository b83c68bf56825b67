//! The export as a letter she can read: Japanese headings, one line per answer, dates in
//! Japan time. The JSON beside it is the complete, exact copy.

use crate::staff::jst;
use serde_json::Value;

use super::export::{Export, RecordOut};

/// Labels of the answers people give (the forms' own words); other keys print as they are.
const LABELS: &[(&str, &str)] = &[
    ("name", "お名前"),
    ("email", "メールアドレス"),
    ("phone", "電話番号"),
    ("age_band", "年代"),
    ("industry", "業種"),
    ("company_size", "勤務先の規模"),
    ("job_function", "職種"),
    ("situations", "現在の状況"),
    ("topics", "相談したいこと"),
    ("preferences", "メンターへのご希望"),
    ("preferred_mentors", "ご希望のメンター"),
    ("plan", "プラン"),
    ("applicant_type", "お申し込みの種類"),
    ("company_code", "企業コード"),
    ("message", "メッセージ"),
    ("consent", "同意"),
    ("kind", "お問い合わせの種類"),
    ("preferred_times", "ご希望の日時"),
    ("briefing_date", "説明会の日"),
    ("company", "会社名"),
    ("reflections", "ふりかえり"),
    ("strengths", "気づいた強み"),
    ("next_actions", "次の行動"),
    ("satisfaction", "満足度"),
    ("want_staff_contact", "事務局からの連絡を希望"),
];

fn label(key: &str) -> &str {
    LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, l)| l)
}

fn value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "はい".into(),
        Value::Bool(false) => "いいえ".into(),
        Value::Array(items) => items.iter().map(value).collect::<Vec<_>>().join("、"),
        Value::Null => "（なし）".into(),
        other => other.to_string(),
    }
}

fn answers(out: &mut String, v: &Value) {
    if let Some(fields) = v.as_object() {
        for (k, v) in fields {
            if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
                continue;
            }
            out.push_str(&format!("  {}: {}\n", label(k), value(v)));
        }
    }
}

fn record(out: &mut String, r: &RecordOut) {
    out.push_str(&format!(
        "■ {}（{} 受付、状態: {}、{} まで保管）\n",
        r.id,
        jst(r.created_at),
        r.status,
        jst(r.kept_until)
    ));
    answers(out, &r.answers);
    if let Some(note) = &r.staff_note {
        out.push_str(&format!("  事務局のメモ: {note}\n"));
    }
}

pub fn render(e: &Export) -> String {
    let mut out = format!(
        "メンターmikke　お預かりしている情報の開示（{} 作成）\n\n",
        jst(e.generated_at)
    );
    out.push_str(&format!("【お申し込み】{}件\n", e.applications.len()));
    e.applications.iter().for_each(|r| record(&mut out, r));
    out.push_str(&format!("\n【お問い合わせ】{}件\n", e.inquiries.len()));
    e.inquiries.iter().for_each(|r| record(&mut out, r));
    out.push_str(&format!(
        "\n【マッチングとメンタリングシート】{}件\n",
        e.matches.len()
    ));
    for m in &e.matches {
        out.push_str(&format!(
            "■ {}: メンター {}、全{}回、{}（{} から）\n",
            m.id,
            m.mentor,
            m.sessions,
            if m.status == "active" {
                "継続中"
            } else {
                "終了"
            },
            jst(m.created_at)
        ));
        for s in &m.sheets {
            out.push_str(&format!(
                "  ◇ 第{}回のシート（{}）\n",
                s.session,
                jst(s.written_at)
            ));
            answers(&mut out, &s.sheet);
            if let Some(reply) = &s.reply {
                out.push_str(&format!("  メンターからのお返事: {reply}\n"));
            }
        }
    }
    out.push_str(&format!(
        "\n【お送りしたメール】{}件（本文は送信時に作成し、保管していません）\n",
        e.mails.len()
    ));
    for m in &e.mails {
        out.push_str(&format!(
            "  {} {}（宛先: {}、状態: {}）\n",
            jst(m.sent_at.unwrap_or(m.created_at)),
            m.template,
            m.to,
            m.status
        ));
    }
    out.push_str(&format!(
        "\n【メンターへの提供の記録】{}件\n",
        e.provisions.len()
    ));
    for p in &e.provisions {
        out.push_str(&format!(
            "  {} メンター {} に {} をお伝えしました（同意いただいたプライバシーポリシー: {}）\n",
            jst(p.provided_at),
            p.mentor_slug,
            p.fields
                .iter()
                .map(|f| label(f))
                .collect::<Vec<_>>()
                .join("・"),
            p.consent_version
                .map_or("版の記録なし".to_string(), |v| format!("第{v}版"))
        ));
    }
    out.push_str(&format!("\n【事務局の操作記録】{}件\n", e.audit.len()));
    for a in &e.audit {
        out.push_str(&format!("  {} {}（{}）\n", jst(a.at), a.action, a.actor));
    }
    out
}
