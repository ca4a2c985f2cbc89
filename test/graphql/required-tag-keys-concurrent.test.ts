import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

const SET = `mutation($keys: [String!]!) { setRequiredTagKeys(input: { keys: $keys }) }`;

describe('setRequiredTagKeys sent concurrently', () => {
  let t: TestApp;
  let admin: string;

  before(async () => {
    t = await startTestApp();
    admin = (await createOrgWithKeys(t.db, 'tag-keys-race')).admin;
  });
  after(() => t.close());

  test('every call succeeds, each answers the set it wrote, and one whole set is left', async () => {
    // sets sharing a key: two replacements interleaving their delete and insert collide on it
    const sets = Array.from({ length: 16 }, (_, i) => ['project', `key${i}`]);
    const results = await Promise.all(sets.map((keys) => t.gql<{ setRequiredTagKeys: string[] }>(SET, { keys }, admin)));
    results.forEach((res, i) => {
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.deepEqual(res.data?.setRequiredTagKeys, [...sets[i]!].sort());
    });
    const now = await t.gql<{ requiredTagKeys: string[] }>(`{ requiredTagKeys }`, {}, admin);
    assert.ok(
      sets.some((keys) => JSON.stringify([...keys].sort()) === JSON.stringify(now.data?.requiredTagKeys)),
      `left one of the sets written, not a mix: ${JSON.stringify(now.data?.requiredTagKeys)}`,
    );
  });
});
