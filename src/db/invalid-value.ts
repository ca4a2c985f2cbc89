import { AppError } from '../errors.js';

/**
 * Postgres refusing a value the request carried (data exceptions): the inputs are checked before they
 * reach SQL, so these mean a check is missing somewhere. The answer is still the caller's mistake,
 * BAD_USER_INPUT, never a 500 — and says nothing of the SQL (Drizzle's message quotes the whole query).
 */
const INVALID_VALUE: Record<string, string> = {
  '22P02': 'a value in the request is not valid for its type',
  '22003': 'a number in the request is out of range',
  '22007': 'a date or time in the request is not valid',
  '22008': 'a date or time in the request is out of range',
  '22021': 'a text in the request holds a character that cannot be stored (NUL?)',
};

/** The SQLSTATE of a Postgres error, looking through the `cause` Drizzle wraps it in; null for other errors. */
export function sqlStateOf(err: unknown): string | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

/** The BAD_USER_INPUT an error from Postgres (or Drizzle wrapping one in `cause`) stands for, or null. */
export function invalidValueError(err: unknown): AppError | null {
  const code = sqlStateOf(err);
  return code !== null && code in INVALID_VALUE ? new AppError('BAD_USER_INPUT', INVALID_VALUE[code], { sqlState: code }) : null;
}
