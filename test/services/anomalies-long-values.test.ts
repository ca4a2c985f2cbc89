import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { MAX_KEY_BYTES } from '../../src/input/text.js';
import { detectAnomalies } from '../../src/services/anomalies.js';
import { rebuildCostDaily } from '../../src/services/cost-rollup.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { daysAgo, insertCost } from '../support/spend.js';

const settings = loadConfig({}).anomalies;

// random hex does not compress: Postgres compresses a long index value before it measures it, so a
// repeated character would fit the index and prove nothing
const incompressible = (chars: number) => randomBytes(chars / 2).toString('hex');

describe('anomaly detection over bill lines stored before imports refused over-long keys', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  test('a 5,000-character service name and tag value spiking are found, keyed by a bounded stable text, next to the others', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Old lines', slug: 'old-lines' });
    const org = organization.id;
    const longService = incompressible(5000);
    const longTag = incompressible(5000);
    for (let d = 28; d >= 0; d--) {
      const wobble = (d % 3) - 1;
      await insertCost(db.db, org, { day: daysAgo(d + 1), amount: (100 + wobble).toFixed(2), resourceGroup: 'rg-batch', serviceName: 'Virtual Machines', tags: { study: 'other' } });
      const spike = d === 0 ? 900 : 0;
      await insertCost(db.db, org, { day: daysAgo(d + 1), amount: (200 + wobble + spike).toFixed(2), resourceGroup: 'rg-spike', serviceName: longService, tags: { study: longTag } });
    }
    const report = await detectAnomalies(db.db, org, settings);
    const found = new Map(report.found.map((a) => [`${a.dimension}:${a.dimensionValue.slice(0, 40)}`, a]));
    assert.ok(found.has('RESOURCE_GROUP:rg-spike'), [...found.keys()].join());
    assert.ok(found.has('ORGANIZATION:'));
    const service = report.found.find((a) => a.dimension === 'SERVICE');
    const tag = report.found.find((a) => a.dimension === 'TAG' && a.dimensionKey === 'study');
    assert.ok(service && tag, 'the over-long values are anomalies too');
    for (const a of [service, tag]) {
      assert.ok(Buffer.byteLength(a.dimensionValue) <= MAX_KEY_BYTES, `${Buffer.byteLength(a.dimensionValue)} bytes`);
      assert.ok(a.alertId, 'and alert');
    }
    assert.ok(service.dimensionValue.startsWith(longService.slice(0, 100)), 'readable: the value begins as it does');
    assert.notEqual(service.dimensionValue, tag.dimensionValue);

    // a re-run finds the same rows (a stable key): updated in place, nothing cleared, no second alert
    const again = await detectAnomalies(db.db, org, settings);
    assert.equal(again.cleared, 0);
    assert.deepEqual(again.found.map((a) => a.id).sort(), report.found.map((a) => a.id).sort());
    const [{ n }] = await db.db.execute<{ n: number }>(`select count(*)::int as n from alerts where org_id = '${org}' and kind = 'ANOMALY'`);
    assert.equal(n, report.found.length);
  });

  test('the daily rollup stores such lines (its only index is (org, day))', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Old rollup', slug: 'old-rollup' });
    await insertCost(db.db, organization.id, { day: daysAgo(1), amount: '5', serviceName: incompressible(5000), tags: { [incompressible(3000)]: incompressible(5000) } });
    const built = await db.db.transaction((tx) => rebuildCostDaily(tx, organization.id, daysAgo(1), daysAgo(0)));
    assert.equal(built.rows, 1);
  });
});
