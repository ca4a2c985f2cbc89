/**
 * The price of replacing a restated export. Generates a month of FOCUS lines from the shipped sample
 * (copies with resource ids suffixed, dates kept, so every line falls in September 2024) as two
 * versions of one month-to-date export: v1, and v2 with every 20th line revised and every 100th gone.
 * Then, in one database and run, each in its own organization holding v1 already:
 *   replace:  importCostFile(v2, replace): every v1 line of the month removed, v2 stored as its own
 *   add:      importCostFile(v2): the lookup finds the unchanged lines, the revised ones are added
 *             (cheaper, and wrong: revised lines count twice)
 *   fresh:    importCostFile(v2) into an empty organization: what loading v2 costs on its own
 *   raw:      the floor of a replacement in plain SQL: DELETE the organization's month, then COPY the
 *             v2 CSV as is into a bare table of text columns (no parsing, hashing or keys)
 * and prints seconds, rows/s and the ratios replace / fresh and replace / raw, and checks that the
 * replaced organization holds exactly v2's total (summed in SQL from the raw COPY).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/cost-replace.js [--rows 200000]
 *
 * Runs against DATABASE_URL (it creates and drops its own database there) or starts an embedded
 * Postgres under .data/bench-replace (port GCT_BENCH_PG_PORT, default 54366).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { importCostFile, type CostImportReport } from '../src/services/cost-import.js';
import { createOrganization } from '../src/services/organizations.js';
import { decimal, scaled } from '../test/ingest/costs/support/raw-csv.js';
import { fixturePath } from '../test/support/fixtures.js';
import { freshBenchDatabase, startBenchServer } from './support.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const ROWS = Number(arg('--rows') ?? 200_000);
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a positive integer');

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(2);
const REVISION = scaled('1.25');

/** The one Azure subscription of the sample, whose lines are also written to files of their own (see main). */
const SUBSCRIPTION = '/subscriptions/64e355d7-997c-491d-b0c1-8414dccfcf42';

/**
 * Writes v1 and v2 of the export, and v1 and v2 of SUBSCRIPTION's lines alone (`subFiles`); returns the
 * column names and v2's row count.
 */
async function generate(v1File: string, v2File: string, rows: number, subFiles: [string, string]): Promise<{ header: string[]; v2Rows: number; subRows: [number, number] }> {
  const text = await readFile(fixturePath('focus-sample', 'focus_sample.csv'), 'utf8');
  const [header, ...records] = parse(text, { bom: true }) as string[][];
  const col = (name: string) => header.indexOf(name);
  const [resourceId, id, billed, subAccount] = [col('ResourceId'), col('Id'), col('BilledCost'), col('SubAccountId')];
  const sub = ['', ''];
  const subRows: [number, number] = [0, 0];
  const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;
  const v1 = createWriteStream(v1File);
  const v2 = createWriteStream(v2File);
  const head = header.map(quote).join(',') + '\n';
  v1.write(head);
  v2.write(head);
  let c1 = '';
  let c2 = '';
  let v2Rows = 0;
  const flush = async (force: boolean) => {
    if (!force && c1.length < 1 << 20) return;
    if (!v1.write(c1)) await once(v1, 'drain');
    if (!v2.write(c2)) await once(v2, 'drain');
    c1 = '';
    c2 = '';
  };
  for (let i = 0; i < rows; i++) {
    const copy = Math.floor(i / records.length);
    const fields = [...records[i % records.length]];
    if (fields[resourceId] !== 'NULL') fields[resourceId] = `${fields[resourceId]}-${copy}`;
    if (id >= 0) fields[id] = String(i);
    const mine = fields[subAccount] === SUBSCRIPTION;
    const l1 = fields.map(quote).join(',') + '\n';
    c1 += l1;
    if (mine) (sub[0] += l1), subRows[0]++;
    if (i % 100 !== 7) {
      // a revision adds 1.25, exactly (BigInt decimals, as the tests' expectations are summed)
      if (i % 20 === 0) fields[billed] = decimal(scaled(fields[billed]) + REVISION);
      const l2 = fields.map(quote).join(',') + '\n';
      c2 += l2;
      v2Rows++;
      if (mine) (sub[1] += l2), subRows[1]++;
    }
    await flush(false);
  }
  await flush(true);
  v1.end();
  v2.end();
  await Promise.all([once(v1, 'close'), once(v2, 'close')]);
  await Promise.all(subFiles.map((file, v) => writeFile(file, head + sub[v])));
  return { header, v2Rows, subRows };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

async function main(): Promise<void> {
  const server = await startBenchServer('bench-replace', 54366);
  const dir = await mkdtemp(path.join(tmpdir(), 'gct-bench-replace-'));
  let benchDb: Awaited<ReturnType<typeof freshBenchDatabase>> | undefined;
  try {
    benchDb = await freshBenchDatabase(server, 'gct_bench_replace');
    const database = benchDb.database;
    const { sql, db } = database;
    const [{ version }] = await sql`select current_setting('server_version') as version`;
    const v1File = path.join(dir, 'mtd-v1.csv');
    const v2File = path.join(dir, 'mtd-v2.csv');
    const subFiles: [string, string] = [path.join(dir, 'sub-v1.csv'), path.join(dir, 'sub-v2.csv')];
    const { header, v2Rows, subRows } = await generate(v1File, v2File, ROWS, subFiles);
    console.log(`a month-to-date FOCUS export restated: v1 ${fmtInt(ROWS)} lines (${((await stat(v1File)).size / 2 ** 20).toFixed(0)} MB), v2 ${fmtInt(v2Rows)} lines (every 20th revised, every 100th gone); Postgres ${version}, Node ${process.version}\n`);

    const org = async (slug: string) => (await createOrganization(db, { name: slug, slug })).organization.id;
    const phases = new Map<string, number>();
    const load = (orgId: string, file: string, replace = false, timing = false): Promise<CostImportReport> =>
      importCostFile(database, orgId, createReadStream(file), {
        fileName: path.basename(file),
        format: 'focus',
        replace,
        onLoadTiming: timing ? (phase, ms) => phases.set(phase, (phases.get(phase) ?? 0) + ms) : undefined,
      });
    const orgs = { replace: await org('replace'), add: await org('add'), fresh: await org('fresh'), raw: await org('raw'), alone: await org('alone'), crowded: await org('crowded') };
    const v1Load = await timed(() => load(orgs.replace, v1File));
    for (const orgId of [orgs.add, orgs.raw, orgs.crowded]) await load(orgId, v1File);
    await load(orgs.alone, subFiles[0]);
    await sql`vacuum analyze cost_records`;

    const replace = await timed(() => load(orgs.replace, v2File, true, true));
    const add = await timed(() => load(orgs.add, v2File));
    const fresh = await timed(() => load(orgs.fresh, v2File));
    // one subscription's restated export, replacing in an organization that holds only that subscription, and in one
    // that holds every sub account of the month: the second pays for telling the other lines apart
    const alone = await timed(() => load(orgs.alone, subFiles[1], true));
    const crowded = await timed(() => load(orgs.crowded, subFiles[1], true));
    const columns = header.map((h, i) => `c${i} text`).join(', ');
    const raw = await timed(() =>
      sql.begin(async (tx) => {
        await tx`delete from cost_records where org_id = ${orgs.raw} and charge_period_start >= '2024-09-01T00:00:00Z' and charge_period_start < '2024-10-01T00:00:00Z'`;
        await tx.unsafe(`create table bench_raw_v2 (${columns})`);
        await pipeline(createReadStream(v2File), await tx.unsafe(`copy bench_raw_v2 from stdin (format csv, header true)`).writable());
      }),
    );

    const rate = (ms: number, rows: number) => fmtInt((rows / ms) * 1000).padStart(10);
    console.log(`${''.padEnd(64)} ${'s'.padStart(7)} ${'rows/s'.padStart(10)}`);
    const line = (label: string, ms: number, rows: number) => console.log(`${label.padEnd(64)} ${secs(ms).padStart(7)} ${rate(ms, rows)}`);
    line('v1 first import (for reference)', v1Load.ms, ROWS);
    line('replace: v2 over v1, replace=true', replace.ms, v2Rows);
    line('add: v2 over v1, plain (revised lines count twice)', add.ms, v2Rows);
    line('fresh: v2 into an empty organization', fresh.ms, v2Rows);
    line('raw: DELETE the month + COPY the v2 CSV into bare text columns', raw.ms, v2Rows);
    console.log(`    where replace goes, Postgres statements: ${[...phases].map(([p, ms]) => `${p} ${secs(ms)} s`).join(', ')}`);
    console.log('');
    console.log(`replace / fresh  ${(replace.ms / fresh.ms).toFixed(2)}x the time   (the replacement's own cost: removing v1)`);
    console.log(`raw / replace    ${(raw.ms / replace.ms).toFixed(2)}             (share of the plain-SQL floor; 1.0 would be the floor itself)`);
    console.log(`replace / add    ${(replace.ms / add.ms).toFixed(2)}x the time`);
    console.log('');
    console.log(`one subscription's restated export (${fmtInt(subRows[1])} lines), replace=true:`);
    line('  alone: into an organization holding only that subscription', alone.ms, subRows[1]);
    line(`  crowded: into one holding all ${fmtInt(ROWS)} lines of the month`, crowded.ms, subRows[1]);
    console.log(`crowded / alone  ${(crowded.ms / alone.ms).toFixed(2)}x the time   (telling the other sub accounts' lines apart)`);

    // the replaced organization holds v2 exactly; the added one holds v2 plus the old versions of the revised and gone lines
    const [check] = await sql<{ v2: string; replaced: string; added: string; replaced_rows: number; exact: boolean }[]>`
      select v2::text, replaced::text, added::text, replaced_rows, v2 = replaced as exact
      from (select (select sum(c${sql.unsafe(String(header.indexOf('BilledCost')))}::numeric) from bench_raw_v2) as v2,
                   (select sum(billed_cost) from cost_records where org_id = ${orgs.replace}) as replaced,
                   (select sum(billed_cost) from cost_records where org_id = ${orgs.add}) as added,
                   (select count(*) from cost_records where org_id = ${orgs.replace})::int as replaced_rows) s`;
    console.log(`\nv2 total (raw COPY, numeric) ${check.v2}; replaced organization ${check.replaced} (${fmtInt(check.replaced_rows)} rows); added ${check.added}`);
    console.log(`replace report: loaded ${fmtInt(replace.result.rowsLoaded)}, replaced ${fmtInt(replace.result.replaced?.rows ?? 0)} earlier lines`);
    if (!check.exact || check.replaced_rows !== v2Rows) throw new Error('the replaced organization does not hold exactly v2');
    // the crowded organization's subscription holds what the alone one's does (v2's lines of it), and the rest of v1 stays
    const [sub] = await sql<{ same: boolean; others: number }[]>`
      select (select sum(billed_cost) from cost_records where org_id = ${orgs.crowded} and sub_account_id = ${SUBSCRIPTION})
             = (select sum(billed_cost) from cost_records where org_id = ${orgs.alone}) as same,
             (select count(*) from cost_records where org_id = ${orgs.crowded} and sub_account_id is distinct from ${SUBSCRIPTION})::int as others`;
    console.log(`crowded organization: its subscription's total equals the alone one's: ${sub.same}; other lines kept ${fmtInt(sub.others)} of ${fmtInt(ROWS - subRows[0])}`);
    if (!sub.same || sub.others !== ROWS - subRows[0]) throw new Error("the crowded organization's subscription does not hold exactly its v2 lines");
  } finally {
    await benchDb?.close();
    await rm(dir, { recursive: true, force: true });
    await server.stop();
  }
}

await main();
