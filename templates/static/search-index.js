// Reading and querying the index that generator/src/search builds (schema: search/mod.rs).
// No DOM here: search.js drives the page; node tests can import this module too.

import { keyHash, termKeys } from './search-normalize.js';
import {
  NONE, columnLength, decodeBits, decodeColumn, decodeExact, decodePostings, inflate, parseDirectory, parseShard,
} from './search-format.js';
import { coverOffsets, matchGroups } from './search-match.js';
import { TYPO_FACTOR } from './search-expand.js';

/**
 * The list of a key a query did not read because its term matches nothing anyway (prepare):
 * empty, and with nothing left to confirm.
 */
const UNREAD = Object.freeze({
  docs: new Uint32Array(0), masks: new Uint8Array(0), pos: new Uint8Array(0), bits: true, exact: NONE, exactLength: 0,
});

/** Loads meta.json; every other file is fetched lazily and at most once. */
export async function openIndex(base) {
  const res = await fetch(new URL('meta.json', base), { cache: 'no-cache' });
  if (!res.ok) throw new Error(`search index: ${res.status}`);
  return new SearchIndex(await res.json(), base);
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
    // Of which what confirms a longer term (position bits, exact positions), for the benchmark.
    this.bytesConfirm = 0;
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

  /** Facet `f`'s bitsets: { words, bits: Uint32Array of `words` words per mentor }. */
  facet(f) {
    if (!this.facetCache[f]) {
      const facet = this.meta.facets[f];
      let raw;
      if (this.layout.single) {
        const offset = this.meta.facets.slice(0, f).reduce((s, g) => s + columnLength(g.values.length, this.n), 0);
        raw = this.single().then((s) => s.facets.subarray(offset, offset + columnLength(facet.values.length, this.n)));
      } else {
        raw = this.fetchFile(this.layout.facets.replace('{}', f));
      }
      const p = raw.then((bytes) => {
        this.loadedFacets[f] = decodeColumn(bytes, facet.values.length, this.n);
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
   * postings, or (sharded) just this key's mentors and field bits from postings.bin, fetched
   * with a Range request (its position bits follow in confirm()).
   */
  listFor(key) {
    if (this.layout.single) return this.single().then((s) => s.postings);
    const cacheKey = `list:${key}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.directoryFor(key).then(async (dir) => {
        const e = dir.get(key);
        if (!e) return { bytes: new Uint8Array(0), keys: new Map() };
        const bytes = await this.fetchRange(this.layout.postings, e.offset, e.length);
        return { bytes, keys: new Map([[key, { ...e, start: 0, bitsApart: true }]]) };
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
  }

  /** Bytes offset .. offset+length of `path` (one gzip member), inflated. */
  async fetchRange(path, offset, length) {
    return inflate(await this.rangeBytes(path, offset, length));
  }

  /** Bytes offset .. offset+length of `path` as stored, by an HTTP Range request. */
  async rangeBytes(path, offset, length) {
    const url = new URL(`${path}?v=${this.meta.stamp}`, this.base);
    const end = offset + length;
    const res = await fetch(url, { headers: { Range: `bytes=${offset}-${end - 1}` } });
    if (!res.ok) throw new Error(`search index: ${res.status} ${path}`);
    if (res.status === 206) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      this.bytesFetched += bytes.byteLength;
      return bytes;
    }
    // A host that ignores Range sends the whole file: read up to the range's end and stop.
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
    return all.subarray(offset, end);
  }

  /**
   * Mentor `doc`'s record [slug, name, title, summary, bio, values] (values: her value
   * indexes per meta.json facet, generator/src/search/docs.rs). In a sharded index the bio is
   * empty: bio().
   */
  async card(doc) {
    if (this.layout.single) return (await this.single()).docs[doc];
    const { cardBlock } = this.layout;
    return (await this.block(this.layout.cards, Math.floor(doc / cardBlock), 0))[doc % cardBlock];
  }

  /** Mentor `doc`'s bio as plain text (for snippets). */
  async bio(doc) {
    if (this.layout.single) return (await this.single()).docs[doc][4];
    const { bioBlock, cardBlocks } = this.layout;
    return (await this.block(this.layout.bios, Math.floor(doc / bioBlock), cardBlocks + 1))[doc % bioBlock];
  }

  /**
   * Block `b` of `path` (cards.bin or bios.bin), parsed: its bounds are entries `first + b`
   * and `first + b + 1` of blocks.idx (8 bytes by Range), then the block itself by Range.
   */
  block(path, b, first) {
    const cacheKey = `block:${path}:${b}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.rangeBytes(this.layout.blockIndex, 4 * (first + b), 8).then(async (idx) => {
        const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
        const start = view.getUint32(0, true);
        const bytes = await this.fetchRange(path, start, view.getUint32(4, true) - start);
        return JSON.parse(new TextDecoder().decode(bytes));
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
  }

  /**
   * Fetches every key `terms` need (in parallel) before `match` runs synchronously. The
   * single-file layout holds the position bits and exact positions too; a sharded index reads
   * them in confirm(), after the first results are shown.
   */
  async prepare(terms) {
    const plan = terms.map((term) => termKeys(term).map((k, i) => [k, i]));
    const keys = [...new Set(plan.flat().map(([k]) => k))];
    // A sharded index looks the keys up first: a term with a key in no mentor matches
    // nothing, so the lists only it needs are not read (an alias reading such as かんりしょく
    // often is such a term, and its other bigrams can be common ones).
    const live = this.layout.single ? null : await this.liveKeys(plan, keys);
    const shards = await Promise.all(keys.map((k) => (!live || live.has(k) ? this.listFor(k) : null)));
    const lists = new Map();
    keys.forEach((k, i) => {
      // Decoded once per key (match() only reads them), so exact positions read for one
      // query serve the next one at once.
      let list = this.decoded.get(k);
      if (!list && !shards[i]) {
        lists.set(k, UNREAD);
        return;
      }
      if (!list) {
        list = decodePostings(shards[i], k, this.n);
        const entry = shards[i].keys.get(k);
        if (this.layout.single && entry?.bigram) decodeExact(shards[i].bytes, list.end, entry.end, list);
        list.bitsLength = entry?.bitsLength ?? 0;
        list.exactLength = entry?.exactLength ?? 0;
        this.decoded.set(k, list);
      }
      lists.set(k, list);
    });
    lists.plan = plan;
    lists.texts = terms.map((t) => t.join(''));
    // Per term, the bigrams whose exact positions confirm it: the cheapest to read that
    // still cover every character.
    lists.cover = plan.map((keys) => new Set(keys.length < 2 ? [] : coverOffsets(
      keys.map(([k]) => (lists.get(k).exact ? 0 : lists.get(k).exactLength)))));
    // Terms of three or more characters to confirm: those whose every bigram is in some
    // mentor (confirming only removes mentors; a term without them has none).
    lists.confirming = plan.map((keys) => keys.length > 1 && keys.every(([k]) => lists.get(k).docs.length > 0));
    return lists;
  }

  /** Of `keys` (plan: per term, its [key, offset]s), those of terms whose every key exists. */
  async liveKeys(plan, keys) {
    const dirs = await Promise.all(keys.map((k) => this.directoryFor(k)));
    const present = new Set(keys.filter((k, i) => dirs[i].has(k)));
    return new Set(plan.filter((ks) => ks.every(([k]) => present.has(k))).flat().map(([k]) => k));
  }

  /**
   * Whether match() on `lists` is only a first answer: a term of three or more characters
   * lacks its bigrams' position bits or its covering bigrams' exact positions.
   */
  needsConfirm(lists) {
    return lists.plan.some((keys, t) => lists.confirming[t]
      && keys.some(([k, i]) => !lists.get(k).bits || (lists.cover[t].has(i) && !lists.get(k).exact)));
  }

  /**
   * Reads what confirms each term of three or more characters (sharded layout): the
   * position bits of its bigrams, then the exact positions of the covering ones.
   */
  async confirm(lists) {
    const confirming = lists.plan.filter((ks, t) => lists.confirming[t]);
    const cover = new Set(lists.plan.flatMap((ks, t) => (lists.confirming[t] ? ks.filter(([, i]) => lists.cover[t].has(i)).map(([k]) => k) : [])));
    const keys = new Set(confirming.flatMap((ks) => ks.map(([k]) => k)));
    await Promise.all([...keys].map(async (k) => {
      const list = lists.get(k);
      if (!list.bits) {
        const bytes = list.docs.length ? await this.memberAfter(k, 'bits') : new Uint8Array(0);
        if (!list.bits) decodeBits(bytes, 0, bytes.length, list);
      }
      if (!cover.has(k) || list.exact) return;
      const bytes = list.docs.length ? await this.memberAfter(k, 'exact') : new Uint8Array(0);
      decodeExact(bytes, 0, bytes.length, list);
    }));
  }

  /**
   * `key`'s position bits (`part` 'bits') or exact positions ('exact'): the gzip members
   * after its list in postings.bin, inflated.
   */
  memberAfter(key, part) {
    const cacheKey = `${part}:${key}`;
    if (!this.cache.has(cacheKey)) {
      const p = this.directoryFor(key).then((dir) => {
        const e = dir.get(key);
        const length = part === 'bits' ? e?.bitsLength : e?.exactLength;
        if (!length) return new Uint8Array(0);
        this.bytesConfirm += length;
        const offset = e.offset + e.length + (part === 'bits' ? 0 : e.bitsLength);
        return this.fetchRange(this.layout.postings, offset, length);
      });
      p.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, p);
    }
    return this.cache.get(cacheKey);
  }
  /**
   * Mentors matching every word of `groups` (search-expand.js) through any of its
   * alternatives; `lists` comes from prepare(altTerms(groups)).
   */
  matchGroups(groups, lists) {
    return matchGroups(this.meta, groups.map((g) => g.alts.map((a) => ({
      t: lists.texts.indexOf(a.text), fields: a.fields, factor: a.kind === 'typo' ? TYPO_FACTOR : 1,
    }))), lists);
  }

  /** The Latin words typing mistakes are corrected to (meta.json `words`), read once. */
  words() {
    if (!this.meta.words) return Promise.resolve([]);
    if (!this.wordList) {
      this.wordList = this.fetchFile(this.meta.words.file)
        .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)));
      this.wordList.catch(() => { this.wordList = null; });
    }
    return this.wordList;
  }
}
