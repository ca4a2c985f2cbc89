import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { processApplicationName } from './application-name.js';
import type { Database } from './client.js';
import { seedPrices } from '../services/prices.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `drizzle/` at the repository root, whether running from `src/db/` or from `dist/src/db/`. */
export const migrationsFolder = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../../drizzle' : '../../drizzle');

// Several API and worker processes may boot at once against one database: one migrates, the others wait.
const MIGRATION_LOCK = 7_240_001;

/**
 * Applies the pending drizzle-kit migrations, then seeds the shipped price snapshots (reference data
 * every estimate needs); both are safe to run twice and from several processes at once.
 */
export async function runMigrations(database: Database): Promise<void> {
  // the session lock lives on its own connection, so a pool of one can still run the migration
  const lock = postgres(database.url, { max: 1, onnotice: () => {}, connection: { application_name: processApplicationName('gct-migrate') } });
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(database.db, { migrationsFolder });
    await seedPrices(database.db);
  } finally {
    await lock.end({ timeout: 5 });
  }
}
