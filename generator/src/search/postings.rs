//! The inverted index: key (bigram or single character) → mentors and the fields it occurs in.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::normalize::{key_hash, normalize, positioned_keys, Key, UNIGRAM};

/// One posting: a mentor (index in `Content::mentors`), a mask of the fields holding the key
/// (bit i = field i), and per field the key's positions modulo 8 as bits (bigrams only).
///
/// The position bits let the browser reject a mentor whose field holds a term's bigrams but
/// not next to each other (名前299 for the query 名前2999): the bigrams of a term must occur at
/// consecutive positions, so their bits, each rotated by its offset in the term, must share
/// one bit. Exact for fields under 8 characters, a strong filter above that.
pub type Posting = (u32, u8, [u8; FIELD_COUNT]);

/// Fields per mentor (name, title, labels, summary, bio).
pub const FIELD_COUNT: usize = 5;

/// A key's field mask and per-field position bits within one mentor.
type Occurrence = (u8, [u8; FIELD_COUNT]);

/// Key → postings, each list in ascending mentor order.
pub type Inverted = HashMap<Key, Vec<Posting>, KeyHash>;

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

/// Inverts every mentor's field texts (fields in `FIELDS` order, `bits[i]` their mask bits).
pub fn invert(docs: &[[String; FIELD_COUNT]]) -> Inverted {
    let per_doc: Vec<Vec<(Key, Occurrence)>> = docs
        .par_iter()
        .map(|fields| {
            let mut masks: HashMap<Key, Occurrence, KeyHash> = HashMap::default();
            for (f, text) in fields.iter().enumerate() {
                for (key, pos) in positioned_keys(&normalize(text)) {
                    let entry = masks.entry(key).or_default();
                    entry.0 |= 1 << f;
                    if key.1 != UNIGRAM {
                        entry.1[f] |= 1 << (pos % 8);
                    }
                }
            }
            masks.into_iter().collect()
        })
        .collect();
    let mut inverted: Inverted = HashMap::default();
    for (doc, entries) in per_doc.into_iter().enumerate() {
        for (key, (mask, positions)) in entries {
            inverted
                .entry(key)
                .or_default()
                .push((doc as u32, mask, positions));
        }
    }
    inverted
}

/// Splits the index into `shards` buckets by [`key_hash`], keys sorted within each bucket.
pub fn bucket(inverted: Inverted, shards: u32) -> Vec<Vec<(Key, Vec<Posting>)>> {
    let mut out: Vec<Vec<(Key, Vec<Posting>)>> = (0..shards).map(|_| Vec::new()).collect();
    for (key, postings) in inverted {
        out[(key_hash(key) % shards) as usize].push((key, postings));
    }
    for b in &mut out {
        b.sort_unstable_by_key(|(k, _)| *k);
    }
    out
}

/// One postings shard: `varint keyCount`, then per key `varint c1, varint c2 (0 = single
/// character), varint byteLength, varint count`, then `count` × `varint mentorDelta, u8 mask`
/// plus, for bigrams only, one `u8 positionBits` per field bit set in the mask, lowest field
/// first (see [`Posting`]); the delta is from the previous
/// mentor in the list, the first from 0. byteLength covers the
/// postings so a reader can index the keys without decoding every list.
pub fn encode_shard(entries: &[(Key, Vec<Posting>)]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, entries.len() as u32);
    let mut body = Vec::new();
    for (key, postings) in entries {
        body.clear();
        let mut prev = 0u32;
        for &(doc, mask, positions) in postings {
            varint(&mut body, doc - prev);
            body.push(mask);
            if key.1 != UNIGRAM {
                for (f, &p) in positions.iter().enumerate() {
                    if mask & (1 << f) != 0 {
                        body.push(p);
                    }
                }
            }
            prev = doc;
        }
        varint(&mut out, key.0 as u32);
        varint(&mut out, if key.1 == UNIGRAM { 0 } else { key.1 as u32 });
        varint(&mut out, body.len() as u32);
        varint(&mut out, postings.len() as u32);
        out.extend_from_slice(&body);
    }
    out
}

/// LEB128: 7 bits per byte, high bit set on every byte but the last.
pub fn varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
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
        assert_eq!(inv[&('育', '休')], vec![(0, 1 | 16, [1, 0, 0, 0, 1])]);
        assert_eq!(inv[&('理', UNIGRAM)], vec![(1, 1, [0; 5])]);
        assert_eq!(
            inv[&('休', 'か')],
            vec![(0, 16, [0, 0, 0, 0, 0b10])],
            "bio position 1"
        );
    }

    #[test]
    fn katakana_and_full_width_are_indexed_in_their_folded_form() {
        let inv = invert(&docs(&[("", "シングルマザーでＩＴ")]));
        assert!(inv.contains_key(&('し', 'ん')));
        assert!(inv.contains_key(&('i', 't')));
        assert!(!inv.contains_key(&('シ', 'ン')));
    }

    #[test]
    fn shard_encoding_is_delta_varint_with_byte_lengths() {
        let entries = vec![
            (('a', UNIGRAM), vec![(3, 16, [0; 5]), (200, 1, [0; 5])]),
            (('a', 'b'), vec![(7, 2 | 16, [0, 0b1001, 0, 0, 0b100])]),
        ];
        // 2 keys; 'a'=97, 0, byteLength 5 (3,16 | 197 as 2 bytes, 1), count 2;
        // 'a','b'=98, byteLength 4 (7, mask, title positions, bio positions), count 1
        assert_eq!(
            encode_shard(&entries),
            vec![2, 97, 0, 5, 2, 3, 16, 0xC5, 0x01, 1, 97, 98, 4, 1, 7, 18, 0b1001, 0b100]
        );
    }

    #[test]
    fn varint_round_numbers() {
        let mut v = Vec::new();
        varint(&mut v, 127);
        varint(&mut v, 128);
        varint(&mut v, 0x4E00);
        assert_eq!(v, vec![0x7F, 0x80, 0x01, 0x80, 0x9C, 0x01]);
    }
}
