import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainingSample } from '../../src/models/model.js';
import { calibrateFromRatios } from '../../src/models/intervals.js';
import { isKnown, leaveWordsOutRatios, vocabularyOf } from '../../src/models/novelty.js';
import { fitTokenRidgePoint, predictTokenRidgePoint, tokenRidgeModel } from '../../src/models/token-ridge.js';
import { normal, rng } from './synthetic.js';

/**
 * One process, many datasets named in the tag; a dataset's level is lognormal with sd 1 around
 * the process's, a task's value has sd 0.1 around its dataset's level. A fit that knows a dataset
 * errs by ~0.1 in log; on a dataset it never saw, by ~1.
 */
function levels(names: string[], seed: number): Map<string, number> {
  const r = rng(seed);
  return new Map(names.map((d) => [d, Math.exp(normal(r))]));
}

function datasets(level: Map<string, number>, perDataset: number, seed: number, t0 = 0): TrainingSample[] {
  const r = rng(seed);
  const names = [...level.keys()];
  const out: TrainingSample[] = [];
  for (let i = 0; i < perDataset; i++) {
    for (const d of names) out.push({ features: { process: 'RUN', tag: `bench:${d}` }, value: 1000 * level.get(d)! * Math.exp(0.1 * normal(r)), at: t0 + out.length });
  }
  return out;
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const coverage = (m: ReturnType<typeof tokenRidgeModel>, state: unknown, fresh: TrainingSample[]) =>
  fresh.filter((s) => {
    const p = m.predict(s.features, state as never);
    return s.value >= p.low && s.value <= p.high;
  }).length / fresh.length;

test('a task is known when the fit saw its process with every word of its tag; untagged only where the process never had words', () => {
  const seen = new Map(Object.entries(vocabularyOf([
    { features: { process: 'A', tag: 'x:ds1' }, value: 1, at: 0 },
    { features: { process: 'B' }, value: 1, at: 1 },
  ])).map(([p, w]) => [p, new Set(w)]));
  assert.equal(isKnown({ process: 'A', tag: 'ds1:x' }, seen), true);
  assert.equal(isKnown({ process: 'A', tag: 'x:ds2' }, seen), false);
  assert.equal(isKnown({ process: 'A' }, seen), false, 'a quote cannot say which dataset it is');
  assert.equal(isKnown({ process: 'B' }, seen), true);
  assert.equal(isKnown({ process: 'C', tag: 'x' }, seen), false);
});

test('leave-words-out residuals are measured on tasks whose dataset the fit never saw', () => {
  const s = datasets(levels(names('ds', 30), 10), 6, 11);
  const fitted: Set<string>[] = [];
  const res = leaveWordsOutRatios(s, (train) => {
    fitted.push(new Set(train.map((x) => x.features.tag!)));
    return fitTokenRidgePoint(train);
  }, predictTokenRidgePoint, 5);
  assert.equal(res.length, s.length, 'every task has a dataset word seen at least twice');
  assert.ok(fitted.length >= 2 && fitted.every((tags) => tags.size < 30), 'each fit withholds some datasets');
  // the spread is the datasets' (sd 1), not the tasks' (sd 0.1)
  const logs = res.map((r) => Math.log(r.ratio));
  const sd = Math.sqrt(logs.reduce((a, x) => a + x * x, 0) / logs.length);
  assert.ok(sd > 0.6, `log sd ${sd}`);
});

test('new datasets get the wide interval their errors need and known ones keep the narrow one, each covering about 80%', () => {
  const seen = levels(names('ds', 60), 2);
  const train = datasets(seen, 8, 3);
  const m = tokenRidgeModel({ target: 'runtimeMs' });
  const state = m.fit(train);
  assert.ok(state.interval.novel, 'the new-task stratum is calibrated');
  const freshKnown = datasets(seen, 4, 4, 1e6);
  const freshNew = datasets(levels(names('new', 200), 5), 2, 6, 1e6);
  const known = coverage(m, state, freshKnown);
  const novel = coverage(m, state, freshNew);
  assert.ok(known > 0.7 && known < 0.9, `known coverage ${known}`);
  assert.ok(novel > 0.7 && novel < 0.9, `new-dataset coverage ${novel}`);
  // without the stratum, new datasets get the known tasks' narrow interval and are mostly missed
  const plain = tokenRidgeModel({ target: 'runtimeMs', wordFolds: 0 });
  assert.ok(coverage(plain, plain.fit(train), freshNew) < 0.5);
});

/**
 * Datasets arrive one after another, each a little smaller than the last (log level from +1 down
 * to −1 over the history), a dataset's tasks spread over the arrival of the next few so every
 * window has known tasks too.
 */
function drifting(from: number, count: number, seed: number, prefix = 'ds'): TrainingSample[] {
  const r = rng(seed);
  const out: TrainingSample[] = [];
  for (let k = from; k < from + count; k++) {
    const level = Math.exp(1 - (2 * k) / 29);
    for (let j = 0; j < 10; j++) out.push({ features: { process: 'RUN', tag: `bench:${prefix}${k}` }, value: 1000 * level * Math.exp(0.1 * normal(r)), at: k * 10 + j * 3 });
  }
  return out.sort((a, b) => a.at - b.at);
}

test('new tasks also get the errors of tasks that arrived new: a drift that withholding a word cannot show is covered', () => {
  const train = drifting(0, 30, 21);
  // new datasets as small as the latest arrivals: below most of the history, not beyond it
  const fresh = drifting(25, 6, 22, 'new');
  const m = tokenRidgeModel({ target: 'runtimeMs' });
  const state = m.fit(train);
  // the band leave-words-out residuals alone give: datasets scattered around the mean, no drift
  const lwo = calibrateFromRatios(leaveWordsOutRatios(train, fitTokenRidgePoint, predictTokenRidgePoint, 5).map((x) => x.ratio), 0.8, 'held-out');
  const p = (s: TrainingSample) => predictTokenRidgePoint(s.features, state.point);
  const lwoCoverage = fresh.filter((s) => s.value >= p(s) * lwo.lowRatio && s.value <= p(s) * lwo.highRatio).length / fresh.length;
  const novel = state.interval.novel!.byProcess?.RUN ?? state.interval.novel!;
  assert.ok(novel.lowRatio < lwo.lowRatio, `low ${novel.lowRatio} vs leave-words-out ${lwo.lowRatio}`);
  assert.ok(novel.highRatio >= lwo.highRatio, 'the band still contains the leave-words-out one');
  const withBoth = coverage(m, state, fresh);
  assert.ok(lwoCoverage < 0.6 && withBoth > 0.8, `fresh smaller datasets covered ${withBoth}, by leave-words-out alone ${lwoCoverage}`);
});
