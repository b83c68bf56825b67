// The index's binary formats, decoded (written by generator/src/search: postings.rs,
// positions.rs, the layout in mod.rs; shared byte vectors in postings_vectors.json). No DOM,
// no fetching: search-index.js reads the files, node tests import this module directly.

export async function inflate(buffer) {
  const bytes = new Uint8Array(buffer);
  // Stored gzip-compressed; a host that already sent Content-Encoding: gzip leaves plain bytes.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function readVarint(bytes, state) {
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

/**
 * Bytes of a facet's column of `values` values over `n` mentors (search/facets.rs
 * column_len): a bitset of ceil(values / 8) bytes per mentor, or for a facet of one value (the
 * accepting toggle) one bit per mentor.
 */
export function columnLength(values, n) {
  return values === 1 ? Math.ceil(n / 8) : Math.max(1, Math.ceil(values / 8)) * n;
}

/** A facet's column, decoded: { words, bits: Uint32Array of `words` words per mentor }. */
export function decodeColumn(bytes, values, n) {
  if (values === 1) {
    const bits = new Uint32Array(n);
    for (let d = 0; d < n; d++) bits[d] = (bytes[d >> 3] >> (d & 7)) & 1;
    return { words: 1, bits };
  }
  const width = Math.max(1, Math.ceil(values / 8));
  const words = Math.ceil(width / 4);
  const bits = new Uint32Array(n * words);
  for (let d = 0; d < n; d++) {
    for (let b = 0; b < width; b++) bits[d * words + (b >> 2)] |= bytes[d * width + b] << ((b & 3) * 8);
  }
  return { words, bits };
}

/** Field bit f = 1 << f (name, title, labels, summary, bio). */
export const FIELD_COUNT = 5;

/**
 * One key's list (layout: postings::encode_shard): mentors as a bitset when count * 8 >= docs,
 * else delta varints; then per field a bitset over the list; then, for bigrams, per field one
 * position byte (bit r = a position ≡ r mod 8) for each posting carrying that field — unless
 * the entry says `bitsApart` (a sharded index keeps them in their own member: decodeBits). Until
 * they are read a bigram's position bytes are 0xff (any position). `docsTotal` = mentors in the
 * index. Returns { docs: Uint32Array ascending, masks: Uint8Array, pos: Uint8Array
 * (FIELD_COUNT each), bits: whether pos is read, end: where the list ended (its exact
 * positions follow in the single-file layout) }.
 */
export function decodePostings(shard, key, docsTotal) {
  const entry = shard.keys.get(key);
  const n = entry ? entry.n : 0;
  const docs = new Uint32Array(n);
  const masks = new Uint8Array(n);
  const pos = new Uint8Array(n * FIELD_COUNT);
  if (!entry) return { docs, masks, pos, bits: true, end: 0 };
  const { bytes } = shard;
  const state = { pos: entry.start };
  readMentors(bytes, state, docs, docsTotal);
  const width = Math.ceil(n / 8);
  for (let f = 0; f < FIELD_COUNT; f++) {
    const at = state.pos + f * width;
    for (let j = 0; j < n; j++) if (bytes[at + (j >> 3)] & (1 << (j & 7))) masks[j] |= 1 << f;
  }
  state.pos += FIELD_COUNT * width;
  const list = { docs, masks, pos, bits: !entry.bigram, end: state.pos };
  if (entry.bigram && entry.bitsApart) {
    for (let j = 0; j < n; j++) {
      for (let f = 0; f < FIELD_COUNT; f++) if (masks[j] & (1 << f)) pos[j * FIELD_COUNT + f] = 0xff;
    }
  } else if (entry.bigram) {
    list.end = decodeBits(bytes, state.pos, bytes.length, list);
  }
  return list;
}

/**
 * A bigram's position bytes (part 3 of its list) from `bytes` at `start`, into `list.pos`;
 * `end` bounds them (a member of their own must end exactly where they do). Returns where
 * they ended.
 */
export function decodeBits(bytes, start, end, list) {
  let at = start;
  const n = list.docs.length;
  for (let f = 0; f < FIELD_COUNT; f++) {
    for (let j = 0; j < n; j++) if (list.masks[j] & (1 << f)) list.pos[j * FIELD_COUNT + f] = bytes[at++];
  }
  if (at > end) throw new Error('search index: position bits do not fit their list');
  list.bits = true;
  return at;
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

export const NONE = Object.freeze([]);

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
 * A directory file (postings::encode_directory): key → { n, offset, length, bitsLength,
 * exactLength, bigram }: where its list lies in postings.bin, its position bits and exact
 * positions right after it (lists of one directory are back to back from a base offset).
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
    const bitsLength = readVarint(bytes, state);
    const exactLength = readVarint(bytes, state);
    const key = c2 === 0 ? String.fromCodePoint(c1) : String.fromCodePoint(c1, c2);
    out.set(key, { n, offset, length, bitsLength, exactLength, bigram: c2 !== 0 });
    offset += length + bitsLength + exactLength;
  }
  return out;
}
