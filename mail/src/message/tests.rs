use std::time::{Duration, SystemTime};

use super::*;
use crate::read::read;

fn outgoing(subject: &str, body: &str) -> Outgoing {
    Outgoing {
        from: "メンターmikke 事務局 <noreply@mikke.example.jp>".into(),
        reply_to: Some("hello@mikke.example.jp".into()),
        to: vec!["hanako@example.jp".into()],
        subject: subject.into(),
        body: body.into(),
        message_id: "<a1.application_received@mikke.example.jp>".into(),
        date: SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000),
    }
}

#[test]
fn a_long_japanese_subject_is_encoded_folded_and_reads_back_whole() {
    let subject = "【メンターmikke】オンライン説明会（2026-12-05 10:00〜11:00）のお申し込みを受け付けました。当日はどうぞよろしくお願いいたします";
    let raw = outgoing(subject, "本文です。\n二行目。\n").raw().unwrap();
    let mail = read(&raw).expect("readable");
    for line in &mail.raw_header_lines {
        assert!(line.chars().count() <= 78, "header line over 78: {line}");
        assert!(line.is_ascii(), "headers are 7-bit: {line}");
    }
    assert!(
        mail.raw_header_lines
            .iter()
            .filter(|l| l.starts_with(' ') || l.starts_with('\t'))
            .count()
            >= 2,
        "folded over several lines"
    );
    assert_eq!(mail.subject(), subject);
    assert_eq!(mail.body, "本文です。\n二行目。\n");
}

#[test]
fn every_header_the_issue_asks_for_is_there() {
    let raw = outgoing("受付完了", "本文").raw().unwrap();
    let mail = read(&raw).unwrap();
    assert_eq!(
        mail.header("From"),
        Some("メンターmikke 事務局 <noreply@mikke.example.jp>")
    );
    assert_eq!(mail.header("Reply-To"), Some("hello@mikke.example.jp"));
    assert_eq!(mail.header("To"), Some("hanako@example.jp"));
    assert_eq!(
        mail.header("Message-ID"),
        Some("<a1.application_received@mikke.example.jp>")
    );
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        mail.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(mail.header("Date").is_some_and(|d| d.contains("2026")));
}

#[test]
fn bad_addresses_and_no_recipient_are_refused() {
    let mut m = outgoing("s", "b");
    m.to.clear();
    assert_eq!(m.raw().unwrap_err(), OutgoingError::NoRecipient);
    let mut m = outgoing("s", "b");
    m.to = vec!["not an address".into()];
    assert_eq!(m.raw().unwrap_err(), OutgoingError::Address("To"));
    let mut m = outgoing("s", "b");
    m.from = "事務局".into();
    assert_eq!(m.raw().unwrap_err(), OutgoingError::Address("From"));
}

#[test]
fn header_injection_through_the_subject_is_impossible() {
    // Templates are staff's, values are ids, but never trust a newline in a header.
    let raw = outgoing("件名\r\nBcc: victim@example.jp", "本文")
        .raw()
        .unwrap();
    let mail = read(&raw).unwrap();
    assert_eq!(mail.header("Bcc"), None);
}
