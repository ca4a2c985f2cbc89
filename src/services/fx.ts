/**
 * Exchange rates (GCT_FX_RATES): the price table is in USD, an organization may be billed in EUR. A rate
 * converts one way only, `FROM:TO` (one FROM is this many TO): no inverse is made up, since 1 / 0.92 has
 * no exact decimal. Amounts are multiplied as exact decimals, here or in SQL numeric, never as floats.
 */
import { sql, type SQL } from 'drizzle-orm';

/** `FROM:TO` → how many TO one FROM is, as a plain positive decimal string. */
export type FxRates = ReadonlyMap<string, string>;

export const NO_FX_RATES: FxRates = new Map();

/** The rate from one currency to another: `1` for the same one, null when GCT_FX_RATES has none. */
export function fxRate(rates: FxRates, from: string, to: string): string | null {
  const a = from.trim();
  const b = to.trim();
  return a === b ? '1' : (rates.get(`${a}:${b}`) ?? null);
}

/** `amount` (a decimal string) in `to`, exactly; null without a rate. */
export function convertAmount(rates: FxRates, amount: string, from: string, to: string): string | null {
  const rate = fxRate(rates, from, to);
  return rate === null ? null : multiplyDecimals(amount, rate);
}

/** The exact product of two plain decimal strings (`-1.5`, `0.92`), trailing zeros dropped. */
export function multiplyDecimals(a: string, b: string): string {
  const parse = (s: string) => {
    const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s.trim());
    if (!m) throw new RangeError(`not a plain decimal: ${JSON.stringify(s)}`);
    const frac = m[3] ?? '';
    return { negative: m[1] === '-', digits: BigInt(m[2] + frac), places: frac.length };
  };
  const x = parse(a);
  const y = parse(b);
  const places = x.places + y.places;
  const digits = (x.digits * y.digits).toString().padStart(places + 1, '0');
  const int = digits.slice(0, digits.length - places);
  const frac = digits.slice(digits.length - places).replace(/0+$/, '');
  const zero = /^0+$/.test(int + frac);
  return `${x.negative !== y.negative && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/**
 * Over SQL currency expressions: the numeric rate from one to the other, 1 for the same, null without
 * one. Inlined as a CASE over the few configured pairs, so it costs nothing per row.
 */
export function fxRateSql(rates: FxRates, from: SQL, to: SQL): SQL {
  const pairs = [...rates].map(([pair, rate]) => sql`when ${pair} then ${rate}::numeric`);
  if (pairs.length === 0) return sql`(case when ${from} = ${to} then 1::numeric end)`;
  return sql`(case when ${from} = ${to} then 1::numeric else (case trim(${from}) || ':' || trim(${to}) ${sql.join(pairs, sql` `)} end) end)`;
}

/** Why an amount stays in the price table's currency. */
export const noRateNote = (from: string, to: string) => `no GCT_FX_RATES rate ${from.trim()}:${to.trim()}`;

/** Why a stored estimate in `figure`'s currency is not the run's estimated cost. */
export const notRunFigureNote = (figure: string, run: string) => `not the run's estimated cost: the run is in ${run.trim()}, ${noRateNote(figure, run)}`;
