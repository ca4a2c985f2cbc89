import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.drop());

test('migrations are safe to run twice, and from several processes at once', async () => {
  const count = async () => (await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0].n as number;
  const applied = await count();
  assert.ok(applied >= 2, 'the template database was migrated');
  await Promise.all([runMigrations(db), runMigrations(db), runMigrations(db)]);
  assert.equal(await count(), applied);
  const tables = await db.sql<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
  for (const name of ['organizations', 'principals', 'projects', 'pipelines', 'runs', 'tasks', 'prices', 'cost_records', 'estimates', 'pools', 'imports']) {
    assert.ok(tables.some((t) => t.table_name === name), `table ${name} exists`);
  }
});

test('every tenant table leads its primary key with org_id', async () => {
  const rows = await db.sql<{ table_name: string; first_column: string }[]>`
    select c.relname as table_name, a.attname as first_column
    from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
    where i.indisprimary and n.nspname = 'public' and c.relname not in ('organizations', 'prices')`;
  assert.ok(rows.length >= 10);
  for (const r of rows) assert.equal(r.first_column, 'org_id', `${r.table_name} primary key starts with org_id`);
});
