/**
 * `npm test`: one real Postgres for the whole run (embedded, or DATABASE_URL), a migrated template
 * database that every test file clones for itself (so files never see each other's rows), a test
 * certificate for the HTTPS fakes, then node's test runner over every compiled `*.test.js`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { connect } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';
import { repoRoot } from './fixtures.js';
import { runOfDatabase, templateName, TEST_RUN_LOCK, withDatabaseName } from './db.js';

const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

async function findTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/**
 * Claims `run` (a session advisory lock held until `release`), drops what ended runs left, and builds
 * this run's migrated template.
 */
async function prepareRun(adminUrl: string, run: string): Promise<{ release(): Promise<void> }> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  // one connection: the lock is the session's, held until the run ends
  const session = await admin.reserve();
  await session`select pg_advisory_lock(${TEST_RUN_LOCK}, hashtext(${run}))`;
  /** Test databases and templates on the server, with the run each belongs to. */
  const runDatabases = async () =>
    (await session<{ datname: string }[]>`select datname from pg_database where datname like 'gct\\_%'`).map(({ datname }) => ({ datname, run: runOfDatabase(datname) }));
  const dropRun = async (of: string) => {
    for (const { datname, run: owner } of await runDatabases()) if (owner === of) await session.unsafe(`drop database if exists "${datname}" with (force)`);
  };
  // databases of runs that ended without cleaning up (interrupted): their run's lock is free
  const others = new Set((await runDatabases()).map((d) => d.run).filter((r): r is string => r !== undefined && r !== run));
  for (const other of others) {
    const [{ free }] = await session<{ free: boolean }[]>`select pg_try_advisory_lock(${TEST_RUN_LOCK}, hashtext(${other})) as free`;
    if (!free) continue;
    try {
      await dropRun(other);
    } finally {
      await session`select pg_advisory_unlock(${TEST_RUN_LOCK}, hashtext(${other}))`;
    }
  }
  await session.unsafe(`create database ${templateName(run)}`);
  const template = connect(withDatabaseName(adminUrl, templateName(run)), { max: 1 });
  try {
    await runMigrations(template);
  } finally {
    await template.close();
  }
  return {
    async release() {
      try {
        await dropRun(run);
      } finally {
        session.release();
        await admin.end();
      }
    },
  };
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const port = Number(process.env.GCT_TEST_PG_PORT ?? 54339);
    // one data directory per port, so two test runs on one machine (different ports) never share a server
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(repoRoot, '.data', port === 54339 ? 'test' : `test-${port}`),
      port,
      database: 'gct_admin',
      log,
    });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  const run = randomBytes(4).toString('hex');
  let release = async () => {};
  try {
    release = (await prepareRun(adminUrl, run)).release;
    const { ensureTestCertificate } = await import('../fakes/azure/cert.js');
    const cert = ensureTestCertificate(path.join(repoRoot, '.data', 'test-cert'));
    let files = await findTests(path.join(repoRoot, 'dist', 'test'));
    if (filters.length > 0) files = files.filter((f) => filters.some((flt) => f.includes(flt)));
    // node --test given no file runs every test it finds: a filter that matched nothing would run the suite
    if (files.length === 0) throw new Error(`no test file matches ${filters.map((f) => JSON.stringify(f)).join(', ')}`);
    // --test-force-exit: a file whose tests (and after hooks) are done exits even if a timer is left running.
    // Under load a file sometimes finished every test and never exited (a pg-boss poll outliving app.close()
    // is the suspect), which would hold CI until its time limit: a leak must not cost the run.
    const child = spawn(process.execPath, ['--test', '--test-force-exit', `--test-concurrency=${process.env.GCT_TEST_CONCURRENCY ?? 2}`, ...files], {
      stdio: 'inherit',
      env: { ...process.env, GCT_TEST_ADMIN_URL: adminUrl, GCT_TEST_RUN: run, NODE_EXTRA_CA_CERTS: cert.certPath, DATABASE_URL: '' },
      // a group of its own, stopped whole with this process: stopped alone (a CI timeout, Ctrl-C), node --test
      // and its file processes were left running, one of them spinning a core
      detached: true,
    });
    const stopTests = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stopTests(signal));
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await release();
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
