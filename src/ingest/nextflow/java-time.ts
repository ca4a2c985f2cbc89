import { UnitParseError } from './units.js';

/**
 * Nextflow 21.x serialised `workflow.start` / `workflow.complete` of the weblog's `started` and
 * `completed` events as the bean properties of a Java OffsetDateTime, not as a string:
 * `{"year":2021,"monthValue":8,"dayOfMonth":25,"hour":11,"minute":35,"second":25,"nano":219341000,
 *   "offset":{"totalSeconds":7200,"id":"+02:00"},"month":"AUGUST","dayOfWeek":"WEDNESDAY",...}`.
 * Returns the instant; throws UnitParseError when a field is missing or out of range.
 */
export function parseOffsetDateTime(value: Record<string, unknown>): Date {
  const field = (key: string, min: number, max: number): number => {
    const v = value[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new UnitParseError('date', value, `a Java OffsetDateTime needs a whole number ${key} in ${min}..${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const offset = value.offset;
  const totalSeconds = typeof offset === 'object' && offset !== null ? (offset as Record<string, unknown>).totalSeconds : undefined;
  // Java's ZoneOffset range
  if (typeof totalSeconds !== 'number' || !Number.isInteger(totalSeconds) || Math.abs(totalSeconds) > 18 * 3600) {
    throw new UnitParseError('date', value, 'a Java OffsetDateTime needs offset.totalSeconds, a whole number of seconds within ±18 h');
  }
  const year = field('year', 1000, 9999);
  const month = field('monthValue', 1, 12);
  const day = field('dayOfMonth', 1, 31);
  const local = Date.UTC(year, month - 1, day, field('hour', 0, 23), field('minute', 0, 59), field('second', 0, 59), Math.floor(field('nano', 0, 999_999_999) / 1e6));
  // Date.UTC rolls 31 June over into July: a day the month does not have is refused, not moved
  if (new Date(local).getUTCDate() !== day) throw new UnitParseError('date', value, `${year}-${month} has no day ${day}`);
  return new Date(local - totalSeconds * 1000);
}
