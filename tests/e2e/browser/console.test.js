// The staff console end to end, against the whole local stack (built site + handler + SQLite
// store + the SMTP catcher) in headless chromium: an application and a briefing sign-up come
// in; a staff member asks for a sign-in link (a stranger asking gets the same page and no
// mail), opens it from the mail, confirms, and sees both on 今日の仕事; opens the application,
// reveals the contact details (audited), assigns the first suggestion through the
// confirmation step (both introductions go out by mail) and finds the match on マッチング;
// a form post without its token is refused; signs out. The used link, a forged one and the
// signed-out cookie get nowhere. Every page is axe-clean and readable at 360 px, and neither
// the link's token nor anyone's address reaches the handler's log.
//
// The steps share one stack and run in order.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, launch, REPO, watchPolicy } from '../lib/harness.js';
import { startStack } from '../lib/stack.js';

const STAFF = 'jimukyoku@mikke.example.jp';
const OUTPUT = join(REPO, 'tests', 'e2e', 'output');

let stack;
let browser;
let context;
let page;
let catalog;
const s = {};

before(async () => {
  stack = await startStack();
  browser = await launch();
  catalog = JSON.parse(readFileSync(join(stack.site, 'catalog.json'), 'utf8'));
  // No bypassCSP: the console runs under its own policy (no script at all); axe is evaluated
  // through the debugging protocol, which the policy does not govern.
  context = await browser.newContext({ viewport: { width: 360, height: 780 } });
  page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  watchPolicy(page);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function post(path, body) {
  const r = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text);
}

async function clean(what) {
  assert.deepEqual(await axe(page), [], `${what}: axe`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360 + 1, `${what}: ${wide}px wide at 360`);
}

/** Clicks the page's submit button and waits for the answer page. */
async function submit(selector = 'button[type="submit"]') {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const signinMails = (mails, to) => mails.filter((m) => m.to.includes(to) && /ログイン/.test(m.subject));

test('an application and a briefing sign-up come in', async () => {
  const t = catalog.taxonomy;
  const app = await post('/api/applications', {
    name: '木村 彩', email: 'aya@example.jp', phone: '090-0000-1111',
    age_band: Object.keys(t.age_bands)[1], industry: Object.keys(t.industries)[0],
    company_size: Object.keys(t.company_sizes)[1], topics: [Object.keys(t.topics)[0]],
    plan: Object.keys(t.plans)[0], applicant_type: 'individual', consent: true,
  });
  s.app = app.id;
  const today = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
  const next = catalog.site.briefings.find((b) => b.date >= today);
  assert.ok(next, 'a briefing date still to come');
  await post('/api/inquiries', { kind: 'briefing', briefing_date: next.date, name: '説明 会子', email: 'setsumei@example.jp', consent: true });
});

test('a staff address gets a sign-in link by mail; a stranger the same page and no mail', async () => {
  await page.goto(`${stack.url}/staff/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await clean('sign-in');
  await page.screenshot({ path: join(OUTPUT, 'console-signin-360.png'), fullPage: true });
  await page.fill('#email', 'stranger@example.jp');
  await submit();
  const strangerText = await page.textContent('main');
  await page.fill('#email', STAFF);
  await submit();
  assert.equal(await page.textContent('main'), strangerText, 'the same answer either way');
  const mails = await stack.waitForMail((all) => signinMails(all, STAFF).length === 1);
  assert.equal(signinMails(mails, 'stranger@example.jp').length, 0);
  const mail = signinMails(mails, STAFF)[0];
  s.link = mail.body.split('\n').find((l) => l.startsWith(`${stack.url}/staff/signin?t=`));
  assert.ok(s.link, mail.body);
});

test('the link opens a confirmation; the button signs in with a strict, HTTP-only cookie', async () => {
  await page.goto(s.link);
  await clean('confirm');
  await submit();
  assert.equal(page.url(), `${stack.url}/staff/`);
  const cookie = (await context.cookies()).find((c) => c.name === 'mikke_staff');
  assert.ok(cookie, 'a session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/staff');
  const text = await page.textContent('main');
  assert.match(text, /新しい申し込み（マッチング待ち）|電話確認が必要な申し込み/);
  assert.match(text, /未対応のオンライン説明会/);
  await clean('today');
  await page.screenshot({ path: join(OUTPUT, 'console-today-360.png'), fullPage: true });
});

test('the used link and a forged one get the friendly page only', async () => {
  const other = await browser.newPage();
  await other.goto(s.link);
  assert.match(await other.textContent('main'), /このリンクは使えません/);
  await other.goto(s.link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
  assert.match(await other.textContent('main'), /このリンクは使えません/);
  await other.close();
});

test('the application: contact on a click (audited), assign through the confirmation, both introductions mailed', async () => {
  await page.goto(`${stack.url}/staff/applications`);
  await clean('applications');
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/staff/applications/${s.app}"]`)]);
  assert.ok(!(await page.textContent('main')).includes('aya@example.jp'), 'contact hidden until asked');
  await clean('application');
  await submit('text=連絡先を表示');
  assert.ok((await page.textContent('main')).includes('aya@example.jp'));
  assert.match(stack.staff('audit'), new RegExp(`${STAFF}\\tview_contact\\t${s.app}`));
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("さんに決める")')]);
  await clean('assign confirmation');
  await submit('button:has-text("マッチングを作成")');
  assert.match(await page.textContent('main'), /マッチングを作成しました/);
  const mails = await stack.waitForMail((all) => all.filter((m) => /のご紹介/.test(m.subject)).length >= 2);
  assert.ok(mails.some((m) => m.to.includes('aya@example.jp') && /メンターのご紹介/.test(m.subject)), 'to the mentee');
  assert.ok(mails.some((m) => !m.to.includes('aya@') && /メンティーのご紹介/.test(m.subject)), 'to the mentor');
  await page.goto(`${stack.url}/staff/matches`);
  assert.ok((await page.textContent('main')).includes(s.app), 'the match is listed');
  await clean('matches');
  assert.match(stack.staff('audit'), new RegExp(`${STAFF}\\tassign\\t${s.app}`));
});

test('a post without its form token is refused and changes nothing', async () => {
  // With her session cookie (the context's request client shares it) and our own Origin, as
  // a forged form on a compromised page would send it: no form token, no change. (Not a
  // fetch from the page: the console's policy forbids every connection, as it should.)
  const response = await context.request.post(`${stack.url}/staff/applications/${s.app}/status`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.url },
    data: 'move=declined&seen=matched',
    maxRedirects: 0,
  });
  assert.equal(response.status(), 403);
  assert.equal(stack.records('application').find((r) => r.id === s.app).status, 'matched');
});

test('every other page is axe-clean at 360 px; sign-out ends the session', async () => {
  for (const path of ['/staff/propose', '/staff/inquiries', '/staff/sheets', '/staff/report', '/staff/mail']) {
    await page.goto(`${stack.url}${path}`);
    await clean(path);
  }
  await submit('button:has-text("ログアウト")');
  assert.match(await page.textContent('main'), /ログアウトしました/);
  await page.goto(`${stack.url}/staff/applications`);
  assert.ok(await page.$('#email'), 'back at the sign-in page');
  assert.deepEqual(page.errors, []);
});

test('no token and no address reach the handler log', () => {
  const log = stack.logs.join('');
  const token = s.link.split('t=')[1];
  assert.ok(!log.includes(token.split('.')[1]), 'no link token');
  for (const secret of [STAFF, 'aya@example.jp', 'stranger@example.jp', 'setsumei@example.jp']) {
    assert.ok(!log.includes(secret), secret);
  }
});
