// Measures, in headless chromium on loopback, what a visitor's first query costs with mikke's
// index and with Pagefind on the same built site. Usage: node measure.js SITE_DIR QUERY...
// Prints one JSON object. Bytes are what a static host would transfer: each file gzip'd (-9)
// unless it is already compressed (mikke's .bin files, Pagefind's .pf_* files), whichever is
// smaller — the same rule for both.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serve, launch } from '../../tests/e2e/lib/harness.js';

const [site, ...queries] = process.argv.slice(2);
const transferSize = new Map();
function wire(path) {
  if (!transferSize.has(path)) {
    const raw = readFileSync(join(site, path));
    transferSize.set(path, Math.min(raw.length, gzipSync(raw, { level: 9 }).length));
  }
  return transferSize.get(path);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await serve(site);
const browser = await launch();

/** Paths fetched by the page, in order, from the server's point of view; a Range request
 *  (one key's list in search/postings.bin) as `path#start-end`. */
function track(page) {
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== server.url) return;
    const range = /bytes=(\d+)-(\d+)/.exec(r.headers().range || '');
    seen.push(decodeURIComponent(u.pathname) + (range ? `#${range[1]}-${range[2]}` : ''));
  });
  return seen;
}

/** Bytes on the wire for a tracked path: a range's length (already gzip), or wire(file). */
function bytesOf(p) {
  const [path, range] = p.replace(/^\//, '').split('#');
  if (!range) return wire(path);
  const [a, b] = range.split('-').map(Number);
  return b - a + 1;
}

const searchFile = (p) => p.startsWith('/static/search') || p.startsWith('/search/');
const pagefindFile = (p) => p.startsWith('/pagefind/');

/** Types `text` into the search box and waits for the rendered results; returns their report. */
async function typeAndWait(page, text) {
  const want = text ? `?${new URLSearchParams({ q: text.trim() })}` : '';
  await page.evaluate((w) => { window.__last = null; window.__first = null; window.__want = w; }, want);
  await page.focus('#search-q');
  // Japanese arrives as one committed IME insertion, not key by key: insertText does that.
  if (text) await page.keyboard.insertText(text);
  else await page.fill('#search-q', '');
  // The final answer (a term of 3+ characters is shown first, then confirmed); with the
  // first answer's timings as `first`.
  await page.waitForFunction((w) => window.__last && window.__last.search === w && window.__last.final !== false, want, { timeout: 120000 });
  return page.evaluate(() => ({ ...window.__last, first: window.__first }));
}

async function mikkeQuery(query) {
  // The probes below evaluate strings in the page, which the site's CSP (rightly) forbids.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.addInitScript(() => {
    // msToFrame: the event's own time plus one frame and a task, i.e. including the
    // style/layout/paint of what was rendered (what the visitor actually sees).
    document.addEventListener('mikke:search', (e) => {
      const detail = e.detail;
      const t = performance.now();
      requestAnimationFrame(() => setTimeout(() => {
        detail.msToFrame = detail.msTotal + performance.now() - t;
        // (A report from before the query can land after the reset: only the awaited URL's.)
        if (!window.__first && detail.search === window.__want) window.__first = detail;
        window.__last = detail;
      }, 0));
    });
  });
  const seen = track(page);
  await page.goto(`${server.url}/`, { timeout: 120000 });
  await page.waitForFunction(() => document.documentElement.dataset.searchReady === 'true', null, { timeout: 120000 });
  // Keystroke → rendered for the last keystroke of the query (cold: nothing cached but meta).
  const detail = await typeAndWait(page, query);
  const resultsFiles = [...new Set(seen.filter(searchFile))];
  await page.waitForTimeout(800); // visible facet counts and snippets load after the results
  // Everything the query read counts, card blocks (needed to draw the results) and bio
  // snippets included; the snippets are also reported on their own. (A Range read is tracked
  // as `path#start-end`.)
  const isSnippet = (p) => /^\/search\/bios\.bin(#|$)/.test(p);
  const uniq = () => [...new Set(seen.filter(searchFile))];
  const firstQuery = uniq();
  const sum = (ps) => ps.reduce((s, p) => s + bytesOf(p), 0);
  // Results are on screen at the first answer; the position bits and exact positions that
  // confirm a longer term are read after it (bytesConfirm: their Range lengths, already gzip).
  const first = detail.first;
  const result = {
    query,
    count: detail.count,
    countFirst: first.count,
    msAfterData: first.msAfterData,
    msKeystrokeToRendered: first.msTotal,
    msToFrame: first.msToFrame,
    msToFinal: detail.msToFrame,
    msAfterDataFinal: detail.msAfterData,
    bytesConfirm: detail.bytesConfirm,
    bytesFirstQuery: sum(firstQuery) - detail.bytesConfirm,
    filesFirstQuery: firstQuery.length,
    bytesToResults: sum(resultsFiles) - detail.bytesConfirm,
    bytesSnippets: sum(uniq().filter(isSnippet)),
    files: firstQuery.map((p) => `${p} ${bytesOf(p)}`),
  };
  // Every facet group opened: all counts shown (their columns fetched).
  await page.evaluate(() => { for (const d of document.querySelectorAll('#search-facets details')) d.open = true; });
  await page.waitForFunction(() => [...document.querySelectorAll('.search-facet__count')].every((s) => s.textContent !== ''), null, { timeout: 120000 });
  const allCounts = uniq();
  result.bytesAllCounts = sum(allCounts) - detail.bytesConfirm;
  result.filesAllCounts = allCounts.length;
  const warm = [];
  const clear = [];
  for (let k = 0; k < 3; k++) {
    clear.push((await typeAndWait(page, '')).msToFrame);
    warm.push((await typeAndWait(page, query)).msToFrame);
    await page.waitForTimeout(100);
  }
  // Both to the next frame: clearing brings the full list back, then the query again.
  result.msWarmToFrame = median(warm);
  result.msClearToFrame = median(clear);
  await context.close();
  return result;
}

async function pagefindQuery(query) {
  // The probes below evaluate strings in the page, which the site's CSP (rightly) forbids.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const seen = track(page);
  await page.goto(`${server.url}/mentors/m00001/`);
  const r = await page.evaluate(async (q) => {
    const pf = await import('/pagefind/pagefind.js');
    await pf.init();
    const t0 = performance.now();
    const search = await pf.search(q);
    const tIndex = performance.now();
    const data = await Promise.all(search.results.slice(0, 5).map((x) => x.data()));
    const t1 = performance.now();
    return { count: search.results.length, msSearch: tIndex - t0, msWithFragments: t1 - t0, first: data[0]?.url };
  }, query);
  const files = [...new Set(seen.filter(pagefindFile))].map((p) => p.replace(/^\//, ''));
  await context.close();
  return {
    query,
    count: r.count,
    msSearch: r.msSearch,
    msWithFragments: r.msWithFragments,
    bytesFirstQuery: files.reduce((s, p) => s + wire(p), 0),
    filesFirstQuery: files.length,
  };
}

const out = { mikke: [], pagefind: [] };
if (process.env.SKIP_MIKKE !== '1') for (const q of queries) out.mikke.push(await mikkeQuery(q));
let hasPagefind = false;
try { hasPagefind = statSync(join(site, 'pagefind/pagefind.js')).isFile(); } catch {}
if (hasPagefind) {
  for (const q of queries) {
    try {
      out.pagefind.push(await pagefindQuery(q));
    } catch (err) {
      out.pagefind.push({ query: q, error: String(err).split('\n')[0] });
    }
  }
}
await browser.close();
await server.close();
console.log(JSON.stringify(out, null, 1));
