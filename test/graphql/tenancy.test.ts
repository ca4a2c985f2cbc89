import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

const REGISTER = `mutation($input: RegisterRunInput!) { registerRun(input: $input) { id status project { code } pipeline { name revision } sampleCount inputBytes labels } }`;

describe('tenancy: every query is scoped to the caller organization', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runA: string;

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'org-a');
    b = await createOrgWithKeys(t.db, 'org-b');
    for (const [keys, code] of [[a, 'SHARED'], [b, 'SHARED']] as const) {
      const res = await t.gql(`mutation { createProject(input: {code: "${code}", name: "x"}) { id } }`, {}, keys.admin);
      assert.equal(res.errors, undefined);
    }
    const reg = await t.gql(REGISTER, { input: { projectCode: 'SHARED', pipeline: 'nf-core/rnaseq', revision: '3.14.0', sampleCount: 3, inputBytes: 5_000_000_000, labels: { lims: 'L-1' } } }, a.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    runA = reg.data!.registerRun.id;
    await t.gql(REGISTER, { input: { projectCode: 'SHARED', pipeline: 'nf-core/sarek', sampleCount: 1 } }, b.analyst);
  });
  after(() => t.close());

  test('the owner reads its run by id, with project and pipeline', async () => {
    const res = await t.gql(`{ run(id: "${runA}") { id status project { code } pipeline { name revision } inputBytes labels } }`, {}, a.viewer);
    assert.equal(res.errors, undefined);
    assert.deepEqual(res.data!.run, { id: runA, status: 'REGISTERED', project: { code: 'SHARED' }, pipeline: { name: 'nf-core/rnaseq', revision: '3.14.0' }, inputBytes: 5_000_000_000, labels: { lims: 'L-1' } });
  });

  test("another organization's run answers NOT_FOUND, exactly like a missing id", async () => {
    const foreign = await t.gql(`{ run(id: "${runA}") { id } }`, {}, b.admin);
    const missing = await t.gql(`{ run(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, b.admin);
    assert.equal(foreign.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.equal(foreign.data, null);
    const malformed = await t.gql(`{ run(id: "not-a-uuid") { id } }`, {}, b.admin);
    assert.equal(malformed.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  test('listing runs shows only the caller organization rows', async () => {
    const res = await t.gql(`{ runs(first: 50) { edges { node { id pipeline { name } } } } }`, {}, b.viewer);
    const names = res.data!.runs.edges.map((e: { node: { pipeline: { name: string } } }) => e.node.pipeline.name);
    assert.deepEqual(names, ['nf-core/sarek']);
  });

  test('projects with the same code stay separate per organization', async () => {
    const ra = await t.gql(`{ project(code: "SHARED") { id } }`, {}, a.viewer);
    const rb = await t.gql(`{ project(code: "SHARED") { id } }`, {}, b.viewer);
    assert.notEqual(ra.data!.project.id, rb.data!.project.id);
  });
});
