import { createHash } from 'node:crypto';
import { hexDigestUuid } from '../../src/ingest/costs/row-hash.js';

/** A row hash (the uuid form cost_records.row_hash holds) named by a label, for rows a test writes itself. */
export function rowHash(label: string): string {
  return hexDigestUuid(createHash('sha256').update(label).digest('hex'));
}
