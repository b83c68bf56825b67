//! Reading the applications in: the new-application queue (with the matches that outlived
//! their plan) and one application in full.

use std::fmt::Write as _;

use crate::matching::link_expiry;
use crate::scoring::{completeness, match_mentors};
use crate::store::{RecordKind, StoredRecord, OPEN_APPLICATION_STATUSES};

use super::{application_of, jst, label, store_err, Outcome, Staff};
use crate::forms::Application;

/// Her answers as (label, value) rows, labels from the taxonomy: what `show` prints and the
/// console's application page lists. No contact data, no free text.
pub fn answer_rows(
    catalog: &mikke_catalog::Catalog,
    app: &Application,
) -> Vec<(&'static str, String)> {
    let t = &catalog.taxonomy;
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
    let plan = t
        .plans
        .get(&app.plan)
        .map_or(app.plan.as_str(), |p| p.label.as_str());
    let job = app
        .job_function
        .as_deref()
        .map_or("-", |j| label(&t.job_functions, j));
    let wishes: Vec<String> = app
        .preferences
        .iter()
        .map(|p| t.preferences.get(p).map_or(p.clone(), |x| x.label.clone()))
        .collect();
    vec![
        ("プラン", plan.to_string()),
        ("年代", label(&t.age_bands, &app.age_band).to_string()),
        ("業種", label(&t.industries, &app.industry).to_string()),
        (
            "企業規模",
            label(&t.company_sizes, &app.company_size).to_string(),
        ),
        ("職種", job.to_string()),
        ("状況", list(&t.situations, &app.situations)),
        ("テーマ", list(&t.topics, &app.topics)),
        (
            "希望",
            if wishes.is_empty() {
                "-".into()
            } else {
                wishes.join("、")
            },
        ),
        (
            "企業コード",
            app.company_code.clone().unwrap_or_else(|| "-".into()),
        ),
    ]
}

/// Whether staff should phone her first: her status says so, or her application came in thin
/// (completeness) and nobody has marked it phoned yet.
pub fn needs_call(r: &StoredRecord) -> bool {
    r.status == "needs_call"
        || (r.status == "received" && r.body["completeness"]["needs_call"] == true)
}

impl Staff {
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
        let needs_call = needs_call;
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
        if contact {
            let ids: Vec<&str> = open.iter().map(|r| r.id.as_str()).collect();
            self.audit("view_contact", &ids).await?;
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
        if contact {
            self.audit("view_contact", &[id]).await?;
        }
        let mut out = String::new();
        let _ = writeln!(out, "申し込み {}（{}）", rec.id, rec.status);
        let _ = writeln!(out, "受付: {}", jst(rec.created_at));
        let _ = writeln!(out, "氏名: {}", app.name);
        if contact {
            let _ = writeln!(out, "メール: {}", app.email);
            let _ = writeln!(out, "電話: {}", app.phone.as_deref().unwrap_or("-"));
        }
        for (label, value) in answer_rows(self.catalog(), &app) {
            let _ = writeln!(out, "{label}: {value}");
        }
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
}

#[cfg(test)]
mod tests {
    use crate::staff::fixtures::staff_after;

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

    #[tokio::test]
    async fn queue_says_nothing_of_a_match_still_within_its_plan() {
        let dir = tempfile::tempdir().unwrap();
        let staff = staff_after(dir.path(), 30).await;
        let out = staff.queue(false, 10).await.unwrap();
        assert_eq!(out, "新しい申し込みはありません。\n");
    }
}
