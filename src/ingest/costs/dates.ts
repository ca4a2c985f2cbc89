/**
 * Date parsing for bill files. Everything is UTC: Azure usage dates and FOCUS charge periods are
 * UTC by definition, and a zone-less FOCUS timestamp (`2024-09-18 22:00:00`) is read as UTC.
 */

import { FIRST_YEAR, LAST_YEAR } from '../../input/dates.js';

const DAY_MS = 86_400_000;

export { FIRST_YEAR, LAST_YEAR };

/**
 * Whether `date` falls in the years the API serves (input/dates): a bill line outside them is a typo or a
 * placeholder (`9999-12-31`), and Postgres cannot even write the end of year 9999's day, which failed the
 * whole import; year 1000 made a partition of its own.
 */
export function inServedYears(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= FIRST_YEAR && year <= LAST_YEAR;
}

/**
 * The UTC midnight of an Azure usage date, or null. Accepted: `YYYY-MM-DD`, ISO date-times
 * (the written calendar date is used; the time is the start of the daily bucket Azure already
 * chose), `YYYYMMDD`, `DD.MM.YYYY`, and slash dates `M/D/YYYY` optionally followed by a time.
 *
 * Month/day order: slash dates are always read month-first. Every Azure export variant we know
 * writes them that way, including the German-localized ones (the mixed German header fixture
 * has `02/02/2021`, the EA exports `09/21/2023`), and the header carries no locale to say
 * otherwise. A slash date whose first number is above 12 is therefore not silently flipped to
 * day-first: it is rejected, so a day-first file shows up as quarantined rows instead of as
 * mis-dated costs. Dotted dates are the German convention and are read day-first.
 */
export function parseAzureDay(text: string): Date | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$/i.exec(s);
  if (m) return utcDay(+m[1], +m[2], +m[3]);
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return utcDay(+m[1], +m[2], +m[3]);
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$/i.exec(s);
  if (m) return utcDay(+m[3], +m[1], +m[2]);
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s);
  if (m) return utcDay(+m[3], +m[2], +m[1]);
  return null;
}

/**
 * A FOCUS date-time (`2024-09-18 22:00:00`, `2024-09-18T22:00:00Z`, `…+02:00`, `…000Z`), or a
 * bare date as midnight UTC. Null when it is not one.
 */
export function parseTimestamp(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    text.trim(),
  );
  if (!m) return null;
  const day = utcDay(+m[1], +m[2], +m[3]);
  if (!day) return null;
  const hour = +(m[4] ?? 0);
  const minute = +(m[5] ?? 0);
  const second = +(m[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offsetMinutes = 0;
  const zone = m[8]?.toUpperCase();
  if (zone && zone !== 'Z' && zone !== 'UTC') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z || +z[2] > 14 || +(z[3] ?? 0) > 59) return null;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (+z[2] * 60 + +(z[3] ?? 0));
  }
  return new Date(day.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis);
}

export function addUtcDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Null for impossible dates (month 13, 31 April, 29 February outside leap years). */
function utcDay(year: number, month: number, day: number): Date | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0–99 to 1900–1999, and rolls 31 April over to 1 May; both fail here
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}
