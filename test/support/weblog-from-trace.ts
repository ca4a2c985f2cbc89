import { readFileSync } from 'node:fs';
import { naiveBytes, naiveMs, naiveUtc, splitTsv } from '../ingest/nextflow/helpers.js';

export type WeblogBody = Record<string, unknown>;

const raw = (v: string | undefined, convert: (s: string) => number): number | null => (v === undefined || v === '-' || v === '' ? null : convert(v));

/**
 * The weblog stream Nextflow would have sent for a real trace file: `started`, then per task
 * `process_submitted`, `process_started`, `process_completed` (raw values: ms, bytes, epoch ms), then `completed`.
 */
export function weblogEventsFromTrace(tracePath: string, runId: string, runName: string, params: Record<string, unknown> = {}): WeblogBody[] {
  const { header, rows } = splitTsv(readFileSync(tracePath, 'utf8'));
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  const events: WeblogBody[] = [];
  const base = { runName, runId };
  const submits = rows.map((r) => naiveUtc(col(r, 'submit')));
  const first = Math.min(...submits);
  // Nextflow retries a failed task as a new task_id with the same name and sends `attempt` 2, 3…
  // (the default trace fields lack the column, so the trace alone does not say it)
  const attempts = new Map<number, number>();
  const tries = new Map<string, number>();
  for (const i of rows.map((_, i) => i).sort((a, b) => submits[a] - submits[b] || Number(col(rows[a], 'task_id')) - Number(col(rows[b], 'task_id')))) {
    const n = (tries.get(col(rows[i], 'name')) ?? 0) + 1;
    tries.set(col(rows[i], 'name'), n);
    attempts.set(i, n);
  }
  const workflow = (complete?: number) => ({
    runName,
    sessionId: runId,
    start: new Date(first).toISOString(),
    ...(complete ? { complete: new Date(complete).toISOString(), success: true } : {}),
    commandLine: `nextflow run openproblems-bio/openproblems -with-weblog`,
    manifest: { name: 'openproblems-bio/openproblems', version: 'v0.5' },
    projectName: 'openproblems-bio/openproblems',
    revision: 'main',
    nextflow: { version: '21.04.0' },
  });
  events.push({ ...base, event: 'started', utcTime: new Date(first).toISOString(), metadata: { parameters: params, workflow: workflow() } });
  let last = first;
  rows.forEach((r, i) => {
    const submit = submits[i];
    const duration = raw(col(r, 'duration'), naiveMs) ?? 0;
    const realtime = raw(col(r, 'realtime'), naiveMs);
    const complete = submit + duration;
    last = Math.max(last, complete);
    const task = {
      task_id: Number(col(r, 'task_id')),
      hash: col(r, 'hash'),
      native_id: col(r, 'native_id'),
      name: col(r, 'name'),
      process: col(r, 'name').replace(/ \(.*\)$/, ''),
      tag: /\((.*)\)$/.exec(col(r, 'name'))?.[1] ?? null,
      cpus: 2,
      memory: 4 * 1024 ** 3,
      attempt: attempts.get(i),
    };
    const exit = col(r, 'exit');
    events.push({ ...base, event: 'process_submitted', utcTime: new Date(submit).toISOString(), trace: { ...task, status: 'SUBMITTED', submit } });
    events.push({ ...base, event: 'process_started', utcTime: new Date(submit + 1).toISOString(), trace: { ...task, status: 'RUNNING', submit, start: submit + 1 } });
    events.push({
      ...base,
      event: 'process_completed',
      utcTime: new Date(complete).toISOString(),
      trace: {
        ...task,
        status: col(r, 'status'),
        exit: exit === '-' ? 2147483647 : Number(exit),
        submit,
        start: submit + 1,
        complete,
        duration,
        realtime,
        '%cpu': raw(col(r, '%cpu'), (s) => parseFloat(s)),
        peak_rss: raw(col(r, 'peak_rss'), naiveBytes),
        peak_vmem: raw(col(r, 'peak_vmem'), naiveBytes),
        rchar: raw(col(r, 'rchar'), naiveBytes),
        wchar: raw(col(r, 'wchar'), naiveBytes),
      },
    });
  });
  events.push({ ...base, event: 'completed', utcTime: new Date(last).toISOString(), metadata: { parameters: params, workflow: workflow(last) } });
  return events;
}

/** Fisher–Yates with a seeded generator, so a failing shuffle can be replayed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
