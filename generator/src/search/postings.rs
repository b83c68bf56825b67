//! The bytes of the index's lists: key (bigram or single character) → mentors and the fields
//! it occurs in ([`super::invert`] builds the lists).

use super::invert::KeyList;
use super::normalize::{Key, UNIGRAM};

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

/// A key's list is stored with its mentors as a bitset once this many postings per mentor make
/// the bitset (`ceil(docs/8)` bytes) smaller than one delta byte per posting.
fn use_bitset(postings: usize, docs: u32) -> bool {
    postings * 8 >= docs as usize
}

/// One postings shard: `varint keyCount`, then per key `varint c1, varint c2 (0 = single
/// character), varint byteLength, varint count` and `byteLength` bytes of list:
///
/// 1. the mentors, ascending: if `count * 8 >= docs` a bitset of `ceil(docs/8)` bytes (bit
///    `d % 8` of byte `d / 8` = mentor d; a key found in most mentors costs 1,250 bytes at
///    10,000 instead of one byte per mentor), else `count` × `varint delta` (from the previous
///    mentor, the first from 0);
/// 2. per field (name, title, labels, summary, bio), a bitset of `ceil(count/8)` bytes over the
///    list: bit j = the j-th mentor has the key in that field (see [`Posting`]);
/// 3. bigrams only: per field, one `u8 positionBits` for each posting with that field bit, in
///    list order;
/// 4. bigrams only: the exact positions ([`positions`]), to the end of `byteLength`.
///
/// Streams of like bytes (all masks, then all positions) compress better than interleaved
/// postings, and byteLength lets a reader index the keys without decoding every list.
pub fn encode_shard(entries: &[(Key, KeyList)], docs: u32) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, entries.len() as u32);
    let mut body = Vec::new();
    for (key, list) in entries {
        body.clear();
        encode_list(&mut body, *key, &list.postings(), docs);
        body.extend_from_slice(&list.exact);
        varint(&mut out, key.0 as u32);
        varint(&mut out, if key.1 == UNIGRAM { 0 } else { key.1 as u32 });
        varint(&mut out, body.len() as u32);
        varint(&mut out, list.len() as u32);
        out.extend_from_slice(&body);
    }
    out
}

/// Bytes [`encode_shard`] spends on one key's list (for sizing and balancing shards).
pub fn list_len(list: &KeyList, docs: u32) -> usize {
    let docs_bytes = if use_bitset(list.len(), docs) {
        (docs as usize).div_ceil(8)
    } else {
        list.delta_bytes()
    };
    docs_bytes + FIELD_COUNT * list.len().div_ceil(8) + list.position_bytes() + list.exact.len()
}

/// Appends `count` mentors (ascending) out of `docs` as part 1 of [`encode_shard`] describes:
/// a bitset when `count * 8 >= docs`, else delta varints.
fn encode_mentors(body: &mut Vec<u8>, count: usize, mentors: impl Iterator<Item = u32>, docs: u32) {
    if use_bitset(count, docs) {
        let start = body.len();
        body.resize(start + (docs as usize).div_ceil(8), 0);
        for doc in mentors {
            body[start + doc as usize / 8] |= 1 << (doc % 8);
        }
    } else {
        let mut prev = 0u32;
        for doc in mentors {
            varint(body, doc - prev);
            prev = doc;
        }
    }
}

/// Appends one key's list, parts 1–3 of what [`encode_shard`] describes, to `body`.
pub fn encode_list(body: &mut Vec<u8>, key: Key, postings: &[Posting], docs: u32) {
    encode_head(body, postings, docs);
    if key.1 != UNIGRAM {
        encode_bits(body, postings);
    }
}

/// Parts 1–2 of a list: its mentors and, per field, which of them hold the key — all a term
/// of one or two characters needs, and the first answer for a longer one.
pub fn encode_head(body: &mut Vec<u8>, postings: &[Posting], docs: u32) {
    encode_mentors(body, postings.len(), postings.iter().map(|p| p.0), docs);
    for f in 0..FIELD_COUNT {
        let start = body.len();
        body.resize(start + postings.len().div_ceil(8), 0);
        for (j, &(_, mask, _)) in postings.iter().enumerate() {
            if mask & (1 << f) != 0 {
                body[start + j / 8] |= 1 << (j % 8);
            }
        }
    }
}

/// Part 3 of a bigram's list: per field, the position byte of each posting carrying it.
pub fn encode_bits(body: &mut Vec<u8>, postings: &[Posting]) {
    for f in 0..FIELD_COUNT {
        for &(_, mask, positions) in postings {
            if mask & (1 << f) != 0 {
                body.push(positions[f]);
            }
        }
    }
}

/// Where one key's list lies in `postings.bin` (a sharded index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub key: Key,
    /// Mentors in the list.
    pub count: u32,
    /// Byte offset of the list's gzip member in `postings.bin` (not stored: lists of one
    /// directory are contiguous).
    pub offset: usize,
    /// Length of the gzip member of its head (mentors and field bits, parts 1–2).
    pub length: usize,
    /// Length of the gzip member of its position bits (part 3), right after the head (0:
    /// none, a single character).
    pub bits_length: usize,
    /// Length of the gzip member of its exact positions (part 4), right after the bits (0:
    /// none).
    pub exact_length: usize,
}

/// A directory file (`k/{n}.bin`, before gzip): the keys whose [`super::normalize::key_hash`] `% directories`
/// is n, sorted, whose lists lie back to back in `postings.bin` from `base`:
/// `varint entryCount, varint base`, then per key `varint c1Delta (from the previous entry's
/// first character, the first from 0), varint c2 (0 = single character), varint count,
/// varint length, varint bitsLength, varint exactLength`. A key's list starts where the
/// previous key's exact positions ended. The browser fetches bytes `offset .. offset +
/// length` of `postings.bin` with an HTTP Range request: one gzip member holding parts 1–2 of
/// the list [`encode_shard`] describes, enough for a term of one or two characters and for the
/// first answer to a longer one. To confirm a term of three or more characters it then reads
/// the next `bitsLength` bytes (part 3) of each of the term's bigrams and the `exactLength`
/// bytes after them (part 4) of the bigrams that cover it.
pub fn encode_directory(entries: &[DirectoryEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, entries.len() as u32);
    varint(&mut out, entries.first().map_or(0, |e| e.offset) as u32);
    let (mut prev_c1, mut next_offset) = (0u32, entries.first().map_or(0, |e| e.offset));
    for e in entries {
        assert_eq!(
            e.offset, next_offset,
            "a directory's lists lie back to back"
        );
        varint(&mut out, e.key.0 as u32 - prev_c1);
        varint(
            &mut out,
            if e.key.1 == UNIGRAM {
                0
            } else {
                e.key.1 as u32
            },
        );
        varint(&mut out, e.count);
        varint(&mut out, e.length as u32);
        varint(&mut out, e.bits_length as u32);
        varint(&mut out, e.exact_length as u32);
        prev_c1 = e.key.0 as u32;
        next_offset = e.offset + e.length + e.bits_length + e.exact_length;
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
    use crate::search::positions;

    #[test]
    fn sparse_lists_are_delta_varints_then_field_bitsets_then_positions_by_field() {
        let list = |key, postings: &[Posting], exact: Vec<u8>| {
            (key, KeyList::from_postings(key, postings, exact))
        };
        let entries = vec![
            list(('a', UNIGRAM), &[(3, 16, [0; 5]), (200, 1, [0; 5])], vec![]),
            list(
                ('a', 'b'),
                &[(7, 2 | 16, [0, 0b1001, 0, 0, 0b100])],
                vec![0, 2, 4],
            ),
        ];
        // 1,000 mentors: both lists sparse. 'a'=97, 0, byteLength 8 (3 | 197 as 2 bytes |
        // name bits 0b10, title 0, labels 0, summary 0, bio 0b01), count 2; 'a','b'=98,
        // byteLength 11 (7 | 0, 1, 0, 0, 1 | title positions, bio positions | exact), count 1.
        assert_eq!(
            encode_shard(&entries, 1000),
            vec![
                2, 97, 0, 8, 2, 3, 0xC5, 0x01, 0b10, 0, 0, 0, 0b01, //
                97, 98, 11, 1, 7, 0, 1, 0, 0, 1, 0b1001, 0b100, 0, 2, 4
            ]
        );
    }

    #[test]
    fn a_key_in_an_eighth_of_the_mentors_or_more_lists_them_as_a_bitset() {
        let postings: Vec<Posting> = [0u32, 5, 9, 15]
            .iter()
            .map(|&d| (d, 16, [0, 0, 0, 0, 1 << (d % 8)]))
            .collect();
        let list = KeyList::from_postings(('x', 'y'), &postings, Vec::new());
        let bytes = encode_shard(&[(('x', 'y'), list.clone())], 16);
        // header: 1 key, 'x', 'y', byteLength 2 + 5 + 4, count 4
        assert_eq!(&bytes[..5], &[1, 120, 121, 11, 4]);
        assert_eq!(
            &bytes[5..7],
            &[0b0010_0001, 0b1000_0010],
            "mentors 0, 5, 9, 15"
        );
        assert_eq!(&bytes[7..12], &[0, 0, 0, 0, 0b1111], "all four in the bio");
        assert_eq!(&bytes[12..], &[1, 1 << 5, 1 << 1, 1 << 7]);
        assert_eq!(list_len(&list, 16), 11);
    }

    #[test]
    fn a_directory_stores_all_three_lengths_and_first_character_deltas_from_one_base() {
        let entries = [
            DirectoryEntry {
                key: ('a', UNIGRAM),
                count: 3,
                offset: 300,
                length: 20,
                bits_length: 0,
                exact_length: 0,
            },
            DirectoryEntry {
                key: ('c', 'd'),
                count: 1,
                offset: 320,
                length: 130,
                bits_length: 7,
                exact_length: 5,
            },
        ];
        assert_eq!(
            encode_directory(&entries),
            vec![2, 0xAC, 0x02, 97, 0, 3, 20, 0, 0, 2, 100, 1, 0x82, 0x01, 7, 5]
        );
    }

    fn key_of(s: &str) -> Key {
        let mut chars = s.chars();
        (chars.next().unwrap(), chars.next().unwrap_or(UNIGRAM))
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The same bytes search-index.js is tested to decode (tests/e2e/unit/postings.test.js).
    #[test]
    fn encoder_writes_the_shared_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("postings_vectors.json")).unwrap();
        for case in v["lists"].as_array().unwrap() {
            let key = key_of(case["key"].as_str().unwrap());
            let postings: Vec<Posting> = serde_json::from_value(case["postings"].clone()).unwrap();
            let mut body = Vec::new();
            encode_list(
                &mut body,
                key,
                &postings,
                case["docs"].as_u64().unwrap() as u32,
            );
            assert_eq!(hex(&body), case["hex"], "list of {key:?}");
            let Some(exact) = case.get("exact") else {
                continue;
            };
            let exact: Vec<Vec<positions::Occurrence>> =
                serde_json::from_value(exact.clone()).unwrap();
            let mut stream = Vec::new();
            for (mut occurrences, (_, mask, bits)) in exact.into_iter().zip(&postings) {
                for &(f, pos) in &occurrences {
                    assert!(mask & (1 << f) != 0 && bits[f as usize] & (1 << (pos % 8)) != 0);
                }
                occurrences.sort_unstable_by_key(positions::sort_key);
                positions::encode(&mut stream, &occurrences);
            }
            assert_eq!(hex(&stream), case["exactHex"], "exact positions of {key:?}");
        }
        let dir = &v["directory"];
        let entries: Vec<DirectoryEntry> = dir["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| DirectoryEntry {
                key: key_of(e["key"].as_str().unwrap()),
                count: e["n"].as_u64().unwrap() as u32,
                offset: e["offset"].as_u64().unwrap() as usize,
                length: e["length"].as_u64().unwrap() as usize,
                bits_length: e["bitsLength"].as_u64().unwrap() as usize,
                exact_length: e["exactLength"].as_u64().unwrap() as usize,
            })
            .collect();
        assert_eq!(hex(&encode_directory(&entries)), dir["hex"]);
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
