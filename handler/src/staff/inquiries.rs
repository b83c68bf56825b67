//! Inquiries (issue 14's 問い合わせ, as commands first): the consultation, briefing and
//! corporate inquiries with their status (未対応 → 対応中 → 完了), and the briefing roster per
//! date against its capacity. The console will front these same functions.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::forms::InquiryKind;
use crate::notify::{briefing_date_label, inquiry_label};
use crate::store::{RecordKind, StoredRecord};

use super::{jst, store_err, Outcome, Staff};

/// An inquiry's statuses in the order staff move it: stored as `received` (the intake's).
pub const INQUIRY_STATUSES: [(&str, &str); 3] = [
    ("received", "未対応"),
    ("in_progress", "対応中"),
    ("done", "完了"),
];

pub fn status_label(status: &str) -> &str {
    INQUIRY_STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(status, |(_, l)| l)
}

pub fn text<'a>(rec: &'a StoredRecord, field: &str) -> &'a str {
    rec.body[field].as_str().unwrap_or("")
}

impl Staff {
    /// Every inquiry still kept, oldest first.
    pub async fn all_inquiries(&self) -> Result<Vec<StoredRecord>, String> {
        self.store
            .list_by_kind(RecordKind::Inquiry, OffsetDateTime::UNIX_EPOCH, usize::MAX)
            .await
            .map_err(store_err)
    }

    /// Inquiries, oldest first, of one kind and/or status; `contact`: with names and addresses.
    pub async fn inquiries(
        &self,
        kind: Option<InquiryKind>,
        status: Option<&str>,
        contact: bool,
        limit: usize,
    ) -> Outcome {
        if let Some(s) = status.filter(|s| !INQUIRY_STATUSES.iter().any(|(k, _)| k == s)) {
            return Err(format!(
                "状態「{s}」はありません（received / in_progress / done のどれかを指定してください）"
            ));
        }
        let listed: Vec<StoredRecord> = self
            .all_inquiries()
            .await?
            .into_iter()
            .filter(|r| kind.is_none_or(|k| text(r, "kind") == k.as_str()))
            .filter(|r| status.is_none_or(|s| r.status == s))
            .take(limit)
            .collect();
        if listed.is_empty() {
            return Ok("該当するお問い合わせはありません。\n".into());
        }
        if contact {
            let ids: Vec<&str> = listed.iter().map(|r| r.id.as_str()).collect();
            self.audit("view_contact", &ids).await?;
        }
        let mut out = format!(
            "ID\t種類\t受付日時(JST)\t状態\t説明会の日程{}\n",
            if contact {
                "\t氏名\tメール\t電話\t会社"
            } else {
                ""
            }
        );
        for r in &listed {
            let date = text(r, "briefing_date");
            let _ = write!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                r.id,
                inquiry_label(text(r, "kind")),
                jst(r.created_at),
                status_label(&r.status),
                if date.is_empty() { "-" } else { date }
            );
            if contact {
                let or_dash = |v: &str| {
                    if v.is_empty() {
                        "-".to_string()
                    } else {
                        v.to_string()
                    }
                };
                let _ = write!(
                    out,
                    "\t{}\t{}\t{}\t{}",
                    or_dash(text(r, "name")),
                    or_dash(text(r, "email")),
                    or_dash(text(r, "phone")),
                    or_dash(text(r, "company"))
                );
            }
            out.push('\n');
        }
        Ok(out)
    }

    /// Moves an inquiry to `to` (`received`, `in_progress`, `done`) from whatever it is, or
    /// only from `seen` (the status the console's page showed: a stale page changes nothing).
    pub async fn set_inquiry_status(&self, id: &str, to: &str, seen: Option<&str>) -> Outcome {
        if !INQUIRY_STATUSES.iter().any(|(s, _)| *s == to) {
            return Err(format!(
                "状態「{to}」はありません（received / in_progress / done のどれかを指定してください）"
            ));
        }
        let current = self
            .store
            .get(RecordKind::Inquiry, id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("お問い合わせ {id} は見つかりません（IDを確認してください）"))?;
        if seen.is_some_and(|s| s != current.status) {
            return Err(format!(
                "お問い合わせ {id} はほかの人が先に「{}」にしました。ページを開き直して確認してください",
                status_label(&current.status)
            ));
        }
        if current.status == to {
            return Ok(format!(
                "お問い合わせ {id} はすでに「{}」です。\n",
                status_label(to)
            ));
        }
        let moved = self
            .store
            .set_status(RecordKind::Inquiry, id, &current.status, to)
            .await
            .map_err(store_err)?;
        if !moved {
            // Someone else changed it between the read and the write: say so, change nothing.
            return Err(format!(
                "お問い合わせ {id} はほかの人が先に更新しました。もう一度確認してください"
            ));
        }
        self.audit_done("inquiry_status", &[id]).await;
        Ok(format!(
            "お問い合わせ {id}: 「{}」→「{}」\n",
            status_label(&current.status),
            status_label(to)
        ))
    }

    /// The briefing dates of site.yaml with their sign-ups against capacity; `contact`: who.
    pub async fn roster(&self, contact: bool) -> Outcome {
        let briefings = &self.catalog().site.briefings;
        if briefings.is_empty() {
            return Ok("説明会の日程は content/site.yaml にありません。\n".into());
        }
        let signed_up: Vec<StoredRecord> = self
            .all_inquiries()
            .await?
            .into_iter()
            .filter(|r| text(r, "kind") == InquiryKind::Briefing.as_str())
            .collect();
        let mut out = String::new();
        for b in briefings {
            let those: Vec<&StoredRecord> = signed_up
                .iter()
                .filter(|r| text(r, "briefing_date") == b.date)
                .collect();
            let places = b
                .capacity
                .map_or("定員なし".to_string(), |c| format!("定員{c}人"));
            let _ = writeln!(
                out,
                "{} {}: {}人（{places}）",
                briefing_date_label(&b.date),
                b.time,
                those.len()
            );
            if contact {
                let ids: Vec<&str> = those.iter().map(|r| r.id.as_str()).collect();
                self.audit("view_contact", &ids).await?;
                for r in those {
                    let _ = writeln!(out, "  {}\t{}\t{}", r.id, text(r, "name"), text(r, "email"));
                }
            }
        }
        Ok(out)
    }
}

impl Staff {
    /// An inquiry's contact details (name, address, phone, company), written to the audit
    /// log first: no entry, no details.
    pub async fn inquiry_contact(&self, id: &str) -> Result<Vec<(&'static str, String)>, String> {
        let rec = self
            .store
            .get(RecordKind::Inquiry, id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("お問い合わせ {id} は見つかりません（IDを確認してください）"))?;
        self.audit("view_contact", &[id]).await?;
        Ok([
            ("お名前", "name"),
            ("メール", "email"),
            ("電話", "phone"),
            ("会社", "company"),
            ("部署・役職", "contact_role"),
        ]
        .into_iter()
        .map(|(label, field)| {
            let v = text(&rec, field);
            (
                label,
                if v.is_empty() {
                    "-".to_string()
                } else {
                    v.to_string()
                },
            )
        })
        .collect())
    }
}
