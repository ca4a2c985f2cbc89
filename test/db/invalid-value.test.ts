import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { invalidValueError } from '../../src/db/invalid-value.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// the backstop behind the input checks: what Postgres itself says about a value it refuses
let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.drop());

test('a value Postgres refuses (bad syntax, out of range, bad date, NUL) maps to BAD_USER_INPUT without the SQL', async () => {
  const cases: [ReturnType<typeof sql>, string][] = [
    [sql`select ${'x'}::uuid`, '22P02'],
    [sql`select ${'3000000000'}::int4`, '22003'],
    [sql`select ${'2026-02-31'}::date`, '22008'],
    [sql`select ${'1'}::timestamptz`, '22007'],
    [sql`select ${'a\u0000b'}::text`, '22021'],
  ];
  for (const [query, sqlState] of cases) {
    // through Drizzle, which wraps the driver's error and quotes the query in its message
    const err = await db.db.execute(query).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, `${sqlState}: the query should fail`);
    const mapped = invalidValueError(err);
    assert.equal(mapped?.code, 'BAD_USER_INPUT', `${sqlState}: ${(err as Error).message}`);
    assert.equal(mapped?.details.sqlState, sqlState);
    assert.doesNotMatch(mapped!.message, /select/i);
  }
  assert.equal(invalidValueError(new Error('boom')), null);
  assert.equal(invalidValueError(await db.db.execute(sql`select 1/0`).then(() => null, (e: unknown) => e)), null, 'division by zero is a bug, not input');
});
