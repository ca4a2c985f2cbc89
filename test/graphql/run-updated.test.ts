import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRACE_FILES } from '../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { weblogEventsFromTrace } from '../support/weblog-from-trace.js';
import { collect, wsClient } from '../support/ws-client.js';

describe('runUpdated subscription across processes', () => {
  let first: TestApp;
  let second: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let intruder: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const clients: { dispose(): void | Promise<void> }[] = [];
  const events = weblogEventsFromTrace(fixturePath('nextflow-traces', 'openproblems', TRACE_FILES[0]), '9d0b8f5a-0000-4000-8000-00000000abcd', 'eager_hopper');

  before(async () => {
    first = await startTestApp();
    // a second API process on the same database: it only hears about the first one's writes through Postgres
    second = await startTestApp({ db: first.db, role: 'api' });
    keys = await createOrgWithKeys(first.db, 'sub-org');
    intruder = await createOrgWithKeys(first.db, 'sub-intruder');
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await second.close();
    await first.close();
  });

  const postWeblog = async (body: unknown) => {
    const res = await fetch(`${first.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as { runId: string };
  };

  test('a subscriber on the second process receives updates for events posted to the first; other orgs cannot subscribe', async () => {
    const { runId } = await postWeblog(events[0]);
    const client = wsClient(second.url, keys.viewer);
    clients.push(client);
    const sub = collect<{ runUpdated: { id: string; status: string; taskCount: number } }>(client, `subscription($id: ID!) { runUpdated(runId: $id) { id status taskCount } }`, { id: runId });
    // wait until the subscription is registered on the second process before publishing
    await untilSubscribers(second, 1);

    const completions = events.filter((e) => e.event === 'process_completed').slice(0, 3);
    for (const e of completions) await postWeblog(e);
    const got = await sub.waitFor(3);
    assert.ok(got.every((g) => g.runUpdated.id === runId));
    assert.equal(got.at(-1)!.runUpdated.taskCount, 3);
    sub.stop();

    const other = wsClient(second.url, intruder.viewer);
    clients.push(other);
    const denied = collect(other, `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
    await assert.rejects(denied.waitFor(1), /NOT_FOUND|not found/);
  });

  test('an event is executed once for all subscribers asking the same thing, and each still gets it', async () => {
    const { runId } = await postWeblog({ ...events[0], runId: '9d0b8f5a-0000-4000-8000-00000000abce', runName: 'shared_exec' });
    const QUERY = `subscription($id: ID!) { runUpdated(runId: $id) { id taskCount processes { name tasks } } }`;
    const subs = Array.from({ length: 5 }, () => {
      const client = wsClient(second.url, keys.viewer);
      clients.push(client);
      return collect<{ runUpdated: { id: string; taskCount: number; processes: { name: string }[] } }>(client, QUERY, { id: runId });
    });
    // a sixth asks for something else: executed separately
    const otherClient = wsClient(second.url, keys.viewer);
    clients.push(otherClient);
    const different = collect<{ runUpdated: { id: string } }>(otherClient, `subscription($id: ID!) { runUpdated(runId: $id) { id status } }`, { id: runId });
    await untilSubscribers(second, 6);

    const before = second.queries.length;
    const completion = events.filter((e) => e.event === 'process_completed')[0];
    await postWeblog({ ...completion, runId: '9d0b8f5a-0000-4000-8000-00000000abce', runName: 'shared_exec' });
    const got = await Promise.all(subs.map((s) => s.waitFor(1)));
    assert.ok(got.every((g) => g[0].runUpdated.id === runId && g[0].runUpdated.taskCount === 1 && g[0].runUpdated.processes.length === 1));
    assert.equal((await different.waitFor(1))[0].runUpdated.id, runId);
    // the processes field reads the tasks table: once for the five identical subscriptions
    const processReads = second.queries.slice(before).filter((q) => /from "?tasks"?/i.test(q) && /group by/i.test(q));
    assert.equal(processReads.length, 1, processReads.join('\n'));
    for (const s of [...subs, different]) s.stop();
  });
});
