import { badInput } from '../errors.js';

/**
 * The years a date the API is asked about may fall in. Bills, runs and budgets are of this century, and
 * a window computed from a far date (the explorer's previous window reaches back as far again) leaves
 * what Postgres and `Date#toISOString` can write: such a request is a typo, answered as one. Every
 * GraphQL DateTime argument is held to them before it runs (graphql/argument-values.ts).
 */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// what `pagination.microsecondsOf` writes, and any shorter fraction
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;

const inYears = (year: number) => year >= FIRST_YEAR && year <= LAST_YEAR;

/**
 * A `YYYY-MM-DD` that names a real day (2026-02-31 is not one), any year from 1 to 9999: what Postgres
 * reads as a date. Cursors are checked with this (they hold dates the API wrote); filters with `calendarDay`.
 */
export function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  return m !== null && Number(m[1]) >= 1 && roundTrips(`${value}T00:00:00.000Z`);
}

/** A UTC instant as the API writes it in cursors (`2026-03-01T10:00:00.123456Z`), naming a real time in years 1 to 9999. */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = INSTANT.exec(value);
  return m !== null && Number(m[1]) >= 1 && roundTrips(`${value.slice(0, 19)}.${(m[7] ?? '').slice(0, 3).padEnd(3, '0')}Z`);
}

// Date.parse rolls 31 February over to 3 March (and hour 25 to NaN): a real time reads back as written
function roundTrips(iso: string): boolean {
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === iso;
}

/** `value` if it is a calendar day in the years served, else BAD_USER_INPUT naming `field`. */
export function calendarDay(field: string, value: string): string {
  if (!isCalendarDay(value) || !inYears(Number(value.slice(0, 4)))) throw badInput(field, `must be a date YYYY-MM-DD from ${FIRST_YEAR} to ${LAST_YEAR}, got ${JSON.stringify(value)}`);
  return value;
}

/** `date` if it falls in the years served, else BAD_USER_INPUT naming `field`. */
export function instantInYears(field: string, date: Date): Date {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || !inYears(year)) {
    throw badInput(field, `must fall in the years ${FIRST_YEAR} to ${LAST_YEAR}, got ${Number.isNaN(year) ? 'an invalid date' : `year ${year}`}`);
  }
  return date;
}

/**
 * A half-open window whose end comes before its start matches nothing; answering that as an empty list
 * hides the swapped bounds, so it is refused naming the end. An empty window (equal bounds) is allowed.
 */
export function checkNotReversed(from: Date | null | undefined, to: Date | null | undefined, fields: { from: string; to: string }): void {
  if (from && to && from > to) throw badInput(fields.to, `must not be before ${fields.from}`);
}
