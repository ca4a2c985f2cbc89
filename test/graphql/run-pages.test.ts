import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runs } from '../../src/db/schema/index.js';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';

describe('run pages: keyset cursors keep microseconds', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const ids: string[] = [];

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'pages');
    // five runs created within one millisecond, and two more at other times
    for (let i = 0; i < 7; i++) {
      const [run] = await t.db.db.insert(runs).values({ orgId: a.org.id, runName: `run-${i}` }).returning({ id: runs.id });
      ids.push(run.id);
    }
    await t.db.sql`
      update runs set created_at = case when run_name in ('run-5', 'run-6') then timestamptz '2025-01-01 10:00:00+00' + (run_name = 'run-6')::int * interval '1 second'
        else timestamptz '2025-01-01 10:00:00.123+00' + substr(run_name, 5)::int * interval '100 microseconds' end
      where org_id = ${a.org.id}`;
  });
  after(() => t.close());

  test('paging one by one returns every run once, newest first, even within one millisecond', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const res: GqlResult = await t.gql(`query($after: String) { runs(first: 1, after: $after) { edges { node { runName } } pageInfo { hasNextPage endCursor } } }`, { after }, a.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      seen.push(...res.data!.runs.edges.map((e: { node: { runName: string } }) => e.node.runName));
      if (!res.data!.runs.pageInfo.hasNextPage) break;
      after = res.data!.runs.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ['run-6', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0', 'run-5']);
  });

  test('a cursor that is not one of ours is BAD_USER_INPUT', async () => {
    const res = await t.gql(`{ runs(first: 1, after: "${Buffer.from(JSON.stringify(['runs', 'yesterday', 'x'])).toString('base64url')}") { edges { node { id } } } }`, {}, a.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });

  test('a reversed createdFrom/createdTo window is BAD_USER_INPUT naming filter.createdTo, not an empty page', async () => {
    const q = `query($from: DateTime, $to: DateTime) { runs(first: 5, filter: { createdFrom: $from, createdTo: $to }) { edges { node { id } } } }`;
    const reversed = await t.gql(q, { from: '2026-03-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, a.viewer);
    assert.equal(reversed.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(reversed));
    assert.equal(reversed.errors?.[0].extensions?.field, 'filter.createdTo');
    // an empty window and a one-sided one are asked for, not reversed
    for (const window of [{ from: '2026-02-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, { from: '2026-02-01T00:00:00Z' }, { to: '2026-02-01T00:00:00Z' }]) {
      const res = await t.gql(q, window, a.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    }
  });
});
