//! Builder tests: hand-built content in, decoded index files out.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use mikke_catalog::{Matching, Taxonomy};

use super::docs;
use super::normalize::{key_hash, normalize, runs, term_keys, Key, UNIGRAM};
use super::postings::{Posting, FIELD_COUNT};
use super::*;
use crate::content::{Content, Mentor, MentorFrontMatter, SiteConfig};
use crate::output::OutputBody;

fn content(mentors: Vec<Mentor>) -> Content {
    Content {
        root: PathBuf::from("."),
        site: SiteConfig {
            title: "mikke".into(),
            tagline: String::new(),
            base_url: "https://example.invalid/".into(),
            api_url: "/api".into(),
            contact_email: "info@example.invalid".into(),
            briefings: Vec::new(),
            mail: None,
            page_size: crate::content::DEFAULT_PAGE_SIZE,
        },
        taxonomy: Taxonomy::parse(include_str!("../../../content/taxonomy.yaml")).unwrap(),
        matching: Matching::parse(include_str!("../../../content/matching.yaml")).unwrap(),
        mentors,
        pages: Vec::new(),
        mail: None,
        consent: None,
    }
}

fn mentor(slug: &str, name: &str, title: &str, bio: &str) -> Mentor {
    Mentor {
        slug: slug.into(),
        source: format!("content/mentors/{slug}.md").into(),
        front: MentorFrontMatter {
            name: name.into(),
            name_kana: None,
            title: title.into(),
            industry: "it".into(),
            company_size: "sme".into(),
            age_band: "40s".into(),
            job_functions: vec!["sales".into()],
            topics: vec!["confidence".into()],
            tags: Vec::new(),
            accepting: true,
            capacity: 3,
            summary: None,
            photo: None,
        },
        summary: bio.chars().take(20).collect(),
        bio_html: String::new(),
        bio_text: bio.into(),
    }
}

fn sample() -> Vec<Mentor> {
    let mut a = mentor(
        "aoki",
        "青木 春香",
        "開発部 マネージャー",
        "大学で化学を学び、メーカーの研究所へ。",
    );
    a.front.tags = vec!["stem".into()];
    a.front.industry = "manufacturing".into();
    a.front.company_size = "large".into();
    let mut b = mentor(
        "sato",
        "佐藤 由紀",
        "営業部 部長",
        "育休から復帰して営業で管理職に。ＤＸ推進も担当。",
    );
    b.front.tags = vec!["parenting".into(), "single_mother".into()];
    b.front.job_functions = vec!["sales".into(), "planning".into()];
    let mut c = mentor(
        "tanaka",
        "田中 ミキ",
        "人事部 課長",
        "シングルマザーとして働き、Marketing も経験。",
    );
    c.front.accepting = false;
    c.front.job_functions = vec!["hr".into()];
    vec![a, b, c]
}

fn file<'a>(files: &'a [OutputFile], path: &str) -> &'a [u8] {
    match &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} built"))
        .body
    {
        OutputBody::Bytes(b) => b,
        OutputBody::Copy(p) => panic!("{path} is a copy of {}", p.display()),
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> u32 {
    let (mut n, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*pos];
        *pos += 1;
        n |= ((b & 0x7f) as u32) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

/// Exact positions of one posting, per field.
type Exact = [Vec<u32>; FIELD_COUNT];

/// Decodes a postings shard the way search-index.js does (`docs` = mentor count): each key's
/// postings and, for bigrams, their exact positions.
fn decode_shard(bytes: &[u8], docs: u32) -> HashMap<Key, (Vec<Posting>, Vec<Exact>)> {
    let mut pos = 0;
    let mut out = HashMap::new();
    for _ in 0..read_varint(bytes, &mut pos) {
        let c1 = char::from_u32(read_varint(bytes, &mut pos)).unwrap();
        let c2 = match read_varint(bytes, &mut pos) {
            0 => UNIGRAM,
            c => char::from_u32(c).unwrap(),
        };
        let len = read_varint(bytes, &mut pos) as usize;
        let count = read_varint(bytes, &mut pos) as usize;
        let end = pos + len;
        let mut list: Vec<Posting> = Vec::with_capacity(count);
        if count * 8 >= docs as usize {
            let width = (docs as usize).div_ceil(8);
            for d in 0..docs {
                if bytes[pos + d as usize / 8] & (1 << (d % 8)) != 0 {
                    list.push((d, 0, [0; FIELD_COUNT]));
                }
            }
            pos += width;
        } else {
            let mut doc = 0;
            for _ in 0..count {
                doc += read_varint(bytes, &mut pos);
                list.push((doc, 0, [0; FIELD_COUNT]));
            }
        }
        assert_eq!(list.len(), count, "the bitset holds count mentors");
        for f in 0..FIELD_COUNT {
            for (j, p) in list.iter_mut().enumerate() {
                if bytes[pos + j / 8] & (1 << (j % 8)) != 0 {
                    p.1 |= 1 << f;
                }
            }
            pos += count.div_ceil(8);
        }
        let mut exact: Vec<Exact> = Vec::new();
        if c2 != UNIGRAM {
            for f in 0..FIELD_COUNT {
                for p in list.iter_mut().filter(|p| p.1 & (1 << f) != 0) {
                    p.2[f] = bytes[pos];
                    pos += 1;
                }
            }
            // positions.rs: per posting, field, residue: quotient deltas with a `more` bit.
            for &(_, mask, bits) in &list {
                let mut fields: Exact = Default::default();
                for f in (0..FIELD_COUNT).filter(|f| mask & (1 << f) != 0) {
                    for r in (0..8).filter(|r| bits[f] & (1 << r) != 0) {
                        let mut q = 0;
                        loop {
                            let v = read_varint(bytes, &mut pos);
                            q += v >> 1;
                            fields[f].push(q * 8 + r);
                            if v & 1 == 0 {
                                break;
                            }
                        }
                    }
                    fields[f].sort_unstable();
                }
                exact.push(fields);
            }
        }
        assert_eq!(pos, end, "byteLength matches the postings");
        out.insert((c1, c2), (list, exact));
    }
    out
}

/// Index read back: postings of every shard, facet bytes, meta.
struct Decoded {
    meta: serde_json::Value,
    postings: HashMap<Key, Vec<Posting>>,
    exact: HashMap<Key, Vec<Exact>>,
    facets: Vec<u8>,
}

fn decode(files: &[OutputFile]) -> Decoded {
    let meta: serde_json::Value = serde_json::from_slice(file(files, "search/meta.json")).unwrap();
    let layout = &meta["layout"];
    if layout["single"].is_string() {
        let raw = gunzip(file(files, "search/index.bin"));
        let flen = u32::from_le_bytes(raw[0..4].try_into().unwrap()) as usize;
        let facets = raw[4..4 + flen].to_vec();
        let p = 4 + flen;
        let plen = u32::from_le_bytes(raw[p..p + 4].try_into().unwrap()) as usize;
        let postings = decode_shard(
            &raw[p + 4..p + 4 + plen],
            meta["docs"].as_u64().unwrap() as u32,
        );
        let docs: serde_json::Value = serde_json::from_slice(&raw[p + 4 + plen..]).unwrap();
        assert_eq!(
            docs.as_array().unwrap().len(),
            meta["docs"].as_u64().unwrap() as usize
        );
        let (postings, exact) = split(postings);
        Decoded {
            meta,
            postings,
            exact,
            facets,
        }
    } else {
        let dirs = layout["directories"].as_u64().unwrap() as u32;
        let n_docs = meta["docs"].as_u64().unwrap() as u32;
        let all = file(files, "search/postings.bin");
        let mut postings = HashMap::new();
        let mut covered = 0;
        for i in 0..dirs {
            let bytes = gunzip(file(files, &format!("search/k/{i}.bin")));
            let mut pos = 0;
            let entries = read_varint(&bytes, &mut pos);
            let mut offset = read_varint(&bytes, &mut pos) as usize;
            let mut c1 = 0u32;
            for _ in 0..entries {
                c1 += read_varint(&bytes, &mut pos);
                let c1 = char::from_u32(c1).unwrap();
                let c2 = match read_varint(&bytes, &mut pos) {
                    0 => UNIGRAM,
                    c => char::from_u32(c).unwrap(),
                };
                let count = read_varint(&bytes, &mut pos) as usize;
                let length = read_varint(&bytes, &mut pos) as usize;
                let bits_length = read_varint(&bytes, &mut pos) as usize;
                let exact_length = read_varint(&bytes, &mut pos) as usize;
                assert_eq!(
                    c2 == UNIGRAM,
                    exact_length == 0 && bits_length == 0,
                    "{c1}{c2}: position bits and exact positions for bigrams"
                );
                assert_eq!(
                    key_hash((c1, c2)) % dirs,
                    i,
                    "{c1}{c2} in its hash's directory"
                );
                // The Ranges a browser asks for: one gzip member, the key's mentors and field
                // bits; the next two, its position bits and its exact positions.
                let mut list = gunzip(&all[offset..offset + length]);
                let bits_end = offset + length + bits_length;
                let end = bits_end + exact_length;
                if exact_length > 0 {
                    list.extend(gunzip(&all[offset + length..bits_end]));
                    list.extend(gunzip(&all[bits_end..end]));
                }
                let mut shard = Vec::new();
                postings::varint(&mut shard, 1);
                postings::varint(&mut shard, c1 as u32);
                postings::varint(&mut shard, if c2 == UNIGRAM { 0 } else { c2 as u32 });
                postings::varint(&mut shard, list.len() as u32);
                postings::varint(&mut shard, count as u32);
                shard.extend_from_slice(&list);
                postings.extend(decode_shard(&shard, n_docs));
                covered += length + bits_length + exact_length;
                offset = end;
            }
        }
        assert_eq!(covered, all.len(), "the directories cover postings.bin");
        let facets = (0..meta["facets"].as_array().unwrap().len())
            .flat_map(|f| gunzip(file(files, &format!("search/f/{f}.bin"))))
            .collect();
        let (postings, exact) = split(postings);
        Decoded {
            meta,
            postings,
            exact,
            facets,
        }
    }
}

type Split = (HashMap<Key, Vec<Posting>>, HashMap<Key, Vec<Exact>>);

fn split(lists: HashMap<Key, (Vec<Posting>, Vec<Exact>)>) -> Split {
    let mut postings = HashMap::new();
    let mut exact = HashMap::new();
    for (key, (p, e)) in lists {
        postings.insert(key, p);
        exact.insert(key, e);
    }
    (postings, exact)
}

/// The browser's first stage: every term's keys present in one common field, bigrams at
/// consecutive positions modulo 8. A superset of [`search`].
fn candidates(d: &Decoded, query: &str) -> Vec<u32> {
    let mut result: Option<Vec<u32>> = None;
    for term in runs(&normalize(query)) {
        let mut masks: Option<HashMap<u32, (u8, [u8; FIELD_COUNT])>> = None;
        for (i, key) in term_keys(&term).into_iter().enumerate() {
            let list: HashMap<u32, (u8, [u8; FIELD_COUNT])> = d
                .postings
                .get(&key)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|(doc, mask, pos)| (doc, (mask, pos.map(|p| p.rotate_right(i as u32)))))
                .collect();
            masks = Some(match masks {
                None => list,
                Some(m) => m
                    .into_iter()
                    .filter_map(|(doc, (mask, pos))| {
                        let (b, p) = list.get(&doc)?;
                        let mut both = mask & b;
                        let mut joint = [0u8; FIELD_COUNT];
                        for f in 0..FIELD_COUNT {
                            joint[f] = pos[f] & p[f];
                            if joint[f] == 0 {
                                both &= !(1 << f);
                            }
                        }
                        (both != 0).then_some((doc, (both, joint)))
                    })
                    .collect(),
            });
        }
        let docs: Vec<u32> = masks.unwrap_or_default().into_keys().collect();
        result = Some(and(result, docs));
    }
    result.unwrap_or_default()
}

/// The browser's final answer: a term's bigrams at consecutive exact positions of one field
/// (a single character: its unigram anywhere); terms ANDed.
fn search(d: &Decoded, query: &str) -> Vec<u32> {
    let mut result: Option<Vec<u32>> = None;
    for term in runs(&normalize(query)) {
        let keys = term_keys(&term);
        let lists = |key: &Key| {
            let postings = d.postings.get(key).cloned().unwrap_or_default();
            let exact = d.exact.get(key).cloned().unwrap_or_default();
            (postings, exact)
        };
        let (first, first_exact) = lists(&keys[0]);
        // doc → per field, the term's possible start positions so far.
        let mut starts: HashMap<u32, Exact> = first
            .iter()
            .enumerate()
            .map(|(j, p)| (p.0, first_exact.get(j).cloned().unwrap_or_default()))
            .collect();
        if keys[0].1 == UNIGRAM {
            result = Some(and(result, starts.into_keys().collect()));
            continue;
        }
        for (i, key) in keys.iter().enumerate().skip(1) {
            let (postings, exact) = lists(key);
            let at: HashMap<u32, &Exact> = postings.iter().map(|p| p.0).zip(&exact).collect();
            starts = starts
                .into_iter()
                .filter_map(|(doc, mut fields)| {
                    let theirs = at.get(&doc)?;
                    for (f, s) in fields.iter_mut().enumerate() {
                        s.retain(|p| theirs[f].contains(&(p + i as u32)));
                    }
                    fields
                        .iter()
                        .any(|s| !s.is_empty())
                        .then_some((doc, fields))
                })
                .collect();
        }
        result = Some(and(result, starts.into_keys().collect()));
    }
    result.unwrap_or_default()
}

/// `docs` sorted, kept only where `so_far` (if any) has them too.
fn and(so_far: Option<Vec<u32>>, mut docs: Vec<u32>) -> Vec<u32> {
    docs.sort_unstable();
    match so_far {
        None => docs,
        Some(r) => r.into_iter().filter(|d| docs.contains(d)).collect(),
    }
}

#[test]
fn substrings_in_any_script_or_width_find_the_mentor() {
    let d = decode(&build_index(&content(sample())));
    assert_eq!(search(&d, "育休"), vec![1]);
    assert_eq!(search(&d, "そだて"), Vec::<u32>::new());
    assert_eq!(
        search(&d, "しんぐるまざー"),
        vec![1, 2],
        "tag label of sato, bio of tanaka"
    );
    assert_eq!(search(&d, "ｼﾝｸﾞﾙ"), vec![1, 2]);
    assert_eq!(search(&d, "dx"), vec![1]);
    assert_eq!(search(&d, "ＭＡＲＫＥＴ"), vec![2]);
    assert_eq!(search(&d, "化"), vec![0], "one character uses the unigram");
    assert_eq!(search(&d, "ミキ"), vec![2]);
}

#[test]
fn bigrams_of_a_term_must_be_adjacent_not_just_present() {
    let mentors = vec![
        mentor("a", "名前299", "", ""),
        mentor("b", "名前2999", "", ""),
        mentor("c", "新幹 と 幹線", "", ""),
    ];
    let d = decode(&build_index(&content(mentors)));
    assert_eq!(search(&d, "名前2999"), vec![1]);
    assert_eq!(search(&d, "名前299"), vec![0, 1]);
    assert_eq!(search(&d, "新幹線"), Vec::<u32>::new());
}

#[test]
fn bigrams_agreeing_modulo_8_but_apart_are_rejected_by_the_exact_positions() {
    // 新幹 at 0 and 幹線 at 9: the position bits agree (0 and 9 − 1 ≡ 0), the text does not.
    let mentors = vec![
        mentor("a", "", "", "新幹ですがそれとは幹線"),
        mentor("b", "", "", "ここから新幹線です"),
    ];
    let d = decode(&build_index(&content(mentors)));
    assert_eq!(
        candidates(&d, "新幹線"),
        vec![0, 1],
        "the first stage admits both"
    );
    assert_eq!(search(&d, "新幹線"), vec![1]);
    assert_eq!(search(&d, "幹線"), vec![0, 1]);
}

#[test]
fn a_vocabulary_label_finds_mentors_whose_text_never_says_it() {
    let d = decode(&build_index(&content(sample())));
    assert_eq!(search(&d, "理系"), vec![0]);
    assert_eq!(search(&d, "中小企業"), vec![1, 2]);
    assert_eq!(search(&d, "経営企画"), vec![1]);
}

#[test]
fn space_separated_terms_are_anded() {
    let d = decode(&build_index(&content(sample())));
    assert_eq!(
        search(&d, "営業"),
        vec![0, 1],
        "aoki's job function label is 営業"
    );
    assert_eq!(search(&d, "営業 育休"), vec![1]);
    assert_eq!(search(&d, "営業　人事"), Vec::<u32>::new());
}

#[test]
fn field_masks_say_where_a_key_occurs() {
    let d = decode(&build_index(&content(sample())));
    let name_bit = FIELDS[0].bit;
    let bio_bit = FIELDS[4].bit;
    assert_eq!(
        d.postings[&('青', '木')],
        vec![(0, name_bit, [1, 0, 0, 0, 0])]
    );
    assert_eq!(
        d.postings[&('化', '学')],
        vec![(0, bio_bit | FIELDS[3].bit, [0, 0, 0, 1 << 3, 1 << 3])]
    );
}

#[test]
fn facets_carry_labels_counts_and_one_bitset_per_mentor() {
    let d = decode(&build_index(&content(sample())));
    let facets = d.meta["facets"].as_array().unwrap();
    let keys: Vec<&str> = facets.iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "industry",
            "company_size",
            "job_functions",
            "age_band",
            "tags",
            "topics",
            "accepting"
        ]
    );
    let industry = &facets[0];
    assert_eq!(industry["values"][0]["id"], "it");
    assert_eq!(industry["values"][0]["label"], "IT・通信");
    assert_eq!(industry["values"][0]["count"], 2);
    assert_eq!(
        facets[6]["values"][0]["count"], 2,
        "tanaka is not accepting"
    );
    // industries: 13 values → 2 bytes per mentor; it = bit 0, manufacturing = bit 1.
    assert_eq!(&d.facets[0..6], &[0b10, 0, 0b1, 0, 0b1, 0]);
    let total: usize = facets
        .iter()
        .map(|f| facets::column_len(f["values"].as_array().unwrap().len(), 3))
        .sum();
    assert_eq!(d.facets.len(), total);
}

#[test]
fn a_small_catalogue_is_one_compressed_file() {
    let files = build_index(&content(sample()));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    // The typo word list stays apart: only a query with a Latin word reads it.
    assert_eq!(
        paths,
        ["search/index.bin", "search/words.bin", "search/meta.json"]
    );
    assert_eq!(
        &file(&files, "search/index.bin")[..2],
        &[0x1f, 0x8b],
        "gzip magic"
    );
}

#[test]
fn latin_words_of_four_letters_and_the_aliases_are_the_typo_list() {
    let files = build_index(&content(sample()));
    let meta: serde_json::Value = serde_json::from_slice(file(&files, "search/meta.json")).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(file(&files, "search/words.bin")),
        &mut raw,
    )
    .unwrap();
    let words: Vec<String> = serde_json::from_slice(&raw).unwrap();
    assert_eq!(meta["words"]["count"], words.len());
    assert_eq!(meta["words"]["min"], invert::TYPO_MIN);
    assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
    assert!(words
        .iter()
        .all(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase())));
    assert!(
        words.contains(&"manager".to_string()),
        "an alias: {words:?}"
    );
}

#[test]
fn a_large_catalogue_is_sharded_within_the_file_budget_and_finds_the_same() {
    let words = [
        "育休",
        "営業",
        "理系",
        "研究",
        "人事",
        "管理職",
        "転職",
        "海外",
        "介護",
        "広報",
    ];
    let mentors: Vec<Mentor> = (0..3000)
        .map(|i| {
            let bio: String = (0..60)
                .map(|j| format!("{}{}の経験。", words[(i * 7 + j * 3) % 10], i * 31 + j))
                .collect();
            let mut m = mentor(&format!("m{i:05}"), &format!("名前{i}"), "部長", &bio);
            if i % 3 == 0 {
                m.front.tags = vec!["stem".into()];
            }
            m
        })
        .collect();
    let files = build_index(&content(mentors));
    assert!(files.len() <= 1000, "{} files", files.len());
    let d = decode(&files);
    assert_eq!(d.meta["layout"]["postings"], "postings.bin");
    let stem: Vec<u32> = (0..3000).filter(|i| i % 3 == 0).collect();
    assert_eq!(search(&d, "理系"), search(&d, "理系"));
    let label_hits = search(&d, "理系");
    assert!(stem.iter().all(|i| label_hits.contains(i)));
    assert_eq!(search(&d, "名前2999"), vec![2999]);
    // Card block 1 = mentors 4..8, found through blocks.idx; bios apart.
    let idx = file(&files, "search/blocks.idx");
    let at = |i: usize| u32::from_le_bytes(idx[4 * i..4 * i + 4].try_into().unwrap()) as usize;
    let cards = gunzip(&file(&files, "search/cards.bin")[at(1)..at(2)]);
    let cards: serde_json::Value = serde_json::from_slice(&cards).unwrap();
    assert_eq!(cards[0][0], "m00004");
    assert_eq!(cards[0][4], "", "no bio in a card block");
    let card_blocks = d.meta["layout"]["cardBlocks"].as_u64().unwrap() as usize;
    assert_eq!(card_blocks, 750);
    let b = card_blocks + 1;
    let bios = gunzip(&file(&files, "search/bios.bin")[at(b)..at(b + 1)]);
    let bios: serde_json::Value = serde_json::from_slice(&bios).unwrap();
    assert_eq!(bios.as_array().unwrap().len(), docs::BIO_BLOCK);
    assert!(bios[4].as_str().unwrap().contains("の経験"), "{}", bios[4]);
}

#[test]
fn a_sharded_cards_record_carries_every_value_of_its_mentor_for_label_matches() {
    let mentors: Vec<Mentor> = (0..3000)
        .map(|i| {
            // Varied numbers make the index too big for one file.
            let bio: String = (0..60)
                .map(|j| format!("経験{}。", i * 61 + j * 7))
                .collect();
            let mut m = mentor(&format!("m{i:05}"), &format!("名前{i}"), "部長", &bio);
            m.front.tags = match i % 40 {
                0 => vec!["stem".into()],
                1..=4 => vec!["parenting".into(), "stem".into()],
                _ => Vec::new(),
            };
            m.front.accepting = i % 2 == 0;
            m
        })
        .collect();
    let files = build_index(&content(mentors));
    let d = decode(&files);
    assert!(d.meta["layout"]["cards"].is_string(), "sharded");
    assert!(
        !files.iter().any(|f| f.path.ends_with("values.bin")),
        "no value sets: the records say which labels a card carries"
    );
    let facets = d.meta["facets"].as_array().unwrap();
    let tags = facets.iter().position(|f| f["key"] == "tags").unwrap();
    let id_of =
        |v: &serde_json::Value| facets[tags]["values"][v.as_u64().unwrap() as usize]["id"].clone();
    // Card block 10 = mentors 40..44: stem; parenting and stem (×3).
    let idx = file(&files, "search/blocks.idx");
    let at = |i: usize| u32::from_le_bytes(idx[4 * i..4 * i + 4].try_into().unwrap()) as usize;
    let cards = gunzip(&file(&files, "search/cards.bin")[at(10)..at(11)]);
    let cards: serde_json::Value = serde_json::from_slice(&cards).unwrap();
    let values = |card: usize| cards[card][5].as_array().unwrap().clone();
    assert_eq!(values(0).len(), facets.len(), "one list per facet");
    let ids = |card: usize| -> Vec<serde_json::Value> {
        values(card)[tags]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    assert_eq!(ids(0), vec!["stem"]);
    let mut both = ids(1);
    both.sort_by_key(|v| v.to_string());
    assert_eq!(both, vec!["parenting", "stem"]);
    assert_eq!(
        values(0).last().unwrap(),
        &serde_json::json!([0]),
        "accepting"
    );
    assert_eq!(
        values(1).last().unwrap(),
        &serde_json::json!([]),
        "not accepting"
    );
}

#[test]
fn meta_stamp_changes_with_the_content() {
    let a = build_index(&content(sample()));
    let mut other = sample();
    other[0].bio_text.push_str("追記。");
    let b = build_index(&content(other));
    let stamp = |f: &[OutputFile]| {
        serde_json::from_slice::<serde_json::Value>(file(f, "search/meta.json")).unwrap()["stamp"]
            .clone()
    };
    assert_ne!(stamp(&a), stamp(&b));
}

#[test]
fn the_directory_budget_keeps_the_index_within_its_file_limits() {
    // Beside the directories: meta.json, postings.bin, words.bin, cards.bin, bios.bin,
    // blocks.idx and the seven facet columns.
    let others = 6 + 7;
    assert!(
        max_directories(10_000) + others <= 300,
        "issue 3: ≤ 300 files at 10,000"
    );
    assert!(
        max_directories(10_000_000) + others <= 1_000,
        "≤ 1,000 files at any size"
    );
    assert_eq!(max_directories(100_000), 960);
    assert_eq!(max_directories(500), 200, "a small catalogue keeps a floor");
}
