import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { badInput } from '../errors.js';
import { isIsoInstant } from '../input/dates.js';
import { isUuid } from './ids.js';

/**
 * Opaque cursors: base64url JSON of the tag of the list they belong to, then the sort key of the last row
 * seen (or, for `offsetPage`, a position). The tag is what tells lists apart: many share a key's shape
 * (time + id), and a cursor taken from one would otherwise be accepted by another and silently move its page.
 */
export function encodeCursor(tag: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([tag, ...key])).toString('base64url');
}

/**
 * The key of a cursor `encodeCursor(tag, …)` made, of `arity` parts; anything else is BAD_USER_INPUT naming
 * `after`. Keyset cursors issued before they were tagged (the bare key) are refused too, not accepted for a
 * transition: they are exactly the ones that cannot say which list they came from, and a cursor lives for
 * one walk through a list, so a client holding one starts that list again from its first page.
 */
export function decodeCursor(cursor: string, tag: string, arity: number): (string | number)[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parts) &&
      parts.length === arity + 1 &&
      parts[0] === tag &&
      parts.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return parts.slice(1) as (string | number)[];
    }
  } catch {
    /* fall through */
  }
  throw badInput('after', `is not a cursor this API returned for ${tag}`);
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  cursorOf: (node: T) => string;
}

/** Fetch `first + 1` rows, then call this: the extra row only tells whether there is a next page. */
export function toPage<T>(rows: T[], first: number, tag: string, keyOf: (row: T) => (string | number)[]): Page<T> {
  const nodes = rows.slice(0, first);
  const cursorOf = (node: T) => encodeCursor(tag, keyOf(node));
  const last = nodes.at(-1);
  return { nodes, hasNextPage: rows.length > first, endCursor: last ? cursorOf(last) : null, cursorOf };
}

/** A whole number from a cursor, within `[min, max]` (the range of the column it is compared with). */
export function isCursorInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function checkPageSize(first: number, max: number): void {
  if (!Number.isInteger(first) || first < 1 || first > max) throw badInput('first', `must be from 1 to ${max}, got ${first}`);
}

/**
 * A timestamptz as ISO text to the microsecond, for keyset cursors: a JS Date keeps milliseconds only,
 * and a cursor rounded to them repeats or skips rows created within the same millisecond.
 */
export const microsecondsOf = (column: AnyColumn) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Decodes a `(timestamp, uuid)` keyset cursor made with `microsecondsOf`. */
export function decodeTimeIdCursor(after: string, tag: string): { at: string; id: string } {
  const [at, id] = decodeCursor(after, tag, 2);
  // strict: Date.parse takes "1", which Postgres refuses as a timestamptz
  if (!isIsoInstant(at) || typeof id !== 'string' || !isUuid(id)) {
    throw badInput('after', `is not a cursor this API returned for ${tag}`);
  }
  return { at, id };
}

/** Rows after the cursor in `(time desc, id desc)` order. */
export const olderThan = (time: AnyColumn, idColumn: AnyColumn, cursor: { at: string; id: string }): SQL =>
  sql`(${time}, ${idColumn}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`;

/** Rows after the cursor in `(time asc, id asc)` order. */
export const newerThan = (time: AnyColumn, idColumn: AnyColumn, cursor: { at: string; id: string }): SQL =>
  sql`(${time}, ${idColumn}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`;

/** An offset into an aggregate (whose groups Postgres computes in full for any page), from a cursor made by `offsetPage`. */
export function decodeOffsetCursor(after: string | null | undefined, tag: string): number {
  if (!after) return 0;
  const [n] = decodeCursor(after, tag, 1);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw badInput('after', `is not a cursor this API returned for ${tag}`);
  return n;
}

/** A page of rows fetched with `limit first + 1 offset offset`; cursors are positions, tagged by the list they belong to. */
export function offsetPage<T>(rows: readonly T[], first: number, offset: number, tag: string): Page<T> {
  const nodes = rows.slice(0, first);
  const indexOf = new Map(nodes.map((n, i) => [n, i]));
  const cursorAt = (i: number) => encodeCursor(tag, [offset + i + 1]);
  return {
    nodes,
    hasNextPage: rows.length > first,
    endCursor: nodes.length > 0 ? cursorAt(nodes.length - 1) : null,
    cursorOf: (node) => cursorAt(indexOf.get(node) ?? 0),
  };
}

/** `toPage` for rows selected as `{ row, at: microsecondsOf(…) }`, keyed by `(at, row.id)`. */
export function rowsPage<T extends { id: string }>(rows: { row: T; at: string }[], first: number, tag: string): Page<T> {
  const page = toPage(rows, first, tag, (r) => [r.at, r.row.id]);
  const atOf = new Map(rows.map((r) => [r.row, r.at]));
  return { ...page, nodes: page.nodes.map((r) => r.row), cursorOf: (node: T) => encodeCursor(tag, [atOf.get(node)!, node.id]) };
}
