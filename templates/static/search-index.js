// Reading and querying the index that generator/src/search builds (schema: search/mod.rs).
// No DOM here: search.js drives the page; node tests can import this module too.

import { keyHash, termKeys } from './search-normalize.js';

/** Loads meta.json; every other file is fetched lazily and at most once. */
export async function openIndex(base) {
  const res = await fetch(new URL('meta.json', base), { cache: 'no-cache' });
  if (!res.ok) throw new Error(`search index: ${res.status}`);
  return new SearchIndex(await res.json(), base);
}

async function inflate(buffer) {
  const bytes = new Uint8Array(buffer);
  // Stored gzip-compressed; a host that already sent Content-Encoding: gzip leaves plain bytes.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readVarint(bytes, state) {
  let n = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[state.pos++];
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
    shift += 7;
  }
}

/** Indexes a postings shard: key → where its list starts, without decoding the lists. */
function parseShard(bytes) {
  const state = { pos: 0 };
  const keys = new Map();
  const count = readVarint(bytes, state);
  for (let i = 0; i < count; i++) {
    const c1 = readVarint(bytes, state);
    const c2 = readVarint(bytes, state);
    const len = readVarint(bytes, state);
    const n = readVarint(bytes, state);
    const key = c2 === 0 ? String.fromCodePoint(c1) : String.fromCodePoint(c1, c2);
    keys.set(key, { start: state.pos, n, bigram: c2 !== 0 });
    state.pos += len;
  }
  return { bytes, keys };
}

/** Field bit f = 1 << f; per posting, bigrams carry one position byte per field in its mask. */
export const FIELD_COUNT = 5;

function decodePostings(shard, key) {
  const entry = shard.keys.get(key);
  const n = entry ? entry.n : 0;
  const docs = new Uint32Array(n);
  const masks = new Uint8Array(n);
  const pos = new Uint8Array(n * FIELD_COUNT);
  if (!entry) return { docs, masks, pos };
  const { bytes } = shard;
  const state = { pos: entry.start };
  let doc = 0;
  for (let i = 0; i < n; i++) {
    doc += readVarint(bytes, state);
    docs[i] = doc;
    const mask = bytes[state.pos++];
    masks[i] = mask;
    if (entry.bigram) {
      for (let f = 0; f < FIELD_COUNT; f++) {
        if (mask & (1 << f)) pos[i * FIELD_COUNT + f] = bytes[state.pos++];
      }
    }
  }
  return { docs, masks, pos };
}

const rotr8 = (b, n) => ((b >>> n) | (b << (8 - n))) & 0xff;

export class SearchIndex {
  constructor(meta, base) {
    this.meta = meta;
    this.base = base;
    this.layout = meta.layout;
    this.n = meta.docs;
    this.cache = new Map();
    this.bytesFetched = 0;
  }

  fetchFile(path) {
    if (!this.cache.has(path)) {
      const url = new URL(`${path}?v=${this.meta.stamp}`, this.base);
      const p = fetch(url)
        .then((r) => {
          if (!r.ok) throw new Error(`search index: ${r.status} ${path}`);
          return r.arrayBuffer();
        })
        .then((buf) => {
          this.bytesFetched += buf.byteLength;
          return inflate(buf);
        });
      p.catch(() => this.cache.delete(path));
      this.cache.set(path, p);
    }
    return this.cache.get(path);
  }

  /** The single-file layout, split into its three parts. */
  single() {
    if (!this.singleParts) {
      this.singleParts = this.fetchFile(this.layout.single).then((raw) => {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const flen = view.getUint32(0, true);
        const facets = raw.subarray(4, 4 + flen);
        const plen = view.getUint32(4 + flen, true);
        const postings = parseShard(raw.subarray(8 + flen, 8 + flen + plen));
        const docs = JSON.parse(new TextDecoder().decode(raw.subarray(8 + flen + plen)));
        return { facets, postings, docs };
      });
    }
    return this.singleParts;
  }

  /** Per facet, one Uint32Array of `words` words per mentor (bit i = value i). */
  facets() {
    if (!this.facetBits) {
      const raw = this.layout.single
        ? this.single().then((s) => s.facets)
        : this.fetchFile(this.layout.facets);
      this.facetBits = raw.then((bytes) => {
        let offset = 0;
        return this.meta.facets.map((facet) => {
          const width = Math.max(1, Math.ceil(facet.values.length / 8));
          const words = Math.ceil(width / 4);
          const bits = new Uint32Array(this.n * words);
          for (let d = 0; d < this.n; d++) {
            for (let b = 0; b < width; b++) {
              bits[d * words + (b >> 2)] |= bytes[offset + d * width + b] << ((b & 3) * 8);
            }
          }
          offset += this.n * width;
          return { words, bits };
        });
      });
    }
    return this.facetBits;
  }

  shardFor(key) {
    if (this.layout.single) return this.single().then((s) => s.postings);
    const i = keyHash(key) % this.layout.postingShards;
    const path = this.layout.postings.replace('{}', i);
    const parsed = `parsed:${path}`;
    if (!this.cache.has(parsed)) this.cache.set(parsed, this.fetchFile(path).then(parseShard));
    return this.cache.get(parsed);
  }

  /** [slug, name, title, summary, bio] of mentor `doc`. */
  async doc(doc) {
    if (this.layout.single) return (await this.single()).docs[doc];
    const size = this.layout.docShardSize;
    const path = this.layout.docs.replace('{}', Math.floor(doc / size));
    const parsed = `parsed:${path}`;
    if (!this.cache.has(parsed)) {
      this.cache.set(
        parsed,
        this.fetchFile(path).then((b) => JSON.parse(new TextDecoder().decode(b))),
      );
    }
    return (await this.cache.get(parsed))[doc % size];
  }

  /** Fetches everything `terms` need (in parallel) before `match` runs synchronously. */
  async prepare(terms) {
    const keys = terms.flatMap(termKeys);
    const shards = await Promise.all(keys.map((k) => this.shardFor(k)));
    const lists = new Map();
    keys.forEach((k, i) => lists.set(k, decodePostings(shards[i], k)));
    return lists;
  }

  /**
   * Mentors matching every term (terms: arrays of characters), with a score and, per term,
   * the field mask it matched in. `lists` comes from prepare(terms).
   * Returns { docs: Int32Array ascending, scores: Float64Array, masks: Array<Uint8Array> }.
   */
  match(terms, lists) {
    const weights = this.meta.fields;
    let docs = null;
    let scores = null;
    const termMasks = [];
    for (const term of terms) {
      const keys = termKeys(term);
      // Intersect the term's key lists (ascending). A mentor stays while some field holds every
      // bigram so far at consecutive positions: position bits, each rotated by the bigram's
      // offset in the term, must still share a bit in that field.
      const cur = lists.get(keys[0]);
      let tDocs = cur.docs;
      let tMask = cur.masks;
      let tPos = cur.pos;
      for (let k = 1; k < keys.length; k++) {
        const next = lists.get(keys[k]);
        const outD = [];
        const outM = [];
        const outP = [];
        let i = 0;
        let j = 0;
        while (i < tDocs.length && j < next.docs.length) {
          if (tDocs[i] < next.docs[j]) i++;
          else if (tDocs[i] > next.docs[j]) j++;
          else {
            let m = tMask[i] & next.masks[j];
            const p = new Array(FIELD_COUNT).fill(0);
            for (let f = 0; f < FIELD_COUNT; f++) {
              if (!(m & (1 << f))) continue;
              p[f] = tPos[i * FIELD_COUNT + f] & rotr8(next.pos[j * FIELD_COUNT + f], k % 8);
              if (p[f] === 0) m &= ~(1 << f);
            }
            if (m !== 0) {
              outD.push(tDocs[i]);
              outM.push(m);
              outP.push(...p);
            }
            i++;
            j++;
          }
        }
        tDocs = outD;
        tMask = outM;
        tPos = outP;
      }
      // Term score: the heaviest field it matched in.
      const tScore = new Float64Array(tDocs.length);
      for (let i = 0; i < tDocs.length; i++) {
        let best = 0;
        for (const f of weights) if (tMask[i] & f.bit && f.weight > best) best = f.weight;
        tScore[i] = best;
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
    }
    return { docs, scores, masks: termMasks };
  }
}

/**
 * Applies facet selections to candidates and counts, per facet value, how many mentors ticking
 * it would leave: the value's mentors among those passing every *other* facet (OR within a
 * facet, AND across). `candidates` null = every mentor. `selected[f]` is an array of value
 * indexes (empty = no filter). Returns { passing: Int32Array (candidate order), counts }.
 */
export function filterAndCount(facetBits, meta, candidates, selected) {
  const nFacets = meta.facets.length;
  const counts = meta.facets.map((f) => new Uint32Array(f.values.length));
  const selMasks = selected.map((values, f) => {
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
      if (failures === 1 && f !== failed) continue;
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
