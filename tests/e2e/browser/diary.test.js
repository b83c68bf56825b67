// The exchange diary end to end, against the whole local stack (built site + handler + SQLite
// store + a real SMTP server, as scripts/run.sh runs it) in headless chromium, every hand-off
// carried by mail: an application comes in through the real form (受付 mail to her, notice to
// staff; a second one while the mail server is down goes out once it is back), staff assign it
// with the real `staff assign` command while the server runs (both introductions by mail), the
// mentee opens her link from the mail and writes sheet 1 with the keyboard, the mentor opens hers
// from the mail that tells her of the sheet and answers, the mentee opens the reply from the
// mail that tells her of it, and a sheet that needs follow-up comes first in `staff sheets
// --flagged` with its reasons. Also: bad links get the friendly message only, a second sheet for
// a taken session gets the 409 message, stored text stays text, no mail echoes what anyone wrote,
// and neither tokens nor what people wrote reach the handler's log.
//
// The steps share one stack and run in order (node --test runs a file's tests sequentially);
// each later step needs the earlier ones, so the first failure fails the rest too.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, launch, newPage, waitFor } from '../lib/harness.js';
import { diaryLink } from '../lib/mail.js';
import { startStack } from '../lib/stack.js';

const INVALID = 'このリンクは無効か、有効期限が切れています。';
const TAKEN = 'この回のシートはすでに提出されています。書き直したい場合は事務局にご連絡ください。';
// What people write: each must show on the page as typed and never appear in the handler's log.
const XSS = '<img src=x onerror="window.__pwned=1">';
const SHEET1 = {
  reflections: '管理職になることへの不安は、完璧なリーダー像を思い込んでいたせいだと気づきました。',
  strengths: '相手の話を最後まで聞いて、要点を整理できるところ。',
  next_actions: `${XSS} 来週、上司に任せてほしい仕事を一つ伝える。`,
};
const REPLY1 = `<b>とても良い気づき</b>ですね。${XSS} 次回はその会話の結果を聞かせてください。`;
const SHEET2 = '今回は話がかみ合わず、相談したかったことを聞けませんでした。少し不安が残っています。';
const SHEET2_OTHER = '別の画面から書いた、同じ回の二つ目のシートです。これは受け付けられないはずです。';
const OTHER_SHEET = '業界の違う方の視点が新鮮でしたが、具体的な次の一歩まではまだ見えていません。';

let stack;
let browser;
let catalog;
const s = {}; // what earlier steps found out: application ids, match ids, links

before(async () => {
  stack = await startStack();
  browser = await launch();
  catalog = JSON.parse(readFileSync(join(stack.site, 'catalog.json'), 'utf8'));
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function open(url, options = {}) {
  const page = await newPage(browser, options);
  page.on('dialog', (d) => {
    page.errors.push(new Error(`dialog: ${d.message()}`));
    d.dismiss();
  });
  await page.goto(url.startsWith('http') ? url : stack.url + url);
  return page;
}

/** Waits for the diary to settle (thread, invalid or unavailable shown, nothing loading). */
async function settled(page) {
  await waitFor(page, 
    () =>
      ['diary-thread', 'diary-invalid', 'diary-unavailable'].some((id) => !document.getElementById(id).hidden) &&
      !/読み込んでいます/.test(document.getElementById('diary-status').textContent),
  );
}

const t = () => catalog.taxonomy;
const threeSessionPlan = () => Object.entries(t().plans).find(([, p]) => p.sessions >= 3)[0];

const STAFF = 'jimukyoku@mikke.example.jp';
const mentorAddress = (slug) => `${slug}@mentors.example.jp`;
/** The mails to `address` whose subject matches `subject`. */
const mailTo = (mails, address, subject) => mails.filter((m) => m.to.includes(address) && subject.test(m.subject));
/** Waits for exactly one mail to `address` with `subject`; returns it. */
async function oneMail(address, subject) {
  const mails = await stack.waitForMail((all) => mailTo(all, address, subject).length >= 1);
  const found = mailTo(mails, address, subject);
  assert.equal(found.length, 1, found.map((m) => m.subject).join('\n'));
  return found[0];
}
/** The diary link in a mail, checked to point at this stack. */
function linkIn(mail) {
  const link = diaryLink(mail);
  assert.ok(link.startsWith(`${stack.url}/diary/#t=`), link);
  return link;
}

const tokenOf = (link) => link.split('#t=')[1];

test('an application comes in through the real form, a second through the API', async () => {
  const page = await open('/apply/');
  await page.fill('#f-name', '山田 花子');
  await page.fill('#f-email', 'hanako@example.jp');
  await page.selectOption('#f-age_band', Object.keys(t().age_bands)[1]);
  await page.selectOption('#f-industry', Object.keys(t().industries)[0]);
  await page.check(`input[name="company_size"][value="${Object.keys(t().company_sizes)[1]}"]`);
  await page.check(`input[name="topics"][value="${Object.keys(t().topics)[0]}"]`);
  await page.check(`input[name="plan"][value="${threeSessionPlan()}"]`);
  await page.check('input[name="consent"]');
  await page.click('button[type="submit"]');
  await page.waitForURL('**/apply/thanks/');
  // 受付 to her (her receipt number, not her name), a notice to staff.
  const receipt = await oneMail('hanako@example.jp', /お申し込みを受け付けました/);
  assert.ok(!receipt.body.includes('山田') && !receipt.subject.includes('山田'), receipt.body);
  await oneMail(STAFF, /新しい申し込み/);
  // The mail server goes away: the second application is still answered and stored, and its
  // receipt goes out once the server is back (backoff capped at a minute).
  await stack.stopMail();
  const response = await fetch(`${stack.url}/api/applications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      name: '佐藤 桜',
      email: 'sakura@example.jp',
      age_band: Object.keys(t().age_bands)[2],
      industry: Object.keys(t().industries)[1],
      company_size: Object.keys(t().company_sizes)[0],
      topics: [Object.keys(t().topics)[1]],
      plan: threeSessionPlan(),
      applicant_type: 'individual',
      consent: true,
      submission_id: randomUUID(),
    }),
  });
  assert.equal(response.status, 201, await response.text());
  const stored = stack.records('application');
  assert.equal(stored.length, 2);
  s.applications = stored.map((r) => r.id);
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(mailTo(stack.mails(), 'sakura@example.jp', /./).length, 0, 'nothing can leave yet');
  await stack.startMail();
  const back = Date.now();
  const late = await stack.waitForMail((all) => mailTo(all, 'sakura@example.jp', /お申し込みを受け付けました/).length === 1, 120000);
  assert.ok(Date.now() - back < 120000);
  assert.ok(late.at(-1).body.includes(s.applications[1]) || late.some((m) => m.body.includes(s.applications[1])));
  assert.deepEqual(page.errors, []);
});

test('staff assign (the real command, while the server runs) mails each of them her own link', async () => {
  const mentors = catalog.mentors.filter((m) => m.accepting && m.capacity >= 1);
  assert.ok(mentors.length >= 2, 'two accepting mentors in the catalog');
  s.mentor = mentors[0];
  // A bad id changes nothing and says so.
  assert.throws(() => stack.staff('assign', 'no-such-application', s.mentor.slug), /見つかりません/);
  const out = stack.staff('assign', s.applications[0], s.mentor.slug);
  assert.match(out, /マッチングを作成しました: (m-\S+)/);
  s.match = out.match(/マッチングを作成しました: (m-\S+)/)[1];
  assert.match(out, new RegExp(`全${t().plans[threeSessionPlan()].sessions}回`));
  assert.match(out, /メールを2通送りました/);
  assert.ok(!out.includes('#t='), `no link printed:\n${out}`);
  const intro = await oneMail('hanako@example.jp', /メンターのご紹介/);
  assert.ok(intro.body.includes(s.mentor.name), intro.body);
  s.menteeLink = linkIn(intro);
  const mentorIntro = await oneMail(mentorAddress(s.mentor.slug), /メンティーのご紹介/);
  assert.ok(mentorIntro.body.includes('hanako@example.jp'), 'she may write to the mentee');
  s.mentorIntroLink = linkIn(mentorIntro);
  assert.notEqual(s.menteeLink, s.mentorIntroLink);
  const other = stack.staff('assign', s.applications[1], mentors[1].slug);
  s.otherMatch = other.match(/マッチングを作成しました: (m-\S+)/)[1];
  s.otherMenteeLink = linkIn(await oneMail('sakura@example.jp', /メンターのご紹介/));
  assert.match(stack.staff('queue'), /新しい申し込みはありません/);
});

test('/diary/ without a token or with a tampered one: the friendly message and nothing else', async () => {
  const token = tokenOf(s.menteeLink);
  // One character changed in the signature, one in the claims, the roles' tokens swapped in parts.
  const flip = (text, at) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  const variants = ['', `#t=${flip(token, token.length - 3)}`, `#t=${flip(token, 2)}`, '#t=', '#t=abc'];
  for (const fragment of variants) {
    const page = await open(`/diary/${fragment}`);
    await settled(page);
    assert.equal(await page.isVisible('#diary-invalid'), true, fragment);
    assert.match(await page.textContent('#diary-invalid'), new RegExp(INVALID));
    assert.equal(await page.isHidden('#diary-thread'), true, fragment);
    assert.equal(await page.isHidden('#diary-unavailable'), true, fragment);
    assert.equal(await page.$$eval('#diary-sheets > *', (l) => l.length), 0);
    assert.equal(await page.isHidden('#diary-next'), true);
    // Only the message, the heading and the site's own frame: no form control in <main>.
    assert.equal(await page.$$eval('main input, main textarea, main button', (l) => l.filter((e) => e.offsetParent).length), 0);
    assert.deepEqual(page.errors, [], fragment);
  }
});

test('the mentee link: she writes sheet 1 with the keyboard and sends it', async () => {
  const page = await open(s.menteeLink);
  await settled(page);
  assert.equal(await page.isVisible('#diary-thread'), true);
  // The token left the address bar at once (history, screenshots, a copied address); a reload
  // in the same tab still opens the diary.
  assert.ok(!page.url().includes('#t=') && !page.url().includes(tokenOf(s.menteeLink)), page.url());
  await page.reload();
  await settled(page);
  assert.equal(await page.isVisible('#diary-thread'), true, 'after a reload');
  assert.equal(await page.textContent('[data-mentor-name]'), s.mentor.name);
  assert.equal(await page.textContent('[data-next-session]'), '1');
  assert.match(await page.textContent('[data-empty]'), /まだシートはありません/);
  // Keyboard only: focus the first field, type, Tab through the form, Space and arrows on the
  // choices, Enter on the button.
  await page.focus('#f-reflections');
  await page.keyboard.type(SHEET1.reflections);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-strengths');
  await page.keyboard.type(SHEET1.strengths);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-next_actions');
  await page.keyboard.type(SHEET1.next_actions);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'satisfaction');
  await page.keyboard.press('Space');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.$eval('input[name="satisfaction"]:checked', (e) => e.value), '5');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'want_staff_contact');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'submit');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#session-1');
  assert.match(await page.textContent('#diary-status'), /第1回のシートを送りました/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'session-1');
  const sheet = await page.textContent('#session-1');
  for (const text of Object.values(SHEET1)) assert.ok(sheet.includes(text), `${text} in ${sheet}`);
  assert.match(sheet, /メンターからのお返事をお待ちください/);
  // The form moved on to session 2, emptied.
  assert.equal(await page.textContent('[data-next-session]'), '2');
  assert.equal(await page.inputValue('#f-reflections'), '');
  const stored = stack.sheets();
  assert.equal(stored.length, 1, JSON.stringify(stored));
  // Her mentor hears of it, with her own link (no sheet text in the mail).
  const notice = await oneMail(mentorAddress(s.mentor.slug), /第1回のメンタリングシートが届きました/);
  s.mentorLink = linkIn(notice);
  assert.deepEqual(page.errors, []);
});

test('stored text is shown as text: no element, no script from what people wrote', async () => {
  for (const link of [s.menteeLink, s.mentorLink]) {
    const page = await open(link);
    await settled(page);
    assert.ok((await page.textContent('#session-1')).includes(XSS));
    assert.equal(await page.$$eval('#diary-sheets img, #diary-sheets b', (l) => l.length), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  }
});

test('the mentor link shows sheet 1 (without the staff-only answers); she replies in the box', async () => {
  const page = await open(s.mentorLink);
  await settled(page);
  assert.match(await page.textContent('[data-heading]'), /メンター用/);
  const sheet = await page.textContent('#session-1');
  assert.ok(sheet.includes(SHEET1.reflections) && sheet.includes(SHEET1.strengths), sheet);
  assert.ok(!/満足度|スタッフへの連絡/.test(sheet), `staff-only answers shown to the mentor: ${sheet}`);
  assert.equal(await page.isHidden('#diary-next'), true, 'no sheet form for the mentor');
  // An empty reply: the message beside the box, nothing stored.
  await page.click('#session-1 button[type="submit"]');
  await page.waitForSelector('#session-1 [data-error-for="reply"]:not([hidden])');
  assert.match(await page.textContent('#session-1 [data-error-for="reply"]'), /お返事を入力してください/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-reply-1');
  assert.equal(stack.replies().length, 0);
  await page.fill('#f-reply-1', REPLY1);
  await page.focus('#session-1 button[type="submit"]');
  await page.keyboard.press('Enter');
  await waitFor(page, () => /お返事を送りました/.test(document.getElementById('diary-status').textContent));
  const answered = await page.textContent('#session-1 .diary-reply');
  assert.ok(answered.includes(REPLY1), answered);
  assert.equal(await page.$$eval('#session-1 form', (l) => l.length), 0, 'no second reply box');
  assert.equal(stack.replies().length, 1, 'stored once');
  s.replyLink = linkIn(await oneMail('hanako@example.jp', /メンターから返信が届きました/));
  assert.deepEqual(page.errors, []);
});

test('both views pass axe-core and fit a 360px screen', async () => {
  for (const link of [s.menteeLink, s.mentorLink]) {
    const page = await open(link, { viewport: { width: 360, height: 780 } });
    await settled(page);
    assert.deepEqual(await axe(page), [], link.includes(tokenOf(s.mentorLink)) ? 'mentor' : 'mentee');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `page is ${width}px wide`);
  }
});

test('search engines are kept away: noindex, not in the sitemap, disallowed in robots.txt', async () => {
  const page = await open('/diary/');
  assert.match(await page.getAttribute('meta[name="robots"]', 'content'), /\bnoindex\b/);
  const sitemap = await (await fetch(`${stack.url}/sitemap.xml`)).text();
  assert.match(sitemap, /\/apply\/<\/loc>/);
  assert.ok(!sitemap.includes('/diary/'), sitemap);
  assert.match(await (await fetch(`${stack.url}/robots.txt`)).text(), /^Disallow: \/diary\/$/m);
});

test('the mentee opens the reply from the mail that tells her of it', async () => {
  const page = await open(s.replyLink);
  await settled(page);
  const reply = await page.textContent('#session-1 .diary-reply');
  assert.match(reply, /メンターからのお返事/);
  assert.ok(reply.includes(REPLY1), reply);
  assert.equal(await page.$$eval('#diary-sheets img, #diary-sheets b', (l) => l.length), 0);
  assert.deepEqual(page.errors, []);
});

async function writeSheet(page, { reflections, satisfaction, contact }) {
  await page.fill('#f-reflections', reflections);
  await page.check(`input[name="satisfaction"][value="${satisfaction}"]`);
  if (contact) await page.check('#f-want_staff_contact');
  await page.click('#sheet-form button[type="submit"]');
}

test('a second, different sheet for the same session gets the Japanese 409 message', async () => {
  // Another match's sheet first (older, less urgent) so the flagged list's order is by priority.
  const other = await open(s.otherMenteeLink);
  await settled(other);
  await writeSheet(other, { reflections: OTHER_SHEET, satisfaction: 2 });
  await other.waitForSelector('#session-1');
  // The same link open in two tabs, both on session 2; the first tab's sheet is taken.
  const first = await open(s.menteeLink);
  const second = await open(s.menteeLink);
  await settled(first);
  await settled(second);
  assert.equal(await second.textContent('[data-next-session]'), '2');
  await writeSheet(first, { reflections: SHEET2, satisfaction: 1, contact: true });
  await first.waitForSelector('#session-2');
  const before = stack.sheets().length;
  await writeSheet(second, { reflections: SHEET2_OTHER, satisfaction: 4 });
  await waitFor(second, () => /すでに提出/.test(document.querySelector('#sheet-form [data-status]').textContent));
  assert.equal(await second.textContent('#sheet-form [data-status]'), TAKEN);
  assert.equal(await second.inputValue('#f-reflections'), SHEET2_OTHER, 'what she wrote is kept');
  assert.equal(stack.sheets().length, before, 'nothing stored');
  for (const page of [other, first, second]) assert.deepEqual(page.errors, []);
});

test('the sheet needing follow-up comes first in `staff sheets --flagged`, with its reasons', async () => {
  const flagged = stack.staff('sheets', '--flagged');
  const all = stack.staff('sheets');
  const rows = (out) => out.trim().split('\n').slice(1).map((l) => l.split('\t'));
  const top = rows(flagged)[0];
  assert.ok(top, flagged);
  assert.equal(top[1], s.match, flagged);
  assert.equal(top[2], '2');
  assert.match(top[0], /^100!$/);
  assert.match(top[5], /満足度が低い（5段階で1）/);
  assert.match(top[5], /スタッフからの連絡を希望/);
  // The other match's low-satisfaction sheet is flagged too, after it; sheet 1 (all fine) is not.
  assert.equal(rows(flagged).length, 2, flagged);
  assert.deepEqual(rows(flagged)[1].slice(1, 3), [s.otherMatch, '1']);
  assert.match(rows(flagged)[1][5], /満足度が低い（5段階で2）/);
  assert.ok(!rows(flagged).some((r) => r[1] === s.match && r[2] === '1'), flagged);
  // The full list has all three, sheet 1 of the first match last (priority 0, no reasons).
  assert.equal(rows(all).length, 3, all);
  assert.deepEqual(rows(all).at(-1).slice(0, 3), ['0', s.match, '1']);
  assert.equal(rows(all).at(-1)[5], '-');
  for (const word of ['山田', 'hanako@example.jp', SHEET2]) assert.ok(!flagged.includes(word), word);
});

test("the handler's log holds no token and nothing people wrote", async () => {
  const log = stack.logs.join('');
  assert.match(log, /sheet stored/, 'the log is the one the sheets went through');
  assert.match(log, /diary link refused/);
  const secrets = [
    ...[s.menteeLink, s.mentorLink, s.mentorIntroLink, s.replyLink, s.otherMenteeLink].map(tokenOf),
    ...[s.menteeLink, s.mentorLink].map((l) => tokenOf(l).split('.').at(-1)),
    'sakura@example.jp',
    mentorAddress(s.mentor.slug),
    STAFF,
    ...Object.values(SHEET1),
    REPLY1,
    SHEET2,
    SHEET2_OTHER,
    OTHER_SHEET,
    'onerror',
    '山田',
    'hanako@example.jp',
  ];
  for (const secret of secrets) assert.ok(!log.includes(secret), `log contains ${secret.slice(0, 20)}…`);
});

test('no mail echoes what anyone wrote, every header line fits 78 characters, staff get no contact data', async () => {
  const mails = stack.mails();
  // Receipts ×2, staff ×2, introductions ×4, sheets ×3, the reply ×1.
  assert.ok(mails.length >= 12, mails.map((m) => `${m.to}: ${m.subject}`).join('\n'));
  const written = [...Object.values(SHEET1), REPLY1, SHEET2, SHEET2_OTHER, OTHER_SHEET, 'onerror'];
  for (const m of mails) {
    for (const text of written) assert.ok(!m.body.includes(text) && !m.subject.includes(text), `${m.subject} echoes ${text.slice(0, 12)}`);
    for (const line of m.rawHeaderLines) assert.ok(line.length <= 78, line);
    assert.equal(m.headers['auto-submitted'], 'auto-generated');
    assert.match(m.headers['content-type'], /text\/plain; charset="?utf-8"?/);
  }
  for (const m of mails.filter((x) => x.to.includes(STAFF))) {
    for (const contact of ['hanako@example.jp', 'sakura@example.jp', '山田', '佐藤']) assert.ok(!m.body.includes(contact), contact);
  }
});
