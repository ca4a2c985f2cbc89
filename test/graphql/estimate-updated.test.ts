import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { estimates } from '../../src/db/schema/index.js';
import { TRACE_FILES } from '../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { fixturePath, repoRoot } from '../support/fixtures.js';
import { weblogEventsFromTrace, type WeblogBody } from '../support/weblog-from-trace.js';
import { collect, wsClient } from '../support/ws-client.js';

const VM = 'Standard_D4_v3';
const snapshot = JSON.parse(readFileSync(path.join(repoRoot, 'data', 'prices', 'azure', 'BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json'), 'utf8')) as { VmSize: string; LowPriority: boolean; PricePerHour: number; VCpusAvailable: number; MemoryInGiB: number }[];
const vm = snapshot.find((e) => e.VmSize === VM && !e.LowPriority)!;

type Live = { estimateUpdated: { kind: string; value: string; low: string | null; high: string | null; features: Record<string, unknown>; createdAt: string } };

describe('live estimates across processes', () => {
  let first: TestApp;
  let second: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let intruder: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const clients: { dispose(): void | Promise<void> }[] = [];

  before(async () => {
    first = await startTestApp(); // API and worker: captures and re-prices
    second = await startTestApp({ db: first.db, role: 'api' }); // hears only through Postgres
    keys = await createOrgWithKeys(first.db, 'live');
    intruder = await createOrgWithKeys(first.db, 'live-intruder');
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await second.close();
    await first.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${first.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  };
  const liveRows = (runId: string) =>
    first.db.db.select().from(estimates).where(and(eq(estimates.orgId, keys.org.id), eq(estimates.runId, runId), eq(estimates.kind, 'LIVE'))).orderBy(asc(estimates.createdAt));
  const waitUntil = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('a burst of completions re-prices the run at most once a second, the last one is not lost, and a subscriber on another process sees it', async () => {
    assert.equal((await first.gql(`mutation { declarePool(input: {name: "gct-d4", region: "westeurope", vmSize: "${VM}", priority: DEDICATED}) { name } }`, {}, keys.admin)).errors, undefined);
    await first.gql(`mutation { createProject(input: {code: "LIVE", name: "live"}) { id } }`, {}, keys.admin);
    const reg = await first.gql(`mutation { registerRun(input: {projectCode: "LIVE", pipeline: "openproblems", sampleCount: 2}) { id estimatedCost { amount } } }`, {}, keys.analyst);
    assert.equal(reg.errors, undefined);
    const runId = reg.data!.registerRun.id as string;
    const quote = Number(reg.data!.registerRun.estimatedCost.amount);

    const client = wsClient(second.url, keys.viewer);
    clients.push(client);
    const sub = collect<Live>(client, `subscription($id: ID!) { estimateUpdated(runId: $id) { kind value low high features createdAt } }`, { id: runId });
    await untilSubscribers(second, 1);

    const all = weblogEventsFromTrace(fixturePath('nextflow-traces', 'openproblems', TRACE_FILES[0]), '3f1c2a77-0000-4000-8000-00000000beef', 'busy_turing', { gct_run_id: runId });
    // the traces come from AWS Batch: put every task in the declared Azure pool
    const events = all.map((e) => (e.trace ? { ...e, trace: { ...(e.trace as WeblogBody), queue: 'gct-d4' } } : e));
    const completions = events.filter((e) => e.event === 'process_completed').slice(0, 40);
    const ids = new Set(completions.map((e) => (e.trace as { task_id: number }).task_id));
    await post(events[0]);
    for (const e of events.filter((x) => x.trace && ids.has((x.trace as { task_id: number }).task_id))) await post(e);

    // the last completion is reflected, however the burst was sliced into one-second slots
    await waitUntil('a live estimate of all 40 finished tasks', async () => (await liveRows(runId)).at(-1)?.features.finishedTasks === 40);
    const rows = await liveRows(runId);
    for (let i = 1; i < rows.length; i++) {
      assert.ok(rows[i].createdAt.getTime() - rows[i - 1].createdAt.getTime() >= 1000, `live estimates ${i - 1} and ${i} are ${rows[i].createdAt.getTime() - rows[i - 1].createdAt.getTime()} ms apart`);
    }

    // spent = the price-sheet rule over the finished tasks, computed here from the snapshot: 2 cpus / 4 GiB on a 4 vCPU / 16 GiB VM
    const share = Math.max(2 / vm.VCpusAvailable, 4 / vm.MemoryInGiB);
    const expectedSpent = completions.reduce((a, e) => {
      const t = e.trace as { realtime: number | null; duration: number };
      return a + vm.PricePerHour * share * ((t.realtime ?? t.duration) / 3_600_000);
    }, 0);
    const latest = rows.at(-1)!;
    assert.ok(Math.abs(Number(latest.features.spent) - expectedSpent) < 1e-6, `spent ${latest.features.spent}, expected ${expectedSpent}`);
    // no history for this pipeline: the remainder is the stored quote less what is spent
    assert.ok(Math.abs(Number(latest.value) - Math.max(quote, expectedSpent)) < 1e-6);

    // the subscriber (on the other process) ends on the same figure, and got no more events than there were estimates
    await waitUntil('the subscriber to see the last estimate', async () => sub.items.at(-1)?.estimateUpdated.features.finishedTasks === 40);
    assert.ok(sub.items.length <= rows.length);
    assert.equal(Number(sub.items.at(-1)!.estimateUpdated.value), Number(latest.value));
    assert.equal(sub.items.at(-1)!.estimateUpdated.kind, 'LIVE');
    // the stored row keeps the re-price's bookkeeping (a transaction id, which tells of every organization's
    // writes); what subscribers and queries get leaves it out and keeps the rest
    assert.ok('tasksXmin' in latest.features);
    for (const { estimateUpdated: e } of sub.items) assert.ok(!('tasksXmin' in e.features) && 'spent' in e.features, JSON.stringify(e.features));
    const listed = await first.gql(`query($id: ID!) { run(id: $id) { estimates(first: 50) { kind features } } }`, { id: runId }, keys.viewer);
    const lives = (listed.data?.run.estimates as { kind: string; features: Record<string, unknown> }[]).filter((e) => e.kind === 'LIVE');
    assert.ok(lives.length > 0 && lives.every((e) => !('tasksXmin' in e.features) && 'spent' in e.features), JSON.stringify(listed));

    // when the workflow ends nothing remains: the figure is what the finished tasks cost
    await post(events.at(-1));
    await waitUntil('the final estimate', async () => (await liveRows(runId)).at(-1)?.features.runStatus === 'SUCCEEDED');
    assert.ok(Math.abs(Number((await liveRows(runId)).at(-1)!.value) - expectedSpent) < 1e-6);
    const run = await first.gql(`query($id: ID!) { run(id: $id) { estimatedCost { amount } estimates(first: 100) { kind } } }`, { id: runId }, keys.viewer);
    assert.ok(Math.abs(Number(run.data!.run.estimatedCost.amount) - expectedSpent) < 1e-6);
    assert.equal(run.data!.run.estimates.at(-1).kind, 'QUOTE');
    sub.stop();

    const other = wsClient(second.url, intruder.viewer);
    clients.push(other);
    await assert.rejects(collect(other, `subscription($id: ID!) { estimateUpdated(runId: $id) { value } }`, { id: runId }).waitFor(1), /NOT_FOUND|not found/);
  });
});
