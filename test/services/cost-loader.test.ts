import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CostRow } from '../../src/ingest/costs/index.js';
import { createOrganization } from '../../src/services/organizations.js';
import { loadCostBatchesWithSummary, loadCostRows, loadCostRowsWithSummary, type CostRowWithHash } from '../../src/services/cost-loader.js';
import { loadPrefix } from '../../src/services/cost-copy-text.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';
import { BATCH_BYTES, BATCH_ROWS, CostBatchEncoder } from '../../src/services/cost-batch.js';

function costRow(over: Partial<CostRow> = {}): CostRow {
  return {
    provider: 'azure',
    billingAccountId: 'ba-1',
    subAccountId: 'sub-1',
    subAccountName: 'Lab subscription',
    resourceId: '/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1',
    resourceName: 'vm1',
    resourceGroup: 'rg',
    resourceType: 'microsoft.compute/virtualmachines',
    serviceName: 'Virtual Machines',
    serviceCategory: 'Compute',
    skuId: 'sku',
    meter: 'D4s v5',
    regionId: 'westeurope',
    chargeCategory: 'Usage',
    chargePeriodStart: new Date('2024-09-01T00:00:00Z'),
    chargePeriodEnd: new Date('2024-09-02T00:00:00Z'),
    billedCost: '1.25',
    effectiveCost: null,
    listCost: '1.50',
    currency: 'USD',
    consumedQuantity: '24',
    consumedUnit: '1 Hour',
    tags: {},
    ...over,
  };
}

async function* from<T = CostRowWithHash>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

test('a batch ends at BATCH_BYTES of text as well as at BATCH_ROWS rows (wide rows do not make giant batches)', () => {
  const encoder = new CostBatchEncoder('org\tfile\tsrc\tbatch\t');
  const wide = costRow({ tags: { notes: 'x'.repeat(BATCH_BYTES / 4) } });
  const batches = [];
  for (let i = 0; i < 6; i++) {
    const batch = encoder.add(wide, rowHash(`wide-${i}`));
    if (batch) batches.push(batch);
  }
  const last = encoder.finish();
  assert.deepEqual(batches.map((b) => b.rows), [4], 'the fourth row passed BATCH_BYTES');
  assert.ok(batches[0].text.length < BATCH_BYTES + BATCH_BYTES / 4 + 4096);
  assert.equal(last?.rows, 2);
  // narrow rows still batch by count
  const narrow = new CostBatchEncoder('org\tfile\tsrc\tbatch\t');
  let first = null;
  for (let i = 0; first === null; i++) first = narrow.add(costRow(), rowHash(`narrow-${i}`));
  assert.equal(first.rows, BATCH_ROWS);
});

test('a hash in any other spelling than a lower-case hyphenated uuid is refused: the lookup compares them as Postgres prints them', () => {
  const encoder = new CostBatchEncoder('org\tfile\tsrc\tbatch\t');
  const hash = rowHash('spelling');
  for (const other of [hash.toUpperCase(), hash.replaceAll('-', ''), `{${hash}}`, 'wide-0']) {
    assert.throws(() => encoder.add(costRow(), other), /row hash must be a lower-case hyphenated uuid/);
  }
  assert.equal(encoder.add(costRow(), hash), null);
});

describe('loadCostRows: look up the stored hashes, COPY only the new rows', () => {
  let t: TestDatabase;
  let orgId: string;
  const meta = () => ({ source: 'file' as const, sourceId: randomUUID(), batchId: randomUUID() });
  const count = async () => (await t.sql<{ n: number }[]>`select count(*)::int as n from cost_records where org_id = ${orgId}`)[0].n;

  before(async () => {
    t = await createTestDatabase();
    orgId = (await createOrganization(t.db, { name: 'Loader', slug: 'loader' })).organization.id;
  });
  after(() => t.drop());

  test("inside the caller's transaction, the caller's settings survive, and the batches add up", async () => {
    // a row already in the month: the batches then go through the stored-hash lookup, which sets planner settings aside
    await loadCostRows(t.sql, orgId, from([{ row: costRow(), hash: rowHash('work-mem-seed') }]), meta());
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ row: costRow({ billedCost: '0.01' }), hash: rowHash(`work-mem-${i}`) }));
    const phases = new Set<string>();
    const seen = await t.sql.begin(async (tx) => {
      await tx`set local work_mem = '5MB'`;
      const summary = await loadCostRowsWithSummary(tx, orgId, from(rows), meta(), { onTiming: (phase) => phases.add(phase) });
      const [{ work_mem }] = await tx`select current_setting('work_mem') as work_mem`;
      return { summary, work_mem };
    });
    assert.equal(seen.work_mem, '5MB');
    assert.deepEqual([seen.summary.inserted, seen.summary.totals], [25_000, [{ currency: 'USD', amount: '250.00', rows: 25_000 }]]);
    assert.deepEqual([...phases].sort(), ['copy', 'keys-copy', 'lookup', 'summary']);
  });

  test('in months without rows of the organization, no lookup: a hash met again later in the load still counts once', async () => {
    const month = (i: number) => new Date(Date.UTC(2031, 0, 1 + (i % 20)));
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ row: costRow({ chargePeriodStart: month(i), chargePeriodEnd: month(i + 1) }), hash: rowHash(`fresh-month-${i}`) }));
    // the first batch's hashes again in the third batch, and one twice within the last
    rows.push(...rows.slice(0, 3), rows[24_999]);
    const phases: string[] = [];
    const s = await loadCostRowsWithSummary(t.sql, orgId, from(rows), meta(), { onTiming: (phase) => phases.push(phase) });
    assert.deepEqual([s.inserted, s.unchanged, s.staged], [25_000, 4, 25_004]);
    // batches 1 and 2 hold only new hashes in empty months; the third repeats some, so it looks them up
    assert.deepEqual(phases.filter((p) => p === 'lookup').length, 1);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records where org_id = ${orgId} and row_hash = any(${rows.map((r) => r.hash)}::uuid[])`;
    assert.equal(n, 25_000);
  });

  test('text with backslashes, tabs, line breaks, quotes and non-ASCII, nulls and tags survive the COPY exactly', async () => {
    const nasty = 'a\\b\tc\nd\re "q" \\N \\. é 漢字 😀';
    const tags = { 'key\twith\ttab': 'value\nwith\\newline', empty: '', 'quote"': '\\N' };
    const row = costRow({ resourceName: nasty, meter: '\\', subAccountName: null, tags, billedCost: '-0.000000000000000001', consumedQuantity: '12345678901234567890.123456789' });
    const res = await loadCostRows(t.sql, orgId, from([{ row, hash: rowHash('escape-1') }]), meta());
    assert.deepEqual(res, { inserted: 1, unchanged: 0 });
    const [stored] = await t.sql`select resource_name, meter, sub_account_name, tags, billed_cost::text, consumed_quantity::text, effective_cost,
                                        charge_period_start::text, charge_period_end::text, currency from cost_records where org_id = ${orgId} and row_hash = ${rowHash('escape-1')}`;
    assert.equal(stored.resource_name, nasty);
    assert.equal(stored.meter, '\\');
    assert.equal(stored.sub_account_name, null);
    assert.equal(stored.effective_cost, null);
    assert.deepEqual(stored.tags, tags);
    assert.equal(stored.billed_cost, '-0.000000000000000001');
    assert.equal(stored.consumed_quantity, '12345678901234567890.123456789');
    assert.equal(new Date(stored.charge_period_start).toISOString(), '2024-09-01T00:00:00.000Z');
    assert.equal(new Date(stored.charge_period_end).toISOString(), '2024-09-02T00:00:00.000Z');
    assert.equal(stored.currency, 'USD');
  });

  test('loading the same rows twice inserts nothing the second time', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ row: costRow({ billedCost: `${i}.01` }), hash: rowHash(`twice-${i}`) }));
    const first = await loadCostRows(t.sql, orgId, from(rows), meta());
    assert.deepEqual(first, { inserted: 2500, unchanged: 0 });
    const before = await count();
    const second = await loadCostRows(t.sql, orgId, from(rows), meta());
    assert.deepEqual(second, { inserted: 0, unchanged: 2500 });
    assert.equal(await count(), before);
    const overlap = await loadCostRows(t.sql, orgId, from([...rows.slice(0, 10), { row: costRow(), hash: rowHash('twice-new') }]), meta());
    assert.deepEqual(overlap, { inserted: 1, unchanged: 10 });
  });

  test('stores org, source, source id and batch on every inserted row', async () => {
    const m = meta();
    await loadCostRows(t.sql, orgId, from([{ row: costRow(), hash: rowHash('meta-1') }]), m);
    const [r] = await t.sql`select org_id, source, source_id, ingest_batch from cost_records where row_hash = ${rowHash('meta-1')}`;
    assert.deepEqual({ ...r }, { org_id: orgId, source: 'file', source_id: m.sourceId, ingest_batch: m.batchId });
  });

  test('a source that throws part-way leaves nothing behind, and the connection stays usable', async () => {
    const before = await count();
    async function* failing(): AsyncGenerator<CostRowWithHash> {
      for (let i = 0; i < 5000; i++) yield { row: costRow(), hash: rowHash(`fail-${i}`) };
      throw new Error('corrupt input');
    }
    await assert.rejects(loadCostRows(t.sql, orgId, failing(), meta()), /corrupt input/);
    assert.equal(await count(), before);
    const [{ ok }] = await t.sql`select 1 as ok`;
    assert.equal(ok, 1);
  });

  test("inside the caller's transaction, the rows roll back with it", async () => {
    const before = await count();
    await assert.rejects(
      t.sql.begin(async (tx) => {
        const res = await loadCostRows(tx, orgId, from([{ row: costRow(), hash: rowHash('tx-1') }]), meta());
        assert.equal(res.inserted, 1);
        // two loads in one transaction use two staging tables
        await loadCostRows(tx, orgId, from([{ row: costRow(), hash: rowHash('tx-2') }]), meta());
        throw new Error('caller changes its mind');
      }),
      /changes its mind/,
    );
    assert.equal(await count(), before);
  });

  test('a failed load inside a caller transaction undoes only itself: the caller may carry on and commit', async () => {
    const before = await count();
    async function* failsLate(): AsyncGenerator<CostRowWithHash> {
      for (let i = 0; i < 60_000; i++) yield { row: costRow(), hash: rowHash(`sp-${i}`) };
      throw new Error('source broke');
    }
    await t.sql.begin(async (tx) => {
      await loadCostRows(tx, orgId, from([{ row: costRow(), hash: rowHash('sp-kept') }]), meta());
      await assert.rejects(loadCostRows(tx, orgId, failsLate(), meta()), /source broke/);
    });
    assert.equal(await count(), before + 1);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records where row_hash = any(${[rowHash('sp-kept'), ...Array.from({ length: 60_000 }, (_, i) => rowHash(`sp-${i}`))]}::uuid[])`;
    assert.equal(n, 1);
  });

  test('a NUL character is refused with a clear error before it reaches Postgres', async () => {
    await assert.rejects(loadCostRows(t.sql, orgId, from([{ row: costRow({ resourceName: 'a\0b' }), hash: rowHash('nul-1') }]), meta()), /resourceName contains a NUL/);
    await assert.rejects(loadCostRows(t.sql, orgId, from([{ row: costRow({ tags: { k: 'a\0' } }), hash: rowHash('nul-2') }]), meta()), /tags contain a NUL/);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records where row_hash in (${rowHash('nul-1')}, ${rowHash('nul-2')})`;
    assert.equal(n, 0);
  });

  test('the summary sums per currency in SQL, over old and new rows alike', async () => {
    const rows = [
      { row: costRow({ billedCost: '0.1', currency: 'EUR' }), hash: rowHash('sum-1') },
      { row: costRow({ billedCost: '0.2', currency: 'EUR', chargePeriodEnd: new Date('2024-09-30T00:00:00Z') }), hash: rowHash('sum-2') },
      { row: costRow({ billedCost: '100000000000000000000.000000000000000001', currency: 'USD', chargePeriodStart: new Date('2024-08-31T00:00:00Z') }), hash: rowHash('sum-3') },
    ];
    await loadCostRows(t.sql, orgId, from(rows.slice(0, 1)), meta());
    const s = await loadCostRowsWithSummary(t.sql, orgId, from(rows), meta());
    assert.equal(s.inserted, 2);
    assert.equal(s.unchanged, 1);
    assert.equal(s.staged, 3);
    assert.deepEqual(s.totals, [
      { currency: 'EUR', amount: '0.3', rows: 2 },
      { currency: 'USD', amount: '100000000000000000000.000000000000000001', rows: 1 },
    ]);
    assert.equal(s.periodStart?.toISOString(), '2024-08-31T00:00:00.000Z');
    assert.equal(s.periodEnd?.toISOString(), '2024-09-30T00:00:00.000Z');
  });

  test("an encoder told its hashes come from one hasher does not remember them; a hash repeated anyway fails the load, it never counts twice", async () => {
    const month = (i: number) => new Date(Date.UTC(2032, 0, 1 + (i % 20)));
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ row: costRow({ chargePeriodStart: month(i), chargePeriodEnd: month(i + 1) }), hash: rowHash(`one-hasher-${i}`) }));
    // the first row's hash again in the second batch (a hasher never does this)
    rows.push(rows[0]);
    const encode = (options: { hashesFromOneHasher?: boolean }) => {
      const encoder = new CostBatchEncoder(loadPrefix(orgId, meta()), BATCH_ROWS, options);
      const batches = rows.map((r) => encoder.add(r.row, r.hash)).filter((b) => b !== null);
      return [...batches, encoder.finish()!];
    };
    const trusting = encode({ hashesFromOneHasher: true });
    assert.deepEqual(trusting.map((b) => [b.rows, b.repeats]), [[BATCH_ROWS, false], [2_001, false]]);
    const before = await count();
    await assert.rejects(loadCostBatchesWithSummary(t.sql, orgId, from(trusting)), /duplicate key value violates unique constraint "cost_records_/);
    assert.equal(await count(), before);
    // the default encoder remembers, looks the repeat up and counts it once
    const careful = encode({});
    assert.deepEqual(careful.map((b) => b.repeats), [false, true]);
    const s = await loadCostBatchesWithSummary(t.sql, orgId, from(careful));
    assert.deepEqual([s.inserted, s.unchanged], [12_000, 1]);
    assert.equal(await count(), before + 12_000);
  });

  test('a subtotal that fails ahead of its COPY is the error reported, and the connection stays usable', async () => {
    const rows = [{ row: costRow({ billedCost: 'abc' }), hash: rowHash('bad-sum-1') }];
    await assert.rejects(loadCostRowsWithSummary(t.sql, orgId, from(rows), meta()), /numeric/);
    const [{ ok }] = await t.sql<{ ok: number }[]>`select 1 as ok`;
    assert.equal(ok, 1);
  });

  test('an empty source loads nothing', async () => {
    assert.deepEqual(await loadCostRows(t.sql, orgId, from([]), meta()), { inserted: 0, unchanged: 0 });
  });

  test('streams many batches (the source is pulled as Postgres takes it) and counts across them', async () => {
    const total = 120_001; // more than two staging batches, and a remainder
    let produced = 0;
    async function* many(): AsyncGenerator<CostRowWithHash> {
      for (let i = 0; i < total; i++) {
        produced++;
        yield { row: costRow({ resourceName: `vm-${i}`, billedCost: '0.5', currency: i % 2 ? 'EUR' : 'USD' }), hash: rowHash(`many-${i}`) };
      }
    }
    const res = await loadCostRowsWithSummary(t.sql, orgId, many(), meta());
    assert.equal(produced, total);
    assert.equal(res.inserted, total);
    assert.equal(res.staged, total);
    // independent: 60,001 USD rows and 60,000 EUR rows at 0.5 each
    assert.deepEqual(res.totals, [
      { currency: 'EUR', amount: '30000.0', rows: 60_000 },
      { currency: 'USD', amount: '30000.5', rows: 60_001 },
    ]);
    const [{ n, sum }] = await t.sql`select count(*)::int as n, sum(billed_cost)::text as sum from cost_records where row_hash = any(${Array.from({ length: total }, (_, i) => rowHash(`many-${i}`))}::uuid[])`;
    assert.equal(n, total);
    assert.equal(sum, '60000.5');
    // again, with duplicates of earlier batches inside the same load: all unchanged
    const again = await loadCostRows(t.sql, orgId, many(), meta());
    assert.deepEqual(again, { inserted: 0, unchanged: total });
  });

  test('a source that fails after whole batches were inserted still leaves nothing, in the caller transaction too', async () => {
    const before = await count();
    async function* failsLate(): AsyncGenerator<CostRowWithHash> {
      for (let i = 0; i < 130_000; i++) yield { row: costRow(), hash: rowHash(`late-${i}`) };
      throw new Error('failed after two batches');
    }
    await assert.rejects(loadCostRows(t.sql, orgId, failsLate(), meta()), /after two batches/);
    assert.equal(await count(), before);
    await assert.rejects(
      t.sql.begin((tx) => loadCostRows(tx, orgId, failsLate(), meta())),
      /after two batches/,
    );
    assert.equal(await count(), before);
    const [{ ok }] = await t.sql`select 1 as ok`;
    assert.equal(ok, 1);
  });
});
