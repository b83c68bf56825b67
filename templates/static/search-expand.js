// What each query word also stands for: its reading when typed in romaji (names only), the
// other words of its alias group from content/taxonomy.yaml (meta.json `aliases`), and, for
// Latin words of four or more letters, words of the index one or two typing mistakes away.
// A mentor matches a word when she matches any of its alternatives; words are still ANDed.

import { normalize, shortReading } from './search-normalize.js';
import { romajiToKana } from './search-reading.js';

/** Aliases apply to a word that equals one of a group, or begins one from this length on. */
const ALIAS_PREFIX = 3;
/** Latin words from meta.json `words.min` letters get one typing mistake corrected (the
 *  builder's invert::TYPO_MIN), from TYPO_TWO on two. */
const TYPO_TWO = 8;
/** At most this many corrections of one word, the closest first. */
const TYPO_MAX = 5;
/** A correction's score is this fraction of an exact hit's: every exact hit ranks first. */
export const TYPO_FACTOR = 0.001;

const isLatinWord = (text, meta) => Boolean(meta.words) && /^[a-z]+$/.test(text) && text.length >= meta.words.min;

/** Whether some word of `terms` could be a typing mistake (the word list is then needed). */
export function needsWords(terms, meta) {
  return terms.some((chars) => isLatinWord(chars.join(''), meta));
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`, or max + 1 once
 * it is sure to exceed `max` (optimal string alignment distance).
 */
export function editDistance(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2 = null;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** Words of `words` within the allowed edits of `text` that the text itself would not find. */
function corrections(text, words) {
  const max = text.length >= TYPO_TWO ? 2 : 1;
  return words
    .filter((w) => !w.includes(text))
    .map((w) => [editDistance(text, w, max), w])
    .filter(([d]) => d <= max)
    .sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1))
    .slice(0, TYPO_MAX)
    .map(([, w]) => w);
}

/**
 * terms (arrays of characters, from queryTerms) → [{ text, alts: [{ text, kind, fields }] }].
 * kind: 'exact' (the word itself, always first), 'reading' (romaji as kana, `fields` = the
 * name field's bit: a reading only finds names), 'alias', 'typo' (a Latin word of the index
 * or the aliases one or two typing mistakes away, and its alias group; ranked below every
 * exact hit); `fields` 0 = any field. `words`: the index's word list (SearchIndex.words()).
 */
export function expandTerms(terms, meta, words = []) {
  const nameBit = meta.fields.find((f) => f.name === 'name')?.bit ?? 1;
  return terms.map((chars) => {
    const text = chars.join('');
    const alts = [];
    const add = (t, kind, fields = 0) => {
      if (t && !alts.some((a) => a.text === t && a.fields === fields)) alts.push({ text: t, kind, fields });
    };
    add(text, 'exact');
    const spoken = [text];
    if (/^[a-zāīūēōâîûêô]{2,}$/.test(text)) {
      const kana = romajiToKana(text);
      if (kana) {
        const reading = normalize(kana);
        add(reading, 'reading', nameBit);
        add(shortReading(reading), 'reading', nameBit);
        spoken.push(reading);
      }
    }
    const aliasesOf = (said, kind) => {
      for (const group of meta.aliases || []) {
        const hit = group.some((w) => said.some((s) => w === s || (s.length >= ALIAS_PREFIX && w.startsWith(s))));
        if (hit) for (const w of group) add(w, kind);
      }
    };
    aliasesOf(spoken, 'alias');
    if (isLatinWord(text, meta)) {
      const fixed = corrections(text, words);
      for (const w of fixed) add(w, 'typo');
      aliasesOf(fixed, 'typo');
    }
    return { text, alts };
  });
}

/** The distinct alternative texts of `groups` (what the index must fetch), as character arrays. */
export function altTerms(groups) {
  const texts = [...new Set(groups.flatMap((g) => g.alts.map((a) => a.text)))];
  return texts.map((t) => [...t]);
}

/** Per word with corrections: [the word as typed, its Latin corrections]. */
export function typoNotes(groups) {
  return groups
    .map((g) => [g.text, g.alts.filter((a) => a.kind === 'typo' && /^[a-z]+$/.test(a.text)).map((a) => a.text)])
    .filter(([, fixed]) => fixed.length);
}

/** Per group, the texts a card may show (marks, snippets): readings are not on the cards. */
export function visibleTexts(groups) {
  return groups.map((g) => g.alts.filter((a) => !a.fields).map((a) => a.text));
}
