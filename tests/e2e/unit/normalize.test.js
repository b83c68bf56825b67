// The browser normaliser against the vectors the Rust builder is tested with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO } from '../lib/harness.js';
import { normalize, runs, keys, keyHash, queryTerms, shortReading, termKeys } from '../../../templates/static/search-normalize.js';

const vectors = JSON.parse(readFileSync(`${REPO}/generator/src/search/vectors.json`, 'utf8'));

test('normalisation matches the shared vectors', () => {
  for (const { input, output } of vectors.normalize) assert.equal(normalize(input), output, input);
});

test('runs and keys match the shared vectors', () => {
  for (const c of vectors.runs) {
    const n = normalize(c.input);
    assert.deepEqual(runs(n).map((r) => r.join('')), c.runs, c.input);
    assert.deepEqual(keys(n), c.keys, c.input);
  }
});

test('short readings match the shared vectors', () => {
  for (const { input, short } of vectors.readings) assert.equal(shortReading(normalize(input)), short, input);
});

test('key hashes match the shared vectors', () => {
  for (const { key, hash } of vectors.hash) assert.equal(keyHash(key), hash, key);
});

test('query terms are deduplicated runs and one character needs its unigram', () => {
  assert.deepEqual(queryTerms('育休　理系 育休').map((t) => t.join('')), ['育休', '理系']);
  assert.deepEqual(termKeys(['育']), ['育']);
  assert.deepEqual(termKeys(['育', '休', '中']), ['育休', '休中']);
});
