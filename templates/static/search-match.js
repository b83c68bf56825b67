// Matching and counting, pure functions over decoded lists and facet columns: which mentors
// a query finds (and how well), and what each facet value would leave.

import { FIELD_COUNT, NONE } from './search-format.js';

const rotr8 = (b, n) => ((b >>> n) | (b << (8 - n))) & 0xff;

/**
 * Which bigrams of a term (offsets 0 .. m-1) to confirm with exact positions: bigram i at
 * p + i fixes characters i and i+1, so a set holding the first and the last bigram and never
 * skipping two in a row fixes every character — the whole term at p. Of those sets, the one
 * whose positions cost the fewest bytes (`weights[i]`; 0 = already read). Returns offsets.
 */
export function coverOffsets(weights) {
  const m = weights.length;
  // best[i]: cheapest valid choice among 0..i that takes i; from[i]: the previous one taken.
  const best = new Array(m).fill(Infinity);
  const from = new Array(m).fill(-1);
  best[0] = weights[0];
  for (let i = 1; i < m; i++) {
    const viaPrev = best[i - 1];
    const viaSkip = i >= 2 ? best[i - 2] : Infinity;
    from[i] = viaSkip < viaPrev ? i - 2 : i - 1;
    best[i] = weights[i] + Math.min(viaPrev, viaSkip);
  }
  const out = [];
  for (let i = m - 1; i >= 0; i = from[i]) out.unshift(i);
  return out;
}

/**
 * Mentors holding term `t` of `lists` (prepare()'s terms, by index) in some field, ascending,
 * with the fields it is in: { docs: number[], masks: number[] }.
 */
function matchOne(t, lists) {
  const keys = lists.plan[t];
  // Intersect the term's key lists (ascending). A mentor stays while some field holds every
  // bigram so far at its offset: with exact positions, some start p with each bigram at
  // p + offset; before they arrive, position bits, each rotated by the bigram's offset in
  // the term, that still share a bit in that field (a superset: positions mod 8; before the
  // bits arrive, 0xff: the field holds every bigram somewhere).
  const cur = lists.get(keys[0][0]);
  const cover = lists.cover[t];
  const exact = keys.length > 1
    && keys.every(([k, i]) => lists.get(k).bits && (!cover.has(i) || lists.get(k).exact));
  let tDocs = cur.docs;
  let tMask = cur.masks;
  let tPos = cur.pos;
  let tStarts = exact ? cur.exact : null;
  for (let k = 1; k < keys.length; k++) {
    const [key, offset] = keys[k];
    const next = lists.get(key);
    const outD = [];
    const outM = [];
    const outP = [];
    const outS = [];
    let i = 0;
    let j = 0;
    while (i < tDocs.length && j < next.docs.length) {
      if (tDocs[i] < next.docs[j]) i++;
      else if (tDocs[i] > next.docs[j]) j++;
      else {
        let m = tMask[i] & next.masks[j];
        const p = new Array(FIELD_COUNT).fill(0);
        const s = exact ? new Array(FIELD_COUNT).fill(NONE) : null;
        for (let f = 0; f < FIELD_COUNT; f++) {
          if (!(m & (1 << f))) continue;
          if (exact) {
            // Covering bigrams at their exact place; the others by their position bits.
            const starts = tStarts[i * FIELD_COUNT + f];
            if (cover.has(offset)) {
              const theirs = next.exact[j * FIELD_COUNT + f];
              s[f] = starts.filter((q) => theirs.includes(q + offset));
            } else {
              const bits = next.pos[j * FIELD_COUNT + f];
              s[f] = starts.filter((q) => bits & (1 << ((q + offset) % 8)));
            }
            if (!s[f].length) m &= ~(1 << f);
            continue;
          }
          p[f] = tPos[i * FIELD_COUNT + f] & rotr8(next.pos[j * FIELD_COUNT + f], offset % 8);
          if (p[f] === 0) m &= ~(1 << f);
        }
        if (m !== 0) {
          outD.push(tDocs[i]);
          outM.push(m);
          outP.push(...p);
          if (exact) outS.push(...s);
        }
        i++;
        j++;
      }
    }
    tDocs = outD;
    tMask = outM;
    tPos = outP;
    tStarts = outS;
  }
  return { docs: tDocs, masks: tMask };
}

/** The heaviest field weight in `mask`. */
function bestWeight(weights, mask) {
  let best = 0;
  for (const f of weights) if (mask & f.bit && f.weight > best) best = f.weight;
  return best;
}

/**
 * Mentors matching every query word, each word with its alternatives (search-expand.js):
 * `groups[g]` lists { t (index of the alternative in prepare()'s terms), fields (0 = any
 * field, else the bits it may match in), factor (score multiplier) }. A mentor matches a word
 * when she matches one of its alternatives (its score: the best alternative's; its mask: every
 * field they matched), and the query when she matches every word.
 * Returns { docs: Int32Array ascending, scores: Float64Array, masks: Array<Uint8Array> (per word) }.
 */
export function matchGroups(meta, groups, lists) {
  const weights = meta.fields;
  let docs = null;
  let scores = null;
  const termMasks = [];
  groups.forEach((alts) => {
    let tDocs;
    let tMask;
    let tScore;
    if (alts.length === 1 && !alts[0].fields) {
      ({ docs: tDocs, masks: tMask } = matchOne(alts[0].t, lists));
      tScore = Float64Array.from(tMask, (m) => bestWeight(weights, m) * alts[0].factor);
    } else {
      const best = new Map();
      for (const alt of alts) {
        const r = matchOne(alt.t, lists);
        r.docs.forEach((d, i) => {
          const m = alt.fields ? r.masks[i] & alt.fields : r.masks[i];
          if (!m) return;
          const s = bestWeight(weights, m) * alt.factor;
          const had = best.get(d);
          if (had) {
            had.mask |= m;
            had.score = Math.max(had.score, s);
          } else best.set(d, { mask: m, score: s });
        });
      }
      tDocs = [...best.keys()].sort((a, b) => a - b);
      tMask = tDocs.map((d) => best.get(d).mask);
      tScore = Float64Array.from(tDocs, (d) => best.get(d).score);
    }
    if (docs === null) {
      docs = Int32Array.from(tDocs);
      scores = tScore;
      termMasks.push(Uint8Array.from(tMask));
    } else {
      const keepD = [];
      const keepS = [];
      const keepIdx = [];
      const mask = [];
      let i = 0;
      let j = 0;
      while (i < docs.length && j < tDocs.length) {
        if (docs[i] < tDocs[j]) i++;
        else if (docs[i] > tDocs[j]) j++;
        else {
          keepD.push(docs[i]);
          keepS.push(scores[i] + tScore[j]);
          keepIdx.push(i);
          mask.push(tMask[j]);
          i++;
          j++;
        }
      }
      for (let t = 0; t < termMasks.length; t++) {
        termMasks[t] = Uint8Array.from(keepIdx, (x) => termMasks[t][x]);
      }
      termMasks.push(Uint8Array.from(mask));
      docs = Int32Array.from(keepD);
      scores = Float64Array.from(keepS);
    }
  });
  return { docs, scores, masks: termMasks };
}

/**
 * Applies facet selections to candidates and counts, per facet value, how many mentors ticking
 * it would leave: the value's mentors among those passing every *other* facet (OR within a
 * facet, AND across). `candidates` null = every mentor. `selected[f]` is an array of value
 * indexes (empty = no filter); `facetBits[f]` null = not loaded (allowed when not selected:
 * its counts come back null). Returns { passing: Int32Array (candidate order), counts }.
 */
export function filterAndCount(facetBits, meta, candidates, selected) {
  const nFacets = meta.facets.length;
  const counts = meta.facets.map((f, i) => (facetBits[i] ? new Uint32Array(f.values.length) : null));
  const selMasks = selected.map((values, f) => {
    if (!values.length) return null;
    if (!facetBits[f]) throw new Error(`facet ${meta.facets[f].key} filters but is not loaded`);
    const words = new Uint32Array(facetBits[f].words);
    for (const v of values) words[v >> 5] |= 1 << (v & 31);
    return values.length ? words : null;
  });
  const passing = [];
  const total = candidates ? candidates.length : meta.docs;
  for (let c = 0; c < total; c++) {
    const doc = candidates ? candidates[c] : c;
    let failed = -1;
    let failures = 0;
    for (let f = 0; f < nFacets && failures < 2; f++) {
      const sel = selMasks[f];
      if (!sel) continue;
      const { words, bits } = facetBits[f];
      let hit = false;
      for (let w = 0; w < words; w++) if (bits[doc * words + w] & sel[w]) hit = true;
      if (!hit) {
        failed = f;
        failures++;
      }
    }
    if (failures >= 2) continue;
    if (failures === 0) passing.push(doc);
    for (let f = 0; f < nFacets; f++) {
      if ((failures === 1 && f !== failed) || !facetBits[f]) continue;
      const { words, bits } = facetBits[f];
      for (let w = 0; w < words; w++) {
        let b = bits[doc * words + w];
        while (b) {
          const low = b & -b;
          counts[f][w * 32 + 31 - Math.clz32(low)]++;
          b ^= low;
        }
      }
    }
  }
  return { passing: Int32Array.from(passing), counts };
}
