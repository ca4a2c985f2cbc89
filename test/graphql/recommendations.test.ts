import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { pipelines, pools, prices, recommendations, runs, tasks, type RecommendationKind } from '../../src/db/schema/index.js';
import { parseAzureBatchPrices } from '../../src/ingest/prices/azure-batch-prices.js';
import { RecommendationService } from '../../src/services/recommendations.js';
import { NO_FX_RATES } from '../../src/services/fx.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';

const GIB = 1024 ** 3;
const HOUR = 3_600_000;
const SNAPSHOT = 'BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json';
const snapshot = parseAzureBatchPrices(readFileSync(fixturePath('azure-vm-prices', SNAPSHOT), 'utf8'), SNAPSHOT);

/**
 * A real VM size of the shipped price sheet with dedicated and low-priority prices, big enough for
 * 16 GiB tasks, where a 2-cpu 16 GiB task's memory share is the larger one (so memory is what it pays for).
 */
const vm = (() => {
  for (const d of snapshot.rows) {
    if (d.priority !== 'DEDICATED' || d.vcpus < 4 || Number(d.memoryGib) < 32 || 16 / Number(d.memoryGib) <= 2 / d.vcpus) continue;
    const low = snapshot.rows.find((r) => r.vmSize === d.vmSize && r.priority === 'LOW_PRIORITY');
    if (low && Number(low.pricePerHour) < Number(d.pricePerHour)) return { size: d.vmSize, vcpus: d.vcpus, memGib: Number(d.memoryGib), price: Number(d.pricePerHour), low: Number(low.pricePerHour) };
  }
  throw new Error('no suitable VM size in the snapshot');
})();

/** Postgres percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

const share = (cpus: number, memBytes: number) => Math.max(cpus / vm.vcpus, memBytes / (vm.memGib * GIB));

interface TaskSpec {
  process: string;
  cpus: number;
  memGib: number;
  peakGib: number;
  pcpu: number;
  hours: number;
  status?: 'COMPLETED' | 'FAILED';
  errorAction?: string;
}

const now = new Date();
const peaks = [1.5, 1.6, 1.62, 1.7, 1.75, 1.8, 1.9, 1.98];
const BIG: TaskSpec[] = peaks.map((p) => ({ process: 'NFCORE:BIG_MEM', cpus: 2, memGib: 16, peakGib: p, pcpu: 180, hours: 1 }));
const FITS: TaskSpec[] = [3.6, 3.7, 3.75, 3.8, 3.8, 3.85, 3.9].map((p) => ({ process: 'NFCORE:FITS', cpus: 2, memGib: 4, peakGib: p, pcpu: 195, hours: 2 }));
const FAILED: TaskSpec = { process: 'NFCORE:FITS', cpus: 2, memGib: 4, peakGib: 3.9, pcpu: 195, hours: 0.5, status: 'FAILED', errorAction: 'TERMINATE' };
const SHORT: TaskSpec[] = Array.from({ length: 6 }, (_, i) => ({ process: 'NFCORE:SHORT', cpus: 4, memGib: 1, peakGib: 0.5, pcpu: 80 + i * 2, hours: 5 / 60 }));

/** `vmSize`: as the pool was declared (people type sizes in any case). */
async function seed(t: TestApp, orgId: string, specs: TaskSpec[], vmSize = vm.size) {
  const db = t.db.db;
  const [pipeline] = await db.insert(pipelines).values({ orgId, name: 'nf-core/test', revision: '1.0' }).returning();
  await db.insert(pools).values({ orgId, name: 'batch-pool', region: 'westeurope', vmSize, priority: 'DEDICATED' });
  const [run] = await db.insert(runs).values({ orgId, pipelineId: pipeline.id, status: 'SUCCEEDED' }).returning();
  await db.insert(tasks).values(
    specs.map((s, i) => {
      const completedAt = new Date(now.getTime() - (i + 1) * 60_000);
      return {
        orgId, runId: run.id, taskId: i + 1, attempt: 1, process: s.process, status: s.status ?? 'COMPLETED', errorAction: s.errorAction ?? null,
        cpus: s.cpus, memoryBytes: s.memGib * GIB, peakRss: Math.round(s.peakGib * GIB), pcpu: s.pcpu, realtimeMs: Math.round(s.hours * HOUR),
        startedAt: new Date(completedAt.getTime() - s.hours * HOUR), completedAt, pool: 'batch-pool', vmSize, priority: 'DEDICATED' as const, source: 'trace' as const,
      };
    }),
  );
  return pipeline;
}

const LIST = `query($status: [RecommendationStatus!]) { recommendations(status: $status, first: 50) {
  edges { node { id kind process title detail monthlySaving { amount currency } status statusChangedAt } } } }`;
/** The test's rate, GCT_FX_RATES USD:EUR. */
const EUR_PER_USD = 0.92;
const recommendedGibOf = (specs: TaskSpec[]) => Math.max(1, Math.ceil((percentileCont(specs.map((s) => Math.round(s.peakGib * GIB)), 0.95) * 1.2) / GIB));
/** In USD, from the shipped price sheet: what requesting the recommended memory saves BIG's tasks. */
const memorySaving = () => BIG.reduce((sum, s) => sum + vm.price * s.hours * (share(s.cpus, s.memGib * GIB) - share(s.cpus, recommendedGibOf(BIG) * GIB)), 0);
const lowPrioritySaving = () => SHORT.reduce((sum, s) => sum + (vm.price - vm.low) * s.hours * share(s.cpus, s.memGib * GIB), 0);
const failedCost = () => vm.price * FAILED.hours * share(FAILED.cpus, FAILED.memGib * GIB);

type Rec = { id: string; kind: string; process: string; title: string; detail: Record<string, unknown>; monthlySaving: { amount: string; currency: string } | null; status: string };

describe('savings recommendations from task history, priced with the shipped price sheet', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const list = async (key: string, status?: string[]) => {
    const res = await t.gql(LIST, { status }, key);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.recommendations.edges.map((e: { node: Rec }) => e.node) as Rec[];
  };
  const refresh = async (key: string) => (await t.gql(`mutation { refreshRecommendations { found removed } }`, {}, key));

  before(async () => {
    // a rate that USD organizations never use: theirs is the price sheet's currency
    t = await startTestApp({ env: { GCT_FX_RATES: `USD:EUR=${EUR_PER_USD}` } });
    await t.db.db.insert(prices).values(snapshot.rows).onConflictDoNothing();
    a = await createOrgWithKeys(t.db, 'rec-a');
    b = await createOrgWithKeys(t.db, 'rec-b');
    await seed(t, a.org.id, [...BIG, ...FITS, FAILED, ...SHORT]);
    const res = await refresh(a.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  });
  after(() => t.close());

  test('a process asking 16 GB and peaking at 2 GB gets a memory recommendation with the right saving', async () => {
    const recs = await list(a.viewer);
    const mem = recs.filter((r) => r.kind === 'RIGHTSIZE_MEMORY');
    assert.deepEqual(mem.map((r) => r.process), ['NFCORE:BIG_MEM'], 'only the oversized process');
    const p95 = percentileCont(BIG.map((s) => Math.round(s.peakGib * GIB)), 0.95);
    const recommendedGib = Math.max(1, Math.ceil((p95 * 1.2) / GIB));
    assert.equal(mem[0].detail.recommendedBytes, recommendedGib * GIB);
    assert.equal(mem[0].detail.config, `process { withName: 'NFCORE:BIG_MEM' { memory = '${recommendedGib} GB' } }`);
    const saving = BIG.reduce((sum, s) => sum + vm.price * s.hours * (share(s.cpus, s.memGib * GIB) - share(s.cpus, recommendedGib * GIB)), 0);
    assert.ok(saving > 0);
    assert.equal(mem[0].monthlySaving!.currency, 'USD');
    assert.ok(Math.abs(Number(mem[0].monthlySaving!.amount) - saving) < 5e-5, `${mem[0].monthlySaving!.amount} vs ${saving}`);
  });

  test('a process that uses what it asks gets no sizing recommendation; its failed attempt is priced', async () => {
    const recs = await list(a.viewer);
    assert.ok(!recs.some((r) => r.process === 'NFCORE:FITS' && r.kind.startsWith('RIGHTSIZE')));
    const failed = recs.filter((r) => r.kind === 'FAILED_WORK');
    assert.deepEqual(failed.map((r) => r.process), ['NFCORE:FITS']);
    const cost = vm.price * FAILED.hours * share(FAILED.cpus, FAILED.memGib * GIB);
    assert.ok(Math.abs(Number(failed[0].monthlySaving!.amount) - cost) < 5e-5);
    assert.ok(!recs.some((r) => r.kind === 'LOW_PRIORITY' && r.process === 'NFCORE:FITS'), 'long and failed without retry: not a spot candidate');
  });

  test('short retry-safe work on dedicated VMs gets a low-priority recommendation; idle cpus a cpu one', async () => {
    const recs = await list(a.viewer);
    const low = recs.filter((r) => r.kind === 'LOW_PRIORITY');
    assert.deepEqual(low.map((r) => r.process), ['NFCORE:SHORT']);
    const saving = SHORT.reduce((sum, s) => sum + (vm.price - vm.low) * s.hours * share(s.cpus, s.memGib * GIB), 0);
    assert.ok(Math.abs(Number(low[0].monthlySaving!.amount) - saving) < 5e-5);
    const cpu = recs.filter((r) => r.kind === 'RIGHTSIZE_CPU');
    assert.deepEqual(cpu.map((r) => r.process), ['NFCORE:SHORT']);
    const cpus = Math.max(1, Math.ceil((percentileCont(SHORT.map((s) => s.pcpu), 0.95) / 100) * 1.2));
    assert.equal(cpu[0].detail.recommendedCpus, cpus);
  });

  test('a decision survives refreshes; an OPEN one that is no longer warranted goes, an accepted one stays', async () => {
    const before = await list(a.viewer);
    const mem = before.find((r) => r.kind === 'RIGHTSIZE_MEMORY')!;
    const low = before.find((r) => r.kind === 'LOW_PRIORITY')!;
    const set = await t.gql(`mutation($id: ID!) { setRecommendationStatus(id: $id, status: ACCEPTED) { status statusChangedAt } }`, { id: mem.id }, a.analyst);
    assert.equal(set.data?.setRecommendationStatus.status, 'ACCEPTED', JSON.stringify(set.errors));
    await refresh(a.admin);
    const again = await list(a.viewer);
    assert.equal(again.find((r) => r.id === mem.id)?.status, 'ACCEPTED', 'same id, status kept');
    // the process now uses its memory, and SHORT's tasks became long: neither is warranted any more
    await t.db.sql`update tasks set peak_rss = memory_bytes where org_id = ${a.org.id} and process = 'NFCORE:BIG_MEM'`;
    await t.db.sql`update tasks set started_at = completed_at - interval '3 hours', realtime_ms = 10800000 where org_id = ${a.org.id} and process = 'NFCORE:SHORT'`;
    const res = await refresh(a.admin);
    assert.ok(res.data!.refreshRecommendations.removed >= 1);
    const after = await list(a.viewer);
    assert.equal(after.find((r) => r.id === mem.id)?.status, 'ACCEPTED', 'the accepted decision is kept as a record');
    assert.equal(after.find((r) => r.id === low.id), undefined, 'the OPEN low-priority one is gone');
  });

  test('a resumed run’s CACHED tasks are not priced again: the saving counts the hours of the run that ran them, once', async () => {
    const c = await createOrgWithKeys(t.db, 'rec-c');
    const pipeline = await seed(t, c.org.id, BIG);
    // the -resume: the same tasks, CACHED, with the first run's times, as Nextflow reports a cached task
    const [resumed] = await t.db.db.insert(runs).values({ orgId: c.org.id, pipelineId: pipeline.id, status: 'SUCCEEDED' }).returning();
    await t.db.sql`
      insert into tasks (org_id, run_id, task_id, attempt, process, status, cpus, memory_bytes, peak_rss, pcpu, realtime_ms, started_at, completed_at, pool, vm_size, priority, source)
      select org_id, ${resumed.id}, task_id, attempt, process, 'CACHED', cpus, memory_bytes, peak_rss, pcpu, realtime_ms, started_at, completed_at, pool, vm_size, priority, source
      from tasks where org_id = ${c.org.id}`;
    const res = await refresh(c.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const mem = (await list(c.viewer)).filter((r) => r.kind === 'RIGHTSIZE_MEMORY');
    assert.deepEqual(mem.map((r) => r.process), ['NFCORE:BIG_MEM']);
    const recommendedGib = Math.max(1, Math.ceil((percentileCont(BIG.map((s) => Math.round(s.peakGib * GIB)), 0.95) * 1.2) / GIB));
    const saving = BIG.reduce((sum, s) => sum + vm.price * s.hours * (share(s.cpus, s.memGib * GIB) - share(s.cpus, recommendedGib * GIB)), 0);
    assert.ok(Math.abs(Number(mem[0].monthlySaving!.amount) - saving) < 5e-5, `${mem[0].monthlySaving!.amount} vs ${saving}`);
  });

  test('a pool declared with its size in lower case is priced all the same', async () => {
    const d = await createOrgWithKeys(t.db, 'rec-d');
    await seed(t, d.org.id, [...BIG, ...SHORT], vm.size.toLowerCase());
    const res = await refresh(d.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const recs = await list(d.viewer);
    const recommendedGib = Math.max(1, Math.ceil((percentileCont(BIG.map((s) => Math.round(s.peakGib * GIB)), 0.95) * 1.2) / GIB));
    const saving = BIG.reduce((sum, s) => sum + vm.price * s.hours * (share(s.cpus, s.memGib * GIB) - share(s.cpus, recommendedGib * GIB)), 0);
    const mem = recs.find((r) => r.kind === 'RIGHTSIZE_MEMORY');
    assert.ok(mem?.monthlySaving, JSON.stringify(mem));
    assert.ok(Math.abs(Number(mem.monthlySaving.amount) - saving) < 5e-5, `${mem.monthlySaving.amount} vs ${saving}`);
    assert.ok(recs.some((r) => r.kind === 'LOW_PRIORITY' && r.monthlySaving !== null), recs.map((r) => r.kind).join());
  });

  test('another organization sees none, cannot change one, and a VIEWER cannot decide', async () => {
    assert.deepEqual(await list(b.viewer), []);
    const [rec] = await list(a.viewer);
    const other = await t.gql(`mutation($id: ID!) { setRecommendationStatus(id: $id, status: DISMISSED) { status } }`, { id: rec.id }, b.admin);
    assert.equal(other.errors?.[0].extensions?.code, 'NOT_FOUND');
    const viewer = await t.gql(`mutation($id: ID!) { setRecommendationStatus(id: $id, status: DISMISSED) { status } }`, { id: rec.id }, a.viewer);
    assert.equal(viewer.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await list(a.viewer)).find((r) => r.id === rec.id)?.status, rec.status);
  });

  describe('an organization billed in EUR', () => {
    const eurOrg = async (slug: string) => {
      const keys = await createOrgWithKeys(t.db, slug);
      await t.db.sql`update organizations set currency = 'EUR' where id = ${keys.org.id}`;
      await seed(t, keys.org.id, [...BIG, ...FITS, FAILED, ...SHORT]);
      return keys;
    };
    const close = (rec: Rec | undefined, currency: string, want: number) => {
      assert.equal(rec?.monthlySaving?.currency, currency, JSON.stringify(rec));
      const amount = Number(rec!.monthlySaving!.amount);
      assert.ok(Math.abs(amount - want) < 5e-5, `${rec!.kind}: ${amount} vs ${want}`);
    };

    test('with a USD:EUR rate its savings are the USD price sheet’s, converted, in EUR', async () => {
      const e = await eurOrg('rec-eur');
      const res = await refresh(e.admin);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const recs = await list(e.viewer);
      close(recs.find((r) => r.kind === 'RIGHTSIZE_MEMORY'), 'EUR', memorySaving() * EUR_PER_USD);
      close(recs.find((r) => r.kind === 'LOW_PRIORITY'), 'EUR', lowPrioritySaving() * EUR_PER_USD);
      close(recs.find((r) => r.kind === 'FAILED_WORK'), 'EUR', failedCost() * EUR_PER_USD);
      assert.ok(recs.find((r) => r.kind === 'RIGHTSIZE_CPU')?.monthlySaving?.currency === 'EUR');
      assert.ok(recs.every((r) => r.detail.currencyNote === undefined), 'nothing to say about the currency');
      const stored = await t.db.sql<{ currency: string }[]>`select distinct currency from recommendations where org_id = ${e.org.id}`;
      assert.deepEqual(stored.map((r) => r.currency), ['EUR']);
    });

    test('without a rate its savings stay in USD, labelled USD, and say why they are not in EUR', async () => {
      const e = await eurOrg('rec-eur-norate');
      await new RecommendationService(t.db.db, e.org.id, 500, NO_FX_RATES).refresh(loadConfig({}).recommendations);
      const recs = await list(e.viewer);
      const mem = recs.find((r) => r.kind === 'RIGHTSIZE_MEMORY');
      close(mem, 'USD', memorySaving());
      close(recs.find((r) => r.kind === 'FAILED_WORK'), 'USD', failedCost());
      for (const r of recs) assert.match(String(r.detail.currencyNote), /^in USD, not EUR: no GCT_FX_RATES rate USD:EUR$/, r.kind);
    });

    test('the list puts the biggest saving first in the organization’s currency, then those it has no rate for', async () => {
      const e = await createOrgWithKeys(t.db, 'rec-eur-order');
      await t.db.sql`update organizations set currency = 'EUR' where id = ${e.org.id}`;
      // USD 10 is EUR 9.20 at the app's rate: less than the EUR 9.50 idle pool, more than EUR 9.10
      const rec = (kind: RecommendationKind, subject: string, saving: string, currency: string) =>
        ({ orgId: e.org.id, kind, subject, process: subject, title: subject, monthlySaving: saving, currency });
      await t.db.db.insert(recommendations).values([
        rec('RIGHTSIZE_MEMORY', 'usd-10', '10', 'USD'),
        rec('IDLE_POOL', 'eur-9.50', '9.5', 'EUR'),
        rec('FAILED_WORK', 'eur-9.10', '9.1', 'EUR'),
        rec('LOW_PRIORITY', 'gbp-1000', '1000', 'GBP'),
        rec('RIGHTSIZE_CPU', 'gbp-5', '5', 'GBP'),
      ]);
      assert.deepEqual((await list(e.viewer)).map((r) => r.process), ['eur-9.50', 'usd-10', 'eur-9.10', 'gbp-1000', 'gbp-5']);
    });
  });
});
