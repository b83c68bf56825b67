//! `content/matching.yaml`: staff-editable scoring weights, carried into `catalog.json`.

use indexmap::IndexMap;
use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer, Serialize};

/// Follow-up priorities run from 0 to this (the score of a sheet is capped here).
pub const MAX_PRIORITY: u32 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub preference: u32,
    pub topic: u32,
    pub topic_cap: u32,
    pub situation: u32,
    pub situation_cap: u32,
    pub same_industry: u32,
    pub same_function: u32,
    pub older_mentor: u32,
    pub preferred_mentor: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penalties {
    pub few_topics: u32,
    pub no_preferences: u32,
    pub no_message: u32,
    pub short_message: u32,
    pub no_job_function: u32,
    pub no_situations: u32,
    pub no_phone: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    pub needs_call_below: u32,
    pub min_topics: usize,
    pub min_message_chars: usize,
    pub penalties: Penalties,
}

/// How a mentoring sheet is scored for staff follow-up (issue 6): points per signal, summed
/// and capped at 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Followup {
    /// Sheets at or above this priority are "flagged" (`staff sheets --flagged`). Checked on
    /// every load (matching.yaml and catalog.json): above 100 no sheet could ever be flagged.
    #[serde(deserialize_with = "priority")]
    pub flag_at: u32,
    /// Satisfaction (1–5) at or below this is low.
    pub low_satisfaction_at_most: u32,
    /// Points for low satisfaction, plus `per_point_below` for each point under the bound.
    pub low_satisfaction: u32,
    pub per_point_below: u32,
    /// She asked for the staff to contact her.
    pub staff_contact: u32,
    /// Reflections shorter than this many characters are very thin.
    pub thin_reflections_below: usize,
    pub thin_reflections: u32,
    /// An earlier session has no sheet yet.
    pub skipped_session: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matching {
    pub weights: Weights,
    /// situation id → mentor_tags ids that speak to it.
    pub situation_tags: IndexMap<String, Vec<String>>,
    pub completeness: Completeness,
    pub followup: Followup,
}

/// A whole number 0..=[`MAX_PRIORITY`]; the message says the range and why.
fn priority<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let value = u32::deserialize(d)?;
    if value > MAX_PRIORITY {
        return Err(D::Error::invalid_value(
            Unexpected::Unsigned(value.into()),
            &"flag_at to be a whole number from 0 to 100 — follow-up priorities are 0–100, so above 100 no sheet is ever flagged; set it to 100 or less, e.g. 40",
        ));
    }
    Ok(value)
}

impl Matching {
    pub fn parse(text: &str) -> Result<Matching, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_matching_file_parses() {
        let m = Matching::parse(include_str!("../../content/matching.yaml")).unwrap();
        assert_eq!(m.situation_tags["on_leave"], ["parenting", "single_mother"]);
        assert!(m.completeness.needs_call_below <= 100);
        assert!(m.followup.flag_at <= 100);
    }

    fn with_flag_at(value: &str) -> String {
        let text = include_str!("../../content/matching.yaml");
        let at = text.find("flag_at:").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        format!("{}flag_at: {value}{}", &text[..at], &text[end..])
    }

    #[test]
    fn flag_at_from_0_to_100_is_accepted() {
        for value in [0, 40, 100] {
            let m = Matching::parse(&with_flag_at(&value.to_string())).unwrap();
            assert_eq!(m.followup.flag_at, value);
        }
    }

    #[test]
    fn flag_at_over_100_is_refused_naming_the_field_and_the_range() {
        let e = Matching::parse(&with_flag_at("101"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("followup: invalid value: integer `101`, expected flag_at to be"),
            "{e}"
        );
        assert!(e.contains("a whole number from 0 to 100"), "{e}");
        // catalog.json carries the same struct: the handler refuses it too.
        let m = Matching::parse(include_str!("../../content/matching.yaml")).unwrap();
        let mut json = serde_json::to_value(&m).unwrap();
        json["followup"]["flag_at"] = 250.into();
        let e = serde_json::from_value::<Matching>(json)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("integer `250`") && e.contains("flag_at to be"),
            "{e}"
        );
    }
}
