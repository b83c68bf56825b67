//! The inversion: every mentor's field texts → key (bigram or single character) → her list.
//!
//! Memory is what limits the size of a build (100,000 mentors hold ~80 million postings), so
//! - mentors are tokenised a chunk at a time ([`CHUNK`]), and only that chunk's keys are held
//!   before they join the lists;
//! - a list is kept packed, as bytes ([`KeyList`]): ~3 bytes a posting instead of a 12-byte
//!   tuple, decoded again one key at a time while the index files are written;
//! - the key space is split into [`PARTS`] maps by a hash of the key, so both cores merge a
//!   chunk into the lists at once, each into its own maps, and postings stay in mentor order.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::ops::Range;

use rayon::prelude::*;

use super::normalize::{each_key, normalize_chars, Key, UNIGRAM};
use super::packed::{Packed, U64_POSITIONS};
use super::positions;
use super::postings::{varint, Posting, FIELD_COUNT};

/// Mentors tokenised before their keys join the lists: enough to keep both cores busy, and
/// few enough that their keys (~32 bytes each, ~1,000 a mentor: ~8 MB) are still in the cache
/// when they are merged. At 2,048 (64 MB) the merge read them back from memory and took twice
/// as long (a check at 10,000: 2.51 s user against 2.25 s at 256, same binary).
const CHUNK: usize = 256;

/// Maps the key space is split into (each merged by one task).
const PARTS: usize = 32;

/// Keys are two chars hashed millions of times per build; SipHash's DoS resistance buys nothing
/// here (the content is the staff's own), so a multiply-rotate hash (as in rustc's FxHash)
/// roughly halves the inversion time at 10,000 mentors.
pub type KeyHash = BuildHasherDefault<KeyHasher>;

#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(b as u32);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One key's list, packed: per posting `varint(mentor - previous mentor)`, the field mask,
/// and for a bigram one position byte per field in the mask ([`Posting`]); then, apart, the
/// exact positions ([`positions`]), one posting after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyList {
    packed: Vec<u8>,
    count: u32,
    last: u32,
    /// Bytes of `packed` that are mentor deltas.
    deltas: u32,
    bigram: bool,
    /// The exact-position stream (empty for single characters).
    pub exact: Vec<u8>,
}

impl KeyList {
    pub fn new(key: Key) -> Self {
        KeyList {
            packed: Vec::new(),
            count: 0,
            last: 0,
            deltas: 0,
            bigram: key.1 != UNIGRAM,
            exact: Vec::new(),
        }
    }

    /// A list from whole postings (ascending mentors) and their exact stream.
    pub fn from_postings(key: Key, postings: &[Posting], exact: Vec<u8>) -> Self {
        let mut list = KeyList::new(key);
        for &p in postings {
            list.push(p, &[]);
        }
        list.exact = exact;
        list
    }

    /// Appends a posting for a mentor after every mentor already in the list.
    fn push(&mut self, (doc, mask, bits): Posting, exact: &[u8]) {
        debug_assert!(self.count == 0 || doc > self.last, "mentors ascend");
        let before = self.packed.len();
        varint(
            &mut self.packed,
            doc - if self.count == 0 { 0 } else { self.last },
        );
        self.deltas += (self.packed.len() - before) as u32;
        self.packed.push(mask);
        if self.bigram {
            for (f, &b) in bits.iter().enumerate() {
                if mask & (1 << f) != 0 {
                    self.packed.push(b);
                }
            }
        }
        self.count += 1;
        self.last = doc;
        self.exact.extend_from_slice(exact);
    }

    /// Mentors in the list.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes the mentors take as delta varints.
    pub fn delta_bytes(&self) -> usize {
        self.deltas as usize
    }

    /// Position bytes (one per field of each posting, bigrams only).
    pub fn position_bytes(&self) -> usize {
        self.packed.len() - self.deltas as usize - self.len()
    }

    /// The postings, unpacked.
    pub fn postings(&self) -> Vec<Posting> {
        let mut out = Vec::with_capacity(self.len());
        let (mut i, mut doc) = (0, 0u32);
        while i < self.packed.len() {
            let (delta, used) = read_varint(&self.packed[i..]);
            i += used;
            doc += delta;
            let mask = self.packed[i];
            i += 1;
            let mut bits = [0u8; FIELD_COUNT];
            if self.bigram {
                for (f, b) in bits.iter_mut().enumerate() {
                    if mask & (1 << f) != 0 {
                        *b = self.packed[i];
                        i += 1;
                    }
                }
            }
            out.push((doc, mask, bits));
        }
        out
    }
}

fn read_varint(bytes: &[u8]) -> (u32, usize) {
    let (mut n, mut shift) = (0u32, 0);
    for (i, &b) in bytes.iter().enumerate() {
        n |= ((b & 0x7F) as u32) << shift;
        if b & 0x80 == 0 {
            return (n, i + 1);
        }
        shift += 7;
    }
    unreachable!("a packed list ends every varint")
}

/// Key → its list, in [`PARTS`] maps by key hash.
#[derive(Debug, Clone, Default)]
pub struct Inverted {
    parts: Vec<HashMap<Key, KeyList, KeyHash>>,
    /// Every mentor's Latin words ([`latin_words`]), sorted, once each.
    pub words: Vec<String>,
}

impl Inverted {
    pub fn get(&self, key: &Key) -> Option<&KeyList> {
        self.parts.get(part(*key))?.get(key)
    }

    pub fn contains_key(&self, key: &Key) -> bool {
        self.get(key).is_some()
    }

    /// Every key with its list, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &KeyList)> {
        self.parts.iter().flat_map(|p| p.iter())
    }

    /// Keys in the index.
    pub fn len(&self) -> usize {
        self.parts.iter().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every key with its list, in no particular order.
    pub fn into_lists(self) -> Vec<(Key, KeyList)> {
        self.parts.into_iter().flatten().collect()
    }

    /// Every key with its list, sorted by key.
    pub fn into_sorted(self) -> Vec<(Key, KeyList)> {
        let mut all = self.into_lists();
        all.sort_unstable_by_key(|(k, _)| *k);
        all
    }
}

impl std::ops::Index<&Key> for Inverted {
    type Output = KeyList;

    fn index(&self, key: &Key) -> &KeyList {
        self.get(key).expect("key in the index")
    }
}

fn part(key: Key) -> usize {
    (KeyHash::default().hash_one(key) % PARTS as u64) as usize
}

/// Inverts every mentor's field texts (fields in `FIELDS` order).
pub fn invert(docs: &[[String; FIELD_COUNT]]) -> Inverted {
    invert_with(docs.len(), |i| docs[i].clone())
}

/// Inverts `count` mentors, asking `texts(i)` for mentor i's field texts a chunk at a time.
pub fn invert_with<F>(count: usize, texts: F) -> Inverted
where
    F: Fn(usize) -> [String; FIELD_COUNT] + Sync,
{
    let mut parts: Vec<HashMap<Key, KeyList, KeyHash>> =
        (0..PARTS).map(|_| HashMap::default()).collect();
    let mut words = std::collections::BTreeSet::new();
    for start in (0..count).step_by(CHUNK) {
        let end = (start + CHUNK).min(count);
        let chunk: Vec<MentorKeys> = (start..end)
            .into_par_iter()
            .map(|i| mentor_keys(&texts(i)))
            .collect();
        parts.par_iter_mut().enumerate().for_each(|(p, map)| {
            for (i, mentor) in chunk.iter().enumerate() {
                let doc = (start + i) as u32;
                for (key, (mask, bits), exact) in
                    &mentor.entries[mentor.parts[p]..mentor.parts[p + 1]]
                {
                    map.entry(*key)
                        .or_insert_with(|| KeyList::new(*key))
                        .push((doc, *mask, *bits), &mentor.arena[exact.clone()]);
                }
            }
        });
        for mentor in chunk {
            words.extend(mentor.words);
        }
    }
    Inverted {
        parts,
        words: words.into_iter().collect(),
    }
}

/// A key's field mask and per-field position bits within one mentor.
type Occurrence = (u8, [u8; FIELD_COUNT]);

type Entry = (Key, Occurrence, Range<usize>);

/// One mentor's keys grouped by part: (key, occurrence, range of its exact stream in
/// `arena`), part p's keys at `entries[parts[p]..parts[p + 1]]`.
struct MentorKeys {
    entries: Vec<Entry>,
    arena: Vec<u8>,
    parts: [usize; PARTS + 1],
    /// Her Latin words of [`TYPO_MIN`]+ letters (the browser corrects typing mistakes to them).
    words: Vec<String>,
}

/// Latin words shorter than this are not corrected (one edit would make them anything).
pub const TYPO_MIN: usize = 4;

/// The maximal runs of a–z in normalised characters with at least [`TYPO_MIN`] letters,
/// appended to `out`.
pub fn latin_words(chars: &[char], out: &mut Vec<String>) {
    for run in chars.split(|c| !c.is_ascii_lowercase()) {
        if run.len() >= TYPO_MIN {
            out.push(run.iter().collect());
        }
    }
}

/// One mentor's keys, each with its field mask, position bits and exact positions. Sorting
/// every (key, field, position) once groups a key's occurrences in the order the exact stream
/// is written, without a map or an allocation per key; the keys are then dealt to their parts.
fn mentor_keys(fields: &[String; FIELD_COUNT]) -> MentorKeys {
    let normalized: Vec<Vec<char>> = fields.iter().map(|t| normalize_chars(t)).collect();
    let mut words = Vec::new();
    for chars in &normalized {
        latin_words(chars, &mut words);
    }
    words.sort_unstable();
    words.dedup();
    let (entries, arena, parts) = if normalized.iter().all(|c| c.len() < U64_POSITIONS) {
        grouped::<u64>(&normalized)
    } else {
        grouped::<u128>(&normalized)
    };
    MentorKeys {
        entries,
        arena,
        parts,
        words,
    }
}

type Grouped = (Vec<Entry>, Vec<u8>, [usize; PARTS + 1]);

fn grouped<P: Packed>(normalized: &[Vec<char>]) -> Grouped {
    // Two keys (its unigram, a bigram) at most per character.
    let mut all: Vec<P> = Vec::with_capacity(normalized.iter().map(|c| 2 * c.len()).sum());
    for (f, chars) in normalized.iter().enumerate() {
        each_key(chars, |key, pos| {
            all.push(P::pack(key, (f as u8, pos as u32)))
        });
    }
    all.sort_unstable();
    let mut by_key = Vec::new();
    let mut arena = Vec::new();
    let mut occurrences = Vec::new();
    for group in all.chunk_by(|a, b| a.key_bits() == b.key_bits()) {
        let key = group[0].key();
        let mut occurrence: Occurrence = (0, [0; FIELD_COUNT]);
        occurrences.clear();
        occurrences.extend(group.iter().map(|p| p.occurrence()));
        for &(f, pos) in &occurrences {
            occurrence.0 |= 1 << f;
            if key.1 != UNIGRAM {
                occurrence.1[f as usize] |= 1 << (pos % 8);
            }
        }
        let start = arena.len();
        if key.1 != UNIGRAM {
            positions::encode(&mut arena, &occurrences);
        }
        by_key.push((key, occurrence, start..arena.len()));
    }
    // Dealt to parts in one counting pass; within a part, key order (it does not matter: each
    // part's keys go into a map).
    let of: Vec<usize> = by_key.iter().map(|e| part(e.0)).collect();
    let mut parts = [0; PARTS + 1];
    for &p in &of {
        parts[p + 1] += 1;
    }
    for p in 1..=PARTS {
        parts[p] += parts[p - 1];
    }
    let mut next = parts;
    let mut slots: Vec<Option<Entry>> = vec![None; by_key.len()];
    for (entry, p) in by_key.into_iter().zip(of) {
        slots[next[p]] = Some(entry);
        next[p] += 1;
    }
    let entries = slots
        .into_iter()
        .map(|e| e.expect("every slot dealt"))
        .collect();
    (entries, arena, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[(&str, &str)]) -> Vec<[String; FIELD_COUNT]> {
        texts
            .iter()
            .map(|(name, bio)| {
                [
                    name.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    bio.to_string(),
                ]
            })
            .collect()
    }

    #[test]
    fn a_key_in_two_fields_of_one_mentor_is_one_posting_with_both_bits() {
        let inv = invert(&docs(&[("育休", "育休から復帰"), ("理系", "")]));
        assert_eq!(
            inv[&('育', '休')].postings(),
            vec![(0, 1 | 16, [1, 0, 0, 0, 1])]
        );
        assert_eq!(inv[&('理', UNIGRAM)].postings(), vec![(1, 1, [0; 5])]);
        assert_eq!(
            inv[&('休', 'か')].postings(),
            vec![(0, 16, [0, 0, 0, 0, 0b10])],
            "bio position 1"
        );
    }

    #[test]
    fn exact_positions_follow_each_posting_and_unigrams_have_none() {
        // 育休 in mentor 0: name at 0, bio at 0 and 9 (residues 0 and 1); mentor 1: bio at 8.
        let inv = invert(&docs(&[
            ("育休", "育休から復帰した。育休"),
            ("", "一二三四五六七八育休"),
        ]));
        let list = &inv[&('育', '休')];
        assert_eq!(
            list.postings(),
            vec![(0, 1 | 16, [1, 0, 0, 0, 0b11]), (1, 16, [0, 0, 0, 0, 1])]
        );
        // name r0 q0 | bio r0 q0, r1 q1 | bio r0 q1
        assert_eq!(list.exact, vec![0, 0, 2, 2]);
        assert!(inv[&('育', UNIGRAM)].exact.is_empty());
    }

    #[test]
    fn katakana_and_full_width_are_indexed_in_their_folded_form() {
        let inv = invert(&docs(&[("", "シングルマザーでＩＴ")]));
        assert!(inv.contains_key(&('し', 'ん')));
        assert!(inv.contains_key(&('i', 't')));
        assert!(!inv.contains_key(&('シ', 'ン')));
    }

    #[test]
    fn lists_keep_mentor_order_across_chunks_and_parts() {
        // More mentors than a chunk, each with a key of her own (CJK extension A from U+3400:
        // no variant kanji, no 共 or 通) and one they all share.
        let texts: Vec<[String; FIELD_COUNT]> = (0..CHUNK * 2 + 5)
            .map(|i| {
                let own = char::from_u32(0x3400 + i as u32).unwrap();
                [
                    format!("共通{own}"),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            })
            .collect();
        let inv = invert(&texts);
        let shared = inv[&('共', '通')].postings();
        assert_eq!(shared.len(), texts.len());
        assert!(shared
            .iter()
            .enumerate()
            .all(|(i, p)| p.0 == i as u32 && p.1 == 1 && p.2[0] == 1));
        let last = char::from_u32(0x3400 + texts.len() as u32 - 1).unwrap();
        assert_eq!(
            inv[&(last, UNIGRAM)].postings(),
            vec![(texts.len() as u32 - 1, 1, [0; 5])]
        );
        for i in 0..texts.len() {
            let own = char::from_u32(0x3400 + i as u32).unwrap();
            assert!(inv.contains_key(&(own, UNIGRAM)), "{i} unigram");
            assert!(inv.contains_key(&('通', own)), "{i} bigram");
        }
        assert_eq!(
            inv.len(),
            3 + 2 * texts.len(),
            "共通, 共, 通, and per mentor her character and 通 + it"
        );
    }

    #[test]
    fn latin_words_are_runs_of_four_or_more_ascii_letters() {
        let chars: Vec<char> = "it企業でmanagerとして、product-owner 4年 abcd"
            .chars()
            .collect();
        let mut words = Vec::new();
        latin_words(&chars, &mut words);
        assert_eq!(words, ["manager", "product", "owner", "abcd"]);
    }

    #[test]
    fn both_packings_group_a_mentor_alike() {
        let fields = &docs(&[("育休 太郎", "育休から復帰した。育休の話、manager経験も")])[0];
        let normalized: Vec<Vec<char>> = fields.iter().map(|t| normalize_chars(t)).collect();
        assert_eq!(grouped::<u64>(&normalized), grouped::<u128>(&normalized));
    }

    #[test]
    fn a_field_too_long_for_the_narrow_packing_keeps_its_far_positions() {
        let bio = "あ".repeat(U64_POSITIONS) + "育休";
        let inv = invert(&docs(&[("", &bio)]));
        let list = &inv[&('育', '休')];
        assert_eq!(list.postings(), vec![(0, 16, [0, 0, 0, 0, 1])]);
        let mut exact = Vec::new();
        varint(&mut exact, (U64_POSITIONS as u32 / 8) << 1);
        assert_eq!(list.exact, exact, "residue 0, quotient 2^16");
    }

    #[test]
    fn packed_lists_unpack_to_the_postings_they_were_given() {
        let postings = vec![
            (3, 16, [0, 0, 0, 0, 7]),
            (200, 1 | 4, [9, 0, 2, 0, 0]),
            (70_000, 2, [0, 5, 0, 0, 0]),
        ];
        let list = KeyList::from_postings(('a', 'b'), &postings, vec![1, 2]);
        assert_eq!(list.postings(), postings);
        assert_eq!(list.len(), 3);
        let unigram = KeyList::from_postings(('a', UNIGRAM), &[(1, 1, [0; 5])], Vec::new());
        assert_eq!(
            unigram.position_bytes(),
            0,
            "no position bytes for a single character"
        );
        assert_eq!((list.delta_bytes(), list.position_bytes()), (1 + 2 + 3, 4));
    }
}
