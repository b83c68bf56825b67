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
//! field, its positions modulo 8 as a bit set, and a term's bigrams must sit at consecutive positions
//! (after rotating each by its offset in the term), so a field holding 新幹 … 幹線 apart, or
//! 名前299 for the query 名前2999, does not match. Exact for fields under 8 characters (names,
//! titles); for longer fields a 1-in-8-ish chance per stray pair remains, where full positions
//! would roughly double the index.
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
//!   `accepting`; `count` = mentors with that value, unfiltered), `layout` (below), `stamp`
//!   (content hash appended as `?v=` to the other files for cache busting).
//! - Every other file is **gzip-compressed binary or JSON** (stored compressed, so a host needs
//!   no configuration and the bytes on disk are the bytes transferred; the browser inflates
//!   them with `DecompressionStream`). Their inflated contents:
//!   - *facets*: per facet (meta order), per mentor (index order), a little-endian bitset of
//!     `ceil(values/8)` bytes ([`facets::encode`]).
//!   - *postings shard*: keys whose [`normalize::key_hash`] `% shards` is the shard number
//!     ([`postings::encode_shard`] documents the bytes).
//!   - *docs shard*: JSON `[[slug, name, title, summary, bio], …]` for mentors
//!     `n*docShardSize ..`, for snippets and for cards the page does not already hold.
//! - `layout` is either `{"single": "index.bin"}` — one file: `u32le len` + facets,
//!   `u32le len` + the only postings shard, then the only docs shard — chosen while that file
//!   stays under [`SINGLE_FILE_LIMIT`] compressed; or `{"facets": "facets.bin",
//!   "postingShards": P, "postings": "p/{}.bin", "docShardSize": S, "docShards": D,
//!   "docs": "d/{}.bin"}` where `{}` is the shard number. P and D are sized so the whole index
//!   stays within ~300 files.

pub mod document;
pub mod facets;
pub mod normalize;
pub mod postings;

use std::io::Write;

use flate2::{write::GzEncoder, Compression};
use rayon::prelude::*;
use serde_json::json;

use crate::content::Content;
use crate::output::OutputFile;

use document::{field_texts, FIELDS};

/// Above this compressed size a single file would make the first query too heavy (the target
/// is 100 KB including the script), so the index is sharded.
pub const SINGLE_FILE_LIMIT: usize = 80 * 1024;

/// At most this many postings shards: with the doc shards and the two fixed files it keeps the
/// index under 300 files even at 100,000 mentors.
const MAX_POSTING_SHARDS: u32 = 256;
/// Raw (uncompressed) postings bytes aimed for per shard (≈ 15 KB gzip).
const POSTING_SHARD_TARGET: usize = 40 * 1024;
const MAX_DOC_SHARDS: usize = 32;
const MIN_DOC_SHARD_SIZE: usize = 32;

/// Builds every file of the search index for `content` (paths relative to the output root).
pub fn build_index(content: &Content) -> Vec<OutputFile> {
    let taxonomy = &content.taxonomy;
    let texts: Vec<[String; postings::FIELD_COUNT]> = content
        .mentors
        .par_iter()
        .map(|m| field_texts(m, taxonomy))
        .collect();
    let facet_values: Vec<Vec<Vec<usize>>> = content
        .mentors
        .iter()
        .map(|m| facets::mentor_values(m, taxonomy))
        .collect();
    let facet_defs = facets::definitions(taxonomy, &facet_values);
    let facet_bytes = facets::encode(&facet_defs, &facet_values);
    let docs: Vec<serde_json::Value> = content
        .mentors
        .iter()
        .map(|m| json!([m.slug, m.front.name, m.front.title, m.summary, m.bio_text]))
        .collect();
    let inverted = postings::invert(&texts);
    let raw_postings: usize = inverted.values().map(|p| 8 + p.len() * 3).sum::<usize>();

    let mut files = Vec::new();
    let mut layout = None;
    if raw_postings / 3 < SINGLE_FILE_LIMIT * 2 {
        let shard = postings::encode_shard(&postings::bucket(inverted.clone(), 1)[0]);
        let mut raw = Vec::new();
        raw.extend_from_slice(&(facet_bytes.len() as u32).to_le_bytes());
        raw.extend_from_slice(&facet_bytes);
        raw.extend_from_slice(&(shard.len() as u32).to_le_bytes());
        raw.extend_from_slice(&shard);
        raw.extend_from_slice(&serde_json::to_vec(&docs).expect("JSON of strings"));
        let single = gzip(&raw);
        if single.len() <= SINGLE_FILE_LIMIT {
            files.push(OutputFile::bytes("search/index.bin", single));
            layout = Some(json!({"single": "index.bin"}));
        }
    }
    let layout = match layout {
        Some(l) => l,
        None => sharded(&mut files, inverted, raw_postings, &facet_bytes, &docs),
    };

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
        "layout": layout,
        "stamp": format!("{stamp:08x}"),
    });
    files.push(OutputFile::bytes(
        "search/meta.json",
        serde_json::to_vec(&meta).expect("JSON of plain data"),
    ));
    files
}

fn sharded(
    files: &mut Vec<OutputFile>,
    inverted: postings::Inverted,
    raw_postings: usize,
    facet_bytes: &[u8],
    docs: &[serde_json::Value],
) -> serde_json::Value {
    let shards = (raw_postings / POSTING_SHARD_TARGET).clamp(1, MAX_POSTING_SHARDS as usize) as u32;
    let buckets = postings::bucket(inverted, shards);
    let posting_files: Vec<OutputFile> = buckets
        .par_iter()
        .enumerate()
        .map(|(i, entries)| {
            OutputFile::bytes(
                format!("search/p/{i}.bin"),
                gzip(&postings::encode_shard(entries)),
            )
        })
        .collect();
    let doc_shard_size = docs.len().div_ceil(MAX_DOC_SHARDS).max(MIN_DOC_SHARD_SIZE);
    let doc_files: Vec<OutputFile> = docs
        .par_chunks(doc_shard_size)
        .enumerate()
        .map(|(i, chunk)| {
            let json = serde_json::to_vec(chunk).expect("JSON of strings");
            OutputFile::bytes(format!("search/d/{i}.bin"), gzip(&json))
        })
        .collect();
    let doc_shards = doc_files.len();
    files.push(OutputFile::bytes("search/facets.bin", gzip(facet_bytes)));
    files.extend(posting_files);
    files.extend(doc_files);
    json!({
        "facets": "facets.bin",
        "postingShards": shards,
        "postings": "p/{}.bin",
        "docShardSize": doc_shard_size,
        "docShards": doc_shards,
        "docs": "d/{}.bin",
    })
}

/// Level 3: at 10,000 mentors it costs ~1 CPU-second less than level 6 for ~4% more bytes.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(3));
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
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
