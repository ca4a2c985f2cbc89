/**
 * The daily rollup holds each day's pieces under the project and pipeline names their runs had when it
 * was built. A run linked to a project after its bill was reconciled (its trace imported with a project,
 * a weblog `started` naming one) must show under that project, not stay "no project" in the held days.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { CostExplorerService } from '../../src/services/cost-explorer.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { reconcile } from '../../src/services/reconcile.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';

const POOL = 'nf-d4';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
const DAY = { from: new Date('2025-06-02T00:00:00Z'), to: new Date('2025-06-03T00:00:00Z') };
const TRACE = [
  'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue',
  `1\tab/000001\tnat-1\tALIGN (s1)\tCOMPLETED\t0\t2025-06-02 10:00:00.000\t2025-06-02 10:00:00.000\t2025-06-02 11:00:00.000\t1h\t1h\t4\t16 GB\t${POOL}`,
].join('\n') + '\n';

describe('rollup after a late project link', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t?.drop());

  test('a reconciled run given a project by a later trace import shows under it in the explorer', async () => {
    const { organization } = await createOrganization(t.db, { name: 'Late', slug: 'late-link' });
    const org = organization.id;
    await new PoolService(t.db, org).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: RESOURCE });
    await t.sql`insert into projects (org_id, code, name) values (${org}, 'P-LATE', 'late')`;
    const settings = loadConfig({}).capture;
    const { runId } = await importTrace(t.db, org, Readable.from([TRACE]), settings, { timeZone: 'UTC' });
    await t.sql`select cost_records_ensure_partitions(${DAY.from.toISOString()}, ${DAY.to.toISOString()})`;
    await t.sql`insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      values (${org}, 'azure', ${RESOURCE}, 'Azure Batch', '2025-06-02T10:00:00Z', '2025-06-02T11:00:00Z', 0.24, 'USD', 1, '1 Hour', 'file', ${rowHash(`${org}:line`)})`;
    await reconcile(t.db, org, DAY, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    const byProject = async () =>
      (await new CostExplorerService(t.db, org, 100).breakdown({ filter: DAY, groupBy: [{ dimension: 'PROJECT' }], granularity: null, metric: 'ACTUAL' }, 10)).nodes.map((n) => [n.keys[0], Number(n.actual)]);
    assert.deepEqual(await byProject(), [[null, 0.24]]);
    const [{ held }] = await t.sql<{ held: number }[]>`select count(*)::int as held from cost_daily_days where org_id = ${org}`;
    assert.equal(held, 1, 'the reconciled day is in the rollup');

    await importTrace(t.db, org, Readable.from([TRACE]), settings, { timeZone: 'UTC', runId, projectCode: 'P-LATE' });
    assert.deepEqual(await byProject(), [['P-LATE', 0.24]]);
  });
});
