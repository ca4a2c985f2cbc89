/**
 * Cost file import speed. Generates an N-row FOCUS CSV from the shipped sample's rows (dates shifted and
 * resource ids suffixed per copy, so every row hashes differently), then, in the same database and run:
 *   (a) ours:    importCostFile (parse, hash, COPY into staging, insert … on conflict do nothing, report)
 *   (b) floor:   raw COPY of the same file (CSV) into a bare table of the same columns, all text
 *   (c) naive:   the same parsed and hashed rows, Drizzle insert().values() in chunks of 1,000
 * and prints rows/s and ratios (target: ours / raw COPY >= 0.5).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/cost-import.js [--rows 1000000] [--skip-drizzle]
 *
 * Runs against DATABASE_URL (it creates and drops its own database there) or starts an embedded
 * Postgres under .data/bench-costs (port GCT_BENCH_PG_PORT, default 54351).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import postgres from 'postgres';
import { connect, type Database } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { runMigrations } from '../src/db/migrate.js';
import { costRecords } from '../src/db/schema/index.js';
import { CostRowHasher, openCostFile } from '../src/ingest/costs/index.js';
import { importCostFile } from '../src/services/cost-import.js';
import { createOrganization } from '../src/services/organizations.js';
import { fixturePath, repoRoot } from '../test/support/fixtures.js';
import { withDatabaseName } from '../test/support/db.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const ROWS = Number(arg('--rows') ?? 1_000_000);
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a positive integer');
const SKIP_DRIZZLE = process.argv.includes('--skip-drizzle');
const CHUNK = 1000;

const log = pino({ level: 'warn' });
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** 1. The test file: the sample's 1,000 rows over and over; copy k is shifted k hours later and its resource ids suffixed. */
async function generate(file: string, rows: number): Promise<number> {
  const text = await readFile(fixturePath('focus-sample', 'focus_sample.csv'), 'utf8');
  const [header, ...records] = parse(text, { bom: true }) as string[][];
  const col = (name: string) => header.indexOf(name);
  const [start, end, resourceId, id] = [col('ChargePeriodStart'), col('ChargePeriodEnd'), col('ResourceId'), col('Id')];
  const quote = (f: string) => (f === 'NULL' || /^-?\d+(\.\d+)?$/.test(f) ? f : `"${f.replaceAll('"', '""')}"`);
  const shift = (stamp: string, hours: number) => new Date(Date.parse(`${stamp.replace(' ', 'T')}Z`) + hours * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
  const out = createWriteStream(file);
  out.write(header.map(quote).join(',') + '\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const copy = Math.floor(i / records.length);
    const fields = [...records[i % records.length]];
    fields[start] = shift(fields[start], copy);
    fields[end] = shift(fields[end], copy);
    if (fields[resourceId] !== 'NULL') fields[resourceId] = `${fields[resourceId]}-${copy}`;
    if (id >= 0) fields[id] = String(i);
    chunk += fields.map(quote).join(',') + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return header.length;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Between runs: an empty cost_records and a checkpoint, so each run starts from the same state. */
async function reset(database: Database): Promise<void> {
  await database.sql`truncate cost_records, import_rejects`;
  await database.sql`vacuum analyze cost_records`;
  await database.sql`checkpoint`.catch(() => undefined);
}

async function main(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(repoRoot, '.data', 'bench-costs'), port: Number(process.env.GCT_BENCH_PG_PORT ?? 54351), database: 'gct_admin', log });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `gct_bench_costs_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const dir = await mkdtemp(path.join(tmpdir(), 'gct-bench-costs-'));
  let database: Database | undefined;
  try {
    await admin.unsafe(`create database ${name}`);
    database = connect(withDatabaseName(adminUrl, name), { max: 4 });
    await runMigrations(database);
    const { organization } = await createOrganization(database.db, { name: 'Bench', slug: 'bench' });
    const orgId = organization.id;
    const [{ version }] = await database.sql`select current_setting('server_version') as version`;

    const file = path.join(dir, 'focus.csv');
    const g = await time(() => generate(file, ROWS));
    const columns = g.result;
    const size = (await stat(file)).size;
    console.log(`${fmtInt(ROWS)} FOCUS rows, ${columns} columns, ${mb(size)}; generated in ${(g.ms / 1000).toFixed(1)} s; Postgres ${version}, Node ${process.version}\n`);

    // (b) the physical floor first: the bare text table has no indexes and is dropped afterwards
    await database.sql.unsafe(`create unlogged table bench_raw (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
    await database.sql`checkpoint`.catch(() => undefined);
    const raw = await time(async () => {
      const writable = await database!.sql`copy bench_raw from stdin with (format csv, header true)`.writable();
      await pipeline(createReadStream(file), writable);
      return (await database!.sql`select count(*)::int as n from bench_raw`)[0].n as number;
    });
    if (raw.result !== ROWS) throw new Error(`raw COPY loaded ${raw.result} rows, expected ${ROWS}`);
    await database.sql`drop table bench_raw`;
    // a logged table is the fairer floor for a logged cost_records: measure both
    await database.sql.unsafe(`create table bench_raw (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
    await database.sql`checkpoint`.catch(() => undefined);
    const rawLogged = await time(async () => {
      const writable = await database!.sql`copy bench_raw from stdin with (format csv, header true)`.writable();
      await pipeline(createReadStream(file), writable);
    });
    await database.sql`drop table bench_raw`;

    // (a) ours
    await reset(database);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const ours = await time(() => importCostFile(database!, orgId, createReadStream(file), { fileName: 'focus.csv', format: 'focus' }));
    clearInterval(sampler);
    if (ours.result.rowsLoaded !== ROWS) throw new Error(`ours loaded ${ours.result.rowsLoaded} rows, expected ${ROWS}`);
    const again = await time(() => importCostFile(database!, orgId, createReadStream(file), { fileName: 'focus.csv', format: 'focus' }));
    if (again.result.rowsLoaded !== 0) throw new Error('the second import loaded rows');

    // parse + hash alone: how much of (a) is JavaScript
    const parseOnly = await time(async () => {
      const opened = await openCostFile(createReadStream(file), { format: 'focus' });
      const hasher = new CostRowHasher();
      let n = 0;
      for await (const item of opened.rows) if (item.kind === 'row') n += hasher.next(item.row).hash.length > 0 ? 1 : 0;
      return n;
    });

    // (c) Drizzle, chunks of 1,000, the same parsed and hashed rows
    let drizzle: { ms: number; result: number } | undefined;
    if (!SKIP_DRIZZLE) {
      await reset(database);
      drizzle = await time(async () => {
        const opened = await openCostFile(createReadStream(file), { format: 'focus' });
        const hasher = new CostRowHasher();
        const batch = randomUUID();
        let chunk: (typeof costRecords.$inferInsert)[] = [];
        let inserted = 0;
        const flush = async () => {
          if (chunk.length === 0) return;
          const rows = await database!.db.insert(costRecords).values(chunk).onConflictDoNothing().returning({ id: costRecords.id });
          inserted += rows.length;
          chunk = [];
        };
        for await (const item of opened.rows) {
          if (item.kind !== 'row') continue;
          const { row } = item;
          chunk.push({
            ...row,
            // drizzle's shared-client serializers are identity for timestamps: ISO text goes through as is
            chargePeriodStart: row.chargePeriodStart,
            chargePeriodEnd: row.chargePeriodEnd,
            orgId,
            source: 'file',
            sourceId: batch,
            ingestBatch: batch,
            rowHash: hasher.next(row).hash,
          });
          if (chunk.length === CHUNK) await flush();
        }
        await flush();
        return inserted;
      });
      if (drizzle.result !== ROWS) throw new Error(`drizzle inserted ${drizzle.result} rows, expected ${ROWS}`);
    }

    const rate = (ms: number) => ROWS / (ms / 1000);
    const line = (label: string, ms: number) => console.log(`${label.padEnd(58)} ${(ms / 1000).toFixed(2).padStart(8)} s ${fmtInt(rate(ms)).padStart(12)} rows/s`);
    line('(a) ours: importCostFile (parse, hash, COPY, insert)', ours.ms);
    line('(b) raw COPY, CSV into a bare text table (unlogged)', raw.ms);
    line('(b) raw COPY, CSV into a bare text table (logged)', rawLogged.ms);
    if (drizzle) line(`(c) Drizzle insert().values(), chunks of ${CHUNK}`, drizzle.ms);
    line('    ours, the same file again (nothing new)', again.ms);
    line('    parse + hash alone (no database)', parseOnly.ms);
    console.log('');
    console.log(`ours / raw COPY (unlogged)  ${(rate(ours.ms) / rate(raw.ms)).toFixed(2)}   (target >= 0.5)`);
    console.log(`ours / raw COPY (logged)    ${(rate(ours.ms) / rate(rawLogged.ms)).toFixed(2)}`);
    if (drizzle) console.log(`ours / Drizzle chunks       ${(rate(ours.ms) / rate(drizzle.ms)).toFixed(2)}`);
    console.log(`peak RSS during (a)         ${mb(peakRss)} (before: ${mb(rssBefore)})`);
  } finally {
    await database?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
    await stopEmbedded();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
