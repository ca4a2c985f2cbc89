import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalDecimal, parseDecimal } from '../../../src/ingest/costs/index.js';

describe('parseDecimal', () => {
  it('keeps plain decimals exactly as written, trailing zeros included', () => {
    assert.equal(parseDecimal('0.00000080000'), '0.00000080000');
    assert.equal(parseDecimal('0.000000060000000000000000000'), '0.000000060000000000000000000');
    assert.equal(parseDecimal('-2.61370000000'), '-2.61370000000');
    assert.equal(parseDecimal('12'), '12');
    assert.equal(parseDecimal(' 3.25 '), '3.25');
  });

  it('normalises notation without changing the value', () => {
    assert.equal(parseDecimal('+.5'), '0.5');
    assert.equal(parseDecimal('5.'), '5');
    assert.equal(parseDecimal('007.10'), '7.10');
    assert.equal(parseDecimal('-0.00'), '0.00');
  });

  it('converts scientific notation exactly', () => {
    assert.equal(parseDecimal('1.5E-05'), '0.000015');
    assert.equal(parseDecimal('1.5e-5'), '0.000015');
    assert.equal(parseDecimal('-2.5E3'), '-2500');
    assert.equal(parseDecimal('1.500E1'), '15.00');
    assert.equal(parseDecimal('1.2345678901234567890123E+10'), '12345678901.234567890123');
    // a float would print 1.0000000000000001e-7 here; the digits must survive unchanged
    assert.equal(parseDecimal('1.0000000000000001E-07'), '0.00000010000000000000001');
  });

  it('agrees with exact BigInt arithmetic for mantissa x 10^exponent', () => {
    // deterministic pseudo-random cases: value = digits / 10^fracLen * 10^exp
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 500; i++) {
      const intPart = String(rand(100000));
      const fracPart = String(rand(1000000)).padStart(rand(8) + 1, '0');
      const exp = rand(41) - 20;
      const out = parseDecimal(`${intPart}.${fracPart}e${exp}`);
      assert.ok(out !== null);
      // compare out * 10^S with mantissa * 10^(S + exp - fracLen) for S large enough
      const S = 60;
      const [oi, of = ''] = out.split('.');
      const lhs = BigInt(oi + of.padEnd(S, '0'));
      const rhs = BigInt(intPart + fracPart) * 10n ** BigInt(S + exp - fracPart.length);
      assert.equal(lhs, rhs, `${intPart}.${fracPart}e${exp} -> ${out}`);
    }
  });

  it('refuses what is not a number', () => {
    for (const bad of ['', ' ', 'abc', '1.2.3', '1e', 'e5', '.', '-', 'NaN', 'Infinity', '1 000', '$5', '1e99999', '0x10']) {
      assert.equal(parseDecimal(bad), null, bad);
    }
  });

  it('accepts a decimal comma only when asked (German exports)', () => {
    assert.equal(parseDecimal('0,075'), null);
    assert.equal(parseDecimal('1,234'), null);
    assert.equal(parseDecimal('0,075', { decimalComma: true }), '0.075');
    assert.equal(parseDecimal('-1,5E-2', { decimalComma: true }), '-0.015');
    assert.equal(parseDecimal('0.075', { decimalComma: true }), '0.075');
    // both separators: thousands grouping, which is ambiguous across locales
    assert.equal(parseDecimal('1.234,5', { decimalComma: true }), null);
    assert.equal(parseDecimal('1,2,3', { decimalComma: true }), null);
  });
});

describe('canonicalDecimal', () => {
  it('drops insignificant zeros only', () => {
    assert.equal(canonicalDecimal('1.500'), '1.5');
    assert.equal(canonicalDecimal('2.000'), '2');
    assert.equal(canonicalDecimal('100'), '100');
    assert.equal(canonicalDecimal('0.00'), '0');
    assert.equal(canonicalDecimal('-0.10'), '-0.1');
  });
});
