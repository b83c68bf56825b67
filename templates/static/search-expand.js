// What each query word also stands for: its reading when typed in romaji (names only), the
// other words of its alias group from content/taxonomy.yaml (meta.json `aliases`), and, for
// Latin words of four or more letters, words of the index one or two typing mistakes away.
// A mentor matches a word when she matches any of its alternatives; words are still ANDed.

import { normalize, shortReading } from './search-normalize.js';
import { romajiToKana } from './search-reading.js';

/** Aliases apply to a word that equals one of a group, or begins one from this length on. */
const ALIAS_PREFIX = 3;

/**
 * terms (arrays of characters, from queryTerms) → [{ text, alts: [{ text, kind, fields }] }].
 * kind: 'exact' (the word itself, always first), 'reading' (romaji as kana, `fields` = the
 * name field's bit: a reading only finds names), 'alias'; `fields` 0 = any field.
 */
export function expandTerms(terms, meta) {
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
    for (const group of meta.aliases || []) {
      const hit = group.some((w) => spoken.some((s) => w === s || (s.length >= ALIAS_PREFIX && w.startsWith(s))));
      if (hit) for (const w of group) add(w, 'alias');
    }
    return { text, alts };
  });
}

/** The distinct alternative texts of `groups` (what the index must fetch), as character arrays. */
export function altTerms(groups) {
  const texts = [...new Set(groups.flatMap((g) => g.alts.map((a) => a.text)))];
  return texts.map((t) => [...t]);
}

/** Per group, the texts a card may show (marks, snippets): readings are not on the cards. */
export function visibleTexts(groups) {
  return groups.map((g) => g.alts.filter((a) => !a.fields).map((a) => a.text));
}
