//! `staff report`: the corporate report (`crate::report`) read from the store, as a table or
//! CSV. Only ids, dates, codes and numbers leave the store's records here.

use std::fmt::Write as _;

use time::{Date, OffsetDateTime, Time};

use crate::report::{self, AppFact, ClientReport, MatchFact, Period, SheetFact};
use crate::store::RecordKind;

use super::{store_err, Staff, JST};

/// The period as staff give it: Japanese calendar days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Days {
    pub from: Date,
    pub to: Date,
}

impl Days {
    /// From `from` (default: the 1st of this month) to `to` (default: today), Japan time.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Days, String> {
        let today = now.to_offset(JST).date();
        let day = |text: Option<&str>, field: &str, default: Date| match text {
            None => Ok(default),
            Some(t) => {
                parse_date(t).ok_or_else(|| format!("{field} は 2026-11-01 の形で指定してください"))
            }
        };
        let from = day(from, "--from", today.replace_day(1).unwrap_or(today))?;
        let to = day(to, "--to", today)?;
        if from > to {
            return Err("--from は --to より前の日付にしてください".into());
        }
        Ok(Days { from, to })
    }

    fn period(&self) -> Period {
        let start = |d: Date| d.with_time(Time::MIDNIGHT).assume_offset(JST);
        Period {
            from: start(self.from),
            to: start(self.to.next_day().unwrap_or(self.to)),
        }
    }
}

/// `YYYY-MM-DD`, a real calendar day.
fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

impl Staff {
    /// The reports of every client with something in the period, or of `company` alone.
    pub async fn report_data(
        &self,
        company: Option<&str>,
        days: Days,
    ) -> Result<Vec<ClientReport>, String> {
        let epoch = OffsetDateTime::UNIX_EPOCH;
        let records = self
            .store
            .list_brief_by_kind(
                RecordKind::Application,
                epoch,
                usize::MAX,
                &["$.application.company_code"],
            )
            .await
            .map_err(store_err)?;
        let codes: Vec<(String, OffsetDateTime, String)> = records
            .into_iter()
            .filter_map(|r| {
                let code = r.body["application"]["company_code"].as_str()?.to_string();
                Some((r.id, r.created_at, code))
            })
            .collect();
        let apps: Vec<AppFact> = codes
            .iter()
            .map(|(id, at, code)| AppFact {
                id,
                created_at: *at,
                company_code: code,
            })
            .collect();
        let matches = self
            .store
            .list_matches(epoch, usize::MAX)
            .await
            .map_err(store_err)?;
        let match_facts: Vec<MatchFact> = matches
            .iter()
            .map(|m| MatchFact {
                id: &m.id,
                application_id: &m.application_id,
                created_at: m.created_at,
            })
            .collect();
        let sheets = self
            .store
            .list_followups(0, usize::MAX)
            .await
            .map_err(store_err)?;
        let sheet_facts: Vec<SheetFact> = sheets
            .iter()
            .map(|s| SheetFact {
                match_id: &s.match_id,
                created_at: s.created_at,
                satisfaction: s.content["sheet"]["satisfaction"]
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok()),
                want_staff_contact: s.content["sheet"]["want_staff_contact"].as_bool(),
            })
            .collect();
        Ok(report::aggregate(
            days.period(),
            company,
            &apps,
            &match_facts,
            &sheet_facts,
        ))
    }

    /// The report as a table, or (`csv`) as the CSV text to save.
    pub async fn report(&self, company: Option<&str>, days: Days, csv: bool) -> super::Outcome {
        let reports = self.report_data(company, days).await?;
        let codes: Vec<&str> = reports.iter().map(|r| r.company_code.as_str()).collect();
        self.audit_done(if csv { "report_download" } else { "report" }, &codes)
            .await;
        if csv {
            return Ok(report::csv(
                &reports,
                &days.from.to_string(),
                &days.to.to_string(),
            ));
        }
        if reports.is_empty() {
            return Ok(format!(
                "{} 〜 {} に法人のお申し込みはありません。\n",
                days.from, days.to
            ));
        }
        let mut out = format!(
            "法人レポート {} 〜 {}（3人未満の欄は表示しません）\n",
            days.from, days.to
        );
        out.push_str("企業コード\t申し込み\tマッチング\t実施セッション\t満足度1/2/3/4/5\t満足度平均\t事務局への連絡希望\n");
        for r in &reports {
            let ratings: Vec<String> = r.satisfaction.iter().map(|c| c.to_string()).collect();
            let want = match r.want_staff_contact {
                report::Cell::Shown(p) => format!("{p}%"),
                hidden => hidden.to_string(),
            };
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{want}",
                r.company_code,
                r.applications,
                r.matches,
                r.sessions,
                ratings.join("/"),
                r.satisfaction_mean,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
