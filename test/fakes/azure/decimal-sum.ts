/** Exact decimal arithmetic on strings (BigInt), so test expectations never pass through a float. */

function parse(value: string): { units: bigint; scale: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`${JSON.stringify(value)} is not a plain decimal string`);
  const frac = m[3] ?? '';
  const units = BigInt(m[2] + frac);
  return { units: m[1] === '-' ? -units : units, scale: frac.length };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let out = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return negative && out !== '0' ? `-${out}` : out;
}

/** Canonical form: no trailing fractional zeros, no "-0" ("1.50" and "1.5" compare equal). */
export function normalizeDecimal(value: string): string {
  const { units, scale } = parse(value);
  return format(units, scale);
}

export function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  let scale = 0;
  for (const v of values) {
    const p = parse(v);
    if (p.scale > scale) {
      total *= 10n ** BigInt(p.scale - scale);
      scale = p.scale;
    }
    total += p.units * 10n ** BigInt(scale - p.scale);
  }
  return format(total, scale);
}
