import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fixturePath, repoRoot } from '../support/fixtures.js';
import { readRawCsv, scaled, sumBy } from '../ingest/costs/support/raw-csv.js';
import { billed, csvOf, restatedFocus } from '../ingest/costs/support/restated.js';

/** Runs the built CLI against the test database (`env` adds to the environment; `cwd` where it runs, the checkout by default). */
function gct(db: TestDatabase, args: string[], env: Record<string, string> = {}, cwd = repoRoot): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli.js'), ...args], {
    cwd,
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('gct import costs <file>', () => {
  let t: TestDatabase;
  let dir: string;
  before(async () => {
    t = await createTestDatabase();
    await createOrganization(t.db, { name: 'CLI lab', slug: 'cli-lab' });
    await createOrganization(t.db, { name: 'Other lab', slug: 'other-lab' });
    dir = await mkdtemp(path.join(tmpdir(), 'gct-cli-costs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.drop();
  });

  test('imports a FOCUS file into the named organization and prints rows and the total per currency', async () => {
    const file = fixturePath('focus-sample', 'focus_sample.csv');
    const raw = readRawCsv(file);
    const res = await gct(t, ['import', 'costs', file, '--org', 'cli-lab', '--format', 'focus']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /imported focus_sample\.csv \(focus\/focus-1\.0\)/);
    assert.match(res.stdout, new RegExp(`rows read ${raw.records.length}: loaded ${raw.records.length}, already present 0, quarantined 0`));
    const [, currency, amount] = /total ([A-Z]{3}) (-?[\d.]+) \(/.exec(res.stdout)!;
    assert.deepEqual([[currency, scaled(amount)]], [...sumBy(raw.records, (r) => r.BillingCurrency, (r) => r.BilledCost)]);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records c join organizations o on o.id = c.org_id where o.slug = 'cli-lab'`;
    assert.equal(n, raw.records.length);
  });

  test('a relative path names a file where `npm run gct` was typed, not in the checkout npm runs the script in', async () => {
    await createOrganization(t.db, { name: 'Relative lab', slug: 'relative-lab' });
    await writeFile(path.join(dir, 'relative.csv'), readRawCsv(fixturePath('focus-sample', 'focus_sample.csv')).text);
    // npm runs scripts in the package folder and keeps the caller's directory in INIT_CWD
    const res = await gct(t, ['import', 'costs', 'relative.csv', '--org', 'relative-lab'], { INIT_CWD: dir, npm_package_json: path.join(repoRoot, 'package.json') });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /imported relative\.csv \(focus\/focus-1\.0\)/);
  });

  test('a relative path given by a command that an npm script started elsewhere (`cd data && gct import costs bill.csv`) is read from its own directory', async () => {
    await createOrganization(t.db, { name: 'Scripted lab', slug: 'scripted-lab' });
    const data = path.join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'scripted.csv'), readRawCsv(fixturePath('focus-sample', 'focus_sample.csv')).text);
    // the lab's `npm run ingest` in `dir`: every process under it inherits INIT_CWD, whatever its directory
    const npmEnv = { INIT_CWD: dir, npm_package_json: path.join(dir, 'package.json') };
    const res = await gct(t, ['import', 'costs', 'scripted.csv', '--org', 'scripted-lab'], npmEnv, data);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /imported scripted\.csv \(focus\/focus-1\.0\)/);
  });

  test('prints quarantined rows with their line numbers, the first 20 of them', async () => {
    const text = readRawCsv(fixturePath('focus-sample', 'focus_sample.csv')).text.replace(/^\uFEFF/, '');
    const lines = text.trimEnd().split('\n').slice(0, 61);
    const bad = Array.from({ length: 25 }, (_, i) => 3 + i * 2); // lines 3, 5, … 51
    for (const n of bad) lines[n - 1] = lines[n - 1].replace(/"USD"/, '"???"');
    const file = path.join(dir, 'bad.csv');
    await writeFile(file, lines.join('\n') + '\n');
    const res = await gct(t, ['import', 'costs', file, '--org', 'cli-lab']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /quarantined 25/);
    assert.match(res.stdout, /first 20 of 25/);
    const printed = [...res.stdout.matchAll(/^ {2}line (\d+): /gm)].map((m) => Number(m[1]));
    assert.deepEqual(printed, bad.slice(0, 20));
  });

  test('--replace with --delivery: a restated export replaces the earlier one, and the printout says what it replaced', async () => {
    await createOrganization(t.db, { name: 'Restating lab', slug: 'restating-lab' });
    const focus = restatedFocus();
    const earlier = path.join(dir, 'mtd-19.csv');
    const later = path.join(dir, 'mtd-30.csv');
    await writeFile(earlier, csvOf(focus.raw.header, focus.earlier));
    await writeFile(later, csvOf(focus.raw.header, focus.later));
    assert.equal((await gct(t, ['import', 'costs', earlier, '--org', 'restating-lab', '--replace'])).code, 0);
    const res = await gct(t, ['import', 'costs', later, '--org', 'restating-lab', '--replace', '--delivery', 'run-30']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`replaced ${focus.earlier.length} earlier rows of the file's sub accounts on 2024-09-01 to 2024-10-01 \\(exclusive\\); delivery run-30`));
    const [, amount] = /replaced total USD (-?[\d.]+) \(/.exec(res.stdout)!;
    assert.equal(scaled(amount), billed(focus.earlier));
    const [s] = await t.sql`select count(*)::int as n, sum(billed_cost)::text as total from cost_records c join organizations o on o.id = c.org_id where o.slug = 'restating-lab'`;
    assert.deepEqual([s.n, scaled(s.total)], [focus.later.length, billed(focus.later)]);

    const refused = await gct(t, ['import', 'costs', later, '--org', 'restating-lab', '--delivery', 'run-31']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /delivery.*give it with replace/);
  });

  test('a file that is not a cost export exits 1 with the reason', async () => {
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'hello\nworld\n');
    const res = await gct(t, ['import', 'costs', file, '--org', 'other-lab']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /error: .*notes\.txt/);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records c join organizations o on o.id = c.org_id where o.slug = 'other-lab'`;
    assert.equal(n, 0);
  });

  test('several organizations and no --org: refused, naming the option', async () => {
    const res = await gct(t, ['import', 'costs', fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv')]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /--org/);
  });

  test('org create: a slug taken or a currency that is none exits 1 saying so, without SQL', async () => {
    const taken = await gct(t, ['org', 'create', '--name', 'Again', '--slug', 'cli-lab']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^error: an organization with slug "cli-lab" already exists\n$/);
    const currency = await gct(t, ['org', 'create', '--name', 'Foo', '--slug', 'foo-lab', '--currency', 'FOO']);
    assert.equal(currency.code, 1);
    assert.match(currency.stderr, /currency.*"FOO"/);
    assert.doesNotMatch(taken.stderr + currency.stderr, /Failed query|insert into/);
    const [{ n }] = await t.sql`select count(*)::int as n from organizations where slug = 'foo-lab'`;
    assert.equal(n, 0);
  });
});
