// The directory page itself at scale: loading the server-rendered list of every mentor (the
// no-JS promise) on a phone-sized viewport, and bringing the full list back after a search.
// Usage: node page.js SITE_DIR [RUNS]. Prints JSON: medians over RUNS fresh loads of
// DOMContentLoaded, first contentful paint, load, and Chromium's own layout / style-recalc
// time for the load (CDP Performance metrics), with JavaScript on and off.
import { serve, launch } from '../../tests/e2e/lib/harness.js';

const [site, runsArg] = process.argv.slice(2);
const RUNS = Number(runsArg || 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await serve(site);
const browser = await launch();

async function load(javaScriptEnabled) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${server.url}/`, { waitUntil: 'load', timeout: 120000 });
  await page.waitForTimeout(300);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  // Navigation timing needs no page script, so it is read the same way with JS off: from the
  // browser's side, through CDP.
  const { result } = await cdp.send('Runtime.evaluate', {
    expression: `JSON.stringify({
      nav: performance.getEntriesByType('navigation')[0].toJSON(),
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    })`,
    returnByValue: true,
  });
  const { nav, fcp } = JSON.parse(result.value);
  await context.close();
  return {
    msDomContentLoaded: nav.domContentLoadedEventEnd,
    msFirstContentfulPaint: fcp,
    msLoad: nav.loadEventEnd,
    msLayout: metric('LayoutDuration') * 1000,
    msStyle: metric('RecalcStyleDuration') * 1000,
    nodes: metric('Nodes'),
  };
}

const out = {};
for (const [label, js] of [['jsOn', true], ['jsOff', false]]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await load(js));
  out[label] = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
}
await browser.close();
await server.close();
console.log(JSON.stringify(out, null, 1));
