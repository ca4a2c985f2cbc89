/**
 * Postgres `text` and `jsonb` cannot hold U+0000: a string carrying one fails its INSERT or comparison
 * as a whole. Every transport refuses it at the edge instead, naming where it was.
 */
const NUL = '\u0000';

export const hasNul = (text: string): boolean => text.includes(NUL);

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/** The path (`input.tags.0`) of the first string holding a NUL inside a JSON-like value, or null. */
export function findNul(value: unknown, path: string): string | null {
  return findMatching(value, path, hasNul);
}

/**
 * `value` when no string in it (nor key) holds a NUL, else what `refused` makes of the first one's path, thrown.
 * The one check of every parser that stores what it reads; each answers in its own error type.
 */
export function withoutNul<T>(value: T, path: string, refused: (at: string) => Error): T {
  const at = findNul(value, path);
  if (at !== null) throw refused(at);
  return value;
}

// with the u flag, \p{Cs} matches only a surrogate without its pair (a pair is one code point)
const LONE_SURROGATE = /\p{Cs}/u;

const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);

const LONE_SURROGATE_MESSAGE = 'must not contain an unpaired surrogate (\\uD800 to \\uDFFF without its pair): it is no character, and text and JSON cannot store it';

/** Where a string that cannot be stored as sent is (`input.name`), and what is wrong with it. */
export interface Unstorable {
  at: string;
  problem: string;
}

/**
 * The first string (or key) inside a JSON-like value that cannot be stored as sent, with its path and what is
 * wrong, or null: a NUL (text and jsonb refuse it), or an unpaired surrogate (jsonb refuses it; text would
 * silently store U+FFFD in its place).
 */
export function findUnstorable(value: unknown, path: string): Unstorable | null {
  const at = findNul(value, path);
  if (at !== null) return { at, problem: NUL_MESSAGE };
  const lone = findMatching(value, path, hasLoneSurrogate);
  return lone === null ? null : { at: lone, problem: LONE_SURROGATE_MESSAGE };
}

/** The path of the first string (or key: jsonb labels and params store keys too) inside `value` that is `bad`, or null. */
function findMatching(value: unknown, path: string, bad: (text: string) => boolean): string | null {
  if (typeof value === 'string') return bad(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, v] of entries) {
    if (bad(key)) return `${path}.${shownKey(key)}`;
    const found = findMatching(v, `${path}.${key}`, bad);
    if (found !== null) return found;
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
