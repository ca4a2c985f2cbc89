/**
 * Per process, log(target) = process mean + Σ effects of the words of the task's tag, fitted by
 * ridge regression (backfitting, Gauss–Seidel on the normal equations). Traces often carry no
 * input sizes or requests, but the tag says which sample, dataset or method a task works on, and
 * tasks sharing those run alike. Log space because runtimes and memory are skewed and their
 * effects multiply (a big dataset slows every method). The ridge penalty shrinks a word seen a
 * few times towards no effect, so one odd task does not set a word's effect alone.
 *
 * Words seen in fewer than `minWordCount` samples, or in every sample of the process, carry no
 * information and are dropped. An unseen word contributes nothing, so a task with a tag of only
 * new words (or a quote, which has no tag) gets the process's geometric mean; an unseen process
 * gets the geometric mean over all processes.
 */
import { calibrated, type CalibratedState, type CalibrationOptions } from './intervals.js';
import type { EstimationModel, Features, ModelTarget, TrainingSample } from './model.js';
import { tagTokens } from './tag-tokens.js';

export interface TokenFit {
  /** Mean of log(value) over the process's samples. */
  logMean: number;
  /** Log-scale effect per word. */
  effects: Record<string, number>;
  n: number;
}

export interface TokenRidgePoint {
  fits: Record<string, TokenFit>;
  /** Mean of log(value) over every sample; null only when fitted on nothing. */
  globalLogMean: number | null;
}

export type TokenRidgeState = CalibratedState<TokenRidgePoint>;

export interface TokenRidgeOptions extends CalibrationOptions {
  target: ModelTarget;
  name?: string;
  /** Ridge penalty, in samples' worth of evidence towards a zero effect. Default 3. */
  lambda?: number;
  /** A word needs this many samples of the process. Default 2. */
  minWordCount?: number;
}

/** Backfitting converges geometrically for one-hot words; this many sweeps is far past visible change. */
const SWEEPS = 30;
/** Values are positive quantities; a zero (a task that used no measurable memory) is floored for the log. */
const LOG_FLOOR = 1e-9;

export function fitTokenRidgePoint(samples: readonly TrainingSample[], lambda = 3, minWordCount = 2): TokenRidgePoint {
  const byProcess = new Map<string, TrainingSample[]>();
  let sumLog = 0;
  let n = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    sumLog += Math.log(Math.max(s.value, LOG_FLOOR));
    n++;
    const list = byProcess.get(s.features.process);
    if (list) list.push(s);
    else byProcess.set(s.features.process, [s]);
  }
  const fits: Record<string, TokenFit> = {};
  for (const [process, list] of byProcess) fits[process] = fitProcess(list, lambda, minWordCount);
  return { fits, globalLogMean: n > 0 ? sumLog / n : null };
}

function fitProcess(list: TrainingSample[], lambda: number, minWordCount: number): TokenFit {
  const words = list.map((s) => tagTokens(s.features.tag));
  const count = new Map<string, number>();
  for (const ws of words) for (const w of ws) count.set(w, (count.get(w) ?? 0) + 1);
  const logs = list.map((s) => Math.log(Math.max(s.value, LOG_FLOOR)));
  const logMean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const residual = logs.map((y) => y - logMean);
  const rowsOf = new Map<string, number[]>();
  words.forEach((ws, i) => {
    for (const w of ws) {
      const c = count.get(w)!;
      if (c < minWordCount || c === list.length) continue;
      const rows = rowsOf.get(w);
      if (rows) rows.push(i);
      else rowsOf.set(w, [i]);
    }
  });
  const effects: Record<string, number> = {};
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (const [w, rows] of rowsOf) {
      const old = effects[w] ?? 0;
      let sum = 0;
      for (const i of rows) sum += residual[i] + old;
      const next = sum / (rows.length + lambda);
      for (const i of rows) residual[i] += old - next;
      effects[w] = next;
    }
  }
  return { logMean, effects, n: list.length };
}

export function predictTokenRidgePoint(f: Features, p: TokenRidgePoint): number {
  const fit = Object.hasOwn(p.fits, f.process) ? p.fits[f.process] : undefined;
  if (!fit) {
    if (p.globalLogMean === null) throw new Error('the tag-token model was fitted on no samples');
    return Math.exp(p.globalLogMean);
  }
  let y = fit.logMean;
  for (const w of tagTokens(f.tag)) if (Object.hasOwn(fit.effects, w)) y += fit.effects[w];
  return Math.exp(y);
}

export function tokenRidgeModel(opts: TokenRidgeOptions): EstimationModel<TokenRidgeState> {
  const lambda = opts.lambda ?? 3;
  const minWordCount = opts.minWordCount ?? 2;
  const fitPoint = (s: readonly TrainingSample[]) => fitTokenRidgePoint(s, lambda, minWordCount);
  return {
    name: opts.name ?? `tag-token-ridge:${opts.target}`,
    // 2: known/new-task interval strata; 3: new tasks' band spans arrived-new residuals too (intervals.ts)
    version: '3',
    target: opts.target,
    ...calibrated(fitPoint, predictTokenRidgePoint, opts),
  };
}
