import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../src/db/client.js';

test('a multi-host URL whose first host refuses connects to the next one (postgres.js failover is kept)', { timeout: 20_000 }, async () => {
  const admin = new URL(process.env.GCT_TEST_ADMIN_URL!);
  // port 1 on loopback: nothing listens there, the connection is refused at once
  const url = `postgres://${admin.username}${admin.password ? `:${admin.password}` : ''}@127.0.0.1:1,${admin.host}${admin.pathname}`;
  const database = connect(url, { max: 1 });
  try {
    const [{ port }] = await database.sql<{ port: string }[]>`select current_setting('port') as port`;
    assert.equal(port, admin.port || '5432');
  } finally {
    await database.close();
  }
});

test('a single-host URL whose host refuses fails with the refusal', { timeout: 20_000 }, async () => {
  const database = connect('postgres://nobody@127.0.0.1:1/none', { max: 1 });
  try {
    await assert.rejects(database.sql`select 1`, /ECONNREFUSED/);
  } finally {
    await database.close();
  }
});
