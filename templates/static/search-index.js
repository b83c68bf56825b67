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

/** Indexes a postings shard (single-file layout): key → where its list starts. */
export function parseShard(bytes) {
  const state = { pos: 0 };
  const keys = new Map();
  const count = readVarint(bytes, state);
  for (let i = 0; i < count; i++) {
    const c1 = readVarint(bytes, state);
    const c2 = readVarint(bytes, state);
    const len = readVarint(bytes, state);
    const n = readVarint(bytes, state);
    const key = c2 === 0 ? String.fromCodePoint(c1) : String.fromCodePoint(c1, c2);
    keys.set(key, { start: state.pos, end: state.pos + len, n, bigram: c2 !== 0 });
    state.pos += len;
  }
  return { bytes, keys };
}

/** Field bit f = 1 << f (name, title, labels, summary, bio). */
export const FIELD_COUNT = 5;

/**
 * One key's list (layout: postings::encode_shard): mentors as a bitset when count * 8 >= docs,
 * else delta varints; then per field a bitset over the list; then, for bigrams, per field one
 * position byte (bit r = a position ≡ r mod 8) for each posting carrying that field.
 * `docsTotal` = mentors in the index. Returns { docs: Uint32Array ascending, masks: Uint8Array,
 * pos: Uint8Array (FIELD_COUNT each), end: where the list ended (its exact positions follow in
 * the single-file layout) }.
 */
export function decodePostings(shard, key, docsTotal) {
  const entry = shard.keys.get(key);
  const n = entry ? entry.n : 0;
  const docs = new Uint32Array(n);
  const masks = new Uint8Array(n);
  const pos = new Uint8Array(n * FIELD_COUNT);
  if (!entry) return { docs, masks, pos, end: 0 };
  const { bytes } = shard;
  const state = { pos: entry.start };
  readMentors(bytes, state, docs, docsTotal);
  const width = Math.ceil(n / 8);
  for (let f = 0; f < FIELD_COUNT; f++) {
    const at = state.pos + f * width;
    for (let j = 0; j < n; j++) if (bytes[at + (j >> 3)] & (1 << (j & 7))) masks[j] |= 1 << f;
  }
  state.pos += FIELD_COUNT * width;
  if (entry.bigram) {
    for (let f = 0; f < FIELD_COUNT; f++) {
      for (let j = 0; j < n; j++) if (masks[j] & (1 << f)) pos[j * FIELD_COUNT + f] = bytes[state.pos++];
    }
  }
  return { docs, masks, pos, end: state.pos };
}

/**
 * Fills `docs` (its length = the count) with mentors stored as postings::encode_mentors
 * writes them: a bitset of ceil(docsTotal / 8) bytes when count * 8 >= docsTotal, else delta
 * varints. Advances `state.pos`.
 */
export function readMentors(bytes, state, docs, docsTotal) {
  const n = docs.length;
  if (n * 8 >= docsTotal) {
    let i = 0;
    const width = Math.ceil(docsTotal / 8);
    for (let b = 0; b < width; b++) {
      let byte = bytes[state.pos + b];
      while (byte) {
        const low = byte & -byte;
        docs[i++] = b * 8 + 31 - Math.clz32(low);
        byte ^= low;
      }
    }
    state.pos += width;
  } else {
    let doc = 0;
    for (let i = 0; i < n; i++) {
      doc += readVarint(bytes, state);
      docs[i] = doc;
    }
  }
  return docs;
}

const NONE = Object.freeze([]);

/**
 * A bigram list's exact positions (generator/src/search/positions.rs): bytes start .. end hold,
 * per posting, per field it carries, per residue bit of its position byte, the quotients
 * p / 8 as varint((q - previous q) << 1 | more). Sets `list.exact`: per posting and field
 * (index j * FIELD_COUNT + f) the positions, ascending within each residue.
 */
export function decodeExact(bytes, start, end, list) {
  const state = { pos: start };
  const n = list.docs.length;
  const exact = new Array(n * FIELD_COUNT).fill(NONE);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < FIELD_COUNT; f++) {
      if (!(list.masks[j] & (1 << f))) continue;
      const bits = list.pos[j * FIELD_COUNT + f];
      const out = [];
      for (let r = 0; r < 8; r++) {
        if (!(bits & (1 << r))) continue;
        let q = 0;
        for (;;) {
          const v = readVarint(bytes, state);
          q += Math.floor(v / 2);
          out.push(q * 8 + r);
          if (!(v & 1)) break;
        }
      }
      exact[j * FIELD_COUNT + f] = out;
    }
  }
  if (state.pos !== end) throw new Error('search index: exact positions do not fit their list');
  list.exact = exact;
  return list;
}

/**
 * A directory file (postings::encode_directory): key → { n, offset, length, exactLength,
 * bigram }: where its list lies in postings.bin, its exact positions right after it (lists of
 * one directory are back to back from a base offset).
 */
export function parseDirectory(bytes) {
  const state = { pos: 0 };
  const out = new Map();
  const count = readVarint(bytes, state);
  let offset = readVarint(bytes, state);
  let c1 = 0;
  for (let i = 0; i < count; i++) {
    c1 += readVarint(bytes, state);
    const c2 = readVarint(bytes, state);
    const n = readVarint(bytes, state);
    const length = readVarint(bytes, state);
    const exactLength = readVarint(bytes, state);
    const key = c2 === 0 ? String.fromCodePoint(c1) : String.fromCodePoint(c1, c2);
    out.set(key, { n, offset, length, exactLength, bigram: c2 !== 0 });
    offset += length + exactLength;
  }
  return out;
}

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

export class SearchIndex {
  constructor(meta, base) {
    this.meta = meta;
    this.base = base;
    this.layout = meta.layout;
    this.n = meta.docs;
    this.cache = new Map();
    this.decoded = new Map();
    this.bytesFetched = 0;
    // Of which exact positions (confirmations), for the benchmark.
    this.bytesExact = 0;
    this.loadedFacets = meta.facets.map(() => null);
    this.facetCache = [];
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

  /**
   * Whether mentor `doc` carries value `v` of facet `f`, from the facet's column if loaded,
   * else from the value's own set in values.bin; undefined until one of them has arrived.
   */
  carries(f, v, doc) {
    const column = this.loadedFacets[f];
    if (column) return Boolean(column.bits[doc * column.words + (v >> 5)] & (1 << (v & 31)));
    const set = this.valueSets?.get(`${f}:${v}`);
    return set ? Boolean(set[doc >> 3] & (1 << (doc & 7))) : undefined;
  }

  /**
   * Loads what carries(f, v, ·) needs: the value's set by Range where the index has
   * values.bin (a few hundred bytes), else the facet's whole column.
   */
  loadCarrier(f, v) {
    const at = this.meta.facets[f].values[v].set;
    if (!this.layout.values || !at) return this.facet(f);
    this.valueSets ??= new Map();
    const cacheKey = `value:${f}:${v}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.fetchRange(this.layout.values, at[0], at[1]).then((bytes) => {
        const docs = readMentors(bytes, { pos: 0 }, new Uint32Array(this.meta.facets[f].values[v].count), this.n);
        const bitmap = new Uint8Array(Math.ceil(this.n / 8));
        for (const d of docs) bitmap[d >> 3] |= 1 << (d & 7);
        this.valueSets.set(`${f}:${v}`, bitmap);
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
  }

  /** Facet `f`'s bitsets: { words, bits: Uint32Array of `words` words per mentor }. */
  facet(f) {
    if (!this.facetCache[f]) {
      const facet = this.meta.facets[f];
      const width = Math.max(1, Math.ceil(facet.values.length / 8));
      let raw;
      if (this.layout.single) {
        const offset = this.meta.facets.slice(0, f)
          .reduce((s, g) => s + this.n * Math.max(1, Math.ceil(g.values.length / 8)), 0);
        raw = this.single().then((s) => s.facets.subarray(offset, offset + this.n * width));
      } else {
        raw = this.fetchFile(this.layout.facets.replace('{}', f));
      }
      const p = raw.then((bytes) => {
        const words = Math.ceil(width / 4);
        const bits = new Uint32Array(this.n * words);
        for (let d = 0; d < this.n; d++) {
          for (let b = 0; b < width; b++) {
            bits[d * words + (b >> 2)] |= bytes[d * width + b] << ((b & 3) * 8);
          }
        }
        this.loadedFacets[f] = { words, bits };
        return this.loadedFacets[f];
      });
      p.catch(() => { this.facetCache[f] = null; });
      this.facetCache[f] = p;
    }
    return this.facetCache[f];
  }

  /** Loads facets `fs` (indexes); resolves to every facet's bitsets so far (null = not loaded). */
  async facetsFor(fs) {
    await Promise.all(fs.map((f) => this.facet(f)));
    return this.loadedFacets;
  }

  /** The directory file that lists `key` (sharded layout), parsed. */
  directoryFor(key) {
    const path = this.layout.directory.replace('{}', keyHash(key) % this.layout.directories);
    const parsed = `parsed:${path}`;
    if (!this.cache.has(parsed)) this.cache.set(parsed, this.fetchFile(path).then(parseDirectory));
    return this.cache.get(parsed);
  }

  /**
   * `key`'s list, as a shard ({ bytes, keys }) that decodePostings reads: the single file's
   * postings, or (sharded) just this key's bytes of postings.bin, fetched with a Range request.
   */
  listFor(key) {
    if (this.layout.single) return this.single().then((s) => s.postings);
    const cacheKey = `list:${key}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.directoryFor(key).then(async (dir) => {
        const e = dir.get(key);
        if (!e) return { bytes: new Uint8Array(0), keys: new Map() };
        const bytes = await this.fetchRange(this.layout.postings, e.offset, e.length);
        return { bytes, keys: new Map([[key, { start: 0, n: e.n, bigram: e.bigram, exactLength: e.exactLength }]]) };
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
  }

  /** Bytes offset .. offset+length of `path` (one gzip member), inflated. */
  async fetchRange(path, offset, length) {
    const url = new URL(`${path}?v=${this.meta.stamp}`, this.base);
    const end = offset + length;
    const res = await fetch(url, { headers: { Range: `bytes=${offset}-${end - 1}` } });
    if (!res.ok) throw new Error(`search index: ${res.status} ${path}`);
    let bytes;
    if (res.status === 206) {
      bytes = new Uint8Array(await res.arrayBuffer());
      this.bytesFetched += bytes.byteLength;
    } else {
      // A host that ignores Range sends the whole file: read up to the list's end and stop.
      const reader = res.body.getReader();
      const chunks = [];
      let got = 0;
      while (got < end) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.byteLength;
      }
      reader.cancel();
      this.bytesFetched += got;
      const all = new Uint8Array(got);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.byteLength;
      }
      bytes = all.subarray(offset, end);
    }
    return inflate(bytes);
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

  /**
   * Fetches every key `terms` need (in parallel) before `match` runs synchronously. The
   * single-file layout holds the exact positions too; a sharded index reads them in
   * confirm(), after the first results are shown.
   */
  async prepare(terms) {
    const plan = terms.map((term) => termKeys(term).map((k, i) => [k, i]));
    const keys = [...new Set(plan.flat().map(([k]) => k))];
    const shards = await Promise.all(keys.map((k) => this.listFor(k)));
    const lists = new Map();
    keys.forEach((k, i) => {
      // Decoded once per key (match() only reads them), so exact positions read for one
      // query serve the next one at once.
      let list = this.decoded.get(k);
      if (!list) {
        list = decodePostings(shards[i], k, this.n);
        const entry = shards[i].keys.get(k);
        if (this.layout.single && entry?.bigram) decodeExact(shards[i].bytes, list.end, entry.end, list);
        list.exactLength = entry?.exactLength ?? 0;
        this.decoded.set(k, list);
      }
      lists.set(k, list);
    });
    lists.plan = plan;
    // Per term, the bigrams whose exact positions confirm it: the cheapest to read that
    // still cover every character.
    lists.cover = plan.map((keys) => new Set(keys.length < 2 ? [] : coverOffsets(
      keys.map(([k]) => (lists.get(k).exact ? 0 : lists.get(k).exactLength)))));
    return lists;
  }

  /** Whether match() on `lists` is only a first answer: a covering bigram lacks positions. */
  needsConfirm(lists) {
    return lists.plan.some((keys, t) => keys.some(([k, i]) => lists.cover[t].has(i) && !lists.get(k).exact));
  }

  /** Reads the exact positions of the covering bigrams (sharded layout). */
  async confirm(lists) {
    const keys = new Set(lists.plan.flatMap((ks, t) => ks.filter(([, i]) => lists.cover[t].has(i)).map(([k]) => k)));
    await Promise.all([...keys].map(async (k) => {
      const list = lists.get(k);
      if (list.exact) return;
      const bytes = list.docs.length ? await this.exactFor(k) : new Uint8Array(0);
      decodeExact(bytes, 0, bytes.length, list);
    }));
  }

  /** `key`'s exact positions: the gzip member after its list in postings.bin, inflated. */
  exactFor(key) {
    const cacheKey = `exact:${key}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.directoryFor(key).then((dir) => {
        const e = dir.get(key);
        if (!e || !e.exactLength) return new Uint8Array(0);
        this.bytesExact += e.exactLength;
        return this.fetchRange(this.layout.postings, e.offset + e.length, e.exactLength);
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
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
    terms.forEach((term, t) => {
      const keys = lists.plan[t];
      // Intersect the term's key lists (ascending). A mentor stays while some field holds every
      // bigram so far at its offset: with exact positions, some start p with each bigram at
      // p + offset; before they arrive, position bits, each rotated by the bigram's offset in
      // the term, that still share a bit in that field (a superset: positions mod 8).
      const cur = lists.get(keys[0][0]);
      const cover = lists.cover[t];
      const exact = keys.length > 1 && keys.every(([k, i]) => !cover.has(i) || lists.get(k).exact);
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
    });
    return { docs, scores, masks: termMasks };
  }
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
