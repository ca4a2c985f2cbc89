import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openTrace, TraceFormatError } from '../../../src/ingest/nextflow/trace.js';
import { collect, splitTsv, streamOf, traceFixture } from './helpers.js';

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function refused(input: Readable, pattern: RegExp): Promise<void> {
  await assert.rejects(openTrace(input), (err: unknown) => {
    assert.ok(err instanceof TraceFormatError, `expected TraceFormatError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

const REAL = traceFixture('execution_trace_2022-05-15.txt');
const REAL_LINES = REAL.split('\n').filter((l) => l !== '');

describe('inputs that are not traces are refused before any row', () => {
  it('random binary bytes', async () => {
    for (const seed of [1, 7, 42, 2024, 99991]) {
      for (const size of [16, 4096, 200_000]) {
        await refused(streamOf(noise(seed, size)), /not a Nextflow trace/);
      }
    }
  });

  it('a header with a NUL byte, naming the byte', async () => {
    await refused(streamOf('task_id\0hash\tname\n1\tab/cd\tx\n'), /0x00/);
  });

  it('a gzip-compressed trace, saying so', async () => {
    await refused(streamOf(gzipSync(Buffer.from(REAL))), /gzip/);
  });

  it('an empty file, and one with only blank lines', async () => {
    await refused(streamOf(''), /empty/);
    await refused(streamOf('\n\r\n  \n'), /empty/);
  });

  it('a CSV that is something else, naming the columns it found', async () => {
    await refused(streamOf('date,amount,name\n2024-01-01,5,x\n'), /task_id.*"date", "amount", "name"/);
  });

  it('a header that names one field twice', async () => {
    await refused(streamOf('task_id\t%cpu\tpcpu\n1\t1%\t1%\n'), /"%cpu" and "pcpu" both mean %cpu/);
  });

  it('a header with hash and name but no task_id, naming the missing column (tasks are keyed by it)', async () => {
    await refused(streamOf(Buffer.from('hash\tname\tstatus\trealtime\nab/123456\tALIGN (s1)\tCOMPLETED\t1h\n')), /no task_id column.*add task_id to trace\.fields/);
  });

  it('a huge binary file without line breaks, after reading only its beginning', async () => {
    let pulled = 0;
    const input = Readable.from((function* () {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield noise(i + 1, 64 * 1024).map((b) => (b === 0x0a ? 0x20 : b));
      }
    })());
    await refused(input, /no line break|not UTF-8|control byte/);
    assert.ok(pulled < 10, `read ${pulled} chunks of 64 KiB`);
  });

  it('accepts a header-only trace as zero rows', async () => {
    const { header, rows } = await openTrace(streamOf(REAL_LINES[0] + '\n'));
    assert.equal(header.columns.length, REAL_LINES[0].split('\t').length);
    assert.deepEqual(await collect(rows), { tasks: [], rejected: [] });
  });

  it('refuses an unknown time zone', async () => {
    await assert.rejects(openTrace(streamOf(REAL), { timeZone: 'Europe/Atlantis' }), /Europe\/Atlantis/);
  });
});

describe('bad rows are rejected with a reason and reading continues', () => {
  const { header } = splitTsv(REAL);
  const col = (name: string): number => header.indexOf(name);
  /** The real file with data line `n` (1-based physical line number) replaced. */
  function withLine(n: number, edit: (fields: string[]) => string): string {
    const lines = [...REAL_LINES];
    lines[n - 1] = edit(lines[n - 1].split('\t'));
    return lines.join('\n') + '\n';
  }

  it('a truncated last line: exactly one rejected row, with its line number', async () => {
    // the writer died in the middle of the last line: no line break, fields missing
    const cut = REAL.slice(0, REAL.trimEnd().length - 25);
    const lastLine = cut.split('\n').length;
    const { tasks, rejected } = await collect((await openTrace(streamOf(cut))).rows);
    assert.equal(tasks.length, REAL_LINES.length - 2);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].line, lastLine);
    assert.equal(rejected[0].raw, cut.split('\n')[lastLine - 1]);
    assert.match(rejected[0].reason, /truncated/);
  });

  it('a last line cut inside a size, where the rest still parses as raw bytes', async () => {
    const lastFields = REAL_LINES[REAL_LINES.length - 1].split('\t');
    const wchar = lastFields[col('wchar')];
    assert.ok(/ KB$/.test(wchar), `fixture's last wchar is ${wchar}`);
    // "42.3 KB" -> "42": the field count is right and "42" is a valid raw size
    const cut = REAL.trimEnd().slice(0, -(wchar.length - 2));
    const { tasks, rejected } = await collect((await openTrace(streamOf(cut))).rows);
    assert.equal(tasks.length, REAL_LINES.length - 2);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].line, REAL_LINES.length);
    assert.match(rejected[0].reason, /wchar.*"42".*truncated/);
  });

  it('%cpu = abc names the column and the value', async () => {
    const text = withLine(5, (f) => { f[col('%cpu')] = 'abc'; return f.join('\t'); });
    const { tasks, rejected } = await collect((await openTrace(streamOf(text))).rows);
    assert.equal(tasks.length, REAL_LINES.length - 2);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].line, 5);
    assert.match(rejected[0].reason, /"%cpu"/);
    assert.match(rejected[0].reason, /"abc"/);
    // the rows after it were still read
    assert.equal(tasks[tasks.length - 1].line, REAL_LINES.length);
  });

  it('names the alias as written when the header used one', async () => {
    const text = 'task_id\tpcpu\n1\tabc\n2\t5%\n';
    const { tasks, rejected } = await collect((await openTrace(streamOf(text))).rows);
    assert.match(rejected[0].reason, /pcpu \(%cpu\).*"abc"/);
    assert.deepEqual(tasks.map((t) => t.record.pcpu), [5]);
  });

  const cases: [what: string, edit: (f: string[]) => string, reason: RegExp][] = [
    ['a missing task_id', (f) => { f[col('task_id')] = '-'; return f.join('\t'); }, /task_id/],
    ['a non-numeric task_id', (f) => { f[col('task_id')] = 'seven'; return f.join('\t'); }, /"task_id".*"seven"/],
    ['an unknown status', (f) => { f[col('status')] = 'DONE'; return f.join('\t'); }, /"status".*"DONE".*COMPLETED/],
    ['an impossible date', (f) => { f[col('submit')] = '2022-02-30 10:00:00.000'; return f.join('\t'); }, /"submit".*2022-02-30/],
    ['a bad duration', (f) => { f[col('realtime')] = '5 parsecs'; return f.join('\t'); }, /"realtime".*"5 parsecs"/],
    ['a bad size', (f) => { f[col('peak_rss')] = 'lots'; return f.join('\t'); }, /"peak_rss".*"lots"/],
    ['a missing field', (f) => f.slice(0, -1).join('\t'), /13 fields.*14.*wchar/],
    ['an extra field', (f) => [...f, 'x'].join('\t'), /15 fields.*14/],
    ['a repeated header', () => header.join('\t'), /repeated header/],
  ];
  for (const [what, edit, reason] of cases) {
    it(what, async () => {
      const text = withLine(100, edit);
      const { tasks, rejected } = await collect((await openTrace(streamOf(text))).rows);
      assert.equal(rejected.length, 1, JSON.stringify(rejected));
      assert.equal(rejected[0].line, 100);
      assert.match(rejected[0].reason, reason);
      assert.equal(tasks.length, REAL_LINES.length - 2);
    });
  }

  it('a line of binary garbage in the middle', async () => {
    const lines = REAL_LINES.map((l) => Buffer.from(l + '\n'));
    lines.splice(10, 0, Buffer.concat([noise(3, 300).map((b) => (b === 0x0a ? 0x41 : b)), Buffer.from('\n')]));
    const { tasks, rejected } = await collect((await openTrace(streamOf(Buffer.concat(lines)))).rows);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].line, 11);
    assert.equal(tasks.length, REAL_LINES.length - 1);
  });

  it('an absurdly long line is skipped without buffering it, and reading goes on', async () => {
    const long = 'x'.repeat(9 * 1024 * 1024);
    const text = REAL_LINES.slice(0, 3).join('\n') + '\n' + long + '\n' + REAL_LINES.slice(3).join('\n') + '\n';
    const { tasks, rejected } = await collect((await openTrace(streamOf(text, 64 * 1024))).rows);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].line, 4);
    assert.match(rejected[0].reason, /longer than 8 MiB/);
    assert.ok(rejected[0].raw.length < 10_000);
    assert.equal(tasks.length, REAL_LINES.length - 1);
    assert.equal(tasks[2].line, 5);
  });

  it('a CSV quote that never closes costs one line, not the rest of the file', async () => {
    const text = 'task_id,name,status\n1,a,COMPLETED\n2,"b,COMPLETED\n3,c,COMPLETED\n4,d,FAILED\n';
    const { tasks, rejected } = await collect((await openTrace(streamOf(text))).rows);
    assert.deepEqual(rejected.map((r) => r.line), [3]);
    assert.match(rejected[0].reason, /unclosed quote/);
    assert.deepEqual(tasks.map((t) => [t.line, t.record.taskId]), [[2, 1], [4, 3], [5, 4]]);
  });
});
