//! Who is signed in to the console, signing everyone out, and the audit log.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::{jst, store_err, Outcome, Staff};

impl Staff {
    /// The live console sessions, or (`revoke_all`) ends them all at once.
    pub async fn sessions(&self, revoke_all: bool) -> Outcome {
        if revoke_all {
            let ended = self.store.end_all_sessions().await.map_err(store_err)?;
            self.audit_done("sign_out_everyone", &[]).await;
            return Ok(format!(
                "コンソールのログインを{ended}件すべて終了しました。次に開くときはもう一度ログインが必要です。\n"
            ));
        }
        let sessions = self.store.list_sessions().await.map_err(store_err)?;
        if sessions.is_empty() {
            return Ok("コンソールにログインしている人はいません。\n".into());
        }
        let mut out = String::from("アドレス\tログイン(JST)\t期限(JST)\n");
        for s in &sessions {
            let _ = writeln!(
                out,
                "{}\t{}\t{}",
                s.address,
                jst(s.created_at),
                jst(s.expires_at)
            );
        }
        Ok(out)
    }

    /// The audit log since `since` (default: 30 days ago), oldest first.
    pub async fn audit_log(&self, since: Option<OffsetDateTime>, limit: usize) -> Outcome {
        let since = since.unwrap_or(self.now - time::Duration::days(30));
        let entries = self
            .store
            .list_audit(since, limit)
            .await
            .map_err(store_err)?;
        if entries.is_empty() {
            return Ok(format!("{} 以降の記録はありません。\n", jst(since)));
        }
        let mut out = String::from("日時(JST)\tだれが\t操作\t対象\n");
        for e in &entries {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}",
                jst(e.at),
                e.actor,
                e.action,
                if e.ids.is_empty() {
                    "-".to_string()
                } else {
                    e.ids.join(",")
                }
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::staff::fixtures::staff_after;
    use crate::store::StaffSession;

    #[tokio::test]
    async fn everyone_is_signed_out_at_once_and_the_audit_log_says_who_did_it() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 0).await;
        let now = time::OffsetDateTime::now_utc();
        for n in 0..2 {
            let s = StaffSession {
                id_hash: format!("h{n}"),
                address: format!("s{n}@example.jp"),
                csrf: "c".into(),
                created_at: now,
                expires_at: now + time::Duration::hours(12),
            };
            staff.store.put_session(&s).await.unwrap();
        }
        let listed = staff.sessions(false).await.unwrap();
        assert!(
            listed.contains("s0@example.jp") && listed.contains("s1@example.jp"),
            "{listed}"
        );
        let ended = staff.sessions(true).await.unwrap();
        assert!(ended.contains("2件すべて終了"), "{ended}");
        assert!(staff.store.get_session("h0").await.unwrap().is_none());
        let log = staff.audit_log(None, 100).await.unwrap();
        assert!(log.contains("\ttest\tsign_out_everyone\t-"), "{log}");
    }
}
