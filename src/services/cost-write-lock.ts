/**
 * One organization's bill writes take turns: loading lines (files, syncs) and rebuilding the daily
 * rollup. Without it, a rebuild could mark a day current while a load that the rebuild cannot see
 * yet adds lines to it (the load's invalidation would miss the uncommitted mark). Held to the end of
 * the transaction; re-taking it in the same transaction is free.
 */
import { sql, type SQL } from 'drizzle-orm';
import type postgres from 'postgres';

const COST_WRITE_LOCK = 7_240_014;

export async function lockCostWrites(tx: postgres.TransactionSql, orgId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(${COST_WRITE_LOCK}, hashtext(${orgId}))`;
}

/** The same lock, as a statement for a Drizzle transaction. */
export const lockCostWritesSql = (orgId: string): SQL => sql`select pg_advisory_xact_lock(${COST_WRITE_LOCK}, hashtext(${orgId}))`;
