// The whole local stack for the form tests, as scripts/run.sh starts it: the site built into a
// temporary directory, the handler binary serving it and the API on one free loopback port,
// the embedded store in a temporary data directory whose journal the tests read back.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, buildSite, cleanup } from './harness.js';

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function startStack({ rateLimit = 1000 } = {}) {
  execFileSync('cargo', ['build', '-q', '-p', 'handler', '--bin', 'handler', '--bin', 'staff'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const site = buildSite();
  const data = mkdtempSync(join(tmpdir(), 'mikke-e2e-data-'));
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
  /** The embedded store's journal, one parsed object per line, in the order written. */
  const journalLines = () => {
    const file = join(data, 'journal.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  };
  return {
    url,
    site,
    logs,
    /** Every record stored so far (the journal's put lines), of `kind` if given. */
    records(kind) {
      return journalLines()
        .filter((e) => e.op === 'put' && (!kind || e.record.kind === kind))
        .map((e) => e.record);
    },
    /** Every journal line with `op` (e.g. `sheet`, `reply`, `match`), in the order written. */
    journal(op) {
      return journalLines().filter((e) => e.op === op);
    },
    /** Stops the handler only (the embedded store is single-process; `staff` needs it free). */
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
        env: { ...process.env, MIKKE_DATA_DIR: data, MIKKE_CATALOG: join(site, 'catalog.json'), MIKKE_SITE_URL: url },
        encoding: 'utf8',
      });
    },
    async stop() {
      await this.stopServer();
      cleanup(site);
      rmSync(data, { recursive: true, force: true });
    },
  };
}
