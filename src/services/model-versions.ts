/**
 * Model versions of an organization: retraining (fit every model on every scope of the history,
 * score it on a time-ordered holdout, keep the version) and champions (the version quotes use).
 *
 * Retraining, per pipeline and target:
 * 1. scopes: the whole pipeline, and each process with enough history of its own; `costPerRun`
 *    (one sample per finished run) only the whole pipeline, once it has `MIN_RUN_SAMPLES` runs
 *    (see runSamples for which costs);
 * 2. every registered model of the target is backtested on the same split (older tasks train,
 *    newer ones score), then refitted on all of it; each fit is stored as a version;
 * 3. the round's best model by holdout MAPE among those whose holdout bias is within
 *    `maxChampionBias` becomes champion only if it beats the current champion's model on this
 *    same holdout; otherwise the champion's model stays, on its new fit (models/promotion.ts).
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, getTableColumns, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { errorText } from '../db/query-error.js';
import type { EstimationSettings } from '../config.js';
import { modelVersions, pipelineProfiles, type CostBasis, type ModelScope, type ModelVersionRow } from '../db/schema/index.js';
import { backtest, chooseChampion, fitState, priceSheetModel, pushTo, timeOrderedSplit, type BacktestResult, type EstimationModel, type ModelTarget, type TrainingSample } from '../models/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { storableText } from '../input/text.js';
import { checkPageSize } from './pagination.js';
import { billedRuns, pricedRuns, samplesFor, taskHistory, TASK_TARGETS, type HistoryRun, type HistoryTask, type Reader } from './history.js';
import { pipelineFingerprints, type PipelineFingerprint } from './history-fingerprint.js';

/** Below this many samples a scope is not fitted (the holdout would be a handful of tasks). */
export const MIN_SCOPE_SAMPLES = 20;
/** Runs a pipeline needs before run-level models are fitted: a 30 % holdout of 10 is 3 runs, the fewest worth a metric. */
export const MIN_RUN_SAMPLES = 10;

export interface RetrainReport {
  pipelines: number;
  versions: number;
  /** New champions: another model, or (run-level) the same one learning from another kind of cost or currency. */
  promoted: { target: string; scope: ModelScope; pipeline: string; process: string; model: string; mape: number | null; costBasis: CostBasis | null; currency: string | null }[];
  /** Scopes whose history had not changed since their models' newest versions: not fitted again. */
  unchanged: number;
  /** Fitted states of versions that are not champion dropped for age (GCT_MODEL_STATE_RETENTION_DAYS). */
  statesDropped: number;
  /**
   * Models that failed on a scope, skipped there and nowhere else: they threw while fitting or
   * predicting, answered with a Promise, or fitted a state a version cannot store (models/model-call.ts).
   */
  failures: { model: string; target: ModelTarget; scope: ModelScope; pipeline: string; process: string; error: string }[];
  /**
   * What the round read besides the pipelines' fingerprints: the pipelines whose task history it read and
   * how many tasks, and the pipelines whose runs it priced. None when every scope was unchanged by its
   * fingerprint.
   */
  historyRead: { pipelines: number; tasks: number; pricedPipelines: number };
}

/** A version as `models` lists it: `stateKept` false once retention dropped its fitted state. */
export type ListedVersion = Omit<ModelVersionRow, 'state'> & { stateKept: boolean };

export interface ModelFilter {
  pipeline?: string | null;
  target?: string | null;
  championOnly?: boolean | null;
}

interface Scoped {
  scope: ModelScope;
  pipeline: string;
  process: string;
  samples: TrainingSample[];
  costBasis?: CostBasis;
  currency?: string;
}

export class ModelService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly registry: ModelRegistry,
    private readonly settings: Pick<EstimationSettings, 'holdoutFraction' | 'maxChampionBias' | 'stateRetentionDays' | 'fxRates'>,
  ) {}

  /** Models that learn from history: every registered one but the price-sheet rule (it needs the observed duration). */
  learners(target?: ModelTarget): EstimationModel[] {
    return this.registry.list().filter((m) => m.name !== priceSheetModel.name && (target === undefined || m.target === target));
  }

  /** Versions with their metrics, not their states (a page of 1000 states is megabytes nobody reads here). */
  async list(filter: ModelFilter, first: number): Promise<ListedVersion[]> {
    checkPageSize(first, 1000);
    const conditions = [eq(modelVersions.orgId, this.orgId)];
    if (filter.pipeline) conditions.push(eq(modelVersions.pipeline, filter.pipeline));
    if (filter.target) conditions.push(eq(modelVersions.target, filter.target));
    if (filter.championOnly) conditions.push(eq(modelVersions.champion, true));
    const { state, ...columns } = getTableColumns(modelVersions);
    return this.db
      .select({ ...columns, stateKept: sql<boolean>`${state} is not null` })
      .from(modelVersions)
      .where(and(...conditions))
      .orderBy(desc(modelVersions.trainedAt), modelVersions.pipeline, modelVersions.process, modelVersions.modelName)
      .limit(first);
  }

  /** Current champions of a pipeline for a target: the PIPELINE one and every PROCESS one. */
  async champions(pipeline: string, target: ModelTarget): Promise<ModelVersionRow[]> {
    return this.db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.orgId, this.orgId), eq(modelVersions.pipeline, pipeline), eq(modelVersions.target, target), eq(modelVersions.champion, true)));
  }

  async retrain(opts: { pipeline?: string; log?: { warn(obj: object, msg: string): void } } = {}): Promise<RetrainReport> {
    const read = await this.readHistory(opts.pipeline);
    const byPipeline = new Map<string, HistoryTask[]>();
    for (const t of read.history) pushTo(byPipeline, t.pipeline, t);
    // Per pipeline with `MIN_RUN_SAMPLES` runs in one currency, the run costs a run-level model learns
    // from: the bill once that many runs are billed in full (history.billedInFull), else every finished
    // run's tasks at the price sheet. Never a mix: billed costs hold idle and overheads that priced ones
    // do not, and a model scored on one kind after learning from the other would be off by that gap.
    // Runs in the pipeline's most common currency (the figure is in it); others are left out.
    const runSamples = new Map<string, RunSamples>();
    for (const [pipeline, s] of usable(read.billed)) runSamples.set(pipeline, { ...s, basis: 'BILL' });
    for (const [pipeline, s] of usable(read.priced)) if (!runSamples.has(pipeline)) runSamples.set(pipeline, { ...s, basis: 'PRICE_SHEET' });
    const report: RetrainReport = {
      pipelines: new Set([...read.historyPipelines, ...runSamples.keys()]).size,
      versions: 0,
      unchanged: read.confirmedScopes,
      statesDropped: 0,
      promoted: [],
      failures: [],
      historyRead: { pipelines: byPipeline.size, tasks: read.history.length, pricedPipelines: read.pricedPipelines },
    };
    const fingerprint = (pipeline: string) => read.fingerprints.get(pipeline)?.key;
    for (const [pipeline, tasks] of byPipeline) {
      await this.refreshProfile(pipeline);
      for (const target of TASK_TARGETS) {
        const models = this.learners(target);
        if (models.length === 0) continue;
        for (const scoped of scopesOf(pipeline, samplesFor(target, tasks))) {
          await this.retrainScope(target, scoped, models, report, fingerprint(pipeline), opts.log);
        }
      }
    }
    const runModels = this.learners('costPerRun');
    for (const [pipeline, { basis, currency, runs }] of runSamples) {
      if (runModels.length === 0) break;
      const samples = runs.map((r) => ({ features: r.features, value: r.cost, at: r.at }));
      await this.retrainScope('costPerRun', { scope: 'PIPELINE', pipeline, process: '', samples, costBasis: basis, currency }, runModels, report, fingerprint(pipeline), opts.log);
    }
    report.statesDropped = await this.dropOldStates();
    return report;
  }

  /**
   * What a round learns from, read in one snapshot (so the fingerprint a version is labelled with is of
   * the history it learned from): every pipeline's fingerprint first, then the history of only those
   * pipelines whose newest versions do not all carry their current one (confirmedTaskScopes), and the
   * priced run costs of only those whose run-level versions do not. Billed runs are always read: one
   * row per run.
   */
  private async readHistory(pipeline?: string) {
    return this.db.transaction(
      async (tx) => {
        const fingerprints = await pipelineFingerprints(tx, this.orgId, roundRules(this.settings), pipeline);
        const billed = await billedRuns(tx, this.orgId, pipeline);
        const billedPipelines = new Set(usable(billed).keys());
        const versions = await this.newestVersions(tx, pipeline);
        const runModels = this.learners('costPerRun');
        const historyPipelines: string[] = [];
        const toRead: string[] = [];
        const toPrice: string[] = [];
        let confirmedScopes = 0;
        for (const [name, fp] of fingerprints) {
          if (![...fp.processes.values()].some((c) => c.history > 0)) continue;
          historyPipelines.push(name);
          const scopes = this.confirmedTaskScopes(name, fp, versions);
          if (scopes === null) toRead.push(name);
          else confirmedScopes += scopes;
          // run-level: billed ones are hashed from the billed runs above; under MIN_RUN_SAMPLES runs, no scope
          if (runModels.length === 0 || billedPipelines.has(name) || fp.succeededRuns < MIN_RUN_SAMPLES) continue;
          if (confirmedScope(versions, 'costPerRun', 'PIPELINE', name, '', runModels, fp.key, 'PRICE_SHEET')) confirmedScopes += 1;
          else toPrice.push(name);
        }
        let history: HistoryTask[] = [];
        // (concat, not push(...): a million arguments overflow the stack)
        if (toRead.length > 0 && (pipeline !== undefined || toRead.length === historyPipelines.length)) history = await taskHistory(tx, this.orgId, pipeline);
        else for (const name of toRead) history = history.concat(await taskHistory(tx, this.orgId, name));
        // last: it sets planner settings for the rest of the transaction
        const priced = await pricedRuns(tx, this.orgId, toPrice, this.settings.fxRates);
        return { fingerprints, billed, history, priced, historyPipelines, confirmedScopes, pricedPipelines: toPrice.length };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  /**
   * How many task-level scopes the pipeline has, when every one of them is unchanged since its models'
   * newest versions by the fingerprint alone: each scope the counts say the history has (scopesOf's rule),
   * for every target with learners, carries it on every learner's newest version. Null when one does not,
   * when it has no scope (then no version says its profile was refreshed on this history), or when a
   * costPerTask learner is registered (which tasks are its samples depends on their price).
   */
  private confirmedTaskScopes(pipeline: string, fp: PipelineFingerprint, versions: NewestVersions): number | null {
    if (this.learners('costPerTask').length > 0) return null;
    let scopes = 0;
    for (const target of TASK_TARGETS) {
      const models = this.learners(target);
      if (models.length === 0) continue;
      const counts = [...fp.processes].map(([process, c]) => [process, target === 'runtimeMs' ? c.runtime : c.peakRss] as const);
      const expected: [ModelScope, string][] = counts.filter(([, n]) => n >= MIN_SCOPE_SAMPLES).map(([process]) => ['PROCESS', process]);
      if (counts.reduce((sum, [, n]) => sum + n, 0) >= MIN_SCOPE_SAMPLES) expected.push(['PIPELINE', '']);
      for (const [scope, process] of expected) {
        if (!confirmedScope(versions, target, scope, pipeline, process, models, fp.key)) return null;
        scopes += 1;
      }
    }
    return scopes > 0 ? scopes : null;
  }

  /** Per scope, each model's newest version and the scope's champion. */
  private async newestVersions(db: Reader, pipeline?: string): Promise<NewestVersions> {
    const rows = (await db.execute(sql`
      select target, scope, pipeline, process, model_name as "modelName", model_version as "modelVersion",
             history_fingerprint as "historyFingerprint", cost_basis as "costBasis", champion, newest
      from (select target, scope, pipeline, process, model_name, model_version, history_fingerprint, cost_basis, champion,
                   row_number() over (partition by target, scope, pipeline, process, model_name order by trained_at desc) = 1 as newest
            from ${modelVersions}
            where org_id = ${this.orgId} ${pipeline === undefined ? sql`` : sql`and pipeline = ${pipeline}`}) v
      where newest or champion`)) as unknown as (VersionHead & { target: string; scope: string; pipeline: string; process: string })[];
    const out: NewestVersions = new Map();
    for (const r of rows) pushTo(out, scopeKey(r.target, r.scope, r.pipeline, r.process), r);
    return out;
  }

  /** Nulls the states of versions that are not champion once older than the retention; returns how many. */
  async dropOldStates(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.settings.stateRetentionDays * 86_400_000);
    const dropped = await this.db
      .update(modelVersions)
      .set({ state: null })
      .where(and(eq(modelVersions.orgId, this.orgId), eq(modelVersions.champion, false), isNotNull(modelVersions.state), lt(modelVersions.trainedAt, before)))
      .returning({ id: modelVersions.id });
    return dropped.length;
  }

  /**
   * Whether each model's newest version of the scope learned from exactly these samples (`key`): fitting
   * again would store the same fits and metrics (fit and backtest are deterministic in the samples) and
   * choose the same champion. When they did, those versions are labelled with the pipeline's current
   * history fingerprint, so the next round can tell without reading the history.
   */
  private async unchanged(target: ModelTarget, s: Scoped, models: EstimationModel[], key: string, fingerprint: string | null): Promise<boolean> {
    // each model's newest version of the scope, and the scope's champion, in one read
    const rows = (await this.db.execute(sql`
      select id, model_name as "modelName", model_version as "modelVersion", samples_key as "samplesKey",
             history_fingerprint as "historyFingerprint", champion, newest
      from (select id, model_name, model_version, samples_key, history_fingerprint, champion,
                   row_number() over (partition by model_name order by trained_at desc) = 1 as newest
            from ${modelVersions}
            where org_id = ${this.orgId} and target = ${target} and scope = ${s.scope} and pipeline = ${s.pipeline} and process = ${s.process}) v
      where newest or champion`)) as unknown as { id: string; modelName: string; modelVersion: string; samplesKey: string | null; historyFingerprint: string | null; champion: boolean; newest: boolean }[];
    const byName = new Map(rows.filter((v) => v.newest).map((v) => [v.modelName, v]));
    const fitted = models.every((m) => {
      const v = byName.get(m.name);
      return v !== undefined && v.modelVersion === m.version && v.samplesKey === key;
    });
    if (!fitted) return false;
    // a champion whose model left the registry (or changed version) cannot quote: the round must choose again
    const champion = rows.find((v) => v.champion);
    if (champion && !models.some((m) => m.name === champion.modelName && m.version === champion.modelVersion)) return false;
    const relabel = models.map((m) => byName.get(m.name)!).filter((v) => v.historyFingerprint !== fingerprint);
    if (relabel.length > 0) {
      await this.db
        .update(modelVersions)
        .set({ historyFingerprint: fingerprint })
        .where(and(eq(modelVersions.orgId, this.orgId), inArray(modelVersions.id, relabel.map((v) => v.id))));
    }
    return true;
  }

  private async retrainScope(target: ModelTarget, s: Scoped, models: EstimationModel[], report: RetrainReport, fingerprint: string | undefined, log?: { warn(obj: object, msg: string): void }) {
    const key = samplesKey(target, s, this.settings);
    if (await this.unchanged(target, s, models, key, fingerprint ?? null)) {
      report.unchanged += 1;
      return;
    }
    const fitted: { model: EstimationModel; result: BacktestResult; state: unknown }[] = [];
    for (const model of models) {
      try {
        const result = backtest(model, s.samples, { trainFraction: 1 - this.settings.holdoutFraction });
        // the stored fit uses all the history; the metrics are the holdout's
        fitted.push({ model, result, state: fitState(model, s.samples) });
      } catch (err) {
        const failure = { model: model.name, target, scope: s.scope, pipeline: s.pipeline, process: s.process, error: failureText(err) };
        report.failures.push(failure);
        log?.warn(failure, 'model failed to train; skipped');
      }
    }
    if (fitted.length === 0) return;
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    // the history the versions learned from, and where their holdout began (backtest's own split)
    const { older, newer } = timeOrderedSplit(s.samples, 1 - this.settings.holdoutFraction);
    const window = { trainedFrom: new Date(older[0].at), trainedTo: new Date(newer[newer.length - 1].at), heldOutFrom: new Date(newer[0].at) };
    const basis = s.costBasis ?? null;
    const currency = s.currency ?? null;
    await this.db.transaction(async (tx) => {
      const scopeWhere = and(
        eq(modelVersions.orgId, this.orgId),
        eq(modelVersions.target, target),
        eq(modelVersions.scope, s.scope),
        eq(modelVersions.pipeline, s.pipeline),
        eq(modelVersions.process, s.process),
      );
      // serialises concurrent retrains of one scope, so two champions are never chosen at once
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`${this.orgId}/${target}/${s.scope}/${s.pipeline}/${s.process}`}))`);
      const [current] = await tx.select().from(modelVersions).where(and(scopeWhere, eq(modelVersions.champion, true)));
      const incumbent = current ? fitted.findIndex((f) => f.model.name === current.modelName) : -1;
      const pick = chooseChampion(fitted.map((f) => f.result), incumbent >= 0 ? incumbent : null, { maxBias: this.settings.maxChampionBias });
      const winner = pick === null ? null : fitted[pick];
      // a round that can measure no candidate (a holdout of zero actuals, models answering NaN) says nothing
      // against the champion the scope has: it stays
      if (current && winner) await tx.update(modelVersions).set({ champion: false }).where(and(scopeWhere, eq(modelVersions.champion, true)));
      const rows = await tx
        .insert(modelVersions)
        .values(
          fitted.map((f) => ({
            orgId: this.orgId,
            modelName: f.model.name,
            modelVersion: f.model.version,
            target,
            scope: s.scope,
            pipeline: s.pipeline,
            process: s.process,
            state: f.state,
            mape: finite(f.result.mape),
            medianApe: finite(f.result.medianApe),
            bias: finite(f.result.bias),
            coverage: finite(f.result.coverage),
            nTrain: f.result.nTrain,
            nTest: f.result.n,
            champion: f === winner,
            costBasis: basis,
            currency,
            samplesKey: key,
            historyFingerprint: fingerprint ?? null,
            ...window,
          })),
        )
        .returning({ id: modelVersions.id });
      report.versions += rows.length;
      if (winner && (!current || current.modelName !== winner.model.name || current.costBasis !== basis || current.currency !== currency)) {
        report.promoted.push({ target, scope: s.scope, pipeline: s.pipeline, process: s.process, model: winner.model.name, mape: finite(winner.result.mape), costBasis: basis, currency });
      }
    });
  }

  /**
   * Rewrites the pipeline's per-process profile from its SUCCEEDED runs (a running or failed run would
   * understate how many tasks a run has): medians of tasks per sample, requested cpus and memory, and
   * submit position; the usual VM size.
   */
  async refreshProfile(pipeline: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      // two retrains of the organization at once (a retrain job outliving its expiry runs beside its
      // retry) would each delete, then both insert: the second insert a duplicate key. Held only for
      // this short transaction, so the retrains still run side by side.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`${this.orgId}/profile/${pipeline}`}))`);
      await tx.delete(pipelineProfiles).where(and(eq(pipelineProfiles.orgId, this.orgId), eq(pipelineProfiles.pipeline, pipeline)));
      await tx.execute(sql`
        insert into pipeline_profiles (org_id, pipeline, process, tasks_per_sample, cpus, memory_bytes, position, vm_size, runs, tasks)
        with t as (
          select t.run_id, t.process, t.cpus, t.memory_bytes, t.vm_size, greatest(r.sample_count, 1) as samples,
                 row_number() over (partition by t.run_id order by t.submitted_at, t.task_id) - 1 as position
          from tasks t
          join runs r on r.org_id = t.org_id and r.id = t.run_id
          join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
          where t.org_id = ${this.orgId} and pl.name = ${pipeline} and r.status = 'SUCCEEDED'
            and t.status = 'COMPLETED' and t.process is not null
        ),
        per_run as (select process, run_id, count(*)::float8 / min(samples) as per_sample from t group by process, run_id),
        per_process as (
          select process, percentile_cont(0.5) within group (order by per_sample) as tasks_per_sample, count(*)::int as runs
          from per_run group by process
        )
        select ${this.orgId}::uuid, ${pipeline}, p.process, pp.tasks_per_sample,
               percentile_cont(0.5) within group (order by p.cpus),
               percentile_cont(0.5) within group (order by p.memory_bytes),
               percentile_cont(0.5) within group (order by p.position),
               mode() within group (order by p.vm_size), pp.runs, count(*)::int
        from t p join per_process pp on pp.process = p.process
        group by p.process, pp.tasks_per_sample, pp.runs`);
    });
  }
}

export interface RunSamples {
  basis: CostBasis;
  currency: string;
  runs: HistoryRun[];
}

/** Per pipeline, its runs in its most common currency (ties: alphabetical), when they are `MIN_RUN_SAMPLES` or more. */
export function usable(runs: readonly HistoryRun[]): Map<string, Omit<RunSamples, 'basis'>> {
  const byKey = new Map<string, HistoryRun[]>();
  for (const r of runs) pushTo(byKey, `${r.pipeline}\u0000${r.currency}`, r);
  const best = new Map<string, Omit<RunSamples, 'basis'>>();
  for (const list of byKey.values()) {
    const { pipeline, currency } = list[0];
    const current = best.get(pipeline);
    if (list.length < MIN_RUN_SAMPLES) continue;
    if (!current || list.length > current.runs.length || (list.length === current.runs.length && currency < current.currency)) {
      best.set(pipeline, { currency, runs: list });
    }
  }
  return best;
}

interface VersionHead {
  modelName: string;
  modelVersion: string;
  historyFingerprint: string | null;
  costBasis: CostBasis | null;
  champion: boolean;
  newest: boolean;
}

type NewestVersions = Map<string, VersionHead[]>;

const scopeKey = (target: string, scope: string, pipeline: string, process: string) => JSON.stringify([target, scope, pipeline, process]);

/**
 * The scope is unchanged by its fingerprint alone: every learner's newest version is of its code's
 * version and carries `fingerprint` (of `basis`, for run-level ones), and its champion can still quote.
 */
function confirmedScope(versions: NewestVersions, target: ModelTarget, scope: ModelScope, pipeline: string, process: string, models: EstimationModel[], fingerprint: string, basis?: CostBasis): boolean {
  const rows = versions.get(scopeKey(target, scope, pipeline, process)) ?? [];
  const fitted = models.every((m) => {
    const v = rows.find((r) => r.newest && r.modelName === m.name);
    return v !== undefined && v.modelVersion === m.version && v.historyFingerprint === fingerprint && (basis === undefined || v.costBasis === basis);
  });
  const champion = rows.find((v) => v.champion);
  return fitted && (!champion || models.some((m) => m.name === champion.modelName && m.version === champion.modelVersion));
}

/** What shapes a round besides the history and the models: hashed into every fingerprint. */
function roundRules(settings: Pick<EstimationSettings, 'holdoutFraction' | 'maxChampionBias' | 'fxRates'>) {
  return {
    rules: ROUND_RULES_VERSION,
    holdoutFraction: settings.holdoutFraction,
    maxChampionBias: settings.maxChampionBias,
    fxRates: settings.fxRates,
    minScopeSamples: MIN_SCOPE_SAMPLES,
    minRunSamples: MIN_RUN_SAMPLES,
  };
}

/**
 * The server's own part of a round: bump it when backtest, the holdout split, scopesOf or chooseChampion
 * change how a round scores or picks, so every scope is fitted again once instead of being skipped as
 * unchanged. (A model's own changes bump its `version`, which the skip compares.)
 */
const ROUND_RULES_VERSION = 'rounds/v1';

/**
 * sha256 of what shapes a scope's round besides the model code: the samples in the order given (history
 * reads them in a fixed order; another order only costs a refit) and the settings the split and the
 * champion rule use.
 */
export function samplesKey(target: ModelTarget, s: Scoped, settings: Pick<EstimationSettings, 'holdoutFraction' | 'maxChampionBias'>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([ROUND_RULES_VERSION, target, s.scope, s.pipeline, s.process, s.costBasis ?? null, s.currency ?? null, settings.holdoutFraction, settings.maxChampionBias]));
  for (const sample of s.samples) hash.update(`\n${JSON.stringify(sample)}`);
  return hash.digest('base64url');
}

/**
 * What a failed model said, as the job's output can store it: that output is jsonb too, and a lab's
 * error message with a NUL character or an unpaired surrogate would fail the finished job.
 */
function failureText(err: unknown): string {
  let text: string;
  try {
    // bounded, and without a failed query's parameters (the state being stored, megabytes of it)
    text = errorText(err);
  } catch {
    // a thrown object without a prototype, or whose toString throws: the report must still be written
    text = `threw a ${typeof err} that cannot be shown as text`;
  }
  return storableText(text);
}

/** The pipeline scope, then each process with enough samples of its own. */
function scopesOf(pipeline: string, samples: TrainingSample[]): Scoped[] {
  const out: Scoped[] = [];
  if (samples.length >= MIN_SCOPE_SAMPLES) out.push({ scope: 'PIPELINE', pipeline, process: '', samples });
  const byProcess = new Map<string, TrainingSample[]>();
  for (const s of samples) pushTo(byProcess, s.features.process, s);
  for (const [process, list] of byProcess) {
    if (list.length >= MIN_SCOPE_SAMPLES) out.push({ scope: 'PROCESS', pipeline, process, samples: list });
  }
  return out;
}
