import { sql } from 'drizzle-orm';
import { boolean, char, check, doublePrecision, foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgId, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

/** PIPELINE: fitted on every task of a pipeline; PROCESS: on one process of a pipeline. */
export const modelScopeEnum = pgEnum('model_scope', ['PIPELINE', 'PROCESS']);

/**
 * One fit of one model on one scope of an organization's history, with what its time-ordered
 * holdout measured. Versions are kept; at most one champion per (target, scope, pipeline, process):
 * the fit quotes use.
 */
export const modelVersions = pgTable(
  'model_versions',
  {
    orgId: orgId(),
    id: uuidPk(),
    modelName: text('model_name').notNull(),
    /** The model code's own version (EstimationModel.version). */
    modelVersion: text('model_version').notNull(),
    target: text('target').notNull(),
    scope: modelScopeEnum('scope').notNull(),
    pipeline: text('pipeline').notNull(),
    /** '' for PIPELINE scope. */
    process: text('process').notNull().default(''),
    /**
     * The fitted state, as the model returned it (JSON-serialisable by contract). Only champions' states
     * are read (quotes); another version's is dropped (null) once it is older than the retention
     * (GCT_MODEL_STATE_RETENTION_DAYS), its metrics kept.
     */
    state: jsonb('state').$type<unknown>(),
    /**
     * Fingerprint of what the fit saw: the scope's samples and the settings that shape a round. A round
     * whose models' newest versions all carry the fingerprint it would store again is skipped (null
     * before migration 0018: never matches).
     */
    samplesKey: text('samples_key'),
    /**
     * Fingerprint of the pipeline's whole history (services/history-fingerprint.ts) when the version was
     * fitted or last found unchanged: while it is still the pipeline's, a round skips the scope without
     * reading the history (null before migration 0020: read once, then labelled).
     */
    historyFingerprint: text('history_fingerprint'),
    /** Holdout metrics (fractions; null when no scored sample had a non-zero actual). */
    mape: doublePrecision('mape'),
    medianApe: doublePrecision('median_ape'),
    bias: doublePrecision('bias'),
    coverage: doublePrecision('coverage'),
    nTrain: integer('n_train').notNull(),
    nTest: integer('n_test').notNull(),
    champion: boolean('champion').notNull().default(false),
    /** costPerRun versions: what the runs' costs were, `BILL` (reconciled actuals) or `PRICE_SHEET` (their tasks priced); null for task targets. */
    costBasis: text('cost_basis').$type<CostBasis>(),
    /** costPerRun versions: the currency of the runs' costs, which the model's figures are in. */
    currency: char('currency', { length: 3 }),
    trainedAt: tstz('trained_at').notNull().defaultNow(),
    /** Submit times of the oldest and newest samples the stored fit learned from (null before migration 0011). */
    trainedFrom: tstz('trained_from'),
    trainedTo: tstz('trained_to'),
    /** Submit time of the oldest holdout sample: the metrics are on samples from then to trainedTo. */
    heldOutFrom: tstz('held_out_from'),
  },
  (t) => [
    primaryKey({ name: 'model_versions_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'model_versions_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('model_versions_champion_key').on(t.orgId, t.target, t.scope, t.pipeline, t.process).where(sql`${t.champion}`),
    index('model_versions_org_trained_idx').on(t.orgId, t.trainedAt.desc()),
    check('model_versions_cost_basis', sql`${t.costBasis} in ('BILL', 'PRICE_SHEET')`),
    // quotes read a champion's state
    check('model_versions_champion_state', sql`not ${t.champion} or ${t.state} is not null`),
  ],
);

export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type ModelScope = (typeof modelScopeEnum.enumValues)[number];
export const COST_BASES = ['BILL', 'PRICE_SHEET'] as const;
export type CostBasis = (typeof COST_BASES)[number];
