//! The small rule language of `preferences.*.match` in the taxonomy.
//!
//! Staff write rules in the taxonomy so that a new wish needs no code change.
//! The grammar is deliberately tiny (and parsed once, at build or start time):
//!
//! ```text
//! mentor.<scalar> == applicant.<scalar>       mentor.industry == applicant.industry
//! mentor.<scalar> == <id>                     mentor.company_size == large
//! mentor.<scalar> in [<id>, <id>, ...]        mentor.company_size in [sme, startup]
//! mentor.<list> has <id> [or <id> ...]        mentor.tags has parenting or single_mother
//! applicant.<scalar> in mentor.<list>         applicant.job_function in mentor.job_functions
//! ```
//! mentor scalars: industry, company_size, age_band; mentor lists: job_functions, topics, tags;
//! applicant scalars: industry, company_size, age_band, job_function.

use serde::Serialize;

use crate::CatalogMentor;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchRule {
    SameAsApplicant { mentor: String, applicant: String },
    OneOf { mentor: String, values: Vec<String> },
    HasAny { mentor: String, values: Vec<String> },
    ApplicantIn { applicant: String, mentor: String },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("\"{0}\" is not a rule; write e.g. `mentor.industry == applicant.industry`, `mentor.company_size in [sme, startup]` or `mentor.tags has stem`")]
    Syntax(String),
    #[error("unknown mentor field \"{0}\" (use industry, company_size, age_band, job_functions, topics or tags)")]
    MentorField(String),
    #[error(
        "unknown applicant field \"{0}\" (use industry, company_size, age_band or job_function)"
    )]
    ApplicantField(String),
}

/// What the rules may ask about an applicant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicantFacts<'a> {
    pub industry: Option<&'a str>,
    pub company_size: Option<&'a str>,
    pub age_band: Option<&'a str>,
    pub job_function: Option<&'a str>,
}

const MENTOR_SCALARS: [&str; 3] = ["industry", "company_size", "age_band"];
const MENTOR_LISTS: [&str; 3] = ["job_functions", "topics", "tags"];
const APPLICANT_SCALARS: [&str; 4] = ["industry", "company_size", "age_band", "job_function"];

impl MatchRule {
    pub fn parse(text: &str) -> Result<MatchRule, RuleError> {
        let syntax = || RuleError::Syntax(text.to_string());
        let text = text.trim();
        if let Some((lhs, rhs)) = text.split_once("==") {
            let field = mentor_field(lhs.trim(), &MENTOR_SCALARS)?;
            let rhs = rhs.trim();
            return match rhs.strip_prefix("applicant.") {
                Some(a) => Ok(MatchRule::SameAsApplicant {
                    mentor: field,
                    applicant: applicant_field(a)?,
                }),
                None if is_word(rhs) => Ok(MatchRule::OneOf {
                    mentor: field,
                    values: vec![rhs.into()],
                }),
                None => Err(syntax()),
            };
        }
        if let Some((lhs, rhs)) = text.split_once(" has ") {
            let field = mentor_field(lhs.trim(), &MENTOR_LISTS)?;
            let values: Vec<String> = rhs.split(" or ").map(|v| v.trim().to_string()).collect();
            if values.iter().all(|v| is_word(v)) {
                return Ok(MatchRule::HasAny {
                    mentor: field,
                    values,
                });
            }
            return Err(syntax());
        }
        if let Some((lhs, rhs)) = text.split_once(" in ") {
            let (lhs, rhs) = (lhs.trim(), rhs.trim());
            if let Some(a) = lhs.strip_prefix("applicant.") {
                return Ok(MatchRule::ApplicantIn {
                    applicant: applicant_field(a)?,
                    mentor: mentor_field(rhs, &MENTOR_LISTS)?,
                });
            }
            let field = mentor_field(lhs, &MENTOR_SCALARS)?;
            let list = rhs
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .ok_or_else(syntax)?;
            let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
            if values.iter().all(|v| is_word(v)) {
                return Ok(MatchRule::OneOf {
                    mentor: field,
                    values,
                });
            }
        }
        Err(syntax())
    }

    /// The ids this rule names literally, with the taxonomy key they belong to,
    /// so a loader can check them against the vocabulary.
    pub fn literal_ids(&self) -> Vec<(&'static str, &str)> {
        let vocab = |field: &str| match field {
            "industry" => "industries",
            "company_size" => "company_sizes",
            "age_band" => "age_bands",
            "job_functions" => "job_functions",
            "topics" => "topics",
            _ => "mentor_tags",
        };
        match self {
            MatchRule::OneOf { mentor, values } | MatchRule::HasAny { mentor, values } => {
                values.iter().map(|v| (vocab(mentor), v.as_str())).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether `mentor` meets this wish of the applicant. A rule about an applicant
    /// field she left empty is not met: nothing is known to match.
    pub fn is_met(&self, mentor: &CatalogMentor, applicant: &ApplicantFacts) -> bool {
        match self {
            MatchRule::SameAsApplicant {
                mentor: m,
                applicant: a,
            } => match (mentor_scalar(mentor, m), applicant_scalar(applicant, a)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
            MatchRule::OneOf { mentor: m, values } => {
                mentor_scalar(mentor, m).is_some_and(|x| values.iter().any(|v| v == x))
            }
            MatchRule::HasAny { mentor: m, values } => {
                mentor_list(mentor, m).iter().any(|x| values.contains(x))
            }
            MatchRule::ApplicantIn {
                applicant: a,
                mentor: m,
            } => applicant_scalar(applicant, a)
                .is_some_and(|y| mentor_list(mentor, m).iter().any(|x| x == y)),
        }
    }
}

fn is_word(s: &str) -> bool {
    crate::taxonomy::is_valid_id(s)
}

fn mentor_field(path: &str, allowed: &[&str]) -> Result<String, RuleError> {
    let field = path
        .strip_prefix("mentor.")
        .ok_or_else(|| RuleError::Syntax(path.to_string()))?;
    if allowed.contains(&field) {
        Ok(field.to_string())
    } else {
        Err(RuleError::MentorField(field.to_string()))
    }
}

fn applicant_field(field: &str) -> Result<String, RuleError> {
    if APPLICANT_SCALARS.contains(&field) {
        Ok(field.to_string())
    } else {
        Err(RuleError::ApplicantField(field.to_string()))
    }
}

fn mentor_scalar<'m>(mentor: &'m CatalogMentor, field: &str) -> Option<&'m str> {
    match field {
        "industry" => Some(&mentor.industry),
        "company_size" => Some(&mentor.company_size),
        "age_band" => Some(&mentor.age_band),
        _ => None,
    }
}

fn mentor_list<'m>(mentor: &'m CatalogMentor, field: &str) -> &'m [String] {
    match field {
        "job_functions" => &mentor.job_functions,
        "topics" => &mentor.topics,
        _ => &mentor.tags,
    }
}

fn applicant_scalar<'a>(applicant: &ApplicantFacts<'a>, field: &str) -> Option<&'a str> {
    match field {
        "industry" => applicant.industry,
        "company_size" => applicant.company_size,
        "age_band" => applicant.age_band,
        _ => applicant.job_function,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mentor() -> CatalogMentor {
        CatalogMentor {
            slug: "sato".into(),
            name: "佐藤".into(),
            name_kana: None,
            title: "部長".into(),
            industry: "it".into(),
            company_size: "sme".into(),
            age_band: "40s".into(),
            job_functions: vec!["sales".into()],
            topics: vec!["confidence".into()],
            tags: vec!["single_mother".into()],
            accepting: true,
            capacity: 3,
            summary: String::new(),
            url: "/mentors/sato/".into(),
        }
    }

    #[test]
    fn every_reference_rule_form_parses_and_evaluates() {
        let m = mentor();
        let a = ApplicantFacts {
            industry: Some("it"),
            job_function: Some("hr"),
            ..Default::default()
        };
        let met = |r: &str| MatchRule::parse(r).unwrap().is_met(&m, &a);
        assert!(met("mentor.industry == applicant.industry"));
        assert!(met("mentor.company_size in [sme, startup]"));
        assert!(!met("mentor.company_size == large"));
        assert!(met("mentor.tags has parenting or single_mother"));
        assert!(!met("applicant.job_function in mentor.job_functions"));
    }

    #[test]
    fn empty_applicant_field_never_matches() {
        let rule = MatchRule::parse("mentor.industry == applicant.industry").unwrap();
        assert!(!rule.is_met(&mentor(), &ApplicantFacts::default()));
    }

    #[test]
    fn bad_rules_say_what_to_write() {
        assert_eq!(
            MatchRule::parse("mentor.salary == applicant.industry"),
            Err(RuleError::MentorField("salary".into()))
        );
        assert!(matches!(
            MatchRule::parse("tags contain stem"),
            Err(RuleError::Syntax(_))
        ));
    }
}
