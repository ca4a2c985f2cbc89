import { char, check, foreignKey, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';
import { projects } from './projects.js';

export const budgetScopeEnum = pgEnum('budget_scope', ['ORGANIZATION', 'PROJECT', 'PIPELINE', 'TAG']);
export const budgetPeriodEnum = pgEnum('budget_period', ['MONTH', 'QUARTER', 'YEAR', 'CUSTOM']);

export type ThresholdBasis = 'ACTUAL' | 'FORECAST';
/** One threshold: alert when spend (or its forecast) reaches `percent` of the amount. */
export interface BudgetThreshold {
  percent: number;
  basis: ThresholdBasis;
}

/**
 * A spending limit over a scope and a period. The scope columns that apply to `scope` are set, the
 * others null (checked below), so a budget can never name two scopes at once.
 */
export const budgets = pgTable(
  'budgets',
  {
    orgId: orgId(),
    id: uuidPk(),
    name: text('name').notNull(),
    scope: budgetScopeEnum('scope').notNull(),
    projectId: uuid('project_id'),
    /** Pipeline scope is by name (e.g. nf-core/rnaseq), every revision. */
    pipelineName: text('pipeline_name'),
    tagKey: text('tag_key'),
    tagValue: text('tag_value'),
    period: budgetPeriodEnum('period').notNull(),
    /** Only for CUSTOM: [start, end). */
    startsAt: tstz('starts_at'),
    endsAt: tstz('ends_at'),
    amount: numeric('amount').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    thresholds: jsonb('thresholds').$type<BudgetThreshold[]>().notNull().default([]),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'budgets_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'budgets_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    // a project with a budget is not deleted from under it
    foreignKey({ name: 'budgets_project_fk', columns: [t.orgId, t.projectId], foreignColumns: [projects.orgId, projects.id] }).onDelete('restrict'),
    uniqueIndex('budgets_org_name_key').on(t.orgId, t.name),
    check('budgets_amount_positive', sql`${t.amount} > 0`),
    check(
      'budgets_scope_columns',
      sql`(${t.scope} = 'PROJECT') = (${t.projectId} is not null) and (${t.scope} = 'PIPELINE') = (${t.pipelineName} is not null) and (${t.scope} = 'TAG') = (${t.tagKey} is not null and ${t.tagValue} is not null)`,
    ),
    check('budgets_custom_range', sql`(${t.period} = 'CUSTOM') = (${t.startsAt} is not null and ${t.endsAt} is not null) and (${t.startsAt} is null or ${t.startsAt} < ${t.endsAt})`),
  ],
);

export type BudgetRow = typeof budgets.$inferSelect;
export type BudgetScope = (typeof budgetScopeEnum.enumValues)[number];
export type BudgetPeriod = (typeof budgetPeriodEnum.enumValues)[number];
