// The directory search in headless chromium against the built sample site on loopback.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { directorySettled, newPage, siteStack, waitFor } from '../lib/harness.js';
import { Oracle } from '../lib/oracle.js';
import { normalize } from '../../../templates/static/search-normalize.js';

let server;
let browser;
let oracle;

let stack;

before(async () => {
  stack = await siteStack();
  ({ server, browser } = stack);
  oracle = new Oracle(stack.index);
});

after(() => stack?.close());

async function open(path = '/', options = {}) {
  const page = await newPage(browser, options);
  await page.goto(server.url + path);
  if (options.javaScriptEnabled !== false) {
    await waitFor(page, () => document.documentElement.dataset.searchReady === 'true');
  }
  return page;
}

/** Waits until the list shows the results for the page's current URL. */
const settled = (page) => directorySettled(page);

const shown = (page) =>
  page.$$eval('#mentor-list > li.mentor-card', (els) => els.map((e) => e.dataset.slug));

async function type(page, text) {
  await page.fill('#search-q', text);
  await settled(page);
}

const sorted = (a) => [...a].sort();

test('with JavaScript off the page lists every mentor and links to the facet pages', async () => {
  const page = await open('/', { javaScriptEnabled: false });
  assert.equal((await shown(page)).length, oracle.mentors.length);
  assert.equal(await page.isVisible('#search-panel'), false);
  assert.ok(await page.$('a[href^="/industries/"]'), 'browse links to static facet pages');
  await page.context().close();
});

test('the panel appears with a labelled search box and facet counts from the index', async () => {
  const page = await open('/');
  assert.equal(await page.isVisible('#search-q'), true);
  assert.equal(await page.textContent('label[for="search-q"]'), 'キーワードで探す');
  const legends = await page.$$eval('#search-facets legend', (els) => els.map((e) => e.textContent));
  assert.deepEqual(legends, oracle.meta.facets.filter((f) => f.key !== 'accepting').map((f) => f.label));
  assert.equal((await shown(page)).length, oracle.mentors.length);
  assert.match(await page.textContent('#search-status'), new RegExp(`全${oracle.mentors.length}人`));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

for (const [script, query] of [
  ['kanji', '育休'],
  ['hiragana (label and bio text)', 'しながら'],
  ['katakana', 'マネージャー'],
  ['hiragana for katakana text', 'まねーじゃー'],
  ['half-width katakana', 'ﾁｰﾑ'],
  ['full-width Latin', 'ＩＴ'],
  ['two terms ANDed', '育休　管理職'],
]) {
  test(`a ${script} query finds exactly the mentors whose text contains it: ${query}`, async () => {
    const expected = oracle.results(query);
    assert.ok(expected.length > 0, `sample content has ${query}`);
    assert.ok(expected.length < oracle.mentors.length, `${query} narrows the list`);
    const page = await open('/');
    await type(page, query);
    assert.deepEqual(sorted(await shown(page)), sorted(expected));
    assert.match(await page.textContent('#search-status'), new RegExp(`${expected.length}人のメンターが見つかりました`));
    assert.ok((await page.$$('#mentor-list mark')).length > 0, 'matches are highlighted');
    await page.context().close();
  });
}

test('variant kanji and kana, readings in kana or romaji and taxonomy aliases find the profile', async () => {
  const bySlug = (slug) => oracle.results(oracle.docs.find((d) => d[0] === slug)[1]);
  const cases = [
    ['髙橋', oracle.results('高橋')],
    ['マネジャー', oracle.results('マネージャー')],
    ['かんりしょく', oracle.results('管理職')],
    ['manager', oracle.results('管理職')],
    // An entry's own aliases (taxonomy.yaml `id: {label, aliases}`).
    ['女性管理職', oracle.results('女性初の管理職')],
    ['ｶﾝﾘｼｮｸ', oracle.results('管理職')],
    ['takahashi', bySlug('takahashi-mai')],
    ['saitoh', bySlug('saito-tomoko')],
    ['yuko', bySlug('okada-yuko')],
    ['ゆうこ', bySlug('okada-yuko')],
    // A typing mistake in a Latin word: corrected to the alias "engineer" (開発).
    ['engneer', oracle.results('開発')],
  ];
  const page = await open('/');
  for (const [query, expected] of cases) {
    assert.ok(expected.length > 0 && expected.length < oracle.mentors.length, `${query}: the sample narrows`);
    assert.deepEqual(sorted(oracle.results(query)), sorted(expected), `${query}: the oracle agrees`);
    await type(page, query);
    assert.deepEqual(sorted(await shown(page)), sorted(expected), query);
  }
  await type(page, 'engneer');
  assert.match(await page.textContent('#search-status'), /「engneer」は「engineer」/);
  // An alias's matches are marked in the word the card uses.
  await type(page, 'かんりしょく');
  assert.match(await page.textContent('#mentor-list mark'), /管理職/);
  await page.context().close();
});

test('zero results offer ways out with counts: drop a word, drop a filter, a close label', async () => {
  const page = await open('/');
  await type(page, '営業 ぬぬぬぬ');
  assert.equal((await shown(page)).length, 0);
  const offers = await page.$$eval('#search-suggest button', (bs) => bs.map((b) => b.textContent));
  const drop = offers.find((o) => o.includes('「ぬぬぬぬ」を外して探す'));
  assert.ok(drop, offers.join(' / '));
  assert.match(drop, new RegExp(`（${oracle.results('営業').length}人）`));
  assert.match(await page.textContent('#search-nohit'), /無料相談/);
  await page.click('#search-suggest button >> text=「ぬぬぬぬ」を外して探す');
  await settled(page);
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('営業')));
  assert.equal(await page.inputValue('#search-q'), '営業');
  // A word close to a label offers the label with its count.
  await type(page, '管理職登用打診');
  const labelOffers = await page.$$eval('#search-suggest button', (bs) => bs.map((b) => b.textContent));
  const topic = oracle.meta.facets.find((f) => f.key === 'topics').values.find((v) => v.id === 'promotion_decision');
  assert.ok(labelOffers.some((o) => o.includes(topic.label) && o.includes(`（${topic.count}人）`)), labelOffers.join(' / '));
  await page.context().close();
});

test('a vocabulary label finds the mentors who carry it even when their text never says it', async () => {
  // A tag label some carrier's own words (name, title, summary, bio) do not contain.
  const tags = oracle.meta.facets.find((f) => f.key === 'tags').values;
  let pick = null;
  for (const tag of tags) {
    const carriers = oracle.mentors.filter((m) => m.tags.includes(tag.id));
    const silent = carriers.find((m) => {
      const [, name, title, summary, bio] = oracle.docs[oracle.mentors.indexOf(m)];
      return ![name, title, summary, bio].some((t) => normalize(t).includes(normalize(tag.label)));
    });
    if (silent) {
      pick = { tag, carriers, silent };
      break;
    }
  }
  assert.ok(pick, 'the sample has a mentor whose bio does not repeat one of her tags');
  const page = await open('/');
  await type(page, pick.tag.label);
  const got = await shown(page);
  assert.ok(got.includes(pick.silent.slug), `${pick.tag.label} finds ${pick.silent.slug}`);
  for (const m of pick.carriers) assert.ok(got.includes(m.slug));
  assert.deepEqual(sorted(got), sorted(oracle.results(pick.tag.label)));
  const card = page.locator(`#mentor-list > li[data-slug="${pick.silent.slug}"]`);
  assert.match(await card.textContent(), new RegExp(pick.tag.label));
  await page.context().close();
});

test('a name outranks a bio mention', async () => {
  const first = oracle.mentors[3];
  const family = first.name.split(/\s/)[0];
  const page = await open('/');
  await type(page, family);
  assert.equal((await shown(page))[0], first.slug);
  await page.context().close();
});

async function tick(page, key, id, on = true) {
  const box = page.locator(`input[name="${key}"][value="${id}"]`);
  const details = box.locator('xpath=ancestor::details');
  if ((await details.count()) && !(await details.evaluate((d) => d.open))) {
    await details.locator('summary').click();
  }
  await box.setChecked(on);
  await settled(page);
}

/** The counts facet `key` shows; opens its group first, as counts are shown (and, on a
 *  large catalogue, fetched) for open groups. */
async function countsOf(page, key) {
  const details = page.locator(`input[name="${key}"]`).first().locator('xpath=ancestor::details');
  if ((await details.count()) && !(await details.evaluate((d) => d.open))) {
    await details.locator('summary').click();
  }
  await waitFor(page, (k) => [...document.querySelectorAll(`input[name="${k}"]`)]
    .every((b) => b.closest('label').querySelector('.search-facet__count').textContent !== ''), key);
  return page.$$eval(`input[name="${key}"]`, (boxes) =>
    boxes.map((b) => Number(b.closest('label').querySelector('.search-facet__count').textContent.replace(/\D/g, ''))));
}

test('facets are OR within and AND across, with counts of what each value would leave', async () => {
  const mentors = oracle.mentors;
  const industries = [...new Set(mentors.map((m) => m.industry))].slice(0, 2);
  const tag = mentors.find((m) => m.tags.length && industries.includes(m.industry)).tags[0];
  const page = await open('/');
  await tick(page, 'industry', industries[0]);
  await tick(page, 'industry', industries[1]);
  let sel = { industry: industries };
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('', sel)));
  await tick(page, 'tags', tag);
  sel = { industry: industries, tags: [tag] };
  const expected = oracle.results('', sel);
  assert.ok(expected.length > 0);
  assert.deepEqual(sorted(await shown(page)), sorted(expected));
  for (const key of ['industry', 'company_size', 'job_functions', 'age_band', 'tags', 'topics', 'accepting']) {
    assert.deepEqual(await countsOf(page, key), oracle.counts('', sel, key), `counts of ${key}`);
  }
  // With a query too.
  await type(page, 'キャリア');
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('キャリア', sel)));
  assert.deepEqual(await countsOf(page, 'tags'), oracle.counts('キャリア', sel, 'tags'));
  await page.context().close();
});

test('accepting-now toggle leaves only mentors who accept applications', async () => {
  const page = await open('/');
  await page.check('input[name="accepting"]');
  await settled(page);
  const expected = oracle.results('', { accepting: ['1'] });
  assert.ok(expected.length < oracle.mentors.length, 'some sample mentors are not accepting');
  assert.deepEqual(sorted(await shown(page)), sorted(expected));
  await page.context().close();
});

test('state lives in the URL: a shared link restores it and Back/Forward walk it', async () => {
  const industry = oracle.mentors.find((m) => oracle.matchesQuery(oracle.mentors.indexOf(m), '育休')).industry;
  const page = await open(`/?q=${encodeURIComponent('育休')}&industry=${industry}`);
  await settled(page);
  assert.equal(await page.inputValue('#search-q'), '育休');
  assert.equal(await page.isChecked(`input[name="industry"][value="${industry}"]`), true);
  const first = oracle.results('育休', { industry: [industry] });
  assert.deepEqual(sorted(await shown(page)), sorted(first));

  await tick(page, 'industry', industry, false);
  assert.equal(new URL(page.url()).search, `?q=${encodeURIComponent('育休')}`);
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('育休')));

  await page.goBack();
  await settled(page);
  assert.equal(await page.isChecked(`input[name="industry"][value="${industry}"]`), true);
  assert.deepEqual(sorted(await shown(page)), sorted(first));

  await page.goForward();
  await settled(page);
  assert.equal(await page.isChecked(`input[name="industry"][value="${industry}"]`), false);

  await page.reload();
  await waitFor(page, () => document.documentElement.dataset.searchReady === 'true');
  await settled(page);
  assert.equal(await page.inputValue('#search-q'), '育休');
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('育休')));
  await page.context().close();
});

test('typing makes one history entry, so Back returns to the page before the query', async () => {
  const page = await open('/');
  await page.locator('#search-q').pressSequentially('理系', { delay: 20 });
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('q'), '理系');
  await page.goBack();
  await settled(page);
  assert.equal(await page.inputValue('#search-q'), '');
  assert.equal((await shown(page)).length, oracle.mentors.length);
  await page.context().close();
});

test('a pause in typing keeps the query she looked at: Back returns to it, not to nothing', async () => {
  const page = await open('/');
  await page.locator('#search-q').pressSequentially('理系', { delay: 20 });
  await settled(page);
  await page.waitForTimeout(1800); // longer than the pause that ends a query's history entry
  await page.locator('#search-q').pressSequentially(' 営業', { delay: 20 });
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('q'), '理系 営業');
  await page.goBack();
  await settled(page);
  assert.equal(await page.inputValue('#search-q'), '理系');
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('理系')));
  // Leaving the box ends the entry too.
  await page.locator('#search-q').fill('');
  await page.locator('#search-q').pressSequentially('育休', { delay: 20 });
  await settled(page);
  await page.locator('#search-q').blur();
  await page.locator('#search-q').pressSequentially('中', { delay: 20 });
  await settled(page);
  await page.goBack();
  await settled(page);
  assert.equal(await page.inputValue('#search-q'), '育休');
  await page.context().close();
});

test('a query with no hits says so and suggests what to do; clear-all brings everyone back', async () => {
  const page = await open('/');
  await type(page, 'ぬぬぬぬ');
  assert.equal((await shown(page)).length, 0);
  assert.equal(await page.isVisible('#search-nohit'), true);
  assert.match(await page.textContent('#search-nohit'), /見つかりませんでした/);
  assert.match(await page.textContent('#search-status'), /見つかりませんでした/);
  await page.click('#search-clear');
  await settled(page);
  assert.equal((await shown(page)).length, oracle.mentors.length);
  assert.equal(await page.isVisible('#search-nohit'), false);
  assert.equal(new URL(page.url()).search, '');
  await page.context().close();
});

test('everything works by keyboard and the count is announced politely', async () => {
  const page = await open('/');
  assert.equal(await page.getAttribute('#search-status', 'aria-live'), 'polite');
  await page.focus('#search-q');
  await page.keyboard.type('営業');
  await settled(page);
  await page.keyboard.press('Tab'); // the accepting-now toggle follows the search box
  assert.equal(await page.evaluate(() => document.activeElement.name), 'accepting');
  await page.keyboard.press('Space');
  await settled(page);
  assert.deepEqual(sorted(await shown(page)), sorted(oracle.results('営業', { accepting: ['1'] })));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // opens the first facet group
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await settled(page);
  assert.ok(new URL(page.url()).searchParams.has('industry'), page.url());
  await page.context().close();
});
