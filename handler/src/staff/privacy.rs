//! Staff's side of a disclosure request: `staff export --email` writes everything held about
//! one address to two owner-only files (JSON and a Japanese letter) and prints only counts,
//! so nothing of hers lands in a terminal's scrollback or a shared screen.

use std::path::{Path, PathBuf};

use super::{store_err, Outcome, Staff};
use crate::privacy::{gather, text};

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, bytes)
}

const BAD_ADDRESS: &str = "メールアドレスの形式が正しくありません";

impl Staff {
    pub async fn export(&self, address: &str, dir: &Path) -> Outcome {
        let Some(address) = crate::privacy::canonical_address(address) else {
            return Err(BAD_ADDRESS.into());
        };
        let address = address.as_str();
        let key = self.key()?;
        let export = gather(&self.store, key, address, self.now)
            .await
            .map_err(store_err)?;
        // Audited before anything is written: ids only, never the address.
        self.audit("export", &export.ids()).await?;
        let stamp = crate::store::schema::timestamp_text(self.now)
            .chars()
            .filter(char::is_ascii_digit)
            .take(14)
            .collect::<String>();
        let base: PathBuf = dir.join(format!("mikke-export-{stamp}"));
        let json = base.with_extension("json");
        let letter = base.with_extension("txt");
        let body = serde_json::to_vec_pretty(&export).map_err(|e| e.to_string())?;
        for (path, bytes) in [(&json, body), (&letter, text::render(&export).into_bytes())] {
            write_private(path, &bytes)
                .map_err(|e| format!("{} に書き出せませんでした: {e}", path.display()))?;
        }
        Ok(format!(
            "お申し込み {}件、お問い合わせ {}件、マッチング {}件（シート {}件）、メール {}件、提供の記録 {}件、操作記録 {}件を書き出しました。\n{}\n{}\n（本人確認のうえ、安全な方法でお渡しください。お渡ししたらファイルは削除してください）\n",
            export.applications.len(),
            export.inquiries.len(),
            export.matches.len(),
            export.matches.iter().map(|m| m.sheets.len()).sum::<usize>(),
            export.mails.len(),
            export.provisions.len(),
            export.audit.len(),
            json.display(),
            letter.display(),
        ))
    }
}

impl Staff {
    /// Erases everything held about `address` except the provision records (kept 3 years by
    /// law; they name nobody). `dry_run` shows what would go and changes nothing. Audited
    /// with the ids, never the address; running it again finds nothing.
    pub async fn erase(&self, address: &str, dry_run: bool) -> Outcome {
        let Some(address) = crate::privacy::canonical_address(address) else {
            return Err(BAD_ADDRESS.into());
        };
        let address = address.as_str();
        let (what, matches) = crate::privacy::erase::plan(&self.store, address)
            .await
            .map_err(store_err)?;
        if what.records.is_empty() && what.matches.is_empty() {
            return Ok("このメールアドレスについてお預かりしている情報はありません（提供の記録を除く）。\n".into());
        }
        let ids: Vec<&str> = what
            .records
            .iter()
            .map(|(_, id)| id.as_str())
            .chain(what.matches.iter().map(String::as_str))
            .collect();
        let mut out = format!(
            "対象: お申し込み・お問い合わせ {}件（{}）、マッチング {}件{}\n",
            what.records.len(),
            what.records
                .iter()
                .map(|(_, id)| id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            what.matches.len(),
            if what.matches.is_empty() {
                String::new()
            } else {
                format!(
                    "（{}: シート・お返事・メールの記録ごと）",
                    what.matches.join(", ")
                )
            },
        );
        if dry_run {
            out.push_str("--dry-run のため、何も削除していません。\n");
            return Ok(out);
        }
        // Audited first: an erasure interrupted half-way is still on record (ids only).
        self.audit("erase", &ids).await?;
        let done = self.store.erase(&what).await.map_err(store_err)?;
        out.push_str(&format!(
            "削除しました: 記録 {}件、メモ {}件、マッチング {}件、シート {}件、メール {}件。メンターへの提供の記録は法令にもとづき残しています（氏名・連絡先・本文は含みません）。\n",
            done.records, done.notes, done.matches, done.sheets, done.mails
        ));
        for m in matches
            .iter()
            .filter(|m| m.status == crate::store::MatchStatus::Active)
        {
            out.push_str(&format!(
                "マッチング {} は終了しました。メンター {}（{}）には事務局からご連絡ください。\n",
                m.id, m.mentor_name, m.mentor_slug
            ));
        }
        Ok(out)
    }
}
