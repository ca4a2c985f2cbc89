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

/**
 * The months (`YYYY-MM-01`, as given) in which the organization has rows. One probe of the primary
 * key (org, period start) each.
 */
export async function monthsWithRows(tx: postgres.TransactionSql, orgId: string, months: readonly string[]): Promise<Set<string>> {
  if (months.length === 0) return new Set();
  // month bounds computed here: adding an interval to a timestamptz follows the session's time zone
  const starts = months.map((m) => `${m}T00:00:00Z`).join(',');
  const ends = months.map((m) => nextMonth(m)).join(',');
  const found = await tx<{ month: string }[]>`
    select to_char(m at time zone 'UTC', 'YYYY-MM-DD') as month
    from unnest(string_to_array(${starts}, ',')::timestamptz[], string_to_array(${ends}, ',')::timestamptz[]) t(m, e)
    where exists (select 1 from cost_records c where c.org_id = ${orgId} and c.charge_period_start >= t.m and c.charge_period_start < t.e)`;
  return new Set(found.map((r) => r.month));
}

/** The instant the month after `month` (`YYYY-MM-01`) starts, ISO. */
export function nextMonth(month: string): string {
  const at = new Date(`${month}T00:00:00Z`);
  at.setUTCMonth(at.getUTCMonth() + 1);
  return at.toISOString();
}
