import { char, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';

export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    /** ISO 4217; amounts the organization sees are reported in this currency. */
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    isDemo: text('is_demo').$type<'true' | 'false'>().notNull().default('false'),
    ...timestamps,
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug)],
);

export type OrganizationRow = typeof organizations.$inferSelect;
