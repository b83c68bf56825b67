//! What the browser shows for a result: each mentor's card data and her bio (for snippets).
//!
//! The directory pages hold only their own page of cards, so with JavaScript the results are
//! drawn from this data. A record is `[slug, name, title, summary, bio, values]`, `values`
//! being her value indexes per meta.json facet (`facets[f].values`), the last one the
//! accepting toggle (`[0]` or `[]`). A card shows the first industry, the company size and the
//! tags; a card found only through a label says which of her labels hold the query
//! (「該当：…」), from the same record — no facet data needs to be read for it.
//!
//! A small index keeps every record (bio included) in its one file. A sharded one keeps
//! them where a query can read just the ones it shows, by HTTP Range:
//! - `cards.bin`: one gzip member per block of [`CARD_BLOCK`] mentors, a JSON array of their
//!   records with the bio left empty — a first page of 30 results reads ≤ 30 small members;
//! - `bios.bin`: one gzip member per block of [`BIO_BLOCK`] mentors, a JSON array of bios,
//!   read only for the cards whose match is in the bio;
//! - `blocks.idx`: little-endian u32 offsets: card blocks `0..=cardBlocks` (the last is the
//!   end of cards.bin), then bio blocks `0..=bioBlocks`. Block b lies between entries b and
//!   b + 1: the browser reads those 8 bytes, then the member.

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::content::Mentor;

/// Mentors per card block: ~1 KB of JSON, ~0.6 KB gzip.
pub const CARD_BLOCK: usize = 4;
/// Mentors per bio block: bios are long and read rarely; bigger blocks compress better.
pub const BIO_BLOCK: usize = 16;

/// One mentor's record; `values`: her facet value indexes ([`super::facets::mentor_values`]).
pub fn record(mentor: &Mentor, values: &[Vec<usize>], with_bio: bool) -> Value {
    json!([
        mentor.slug,
        mentor.front.name,
        mentor.front.title,
        mentor.summary,
        if with_bio {
            mentor.bio_text.as_str()
        } else {
            ""
        },
        values,
    ])
}

/// The three files of a sharded index and the layout entries that name them.
pub struct Sharded {
    pub cards: Vec<u8>,
    pub bios: Vec<u8>,
    pub index: Vec<u8>,
    pub card_blocks: usize,
    pub bio_blocks: usize,
}

pub fn sharded(
    mentors: &[Mentor],
    values: &[Vec<Vec<usize>>],
    gzip: fn(&[u8]) -> Vec<u8>,
) -> Sharded {
    let card_members: Vec<Vec<u8>> = (0..mentors.len().div_ceil(CARD_BLOCK))
        .into_par_iter()
        .map(|b| {
            let range = b * CARD_BLOCK..((b + 1) * CARD_BLOCK).min(mentors.len());
            let records: Vec<Value> = range
                .map(|d| record(&mentors[d], &values[d], false))
                .collect();
            gzip(&serde_json::to_vec(&records).expect("JSON of plain data"))
        })
        .collect();
    let bio_members: Vec<Vec<u8>> = mentors
        .par_chunks(BIO_BLOCK)
        .map(|chunk| {
            let bios: Vec<&str> = chunk.iter().map(|m| m.bio_text.as_str()).collect();
            gzip(&serde_json::to_vec(&bios).expect("JSON of strings"))
        })
        .collect();
    let mut index = Vec::with_capacity(4 * (card_members.len() + bio_members.len() + 2));
    let concat = |members: &[Vec<u8>], index: &mut Vec<u8>| {
        let mut file = Vec::new();
        for m in members {
            index.extend_from_slice(&(file.len() as u32).to_le_bytes());
            file.extend_from_slice(m);
        }
        index.extend_from_slice(&(file.len() as u32).to_le_bytes());
        file
    };
    let cards = concat(&card_members, &mut index);
    let bios = concat(&bio_members, &mut index);
    Sharded {
        cards,
        bios,
        index,
        card_blocks: card_members.len(),
        bio_blocks: bio_members.len(),
    }
}
