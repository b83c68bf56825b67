// Steady-state latency: results → results (no swap with the 10,000-card server list), i.e. the
// search work itself. Usage: node steady.js SITE_DIR QUERY...
import { serve, launch } from '../../tests/e2e/lib/harness.js';

const [site, ...queries] = process.argv.slice(2);
const server = await serve(site);
const browser = await launch();
const page = await browser.newPage();
await page.addInitScript(() => {
  document.addEventListener('mikke:search', (e) => { window.__last = e.detail; });
});
await page.goto(`${server.url}/`, { timeout: 120000 });
await page.waitForFunction(() => document.documentElement.dataset.searchReady === 'true', null, { timeout: 120000 });
async function set(text) {
  await page.evaluate(() => { window.__last = null; });
  await page.fill('#search-q', text);
  const want = `?${new URLSearchParams({ q: text.trim() })}`;
  await page.waitForFunction((w) => window.__last && window.__last.search === w && window.__last.final !== false, want, { timeout: 120000 });
  return page.evaluate(() => window.__last);
}
await set('育'); // leave the full list once, load facets
await page.waitForTimeout(1000);
const rows = [];
for (const q of queries) {
  await set(q); // cold for this query's shards
  await page.waitForTimeout(300);
  const runs = [];
  for (let k = 0; k < 5; k++) {
    await set(`${q} の`);
    runs.push(await set(q));
  }
  runs.sort((a, b) => a.msTotal - b.msTotal);
  const mid = runs[2];
  rows.push({ query: q, count: mid.count, msTotal: mid.msTotal, msAfterData: mid.msAfterData });
}
console.log(JSON.stringify(rows));
await browser.close();
await server.close();
