/**
 * A run's currency is its organization's: the currency its bill comes in, so reconciliation can give it
 * an actual cost (allocations carry their bill line's currency) and budgets in that currency count it.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { notFound } from '../errors.js';

/** For a new run's `currency`: read in the insert itself, so capture pays no extra round trip. */
export const orgCurrencySql = (orgId: string): SQL<string> => sql<string>`(select o.currency from organizations o where o.id = ${orgId})`;

export async function orgCurrency(db: Pick<Db, 'execute'>, orgId: string): Promise<string> {
  const [row] = (await db.execute(sql`select currency from organizations where id = ${orgId}`)) as unknown as { currency: string }[];
  if (!row) throw notFound('Organization', orgId);
  return row.currency.trim();
}
