// Runs the CloudFront viewer-request function of deploy/template.yaml (SiteIndexRewrite)
// on the URLs the generated site uses, under node: the pretty URLs of the generator
// (mentors/<slug>/index.html) must resolve on S3, which has no index documents.
//
// Usage: node scripts/check-index-rewrite.js [template] [site-dir]
//   With a site directory (e.g. public/), every index.html in it is also checked to be
//   reached from its directory URL.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const templatePath = process.argv[2] || path.join(root, 'deploy', 'template.yaml');
const siteDir = process.argv[3];

// A function's body is the literal block under its resource's `FunctionCode: |`.
const lines = fs.readFileSync(templatePath, 'utf8').split('\n');
function functionOf(resource) {
  const at = lines.findIndex((l) => l.trim() === `${resource}:`);
  if (at < 0) throw new Error(`${templatePath}: no ${resource}`);
  const offset = lines.slice(at).findIndex((l) => /^\s*FunctionCode: \|\s*$/.test(l));
  if (offset < 0) throw new Error(`${templatePath}: ${resource} has no "FunctionCode: |" block`);
  const start = at + offset;
  const indent = lines[start + 1].match(/^\s*/)[0].length;
  const body = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && line.match(/^\s*/)[0].length < indent) break;
    body.push(line.slice(indent));
  }
  return new Function(`${body.join('\n')}\nreturn handler;`)();
}
const handler = functionOf('SiteIndexRewrite');
// The console's: /staff/ is named /staff/today for the API's greedy route; nothing else moves.
const staff = functionOf('StaffIndexRewrite');
const staffRun = (uri) => staff({ request: { uri, querystring: {}, headers: {} } }).uri;

function run(uri, querystring = {}) {
  return handler({ request: { uri, querystring, headers: {} } });
}

const failures = [];
function expect(what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    failures.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

expect('staff /staff/', staffRun('/staff/'), '/staff/today');
expect('staff /staff/applications', staffRun('/staff/applications'), '/staff/applications');
expect('staff /staff/signin', staffRun('/staff/signin'), '/staff/signin');
expect('/', run('/').uri, '/index.html');
expect('/mentors/aoki-haruka/', run('/mentors/aoki-haruka/').uri, '/mentors/aoki-haruka/index.html');
expect('/static/site.css', run('/static/site.css').uri, '/static/site.css');
expect('/catalog.json', run('/catalog.json').uri, '/catalog.json');
const redirect = run('/search', { q: { value: '%E8%82%B2%E4%BC%91' } });
expect('/search status', redirect.statusCode, 301);
expect('/search location', redirect.headers && redirect.headers.location.value, '/search/?q=%E8%82%B2%E4%BC%91');
const multi = run('/industries/it', { tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] } });
expect('multi-value query', multi.headers && multi.headers.location.value, '/industries/it/?tag=a&tag=b');

if (siteDir) {
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  let pages = 0;
  for (const file of walk(siteDir)) {
    if (path.basename(file) !== 'index.html') continue;
    const rel = path.relative(siteDir, path.dirname(file)).split(path.sep).join('/');
    const url = rel === '' ? '/' : `/${rel}/`;
    const key = run(url).uri.slice(1);
    if (!fs.existsSync(path.join(siteDir, key))) failures.push(`${url} maps to missing ${key}`);
    pages += 1;
  }
  console.log(`index rewrite: ${pages} directory pages in ${siteDir} resolve`);
}

if (failures.length) {
  console.error(`index rewrite: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('index rewrite: ok');
