import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianBaseline } from '../../src/models/median-baseline.js';
import type { TrainingSample } from '../../src/models/model.js';
import { priceDuration } from '../../src/models/price-sheet.js';
import { fitUnitRatePoint, predictUnitRatePoint, unitRateModel } from '../../src/models/unit-rate.js';
import { readAtacseqBenchmark } from '../support/atacseq-benchmark.js';

const GB = 1e9;
const run = (process: string, value: number, at: number, inputBytes: number | null, sampleCount: number | null): TrainingSample => ({
  features: { process, inputBytes, sampleCount }, value, at,
});

test('unit rate: the median cost per input byte, else per sample, else the median value', () => {
  const p = fitUnitRatePoint([
    run('rnaseq', 10, 1, 10 * GB, 2), // 1 per GB, 5 per sample
    run('rnaseq', 30, 2, 20 * GB, 3), // 1.5 per GB, 10 per sample
    run('rnaseq', 80, 3, 40 * GB, 4), // 2 per GB, 20 per sample
    run('sarek', 7, 4, null, 1),
  ]);
  assert.equal(p.byProcess.rnaseq.perByte, 1.5 / GB);
  assert.equal(p.byProcess.rnaseq.perSample, 10);
  assert.equal(predictUnitRatePoint({ process: 'rnaseq', inputBytes: 100 * GB, sampleCount: 1 }, p), 150);
  // a quote without input bytes (or with 0: not known) falls back to the per-sample rate
  assert.equal(predictUnitRatePoint({ process: 'rnaseq', sampleCount: 6 }, p), 60);
  assert.equal(predictUnitRatePoint({ process: 'rnaseq', inputBytes: 0, sampleCount: 6 }, p), 60);
  // one sarek run is below the default minimum for a rate: the process's median
  assert.equal(p.byProcess.sarek, undefined);
  assert.equal(predictUnitRatePoint({ process: 'sarek', sampleCount: 50 }, p), 7);
  // an unknown pipeline gets the median over everything
  assert.equal(predictUnitRatePoint({ process: 'other', inputBytes: GB }, p), 20);
});

test('unit rate model: the state survives JSON and the interval brackets the value', () => {
  const model = unitRateModel({ target: 'costPerRun' });
  const samples = Array.from({ length: 12 }, (_, i) => run('p', (i + 1) * (0.9 + 0.2 * ((i * 7) % 5) / 4), i, (i + 1) * GB, 1));
  const state = JSON.parse(JSON.stringify(model.fit(samples))) as ReturnType<typeof model.fit>;
  const q = model.predict({ process: 'p', inputBytes: 20 * GB, sampleCount: 1 }, state);
  assert.ok(q.low < q.value && q.value < q.high, JSON.stringify(q));
  assert.ok(Math.abs(q.value / 20 - 1) < 0.1, `20 GB at about 1 per GB, got ${q.value}`);
  assert.equal(model.name, 'unit-rate:costPerRun');
});

// Real runs: the 4DN ATAC-seq benchmark (shared/fixtures/run-costs-4dn-atacseq).
const bench = readAtacseqBenchmark();

test('4DN ATAC-seq: the document holds nine measured runs, each with a cost and an instance', () => {
  assert.equal(bench.runs.length, 9);
  assert.equal(new Set(bench.runs.map((r) => r.jobId)).size, 9);
  for (const r of bench.runs) {
    assert.ok(r.costUsd > 0 && r.hours > 0, JSON.stringify(r));
    assert.ok((r.fastqGb ?? r.tasGb)! > 0, `${r.jobId} has an input size`);
  }
  assert.deepEqual(Object.keys(bench.prices).sort(), ['c5.4xlarge', 'c5.xlarge', 'm5a.xlarge']);
});

test('4DN ATAC-seq: the price-sheet rule on the stated on-demand prices gives each reported cost within 5 %', () => {
  const priced = bench.runs.filter((r) => bench.prices[r.instance]);
  // the two c4.4xlarge runs have no stated price
  assert.equal(priced.length, 7);
  for (const r of priced) {
    const vm = bench.prices[r.instance];
    // the run had the instance to itself: its whole share
    const cost = priceDuration({ cpus: vm.vcpus, memoryBytes: null }, vm, r.hours * 3_600_000);
    assert.ok(Math.abs(cost / r.costUsd - 1) < 0.05, `${r.jobId}: ${cost.toFixed(3)} against the reported ${r.costUsd}`);
  }
});

test('4DN ATAC-seq align-only runs: a cost per GB of FASTQ predicts the left-out run; the median run cost does not', () => {
  const aln = bench.runs.filter((r) => r.section.startsWith('Aln') && r.fastqGb !== null);
  assert.equal(aln.length, 3);
  assert.ok(new Set(aln.map((r) => r.fastqGb)).size === 3, 'the runs differ in input size');
  const samples = aln.map((r, i) => run('atac-aln', r.costUsd, i, r.fastqGb! * GB, 1));
  const mape = (model: ReturnType<typeof unitRateModel> | ReturnType<typeof medianBaseline>) => {
    let sum = 0;
    samples.forEach((held, i) => {
      const state = model.fit(samples.filter((_, j) => j !== i)) as never;
      sum += Math.abs(model.predict(held.features, state).value / held.value - 1);
    });
    return sum / samples.length;
  };
  const unit = mape(unitRateModel({ target: 'costPerRun' }));
  const median = mape(medianBaseline({ target: 'costPerRun' }));
  // measured: 4.9 % against 48.6 %
  assert.ok(unit < 0.1, `unit rate MAPE ${unit}`);
  assert.ok(median > 0.3, `median MAPE ${median}`);
});
