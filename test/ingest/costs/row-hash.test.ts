import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalCostRow, CostRowHasher, costRowHash, legacyCanonicalCostRow, openCostFile, type CostRow } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect } from './support/raw-csv.js';

const row: CostRow = {
  provider: 'azure',
  billingAccountId: '8611537',
  subAccountId: 'sub-1',
  subAccountName: 'Genomics',
  resourceId: '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/nf',
  resourceName: 'nf',
  resourceGroup: 'rg',
  resourceType: 'Microsoft.Batch/batchAccounts',
  serviceName: 'Azure Batch',
  serviceCategory: 'Compute',
  skuId: 'AAA-1',
  meter: 'D4 v3',
  regionId: 'westeurope',
  chargeCategory: 'Usage',
  chargePeriodStart: new Date('2024-09-01T00:00:00Z'),
  chargePeriodEnd: new Date('2024-09-02T00:00:00Z'),
  billedCost: '1.2500',
  effectiveCost: null,
  listCost: '2',
  currency: 'USD',
  consumedQuantity: '10',
  consumedUnit: '1 Hour',
  tags: { pipeline: 'rnaseq', run: 'r1' },
};

describe('costRowHash', () => {
  it('is a uuid (128 bits of sha256) that differs between occurrence 0 and 1', () => {
    const h0 = costRowHash(row, 0);
    assert.match(h0, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(h0, costRowHash(row, 1));
    assert.equal(h0, costRowHash({ ...row }, 0));
  });

  it('is the same in a fresh process (nothing per-run goes into it)', () => {
    const moduleUrl = new URL('../../../src/ingest/costs/index.js', import.meta.url).href;
    const script = `
      const { costRowHash } = await import(${JSON.stringify(moduleUrl)});
      const row = JSON.parse(process.argv[1], (k, v) => (k.startsWith('chargePeriod') ? new Date(v) : v));
      process.stdout.write(costRowHash(row, 0) + ' ' + costRowHash(row, 1));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(row)], { encoding: 'utf8' });
    assert.equal(out, `${costRowHash(row, 0)} ${costRowHash(row, 1)}`);
  });

  it('is sha256 of the documented canonical form, so stored hashes survive refactoring', () => {
    // written out by hand from the format documented on canonicalCostRow; a change here needs a CANONICAL_VERSION bump
    const canonical = JSON.stringify([
      'cost-row/v1',
      'azure',
      '8611537',
      'sub-1',
      'Genomics',
      '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/nf',
      'nf',
      'rg',
      'Microsoft.Batch/batchAccounts',
      'Azure Batch',
      'Compute',
      'AAA-1',
      'D4 v3',
      'westeurope',
      'Usage',
      '2024-09-01T00:00:00.000Z',
      '2024-09-02T00:00:00.000Z',
      '1.25',
      null,
      '2',
      'USD',
      '10',
      '1 Hour',
      [
        ['pipeline', 'rnaseq'],
        ['run', 'r1'],
      ],
    ]);
    // the stored form: the digest's first 16 bytes, spelled as Postgres prints a uuid
    const asUuid = (hex: string) => hex.slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    assert.equal(costRowHash(row, 0), asUuid(createHash('sha256').update(`${canonical}\n#0`).digest('hex')));
    assert.equal(costRowHash(row, 3), asUuid(createHash('sha256').update(`${canonical}\n#3`).digest('hex')));
  });

  it('ignores how an amount is written and the order of tags, but nothing else', () => {
    assert.equal(costRowHash({ ...row, billedCost: '1.25' }, 0), costRowHash(row, 0));
    assert.equal(costRowHash({ ...row, tags: { run: 'r1', pipeline: 'rnaseq' } }, 0), costRowHash(row, 0));
    const changes: Partial<CostRow>[] = [
      { billedCost: '1.26' },
      { billedCost: '-1.25' },
      { effectiveCost: '1.25' },
      { currency: 'EUR' },
      { resourceGroup: null },
      { subAccountName: null },
      { chargePeriodStart: new Date('2024-09-01T00:00:01Z') },
      { tags: { pipeline: 'rnaseq' } },
      { tags: { pipeline: 'rnaseq', run: 'r2' } },
      { meter: 'D4 v3 ' },
    ];
    const seen = new Set([costRowHash(row, 0)]);
    for (const change of changes) seen.add(costRowHash({ ...row, ...change }, 0));
    assert.equal(seen.size, changes.length + 1);
  });

  it('does not confuse field boundaries', () => {
    assert.notEqual(costRowHash({ ...row, subAccountId: 'a', subAccountName: 'b,c' }, 0), costRowHash({ ...row, subAccountId: 'a,b', subAccountName: 'c' }, 0));
    assert.notEqual(costRowHash({ ...row, resourceName: null }, 0), costRowHash({ ...row, resourceName: 'null' }, 0));
  });

  it('leaves out the billing period and charge class of a line charged inside its period, as lines were hashed before they were read', () => {
    const september = { billingPeriodStart: new Date('2024-09-01T00:00:00Z'), billingPeriodEnd: new Date('2024-10-01T00:00:00Z') };
    assert.equal(costRowHash({ ...row, ...september }, 0), costRowHash(row, 0));
    assert.equal(costRowHash({ ...row, ...september, chargeClass: null }, 0), costRowHash(row, 0));
    // a charge that starts on the period's last hour and ends after it still shares time with it
    const lastHour = { chargePeriodStart: new Date('2024-09-30T23:00:00Z'), chargePeriodEnd: new Date('2024-10-01T01:00:00Z') };
    assert.equal(costRowHash({ ...row, ...lastHour, ...september }, 0), costRowHash({ ...row, ...lastHour }, 0));
  });

  it('tells a line billed outside its charge period, or a correction, from the same line billed in its own period', () => {
    const sep30 = { ...row, chargePeriodStart: new Date('2024-09-30T00:00:00Z'), chargePeriodEnd: new Date('2024-10-01T00:00:00Z') };
    const september = { ...sep30, billingPeriodStart: new Date('2024-09-01T00:00:00Z'), billingPeriodEnd: new Date('2024-10-01T00:00:00Z') };
    const october = { ...sep30, billingPeriodStart: new Date('2024-10-01T00:00:00Z'), billingPeriodEnd: new Date('2024-11-01T00:00:00Z') };
    const november = { ...october, billingPeriodStart: new Date('2024-11-01T00:00:00Z'), billingPeriodEnd: new Date('2024-12-01T00:00:00Z') };
    const correction = { ...september, chargeClass: 'Correction' };
    const hashes = [september, october, november, correction].map((r) => costRowHash(r, 0));
    assert.equal(new Set(hashes).size, 4);
    assert.equal(hashes[0], costRowHash(sep30, 0));
    // the same again in a fresh object: nothing per call goes into it
    assert.equal(costRowHash({ ...october }, 0), hashes[1]);
    assert.equal(costRowHash({ ...correction, chargeClass: 'correction' }, 0), hashes[3]);
  });

  it('rejects a negative or fractional occurrence', () => {
    assert.throws(() => costRowHash(row, -1), RangeError);
    assert.throws(() => costRowHash(row, 0.5), RangeError);
  });
});

describe('CostRowHasher', () => {
  it('numbers identical rows 0, 1, 2 and leaves distinct rows at 0', () => {
    const hasher = new CostRowHasher();
    const a = hasher.next(row);
    const b = hasher.next({ ...row, tags: { ...row.tags } });
    const other = hasher.next({ ...row, billedCost: '9' });
    const c = hasher.next({ ...row });
    assert.deepEqual([a.occurrence, b.occurrence, other.occurrence, c.occurrence], [0, 1, 0, 2]);
    assert.equal(a.hash, costRowHash(row, 0));
    assert.equal(b.hash, costRowHash(row, 1));
    assert.equal(new Set([a.hash, b.hash, c.hash, other.hash]).size, 4);
  });

  it('gives the same hashes when the same file is imported again', async () => {
    const hashesOf = async () => {
      const hasher = new CostRowHasher();
      const { rows } = await collect((await openCostFile(createReadStream(fixturePath('focus-sample', 'focus_sample.csv')), { format: 'auto' })).rows);
      return rows.map((r) => hasher.next(r.row).hash);
    };
    const first = await hashesOf();
    assert.deepEqual(await hashesOf(), first);
    assert.equal(new Set(first).size, first.length, 'every line of the bill keeps its own hash');
  });

  it('keeps both of two identical lines in one bill', async () => {
    const { rows } = await collect((await openCostFile(createReadStream(fixturePath('finops-toolkit', 'EA_AmortizedCost_Small.csv')), { format: 'auto' })).rows);
    const hasher = new CostRowHasher();
    const doubled = [rows[0].row, rows[1].row, rows[0].row].map((r) => hasher.next(r));
    assert.deepEqual(
      doubled.map((d) => d.occurrence),
      [0, 0, 1],
    );
    assert.notEqual(doubled[0].hash, doubled[2].hash);
  });

  it("gives a row the hash it had before lines billed elsewhere were told apart, when that differs: the old form, numbered among the old forms", () => {
    const sep30 = { ...row, chargePeriodStart: new Date('2024-09-30T00:00:00Z'), chargePeriodEnd: new Date('2024-10-01T00:00:00Z') };
    const september = { ...sep30, billingPeriodStart: new Date('2024-09-01T00:00:00Z'), billingPeriodEnd: new Date('2024-10-01T00:00:00Z') };
    const late = { ...sep30, billingPeriodStart: new Date('2024-10-01T00:00:00Z'), billingPeriodEnd: new Date('2024-11-01T00:00:00Z') };
    const correction = { ...september, chargeClass: 'Correction' };
    const other = { ...september, billedCost: '7' };
    // the old form, written independently: the canonical form's array without the billed-elsewhere element
    const oldForm = (r: CostRow) => JSON.stringify((JSON.parse(canonicalCostRow(r)) as unknown[]).slice(0, 24));
    const asUuid = (hex: string) => hex.slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    const file = [september, late, september, correction, other, late, september, other];
    const oldCount = new Map<string, number>();
    const oldHashes = file.map((r) => {
      const form = oldForm(r);
      const n = oldCount.get(form) ?? 0;
      oldCount.set(form, n + 1);
      return asUuid(createHash('sha256').update(`${form}\n#${n}`).digest('hex'));
    });
    const hasher = new CostRowHasher();
    const got = file.map((r) => hasher.next(r));
    // a line of the old form keeps its hash, unless a line billed elsewhere of that form came before it in the file
    assert.deepEqual(got.map((g) => g.legacyHash !== undefined), [false, true, true, true, false, true, true, false]);
    got.forEach((g, i) => assert.equal(g.legacyHash ?? g.hash, oldHashes[i], `row ${i}`));
    assert.deepEqual(got[0], { hash: costRowHash(september, 0), occurrence: 0 });
    assert.deepEqual(got[2], { hash: costRowHash(september, 1), occurrence: 1, legacyHash: costRowHash(september, 2) });
    assert.equal(legacyCanonicalCostRow(late), oldForm(late));
    assert.equal(legacyCanonicalCostRow(september), canonicalCostRow(september));
  });

  it('counts copies of rows met long before, across the growth of its table', () => {
    const hasher = new CostRowHasher();
    const nth = (i: number): CostRow => ({ ...row, resourceId: `${row.resourceId}-${i}` });
    for (let i = 0; i < 20_000; i++) assert.equal(hasher.next(nth(i)).occurrence, 0);
    assert.deepEqual([hasher.next(nth(3)), hasher.next(nth(19_999)), hasher.next(nth(3))], [
      { occurrence: 1, hash: costRowHash(nth(3), 1) },
      { occurrence: 1, hash: costRowHash(nth(19_999), 1) },
      { occurrence: 2, hash: costRowHash(nth(3), 2) },
    ]);
    assert.deepEqual(hasher.next(nth(20_000)), { occurrence: 0, hash: costRowHash(nth(20_000), 0) });
  });
});
