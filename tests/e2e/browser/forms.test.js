// The site's forms against the whole local stack (built site + handler + SQLite store on one
// loopback port, as scripts/run.sh runs it), in headless chromium: apply from a profile, the
// handler's Japanese messages beside their fields, JavaScript off, double clicks, a retry after
// a lost answer, each inquiry kind, axe-core on every form page, a 360px screenshot.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, launch, newPage, waitFor } from '../lib/harness.js';
import { startStack } from '../lib/stack.js';

const OUTPUT = new URL('../output/', import.meta.url).pathname;

let stack;
let browser;
let catalog;
let first; // the first id of each vocabulary, read from catalog.json (never hard-coded)

before(async () => {
  stack = await startStack();
  browser = await launch();
  catalog = JSON.parse(readFileSync(join(stack.site, 'catalog.json'), 'utf8'));
  const t = catalog.taxonomy;
  first = {
    age_band: Object.keys(t.age_bands)[1],
    industry: Object.keys(t.industries)[0],
    company_size: Object.keys(t.company_sizes)[1],
    topic: Object.keys(t.topics)[0],
    plan: Object.keys(t.plans).at(-1),
  };
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function open(path, options = {}) {
  const page = await newPage(browser, options);
  await page.goto(stack.url + path);
  return page;
}

async function fillApplication(page, { name, email }) {
  await page.fill('#f-name', name);
  await page.fill('#f-email', email);
  await page.selectOption('#f-age_band', first.age_band);
  await page.selectOption('#f-industry', first.industry);
  await page.check(`input[name="company_size"][value="${first.company_size}"]`);
  await page.check(`input[name="topics"][value="${first.topic}"]`);
  await page.check(`input[name="plan"][value="${first.plan}"]`);
  await page.check('input[name="consent"]');
}

const applications = () => stack.records('application');
const inquiries = (kind) => stack.records('inquiry').filter((r) => r.body.kind === kind);

test('from a profile: apply pre-selects the mentor, stores one scored application, shows thanks', async () => {
  const mentor = catalog.mentors.find((m) => m.accepting);
  const page = await open(`/mentors/${mentor.slug}/`);
  await page.click('text=このメンターに申し込む');
  await page.waitForURL(`**/apply/?mentor=${mentor.slug}`);
  assert.equal(await page.inputValue('#f-preferred_mentors-1'), mentor.slug);
  const before = applications().length;
  await fillApplication(page, { name: '山田 花子', email: 'hanako@example.jp' });
  await page.fill('#f-message', '管理職への登用を打診されています。');
  await page.click('button[type="submit"]');
  await page.waitForURL('**/apply/thanks/');
  assert.match(await page.textContent('h1'), /お申し込みを受け付けました/);
  const stored = applications();
  assert.equal(stored.length, before + 1);
  const body = stored.at(-1).body;
  assert.deepEqual(body.application.preferred_mentors, [mentor.slug]);
  assert.equal(body.application.industry, first.industry);
  assert.ok(body.match.suggestions.length > 0, 'scored against the catalog');
  assert.equal(typeof body.match.suggestions[0].score, 'number');
  assert.equal(typeof body.completeness.score, 'number');
  const line = stack.logs.join('').split('\n').find((l) => l.includes(stored.at(-1).id));
  assert.ok(line && /top_mentor/.test(line) && /completeness/.test(line), line);
  assert.ok(!line.includes('hanako') && !line.includes('山田'), 'no personal data in the log');
  assert.deepEqual(page.errors, []);
});

test('mistakes: each Japanese message beside its field, the summary focused and linking to each, nothing stored', async () => {
  const page = await open('/apply/');
  const before = applications().length;
  await page.fill('#f-email', 'hanako');
  await page.fill('#f-phone', 'abc');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-summary]:not([hidden])');
  const message = (name) => page.textContent(`[data-error-for="${name}"]`);
  assert.equal(await message('name'), 'お名前を入力してください');
  assert.equal(await message('email'), 'メールアドレスの形式が正しくありません');
  assert.equal(await message('phone'), '電話番号は数字とハイフンで入力してください（例：090-1234-5678）');
  assert.equal(await message('age_band'), '年代を選んでください');
  assert.equal(await message('topics'), '相談したいテーマを1つ以上選んでください');
  assert.equal(await message('consent'), '個人情報の取り扱いに同意してください');
  assert.equal(await page.getAttribute('#f-email', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#f-email', 'aria-describedby'), /\bemail-error\b/);
  assert.equal(await page.evaluate(() => document.activeElement.hasAttribute('data-summary')), true, 'the summary has the focus');
  const entries = await page.$$eval('[data-summary] li', (lis) => lis.map((li) => li.querySelector('a') ? li.querySelector('a').getAttribute('href') : null));
  assert.ok(entries.length >= 6 && entries.every(Boolean), `every entry links to its field: ${entries}`);
  await page.click('[data-summary] a[href="#f-topics"]');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'topics', 'a group entry focuses its first choice');
  // Each message sits inside its own field's block.
  const inside = await page.$eval('[data-error-for="email"]', (el) => el.closest('[data-field]').dataset.field);
  assert.equal(inside, 'email');
  assert.equal(applications().length, before);
  assert.deepEqual(await axe(page), [], 'the page with errors shown');
  // Correcting a field clears its message.
  await page.fill('#f-name', '山田 花子');
  await page.dispatchEvent('#f-name', 'change');
  assert.equal(await page.isHidden('[data-error-for="name"]'), true);
});

test('JavaScript off: the plain post stores one application and lands on the thanks page', async () => {
  const page = await open('/apply/', { javaScriptEnabled: false });
  const before = applications().length;
  await fillApplication(page, { name: '佐藤 桜', email: 'sakura@example.jp' });
  await page.click('button[type="submit"]');
  await page.waitForURL('**/apply/thanks/');
  assert.equal(applications().length, before + 1);
  assert.equal(applications().at(-1).body.application.email, 'sakura@example.jp');
});

test('JavaScript off: a bad plain post gets the error page with a way back', async () => {
  const page = await open('/briefing/', { javaScriptEnabled: false });
  await page.evaluate(() => {}).catch(() => {}); // no script runs; the form posts as HTML
  await page.$eval('form', (f) => f.setAttribute('novalidate', ''));
  await page.fill('#f-email', 'x');
  await page.click('button[type="submit"]');
  await page.waitForSelector('h1');
  assert.match(await page.textContent('h1'), /入力内容を確認してください/);
  assert.match(await page.textContent('main'), /参加する日程を選んでください/);
  assert.ok(await page.$('a[href$="/briefing/"]'));
});

test('a double click stores one application', async () => {
  const page = await open('/apply/');
  const before = applications().length;
  await fillApplication(page, { name: '鈴木 葵', email: 'aoi@example.jp' });
  await page.dblclick('button[type="submit"]');
  await page.waitForURL('**/apply/thanks/');
  assert.equal(applications().length, before + 1);
});

test('a lost answer: the retry message, then the same submission_id stores nothing new', async () => {
  const page = await open('/apply/');
  const before = applications().length;
  await fillApplication(page, { name: '高橋 楓', email: 'kaede@example.jp' });
  const sent = [];
  // The first post reaches the handler (and is stored) but its answer is lost as a 503.
  await page.route('**/api/applications', async (route) => {
    sent.push(JSON.parse(route.request().postData()).submission_id);
    const response = await route.fetch();
    if (sent.length === 1) await route.fulfill({ status: 503, body: '{}' });
    else await route.fulfill({ response });
  });
  await page.click('button[type="submit"]');
  await waitFor(page, () => /もう一度/.test(document.querySelector('[data-status]').textContent));
  assert.equal(await page.isEnabled('button[type="submit"]'), true);
  assert.equal(applications().length, before + 1);
  await page.click('button[type="submit"]');
  await page.waitForURL('**/apply/thanks/');
  assert.equal(sent.length, 2);
  assert.equal(sent[0], sent[1], 'the retry reuses the submission_id');
  assert.equal(applications().length, before + 1, 'stored once');
});

test('each inquiry kind is stored once and lands on its thanks page', async () => {
  const fills = {
    consultation: async (page) => {
      await page.fill('#f-preferred_times', '平日20時以降');
    },
    briefing: async (page) => {
      // The first date not yet past in Japan (past ones are hidden and refused).
      const today = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
      const next = catalog.site.briefings.find((b) => b.date >= today);
      assert.ok(next, 'content/site.yaml lists a briefing date still to come');
      await page.check(`input[name="briefing_date"][value="${next.date}"]`);
    },
    corporate: async (page) => {
      await page.fill('#f-company', '株式会社サンプル');
      await page.check(`input[name="company_size"][value="${first.company_size}"]`);
      await page.fill('#f-contact_role', '人事部');
    },
  };
  for (const [kind, fill] of Object.entries(fills)) {
    const page = await open(`/${kind}/`);
    await fill(page);
    await page.fill('#f-name', '中村 結衣');
    await page.fill('#f-email', 'yui@example.jp');
    await page.check('input[name="consent"]');
    await page.dblclick('button[type="submit"]');
    await page.waitForURL(`**/${kind}/thanks/`);
    assert.equal(inquiries(kind).length, 1, kind);
    assert.deepEqual(page.errors, []);
  }
});

test('axe-core finds no serious or critical violation on the form pages', async () => {
  for (const path of ['/apply/', '/apply/thanks/', '/consultation/', '/briefing/', '/corporate/']) {
    const page = await open(path);
    assert.deepEqual(await axe(page), [], path);
  }
});

test('/apply/ at 360px: nothing wider than the screen; screenshot saved', async () => {
  const page = await open('/apply/', { viewport: { width: 360, height: 780 } });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `page is ${width}px wide`);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'apply-360.png'), fullPage: true });
});

test('staff queue (while the server runs) lists the stored, scored applications without personal data', async () => {
  const stored = applications();
  const out = stack.staff('queue');
  for (const r of stored) assert.ok(out.includes(r.id), `${r.id} missing from:\n${out}`);
  const top = stored[0].body.match.suggestions[0];
  assert.ok(out.includes(top.slug), out);
  for (const word of ['山田', 'hanako@example.jp', '佐藤']) assert.ok(!out.includes(word), `${word} in:\n${out}`);
});
