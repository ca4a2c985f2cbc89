import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { prices } from '../../src/db/schema/index.js';
import { PriceService, priceDataFolder, seedPrices } from '../../src/services/prices.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { repoRoot } from '../support/fixtures.js';

// the shipped snapshots, read independently of the parser the seeder uses (dates from their names, oldest first)
type Entry = { VmSize: string; LowPriority: boolean; PricePerHour: number | null; VCpusAvailable: number; MemoryInGiB: number };
const shippedDir = path.join(repoRoot, 'data', 'prices', 'azure');
const snapshots = readdirSync(shippedDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ date: f.match(/(\d{4}-\d{2}-\d{2})\.json$/)![1], entries: JSON.parse(readFileSync(path.join(shippedDir, f), 'utf8')) as Entry[] }))
  .sort((x, y) => x.date.localeCompare(y.date));
const newest = snapshots[snapshots.length - 1];
const entry = (size: string, low: boolean, snapshot = newest) => snapshot.entries.find((e) => e.VmSize === size && e.LowPriority === low)!;

describe('prices', () => {
  let db: TestDatabase;
  let service: PriceService;
  before(async () => {
    db = await createTestDatabase();
    service = new PriceService(db.db);
  });
  after(() => db.drop());

  test('the server ships its own snapshot with licence and source, and migrations seed it', async () => {
    assert.equal(priceDataFolder, path.join(repoRoot, 'data', 'prices'));
    for (const f of ['LICENSE', 'SOURCE.txt']) assert.ok(readdirSync(shippedDir).includes(f), f);
    assert.ok(snapshots.length >= 3, 'every shipped snapshot, so a past day is priced at its own sheet');
    const priced = snapshots.reduce((n, s) => n + s.entries.filter((e) => e.PricePerHour !== null && e.VCpusAvailable > 0 && e.MemoryInGiB > 0).length, 0);
    const [{ n }] = (await db.db.execute(sql`select count(*)::int as n from prices`)) as unknown as { n: number }[];
    assert.equal(n, priced);
  });

  test('seeding again inserts nothing', async () => {
    const report = await seedPrices(db.db);
    assert.ok(report.rows > 0);
    assert.equal(report.inserted, 0);
  });

  test('an exact lookup answers the snapshot price, vCPUs and memory, with no fallback', async () => {
    const e = entry('Standard_D4_v3', false);
    const a = await service.lookup({ provider: 'azure', region: 'westeurope', vmSize: 'standard_d4_v3', priority: 'DEDICATED', date: '2025-06-01' });
    assert.ok(a);
    assert.equal(Number(a.price.pricePerHour), e.PricePerHour);
    assert.equal(a.price.vcpus, e.VCpusAvailable);
    assert.equal(Number(a.price.memoryGib), e.MemoryInGiB);
    assert.equal(a.price.effectiveFrom, newest.date);
    assert.equal(a.regionFallback, false);
    assert.equal(a.priorityFallback, false);
    assert.equal(a.dateFallback, false);
  });

  test('a day between two snapshots is priced at the older one, in force that day, with no fallback', async () => {
    const [oldest, next] = snapshots;
    const day = new Date(Date.parse(next.date) - 86_400_000).toISOString().slice(0, 10);
    const a = await service.lookup({ region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', date: day });
    assert.ok(a);
    assert.equal(a.price.effectiveFrom, oldest.date);
    assert.equal(Number(a.price.pricePerHour), entry('Standard_D4_v3', false, oldest).PricePerHour);
    assert.equal(a.dateFallback, false);
    const onTheDay = await service.lookup({ region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', date: next.date });
    assert.equal(onTheDay!.price.effectiveFrom, next.date);
  });

  test('another region falls back to West Europe and says so; SPOT answers the low-priority price and says so', async () => {
    const a = await service.lookup({ region: 'eastus', vmSize: 'Standard_D4_v3', priority: 'SPOT', date: '2025-06-01' });
    assert.ok(a);
    assert.equal(a.requestedRegion, 'eastus');
    assert.equal(a.price.region, 'westeurope');
    assert.equal(a.regionFallback, true);
    assert.equal(a.priorityFallback, true);
    assert.equal(Number(a.price.pricePerHour), entry('Standard_D4_v3', true).PricePerHour);
  });

  test('the price in force on a date: a region of its own wins, a later price only from its date, before the first snapshot the earliest price, flagged', async () => {
    await db.db.insert(prices).values([
      { provider: 'azure', region: 'eastus', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', vcpus: 4, memoryGib: '16', pricePerHour: '0.5', currency: 'USD', effectiveFrom: '2025-05-01', source: 'test' },
      { provider: 'azure', region: 'eastus', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', vcpus: 4, memoryGib: '16', pricePerHour: '0.4', currency: 'USD', effectiveFrom: '2025-07-01', source: 'test' },
    ]);
    const [before, mid, later, tooEarly, unknown] = await service.lookupMany([
      { region: 'eastus', vmSize: 'Standard_D4_v3', date: '2025-04-30' },
      { region: 'eastus', vmSize: 'Standard_D4_v3', date: '2025-06-30' },
      { region: 'eastus', vmSize: 'Standard_D4_v3', date: new Date('2025-08-01T10:00:00Z') },
      { region: 'westeurope', vmSize: 'Standard_D4_v3', date: '2020-01-01' },
      { region: 'westeurope', vmSize: 'Standard_Nope_v9', date: '2025-06-01' },
    ]);
    assert.equal(before!.regionFallback, true);
    assert.equal(mid!.price.pricePerHour, '0.5');
    assert.equal(mid!.regionFallback, false);
    assert.equal(later!.price.pricePerHour, '0.4');
    assert.equal(tooEarly!.dateFallback, true);
    assert.equal(tooEarly!.price.effectiveFrom, snapshots[0].date);
    assert.equal(mid!.dateFallback, false);
    assert.equal(unknown, null);
  });
});
