import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fixturePath } from '../../support/fixtures.js';
import type { TaskRecord } from '../../../src/ingest/nextflow/task-record.js';
import type { TraceItem } from '../../../src/ingest/nextflow/trace.js';

export const TRACE_FILES = ['execution_trace_2021-03-04.txt', 'execution_trace_2022-05-13.txt', 'execution_trace_2022-05-15.txt'];

export function traceFixture(file: string): string {
  return readFileSync(fixturePath('nextflow-traces', 'openproblems', file), 'utf8');
}

export function weblogFixture(file: string): string {
  return readFileSync(fixturePath('nextflow-weblog', file), 'utf8');
}

/**
 * A stream that hands the bytes over in small odd-sized chunks, so line breaks, CRLF pairs
 * and multi-byte characters land on chunk boundaries.
 */
export function streamOf(data: string | Buffer, chunkSize = 997): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}

export async function collect(rows: AsyncIterable<TraceItem>): Promise<{
  tasks: { line: number; record: TaskRecord }[];
  rejected: { line: number; raw: string; reason: string }[];
}> {
  const tasks: { line: number; record: TaskRecord }[] = [];
  const rejected: { line: number; raw: string; reason: string }[] = [];
  for await (const item of rows) {
    if (item.kind === 'task') tasks.push({ line: item.line, record: item.record });
    else rejected.push({ line: item.line, raw: item.raw, reason: item.reason });
  }
  return { tasks, rejected };
}

/** The data lines of a TSV text, split with plain string operations. */
export function splitTsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((l) => l.split('\t')) };
}

/*
 * Deliberately naive converters for the values the openproblems traces contain, written
 * independently of src/ so the tests do not check the parser against itself.
 */
export function naiveMs(text: string): number {
  let ms = 0;
  for (const part of text.split(' ')) {
    if (part.endsWith('ms')) ms += parseFloat(part) ;
    else if (part.endsWith('s')) ms += parseFloat(part) * 1000;
    else if (part.endsWith('m')) ms += parseFloat(part) * 60 * 1000;
    else if (part.endsWith('h')) ms += parseFloat(part) * 60 * 60 * 1000;
    else if (part.endsWith('d')) ms += parseFloat(part) * 24 * 60 * 60 * 1000;
    else throw new Error(`test converter: ${text}`);
  }
  return Math.round(ms);
}

export function naiveBytes(text: string): number {
  const [num, unit] = text.split(' ');
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit ?? 'B');
  if (power < 0) throw new Error(`test converter: ${text}`);
  return Math.round(parseFloat(num) * Math.pow(1024, power));
}

/** `2021-03-04 21:06:07.625` as UTC, via the built-in ISO parser. */
export function naiveUtc(text: string): number {
  return Date.parse(text.replace(' ', 'T') + 'Z');
}
