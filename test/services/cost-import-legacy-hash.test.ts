/**
 * Lines stored before the row hash told a line billed outside its period (or a FOCUS correction) from its
 * period's equal line carry their old hash: the canonical form without the billing period and charge class.
 * A plain import of the same file after the upgrade must find them, not store them a second time.
 *
 * The upgrade is simulated: a file is imported, then its affected rows get the hash the old code gave them,
 * computed here independently of src (the canonical form's JSON without its last element, numbered among
 * identical old forms in file order, as the old hasher did).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { canonicalCostRow, CostRowHasher, namespacedHash, openCostFile } from '../../src/ingest/costs/index.js';
import { importCostFile, type ImportCostFileOptions } from '../../src/services/cost-import.js';
import type { CostLoadPhase } from '../../src/services/cost-loader.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { focusFile as file, focusLine, OCT, SEP } from '../support/focus-lines.js';

/** September's own line for September 30, and the same line billed late in October (the twin of the first). */
const sep30 = focusLine('5.00', '2024-09-30', SEP);
const sep30Late = focusLine('5.00', '2024-09-30', OCT);
const oct1 = focusLine('2.00', '2024-10-01', OCT);

const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface LineHashes {
  line: number;
  current: string;
  legacy: string;
}

/** Each row's hash now, and the one the code before billing periods entered the hash gave it (namespaced as a delivery's part is). */
async function hashesOf(body: string, namespace?: string): Promise<LineHashes[]> {
  const opened = await openCostFile(Readable.from([Buffer.from(body)]), { format: 'auto' });
  const hasher = new CostRowHasher();
  const legacyCount = new Map<string, number>();
  const ns = (hash: string) => (namespace === undefined ? hash : namespacedHash(namespace, hash));
  const out: LineHashes[] = [];
  for await (const item of opened.rows) {
    if (item.kind !== 'row') continue;
    // the old form: the version, 22 fields and the tags; the new one may carry one element more
    const legacyForm = JSON.stringify((JSON.parse(canonicalCostRow(item.row)) as unknown[]).slice(0, 24));
    const n = legacyCount.get(legacyForm) ?? 0;
    legacyCount.set(legacyForm, n + 1);
    out.push({ line: item.line, current: ns(hasher.next(item.row).hash), legacy: ns(asUuid(sha256(`${legacyForm}\n#${n}`))) });
  }
  return out;
}

describe('a plain re-import after the row hash changed for lines billed elsewhere', () => {
  let t: TestDatabase;
  let newOrg: (slug: string) => Promise<string>;
  const put = (orgId: string, body: string, opts: Partial<ImportCostFileOptions> = {}) =>
    importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from([Buffer.from(body)]), { fileName: 'export.csv', format: 'auto', ...opts });
  const stored = async (orgId: string) => {
    const [s] = await t.sql<{ n: number; total: string | null }[]>`select count(*)::int as n, sum(billed_cost)::text as total from cost_records where org_id = ${orgId}`;
    return { rows: s.n, total: s.total };
  };
  const storedHashes = async (orgId: string) =>
    (await t.sql<{ h: string }[]>`select row_hash::text as h from cost_records where org_id = ${orgId} order by 1`).map((r) => r.h);
  const lines = async (orgId: string) =>
    (await t.sql<{ line: string }[]>`
      select charge_period_start::date::text || ' billed ' || coalesce(billing_period_start::date::text, '?') || ': ' || billed_cost::text as line
      from cost_records where org_id = ${orgId} order by 1`).map((r) => r.line);

  /**
   * What the stored rows of `body` looked like before the upgrade: each row whose hash changed carries its old one.
   * In two steps, through hashes no row has: a row's old hash may be another's new one (a line after its late twin).
   */
  const downgrade = async (orgId: string, body: string, namespace?: string): Promise<LineHashes[]> => {
    const changed = (await hashesOf(body, namespace)).filter((h) => h.current !== h.legacy);
    const aside = (h: LineHashes) => namespacedHash('test-aside', h.current);
    for (const h of changed) await t.sql`update cost_records set row_hash = ${aside(h)} where org_id = ${orgId} and row_hash = ${h.current}`;
    for (const h of changed) {
      const [{ n }] = await t.sql<{ n: number }[]>`
        with moved as (update cost_records set row_hash = ${h.legacy} where org_id = ${orgId} and row_hash = ${aside(h)} returning 1) select count(*)::int as n from moved`;
      assert.equal(n, 1, `line ${h.line} was stored`);
    }
    return changed;
  };

  /** A new organization that imported `body` before the upgrade: its rows whose hash changed carry their old one. */
  const importedBeforeUpgrade = async (slug: string, body: string) => {
    const orgId = await newOrg(slug);
    await put(orgId, body);
    return { orgId, changed: await downgrade(orgId, body) };
  };

  before(async () => {
    t = await createTestDatabase();
    newOrg = async (slug) => (await createOrganization(t.db, { name: slug, slug })).organization.id;
  });
  after(() => t.drop());

  test('a line billed outside its period, stored under its old hash, is found again: the totals stay, and the row takes its new hash', async () => {
    const october = file(sep30Late, oct1);
    const { orgId, changed } = await importedBeforeUpgrade('late', october);
    assert.deepEqual(changed.map((c) => c.line), [2], 'only the late line hashes differently now');
    const again = await put(orgId, october);
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged, again.warnings], [0, 2, []]);
    assert.deepEqual(await stored(orgId), { rows: 2, total: '7.00' });
    // the stored row now carries the hash the file gives it, so every later import finds it directly
    assert.deepEqual(await storedHashes(orgId), (await hashesOf(october)).map((h) => h.current).sort());
    const third = await put(orgId, october);
    assert.equal(third.rowsLoaded, 0);
    assert.deepEqual(await stored(orgId), { rows: 2, total: '7.00' });
    // September's own equal line, imported afterwards, is another line and counts
    const sept = await put(orgId, file(sep30));
    assert.equal(sept.rowsLoaded, 1);
    assert.deepEqual(await stored(orgId), { rows: 3, total: '12.00' });
  });

  test('corrections, inside and outside their billing period, stored under their old hashes, are found again', async () => {
    const october = file(focusLine('-5.00', '2024-09-30', OCT, 'Correction'), focusLine('3.00', '2024-10-02', OCT, 'Correction'), oct1);
    const { orgId, changed } = await importedBeforeUpgrade('corrections', october);
    assert.deepEqual(changed.map((c) => c.line), [2, 3]);
    const again = await put(orgId, october);
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged], [0, 3]);
    assert.deepEqual(await stored(orgId), { rows: 3, total: '0.00' });
    assert.deepEqual(await storedHashes(orgId), (await hashesOf(october)).map((h) => h.current).sort());
  });

  test("the in-period twin keeps its row and hash: October's late line whose old hash is September's line's is stored beside it", async () => {
    const orgId = await newOrg('twin');
    const september = file(sep30, focusLine('1.00', '2024-09-29', SEP));
    const october = file(sep30Late, oct1);
    await put(orgId, september);
    const sepHashes = await storedHashes(orgId);
    await put(orgId, october);
    // before the upgrade October's late line hashed as September's (its old hash is that line's hash): the old import dropped it
    const [late] = (await hashesOf(october)).filter((h) => h.current !== h.legacy);
    assert.ok(sepHashes.includes(late.legacy));
    await t.sql`delete from cost_records where org_id = ${orgId} and row_hash = ${late.current}`;
    assert.deepEqual(await stored(orgId), { rows: 3, total: '8.00' });

    const again = await put(orgId, october);
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged, again.warnings.map((w) => w.code)], [1, 1, ['ADDED_BESIDE_STORED']]);
    assert.deepEqual(await lines(orgId), ['2024-09-29 billed 2024-09-01: 1.00', '2024-09-30 billed 2024-09-01: 5.00', '2024-09-30 billed 2024-10-01: 5.00', '2024-10-01 billed 2024-10-01: 2.00']);
    const [twin] = await t.sql<{ billing: string }[]>`select billing_period_start::date::text as billing from cost_records where org_id = ${orgId} and row_hash = ${late.legacy}`;
    assert.equal(twin?.billing, '2024-09-01', "September's line keeps its hash");
    for (const body of [september, october, september]) await put(orgId, body);
    assert.deepEqual(await stored(orgId), { rows: 4, total: '13.00' });
  });

  for (const replace of [false, true]) {
    test(`${replace ? 'replacing' : 'adding'}: a file holding the late line before its in-period twin (the twin's old hash numbered after it) counts both once, every time`, async () => {
      const orgId = await newOrg(`chain-${replace}`);
      const both = file(sep30Late, sep30, oct1);
      await put(orgId, both, { replace });
      const changed = await downgrade(orgId, both);
      // the twin hashed as the second of two equal old forms; now it is the first of its own
      assert.deepEqual(changed.map((c) => c.line), [2, 3]);
      const expected = ['2024-09-30 billed 2024-09-01: 5.00', '2024-09-30 billed 2024-10-01: 5.00', '2024-10-01 billed 2024-10-01: 2.00'];
      for (let i = 0; i < 3; i++) {
        const report = await put(orgId, both, { replace });
        assert.equal(report.rowsLoaded, replace ? 3 : 0, `import ${i + 2}`);
        assert.deepEqual(await lines(orgId), expected, `import ${i + 2}`);
      }
      assert.deepEqual(await storedHashes(orgId), (await hashesOf(both)).map((h) => h.current).sort());
    });
  }

  test('replacing with a delivery: the part stored before the upgrade under its old (namespaced) hashes is not counted twice', async () => {
    const orgId = await newOrg('delivery');
    const october = file(sep30Late, oct1);
    const opts = { replace: true, delivery: 'run-1', fileName: 'part_0_0001.csv' };
    await put(orgId, october, opts);
    await downgrade(orgId, october, `file:${JSON.stringify(['run-1', 'part_0_0001.csv'])}`);
    await put(orgId, october, opts);
    assert.deepEqual(await stored(orgId), { rows: 2, total: '7.00' });
  });

  test('a stored row with the old hash but no billing period may be the twin: left as it is, and the line named in a warning', async () => {
    const october = file(oct1, sep30Late);
    const { orgId, changed: [late] } = await importedBeforeUpgrade('ambiguous', october);
    // stored before billing periods were read
    await t.sql`update cost_records set billing_period_start = null, billing_period_end = null where org_id = ${orgId} and row_hash = ${late.legacy}`;
    const again = await put(orgId, october);
    const warning = again.warnings.find((w) => w.code === 'LEGACY_HASH_AMBIGUOUS');
    assert.ok(warning, JSON.stringify(again.warnings));
    assert.match(warning.message, /^1 line \(line 3\) /);
    assert.equal(again.rowsLoaded, 1);
    const [kept] = await t.sql<{ n: number }[]>`select count(*)::int as n from cost_records where org_id = ${orgId} and row_hash = ${late.legacy} and billing_period_start is null`;
    assert.equal(kept.n, 1, 'the ambiguous row is untouched');
  });

  test('a line already stored under both hashes (re-imported before this fix) fails nothing and is named in a warning', async () => {
    const october = file(sep30Late, oct1);
    const { orgId, changed: [late] } = await importedBeforeUpgrade('twice', october);
    // what a plain import did before this fix: the line again, under its new hash
    await t.sql`
      insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billing_period_start, billing_period_end, billed_cost, currency, source, row_hash)
      select org_id, provider, charge_period_start, charge_period_end, billing_period_start, billing_period_end, billed_cost, currency, source, ${late.current}
      from cost_records where org_id = ${orgId} and row_hash = ${late.legacy}`;
    const again = await put(orgId, october);
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged], [0, 2]);
    assert.match(again.warnings.find((w) => w.code === 'LEGACY_HASH_AMBIGUOUS')?.message ?? '', /line 2/);
    assert.deepEqual(await stored(orgId), { rows: 3, total: '12.00' });
  });

  test('a row that takes its new hash keeps its allocations: they follow it', async () => {
    const october = file(sep30Late, oct1);
    const { orgId, changed: [late] } = await importedBeforeUpgrade('allocations', october);
    // as a reconciliation before the upgrade left it: the line's share, under the hash the line had then
    await t.sql`
      insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, amount, currency)
      values (${orgId}, ${randomUUID()}, ${late.legacy}, '2024-09-30T00:00:00Z', 'UNALLOCATED', 'NO_POOL', 5, 'USD')`;
    await put(orgId, october);
    const rows = await t.sql<{ h: string }[]>`select cost_row_hash::text as h from allocations where org_id = ${orgId}`;
    assert.deepEqual(rows.map((r) => r.h), [late.current]);
  });

  test('a file with no line billed elsewhere: hashes as before the upgrade, and no extra statement for old hashes', async () => {
    const orgId = await newOrg('plain');
    const september = file(sep30, focusLine('1.00', '2024-09-29', SEP), focusLine('1.00', '2024-09-29', SEP));
    const hashes = await hashesOf(september);
    assert.deepEqual(hashes.map((h) => h.current), hashes.map((h) => h.legacy));
    const phases = new Set<CostLoadPhase>();
    const onLoadTiming = (phase: CostLoadPhase) => phases.add(phase);
    await put(orgId, september, { onLoadTiming });
    const again = await put(orgId, september, { onLoadTiming });
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged, again.warnings], [0, 3, []]);
    assert.deepEqual([...phases].sort(), ['copy', 'keys-copy', 'lookup', 'summary']);
    assert.deepEqual(await storedHashes(orgId), hashes.map((h) => h.current).sort());
  });
});
