import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Timestamps are always timestamptz, UTC. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const timestamps = {
  createdAt: tstz('created_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
};

/**
 * Every tenant table starts with `org_id`, and it leads every primary, unique and foreign key,
 * so the same schema can later be distributed on Citus by `org_id` without rewriting keys.
 */
export const orgId = () => uuid('org_id').notNull();

export const uuidPk = () => uuid('id').notNull().defaultRandom();

/** Largest value of an `integer` (int4) column; inputs are checked against it before they reach one. */
export const INT4_MAX = 2_147_483_647;

/**
 * Largest value stored in a `bigint` column read as a JS number (`mode: 'number'`): above 2^53 − 1 the
 * number read back is not the one stored, long before Postgres' own bigint limit (9.2e18).
 */
export const BIGINT_NUMBER_MAX = Number.MAX_SAFE_INTEGER;
