import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { migrationsFolder, runMigrations } from '../../src/db/migrate.js';
import { canonicalCostRow, CostRowHasher, openCostFile } from '../../src/ingest/costs/index.js';
import { evaluateBudgets } from '../../src/services/budget-evaluation.js';
import { BudgetService } from '../../src/services/budgets.js';
import { importCostFile } from '../../src/services/cost-import.js';
import { reconcile } from '../../src/services/reconcile.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fixturePath } from '../support/fixtures.js';
import { insertCost } from '../support/spend.js';

const FOCUS = fixturePath('focus-sample', 'focus_sample.csv');

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.drop());

test('migrations are safe to run twice, and from several processes at once', async () => {
  const count = async () => (await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0].n as number;
  const applied = await count();
  assert.ok(applied >= 2, 'the template database was migrated');
  await Promise.all([runMigrations(db), runMigrations(db), runMigrations(db)]);
  assert.equal(await count(), applied);
  const tables = await db.sql<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
  for (const name of ['organizations', 'principals', 'projects', 'pipelines', 'runs', 'tasks', 'prices', 'cost_records', 'estimates', 'pools', 'imports']) {
    assert.ok(tables.some((t) => t.table_name === name), `table ${name} exists`);
  }
});

test('every tenant table leads its primary key with org_id', async () => {
  const rows = await db.sql<{ table_name: string; first_column: string }[]>`
    select c.relname as table_name, a.attname as first_column
    from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
    where i.indisprimary and n.nspname = 'public' and c.relname not in ('organizations', 'prices')`;
  assert.ok(rows.length >= 10);
  for (const r of rows) assert.equal(r.first_column, 'org_id', `${r.table_name} primary key starts with org_id`);
});

/**
 * Runs `fn` on a new database migrated up to (not including) migration `tag`, as a database deployed
 * before that migration was; drops the database afterwards.
 */
async function withDatabaseBefore(tag: string, fn: (old: TestDatabase) => Promise<void>): Promise<void> {
  const old = await createTestDatabase({ empty: true });
  const folder = await mkdtemp(path.join(tmpdir(), 'gct-migrations-'));
  try {
    await cp(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < tag);
    await writeFile(journalPath, JSON.stringify(journal));
    await migrate(old.db, { migrationsFolder: folder });
    await fn(old);
  } finally {
    await rm(folder, { recursive: true, force: true });
    await old.drop();
  }
}

test('0007 turns stored text row hashes into the uuids the loader writes now: a file imported before it is still recognised', async () => {
  await withDatabaseBefore('0007', async (old) => {
    const { organization } = await createOrganization(old.db, { name: 'Before', slug: 'before-0007' });

    // the FOCUS sample as that version stored it: row_hash the full sha256 hex of the canonical row and its occurrence
    const opened = await openCostFile(createReadStream(FOCUS), { format: 'focus' });
    const occurrences = new Map<string, number>();
    let rows = 0;
    await old.sql`select cost_records_ensure_partitions('2020-01-01', '2029-12-31')`;
    for await (const item of opened.rows) {
      if (item.kind !== 'row') continue;
      const canonical = canonicalCostRow(item.row);
      const n = occurrences.get(canonical) ?? 0;
      occurrences.set(canonical, n + 1);
      const hex = createHash('sha256').update(`${canonical}\n#${n}`).digest('hex');
      await old.sql`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, currency, source, row_hash)
                    values (${organization.id}, ${item.row.provider}, ${item.row.chargePeriodStart.toISOString()}, ${item.row.chargePeriodEnd.toISOString()}, ${item.row.billedCost},
                            ${item.row.currency}, 'file', ${hex})`;
      rows++;
    }
    const start = (await old.sql<{ s: string }[]>`select min(charge_period_start)::text as s from cost_records`)[0].s;
    await old.sql`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, currency, source, row_hash)
                  values (${organization.id}, 'azure', ${start}, ${start}, 1, 'USD', 'demo', 'demo:pool:1')`;
    assert.ok(rows > 500);

    await runMigrations(old);
    const [{ type }] = await old.sql`select data_type as type from information_schema.columns where table_name = 'cost_records' and column_name = 'row_hash'`;
    assert.equal(type, 'uuid');
    const [demo] = await old.sql`select row_hash from cost_records where source = 'demo'`;
    const md5 = createHash('md5').update('demo:pool:1').digest('hex');
    assert.equal(demo.row_hash, `${md5.slice(0, 8)}-${md5.slice(8, 12)}-${md5.slice(12, 16)}-${md5.slice(16, 20)}-${md5.slice(20)}`);

    const again = await importCostFile({ sql: old.sql, db: old.db }, organization.id, createReadStream(FOCUS), { fileName: 'focus_sample.csv', format: 'focus' });
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged], [0, rows]);
    const [{ n }] = await old.sql`select count(*)::int as n from cost_records`;
    assert.equal(n, rows + 1);
  });
});

test('0008 keys cost_records by row hash: allocations follow their line by its hash, stored rows are still recognised', async () => {
  await withDatabaseBefore('0008', async (old) => {
    const { organization } = await createOrganization(old.db, { name: 'Before', slug: 'before-0008' });
    const orgId = organization.id;
    // the FOCUS sample as that version's import stored it (today's importer writes columns added since)
    const opened = await openCostFile(createReadStream(FOCUS), { format: 'focus' });
    const hasher = new CostRowHasher();
    let loaded = 0;
    await old.sql`select cost_records_ensure_partitions('2020-01-01', '2029-12-31')`;
    for await (const item of opened.rows) {
      if (item.kind !== 'row') continue;
      const r = item.row;
      await old.sql`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, effective_cost, currency, source, row_hash)
                    values (${orgId}, ${r.provider}, ${r.chargePeriodStart.toISOString()}, ${r.chargePeriodEnd.toISOString()}, ${r.billedCost}, ${r.effectiveCost},
                            ${r.currency}, 'file', ${hasher.next(r).hash})`;
      loaded++;
    }
    const first = { rowsLoaded: loaded };
    assert.ok(first.rowsLoaded > 500);
    // one allocation per line for its whole cost, as that version wrote them (by serial id), and one whose line is gone
    const reconciliation = '00000000-0000-4000-8000-000000000008';
    await old.sql`insert into allocations (org_id, reconciliation_id, cost_record_id, charge_period_start, kind, method, amount, currency)
                  select org_id, ${reconciliation}, id, charge_period_start, 'UNALLOCATED', 'NO_POOL', billed_cost, currency from cost_records`;
    await old.sql`insert into allocations (org_id, reconciliation_id, cost_record_id, charge_period_start, kind, method, amount, currency)
                  select org_id, ${reconciliation}, max(id) + 1, min(charge_period_start), 'UNALLOCATED', 'NO_POOL', 1, 'USD' from cost_records group by org_id`;
    const byLine = async (key: 'id' | 'row_hash', ref: 'cost_record_id' | 'cost_row_hash') =>
      old.sql<{ row_hash: string; amount: string }[]>`
        select c.row_hash, a.amount::text as amount from allocations a
        join cost_records c on c.org_id = a.org_id and c.charge_period_start = a.charge_period_start and c.${old.sql(key)} = a.${old.sql(ref)}
        order by 1`;
    const before = await byLine('id', 'cost_record_id');
    assert.equal(before.length, first.rowsLoaded);

    await runMigrations(old);
    const columns = (await old.sql<{ name: string }[]>`select column_name as name from information_schema.columns where table_name = 'cost_records'`).map((c) => c.name);
    assert.ok(!columns.includes('id') && columns.includes('row_hash'));
    const [pk] = await old.sql<{ def: string }[]>`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'cost_records_pkey' and conrelid = 'cost_records'::regclass`;
    assert.equal(pk.def, 'PRIMARY KEY (org_id, charge_period_start, row_hash)');
    // every line keeps its allocation, found by hash now; the one whose line is gone is kept, matching no line
    assert.deepEqual(await byLine('row_hash', 'cost_row_hash'), before);
    const lineless = () => old.sql<{ amount: string }[]>`
      select a.amount::text as amount from allocations a
      where not exists (select 1 from cost_records c where c.org_id = a.org_id and c.charge_period_start = a.charge_period_start and c.row_hash = a.cost_row_hash)`;
    assert.deepEqual((await lineless()).map((a) => a.amount), ['1']);
    // and the window's next reconcile replaces it with the rest: every line's allocations sum to its cost
    const [{ from, to }] = await old.sql<{ from: string; to: string }[]>`
      select date_trunc('day', min(charge_period_start))::text as from, (date_trunc('day', max(charge_period_start)) + interval '1 day')::text as to from cost_records`;
    const done = await reconcile(old.db, orgId, { from: new Date(from), to: new Date(to) }, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual([...(await lineless())], []);
    const [{ bad }] = await old.sql`
      select count(*)::int as bad from cost_records c
      where (select sum(a.amount) from allocations a where a.org_id = c.org_id and a.charge_period_start = c.charge_period_start and a.cost_row_hash = c.row_hash)
            is distinct from coalesce(c.effective_cost, c.billed_cost)`;
    assert.equal(bad, 0);

    const again = await importCostFile({ sql: old.sql, db: old.db }, orgId, createReadStream(FOCUS), { fileName: 'focus_sample.csv', format: 'focus' });
    assert.deepEqual([again.rowsLoaded, again.rowsUnchanged], [0, first.rowsLoaded]);
  });
});

test('0015 keys tasks by (run, task_id): a retried task stored twice (weblog attempt 2, trace as attempt 1) becomes one row, its estimates and allocations kept consistent', async () => {
  await withDatabaseBefore('0015', async (old) => {
    const { organization } = await createOrganization(old.db, { name: 'Before', slug: 'before-0015' });
    const orgId = organization.id;
    // its live figure priced all three rows: 0.72
    const [{ id: runId }] = await old.sql<{ id: string }[]>`insert into runs (org_id, status, task_count, billed_in_full, estimated_cost) values (${orgId}, 'SUCCEEDED', 3, true, 0.72) returning id`;
    // task 7 twice, as the old key let a trace without `attempt` store it; task 8 once
    const [weblog] = await old.sql<{ id: string }[]>`
      insert into tasks (org_id, run_id, task_id, attempt, status, cpus, memory_bytes, source) values (${orgId}, ${runId}, 7, 2, 'COMPLETED', 4, 1024, 'weblog') returning id`;
    const [trace] = await old.sql<{ id: string }[]>`
      insert into tasks (org_id, run_id, task_id, attempt, status, realtime_ms, hash, source) values (${orgId}, ${runId}, 7, 1, 'COMPLETED', 3600000, 'ab/7', 'trace') returning id`;
    const [single] = await old.sql<{ id: string }[]>`
      insert into tasks (org_id, run_id, task_id, attempt, status, source) values (${orgId}, ${runId}, 8, 1, 'COMPLETED', 'trace') returning id`;
    for (const task of [weblog, trace, single]) {
      await old.sql`insert into estimates (org_id, run_id, task_id, kind, model_name, model_version, value, currency) values (${orgId}, ${runId}, ${task.id}, 'TASK', 'price-sheet', '1', 0.24, 'USD')`;
      await old.sql`insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, run_id, task_id, amount, currency)
                    values (${orgId}, gen_random_uuid(), gen_random_uuid(), '2024-03-01T10:00:00Z', 'TASK', 'RATE', ${runId}, ${task.id}, 0.24, 'USD')`;
    }

    await runMigrations(old);
    const rows = await old.sql`select id::text, task_id, attempt, status, cpus, memory_bytes::int as memory, realtime_ms::int as realtime, hash, source from tasks where run_id = ${runId} order by task_id`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { id: String(trace.id), task_id: 7, attempt: 2, status: 'COMPLETED', cpus: 4, memory: 1024, realtime: 3600000, hash: 'ab/7', source: 'trace' },
      { id: String(single.id), task_id: 8, attempt: 1, status: 'COMPLETED', cpus: null, memory: null, realtime: null, hash: null, source: 'trace' },
    ]);
    const estimated = await old.sql`select task_id::text from estimates where run_id = ${runId} order by 1`;
    assert.deepEqual(estimated.map((e) => e.task_id).sort(), [String(trace.id), String(single.id)].sort(), "the phantom task's estimate is gone");
    const [alloc] = await old.sql`select count(*)::int as n, sum(amount)::text as amount, count(*) filter (where task_id = ${trace.id})::int as kept from allocations where run_id = ${runId}`;
    assert.deepEqual({ ...alloc }, { n: 3, amount: '0.72', kept: 2 }, 'allocations still sum to their lines, on the kept task');
    const [run] = await old.sql`select task_count, billed_in_full, estimated_cost::text as estimated from runs where id = ${runId}`;
    assert.deepEqual({ ...run }, { task_count: 2, billed_in_full: false, estimated: '0.48' }, 'the run no longer prices the phantom task');
    await assert.rejects(old.sql`insert into tasks (org_id, run_id, task_id, source) values (${orgId}, ${runId}, 8, 'weblog')`, /tasks_org_run_task_key/);
  });
});

test('0016 gives budget alerts raised before it the amount in their key: the first evaluation after the upgrade raises nothing again', async () => {
  await withDatabaseBefore('0016', async (old) => {
    const { organization } = await createOrganization(old.db, { name: 'Before', slug: 'before-0016' });
    const org = organization.id;
    const budget = await new BudgetService(old.db, org).create({
      name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000.00', currency: 'USD', thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'ACTUAL' }],
    });
    await insertCost(old.db, org, { day: new Date('2025-01-10T00:00:00Z'), amount: '1100' });
    // what the evaluation raised before 0016, keyed without the amount
    for (const percent of [80, 100]) {
      await old.sql`insert into alerts (org_id, kind, severity, dedupe_key, title, message, details)
        values (${org}, 'BUDGET_ACTUAL', 'WARNING', ${`budget:${budget.id}:ACTUAL:${percent}:2025-01`}, 't', 'm', ${JSON.stringify({ amount: '1000.00', currency: 'USD', percent })}::jsonb)`;
    }
    await runMigrations(old);

    const keys = (await old.sql<{ k: string }[]>`select dedupe_key as k from alerts where org_id = ${org} order by 1`).map((r) => r.k);
    assert.deepEqual(keys, [`budget:${budget.id}:ACTUAL:100:2025-01:1000 USD`, `budget:${budget.id}:ACTUAL:80:2025-01:1000 USD`]);
    assert.deepEqual((await evaluateBudgets(old.db, org, { at: new Date('2025-01-11T00:00:00Z') })).raised, []);
    await runMigrations(old);
    assert.deepEqual((await old.sql<{ k: string }[]>`select dedupe_key as k from alerts where org_id = ${org} order by 1`).map((r) => r.k), keys, 'a second run changes nothing');
  });
});
