// The browser's decoder against the bytes the Rust encoder is tested to write
// (generator/src/search/postings_vectors.json), so the two sides of the index format agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO } from '../lib/harness.js';
import {
  columnLength, decodeBits, decodeColumn, decodePostings, decodeExact, parseDirectory, FIELD_COUNT,
} from '../../../templates/static/search-format.js';
import { coverOffsets } from '../../../templates/static/search-match.js';

const vectors = JSON.parse(readFileSync(`${REPO}/generator/src/search/postings_vectors.json`, 'utf8'));
const bytesOf = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));

test('lists decode to the postings they were encoded from (varint and bitset mentors)', () => {
  for (const c of vectors.lists) {
    const shard = { bytes: bytesOf(c.hex), keys: new Map([[c.key, { start: 0, n: c.postings.length, bigram: [...c.key].length === 2 }]]) };
    const got = decodePostings(shard, c.key, c.docs);
    assert.deepEqual([...got.docs], c.postings.map((p) => p[0]), `mentors of ${c.key}`);
    assert.deepEqual([...got.masks], c.postings.map((p) => p[1]), `field masks of ${c.key}`);
    const pos = c.postings.flatMap((p) => p[2]);
    assert.equal(got.pos.length, c.postings.length * FIELD_COUNT);
    assert.deepEqual([...got.pos], pos, `positions of ${c.key}`);
  }
  assert.ok(vectors.lists.some((c) => c.postings.length * 8 >= c.docs), 'a bitset case is covered');
  assert.ok(vectors.lists.some((c) => c.postings.length * 8 < c.docs), 'a varint case is covered');
});

test('position bits read apart from the list (a sharded index) fill in the same list', () => {
  for (const c of vectors.lists.filter((l) => [...l.key].length === 2)) {
    const bytes = bytesOf(c.hex);
    const entry = { start: 0, n: c.postings.length, bigram: true };
    const whole = decodePostings({ bytes, keys: new Map([[c.key, entry]]) }, c.key, c.docs);
    const head = decodePostings({ bytes, keys: new Map([[c.key, { ...entry, bitsApart: true }]]) }, c.key, c.docs);
    assert.equal(head.bits, false);
    assert.deepEqual([...head.docs], [...whole.docs]);
    assert.deepEqual([...head.masks], [...whole.masks]);
    // Until the bits arrive every field holding the key allows any position.
    assert.deepEqual([...head.pos], [...whole.masks].flatMap((m) => [0, 1, 2, 3, 4].map((f) => (m & (1 << f) ? 0xff : 0))));
    const bits = bytes.subarray(head.end);
    assert.equal(decodeBits(bits, 0, bits.length, head), bits.length, `${c.key}: the bits fill their member`);
    assert.equal(head.bits, true);
    assert.deepEqual([...head.pos], [...whole.pos], `position bits of ${c.key}`);
    assert.throws(() => decodeBits(bits.subarray(0, bits.length - 1), 0, bits.length - 1, head), /do not fit/);
  }
});

test('exact positions decode to the occurrences they were encoded from, per posting and field', () => {
  const cases = vectors.lists.filter((c) => c.exact);
  assert.ok(cases.length, 'an exact-positions case is covered');
  for (const c of cases) {
    const shard = { bytes: bytesOf(c.hex), keys: new Map([[c.key, { start: 0, n: c.postings.length, bigram: true }]]) };
    const list = decodePostings(shard, c.key, c.docs);
    const bytes = bytesOf(c.exactHex);
    decodeExact(bytes, 0, bytes.length, list);
    c.exact.forEach((occurrences, j) => {
      for (let f = 0; f < FIELD_COUNT; f++) {
        const want = occurrences.filter(([field]) => field === f).map(([, p]) => p).sort((a, b) => a - b);
        const got = [...list.exact[j * FIELD_COUNT + f]].sort((a, b) => a - b);
        assert.deepEqual(got, want, `${c.key}: posting ${j}, field ${f}`);
      }
    });
    assert.throws(() => decodeExact(bytes, 0, bytes.length + 1, list), /do not fit/);
  }
});

test('a key missing from its shard decodes to an empty list', () => {
  const got = decodePostings({ bytes: new Uint8Array(0), keys: new Map() }, '無い', 10);
  assert.equal(got.docs.length, 0);
});

test('a directory file gives each key its byte range in postings.bin', () => {
  const dir = parseDirectory(bytesOf(vectors.directory.hex));
  assert.deepEqual(
    [...dir].map(([key, e]) => ({ key, n: e.n, offset: e.offset, length: e.length, bitsLength: e.bitsLength, exactLength: e.exactLength })),
    vectors.directory.entries,
  );
  assert.equal(dir.get('a').bigram, false);
  assert.equal(dir.get('育休').bigram, true);
});

test('a term is confirmed by the cheapest bigrams that still fix every character', () => {
  assert.deepEqual(coverOffsets([5]), [0]);
  assert.deepEqual(coverOffsets([5, 5]), [0, 1], 'three characters need both bigrams');
  assert.deepEqual(coverOffsets([1, 9, 1]), [0, 2], 'the middle one is implied');
  assert.deepEqual(coverOffsets([1, 1, 9, 1, 9, 1]), [0, 1, 3, 5]);
  assert.deepEqual(coverOffsets([9, 0, 9, 0, 9]), [0, 1, 3, 4], 'positions already read are free');
  // Never two neighbours skipped, first and last always taken.
  for (const w of [[3, 1, 4, 1, 5, 9, 2, 6], [1, 1, 1, 1, 1, 1, 1], [0, 0, 0]]) {
    const c = coverOffsets(w);
    assert.equal(c[0], 0);
    assert.equal(c.at(-1), w.length - 1);
    for (let k = 1; k < c.length; k++) assert.ok(c[k] - c[k - 1] <= 2, `${w}: ${c}`);
  }
});

test('facet columns: a bitset per mentor, or one bit per mentor for a facet of one value', () => {
  // The bytes generator/src/search/facets.rs is tested to write (mentors 0, 3, 6, 9 of 10).
  const one = decodeColumn(Uint8Array.from([0b0100_1001, 0b10]), 1, 10);
  assert.equal(one.words, 1);
  assert.deepEqual([...one.bits], [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  assert.equal(columnLength(1, 10), 2);
  // 13 values: two bytes per mentor, bit i = value i.
  const wide = decodeColumn(Uint8Array.from([0b10, 0, 0b1, 0b10000, 0, 0]), 13, 3);
  assert.equal(wide.words, 1);
  assert.deepEqual([...wide.bits], [0b10, 0b1000000000001, 0]);
  assert.equal(columnLength(13, 3), 6);
});
