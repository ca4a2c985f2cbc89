/**
 * Postgres `text` and `jsonb` cannot hold U+0000: a string carrying one fails its INSERT or comparison
 * as a whole. Every transport refuses it at the edge instead, naming where it was.
 */
const NUL = '\u0000';

export const hasNul = (text: string): boolean => text.includes(NUL);

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/**
 * `text` when it holds no NUL, else what `refused` makes of its `path`, thrown.
 * The one check of every parser that stores the text it reads; each answers in its own error type.
 */
export function withoutNul(text: string, path: string, refused: (at: string) => Error): string {
  if (hasNul(text)) throw refused(path);
  return text;
}

// with the u flag, \p{Cs} matches only a surrogate without its pair (a pair is one code point)
const LONE_SURROGATE_MESSAGE = 'must not contain an unpaired surrogate (\\uD800 to \\uDFFF without its pair): it is no character, and text and JSON cannot store it';

// either fault in one scan of each string: a request's variables are walked once, not once per fault
const UNSTORABLE = /\u0000|\p{Cs}/u;

const problemOf = (text: string): string | null => (!UNSTORABLE.test(text) ? null : hasNul(text) ? NUL_MESSAGE : LONE_SURROGATE_MESSAGE);

/**
 * Levels of objects and lists a JSON value sent to the API may have (the argument or event field is the
 * first). Labels and params are a few levels deep; a value thousands deep is no one's data, and each
 * level costs a stack frame in every walk over it (here, in graphql-js, in Postgres's jsonb parser).
 */
export const MAX_JSON_DEPTH = 64;

export const TOO_DEEP_MESSAGE = `must not nest objects and lists deeper than ${MAX_JSON_DEPTH} levels`;

/** Where a value that cannot be stored as sent is (`input.name`), and what is wrong with it. */
export interface Unstorable {
  at: string;
  problem: string;
}

/**
 * The first string (or key) inside a JSON-like value that cannot be stored as sent, with its path and what is
 * wrong, or null: a NUL (text and jsonb refuse it), an unpaired surrogate (jsonb refuses it; text would
 * silently store U+FFFD in its place), or an object or list deeper than MAX_JSON_DEPTH. A string holding
 * both a NUL and a lone surrogate is named for its NUL.
 */
export function findUnstorable(value: unknown, path: string): Unstorable | null {
  const found = below(value, 1);
  return found === null ? null : { at: path + found.rest, problem: found.problem };
}

// the path is built on the way back from a find, not on the way down: most values hold nothing wrong;
// the depth bound also bounds this recursion
function below(value: unknown, depth: number): { rest: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem === null ? null : { rest: '', problem };
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_JSON_DEPTH) return { rest: '', problem: TOO_DEEP_MESSAGE };
  let found: { rest: string; problem: string } | null = null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && found === null; i++) {
      found = below(value[i], depth + 1);
      if (found !== null) found.rest = `.${i}${found.rest}`;
    }
    return found;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const problem = problemOf(key);
    if (problem !== null) return { rest: `.${shownKey(key)}`, problem };
    found = below(record[key], depth + 1);
    if (found !== null) {
      found.rest = `.${key}${found.rest}`;
      return found;
    }
  }
  return null;
}

/** A name for an error message: its NULs and unpaired surrogates written as `\u0000`, `\uD800`, as a client would type them. */
export const shownKey = (key: string): string =>
  key.replace(/\u0000|\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);

/** For text kept as evidence of what was refused (a rejected trace line): the NUL shown as ␀, the rest as read. */
export const visibleNul = (text: string): string => (hasNul(text) ? text.replaceAll(NUL, '\u2400') : text);

/**
 * Text from code we do not control (a lab model's error message) made storable in text and jsonb: NUL
 * shown as ␀, an unpaired surrogate (which jsonb refuses too) as U+FFFD.
 */
export const storableText = (text: string): string => visibleNul(text).replace(/\p{Cs}/gu, '\ufffd');

/**
 * Bytes (UTF-8) a text may have where it becomes part of an index key: a run name and session id, a
 * pipeline name and revision, a process, a pool, a bill's provider, billing account, sub account, service,
 * resource group, tag key and value. Postgres refuses a btree entry past ~2,700 bytes (a third of an 8 kB
 * page) and fails the whole statement, so one such value failed a whole event or import, naming nothing.
 * The widest key holding these, a bill's scope (provider, billing account and sub account in one text),
 * holds three: 3 × 800 bytes and its punctuation stay under the limit. Real values are far shorter (an
 * Azure tag value is at most 256 characters, a subscription id 51, a Nextflow process name rarely 200).
 * Bytes, not characters: a character can take up to four.
 */
export const MAX_KEY_BYTES = 800;

/** The UTF-8 size of `text` when it is over MAX_KEY_BYTES, else null. */
export function keyTooLong(text: string): number | null {
  // a UTF-16 code unit is at most 3 bytes of UTF-8: most texts are judged without encoding them
  if (text.length * 3 <= MAX_KEY_BYTES) return null;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > MAX_KEY_BYTES ? bytes : null;
}

export const keyTooLongMessage = (bytes: number): string => `must be at most ${MAX_KEY_BYTES} bytes (UTF-8), got ${bytes}`;
