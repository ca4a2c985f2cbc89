/**
 * Reads the measured runs out of the 4DN ATAC-seq benchmark (shared/fixtures/run-costs-4dn-atacseq,
 * MIT): markdown tables with one column per run, of which the "Measured…" ones are real runs on AWS
 * EC2 with their input size, runtime, instance and reported cost. The document also states the
 * on-demand price of the instances it recommends; those are the only prices it gives.
 */
import { readFileSync } from 'node:fs';
import { fixturePath } from './fixtures.js';

export interface MeasuredRun {
  /** The table's heading, e.g. "Aln (align-only=true, starting from fastq) with a single biological replicate". */
  section: string;
  jobId: string;
  /** GB of FASTQ in (whole pipeline and align-only runs); null when the input was a tag-align file. */
  fastqGb: number | null;
  /** GB of tag-align (tas) in (post-alignment runs). */
  tasGb: number | null;
  hours: number;
  instance: string;
  costUsd: number;
}

export interface StatedPrice {
  vcpus: number;
  memoryGib: number;
  pricePerHour: number;
}

export interface AtacseqBenchmark {
  runs: MeasuredRun[];
  prices: Record<string, StatedPrice>;
}

export function readAtacseqBenchmark(file = fixturePath('run-costs-4dn-atacseq', 'Benchmark.md')): AtacseqBenchmark {
  const text = readFileSync(file, 'utf8');
  const runs: MeasuredRun[] = [];
  for (const block of text.split(/^### /m).slice(1)) {
    const section = block.slice(0, block.indexOf('\n')).trim();
    const rows = block.split('\n').filter((l) => l.startsWith('|')).map(cells);
    const [header] = rows;
    const row = (label: string) => {
      const r = rows.find((x) => x[0] === label);
      if (!r) throw new Error(`${section}: no "${label}" row`);
      return r;
    };
    const input = row('input size');
    const runtime = row('runtime');
    const instance = row('instance');
    const cost = row('cost');
    const job = row('AWSEM job id');
    header.forEach((h, i) => {
      if (!/^\*\*Measured/.test(h)) return;
      runs.push({
        section,
        jobId: job[i],
        fastqGb: match(input[i], /([\d.]+)\s*GB?\s*\(fastq\)/),
        tasGb: mbToGb(match(input[i], /([\d.]+)\s*MB\s*\(tas\)/)),
        hours: hoursOf(runtime[i]),
        instance: instance[i],
        costUsd: Number(/\$([\d.]+)/.exec(cost[i])![1]),
      });
    });
  }
  const prices: Record<string, StatedPrice> = {};
  for (const m of text.matchAll(/([a-z0-9]+\.[a-z0-9]+)\s*\((\d+)GB? mem, (\d+) cores, \$([\d.]+)\/hr\)/g)) {
    prices[m[1]] = { memoryGib: Number(m[2]), vcpus: Number(m[3]), pricePerHour: Number(m[4]) };
  }
  return { runs, prices };
}

const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());

function match(cell: string, re: RegExp): number | null {
  const m = re.exec(cell);
  return m ? Number(m[1]) : null;
}

const mbToGb = (mb: number | null) => (mb === null ? null : mb / 1000);

/** "7hr", "4.75hr", "1hr 20min". */
function hoursOf(cell: string): number {
  const h = match(cell, /([\d.]+)\s*hr/) ?? 0;
  const min = match(cell, /(\d+)\s*min/) ?? 0;
  if (h === 0 && min === 0) throw new Error(`runtime "${cell}" is not in hours and minutes`);
  return h + min / 60;
}
