// The local mail catcher (scripts/mail-catcher.py: aiosmtpd on 127.0.0.1) for the browser
// tests, and a reader for what it keeps: one .eml per message, single-part text/plain, UTF-8,
// subjects as RFC 2047 encoded words, bodies in base64 or quoted-printable — what mikke sends.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './harness.js';

function decodeQ(text) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (text[i] === '=' && text[i + 1] === '\n') {
      i += 1;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `=?utf-8?b?…?=` words decoded; whitespace between two encoded words dropped. */
function decodeWords(value) {
  const parts = value.split(/\s+/).filter(Boolean);
  let out = '';
  let lastWord = false;
  for (const part of parts) {
    const m = /^=\?utf-8\?([bq])\?(.*)\?=$/i.exec(part);
    if (m) {
      const text = m[1].toLowerCase() === 'b' ? Buffer.from(m[2], 'base64').toString('utf8') : decodeQ(m[2].replace(/_/g, ' '));
      out += (out && !lastWord ? ' ' : '') + text;
      lastWord = true;
    } else {
      out += (out ? ' ' : '') + part;
      lastWord = false;
    }
  }
  return out;
}

/** A kept message: { file, rawHeaderLines, headers: {lower-case name: value}, subject, to, body }. */
export function readMail(file) {
  const text = readFileSync(file, 'latin1').replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split);
  const rawHeaderLines = head.split('\n');
  const headers = {};
  const unfolded = [];
  for (const line of rawHeaderLines) {
    if (/^[ \t]/.test(line) && unfolded.length) unfolded[unfolded.length - 1] += `\n${line}`;
    else unfolded.push(line);
  }
  for (const h of unfolded) {
    const at = h.indexOf(':');
    headers[h.slice(0, at).trim().toLowerCase()] = decodeWords(Buffer.from(h.slice(at + 1), 'latin1').toString('utf8').trim());
  }
  const raw = text.slice(split + 2);
  const encoding = (headers['content-transfer-encoding'] || '').toLowerCase();
  let body;
  if (encoding === 'base64') body = Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') body = decodeQ(raw);
  else body = Buffer.from(raw, 'latin1').toString('utf8');
  return { file, rawHeaderLines, headers, subject: headers.subject || '', to: headers.to || '', body };
}

/** The diary link in a mail's body. */
export function diaryLink(mail) {
  const found = mail.body.match(/https?:\/\/\S+\/diary\/#t=\S+/g) || [];
  if (found.length !== 1) throw new Error(`one diary link expected in:\n${mail.body}`);
  return found[0];
}

/** Starts the catcher keeping mail in `dir` on a free port (or `port`). */
export async function startCatcher(dir, port = 0) {
  mkdirSync(dir, { recursive: true });
  const child = spawn('python3', [join(REPO, 'scripts/mail-catcher.py'), '--port', String(port), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b.toString();
      if (out.includes('\n')) ok(out.split('\n')[0]);
    });
    child.once('exit', (code) => fail(new Error(`mail catcher exited (${code}): run scripts/install-test-deps.sh`)));
  });
  const listening = Number(line.trim().split(':').at(-1));
  return {
    port: listening,
    url: `smtp://127.0.0.1:${listening}`,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Every message kept in `dir` so far, oldest first. */
export function mailsIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readMail(join(dir, f)));
}

/** Waits until `predicate(mails)` holds (checked every 100 ms), up to `ms`; the mails then. */
export async function waitForMail(dir, predicate, ms = 15000) {
  const start = Date.now();
  for (;;) {
    const mails = mailsIn(dir);
    if (predicate(mails)) return mails;
    if (Date.now() - start > ms) throw new Error(`mail not there after ${ms} ms: ${mails.map((m) => `${m.to}: ${m.subject}`).join('\n')}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
