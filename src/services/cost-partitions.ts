/**
 * The monthly partitions of `cost_records`. Migration 0005 defines `cost_records_ensure_partitions`,
 * which creates missing months (and says why it attaches rather than creates them in place); this
 * module is how the services call it.
 */
import type postgres from 'postgres';

/** `YYYY-MM-01` of a UTC instant: the partition it belongs to. */
export function monthOf(at: Date): string {
  return `${at.toISOString().slice(0, 7)}-01`;
}

/**
 * Makes sure a partition exists for each month (`YYYY-MM-01`), inside the caller's transaction: a
 * partition commits or rolls back with the rows that needed it. One catalog lookup when they exist.
 */
export async function ensureCostPartitions(tx: postgres.TransactionSql, months: readonly string[]): Promise<void> {
  if (months.length === 0) return;
  // one comma-separated text: the shared client's array serialisation is Drizzle's, not postgres.js's
  const list = [...new Set(months)].map((m) => `${m}T00:00:00Z`).join(',');
  await tx`select cost_records_ensure_partitions(m, m) from unnest(string_to_array(${list}, ',')::timestamptz[]) m`;
}
