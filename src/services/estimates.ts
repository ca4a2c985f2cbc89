/**
 * Quotes: what a run of a pipeline will cost before it starts.
 *
 * With no trained model for the pipeline (no history, or history not yet retrained), the quote is
 * the price-sheet rule over a stated assumption: each sample needs `defaultVmHoursPerSample` hours of
 * a whole `defaultVmSize` VM (settings), and the answer says so (`basis: PRICE_SHEET`). Its interval is
 * the library's wide default (0.5×–2×), labelled `default`, because there are no residuals to measure.
 *
 * With a champion runtime model, per process of the pipeline's profile (pipeline_profiles, written
 * by the retrain from the pipeline's finished runs):
 * 1. tasks = median over finished runs of (the process's tasks per sample) × samples;
 * 2. the task's typical features (median cpus and memory requested, the usual VM size), with the
 *    quote's input bytes per sample and sample count;
 * 3. runtime from the process's PROCESS champion, else the PIPELINE champion, with its interval;
 * 4. cost = tasks × price-sheet(runtime) on that VM's price for the quote's region and priority.
 * The run's interval sums the processes' bounds (processes taken as moving together, the cautious
 * choice). The answer names the PIPELINE champion and its holdout metrics.
 *
 * Either way, once the pipeline has a run-level (`costPerRun`) champion, the quote also carries its
 * figure for the whole run (`runModel`): top-down from what finished runs cost, beside the bottom-up
 * sum. It is not folded into the value: the two err differently (the sum misses idle and overheads,
 * the run model knows only sample count and input bytes, not the quote's priority or region), and a
 * lab should see both. `trackRecord` says how both landed against the bill before.
 *
 * Currency: the price table is in USD. A quote is in the organization's currency (a run's: its
 * organization's) when GCT_FX_RATES converts the prices (fx.ts: each listed price times the rate, as
 * exact decimals, before it is used); without a rate it is answered in USD and says so, and such a quote
 * is not a run's estimated cost (a USD figure on an EUR run would make its drift against the bill meaningless).
 */
import type { Db } from '../db/client.js';
import type { EstimationSettings } from '../config.js';
import { estimates, pipelineProfiles, runs, type CostBasis, type ModelVersionRow, type PipelineProfileRow, type RunRow, type VmPriority } from '../db/schema/index.js';
import { and, eq } from 'drizzle-orm';
import { AppError, badInput } from '../errors.js';
import {
  applyInterval, calibrateFromRatios, priceDuration, priceSheetModel, toDecimalString, type Features, type Prediction, type VmPrice,
} from '../models/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { championModel, predictWithChampion } from './champion-predict.js';
import { fxRate, multiplyDecimals, noRateNote, notRunFigureNote } from './fx.js';
import { ModelService } from './model-versions.js';
import { orgCurrency } from './org-currency.js';
import { PriceService, type PriceAnswer } from './prices.js';
import { quoteTrackRecord, type QuoteTrackRecord } from './quote-track-record.js';

export interface QuoteInput {
  pipeline: string;
  revision?: string | null;
  samples: number;
  inputBytes?: number | null;
  region?: string | null;
  priority?: VmPriority | null;
  params?: Record<string, unknown> | null;
}

export type QuoteBasis = 'PRICE_SHEET' | 'CHAMPION';

export interface QuoteModel {
  name: string;
  version: string;
  target: string;
  /** Holdout metrics of the version used; null for the price-sheet rule. */
  mape: number | null;
  medianApe: number | null;
  bias: number | null;
  coverage: number | null;
  nTrain: number | null;
  nTest: number | null;
  trainedAt: Date | null;
}

export interface ProcessQuote {
  process: string;
  tasks: number;
  runtimeMs: number;
  vmSize: string;
  value: number;
  low: number;
  high: number;
  model: string;
  /** Why the process is not quoted as its profile and champion would: a model that failed, a VM size with no price. */
  note: string | null;
}

/** A run's total from the pipeline's run-level (`costPerRun`) champion, shown beside the per-process sum. */
export interface RunModelQuote {
  value: number;
  low: number;
  high: number;
  /** That of the runs the champion learned from (model-versions.ts runSamples). */
  currency: string;
  /** What the runs' costs were: the bill, or their tasks at the price sheet (model-versions.ts runSamples). */
  costBasis: CostBasis;
  /** How the built-ins got the interval (`held-out`, or `in-sample` with few runs); null when a model's state does not say. */
  intervalMethod: string | null;
  model: QuoteModel;
}

export interface Quote {
  value: number;
  low: number;
  high: number;
  currency: string;
  basis: QuoteBasis;
  /** Why this basis, and what was assumed. */
  note: string;
  /** How the interval was obtained: `held-out` residuals of the champion, or the no-history `default`. */
  intervalMethod: string;
  model: QuoteModel;
  processes: ProcessQuote[];
  /** The region whose prices were used, and whether it differs from the one asked for. */
  priceRegion: string;
  regionFallback: boolean;
  priorityFallback: boolean;
  features: Record<string, unknown>;
  /**
   * Top-down: what the pipeline's finished runs cost as a whole (their bill, idle and overheads
   * included, once enough were reconciled in full; else their tasks at the price sheet), scaled to
   * this run by the run-level champion. Null until a retrain had `MIN_RUN_SAMPLES` such runs.
   */
  runModel: RunModelQuote | null;
  /** How the pipeline's past quotes (and their run-level figures) compared with the bill. */
  trackRecord: QuoteTrackRecord;
}

const MAX_SAMPLES = 1_000_000;

/** The per-process quote, before the run-level figure and the track record are put beside it. */
export type BottomUp = Omit<Quote, 'runModel' | 'trackRecord'>;
/** What a run keeps of its quote: the track record is read afresh whenever it is shown. */
export type StoredQuote = Omit<Quote, 'trackRecord'>;

function modelInfo(v: ModelVersionRow): QuoteModel {
  return {
    name: v.modelName, version: v.modelVersion, target: v.target,
    mape: v.mape, medianApe: v.medianApe, bias: v.bias, coverage: v.coverage, nTrain: v.nTrain, nTest: v.nTest, trainedAt: v.trainedAt,
  };
}

export class EstimateService {
  private readonly prices: PriceService;
  private readonly models: ModelService;

  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly registry: ModelRegistry,
    private readonly settings: EstimationSettings,
  ) {
    this.prices = new PriceService(db);
    this.models = new ModelService(db, orgId, registry, settings);
  }

  async quote(input: QuoteInput, at: Date = new Date()): Promise<Quote> {
    const figures = await this.figures(input, at, await orgCurrency(this.db, this.orgId));
    return { ...figures, trackRecord: await quoteTrackRecord(this.db, this.orgId, input.pipeline, figures.currency) };
  }

  /** The quote's figures, per process and for the whole run, without how past quotes landed (what is stored). */
  private async figures(input: QuoteInput, at: Date, currency: string): Promise<StoredQuote> {
    const [bottomUp, runModel] = await Promise.all([this.bottomUp(input, currency, at), this.fromRunModel(input)]);
    return { ...bottomUp, runModel };
  }

  /**
   * The per-process quote alone (what the live re-price adds its remainder from), in `currency` when
   * GCT_FX_RATES converts the prices into it, else in theirs (its note says why).
   */
  async bottomUp(input: QuoteInput, currency: string, at: Date = new Date()): Promise<BottomUp> {
    const quote = await this.bottomUpAsPriced(input, currency, at);
    if (quote.currency === currency) return quote;
    return { ...quote, note: `${quote.note}; in ${quote.currency}, not ${currency}: ${noRateNote(quote.currency, currency)}` };
  }

  private async bottomUpAsPriced(input: QuoteInput, currency: string, at: Date): Promise<BottomUp> {
    if (input.pipeline.trim() === '') throw badInput('pipeline', 'must not be empty');
    if (!Number.isInteger(input.samples) || input.samples < 0 || input.samples > MAX_SAMPLES) throw badInput('samples', `must be an integer from 0 to ${MAX_SAMPLES}`);
    if (input.inputBytes != null && !(input.inputBytes >= 0)) throw badInput('inputBytes', 'must not be negative');
    const region = input.region?.trim().toLowerCase() || null;
    const features = { pipeline: input.pipeline, revision: input.revision ?? null, samples: input.samples, inputBytes: input.inputBytes ?? null, region, priority: input.priority ?? 'DEDICATED' };
    const champions = await this.models.champions(input.pipeline, 'runtimeMs');
    const pipelineChampion = champions.find((c) => c.scope === 'PIPELINE');
    let why = 'no trained model for this pipeline yet';
    const usable = pipelineChampion && championModel(this.registry, pipelineChampion);
    if (pipelineChampion && usable && !usable.ok) why = `its champion ${nameOf(pipelineChampion)} ${usable.reason}`;
    else if (pipelineChampion) {
      const quote = await this.fromChampion(input, region, pipelineChampion, champions, at, features, currency);
      if ('quote' in quote) return quote.quote;
      why = quote.why;
    }
    return this.fromPriceSheet(input, region, at, features, why, currency);
  }

  /**
   * Null without a run-level champion, when the registered model is not the version that was fitted
   * (its state may mean something else now), or when it fails or answers nonsense: the run-level
   * figure is an aside, and a lab's broken model must not stop quotes or registerRun.
   */
  private async fromRunModel(input: QuoteInput): Promise<RunModelQuote | null> {
    const champion = (await this.models.champions(input.pipeline, 'costPerRun')).find((c) => c.scope === 'PIPELINE' && this.registry.has(c.modelName));
    // a version without its basis and currency cannot say what its figure is
    if (!champion || champion.costBasis === null || champion.currency === null) return null;
    // run-level samples carry the run's total input bytes and its sample count (history.ts, billedRuns / pricedRuns)
    const answer = predictWithChampion(this.registry, champion, { process: input.pipeline, sampleCount: input.samples, inputBytes: input.inputBytes ?? null });
    if (!answer.ok) return null;
    const p = answer.prediction;
    const method = (champion.state as { interval?: { method?: unknown } } | null)?.interval?.method;
    return {
      value: p.value, low: p.low, high: p.high,
      currency: champion.currency.trim(),
      costBasis: champion.costBasis,
      intervalMethod: typeof method === 'string' ? method : null,
      model: modelInfo(champion),
    };
  }

  private async price(vmSize: string, region: string | null, priority: VmPriority | null | undefined, at: Date, field: string, currency: string): Promise<PriceAnswer> {
    const answer = await this.prices.lookup({ provider: 'azure', region, vmSize, priority: priority ?? 'DEDICATED', date: at });
    if (!answer) throw badInput(field, `no price for VM size ${vmSize} (${priority ?? 'DEDICATED'}) in ${region ?? 'the reference region'} on ${at.toISOString().slice(0, 10)}`);
    return this.inCurrency(answer, currency);
  }

  /** The listed price in `currency` (an exact decimal product) when GCT_FX_RATES has the rate; else as listed. */
  private inCurrency(answer: PriceAnswer, currency: string): PriceAnswer {
    const rate = fxRate(this.settings.fxRates, answer.price.currency, currency);
    if (rate === null || rate === '1') return answer;
    return { ...answer, price: { ...answer.price, pricePerHour: multiplyDecimals(answer.price.pricePerHour, rate), currency } };
  }

  private async fromPriceSheet(input: QuoteInput, region: string | null, at: Date, features: Record<string, unknown>, why: string, currency: string): Promise<BottomUp> {
    const { defaultVmSize, defaultVmHoursPerSample } = this.settings;
    const p = await this.price(defaultVmSize, region, input.priority, at, 'region', currency);
    const vm = vmOf(p);
    const value = input.samples * priceDuration({ cpus: vm.vcpus, memoryBytes: null }, vm, defaultVmHoursPerSample * 3_600_000);
    const cal = calibrateFromRatios([], 0.8, 'default');
    const { low, high } = applyInterval(value, cal);
    return {
      value, low, high,
      currency: p.price.currency,
      basis: 'PRICE_SHEET',
      note: `price-sheet: ${why}; assumed ${defaultVmHoursPerSample} h of a whole ${defaultVmSize} per sample (GCT_QUOTE_DEFAULT_VM_HOURS_PER_SAMPLE, GCT_QUOTE_DEFAULT_VM_SIZE)`,
      intervalMethod: cal.method,
      model: { name: priceSheetModel.name, version: priceSheetModel.version, target: priceSheetModel.target, mape: null, medianApe: null, bias: null, coverage: null, nTrain: null, nTest: null, trainedAt: null },
      processes: [],
      priceRegion: p.price.region,
      regionFallback: p.regionFallback,
      priorityFallback: p.priorityFallback,
      features,
    };
  }

  /** The pipeline's per-process profile, as the last retrain left it. */
  private async profiles(pipeline: string): Promise<PipelineProfileRow[]> {
    return this.db
      .select()
      .from(pipelineProfiles)
      .where(and(eq(pipelineProfiles.orgId, this.orgId), eq(pipelineProfiles.pipeline, pipeline)))
      .orderBy(pipelineProfiles.process);
  }

  /**
   * Per process: the runtime from the process's champion, else the pipeline's (a champion that fails
   * or answers nonsense is passed over, and the process says so), priced on the process's usual VM,
   * else on the default VM size when the price sheet lacks it. Why not, when the pipeline has no
   * profile or its champion fails for a process: the caller quotes from the price sheet instead.
   */
  private async fromChampion(
    input: QuoteInput, region: string | null, champion: ModelVersionRow, champions: ModelVersionRow[], at: Date, features: Record<string, unknown>, currency: string,
  ): Promise<{ quote: BottomUp } | { why: string }> {
    const profiles = await this.profiles(input.pipeline);
    if (profiles.length === 0) return { why: 'no succeeded run of this pipeline to profile its processes from' };
    const byProcess = new Map(champions.filter((c) => c.scope === 'PROCESS').map((c) => [c.process, c]));
    const { defaultVmSize } = this.settings;
    const sizes = [...new Set([defaultVmSize, ...profiles.map((p) => p.vmSize ?? defaultVmSize)])];
    const answers = await this.prices.lookupMany(sizes.map((vmSize) => ({ provider: 'azure', region, vmSize, priority: input.priority ?? 'DEDICATED', date: at })));
    const priceOf = new Map(sizes.map((s, i) => [s, answers[i] && this.inCurrency(answers[i], currency)]));
    const perSampleBytes = input.inputBytes != null && input.samples > 0 ? input.inputBytes / input.samples : null;
    const where = region ?? 'the reference region';
    const processes: ProcessQuote[] = [];
    for (const p of profiles) {
      const notes: string[] = [];
      // a size the price sheet lacks (a newer one declared in a pool) is not the caller's to fix: price the
      // process as the price-sheet quote would price a sample, on the default size
      let vmSize = p.vmSize ?? defaultVmSize;
      let answer = priceOf.get(vmSize);
      if (!answer && vmSize !== defaultVmSize) {
        notes.push(`no price for its VM size ${vmSize} in ${where}: priced on ${defaultVmSize} (GCT_QUOTE_DEFAULT_VM_SIZE)`);
        vmSize = defaultVmSize;
        answer = priceOf.get(vmSize);
      }
      if (!answer) return { why: `no price for VM size ${vmSize} (used by ${p.process}) in ${where}` };
      const vm = vmOf(answer);
      const tasks = p.tasksPerSample * input.samples;
      const f: Features = { process: p.process, inputBytes: perSampleBytes, sampleCount: input.samples, cpus: p.cpus, memoryBytes: p.memoryBytes, attempt: 1, position: p.position };
      const priced = (version: ModelVersionRow) => {
        const runtime = predictWithChampion(this.registry, version, f);
        if (!runtime.ok) return runtime;
        const cost = (ms: number) => tasks * taskCost({ cpus: p.cpus, memoryBytes: p.memoryBytes }, vm, ms);
        const [value, low, high] = [cost(runtime.prediction.value), cost(runtime.prediction.low), cost(runtime.prediction.high)];
        // a runtime that is finite can still be too large to price
        if (![value, low, high].every(Number.isFinite)) return { ok: false as const, reason: `answered a runtime too large to price (${runtime.prediction.high} ms)` };
        return { ok: true as const, runtimeMs: runtime.prediction.value, value, low, high };
      };
      const own = byProcess.get(p.process);
      let used = own ?? champion;
      let figure = priced(used);
      if (!figure.ok && own) {
        notes.push(`its champion ${nameOf(own)} ${figure.reason}: the pipeline's champion ${nameOf(champion)} was used`);
        used = champion;
        figure = priced(used);
      }
      if (!figure.ok) return { why: `its champion ${nameOf(champion)} ${figure.reason} (process ${p.process})` };
      processes.push({
        process: p.process, tasks, runtimeMs: figure.runtimeMs, vmSize, value: figure.value, low: figure.low, high: figure.high, model: nameOf(used),
        note: notes.length > 0 ? notes.join('; ') : null,
      });
    }
    const sum = (k: keyof Prediction) => processes.reduce((a, p) => a + p[k], 0);
    const value = sum('value');
    const high = sum('high');
    if (!Number.isFinite(high)) return { why: `the figures of its champion ${nameOf(champion)} add up to more than can be priced` };
    const used = [...new Set(processes.map((x) => x.vmSize))].map((size) => priceOf.get(size)!);
    const p = used[0];
    const notes = processes.filter((x) => x.note !== null).map((x) => `${x.process}: ${x.note}`);
    return {
      quote: {
        value, low: sum('low'), high,
        currency: p.price.currency,
        basis: 'CHAMPION',
        note: [`champion runtime model of ${input.pipeline}, priced with the price-sheet rule per process`, ...notes].join('; '),
        intervalMethod: 'held-out',
        model: modelInfo(champion),
        processes,
        priceRegion: p.price.region,
        regionFallback: used.some((a) => a.regionFallback),
        priorityFallback: used.some((a) => a.priorityFallback),
        features,
      },
    };
  }

  /**
   * The quote `registerRun` stores on a new run (when it says how many samples). A run whose quote
   * cannot be priced (no price for the region's VM sizes) is still registered, without an estimate
   * (logged): the LIMS needs the run id more than the figure. Models that fail never get here: the
   * quote falls back and says so.
   */
  async quoteRun(
    run: RunRow,
    input: Omit<QuoteInput, 'samples'> & { samples: number | null | undefined },
    log?: { warn(obj: object, msg: string): void },
  ): Promise<RunRow> {
    if (input.samples == null) return run;
    let quote: StoredQuote;
    try {
      quote = await this.figures({ ...input, samples: input.samples }, run.createdAt, run.currency.trim());
    } catch (err) {
      if (err instanceof AppError && err.code === 'BAD_USER_INPUT') {
        log?.warn({ runId: run.id, pipeline: input.pipeline, reason: err.message }, 'run registered without a quote');
        return run;
      }
      throw err;
    }
    return this.storeQuote(run, quote);
  }

  /**
   * Stores a quote as the run's QUOTE estimate and, when it is in the run's currency, its current
   * estimated cost, in one transaction. One in another currency is kept as the record of what was quoted.
   */
  async storeQuote(run: RunRow, quote: StoredQuote): Promise<RunRow> {
    const ownCurrency = quote.currency === run.currency.trim();
    return this.db.transaction(async (tx) => {
      await tx.insert(estimates).values({
        orgId: this.orgId,
        runId: run.id,
        kind: 'QUOTE',
        modelName: quote.model.name,
        modelVersion: quote.model.version,
        value: toDecimalString(quote.value),
        low: toDecimalString(quote.low),
        high: toDecimalString(quote.high),
        currency: quote.currency,
        // the breakdown is kept so estimate errors can later be measured per process, not only per run
        features: {
          ...quote.features,
          basis: quote.basis,
          ...(!ownCurrency && { currencyNote: notRunFigureNote(quote.currency, run.currency) }),
          priceRegion: quote.priceRegion,
          regionFallback: quote.regionFallback,
          modelMape: quote.model.mape,
          processes: quote.processes.map((p) => ({ process: p.process, tasks: p.tasks, value: p.value, model: p.model, ...(p.note !== null && { note: p.note }) })),
          runModel: quote.runModel && {
            value: quote.runModel.value, low: quote.runModel.low, high: quote.runModel.high, currency: quote.runModel.currency,
            costBasis: quote.runModel.costBasis, model: `${quote.runModel.model.name}@${quote.runModel.model.version}`,
          },
        },
      });
      if (!ownCurrency) return run;
      const [row] = await tx
        .update(runs)
        .set({ estimatedCost: toDecimalString(quote.value), updatedAt: new Date() })
        .where(and(eq(runs.orgId, this.orgId), eq(runs.id, run.id)))
        .returning();
      return row;
    });
  }
}

/** How quotes name a model version: `name@version`. */
const nameOf = (v: ModelVersionRow) => `${v.modelName}@${v.modelVersion}`;

export function vmOf(answer: PriceAnswer): VmPrice {
  return { vcpus: answer.price.vcpus, memoryGib: Number(answer.price.memoryGib), pricePerHour: answer.price.pricePerHour };
}

/** The price-sheet rule; a request larger than the VM pays for the whole VM (it would get one to itself). */
export function taskCost(task: { cpus: number | null; memoryBytes: number | null }, vm: VmPrice, ms: number): number {
  try {
    return priceDuration(task, vm, ms);
  } catch (err) {
    if (err instanceof RangeError && /does not fit/.test(err.message)) return priceDuration({ cpus: vm.vcpus, memoryBytes: null }, vm, ms);
    throw err;
  }
}
