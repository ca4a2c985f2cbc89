/**
 * An organization billed in EUR: its runs are EUR runs, however they came to be (registered, captured
 * from a trace, captured from the weblog), so reconciling its EUR bill gives them an actual cost.
 * Runs come from the real capture paths; the bill is one EUR line per pool hour; expected figures are
 * written out here from the line's cost and the test's own price (0.25 USD an hour for a whole D4_v3).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../../src/config.js';
import { estimates, runs, tasks } from '../../src/db/schema/index.js';
import { parseWeblogEvent } from '../../src/ingest/nextflow/weblog.js';
import { builtinRegistry } from '../../src/models/builtins.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { captureWeblogEvent } from '../../src/services/capture/weblog.js';
import { EstimateService } from '../../src/services/estimates.js';
import { multiplyDecimals } from '../../src/services/fx.js';
import { pricedRuns } from '../../src/services/history.js';
import { LiveEstimateService } from '../../src/services/live-estimates.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile, type ReconcileOptions } from '../../src/services/reconcile.js';
import { RunRegistration } from '../../src/services/run-registration.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';

const POOL = 'nf-d4';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
/** The test's own listed price of a whole Standard_D4_v3 (4 vCPUs, 16 GiB), in force before the bill's day. */
const USD_PER_HOUR = '0.25';
const DAY = { from: new Date('2025-06-02T00:00:00Z'), to: new Date('2025-06-03T00:00:00Z') };
const SHARE: ReconcileOptions = { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' };
/** One task holding the whole VM from 10:00 to 11:00 on the bill's day. */
const TRACE = [
  'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue',
  `1\tab/000001\tnat-1\tALIGN (S1)\tCOMPLETED\t0\t2025-06-02 10:00:00.000\t2025-06-02 10:00:00.000\t2025-06-02 11:00:00.000\t1h\t1h\t4\t8 GB\t${POOL}`,
].join('\n');
const T10 = Date.parse('2025-06-02T10:00:00Z');
const WITH_RATE = loadConfig({ GCT_FX_RATES: 'USD:EUR=0.92,USD:GBP=0.79' });
const NO_RATE = loadConfig({});
/**
 * The no-history quote of 3 samples: 2 h (GCT_QUOTE_DEFAULT_VM_HOURS_PER_SAMPLE) of a whole D4_v3 each,
 * 3 × 2 × 0.25 = 1.5 USD, or at 0.92 EUR a dollar 3 × 2 × 0.23 = 1.38 EUR.
 */
const SAMPLES = 3;
const QUOTE_USD = 1.5;
const QUOTE_EUR = 1.38;
const close = (got: number | string | null | undefined, want: number, what: string) =>
  assert.ok(got !== null && got !== undefined && Math.abs(Number(got) - want) < 1e-9, `${what}: ${got} against ${want}`);

/** The test's price row, in every test database (the shipped snapshot is older, so this one is in force). */
const insertPrice = (t: TestDatabase) =>
  t.sql`insert into prices (provider, region, vm_size, priority, vcpus, memory_gib, price_per_hour, currency, effective_from, source)
    values ('azure', 'westeurope', 'Standard_D4_v3', 'DEDICATED', 4, 16, ${USD_PER_HOUR}, 'USD', '2025-06-01', 'test')`;

/** The organization's pool and project P1. */
async function equip(t: TestDatabase, orgId: string): Promise<void> {
  await new PoolService(t.db, orgId).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: RESOURCE });
  await new ProjectService(t.db, orgId).create({ code: 'P1', name: 'p1' });
}

/** The pool's 10:00 hour, billed `cost` in `currency` for one node-hour. */
async function bill(t: TestDatabase, orgId: string, cost: string, currency = 'EUR'): Promise<void> {
  await t.sql`select cost_records_ensure_partitions(${DAY.from.toISOString()}, ${DAY.to.toISOString()})`;
  await t.sql`
    insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
    values (${orgId}, 'azure', ${RESOURCE}, 'Azure Batch', '2025-06-02T10:00:00Z', '2025-06-02T11:00:00Z', ${cost}, ${currency}, 1, '1 Hour', 'file', ${rowHash(`${orgId}:${currency}:h10`)})`;
}

const importInto = async (t: TestDatabase, orgId: string, runId?: string) =>
  (await importTrace(t.db, orgId, Readable.from([TRACE]), NO_RATE.capture, { timeZone: 'UTC', runId: runId ?? null, runName: runId ? null : 'traced' })).runId;

describe('runs of an organization billed in another currency than USD', () => {
  let t: TestDatabase;
  let n = 0;

  before(async () => {
    t = await createTestDatabase();
    await insertPrice(t);
  });
  after(() => t?.drop());

  async function lab(currency = 'EUR'): Promise<string> {
    const slug = `eur-${++n}`;
    const { organization } = await createOrganization(t.db, { name: slug, slug, currency });
    await equip(t, organization.id);
    return organization.id;
  }
  /** Amounts as numbers: the sums carry ten places (0.2300000000), and every figure here is exact in a float. */
  const runOf = async (orgId: string, runId: string) => {
    const [r] = await t.sql<{ currency: string; actual: string | null; estimated: string | null }[]>`
      select currency, actual_cost::text as actual, estimated_cost::text as estimated from runs where org_id = ${orgId} and id = ${runId}`;
    const num = (x: string | null) => (x === null ? null : Number(x));
    return { currency: r.currency, actual: num(r.actual), estimated: num(r.estimated) };
  };
  const quotesOf = (orgId: string, runId: string) =>
    t.db.select().from(estimates).where(and(eq(estimates.orgId, orgId), eq(estimates.runId, runId), eq(estimates.kind, 'QUOTE')));
  const register = (orgId: string, config = WITH_RATE, sampleCount: number | null = SAMPLES) =>
    new RunRegistration(t.db, orgId, builtinRegistry(), config).register({ projectCode: 'P1', pipeline: 'nf-core/eur', sampleCount });

  test('a run captured from a trace is an EUR run: the EUR bill gives it its actual cost', async () => {
    const orgId = await lab();
    const runId = await importInto(t, orgId);
    assert.equal((await runOf(orgId, runId)).currency, 'EUR');
    await bill(t, orgId, '0.23');
    const record = await reconcile(t.db, orgId, DAY, SHARE);
    assert.equal(record.currencyMismatchRuns, 0);
    assert.deepEqual(await runOf(orgId, runId), { currency: 'EUR', actual: 0.23, estimated: null });
  });

  test('a run captured from the weblog is an EUR run: the EUR bill gives it its actual cost', async () => {
    const orgId = await lab();
    const session = '5e551011-0000-4000-8000-00000000e001';
    const base = { runName: 'eur_run', runId: session, utcTime: new Date(T10).toISOString() };
    const { runId } = await captureWeblogEvent(t.db, orgId, parseWeblogEvent({
      ...base, event: 'process_completed',
      trace: { task_id: 1, hash: 'ab/000001', name: 'ALIGN (S1)', process: 'ALIGN', status: 'COMPLETED', submit: T10, start: T10, complete: T10 + 3_600_000,
        duration: 3_600_000, realtime: 3_600_000, exit: 0, cpus: 4, memory: 8 * 1024 ** 3, queue: POOL },
    }), NO_RATE.capture);
    assert.equal((await runOf(orgId, runId)).currency, 'EUR');
    await bill(t, orgId, '0.23');
    const record = await reconcile(t.db, orgId, DAY, SHARE);
    assert.equal(record.currencyMismatchRuns, 0);
    assert.equal((await runOf(orgId, runId)).actual, 0.23);
  });

  test('a registered run is an EUR run quoted in EUR: the bill gives it its actual cost and its quote a drift', async () => {
    const orgId = await lab();
    const run = await register(orgId);
    assert.equal(run.currency, 'EUR');
    close(run.estimatedCost, QUOTE_EUR, 'estimated cost');
    const [quote] = await quotesOf(orgId, run.id);
    assert.equal(quote.currency, 'EUR');
    close(quote.value, QUOTE_EUR, 'stored quote');
    await importInto(t, orgId, run.id);
    await bill(t, orgId, '0.23');
    const record = await reconcile(t.db, orgId, DAY, SHARE);
    assert.equal(record.currencyMismatchRuns, 0);
    assert.deepEqual(await runOf(orgId, run.id), { currency: 'EUR', actual: 0.23, estimated: QUOTE_EUR });
    // 1.38 quoted against 0.23 billed: (1.38 − 0.23) / 0.23 = 5
    const errors = await t.sql<{ currency: string; ratio: string }[]>`select currency, error_ratio::text as ratio from estimate_errors where org_id = ${orgId} and run_id = ${run.id}`;
    assert.equal(errors.length, 1);
    assert.equal(errors[0].currency, 'EUR');
    close(errors[0].ratio, 5, 'error ratio');
    assert.equal(record.driftAlerts, 1);
  });

  test('without a rate the quote is answered in USD and says so; a run keeps it as a record, not as its estimated cost', async () => {
    const orgId = await lab();
    const estimate = await new EstimateService(t.db, orgId, builtinRegistry(), NO_RATE.estimation).quote({ pipeline: 'nf-core/eur', samples: SAMPLES });
    assert.equal(estimate.currency, 'USD');
    close(estimate.value, QUOTE_USD, 'quote');
    assert.match(estimate.note, /in USD, not EUR: no GCT_FX_RATES rate USD:EUR/);
    const inEur = await new EstimateService(t.db, orgId, builtinRegistry(), WITH_RATE.estimation).quote({ pipeline: 'nf-core/eur', samples: SAMPLES });
    assert.equal(inEur.currency, 'EUR');
    close(inEur.value, QUOTE_EUR, 'quote in EUR');
    assert.doesNotMatch(inEur.note, /GCT_FX_RATES/);

    const run = await register(orgId, NO_RATE);
    assert.deepEqual(await runOf(orgId, run.id), { currency: 'EUR', actual: null, estimated: null });
    const [quote] = await quotesOf(orgId, run.id);
    assert.equal(quote.currency, 'USD');
    close(quote.value, QUOTE_USD, 'stored quote');
    assert.match(String(quote.features.currencyNote), /not the run's estimated cost: the run is in EUR, no GCT_FX_RATES rate USD:EUR/);
  });

  test('a USD organization is quoted and captured in USD as before', async () => {
    const orgId = await lab('USD');
    const run = await register(orgId, WITH_RATE);
    assert.equal(run.currency, 'USD');
    close(run.estimatedCost, QUOTE_USD, 'estimated cost');
    assert.equal((await runOf(orgId, await importInto(t, orgId))).currency, 'USD');
  });

  test('the live estimate converts the spent tasks and the remainder into EUR; without a rate it stays USD and is not the run’s figure', async () => {
    // a whole D4_v3 for an hour: 0.25 USD spent, 0.23 EUR at the rate
    const runLive = async (config: typeof WITH_RATE) => {
      const orgId = await lab();
      const run = await register(orgId, config);
      await t.db.update(runs).set({ status: 'RUNNING' }).where(and(eq(runs.orgId, orgId), eq(runs.id, run.id)));
      await t.db.insert(tasks).values({
        orgId, runId: run.id, taskId: 1, process: 'ALIGN', status: 'COMPLETED', source: 'trace', pool: POOL, vmSize: 'Standard_D4_v3', priority: 'DEDICATED', cpus: 4,
        submittedAt: new Date(T10), startedAt: new Date(T10), completedAt: new Date(T10 + 3_600_000), realtimeMs: 3_600_000,
      });
      const outcome = await new LiveEstimateService(t.db, orgId, builtinRegistry(), config.estimation).reprice(run.id);
      assert.equal(outcome.status, 'stored');
      return { orgId, runId: run.id, live: outcome.status === 'stored' ? outcome.estimate : null };
    };
    const eur = await runLive(WITH_RATE);
    assert.equal(eur.live?.currency, 'EUR');
    close(eur.live?.features.spent as string, 0.23, 'spent');
    // the fresh quote (1.38 EUR) minus what is spent, plus what is spent
    close(eur.live?.value, QUOTE_EUR, 'live');
    close((await runOf(eur.orgId, eur.runId)).estimated, QUOTE_EUR, 'estimated cost');

    const usd = await runLive(NO_RATE);
    assert.equal(usd.live?.currency, 'USD');
    close(usd.live?.value, QUOTE_USD, 'live in USD');
    assert.match(String(usd.live?.features.currencyNote), /no GCT_FX_RATES rate USD:EUR/);
    assert.deepEqual(await runOf(usd.orgId, usd.runId), { currency: 'EUR', actual: null, estimated: null });

    // once the run has ended, the figure is what its tasks cost: 0.25 × 0.92, exactly
    await t.db.update(runs).set({ status: 'SUCCEEDED' }).where(and(eq(runs.orgId, eur.orgId), eq(runs.id, eur.runId)));
    await t.sql`update estimates set created_at = created_at - interval '1 minute' where org_id = ${eur.orgId}`;
    const ended = await new LiveEstimateService(t.db, eur.orgId, builtinRegistry(), WITH_RATE.estimation).reprice(eur.runId);
    assert.equal(ended.status === 'stored' && Number(ended.estimate.value), 0.23);
    assert.equal(ended.status === 'stored' && ended.estimate.currency, 'EUR');
  });

  test('runs created in USD before runs took their organization’s currency move to it when reconciled', async () => {
    /** An EUR organization with a run as registration wrote it before: USD, with a USD quote as its estimated cost. */
    const oldRun = async () => {
      const orgId = await lab();
      const run = await register(orgId, NO_RATE);
      await t.db.update(runs).set({ currency: 'USD', estimatedCost: '1.5' }).where(and(eq(runs.orgId, orgId), eq(runs.id, run.id)));
      await importInto(t, orgId, run.id);
      return { orgId, runId: run.id };
    };
    const converted = await oldRun();
    await bill(t, converted.orgId, '0.23');
    const record = await reconcile(t.db, converted.orgId, DAY, { ...SHARE, fxRates: WITH_RATE.reconcile.fxRates });
    assert.equal(record.currencyMismatchRuns, 0);
    assert.deepEqual(await runOf(converted.orgId, converted.runId), { currency: 'EUR', actual: 0.23, estimated: QUOTE_EUR });

    // without a rate the USD figure is not kept as an EUR one (the QUOTE estimate keeps it, in USD)
    const cleared = await oldRun();
    await bill(t, cleared.orgId, '0.23');
    await reconcile(t.db, cleared.orgId, DAY, SHARE);
    assert.deepEqual(await runOf(cleared.orgId, cleared.runId), { currency: 'EUR', actual: 0.23, estimated: null });
    assert.equal((await quotesOf(cleared.orgId, cleared.runId))[0].currency, 'USD');

    // a USD run whose bill is in USD is left as it is
    const usd = await oldRun();
    await bill(t, usd.orgId, '0.25', 'USD');
    await reconcile(t.db, usd.orgId, DAY, { ...SHARE, fxRates: WITH_RATE.reconcile.fxRates });
    assert.deepEqual(await runOf(usd.orgId, usd.runId), { currency: 'USD', actual: 0.25, estimated: 1.5 });
  });

  test('run-level history prices an EUR run’s tasks in EUR with a rate, and leaves it out without one', async () => {
    const orgId = await lab();
    const runId = (await register(orgId, NO_RATE, 1)).id;
    await importInto(t, orgId, runId);
    assert.deepEqual(await pricedRuns(t.db, orgId, ['nf-core/eur']), []);
    const [priced] = await pricedRuns(t.db, orgId, ['nf-core/eur'], WITH_RATE.estimation.fxRates);
    assert.equal(priced.runId, runId);
    assert.equal(priced.currency, 'EUR');
    close(priced.cost, 0.23, 'priced run');
  });
});

describe('GCT_FX_RATES', () => {
  test('entries are read one way each; a bad one stops the boot, named', () => {
    assert.deepEqual([...WITH_RATE.estimation.fxRates], [['USD:EUR', '0.92'], ['USD:GBP', '0.79']]);
    assert.deepEqual([...loadConfig({ GCT_FX_RATES: ' usd : chf = 00.9 ,' }).estimation.fxRates], [['USD:CHF', '0.9']]);
    assert.equal(loadConfig({}).estimation.fxRates.size, 0);
    for (const [raw, message] of [
      ['USD:EUR=0.92,USD-GBP=0.79', /GCT_FX_RATES entry "USD-GBP=0.79" must look like USD:EUR=0.92/],
      ['USD:EUR=abc', /GCT_FX_RATES entry "USD:EUR=abc" must look like/],
      ['USD:EUR=-1', /GCT_FX_RATES entry "USD:EUR=-1" must look like/],
      ['USD:XYZ=1.1', /GCT_FX_RATES entry "USD:XYZ=1.1": XYZ is not an ISO 4217 currency code/],
      ['EUR:EUR=1', /GCT_FX_RATES entry "EUR:EUR=1" converts EUR into itself/],
      ['USD:EUR=0.000', /GCT_FX_RATES entry "USD:EUR=0.000": the rate must be above 0/],
      ['USD:EUR=0.92,usd:eur=0.93', /GCT_FX_RATES entry "usd:eur=0.93": USD:EUR is given twice/],
    ] as const) {
      assert.throws(() => loadConfig({ GCT_FX_RATES: raw }), (err: Error) => err instanceof ConfigError && message.test(err.message), raw);
    }
  });

  test('amounts are multiplied as exact decimals', () => {
    assert.equal(multiplyDecimals('0.25', '0.92'), '0.23');
    assert.equal(multiplyDecimals('0.1', '0.2'), '0.02');
    assert.equal(multiplyDecimals('-1.5', '2'), '-3');
    assert.equal(multiplyDecimals('0.0001', '0.001'), '0.0000001');
    assert.equal(multiplyDecimals('-0.0', '0.92'), '0');
    assert.equal(multiplyDecimals('123456789012345678.9', '1.0000000001'), '123456789024691357.80123456789');
  });
});

describe('an EUR organization over GraphQL', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp({ env: { GCT_FX_RATES: 'USD:EUR=0.92' } });
    await insertPrice(t.db);
    keys = await createOrgWithKeys(t.db, 'eur-gql');
    await t.db.sql`update organizations set currency = 'EUR' where id = ${keys.org.id}`;
    await equip(t.db, keys.org.id);
  });
  after(() => t.close());

  test('quotes, registered runs, their actual cost, a project budget and the drift alert are in EUR', async () => {
    const quote = await t.gql(`query($i: EstimateInput!) { estimate(input: $i) { value currency } }`, { i: { pipeline: 'nf-core/eur', samples: SAMPLES } }, keys.viewer);
    assert.equal(quote.errors, undefined, JSON.stringify(quote.errors));
    assert.equal(quote.data!.estimate.currency, 'EUR');
    close(quote.data!.estimate.value, QUOTE_EUR, 'estimate');

    const reg = await t.gql(`mutation($i: RegisterRunInput!) { registerRun(input: $i) { id estimatedCost { amount currency } } }`,
      { i: { projectCode: 'P1', pipeline: 'nf-core/eur', sampleCount: SAMPLES } }, keys.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    const run = reg.data!.registerRun;
    assert.equal(run.estimatedCost.currency, 'EUR');
    close(run.estimatedCost.amount, QUOTE_EUR, 'estimatedCost');

    await importInto(t.db, keys.org.id, run.id);
    await bill(t.db, keys.org.id, '0.23');
    await reconcile(t.db.db, keys.org.id, DAY, { ...t.app.config.reconcile, trigger: 'test' });
    const after = await t.gql(`query($id: ID!) { run(id: $id) { actualCost { amount currency } } }`, { id: run.id }, keys.viewer);
    assert.equal(after.data!.run.actualCost.currency, 'EUR');
    close(after.data!.run.actualCost.amount, 0.23, 'actualCost');

    const budget = await t.gql(`mutation($input: CreateBudgetInput!) { createBudget(input: $input) { amount { currency } spend { billed { amount } } } }`, {
      input: { name: 'P1 in June', scope: { kind: 'PROJECT', projectCode: 'P1' }, period: 'CUSTOM', startsAt: '2025-06-01T00:00:00Z', endsAt: '2025-07-01T00:00:00Z', amount: '10' },
    }, keys.analyst);
    assert.equal(budget.errors, undefined, JSON.stringify(budget.errors));
    assert.equal(budget.data!.createBudget.amount.currency, 'EUR');
    close(budget.data!.createBudget.spend.billed.amount, 0.23, 'budget billed');

    const alerts = await t.gql(`{ alerts { edges { node { kind message } } } }`, {}, keys.viewer);
    const drift = alerts.data!.alerts.edges.map((e: { node: { kind: string; message: string } }) => e.node).filter((a: { kind: string }) => a.kind === 'ESTIMATE_DRIFT');
    assert.equal(drift.length, 1);
    assert.match(drift[0].message, /estimated 1\.38\d* EUR .*the bill says 0\.23\d* EUR/);
  });
});
