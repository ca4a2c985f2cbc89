import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import type { CostRow } from '../ingest/costs/cost-row.js';

export interface HashedCostRow {
  row: CostRow;
  hash: string;
}

/** Rows written to a temporary file, to be read back (any number of times) and then disposed of. */
export interface CostRowSpool {
  readonly count: number;
  rows(): AsyncIterable<HashedCostRow>;
  dispose(): Promise<void>;
}

/**
 * Drains `source` into a temporary NDJSON file (mode 0600, removed by `dispose`) before anything is
 * written to the database: a fetch that fails half-way then costs nothing but the file, and memory
 * stays flat however many rows a backfill returns. Bill rows carry no credentials.
 */
export async function spoolCostRows(source: AsyncIterable<HashedCostRow>): Promise<CostRowSpool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gct-cost-sync-'));
  const file = path.join(dir, 'rows.ndjson');
  const dispose = () => rm(dir, { recursive: true, force: true });
  let count = 0;
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      for await (const item of source) {
        count++;
        if (!out.write(`${JSON.stringify(item)}\n`)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await finished(out);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    count,
    async *rows() {
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === '') continue;
        const item = JSON.parse(line) as { row: CostRow & { chargePeriodStart: string; chargePeriodEnd: string }; hash: string };
        yield { hash: item.hash, row: { ...item.row, chargePeriodStart: new Date(item.row.chargePeriodStart), chargePeriodEnd: new Date(item.row.chargePeriodEnd) } };
      }
    },
    dispose,
  };
}
