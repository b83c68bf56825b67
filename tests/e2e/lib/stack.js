// The whole local stack for the form tests, as scripts/run.sh starts it: the site built into a
// temporary directory, the handler binary serving it and the API on one free loopback port,
// the SQLite store in a temporary data directory whose tables the tests read back (with the
// `sqlite3` shell, read-only, while the server runs — as staff would for an ad-hoc question),
// and the local mail catcher (aiosmtpd) both the handler and `staff` send to, as run.sh does.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, buildSite, cleanup, privateBundle } from './harness.js';
import { mailsIn, startCatcher, waitForMail } from './mail.js';

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function startStack({ rateLimit = 1000 } = {}) {
  // --all-features: the build `cargo test --workspace --all-features` already made, so nothing
  // is compiled again (the local stack works the same with or without the AWS parts).
  execFileSync('cargo', ['build', '-q', '--all-features', '-p', 'handler', '--bin', 'handler', '--bin', 'staff'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const site = buildSite();
  const data = mkdtempSync(join(tmpdir(), 'mikke-e2e-data-'));
  const mailDir = join(data, 'caught');
  let catcher = await startCatcher(mailDir);
  const mailEnv = () => ({ MIKKE_SMTP_URL: catcher.url, MIKKE_MAIL_BUNDLE: privateBundle(site) });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const target = process.env.CARGO_TARGET_DIR || join(REPO, 'target');
  const logs = [];
  let child = null;
  /** Starts the handler on the stack's port and store; resolves once /api/health answers. */
  async function startServer() {
    child = spawn(join(target, 'debug', 'handler'), [], {
      cwd: REPO,
      env: {
        ...process.env,
        MIKKE_PORT: String(port),
        MIKKE_SITE_DIR: site,
        MIKKE_CATALOG: join(site, 'catalog.json'),
        MIKKE_DATA_DIR: data,
        MIKKE_SITE_URL: url,
        MIKKE_RATE_LIMIT: String(rateLimit),
        ...mailEnv(),
        RUST_LOG: 'info',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = child;
    started.stdout.on('data', (b) => logs.push(b.toString()));
    started.stderr.on('data', (b) => logs.push(b.toString()));
    for (let i = 0; ; i++) {
      try {
        const r = await fetch(`${url}/api/health`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (started.exitCode !== null || i > 200) {
        throw new Error(`handler did not start:\n${logs.join('')}`);
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
  await startServer();
  /** Rows of a query against the store's database, as objects (none before the first write). */
  const query = (sql) => {
    const file = join(data, 'mikke.sqlite');
    if (!existsSync(file)) return [];
    const out = execFileSync('sqlite3', ['-readonly', '-json', file, sql], { encoding: 'utf8' });
    return out.trim() ? JSON.parse(out) : [];
  };
  return {
    url,
    site,
    logs,
    /** Every record stored so far, of `kind` if given, in the order stored. */
    records(kind) {
      return query('SELECT kind, id, status, created_at, expires_at, body FROM records ORDER BY rowid')
        .filter((r) => !kind || r.kind === kind)
        .map((r) => ({ ...r, body: JSON.parse(r.body) }));
    },
    /** Every mentoring sheet stored so far, in the order stored. */
    sheets() {
      return query('SELECT match_id, session, submission_id, priority, content FROM sheets ORDER BY rowid');
    },
    /** Every reply stored so far. */
    replies() {
      return query('SELECT match_id, session, reply FROM sheets WHERE reply IS NOT NULL ORDER BY rowid');
    },
    /** Stops the handler only (e.g. to check what survives a restart). */
    async stopServer() {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
    },
    /** Starts the handler again after stopServer() (same port, store, key and log list). */
    startServer,
    /** `staff <args>` on the stack's store and catalog; its standard output. */
    staff(...args) {
      return execFileSync(join(target, 'debug', 'staff'), args, {
        cwd: REPO,
        env: { ...process.env, MIKKE_DATA_DIR: data, MIKKE_CATALOG: join(site, 'catalog.json'), MIKKE_SITE_URL: url, ...mailEnv() },
        encoding: 'utf8',
      });
    },
    /** Every mail the catcher kept so far, oldest first (lib/mail.js `readMail`). */
    mails: () => mailsIn(mailDir),
    /** Waits until `predicate(mails)` holds. */
    waitForMail: (predicate, ms) => waitForMail(mailDir, predicate, ms),
    /** Stops the mail server (the port stays the stack's for `startMail`). */
    stopMail: () => catcher.stop(),
    async startMail() {
      catcher = await startCatcher(mailDir, catcher.port);
    },
    async stop() {
      await catcher.stop();
      await this.stopServer();
      cleanup(site);
      rmSync(data, { recursive: true, force: true });
    },
  };
}
