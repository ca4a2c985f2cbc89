import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/until.js';

/** Process ids whose command line mentions `needle` (postgres started on a given data directory). */
function processesMentioning(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo')).map((l) => l.trim().split(/\s+/)[0]);
}

/** `gct serve` (or another command) on the embedded default, in a fresh data directory and on free ports; `cleanup` leaves nothing behind. */
/** Once the child has written `text` (stdout or stderr), calls `then`; resolves with a reader of all it writes. */
function onceOutput(child: { stdout: Readable; stderr: Readable }, text: string, then: () => void): Promise<() => string> {
  let output = '';
  let seen = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never wrote ${JSON.stringify(text)}:\n${output}`)), 90_000);
    const check = (d: Buffer) => {
      output += d;
      if (seen || !output.includes(text)) return;
      seen = true;
      clearTimeout(timer);
      then();
      resolve(() => output);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
  });
}

async function spawnServe(logLevel: string, args = ['serve']) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gct-serve-'));
  // postgres runs as an unprivileged user when we are root: it must be able to enter the folder
  execFileSync('chmod', ['755', dataDir]);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { ...process.env, DATABASE_URL: '', PORT: String(port), GCT_DATA_DIR: dataDir, GCT_EMBEDDED_PG_PORT: String(port + 1), LOG_LEVEL: logLevel };
  // its own process group, as a terminal gives it: Ctrl-C signals the group, the embedded Postgres too
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const cleanup = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of processesMentioning(dataDir)) process.kill(Number(pid), 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  };
  return { dataDir, port, child, exited, cleanup };
}

test('`gct serve` on the embedded default: first start prints a key that works, /readyz is ready, Ctrl-C stops Postgres last, leaves no process behind and logs no error', { timeout: 120_000 }, async () => {
  const { dataDir, port, child, exited, cleanup } = await spawnServe('warn');
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const key = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no key printed:\n${output}`)), 90_000);
      const check = () => {
        const m = /(gct_[A-Za-z0-9_-]{20,})/.exec(output);
        if (m && output.includes('curl')) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', check);
      child.on('exit', () => reject(new Error(`server exited:\n${output}`)));
    });
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, 'readyz answered 200');
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ me { role organization { slug isDemo } } }' }),
    });
    assert.deepEqual(await res.json(), { data: { me: { role: 'ADMIN', organization: { slug: 'demo', isDemo: true } } } });
    assert.ok(processesMentioning(dataDir).length > 0, 'embedded postgres runs on the data dir');

    const before = output.length;
    process.kill(-child.pid!, 'SIGINT'); // what Ctrl-C in a terminal does
    assert.equal(await exited, 0);
    assert.deepEqual(processesMentioning(dataDir), [], 'no postgres left running on the data dir');
    const stopping = output.slice(before).split('\n');
    const errors = stopping.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors.map((l) => l.slice(0, 200)), [], 'stopping logs no error');
    // Postgres stops last: the signal to the group must not shut it down under the draining queue and requests
    const cutOff = stopping.filter((l) => l.includes('57P01') || l.includes('terminating connection'));
    assert.deepEqual(cutOff.map((l) => l.slice(0, 200)), [], 'no connection was cut by Postgres shutting down first');
  } finally {
    await cleanup();
  }
});

test('`gct serve` stopped by SIGINT while it is still starting finishes starting, then stops everything', { timeout: 120_000 }, async () => {
  const { dataDir, child, exited, cleanup } = await spawnServe('info');
  try {
    // the signal lands after Postgres is up and before the server listens (migrations, queue, models)
    const output = await onceOutput(child, 'embedded Postgres started', () => child.kill('SIGINT'));
    assert.equal(await exited, 0, output());
    assert.deepEqual(processesMentioning(dataDir), [], 'no postgres left running on the data dir');
  } finally {
    await cleanup();
  }
});

test('a one-shot command stopped by Ctrl-C while it works stops its embedded Postgres too', { timeout: 120_000 }, async () => {
  const { dataDir, child, exited, cleanup } = await spawnServe('info', ['demo']);
  try {
    await onceOutput(child, 'embedded Postgres started', () => process.kill(-child.pid!, 'SIGINT')); // Ctrl-C in a terminal
    await exited;
    // a fast shutdown takes a moment once signalled
    await until(() => `no postgres left running on the data dir, have ${JSON.stringify(processesMentioning(dataDir))}`, () => processesMentioning(dataDir).length === 0, { everyMs: 100 });
  } finally {
    await cleanup();
  }
});

test('a one-shot command stopped by Ctrl-C while Postgres is still starting stops it too', { timeout: 120_000 }, async (t) => {
  const { dataDir, child, exited, cleanup } = await spawnServe('warn', ['migrate']);
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  try {
    // the postmaster, paused before it reports ready (its status line is written by it alone), holds the
    // command in the window between spawning Postgres and knowing it started
    let paused: number | undefined;
    for (let i = 0; i < 90_000 / 2 && paused === undefined && child.exitCode === null; i++) {
      const lines = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n') : [];
      const pid = Number(lines[0]);
      if (Number.isInteger(pid) && pid > 0) {
        process.kill(pid, 'SIGSTOP');
        if (readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready') {
          process.kill(pid, 'SIGCONT');
          break;
        }
        paused = pid;
      } else await new Promise((r) => setTimeout(r, 2));
    }
    if (paused === undefined) return t.skip('Postgres was ready before it could be paused');
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C in a terminal: Postgres is in a group of its own
    await exited;
    process.kill(paused, 'SIGCONT');
    for (let i = 0; i < 100 && processesMentioning(dataDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesMentioning(dataDir), [], 'no postgres left running on the data dir');
  } finally {
    await cleanup();
  }
});
