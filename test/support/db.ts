import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connect, type Database } from '../../src/db/client.js';

/**
 * Each test run has its own id: its template is `gct_tpl_<run>` and its databases `gct_t_<run>_<n>`,
 * so runs sharing a server (two checkouts, CI against the machine's Postgres) never touch each
 * other's databases. The runner holds an advisory lock on its id while it runs; a run whose lock
 * is free has ended, and what it left may go (run-tests.ts).
 */
export const TEST_RUN_LOCK = 0x67637474; // 'gctt'
export const templateName = (run: string) => `gct_tpl_${run}`;
export const runDatabasePrefix = (run: string) => `gct_t_${run}_`;
/** The run id in a test database's or template's name, if it is one. */
export const runOfDatabase = (name: string) => /^gct_(?:tpl|t)_([0-9a-f]{8})(?:_|$)/.exec(name)?.[1];

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function currentRun(): string {
  const run = process.env.GCT_TEST_RUN;
  if (!run) throw new Error('GCT_TEST_RUN is not set: run the tests with `npm test`, which starts Postgres and prepares the template');
  return run;
}

function adminUrl(): string {
  const url = process.env.GCT_TEST_ADMIN_URL;
  if (!url) throw new Error('GCT_TEST_ADMIN_URL is not set: run the tests with `npm test`, which starts Postgres and prepares the template');
  return url;
}

export interface TestDatabase extends Database {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database cloned from the template: a test file owns it alone. `{ empty: true }`:
 * a database without any migration, for a test of the migrations themselves.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const run = currentRun();
  const name = `${runDatabasePrefix(run)}${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${options.empty ? 'template0' : templateName(run)}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(adminUrl(), name);
  const database = connect(url, { max: 5 });
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const a = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
