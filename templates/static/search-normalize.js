// Text normalisation and tokenisation, the browser half of generator/src/search/normalize.rs.
// Both sides run generator/src/search/vectors.json (cargo test / node --test), so they cannot
// drift apart silently.
//
// normalize: NFKC → lower case → katakana folded to hiragana.
// runs: maximal sequences of letters and digits; everything else separates terms.
// keys: every bigram of a run plus every single character (for one-character queries).

const WORD = /[\p{Alphabetic}\p{N}]/u;

/** NFKC, lower case, katakana (ァ..ヶ, ヽ, ヾ) folded to hiragana. */
export function normalize(text) {
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
