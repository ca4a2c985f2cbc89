/**
 * Turns a JS number that came out of JSON.parse into a plain decimal string, without rounding.
 *
 * Why this is exact: the Cost Management API sends costs as JSON numbers, and JSON.parse turns each
 * into the nearest double. `String(n)` (ECMAScript Number::toString) prints the SHORTEST decimal that
 * parses back to that same double, so for any literal of up to 15 significant digits it returns the
 * very digits the service wrote, and for longer literals (Azure sends up to 17, e.g.
 * 0.009865586851323632) the shortest equivalent one. No digit is invented, unlike toFixed/
 * toPrecision. The only transformation left is expanding scientific notation (1.2e-7 -> 0.00000012),
 * done here on the digit string, never with arithmetic.
 */
export function numberToDecimalString(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`cost ${n} is not a finite number`);
  const text = String(n);
  const e = text.search(/e/i);
  if (e < 0) return text;

  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  // position of the decimal point counted from the start of `digits`
  const point = intPart.length + exponent;

  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Accepts a cost cell: a JSON number, or a decimal string (some proxies re-encode numbers as text). */
export function costCellToDecimal(value: unknown): string | undefined {
  if (typeof value === 'number') return numberToDecimalString(value);
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim();
  return undefined;
}
