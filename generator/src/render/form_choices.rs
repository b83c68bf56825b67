//! The options of the site's forms, in taxonomy order, as lists: a form reads its options from
//! here rather than iterating a taxonomy map, so the order staff wrote in content/taxonomy.yaml
//! holds whatever a map's order is on its way into a template.

use std::collections::BTreeMap;

use mikke_catalog::{Taxonomy, VocabKind};
use serde::Serialize;

/// One option of a form field.
#[derive(Debug, Serialize, PartialEq)]
pub(super) struct FormChoice<'a> {
    pub id: &'a str,
    pub label: &'a str,
    /// Plans only: how many sessions the plan includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u32>,
}

/// Vocabulary key (`industries`, `preferences`, `plans`, …) → its options in file order.
pub(super) fn form_choices(t: &Taxonomy) -> BTreeMap<&'static str, Vec<FormChoice<'_>>> {
    let mut out: BTreeMap<&'static str, Vec<FormChoice<'_>>> = VocabKind::ALL
        .iter()
        .map(|&kind| {
            let values = t
                .vocab(kind)
                .iter()
                .map(|(id, label)| FormChoice {
                    id,
                    label,
                    sessions: None,
                })
                .collect();
            (kind.key(), values)
        })
        .collect();
    out.insert(
        "preferences",
        t.preferences
            .iter()
            .map(|(id, p)| FormChoice {
                id,
                label: &p.label,
                sessions: None,
            })
            .collect(),
    );
    out.insert(
        "plans",
        t.plans
            .iter()
            .map(|(id, p)| FormChoice {
                id,
                label: &p.label,
                sessions: Some(p.sessions),
            })
            .collect(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::taxonomy;

    #[test]
    fn options_keep_the_taxonomy_order_and_plans_carry_their_sessions() {
        let t = taxonomy();
        let c = form_choices(&t);
        let ids: Vec<&str> = c["industries"].iter().map(|c| c.id).collect();
        let expected: Vec<&str> = t.industries.keys().map(String::as_str).collect();
        assert_eq!(ids, expected);
        assert_eq!(c["preferences"].len(), t.preferences.len());
        for (choice, (id, plan)) in c["plans"].iter().zip(&t.plans) {
            assert_eq!(
                (choice.id, choice.sessions),
                (id.as_str(), Some(plan.sessions))
            );
        }
    }
}
