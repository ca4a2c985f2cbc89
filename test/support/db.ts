import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connect, type Database } from '../../src/db/client.js';

export const TEMPLATE_DB = 'gct_test_template';

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
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

/** A fresh, migrated database cloned from the template: a test file owns it alone. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `gct_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
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
