/**
 * Cost file import speed. Generates an N-row FOCUS CSV from the shipped sample's rows (dates shifted and
 * resource ids suffixed per copy, so every row hashes differently), then, in the same database and run:
 *   (a) ours:    importCostFile (parse, hash, COPY the keys, look up stored hashes, COPY the new rows into cost_records, report)
 *   (b) floor:   raw COPY of the same file (CSV) into a bare table of the same columns, all text, logged
 *                (the fair floor: cost_records is logged) and unlogged
 *   (c) naive:   the same parsed and hashed rows, Drizzle insert().values() in chunks of 1,000
 *   (d) table:   our already-encoded rows COPYed straight into cost_records (emptied): what the table
 *                itself costs, whoever loads it
 * and prints rows/s and ratios (target: ours / raw COPY >= 0.5), then where (a)'s time goes: the
 * JavaScript phases alone (parse, + map and hash, + encode) and the Postgres phases of the load.
 *
 * The machine may be shared: besides wall time it prints CPU seconds, of this process and (with the
 * embedded Postgres) of every Postgres process, which other load on the machine does not inflate.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/cost-import.js [--rows 1000000] [--skip-drizzle] [--pairs N] [--in-period]
 *
 * Shifted by up to 41 days, most copies' charges fall outside the sample's billing period (September 2024), so their
 * lines hash with their billing period and carry an old hash too (row-hash, services/legacy-row-hash). `--in-period`
 * bills each line in the calendar month of its charge instead: a file with no line billed elsewhere, as most are.
 *
 * Runs against DATABASE_URL (it creates and drops its own database there) or starts an embedded
 * Postgres under .data/bench-costs (port GCT_BENCH_PG_PORT, default 54351).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import type { Database } from '../src/db/client.js';
import { costRecords } from '../src/db/schema/index.js';
import { CostRowHasher, openCostFile } from '../src/ingest/costs/index.js';
import { importCostFile } from '../src/services/cost-import.js';
import { COST_LOAD_PHASES, type CostLoadPhase } from '../src/services/cost-loader.js';
import { encodeCostRowLine, LOAD_COLUMNS } from '../src/services/cost-copy-text.js';
import { createOrganization } from '../src/services/organizations.js';
import { fixturePath } from '../test/support/fixtures.js';
import { freshBenchDatabase, startBenchServer } from './support.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const ROWS = Number(arg('--rows') ?? 1_000_000);
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a positive integer');
const SKIP_DRIZZLE = process.argv.includes('--skip-drizzle');
/** Extra rounds of raw COPY then ours, back to back, each giving a ratio: on a shared machine one pair can land on a quiet or a busy minute. */
const PAIRS = Number(arg('--pairs') ?? 0);
if (!Number.isSafeInteger(PAIRS) || PAIRS < 0) throw new Error('--pairs must be a non-negative integer');
const CHUNK = 1000;
const IN_PERIOD = process.argv.includes('--in-period');

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** 1. The test file: the sample's 1,000 rows over and over; copy k is shifted k hours later and its resource ids suffixed. */
async function generate(file: string, rows: number): Promise<number> {
  const text = await readFile(fixturePath('focus-sample', 'focus_sample.csv'), 'utf8');
  const [header, ...records] = parse(text, { bom: true }) as string[][];
  const col = (name: string) => header.indexOf(name);
  const [start, end, resourceId, id] = [col('ChargePeriodStart'), col('ChargePeriodEnd'), col('ResourceId'), col('Id')];
  const [billingStart, billingEnd] = [col('BillingPeriodStart'), col('BillingPeriodEnd')];
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
    if (IN_PERIOD) {
      const [year, month] = fields[start].split('-').map(Number);
      const first = (m: number) => new Date(Date.UTC(year, m - 1, 1)).toISOString().slice(0, 19).replace('T', ' ');
      fields[billingStart] = first(month);
      fields[billingEnd] = first(month + 1);
    }
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

interface Measured<T> {
  ms: number;
  /** CPU milliseconds of this process, and of the Postgres cluster (null when it is not ours to read). */
  nodeCpuMs: number;
  pgCpuMs: number | null;
  result: T;
}

/** Wall time and CPU time of `fn`: CPU time is what other load on a shared machine does not inflate. */
async function measure<T>(pgCpu: () => Promise<number | null>, fn: () => Promise<T>): Promise<Measured<T>> {
  const pg0 = await pgCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const pg1 = await pgCpu();
  return { ms, nodeCpuMs: (cpu.user + cpu.system) / 1000, pgCpuMs: pg0 === null || pg1 === null ? null : pg1 - pg0, result };
}

/**
 * CPU milliseconds used so far by the postmaster under `dataDir` and its children (backends, WAL writer,
 * checkpointer…), from /proc. Children that exited are counted by the kernel into the parent's cstime.
 */
function clusterCpu(dataDir: string): () => Promise<number | null> {
  const tick = 10; // USER_HZ is 100 on Linux
  return async () => {
    try {
      const postmaster = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      let total = 0;
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
        // fields after the command name, which may hold spaces: state ppid … utime(14) stime(15) cutime(16) cstime(17)
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(entry) !== postmaster && Number(f[1]) !== postmaster) continue;
        total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * tick;
      }
      return total;
    } catch {
      return null;
    }
  };
}

/** Between runs: an empty cost_records and a checkpoint, so each run starts from the same state. */
async function reset(database: Database): Promise<void> {
  await database.sql`truncate cost_records, import_rejects`;
  await database.sql`vacuum analyze cost_records`;
  await database.sql`checkpoint`.catch(() => undefined);
}

async function main(): Promise<void> {
  const server = await startBenchServer('bench-costs', 54351);
  const pgCpu: () => Promise<number | null> = server.dataDir ? clusterCpu(path.join(server.dataDir, 'pg')) : async () => null;
  const dir = await mkdtemp(path.join(tmpdir(), 'gct-bench-costs-'));
  let benchDb: Awaited<ReturnType<typeof freshBenchDatabase>> | undefined;
  try {
    benchDb = await freshBenchDatabase(server, 'gct_bench_costs');
    const database = benchDb.database;
    const sql = database.sql;
    const { organization } = await createOrganization(database.db, { name: 'Bench', slug: 'bench' });
    const orgId = organization.id;
    const [{ version }] = await sql`select current_setting('server_version') as version`;
    const m = <T>(fn: () => Promise<T>) => measure(pgCpu, fn);

    const file = path.join(dir, 'focus.csv');
    const g = await m(() => generate(file, ROWS));
    const columns = g.result;
    const size = (await stat(file)).size;
    console.log(`${fmtInt(ROWS)} FOCUS rows${IN_PERIOD ? ' (each billed in its charge month)' : ''}, ${columns} columns, ${mb(size)}; generated in ${(g.ms / 1000).toFixed(1)} s; Postgres ${version}, Node ${process.version}\n`);

    // (b) the physical floor: a bare text table, no indexes, dropped afterwards; logged is the fair one
    const rawCopy = async (unlogged: boolean) => {
      await sql.unsafe(`create ${unlogged ? 'unlogged ' : ''}table bench_raw (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
      await sql`checkpoint`.catch(() => undefined);
      const run = await m(async () => {
        const writable = await sql`copy bench_raw from stdin with (format csv, header true)`.writable();
        await pipeline(createReadStream(file), writable);
      });
      const [{ n }] = await sql`select count(*)::int as n from bench_raw`;
      if (n !== ROWS) throw new Error(`raw COPY loaded ${n} rows, expected ${ROWS}`);
      await sql`drop table bench_raw`;
      return run;
    };
    const rawLogged = await rawCopy(false);
    const rawUnlogged = await rawCopy(true);

    // (a) ours, with the time of each Postgres phase of the load
    await reset(database);
    const phases = new Map<CostLoadPhase, number>();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const ours = await m(() =>
      importCostFile(database!, orgId, createReadStream(file), { fileName: 'focus.csv', format: 'focus', onLoadTiming: (phase, ms) => phases.set(phase, (phases.get(phase) ?? 0) + ms) }),
    );
    clearInterval(sampler);
    if (ours.result.rowsLoaded !== ROWS) throw new Error(`ours loaded ${ours.result.rowsLoaded} rows, expected ${ROWS}`);
    const againPhases = new Map<CostLoadPhase, number>();
    const again = await m(() =>
      importCostFile(database!, orgId, createReadStream(file), { fileName: 'focus.csv', format: 'focus', onLoadTiming: (phase, ms) => againPhases.set(phase, (againPhases.get(phase) ?? 0) + ms) }),
    );
    if (again.result.rowsLoaded !== 0) throw new Error('the second import loaded rows');

    // the JavaScript side alone, phase by phase; the last one keeps the encoded rows for (d)
    const parseOnly = await m(async () => {
      const opened = await openCostFile(createReadStream(file), { format: 'focus' });
      let n = 0;
      for await (const item of opened.rows) if (item.kind === 'row') n++;
      return n;
    });
    const parseHash = await m(async () => {
      const opened = await openCostFile(createReadStream(file), { format: 'focus' });
      const hasher = new CostRowHasher();
      let n = 0;
      for await (const item of opened.rows) if (item.kind === 'row') n += hasher.next(item.row).hash.length > 0 ? 1 : 0;
      return n;
    });
    const encoded = path.join(dir, 'encoded.copy');
    const batch = randomUUID();
    const parseHashEncode = await m(async () => {
      const opened = await openCostFile(createReadStream(file), { format: 'focus' });
      const hasher = new CostRowHasher();
      const prefix = `${orgId}\tfile\t${batch}\t${batch}\t`;
      const out = createWriteStream(encoded);
      let chunk = '';
      for await (const item of opened.rows) {
        if (item.kind !== 'row') continue;
        chunk += prefix + encodeCostRowLine(item.row, hasher.next(item.row).hash);
        if (chunk.length > 1 << 20) {
          if (!out.write(chunk)) await once(out, 'drain');
          chunk = '';
        }
      }
      out.end(chunk);
      await once(out, 'finish');
    });

    // (d) the same rows, already encoded, COPYed straight into cost_records (its partitions exist from (a))
    await reset(database);
    const tableCopy = await m(async () => {
      const writable = await sql.unsafe(`copy cost_records (${LOAD_COLUMNS.join(', ')}) from stdin`).writable();
      await pipeline(createReadStream(encoded), writable);
    });

    // (c) Drizzle, chunks of 1,000, the same parsed and hashed rows
    let drizzle: Measured<number> | undefined;
    if (!SKIP_DRIZZLE) {
      await reset(database);
      drizzle = await m(async () => {
        const opened = await openCostFile(createReadStream(file), { format: 'focus' });
        const hasher = new CostRowHasher();
        let chunk: (typeof costRecords.$inferInsert)[] = [];
        let inserted = 0;
        const flush = async () => {
          if (chunk.length === 0) return;
          const rows = await database!.db.insert(costRecords).values(chunk).onConflictDoNothing().returning({ hash: costRecords.rowHash });
          inserted += rows.length;
          chunk = [];
        };
        for await (const item of opened.rows) {
          if (item.kind !== 'row') continue;
          chunk.push({ ...item.row, orgId, source: 'file', sourceId: batch, ingestBatch: batch, rowHash: hasher.next(item.row).hash });
          if (chunk.length === CHUNK) await flush();
        }
        await flush();
        return inserted;
      });
      if (drizzle.result !== ROWS) throw new Error(`drizzle inserted ${drizzle.result} rows, expected ${ROWS}`);
    }

    const rate = (ms: number) => ROWS / (ms / 1000);
    const secs = (ms: number | null) => (ms === null ? '     -' : (ms / 1000).toFixed(2).padStart(6));
    console.log(`${''.padEnd(60)} ${'wall s'.padStart(8)} ${'rows/s'.padStart(10)}   cpu s: ${'node'.padStart(6)} ${'pg'.padStart(6)}`);
    const line = (label: string, r: Measured<unknown>) =>
      console.log(`${label.padEnd(60)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${fmtInt(rate(r.ms)).padStart(10)}          ${secs(r.nodeCpuMs)} ${secs(r.pgCpuMs)}`);
    line('(a) ours: importCostFile (parse, hash, COPY, insert)', ours);
    line('(b) raw COPY, CSV into a bare text table (logged)', rawLogged);
    line('(b) raw COPY, CSV into a bare text table (unlogged)', rawUnlogged);
    line('(d) COPY of our encoded rows into a copy of cost_records', tableCopy);
    if (drizzle) line(`(c) Drizzle insert().values(), chunks of ${CHUNK}`, drizzle);
    line('    ours, the same file again (nothing new)', again);
    console.log('');
    console.log('where (a) goes — JavaScript alone, cumulative (no database):');
    line('    parse (read, split records, map to cost rows)', parseOnly);
    line('    parse + hash', parseHash);
    line('    parse + hash + encode COPY text (written to a file for (d))', parseHashEncode);
    console.log('where (a) goes — Postgres statements of the load (wall, overlapping the JavaScript of the next batch):');
    for (const phase of COST_LOAD_PHASES) console.log(`    ${phase.padEnd(56)} ${secs(phases.get(phase) ?? 0).padStart(8)}`);
    console.log('and of the same file again (its rows looked up, none copied):');
    for (const phase of COST_LOAD_PHASES) console.log(`    ${phase.padEnd(56)} ${secs(againPhases.get(phase) ?? 0).padStart(8)}`);
    console.log('');
    const ratio = (a: Measured<unknown>, b: Measured<unknown>) => (rate(a.ms) / rate(b.ms)).toFixed(2);
    console.log(`ours / raw COPY (logged)    ${ratio(ours, rawLogged)}   (target >= 0.5)`);
    console.log(`ours / raw COPY (unlogged)  ${ratio(ours, rawUnlogged)}`);
    console.log(`(d) / raw COPY (logged)     ${ratio(tableCopy, rawLogged)}   (the table's own cost: the ceiling for any loader of cost_records)`);
    if (ours.pgCpuMs !== null && rawLogged.pgCpuMs !== null && tableCopy.pgCpuMs !== null) {
      const cpu = (r: Measured<unknown>) => r.nodeCpuMs + (r.pgCpuMs ?? 0);
      console.log(`by CPU time (node + pg): ours / raw COPY (logged) ${(cpu(rawLogged) / cpu(ours)).toFixed(2)}, (d) / raw COPY ${(cpu(rawLogged) / cpu(tableCopy)).toFixed(2)}`);
    }
    if (drizzle) console.log(`ours / Drizzle chunks       ${ratio(ours, drizzle)}`);
    console.log(`peak RSS during (a)         ${mb(peakRss)} (before: ${mb(rssBefore)})`);

    if (PAIRS > 0) {
      console.log(`\n${PAIRS} more pairs, raw COPY (logged) then ours, each on an emptied table:`);
      const ratios: number[] = [];
      const cpu = (r: Measured<unknown>) => `(cpu s: node ${(r.nodeCpuMs / 1000).toFixed(1)}${r.pgCpuMs === null ? '' : `, pg ${(r.pgCpuMs / 1000).toFixed(1)}`})`;
      for (let i = 0; i < PAIRS; i++) {
        const raw = await rawCopy(false);
        await reset(database);
        const pair = await m(() => importCostFile(database!, orgId, createReadStream(file), { fileName: 'focus.csv', format: 'focus' }));
        if (pair.result.rowsLoaded !== ROWS) throw new Error(`ours loaded ${pair.result.rowsLoaded} rows, expected ${ROWS}`);
        ratios.push(raw.ms / pair.ms);
        console.log(`    raw ${(raw.ms / 1000).toFixed(2).padStart(6)} s ${cpu(raw)}   ours ${(pair.ms / 1000).toFixed(2).padStart(6)} s ${cpu(pair)}   ours / raw COPY ${(raw.ms / pair.ms).toFixed(2)}`);
      }
      ratios.sort((a, b) => a - b);
      const median = ratios.length % 2 ? ratios[(ratios.length - 1) / 2] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
      console.log(`ours / raw COPY (logged), median of ${PAIRS} pairs: ${median.toFixed(2)} (range ${ratios[0].toFixed(2)}-${ratios.at(-1)!.toFixed(2)})`);
    }
  } finally {
    await benchDb?.close();
    await rm(dir, { recursive: true, force: true });
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
