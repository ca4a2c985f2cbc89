import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import postgres from 'postgres';
import { connect } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { startBoss } from '../../src/jobs/boss.js';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/until.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test("a postmaster.pid naming a live process that is not Postgres (its pid reused after a restart) is stale: Postgres starts", { timeout: 120_000 }, async () => {
  // a container restarted with its data volume: the file's pid now belongs to another process (here this
  // one), which passed for a running Postgres, so the server "shared" a database nothing served
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  try {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, log });
    await first.stop();
    await writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), `${process.pid}\n${path.join(dataDir, 'pg')}\n`);
    const again = await startEmbeddedPostgres({ dataDir, port, log });
    const sql = postgres(again.url, { max: 1, onnotice: () => {} });
    try {
      assert.deepEqual([...(await sql`select 1 as one`)], [{ one: 1 }]);
    } finally {
      await sql.end();
      await again.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** stop() while another process's client is connected leaves Postgres serving it; it was stopped under it. */
async function stillServesItsSharer(db: { url: string; stop(): Promise<void> }, postmasterPid: number): Promise<void> {
  const sharer = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await sharer`select 1`;
    await db.stop();
    assert.ok(alive(postmasterPid), 'Postgres still runs for the process sharing it');
    assert.deepEqual([...(await sharer`select 2 as two`)], [{ two: 2 }]);
  } finally {
    await sharer.end();
  }
}

test('a Postgres this process started, shared by another process, is left running at stop, and stopped once no one else uses it', { timeout: 120_000 }, async () => {
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  let postmasterPid: number | undefined;
  try {
    const started = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    postmasterPid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    await stillServesItsSharer(started, postmasterPid);
    await started.stop();
    assert.equal(alive(postmasterPid), false, 'stopped once the sharer is gone');
  } finally {
    if (postmasterPid !== undefined && alive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('while Postgres starts, pg-owner.pid already names the starting process, not a previous owner that is gone', { timeout: 120_000 }, async () => {
  // it was written once the database existed: a CLI command starting meanwhile found a running Postgres whose
  // owner was gone, adopted it, and stopped it under the server starting it
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  const gone = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => gone.once('exit', r));
  const seen = new Set<string>();
  const watch = setInterval(() => {
    try {
      if (existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) seen.add(readFileSync(path.join(dataDir, 'pg-owner.pid'), 'utf8').trim());
    } catch {
      // between the checks
    }
  }, 1);
  let db: { stop(): Promise<void> } | undefined;
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'pg-owner.pid'), `${gone.pid}\n`);
    db = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    assert.deepEqual([...seen], [String(process.pid)]);
  } finally {
    clearInterval(watch);
    await db?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a Postgres whose server was killed outright is adopted by the next start, and stopped with it', { timeout: 120_000 }, async () => {
  // it was shared as if its server still ran: nothing ever stopped it (a server SIGKILLed, OOM-killed)
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  let postmasterPid: number | undefined;
  try {
    const port = await freePort();
    const script = `import('${path.join(repoRoot, 'dist/src/db/embedded.js')}').then(async ({ startEmbeddedPostgres }) => {
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, log: (await import('pino')).default({ level: 'silent' }) });
      console.log('up');
    })`;
    const server = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (d: Buffer) => String(d).includes('up') && resolve());
      server.once('exit', (code) => reject(new Error(`the server exited (${code}) before its Postgres was up`)));
    });
    postmasterPid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    assert.ok(alive(postmasterPid), 'its Postgres outlives the killed server');

    const adopted = await startEmbeddedPostgres({ dataDir, port, log });
    const sql = postgres(adopted.url, { max: 1, onnotice: () => {} });
    try {
      assert.deepEqual([...(await sql`select 1 as one`)], [{ one: 1 }]);
    } finally {
      await sql.end();
    }
    // a CLI command adopted it, then `npm start` came up and shared it: the command's end must not cut the server
    await stillServesItsSharer(adopted, postmasterPid);
    await adopted.stop();
    assert.equal(alive(postmasterPid), false, 'the adopted Postgres stopped with the process that adopted it');
  } finally {
    if (postmasterPid !== undefined && alive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** test/support/embedded-client.ts in a process of its own: resolves once it reports the postmaster it uses. */
function startClient(dataDir: string, port: number) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/test/support/embedded-client.js'), dataDir, String(port)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const up = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /\{"postmaster":(\d+)\}/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`process ${child.pid} exited (${code}) before its Postgres was up:\n${output}`)));
  });
  const stop = async () => {
    child.stdin.write('stop\n');
    assert.equal(await exited, 0, `process ${child.pid} stopped cleanly:\n${output}`);
  };
  return { child, up, stop };
}

test('two processes starting at once on an empty data directory both succeed and share one Postgres, stopped once both are done', { timeout: 120_000 }, async () => {
  // both ran initdb on the same directory: one failed ("directory exists but is not empty", or the postmaster's lock)
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const clients = [startClient(dataDir, port), startClient(dataDir, port)];
  const postmasters: number[] = [];
  try {
    postmasters.push(...(await Promise.all(clients.map((c) => c.up))));
    assert.equal(postmasters[0], postmasters[1], 'one Postgres serves both');
    const owner = Number(readFileSync(path.join(dataDir, 'pg-owner.pid'), 'utf8').trim());
    const ownerClient = clients.find((c) => c.child.pid === owner);
    assert.ok(ownerClient, `pg-owner.pid names one of the two (${clients.map((c) => c.child.pid).join(', ')}), not ${owner}`);
    // the sharer first: the owner then finds no one else connected and stops it
    await clients.find((c) => c !== ownerClient)!.stop();
    assert.ok(alive(postmasters[0]), 'the sharer left Postgres running for the owner');
    await ownerClient.stop();
    assert.equal(alive(postmasters[0]), false, 'Postgres stopped with its owner');
  } finally {
    for (const { child } of clients) if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of postmasters) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a job's query still running when the queue and pool have closed is this process's, not another's: Postgres stops", { timeout: 120_000 }, async () => {
  // the query outlives pg-boss's graceful stop and the pool's end (which drops its socket; Postgres sees that
  // only when the query returns), and was counted as another process's client: Postgres was left running for no one
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  let postmasterPid: number | undefined;
  try {
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    postmasterPid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const database = connect(embedded.url, { max: 2 });
    const boss = await startBoss(embedded.url, 'all', log);
    await boss.createQueue('test-slow');
    let running!: () => void;
    const started = new Promise<void>((r) => (running = r));
    await boss.work('test-slow', async () => {
      running();
      await database.sql`select pg_sleep(60)`.catch(() => {});
    });
    await boss.send('test-slow', {});
    await started;
    // app.ts's order: the queue (its graceful stop timing out), the pool, then Postgres
    await boss.stop({ graceful: true, timeout: 1_000, wait: true });
    await database.sql.end({ timeout: 0.1 });
    await embedded.stop();
    assert.equal(alive(postmasterPid), false, 'Postgres stopped: no other process used it');
  } finally {
    if (postmasterPid !== undefined && alive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("left running for another process, Postgres runs no query of this process's on past it", { timeout: 120_000 }, async () => {
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  let postmasterPid: number | undefined;
  const sharer = { end: async () => {} };
  try {
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    postmasterPid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const other = postgres(embedded.url, { max: 1, onnotice: () => {} });
    sharer.end = () => other.end();
    const database = connect(embedded.url, { max: 1 });
    const slow = database.sql`select pg_sleep(60)`.catch(() => {});
    const slowBackend = async () => (await other<{ pid: number }[]>`select pid from pg_stat_activity where query like 'select pg_sleep(60)%'`)[0]?.pid;
    await until('the slow query runs', async () => (await slowBackend()) !== undefined);
    await database.sql.end({ timeout: 0.1 });
    await embedded.stop();
    assert.ok(alive(postmasterPid), 'Postgres still runs for the other process');
    await until('our slow query is ended', async () => (await slowBackend()) === undefined, { timeoutMs: 10_000 });
    await slow;
  } finally {
    await sharer.end();
    if (postmasterPid !== undefined && alive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a start lock left by a process killed while starting Postgres does not hold up the next start', { timeout: 120_000 }, async () => {
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  const gone = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => gone.once('exit', r));
  const lockFile = path.join(dataDir, 'pg-start.lock');
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(lockFile, `${gone.pid}\n`);
    const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    await db.stop();
    assert.equal(existsSync(lockFile), false, 'the lock is released once Postgres is started');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
