import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costCellToDecimal, numberToDecimalString } from '../../../src/ingest/azure/decimal.js';

test('keeps every digit a JSON literal of up to 15 significant digits had', () => {
  for (const literal of ['0', '12.34', '218.68795741935', '-3.5', '123456789012345', '0.1', '99999.999999']) {
    assert.equal(numberToDecimalString(JSON.parse(literal)), literal);
  }
});

test('expands the exponent notation JS uses for small and large magnitudes', () => {
  assert.equal(numberToDecimalString(JSON.parse('0.000000123')), '0.000000123');
  assert.equal(numberToDecimalString(JSON.parse('0.0000005')), '0.0000005');
  assert.equal(numberToDecimalString(JSON.parse('-0.00000012')), '-0.00000012');
  assert.equal(numberToDecimalString(JSON.parse('1.5e-10')), '0.00000000015');
  assert.equal(numberToDecimalString(JSON.parse('1e21')), '1000000000000000000000');
  assert.equal(numberToDecimalString(JSON.parse('1.25e22')), '12500000000000000000000');
});

test('a 17-digit literal becomes the shortest decimal of the same double, never a rounded-off one', () => {
  const literal = '20.359416562625452';
  const out = numberToDecimalString(JSON.parse(literal));
  assert.equal(Number(out), Number(literal));
  assert.ok(out.length <= literal.length);
  assert.match(out, /^\d+\.\d+$/);
});

test('rejects non-finite numbers; accepts decimal strings, refuses other cells', () => {
  assert.throws(() => numberToDecimalString(Number.NaN), /not a finite number/);
  assert.equal(costCellToDecimal(' 12.50 '), '12.50');
  assert.equal(costCellToDecimal('1e5'), undefined);
  assert.equal(costCellToDecimal(null), undefined);
  assert.equal(costCellToDecimal('USD'), undefined);
});
