/**
 * The estimation-model contract (issue 5). Pure: no database, no GraphQL. A model is fitted on
 * past samples into a JSON-serialisable `State` (stored with the model version later), and
 * predicts one target for one task from the features known before the task runs.
 */

/** What a model predicts: per task, or (`costPerRun`) per run. */
export const MODEL_TARGETS = ['runtimeMs', 'peakRssBytes', 'costPerTask', 'costPerRun'] as const;
export type ModelTarget = (typeof MODEL_TARGETS)[number];

/**
 * What is known about a task before (or, for `durationMs`/`vm`, right after) it runs. Built from
 * what a Nextflow trace / weblog carries: `process`, `tag`, the requested `cpus`/`memory`
 * directives, `attempt`, and, from the run, sample count and input bytes. Every field but
 * `process` is optional: traces carry any subset of columns.
 */
export interface Features {
  /** Nextflow process name (`NFCORE_RNASEQ:ALIGN`); the unit every per-process model groups on. For `costPerRun`, the pipeline's name. */
  process: string;
  /** Task tag, usually the sample (`sample1`); free text. */
  tag?: string | null;
  /** Optional finer grouping key derived from the tag (e.g. a dataset name); models may ignore it. */
  group?: string | null;
  /** Bytes of input for this task (or the run's input bytes / samples when per-task is unknown); for `costPerRun`, the run's total. */
  inputBytes?: number | null;
  /** Samples in the run. */
  sampleCount?: number | null;
  /** Requested cpus (the `cpus` directive). */
  cpus?: number | null;
  /** Requested memory in bytes (the `memory` directive). */
  memoryBytes?: number | null;
  /** Retry attempt, 1-based; Nextflow retries usually ask for more resources. */
  attempt?: number | null;
  /** Task's 0-based position in its run by submit order. */
  position?: number | null;
  /** Wall time of the task, when known (completed tasks, or a runtime prediction); used by price-sheet. */
  durationMs?: number | null;
  /** The VM the task ran / will run on; used by price-sheet. */
  vm?: VmPrice | null;
}

export interface VmPrice {
  vcpus: number;
  memoryGib: number;
  /** Price per hour in the price sheet's currency; a decimal string (Postgres numeric) is accepted. */
  pricePerHour: number | string;
}

/** The numeric features a regression may use, in a fixed order. */
export const NUMERIC_FEATURES = ['inputBytes', 'sampleCount', 'cpus', 'memoryBytes', 'attempt', 'position'] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/** One past observation: the features, the observed value of the model's target, and when it was submitted. */
export interface TrainingSample {
  features: Features;
  /** Observed value of the target (ms, bytes, currency units). */
  value: number;
  /** Submit time, epoch ms: orders samples for time-ordered holdouts. */
  at: number;
}

/** A point estimate with an interval (`low <= value <= high`), all in the target's unit. */
export interface Prediction {
  value: number;
  low: number;
  high: number;
}

export interface EstimationModel<State = unknown> {
  /** Unique in a registry, e.g. `median-baseline:runtimeMs`. */
  name: string;
  /** Bumped when fit/predict semantics change, so stored states and estimates stay attributable. */
  version: string;
  target: ModelTarget;
  /**
   * Pure and synchronous; the result must survive `JSON.parse(JSON.stringify(state))`, not be null, and
   * be at most MAX_STATE_BYTES as JSON with no string Postgres refuses (model-call.ts).
   */
  fit(samples: readonly TrainingSample[]): State;
  /** Synchronous: a Promise is a failure (model-call.ts). */
  predict(features: Features, state: State): Prediction;
}

/** Thrown by `assertModel` with every problem found, each naming the field. */
export class InvalidModelError extends Error {
  constructor(readonly problems: string[], label: string) {
    super(`${label} is not an estimation model: ${problems.join('; ')}`);
    this.name = 'InvalidModelError';
  }
}

/**
 * Runtime check for a model from an untrusted place (a user module named in config).
 * Throws InvalidModelError listing every missing or wrong field by name.
 */
export function assertModel(candidate: unknown, label = 'model'): EstimationModel {
  if (candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')) {
    throw new InvalidModelError([`expected an object, got ${candidate === null ? 'null' : typeof candidate}`], label);
  }
  const c = candidate as Record<string, unknown>;
  const problems: string[] = [];
  const str = (key: string) => {
    if (!(key in c) || c[key] === undefined) problems.push(`missing "${key}" (a non-empty string)`);
    else if (typeof c[key] !== 'string' || (c[key] as string).trim() === '') problems.push(`"${key}" must be a non-empty string`);
    // stored with every version, and Postgres refuses NUL in text
    else if ((c[key] as string).includes('\u0000')) problems.push(`"${key}" must not contain a NUL character`);
  };
  const fn = (key: string, arity: string) => {
    if (!(key in c) || c[key] === undefined) problems.push(`missing "${key}" (a function ${arity})`);
    else if (typeof c[key] !== 'function') problems.push(`"${key}" must be a function ${arity}, got ${typeof c[key]}`);
    else {
      // a plain function returning a Promise is only seen when called (model-call.ts); these are seen here
      const kind = Object.prototype.toString.call(c[key]);
      if (kind === '[object AsyncFunction]' || kind === '[object AsyncGeneratorFunction]') {
        problems.push(`"${key}" must be synchronous (it is an async function): models run in the server's process and are used at once`);
      } else if (kind === '[object GeneratorFunction]') problems.push(`"${key}" must be a plain function (it is a generator function)`);
    }
  };
  str('name');
  str('version');
  if (!('target' in c) || c.target === undefined) problems.push(`missing "target" (one of ${MODEL_TARGETS.join(', ')})`);
  else if (!(MODEL_TARGETS as readonly unknown[]).includes(c.target)) {
    problems.push(`"target" must be one of ${MODEL_TARGETS.join(', ')}, got ${JSON.stringify(c.target)}`);
  }
  fn('fit', '(samples) => state');
  fn('predict', '(features, state) => { value, low, high }');
  if (problems.length > 0) throw new InvalidModelError(problems, typeof c.name === 'string' && c.name ? `model "${c.name}"` : label);
  return candidate as EstimationModel;
}

/** Reads a numeric feature, treating null/undefined/non-finite as absent. */
export function numericFeature(f: Features, key: NumericFeature): number | null {
  const v = f[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
