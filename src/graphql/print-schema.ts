import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from './build-schema.js';

/** The SDL clients see, sorted so the checked-in `schema.graphql` diffs cleanly. */
export function printAppSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildAppSchema()))}\n`;
}
