/**
 * Reconciliation cases the fixture-built split of reconcile.test.ts does not hold: a resumed run whose
 * trace repeats the first run's task as CACHED, and a pool billed on several lines in one hour (one
 * line per VM of its scale set, or one per meter). Runs come from real trace imports; the expected
 * split is written out here from the VM-hours and prices the bill states, not read from the code.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { reconcile, type ReconcileOptions } from '../../src/services/reconcile.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';

const POOL = 'nf-d4';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
const VM = (n: number) => `${RESOURCE}/virtualMachines/${n}`;
/** Standard_D4_v3: 4 vCPUs, 16 GiB; its listed price here is this test's own, from the day before the bill. */
const LIST_PRICE = 0.25;
const DAY = { from: new Date('2025-06-02T00:00:00Z'), to: new Date('2025-06-03T00:00:00Z') };
const SHARE: ReconcileOptions = { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' };
const SEPARATE: ReconcileOptions = { ...SHARE, idleMode: 'SEPARATE' };

const HEADER = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue\thostname';
interface TraceTask {
  id: number;
  name: string;
  status?: string;
  /** HH:MM on 2025-06-02 */
  start: string;
  end: string;
  cpus: number;
  memory: string;
  node?: string;
}
const ts = (hhmm: string) => `2025-06-02 ${hhmm}:00.000`;
const span = (t: TraceTask) => {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  return `${minutes(t.end) - minutes(t.start)}m`;
};
function trace(tasks: TraceTask[]): string {
  const rows = tasks.map((t) =>
    [t.id, `ab/${String(t.id).padStart(6, '0')}`, `nat-${t.id}`, t.name, t.status ?? 'COMPLETED', 0, ts(t.start), ts(t.start), ts(t.end), span(t), span(t), t.cpus, t.memory, POOL, t.node ?? 'node-0'].join('\t'),
  );
  return `${HEADER}\n${rows.join('\n')}\n`;
}

interface Line {
  label: string;
  resource?: string;
  /** HH:MM, an hour long */
  start: string;
  cost: string;
  /** Consumed hours; null: no quantity or unit (the listed price is the rate). */
  hours: string | null;
  /** Default USD, the price table's. */
  currency?: string;
}

describe('reconcile: resumed runs and pools billed on several lines', () => {
  let t: TestDatabase;
  let n = 0;

  before(async () => {
    t = await createTestDatabase();
    await t.sql`insert into prices (provider, region, vm_size, priority, vcpus, memory_gib, price_per_hour, currency, effective_from, source)
      values ('azure', 'westeurope', 'Standard_D4_v3', 'DEDICATED', 4, 16, ${LIST_PRICE}, 'USD', '2025-06-01', 'test')`;
  });
  after(() => t?.drop());

  async function lab(currency = 'USD'): Promise<string> {
    const slug = `lines-${++n}`;
    const { organization } = await createOrganization(t.db, { name: slug, slug, currency });
    await new PoolService(t.db, organization.id).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: RESOURCE });
    return organization.id;
  }
  const importRun = async (orgId: string, runName: string, tasks: TraceTask[]) =>
    (await importTrace(t.db, orgId, Readable.from([trace(tasks)]), loadConfig({}).capture, { timeZone: 'UTC', runName })).runId;
  async function bill(orgId: string, lines: Line[]): Promise<void> {
    await t.sql`select cost_records_ensure_partitions(${DAY.from.toISOString()}, ${DAY.to.toISOString()})`;
    for (const l of lines) {
      const start = `2025-06-02T${l.start}:00Z`;
      const end = new Date(Date.parse(start) + 3_600_000).toISOString();
      await t.sql`
        insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        values (${orgId}, 'azure', ${l.resource ?? RESOURCE}, 'Azure Batch', ${start}, ${end}, ${l.cost}, ${l.currency ?? 'USD'}, ${l.hours}, ${l.hours === null ? null : '1 Hour'}, 'file', ${rowHash(`${orgId}:${l.label}`)})`;
    }
  }
  const actual = async (orgId: string, runId: string) => {
    const [r] = await t.sql<{ a: string | null }[]>`select actual_cost::text as a from runs where org_id = ${orgId} and id = ${runId}`;
    return r.a === null ? null : Number(r.a);
  };
  /** Per Nextflow task: what it was allocated and for how many hours, over every line. */
  const perTask = async (orgId: string) =>
    new Map(
      (
        await t.sql<{ name: string; amount: string; hours: string; methods: string[] }[]>`
          select k.name, sum(a.amount)::text as amount, sum(a.hours)::text as hours, array_agg(distinct a.method order by a.method) as methods
          from allocations a join tasks k on k.org_id = a.org_id and k.id = a.task_id
          where a.org_id = ${orgId} and a.kind = 'TASK' group by k.name`
      ).map((r) => [r.name, { amount: Number(r.amount), hours: Number(r.hours), methods: r.methods }]),
    );
  const sums = async (orgId: string) => {
    const [s] = await t.sql<{ tasks: string; idle: string; pool_idle: string }[]>`
      select coalesce(sum(amount) filter (where kind = 'TASK'), 0)::text as tasks, coalesce(sum(amount) filter (where kind = 'IDLE'), 0)::text as idle,
        coalesce(sum(amount) filter (where kind = 'IDLE' and run_id is null), 0)::text as pool_idle
      from allocations where org_id = ${orgId}`;
    return { tasks: Number(s.tasks), idle: Number(s.idle), poolIdle: Number(s.pool_idle) };
  };
  /** Lines whose allocations do not sum to their cost exactly, in numeric. */
  const violations = async (orgId: string) =>
    t.sql`select c.row_hash from cost_records c
      left join (select cost_row_hash, sum(amount) as total from allocations where org_id = ${orgId} group by 1) a on a.cost_row_hash = c.row_hash
      where c.org_id = ${orgId} and a.total is distinct from coalesce(c.effective_cost, c.billed_cost)`;
  const close = (got: number | null, want: number, what: string) => assert.ok(got !== null && Math.abs(got - want) < 1e-9, `${what}: ${got} vs ${want}`);

  test('a resumed run is not billed for its CACHED task: the run that ran it pays the whole hour', async () => {
    for (const mode of [SHARE, SEPARATE]) {
      const orgId = await lab();
      const align: TraceTask = { id: 1, name: 'ALIGN (S1)', start: '10:00', end: '11:00', cpus: 4, memory: '8 GB' };
      const first = await importRun(orgId, 'first', [align]);
      // `-resume`: Nextflow writes the cached task's stored record, with the first run's times and queue
      const resumed = await importRun(orgId, 'resumed', [{ ...align, status: 'CACHED' }]);
      const [cached] = await t.sql`select started_at from tasks where org_id = ${orgId} and run_id = ${resumed} and status = 'CACHED' and pool = ${POOL}`;
      assert.ok(cached?.started_at, 'the cached task carries the first run’s start and pool');
      // one node-hour billed at 0.24; the whole node was the first run's task's
      await bill(orgId, [{ label: 'h10', start: '10:00', cost: '0.24', hours: '1' }]);
      await reconcile(t.db, orgId, DAY, mode);
      close(await actual(orgId, first), 0.24, `${mode.idleMode}: first run`);
      assert.equal(await actual(orgId, resumed), null, `${mode.idleMode}: the resumed run ran nothing in that hour`);
      close((await sums(orgId)).idle, 0, `${mode.idleMode}: idle`);
      assert.deepEqual([...(await violations(orgId))], []);
    }
  });

  test('a pool billed per VM: a task is allocated its hour once, over the VMs’ lines; the VM it left unused is idle', async () => {
    for (const mode of [SEPARATE, SHARE]) {
      const orgId = await lab();
      const run = await importRun(orgId, 'per-vm', [{ id: 1, name: 'ALIGN (S1)', start: '10:00', end: '11:00', cpus: 4, memory: '8 GB' }]);
      // two VMs of the scale set, each billed one hour at 0.24: 0.48 for two VM-hours, one of them used
      await bill(orgId, [0, 1].map((vm) => ({ label: `vm${vm}`, resource: VM(vm), start: '10:00', cost: '0.24', hours: '1' })));
      await reconcile(t.db, orgId, DAY, mode);
      const task = (await perTask(orgId)).get('ALIGN (S1)')!;
      close(task.amount, 0.24, `${mode.idleMode}: the task's one VM-hour`);
      close(task.hours, 1, `${mode.idleMode}: hours allocated to the task`);
      close((await sums(orgId)).idle, 0.24, `${mode.idleMode}: the unused VM-hour is idle`);
      close(await actual(orgId, run), mode === SHARE ? 0.48 : 0.24, `${mode.idleMode}: run`);
      assert.deepEqual([...(await violations(orgId))], []);
    }
  });

  test('a pool billed on two meters in one hour: each line bills its part of the task’s hour, the rest is idle', async () => {
    const orgId = await lab();
    const run = await importRun(orgId, 'meters', [{ id: 1, name: 'ALIGN (S1)', start: '10:00', end: '11:00', cpus: 4, memory: '8 GB' }]);
    // a dedicated and a low-priority node, one hour each, on the pool's own resource id
    await bill(orgId, [
      { label: 'dedicated', start: '10:00', cost: '0.24', hours: '1' },
      { label: 'low-priority', start: '10:00', cost: '0.048', hours: '1' },
    ]);
    await reconcile(t.db, orgId, DAY, SEPARATE);
    // which node ran the task is not known: half its hour on each meter's node-hour
    const want = 0.5 * 0.24 + 0.5 * 0.048;
    close(await actual(orgId, run), want, 'run');
    close((await sums(orgId)).poolIdle, 0.288 - want, 'idle');
    close((await perTask(orgId)).get('ALIGN (S1)')!.hours, 1, 'hours');
    assert.deepEqual([...(await violations(orgId))], []);
  });

  test('lines weigh by their machine hours (quantity, or cost at the listed price); tasks that ran more than billed are scaled down over the group', async () => {
    const orgId = await lab();
    await importRun(orgId, 'weighed', [
      // 10:00: a whole node for the hour, and half a node (2 of 4 cpus) for half of it
      { id: 1, name: 'A', start: '10:00', end: '11:00', cpus: 4, memory: '8 GB' },
      { id: 2, name: 'B', start: '10:00', end: '10:30', cpus: 2, memory: '4 GB' },
      // 11:00: three whole nodes, while the bill has two VM-hours
      { id: 3, name: 'C', start: '11:00', end: '12:00', cpus: 4, memory: '8 GB' },
      { id: 4, name: 'D', start: '11:00', end: '12:00', cpus: 4, memory: '8 GB' },
      { id: 5, name: 'E', start: '11:00', end: '12:00', cpus: 4, memory: '8 GB' },
    ]);
    await bill(orgId, [
      // 1 h at 0.24, half an hour (a VM that joined the pool at half past) at 0.24/h, and a line without a
      // quantity: 0.25 at the listed 0.25/h is one hour; 2.5 VM-hours in all
      { label: 'h10-vm0', resource: VM(0), start: '10:00', cost: '0.24', hours: '1' },
      { label: 'h10-vm1', resource: VM(1), start: '10:00', cost: '0.12', hours: '0.5' },
      { label: 'h10-vm2', resource: VM(2), start: '10:00', cost: '0.25', hours: null },
      { label: 'h11-vm0', resource: VM(0), start: '11:00', cost: '0.24', hours: '1' },
      { label: 'h11-vm1', resource: VM(1), start: '11:00', cost: '0.24', hours: '1' },
    ]);
    await reconcile(t.db, orgId, DAY, SEPARATE);
    const got = await perTask(orgId);
    // a task's weight × each line's cost per VM-hour of the group: (0.24 + 0.12 + 0.25) / 2.5 per weighted hour
    const perHour10 = (0.24 + 0.12 + 0.25) / 2.5;
    close(got.get('A')!.amount, 1 * perHour10, 'A');
    close(got.get('B')!.amount, 0.5 * 0.5 * perHour10, 'B');
    assert.deepEqual(got.get('A')!.methods, ['PRICE', 'RATE']);
    close(got.get('A')!.hours, 1, 'A hours');
    close(got.get('B')!.hours, 0.5, 'B hours');
    // 11:00: three node-hours ran, two were billed: each task gets a third of 0.48, nothing is idle
    for (const name of ['C', 'D', 'E']) {
      close(got.get(name)!.amount, 0.48 / 3, name);
      close(got.get(name)!.hours, 1, `${name} hours`);
      assert.deepEqual(got.get(name)!.methods, ['SCALED']);
    }
    close((await sums(orgId)).poolIdle, 0.61 - 1.25 * perHour10, 'idle (10:00 only)');
    assert.deepEqual([...(await violations(orgId))], []);
  });

  test('an EUR line without hours is weighed at the USD list price converted with GCT_FX_RATES; without a rate, by task weight as before', async () => {
    const withRate = { ...SEPARATE, fxRates: loadConfig({ GCT_FX_RATES: 'USD:EUR=0.92' }).reconcile.fxRates };
    const outcome = async (options: ReconcileOptions) => {
      const orgId = await lab('EUR');
      const run = await importRun(orgId, 'eur', [
        // 10:00: half a node (2 of 4 cpus) for the hour; 11:00: a whole node for the hour
        { id: 1, name: 'A', start: '10:00', end: '11:00', cpus: 2, memory: '4 GB' },
        { id: 2, name: 'B', start: '11:00', end: '12:00', cpus: 4, memory: '8 GB' },
      ]);
      // no quantities: at 0.25 USD = 0.23 EUR an hour, 0.46 EUR is two VM-hours, and each VM's 0.23 one
      await bill(orgId, [
        { label: 'h10', start: '10:00', cost: '0.46', hours: null, currency: 'EUR' },
        { label: 'h11-vm0', resource: VM(0), start: '11:00', cost: '0.23', hours: null, currency: 'EUR' },
        { label: 'h11-vm1', resource: VM(1), start: '11:00', cost: '0.23', hours: null, currency: 'EUR' },
      ]);
      const record = await reconcile(t.db, orgId, DAY, options);
      assert.deepEqual([...(await violations(orgId))], [], 'each line’s allocations sum to its cost');
      assert.equal(record.totals.length, 1);
      assert.equal(record.totals[0].currency, 'EUR');
      const total = record.totals[0];
      close(Number(total.tasks) + Number(total.idle) + Number(total.unallocated), 0.92, 'the record’s parts');
      close(Number(total.cost), 0.92, 'the record’s cost');
      return { tasks: await perTask(orgId), sums: await sums(orgId), run: await actual(orgId, run) };
    };

    const priced = await outcome(withRate);
    // A: 0.5 of a node × 1 h × 0.23; B: its hour over the two VMs' lines, half on each, at 0.23
    close(priced.tasks.get('A')!.amount, 0.115, 'A at the converted price');
    close(priced.tasks.get('B')!.amount, 0.23, 'B at the converted price');
    close(priced.tasks.get('B')!.hours, 1, 'B hours');
    assert.deepEqual(priced.tasks.get('A')!.methods, ['PRICE']);
    close(priced.sums.poolIdle, 0.92 - 0.345, 'idle');
    close(priced.run, 0.345, 'run');

    const weighed = await outcome(SEPARATE);
    close(weighed.tasks.get('A')!.amount, 0.46, 'A takes its line');
    close(weighed.tasks.get('B')!.amount, 0.46, 'B takes its lines');
    assert.deepEqual(weighed.tasks.get('A')!.methods, ['WEIGHT']);
    close(weighed.sums.idle, 0, 'idle');
  });
});
