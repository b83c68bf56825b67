//! What the `staff` command does, as functions that return the text to print (so tests call
//! them directly and the binary stays a thin clap front). Errors are Japanese sentences for
//! staff, carrying the id they typed; nothing changes when one is returned.

use std::collections::HashMap;
use std::fmt::Write as _;

use mikke_catalog::Catalog;
use time::OffsetDateTime;

use crate::forms::Application;
use crate::matching::{assign, at_capacity, link_expiry, session_share, AssignRequest, Links};
use crate::scoring::{completeness, match_mentors, Matcher};
use crate::store::{MatchStatus, RecordKind, Store, StoredRecord, OPEN_APPLICATION_STATUSES};
use crate::tokens::SigningKey;

/// What every command works with.
pub struct Staff {
    pub store: Store,
    pub matcher: Matcher,
    pub key: Option<SigningKey>,
    pub site_url: String,
    pub retention_days: u32,
    pub now: OffsetDateTime,
}

pub type Outcome = Result<String, String>;

const JST: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

fn jst(t: OffsetDateTime) -> String {
    let t = t.to_offset(JST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn store_err(e: impl std::fmt::Display) -> String {
    format!("保存先にアクセスできませんでした: {e}")
}

fn application_of(rec: &StoredRecord) -> Result<Application, String> {
    serde_json::from_value(rec.body["application"].clone())
        .map_err(|_| format!("申し込み {} の記録を読み取れませんでした", rec.id))
}

fn label<'a>(vocab: &'a mikke_catalog::Vocab, id: &'a str) -> &'a str {
    vocab.get(id).map_or(id, String::as_str)
}

impl Staff {
    fn catalog(&self) -> &Catalog {
        self.matcher.catalog()
    }

    async fn full_mentors(&self) -> Result<std::collections::HashSet<String>, String> {
        let counts = self.store.active_counts().await.map_err(store_err)?;
        Ok(at_capacity(self.catalog(), &counts))
    }

    fn key(&self) -> Result<&SigningKey, String> {
        self.key.as_ref().ok_or_else(|| {
            "リンクの署名鍵がありません: MIKKE_SIGNING_KEY か MIKKE_SIGNING_KEY_PARAMETER を本番と同じ値で設定してください".to_string()
        })
    }

    /// New applications, `needs_call` first, then oldest first.
    pub async fn queue(&self, contact: bool, limit: usize) -> Outcome {
        let mut open = Vec::new();
        for status in OPEN_APPLICATION_STATUSES {
            let listed = self
                .store
                .list_by_status(RecordKind::Application, status, limit)
                .await
                .map_err(store_err)?;
            open.extend(listed);
        }
        let needs_call = |r: &StoredRecord| {
            r.status == "needs_call" || r.body["completeness"]["needs_call"] == true
        };
        open.sort_by(|a, b| {
            needs_call(b)
                .cmp(&needs_call(a))
                .then(a.created_at.cmp(&b.created_at))
                .then(a.id.cmp(&b.id))
        });
        open.truncate(limit);
        let overdue = self.overdue_text().await?;
        if open.is_empty() {
            return Ok(format!("新しい申し込みはありません。\n{overdue}"));
        }
        let full = self.full_mentors().await?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "ID\t受付日時(JST)\t完成度\t要電話\tおすすめ\tスコア{}",
            if contact {
                "\t氏名\tメール\t電話"
            } else {
                ""
            }
        );
        for rec in &open {
            let app = application_of(rec)?;
            let matched = match_mentors(&self.matcher, &app, &full);
            let complete = completeness(&app, &self.catalog().matching);
            let (top, score) = matched
                .suggestions
                .first()
                .map_or(("（候補なし）".to_string(), String::from("-")), |s| {
                    (format!("{}（{}）", s.slug, s.name), s.score.to_string())
                });
            let _ = write!(
                out,
                "{}\t{}\t{}\t{}\t{top}\t{score}",
                rec.id,
                jst(rec.created_at),
                complete.score,
                if needs_call(rec) { "要" } else { "-" },
            );
            if contact {
                let _ = write!(
                    out,
                    "\t{}\t{}\t{}",
                    app.name,
                    app.email,
                    app.phone.as_deref().unwrap_or("-")
                );
            }
            out.push('\n');
        }
        out.push_str(&overdue);
        Ok(out)
    }

    /// Active matches whose plan has ended (their links' time is up) but that nobody closed:
    /// each still holds a slot of its mentor until it expires, so staff should close or
    /// extend it. Empty when there are none.
    async fn overdue_text(&self) -> Outcome {
        let matches = self.store.active_matches().await.map_err(store_err)?;
        let overdue: Vec<_> = matches
            .iter()
            .filter(|m| link_expiry(m.created_at, m.sessions) <= self.now)
            .collect();
        if overdue.is_empty() {
            return Ok(String::new());
        }
        let mut out = format!(
            "\n終了予定を過ぎたマッチング（{}件）: メンターの枠を使ったままです。staff close <ID> で終了するか、staff extend で延長してください。\nID\tメンター\t回数\t開始(JST)\t終了予定(JST)\n",
            overdue.len()
        );
        for m in overdue {
            let _ = writeln!(
                out,
                "{}\t{}\t全{}回\t{}\t{}",
                m.id,
                m.mentor_slug,
                m.sessions,
                jst(m.created_at),
                jst(link_expiry(m.created_at, m.sessions))
            );
        }
        Ok(out)
    }

    /// One application with its top suggestions (mentors at capacity skipped) and unmet wishes.
    pub async fn show(&self, id: &str, contact: bool) -> Outcome {
        let rec = self
            .store
            .get(RecordKind::Application, id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("申し込み {id} は見つかりません（IDを確認してください）"))?;
        let app = application_of(&rec)?;
        let t = &self.catalog().taxonomy;
        let list = |vocab: &mikke_catalog::Vocab, ids: &[String]| -> String {
            if ids.is_empty() {
                "-".into()
            } else {
                ids.iter()
                    .map(|i| label(vocab, i))
                    .collect::<Vec<_>>()
                    .join("、")
            }
        };
        let mut out = String::new();
        let _ = writeln!(out, "申し込み {}（{}）", rec.id, rec.status);
        let _ = writeln!(out, "受付: {}", jst(rec.created_at));
        let _ = writeln!(out, "氏名: {}", app.name);
        if contact {
            let _ = writeln!(out, "メール: {}", app.email);
            let _ = writeln!(out, "電話: {}", app.phone.as_deref().unwrap_or("-"));
        }
        let plan = t
            .plans
            .get(&app.plan)
            .map_or(app.plan.as_str(), |p| p.label.as_str());
        let _ = writeln!(out, "プラン: {plan}");
        let _ = writeln!(out, "年代: {}", label(&t.age_bands, &app.age_band));
        let _ = writeln!(out, "業種: {}", label(&t.industries, &app.industry));
        let _ = writeln!(
            out,
            "企業規模: {}",
            label(&t.company_sizes, &app.company_size)
        );
        let job = app
            .job_function
            .as_deref()
            .map_or("-", |j| label(&t.job_functions, j));
        let _ = writeln!(out, "職種: {job}");
        let _ = writeln!(out, "状況: {}", list(&t.situations, &app.situations));
        let _ = writeln!(out, "テーマ: {}", list(&t.topics, &app.topics));
        let wishes: Vec<String> = app
            .preferences
            .iter()
            .map(|p| t.preferences.get(p).map_or(p.clone(), |x| x.label.clone()))
            .collect();
        let _ = writeln!(
            out,
            "希望: {}",
            if wishes.is_empty() {
                "-".into()
            } else {
                wishes.join("、")
            }
        );
        if let Some(message) = &app.message {
            let _ = writeln!(out, "メッセージ:\n  {}", message.replace('\n', "\n  "));
        }
        let complete = completeness(&app, &self.catalog().matching);
        let _ = writeln!(
            out,
            "\n完成度: {}{}",
            complete.score,
            if complete.needs_call {
                "（要電話）"
            } else {
                ""
            }
        );
        for m in &complete.missing {
            let _ = writeln!(out, "  - {}", m.label);
        }
        let full = self.full_mentors().await?;
        let matched = match_mentors(&self.matcher, &app, &full);
        let _ = writeln!(
            out,
            "\nおすすめのメンター（上位{}人、定員に達したメンターを除く）:",
            matched.suggestions.len()
        );
        for (i, s) in matched.suggestions.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. {}（{}） スコア {}",
                i + 1,
                s.slug,
                s.name,
                s.score
            );
            for c in &s.breakdown {
                let _ = writeln!(
                    out,
                    "     {} +{}: {}",
                    c.criterion,
                    c.points,
                    c.reasons.join("、")
                );
            }
        }
        if !full.is_empty() {
            let mut names: Vec<&String> = full.iter().collect();
            names.sort();
            let _ = writeln!(
                out,
                "定員に達しているメンター: {}",
                names
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
        if !matched.unmet_wishes.is_empty() {
            let labels: Vec<&str> = matched
                .unmet_wishes
                .iter()
                .map(|w| w.label.as_str())
                .collect();
            let _ = writeln!(out, "\n候補のだれも満たさない希望: {}", labels.join("、"));
        }
        Ok(out)
    }

    fn links_text(&self, links: &Links) -> String {
        format!(
            "メンティー用リンク（ご本人だけに送ってください）:\n  {}\nメンター用リンク:\n  {}\nリンクの有効期限: {}\n",
            links.mentee.diary_link(&self.site_url),
            links.mentor.diary_link(&self.site_url),
            jst(links.expires_at)
        )
    }

    pub async fn assign(&self, application_id: &str, slug: &str, sessions: Option<u32>) -> Outcome {
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
        Ok(format!(
            "マッチングを作成しました: {}\n申し込み {} × メンター {}（{}）、全{}回\n\n{}",
            m.id,
            m.application_id,
            m.mentor_slug,
            m.mentor_name,
            m.sessions,
            self.links_text(&done.links)
        ))
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

    /// Adds sessions and prints fresh links valid for the longer plan.
    pub async fn extend(&self, id: &str, more: u32) -> Outcome {
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
        let after = self
            .store
            .extend_match(id, more, session_share(more))
            .await
            .map_err(store_err)?
            .ok_or_else(|| {
                format!("マッチング {id} は延長できませんでした（終了したか、見つかりません）")
            })?;
        // The links issued so far carry the expiry the assign rule gave the shorter plan.
        let old_until = link_expiry(before.created_at, before.sessions).min(before.expires_at);
        let until = link_expiry(after.created_at, after.sessions)
            .max(link_expiry(self.now, more))
            .min(after.expires_at);
        let links = Links::issue(key, &after.id, until);
        Ok(format!(
            "マッチング {} を延長しました: 全{}回 → 全{}回\n終了予定: {} → {}\n新しいリンクを送ってください。前のリンクは {} で使えなくなります。\n\n{}",
            after.id,
            before.sessions,
            after.sessions,
            jst(before.expires_at),
            jst(after.expires_at),
            jst(old_until),
            self.links_text(&links)
        ))
    }

    pub async fn close(&self, id: &str) -> Outcome {
        self.active_match(id).await?;
        let closed = self
            .store
            .close_match(id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| format!("マッチング {id} はすでに終了しています"))?;
        Ok(format!(
            "マッチング {} を終了しました。メンター {} の枠が1つ空きました。\n",
            closed.id, closed.mentor_slug
        ))
    }

    /// Sheets by follow-up priority, with reasons; `flagged`: only at or above `flag_at`.
    pub async fn sheets(&self, flagged: bool, limit: usize) -> Outcome {
        let flag_at = self.catalog().matching.followup.flag_at;
        let sheets = self
            .store
            .list_followups(if flagged { flag_at } else { 0 }, limit)
            .await
            .map_err(store_err)?;
        if sheets.is_empty() {
            return Ok(if flagged {
                "フォローが必要なシートはありません。\n".into()
            } else {
                "シートはまだありません。\n".into()
            });
        }
        let mut mentors: HashMap<String, String> = HashMap::new();
        let mut out = String::from("優先度\tマッチング\t回\t提出日時(JST)\tメンター\t理由\n");
        for s in &sheets {
            if !mentors.contains_key(&s.match_id) {
                let name = self
                    .store
                    .get_match(&s.match_id)
                    .await
                    .map_err(store_err)?
                    .map_or_else(|| "-".into(), |m| m.mentor_slug);
                mentors.insert(s.match_id.clone(), name);
            }
            let reasons: Vec<&str> = s.content["followup"]["reasons"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r["label"].as_str()).collect())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}{}\t{}\t{}\t{}\t{}\t{}",
                s.priority,
                if s.priority >= flag_at { "!" } else { "" },
                s.match_id,
                s.session,
                jst(s.created_at),
                mentors[&s.match_id],
                if reasons.is_empty() {
                    "-".into()
                } else {
                    reasons.join("、")
                }
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EmbeddedStore, Match, NewRecord};
    use crate::tokens::Role;

    /// A staff view `days` from now of a store with one active, never-closed 1-session match
    /// (kept for a year).
    async fn staff_after(dir: &std::path::Path, days: i64) -> Staff {
        staff_with_match(dir, days, time::Duration::days(365)).await
    }

    /// As [`staff_after`], the match kept for `kept` from now.
    async fn staff_with_match(dir: &std::path::Path, days: i64, kept: time::Duration) -> Staff {
        let store = Store::from(EmbeddedStore::open(dir).unwrap());
        let now = OffsetDateTime::now_utc();
        let year = now + time::Duration::days(365);
        let app = NewRecord {
            kind: RecordKind::Application,
            id: "20261124-app00001".into(),
            created_at: now,
            status: "received".into(),
            idempotency_key: "k1".into(),
            expires_at: year,
            body: serde_json::json!({ "application": crate::sample::application() }),
        };
        store
            .put_once(app, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let m = Match {
            id: "m-20261124-old00001".into(),
            application_id: "20261124-app00001".into(),
            mentor_slug: "aoki".into(),
            mentor_name: "青木".into(),
            plan: "single".into(),
            sessions: 1,
            status: MatchStatus::Active,
            created_at: now,
            expires_at: now + kept,
        };
        store.create_match(&m, 3).await.unwrap();
        Staff {
            store,
            matcher: Matcher::new(crate::sample::small_catalog()).unwrap(),
            key: None,
            site_url: "https://mikke.example.jp".into(),
            retention_days: 365,
            now: now + time::Duration::days(days),
        }
    }

    #[tokio::test]
    async fn queue_lists_an_unclosed_match_past_its_plan_as_holding_a_slot() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 200).await;
        let out = staff.queue(false, 10).await.unwrap();
        assert!(out.starts_with("新しい申し込みはありません。"), "{out}");
        assert!(out.contains("終了予定を過ぎたマッチング（1件）"), "{out}");
        assert!(out.contains("staff close <ID>"), "{out}");
        let row = out.lines().find(|l| l.starts_with("m-20261124-old00001"));
        assert!(row.is_some_and(|r| r.contains("\taoki\t全1回\t")), "{out}");
    }

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

        let out = staff.extend(id, 2).await.unwrap();

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
            out.contains(&format!("リンクの有効期限: {}", jst(new_links_end))),
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
        let zero = staff.extend(id, 0).await.unwrap_err();
        assert!(zero.contains("1から99まで"), "{zero}");
        let many = staff.extend(id, 99).await.unwrap_err();
        assert!(many.contains("99回まで"), "{many}");
        let missing = staff.extend("m-nope", 1).await.unwrap_err();
        assert!(missing.contains("m-nope は見つかりません"), "{missing}");
        assert_eq!(staff.store.get_match(id).await.unwrap().unwrap(), before);
    }

    #[tokio::test]
    async fn queue_says_nothing_of_a_match_still_within_its_plan() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 30).await;
        let out = staff.queue(false, 10).await.unwrap();
        assert_eq!(out, "新しい申し込みはありません。\n");
    }
}
