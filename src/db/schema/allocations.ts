import { sql } from 'drizzle-orm';
import {
  bigint, char, date, foreignKey, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { estimateKindEnum } from './estimates.js';
import { organizations } from './organizations.js';
import { runs } from './runs.js';

/** TASK: a task's share of a pool line; IDLE: what no task on the pool explains; UNALLOCATED: a line tied to no pool. */
export const allocationKindEnum = pgEnum('allocation_kind', ['TASK', 'IDLE', 'UNALLOCATED']);
export const reconciliationStatusEnum = pgEnum('reconciliation_status', ['RUNNING', 'SUCCEEDED', 'FAILED']);

/**
 * How one bill line (cost_records row) was split. For every line of a reconciled window the rows
 * sum to the line's cost exactly: IDLE (and the last shared-idle row) is computed as a difference in
 * numeric, never summed from rounded parts.
 *
 * No foreign key to cost_records: a sync replaces a window's lines and the reconcile job it
 * queues replaces that window's allocations by `charge_period_start`; a cascade would only make the
 * sync's transaction slower. Runs and tasks neither: their ids come from `tasks` (which has its keys)
 * in the same statement, and a per-row key check would double the cost of writing a million
 * allocations; a deleted run's allocations are replaced when its window is reconciled again.
 */
export const allocations = pgTable(
  'allocations',
  {
    orgId: orgId(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    reconciliationId: uuid('reconciliation_id').notNull(),
    /** The line's key in cost_records: its row hash (unique in the organization: the hash covers the period). */
    costRowHash: uuid('cost_row_hash').notNull(),
    /** The line's, copied: a window's allocations are replaced by it. */
    chargePeriodStart: tstz('charge_period_start').notNull(),
    kind: allocationKindEnum('kind').notNull(),
    /**
     * TASK: `RATE` (the line's own rate per consumed hour), `PRICE` (the pool VM's listed price), `SCALED`
     * (tasks explain more than was billed: scaled down to the cost), `WEIGHT` (no rate known: the line
     * split by share × time). IDLE: `REMAINDER`, or `SHARED` when given to a run. UNALLOCATED: `NO_POOL`.
     */
    method: text('method').notNull(),
    poolId: uuid('pool_id'),
    runId: uuid('run_id'),
    /** tasks.id */
    taskId: bigint('task_id', { mode: 'number' }),
    /** max(cpu share, memory share) of the pool's VM. */
    share: numeric('share'),
    /**
     * Hours of the task's overlap with the line's charge period that this line bills: the whole overlap,
     * or, when the pool has several lines of machine time in the period (per VM, per meter), the line's
     * part of it, so that the task's hours over those lines add up to its overlap.
     */
    hours: numeric('hours'),
    amount: numeric('amount').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'allocations_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'allocations_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    // windows are replaced by period, and a line's rows are found by period and hash: one index serves both,
    // and a reconcile, which writes its window period by period, inserts into it in order (an index led by the
    // random hash took a random page per row)
    index('allocations_org_period_line_idx').on(t.orgId, t.chargePeriodStart, t.costRowHash),
    index('allocations_org_run_idx').on(t.orgId, t.runId),
  ],
);

/** One reconciliation of a window [window_start, window_end) of charge periods: what it did. */
export const reconciliations = pgTable(
  'reconciliations',
  {
    orgId: orgId(),
    id: uuidPk(),
    windowStart: tstz('window_start').notNull(),
    windowEnd: tstz('window_end').notNull(),
    status: reconciliationStatusEnum('status').notNull().default('RUNNING'),
    /** `SHARE` or `SEPARATE` (GCT_RECONCILE_IDLE at the time). */
    idleMode: text('idle_mode').notNull(),
    jobId: text('job_id'),
    /** What asked for it: `import`, `sync`, `request` (the mutation), or a test/bench. */
    trigger: text('trigger').notNull(),
    lines: integer('lines').notNull().default(0),
    poolLines: integer('pool_lines').notNull().default(0),
    unallocatedLines: integer('unallocated_lines').notNull().default(0),
    taskAllocations: integer('task_allocations').notNull().default(0),
    runsUpdated: integer('runs_updated').notNull().default(0),
    /** Runs whose allocations are not all in the run's currency: their actual cost stays null. */
    currencyMismatchRuns: integer('currency_mismatch_runs').notNull().default(0),
    estimateErrors: integer('estimate_errors').notNull().default(0),
    driftAlerts: integer('drift_alerts').notNull().default(0),
    /** Per currency: `[{ currency, cost, tasks, idle, unallocated }]`, decimal strings summed in SQL. */
    totals: jsonb('totals').$type<ReconciliationTotal[]>().notNull().default([]),
    error: text('error'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    /** Set at commit (the clock after the lock): SUCCEEDED reconciliations in this order replaced each other. */
    finishedAt: tstz('finished_at'),
    durationMs: integer('duration_ms'),
    /**
     * UTC days of the window with a pool line loaded less than 72 h after its charge period ended (usage
     * is revised for that long): a run on such a day is not billed in full by this reconciliation.
     */
    unsettledDays: date('unsettled_days', { mode: 'string' }).array().notNull().default(sql`'{}'::date[]`),
  },
  (t) => [
    primaryKey({ name: 'reconciliations_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'reconciliations_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    index('reconciliations_org_started_idx').on(t.orgId, t.startedAt, t.id),
  ],
);

export interface ReconciliationTotal {
  currency: string;
  cost: string;
  tasks: string;
  idle: string;
  unallocated: string;
}

/**
 * A stored run estimate against the run's reconciled actual cost. One row per estimate, replaced
 * when a later reconciliation changes the actual.
 */
export const estimateErrors = pgTable(
  'estimate_errors',
  {
    orgId: orgId(),
    id: uuidPk(),
    estimateId: uuid('estimate_id').notNull(),
    reconciliationId: uuid('reconciliation_id').notNull(),
    runId: uuid('run_id').notNull(),
    pipelineId: uuid('pipeline_id'),
    kind: estimateKindEnum('kind').notNull(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    estimated: numeric('estimated').notNull(),
    actual: numeric('actual').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    /** (estimated − actual) / actual; null when the actual is 0. Positive: the estimate was too high. */
    errorRatio: numeric('error_ratio'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'estimate_errors_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'estimate_errors_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    foreignKey({ name: 'estimate_errors_run_fk', columns: [t.orgId, t.runId], foreignColumns: [runs.orgId, runs.id] }).onDelete('cascade'),
    uniqueIndex('estimate_errors_org_estimate_key').on(t.orgId, t.estimateId),
    index('estimate_errors_org_pipeline_model_idx').on(t.orgId, t.pipelineId, t.modelName, t.modelVersion),
  ],
);

export type AllocationRow = typeof allocations.$inferSelect;
export type AllocationKind = (typeof allocationKindEnum.enumValues)[number];
export type ReconciliationRow = typeof reconciliations.$inferSelect;
export type ReconciliationStatus = (typeof reconciliationStatusEnum.enumValues)[number];
export type EstimateErrorRow = typeof estimateErrors.$inferSelect;
