import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CostRow } from '../../src/ingest/costs/index.js';
import { loadCostRows, type CostRowWithHash } from '../../src/services/cost-loader.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';

const row = (start: string, cost = '1.00'): CostRow => ({
  provider: 'azure', billingAccountId: null, subAccountId: null, subAccountName: null, resourceId: '/subscriptions/s/resourcegroups/rg/providers/x/y/z',
  resourceName: null, resourceGroup: 'rg', resourceType: null, serviceName: 'Storage', serviceCategory: null, skuId: null, meter: null, regionId: null,
  chargeCategory: null, chargePeriodStart: new Date(start), chargePeriodEnd: new Date(Date.parse(start) + 3_600_000), billedCost: cost, effectiveCost: null,
  listCost: null, currency: 'USD', consumedQuantity: null, consumedUnit: null, tags: {},
});

async function* rows(items: CostRowWithHash[]): AsyncGenerator<CostRowWithHash> {
  yield* items;
}

const meta = () => ({ source: 'file' as const, sourceId: randomUUID(), batchId: randomUUID() });

describe('cost_records monthly partitions', () => {
  let t: TestDatabase;
  let orgA: string;
  let orgB: string;
  const partitions = async (like: string) =>
    (await t.sql<{ name: string }[]>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = 'cost_records' and c.relname like ${like} order by 1`).map((r) => r.name);

  before(async () => {
    t = await createTestDatabase();
    orgA = (await createOrganization(t.db, { name: 'A', slug: 'part-a' })).organization.id;
    orgB = (await createOrganization(t.db, { name: 'B', slug: 'part-b' })).organization.id;
  });
  after(() => t.drop());

  test('a load creates the months its lines fall in, only those, and each row lands in its month', async () => {
    const res = await loadCostRows(t.sql, orgA, rows([
      { row: row('2031-03-31T23:00:00Z'), hash: rowHash('p-1') },
      { row: row('2031-05-01T00:00:00Z'), hash: rowHash('p-2') },
    ]), meta());
    assert.deepEqual(res, { inserted: 2, unchanged: 0 });
    assert.deepEqual(await partitions('cost_records_y2031%'), ['cost_records_y2031m03', 'cost_records_y2031m05']);
    const placed = await t.sql<{ part: string; start: string }[]>`
      select tableoid::regclass::text as part, to_char(charge_period_start at time zone 'UTC', 'YYYY-MM-DD HH24') as start
      from cost_records where org_id = ${orgA} and row_hash in (${rowHash('p-1')}, ${rowHash('p-2')}) order by 2`;
    assert.deepEqual(placed.map((p) => [p.part, p.start]), [['cost_records_y2031m03', '2031-03-31 23'], ['cost_records_y2031m05', '2031-05-01 00']]);
  });

  test('two loads needing the same new month at once both commit, into one partition', async () => {
    const [a, b] = await Promise.all([
      loadCostRows(t.sql, orgA, rows([{ row: row('2032-07-10T00:00:00Z'), hash: rowHash('c-a') }]), meta()),
      loadCostRows(t.sql, orgB, rows([{ row: row('2032-07-11T00:00:00Z'), hash: rowHash('c-b') }]), meta()),
    ]);
    assert.deepEqual([a.inserted, b.inserted], [1, 1]);
    assert.deepEqual(await partitions('cost_records_y2032%'), ['cost_records_y2032m07']);
    const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from cost_records where row_hash in (${rowHash('c-a')}, ${rowHash('c-b')})`;
    assert.equal(n, 2);
  });

  test('a load that fails takes the months it created with it', async () => {
    async function* failing(): AsyncGenerator<CostRowWithHash> {
      yield { row: row('2033-02-01T00:00:00Z'), hash: rowHash('f-1') };
      throw new Error('broken file');
    }
    await assert.rejects(loadCostRows(t.sql, orgA, failing(), meta()), /broken file/);
    assert.deepEqual(await partitions('cost_records_y2033%'), []);
  });

  test('the SQL function refuses a span of more than ten years, and a row with no month fails by name', async () => {
    await assert.rejects(t.sql`select cost_records_ensure_partitions('2000-01-01', '2040-01-01')`, /more than ten years/);
    await assert.rejects(
      t.sql`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, currency, source, row_hash)
            values (${orgA}, 'azure', '1999-01-01', '1999-01-02', 1, 'USD', 'file', ${rowHash('orphan')})`,
      /no partition of relation "cost_records"/,
    );
  });
});
