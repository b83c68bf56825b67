//! Scoring: how well each mentor fits an application, and how complete the
//! application is. Pure functions of (application, prepared catalog); the
//! formula, with a worked example, is in ARCHITECTURE.md ("Scoring").

mod completeness;
mod index;
mod reasons;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use completeness::{completeness, Completeness, MissingItem};
pub use index::{IndexError, Matcher, MAX_VOCAB};

use crate::forms::Application;
use index::{position, Bits, EMPTY_BIT};

/// How many suggestions are kept with an application.
pub const TOP_N: usize = 5;

/// The part of the score one criterion contributed, with the reasons people read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// `preferences`, `topics`, `situations`, `same_industry`, `same_function`,
    /// `older_mentor` or `preferred_mentor`.
    pub criterion: String,
    pub points: u32,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub slug: String,
    pub name: String,
    /// 0–100: points earned against the most this applicant could earn.
    pub score: u32,
    pub points: u32,
    pub breakdown: Vec<Criterion>,
    /// Every reason of the breakdown once, in breakdown order.
    pub reasons: Vec<String>,
}

/// A wish the applicant ticked that none of the suggested mentors meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmetWish {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    /// The best [`TOP_N`] mentors, by score (highest first), then slug.
    pub suggestions: Vec<Suggestion>,
    pub unmet_wishes: Vec<UnmetWish>,
    /// The most points this applicant could earn from one mentor (the 100 of the scale).
    pub max_points: u32,
    /// How many mentors were scored (accepting and not at capacity).
    pub candidates: usize,
}

/// The application reduced to positions in the taxonomy, once per scoring.
struct Query {
    /// (wish position, bit to test in that wish's truth table)
    wishes: Vec<(usize, u32)>,
    topics: Bits,
    /// Tag sets of the applicant's situations that any mentor experience speaks to.
    situations: Vec<Bits>,
    industry: u16,
    job_function: Option<u16>,
    age_band: u16,
    preferred: Vec<usize>,
}

/// Scores every accepting mentor not in `at_capacity` and keeps the best [`TOP_N`].
pub fn match_mentors(m: &Matcher, app: &Application, at_capacity: &HashSet<String>) -> MatchResult {
    let q = query(m, app);
    let max_points = max_points(m, &q);
    let mut top: Vec<(u32, u32, usize)> = Vec::with_capacity(TOP_N + 1);
    // Few mentors are full: find them by binary search rather than hashing every slug.
    let mut full = vec![false; m.catalog.mentors.len()];
    for slug in at_capacity {
        if let Ok(i) = m
            .catalog
            .mentors
            .binary_search_by(|x| x.slug.as_str().cmp(slug))
        {
            full[i] = true;
        }
    }
    let mut candidates = 0;
    for (i, mentor) in m.catalog.mentors.iter().enumerate() {
        if !mentor.accepting || full[i] {
            continue;
        }
        candidates += 1;
        let earned = earned_points(m, &q, i);
        let score = scale(earned, max_points);
        // Mentors are in slug order, so among equal scores the earlier index wins.
        if top.len() == TOP_N && top[TOP_N - 1].0 >= score {
            continue;
        }
        let at = top
            .iter()
            .position(|&(s, _, _)| s < score)
            .unwrap_or(top.len());
        top.insert(at, (score, earned, i));
        top.truncate(TOP_N);
    }
    let suggestions: Vec<Suggestion> = top
        .iter()
        .map(|&(score, _, i)| reasons::suggestion(m, app, &q, i, score))
        .collect();
    let unmet_wishes = q
        .wishes
        .iter()
        .filter(|&&(w, bit)| !top.iter().any(|&(_, _, i)| met(m, i, w, bit)))
        .map(|&(w, _)| UnmetWish {
            id: m.wishes[w].id.clone(),
            label: m.wishes[w].label.clone(),
        })
        .collect();
    MatchResult {
        suggestions,
        unmet_wishes,
        max_points,
        candidates,
    }
}

/// Every mentor's score for one application, kept with what explains it: the bulk
/// proposal weighs all pairs at once, then explains only the pairs it picks.
pub struct Scored<'a> {
    m: &'a Matcher,
    app: &'a Application,
    q: Query,
    /// Per mentor in catalog (slug) order; `None` when not accepting.
    pub scores: Vec<Option<u32>>,
}

/// Scores every mentor (capacity is the caller's business: the proposal counts free slots).
pub fn score_all<'a>(m: &'a Matcher, app: &'a Application) -> Scored<'a> {
    let q = query(m, app);
    let max = max_points(m, &q);
    let scores = m
        .catalog
        .mentors
        .iter()
        .enumerate()
        .map(|(i, mentor)| {
            mentor
                .accepting
                .then(|| scale(earned_points(m, &q, i), max))
        })
        .collect();
    Scored { m, app, q, scores }
}

impl Scored<'_> {
    /// The suggestion (breakdown and reasons) for the mentor at catalog position `i`.
    pub fn explain(&self, i: usize) -> Suggestion {
        let score = self.scores[i].unwrap_or(0);
        reasons::suggestion(self.m, self.app, &self.q, i, score)
    }
}

fn query(m: &Matcher, app: &Application) -> Query {
    let t = &m.catalog.taxonomy;
    let wishes = app
        .preferences
        .iter()
        .filter_map(|id| m.wishes.iter().position(|w| &w.id == id))
        .map(|w| {
            let bit = match m.wishes[w].reads {
                None => 0,
                Some(field) => {
                    let value = applicant_value(app, field);
                    value
                        .and_then(|v| field.vocab(&m.catalog).get_index_of(v))
                        .map_or(EMPTY_BIT, |i| i as u32)
                }
            };
            (w, bit)
        })
        .collect();
    let situations = app
        .situations
        .iter()
        .filter_map(|s| t.situations.get_index_of(s.as_str()))
        .map(|i| m.situation_tags[i])
        .filter(|&tags| tags != 0)
        .collect();
    Query {
        wishes,
        topics: index::bits(&t.topics, &app.topics),
        situations,
        industry: position(&t.industries, &app.industry),
        job_function: app
            .job_function
            .as_deref()
            .map(|j| position(&t.job_functions, j)),
        age_band: position(&t.age_bands, &app.age_band),
        preferred: app
            .preferred_mentors
            .iter()
            .filter_map(|slug| {
                m.catalog
                    .mentors
                    .binary_search_by(|x| x.slug.as_str().cmp(slug))
                    .ok()
            })
            .collect(),
    }
}

fn applicant_value(app: &Application, field: index::ApplicantField) -> Option<&str> {
    use index::ApplicantField::*;
    match field {
        Industry => Some(&app.industry),
        CompanySize => Some(&app.company_size),
        AgeBand => Some(&app.age_band),
        JobFunction => app.job_function.as_deref(),
    }
}

fn met(m: &Matcher, mentor: usize, wish: usize, bit: u32) -> bool {
    m.truth[mentor * m.wishes.len() + wish] & (1 << bit) != 0
}

/// Points per criterion for mentor `i`, in the order of [`Criterion`] names.
pub(crate) struct Points {
    pub preferences: u32,
    pub topics: u32,
    pub situations: u32,
    pub same_industry: u32,
    pub same_function: u32,
    pub older_mentor: u32,
    pub preferred_mentor: u32,
}

impl Points {
    fn total(&self) -> u32 {
        self.preferences
            + self.topics
            + self.situations
            + self.same_industry
            + self.same_function
            + self.older_mentor
            + self.preferred_mentor
    }
}

fn points(m: &Matcher, q: &Query, i: usize) -> Points {
    let w = &m.catalog.matching.weights;
    let mentor = &m.mentors[i];
    let wishes_met = q
        .wishes
        .iter()
        .filter(|&&(wish, bit)| met(m, i, wish, bit))
        .count() as u32;
    let topics = (q.topics & mentor.topics).count_ones();
    let situations = q
        .situations
        .iter()
        .filter(|&&tags| tags & mentor.tags != 0)
        .count() as u32;
    let older =
        mentor.age_band != u16::MAX && q.age_band != u16::MAX && mentor.age_band > q.age_band;
    Points {
        preferences: wishes_met * w.preference,
        topics: (topics * w.topic).min(w.topic_cap),
        situations: (situations * w.situation).min(w.situation_cap),
        same_industry: if q.industry != u16::MAX && mentor.industry == q.industry {
            w.same_industry
        } else {
            0
        },
        same_function: match q.job_function {
            Some(j) if j != u16::MAX && mentor.job_functions & (1 << j) != 0 => w.same_function,
            _ => 0,
        },
        older_mentor: if older { w.older_mentor } else { 0 },
        preferred_mentor: if q.preferred.contains(&i) {
            w.preferred_mentor
        } else {
            0
        },
    }
}

fn earned_points(m: &Matcher, q: &Query, i: usize) -> u32 {
    points(m, q, i).total()
}

/// The most one mentor could earn for this applicant: criteria she gave nothing
/// for (no job function, no wishes, the oldest age band) are left out, so a thin
/// application is not punished in the match score (completeness covers that).
fn max_points(m: &Matcher, q: &Query) -> u32 {
    let w = &m.catalog.matching.weights;
    let oldest = m.catalog.taxonomy.age_bands.len().saturating_sub(1) as u16;
    q.wishes.len() as u32 * w.preference
        + (q.topics.count_ones() * w.topic).min(w.topic_cap)
        + (q.situations.len() as u32 * w.situation).min(w.situation_cap)
        + w.same_industry
        + if q.job_function.is_some() {
            w.same_function
        } else {
            0
        }
        + if q.age_band < oldest {
            w.older_mentor
        } else {
            0
        }
        + if q.preferred.is_empty() {
            0
        } else {
            w.preferred_mentor
        }
}

/// `earned / max` as 0–100, rounded half up; 0 when nothing could be earned.
fn scale(earned: u32, max: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    ((u64::from(earned) * 100 + u64::from(max) / 2) / u64::from(max)).min(100) as u32
}

#[cfg(test)]
mod tests;
