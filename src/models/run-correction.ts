/**
 * What a run's own finished tasks say about the rest of it.
 *
 * A model is fitted on past runs; the run being estimated can differ from all of them (other
 * datasets, a full profile after test ones, faster machines), and on the shipped traces the newer
 * tasks of a run ran ~2× shorter than anything before them predicted. Once some of its tasks have
 * finished, their actual / predicted says so. The factor multiplies the predictions of the tasks
 * still to come (value and interval alike).
 *
 * Shrinkage, in log space: a process's own ratio of sums weighs m / (m + prior) with m finished
 * tasks of it, the rest coming from the run's ratio over all processes, which itself weighs
 * n / (n + prior) against 1 (no correction). One finished task moves the figure a little, ten move
 * it most of the way. Ratio of sums, not a mean of ratios: the live figure is a sum of costs, and a
 * few tiny tasks with wild ratios should not swing it.
 *
 * Only settled tasks count (settledHorizon): at any moment the tasks that have finished are biased
 * toward the short ones, since the long ones submitted with them are still running. Counting every
 * finished task pulled the live total of the 2022-05-15 trace further from the truth; counting only
 * tasks submitted before the oldest still-pending one (all of them finished) removes that bias.
 */

/** Finished tasks of one process (one task, or a sum over several). */
export interface FinishedTasks {
  process: string;
  /** How many tasks the sums cover. Default 1. */
  n?: number;
  /** The model's prediction for them before they ran (> 0). */
  predicted: number;
  /** What they turned out to be (>= 0). */
  actual: number;
}

export interface RunCorrectionOptions {
  /** Finished tasks worth as much as the history's prediction. Default 5. */
  prior?: number;
}

export interface RunCorrection {
  /** Factor for a process's remaining tasks: its own, or the run's where it has none finished. */
  factor(process: string): number;
  /** The run-wide factor and how many finished tasks it rests on. */
  run: { factor: number; n: number };
  /** Per process with finished tasks: its factor and count. */
  byProcess: Record<string, { factor: number; n: number }>;
}

export const DEFAULT_RUN_CORRECTION_PRIOR = 5;

/**
 * The submit time before which every task of the run has finished: the oldest submit among tasks
 * submitted before `at` that had not finished by then, or `at` itself when none is pending.
 * Finished tasks submitted before it are the settled ones the correction may use.
 */
export function settledHorizon(tasks: Iterable<{ submitAt: number; completeAt: number | null }>, at: number): number {
  let horizon = at;
  for (const t of tasks) {
    if (t.submitAt < horizon && !(t.completeAt !== null && t.completeAt <= at)) horizon = t.submitAt;
  }
  return horizon;
}

interface Sums {
  predicted: number;
  actual: number;
  n: number;
}

export function runCorrection(finished: Iterable<FinishedTasks>, opts: RunCorrectionOptions = {}): RunCorrection {
  const prior = opts.prior ?? DEFAULT_RUN_CORRECTION_PRIOR;
  if (!(prior > 0)) throw new RangeError(`prior ${prior} is not positive`);
  const all: Sums = { predicted: 0, actual: 0, n: 0 };
  const sums = new Map<string, Sums>();
  for (const t of finished) {
    const n = t.n ?? 1;
    if (!(n > 0 && t.predicted > 0 && Number.isFinite(t.predicted) && t.actual >= 0 && Number.isFinite(t.actual))) continue;
    let s = sums.get(t.process);
    if (!s) sums.set(t.process, (s = { predicted: 0, actual: 0, n: 0 }));
    for (const x of [s, all]) {
      x.predicted += t.predicted;
      x.actual += t.actual;
      x.n += n;
    }
  }
  const logRun = shrunk(all, 0, prior);
  const byProcess: Record<string, { factor: number; n: number }> = {};
  for (const [process, s] of sums) byProcess[process] = { factor: Math.exp(shrunk(s, logRun, prior)), n: s.n };
  const run = { factor: Math.exp(logRun), n: all.n };
  return { run, byProcess, factor: (process) => (Object.hasOwn(byProcess, process) ? byProcess[process].factor : run.factor) };
}

/** log(actual / predicted) pulled toward `toward` by `prior` pseudo-tasks; a sum of 0 actual counts as a tenth of predicted. */
function shrunk(s: Sums, toward: number, prior: number): number {
  if (s.n === 0) return toward;
  // a finished group that cost nothing (all cached, say) should pull hard down, not to -infinity
  const ratio = Math.max(s.actual, s.predicted * 0.1) / s.predicted;
  const w = s.n / (s.n + prior);
  return w * Math.log(ratio) + (1 - w) * toward;
}
