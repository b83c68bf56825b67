// Shared by the browser tests and the benchmark: build the site, serve it on loopback, drive
// Debian's chromium through playwright-core (no browser download).

import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, resolve, normalize as normalizePath } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE, 'utf8');

export const REPO = resolve(new URL('../../..', import.meta.url).pathname);

/** `generator build` into a fresh temporary directory; returns the site's path. The private
 *  bundle (mail templates, contacts) goes beside it, never into it: see `privateBundle`. */
export function buildSite(root = REPO) {
  const out = join(mkdtempSync(join(tmpdir(), 'mikke-e2e-')), 'public');
  execFileSync(
    'cargo',
    ['run', '-q', '-p', 'generator', '--bin', 'generator', '--', 'build', '--root', root, '--out', out, '--private-out', join(out, '..', 'private')],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return out;
}

/** The mail bundle `buildSite` wrote for the site at `site`. */
export const privateBundle = (site) => join(site, '..', 'private', 'mail.json');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

/** The headers every answer carries (deploy/security-headers.json, as the handler and
 *  CloudFront send them): the browser tests run under the site's real policy. */
export const SECURITY = JSON.parse(readFileSync(join(REPO, 'deploy/security-headers.json'), 'utf8'));

function pageHeaders(path) {
  const headers = {};
  for (const [name, value] of Object.entries(SECURITY)) {
    if (/^[A-Z]/.test(name)) headers[name.toLowerCase()] = value;
  }
  if (SECURITY.private_paths.some((p) => path.startsWith(p))) {
    headers['cache-control'] = SECURITY.private_cache_control;
  }
  return headers;
}

/** A static server for `dir` on 127.0.0.1 and a free port, like a plain static host
 *  (`ranges: false`: one that ignores Range headers and always sends the whole file). */
export async function serve(dir, { ranges = true } = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalizePath(join(dir, path));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404, { ...pageHeaders(path), 'content-type': TYPES['.html'] });
      res.end(existsSync(join(dir, '404.html')) ? readFileSync(join(dir, '404.html')) : 'not found');
      return;
    }
    const type = TYPES[extname(file)] || 'application/octet-stream';
    const body = readFileSync(file);
    // Byte ranges, as static hosts (S3, CloudFront, nginx, GitHub Pages) serve them: the
    // search index reads one key's list out of search/postings.bin this way.
    const range = ranges && /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start > end || start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...pageHeaders(path),
        'content-type': type,
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': end - start + 1,
        'accept-ranges': 'bytes',
      });
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...pageHeaders(path), 'content-type': type, 'accept-ranges': 'bytes' });
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A fresh context and page whose uncaught script errors collect in `page.errors`. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  watchPolicy(page);
  return page;
}

/** Waits until the directory list shows the results for the page's current URL. */
export async function directorySettled(page, timeout = 30000) {
  await waitFor(page, () => {
    const list = document.getElementById('mentor-list');
    return list.dataset.searchState === (location.search || 'all') && !list.hasAttribute('aria-busy');
  }, null, { timeout });
}

/**
 * `page.waitForFunction` without its eval: Playwright compiles the predicate inside the page,
 * which the site's policy (no 'unsafe-eval') rightly forbids. `page.evaluate` goes through the
 * debugging protocol instead, so this polls with it. Same arguments; resolves to the truthy value.
 */
export async function waitFor(page, predicate, arg = null, { timeout = 30000, polling = 50 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(predicate, arg);
    if (value) return value;
    if (Date.now() > until) throw new Error(`waitFor: timed out after ${timeout} ms: ${predicate}`);
    await new Promise((ok) => setTimeout(ok, polling));
  }
}

/** Anything the Content-Security-Policy refused goes to `page.errors`: the site must work
 *  under its own policy, not merely load. */
export function watchPolicy(page) {
  page.errors ??= [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) page.errors.push(new Error(`CSP: ${m.text()}`));
  });
}

/** The page's serious and critical accessibility violations (axe-core), one line each.
 *  axe is evaluated through the debugging protocol, which the page's policy (no inline
 *  script) does not govern, so the tests need no bypassCSP. */
export async function axe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The built index read back in node: meta, docs and every mentor's facet value ids. */
export function readIndex(site) {
  const meta = JSON.parse(readFileSync(join(site, 'search/meta.json'), 'utf8'));
  const catalog = JSON.parse(readFileSync(join(site, 'catalog.json'), 'utf8'));
  let docs;
  if (meta.layout.single) {
    const raw = gunzipSync(readFileSync(join(site, 'search', meta.layout.single)));
    const flen = raw.readUInt32LE(0);
    const plen = raw.readUInt32LE(4 + flen);
    docs = JSON.parse(raw.subarray(8 + flen + plen).toString('utf8'));
  } else {
    // cards.bin and bios.bin: gzip members at the offsets blocks.idx lists (search/docs.rs).
    const { cards, bios, blockIndex, cardBlocks } = meta.layout;
    const idx = readFileSync(join(site, 'search', blockIndex));
    const members = (file, from, to) => {
      const bytes = readFileSync(join(site, 'search', file));
      const out = [];
      for (let b = from; b < to; b++) {
        const member = bytes.subarray(idx.readUInt32LE(4 * b), idx.readUInt32LE(4 * b + 4));
        out.push(...JSON.parse(gunzipSync(member).toString('utf8')));
      }
      return out;
    };
    docs = members(cards, 0, cardBlocks);
    const allBios = members(bios, cardBlocks + 1, idx.length / 4 - 1);
    docs.forEach((d, i) => { d[4] = allBios[i]; });
  }
  return { meta, catalog, docs };
}

/**
 * A site built from `root`, served on loopback, and a browser: what the search tests share.
 * Returns { site, server, browser, index (readIndex), close() }.
 */
export async function siteStack(root = REPO) {
  const site = buildSite(root);
  let server;
  let browser;
  const close = async () => {
    await browser?.close();
    await server?.close();
    cleanup(site);
  };
  try {
    server = await serve(site);
    browser = await launch();
  } catch (err) {
    await close();
    throw err;
  }
  return { site, server, browser, index: readIndex(site), close };
}

export function cleanup(site) {
  rmSync(resolve(site, '..'), { recursive: true, force: true });
}
