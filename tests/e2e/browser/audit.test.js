// The audits a visitor's browser and a search engine would run, on the built sample site as a
// static host serves it (lib/harness.js `serve`, with the site's security headers):
// the Nu Html Checker (npm vnu-jar, Java from Debian) over every page, and Lighthouse 12
// (headless Debian chromium) on the home page, a profile, /apply/ and /diary/.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import desktop from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { CHROMIUM_ARGS, buildSite, cleanup, serve } from '../lib/harness.js';

/** The jar's path: what the vnu-jar package exports. */
const VNU = String(createRequire(import.meta.url)('vnu-jar'));
/** Layout shift a page may cause at most (Lighthouse's "good" is 0.1). */
const MAX_CLS = 0.05;

let site;
let server;
let chrome;

before(async () => {
  site = buildSite();
  server = await serve(site);
  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
    chromeFlags: CHROMIUM_ARGS.map((a) => (a === '--headless' ? '--headless=new' : a)),
  });
});

after(async () => {
  await chrome?.kill();
  await server?.close();
  if (site) cleanup(site);
});

function pages(dir) {
  return readdirSync(dir, { recursive: true }).filter((p) => p.endsWith('.html')).map((p) => join(dir, p));
}

test('the Nu Html Checker finds no error and no warning on any built page', () => {
  const files = pages(site);
  assert.ok(files.length > 50, `${files.length} pages`);
  let out = '';
  try {
    out = execFileSync('java', ['-jar', VNU, '--format', 'gnu', ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    out = `${err.stdout}${err.stderr}`;
  }
  assert.equal(out.trim().replaceAll(`file:${site}`, ''), '');
});

for (const [path, preset, seoExcept] of [
  ['/', 'mobile', []],
  ['/', 'desktop', []],
  ['/mentors/takahashi-mai/', 'mobile', []],
  ['/apply/', 'mobile', []],
  // The diary is private (noindex, nofollow): not being crawlable is the point.
  ['/diary/', 'mobile', ['is-crawlable']],
]) {
  test(`Lighthouse on ${path} (${preset}): accessibility, best practices and SEO 100, CLS ≤ ${MAX_CLS}`, async () => {
    const { lhr } = await lighthouse(`${server.url}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['accessibility', 'best-practices', 'seo', 'performance'],
    }, preset === 'desktop' ? desktop : undefined);
    const failing = (category) => lhr.categories[category].auditRefs
      .map((ref) => lhr.audits[ref.id])
      .filter((a) => a.score !== null && a.score < 1 && !['manual', 'informative', 'notApplicable'].includes(a.scoreDisplayMode))
      .map((a) => a.id);
    assert.deepEqual(failing('accessibility'), [], 'accessibility');
    assert.deepEqual(failing('best-practices'), [], 'best practices');
    assert.deepEqual(failing('seo').filter((id) => !seoExcept.includes(id)), [], 'SEO');
    if (!seoExcept.length) assert.equal(lhr.categories.seo.score, 1);
    assert.equal(lhr.categories.accessibility.score, 1);
    assert.equal(lhr.categories['best-practices'].score, 1);
    const cls = lhr.audits['cumulative-layout-shift'].numericValue;
    assert.ok(cls <= MAX_CLS, `CLS ${cls.toFixed(3)}`);
  });
}
