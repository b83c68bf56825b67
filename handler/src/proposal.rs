//! The bulk proposal (一括提案): for every waiting application at once, the assignment of
//! mentors that maximises the total score while no mentor gets more than her free slots.
//!
//! It is an assignment problem, solved exactly with Kuhn–Munkres (`pathfinding`): each mentor
//! becomes as many columns as she has free slots. A greedy loop (oldest application first, each
//! taking her best free mentor) is computed beside it, because staff compare the two: the
//! greedy pick is what they would have done by hand, and the proposal must say why it differs.
//!
//! Pure: scores and free slots in, picks out. Staff accept rows one by one, each a normal
//! assign, so nothing here writes.

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

/// At most this many applications are weighed at once (the oldest first): the solver is
/// cubic, and a queue longer than this is a staffing problem, not a matching one.
pub const MAX_ROWS: usize = 400;

/// Which mentor (by position in the scores) each application gets, `None` for none.
pub type Picks = Vec<Option<usize>>;

/// The score table: `scores[a][m]` is application `a`'s score with mentor `m`, `None` where
/// the mentor cannot take her (not accepting). A score of 0 is no fit and never proposed.
pub struct Table<'a> {
    pub scores: &'a [Vec<Option<u32>>],
    /// Free slots per mentor (capacity minus active matches).
    pub free: &'a [u32],
}

impl Table<'_> {
    fn fit(&self, a: usize, m: usize) -> u32 {
        self.scores[a].get(m).copied().flatten().unwrap_or(0)
    }

    /// The total score of some picks.
    pub fn total(&self, picks: &[Option<usize>]) -> u32 {
        picks
            .iter()
            .enumerate()
            .filter_map(|(a, p)| p.map(|m| self.fit(a, m)))
            .sum()
    }
}

/// Oldest application first (rows are in queue order), each taking her highest-scoring mentor
/// that still has a free slot; ties go to the earlier mentor.
pub fn greedy(t: &Table) -> Picks {
    let mut free = t.free.to_vec();
    (0..t.scores.len())
        .map(|a| {
            let best = (0..free.len())
                .filter(|&m| free[m] > 0 && t.fit(a, m) > 0)
                .max_by(|&x, &y| t.fit(a, x).cmp(&t.fit(a, y)).then(y.cmp(&x)))?;
            free[best] -= 1;
            Some(best)
        })
        .collect()
}

/// The picks with the highest total score. Among proposals of equal total, the one that
/// serves older applications wins (when slots are short, the queue's order is fair).
pub fn optimal(t: &Table) -> Picks {
    let rows = t.scores.len();
    // A mentor needs no more columns than there are applications.
    let slots: Vec<usize> = (0..t.free.len())
        .flat_map(|m| std::iter::repeat_n(m, (t.free[m] as usize).min(rows)))
        .filter(|&m| (0..rows).any(|a| t.fit(a, m) > 0))
        .collect();
    if rows == 0 || slots.is_empty() {
        return vec![None; rows];
    }
    // Lexicographic weight: the score first, then seniority. The seniority bonuses of any
    // proposal sum to less than `unit`, so they only ever break ties between equal totals.
    let unit = (rows * rows + 1) as i64;
    let weight = |a: usize, m: usize| -> i64 {
        let fit = i64::from(t.fit(a, m));
        if fit == 0 {
            0
        } else {
            fit * unit + (rows - a) as i64
        }
    };
    let mut picks = vec![None; rows];
    // Kuhn–Munkres needs no more rows than columns: put the shorter side in the rows.
    if rows <= slots.len() {
        let matrix = Matrix::from_fn(rows, slots.len(), |(a, s)| weight(a, slots[s]));
        let (_, cols) = kuhn_munkres(&matrix);
        for (a, s) in cols.into_iter().enumerate() {
            picks[a] = Some(slots[s]);
        }
    } else {
        let matrix = Matrix::from_fn(slots.len(), rows, |(s, a)| weight(a, slots[s]));
        let (_, apps) = kuhn_munkres(&matrix);
        for (s, a) in apps.into_iter().enumerate() {
            picks[a] = Some(slots[s]);
        }
    }
    // A zero-weight cell is how the solver says "nobody": leave her waiting.
    for (a, p) in picks.iter_mut().enumerate() {
        if p.is_some_and(|m| t.fit(a, m) == 0) {
            *p = None;
        }
    }
    picks
}

#[cfg(test)]
mod tests;
