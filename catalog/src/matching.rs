//! `content/matching.yaml`: staff-editable scoring weights, carried into `catalog.json`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

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
    /// Sheets at or above this priority are "flagged" (`staff sheets --flagged`).
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
}
