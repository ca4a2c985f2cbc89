/**
 * Live estimates: while a run runs, its figure is the price-sheet cost of the tasks that finished
 * plus a prediction of what remains, re-computed after task completions and kept as history
 * (estimates of kind LIVE; each finished task also gets its own TASK estimate, and a new one when its
 * figure changes: a TASK row is history too, never overwritten, and sums count each task's latest).
 *
 * Re-pricing, in one transaction holding the run's row lock (concurrent workers take turns):
 * 0. a trace import into the run is open: nothing is done; the caller re-queues. The figure to compute is
 *    the one after the import, and the row lock would wait for its commit (10-20 s for 100,000 rows),
 *    holding up the queue's worker and every other run's re-price behind it (import-lock.ts);
 * 1. too soon after the last LIVE estimate (< 1 s): nothing is written; the caller re-queues;
 * 2. price every newly finished task (TASK rows, SQL numeric; finished: the run spent machine time on it,
 *    spentSql), and again every priced task written since the last re-price looked (the trace import came
 *    after the weblog, its pool was redeclared; or a price was added; or it is now CACHED): a new TASK row,
 *    superseding the old one, when its figure changed, or one that counts for nothing when it has none;
 * 3. per process: the finished tasks, the settled ones among them (run-correction.ts) and what the
 *    priced ones cost, in one read of the tasks and one of the TASK rows (each task's latest);
 * 4. the remainder: from a fresh quote of the run's pipeline at the run's tier (its profile holds finished
 *    runs only, so not this one), per process (expected tasks − finished) × cost per task when the quote has processes,
 *    times the run correction (what this run's settled tasks cost against what the quote gave them,
 *    models/run-correction.ts), and a running task at least what it has cost so far; else the quote
 *    minus what is spent; without a quote, the stored QUOTE minus what is spent; a run that has ended
 *    has no remainder;
 * 5. store LIVE = spent + remainder, set runs.estimated_cost, publish `estimateUpdated` on commit.
 *
 * Currency: TASK rows are in the price table's (USD). The figure is in the run's currency when GCT_FX_RATES
 * converts into it (the fresh quote is priced in it; spent, settled and running costs are converted per
 * row in SQL numeric), else in the price table's, stored as history but not as the run's estimated cost
 * (features.currencyNote says why).
 */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { EstimationSettings } from '../config.js';
import { estimates, type EstimateRow, type VmPriority } from '../db/schema/index.js';
import { AppError, badInput } from '../errors.js';
import { publishEvent } from '../events/publish.js';
import { priceSheetModel, toDecimalString } from '../models/index.js';
import { runCorrection, type RunCorrection } from '../models/run-correction.js';
import type { ModelRegistry } from '../models/registry.js';
import { EstimateService, type BottomUp } from './estimates.js';
import { convertAmount, fxRate, fxRateSql, notRunFigureNote } from './fx.js';
import { taskCostSql, taskPriceJoin } from './history.js';
import { isUuid } from './runs.js';
import { holdOffImports } from './capture/import-lock.js';
import { pgArrayLiteral } from './capture/task-upsert.js';

export const ESTIMATE_UPDATED = 'estimateUpdated';
/** At most one live estimate (and one event) per run per this many ms. */
export const LIVE_MIN_INTERVAL_MS = 1000;

export type RepriceOutcome =
  | { status: 'stored'; estimate: EstimateRow }
  | { status: 'too-soon'; waitMs: number }
  | { status: 'importing' }
  | { status: 'not-found' };

interface Remainder {
  value: number;
  low: number;
  high: number;
  model: string;
  version: string;
  basis: string;
  /** The run correction applied to the per-process remainder, when any task had settled. */
  correction?: Pick<RunCorrection, 'run' | 'byProcess'>;
  /** Running tasks whose cost so far was held against the per-process remainder. */
  runningTasks?: number;
  /** The fresh quote's note when it is not the champion's as it stands: the price-sheet rule and why, or a process whose model failed or VM size had no price. */
  quoteNote?: string;
}

interface CostRow {
  process: string | null;
  /** The row of all TASK rows (grouping set ()), not one process's. */
  total: boolean;
  spent: string;
  priced: number;
  settled: number;
  /** A ratio's input for a model, not money that is stored: float8 is enough. */
  settled_cost: number;
  /** TASK rows left out: no GCT_FX_RATES rate from their currency into the figure's. */
  unconverted: number;
}

/** A process's settled tasks: how many, and what they cost. */
interface Settled {
  process: string;
  n: number;
  actual: number;
}

interface RunInfo {
  id: string;
  status: string;
  pipeline: string | null;
  sample_count: number | null;
  input_bytes: string | null;
  region: string | null;
  /** The run's stated tier, else the one most of its tasks ran at (theirs, else their pool's); null when none says. */
  priority: VmPriority | null;
  currency: string;
}

/**
 * How many transactions back a re-price's snapshot xmin can be and still be compared with rows' xmin
 * by age() (32-bit, exact below 2^31), with room to spare.
 */
const XMIN_USABLE_DISTANCE = 2_000_000_000;

/** A finished task's TASK figure over `t` and `pr`: its price-sheet cost, and what it was computed from. */
const TASK_FIGURE = sql`round(${taskCostSql()}, 10) as value,
  jsonb_build_object('vmSize', t.vm_size, 'priority', coalesce(t.priority, 'DEDICATED'), 'cpus', t.cpus, 'memoryBytes', t.memory_bytes,
                     'process', t.process, 'status', t.status, 'submittedMs', floor(extract(epoch from coalesce(t.submitted_at, t.started_at)) * 1000)::bigint) as features`;

interface FigureRow {
  task_id: string;
  id: string;
  value: string;
  currency: string;
  features: string;
}

/**
 * Over a TASK estimate `e` of the run: it is its task's latest (no later row of the task supersedes it),
 * and a figure (not UNPRICED). A task whose facts changed has several TASK rows, and a sum over them must
 * count it once.
 */
function latestTaskRow(orgId: string, runId: string): SQL {
  return sql`e.id not in (
    select (s.features->>'supersedes')::uuid from estimates s
    where s.org_id = ${orgId} and s.run_id = ${runId} and s.kind = 'TASK' and s.features->>'supersedes' is not null)
    and not e.features ?| ${`{${NO_FIGURE.join(',')}}`}::text[]`;
}

/**
 * A TASK row's features key: the task, priced before, cannot be priced now (its pool was redeclared with
 * a VM size the price sheet lacks). Such a row supersedes its last figure, counts for nothing (latestTaskRow
 * leaves it out: the task is unpriced, as one never priced) and is itself superseded once it can be priced.
 */
const UNPRICED = 'unpriced';

/**
 * A TASK row's features key, beside the task's `status`: the task, priced before, is now one the run spent
 * nothing on that is known (spentSql: a later record says it was CACHED, or ABORTED with no realtime).
 * Such a row supersedes its last figure and counts for nothing, as an UNPRICED one, but the task is not an
 * unpriced finished task: it is no longer a finished one (step 3).
 */
const NOT_SPENT = 'notSpent';

/** The keys of TASK rows that stand for no figure. */
const NO_FIGURE = [UNPRICED, NOT_SPENT];

/** A task's final statuses (task-upsert.ts ranks them alike: a later record can turn one into another). */
const FINAL = sql`t.status in ('COMPLETED', 'FAILED', 'ABORTED', 'CACHED')`;

/**
 * Over a task `t`: it ended and the run spent machine time on it, what live estimates price. ABORTED (Nextflow
 * killed it, its node held till then) for the realtime it has; without one it may never have started.
 * Not CACHED: it did not run again, its times are an earlier run's (task-times.ts).
 */
const spentSql = sql`(t.status in ('COMPLETED', 'FAILED') or (t.status = 'ABORTED' and t.realtime_ms is not null))`;

/**
 * A LIVE estimate's features key: its snapshot's xmin, from which the next re-price looks for tasks
 * written since. It speaks of the run's own tasks only: a run merged into another has its LIVE rows
 * moved, and the key dropped from them (forgetTasksXmin).
 */
export const TASKS_XMIN = 'tasksXmin';

/**
 * Moving run `from`'s LIVE rows onto another run (capture/run-claim.ts): their snapshot xmin said which
 * of `from`'s tasks were written since, not the other run's. Kept, the newest of them could be the other
 * run's last re-price, and its tasks written between the two would not be priced again: dropped, the
 * next re-price compares every task once.
 */
export async function forgetTasksXmin(tx: Pick<Db, 'execute'>, orgId: string, fromRunId: string): Promise<void> {
  await tx.execute(sql`
    update estimates set features = features - ${TASKS_XMIN}::text
    where org_id = ${orgId} and run_id = ${fromRunId} and kind = 'LIVE' and features ? ${TASKS_XMIN}::text`);
}

/**
 * Keys of a stored estimate's features that are the service's own bookkeeping, not what the figure was
 * computed from: `tasksXmin` is a database transaction id, which tells of every organization's writes.
 */
const INTERNAL_FEATURES = [TASKS_XMIN];

/** An estimate's features as the API shows them. */
export function publicFeatures(features: Record<string, unknown>): Record<string, unknown> {
  if (!INTERNAL_FEATURES.some((k) => k in features)) return features;
  return Object.fromEntries(Object.entries(features).filter(([k]) => !INTERNAL_FEATURES.includes(k)));
}

export class LiveEstimateService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly registry: ModelRegistry,
    private readonly settings: EstimationSettings,
  ) {}

  /** The newest estimate of the run (any kind), or null. */
  async latest(runId: string): Promise<EstimateRow | null> {
    if (!isUuid(runId)) return null;
    const [row] = await this.db
      .select()
      .from(estimates)
      .where(and(eq(estimates.orgId, this.orgId), eq(estimates.runId, runId), sql`${estimates.kind} <> 'TASK'`))
      .orderBy(desc(estimates.createdAt))
      .limit(1);
    return row ?? null;
  }

  /**
   * QUOTE and LIVE estimates of each run, newest first, at most `first` per run (TASK rows are per task,
   * not the run's figure). One query for a whole page of runs.
   */
  async historyByRuns(runIds: readonly string[], first: number): Promise<Map<string, EstimateRow[]>> {
    if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput('first', 'must be from 1 to 1000');
    const ids = runIds.filter(isUuid);
    const out = new Map<string, EstimateRow[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const ranked = this.db
      .select({ id: estimates.id, rank: sql<number>`row_number() over (partition by ${estimates.runId} order by ${estimates.createdAt} desc, ${estimates.id})`.as('rank') })
      .from(estimates)
      .where(and(eq(estimates.orgId, this.orgId), inArray(estimates.runId, ids), sql`${estimates.kind} <> 'TASK'`))
      .as('ranked');
    const rows = await this.db
      .select({ e: estimates })
      .from(estimates)
      .innerJoin(ranked, eq(ranked.id, estimates.id))
      .where(and(eq(estimates.orgId, this.orgId), sql`${ranked.rank} <= ${first}`))
      .orderBy(desc(estimates.createdAt), estimates.id);
    for (const { e } of rows) out.get(e.runId!)?.push(e);
    return out;
  }

  async reprice(runId: string): Promise<RepriceOutcome> {
    if (!isUuid(runId)) return { status: 'not-found' };
    return this.db.transaction(async (tx) => {
      // 0. (and no import starts until this commits)
      if (!(await holdOffImports(tx, this.orgId, runId))) return { status: 'importing' } as const;
      const [run] = (await tx.execute(sql`
        select r.id, r.status, pl.name as pipeline, r.sample_count, r.input_bytes, r.region, r.currency,
               coalesce(r.priority, (
                 select mode() within group (order by coalesce(t.priority, po.priority))
                 from tasks t left join pools po on po.org_id = t.org_id and po.name = t.pool
                 where t.org_id = r.org_id and t.run_id = r.id)) as priority
        from runs r left join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
        where r.org_id = ${this.orgId} and r.id = ${runId}
        for update of r`)) as unknown as RunInfo[];
      if (!run) return { status: 'not-found' } as const;

      // 1. (and the oldest transaction open now: the next re-price's step 2 looks at what was written since).
      // The last one's is compared with rows' xmin, 32-bit transaction ids, by age(): right only while it is
      // less than 2^31 transactions back. Further (a run re-priced again months later on a busy database),
      // its age wraps negative and no row would seem written since: every task is compared instead.
      const [{ snapshot_xmin: snapshotXmin, age_ms: ageMs, tasks_xmin: lastXmin }] = (await tx.execute(sql`
        select pg_snapshot_xmin(pg_current_snapshot())::text as snapshot_xmin, l.age_ms,
               case when l.tasks_xmin::xid8 <= pg_current_xact_id()
                     and pg_current_xact_id()::text::numeric - l.tasks_xmin::numeric < ${XMIN_USABLE_DISTANCE} then l.tasks_xmin end as tasks_xmin
        from (select 1) one left join (
          select (extract(epoch from now() - created_at) * 1000)::float8 as age_ms, features->>${TASKS_XMIN}::text as tasks_xmin
          from estimates where org_id = ${this.orgId} and run_id = ${runId} and kind = 'LIVE'
          order by created_at desc limit 1) l on true`)) as unknown as { snapshot_xmin: string; age_ms: number | null; tasks_xmin: string | null }[];
      if (ageMs != null && ageMs < LIVE_MIN_INTERVAL_MS) return { status: 'too-soon', waitMs: LIVE_MIN_INTERVAL_MS - ageMs } as const;

      // 2. (the tasks written since the last re-price are found in step 3's read of the tasks)
      const newlyPriced = await this.priceNewTasks(tx as unknown as Db, runId);

      // 3. per process: the task slots finished, the attempts finished, and the submit time of the oldest
      // still pending (a finished task submitted before it is settled: run-correction.ts). The quote's
      // tasks per sample count completed tasks, so a failed attempt that Nextflow retries (errorStrategy
      // 'retry': error_action RETRY, the retry a new task id) fills no slot: its retry will. One that is
      // ignored or ends the run (IGNORE, TERMINATE, FINISH, or not reported) does. Its cost is spent all the same.
      // And the tasks written since the last re-price that have ended, each with its status when the run
      // did not spend on it (spentSql; else null): those priced before are priced again (step 2).
      const perProcess = (await tx.execute(sql`
        select t.process,
               count(*) filter (where t.status = 'COMPLETED' or (t.status = 'FAILED' and upper(coalesce(t.error_action, '')) <> 'RETRY'))::int as n,
               count(*) filter (where ${spentSql})::int as finished,
               floor(extract(epoch from min(coalesce(t.submitted_at, t.started_at)) filter (where t.status in ('NEW', 'SUBMITTED', 'RUNNING'))) * 1000)::float8 as horizon_ms,
               coalesce(jsonb_object_agg(t.id::text, case when ${spentSql} then null else t.status end) filter (where ${FINAL} and t.vm_size is not null and ${this.writtenSince(lastXmin)}), '{}') as written
        from tasks t
        where t.org_id = ${this.orgId} and t.run_id = ${runId}
        group by t.process`)) as unknown as { process: string | null; n: number; finished: number; horizon_ms: number | null; written: Record<string, string | null> }[];
      const rewritten = new Map(perProcess.flatMap((p) => Object.entries(p.written)).filter(([id]) => !newlyPriced.has(id)));
      if (rewritten.size > 0) await this.repriceChangedTasks(tx as unknown as Db, runId, rewritten);
      const done = perProcess.filter((p) => p.n > 0);
      const finishedTasks = perProcess.reduce((a, p) => a + p.finished, 0);
      const horizons = Object.fromEntries(perProcess.filter((p) => p.process !== null && p.horizon_ms !== null).map((p) => [p.process, p.horizon_ms]));
      const quote = await this.freshQuote(tx as unknown as Db, run);
      const currency = await this.figureCurrency(tx as unknown as Db, run, quote);
      const rate = fxRateSql(this.settings.fxRates, sql`e.currency`, sql`${currency}::text`);
      // what the priced tasks cost (TASK rows exist only for finished ones), in all and per process,
      // and the settled ones among them, in one read of the TASK rows, which carry process, status
      // and submit time (as ms: parsing 10,000 timestamps cost more than the rest of the query).
      // Joined to tasks in the transaction that had just written them, the planner's row counts were
      // stale and a nested loop took 27 s on a 10,000-task run. TASK rows written before these
      // features existed are never settled. A superseded TASK row is left out (latestTaskRow).
      // (offset 0: each row's features are read once per key, not again for `settled`)
      const costs = (await tx.execute(sql`
        select e.process, grouping(e.process) = 1 as total,
               coalesce(sum(e.value * ${rate}), 0)::text as spent, count(${rate})::int as priced,
               count(${rate}) filter (where settled)::int as settled, coalesce(sum(e.value * ${rate}) filter (where settled), 0)::float8 as settled_cost,
               (count(*) - count(${rate}))::int as unconverted
        from (
          select e.value, e.currency, e.features->>'process' as process, e.features->>'status' as status, (e.features->>'submittedMs')::float8 as submitted_ms
          from estimates e
          where e.org_id = ${this.orgId} and e.run_id = ${runId} and e.kind = 'TASK' and ${latestTaskRow(this.orgId, runId)}
          offset 0) e
        cross join lateral (
          select e.status = 'COMPLETED' and e.submitted_ms < coalesce((${JSON.stringify(horizons)}::jsonb ->> e.process)::float8, 'infinity') as settled
        ) s
        group by grouping sets ((e.process), ())`)) as unknown as CostRow[];
      const { spent, priced, unconverted } = costs.find((c) => c.total)!;
      const settled = costs.filter((c) => !c.total && c.process !== null && c.settled > 0)
        .map((c) => ({ process: c.process!, n: c.settled, actual: c.settled_cost }));

      // 4.
      const remainder = await this.remainder(tx as unknown as Db, run, quote, currency, done, Number(spent), settled);
      const ownCurrency = currency === run.currency.trim();

      // 5. spent is exact (numeric); the remainder is a model's float, rendered to fixed places
      const [row] = await tx
        .insert(estimates)
        .values({
          orgId: this.orgId,
          runId,
          kind: 'LIVE',
          modelName: remainder.model,
          modelVersion: remainder.version,
          value: sql`${spent}::numeric + ${toDecimalString(remainder.value)}::numeric`,
          low: sql`${spent}::numeric + ${toDecimalString(remainder.low)}::numeric`,
          high: sql`${spent}::numeric + ${toDecimalString(remainder.high)}::numeric`,
          currency,
          features: {
            spent,
            remainder: remainder.value,
            basis: remainder.basis,
            ...(remainder.correction && { correction: remainder.correction }),
            ...(remainder.runningTasks !== undefined && { runningTasks: remainder.runningTasks }),
            ...(remainder.quoteNote !== undefined && { quoteNote: remainder.quoteNote }),
            finishedTasks,
            retriedTasks: finishedTasks - done.reduce((a, d) => a + d.n, 0),
            unpricedTasks: finishedTasks - priced,
            ...(unconverted > 0 && { unconvertedTasks: unconverted }),
            ...(!ownCurrency && { currencyNote: notRunFigureNote(currency, run.currency) }),
            runStatus: run.status,
            [TASKS_XMIN]: snapshotXmin,
          },
        })
        .returning();
      if (ownCurrency) await tx.execute(sql`update runs set estimated_cost = ${row.value}::numeric, updated_at = now() where org_id = ${this.orgId} and id = ${runId}`);
      await publishEvent(tx, { topic: ESTIMATE_UPDATED, orgId: this.orgId, key: runId });
      return { status: 'stored', estimate: row } as const;
    });
  }

  /**
   * Over a task `t`: it may have been written since the re-price whose snapshot's xmin is `lastXmin`, or
   * the prices or the organization's pools were (every task may price differently then). "Since" is by
   * transaction id, not by time: a write committed after that snapshot may carry an earlier
   * `updated_at`, but its transaction was open then or began later, so its id is at least the xmin.
   * Without a `lastXmin` (the first re-price, a LIVE row from before it was kept, or one 2^31 transactions
   * back: step 1) every task may have.
   */
  private writtenSince(lastXmin: string | null): SQL {
    if (lastXmin === null) return sql`true`;
    const since = (row: SQL) => sql`age(${row}.xmin) <= age(xid(${lastXmin}::xid8))`;
    return sql`(${since(sql`t`)} or exists (select 1 from prices p where ${since(sql`p`)})
      or exists (select 1 from pools po where po.org_id = ${this.orgId} and ${since(sql`po`)}))`;
  }

  /**
   * `from … where …` over the run's finished tasks `t` that price now: their price `pr` and their TASK figure
   * `n` (value and features), for step 2's two statements to add their own conditions to.
   */
  private pricedFinishedTasks(runId: string): SQL {
    return sql`from tasks t join runs r on r.org_id = t.org_id and r.id = t.run_id
      ${taskPriceJoin()}
      cross join lateral (select ${TASK_FIGURE}) n
      where t.org_id = ${this.orgId} and t.run_id = ${runId} and ${spentSql}
        and pr.price_per_hour is not null and n.value is not null`;
  }

  /** Step 2: a TASK row for every finished task that has none; the ids of those priced. */
  private async priceNewTasks(tx: Db, runId: string): Promise<Set<string>> {
    // the anti-join is a hashed subplan: a run's TASK rows are read once, not once per task
    const rows = (await tx.execute(sql`
      insert into estimates (org_id, run_id, task_id, kind, model_name, model_version, value, currency, features)
      select t.org_id, t.run_id, t.id, 'TASK', ${priceSheetModel.name}, ${priceSheetModel.version}, n.value, pr.currency, n.features
      ${this.pricedFinishedTasks(runId)}
        and t.id not in (select e.task_id from estimates e where e.org_id = ${this.orgId} and e.run_id = ${runId} and e.kind = 'TASK' and e.task_id is not null)
      returning task_id::text as id`)) as unknown as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Step 2 for the ended tasks written since the last re-price looked (step 3 finds them: `notSpent`, by id,
   * the status of a task the run did not spend on, else null):
   * each is priced again and gets a new TASK row when the figure (value, currency, features) differs from
   * its latest one, which stays (history) and is named by the new row's `supersedes`; one that cannot be
   * priced any more gets an UNPRICED row in its place, one the run no longer spent on a NOT_SPENT row.
   * Compared here rather than in a join with the TASK rows, which could be planned as a nested loop over
   * them when their statistics are stale (27 s on a 10,000-task run, step 3). Values travel as numeric
   * text, never as JS numbers.
   */
  private async repriceChangedTasks(tx: Db, runId: string, notSpent: ReadonlyMap<string, string | null>): Promise<void> {
    const idArray = sql`${pgArrayLiteral([...notSpent.keys()])}::bigint[]`;
    const latest = (await tx.execute(sql`
      select distinct on (e.task_id) e.task_id::text as task_id, e.id, e.value::text as value, trim(e.currency) as currency, (e.features - 'supersedes')::text as features
      from estimates e
      where e.org_id = ${this.orgId} and e.run_id = ${runId} and e.kind = 'TASK' and e.task_id = any(${idArray})
      order by e.task_id, e.created_at desc, e.id desc`)) as unknown as FigureRow[];
    const now = (await tx.execute(sql`
      select t.id::text as task_id, n.value::text as value, trim(pr.currency) as currency, n.features::text as features
      ${this.pricedFinishedTasks(runId)} and t.id = any(${idArray})`)) as unknown as Omit<FigureRow, 'id'>[];
    const before = new Map(latest.map((l) => [l.task_id, l]));
    // numeric text compares as numbers in SQL below; here the same rendering of the same numeric is the same text
    const changed = now.flatMap((n) => {
      const l = before.get(n.task_id);
      return l && l.value === n.value && l.currency === n.currency && l.features === n.features ? [] : [{ ...n, supersedes: l?.id ?? null }];
    });
    // a task priced before that is not priced now: its last figure no longer counts. Said once, with why:
    // not spent on (NOT_SPENT, with the status that says so), else it cannot be priced (UNPRICED)
    const priced = new Set(now.map((n) => n.task_id));
    for (const l of latest) {
      if (priced.has(l.task_id)) continue;
      const status = notSpent.get(l.task_id);
      const mark = status ? { [NOT_SPENT]: true, status } : { [UNPRICED]: true };
      const last = JSON.parse(l.features) as Record<string, unknown>;
      if (Object.entries(mark).every(([k, v]) => last[k] === v)) continue;
      changed.push({ task_id: l.task_id, value: '0', currency: l.currency, features: JSON.stringify(mark), supersedes: l.id });
    }
    if (changed.length === 0) return;
    const column = (k: keyof (typeof changed)[number]) => pgArrayLiteral(changed.map((c) => c[k]));
    await tx.execute(sql`
      insert into estimates (org_id, run_id, task_id, kind, model_name, model_version, value, currency, features)
      select ${this.orgId}, ${runId}, c.task_id, 'TASK', ${priceSheetModel.name}, ${priceSheetModel.version}, c.value, c.currency,
             case when c.supersedes is null then c.features else c.features || jsonb_build_object('supersedes', c.supersedes) end
      from unnest(${column('task_id')}::bigint[], ${column('value')}::numeric[], ${column('currency')}::text[], ${column('features')}::jsonb[], ${column('supersedes')}::uuid[])
        as c(task_id, value, currency, features, supersedes)`);
  }

  /** A quote of the run's pipeline as it stands, in the run's currency where it can be; null when it cannot be priced. */
  private async freshQuote(tx: Db, run: RunInfo): Promise<BottomUp | null> {
    if (run.status === 'SUCCEEDED' || run.status === 'FAILED' || !run.pipeline || run.sample_count == null) return null;
    try {
      const input = {
        pipeline: run.pipeline,
        samples: run.sample_count,
        inputBytes: run.input_bytes === null ? null : Number(run.input_bytes),
        region: run.region,
        // the tier its spent tasks were priced at: a low-priority run's remainder at the dedicated rate would be 2-5× too high
        priority: run.priority,
      };
      return await new EstimateService(tx, this.orgId, this.registry, this.settings).bottomUp(input, run.currency.trim());
    } catch (err) {
      // a quote that cannot be priced; a lab's failing model does not get here (the quote falls back)
      if (!(err instanceof AppError)) throw err;
      return null;
    }
  }

  /**
   * The currency of the figure: the fresh quote's (the run's, when GCT_FX_RATES converts the prices);
   * without one, the run's when its priced tasks' and stored quote's currencies all convert into it, else
   * theirs (a USD figure is kept, not passed off as EUR).
   */
  private async figureCurrency(tx: Db, run: RunInfo, quote: BottomUp | null): Promise<string> {
    if (quote) return quote.currency.trim();
    const own = run.currency.trim();
    const used = (await tx.execute(sql`
      select distinct trim(e.currency) as currency from estimates e
      where e.org_id = ${this.orgId} and e.run_id = ${run.id} and e.kind in ('TASK', 'QUOTE') and ${latestTaskRow(this.orgId, run.id)}`)) as unknown as { currency: string }[];
    const foreign = used.map((u) => u.currency).filter((c) => fxRate(this.settings.fxRates, c, own) === null);
    return foreign.length === 0 ? own : foreign[0];
  }

  private async remainder(
    tx: Db,
    run: RunInfo,
    quote: BottomUp | null,
    currency: string,
    done: { process: string | null; n: number }[],
    spent: number,
    settled: Settled[],
  ): Promise<Remainder> {
    const none = (basis: string) => ({ value: 0, low: 0, high: 0, model: priceSheetModel.name, version: priceSheetModel.version, basis });
    if (run.status === 'SUCCEEDED' || run.status === 'FAILED') return none('run ended: finished tasks only');
    const fellBack = quote && (quote.basis === 'PRICE_SHEET' || quote.processes.some((p) => p.note !== null));
    const quoteNote = fellBack ? { quoteNote: quote!.note } : {};
    if (quote && quote.processes.length > 0) {
      const finished = new Map(done.map((d) => [d.process ?? '', d.n]));
      const correction = this.correction(quote, settled);
      const runningTasks = await this.runningCosts(tx, run.id, currency);
      const running = new Map<string, number[]>();
      for (const { process, soFar } of runningTasks) {
        const list = running.get(process ?? '');
        if (list) list.push(soFar);
        else running.set(process ?? '', [soFar]);
      }
      let value = 0;
      let low = 0;
      let high = 0;
      // per process: its slots not taken by a running task at the (corrected) quote's cost per task,
      // and each running task at least what it has cost so far
      for (const p of quote.processes) {
        if (p.tasks <= 0) continue;
        const f = correction?.factor(p.process) ?? 1;
        const left = Math.max(0, p.tasks - (finished.get(p.process) ?? 0));
        const now = running.get(p.process) ?? [];
        running.delete(p.process);
        const slot = (k: 'value' | 'low' | 'high') => {
          const each = (p[k] * f) / p.tasks;
          return Math.max(0, left - now.length) * each + now.reduce((a, soFar) => a + Math.max(soFar, each), 0);
        };
        value += slot('value');
        low += slot('low');
        high += slot('high');
      }
      // running tasks of processes the quote does not know: what they have cost so far
      const unquoted = [...running.values()].flat().reduce((a, soFar) => a + soFar, 0);
      value += unquoted;
      low += unquoted;
      high += unquoted;
      return {
        value, low, high, model: quote.model.name, version: quote.model.version,
        basis: correction ? 'champion per process, corrected by the run\'s settled tasks' : 'champion per process',
        runningTasks: runningTasks.length,
        ...(correction && { correction: { run: correction.run, byProcess: correction.byProcess } }),
        ...quoteNote,
      };
    }
    if (quote) {
      return { value: Math.max(0, quote.value - spent), low: Math.max(0, quote.low - spent), high: Math.max(0, quote.high - spent), model: quote.model.name, version: quote.model.version, basis: 'quote minus spent', ...quoteNote };
    }
    const [stored] = await tx
      .select()
      .from(estimates)
      .where(and(eq(estimates.orgId, this.orgId), eq(estimates.runId, run.id), eq(estimates.kind, 'QUOTE')))
      .orderBy(desc(estimates.createdAt))
      .limit(1);
    // a stored quote in another currency than the figure's counts once converted; without a rate it cannot
    const inFigure = (x: string | null) => convertAmount(this.settings.fxRates, x ?? stored.value, stored.currency, currency);
    if (stored && inFigure(stored.value) !== null) {
      const rest = (x: string | null) => Math.max(0, Number(inFigure(x)) - spent);
      return { value: rest(stored.value), low: rest(stored.low), high: rest(stored.high), model: stored.modelName, version: stored.modelVersion, basis: 'stored quote minus spent' };
    }
    return none('no quote: finished tasks only');
  }

  /**
   * What each running task of the run has cost so far (price-sheet rule, started until now, at most
   * its `time` directive: a task left RUNNING by a lost event must not grow the figure for ever);
   * unpriced ones are left out.
   */
  private async runningCosts(tx: Db, runId: string, currency: string): Promise<{ process: string | null; soFar: number }[]> {
    const wall = sql`least(greatest(0, extract(epoch from now() - t.started_at) * 1000), coalesce(t.time_ms::numeric, 'infinity'))`;
    const soFar = sql`${taskCostSql(wall)} * ${fxRateSql(this.settings.fxRates, sql`pr.currency`, sql`${currency}::text`)}`;
    // a floor for a model figure, not money that is stored or summed as such: float8 is enough
    const rows = (await tx.execute(sql`
      select t.process, (${soFar})::float8 as so_far
      from tasks t join runs r on r.org_id = t.org_id and r.id = t.run_id
      ${taskPriceJoin()}
      where t.org_id = ${this.orgId} and t.run_id = ${runId} and t.status = 'RUNNING' and t.started_at is not null
        and pr.price_per_hour is not null and ${soFar} is not null`)) as unknown as { process: string | null; so_far: number }[];
    return rows.map((r) => ({ process: r.process, soFar: r.so_far }));
  }

  /**
   * The run correction from the settled tasks, against what the quote gave a task of their process;
   * null when it is off or nothing has settled. Settled tasks of a process the quote does not list
   * have no prediction to compare with and are left out.
   */
  private correction(quote: BottomUp, settled: Settled[]): RunCorrection | null {
    const prior = this.settings.liveCorrectionPrior;
    if (prior <= 0) return null;
    const perTask = new Map(quote.processes.filter((p) => p.tasks > 0).map((p) => [p.process, p.value / p.tasks]));
    const finished = settled.flatMap((s) => {
      const predicted = perTask.get(s.process);
      return predicted === undefined ? [] : [{ process: s.process, n: s.n, predicted: predicted * s.n, actual: s.actual }];
    });
    return finished.length > 0 ? runCorrection(finished, { prior }) : null;
  }
}
