//! An application's status by hand: phoned (要電話 → 電話済み), on hold, declined, reopened.
//! Assigning (→ matched) is `assign`'s; these are the other moves staff make.

use crate::store::RecordKind;

use super::{store_err, Outcome, Staff};

/// Every application status, with its label.
pub const APPLICATION_STATUSES: [(&str, &str); 6] = [
    ("needs_call", "要電話"),
    ("received", "受付"),
    ("phoned", "電話済み"),
    ("on_hold", "保留"),
    ("declined", "お断り"),
    ("matched", "マッチング済み"),
];

/// The moves staff make by hand: (name, label, from, to).
pub const MOVES: [(&str, &str, &[&str], &str); 4] = [
    (
        "phoned",
        "電話済みにする",
        &["needs_call", "received"],
        "phoned",
    ),
    (
        "on_hold",
        "保留にする",
        &["received", "needs_call", "phoned"],
        "on_hold",
    ),
    (
        "declined",
        "お断りする",
        &["received", "needs_call", "phoned", "on_hold"],
        "declined",
    ),
    ("reopen", "保留から戻す", &["on_hold"], "received"),
];

pub fn application_status_label(status: &str) -> &str {
    APPLICATION_STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(status, |(_, l)| l)
}

/// How to reach an applicant: what 連絡先を表示 reveals.
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

impl Staff {
    /// Her contact details, written to the audit log first: no entry, no details.
    pub async fn contact(&self, id: &str) -> Result<Contact, String> {
        let rec = self
            .store
            .get(RecordKind::Application, id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("申し込み {id} は見つかりません（IDを確認してください）"))?;
        let app = super::application_of(&rec)?;
        self.audit("view_contact", &[id]).await?;
        Ok(Contact {
            name: app.name,
            email: app.email,
            phone: app.phone,
        })
    }

    /// Applies move `name` to application `id`, if its status (or `seen`, the status the
    /// page showed) allows it; the store's conditional move makes a race lose cleanly.
    pub async fn move_application(&self, id: &str, name: &str, seen: Option<&str>) -> Outcome {
        let Some((_, label, from, to)) = MOVES.iter().find(|(n, ..)| *n == name) else {
            let names: Vec<&str> = MOVES.iter().map(|(n, ..)| *n).collect();
            return Err(format!(
                "操作「{name}」はありません（{} のどれかを指定してください）",
                names.join(" / ")
            ));
        };
        let current = self
            .store
            .get(RecordKind::Application, id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("申し込み {id} は見つかりません（IDを確認してください）"))?;
        if seen.is_some_and(|s| s != current.status) || !from.contains(&current.status.as_str()) {
            return Err(format!(
                "申し込み {id} は今「{}」なので「{label}」はできません（ほかの人が先に更新したかもしれません。開き直して確認してください）",
                application_status_label(&current.status)
            ));
        }
        let moved = self
            .store
            .set_status(RecordKind::Application, id, &current.status, to)
            .await
            .map_err(store_err)?;
        if !moved {
            return Err(format!(
                "申し込み {id} はほかの人が先に更新しました。開き直して確認してください"
            ));
        }
        self.audit_done("application_status", &[id]).await;
        Ok(format!(
            "申し込み {id}: 「{}」→「{}」\n",
            application_status_label(&current.status),
            application_status_label(to)
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::staff::fixtures::staff_after;

    #[tokio::test]
    async fn a_matched_application_cannot_be_put_on_hold_and_unknown_moves_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 0).await;
        let err = staff
            .move_application("20261124-app00001", "on_hold", None)
            .await
            .unwrap_err();
        assert!(
            err.contains("今「マッチング済み」なので「保留にする」はできません"),
            "{err}"
        );
        let err = staff
            .move_application("20261124-app00001", "hold", None)
            .await
            .unwrap_err();
        assert!(
            err.contains("phoned / on_hold / declined / reopen"),
            "{err}"
        );
        let err = staff
            .move_application("nope", "on_hold", None)
            .await
            .unwrap_err();
        assert!(err.contains("nope は見つかりません"), "{err}");
    }
}

/// Notes on applications and inquiries: staff's own words (what the call found out).
pub mod notes {
    use crate::store::{Note, NoteOutcome, RecordKind, MAX_NOTE_BYTES};

    use super::super::{store_err, Outcome, Staff};

    impl Staff {
        /// Replaces the note on record `id` with `text`, if nobody saved one since the version
        /// the writer saw (`seen`, the RFC 3339 time the page showed; empty: none).
        pub async fn save_note(
            &self,
            kind: RecordKind,
            id: &str,
            text: &str,
            seen: &str,
        ) -> Outcome {
            let text = text.trim();
            if text.len() > MAX_NOTE_BYTES {
                return Err(format!(
                    "メモは{}文字程度までにしてください",
                    MAX_NOTE_BYTES / 3
                ));
            }
            let record = self
                .store
                .get(kind, id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| format!("{id} は見つかりません（IDを確認してください）"))?;
            let seen =
                if seen.is_empty() {
                    None
                } else {
                    Some(crate::store::schema::parse_timestamp(seen).ok_or_else(|| {
                        "ページを開き直してからもう一度保存してください".to_string()
                    })?)
                };
            let note = Note {
                kind,
                id: id.to_string(),
                text: text.to_string(),
                updated_by: self.actor.clone(),
                updated_at: time::OffsetDateTime::now_utc(),
                expires_at: record.expires_at,
            };
            match self.store.put_note(&note, seen).await.map_err(store_err)? {
                NoteOutcome::Saved => {
                    self.audit_done("note", &[id]).await;
                    Ok(format!("{id} のメモを保存しました。\n"))
                }
                NoteOutcome::Stale => Err(format!(
                    "{id} のメモはほかの人が先に更新しました。開き直して、内容を確かめてから保存してください（保存していません）"
                )),
            }
        }
    }
}
