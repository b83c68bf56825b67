// Exactness at volume: 500+ queries built from the sample profiles — substrings, labels,
// aliases, readings in kana and romaji, variant kanji and kana, two-word queries — run through
// the browser's own search modules (expand, fetch, confirm, match) in headless Chromium
// (playwright-core) and Firefox ESR (puppeteer-core over WebDriver BiDi), each compared with the
// plain-substring oracle (lib/oracle.js): both browsers give the oracle's answer.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { newPage, siteStack } from '../lib/harness.js';
import { Oracle } from '../lib/oracle.js';
import { VARIANTS, queryTerms } from '../../../templates/static/search-normalize.js';

let stack;
let oracle;

before(async () => {
  stack = await siteStack();
  oracle = new Oracle(stack.index);
});

after(() => stack?.close());

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const toKatakana = (s) => s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
// Common form → a variant that folds to it (the reverse of the VARIANTS table).
const VARIANT_OF = new Map();
for (let i = 0; i + 1 < [...VARIANTS].length; i += 2) {
  const [v, c] = [[...VARIANTS][i], [...VARIANTS][i + 1]];
  if (!VARIANT_OF.has(c)) VARIANT_OF.set(c, v);
}
const ROMAJI = {
  'たかはし まい': ['takahashi', 'takahasi', 'mai'], 'さいとう ともこ': ['saitou', 'saitoh', 'saito', 'saitō', 'tomoko'],
  'ささき めぐみ': ['sasaki', 'megumi'], 'わたなべ さやか': ['watanabe', 'sayaka'], 'やまだ けいこ': ['yamada', 'keiko'],
  'なかむら あきこ': ['nakamura', 'akiko'], 'かとう みほ': ['katou', 'kato', 'katoh', 'miho'],
  'おがわ じゅんこ': ['ogawa', 'junko', 'zyunko'], 'おかだ ゆうこ': ['okada', 'yuko', 'yuuko', 'yūko', 'yuhko'],
};

function queries() {
  const rnd = random(17);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const substring = (text, min, max) => {
    const chars = [...text.replace(/\s+/g, '')];
    const len = Math.min(chars.length, min + Math.floor(rnd() * (max - min + 1)));
    const at = Math.floor(rnd() * (chars.length - len + 1));
    return chars.slice(at, at + len).join('');
  };
  const out = new Set();
  oracle.docs.forEach(([, name, title, summary, bio], i) => {
    out.add(name.split(/\s/)[0]);
    out.add(substring(title, 2, 4));
    out.add(substring(summary, 2, 5));
    for (let k = 0; k < 4; k++) out.add(substring(bio, 1, 6));
    out.add(toKatakana(substring(bio, 2, 4)));
    const varied = [...name].map((c) => VARIANT_OF.get(c) ?? c).join('');
    if (varied !== name) out.add(varied);
    const kana = oracle.mentors[i].name_kana;
    if (kana) {
      out.add(kana.split(' ')[0]);
      out.add(toKatakana(kana.split(' ')[1]));
      for (const r of ROMAJI[kana] ?? []) out.add(r);
    }
  });
  for (const facet of oracle.meta.facets) for (const v of facet.values) out.add(v.label);
  for (const group of oracle.meta.aliases) for (const w of group) out.add(w);
  for (const q of ['マネジャー', 'マネージャー', 'まねーじゃー', 'ｶﾝﾘｼｮｸ', 'kanrishoku', 'バイオリン', 'ヴァイオリン',
    'コンピュータ', 'engineer', 'STEM', 'ＨＲ', '佐佐木', '斉藤', '齋藤', 'ぬぬぬ', 'mana', 'かんり',
    'engneer', 'enginer', 'manger', 'reseach', 'exectuive', 'sael', 'bos', 'saaas', 'acounting']) out.add(q);
  const singles = [...out];
  while (out.size < 560) out.add(`${pick(singles)} ${pick(singles)}`);
  // (a query of punctuation only has no words: the page shows everyone without searching)
  return [...out].filter((q) => queryTerms(q).length);
}

/** Runs every query through the page's own modules; per query, the matching docs. */
async function searchInPage(qs) {
  const { openIndex } = await import('/static/search-index.js');
  const { queryTerms } = await import('/static/search-normalize.js');
  const { altTerms, expandTerms } = await import('/static/search-expand.js');
  const index = await openIndex(new URL('/search/', location.href));
  const out = [];
  for (const q of qs) {
    const groups = expandTerms(queryTerms(q), index.meta, await index.words());
    const lists = await index.prepare(altTerms(groups));
    if (index.needsConfirm(lists)) await index.confirm(lists);
    out.push(Array.from(index.matchGroups(groups, lists).docs));
  }
  return out;
}

test("the index's word list is exactly the oracle's", async () => {
  const page = await newPage(stack.browser);
  await page.goto(`${stack.server.url}/`);
  const words = await page.evaluate(async () => {
    const { openIndex } = await import('/static/search-index.js');
    return (await openIndex(new URL('/search/', location.href))).words();
  });
  assert.deepEqual(words, oracle.words);
  await page.context().close();
});

function assertOracle(list, got, browser) {
  const slug = (d) => oracle.docs[d][0];
  let nonEmpty = 0;
  list.forEach((q, i) => {
    const expected = oracle.results(q).sort();
    if (expected.length) nonEmpty++;
    assert.deepEqual(got[i].map(slug).sort(), expected, `${browser}: query ${JSON.stringify(q)}`);
  });
  assert.ok(nonEmpty > list.length / 2, `${nonEmpty} of ${list.length} queries find someone`);
}

test('500+ queries return exactly what the oracle finds, in Chromium', async () => {
  const list = queries();
  assert.ok(list.length >= 500, `${list.length} queries`);
  const page = await newPage(stack.browser);
  await page.goto(`${stack.server.url}/`);
  assertOracle(list, await page.evaluate(searchInPage, list), 'chromium');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the same 500+ queries give the same answers in Firefox', async () => {
  const list = queries();
  const firefox = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
  });
  try {
    const page = await firefox.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`${stack.server.url}/`);
    assert.match(await page.evaluate(() => navigator.userAgent), /Firefox/);
    assertOracle(list, await page.evaluate(searchInPage, list), 'firefox');
    assert.deepEqual(errors, []);
  } finally {
    await firefox.close();
  }
});
