//! Exact positions of a bigram in a mentor's fields: the second stream of a key's list.
//!
//! The first stream (postings.rs) keeps each position only modulo 8, as one bit per residue:
//! enough to show results at once, but a long term whose bigrams sit in one field at positions
//! that agree modulo 8 without being consecutive would over-match (験をお話しし found in a bio
//! holding 験を … をお … お話 … apart). This stream holds the rest of each position, the
//! quotient `p / 8`, so the browser can confirm a multi-bigram term exactly. It is stored as
//! its own gzip member right after the first (search/mod.rs), fetched only for terms of three
//! or more characters, after their results are on screen.
//!
//! Layout, per posting in list order, per field bit set in its mask (name … bio), per
//! residue bit `r` set in that field's position byte (ascending): the positions `p ≡ r (mod 8)`
//! ascending, each as `varint((q - previous q) << 1 | more)` with `q = p / 8`, the previous q
//! starting at 0 for each residue and `more` = 1 when another position of the residue follows.
//! A field up to 8 characters long (most names) costs one zero byte per position.

use super::postings::varint;

/// One occurrence of a key in a mentor: (field index, position in characters).
pub type Occurrence = (u8, u32);

/// Appends the exact stream of one posting. `occurrences` must be sorted by
/// (field, position % 8, position), the order the stream is read in.
pub fn encode(out: &mut Vec<u8>, occurrences: &[Occurrence]) {
    for (i, &(field, pos)) in occurrences.iter().enumerate() {
        let same_group = |o: &Occurrence| o.0 == field && o.1 % 8 == pos % 8;
        let previous = i
            .checked_sub(1)
            .map(|j| occurrences[j])
            .filter(same_group)
            .map_or(0, |(_, p)| p / 8);
        let more = occurrences.get(i + 1).is_some_and(same_group);
        varint(out, ((pos / 8 - previous) << 1) | more as u32);
    }
}

/// The order [`encode`] expects its occurrences in.
pub fn sort_key(&(field, pos): &Occurrence) -> (u8, u32, u32) {
    (field, pos % 8, pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(mut occ: Vec<Occurrence>) -> Vec<u8> {
        occ.sort_unstable_by_key(sort_key);
        let mut out = Vec::new();
        encode(&mut out, &occ);
        out
    }

    #[test]
    fn a_short_field_costs_one_zero_byte_per_position() {
        assert_eq!(encoded(vec![(0, 3)]), vec![0]);
        assert_eq!(encoded(vec![(1, 0), (1, 1)]), vec![0, 0], "two residues");
    }

    #[test]
    fn positions_sharing_a_residue_are_quotient_deltas_with_a_more_bit() {
        // bio (4) at 2, 10 and 170: residue 2 → q 0, 1, 21 → (0<<1|1), (1<<1|1), (20<<1|0).
        assert_eq!(encoded(vec![(4, 170), (4, 2), (4, 10)]), vec![1, 3, 40]);
    }

    #[test]
    fn fields_then_residues_then_positions() {
        // name at 9 (r1 q1); bio at 16 (r0 q2) and 7 (r7 q0).
        assert_eq!(encoded(vec![(4, 7), (0, 9), (4, 16)]), vec![2, 4, 0]);
    }
}
