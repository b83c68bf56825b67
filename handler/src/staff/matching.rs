//! Changing matches: assigning a mentor, extending a match by more sessions, closing one.

use crate::matching::{assign, link_expiry, session_share, AssignRequest, Links};
use crate::notify::events;
use crate::store::MatchStatus;

use super::{jst, store_err, Outcome, Staff};

impl Staff {
    fn links_text(&self, links: &Links) -> String {
        format!(
            "メンティー用リンク（ご本人だけに送ってください）:\n  {}\nメンター用リンク:\n  {}\nリンクの有効期限: {}\n",
            links.mentee.diary_link(&self.site_url),
            links.mentor.diary_link(&self.site_url),
            jst(links.expires_at)
        )
    }

    /// Makes the match; the two introductions (each with its own link) go out by mail.
    /// `show_links`: also print the links (to read them out on the phone, say).
    pub async fn assign(
        &self,
        application_id: &str,
        slug: &str,
        sessions: Option<u32>,
        show_links: bool,
    ) -> Outcome {
        let key = self.key()?;
        let done = assign(
            &self.store,
            self.catalog(),
            key,
            AssignRequest {
                application_id,
                mentor_slug: slug,
                sessions,
                now: self.now,
                retention_days: self.retention_days,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let m = &done.the_match;
        self.audit_done("assign", &[&m.application_id, &m.id]).await;
        let mut out = format!(
            "マッチングを作成しました: {}\n申し込み {} × メンター {}（{}）、全{}回\nメンティーとメンターに紹介メール（それぞれ専用リンク付き）を送ります。\n",
            m.id, m.application_id, m.mentor_slug, m.mentor_name, m.sessions,
        );
        out.push_str(&self.send_mail().await);
        if show_links {
            out.push('\n');
            out.push_str(&self.links_text(&done.links));
        }
        Ok(out)
    }

    async fn active_match(&self, id: &str) -> Result<crate::store::Match, String> {
        let m = self
            .store
            .get_match(id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("マッチング {id} は見つかりません（IDを確認してください）"))?;
        if m.status != MatchStatus::Active {
            return Err(format!("マッチング {id} はすでに終了しています"));
        }
        Ok(m)
    }

    /// Adds sessions; fresh links valid for the longer plan go to both by mail.
    pub async fn extend(&self, id: &str, more: u32, show_links: bool) -> Outcome {
        if !(1..=crate::store::MAX_SESSIONS).contains(&more) {
            return Err(format!(
                "追加する回数は1から{}までで指定してください",
                crate::store::MAX_SESSIONS
            ));
        }
        let key = self.key()?;
        let before = self.active_match(id).await?;
        if before.sessions + more > crate::store::MAX_SESSIONS {
            return Err(format!(
                "回数の合計は{}回までです",
                crate::store::MAX_SESSIONS
            ));
        }
        // The fresh links' end: the longer plan's, and for a match extended after its plan
        // ended, the added sessions' share from today; never past the match.
        let sessions = before.sessions + more;
        let expires_at = before.expires_at + session_share(more);
        let until = link_expiry(before.created_at, sessions)
            .max(link_expiry(self.now, more))
            .min(expires_at);
        let mail = events::extended(&before, more, sessions, until, self.now, expires_at);
        let after = self
            .store
            .extend_match(id, more, session_share(more), &mail)
            .await
            .map_err(store_err)?
            .ok_or_else(|| {
                format!("マッチング {id} は延長できませんでした（終了したか、見つかりません）")
            })?;
        self.audit_done("extend", &[id]).await;
        // The links issued so far carry the expiry the assign rule gave the shorter plan.
        let old_until = link_expiry(before.created_at, before.sessions).min(before.expires_at);
        let mut out = format!(
            "マッチング {} を延長しました: 全{}回 → 全{}回\n終了予定: {} → {}\n新しいリンクを二人にメールで送ります（リンクの有効期限: {}）。前のリンクは {} で使えなくなります。\n",
            after.id,
            before.sessions,
            after.sessions,
            jst(before.expires_at),
            jst(after.expires_at),
            jst(until),
            jst(old_until),
        );
        out.push_str(&self.send_mail().await);
        if show_links {
            out.push('\n');
            out.push_str(&self.links_text(&Links::issue(key, &after, until)));
        }
        Ok(out)
    }

    /// Takes back every diary link of the match at once (active or closed): a link that
    /// leaked, a phone lost, a request to stop. With `send`, fresh links go to both by mail.
    pub async fn revoke(&self, id: &str, send: bool) -> Outcome {
        let m = self
            .store
            .revoke_links(id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("マッチング {id} は見つかりません（IDを確認してください）"))?;
        self.audit_done("revoke", &[id]).await;
        let mut out = format!(
            "マッチング {} の専用ページのリンクをすべて無効にしました（これまでのリンクはすぐに使えなくなります）。\n",
            m.id
        );
        if !send {
            out.push_str("新しいリンクを送るときは --send を付けてもう一度実行してください。\n");
            return Ok(out);
        }
        if m.status != MatchStatus::Active {
            out.push_str("このマッチングは終了しているため、新しいリンクは送りません。\n");
            return Ok(out);
        }
        self.store
            .enqueue_mail(&events::links_renewed(&m, self.now))
            .await
            .map_err(store_err)?;
        out.push_str("新しいリンクを二人にメールで送ります。\n");
        out.push_str(&self.send_mail().await);
        Ok(out)
    }

    /// Ends the match (her mentor's slot is freed); both get the closing thanks.
    pub async fn close(&self, id: &str) -> Outcome {
        let open = self.active_match(id).await?;
        let closed = self
            .store
            .close_match(id, &events::closed(&open, self.now))
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("マッチング {id} はすでに終了しています"))?;
        self.audit_done("close", &[id]).await;
        Ok(format!(
            "マッチング {} を終了しました。メンター {} の枠が1つ空きました。\n{}",
            closed.id,
            closed.mentor_slug,
            self.send_mail().await
        ))
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use crate::matching::{link_expiry, session_share};
    use crate::staff::fixtures::{staff_after, staff_with_match};
    use crate::staff::jst;
    use crate::tokens::{Role, SigningKey};

    /// The links printed by `staff extend`, in order (mentee, mentor), as token text.
    fn printed_tokens(out: &str) -> Vec<&str> {
        out.lines()
            .filter_map(|l| l.trim().split_once("/diary/#t=").map(|(_, t)| t))
            .collect()
    }

    #[tokio::test]
    async fn extend_prints_fresh_links_valid_to_the_moved_expiry_and_dates_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        // Kept exactly as long as its 1-session links: the extension must move both.
        let plan = link_expiry(OffsetDateTime::UNIX_EPOCH, 1) - OffsetDateTime::UNIX_EPOCH;
        let mut staff = staff_with_match(dir.path(), 0, plan).await;
        let key = SigningKey::generate();
        staff.key = Some(key.clone());
        let id = "m-20261124-old00001";
        let before = staff.store.get_match(id).await.unwrap().unwrap();

        let out = staff.extend(id, 2, true).await.unwrap();

        let after = staff.store.get_match(id).await.unwrap().unwrap();
        assert_eq!(after.sessions, 3);
        assert_eq!(after.expires_at, before.expires_at + session_share(2));
        let old_links_end = link_expiry(before.created_at, 1);
        let new_links_end = link_expiry(before.created_at, 3);
        assert!(
            out.contains(&format!(
                "前のリンクは {} で使えなくなります",
                jst(old_links_end)
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("（リンクの有効期限: {}）", jst(new_links_end))),
            "{out}"
        );
        let tokens = printed_tokens(&out);
        assert_eq!(tokens.len(), 2, "{out}");
        let roles: Vec<Role> = tokens
            .iter()
            .map(|t| {
                let claims = key
                    .verify(t, old_links_end + time::Duration::days(1))
                    .unwrap();
                assert_eq!(claims.match_id, id);
                assert_eq!(claims.expires_at, new_links_end.unix_timestamp());
                assert!(key.verify(t, new_links_end).is_err(), "dead at the new end");
                claims.role
            })
            .collect();
        assert_eq!(roles, [Role::Mentee, Role::Mentor]);
    }

    #[tokio::test]
    async fn extend_refuses_bad_values_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut staff = staff_after(dir.path(), 0).await;
        staff.key = Some(SigningKey::generate());
        let id = "m-20261124-old00001";
        let before = staff.store.get_match(id).await.unwrap().unwrap();
        let zero = staff.extend(id, 0, false).await.unwrap_err();
        assert!(zero.contains("1から99まで"), "{zero}");
        let many = staff.extend(id, 99, false).await.unwrap_err();
        assert!(many.contains("99回まで"), "{many}");
        let missing = staff.extend("m-nope", 1, false).await.unwrap_err();
        assert!(missing.contains("m-nope は見つかりません"), "{missing}");
        assert_eq!(staff.store.get_match(id).await.unwrap().unwrap(), before);
    }
}
