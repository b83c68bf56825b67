//! The outbox seen by staff: what is waiting or failed, resending, sending now, the
//! scheduled mails on demand — and the delivery every mail-causing command ends with, so
//! mail goes out whether or not the server runs.

use std::fmt::Write as _;

use super::{jst, store_err, Outcome, Staff};
use crate::store::MailStatus;

const NO_BUNDLE: &str = "メールの設定（MIKKE_MAIL_BUNDLE、既定は private/mail.json）が読めないため、メールは送信待ちのままです。generator build のあとでもう一度実行してください。\n";

impl Staff {
    /// Delivers everything due now; one line for the command's output.
    pub(super) async fn send_mail(&self) -> String {
        let Some(notifier) = &self.notifier else {
            if let Some(wake) = &self.wake {
                wake.notify_one();
                return "メールを送信します（送信状況は「メール」で確認できます）。\n".into();
            }
            return NO_BUNDLE.into();
        };
        match notifier.deliver_all(self.now).await {
            Ok(d) if d.transport_down => format!(
                "メールサーバー（{}）につながらないため、{}通が送信待ちです。つながりしだい送られます（staff mail --send で今すぐ再送）。\n",
                notifier.transport.describe(),
                d.retried
            ),
            Ok(d) => {
                let mut line = format!("メールを{}通送りました", d.sent);
                if d.suppressed + d.failed + d.rejected > 0 {
                    let _ = write!(
                        line,
                        "（送らなかったもの{}通、送れなかったもの{}通: staff mail --failed）",
                        d.suppressed,
                        d.failed + d.rejected
                    );
                }
                line.push_str("。\n");
                line
            }
            Err(e) => format!("メールの送信記録を読めませんでした（送信待ちのままです）: {e}\n"),
        }
    }

    /// `staff mail`: counts by status; `failed`: the failed and rejected ones in full.
    pub async fn mail(&self, failed: bool, limit: usize) -> Outcome {
        if failed {
            return self.failed_mail(limit).await;
        }
        let mut out = String::from("メールの送信状況:\n");
        for (status, label) in [
            (MailStatus::Pending, "送信待ち"),
            (MailStatus::Sending, "送信中"),
            (MailStatus::Failed, "送信できず（再送できます）"),
            (MailStatus::Rejected, "宛先に拒否された"),
            (MailStatus::Suppressed, "上限などで送らなかった"),
            (MailStatus::Sent, "送信済み"),
        ] {
            let n = self
                .store
                .list_mail(status, 10_000)
                .await
                .map_err(store_err)?
                .len();
            let _ = writeln!(out, "  {label}: {n}通");
        }
        Ok(out)
    }

    async fn failed_mail(&self, limit: usize) -> Outcome {
        let mut rows = Vec::new();
        for status in [MailStatus::Failed, MailStatus::Rejected] {
            rows.extend(
                self.store
                    .list_mail(status, limit)
                    .await
                    .map_err(store_err)?,
            );
        }
        if rows.is_empty() {
            return Ok("送れなかったメールはありません。\n".into());
        }
        rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        rows.truncate(limit);
        let mut out = String::from("ID\t種類\t宛先\t状態\t試行\t理由\t作成(JST)\n");
        for m in rows {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                m.id,
                m.template,
                m.recipient,
                m.status.as_str(),
                m.attempts,
                m.last_error.as_deref().unwrap_or("-"),
                jst(m.created_at)
            );
        }
        out.push_str("再送: staff mail --resend <ID>\n");
        Ok(out)
    }

    /// Puts a failed, rejected or suppressed mail back in the queue and sends it.
    pub async fn resend(&self, id: &str) -> Outcome {
        let queued = self
            .store
            .resend_mail(id, self.now)
            .await
            .map_err(store_err)?;
        if !queued {
            return Err(format!(
                "メール {id} は再送できません（IDを確認してください。送信待ち・送信済みのものは再送できません）"
            ));
        }
        Ok(format!(
            "メール {id} を送信待ちに戻しました。\n{}",
            self.send_mail().await
        ))
    }

    /// Sends what is due now.
    pub async fn send_now(&self) -> Outcome {
        Ok(self.send_mail().await)
    }

    /// Writes the reminders, overdue notices and digest due now, then sends.
    pub async fn remind(&self) -> Outcome {
        let Some(notifier) = &self.notifier else {
            return Err(NO_BUNDLE.trim_end().into());
        };
        let s = notifier.schedule(self.now).await.map_err(store_err)?;
        Ok(format!(
            "リマインダー: 返信待ち{}件、シート未提出{}件、期間を過ぎたマッチング{}件、事務局まとめ{}件を確認しました。\n{}",
            s.reply_reminders,
            s.sheet_reminders,
            s.overdue,
            s.digests,
            self.send_mail().await
        ))
    }
}
