/**
 * Which tasks are new to a fit, and what a fit's errors on new tasks look like.
 *
 * Within a run and between runs, the tasks to predict are often of datasets, methods or samples
 * the history has never seen with that process (the tag names them; see tag-tokens.ts). A fit's
 * errors on such tasks are not its errors on familiar ones, so intervals calibrated on a mix of
 * both fit neither. This module gives the two halves of a Mondrian split on novelty: a test of
 * whether a task is known to a fit, and residuals measured on tasks made new on purpose (their
 * word withheld from the fit), which is what deployment on an unseen dataset looks like.
 */
import type { Features, TrainingSample } from './model.js';
import { residualRatios } from './intervals.js';
import { tagTokens } from './tag-tokens.js';

/** Per process, every word its tags carried in the samples. */
export type Vocabulary = Record<string, string[]>;

export function vocabularyOf(samples: readonly TrainingSample[]): Vocabulary {
  const sets = new Map<string, Set<string>>();
  for (const s of samples) {
    let set = sets.get(s.features.process);
    if (!set) sets.set(s.features.process, (set = new Set()));
    for (const w of tagTokens(s.features.tag)) set.add(w);
  }
  const out: Vocabulary = {};
  for (const [process, set] of sets) out[process] = [...set].sort();
  return out;
}

/**
 * A task is known when the fit saw its process with every word of its tag. A task without a tag
 * (a quote) is known only for a process whose tags never said anything either: otherwise the fit
 * cannot tell which of its datasets/methods the task is, as with a new one.
 */
export function isKnown(f: Pick<Features, 'process' | 'tag'>, seen: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const words = seen.get(f.process);
  if (!words) return false;
  const own = tagTokens(f.tag);
  if (own.length === 0) return words.size === 0;
  return own.every((w) => words.has(w));
}

export function vocabularySets(v: Vocabulary): Map<string, Set<string>> {
  return new Map(Object.entries(v).map(([process, words]) => [process, new Set(words)]));
}

/** FNV-1a: a stable fold for a word, so the same history always calibrates the same way. */
function fold(word: string, folds: number): number {
  let h = 2166136261;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
  return (h >>> 0) % folds;
}

/**
 * Leave-words-out residuals (actual / predicted), each tagged with its task's process. Every task
 * is given one word to be new by: its rarest word within its process that occurs at least twice
 * there (the most specific: a dataset or a method rather than the task family; a word seen once
 * cannot be withheld and still leave the fit anything to learn from elsewhere). The words are cut
 * into `folds` groups; for each, the point model is fitted on every sample that carries none of
 * the group's words, and predicts the tasks the group's words were chosen for. Tasks with no such
 * word give no residual.
 */
export function leaveWordsOutRatios<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: Features, p: P) => number,
  folds: number,
): { process: string; ratio: number }[] {
  if (!(Number.isInteger(folds) && folds >= 2)) throw new RangeError(`word folds ${folds} is not an integer >= 2`);
  const words = samples.map((s) => tagTokens(s.features.tag));
  const count = new Map<string, number>();
  samples.forEach((s, i) => {
    for (const w of words[i]) count.set(`${s.features.process}\u0000${w}`, (count.get(`${s.features.process}\u0000${w}`) ?? 0) + 1);
  });
  const chosen = samples.map((s, i) => {
    let best: string | null = null;
    let bestCount = Infinity;
    for (const w of words[i]) {
      const c = count.get(`${s.features.process}\u0000${w}`)!;
      if (c >= 2 && (c < bestCount || (c === bestCount && w < best!))) [best, bestCount] = [w, c];
    }
    return best;
  });
  const out: { process: string; ratio: number }[] = [];
  for (let k = 0; k < folds; k++) {
    const withheld = new Set(chosen.filter((w): w is string => w !== null && fold(w, folds) === k));
    if (withheld.size === 0) continue;
    const train = samples.filter((_, i) => !words[i].some((w) => withheld.has(w)));
    if (train.length === 0) continue;
    const p = fitPoint(train);
    samples.forEach((s, i) => {
      if (chosen[i] === null || !withheld.has(chosen[i]!)) return;
      const [ratio] = residualRatios([s.value], [predictPoint(s.features, p)]);
      if (ratio !== undefined) out.push({ process: s.features.process, ratio });
    });
  }
  return out;
}
