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
