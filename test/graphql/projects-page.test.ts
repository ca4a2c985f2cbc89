import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { ProjectService } from '../../src/services/projects.js';

const PAGE = `query($first: Int, $after: String) {
  projectsConnection(first: $first, after: $after) { edges { cursor node { code name } } pageInfo { hasNextPage endCursor } }
}`;

interface PageResult {
  projectsConnection: { edges: { cursor: string; node: { code: string; name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

describe('projectsConnection: projects a page at a time', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const codes = ['P-010', 'P-002', 'a/lower', 'P-001', 'Z.9', 'P-100', 'B_7'];

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'projects-page-a');
    const b = await createOrgWithKeys(t.db, 'projects-page-b');
    for (const code of codes) await new ProjectService(t.db.db, a.org.id).create({ code, name: `name of ${code}` });
    await new ProjectService(t.db.db, b.org.id).create({ code: 'P-005', name: 'another organization' });
  });
  after(() => t.close());

  test('pages of 3 walk every project of the organization once, in the order of the unpaged list', async () => {
    const unpaged = await t.gql<{ projects: { code: string }[] }>(`{ projects { code } }`, {}, a.viewer);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: Awaited<ReturnType<typeof t.gql<PageResult>>> = await t.gql<PageResult>(PAGE, { first: 3, after: cursor }, a.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const conn = res.data!.projectsConnection;
      assert.ok(conn.edges.length <= 3);
      seen.push(...conn.edges.map((e) => e.node.code));
      assert.equal(conn.pageInfo.endCursor, conn.edges.at(-1)?.cursor ?? null);
      if (!conn.pageInfo.hasNextPage) break;
      cursor = conn.pageInfo.endCursor;
    }
    assert.equal(seen.length, codes.length);
    assert.deepEqual(new Set(seen), new Set(codes));
    assert.deepEqual(seen, unpaged.data!.projects.map((p) => p.code));
  });

  test('a page past the server maximum or a cursor it did not return is BAD_USER_INPUT naming the argument', async () => {
    const big = await t.gql(PAGE, { first: 501 }, a.viewer);
    assert.equal(big.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(big.errors?.[0]?.extensions?.field, 'first');
    for (const bad of ['zzz', Buffer.from('[1]').toString('base64url'), Buffer.from('["a","b"]').toString('base64url')]) {
      const res = await t.gql(PAGE, { after: bad }, a.viewer);
      assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', bad);
      assert.equal(res.errors?.[0]?.extensions?.field, 'after');
    }
  });
});
