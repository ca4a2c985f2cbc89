import { sql } from 'drizzle-orm';
import { date, index, integer, numeric, char, pgTable, text, uniqueIndex, bigint } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { vmPriorityEnum } from './runs.js';

/** Reference data shared by every organization: a VM's price per hour from a date on. */
export const prices = pgTable(
  'prices',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    provider: text('provider').notNull(),
    region: text('region').notNull(),
    vmSize: text('vm_size').notNull(),
    priority: vmPriorityEnum('priority').notNull(),
    vcpus: integer('vcpus').notNull(),
    memoryGib: numeric('memory_gib').notNull(),
    pricePerHour: numeric('price_per_hour').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    source: text('source').notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('prices_lookup_key').on(t.provider, t.region, t.vmSize, t.priority, t.effectiveFrom),
    index('prices_size_idx').on(t.vmSize),
    // VM sizes are matched case-insensitively (pools are typed by people), once per priced task
    index('prices_provider_size_ci_idx').on(t.provider, sql`lower(${t.vmSize})`),
  ],
);

export type PriceRow = typeof prices.$inferSelect;
