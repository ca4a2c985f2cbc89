/**
 * Money and quantities travel as decimal strings all the way to Postgres `numeric`, so this
 * module only rewrites notation (sign, exponent, decimal comma); it never goes through a float.
 */

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** What parseDecimal answers unchanged: a nonzero-led (or single zero) integer part, digits after a point; negative only when some digit is not 0. */
const PLAIN = /^(?:(?:0|[1-9]\d*)(?:\.\d+)?|-(?:[1-9]\d*(?:\.\d+)?|0\.\d*[1-9]\d*))$/;

/** Exponents beyond this are not amounts from a bill; refusing them also bounds the output size. */
const MAX_EXPONENT = 400;

export interface DecimalOptions {
  /** Accept `0,075` as 0.075. Only for localized (German) exports, where it is the convention. */
  decimalComma?: boolean;
}

/**
 * `text` as a plain decimal string with its written digits (trailing zeros kept, so the
 * precision the bill was written with survives), or null when it is not a number.
 * `1.5E-05` becomes `0.000015`, `+.5` becomes `0.5`, `-0.00` becomes `0.00`.
 * Thousands separators are never accepted: `1,234` is ambiguous across locales.
 */
export function parseDecimal(text: string, options: DecimalOptions = {}): string | null {
  // already plain (no sign to drop, no leading zeros, no exponent), as nearly every bill amount is
  if (PLAIN.test(text)) return text;
  let s = text.trim();
  if (options.decimalComma && s.includes(',')) {
    if (s.includes('.')) return null;
    s = s.replace(',', '.');
  }
  const m = DECIMAL.exec(s);
  if (!m) return null;
  const sign = m[1] ?? '';
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  if (intDigits === '' && fracDigits === '') return null;

  const digits = intDigits + fracDigits;
  let point = intDigits.length;
  if (m[4] !== undefined) {
    const exponent = Number(m[4]);
    if (Math.abs(exponent) > MAX_EXPONENT) return null;
    point += exponent;
  }

  let int: string;
  let frac: string;
  if (point <= 0) {
    int = '0';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    int = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    int = digits.slice(0, point);
    frac = digits.slice(point);
  }
  int = int.replace(/^0+(?=\d)/, '');
  const isZero = !/[1-9]/.test(int + frac);
  return (sign === '-' && !isZero ? '-' : '') + int + (frac === '' ? '' : `.${frac}`);
}

/**
 * The value with insignificant trailing zeros removed, so `1.50` and `1.5` compare equal.
 * Expects output of parseDecimal.
 */
export function canonicalDecimal(decimal: string): string {
  // most amounts end in a significant digit: nothing to trim
  if (decimal.charCodeAt(decimal.length - 1) !== 0x30 || !decimal.includes('.')) return decimal;
  // the zeros, then the point if nothing is left after it (a scan: the regex was a tenth of the hash's time)
  let end = decimal.length - 1;
  while (decimal.charCodeAt(end - 1) === 0x30) end--;
  if (decimal.charCodeAt(end - 1) === 0x2e) end--;
  const trimmed = decimal.slice(0, end);
  return trimmed === '-0' ? '0' : trimmed;
}

/**
 * Digits a bill amount or quantity may have before and after the point. Bills write a few dozen at most (Azure up to
 * 28 after the point); Postgres `numeric` takes at most 16,383 after it, and a value past that failed the whole load
 * without a line number. Far below that, a longer value is not a bill's.
 */
export const MAX_INTEGER_DIGITS = 30;
export const MAX_FRACTION_DIGITS = 60;

/**
 * Why `decimal` (output of parseDecimal) has more digits than a bill amount can, or null when it has not. Cheap
 * for the values bills hold: one length test.
 */
export function tooManyDigits(decimal: string): string | null {
  if (decimal.length <= MAX_INTEGER_DIGITS) return null;
  const digits = decimal.charCodeAt(0) === 0x2d ? decimal.slice(1) : decimal;
  const point = digits.indexOf('.');
  const int = point < 0 ? digits.length : point;
  const frac = point < 0 ? 0 : digits.length - point - 1;
  if (int > MAX_INTEGER_DIGITS) return `${int} digits before the decimal point (at most ${MAX_INTEGER_DIGITS})`;
  if (frac > MAX_FRACTION_DIGITS) return `${frac} digits after the decimal point (at most ${MAX_FRACTION_DIGITS})`;
  return null;
}
