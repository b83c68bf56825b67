//! The client-side search index: `build_index(content)` → files under `search/`, read by
//! `templates/static/search.js` on the directory page.
//!
//! # Matching
//! Text is normalised (NFKC, lower case, katakana → hiragana; see [`normalize`]) and cut into
//! *runs* of letters/digits. The index keys are every bigram of a run and every single
//! character. A query is normalised the same way; each run is a term, terms are ANDed. A term
//! of one character needs its unigram; a longer term needs all its bigrams **in the same field**
//! of the same mentor. That finds every substring of a name, title, vocabulary label, summary or
//! bio, in any script or width; tokenizer disagreement (Pagefind's 新幹線 → 新 + 幹線) cannot
//! happen because nothing is segmented into words. Each bigram posting also carries, per
//! field, its positions modulo 8 as a bit set, and a term's bigrams must sit at consecutive
//! positions (after rotating each by its offset in the term), so a field holding 新幹 … 幹線
//! apart, or 名前299 for the query 名前2999, does not match. That is exact for fields under 8
//! characters; for longer fields stray bigrams can agree modulo 8, so the rest of each
//! position ([`positions`]) is stored too. A sharded index keeps both apart from each key's
//! mentors and field bits: the browser shows a first answer from those (the mentors with every
//! bigram of the term in one field), then reads the bits and positions of a term of three or
//! more characters and confirms the results with them: the final answer is exact. (At 100,000
//! mentors the bits are two thirds of a common bigram's bytes; full positions in the first
//! read would have doubled it again.)
//!
//! # Ranking
//! A term scores the highest weight among the fields it matched in (name 10, title 6,
//! labels 6, summary 3, bio 1; [`document::FIELDS`]); a mentor's score is the sum over terms.
//! Ties keep catalogue order (by slug).
//!
//! # Files (all under `search/`)
//! - `meta.json` (plain JSON, always): `version` (1), `docs` (mentor count), `slugHash`
//!   (FNV-1a 32 of the slugs joined by `\n`, UTF-8: lets the browser check that the page's
//!   cards are in index order), `fields` (`[{name, bit, weight}]`), `facets`
//!   (`[{key, label, multi, dir, values: [{id, label, count}]}]`, the six taxonomy facets then
//!   `accepting`; `count` = mentors with that value, unfiltered), `aliases` (the taxonomy's alias groups,
//!   normalised, the label word first), `words` (`{file, count, min}` when there are any: the gzip
//!   JSON list of Latin words of 4+ letters in the index and the aliases, which the browser
//!   reads to correct a typing mistake of a query word of `min`+ letters), `layout` (below), `stamp`
//!   (content hash appended as `?v=` to the other files for cache busting).
//! - Every other file is **gzip-compressed binary or JSON** (stored compressed, so a host needs
//!   no configuration and the bytes on disk are the bytes transferred; the browser inflates
//!   them with `DecompressionStream`). Their inflated contents:
//!   - *facets*: per facet (meta order), per mentor (index order), a little-endian bitset of
//!     `ceil(values/8)` bytes; a facet of one value, one bit per mentor ([`facets::encode`]).
//!   - *postings shard* (single layout): every key with its list ([`postings::encode_shard`]
//!     documents the bytes; mentors as delta varints or, for keys in ≥ 1/8 of the mentors, a
//!     bitset; field masks, position bits and exact positions as separate streams).
//!   - *docs*: JSON records `[slug, name, title, summary, bio, values]` ([`docs`]): the cards
//!     of results (the pages hold only their own page of cards), the labels a card matched
//!     through, and the bios snippets are cut from.
//! - `layout` is either `{"single": "index.bin"}` — one file: `u32le len` + facets,
//!   `u32le len` + the only postings shard, then every doc record — chosen while that file
//!   stays under [`SINGLE_FILE_LIMIT`] compressed; or, sharded, `{"facets": "f/{}.bin",
//!   "postings": "postings.bin", "directories": K, "directory":
//!   "k/{}.bin", "cards": "cards.bin", "cardBlock": 4, "cardBlocks": C, "bios": "bios.bin",
//!   "bioBlock": 16, "blockIndex": "blocks.idx"}` where `{}` is a number:
//!   - `f/{n}.bin`: facet n's column alone ([`facets::encode_one`]), fetched when the visitor
//!     filters by it or opens its group;
//!   - `k/{n}.bin`: the directory of keys whose [`normalize::key_hash`] `% K` is n: where
//!     each key's list lies in `postings.bin` ([`postings::encode_directory`]);
//!   - `postings.bin`: every key's list as gzip members (mentors and field bits; position
//!     bits; exact positions: [`postings::encode_directory`]), read with HTTP Range
//!     requests, so a query downloads exactly its keys' lists (Range is served by every
//!     static host: S3/CloudFront, nginx, GitHub Pages, `generator serve`; a host that
//!     ignores it makes the browser read the file up to the list's end).
//!
//!   - `cards.bin`, `bios.bin`, `blocks.idx`: the doc records in small blocks read by Range
//!     ([`docs`] documents the bytes).
//!
//!   K ≤ 250 at 10,000 mentors and ≤ 960 at any size keep the index within ~265 and ~975
//!   files.

pub mod docs;
pub mod document;
pub mod facets;
pub mod gzip;
pub mod invert;
pub mod normalize;
pub mod packed;
pub mod positions;
pub mod postings;

use rayon::prelude::*;
use serde_json::json;

use crate::content::Content;
use crate::output::OutputFile;

use document::{field_texts, FIELDS};
use gzip::gzip_level;
use normalize::{key_hash, Key};
use postings::DirectoryEntry;

/// Above this compressed size a single file would make the first query too heavy (the target
/// is 100 KB including the script), so the index is sharded.
pub const SINGLE_FILE_LIMIT: usize = 80 * 1024;

/// Keys per directory file (≈ 0.2 KB gzip): a query reads one directory file per key, so
/// the fewer keys share one, the fewer bytes a query reads for keys it does not need (at
/// 100,000 synthetic mentors, 64 keys a file cost 5–13 KB of directories per query).
const KEYS_PER_DIRECTORY: usize = 16;
/// At most this many directory files for `docs` mentors (a large vocabulary fills them past 16
/// keys each): the index's file budget grows with the catalogue, ≤ 300 files at 10,000 mentors
/// (issue 3) and ≤ 1,000 at any size (issue 16), with the docs files, the facet columns and
/// meta.json beside them.
fn max_directories(docs: usize) -> usize {
    (docs / 40).clamp(200, 960)
}

/// Builds every file of the search index for `content` (paths relative to the output root).
pub fn build_index(content: &Content) -> Vec<OutputFile> {
    let taxonomy = &content.taxonomy;
    let facet_values: Vec<Vec<Vec<usize>>> = content
        .mentors
        .iter()
        .map(|m| facets::mentor_values(m, taxonomy))
        .collect();
    let facet_defs = facets::definitions(taxonomy, &facet_values);
    let facet_bytes = facets::encode(&facet_defs, &facet_values);
    let mut inverted = invert::invert_with(content.mentors.len(), |i| {
        field_texts(&content.mentors[i], taxonomy)
    });
    let aliases = aliases(taxonomy);
    let words = typo_words(std::mem::take(&mut inverted.words), &aliases);
    let n_docs = content.mentors.len() as u32;
    let raw_postings: usize = inverted
        .iter()
        .map(|(_, list)| 8 + postings::list_len(list, n_docs))
        .sum::<usize>();

    let mut files = Vec::new();
    let mut layout = None;
    if raw_postings / 3 < SINGLE_FILE_LIMIT * 2 {
        let shard = postings::encode_shard(&inverted.clone().into_sorted(), n_docs);
        let mut raw = Vec::new();
        raw.extend_from_slice(&(facet_bytes.len() as u32).to_le_bytes());
        raw.extend_from_slice(&facet_bytes);
        raw.extend_from_slice(&(shard.len() as u32).to_le_bytes());
        raw.extend_from_slice(&shard);
        let docs: Vec<serde_json::Value> = content
            .mentors
            .iter()
            .zip(&facet_values)
            .map(|(m, values)| docs::record(m, values, true))
            .collect();
        raw.extend_from_slice(&serde_json::to_vec(&docs).expect("JSON of plain data"));
        let single = gzip(&raw);
        if single.len() <= SINGLE_FILE_LIMIT {
            files.push(OutputFile::bytes("search/index.bin", single));
            layout = Some(json!({"single": "index.bin"}));
        }
    }
    let layout = match layout {
        Some(l) => l,
        None => sharded(
            &mut files,
            inverted,
            &facet_defs,
            &facet_values,
            &content.mentors,
        ),
    };

    let words = (!words.is_empty()).then(|| {
        files.push(OutputFile::bytes(
            format!("search/{WORDS_FILE}"),
            gzip_level(
                &serde_json::to_vec(&words).expect("JSON of strings"),
                POSTINGS_GZIP_LEVEL,
            ),
        ));
        json!({"file": WORDS_FILE, "count": words.len(), "min": invert::TYPO_MIN})
    });
    let stamp = files.iter().fold(0x811c_9dc5u32, |h, f| match &f.body {
        crate::output::OutputBody::Bytes(b) => fnv1a(h, b),
        crate::output::OutputBody::Copy(_) => h,
    });
    let slugs: Vec<&str> = content.mentors.iter().map(|m| m.slug.as_str()).collect();
    let meta = json!({
        "version": 1,
        "docs": content.mentors.len(),
        "slugHash": fnv1a(0x811c_9dc5, slugs.join("\n").as_bytes()),
        "fields": FIELDS.iter().map(|f| json!({"name": f.name, "bit": f.bit, "weight": f.weight})).collect::<Vec<_>>(),
        "facets": facet_defs,
        "aliases": aliases,
        "words": words,
        "layout": layout,
        "stamp": format!("{stamp:08x}"),
    });
    files.push(OutputFile::bytes(
        "search/meta.json",
        serde_json::to_vec(&meta).expect("JSON of plain data"),
    ));
    files
}

/// The Latin words a typing mistake is corrected to, read only for a query with such a word.
const WORDS_FILE: &str = "words.bin";

/// The index's Latin words and the aliases' ([`invert::latin_words`]), sorted, once each.
fn typo_words(mut words: Vec<String>, aliases: &[Vec<String>]) -> Vec<String> {
    for group in aliases {
        for alias in group {
            invert::latin_words(&alias.chars().collect::<Vec<_>>(), &mut words);
        }
    }
    words.sort_unstable();
    words.dedup();
    words
}

/// The taxonomy's alias groups, normalised, each word first: the browser searches a query
/// word that is (or, from three characters, begins) one of them as every word of its group.
fn aliases(taxonomy: &mikke_catalog::Taxonomy) -> Vec<Vec<String>> {
    taxonomy
        .aliases
        .iter()
        .map(|(word, list)| {
            let mut group: Vec<String> = Vec::new();
            for w in std::iter::once(word).chain(list) {
                let n = normalize::normalize(w);
                if !n.is_empty() && !group.contains(&n) {
                    group.push(n);
                }
            }
            group
        })
        .collect()
}

fn sharded(
    files: &mut Vec<OutputFile>,
    inverted: invert::Inverted,
    facet_defs: &[facets::FacetMeta],
    facet_values: &[Vec<Vec<usize>>],
    mentors: &[crate::content::Mentor],
) -> serde_json::Value {
    let n_docs = mentors.len() as u32;
    // Each key's list compressed on its own, so a query reads exactly its keys' bytes: its
    // mentors and field bits in one member, then its position bits and its exact positions in
    // two more, read only to confirm a term of three or more characters. (At 100,000 mentors
    // the bits of a common bigram are most of its list; a first answer does without them.)
    // Each list is dropped once encoded, so the packed lists give way to their compressed bytes.
    let mut lists: Vec<(Key, u32, [Vec<u8>; 3])> = inverted
        .into_lists()
        .into_par_iter()
        .map(|(key, list)| {
            let postings = list.postings();
            let mut head = Vec::new();
            postings::encode_head(&mut head, &postings, n_docs);
            let member = |raw: &[u8]| {
                if raw.is_empty() {
                    Vec::new()
                } else {
                    gzip_level(raw, POSTINGS_GZIP_LEVEL)
                }
            };
            let mut bits = Vec::new();
            if key.1 != normalize::UNIGRAM {
                postings::encode_bits(&mut bits, &postings);
            }
            let members = [member(&head), member(&bits), member(&list.exact)];
            (key, list.len() as u32, members)
        })
        .collect();
    let dirs = lists
        .len()
        .div_ceil(KEYS_PER_DIRECTORY)
        .clamp(1, max_directories(mentors.len())) as u32;
    // Grouped by directory, sorted within: each directory's lists lie back to back.
    lists.sort_unstable_by_key(|(key, ..)| (key_hash(*key) % dirs, *key));
    let mut postings_file = Vec::new();
    let mut directories: Vec<Vec<DirectoryEntry>> = (0..dirs).map(|_| Vec::new()).collect();
    for (key, count, [head, bits, exact]) in &lists {
        directories[(key_hash(*key) % dirs) as usize].push(DirectoryEntry {
            key: *key,
            count: *count,
            offset: postings_file.len(),
            length: head.len(),
            bits_length: bits.len(),
            exact_length: exact.len(),
        });
        for member in [head, bits, exact] {
            postings_file.extend_from_slice(member);
        }
    }
    files.push(OutputFile::bytes("search/postings.bin", postings_file));
    for (i, entries) in directories.iter().enumerate() {
        files.push(OutputFile::bytes(
            format!("search/k/{i}.bin"),
            gzip_level(&postings::encode_directory(entries), POSTINGS_GZIP_LEVEL),
        ));
    }
    for (f, def) in facet_defs.iter().enumerate() {
        let column = facets::encode_one(def, f, facet_values);
        files.push(OutputFile::bytes(
            format!("search/f/{f}.bin"),
            gzip_level(&column, POSTINGS_GZIP_LEVEL),
        ));
    }
    let docs = docs::sharded(mentors, facet_values, gzip);
    files.push(OutputFile::bytes("search/cards.bin", docs.cards));
    files.push(OutputFile::bytes("search/bios.bin", docs.bios));
    files.push(OutputFile::bytes("search/blocks.idx", docs.index));
    json!({
        "facets": "f/{}.bin",
        "postings": "postings.bin",
        "directories": dirs,
        "directory": "k/{}.bin",
        "cards": "cards.bin",
        "cardBlock": docs::CARD_BLOCK,
        "cardBlocks": docs.card_blocks,
        "bios": "bios.bin",
        "bioBlock": docs::BIO_BLOCK,
        "blockIndex": "blocks.idx",
    })
}

/// Postings, directories and facets are read on a visitor's first query, so they get the
/// smallest gzip that is worth its time. Delta varints leave a matcher little to find: at
/// 10,000 mentors postings.bin is 6.310 MB at level 6 (9 saves 0.05 %), 6.326 MB at level 2
/// (+0.25 %) for 3 % less CPU in a check; level 1 (fixed codes) makes it 8.9 MB.
const POSTINGS_GZIP_LEVEL: u32 = 2;

/// Level 3: at 10,000 mentors it costs ~1 CPU-second less than level 6 for ~4% more bytes;
/// level 2 saves no time measurably and makes bios.bin 8 % larger.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    gzip_level(bytes, 3)
}

/// FNV-1a 32 over bytes, continuing from `h`.
fn fnv1a(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests;
