// Text normalisation and tokenisation, the browser half of generator/src/search/normalize.rs.
// Both sides run generator/src/search/vectors.json (cargo test / node --test), so they cannot
// drift apart silently.
//
// normalize: NFKC → lower case → katakana folded to hiragana → variants folded (foldChars).
// runs: maximal sequences of letters and digits; everything else separates terms.
// keys: every bigram of a run plus every single character (for one-character queries).

/**
 * Variant kanji folded to the form most text uses, as pairs (variant, then common form): a
 * name written 髙橋 or 山﨑 is found as 高橋 / 山崎 and the other way round. The Rust builder
 * reads this very line (normalize.rs), so the table exists once. Only characters NFKC leaves
 * alone belong here.
 */
export const VARIANTS = '髙高﨑崎嵜崎碕崎邊辺邉辺齋斎齊斎斉斎澤沢濱浜嶋島嶌島櫻桜國国廣広藏蔵眞真冨富德徳實実榮栄惠恵瀨瀬槇槙曾曽條条壽寿圓円會会學学藝芸應応關関黑黒淸清靜静彌弥來来豐豊兒児佛仏將将戶戸拔抜與与乘乗髮髪螢蛍傳伝';

const VARIANT = new Map();
{
  const pairs = [...VARIANTS];
  for (let i = 0; i + 1 < pairs.length; i += 2) VARIANT.set(pairs[i], pairs[i + 1]);
}

const isHiragana = (ch) => ch >= '\u3041' && ch <= '\u3096';
// ゔぁ ゔぃ ゔぇ ゔぉ → ば び べ ぼ; ゔ alone → ぶ (ヴァイオリン and バイオリン meet).
const VU = { 'ぁ': 'ば', 'ぃ': 'び', 'ぇ': 'べ', 'ぉ': 'ぼ' };
const SMALL = { 'ぁ': 'あ', 'ぃ': 'い', 'ぅ': 'う', 'ぇ': 'え', 'ぉ': 'お', 'ゎ': 'わ', 'ゕ': 'か', 'ゖ': 'け' };

/**
 * Folds spelling variants in already NFKC'd, lower-cased, hiragana text, one output per input
 * character ('' when it is dropped), so callers can map results back to the source:
 * variant kanji (VARIANTS); small vowels to full size (フィ/フイ); ゔ+small vowel to the
 * b-row; a long-vowel mark after kana is dropped (マネージャー/マネジャー, コンピューター/
 * コンピュータ); iteration marks repeat the character before them (佐々木 = 佐佐木; ゝ, ゞ voiced).
 */
export function foldChars(chars) {
  const out = new Array(chars.length);
  let last = '';
  for (let i = 0; i < chars.length; i++) {
    let ch = VARIANT.get(chars[i]) ?? chars[i];
    if (ch === 'ゔ') {
      const next = VU[chars[i + 1]];
      ch = next ?? 'ぶ';
      if (next) {
        out[i] = ch;
        out[i + 1] = '';
        last = ch;
        i++;
        continue;
      }
    } else if (SMALL[ch]) {
      ch = SMALL[ch];
    } else if (ch === 'ー' && isHiragana(last)) {
      ch = '';
    } else if (ch === '々' && last && !isHiragana(last) && WORD.test(last)) {
      ch = last;
    } else if ((ch === 'ゝ' || ch === 'ゞ') && isHiragana(last)) {
      const voiced = (last + '\u3099').normalize('NFC');
      ch = ch === 'ゝ' || voiced.length !== 1 ? last : voiced;
    }
    out[i] = ch;
    if (ch) last = ch;
  }
  return out;
}

/** NFKC, lower case, katakana (ァ..ヶ, ヽ, ヾ) folded to hiragana; no variant folding. */
function base(text) {
  const lowered = text.normalize('NFKC').toLowerCase();
  let out = '';
  for (const ch of lowered) {
    const c = ch.codePointAt(0);
    if ((c >= 0x30a1 && c <= 0x30f6) || c === 0x30fd || c === 0x30fe) {
      out += String.fromCodePoint(c - 0x60);
    } else {
      out += ch;
    }
  }
  return out;
}

const O_ROW = 'おこそとのほもよろごぞどぼぽょ';
const U_ROW = 'うくすつぬふむゆるぐずづぶぷゅ';

/**
 * A normalised reading with its long vowels shortened (う after an o- or u-row kana, お after
 * an o-row kana dropped): ゆうこ → ゆこ, おおの → おの. As short_reading in normalize.rs.
 */
export function shortReading(reading) {
  let out = '';
  let last = '';
  for (const c of reading) {
    const long = last !== '' && ((c === 'う' && (O_ROW.includes(last) || U_ROW.includes(last)))
      || (c === 'お' && O_ROW.includes(last)));
    if (!long) out += c;
    last = c;
  }
  return out;
}

/** NFKC, lower case, katakana folded to hiragana, variants folded. */
export function normalize(text) {
  return foldChars([...base(text)]).join('');
}

/**
 * normalize(text) with, for each character of the result, the [start, end) UTF-16 range of
 * the source character it came from: marks land on the characters the visitor sees.
 */
export function normalizeMapped(text) {
  const chars = [];
  const from = [];
  let at = 0;
  for (const ch of text) {
    for (const c of base(ch)) {
      chars.push(c);
      from.push(at);
    }
    at += ch.length;
  }
  const folded = foldChars(chars);
  let norm = '';
  const starts = [];
  const ends = [];
  folded.forEach((c, k) => {
    if (!c) return;
    norm += c;
    starts.push(from[k]);
    ends.push(from[k] + (text.codePointAt(from[k]) > 0xffff ? 2 : 1));
  });
  return { norm, starts, ends };
}

const WORD = /[\p{Alphabetic}\p{N}]/u;

export function isWordChar(ch) {
  return WORD.test(ch);
}

/** The runs of an already normalised text, each an array of characters (code points). */
export function runs(normalized) {
  const out = [];
  let current = [];
  for (const ch of normalized) {
    if (isWordChar(ch)) {
      current.push(ch);
    } else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/** Every key a normalised text contributes, as strings of one or two characters. */
export function keys(normalized) {
  const out = [];
  for (const run of runs(normalized)) {
    for (let i = 0; i < run.length; i++) {
      out.push(run[i]);
      if (i + 1 < run.length) out.push(run[i] + run[i + 1]);
    }
  }
  return out;
}

/** The keys that must all be present for a term (one run) to match. */
export function termKeys(term) {
  if (term.length === 1) return [term[0]];
  const out = [];
  for (let i = 0; i + 1 < term.length; i++) out.push(term[i] + term[i + 1]);
  return out;
}

/** FNV-1a (32 bit) over the key's code points, each fed as 4 little-endian bytes. */
export function keyHash(key) {
  let h = 0x811c9dc5;
  for (const ch of key) {
    let c = ch.codePointAt(0);
    for (let i = 0; i < 4; i++) {
      h ^= c & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      c >>>= 8;
    }
  }
  return h >>> 0;
}

/** A query → its terms (runs), deduplicated; terms are ANDed. */
export function queryTerms(query) {
  const seen = new Set();
  const out = [];
  for (const run of runs(normalize(query))) {
    const term = run.join('');
    if (!seen.has(term)) {
      seen.add(term);
      out.push(run);
    }
  }
  return out;
}
