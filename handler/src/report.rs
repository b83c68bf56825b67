//! 法人レポート: what a corporate client is told about the programme it pays for, per company
//! code and period — aggregates only. No names, no sheet text, and every cell that counts
//! fewer than [`MIN_PEOPLE`] people is hidden, so nobody can be picked out by a manager who
//! knows who applied.
//!
//! Pure: the caller reads the store and hands over only ids, dates, codes and numbers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use time::OffsetDateTime;

/// A cell about fewer people than this (but more than none) is hidden.
pub const MIN_PEOPLE: usize = 3;

/// `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

impl Period {
    fn holds(&self, t: OffsetDateTime) -> bool {
        self.from <= t && t < self.to
    }
}

/// An application of a corporate client (only these count).
pub struct AppFact<'a> {
    pub id: &'a str,
    pub created_at: OffsetDateTime,
    pub company_code: &'a str,
}

pub struct MatchFact<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub created_at: OffsetDateTime,
}

pub struct SheetFact<'a> {
    pub match_id: &'a str,
    pub created_at: OffsetDateTime,
    pub satisfaction: Option<u32>,
    pub want_staff_contact: Option<bool>,
}

/// A number, or hidden because it concerns 1 or 2 people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<T> {
    Shown(T),
    Hidden,
}

impl<T> Cell<T> {
    fn of(value: T, people: usize) -> Cell<T> {
        if (1..MIN_PEOPLE).contains(&people) {
            Cell::Hidden
        } else {
            Cell::Shown(value)
        }
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Cell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Shown(v) => v.fmt(f),
            Cell::Hidden => f.write_str("3人未満"),
        }
    }
}

/// One client's figures for the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientReport {
    pub company_code: String,
    /// Applications received in the period.
    pub applications: Cell<usize>,
    /// Matches made in the period.
    pub matches: Cell<usize>,
    /// Sessions held in the period (a sheet is written after each).
    pub sessions: Cell<usize>,
    /// Sheets rating 1 … 5.
    pub satisfaction: [Cell<usize>; 5],
    /// Mean rating, one decimal.
    pub satisfaction_mean: Cell<String>,
    /// Share of sheets asking the staff to get in touch, in whole percent.
    pub want_staff_contact: Cell<u32>,
}

/// Codes are typed by applicants (NFKC already): `abc-1` and `ABC-1` are one client.
pub fn normalise_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// The report of every client with anything in the period (or of `only` that client), by code.
pub fn aggregate(
    period: Period,
    only: Option<&str>,
    apps: &[AppFact],
    matches: &[MatchFact],
    sheets: &[SheetFact],
) -> Vec<ClientReport> {
    let only = only.map(normalise_code);
    let code_of_app: HashMap<&str, String> = apps
        .iter()
        .map(|a| (a.id, normalise_code(a.company_code)))
        .filter(|(_, code)| only.as_ref().is_none_or(|o| o == code))
        .collect();
    let code_of_match: HashMap<&str, &String> = matches
        .iter()
        .filter_map(|m| code_of_app.get(m.application_id).map(|c| (m.id, c)))
        .collect();
    let mut per: BTreeMap<&String, Tally> = BTreeMap::new();
    for a in apps.iter().filter(|a| period.holds(a.created_at)) {
        if let Some(code) = code_of_app.get(a.id) {
            per.entry(code).or_default().applications.insert(a.id);
        }
    }
    for m in matches.iter().filter(|m| period.holds(m.created_at)) {
        if let Some(code) = code_of_match.get(m.id) {
            per.entry(code).or_default().matches.insert(m.id);
        }
    }
    for s in sheets.iter().filter(|s| period.holds(s.created_at)) {
        if let Some(code) = code_of_match.get(s.match_id) {
            per.entry(code).or_default().add_sheet(s);
        }
    }
    if let Some(o) = &only {
        // The client asked about gets a report even when the period is empty.
        if per.is_empty() {
            return vec![Tally::default().report(o)];
        }
    }
    per.into_iter().map(|(code, t)| t.report(code)).collect()
}

/// People are matches (one mentee each): a person who wrote three sheets is one person.
#[derive(Default)]
struct Tally<'a> {
    applications: HashSet<&'a str>,
    matches: HashSet<&'a str>,
    sessions: usize,
    session_people: HashSet<&'a str>,
    rated: [(usize, HashSet<&'a str>); 5],
    rating_sum: u32,
    rated_people: HashSet<&'a str>,
    answered_contact: usize,
    wanted_contact: usize,
    contact_people: HashSet<&'a str>,
}

impl<'a> Tally<'a> {
    fn add_sheet(&mut self, s: &SheetFact<'a>) {
        self.sessions += 1;
        self.session_people.insert(s.match_id);
        if let Some(r @ 1..=5) = s.satisfaction {
            let (n, people) = &mut self.rated[r as usize - 1];
            *n += 1;
            people.insert(s.match_id);
            self.rating_sum += r;
            self.rated_people.insert(s.match_id);
        }
        if let Some(want) = s.want_staff_contact {
            self.answered_contact += 1;
            self.wanted_contact += usize::from(want);
            self.contact_people.insert(s.match_id);
        }
    }

    fn report(self, code: &str) -> ClientReport {
        let rated: usize = self.rated.iter().map(|(n, _)| n).sum();
        let mean = if rated == 0 {
            "-".to_string()
        } else {
            format!("{:.1}", f64::from(self.rating_sum) / rated as f64)
        };
        let share = (self.wanted_contact * 100 + self.answered_contact / 2)
            .checked_div(self.answered_contact)
            .map_or(0, |p| p as u32);
        ClientReport {
            company_code: code.to_string(),
            applications: Cell::of(self.applications.len(), self.applications.len()),
            matches: Cell::of(self.matches.len(), self.matches.len()),
            sessions: Cell::of(self.sessions, self.session_people.len()),
            satisfaction: self.rated.map(|(n, people)| Cell::of(n, people.len())),
            satisfaction_mean: Cell::of(mean, self.rated_people.len()),
            want_staff_contact: Cell::of(share, self.contact_people.len()),
        }
    }
}

/// The header of [`csv`], in Japanese for the staff who open it in a spreadsheet.
pub const CSV_HEADER: &str = "企業コード,期間開始,期間終了,申し込み,マッチング,実施セッション,満足度1,満足度2,満足度3,満足度4,満足度5,満足度平均,事務局への連絡希望(%)";

/// The reports as CSV (UTF-8 with a BOM, so spreadsheet programs read the Japanese; CRLF).
/// `from` and `to` are the dates printed (the period as the staff typed it).
pub fn csv(reports: &[ClientReport], from: &str, to: &str) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for r in reports {
        // Codes are ASCII letters, digits, `-` and `_` (the form allows no more): no quoting.
        let _ = write!(
            out,
            "{},{from},{to},{},{},{}",
            r.company_code, r.applications, r.matches, r.sessions
        );
        for c in &r.satisfaction {
            let _ = write!(out, ",{c}");
        }
        let _ = write!(out, ",{},{}\r\n", r.satisfaction_mean, r.want_staff_contact);
    }
    out
}

#[cfg(test)]
mod tests;
