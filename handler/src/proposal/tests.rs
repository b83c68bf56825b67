use proptest::prelude::*;

use super::*;

fn table(scores: &[&[u32]]) -> Vec<Vec<Option<u32>>> {
    scores
        .iter()
        .map(|row| row.iter().map(|&s| Some(s)).collect())
        .collect()
}

fn used(picks: &Picks, mentors: usize) -> Vec<u32> {
    let mut n = vec![0; mentors];
    for m in picks.iter().flatten() {
        n[*m] += 1;
    }
    n
}

/// The best total by trying every way (small tables only).
fn brute_force(t: &Table, a: usize, free: &mut Vec<u32>) -> u32 {
    if a == t.scores.len() {
        return 0;
    }
    let mut best = brute_force(t, a + 1, free);
    for m in 0..free.len() {
        if free[m] > 0 && t.fit(a, m) > 0 {
            free[m] -= 1;
            best = best.max(t.fit(a, m) + brute_force(t, a + 1, free));
            free[m] += 1;
        }
    }
    best
}

#[test]
fn the_optimum_gives_the_contested_mentor_to_whom_she_matters_most() {
    // Greedy gives 青木 to the first applicant (90) and leaves the second with 10.
    let scores = table(&[&[90, 80], &[85, 10]]);
    let t = Table {
        scores: &scores,
        free: &[1, 1],
    };
    assert_eq!(greedy(&t), vec![Some(0), Some(1)]);
    assert_eq!(t.total(&greedy(&t)), 100);
    assert_eq!(optimal(&t), vec![Some(1), Some(0)]);
    assert_eq!(t.total(&optimal(&t)), 165);
}

#[test]
fn a_mentor_never_gets_more_than_her_free_slots() {
    let scores = table(&[&[90, 20, 5], &[80, 30, 5], &[70, 40, 5], &[60, 50, 5]]);
    let t = Table {
        scores: &scores,
        free: &[2, 0, 1],
    };
    let picks = optimal(&t);
    assert_eq!(used(&picks, 3), vec![2, 0, 1]);
    assert_eq!(picks.iter().filter(|p| p.is_none()).count(), 1);
}

#[test]
fn no_fit_is_never_proposed_and_a_mentor_not_accepting_is_skipped() {
    let scores = vec![vec![Some(0), None], vec![Some(0), Some(40)]];
    let t = Table {
        scores: &scores,
        free: &[3, 3],
    };
    assert_eq!(optimal(&t), vec![None, Some(1)]);
    assert_eq!(greedy(&t), vec![None, Some(1)]);
}

#[test]
fn when_slots_are_short_the_older_application_wins_a_tie() {
    let scores = table(&[&[50], &[50], &[50]]);
    let t = Table {
        scores: &scores,
        free: &[1],
    };
    assert_eq!(optimal(&t), vec![Some(0), None, None]);
}

#[test]
fn an_empty_queue_or_no_free_slot_proposes_nothing() {
    let none: Vec<Vec<Option<u32>>> = vec![];
    let t = Table {
        scores: &none,
        free: &[1],
    };
    assert!(optimal(&t).is_empty());
    let scores = table(&[&[50, 60]]);
    let t = Table {
        scores: &scores,
        free: &[0, 0],
    };
    assert_eq!(optimal(&t), vec![None]);
}

proptest! {
    #[test]
    fn the_optimum_is_the_best_total_within_capacity(
        rows in prop::collection::vec(prop::collection::vec(0u32..=100, 3), 0..6),
        free in prop::collection::vec(0u32..3, 3),
    ) {
        let scores: Vec<Vec<Option<u32>>> =
            rows.iter().map(|r| r.iter().map(|&s| Some(s)).collect()).collect();
        let t = Table { scores: &scores, free: &free };
        let picks = optimal(&t);
        let counts = used(&picks, 3);
        for m in 0..3 {
            prop_assert!(counts[m] <= free[m]);
        }
        prop_assert_eq!(t.total(&picks), brute_force(&t, 0, &mut free.clone()));
        prop_assert!(t.total(&picks) >= t.total(&greedy(&t)));
    }
}
