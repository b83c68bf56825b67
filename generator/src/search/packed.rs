//! One occurrence of a key in a mentor (key, field, position) packed into one integer whose
//! order is (key, [`positions::sort_key`]): sorting plain integers is several times faster
//! than sorting tuples by a key function, and a mentor's keys are sorted once per build.
//!
//! Two widths. `u64` holds positions below [`U64_POSITIONS`] (every real field: a bio is a
//! few thousand characters), and sorts in about half the time of `u128`, which holds any
//! position and is used when a field is longer.

use super::normalize::Key;
use super::positions::Occurrence;

/// Positions a `u64` can hold: 64 bits = two chars (21 each) + field (3) + position (19).
pub const U64_POSITIONS: usize = 1 << 19;

pub trait Packed: Ord + Copy {
    fn pack(key: Key, occurrence: Occurrence) -> Self;
    /// The key's bits alone: equal for two occurrences of one key.
    fn key_bits(self) -> u64;
    fn key(self) -> Key;
    fn occurrence(self) -> Occurrence;
}

fn char_at(bits: u64) -> char {
    char::from_u32((bits & 0x1F_FFFF) as u32).expect("a packed char")
}

/// Chars at 43 and 22, field at 19, then the position as (p % 8, p / 8) in 3 + 16 bits: that
/// order is [`positions::sort_key`]'s, and it is a bijection for p below 2^19.
impl Packed for u64 {
    fn pack(key: Key, (field, pos): Occurrence) -> u64 {
        debug_assert!((pos as usize) < U64_POSITIONS && field < 8);
        ((key.0 as u64) << 43)
            | ((key.1 as u64) << 22)
            | ((field as u64) << 19)
            | (((pos % 8) as u64) << 16)
            | (pos / 8) as u64
    }

    fn key_bits(self) -> u64 {
        self >> 22
    }

    fn key(self) -> Key {
        (char_at(self >> 43), char_at(self >> 22))
    }

    fn occurrence(self) -> Occurrence {
        let pos = ((self >> 16) & 7) as u32 | ((self & 0xFFFF) as u32) << 3;
        (((self >> 19) & 7) as u8, pos)
    }
}

/// Chars at 59 and 38, field at 35, position % 8 at 32, then the whole position.
impl Packed for u128 {
    fn pack(key: Key, (field, pos): Occurrence) -> u128 {
        debug_assert!(field < 8);
        ((key.0 as u128) << 59)
            | ((key.1 as u128) << 38)
            | ((field as u128) << 35)
            | (((pos % 8) as u128) << 32)
            | pos as u128
    }

    fn key_bits(self) -> u64 {
        (self >> 38) as u64
    }

    fn key(self) -> Key {
        (char_at((self >> 59) as u64), char_at((self >> 38) as u64))
    }

    fn occurrence(self) -> Occurrence {
        (((self >> 35) & 7) as u8, self as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::UNIGRAM;
    use super::super::positions;
    use super::*;

    fn sorted<P: Packed>(tuples: &[(Key, Occurrence)]) -> Vec<(Key, Occurrence)> {
        let mut packed: Vec<P> = tuples.iter().map(|&(k, o)| P::pack(k, o)).collect();
        packed.sort_unstable();
        packed.iter().map(|p| (p.key(), p.occurrence())).collect()
    }

    fn by_tuples(tuples: &[(Key, Occurrence)]) -> Vec<(Key, Occurrence)> {
        let mut tuples = tuples.to_vec();
        tuples.sort_unstable_by_key(|(k, o)| (*k, positions::sort_key(o)));
        tuples
    }

    #[test]
    fn both_widths_sort_like_their_tuples() {
        let last = U64_POSITIONS as u32 - 1;
        let tuples = [
            (('b', 'a'), (0u8, 9u32)),
            (('b', 'a'), (0, 1)),
            (('a', UNIGRAM), (4, 70_000)),
            (('z', 'z'), (1, 8)),
            (('b', 'a'), (0, 17)),
            (('b', 'a'), (0, last)),
            (('b', 'a'), (0, last - 7)),
            (('\u{10FFFF}', '\u{10FFFE}'), (7, last)),
        ];
        assert_eq!(sorted::<u64>(&tuples), by_tuples(&tuples));
        assert_eq!(sorted::<u128>(&tuples), by_tuples(&tuples));
    }

    #[test]
    fn the_wide_form_holds_any_position() {
        let tuples = [
            (('b', 'a'), (0u8, u32::MAX)),
            (('b', 'a'), (0, U64_POSITIONS as u32 + 1)),
            (('b', 'a'), (0, 1)),
        ];
        assert_eq!(sorted::<u128>(&tuples), by_tuples(&tuples));
    }

    #[test]
    fn occurrences_of_one_key_share_key_bits_and_no_other_key_does() {
        let one = |k: Key, o: Occurrence| (u64::pack(k, o).key_bits(), u128::pack(k, o).key_bits());
        assert_eq!(one(('a', 'b'), (0, 3)), one(('a', 'b'), (4, 90_000)));
        assert_ne!(one(('a', 'b'), (0, 3)), one(('a', 'c'), (0, 3)));
        assert_ne!(one(('a', UNIGRAM), (0, 3)), one(('b', UNIGRAM), (0, 3)));
    }
}
