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
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { EstimationSettings } from '../config.js';
import { modelVersions, pipelineProfiles, type CostBasis, type ModelScope, type ModelVersionRow } from '../db/schema/index.js';
import { backtest, chooseChampion, priceSheetModel, pushTo, timeOrderedSplit, type BacktestResult, type EstimationModel, type ModelTarget, type TrainingSample } from '../models/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { checkPageSize } from './pagination.js';
import { billedRuns, pricedRuns, samplesFor, taskHistory, TASK_TARGETS, type HistoryRun, type HistoryTask } from './history.js';

/** Below this many samples a scope is not fitted (the holdout would be a handful of tasks). */
export const MIN_SCOPE_SAMPLES = 20;
/** Runs a pipeline needs before run-level models are fitted: a 30 % holdout of 10 is 3 runs, the fewest worth a metric. */
export const MIN_RUN_SAMPLES = 10;

export interface RetrainReport {
  pipelines: number;
  versions: number;
  /** New champions: another model, or (run-level) the same one learning from another kind of cost or currency. */
  promoted: { target: string; scope: ModelScope; pipeline: string; process: string; model: string; mape: number | null; costBasis: CostBasis | null; currency: string | null }[];
  /** Models that threw while fitting or predicting, per scope: skipped, not fatal. */
  failures: { model: string; pipeline: string; process: string; error: string }[];
}

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
    private readonly settings: Pick<EstimationSettings, 'holdoutFraction' | 'maxChampionBias' | 'fxRates'>,
  ) {}

  /** Models that learn from history: every registered one but the price-sheet rule (it needs the observed duration). */
  learners(target?: ModelTarget): EstimationModel[] {
    return this.registry.list().filter((m) => m.name !== priceSheetModel.name && (target === undefined || m.target === target));
  }

  async list(filter: ModelFilter, first: number): Promise<ModelVersionRow[]> {
    checkPageSize(first, 1000);
    const conditions = [eq(modelVersions.orgId, this.orgId)];
    if (filter.pipeline) conditions.push(eq(modelVersions.pipeline, filter.pipeline));
    if (filter.target) conditions.push(eq(modelVersions.target, filter.target));
    if (filter.championOnly) conditions.push(eq(modelVersions.champion, true));
    return this.db
      .select()
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
    const [history, billed] = await Promise.all([taskHistory(this.db, this.orgId, opts.pipeline), billedRuns(this.db, this.orgId, opts.pipeline)]);
    const byPipeline = new Map<string, HistoryTask[]>();
    for (const t of history) pushTo(byPipeline, t.pipeline, t);
    const runSamples = await this.runSamples(billed, [...byPipeline.keys()]);
    const report: RetrainReport = { pipelines: new Set([...byPipeline.keys(), ...runSamples.keys()]).size, versions: 0, promoted: [], failures: [] };
    for (const [pipeline, tasks] of byPipeline) {
      await this.refreshProfile(pipeline);
      for (const target of TASK_TARGETS) {
        const models = this.learners(target);
        if (models.length === 0) continue;
        for (const scoped of scopesOf(pipeline, samplesFor(target, tasks))) {
          await this.retrainScope(target, scoped, models, report, opts.log);
        }
      }
    }
    const runModels = this.learners('costPerRun');
    for (const [pipeline, { basis, currency, runs }] of runSamples) {
      if (runModels.length === 0) break;
      const samples = runs.map((r) => ({ features: r.features, value: r.cost, at: r.at }));
      await this.retrainScope('costPerRun', { scope: 'PIPELINE', pipeline, process: '', samples, costBasis: basis, currency }, runModels, report, opts.log);
    }
    return report;
  }

  /**
   * Per pipeline with `MIN_RUN_SAMPLES` runs in one currency, the run costs a run-level model learns
   * from: the bill once that many runs are billed in full (history.billedInFull), else every finished
   * run's tasks at the price sheet. Never a mix: billed costs hold idle and overheads that priced ones
   * do not, and a model scored on one kind after learning from the other would be off by that gap.
   * Runs in the pipeline's most common currency (the figure is in it); others are left out.
   */
  private async runSamples(billed: HistoryRun[], taskPipelines: string[]): Promise<Map<string, RunSamples>> {
    const out = new Map<string, RunSamples>();
    for (const [pipeline, s] of usable(billed)) out.set(pipeline, { ...s, basis: 'BILL' });
    const priced = await pricedRuns(this.db, this.orgId, taskPipelines.filter((p) => !out.has(p)), this.settings.fxRates);
    for (const [pipeline, s] of usable(priced)) out.set(pipeline, { ...s, basis: 'PRICE_SHEET' });
    return out;
  }

  private async retrainScope(target: ModelTarget, s: Scoped, models: EstimationModel[], report: RetrainReport, log?: { warn(obj: object, msg: string): void }) {
    const fitted: { model: EstimationModel; result: BacktestResult; state: unknown }[] = [];
    for (const model of models) {
      try {
        const result = backtest(model, s.samples, { trainFraction: 1 - this.settings.holdoutFraction });
        // the stored fit uses all the history; the metrics are the holdout's
        const state = JSON.parse(JSON.stringify(model.fit(s.samples))) as unknown;
        fitted.push({ model, result, state });
      } catch (err) {
        const error = (err as Error).message;
        report.failures.push({ model: model.name, pipeline: s.pipeline, process: s.process, error });
        log?.warn({ model: model.name, pipeline: s.pipeline, process: s.process, error }, 'model failed to train; skipped');
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
