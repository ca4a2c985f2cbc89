import { GraphQLScalarType, Kind } from 'graphql';

/**
 * Money travels as a decimal string ("12.3400"): Postgres `numeric` end to end, never a binary float.
 * Accepts a string or a number on input and normalises it.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number, serialised as a string (e.g. "1234.5678").',
  serialize: (value) => {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new TypeError(`Decimal cannot represent ${typeof value}`);
  },
  parseValue: (value) => parseDecimal(value),
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT) return parseDecimal(ast.value);
    throw new TypeError('Decimal must be a string or a number');
  },
});

const DECIMAL = /^-?\d+(\.\d+)?$/;

function parseDecimal(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL.test(text.trim())) throw new TypeError(`Decimal expected, got ${JSON.stringify(value)}`);
  return text.trim();
}
