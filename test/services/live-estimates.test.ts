import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { estimates, tasks } from '../../src/db/schema/index.js';
import { medianBaseline, ModelRegistry } from '../../src/models/index.js';
import { EstimateService, type Quote } from '../../src/services/estimates.js';
import { LiveEstimateService } from '../../src/services/live-estimates.js';
import { ModelService } from '../../src/services/model-versions.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { RunService } from '../../src/services/runs.js';
import { HISTORY_VM, importTraceHistory } from '../support/history.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const settings = loadConfig({}).estimation;
const registry = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));
const T0 = Date.parse('2026-11-01T08:00:00Z');

describe('live estimates: the run corrects its own remainder', () => {
  let db: TestDatabase;
  let orgId: string;
  let quote: Quote;
  let big: Quote['processes'][number];
  let other: Quote['processes'][number];
  const input = { pipeline: 'openproblems', samples: 4 };

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Live', slug: 'live' })).organization.id;
    await importTraceHistory(db.db, orgId);
    await new ModelService(db.db, orgId, registry, settings).retrain();
    quote = await new EstimateService(db.db, orgId, registry, settings).quote({ ...input, inputBytes: null, region: null });
    const byTasks = [...quote.processes].filter((p) => p.value > 0).sort((a, b) => b.tasks - a.tasks);
    [big, other] = byTasks;
    assert.ok(big.tasks >= 10 && other.tasks >= 1, JSON.stringify(quote.processes.map((p) => [p.process, p.tasks])));
  });
  after(() => db.drop());

  /**
   * A run whose `big` tasks 1–6 ran `slow` × as long as the quote's runtime (so cost `slow` × as much),
   * task 7 is still pending, task 8, submitted after it, finished at 10 × the quote, and task 10,
   * submitted later still, is pending too. Task 9, of `other`, was submitted first and is pending:
   * it holds back its own process, not `big`. Pending tasks have not started, so none has a cost so far.
   */
  async function runWithTasks(slow: number): Promise<string> {
    const run = await new RunService(db.db, orgId, 500).register({ projectCode: 'HIST-openproblems', pipeline: input.pipeline, sampleCount: input.samples });
    await db.db.execute(sql`update runs set status = 'RUNNING' where org_id = ${orgId} and id = ${run.id}`);
    const task = (taskId: number, status: 'COMPLETED' | 'SUBMITTED', times: number | null, process = big.process, at = T0 + taskId * 1000) => ({
      orgId, runId: run.id, taskId, process, status, source: 'trace' as const,
      submittedAt: new Date(at), startedAt: status === 'COMPLETED' ? new Date(at) : null,
      realtimeMs: times === null ? null : Math.round(big.runtimeMs * times),
      cpus: 1, vmSize: HISTORY_VM, priority: 'DEDICATED' as const,
    });
    await db.db.insert(tasks).values([
      ...[1, 2, 3, 4, 5, 6].map((id) => task(id, 'COMPLETED', slow)),
      task(7, 'SUBMITTED', null),
      task(8, 'COMPLETED', 10),
      task(9, 'SUBMITTED', null, other.process, T0 + 500),
      task(10, 'SUBMITTED', null),
    ]);
    return run.id;
  }

  const taskCosts = async (runId: string) => {
    const rows = await db.db.select({ taskId: tasks.taskId, value: estimates.value }).from(estimates)
      .innerJoin(tasks, and(eq(tasks.orgId, estimates.orgId), eq(tasks.id, estimates.taskId)))
      .where(and(eq(estimates.orgId, orgId), eq(estimates.runId, runId), eq(estimates.kind, 'TASK')));
    return new Map(rows.map((r) => [r.taskId, Number(r.value)]));
  };

  /** spent + per process (expected − finished) × the quote's cost per task (or its bound) × factor. */
  const expectedValue = (costs: Map<number, number>, factor: (process: string) => number, k: 'value' | 'low' | 'high' = 'value') => {
    const spent = [...costs.values()].reduce((a, v) => a + v, 0);
    return quote.processes.reduce((a, p) => {
      const left = Math.max(0, p.tasks - (p.process === big.process ? 7 : 0));
      return a + (left * p[k] * factor(p.process)) / p.tasks;
    }, spent);
  };
  const near = (actual: string | null, expected: number, what: string) =>
    assert.ok(Math.abs(Number(actual) / expected - 1) < 1e-9, `${what}: live ${actual}, expected ${expected}`);

  test('settled tasks that cost twice the quote raise the rest; a task finished after a pending one of its process does not count', async () => {
    const runId = await runWithTasks(2);
    const prior2 = loadConfig({ GCT_LIVE_CORRECTION_PRIOR: '2' }).estimation;
    const out = await new LiveEstimateService(db.db, orgId, registry, prior2).reprice(runId);
    const estimate = out.status === 'stored' ? out.estimate : assert.fail(out.status);
    const costs = await taskCosts(runId);
    assert.deepEqual([...costs.keys()].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 8]);

    // tasks 1–6 settled; 8 finished, but after 7, which is still pending
    const perTask = big.value / big.tasks;
    const settledCost = [1, 2, 3, 4, 5, 6].reduce((a, id) => a + costs.get(id)!, 0);
    assert.ok(Math.abs(settledCost / (6 * perTask) - 2) < 0.01, `settled tasks cost ${settledCost / (6 * perTask)} × the quote`);
    const features = estimate.features as { basis: string; correction: { run: { n: number; factor: number }; byProcess: Record<string, { n: number; factor: number }> } };
    assert.equal(features.basis, "champion per process, corrected by the run's settled tasks");
    assert.equal(features.correction.run.n, 6);
    assert.deepEqual(Object.keys(features.correction.byProcess), [big.process]);

    // the shrinkage of run-correction.ts with the configured prior (2): run-wide, then the process
    const logRun = (6 / 8) * Math.log(settledCost / (6 * perTask));
    const factor = (p: string) => Math.exp(p === big.process ? (6 / 8) * Math.log(settledCost / (6 * perTask)) + (2 / 8) * logRun : logRun);
    near(String(features.correction.byProcess[big.process].factor), factor(big.process), 'factor');
    near(estimate.value, expectedValue(costs, factor), 'value');
    near(estimate.low, expectedValue(costs, factor, 'low'), 'low');
    near(estimate.high, expectedValue(costs, factor, 'high'), 'high');
    assert.ok(Number(estimate.value) > expectedValue(costs, () => 1) * 1.05, 'the correction raised the figure');

    // the run is this organization's: another one cannot re-price it
    const otherOrg = (await createOrganization(db.db, { name: 'Other', slug: 'other-live' })).organization.id;
    assert.deepEqual(await new LiveEstimateService(db.db, otherOrg, registry, settings).reprice(runId), { status: 'not-found' });
  });

  test('with the correction off (GCT_LIVE_CORRECTION_PRIOR=0) the remainder is the quote per process', async () => {
    const runId = await runWithTasks(2);
    const off = loadConfig({ GCT_LIVE_CORRECTION_PRIOR: '0' }).estimation;
    const out = await new LiveEstimateService(db.db, orgId, registry, off).reprice(runId);
    const estimate = out.status === 'stored' ? out.estimate : assert.fail();
    assert.equal((estimate.features as { basis: string }).basis, 'champion per process');
    assert.equal((estimate.features as { correction?: unknown }).correction, undefined);
    const expected = expectedValue(await taskCosts(runId), () => 1);
    assert.ok(Math.abs(Number(estimate.value) / expected - 1) < 1e-9, `live ${estimate.value}, expected ${expected}`);
  });

  test('a running task counts at least what it has cost so far, also beyond the tasks the quote expects', async () => {
    const runId = await runWithTasks(1);
    const live = new LiveEstimateService(db.db, orgId, registry, settings);
    const before = await live.reprice(runId);
    const plain = before.status === 'stored' ? before.estimate : assert.fail(before.status);
    assert.equal((plain.features as { runningTasks: number }).runningTasks, 0);

    // big's task 7 and other's task 9 have run for an hour, and so have as many more of `other` as the
    // quote expects of it in all: one more than it has slots for
    const startedAt = new Date(Date.now() - 3_600_000);
    await db.db.update(tasks).set({ status: 'RUNNING', startedAt })
      .where(and(eq(tasks.orgId, orgId), eq(tasks.runId, runId), inArray(tasks.taskId, [7, 9])));
    const extra = Math.round(other.tasks);
    await db.db.insert(tasks).values(Array.from({ length: extra }, (_, i) => ({
      orgId, runId, taskId: 100 + i, process: other.process, status: 'RUNNING' as const, source: 'trace' as const,
      submittedAt: new Date(T0 + 200), startedAt, cpus: 1, vmSize: HISTORY_VM, priority: 'DEDICATED' as const,
    })));
    await new Promise((r) => setTimeout(r, 1_050)); // one live figure per run per second
    const after = await live.reprice(runId);
    const estimate = after.status === 'stored' ? after.estimate : assert.fail(after.status);
    const features = estimate.features as { runningTasks: number; correction: { run: { factor: number }; byProcess: Record<string, { factor: number }> } };
    assert.equal(features.runningTasks, 2 + extra);

    // every task here runs 1 cpu on one VM size, so cost is one rate × time: task 1's cost over its runtime.
    // The reprice measured up to its own now(), the LIVE row's created_at.
    const rate = (await taskCosts(runId)).get(1)! / Math.round(big.runtimeMs);
    const soFar = rate * (estimate.createdAt.getTime() - startedAt.getTime());
    // the settled tasks (1–6) and so the factors are the same before and after
    const fBig = features.correction.byProcess[big.process].factor;
    const fOther = features.correction.run.factor;
    for (const k of ['value', 'low', 'high'] as const) {
      const eachBig = (big[k] * fBig) / big.tasks;
      const eachOther = (other[k] * fOther) / other.tasks;
      assert.ok(soFar > eachBig && soFar > eachOther, `an hour costs ${soFar}, a task ${eachBig} / ${eachOther}`);
      // big: one of its slots now costs soFar; other: more running tasks than slots, each soFar
      const expected = soFar - eachBig + (extra + 1) * soFar - other.tasks * eachOther;
      const added = Number(estimate[k]) - Number(plain[k]);
      assert.ok(Math.abs(added / expected - 1) < 1e-6, `${k}: added ${added}, expected ${expected}`);
    }
    assert.ok(Number(estimate.low) <= Number(estimate.value) && Number(estimate.value) <= Number(estimate.high));
  });

  test('a failed attempt that Nextflow retries fills no task slot (its retry will), but its cost is spent; an ignored one fills its slot', async () => {
    const off = loadConfig({ GCT_LIVE_CORRECTION_PRIOR: '0' }).estimation;
    const k = Math.floor(big.tasks / 3);
    /** `k` tasks of `big` completed at the quote's runtime, and `k` more attempts that failed after 10 s, with `errorAction`, each resubmitted when RETRY. */
    async function run(errorAction: 'RETRY' | 'IGNORE' | null) {
      const r = await new RunService(db.db, orgId, 500).register({ projectCode: 'HIST-openproblems', pipeline: input.pipeline, sampleCount: input.samples });
      await db.db.execute(sql`update runs set status = 'RUNNING' where org_id = ${orgId} and id = ${r.id}`);
      const task = (taskId: number, status: 'COMPLETED' | 'FAILED' | 'SUBMITTED', ms: number | null, action: string | null = null) => ({
        orgId, runId: r.id, taskId, process: big.process, status, source: 'trace' as const, errorAction: action, attempt: taskId > 2000 ? 2 : 1,
        submittedAt: new Date(T0 + taskId * 1000), startedAt: ms === null ? null : new Date(T0 + taskId * 1000), realtimeMs: ms,
        cpus: 1, vmSize: HISTORY_VM, priority: 'DEDICATED' as const,
      });
      const rows = Array.from({ length: k }, (_, i) => task(1 + i, 'COMPLETED', Math.round(big.runtimeMs)));
      if (errorAction !== null) {
        // Nextflow gives the retry a new task id
        rows.push(...Array.from({ length: k }, (_, i) => task(1001 + i, 'FAILED', 10_000, errorAction)));
        if (errorAction === 'RETRY') rows.push(...Array.from({ length: k }, (_, i) => task(2001 + i, 'SUBMITTED', null)));
      }
      await db.db.insert(tasks).values(rows);
      const out = await new LiveEstimateService(db.db, orgId, registry, off).reprice(r.id);
      const estimate = out.status === 'stored' ? out.estimate : assert.fail(out.status);
      const costs = await taskCosts(r.id);
      const spent = [...costs.values()].reduce((a, v) => a + v, 0);
      return { estimate, spent, priced: costs.size };
    }
    /** The quote's cost per task of each process, for the tasks its profile expects less those taken. */
    const remainder = (taken: number) => quote.processes.reduce((a, p) => a + (Math.max(0, p.tasks - (p.process === big.process ? taken : 0)) * p.value) / p.tasks, 0);

    const plain = await run(null);
    const retried = await run('RETRY');
    const ignored = await run('IGNORE');
    assert.deepEqual([plain.priced, retried.priced, ignored.priced], [k, 2 * k, 2 * k]);
    assert.ok(retried.spent > plain.spent, 'the failed attempts cost something');
    near(plain.estimate.value, plain.spent + remainder(k), 'completed only');
    // the failed attempts' cost is spent, and the k retries still to run are left to come
    near(retried.estimate.value, retried.spent + remainder(k), 'with retried attempts');
    assert.ok(Number(retried.estimate.value) > Number(plain.estimate.value));
    assert.deepEqual([retried.estimate.features.finishedTasks, retried.estimate.features.retriedTasks, retried.estimate.features.unpricedTasks], [2 * k, k, 0]);
    // ignored failures are not run again: they took their slots
    near(ignored.estimate.value, ignored.spent + remainder(2 * k), 'with ignored attempts');
    assert.equal(ignored.estimate.features.retriedTasks, 0);
  });

  test("the remainder is priced at the run's tier: the one it was registered with, else the one its tasks (or their pools) ran at", async () => {
    const off = loadConfig({ GCT_LIVE_CORRECTION_PRIOR: '0' }).estimation;
    await new PoolService(db.db, orgId).declare({ name: 'lowpri', region: 'westeurope', vmSize: HISTORY_VM, priority: 'LOW_PRIORITY' });
    // every process of the quote is on HISTORY_VM: at another tier, each figure scales by the ratio of its prices
    const hourly = async (priority: string) => ((await db.db.execute(sql`select price_per_hour::float8 as p from prices where provider = 'azure'
      and vm_size = ${HISTORY_VM} and priority = ${priority} and region = 'westeurope' order by effective_from desc limit 1`)) as unknown as { p: number }[])[0].p;
    assert.ok(quote.processes.every((p) => p.vmSize === HISTORY_VM));
    const ratio = (await hourly('LOW_PRIORITY')) / (await hourly('DEDICATED'));
    assert.ok(ratio < 0.5, `low-priority costs ${ratio} of dedicated`);

    /** Two tasks of `big` finished as quoted, at `taskPriority` (or in the low-priority pool); the run registered at `runPriority`. */
    async function live(runPriority: 'LOW_PRIORITY' | 'SPOT' | null, taskPriority: 'DEDICATED' | 'LOW_PRIORITY' | null) {
      const r = await new RunService(db.db, orgId, 500).register({ projectCode: 'HIST-openproblems', pipeline: input.pipeline, sampleCount: input.samples, priority: runPriority });
      await db.db.execute(sql`update runs set status = 'RUNNING' where org_id = ${orgId} and id = ${r.id}`);
      await db.db.insert(tasks).values([1, 2].map((taskId) => ({
        orgId, runId: r.id, taskId, process: big.process, status: 'COMPLETED' as const, source: 'trace' as const,
        submittedAt: new Date(T0 + taskId * 1000), startedAt: new Date(T0 + taskId * 1000), realtimeMs: Math.round(big.runtimeMs),
        cpus: 1, vmSize: HISTORY_VM, priority: taskPriority, pool: taskPriority === null ? 'lowpri' : null,
      })));
      const out = await new LiveEstimateService(db.db, orgId, registry, off).reprice(r.id);
      const estimate = out.status === 'stored' ? out.estimate : assert.fail(out.status);
      const spent = [...(await taskCosts(r.id)).values()].reduce((a, v) => a + v, 0);
      return { estimate, spent };
    }
    const rest = (k: 'value' | 'low' | 'high', scale: number) =>
      quote.processes.reduce((a, p) => a + (Math.max(0, p.tasks - (p.process === big.process ? 2 : 0)) * p[k] * scale) / p.tasks, 0);

    const dedicated = await live(null, 'DEDICATED');
    near(dedicated.estimate.value, dedicated.spent + rest('value', 1), 'dedicated tasks');
    // not registered with a tier: its tasks', then their pool's
    for (const [what, run] of [['low-priority tasks', await live(null, 'LOW_PRIORITY')], ['tasks in a low-priority pool', await live(null, null)]] as const) {
      for (const k of ['value', 'low', 'high'] as const) near(run.estimate[k], run.spent + rest(k, ratio), `${what}: ${k}`);
    }
    // registered low-priority (or spot, priced at the low-priority rate): that, whatever its first tasks said
    for (const tier of ['LOW_PRIORITY', 'SPOT'] as const) {
      const run = await live(tier, 'DEDICATED');
      near(run.estimate.value, run.spent + rest('value', ratio), `registered ${tier}`);
    }
  });

  test('a run whose settled tasks ran at half the quote is lowered', async () => {
    const runId = await runWithTasks(0.5);
    const out = await new LiveEstimateService(db.db, orgId, registry, settings).reprice(runId);
    const estimate = out.status === 'stored' ? out.estimate : assert.fail();
    const costs = await taskCosts(runId);
    assert.ok(Number(estimate.value) < expectedValue(costs, () => 1) * 0.95);
  });
});
