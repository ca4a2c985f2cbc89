/**
 * Shared by the benchmarks: a real Postgres (DATABASE_URL, or an embedded one under .data/bench),
 * a fresh migrated database per run, and the real app on a free loopback port.
 *
 * `keep`: a database name to keep after the run and reuse on the next (`reused` tells the caller its
 * data is already there), for benchmarks whose data takes long to build.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connect, type Database } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { runMigrations } from '../src/db/migrate.js';
import { createOrganization } from '../src/services/organizations.js';
import { PrincipalService } from '../src/services/principals.js';
import { repoRoot } from '../test/support/fixtures.js';
import { withDatabaseName } from '../test/support/db.js';

export interface BenchEnv {
  app: App;
  url: string;
  orgId: string;
  adminKey: string;
  analystKey: string;
  /** The kept database already held this benchmark's data. */
  reused: boolean;
  close(): Promise<void>;
}

/** The Postgres a benchmark runs on: DATABASE_URL's, or an embedded one under .data/`dir` (port GCT_BENCH_PG_PORT, else `port`). */
export interface BenchServer {
  adminUrl: string;
  /** The embedded cluster's directory; null on DATABASE_URL's server. */
  dataDir: string | null;
  stop(): Promise<void>;
}

const benchLog = pino({ level: 'warn' });

export async function startBenchServer(dir: string, port: number): Promise<BenchServer> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, dataDir: null, stop: async () => {} };
  const dataDir = path.join(repoRoot, '.data', dir);
  const embedded = await startEmbeddedPostgres({ dataDir, port: Number(process.env.GCT_BENCH_PG_PORT ?? port), database: 'gct_admin', log: benchLog });
  return { adminUrl: embedded.url, dataDir, stop: embedded.stop };
}

/** A new, migrated database `<prefix>_<random>` on `server`; close() drops it. */
export async function freshBenchDatabase(server: BenchServer, prefix: string): Promise<{ database: Database; close(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  let database: Database | undefined;
  const close = async () => {
    await database?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  };
  try {
    await admin.unsafe(`create database ${name}`);
    database = connect(withDatabaseName(server.adminUrl, name), { max: 4 });
    await runMigrations(database);
    return { database, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function startBenchApp(opts: { keep?: string } = {}): Promise<BenchEnv> {
  const log = benchLog;
  const server = await startBenchServer('bench', 54349);
  const adminUrl = server.adminUrl;
  const stopEmbedded = server.stop;
  if (opts.keep !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.keep)) throw new Error(`database name ${JSON.stringify(opts.keep)}: lower-case letters, digits and _ only`);
  const name = opts.keep ?? `gct_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [{ exists }] = await admin<{ exists: boolean }[]>`select exists (select from pg_database where datname = ${name}) as exists`;
  if (!exists) await admin.unsafe(`create database ${name}`);
  const url = withDatabaseName(adminUrl, name);
  const migrator = connect(url, { max: 2 });
  await runMigrations(migrator);
  const [found] = await migrator.sql<{ id: string }[]>`select id from organizations where slug = 'bench'`;
  const reused = exists && found !== undefined;
  const { organization, adminKey } = found
    ? { organization: found, adminKey: (await new PrincipalService(migrator.db, found.id).createApiKey({ name: 'bench admin', role: 'ADMIN' })).key }
    : await createOrganization(migrator.db, { name: 'Bench', slug: 'bench' });
  const analystKey = (await new PrincipalService(migrator.db, organization.id).createApiKey({ name: 'bench', role: 'ANALYST' })).key;
  await migrator.close();
  // the executor can be chosen to compare the two (GCT_GRAPHQL_EXECUTOR=graphql-js)
  const executor = process.env.GCT_GRAPHQL_EXECUTOR ? { GCT_GRAPHQL_EXECUTOR: process.env.GCT_GRAPHQL_EXECUTOR } : {};
  const app = await startApp({ ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...executor }), databaseUrl: url }, log);
  return {
    app,
    url: app.http!.url,
    orgId: organization.id,
    adminKey,
    analystKey,
    reused,
    async close() {
      await app.close();
      if (opts.keep === undefined) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await stopEmbedded();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** The median of `n` timings of `fn`, in ms. */
export async function medianMs(fn: () => Promise<unknown>, n = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}
