/**
 * What a run's own finished tasks say about the rest of it.
 *
 * A model is fitted on past runs; the run being estimated can differ from all of them (other
 * datasets, a full profile after test ones, faster machines), and on the shipped traces the newer
 * tasks of a run ran ~2× shorter or longer than anything before them predicted. Once some of its tasks have
 * finished, their actual / predicted says so. The factor multiplies the predictions of the tasks
 * still to come (value and interval alike).
 *
 * Shrinkage, in log space: a process's own ratio of sums weighs m / (m + prior) with m settled
 * tasks of it, the rest coming from the run's ratio over all processes, which itself weighs
 * n / (n + prior) against 1 (no correction). A process's tasks count at both levels, so at m = n =
 * prior its own tasks carry 75 % of the log factor, not 50 %: `prior` sets how fast the figure
 * moves, it is not a count of history-equivalent tasks. One settled task moves the figure a little,
 * ten most of the way. Ratio of sums, not a mean of ratios: the live figure is a sum of costs, and
 * a few tiny tasks with wild ratios should not swing it.
 *
 * Only settled tasks count (settledHorizon, per process): at any moment the finished tasks of a
 * process lean toward its short ones, since the long ones submitted with them are still running.
 * A task counts once every task of its process submitted before it has finished. Per process, so
 * one long task (or one left RUNNING by a lost event) holds back only its own process. On the
 * shipped traces (bench/models-accuracy.ts, "live"), the live totals of the three runs' newer 30 %
 * were on average 30.9 % off counting every finished task, 27.7 % counting the settled ones (27.0 %
 * with one horizon for the whole run), 41.8 % uncorrected.
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
  /** Shrinkage strength at each level (see the file comment). Default 5. */
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
 * The submit time before which every one of `tasks` (one process's) has finished: the oldest submit
 * among those submitted before `at` that had not finished by then, or `at` itself when none is
 * pending. Finished tasks submitted before it are the settled ones the correction may use.
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

/** log(actual / predicted) pulled toward `toward` by `prior` pseudo-tasks; a ratio below 0.1 counts as 0.1. */
function shrunk(s: Sums, toward: number, prior: number): number {
  if (s.n === 0) return toward;
  // a settled group that cost (next to) nothing, all cached say, should pull hard down, not to -infinity
  const ratio = Math.max(s.actual, s.predicted * 0.1) / s.predicted;
  const w = s.n / (s.n + prior);
  return w * Math.log(ratio) + (1 - w) * toward;
}
