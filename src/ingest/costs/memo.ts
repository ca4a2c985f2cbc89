/**
 * Bounded memos for values a bill file repeats on row after row: timestamps (an hourly file has a few
 * hundred distinct ones), tags (one set per resource), ISO texts of instants. Parsing or formatting
 * each again cost a good part of an import's per-row time.
 */
import { inServedYears } from './dates.js';
import { parseTags, type TagsResult } from './tags.js';

/** Entries kept before a memo starts over: a file with more distinct values gains little from it anyway. */
const LIMIT = 10_000;

/** No argument equals it: a memo's last key before its first call. */
const NO_KEY = Symbol('no key');

/** `fn` remembered by its argument, for at most LIMIT arguments at a time. */
export function memoize<K, V>(fn: (key: K) => V): (key: K) => V {
  const memo = new Map<K, V>();
  // the last key and its value first: bill rows come in runs of one period or one resource, and comparing
  // with the last key is cheaper than hashing a freshly cut string for the map
  let lastKey: K | typeof NO_KEY = NO_KEY;
  let lastValue: V | undefined;
  return (key) => {
    if (key === lastKey) return lastValue as V;
    let value = memo.get(key);
    if (value === undefined && !memo.has(key)) {
      value = fn(key);
      if (memo.size >= LIMIT) memo.clear();
      memo.set(typeof key === 'string' ? (detached(key) as K) : key, value);
    }
    // kept as it is: one slice holds on to one parsed piece of the file, not LIMIT of them
    lastKey = key;
    lastValue = value;
    return value as V;
  };
}

/**
 * A copy of `text` that holds on to nothing else. A field cut from the parser's input is a slice of a
 * whole chunk of the file in V8: kept as a memo key, it would keep that chunk in memory (up to LIMIT
 * of them) and make the garbage collector move it around.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

const isoTexts = memoize((ms: number) => new Date(ms).toISOString());

/** `date.toISOString()`, remembered. */
export function isoText(date: Date): string {
  return isoTexts(date.getTime());
}

/** `parse`, remembered by text; each call answers a Date of its own (Dates are mutable). */
export function memoDates(parse: (text: string) => Date | null): (text: string) => Date | null {
  const ms = memoize((text: string) => parse(text)?.getTime() ?? null);
  return (text) => {
    const at = ms(text);
    return at === null ? null : new Date(at);
  };
}

/** A date `parse` reads out of `text`, or null when there is no text, it is not a date, or it falls outside the years served (dates). */
export const optionalDate = (text: string | null, parse: (text: string) => Date | null): Date | null => {
  const date = text === null ? null : parse(text);
  return date && inServedYears(date) ? date : null;
};

/**
 * parseTags, remembered by text. Rows with the same tags text share one tags object, frozen so that
 * no holder of one row can change another's (and so that serialisations of it may be kept: see
 * row-hash and cost-copy-text).
 */
export function memoTags(): (text: string | null) => TagsResult {
  return memoize((text: string | null) => {
    const parsed = parseTags(text);
    if (parsed.ok) Object.freeze(parsed.tags);
    return parsed;
  });
}
