import { DateTime, IANAZone } from 'luxon';
import { BIGINT_NUMBER_MAX } from '../../db/schema/columns.js';

/**
 * Parsers for the values Nextflow writes in traces and weblog payloads. Each accepts both the
 * human-readable form (default trace: `1h 2m 3s`, `43.5 KB`, `97.8%`, `2023-04-05 12:34:56.789`)
 * and the raw form (`trace.raw = true` and the weblog: integer ms, integer bytes, plain float,
 * epoch ms). The forms never collide: human durations and sizes always carry a unit, human
 * dates always have dashes, so a bare number is always raw.
 *
 * Inputs are `unknown` because weblog JSON hands over numbers, strings or null alike.
 * `-`, the empty string, null and undefined mean "no value" (Nextflow writes `-` for unknown).
 */

export class UnitParseError extends Error {
  constructor(
    /** What was expected: `duration`, `size`, `percent`, `date`, `integer`... */
    readonly kind: string,
    readonly value: unknown,
    detail?: string,
  ) {
    super(`invalid ${kind} ${showValue(value)}${detail ? ` (${detail})` : ''}`);
    this.name = 'UnitParseError';
  }
}

/** Quote a value for an error message, cut short so a garbage line cannot flood a log. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined || typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isMissing(value: unknown): value is null | undefined | '' | '-' {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  const t = value.trim();
  return t === '' || t === '-';
}

const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/;

/** A non-negative JS number from either a JSON number or a plain decimal string, else undefined. */
function rawNumber(value: unknown, kind: string): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new UnitParseError(kind, value, 'must be a finite number >= 0');
    return value;
  }
  if (typeof value !== 'string') throw new UnitParseError(kind, value, `expected a string or number, got ${typeOf(value)}`);
  const t = value.trim();
  return PLAIN_NUMBER.test(t) ? Number(t) : undefined;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------------------- durations

const DURATION_UNITS: Record<string, number> = {
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

const DURATION_PART = /\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*/y;

/**
 * Duration in milliseconds: `1h 2m 3s`, `4.5s`, `250ms`, `2d 3h`, `5m 18s`, or raw ms.
 * Fractions are rounded to whole ms (`16.2s` is 16200, not 16200.000000000004).
 */
export function parseDuration(value: unknown): number | null {
  if (isMissing(value)) return null;
  const raw = rawNumber(value, 'duration');
  if (raw !== undefined) return storable('duration', value, Math.round(raw));
  const text = (value as string).trim();
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(text);
    if (!m) throw new UnitParseError('duration', value, 'expected e.g. "1h 2m 3s", "4.5s", "250ms" or whole milliseconds');
    const factor = DURATION_UNITS[m[2].toLowerCase()];
    if (factor === undefined) throw new UnitParseError('duration', value, `unknown unit "${m[2]}"`);
    total += Number(m[1]) * factor;
    pos = DURATION_PART.lastIndex;
  }
  return storable('duration', value, Math.round(total));
}

// ---------------------------------------------------------------------------- sizes

// Nextflow's MemoryUnit is 1024-based although it prints KB/MB/GB, not KiB/MiB/GiB.
const SIZE_POWERS: Record<string, number> = { '': 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6, Z: 7 };
const HUMAN_SIZE = /^(\d+(?:\.\d+)?)\s*(?:([KMGTPEZ])(?:I?B)?|B)$/;

/** Size in bytes: `2 GB`, `512 MB`, `1.5 TB`, `468 B`, `43.5 KB`, or raw bytes. */
export function parseBytes(value: unknown): number | null {
  if (isMissing(value)) return null;
  const raw = rawNumber(value, 'size');
  if (raw !== undefined) return storable('size', value, Math.round(raw));
  // also accepts `2G` and `2 GiB`, which people write in hand-made files
  const m = HUMAN_SIZE.exec((value as string).trim().toUpperCase());
  if (!m) throw new UnitParseError('size', value, 'expected e.g. "512 MB", "43.5 KB" or whole bytes');
  return storable('size', value, Math.round(Number(m[1]) * 1024 ** SIZE_POWERS[m[2] ?? '']));
}

/** Durations and sizes go to bigint columns read back as JS numbers: larger ones would not read back as stored. */
function storable(kind: string, value: unknown, n: number): number {
  if (n > BIGINT_NUMBER_MAX) throw new UnitParseError(kind, value, `larger than the largest stored, ${BIGINT_NUMBER_MAX}`);
  return n;
}

// ---------------------------------------------------------------------------- percent

const PERCENT = /^(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*%?$/;

/**
 * Percentage as a plain number (`98.5%` -> 98.5). Raw traces print Java floats, which use
 * exponent notation for small values (`1.0E-4`), so that is accepted too.
 */
export function parsePercent(value: unknown): number | null {
  if (isMissing(value)) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new UnitParseError('percent', value, 'must be a finite number >= 0');
    return value;
  }
  if (typeof value !== 'string') throw new UnitParseError('percent', value, `expected a string or number, got ${typeOf(value)}`);
  const m = PERCENT.exec(value.trim());
  if (!m) throw new UnitParseError('percent', value, 'expected e.g. "98.5%" or a plain number');
  return Number(m[1]);
}

// ---------------------------------------------------------------------------- integers

const INTEGER = /^[-+]?\d+$/;

/**
 * A whole number (task id, exit status, cpus, attempt, syscr...). `min`/`max` are the range of the
 * column it is stored in (an int4 `cpus` cannot take 3000000000): out of it, the value is refused here,
 * where the trace line or weblog field can be named, not by Postgres for the whole file.
 */
export function parseInteger(value: unknown, opts: { min?: number; max?: number } = {}): number | null {
  if (isMissing(value)) return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && INTEGER.test(value.trim())) n = Number(value.trim());
  else throw new UnitParseError('integer', value, typeof value === 'string' ? undefined : `got ${typeOf(value)}`);
  if (!Number.isSafeInteger(n)) throw new UnitParseError('integer', value, 'not a whole number in the safe range');
  if (opts.min !== undefined && n < opts.min) throw new UnitParseError('integer', value, `must be >= ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new UnitParseError('integer', value, `must be <= ${opts.max}`);
  return n;
}

// ---------------------------------------------------------------------------- dates

/** Throws a RangeError naming the zone unless it is an IANA name luxon knows (e.g. Europe/Berlin, UTC). */
export function assertTimeZone(zone: string): string {
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw new RangeError(`unknown time zone ${showValue(zone)}: expected an IANA name such as "UTC" or "Europe/Berlin"`);
  }
  return zone;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?$/;
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T[\d:.,]+(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const EPOCH_MS = /^\d+$/;

/*
 * Converting a local wall-clock time with luxon costs ~15 µs; a million-line trace has three
 * dates per line but only a few thousand distinct minutes. Zone offsets only change at whole
 * minutes, so the UTC instant of each local minute is cached and seconds are added to it.
 */
const minuteCache = new Map<string, number>();
const MINUTE_CACHE_LIMIT = 50_000;

function localMinuteToEpoch(zone: string, y: number, mo: number, d: number, h: number, mi: number, original: unknown): number {
  const key = `${zone}|${y}-${mo}-${d} ${h}:${mi}`;
  const hit = minuteCache.get(key);
  if (hit !== undefined) return hit;
  const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: mi }, { zone });
  if (!dt.isValid) throw new UnitParseError('date', original, dt.invalidExplanation ?? dt.invalidReason ?? 'no such date');
  // A time inside a DST gap does not exist; luxon would silently shift it, which Nextflow never writes.
  if (dt.hour !== h || dt.minute !== mi || dt.day !== d) {
    throw new UnitParseError('date', original, `that wall-clock time does not exist in ${zone}: daylight-saving gap`);
  }
  if (minuteCache.size >= MINUTE_CACHE_LIMIT) minuteCache.clear();
  const epoch = dt.toMillis();
  minuteCache.set(key, epoch);
  return epoch;
}

/**
 * An instant: `2023-04-05 12:34:56.789` read as wall-clock time in `timeZone` (Nextflow
 * writes trace dates in the JVM's local zone, so the caller must say which one; default UTC),
 * an ISO-8601 string with `Z` or an offset (weblog `utcTime`, workflow start), or raw epoch ms.
 * A wall-clock time in the hour that repeats when clocks go back is ambiguous; luxon resolves
 * it to the second (standard-time) instant and so does this, for the whole hour.
 */
export function parseTimestamp(value: unknown, timeZone = 'UTC'): Date | null {
  if (isMissing(value)) return null;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new UnitParseError('date', value, 'epoch milliseconds must be a whole number >= 0');
    return epochDate(value, value);
  }
  if (typeof value !== 'string') throw new UnitParseError('date', value, `expected a string or number, got ${typeOf(value)}`);
  const text = value.trim();
  const m = LOCAL_DATE.exec(text);
  if (m) {
    const sec = m[6] === undefined ? 0 : Number(m[6]);
    if (sec > 59) throw new UnitParseError('date', value, 'seconds out of range');
    const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    const base = localMinuteToEpoch(timeZone, Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), value);
    return inStorableYears(new Date(base + sec * 1000 + ms), value);
  }
  if (EPOCH_MS.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new UnitParseError('date', value, 'epoch milliseconds out of range');
    return epochDate(n, value);
  }
  if (ZONED_ISO.test(text)) {
    const dt = DateTime.fromISO(text, { setZone: true });
    if (dt.isValid) return inStorableYears(dt.toJSDate(), value);
    throw new UnitParseError('date', value, dt.invalidExplanation ?? dt.invalidReason ?? undefined);
  }
  throw new UnitParseError('date', value, `expected "yyyy-MM-dd HH:mm:ss.SSS", ISO-8601 with a zone, or epoch milliseconds`);
}

// the last millisecond of year 9999: past it, a Date is invalid or writes a year Postgres does not read
const LAST_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function epochDate(ms: number, original: unknown): Date {
  if (ms > LAST_EPOCH_MS) throw new UnitParseError('date', original, 'epoch milliseconds past the year 9999');
  return new Date(ms);
}

// Postgres reads no year 0 (`0000-06-01` failed the whole import with 22008, naming no line); years past 9999 are
// written `+010000-…`, which it does not read either
function inStorableYears(date: Date, original: unknown): Date {
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new UnitParseError('date', original, `year ${year} is outside 1 to 9999`);
  return date;
}
