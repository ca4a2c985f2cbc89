import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect } from './support/raw-csv.js';

const FILES = [fixturePath('finops-toolkit', 'EA_AmortizedCost_Small.csv'), fixturePath('focus-sample', 'focus_sample.csv')];

const chunked = (buf: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));
const read = async (input: Readable, fileName?: string) => {
  const opened = await openCostFile(input, { format: 'auto', fileName });
  return { format: opened.format, variant: opened.variant, columns: opened.columns, ...(await collect(opened.rows)) };
};

describe('gzip and BOM', () => {
  for (const file of FILES) {
    const name = file.split('/').pop()!;
    it(`${name}: gzip gives the same rows, lines and header as plain, whatever the file name says`, async () => {
      const plain = await read(createReadStream(file), name);
      assert.ok(plain.rows.length > 0);
      const gz = gzipSync(readFileSync(file));
      assert.deepEqual(await read(Readable.from([gz]), name), plain);
      assert.deepEqual(await read(chunked(gz, 5), `${name}.gz`), plain);
      // a plain file named .gz is still plain
      assert.deepEqual(await read(createReadStream(file), `${name}.gz`), plain);
    });

    it(`${name}: a BOM is ignored whether or not the file had one`, async () => {
      const bytes = readFileSync(file);
      const hasBom = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
      const withBom = hasBom ? bytes : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      const withoutBom = hasBom ? bytes.subarray(3) : bytes;
      const a = await read(Readable.from([withBom]));
      const b = await read(Readable.from([withoutBom]));
      assert.deepEqual(a, b);
      assert.ok(!a.columns[0].startsWith('\uFEFF'));
      // the BOM split across chunks, and inside gzip
      const split = Readable.from([withBom.subarray(0, 1), withBom.subarray(1, 2), withBom.subarray(2, 4), withBom.subarray(4)]);
      assert.deepEqual(await read(split), b);
      assert.deepEqual(await read(Readable.from([gzipSync(withBom)])), b);
    });
  }

  it('concatenated gzip members (as written by appending exports) are read as one file', async () => {
    const text = readFileSync(FILES[1], 'utf8');
    const [header, ...lines] = text.split('\n');
    const half = Math.floor(lines.length / 2);
    const gz = Buffer.concat([gzipSync([header, ...lines.slice(0, half)].join('\n') + '\n'), gzipSync(lines.slice(half).join('\n'))]);
    assert.deepEqual(await read(Readable.from([gz])), await read(createReadStream(FILES[1])));
  });
});

describe('streaming', () => {
  /** A FOCUS file of `total` rows produced lazily; `produced` tells how far the reader has pulled. */
  function lazyFocus(total: number) {
    const state = { produced: 0, released: false };
    async function* generate() {
      try {
        yield Buffer.from('BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName,ServiceName\n');
        for (; state.produced < total; ) {
          let chunk = '';
          for (let i = 0; i < 100 && state.produced < total; i++, state.produced++) chunk += `0.0${state.produced % 10},2024-09-01 00:00:00,2024-09-02 00:00:00,USD,AWS,svc${state.produced % 7}\n`;
          yield Buffer.from(chunk);
        }
      } finally {
        state.released = true;
      }
    }
    return { state, input: Readable.from(generate()) };
  }

  it('yields rows while reading, pulling only a bounded window ahead of the consumer', async () => {
    const total = 150_000;
    const { state, input } = lazyFocus(total);
    const opened = await openCostFile(input, { format: 'auto' });
    let count = 0;
    let maxAhead = 0;
    for await (const item of opened.rows) {
      assert.equal(item.kind, 'row');
      count++;
      maxAhead = Math.max(maxAhead, state.produced - count);
    }
    assert.equal(count, total);
    assert.ok(maxAhead < 20_000, `read ${maxAhead} rows ahead of the consumer`);
  });

  it('releases the input when the consumer stops early', async () => {
    const { state, input } = lazyFocus(1_000_000);
    const opened = await openCostFile(input, { format: 'auto' });
    for await (const item of opened.rows) {
      assert.equal(item.kind, 'row');
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(state.produced < 50_000, `produced ${state.produced}`);
    assert.equal(state.released, true);
    assert.ok(input.destroyed);
  });

  it('rows can be iterated only once', async () => {
    const opened = await openCostFile(createReadStream(FILES[0]), { format: 'auto' });
    await collect(opened.rows);
    assert.throws(() => opened.rows[Symbol.asyncIterator](), /only be iterated once/);
  });
});
