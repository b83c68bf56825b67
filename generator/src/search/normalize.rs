//! Text normalisation and tokenisation shared by the index builder and the browser.
//!
//! `templates/static/search-normalize.js` implements the same steps; both run the vectors in
//! `vectors.json`, so a change on one side that the other does not follow fails a test.
//!
//! 1. NFKC (full-width Latin → ASCII, half-width katakana → full-width, ㈱ → (株), …)
//! 2. lower case
//! 3. katakana → hiragana (ァ..ヶ, ヽ, ヾ shifted by 0x60), so シングルマザー finds しんぐるまざー
//! 4. spelling variants folded ([`fold`]): variant kanji (the table `VARIANTS` in
//!    search-normalize.js, read from there), small vowels, ゔ+small vowel → b-row, a long-vowel
//!    mark after kana dropped, iteration marks repeated — so 髙橋 finds 高橋 and マネジャー
//!    finds マネージャー.
//!
//! Tokens are then *runs*: maximal sequences of letters and digits (Unicode Alphabetic or
//! Numeric; `ー` and `々` are letters). Everything else separates runs, so `IT・通信` is the runs
//! `it` and `通信`. Keys are the bigrams of every run, and every single character for
//! one-character queries.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// NFKC, lower case, katakana folded to hiragana, variants folded.
pub fn normalize(text: &str) -> String {
    normalize_chars(text).into_iter().collect()
}

/// [`normalize`] as characters, what the tokeniser walks (the index build calls this for
/// every field of every mentor, so it allocates as little as it can).
pub fn normalize_chars(text: &str) -> Vec<char> {
    // Most Japanese prose is already NFKC: the quick check skips the decomposition, the
    // costliest step of an index build's tokenisation.
    let nfkc = matches!(
        unicode_normalization::is_nfkc_quick(text.chars().map(|c| if is_plain_starter(c) {
            ' '
        } else {
            c
        })),
        unicode_normalization::IsNormalized::Yes
    );
    // Lower-casing a character at a time equals `str::to_lowercase` (which the browser's
    // `toLowerCase` matches) except for a word-final capital sigma.
    let base: Vec<char> = if nfkc && !text.contains('Σ') {
        let mut base = Vec::with_capacity(text.len() / 2);
        for c in text.chars() {
            match c {
                // Kana and the CJK block have no case: skip Unicode's case table for them.
                '\u{3041}'..='\u{9FFF}' => base.push(fold_kana(c)),
                _ if c.is_ascii() => base.push(c.to_ascii_lowercase()),
                _ => base.extend(c.to_lowercase().map(fold_kana)),
            }
        }
        base
    } else {
        let nfkc: String = if nfkc {
            text.into()
        } else {
            text.nfkc().collect()
        };
        nfkc.to_lowercase().chars().map(fold_kana).collect()
    };
    let mut out = Vec::with_capacity(base.len());
    fold(&base, &mut out);
    out
}

/// Kana and the common CJK ideographs: like ASCII, every one is in NFKC and a starter
/// (combining class 0), so the quick check may see a space in its place, which it passes
/// without the two table lookups it makes for every other non-ASCII character (the larger
/// part of its time on Japanese text). A test holds each of them to the tables.
fn is_plain_starter(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}')
}

fn fold_kana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}' => {
            char::from_u32(c as u32 - 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// The browser's module, whose `VARIANTS` line is the one table of variant kanji.
const NORMALIZE_JS: &str = include_str!("../../../templates/static/search-normalize.js");

/// (variant, common form) pairs from `VARIANTS` in search-normalize.js, sorted by variant.
fn variants() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let line = NORMALIZE_JS
            .lines()
            .find_map(|l| l.strip_prefix("export const VARIANTS = '"))
            .expect("search-normalize.js defines VARIANTS");
        let chars: Vec<char> = line.trim_end_matches("';").chars().collect();
        let mut pairs: Vec<(char, char)> = chars.chunks(2).map(|p| (p[0], p[1])).collect();
        pairs.sort_unstable();
        pairs
    })
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

/// Folds spelling variants in NFKC'd, lower-cased, hiragana text, appending the characters
/// that remain to `out`: as `foldChars` in search-normalize.js, which keeps one output per
/// input character (`''` = dropped) so the browser's marks map back.
pub fn fold(chars: &[char], out: &mut Vec<char>) {
    let table = variants();
    let mut last: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let raw = chars[i];
        let c = if raw >= '\u{4E00}' {
            table
                .binary_search_by_key(&raw, |p| p.0)
                .map_or(raw, |at| table[at].1)
        } else {
            raw
        };
        let hiragana_before = last.is_some_and(is_hiragana);
        let mut out_c = Some(c);
        match c {
            'ゔ' => {
                let b_row = match chars.get(i + 1) {
                    Some('ぁ') => Some('ば'),
                    Some('ぃ') => Some('び'),
                    Some('ぇ') => Some('べ'),
                    Some('ぉ') => Some('ぼ'),
                    _ => None,
                };
                if let Some(b) = b_row {
                    out.push(b);
                    last = Some(b);
                    i += 2;
                    continue;
                }
                out_c = Some('ぶ');
            }
            'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' => out_c = char::from_u32(c as u32 + 1),
            'ゎ' => out_c = Some('わ'),
            'ゕ' => out_c = Some('か'),
            'ゖ' => out_c = Some('け'),
            'ー' if hiragana_before => out_c = None,
            '々' => {
                if let Some(prev) = last.filter(|p| !is_hiragana(*p) && is_word_char(*p)) {
                    out_c = Some(prev);
                }
            }
            'ゝ' if hiragana_before => out_c = last,
            'ゞ' if hiragana_before => {
                let prev = last.expect("hiragana before");
                out_c =
                    Some(unicode_normalization::char::compose(prev, '\u{3099}').unwrap_or(prev));
            }
            _ => {}
        }
        if let Some(o) = out_c {
            last = Some(o);
        }
        out.extend(out_c);
        i += 1;
    }
}

/// A normalised reading with its long vowels shortened: う after an o- or u-row kana and お
/// after an o-row kana are dropped, so ゆうこ is also found as ゆこ (romaji "yuko") and おおの as
/// おの ("ono"). The builder indexes both forms of a name's reading; the browser searches both
/// forms of a reading typed in romaji.
pub fn short_reading(reading: &str) -> String {
    const O_ROW: &str = "おこそとのほもよろごぞどぼぽょ";
    const U_ROW: &str = "うくすつぬふむゆるぐずづぶぷゅ";
    let mut out = String::with_capacity(reading.len());
    let mut last = None;
    for c in reading.chars() {
        let long = match last {
            Some(p) if c == 'う' => O_ROW.contains(p) || U_ROW.contains(p),
            Some(p) if c == 'お' => O_ROW.contains(p),
            _ => false,
        };
        if !long {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Whether `c` belongs to a run (the JS side tests `[\p{Alphabetic}\p{N}]`).
pub fn is_word_char(c: char) -> bool {
    // Answers for the common scripts without the Unicode table walk (a hot spot of the
    // index build); every range here is Alphabetic through and through.
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\0'..='\x7f' => false,
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309F}' => true,
        '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' => true,
        '\u{4E00}'..='\u{9FEF}' => true,
        _ => c.is_alphanumeric(),
    }
}

/// The runs of an already normalised text, each as its characters.
pub fn runs(normalized: &str) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for c in normalized.chars() {
        if is_word_char(c) {
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// An index key: a bigram, or a single character (second slot [`UNIGRAM`]).
pub type Key = (char, char);

/// Marks a unigram key; never a word character, so never half of a bigram.
pub const UNIGRAM: char = '\0';

/// Every key a normalised text contributes: each run's bigrams and each of its characters.
pub fn keys(normalized: &str) -> Vec<Key> {
    positioned_keys(normalized)
        .into_iter()
        .map(|(key, _)| key)
        .collect()
}

/// [`keys`] with the position (in characters, separators counted) where each key starts.
pub fn positioned_keys(normalized: &str) -> Vec<(Key, usize)> {
    let chars: Vec<char> = normalized.chars().collect();
    let mut out = Vec::new();
    each_key(&chars, |key, i| out.push((key, i)));
    out
}

/// Calls `f(key, position)` for every key of normalised characters, as [`positioned_keys`].
pub fn each_key(chars: &[char], mut f: impl FnMut(Key, usize)) {
    for (i, &c) in chars.iter().enumerate() {
        if !is_word_char(c) {
            continue;
        }
        f((c, UNIGRAM), i);
        if let Some(&next) = chars.get(i + 1).filter(|n| is_word_char(**n)) {
            f((c, next), i);
        }
    }
}

/// The keys that must all be present for a query term (one run) to match.
pub fn term_keys(term: &[char]) -> Vec<Key> {
    match term {
        [] => Vec::new(),
        [c] => vec![(*c, UNIGRAM)],
        _ => term.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// FNV-1a (32 bit) over the key's code points, each fed as 4 little-endian bytes; the
/// browser computes the same to pick a postings shard. A unigram hashes its one character.
pub fn key_hash(key: Key) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |c: char| {
        for b in (c as u32).to_le_bytes() {
            h ^= b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    feed(key.0);
    if key.1 != UNIGRAM {
        feed(key.1);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn the_characters_the_quick_check_skips_are_nfkc_starters() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfkc_quick, IsNormalized};
        let skipped = ('\0'..=char::MAX).filter(|&c| is_plain_starter(c));
        let mut n = 0;
        for c in skipped {
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{c:?}"
            );
            n += 1;
        }
        assert!(n > 20_000, "{n}");
    }

    #[test]
    fn kana_and_cjk_have_no_case_so_lower_casing_may_skip_them() {
        for c in ('\u{3041}'..='\u{9FFF}').chain('\0'..='\x7f') {
            let lower: Vec<char> = c.to_lowercase().collect();
            assert_eq!(lower, vec![c.to_ascii_lowercase()], "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn the_word_char_fast_path_agrees_with_unicode_everywhere() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "U+{:04X}", c as u32);
        }
    }

    #[derive(Deserialize)]
    struct Vectors {
        normalize: Vec<NormalizeCase>,
        runs: Vec<RunsCase>,
        hash: Vec<HashCase>,
        readings: Vec<ReadingCase>,
    }

    #[derive(Deserialize)]
    struct ReadingCase {
        input: String,
        short: String,
    }

    #[derive(Deserialize)]
    struct NormalizeCase {
        input: String,
        output: String,
    }

    #[derive(Deserialize)]
    struct RunsCase {
        input: String,
        runs: Vec<String>,
        keys: Vec<String>,
    }

    #[derive(Deserialize)]
    struct HashCase {
        key: String,
        hash: u32,
    }

    fn vectors() -> Vectors {
        serde_json::from_str(include_str!("vectors.json")).expect("vectors.json parses")
    }

    fn key_string(key: Key) -> String {
        if key.1 == UNIGRAM {
            key.0.to_string()
        } else {
            [key.0, key.1].iter().collect()
        }
    }

    #[test]
    fn normalisation_matches_the_shared_vectors() {
        for case in vectors().normalize {
            assert_eq!(
                normalize(&case.input),
                case.output,
                "input {:?}",
                case.input
            );
        }
    }

    #[test]
    fn runs_and_keys_match_the_shared_vectors() {
        for case in vectors().runs {
            let n = normalize(&case.input);
            let got: Vec<String> = runs(&n)
                .into_iter()
                .map(|r| r.into_iter().collect())
                .collect();
            assert_eq!(got, case.runs, "input {:?}", case.input);
            let got_keys: Vec<String> = keys(&n).into_iter().map(key_string).collect();
            assert_eq!(got_keys, case.keys, "input {:?}", case.input);
        }
    }

    #[test]
    fn short_readings_match_the_shared_vectors() {
        for case in vectors().readings {
            assert_eq!(
                short_reading(&normalize(&case.input)),
                case.short,
                "input {:?}",
                case.input
            );
        }
    }

    #[test]
    fn key_hashes_match_the_shared_vectors() {
        for case in vectors().hash {
            let chars: Vec<char> = case.key.chars().collect();
            let key = match chars[..] {
                [a] => (a, UNIGRAM),
                [a, b] => (a, b),
                _ => panic!("hash vector keys have one or two characters"),
            };
            assert_eq!(key_hash(key), case.hash, "key {:?}", case.key);
        }
    }

    #[test]
    fn the_variant_table_is_pairs_nfkc_keeps_each_once_and_maps_to_a_final_form() {
        let table = variants();
        assert!(table.len() >= 40, "{} pairs", table.len());
        for w in table.windows(2) {
            assert_ne!(w[0].0, w[1].0, "{} is listed twice", w[0].0);
        }
        for &(variant, common) in table {
            assert_eq!(
                variant.to_string().nfkc().collect::<String>(),
                variant.to_string()
            );
            assert!(
                variant >= '\u{4E00}',
                "{variant} is looked up only from U+4E00"
            );
            assert!(
                table.binary_search_by_key(&common, |p| p.0).is_err(),
                "{common} is itself folded: chains fold differently in one pass"
            );
        }
    }

    #[test]
    fn full_width_half_width_and_katakana_meet_in_one_form() {
        assert_eq!(normalize("ＩＴ企業"), normalize("it企業"));
        assert_eq!(normalize("ｼﾝｸﾞﾙﾏｻﾞｰ"), normalize("しんぐるまざー"));
        assert_eq!(normalize("シングルマザー"), "しんぐるまざ");
        assert_eq!(
            normalize("ΟΔΟΣ Σ"),
            "οδος σ",
            "a word-final sigma as str::to_lowercase"
        );
        assert_eq!(normalize("ΟΔΟΣ Σ"), "ΟΔΟΣ Σ".to_lowercase());
    }

    #[test]
    fn a_one_character_term_needs_its_unigram_and_longer_terms_their_bigrams() {
        assert_eq!(term_keys(&['育']), vec![('育', UNIGRAM)]);
        assert_eq!(
            term_keys(&['育', '休', '中']),
            vec![('育', '休'), ('休', '中')]
        );
    }
}
