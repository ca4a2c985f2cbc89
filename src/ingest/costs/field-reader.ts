import { parseCurrency } from './currency.js';
import { FIRST_YEAR, inServedYears, LAST_YEAR } from './dates.js';
import { parseDecimal, tooManyDigits } from './decimal.js';
import type { HeaderColumn } from './header.js';
import { parseTags, type TagsResult } from './tags.js';

/**
 * Reads typed values out of one record and collects every problem, so a quarantined row's reason
 * lists all that is wrong with it (column and value), not only the first thing.
 */
export class FieldReader {
  readonly problems: string[] = [];

  constructor(
    private readonly fields: readonly string[],
    /** FOCUS files may write null as the literal `NULL`. */
    private readonly nullLiteral: boolean,
  ) {}

  text(column: HeaderColumn | undefined): string | null {
    if (!column) return null;
    const value = (this.fields[column.index] ?? '').trim();
    if (value === '' || (this.nullLiteral && value === 'NULL')) return null;
    return value;
  }

  requiredText(column: HeaderColumn | undefined, missingColumn: string): string | null {
    if (!column) {
      this.problems.push(missingColumn);
      return null;
    }
    const value = this.text(column);
    if (value === null) this.problems.push(`${column.name}: missing (required)`);
    return value;
  }

  decimal(column: HeaderColumn | undefined, decimalComma = false): string | null {
    const value = this.text(column);
    if (value === null || !column) return null;
    const parsed = parseDecimal(value, { decimalComma });
    if (parsed === null) {
      this.problems.push(`${column.name}: ${quote(value)} is not a decimal number`);
      return null;
    }
    const excess = tooManyDigits(parsed);
    if (excess !== null) {
      this.problems.push(`${column.name}: ${quote(value)} has ${excess}, more than a bill amount or quantity`);
      return null;
    }
    return parsed;
  }

  requiredDecimal(column: HeaderColumn | undefined, missingColumn: string, decimalComma = false): string | null {
    const value = this.requiredText(column, missingColumn);
    if (value === null || !column) return null;
    return this.decimal(column, decimalComma);
  }

  date(column: HeaderColumn | undefined, parse: (text: string) => Date | null, expected: string, missingColumn: string): Date | null {
    const value = this.requiredText(column, missingColumn);
    if (value === null || !column) return null;
    const parsed = parse(value);
    if (!parsed) {
      this.problems.push(`${column.name}: ${quote(value)} is not a date (expected ${expected})`);
      return null;
    }
    if (!inServedYears(parsed)) {
      this.problems.push(`${column.name}: ${quote(value)} is outside the years ${FIRST_YEAR} to ${LAST_YEAR}`);
      return null;
    }
    return parsed;
  }

  /** `fallback` applies only when the file has no currency column at all, never to an empty cell. */
  currency(column: HeaderColumn | undefined, fallback: string | undefined, missingColumn: string): string | null {
    if (!column && fallback !== undefined) return fallback;
    const value = this.requiredText(column, missingColumn);
    if (value === null || !column) return null;
    const code = parseCurrency(value);
    if (!code) this.problems.push(`${column.name}: ${quote(value)} is not an ISO 4217 currency code`);
    return code;
  }

  tags(column: HeaderColumn | undefined, parse: (text: string | null) => TagsResult = parseTags): Record<string, string> {
    const value = this.text(column);
    const parsed = parse(value);
    if (parsed.ok) return parsed.tags;
    this.problems.push(`${column?.name ?? 'Tags'}: ${quote(value ?? '')}${parsed.problem ? `: ${parsed.problem}` : ' is not a JSON object or a "key": "value" list'}`);
    return {};
  }
}

/** Values in reasons are quoted and cut short: a reason names the value, the raw line holds all of it. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}
