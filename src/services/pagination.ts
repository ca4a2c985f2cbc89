import { badInput } from '../errors.js';

/** Opaque keyset cursors: base64url JSON of the sort key of the last row seen. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
  } catch {
    /* fall through */
  }
  throw badInput('after', 'is not a cursor this API returned');
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  cursorOf: (node: T) => string;
}

/** Fetch `first + 1` rows, then call this: the extra row only tells whether there is a next page. */
export function toPage<T>(rows: T[], first: number, keyOf: (row: T) => (string | number)[]): Page<T> {
  const nodes = rows.slice(0, first);
  const cursorOf = (node: T) => encodeCursor(keyOf(node));
  const last = nodes.at(-1);
  return { nodes, hasNextPage: rows.length > first, endCursor: last ? cursorOf(last) : null, cursorOf };
}

export function checkPageSize(first: number, max: number): void {
  if (!Number.isInteger(first) || first < 1 || first > max) throw badInput('first', `must be from 1 to ${max}, got ${first}`);
}
