/**
 * A fingerprint of everything a pipeline's retrain round reads, computed in SQL without sending a
 * task to the server: when it equals the one the pipeline's newest versions carry, the history has not
 * changed since they were fitted (or last found unchanged), and the round need not read it again.
 *
 * It must change whenever a sample could: it hashes, per task of every run of the pipeline (any status,
 * so pricedRuns' failed attempts and the profile's tasks are in it too), every task column history.ts,
 * pricedRuns and refreshProfile read and every run column they read, plus the organization's pools and
 * the shared price table (a task's price). A task priced without a start time is priced at today's
 * prices, so then today's date is in it too. Any other change (a column nothing reads) only costs a
 * round that reads the history and finds it unchanged.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pushTo } from '../models/index.js';
import type { FxRates } from './fx.js';
import type { Reader } from './history.js';

export interface ProcessCounts {
  /** Tasks history reads: COMPLETED, with a process and a submit or start time. */
  history: number;
  /** Of those, the ones with a runtime. */
  runtime: number;
  /** The same with a peak RSS. */
  peakRss: number;
}

export interface PipelineFingerprint {
  key: string;
  /** Per process, what each task target's samples will number: which scopes a round has. */
  processes: Map<string, ProcessCounts>;
  /** The pipeline's SUCCEEDED runs with tasks: under MIN_RUN_SAMPLES, it has no priced run-level scope. */
  succeededRuns: number;
}

interface Row {
  pipeline: string;
  process: string | null;
  tasks: string;
  hash: string;
  history: number;
  runtime: number;
  peak_rss: number;
  dated_now: boolean;
}

/**
 * Fingerprints of the organization's pipelines (of one, when given) that have tasks. `rules` is what
 * else shapes a round (settings, the server's round rules): it is hashed in.
 */
export async function pipelineFingerprints(db: Reader, orgId: string, rules: { fxRates: FxRates; [k: string]: unknown }, pipeline?: string): Promise<Map<string, PipelineFingerprint>> {
  // the organization's pools and the price table decide a task's price; the session's time zone, which
  // date a start time is on (the price in force then)
  const [shared] = (await db.execute(sql`
    select (select count(*) || ':' || coalesce(sum(hashtextextended(p::text, 0)), 0) from prices p) as prices,
           (select count(*) || ':' || coalesce(sum(hashtextextended(po::text, 0)), 0) from pools po where po.org_id = ${orgId}) as pools,
           current_setting('TimeZone') as "timeZone", current_date::text as today`)) as unknown as { prices: string; pools: string; timeZone: string; today: string }[];
  const rows = (await db.execute(sql`
    select pl.name as pipeline, t.process, count(*)::text as tasks,
           -- each row's hash mixed again before the sum: hash_record_extended combines columns linearly
           -- (h × 31 + column), so two tasks exchanging a value left a plain sum unchanged more often than not
           sum(hashint8extended(hash_record_extended(row(t.run_id, t.task_id, t.status, t.process, t.tag, t.sample, t.cpus, t.memory_bytes, t.attempt,
                                    t.submitted_at, t.started_at, t.completed_at, t.realtime_ms, t.duration_ms, t.peak_rss,
                                    t.vm_size, t.pool, t.priority,
                                    r.status, r.sample_count, r.input_bytes, r.region, r.currency, r.submitted_at, r.started_at, r.created_at), 0), 0))::text as hash,
           count(*) filter (where h.history)::int as history,
           count(*) filter (where h.history and coalesce(t.realtime_ms, t.duration_ms) is not null)::int as runtime,
           count(*) filter (where h.history and t.peak_rss is not null)::int as peak_rss,
           bool_or(t.started_at is null and t.vm_size is not null) as dated_now
    from tasks t
    join runs r on r.org_id = t.org_id and r.id = t.run_id
    join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
    cross join lateral (select t.status = 'COMPLETED' and t.process is not null and coalesce(t.submitted_at, t.started_at) is not null as history) h
    where t.org_id = ${orgId} ${pipeline === undefined ? sql`` : sql`and pl.name = ${pipeline}`}
    group by pl.name, t.process
    order by pl.name, t.process nulls first`)) as unknown as Row[];
  // an index probe per run, not a scan of the tasks
  const succeeded = (await db.execute(sql`
    select pl.name as pipeline, count(*)::int as runs
    from runs r join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
    where r.org_id = ${orgId} and r.status = 'SUCCEEDED' ${pipeline === undefined ? sql`` : sql`and pl.name = ${pipeline}`}
      and exists (select from tasks t where t.org_id = r.org_id and t.run_id = r.id)
    group by pl.name`)) as unknown as { pipeline: string; runs: number }[];
  const succeededRuns = new Map(succeeded.map((r) => [r.pipeline, r.runs]));
  const byPipeline = new Map<string, Row[]>();
  for (const r of rows) pushTo(byPipeline, r.pipeline, r);
  const out = new Map<string, PipelineFingerprint>();
  const rulesText = JSON.stringify(Object.entries(rules).map(([k, v]) => [k, v instanceof Map ? [...v].sort() : v]).sort());
  for (const [name, list] of byPipeline) {
    const hash = createHash('sha256');
    // a task without a start time is priced at today's prices
    const today = list.some((r) => r.dated_now) ? shared.today : null;
    hash.update(JSON.stringify([rulesText, shared.prices, shared.pools, shared.timeZone, today]));
    for (const r of list) hash.update(`\n${JSON.stringify([r.process, r.tasks, r.hash])}`);
    const processes = new Map<string, ProcessCounts>();
    for (const r of list) {
      if (r.process !== null) processes.set(r.process, { history: r.history, runtime: r.runtime, peakRss: r.peak_rss });
    }
    out.set(name, { key: hash.digest('base64url'), processes, succeededRuns: succeededRuns.get(name) ?? 0 });
  }
  return out;
}
