// What to offer when a search finds nobody: each way out with how many mentors it would show —
// drop one word, drop one filter, or browse the vocabulary label closest to a word (bigram
// overlap) — so the page is never a dead end. Pure: the caller matches and renders.

import { normalize } from './search-normalize.js';
import { filterAndCount } from './search-match.js';

/** Most label suggestions shown. */
const LABELS = 2;

function grams(text) {
  const chars = [...text];
  if (chars.length < 2) return new Set(chars);
  const out = new Set();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return out;
}

/** Dice coefficient of two texts' bigram sets: 0 (nothing shared) … 1 (the same). */
export function overlap(a, b) {
  const ga = grams(a);
  const gb = grams(b);
  if (!ga.size || !gb.size) return 0;
  let shared = 0;
  for (const g of ga) if (gb.has(g)) shared++;
  return (2 * shared) / (ga.size + gb.size);
}

/**
 * Suggestions for a query that found nobody: [{ text, count, state }] where `state` is the
 * search to run ({ q, sel } as the controls hold it), best first. `match(groups)` returns the
 * mentors matching those word groups (null when there are none); `facetBits` are the loaded
 * facet columns; `selected[f]` the ticked value indexes; `state` the current controls.
 */
export function suggest({ meta, groups, match, facetBits, selected, state }) {
  const out = [];
  const passing = (docs, sel) => filterAndCount(facetBits, meta, docs, sel).passing.length;
  if (groups.length >= 2) {
    groups.forEach((g, j) => {
      const rest = groups.filter((_, k) => k !== j);
      const count = passing(match(rest).docs, selected);
      if (count) {
        out.push({
          text: `「${g.text}」を外して探す`,
          count,
          state: { q: rest.map((r) => r.text).join(' '), sel: state.sel },
        });
      }
    });
  }
  const docs = groups.length ? match(groups).docs : null;
  selected.forEach((values, f) => {
    if (!values.length) return;
    const sel = selected.map((v, k) => (k === f ? [] : v));
    const count = passing(docs, sel);
    const facet = meta.facets[f];
    if (count) {
      out.push({
        text: `「${facet.label}：${values.map((v) => facet.values[v].label).join('・')}」の絞り込みを外す`,
        count,
        state: { q: state.q, sel: state.sel.map((ids, k) => (k === f ? [] : ids)) },
      });
    }
  });
  const labels = [];
  meta.facets.forEach((facet, f) => {
    if (facet.key === 'accepting') return;
    facet.values.forEach((v) => {
      const label = normalize(v.label);
      const score = Math.max(0, ...groups.map((g) => overlap(g.text, label)));
      if (score > 0 && v.count) labels.push({ score, facet, f, v });
    });
  });
  labels.sort((a, b) => b.score - a.score || b.v.count - a.v.count);
  for (const { facet, f, v } of labels.slice(0, LABELS)) {
    out.push({
      text: `${facet.label}「${v.label}」のメンターを見る`,
      count: v.count,
      state: { q: '', sel: meta.facets.map((_, k) => (k === f ? [v.id] : [])) },
    });
  }
  return out;
}
