/**
 * Shared by the benchmarks: a real Postgres (DATABASE_URL, or an embedded one under .data/bench),
 * a fresh migrated database per run, and the real app on a free loopback port.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connect } from '../src/db/client.js';
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
  close(): Promise<void>;
}

export async function startBenchApp(): Promise<BenchEnv> {
  const log = pino({ level: 'warn' });
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(repoRoot, '.data', 'bench'), port: Number(process.env.GCT_BENCH_PG_PORT ?? 54349), database: 'gct_admin', log });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `gct_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabaseName(adminUrl, name);
  const migrator = connect(url, { max: 2 });
  await runMigrations(migrator);
  const { organization, adminKey } = await createOrganization(migrator.db, { name: 'Bench', slug: 'bench' });
  const analystKey = (await new PrincipalService(migrator.db, organization.id).createApiKey({ name: 'bench', role: 'ANALYST' })).key;
  await migrator.close();
  const app = await startApp({ ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }), databaseUrl: url }, log);
  return {
    app,
    url: app.http!.url,
    orgId: organization.id,
    adminKey,
    analystKey,
    async close() {
      await app.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
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
