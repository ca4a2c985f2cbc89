import { createHash } from 'node:crypto';
import { MAX_KEY_BYTES, keyTooLong } from '../input/text.js';

/** Between a cut value's kept start and the digest of the whole value. */
const DIGEST_MARK = '…sha256:';

/**
 * `text` when it fits MAX_KEY_BYTES, else its start and the SHA-256 of the whole of it, together
 * MAX_KEY_BYTES at most. For keys a job derives from stored bill lines or tasks: lines imported before
 * imports refused over-long keys may hold a value thousands of bytes long, and a btree index refuses a
 * row over ~2.7 kB (SQLSTATE 54000), failing the organization's whole job on every run. The digest
 * keeps distinct values apart and a re-run on the same key (upserts, dedupe); the start keeps it
 * readable. Idempotent: a bounded key is returned as it is.
 */
export function boundedKey(text: string): string {
  if (keyTooLong(text) === null) return text;
  const suffix = DIGEST_MARK + createHash('sha256').update(text, 'utf8').digest('hex');
  const room = MAX_KEY_BYTES - Buffer.byteLength(suffix, 'utf8');
  // cut between code points, never inside one
  let start = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > room) break;
    start += ch;
    bytes += size;
  }
  return start + suffix;
}
