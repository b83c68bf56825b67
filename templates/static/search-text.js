// Text on the cards: where the terms occur, <mark> around them, bio snippets. Matching is
// on normalised text (search-normalize.js), marks land on the original characters.

import { normalizeMapped } from './search-normalize.js';

const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 100;

/** A DOM element: attrs (class, text or attributes) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** Where the (normalised) terms occur in `text`, as sorted, merged [start, end) ranges. */
export function findRanges(text, terms) {
  const { norm, starts, ends } = normalizeMapped(text);
  const ranges = [];
  for (const term of terms) {
    if (!term) continue;
    for (let at = norm.indexOf(term); at !== -1; at = norm.indexOf(term, at + 1)) {
      ranges.push([starts[at], ends[at + term.length - 1], term]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) {
      last[1] = Math.max(last[1], r[1]);
      last[2].add(r[2]);
    } else merged.push([r[0], r[1], new Set([r[2]])]);
  }
  return merged;
}

export function markedText(text, ranges, from = 0, to = text.length) {
  const frag = document.createDocumentFragment();
  let at = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a > at) frag.append(text.slice(at, a));
    frag.append(el('mark', { text: text.slice(a, b) }));
    at = b;
  }
  if (at < to) frag.append(text.slice(at, to));
  return frag;
}

/** Wraps term occurrences in the card's text in <mark>; returns the terms it found. */
export function highlight(card, terms) {
  const found = new Set();
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const ranges = findRanges(node.data, terms);
    if (!ranges.length) continue;
    for (const r of ranges) for (const t of r[2]) found.add(t);
    node.replaceWith(markedText(node.data, ranges));
  }
  return found;
}

export function snippet(text, terms) {
  const ranges = findRanges(text, terms);
  if (!ranges.length) return null;
  let start = Math.max(0, ranges[0][0] - SNIPPET_BEFORE);
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  if (/[\uDC00-\uDFFF]/.test(text[start] || '')) start--;
  if (/[\uDC00-\uDFFF]/.test(text[end] || '')) end++;
  const p = el('p', { class: 'search-snippet' });
  if (start > 0) p.append('…');
  p.append(markedText(text, ranges, start, end));
  if (end < text.length) p.append('…');
  return p;
}
